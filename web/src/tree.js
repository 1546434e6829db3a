// The project tree: package, then resource type, then folders (sources by
// source name). Folders are rendered when opened, so a 5,000-node project
// costs a handful of elements at first paint.

import { h, nodeHref } from './dom.js';
import { label } from './data.js';

const GROUPS = [
  ['model', 'Models'], ['source', 'Sources'], ['seed', 'Seeds'], ['snapshot', 'Snapshots'],
  ['analysis', 'Analyses'], ['exposure', 'Exposures'], ['test', 'Tests'], ['unit_test', 'Unit tests'],
];

function folder() {
  return { dirs: new Map(), leaves: [] };
}

export function buildTree(P) {
  const pkgs = new Map();
  for (const n of P.nodes) {
    if (n.hidden) continue;
    if (!pkgs.has(n.package)) pkgs.set(n.package, new Map());
    const types = pkgs.get(n.package);
    if (!types.has(n.type)) types.set(n.type, folder());
    let f = types.get(n.type);
    let parts;
    if (n.type === 'source') parts = [n.source_name];
    else {
      parts = n.path.split('/');
      parts = parts.slice(1, -1); // drop models/ (the path root) and the file
    }
    for (const p of parts) {
      if (!f.dirs.has(p)) f.dirs.set(p, folder());
      f = f.dirs.get(p);
    }
    f.leaves.push(n);
  }
  return pkgs;
}

function count(f) {
  let c = f.leaves.length;
  for (const d of f.dirs.values()) c += count(d);
  return c;
}

function renderFolder(f, into) {
  const dirs = [...f.dirs.keys()].sort();
  for (const name of dirs) into.append(lazyDetails(name, f.dirs.get(name), false));
  const leaves = f.leaves.slice().sort((a, b) => label(a).localeCompare(label(b)));
  if (leaves.length) {
    const ul = h('ul', { class: 'leaves' });
    for (const n of leaves) {
      ul.append(h('li', null, h('a', { href: nodeHref(n), 'data-id': n.id, class: 'leaf t-' + n.type }, label(n))));
    }
    into.append(ul);
  }
}

function lazyDetails(title, f, open) {
  const body = h('div', { class: 'tree-body' });
  const d = h('details', { class: 'tree-dir' }, h('summary', null, title, h('span', { class: 'count' }, count(f))), body);
  let filled = false;
  const fill = () => {
    if (!filled) {
      filled = true;
      renderFolder(f, body);
    }
  };
  d.addEventListener('toggle', () => { if (d.open) fill(); });
  if (open) {
    fill();
    d.open = true;
  }
  d._fill = fill;
  return d;
}

export function renderTree(P, el) {
  const pkgs = buildTree(P);
  const names = [...pkgs.keys()].sort((a, b) => (a === P.meta.project ? -1 : b === P.meta.project ? 1 : a.localeCompare(b)));
  el.replaceChildren();
  for (const pkg of names) {
    const types = pkgs.get(pkg);
    const body = h('div', { class: 'tree-body' });
    for (const [type, title] of GROUPS) {
      if (types.has(type)) body.append(lazyDetails(title, types.get(type), pkg === P.meta.project && type === 'model'));
    }
    const d = h('details', { class: 'tree-pkg' }, h('summary', null, pkg), body);
    d.open = pkg === P.meta.project;
    el.append(d);
  }
}

// revealInTree opens the folders down to node n and marks it current.
export function revealInTree(P, el, n) {
  for (const a of el.querySelectorAll('a.current')) a.classList.remove('current');
  if (!n) return;
  const pkg = [...el.children].find((d) => d.firstChild.firstChild.nodeValue === n.package);
  if (!pkg) return;
  pkg.open = true;
  const title = GROUPS.find(([t]) => t === n.type);
  if (!title) return;
  let d = [...pkg.lastChild.children].find((c) => c.firstChild.firstChild.nodeValue === title[1]);
  if (!d) return;
  const parts = n.type === 'source' ? [n.source_name] : n.path.split('/').slice(1, -1);
  for (const p of parts) {
    d._fill();
    d.open = true;
    const next = [...d.lastChild.children].find((c) => c.tagName === 'DETAILS' && c.firstChild.firstChild.nodeValue === p);
    if (!next) break;
    d = next;
  }
  d._fill();
  d.open = true;
  const a = d.querySelector(`a[data-id="${CSS.escape(n.id)}"]`);
  if (a) {
    a.classList.add('current');
    a.scrollIntoView({ block: 'nearest' });
  }
}
