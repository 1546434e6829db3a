package main

import (
	"slices"
	"sort"
	"strings"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/graph"
	"github.com/elt-dev/elt/project"
)

// unitTestGraphNodes makes the unit tests graph nodes: children of their
// model, and tests of it, so that selecting the model selects them.
func unitTestGraphNodes(m *compiler.Manifest) []graph.Node {
	out := make([]graph.Node, 0, len(m.UnitTests))
	for _, n := range m.UnitTests {
		out = append(out, graph.Node{
			ID:           n.UniqueID,
			Name:         n.Name,
			ResourceType: string(project.UnitTestType),
			Package:      n.Package,
			Path:         n.OriginalFilePath,
			FQN:          n.FQN,
			Tags:         tagsOf(n.Config),
			Config:       n.Config,
			DependsOn:    n.DependsOn.Nodes,
			TestOf:       n.DependsOn.Nodes,
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// unitTestName is how dbt prints a unit test, model::test; other nodes by name.
func unitTestName(n *compiler.Node) string {
	if n.ResourceType != project.UnitTestType {
		return n.Name
	}
	// "model.<package>.<name>", or "model.<package>.<name>.v<v>" for a
	// version: dbt prints the model's name.
	model := n.AttachedNode
	if parts := strings.SplitN(model, ".", 4); len(parts) >= 3 {
		model = parts[2]
	}
	return model + "::" + compiler.UnitTestRunName(n)
}

// withoutResourceTypes leaves --exclude-resource-type's types out of a
// command's resource types.
func withoutResourceTypes(kinds, excluded []string) []string {
	if len(excluded) == 0 {
		return kinds
	}
	var out []string
	for _, k := range kinds {
		if !slices.Contains(excluded, k) {
			out = append(out, k)
		}
	}
	if out == nil {
		return []string{"none"}
	}
	return out
}

// onlyResourceTypes narrows a command's resource types to --resource-type.
func onlyResourceTypes(kinds, only []string) []string {
	// As dbt's resource_types_from_args: "all" and "default" stand for
	// the command's resource types.
	if len(only) == 0 || slices.Contains(only, "all") || slices.Contains(only, "default") {
		return kinds
	}
	var out []string
	for _, k := range kinds {
		for _, o := range only {
			if k == o {
				out = append(out, k)
			}
		}
	}
	if out == nil {
		return []string{"none"}
	}
	return out
}
