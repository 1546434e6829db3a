package docs

import (
	"slices"
	"sort"

	"github.com/elt-dev/elt/project"
)

// unitTests adds the unit tests to the manifest's unit_tests, as dbt's
// UnitTestDefinition, and to the parent and child maps (a unit test's
// parent is its model).
func (b *builder) unitTests(out *Manifest) {
	for id, n := range b.m.UnitTests {
		ut := b.m.UnitTestDef(id)
		if ut == nil {
			continue
		}
		given := make([]map[string]any, 0, len(ut.Given))
		for _, fx := range ut.Given {
			g := fixtureJSON(fx)
			g["input"] = fx.Input
			given = append(given, g)
		}
		var overrides any
		o := ut.Overrides
		if o.Macros != nil || o.Vars != nil || o.EnvVars != nil {
			overrides = map[string]any{"macros": nonNilMap(o.Macros), "vars": nonNilMap(o.Vars), "env_vars": nonNilMap(o.EnvVars)}
		}
		tags := []string{}
		if t, ok := n.Config["tags"].([]string); ok {
			tags = t
		}
		meta := map[string]any{}
		if m, ok := n.Config["meta"].(map[string]any); ok {
			meta = m
		}
		enabled := true
		if e, ok := n.Config["enabled"].(bool); ok {
			enabled = e
		}
		schema := ""
		if model := b.m.Nodes[n.AttachedNode]; model != nil {
			schema = model.Relation.Schema
		}
		out.UnitTests[id] = map[string]any{
			"model":              ut.Model,
			"given":              given,
			"expect":             fixtureJSON(ut.Expect),
			"name":               ut.Name,
			"resource_type":      "unit_test",
			"package_name":       ut.Package,
			"path":               n.PackagePath(),
			"original_file_path": n.PackagePath(),
			"unique_id":          id,
			"fqn":                ut.FQN,
			"description":        ut.Description,
			"overrides":          overrides,
			"depends_on":         map[string]any{"macros": []string{}, "nodes": n.DependsOn.Nodes},
			"config":             map[string]any{"tags": tags, "meta": meta, "enabled": enabled},
			"checksum":           nil,
			"schema":             schema,
			"created_at":         b.createdAt,
			"versions":           nil,
			"version":            nil,
		}
		out.ParentMap[id] = append([]string(nil), n.DependsOn.Nodes...)
		if out.ChildMap[id] == nil {
			// As dbt: every unit test has a child list, if an empty one.
			out.ChildMap[id] = []string{}
		}
		for _, dep := range n.DependsOn.Nodes {
			l := append(slices.Clip(out.ChildMap[dep]), id)
			sort.Strings(l)
			out.ChildMap[dep] = l
		}
	}
}

func fixtureJSON(fx *project.UnitTestFixture) map[string]any {
	if fx == nil {
		return map[string]any{"rows": nil, "format": "dict", "fixture": nil}
	}
	var rows any = fx.Rows
	if fx.Format == "sql" {
		rows = fx.SQL
	} else if fx.Rows == nil {
		rows = []map[string]any{}
	}
	var fixture any
	if fx.Fixture != "" {
		fixture = fx.Fixture
	}
	return map[string]any{"rows": rows, "format": fx.Format, "fixture": fixture}
}

func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
