// The column lineage view: a model with every node its columns read from
// or feed, each drawn as a box of columns. Choosing a column highlights
// every upstream and downstream column across the models, and draws the
// edges between them by type.

import { h, s, fill, nodeHref, lineageHref } from './dom.js';
import { label, colKey, lineageColumns, isTest } from './data.js';
import { layout } from './layout.js';

const BOX_W = 250;
const HEAD_H = 28;
const ROW_H = 20;
const MAX_NODES = 80;
const TYPES = ['identity', 'transformation', 'aggregation', 'indirect', 'table'];

// The walk below is the lineage engine's (lineage/dag.go), so the view
// and `elt lineage` agree: types compose along a path (indirect wins,
// then the stronger change), a better path to a column reached already
// replaces its type, and where a column could not be resolved the walk
// goes on at table level.
const RANK = { identity: 0, transformation: 1, aggregation: 2 };
const rank = (t) => (t in RANK ? RANK[t] : 3);

function compose(outer, inner) {
  if (outer === 'indirect' || inner === 'indirect') return 'indirect';
  return rank(outer) > rank(inner) ? outer : inner;
}

function better(a, b) {
  if (a === 'indirect' || b === 'indirect') return b === 'indirect' && a !== 'indirect';
  return rank(a) > rank(b);
}

// walk returns {cols: Map colKey -> {i, col, type, depth}, tables: Map
// node index -> depth}, nearest first.
function walk(i, col, next) {
  const cols = new Map();
  const tables = new Map();
  const start = colKey(i, col);
  const queue = [{ i, col, type: 'identity', depth: 0 }];
  for (let head = 0; head < queue.length; head++) {
    const it = queue[head];
    const [edges, tbls] = next(it.i, it.col);
    for (const [j, c, et] of edges) {
      const t = compose(it.type, et);
      const k = colKey(j, c);
      if (k === start) continue;
      const seen = cols.get(k);
      if (seen) {
        if (better(t, seen.type)) {
          seen.type = t;
          queue.push({ i: j, col: c, type: t, depth: seen.depth });
        }
        continue;
      }
      cols.set(k, { i: j, col: c, type: t, depth: it.depth + 1 });
      queue.push({ i: j, col: c, type: t, depth: it.depth + 1 });
    }
    for (const j of tbls) {
      if (tables.has(j)) continue;
      tables.set(j, it.depth + 1);
      queue.push({ i: j, col: null, type: 'table', depth: it.depth + 1 });
    }
  }
  return { cols, tables };
}

const readsOf = (P, n) => n.parents.filter((j) => !isTest(P.nodes[j]));

// upstream lists what column (i, col) reads, nearest first.
export function upstream(P, i, col) {
  return walk(i, col, (ni, nc) => {
    const l = P.lineage[String(ni)];
    if (!l) return [[], []];
    if (nc === null) return [[], readsOf(P, P.nodes[ni])];
    const hops = P.up.get(colKey(ni, nc)) || [];
    return [hops.filter((h) => h[1] !== null), hops.filter((h) => h[1] === null).map((h) => h[0])];
  });
}

// downstream lists the columns that read (i, col), nearest first; a
// reader whose columns are not all resolved is reached at table level.
export function downstream(P, i, col) {
  return walk(i, col, (ni, nc) => {
    const readers = P.nodes[ni].children.filter((j) => P.lineage[String(j)]);
    if (nc === null) return [[], readers];
    return [P.down.get(colKey(ni, nc)) || [], readers.filter((j) => P.degraded.has(j))];
  });
}

// neighbourhood is the nodes the focus node's columns reach, nearest first.
function neighbourhood(P, focus) {
  const seen = new Set([focus.i]);
  const order = [focus.i];
  const visit = (j) => {
    if (!seen.has(j) && order.length < MAX_NODES) {
      seen.add(j);
      order.push(j);
    }
  };
  for (const col of lineageColumns(P, focus)) {
    const u = upstream(P, focus.i, col);
    for (const v of [...u.cols.values()].sort((a, b) => a.depth - b.depth)) visit(v.i);
    for (const j of u.tables.keys()) visit(j);
    const d = downstream(P, focus.i, col);
    for (const v of [...d.cols.values()].sort((a, b) => a.depth - b.depth)) visit(v.i);
    for (const j of d.tables.keys()) visit(j);
  }
  // A node without column edges still shows its direct neighbours.
  for (const j of focus.parents) if (!isTest(P.nodes[j])) visit(j);
  for (const j of focus.children) if (!isTest(P.nodes[j]) && P.nodes[j].type !== 'exposure') visit(j);
  return order;
}

export function renderLineage(P, main, id, params) {
  if (!id || !P.byId.has(id)) {
    renderPicker(P, main);
    return;
  }
  const focus = P.byId.get(id);
  const nodes = neighbourhood(P, focus);
  const inView = new Set(nodes);

  const panel = h('div', { id: 'lineage-panel' }, h('p', { class: 'muted' }, 'Choose a column to trace it up and down the DAG.'));
  const svg = s('svg', { id: 'lineage-svg' });
  const legend = h('div', { class: 'legend' }, ...TYPES.map((t) => h('span', { class: 'lg e-' + t }, t)));
  main.replaceChildren(h('div', { class: 'lineage-page' },
    h('h1', null, 'Column lineage: ', h('a', { href: nodeHref(focus) }, label(focus))),
    h('p', { class: 'muted' }, `${nodes.length} nodes reached by ${label(focus)}'s columns${nodes.length >= MAX_NODES ? ' (the nearest ' + MAX_NODES + ')' : ''}. Click a column to see what it reads and what reads it.`),
    legend,
    h('div', { class: 'lineage-wrap' }, h('div', { class: 'lineage-scroll' }, svg), panel)));

  // Boxes and their rows.
  const colsOf = new Map(nodes.map((i) => [i, lineageColumns(P, P.nodes[i])]));
  const edgesForLayout = [];
  const seenPair = new Set();
  for (const i of nodes) {
    for (const col of colsOf.get(i)) {
      for (const [j] of P.up.get(colKey(i, col)) || []) {
        const key = j + '>' + i;
        if (inView.has(j) && j !== i && !seenPair.has(key)) {
          seenPair.add(key);
          edgesForLayout.push([j, i]);
        }
      }
    }
    for (const j of P.nodes[i].parents) {
      const key = j + '>' + i;
      if (inView.has(j) && !seenPair.has(key)) {
        seenPair.add(key);
        edgesForLayout.push([j, i]);
      }
    }
  }
  const lay = layout(nodes.map((i) => ({ key: i, width: BOX_W, height: HEAD_H + Math.max(1, colsOf.get(i).length) * ROW_H })), edgesForLayout, { ranksep: 110, nodesep: 24 });
  svg.setAttribute('width', lay.width);
  svg.setAttribute('height', lay.height);
  const edgeLayer = s('g', { class: 'ledges' });
  const boxLayer = s('g', { class: 'lboxes' });
  svg.append(edgeLayer, boxLayer);

  const rowPos = new Map(); // colKey -> {left, right, y}
  const rowEls = new Map(); // colKey -> element
  const boxEls = new Map();
  for (const i of nodes) {
    const n = P.nodes[i];
    const cols = colsOf.get(i);
    const p = lay.pos.get(i);
    const x = p.x - BOX_W / 2;
    const y = p.y - (HEAD_H + Math.max(1, cols.length) * ROW_H) / 2;
    const g = s('g', { class: 'lnode t-' + n.type + (i === focus.i ? ' focus' : ''), transform: `translate(${x},${y})`, 'data-id': n.id });
    g.append(s('rect', { class: 'lbox', width: BOX_W, height: HEAD_H + Math.max(1, cols.length) * ROW_H, rx: 6 }));
    const head = s('g', { class: 'lhead' }, s('rect', { width: BOX_W, height: HEAD_H, rx: 6 }), s('text', { x: 10, y: 19 }, `${label(n)} · ${n.type}`), s('title', null, n.id));
    head.addEventListener('click', () => { location.hash = lineageHref(n); });
    g.append(head);
    if (!cols.length) g.append(s('text', { class: 'nocols', x: 10, y: HEAD_H + 14 }, 'no columns known'));
    cols.forEach((col, k) => {
      const ry = HEAD_H + k * ROW_H;
      const key = colKey(i, col);
      const row = s('g', { class: 'lcol', 'data-node': n.id, 'data-col': col, transform: `translate(0,${ry})` },
        s('rect', { width: BOX_W, height: ROW_H }),
        s('text', { x: 12, y: 14 }, col));
      row.addEventListener('click', (ev) => { ev.stopPropagation(); choose(i, col, true); });
      g.append(row);
      rowPos.set(key, { left: x, right: x + BOX_W, y: y + ry + ROW_H / 2 });
      rowEls.set(key, row);
    });
    boxLayer.append(g);
    boxEls.set(i, g);
  }

  const choose = (i, col, push) => {
    const n = P.nodes[i];
    const up = upstream(P, i, col);
    const down = downstream(P, i, col);
    const self = colKey(i, col);
    for (const [key, el] of rowEls) {
      el.classList.toggle('selected', key === self);
      el.classList.toggle('up', up.cols.has(key));
      el.classList.toggle('down', down.cols.has(key));
    }
    for (const [j, g] of boxEls) {
      g.classList.toggle('up-table', up.tables.has(j));
      g.classList.toggle('down-table', down.tables.has(j));
    }
    svg.classList.add('tracing');
    edgeLayer.replaceChildren();
    const drawn = new Set();
    const draw = (fromKey, toKey, type) => {
      const a = rowPos.get(fromKey);
      const b = rowPos.get(toKey);
      if (!a || !b || drawn.has(fromKey + '>' + toKey)) return;
      drawn.add(fromKey + '>' + toKey);
      const x1 = a.right;
      const x2 = b.left;
      const mx = (x1 + x2) / 2;
      edgeLayer.append(s('path', { class: 'ledge e-' + type, d: `M${x1},${a.y} C${mx},${a.y} ${mx},${b.y} ${x2},${b.y}` }, s('title', null, type)));
    };
    // Every direct edge within the trace: into the chosen column and what
    // it reads, and out of it into what reads it.
    const upSide = new Set([self, ...up.cols.keys()]);
    const downSide = new Set([self, ...down.cols.keys()]);
    for (const key of upSide) {
      for (const [j, c2, type] of P.up.get(key) || []) {
        if (c2 !== null && up.cols.has(colKey(j, c2))) draw(colKey(j, c2), key, type);
      }
    }
    for (const key of down.cols.keys()) {
      for (const [j, c2, type] of P.up.get(key) || []) {
        if (c2 !== null && downSide.has(colKey(j, c2))) draw(colKey(j, c2), key, type);
      }
    }
    const item = (v, dir) => h('li', { 'data-dir': dir, 'data-node': P.nodes[v.i].id, 'data-col': v.col },
      h('a', { href: nodeHref(P.nodes[v.i]) }, label(P.nodes[v.i])), '.', v.col, ' ', h('span', { class: 'lg e-' + v.type }, v.type));
    const ups = [...up.cols.values()].sort((a, b) => a.depth - b.depth);
    const downs = [...down.cols.values()].sort((a, b) => a.depth - b.depth);
    fill(panel,
      h('div', { class: 'panel-title' }, label(n), '.', col),
      h('h3', null, `Upstream (${ups.length})`),
      ups.length ? h('ul', { class: 'trace' }, ups.map((v) => item(v, 'up'))) : h('p', { class: 'muted' }, 'Reads no column of another node.'),
      up.tables.size ? h('p', { class: 'warn' }, 'Also depends on the whole of: ', [...up.tables.keys()].map((j) => label(P.nodes[j])).join(', '), ' (lineage degraded to table level).') : null,
      h('h3', null, `Downstream (${downs.length})`),
      downs.length ? h('ul', { class: 'trace' }, downs.map((v) => item(v, 'down'))) : h('p', { class: 'muted' }, 'No column of another node reads it.'),
      down.tables.size ? h('p', { class: 'warn' }, 'Also read, at table level, by: ', [...down.tables.keys()].map((j) => label(P.nodes[j])).join(', '), ' (their lineage is degraded).') : null);
    if (push) {
      const q = new URLSearchParams();
      if (i !== focus.i) q.set('node', n.id);
      q.set('col', col);
      history.replaceState(null, '', lineageHref(focus) + '?' + q.toString());
    }
  };

  const want = params.get('col');
  const wantNode = params.get('node') ? P.byId.get(params.get('node')) : focus;
  if (want && wantNode && rowEls.has(colKey(wantNode.i, want))) {
    const c = lineageColumns(P, wantNode).find((x) => x.toLowerCase() === want.toLowerCase());
    choose(wantNode.i, c, false);
    const r = rowEls.get(colKey(wantNode.i, want));
    if (r && r.scrollIntoView) r.scrollIntoView({ block: 'center', inline: 'center' });
  } else if (focus.i !== undefined) {
    const b = boxEls.get(focus.i);
    if (b && b.scrollIntoView) b.scrollIntoView({ block: 'center', inline: 'center' });
  }
}

function renderPicker(P, main) {
  const list = h('ul', { class: 'picker' });
  const input = h('input', { type: 'search', placeholder: 'Filter models', id: 'lineage-filter' });
  const models = P.nodes.filter((n) => (n.type === 'model' || n.type === 'snapshot') && !n.hidden);
  const fill = () => {
    const q = input.value.trim().toLowerCase();
    list.replaceChildren();
    let k = 0;
    for (const n of models) {
      if (q && !label(n).toLowerCase().includes(q)) continue;
      if (k++ >= 200) break;
      list.append(h('li', null, h('a', { href: lineageHref(n) }, label(n))));
    }
  };
  input.addEventListener('input', fill);
  fill();
  main.replaceChildren(h('div', { class: 'lineage-page' }, h('h1', null, 'Column lineage'), h('p', null, 'Choose a model to trace its columns.'), input, list));
}
