// The elt docs site: a project tree, search, node pages, the DAG and the
// column lineage view, all from window.__ELT_DOCS__ (data.js).

import './style.css';
import 'highlight.js/styles/github.css';
import { loadProject, label } from './data.js';
import { h, nodeHref } from './dom.js';
import { renderTree, revealInTree } from './tree.js';
import { attachSearch } from './search.js';
import { renderNode } from './node.js';
import { renderDag } from './dag.js';
import { renderLineage } from './lineage.js';

function overview(P, main) {
  const counts = new Map();
  for (const n of P.nodes) counts.set(n.type, (counts.get(n.type) || 0) + 1);
  const cols = P.nodes.reduce((a, n) => a + (n.type === 'test' ? 0 : n.columns.length), 0);
  main.replaceChildren(h('div', { class: 'overview' },
    h('h1', null, P.meta.project || 'Project'),
    h('p', { class: 'muted' }, `Generated ${P.meta.generated_at} for ${P.meta.adapter || 'a warehouse'} · dbt-core ${P.meta.dbt_version} compatible`),
    h('ul', { class: 'counts' }, [...counts.entries()].sort().map(([t, c]) => h('li', null, h('span', { class: 'badge t-' + t }, t), ` ${c}`)),
      h('li', null, `${cols} columns`)),
    h('p', null, 'Browse the project on the left, search above, open the ', h('a', { href: '#!/dag' }, 'DAG'), ' or trace a column in the ', h('a', { href: '#!/lineage' }, 'column lineage'), ' view.'),
    P.warnings.length ? h('section', { class: 'warn' }, h('h2', null, `Lineage degraded in ${P.warnings.length} places`),
      h('ul', null, P.warnings.slice(0, 100).map((w) => h('li', null, h('a', { href: nodeHref(P.nodes[w.node]) }, label(P.nodes[w.node])),
        `${w.line ? ' line ' + w.line : ''}: ${w.construct}: ${w.message}`)))) : null));
}

function route(P, main, tree) {
  const hash = location.hash.replace(/^#!?/, '') || '/overview';
  const q = hash.indexOf('?');
  const path = q >= 0 ? hash.slice(0, q) : hash;
  const params = new URLSearchParams(q >= 0 ? hash.slice(q + 1) : '');
  const [, view, ...rest] = path.split('/');
  const id = rest.length ? decodeURIComponent(rest.join('/')) : '';
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.nav === view);
  document.body.dataset.view = view;
  main.scrollTop = 0;
  if (view === 'node' && P.byId.has(id)) {
    const n = P.byId.get(id);
    renderNode(P, main, n);
    revealInTree(P, tree, n);
    document.title = `${label(n)} · ${P.meta.project} · elt docs`;
  } else if (view === 'dag') {
    renderDag(P, main, params);
    document.title = `DAG · ${P.meta.project} · elt docs`;
  } else if (view === 'lineage') {
    renderLineage(P, main, id, params);
    if (P.byId.has(id)) revealInTree(P, tree, P.byId.get(id));
    document.title = `Column lineage · ${P.meta.project} · elt docs`;
  } else {
    overview(P, main);
    document.title = `${P.meta.project} · elt docs`;
  }
}

function start() {
  performance.mark('elt-start');
  const main = document.getElementById('main');
  const raw = window.__ELT_DOCS__;
  if (!raw) {
    main.replaceChildren(h('p', { class: 'error' }, 'elt-docs/data.js is missing or did not load: run elt docs generate again.'));
    return;
  }
  const P = loadProject(raw);
  performance.mark('elt-loaded');
  document.getElementById('project-name').textContent = P.meta.project;
  const tree = document.getElementById('tree');
  renderTree(P, tree);
  performance.mark('elt-tree');
  const search = attachSearch(P, document.getElementById('search'), document.getElementById('search-results'));
  window.addEventListener('hashchange', () => route(P, main, tree));
  route(P, main, tree);
  performance.mark('elt-ready');
  document.body.dataset.ready = '1';
  // The search index is built while the browser is idle, after first paint.
  const idle = window.requestIdleCallback || ((f) => setTimeout(f, 50));
  idle(() => search.build());
}

start();
