// Left-to-right layered layout of a DAG. Up to DAGRE_LIMIT nodes it is
// dagre's (network-simplex ranking, crossing reduction, spline points);
// dagre's cost grows much faster than linearly (about 6 s for 1,000 nodes
// on a 2-core machine), so larger graphs get a linear-time layering of
// the same shape: longest-path ranks and barycentric ordering sweeps.

import * as dagre from '@dagrejs/dagre';

export const DAGRE_LIMIT = 300;

// layout takes nodes [{key, width, height}] and edges [[fromKey, toKey]]
// and returns {pos: Map key -> {x, y} (centres), width, height}.
export function layout(nodes, edges, opts = {}) {
  const nodesep = opts.nodesep ?? 12;
  const ranksep = opts.ranksep ?? 70;
  if (nodes.length <= DAGRE_LIMIT) return dagreLayout(nodes, edges, nodesep, ranksep);
  return layered(nodes, edges, nodesep, ranksep);
}

function dagreLayout(nodes, edges, nodesep, ranksep) {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep, ranksep, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) g.setNode(String(n.key), { width: n.width, height: n.height });
  for (const [a, b] of edges) g.setEdge(String(a), String(b));
  dagre.layout(g);
  const pos = new Map();
  for (const n of nodes) {
    const v = g.node(String(n.key));
    pos.set(n.key, { x: v.x, y: v.y });
  }
  const gg = g.graph();
  return { pos, width: gg.width, height: gg.height, engine: 'dagre' };
}

function layered(nodes, edges, nodesep, ranksep) {
  const idx = new Map(nodes.map((n, i) => [n.key, i]));
  const N = nodes.length;
  const out = Array.from({ length: N }, () => []);
  const inn = Array.from({ length: N }, () => []);
  for (const [a, b] of edges) {
    const i = idx.get(a);
    const j = idx.get(b);
    if (i === undefined || j === undefined || i === j) continue;
    out[i].push(j);
    inn[j].push(i);
  }
  // Longest-path ranks in topological order (Kahn); a node on a cycle,
  // which a DAG should not have, is ranked after what was reached.
  const rank = new Array(N).fill(0);
  const deg = inn.map((l) => l.length);
  const queue = [];
  for (let i = 0; i < N; i++) if (deg[i] === 0) queue.push(i);
  let head = 0;
  while (head < queue.length) {
    const i = queue[head++];
    for (const j of out[i]) {
      if (rank[i] + 1 > rank[j]) rank[j] = rank[i] + 1;
      if (--deg[j] === 0) queue.push(j);
    }
  }
  // Pull sources towards their first child, so a seed sits just left
  // of what reads it rather than in the first column.
  for (let k = queue.length - 1; k >= 0; k--) {
    const i = queue[k];
    if (inn[i].length === 0 && out[i].length) {
      let m = Infinity;
      for (const j of out[i]) m = Math.min(m, rank[j]);
      rank[i] = m - 1;
    }
  }
  const maxRank = rank.reduce((a, b) => Math.max(a, b), 0);
  const layers = Array.from({ length: maxRank + 1 }, () => []);
  for (let i = 0; i < N; i++) layers[rank[i]].push(i);
  const order = new Float64Array(N);
  for (const l of layers) l.forEach((i, k) => { order[i] = k; });
  const sweep = (nbrs, from, to, step) => {
    for (let r = from; r !== to; r += step) {
      const l = layers[r];
      const bary = new Map();
      for (const i of l) {
        const ns = nbrs[i];
        if (!ns.length) { bary.set(i, order[i]); continue; }
        let sum = 0;
        for (const j of ns) sum += order[j];
        bary.set(i, sum / ns.length);
      }
      l.sort((a, b) => bary.get(a) - bary.get(b));
      l.forEach((i, k) => { order[i] = k; });
    }
  };
  for (let it = 0; it < 4; it++) {
    sweep(inn, 1, maxRank + 1, 1);
    sweep(out, maxRank - 1, -1, -1);
  }
  const colW = Math.max(...nodes.map((n) => n.width)) + ranksep;
  const pos = new Map();
  let height = 0;
  for (let r = 0; r <= maxRank; r++) {
    let y = 20;
    for (const i of layers[r]) {
      const n = nodes[i];
      pos.set(n.key, { x: 20 + r * colW + n.width / 2, y: y + n.height / 2 });
      y += n.height + nodesep;
    }
    height = Math.max(height, y);
  }
  return { pos, width: 40 + (maxRank + 1) * colW, height: height + 20, engine: 'layered' };
}
