// A node's page: what it is, its columns with their tests, its parents and
// children, and its raw and compiled code highlighted.

import hljs from 'highlight.js/lib/core';
import sql from 'highlight.js/lib/languages/sql';
import python from 'highlight.js/lib/languages/python';
import { h, nodeHref, dagHref, lineageHref } from './dom.js';
import { label, isTest } from './data.js';
import { md } from './md.js';
import { profileSection } from './profile.js';

hljs.registerLanguage('sql', sql);
hljs.registerLanguage('python', python);

function code(text, lang) {
  const pre = h('pre', { class: 'code' });
  const el = h('code', { class: 'hljs language-' + lang });
  // highlight.js escapes the text it is given; its output is markup of
  // its own spans only.
  el.innerHTML = hljs.highlight(text, { language: lang, ignoreIllegals: true }).value;
  pre.append(el);
  return pre;
}

function nodeList(P, idxs, empty) {
  const items = idxs.map((i) => P.nodes[i]).sort((a, b) => label(a).localeCompare(label(b)));
  if (!items.length) return h('p', { class: 'muted' }, empty);
  return h('ul', { class: 'deps' }, items.map((n) =>
    h('li', null, h('span', { class: 'badge t-' + n.type }, n.type), ' ', h('a', { href: nodeHref(n) }, label(n)))));
}

export function renderNode(P, main, n) {
  const lang = n.language === 'python' ? 'python' : 'sql';
  const facts = [
    ['Type', n.type],
    ['Materialization', n.materialized],
    ['Relation', n.relation],
    ['Package', n.package],
    ['File', n.path],
    ['Tags', (n.tags || []).join(', ')],
    ['Rows', n.row_count !== undefined ? String(n.row_count) : ''],
    ['Test', n.test_name ? n.test_name + (n.test_column ? ' on ' + n.test_column : '') : ''],
    ...(n.facts || []),
  ].filter(([, v]) => v);

  const testsOf = (P.tests.get(n.i) || []).map((i) => P.nodes[i]);
  const colRows = n.columns.map((c) => h('tr', { 'data-col': c.name },
    h('td', { class: 'cname' }, isTest(n) ? c.name : h('a', { href: lineageHref(n, c.name), title: 'Trace this column' }, c.name)),
    h('td', { class: 'ctype' }, c.type || ''),
    h('td', { class: 'cdesc' }, c.description ? md(c.description) : ''),
    h('td', { class: 'ctests' }, (c.tests || []).map((t) => h('span', { class: 'test-tag' }, t)))));

  const tabs = [];
  if (n.raw) tabs.push(['Source', n.raw]);
  if (n.compiled) tabs.push(['Compiled', n.compiled]);
  const codeBox = h('div', { class: 'code-box' });
  const tabBar = h('div', { class: 'tabs' });
  const show = (k) => {
    codeBox.replaceChildren(code(tabs[k][1], lang));
    [...tabBar.children].forEach((b, j) => b.classList.toggle('active', j === k));
  };
  tabs.forEach(([t], k) => tabBar.append(h('button', { type: 'button', 'data-tab': t.toLowerCase(), onclick: () => show(k) }, t)));

  const sel = n.type === 'source' ? `source:${n.source_name}.${n.name}` : label(n);
  const warnings = P.warnings.filter((w) => w.node === n.i);
  main.replaceChildren(h('article', { class: 'node-page', 'data-id': n.id },
    h('h1', null, h('span', { class: 'badge t-' + n.type }, n.type), ' ', label(n)),
    h('div', { class: 'actions' },
      !isTest(n) ? h('a', { href: dagHref(`2+${sel}+2`), id: 'open-dag' }, 'View in DAG') : null,
      !isTest(n) && n.type !== 'exposure' ? h('a', { href: lineageHref(n), id: 'open-lineage' }, 'Column lineage') : null),
    h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', null, k), h('dd', null, k === 'Url' && /^https?:/.test(v) ? h('a', { href: v, rel: 'noopener' }, v) : v)])),
    h('section', null, h('h2', null, 'Description'), n.description ? md(n.description, 'desc') : h('p', { class: 'muted' }, 'No description.')),
    warnings.length ? h('section', { class: 'warn' }, h('h2', null, 'Lineage warnings'),
      h('ul', null, warnings.map((w) => h('li', null, `${w.line ? 'line ' + w.line + ': ' : ''}${w.construct}: ${w.message}`)))) : null,
    h('section', null, h('h2', null, `Columns (${n.columns.length})`),
      n.columns.length ? h('table', { class: 'columns' },
        h('thead', null, h('tr', null, h('th', null, 'Column'), h('th', null, 'Type'), h('th', null, 'Description'), h('th', null, 'Tests'))),
        h('tbody', null, colRows)) : h('p', { class: 'muted' }, 'No columns known: build the project and run elt docs generate for the warehouse\'s columns.')),
    profileSection(n, sel),
    testsOf.length ? h('section', null, h('h2', null, `Tests (${testsOf.length})`), nodeList(P, testsOf.map((t) => t.i), '')) : null,
    h('div', { class: 'deps-grid' },
      h('section', null, h('h2', null, `Upstream (${n.parents.length})`), nodeList(P, n.parents, 'Depends on no other node.')),
      h('section', null, h('h2', null, `Downstream (${n.children.filter((i) => !isTest(P.nodes[i])).length})`),
        nodeList(P, n.children.filter((i) => !isTest(P.nodes[i])), 'Nothing depends on it.'))),
    tabs.length ? h('section', null, h('h2', null, 'Code'), tabBar, codeBox) : null));
  if (tabs.length) show(tabs.length - 1 === 0 ? 0 : tabs.findIndex(([t]) => t === 'Compiled'));
}
