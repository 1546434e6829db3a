package project

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
)

// keyCase is one line of a testdata/dbt_keys list: a documented key and a
// sample value in flow YAML.
type keyCase struct {
	Key, Value string
}

func readKeyList(t *testing.T, name string) []keyCase {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "dbt_keys", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []keyCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("%s: %q is not `key: value`", name, line)
		}
		out = append(out, keyCase{k, v})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s lists no keys", name)
	}
	return out
}

// yamlValue parses a sample value as the loader would see it.
func yamlValue(t *testing.T, s string) any {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(s), &n); err != nil {
		t.Fatalf("sample value %q: %v", s, err)
	}
	return toValue(n.Content[0], nil, nil)
}

// keyProjectFiles is the tiny project every key is tried in: one resource
// of each kind.
func keyProjectFiles() map[string]string {
	return map[string]string{
		"models/m.sql":   "select 1 as id",
		"seeds/s.csv":    "id\n1\n",
		"analyses/a.sql": "select 1 as id",
		"tests/t.sql":    "select 1 as id where false",
		"macros/mac.sql": "{% macro mac(x) %}{{ x }}{% endmacro %}\n",
		"snapshots/snap.sql": "{% snapshot snap %}\n{{ config(unique_key='id', strategy='timestamp', updated_at='u') }}\n" +
			"select 1 as id, now() as u\n{% endsnapshot %}\n",
		"models/sources.yml": "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: orders\n",
	}
}

// checkKeyOutcome passes when the load either succeeded and handled(p)
// holds, or failed with an error at file:line naming the key. A key that
// loads without a handled check is silently accepted: the test fails.
func checkKeyOutcome(t *testing.T, dir, file string, line int, key string, handled func(*Project) error) {
	t.Helper()
	p, err := loadDir(t, dir, Options{})
	if err != nil {
		l, ok := diag.AsList(err)
		if !ok {
			t.Fatalf("load: %v", err)
		}
		for _, d := range l {
			if d.File == file && d.Pos.Line == line && strings.Contains(d.Summary, key) {
				t.Logf("rejected at %s:%d: %s", file, line, d.Summary)
				return // rejected, positioned, naming the key
			}
		}
		t.Fatalf("load failed, but not with an error at %s:%d naming %q:\n%v", file, line, key, err)
	}
	if handled == nil {
		t.Fatalf("%q loads and nothing checks where it goes: it is silently accepted. "+
			"Make elt act on it (and add a check here), or reject it with a positioned error", key)
	}
	if err := handled(p); err != nil {
		t.Fatalf("%q loads but is dropped: %v", key, err)
	}
}

func wantValue(what string, got, want any) error {
	if !reflect.DeepEqual(got, want) {
		return fmt.Errorf("%s: want %#v, got %#v", what, want, got)
	}
	return nil
}

// projectKeyChecks say where each top-level dbt_project.yml key goes.
var projectKeyChecks = map[string]func(p *Project, v any) error{
	"name":           func(p *Project, v any) error { return wantValue("Config.Name", p.Config.Name, v) },
	"version":        func(p *Project, v any) error { return wantValue("Config.Version", p.Config.Version, v) },
	"config-version": func(p *Project, v any) error { return wantValue("Config.ConfigVersion", p.Config.ConfigVersion, v) },
	"profile": func(p *Project, v any) error {
		if p.Target == nil {
			return fmt.Errorf("no target read from profile %v", v)
		}
		return wantValue("Config.Profile", p.Config.Profile, v)
	},
	"model-paths":    pathsCheck(func(c *ProjectConfig) []string { return c.ModelPaths }),
	"seed-paths":     pathsCheck(func(c *ProjectConfig) []string { return c.SeedPaths }),
	"test-paths":     pathsCheck(func(c *ProjectConfig) []string { return c.TestPaths }),
	"analysis-paths": pathsCheck(func(c *ProjectConfig) []string { return c.AnalysisPaths }),
	"macro-paths":    pathsCheck(func(c *ProjectConfig) []string { return c.MacroPaths }),
	"snapshot-paths": pathsCheck(func(c *ProjectConfig) []string { return c.SnapshotPaths }),
	"docs-paths":     pathsCheck(func(c *ProjectConfig) []string { return c.DocsPaths }),
	"asset-paths":    pathsCheck(func(c *ProjectConfig) []string { return c.AssetPaths }),   // copied by elt docs generate
	"clean-targets":  pathsCheck(func(c *ProjectConfig) []string { return c.CleanTargets }), // elt clean
	// cmd/elt writes dbt.log there.
	"log-path":    func(p *Project, v any) error { return wantValue("Config.LogPath", p.Config.LogPath, v) },
	"target-path": func(p *Project, v any) error { return wantValue("Config.TargetPath", p.Config.TargetPath, v) },
	"packages-install-path": func(p *Project, v any) error {
		return wantValue("Config.PackagesInstallPath", p.Config.PackagesInstallPath, v)
	},
	// Read by the runner, which adds it to every statement.
	"query-comment": func(p *Project, v any) error { return wantValue("Config.QueryComment", p.Config.QueryComment, v) },
	// Checked against compiler.DBTVersion by elt deps (deps/resolve.go).
	"require-dbt-version": func(p *Project, v any) error {
		return wantValue("Config.RequireDbtVersion", ListItems(p.Config.RequireDbtVersion), v)
	},
	"quoting":  func(p *Project, v any) error { return wantValue("Config.Quoting", p.Config.Quoting, v) },
	"vars":     func(p *Project, v any) error { return wantValue("Config.Vars", p.Config.Vars, v) },
	"dispatch": func(p *Project, v any) error { return wantValue("dispatch entries", len(p.Config.Dispatch), 1) },
	// Read by the compiler's access checks (compiler/resources.go).
	"restrict-access": func(p *Project, v any) error { return wantValue("Raw", p.Config.Raw["restrict-access"], v) },
	"on-run-start":    func(p *Project, v any) error { return wantValue("OnRunStart", ListItems(p.Config.OnRunStart), v) },
	"on-run-end":      func(p *Project, v any) error { return wantValue("OnRunEnd", ListItems(p.Config.OnRunEnd), v) },
	// Each flag is checked by TestProjectFlags (flags.go; cmd/elt acts on them).
	"flags": func(p *Project, v any) error { return wantValue("Config.Flags", p.Config.Flags, v) },
	// Config trees: their +keys are walked by TestDocumentedConfigKeys.
	"models": treeCheck("models"), "seeds": treeCheck("seeds"), "snapshots": treeCheck("snapshots"),
	"sources": treeCheck("sources"), "data_tests": treeCheck("data_tests"), "tests": treeCheck("tests"),
	"unit_tests": treeCheck("unit_tests"), "metrics": treeCheck("metrics"), "semantic-models": treeCheck("semantic-models"),
	"saved-queries": treeCheck("saved-queries"), "exposures": treeCheck("exposures"), "analyses": treeCheck("analyses"),
}

// acceptedWithoutEffect are the top-level keys elt reads and deliberately
// does not act on, each with the reason. Keep this list short and explicit.
var acceptedWithoutEffect = map[string]string{
	"dbt-cloud": "dbt Core ignores it too: it configures dbt Cloud only",
}

func pathsCheck(get func(*ProjectConfig) []string) func(*Project, any) error {
	return func(p *Project, v any) error { return wantValue("paths", ListItems(get(p.Config)), v) }
}

func treeCheck(key string) func(*Project, any) error {
	return func(p *Project, v any) error {
		if p.Config.Trees[key] == nil || p.Config.Trees[key].Children["shop"] == nil {
			return fmt.Errorf("no %s config tree for shop", key)
		}
		return nil
	}
}

func TestDocumentedProjectKeys(t *testing.T) {
	for _, c := range readKeyList(t, "dbt_project.txt") {
		t.Run(c.Key, func(t *testing.T) {
			lines := strings.Split(strings.TrimSpace(baseProject), "\n")
			line := 0
			for i, l := range lines {
				if strings.HasPrefix(l, c.Key+":") {
					lines[i], line = c.Key+": "+c.Value, i+1
				}
			}
			if line == 0 {
				lines = append(lines, c.Key+": "+c.Value)
				line = len(lines)
			}
			files := keyProjectFiles()
			files["dbt_project.yml"] = strings.Join(lines, "\n") + "\n"
			dir := newProject(t, files)
			var handled func(*Project) error
			if check := projectKeyChecks[c.Key]; check != nil {
				v := yamlValue(t, c.Value)
				handled = func(p *Project) error { return check(p, v) }
			} else if reason, ok := acceptedWithoutEffect[c.Key]; ok {
				handled = func(p *Project) error {
					if _, ok := p.Config.Raw[c.Key]; !ok {
						return fmt.Errorf("not read (%s)", reason)
					}
					return nil
				}
			}
			checkKeyOutcome(t, dir, "dbt_project.yml", line, c.Key, handled)
		})
	}
}

// TestDocumentedConfigKeys writes each documented config key as a +key of
// its dbt_project.yml tree and checks that it reaches the node's config
// (what dbt writes to the manifest's config) or is rejected at its line.
func TestDocumentedConfigKeys(t *testing.T) {
	trees := []struct {
		file, tree string
		config     func(p *Project) Config
	}{
		{"config_models.txt", "models", func(p *Project) Config { return p.Nodes["model.shop.m"].Config }},
		{"config_seeds.txt", "seeds", func(p *Project) Config { return p.Nodes["seed.shop.s"].Config }},
		{"config_snapshots.txt", "snapshots", func(p *Project) Config { return p.Nodes["snapshot.shop.snap"].Config }},
		{"config_sources.txt", "sources", func(p *Project) Config { return p.Sources["source.shop.raw.orders"].Config }},
		{"config_data_tests.txt", "data_tests", func(p *Project) Config { return p.Nodes["test.shop.t"].Config }},
	}
	for _, tr := range trees {
		for _, c := range readKeyList(t, tr.file) {
			t.Run(tr.tree+"/"+c.Key, func(t *testing.T) {
				files := keyProjectFiles()
				files["dbt_project.yml"] = baseProject + tr.tree + ":\n  shop:\n    +" + c.Key + ": " + c.Value + "\n"
				line := strings.Count(baseProject, "\n") + 3
				dir := newProject(t, files)
				key := normConfigKey(c.Key)
				want := normConfigValue(key, yamlValue(t, c.Value))
				checkKeyOutcome(t, dir, "dbt_project.yml", line, c.Key, func(p *Project) error {
					return wantValue("config "+key, tr.config(p)[key], want)
				})
			})
		}
	}
}

// propsPlace is where a properties key is written: the YAML before and
// after the key's line, with KEY standing for `key: value`.
type propsPlace struct {
	file, yaml string
}

var propsPlaces = map[string]propsPlace{
	"props_models.txt":         {"models/props.yml", "version: 2\nmodels:\n  - name: m\n    KEY\n"},
	"props_columns.txt":        {"models/props.yml", "version: 2\nmodels:\n  - name: m\n    columns:\n      - name: id\n        KEY\n"},
	"props_seeds.txt":          {"seeds/props.yml", "version: 2\nseeds:\n  - name: s\n    KEY\n"},
	"props_snapshots.txt":      {"snapshots/props.yml", "version: 2\nsnapshots:\n  - name: snap\n    KEY\n"},
	"props_sources.txt":        {"models/sources.yml", "version: 2\nsources:\n  - name: raw\n    KEY\n    tables:\n      - name: orders\n"},
	"props_source_tables.txt":  {"models/sources.yml", "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: orders\n        KEY\n"},
	"props_macros.txt":         {"macros/props.yml", "version: 2\nmacros:\n  - name: mac\n    KEY\n"},
	"props_exposures.txt":      {"models/exposures.yml", "version: 2\nexposures:\n  - name: dash\n    KEY\n"},
	"props_analyses.txt":       {"analyses/props.yml", "version: 2\nanalyses:\n  - name: a\n    KEY\n"},
	"props_singular_tests.txt": {"tests/props.yml", "version: 2\ndata_tests:\n  - name: t\n    KEY\n"},
	"props_tests.txt": {"models/props.yml", "version: 2\nmodels:\n  - name: m\n    columns:\n      - name: id\n        data_tests:\n" +
		"          - accepted_values:\n              values: [1, 2]\n              KEY\n"},
}

func model(p *Project) *Node { return p.Nodes["model.shop.m"] }
func column(p *Project) *Column {
	if c := model(p).Columns; len(c) > 0 {
		return c[0]
	}
	return &Column{}
}
func source(p *Project) *SourceTable { return p.Sources["source.shop.raw.orders"] }
func exposure(p *Project) *Exposure  { return p.Exposures["exposure.shop.dash"] }
func testsOn(p *Project, name string) int {
	n := 0
	for _, t := range p.GenericTests {
		if t.AttachedName == name {
			n++
		}
	}
	return n
}

// propsChecks say where dbt puts each property, as "<file>/<key>".
var propsChecks = map[string]func(p *Project, v any) error{
	"props_models.txt/description": func(p *Project, v any) error { return wantValue("Description", model(p).Description, v) },
	"props_models.txt/docs":        func(p *Project, v any) error { return wantValue("Docs", model(p).Docs, v) },
	"props_models.txt/versions": func(p *Project, v any) error {
		n := p.Nodes["model.shop.m.v1"]
		if n == nil {
			return fmt.Errorf("no node model.shop.m.v1 for versions: [{v: 1}]")
		}
		return wantValue("Version", n.Version, 1)
	},
	"props_models.txt/deprecation_date": func(p *Project, v any) error {
		return wantValue("DeprecationDate", model(p).DeprecationDate, v)
	},
	"props_models.txt/access": configCheck(model, "access"),
	"props_models.txt/group":  configCheck(model, "group"),
	"props_models.txt/meta":   func(p *Project, v any) error { return wantValue("Meta", model(p).Meta, v) },
	"props_models.txt/tags":   configCheck(model, "tags"),
	"props_models.txt/config": func(p *Project, v any) error {
		return wantValue("materialized", model(p).Config["materialized"], "table")
	},
	"props_models.txt/constraints": func(p *Project, v any) error { return wantValue("Constraints", model(p).Constraints, v) },
	"props_models.txt/data_tests":  func(p *Project, v any) error { return wantValue("tests on m", testsOn(p, "m"), 1) },
	"props_models.txt/tests":       func(p *Project, v any) error { return wantValue("tests on m", testsOn(p, "m"), 1) },
	"props_models.txt/columns":     func(p *Project, v any) error { return wantValue("columns", len(model(p).Columns), 1) },
	"props_models.txt/time_spine": func(p *Project, v any) error {
		ts := model(p).TimeSpine
		if ts == nil {
			return fmt.Errorf("TimeSpine: nil")
		}
		return wantValue("TimeSpine", *ts, TimeSpine{StandardGranularityColumn: "id", Pos: ts.Pos})
	},

	"props_columns.txt/description": func(p *Project, v any) error { return wantValue("Description", column(p).Description, v) },
	"props_columns.txt/meta":        func(p *Project, v any) error { return wantValue("Meta", column(p).Meta, v) },
	"props_columns.txt/quote": func(p *Project, v any) error {
		if column(p).Quote == nil {
			return fmt.Errorf("quote not read")
		}
		return wantValue("Quote", *column(p).Quote, v)
	},
	"props_columns.txt/data_type":   func(p *Project, v any) error { return wantValue("DataType", column(p).DataType, v) },
	"props_columns.txt/constraints": func(p *Project, v any) error { return wantValue("Constraints", column(p).Constraints, v) },
	"props_columns.txt/data_tests":  func(p *Project, v any) error { return wantValue("tests on m", testsOn(p, "m"), 1) },
	"props_columns.txt/tests":       func(p *Project, v any) error { return wantValue("tests on m", testsOn(p, "m"), 1) },
	"props_columns.txt/tags":        func(p *Project, v any) error { return wantValue("Tags", ListItems(column(p).Tags), v) },
	"props_columns.txt/granularity": func(p *Project, v any) error { return wantValue("Granularity", column(p).Granularity, v) },
	"props_columns.txt/config": func(p *Project, v any) error {
		c := column(p)
		// Kept apart from the meta and tags beside config:, as dbt 1.10.
		return wantValue("config meta and tags", []any{c.ConfigMeta, c.ConfigTags, c.Meta, c.Tags}, []any{map[string]any{"pii": true}, []string{"key"}, map[string]any(nil), []string(nil)})
	},

	"props_seeds.txt/description": nodeDescription("seed.shop.s"),
	"props_seeds.txt/docs":        nodeDocs("seed.shop.s"),
	"props_seeds.txt/config": func(p *Project, v any) error {
		return wantValue("quote_columns", p.Nodes["seed.shop.s"].Config["quote_columns"], true)
	},
	"props_seeds.txt/data_tests": func(p *Project, v any) error { return wantValue("tests on s", testsOn(p, "s"), 1) },
	"props_seeds.txt/tests":      func(p *Project, v any) error { return wantValue("tests on s", testsOn(p, "s"), 1) },
	"props_seeds.txt/columns":    func(p *Project, v any) error { return wantValue("columns", len(p.Nodes["seed.shop.s"].Columns), 1) },

	"props_snapshots.txt/description": nodeDescription("snapshot.shop.snap"),
	"props_snapshots.txt/docs":        nodeDocs("snapshot.shop.snap"),
	"props_snapshots.txt/config": func(p *Project, v any) error {
		return wantValue("strategy", p.Nodes["snapshot.shop.snap"].Config["strategy"], "timestamp")
	},
	"props_snapshots.txt/data_tests": func(p *Project, v any) error { return wantValue("tests on snap", testsOn(p, "snap"), 1) },
	"props_snapshots.txt/tests":      func(p *Project, v any) error { return wantValue("tests on snap", testsOn(p, "snap"), 1) },
	"props_snapshots.txt/columns": func(p *Project, v any) error {
		return wantValue("columns", len(p.Nodes["snapshot.shop.snap"].Columns), 1)
	},
	"props_snapshots.txt/meta": func(p *Project, v any) error { return wantValue("Meta", p.Nodes["snapshot.shop.snap"].Meta, v) },

	"props_sources.txt/description":     func(p *Project, v any) error { return wantValue("SourceDescription", source(p).SourceDescription, v) },
	"props_sources.txt/database":        func(p *Project, v any) error { return wantValue("Database", source(p).Database, v) },
	"props_sources.txt/schema":          func(p *Project, v any) error { return wantValue("Schema", source(p).Schema, v) },
	"props_sources.txt/loader":          func(p *Project, v any) error { return wantValue("Loader", source(p).Loader, v) },
	"props_sources.txt/quoting":         func(p *Project, v any) error { return wantValue("Quoting", source(p).Quoting, v) },
	"props_sources.txt/freshness":       func(p *Project, v any) error { return wantValue("Freshness", source(p).Freshness, v) },
	"props_sources.txt/loaded_at_field": func(p *Project, v any) error { return wantValue("LoadedAtField", source(p).LoadedAtField, v) },
	"props_sources.txt/meta":            func(p *Project, v any) error { return wantValue("Meta", source(p).Meta, v) },
	"props_sources.txt/tags":            func(p *Project, v any) error { return wantValue("Tags", ListItems(source(p).Tags), v) },
	"props_sources.txt/config":          func(p *Project, v any) error { return wantValue("enabled", source(p).Config["enabled"], true) },

	"props_source_tables.txt/description":     func(p *Project, v any) error { return wantValue("Description", source(p).Description, v) },
	"props_source_tables.txt/identifier":      func(p *Project, v any) error { return wantValue("Identifier", source(p).Identifier, v) },
	"props_source_tables.txt/loaded_at_field": func(p *Project, v any) error { return wantValue("LoadedAtField", source(p).LoadedAtField, v) },
	"props_source_tables.txt/loaded_at_query": func(p *Project, v any) error { return wantValue("LoadedAtQuery", source(p).LoadedAtQuery, v) },
	"props_source_tables.txt/meta":            func(p *Project, v any) error { return wantValue("Meta", source(p).Meta, v) },
	"props_source_tables.txt/tags":            func(p *Project, v any) error { return wantValue("Tags", ListItems(source(p).Tags), v) },
	"props_source_tables.txt/quoting":         func(p *Project, v any) error { return wantValue("Quoting", source(p).Quoting, v) },
	"props_source_tables.txt/freshness":       func(p *Project, v any) error { return wantValue("Freshness", source(p).Freshness, v) },
	"props_source_tables.txt/external":        func(p *Project, v any) error { return wantValue("External", source(p).External, v) },
	"props_source_tables.txt/columns":         func(p *Project, v any) error { return wantValue("columns", len(source(p).Columns), 1) },
	"props_source_tables.txt/data_tests":      func(p *Project, v any) error { return wantValue("tests on orders", testsOn(p, "orders"), 1) },
	"props_source_tables.txt/tests":           func(p *Project, v any) error { return wantValue("tests on orders", testsOn(p, "orders"), 1) },
	"props_source_tables.txt/config":          func(p *Project, v any) error { return wantValue("enabled", source(p).Config["enabled"], true) },

	"props_macros.txt/description": func(p *Project, v any) error { return wantValue("Description", macroProps(p).Description, v) },
	"props_macros.txt/docs":        func(p *Project, v any) error { return wantValue("Docs", macroProps(p).Docs, v) },
	"props_macros.txt/meta":        func(p *Project, v any) error { return wantValue("Meta", macroProps(p).Meta, v) },
	"props_macros.txt/config": func(p *Project, v any) error {
		m := macroProps(p)
		return wantValue("meta and docs", []any{m.Meta, m.Docs}, []any{map[string]any{"owner": "data"}, map[string]any{"show": false}})
	},
	"props_macros.txt/arguments": func(p *Project, v any) error {
		return wantValue("Arguments", ListItems(macroArgs(macroProps(p).Arguments)), v)
	},

	"props_exposures.txt/type":        func(p *Project, v any) error { return wantValue("Type", exposure(p).Type, v) },
	"props_exposures.txt/owner":       func(p *Project, v any) error { return wantValue("Owner", exposure(p).Owner, v) },
	"props_exposures.txt/description": func(p *Project, v any) error { return wantValue("Description", exposure(p).Description, v) },
	"props_exposures.txt/url":         func(p *Project, v any) error { return wantValue("URL", exposure(p).URL, v) },
	"props_exposures.txt/maturity":    func(p *Project, v any) error { return wantValue("Maturity", exposure(p).Maturity, v) },
	"props_exposures.txt/label":       func(p *Project, v any) error { return wantValue("Label", exposure(p).Label, v) },
	"props_exposures.txt/depends_on": func(p *Project, v any) error {
		return wantValue("DependsOn", len(exposure(p).DependsOn), 1)
	},
	"props_exposures.txt/meta":   func(p *Project, v any) error { return wantValue("Meta", exposure(p).Meta, v) },
	"props_exposures.txt/tags":   func(p *Project, v any) error { return wantValue("Tags", ListItems(exposure(p).Tags), v) },
	"props_exposures.txt/config": func(p *Project, v any) error { return wantValue("enabled", exposure(p).Config["enabled"], true) },

	"props_analyses.txt/description": nodeDescription("analysis.shop.a"),
	"props_analyses.txt/docs":        nodeDocs("analysis.shop.a"),
	"props_analyses.txt/config": func(p *Project, v any) error {
		return wantValue("tags", p.Nodes["analysis.shop.a"].Config["tags"], []string{"a"})
	},
	"props_analyses.txt/columns": func(p *Project, v any) error { return wantValue("columns", len(p.Nodes["analysis.shop.a"].Columns), 1) },

	"props_singular_tests.txt/description": nodeDescription("test.shop.t"),
	"props_singular_tests.txt/config": func(p *Project, v any) error {
		return wantValue("severity", p.Nodes["test.shop.t"].Config["severity"], "warn")
	},

	"props_tests.txt/name":        func(p *Project, v any) error { return wantValue("Name", genericTest(p).Name, v) },
	"props_tests.txt/description": func(p *Project, v any) error { return wantValue("Description", genericTest(p).Description, v) },
	"props_tests.txt/config":      func(p *Project, v any) error { return wantValue("severity", genericTest(p).Config["severity"], "warn") },
	"props_tests.txt/arguments":   func(p *Project, v any) error { return wantValue("Args", genericTest(p).Args, v) },
	"props_tests.txt/test_name":   func(p *Project, v any) error { return wantValue("TestName", genericTest(p).TestName, v) },
}

func configCheck(node func(*Project) *Node, key string) func(*Project, any) error {
	return func(p *Project, v any) error {
		return wantValue("config "+key, node(p).Config[key], normConfigValue(key, v))
	}
}

func nodeDescription(id string) func(*Project, any) error {
	return func(p *Project, v any) error { return wantValue(id+" Description", p.Nodes[id].Description, v) }
}

func nodeDocs(id string) func(*Project, any) error {
	return func(p *Project, v any) error { return wantValue(id+" Docs", p.Nodes[id].Docs, v) }
}

func macroProps(p *Project) *MacroProperties {
	if m := p.MacroProperties["shop.mac"]; m != nil {
		return m
	}
	return &MacroProperties{}
}

func macroArgs(in []map[string]any) []any {
	out := make([]any, len(in))
	for i, m := range in {
		out[i] = m
	}
	return out
}

func genericTest(p *Project) *TestDecl {
	for _, t := range p.GenericTests {
		if t.AttachedName == "m" && t.TestName == "accepted_values" {
			return t
		}
	}
	return &TestDecl{}
}

// TestDocumentedPropertyKeys writes each documented property key in a
// properties YAML entry and checks that it lands where dbt puts it, or that
// the load stops at its line with an error naming it.
func TestDocumentedPropertyKeys(t *testing.T) {
	names := make([]string, 0, len(propsPlaces))
	for n := range propsPlaces {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		place := propsPlaces[name]
		for _, c := range readKeyList(t, name) {
			t.Run(strings.TrimSuffix(name, ".txt")+"/"+c.Key, func(t *testing.T) {
				body := place.yaml
				if name == "props_exposures.txt" {
					// type and owner are required; write them unless under test.
					for _, req := range []string{"type: dashboard", "owner: {name: Ann}"} {
						if !strings.HasPrefix(req, c.Key+":") {
							body = strings.Replace(body, "    KEY\n", "    "+req+"\n    KEY\n", 1)
						}
					}
				}
				if name == "props_models.txt" && c.Key == "time_spine" {
					// As dbt: the spine's column must be declared, with a granularity.
					body = strings.Replace(body, "    KEY\n", "    columns: [{name: id, granularity: day}]\n    KEY\n", 1)
				}
				if name == "props_tests.txt" && c.Key == "test_name" {
					body = strings.Replace(body, "          - accepted_values:\n              values: [1, 2]\n              KEY\n",
						"          - KEY\n            values: [1, 2]\n", 1)
				}
				before, _, _ := strings.Cut(body, "KEY")
				line := strings.Count(before, "\n") + 1
				body = strings.Replace(body, "KEY", c.Key+": "+c.Value, 1)
				files := keyProjectFiles()
				files[place.file] = body
				dir := newProject(t, files)
				var handled func(*Project) error
				if check := propsChecks[name+"/"+c.Key]; check != nil {
					v := yamlValue(t, c.Value)
					handled = func(p *Project) error { return check(p, v) }
				}
				checkKeyOutcome(t, dir, place.file, line, c.Key, handled)
			})
		}
	}
}

// dbt's _process_docs_for_macro renders every argument's description, so a
// doc() call there reads the docs block, as in the macro's own description.
func TestMacroArgumentDescriptionRendersDoc(t *testing.T) {
	files := schemaRenderProject(`version: 2
macros:
  - name: m
    description: "{{ doc('m_doc') }}"
    arguments:
      - name: x
        type: string
        description: "{{ doc('x_doc') }} and {{ 'more' }}"
`)
	files["macros/docs.md"] = "{% docs m_doc %}Macro m{% enddocs %}\n{% docs x_doc %}The x{% enddocs %}\n"
	p := mustLoad(t, files)
	mp := p.MacroProperties["shop.m"]
	wantEqual(t, "macro description", mp.Description, "Macro m")
	wantEqual(t, "argument description", mp.Arguments[0]["description"], "The x and more")
	wantEqual(t, "argument type", mp.Arguments[0]["type"], "string")
}
