package docs

import (
	"slices"
	"sort"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/project"
)

// unitTests adds the unit tests to the manifest's unit_tests, as dbt's
// UnitTestDefinition, and to the parent and child maps (a unit test's
// parent is its model); the disabled ones go under disabled, as dbt's
// UnitTestParser adds them (add_disabled), with the model they name when
// it is enabled and no edges.
func (b *builder) unitTests(out *Manifest) {
	for id, n := range b.m.UnitTests {
		ut := b.m.UnitTestDef(id)
		if ut == nil {
			continue
		}
		schema := ""
		if model := b.m.Nodes[n.AttachedNode]; model != nil {
			schema = model.Relation.Schema
		}
		entry := b.unitTestEntry(ut, id, n.Config, n.DependsOn.Nodes, schema)
		if n.VersionString != "" {
			// dbt's process_models_for_unit_test copies the definition
			// (versions: included) once per tested version and sets its
			// version to that model's.
			entry["version"] = n.Version
			if ut.Versions != nil {
				entry["versions"] = unitTestVersionsJSON(ut.Versions)
			}
		}
		out.UnitTests[id] = entry
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
	for _, d := range b.m.DisabledUnitTests() {
		ut := d.Def
		nodes := []string{}
		var schema any
		if d.Model != nil {
			nodes, schema = []string{d.Model.UniqueID}, d.Model.Relation.Schema
		}
		entry := b.unitTestEntry(ut, ut.UniqueID, ut.Config, nodes, schema)
		if ut.Versions != nil {
			entry["versions"] = unitTestVersionsJSON(ut.Versions)
		}
		out.Disabled[ut.UniqueID] = append(out.Disabled[ut.UniqueID], entry)
	}
}

// unitTestEntry is ut as dbt's UnitTestDefinition: id its unique id, cfg
// its config (tags, meta, enabled), nodes the model it tests and schema
// that model's schema.
func (b *builder) unitTestEntry(ut *project.UnitTest, id string, cfg project.Config, nodes []string, schema any) map[string]any {
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
	if t, ok := cfg["tags"].([]string); ok {
		tags = t
	}
	meta := map[string]any{}
	if m, ok := cfg["meta"].(map[string]any); ok {
		meta = m
	}
	enabled := true
	if e, ok := cfg["enabled"].(bool); ok {
		enabled = e
	}
	return map[string]any{
		"model":              ut.Model,
		"given":              given,
		"expect":             fixtureJSON(ut.Expect),
		"name":               ut.Name,
		"resource_type":      "unit_test",
		"package_name":       ut.Package,
		"path":               compiler.SearchedPath(b.pkgRel(ut.Package, ut.File)),
		"original_file_path": b.pkgRel(ut.Package, ut.File),
		"unique_id":          id,
		"fqn":                ut.FQN,
		"description":        ut.Description,
		"overrides":          overrides,
		"depends_on":         map[string]any{"macros": []string{}, "nodes": nodes},
		"config":             map[string]any{"tags": tags, "meta": meta, "enabled": enabled},
		"checksum":           ut.Checksum,
		"schema":             schema,
		"created_at":         b.createdAt,
		"versions":           nil,
		"version":            nil,
	}
}

// unitTestVersionsJSON is a unit test's versions: as dbt's
// UnitTestNodeVersions: each list as written, its versions with their
// YAML types (2, 1.5, "2"), None when not given.
func unitTestVersionsJSON(v *project.UnitTestVersions) map[string]any {
	return map[string]any{"include": versionList(v.IncludeValues), "exclude": versionList(v.ExcludeValues)}
}

func versionList(l []any) any {
	if l == nil {
		return nil
	}
	return l
}

func fixtureJSON(fx *project.UnitTestFixture) map[string]any {
	if fx == nil {
		return map[string]any{"rows": nil, "format": "dict", "fixture": nil}
	}
	var rows any = promoteFullRow(fx.Rows)
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

// promoteFullRow is rows with the first row holding no null swapped to
// the top, as dbt's _promote_first_non_none_row leaves a dict or csv
// fixture's rows in its manifest (for warehouses that type a column by
// its first value). rows itself is not changed.
func promoteFullRow(rows []map[string]any) []map[string]any {
	for i, row := range rows {
		full := true
		for _, v := range row {
			if v == nil {
				full = false
				break
			}
		}
		if !full {
			continue
		}
		if i == 0 {
			return rows
		}
		out := slices.Clone(rows)
		out[0], out[i] = out[i], out[0]
		return out
	}
	return rows
}
