// Search as you type over node names, ids, columns and descriptions. The
// index is flat lowercase strings built once, on first use or when the
// browser is idle after the first paint; a query scans it, which answers
// 5,000 nodes with their columns in a few milliseconds.

import { h, nodeHref } from './dom.js';
import { label } from './data.js';

const LIMIT = 60;

export class Search {
  constructor(P) {
    this.P = P;
    this.index = null;
  }

  build() {
    if (this.index) return;
    const entries = [];
    for (const n of this.P.nodes) {
      entries.push({
        n,
        name: label(n).toLowerCase(),
        id: n.id.toLowerCase(),
        desc: (n.description || '').toLowerCase(),
        cols: n.columns.map((c) => [c.name.toLowerCase(), (c.description || '').toLowerCase(), c.name]),
        tags: (n.tags || []).map((t) => t.toLowerCase()),
      });
    }
    this.index = entries;
  }

  // query returns the best matches: [{n, rank, why}], best first.
  query(q) {
    this.build();
    q = q.trim().toLowerCase();
    if (!q) return [];
    const out = [];
    for (const e of this.index) {
      let rank = 0;
      let why = '';
      if (e.name === q) rank = 100;
      else if (e.name.startsWith(q)) rank = 80;
      else if (e.name.includes(q)) rank = 60;
      else if (e.id.includes(q)) rank = 50;
      if (rank < 40) {
        for (const [cn, cd, orig] of e.cols) {
          if (cn === q || cn.includes(q)) {
            rank = cn === q ? 45 : 40;
            why = 'column ' + orig;
            break;
          }
        }
      }
      if (rank < 30 && e.tags.includes(q)) {
        rank = 30;
        why = 'tag ' + q;
      }
      if (rank < 20 && e.desc.includes(q)) {
        rank = 20;
        why = 'description';
      }
      if (rank < 15) {
        for (const [, cd, orig] of e.cols) {
          if (cd.includes(q)) {
            rank = 15;
            why = 'description of ' + orig;
            break;
          }
        }
      }
      if (rank > 0) {
        // Tests rank below what they test.
        if (e.n.type === 'test' || e.n.type === 'unit_test') rank -= 10;
        out.push({ n: e.n, rank, why });
      }
    }
    out.sort((a, b) => b.rank - a.rank || a.n.name.localeCompare(b.n.name));
    return out;
  }
}

// attachSearch wires the search box: results as you type, arrows and
// Enter to choose, Escape to close.
export function attachSearch(P, input, list) {
  const search = new Search(P);
  let results = [];
  let active = -1;
  let pending = false;

  const render = () => {
    pending = false;
    results = search.query(input.value);
    list.replaceChildren();
    active = -1;
    if (!input.value.trim()) {
      list.hidden = true;
      return;
    }
    if (results.length === 0) {
      list.append(h('li', { class: 'empty' }, 'No matches'));
    }
    for (const r of results.slice(0, LIMIT)) {
      list.append(
        h('li', { class: 'result', 'data-id': r.n.id },
          h('a', { href: nodeHref(r.n), onclick: () => close() },
            h('span', { class: 'badge t-' + r.n.type }, r.n.type),
            h('span', { class: 'rname' }, label(r.n)),
            r.why ? h('span', { class: 'why' }, r.why) : null)));
    }
    if (results.length > LIMIT) list.append(h('li', { class: 'more' }, `${results.length - LIMIT} more: refine the search`));
    list.hidden = false;
  };
  const close = () => {
    list.hidden = true;
  };
  const move = (d) => {
    const items = list.querySelectorAll('li.result');
    if (!items.length) return;
    if (active >= 0) items[active].classList.remove('active');
    active = (active + d + items.length) % items.length;
    items[active].classList.add('active');
    items[active].scrollIntoView({ block: 'nearest' });
  };

  input.addEventListener('input', () => {
    if (!pending) {
      pending = true;
      requestAnimationFrame(render);
    }
  });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowDown') { move(1); ev.preventDefault(); }
    else if (ev.key === 'ArrowUp') { move(-1); ev.preventDefault(); }
    else if (ev.key === 'Escape') close();
    else if (ev.key === 'Enter') {
      const items = list.querySelectorAll('li.result a');
      const a = items[Math.max(active, 0)];
      if (a) { location.hash = a.getAttribute('href'); close(); }
    }
  });
  input.addEventListener('focus', () => { if (input.value.trim()) list.hidden = false; });
  document.addEventListener('click', (ev) => {
    if (!ev.target.closest('#search-box')) close();
  });
  return search;
}
