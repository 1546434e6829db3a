// A node's profile: the latest one `elt profile` stored in the run history,
// put in the site's data by `elt docs generate`.

import { h } from './dom.js';

const PROFILED = new Set(['model', 'seed', 'snapshot', 'source']);

// profilable says whether elt profile can profile the node: a relation
// in the warehouse.
export function profilable(n) {
  return PROFILED.has(n.type) && n.materialized !== 'ephemeral';
}

const pct = (f) => (100 * f).toFixed(f > 0 && f < 0.001 ? 3 : 1) + '%';

function num(v) {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'number') return String(v);
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}

function clip(v) {
  const s = num(v);
  return s.length > 32 ? s.slice(0, 31) + '…' : s;
}

const LEVELS = ['p5', 'p25', 'p50', 'p75', 'p95'];

function semantic(c, rows) {
  if (c.semantic_type && c.semantic_type !== 'text') return `${c.semantic_type} (${pct(c.semantic_share || 0)})`;
  if (c.true_count !== undefined && rows > c.null_count) return `${pct(c.true_count / (rows - c.null_count))} true`;
  return '';
}

function columnRow(c, rows) {
  const q = c.quantiles || {};
  const quant = LEVELS.every((l) => q[l] === undefined) ? '' : LEVELS.map((l) => num(q[l])).join(' / ');
  const tops = (c.top_values || []).map((tv) =>
    h('li', null, h('span', { class: 'tv' }, tv.value === null ? 'null' : clip(tv.value)), ' ', h('span', { class: 'muted' }, `(${tv.count})`)));
  return h('tr', { 'data-col': c.name },
    h('td', { class: 'cname' }, c.name),
    h('td', { class: 'ctype' }, (c.data_type || '').toLowerCase()),
    h('td', { class: 'pnull', title: `${c.null_count} null of ${rows}` }, pct(c.null_rate || 0)),
    h('td', { class: 'pdistinct' }, (c.distinct_approximate ? '~' : '') + String(c.distinct_count)),
    h('td', { class: 'pmin' }, clip(c.min)),
    h('td', { class: 'pmax' }, clip(c.max)),
    h('td', { class: 'pmean' }, num(c.mean)),
    h('td', { class: 'pquant' }, quant),
    h('td', { class: 'ptop' }, tops.length ? h('ul', { class: 'top-values' }, tops) : ''),
    h('td', { class: 'psem' }, semantic(c, rows)));
}

// profileSection renders the profile, or says how to make one.
export function profileSection(n, selector) {
  if (!profilable(n)) return null;
  const p = n.profile;
  if (!p) {
    return h('section', { id: 'profile' }, h('h2', null, 'Profile'),
      h('p', { class: 'muted no-profile' }, 'No profile stored yet. Run ',
        h('code', null, `elt profile --select ${selector}`), ' and then ', h('code', null, 'elt docs generate'),
        ' to see null rates, distinct counts, ranges, quantiles, top values and semantic types here.'));
  }
  const rows = p.row_count || 0;
  const when = p.measured_at ? new Date(p.measured_at).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '';
  return h('section', { id: 'profile' }, h('h2', null, 'Profile'),
    h('p', { class: 'muted profile-meta' }, `${rows} rows, profiled ${when}`,
      p.approximate ? '; distinct counts and quantiles approximate' : ''),
    h('div', { class: 'table-scroll' }, h('table', { class: 'columns profile' },
      h('thead', null, h('tr', null, ['Column', 'Type', 'Null rate', 'Distinct', 'Min', 'Max', 'Mean', 'p5 / p25 / p50 / p75 / p95', 'Top values', 'Semantic type']
        .map((t) => h('th', null, t)))),
      h('tbody', null, (p.columns || []).map((c) => columnRow(c, rows))))));
}
