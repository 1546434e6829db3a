package project

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSourceFreshnessLevels(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml": "name: shop\nprofile: shop\nsources:\n  shop:\n    +freshness:\n      warn_after: {count: 3, period: day}\n",
		"models/src.yml": `version: 2
sources:
  - name: raw
    loaded_at_field: src_loaded
    config:
      freshness:
        error_after: {count: 5, period: day}
    tables:
      - name: inherits
      - name: table_props
        freshness:
          warn_after: {count: 6}
          filter: "x > 1"
      - name: table_config
        config:
          freshness: {warn_after: {count: 1, period: hour}}
          loaded_at_field: tbl_loaded
      - name: cleared
        config:
          freshness: null
      - name: query
        loaded_at_query: "select 1"
`,
	})
	day3 := map[string]any{"count": 3, "period": "day"}
	day5 := map[string]any{"count": 5, "period": "day"}
	get := func(name string) *SourceTable { return p.Sources["source.shop.raw."+name] }
	wantEqual(t, "inherits", get("inherits").Freshness, map[string]any{"warn_after": day3, "error_after": day5})
	wantEqual(t, "inherits field", get("inherits").LoadedAtField, "src_loaded")
	wantEqual(t, "table props merge one level deep", get("table_props").Freshness,
		map[string]any{"warn_after": map[string]any{"count": 6, "period": "day"}, "error_after": day5, "filter": "x > 1"})
	wantEqual(t, "table config", get("table_config").Freshness,
		map[string]any{"warn_after": map[string]any{"count": 1, "period": "hour"}, "error_after": day5})
	wantEqual(t, "table config field", get("table_config").LoadedAtField, "tbl_loaded")
	if get("cleared").Freshness != nil || get("cleared").HasFreshness() {
		t.Errorf("freshness: null kept %v", get("cleared").Freshness)
	}
	wantEqual(t, "query replaces the source's field", [2]string{get("query").LoadedAtField, get("query").LoadedAtQuery}, [2]string{"", "select 1"})
	if !get("inherits").HasFreshness() {
		t.Errorf("inherits has no freshness")
	}
}

func TestExposureTreeConfig(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml":   "name: shop\nprofile: shop\nexposures:\n  shop:\n    bi:\n      +enabled: false\n    +tags: [from_project]\n",
		"models/x.sql":      "select 1 as id",
		"models/bi/exp.yml": "version: 2\nexposures:\n  - name: 'off'\n    type: ml\n    owner: {name: a}\n",
		"models/exp.yml":    "version: 2\nexposures:\n  - name: 'on'\n    type: ml\n    owner: {email: a@b.c}\n    tags: [own]\n    depends_on: [\"ref('x')\", \"ref('shop', 'x', v=2)\", \"source('a', 'b')\", \"metric('m')\"]\n",
	})
	if _, ok := p.Exposures["exposure.shop.off"]; ok {
		t.Errorf("+enabled: false under exposures: shop: bi did not disable the exposure")
	}
	on := p.Exposures["exposure.shop.on"]
	if on == nil {
		t.Fatalf("exposures: %v", p.Exposures)
	}
	wantEqual(t, "tags", on.Tags, []string{"from_project", "own"})
	wantEqual(t, "fqn", on.FQN, []string{"shop", "on"})
	var calls [][]string
	for _, c := range on.DependsOn {
		calls = append(calls, append([]string{c.Func, c.Version}, c.Args...))
	}
	wantEqual(t, "depends_on", calls, [][]string{{"ref", "", "x"}, {"ref", "2", "shop", "x"}, {"source", "", "a", "b"}, {"metric", "", "m"}})
}

// A source's fqn holds the folders of its properties file below the
// resource path, as dbt's (parser/schemas.py add_source_definitions), so
// dbt_project.yml's sources: configs keyed by folder apply and one keyed
// straight by the source name does not.
func TestSourceFQNHoldsFolders(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml":             "name: shop\nprofile: shop\nsources:\n  shop:\n    staging:\n      +tags: [via_folder]\n      raw:\n        orders:\n          +enabled: false\n    top:\n      +tags: [top_level]\n",
		"models/staging/deep/src.yml": "version: 2\nsources:\n  - name: deep_src\n    tables: [{name: t}]\n",
		"models/staging/src.yml":      "version: 2\nsources:\n  - name: raw\n    tables: [{name: customers}, {name: orders}]\n",
		"models/top.yml":              "version: 2\nsources:\n  - name: top\n    tables: [{name: t}]\n",
	})
	wantEqual(t, "fqn", p.Sources["source.shop.raw.customers"].FQN, []string{"shop", "staging", "raw", "customers"})
	wantEqual(t, "nested fqn", p.Sources["source.shop.deep_src.t"].FQN, []string{"shop", "staging", "deep", "deep_src", "t"})
	wantEqual(t, "top fqn", p.Sources["source.shop.top.t"].FQN, []string{"shop", "top", "t"})
	wantEqual(t, "folder config", p.Sources["source.shop.raw.customers"].Tags, []string{"via_folder"})
	wantEqual(t, "nested folder config", p.Sources["source.shop.deep_src.t"].Tags, []string{"via_folder"})
	wantEqual(t, "source-name config at the top", p.Sources["source.shop.top.t"].Tags, []string{"top_level"})
	wantEqual(t, "table config", p.Sources["source.shop.raw.orders"].Config["enabled"], false)
}

// A node's checksum is dbt's: the sha256 of the file's contents stripped
// of surrounding whitespace (read_files.py load_file_contents), so that
// state:modified against a manifest dbt wrote finds nothing changed.
func TestChecksumOfStrippedContents(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml": "name: shop\nprofile: shop\n",
		"models/a.sql":    "\n  select 1 as id\n\n",
		"models/b.sql":    "select 1 as id",
	})
	want := fmt.Sprintf("%x", sha256.Sum256([]byte("select 1 as id")))
	for _, id := range []string{"model.shop.a", "model.shop.b"} {
		if got := p.Nodes[id].Checksum; got != want {
			t.Errorf("%s: checksum %s, want %s", id, got, want)
		}
	}
}

// An analysis's path and fqn start with "analysis", as dbt's
// (parser/analysis.py get_compiled_path), and it takes the models:
// configs keyed so, as dbt's context config gives an analysis; the
// analyses: key configures nothing, which is said.
func TestAnalysisPathAsDBT(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml":    "name: shop\nprofile: shop\nmodels:\n  shop:\n    +meta: {all: true}\n    analysis:\n      sub:\n        +tags: [via_fqn]\nanalyses:\n  shop:\n    +tags: [ignored]\n",
		"analyses/sub/a.sql": "select 1",
		"analyses/top.sql":   "select 2",
	})
	a := p.Nodes["analysis.shop.a"]
	wantEqual(t, "path", a.Path, "analysis/sub/a.sql")
	wantEqual(t, "fqn", a.FQN, []string{"shop", "analysis", "sub", "a"})
	wantEqual(t, "tags", a.Config["tags"], []string{"via_fqn"})
	wantEqual(t, "meta", a.Config["meta"], map[string]any{"all": true})
	top := p.Nodes["analysis.shop.top"]
	wantEqual(t, "top fqn", top.FQN, []string{"shop", "analysis", "top"})
	wantEqual(t, "top tags", top.Config["tags"], nil)
	var warned bool
	for _, w := range p.Warnings {
		warned = warned || strings.Contains(w.Error(), "analyses: configs of dbt_project.yml apply to nothing")
	}
	if !warned {
		t.Errorf("no warning for the analyses: configs: %v", p.Warnings)
	}
}

// An absolute resource path inside the project is that folder, as dbt
// joins paths to the project folder (dbt-core's TestGoodDocsBlocksAltPath);
// one outside it is still refused.
func TestAbsoluteDocsPathInside(t *testing.T) {
	dir := newProject(t, map[string]string{
		"alt-docs/d.md":     "{% docs my_doc %}from alt{% enddocs %}",
		"models/m.sql":      "select 1",
		"models/schema.yml": "models:\n  - name: m\n    description: \"{{ doc('my_doc') }}\"\n",
	})
	abs, err := filepath.Abs(filepath.Join(dir, "alt-docs"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dbt_project.yml"), []byte("name: shop\nprofile: shop\ndocs-paths: [\""+abs+"\", models]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := loadDir(t, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "description", p.Nodes["model.shop.m"].Description, "from alt")
	if err := os.WriteFile(filepath.Join(dir, "dbt_project.yml"), []byte("name: shop\nprofile: shop\ndocs-paths: [\"/tmp\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadDir(t, dir, Options{}); err == nil || !strings.Contains(err.Error(), `path "/tmp" is outside the project folder`) {
		t.Errorf("a docs path outside the project: %v", err)
	}
}

// TestSemanticModelElementDocs: doc() in the descriptions of a semantic
// model's dimensions, measures and entities is rendered, as dbt's
// _process_docs_for_semantic_model renders them.
func TestSemanticModelElementDocs(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"models/people.sql": "select 1 as id, 'red' as favorite_color, current_date as created_at",
		"models/docs.md":    "{% docs dim %}bar{% enddocs %}{% docs meas %}baz{% enddocs %}{% docs ent %}qux{% enddocs %}",
		"models/sm.yml": `semantic_models:
  - name: people_sm
    model: ref('people')
    defaults: {agg_time_dimension: created_at}
    dimensions:
      - name: favorite_color
        type: categorical
        description: "{{ doc('dim') }}"
      - name: created_at
        type: time
        type_params: {time_granularity: day}
    measures:
      - name: n
        agg: count
        expr: id
        description: "{{ doc('meas') }} and more"
    entities:
      - name: id
        type: primary
        description: "{{ doc('ent') }}"
`,
	})
	r := p.Semantic["semantic_model.shop.people_sm"]
	if r == nil {
		t.Fatalf("semantic model not loaded")
	}
	desc := func(key string, i int) any {
		return r.Raw[key].([]any)[i].(map[string]any)["description"]
	}
	wantEqual(t, "dimension", desc("dimensions", 0), "bar")
	wantEqual(t, "dimension without description", desc("dimensions", 1), nil)
	wantEqual(t, "measure", desc("measures", 0), "baz and more")
	wantEqual(t, "entity", desc("entities", 0), "qux")
}
