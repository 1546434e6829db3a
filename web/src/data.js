// The project as data.js gives it, with the indexes every view uses.

export function loadProject(raw) {
  const nodes = raw.nodes;
  const byId = new Map();
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    n.i = i;
    n.children = [];
    byId.set(n.id, n);
  }
  for (const n of nodes) {
    for (const p of n.parents) nodes[p].children.push(n.i);
  }
  const tests = new Map(); // node index -> test nodes attached to it
  for (const n of nodes) {
    if (n.test_of !== undefined && n.test_of !== null) {
      if (!tests.has(n.test_of)) tests.set(n.test_of, []);
      tests.get(n.test_of).push(n.i);
    }
  }
  const P = { meta: raw.meta, nodes, byId, tests, lineage: raw.lineage || {}, warnings: raw.warnings || [] };
  // The column lineage indexes are built when a view first needs them.
  let idx = null;
  const index = () => idx || (idx = lineageIndex(P.lineage));
  Object.defineProperty(P, 'up', { get: () => index().up });
  Object.defineProperty(P, 'down', { get: () => index().down });
  Object.defineProperty(P, 'degraded', { get: () => index().degraded });
  return P;
}

// lineageIndex indexes column lineage: upstream hops by node and column,
// the reverse, and the nodes whose lineage is degraded.
function lineageIndex(lineage) {
  const up = new Map(); // "i\u0000col" -> [[j, col|null, type]]
  const down = new Map(); // "j\u0000col" -> [[i, col, type]]
  const degraded = new Set(); // nodes with a column not resolved, or columns not all known
  for (const key of Object.keys(lineage)) {
    const i = Number(key);
    const cols = lineage[key].columns;
    if (!lineage[key].known) degraded.add(i);
    for (const col of Object.keys(cols)) {
      const hops = cols[col];
      if (hops.some((hop) => hop[1] === null)) degraded.add(i);
      up.set(colKey(i, col), hops);
      for (const [j, c, type] of hops) {
        if (c === null) continue;
        const k = colKey(j, c);
        if (!down.has(k)) down.set(k, []);
        down.get(k).push([i, col, type]);
      }
    }
  }
  return { up, down, degraded };
}

export function colKey(i, col) {
  return i + '\u0000' + col.toLowerCase();
}

// label is how a node is named to people: sources as source.table.
// Versioned models go by name.v<version>, as dbt selects them.
export function label(n) {
  if (n.type === 'source') return n.source_name + '.' + n.name;
  return n.version ? n.name + '.v' + n.version : n.name;
}

// lineageColumns lists a node's columns as the lineage view shows them:
// its own, then any the lineage reads from it that it does not list.
export function lineageColumns(P, n) {
  const out = n.columns.map((c) => c.name);
  const seen = new Set(out.map((c) => c.toLowerCase()));
  const add = (c) => {
    if (c !== null && !seen.has(c.toLowerCase())) {
      seen.add(c.toLowerCase());
      out.push(c);
    }
  };
  const own = P.lineage[String(n.i)];
  if (own) Object.keys(own.columns).forEach(add);
  for (const ci of n.children) {
    const l = P.lineage[String(ci)];
    if (!l) continue;
    for (const hops of Object.values(l.columns)) {
      for (const [j, c] of hops) if (j === n.i) add(c);
    }
  }
  return out;
}

// isTest: data tests and unit tests, which the DAG leaves out as dbt docs does.
export function isTest(n) {
  return n.type === 'test' || n.type === 'unit_test';
}
