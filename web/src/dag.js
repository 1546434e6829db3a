// The DAG: the nodes dbt's selection syntax picks, laid out left to right,
// with pan and zoom (d3-zoom). Choosing a node highlights its parents and
// children; "Focus" narrows the graph to N levels around it.

import { select as d3select } from 'd3-selection';
import { zoom, zoomIdentity } from 'd3-zoom';
import { h, s, fill, nodeHref, dagHref, lineageHref } from './dom.js';
import { label, isTest } from './data.js';
import { selectNodes, walk } from './select.js';
import { layout } from './layout.js';

const NODE_H = 28;

function nodeWidth(n) {
  return Math.min(280, 24 + 7 * label(n).length);
}

export function renderDag(P, main, params) {
  const sel = params.get('select') || '';
  const exc = params.get('exclude') || '';
  const showTests = params.get('tests') === '1';
  const depth = Number(params.get('depth') || 2);

  const selIn = h('input', { id: 'dag-select', type: 'text', value: sel, placeholder: 'e.g. +fct_orders, tag:nightly, path:models/marts', spellcheck: 'false' });
  const excIn = h('input', { id: 'dag-exclude', type: 'text', value: exc, placeholder: 'e.g. resource_type:seed', spellcheck: 'false' });
  const testsIn = h('input', { id: 'dag-tests', type: 'checkbox', checked: showTests });
  const depthIn = h('input', { id: 'dag-depth', type: 'number', min: 1, max: 20, value: depth, title: 'levels of parents and children to focus on' });
  const go = () => {
    const q = new URLSearchParams();
    if (selIn.value.trim()) q.set('select', selIn.value.trim());
    if (excIn.value.trim()) q.set('exclude', excIn.value.trim());
    if (testsIn.checked) q.set('tests', '1');
    if (Number(depthIn.value) !== 2) q.set('depth', depthIn.value);
    const qs = q.toString();
    location.hash = '#!/dag' + (qs ? '?' + qs : '');
  };
  const form = h('form', { id: 'dag-form', onsubmit: (e) => { e.preventDefault(); go(); } },
    h('label', null, '--select ', selIn), h('label', null, '--exclude ', excIn),
    h('label', { class: 'check' }, testsIn, ' tests'),
    h('label', null, 'focus levels ', depthIn),
    h('button', { type: 'submit', id: 'dag-update' }, 'Update graph'));
  const status = h('div', { id: 'dag-status', class: 'muted' });
  const panel = h('div', { id: 'dag-panel', hidden: true });
  const svg = s('svg', { id: 'dag-svg' });
  main.replaceChildren(h('div', { class: 'dag-page' }, form, status, h('div', { class: 'dag-wrap' }, svg, panel)));

  let chosen;
  try {
    chosen = selectNodes(P, sel, exc);
  } catch (err) {
    status.textContent = 'Selection error: ' + err.message;
    status.classList.add('error');
    return;
  }
  const shown = [...chosen].filter((i) => !P.nodes[i].hidden && (showTests || !isTest(P.nodes[i]))).sort((a, b) => a - b);
  const shownSet = new Set(shown);
  const edges = [];
  for (const i of shown) for (const p of P.nodes[i].parents) if (shownSet.has(p)) edges.push([p, i]);

  if (shown.length === 0) {
    status.textContent = 'No nodes match this selection.';
    return;
  }
  const t0 = performance.now();
  const lay = layout(shown.map((i) => ({ key: i, width: nodeWidth(P.nodes[i]), height: NODE_H })), edges);
  const t1 = performance.now();

  const viewport = s('g', { class: 'viewport' });
  const edgeLayer = s('g', { class: 'edges' });
  const nodeLayer = s('g', { class: 'nodes' });
  viewport.append(edgeLayer, nodeLayer);
  svg.append(viewport);

  const edgeEls = [];
  for (const [a, b] of edges) {
    const pa = lay.pos.get(a);
    const pb = lay.pos.get(b);
    const x1 = pa.x + nodeWidth(P.nodes[a]) / 2;
    const x2 = pb.x - nodeWidth(P.nodes[b]) / 2;
    const mx = (x1 + x2) / 2;
    const path = s('path', { class: 'dedge', d: `M${x1},${pa.y} C${mx},${pa.y} ${mx},${pb.y} ${x2},${pb.y}`, 'data-from': a, 'data-to': b });
    edgeLayer.append(path);
    edgeEls.push(path);
  }
  const nodeEls = new Map();
  for (const i of shown) {
    const n = P.nodes[i];
    const p = lay.pos.get(i);
    const w = nodeWidth(n);
    const g = s('g', { class: 'dnode t-' + n.type, transform: `translate(${p.x - w / 2},${p.y - NODE_H / 2})`, 'data-id': n.id },
      s('rect', { width: w, height: NODE_H, rx: 5 }),
      s('text', { x: 10, y: NODE_H / 2 + 4 }, label(n)),
      s('title', null, n.id));
    g.addEventListener('click', (ev) => { ev.stopPropagation(); choose(i); });
    g.addEventListener('dblclick', (ev) => { ev.stopPropagation(); location.hash = nodeHref(n); });
    nodeLayer.append(g);
    nodeEls.set(i, g);
  }

  const choose = (i) => {
    const n = P.nodes[i];
    const up = walk(P, new Set([i]), 'parents', Infinity);
    const down = walk(P, new Set([i]), 'children', Infinity);
    svg.classList.add('focused');
    for (const [j, g] of nodeEls) {
      g.classList.toggle('chosen', j === i);
      g.classList.toggle('lit', j === i || up.has(j) || down.has(j));
    }
    for (const e of edgeEls) {
      const a = Number(e.dataset.from);
      const b = Number(e.dataset.to);
      e.classList.toggle('lit', (a === i || up.has(a)) && (b === i || up.has(b)) || (a === i || down.has(a)) && (b === i || down.has(b)));
    }
    const name = label(n);
    const levels = Math.max(1, Number(depthIn.value) || 2);
    const focusSel = `${levels}+${n.type === 'source' ? 'source:' + n.source_name + '.' + n.name : label(n)}+${levels}`;
    fill(panel, 
      h('div', { class: 'panel-title' }, h('span', { class: 'badge t-' + n.type }, n.type), ' ', name),
      n.description ? h('p', { class: 'desc' }, n.description) : null,
      h('p', null, `${n.parents.length} parents, ${n.children.filter((j) => !isTest(P.nodes[j])).length} children`),
      h('div', { class: 'panel-links' },
        h('a', { href: nodeHref(n), id: 'dag-open' }, 'Open'),
        h('a', { href: dagHref(focusSel) + (levels !== 2 ? '&depth=' + levels : ''), id: 'dag-focus' }, `Focus (${levels} levels)`),
        !isTest(n) && n.type !== 'exposure' ? h('a', { href: lineageHref(n) }, 'Column lineage') : null));
    panel.hidden = false;
  };
  svg.addEventListener('click', () => {
    svg.classList.remove('focused');
    for (const g of nodeEls.values()) g.classList.remove('chosen', 'lit');
    for (const e of edgeEls) e.classList.remove('lit');
    panel.hidden = true;
  });

  const z = zoom().scaleExtent([0.01, 4]).on('zoom', (ev) => viewport.setAttribute('transform', ev.transform.toString()));
  const sv = d3select(svg);
  sv.call(z).on('dblclick.zoom', null);
  const fit = () => {
    const box = svg.getBoundingClientRect();
    const k = Math.min(1.2, box.width / lay.width, box.height / lay.height) || 1;
    const tx = (box.width - lay.width * k) / 2;
    const ty = (box.height - lay.height * k) / 2;
    sv.call(z.transform, zoomIdentity.translate(tx, Math.max(ty, 0)).scale(k));
  };
  fit();
  status.textContent = `${shown.length} nodes, ${edges.length} edges · laid out by ${lay.engine} in ${Math.round(t1 - t0)} ms · drag to pan, wheel to zoom, click a node to trace it, double-click to open it`;
  const mark = params.get('focus');
  if (mark && P.byId.has(mark) && nodeEls.has(P.byId.get(mark).i)) choose(P.byId.get(mark).i);
}
