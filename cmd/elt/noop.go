package main

import (
	"maps"
	"slices"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/project"
)

// splitNoOps takes the exposures and saved queries out of ids: the runner
// reports them (no-op, after their parents), and nothing else a run does
// (compiling, the checks, defer, schemas) concerns them.
func (s *session) splitNoOps(ids []string) (nodes []string, noOps map[string]*compiler.Node) {
	for _, id := range ids {
		n := s.noOpNode(id)
		if n == nil {
			nodes = append(nodes, id)
			continue
		}
		if noOps == nil {
			noOps = map[string]*compiler.Node{}
		}
		noOps[id] = n
	}
	if nodes == nil {
		nodes = []string{}
	}
	return nodes, noOps
}

// noOpNode is the exposure or saved query id as a node for the runner and
// its reports; nil for any other id.
func (s *session) noOpNode(id string) *compiler.Node {
	if e, ok := s.proj.Exposures[id]; ok {
		return &compiler.Node{Node: project.Node{UniqueID: id, ResourceType: project.ExposureType, Name: e.Name,
			Package: e.Package, OriginalFilePath: e.File, FQN: e.FQN, Config: e.Config}}
	}
	if r, ok := s.proj.Semantic[id]; ok && r.Kind == project.SavedQuery {
		return &compiler.Node{Node: project.Node{UniqueID: id, ResourceType: project.SavedQuery, Name: r.Name,
			Package: r.Package, OriginalFilePath: r.File, FQN: r.FQN, Config: r.Config}}
	}
	return nil
}

// withNoOps is ids and then the no-op nodes' ids, sorted.
func withNoOps(ids []string, noOps map[string]*compiler.Node) []string {
	return append(slices.Clone(ids), slices.Sorted(maps.Keys(noOps))...)
}
