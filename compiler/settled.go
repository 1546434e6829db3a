package compiler

import (
	"context"
	"sync"
)

// settledRenders remembers, for the nodes the last compile rendered, whether
// each render (and the renders of the ephemeral models injected into it)
// read nothing that can change before the node runs: it asked the warehouse
// nothing (introspected) and read nothing volatile (is_incremental(),
// run_started_at, modules, selected_resources, graph, log(), warn()). Such a
// render gives the same SQL again in this invocation: RenderCache keeps the
// same renders across invocations on the same grounds.
type settledRenders struct {
	mu      sync.RWMutex
	settled map[string]bool // unique id -> settled; a later compile adds to it
}

func (s *settledRenders) record(settled map[string]bool) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.settled == nil {
		s.settled = make(map[string]bool, len(settled))
	}
	for id, ok := range settled {
		s.settled[id] = ok
	}
}

func (s *settledRenders) has(id string) bool {
	if s == nil {
		return false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.settled[id]
}

// RunSQL returns the SQL to run node id with. dbt renders a node again
// just before it runs, so that introspective Jinja sees the relations built
// earlier in the run; a render that introspected nothing and read nothing
// volatile gives the same SQL again, so the compile's is returned without
// rendering (parsing the template alone cost about 0.12 ms a model). Any
// other node is rendered again, as RenderNode does. Safe to call
// concurrently; it writes nothing shared.
func (m *Manifest) RunSQL(ctx context.Context, id string) (string, error) {
	if n, ok := m.Nodes[id]; ok && n.Compiled && m.settled.has(id) {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		return n.CompiledCode, nil
	}
	return m.RenderNode(ctx, id)
}
