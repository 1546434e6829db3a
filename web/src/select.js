// dbt's node selection syntax, as the DAG's --select and --exclude boxes
// take it: space-separated terms are a union, comma-joined criteria an
// intersection; a criterion is [@][N+]method:value[+N] with the methods
// fqn (the default), tag, path, file, package, resource_type, source,
// exposure and config.materialized, and * and ? wildcards in values.

export function selectNodes(P, selectStr, excludeStr) {
  const all = P.nodes;
  let chosen;
  if (!selectStr || !selectStr.trim()) {
    chosen = new Set(all.map((n) => n.i));
  } else {
    chosen = evalUnion(P, selectStr);
  }
  if (excludeStr && excludeStr.trim()) {
    for (const i of evalUnion(P, excludeStr)) chosen.delete(i);
  }
  return chosen;
}

function evalUnion(P, str) {
  const out = new Set();
  for (const term of str.trim().split(/\s+/)) {
    if (!term) continue;
    let acc = null;
    for (const crit of term.split(',')) {
      const s = evalCriterion(P, crit);
      if (acc === null) acc = s;
      else acc = new Set([...acc].filter((i) => s.has(i)));
    }
    for (const i of acc || []) out.add(i);
  }
  return out;
}

// parseCriterion splits a criterion into its graph operators and its
// method and value; an error names what is wrong.
export function parseCriterion(crit) {
  const m = /^(@)?(?:(\d*)\+)?(.*?)(?:\+(\d*))?$/.exec(crit);
  if (!m || !m[3]) throw new Error(`"${crit}" is not a selection criterion`);
  const at = !!m[1];
  const parents = crit.replace(/^@/, '').match(/^\d*\+/) ? (m[2] ? Number(m[2]) : Infinity) : 0;
  const children = /\+\d*$/.test(crit) ? (m[4] ? Number(m[4]) : Infinity) : 0;
  let method = 'fqn';
  let value = m[3];
  const colon = value.indexOf(':');
  if (colon > 0) {
    method = value.slice(0, colon);
    value = value.slice(colon + 1);
  } else if (value.includes('/') || /\.(sql|py|csv)$/.test(value)) {
    method = 'path';
  }
  if (at && (parents || children)) throw new Error(`"${crit}": @ cannot be combined with +`);
  return { at, parents, children, method, value };
}

const METHODS = new Set(['fqn', 'tag', 'path', 'file', 'package', 'resource_type', 'source', 'exposure', 'config.materialized']);

function evalCriterion(P, crit) {
  const c = parseCriterion(crit);
  if (!METHODS.has(c.method)) throw new Error(`"${c.method}" is not a selection method the docs site knows (${[...METHODS].join(', ')})`);
  const re = glob(c.value);
  const base = new Set();
  for (const n of P.nodes) {
    if (matches(n, c.method, c.value, re)) base.add(n.i);
  }
  const out = new Set(base);
  if (c.at) {
    const desc = walk(P, base, 'children', Infinity);
    for (const i of desc) out.add(i);
    for (const i of walk(P, desc, 'parents', Infinity)) out.add(i);
    return out;
  }
  if (c.parents) for (const i of walk(P, base, 'parents', c.parents)) out.add(i);
  if (c.children) for (const i of walk(P, base, 'children', c.children)) out.add(i);
  return out;
}

// walk returns the nodes within depth steps of from along dir.
export function walk(P, from, dir, depth) {
  const seen = new Set(from);
  let frontier = [...from];
  for (let d = 0; d < depth && frontier.length; d++) {
    const next = [];
    for (const i of frontier) {
      for (const j of P.nodes[i][dir]) {
        if (!seen.has(j)) {
          seen.add(j);
          next.push(j);
        }
      }
    }
    frontier = next;
  }
  for (const i of from) seen.delete(i);
  return seen;
}

function glob(v) {
  const esc = v.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp('^' + esc + '$');
}

function matches(n, method, value, re) {
  switch (method) {
    case 'tag':
      return (n.tags || []).some((t) => re.test(t));
    case 'package':
      return re.test(n.package);
    case 'resource_type':
      return n.type === value;
    case 'config.materialized':
      return re.test(n.materialized || '');
    case 'file': {
      const f = n.path.split('/').pop();
      return re.test(f) || re.test(f.replace(/\.[^.]*$/, ''));
    }
    case 'path': {
      const v = value.replace(/\/$/, '');
      return n.path === v || n.path.startsWith(v + '/') || glob(v).test(n.path);
    }
    case 'exposure':
      return n.type === 'exposure' && re.test(n.name);
    case 'source': {
      if (n.type !== 'source') return false;
      const parts = value.split('.');
      if (parts.length === 1) return re.test(n.source_name);
      if (parts.length === 2) return glob(parts[0]).test(n.source_name) && glob(parts[1]).test(n.name);
      return glob(parts[0]).test(n.package) && glob(parts[1]).test(n.source_name) && glob(parts[2]).test(n.name);
    }
    default: { // fqn
      if (n.type === 'source' || n.type === 'exposure') return false;
      if (re.test(n.name)) return true;
      const parts = value.split('.');
      if (parts.length > n.fqn.length) return false;
      // A dotted value matches a prefix of the fqn (package, folders,
      // name), or its tail (a versioned model's name.v2).
      const prefix = parts.every((p, k) => glob(p).test(n.fqn[k]));
      const off = n.fqn.length - parts.length;
      return prefix || parts.every((p, k) => glob(p).test(n.fqn[off + k]));
    }
  }
}
