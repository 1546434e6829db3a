package graph

import (
	"context"
	"sort"
)

// Status is how one node of a walk ended.
type Status int

const (
	// Success: visit ran and succeeded.
	Success Status = iota
	// Failed: visit ran and failed. Its descendants in the walk are Skipped.
	Failed
	// Skipped: visit was not called because a parent did not succeed, or
	// because FailFast stopped the walk; or visit said so itself.
	Skipped
	// Cancelled: visit was not called because the context was cancelled; or
	// visit said so itself.
	Cancelled
)

func (s Status) String() string {
	switch s {
	case Success:
		return "success"
	case Failed:
		return "failed"
	case Skipped:
		return "skipped"
	case Cancelled:
		return "cancelled"
	}
	return "unknown"
}

// WalkOptions bound a walk.
type WalkOptions struct {
	// Threads is how many visits run at once; less than 1 means 1.
	Threads int
	// FailFast stops the walk at the first failure: nothing new starts, the
	// context of running visits is cancelled, and nodes not started are Skipped.
	FailFast bool
}

// Walk calls visit once for each of ids, in dependency order, at most
// opts.Threads at a time, and returns the status of every id.
//
// A node starts only after all its parents among ids have finished; nodes
// outside ids count as done, but the order they imply is kept (if a -> x ->
// b and only a and b are walked, b still waits for a), as dbt does. When
// several nodes are ready, the shallowest starts first (ties by id), as in
// dbt's queue: see walkPlan.byDepth. Ids that are not nodes of g have no edges.
//
// A node that does not succeed (visit returns anything but Success) makes
// all its descendants among ids Skipped without visiting them; independent
// branches go on. When ctx is cancelled, nothing new starts, running visits
// see their context cancelled, and nodes not started are Cancelled. Walk
// returns once every visit it started has returned. visit runs on its own
// goroutine and must not panic.
func (g *Graph) Walk(ctx context.Context, ids []string, opts WalkOptions, visit func(ctx context.Context, id string) Status) map[string]Status {
	w := g.plan(ids)
	threads := max(opts.Threads, 1)
	status := make(map[string]Status, len(w.ids))

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	type result struct {
		i      int
		status Status
	}
	results := make(chan result, threads)
	done := make([]bool, len(w.ids))
	blocked := make([]bool, len(w.ids)) // a parent did not succeed
	pending := make([]int, len(w.ids))
	ready := &intHeap{}
	for i := range w.ids {
		pending[i] = len(w.parents[i])
		if pending[i] == 0 {
			ready.items = append(ready.items, i)
		}
	}
	ready.init()

	// finish records i and releases its children; children of a node that
	// did not succeed are finished as Skipped in turn.
	finish := func(i int, st Status) {
		work := []result{{i, st}}
		for len(work) > 0 {
			r := work[len(work)-1]
			work = work[:len(work)-1]
			done[r.i] = true
			status[w.ids[r.i]] = r.status
			for _, c := range w.children[r.i] {
				pending[c]--
				if r.status != Success {
					blocked[c] = true
				}
				if pending[c] == 0 {
					if blocked[c] {
						work = append(work, result{c, Skipped})
					} else {
						ready.push(c)
					}
				}
			}
		}
	}

	running := 0
	stopped := false
	stopStatus := Skipped
	stop := func(st Status) {
		if !stopped {
			stopped, stopStatus = true, st
			cancel()
		}
	}
	ctxDone := ctx.Done()
	for {
		if ctx.Err() != nil {
			stop(Cancelled)
		}
		for !stopped && running < threads && ready.Len() > 0 {
			i := ready.pop()
			running++
			go func(i int) {
				results <- result{i, visit(runCtx, w.ids[i])}
			}(i)
		}
		if running == 0 {
			break
		}
		select {
		case r := <-results:
			running--
			finish(r.i, r.status)
			if r.status == Failed && opts.FailFast {
				stop(Skipped)
			}
		case <-ctxDone:
			ctxDone = nil // seen; keep waiting for running visits
			stop(Cancelled)
		}
	}
	for i, ok := range done {
		if !ok {
			status[w.ids[i]] = stopStatus
		}
	}
	return status
}

// walkPlan is the subgraph a walk runs: ids in start priority order and the
// edges between them, including edges implied through nodes outside the walk.
type walkPlan struct {
	ids      []string
	parents  [][]int
	children [][]int
}

func (g *Graph) plan(ids []string) walkPlan {
	type member struct {
		id   string
		node int // -1 when not a node of g
	}
	seen := make(map[string]bool, len(ids))
	var members []member
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		node, ok := g.index[id]
		if !ok {
			node = -1
		}
		members = append(members, member{id, node})
	}
	sort.Slice(members, func(a, b int) bool {
		ma, mb := members[a], members[b]
		switch {
		case ma.node >= 0 && mb.node >= 0:
			return g.rank[ma.node] < g.rank[mb.node]
		case ma.node >= 0 || mb.node >= 0:
			return ma.node >= 0 // nodes of g first
		default:
			return ma.id < mb.id
		}
	})

	local := make(map[int]int, len(members)) // graph index -> position in members
	p := walkPlan{
		ids:      make([]string, len(members)),
		parents:  make([][]int, len(members)),
		children: make([][]int, len(members)),
	}
	for k, m := range members {
		p.ids[k] = m.id
		if m.node >= 0 {
			local[m.node] = k
		}
	}

	// nearest[v] lists the walked nodes reachable upward from v (a node not
	// walked) without passing another walked node; memoized.
	nearest := map[int][]int{}
	var upward func(v int) []int
	upward = func(v int) []int {
		if got, ok := nearest[v]; ok {
			return got
		}
		var out []int
		for _, q := range g.parents[v] {
			if k, ok := local[q]; ok {
				out = append(out, k)
			} else {
				out = append(out, upward(q)...)
			}
		}
		out = dedupeSorted(out)
		nearest[v] = out
		return out
	}
	for k, m := range members {
		if m.node < 0 {
			continue
		}
		var parents []int
		for _, q := range g.parents[m.node] {
			if pk, ok := local[q]; ok {
				parents = append(parents, pk)
			} else {
				parents = append(parents, upward(q)...)
			}
		}
		p.parents[k] = dedupeSorted(parents)
	}
	return p.byDepth()
}

// byDepth orders the plan as dbt's queue starts nodes: by depth (a node
// with no parent in the walk is 0, any other one more than its deepest
// parent), then by id. A node every other ready node waits behind in dbt
// (a staging model, one generation down) starts first here too, which
// projects that read a relation they do not ref rely on (Snowplow's
// lifecycle manifest reads the events model by name). p is in topological
// order, with parents filled in; children are filled in here.
func (p walkPlan) byDepth() walkPlan {
	n := len(p.ids)
	depth := make([]int, n)
	for k := range n {
		for _, pk := range p.parents[k] {
			depth[k] = max(depth[k], depth[pk]+1)
		}
	}
	perm := make([]int, n) // new position -> old
	for k := range perm {
		perm[k] = k
	}
	sort.SliceStable(perm, func(a, b int) bool {
		x, y := perm[a], perm[b]
		if depth[x] != depth[y] {
			return depth[x] < depth[y]
		}
		return p.ids[x] < p.ids[y]
	})
	at := make([]int, n) // old position -> new
	for k, old := range perm {
		at[old] = k
	}
	out := walkPlan{ids: make([]string, n), parents: make([][]int, n), children: make([][]int, n)}
	for k, old := range perm {
		out.ids[k] = p.ids[old]
		ps := make([]int, len(p.parents[old]))
		for j, pk := range p.parents[old] {
			ps[j] = at[pk]
		}
		sort.Ints(ps)
		out.parents[k] = ps
		for _, pk := range ps {
			out.children[pk] = append(out.children[pk], k)
		}
	}
	return out
}
