package main

import (
	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/graph"
)

// resourceGraphNodes are the exposures, semantic models, metrics and saved
// queries as graph nodes: selectable (exposure:x, +exposure:x selects
// what it depends on), never run.
func resourceGraphNodes(m *compiler.Manifest) []graph.Node {
	p := m.Project
	var out []graph.Node
	for id, x := range p.Exposures {
		out = append(out, graph.Node{ID: id, Name: x.Name, ResourceType: "exposure", Package: x.Package, Path: x.File,
			FQN: x.FQN, Tags: x.Tags, Config: x.Config, DependsOn: x.DependsOnNodes})
	}
	for id, r := range p.Semantic {
		out = append(out, graph.Node{ID: id, Name: r.Name, ResourceType: string(r.Kind), Package: r.Package, Path: r.File,
			FQN: r.FQN, Tags: r.Tags, Config: r.Config, DependsOn: r.DependsOnIDs})
	}
	return out
}

// resourceLsLine is elt ls's line for an exposure, semantic model, metric
// or saved query; false for other ids.
func (s *session) resourceLsLine(id, output string) (string, bool) {
	p := s.manifest.Project
	var name, kind, pkg, file string
	if x, ok := p.Exposures[id]; ok {
		name, kind, pkg, file = x.Name, "exposure", x.Package, x.File
	} else if r, ok := p.Semantic[id]; ok {
		name, kind, pkg, file = r.Name, string(r.Kind), r.Package, r.File
	} else {
		return "", false
	}
	switch output {
	case "name":
		return name, true
	case "path":
		return file, true
	}
	// As dbt: these are found by package and name.
	return kind + ":" + pkg + "." + name, true
}
