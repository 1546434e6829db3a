package project

import "testing"

func TestMergeConfig(t *testing.T) {
	tests := []struct {
		name           string
		base, override Config
		want           Config
	}{
		{"clobber", Config{"materialized": "view", "schema": "a"}, Config{"materialized": "table"},
			Config{"materialized": "table", "schema": "a"}},
		{"tags union keeps order and drops repeats", Config{"tags": []any{"a", "b"}}, Config{"tags": []any{"b", "c"}},
			Config{"tags": []string{"a", "b", "c"}}},
		{"string tag becomes a list", Config{"tags": "a"}, Config{"tags": "b"}, Config{"tags": []string{"a", "b"}}},
		{"hooks append", Config{"pre_hook": "one"}, Config{"pre_hook": []any{"two", "three"}},
			Config{"pre_hook": []any{"one", "two", "three"}}},
		{"post_hook alone becomes a list", Config{}, Config{"post_hook": "x"}, Config{"post_hook": []any{"x"}}},
		{"meta merges by key", Config{"meta": map[string]any{"owner": "a", "tier": 1}}, Config{"meta": map[string]any{"owner": "b"}},
			Config{"meta": map[string]any{"owner": "b", "tier": 1}}},
		{"docs merges by key", Config{"docs": map[string]any{"show": false}}, Config{"docs": map[string]any{"node_color": "red"}},
			Config{"docs": map[string]any{"show": false, "node_color": "red"}}},
		{"grants merge, +key appends", Config{"grants": map[string]any{"select": []any{"a"}, "insert": []any{"x"}}},
			Config{"grants": map[string]any{"+select": []any{"b"}, "insert": []any{"y"}}},
			Config{"grants": map[string]any{"select": []any{"a", "b"}, "insert": []any{"y"}}}},
		// As dbt-core's NodeConfig: column_types and contract update key
		// by key (Fivetran's Stripe tests set invoice_id's type for every
		// seed and more types on one), persist_docs clobbers.
		{"column_types merges by key", Config{"column_types": map[string]any{"a": "int", "b": "int"}}, Config{"column_types": map[string]any{"b": "text"}},
			Config{"column_types": map[string]any{"a": "int", "b": "text"}}},
		{"contract merges by key", Config{"contract": map[string]any{"enforced": true}}, Config{"contract": map[string]any{"alias_types": false}},
			Config{"contract": map[string]any{"enforced": true, "alias_types": false}}},
		{"persist_docs clobbers", Config{"persist_docs": map[string]any{"relation": true}}, Config{"persist_docs": map[string]any{"columns": true}},
			Config{"persist_docs": map[string]any{"columns": true}}},
		{"nil base", nil, Config{"enabled": false}, Config{"enabled": false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantEqual(t, "merged", MergeConfig(tt.base, tt.override), tt.want)
		})
	}
}

func TestMergeConfigDoesNotModifyInputs(t *testing.T) {
	base := Config{"tags": []string{"a"}, "meta": map[string]any{"k": 1}}
	MergeConfig(base, Config{"tags": "b", "meta": map[string]any{"k": 2}})
	wantEqual(t, "base", base, Config{"tags": []string{"a"}, "meta": map[string]any{"k": 1}})
}

func TestConfigPrecedence(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml": baseProject + `
models:
  +materialized: view
  +tags: root
  +pre-hook: "select 'root'"
  shop:
    +schema: shop_schema
    +meta: {owner: shop, tier: 1}
    staging:
      +materialized: table
      +tags: [staging]
      +post-hook: ["select 1"]
      +on-schema-change: fail
      +my-team: analytics
      enabled: true
      stg_orders:
        +alias: orders_alias
    marts:
      materialized: incremental
seeds:
  shop:
    +column_types: {id: bigint}
    +quote_columns: false
`,
		"models/staging/stg_orders.sql":    "select 1",
		"models/staging/stg_customers.sql": "select 1",
		"models/marts/orders.sql":          "select 1",
		"seeds/raw_orders.csv":             "id\n1\n",
		"models/staging/schema.yml": `
version: 2
models:
  - name: stg_orders
    description: Orders
    config:
      materialized: ephemeral
      tags: [props]
      pre_hook: "select 'props'"
      meta: {tier: 2, team: data}
seeds:
  - name: raw_orders
    config:
      column_types: {id: varchar, amount: double}
`,
	})
	orders := p.Nodes["model.shop.stg_orders"]
	if orders == nil {
		t.Fatalf("stg_orders not found; nodes: %v", sortedKeys(p.Nodes))
	}
	wantEqual(t, "stg_orders config", orders.Config, Config{
		"materialized": "ephemeral",
		"tags":         []string{"root", "staging", "props"},
		"pre_hook":     []any{"select 'root'", "select 'props'"},
		"post_hook":    []any{"select 1"},
		"schema":       "shop_schema",
		"meta":         map[string]any{"owner": "shop", "tier": 2, "team": "data"},
		"enabled":      true,
		"alias":        "orders_alias",
		// Only pre-hook and post-hook are dbt's aliases: any other dashed
		// key is a custom one, kept as written (dbt's on_schema_change
		// stays unset).
		"on-schema-change": "fail",
		"my-team":          "analytics",
	})
	wantEqual(t, "stg_orders meta", orders.Meta, map[string]any{"owner": "shop", "tier": 2, "team": "data"})
	wantEqual(t, "stg_customers materialized", p.Nodes["model.shop.stg_customers"].Config["materialized"], "table")
	wantEqual(t, "marts materialized (plain key)", p.Nodes["model.shop.orders"].Config["materialized"], "incremental")
	wantEqual(t, "TreeConfig", p.TreeConfig(Model, []string{"shop", "staging", "x"})["tags"], []string{"root", "staging"})
	seed := p.Nodes["seed.shop.raw_orders"]
	wantEqual(t, "seed column types", seed.SeedColumnTypes, map[string]string{"id": "varchar", "amount": "double"})
	wantEqual(t, "seed quote_columns", seed.Config["quote_columns"], false)
	if len(p.Warnings) != 0 {
		t.Errorf("unexpected warnings: %v", p.Warnings)
	}
}

func TestUnusedConfigPathWarning(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml": baseProject + `
models:
  shop:
    staging:
      +materialized: table
    typo_folder:
      +materialized: view
  other_package:
    +enabled: false
`,
		"models/staging/a.sql": "select 1",
	})
	if len(p.Warnings) != 1 {
		t.Fatalf("want 1 warning, got %v", p.Warnings)
	}
	w := p.Warnings[0]
	if w.File != "dbt_project.yml" || w.Pos.Line != 10 {
		t.Errorf("warning at %s, want dbt_project.yml:10", w.Location())
	}
	wantEqual(t, "summary", w.Summary, "Configuration paths exist in your dbt_project.yml file which do not apply to any resources.\n"+
		"There are 1 unused configuration paths:\n- models.shop.typo_folder (dbt_project.yml:10:5)")
}

// A mapping that sets a hook under both its names keeps the underscored
// one, as dbt's translate_hook_names does in dbt_project.yml and in
// properties YAML config:, and elt warns of the other at its key.
func TestHookUnderBothNamesUnderscoreWins(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml": baseProject + `
models:
  +pre-hook: "select 'project dash'"
  +pre_hook: "select 'project underscore'"
`,
		"models/a.sql": "select 1",
		"models/s.yml": `models:
  - name: a
    config:
      post_hook: "select 'props underscore'"
      post-hook: "select 'props dash'"
`,
	})
	a := p.Nodes["model.shop.a"]
	wantEqual(t, "pre_hook", a.Config["pre_hook"], []any{"select 'project underscore'"})
	wantEqual(t, "post_hook", a.Config["post_hook"], []any{"select 'props underscore'"})
	var got []string
	for _, w := range p.Warnings {
		got = append(got, w.Location()+" "+w.Summary)
	}
	wantEqual(t, "warnings", got, []string{
		"dbt_project.yml:7:3 pre-hook is ignored: the same mapping sets pre_hook, which replaces it (as in dbt)",
		"models/s.yml:5:7 post-hook is ignored: the same mapping sets post_hook, which replaces it (as in dbt)",
	})
}

// A tests: path may go down to one generic test's name (a test's fqn is
// its package, its YAML's folders and its name): that path is used; a
// name no test has is not, and dbt names it under data_tests.
func TestUnusedConfigPathOfOneTest(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml": baseProject + `
tests:
  shop:
    staging:
      unique_a_id:
        +severity: warn
      not_null_a_id:
        +severity: warn
      source_not_null_raw_t_id:
        +severity: warn
      my_named_test:
        +severity: warn
      unique_a_idd:
        +severity: warn
`,
		"models/staging/a.sql": "select 1 as id",
		"models/staging/s.yml": "models:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [unique, {not_null: {name: my_named_test}}]\n" +
			"sources:\n  - name: raw\n    tables:\n      - name: t\n        columns:\n          - name: id\n            data_tests: [not_null]\n",
	})
	var got []string
	for _, w := range p.Warnings {
		got = append(got, w.Location()+" "+w.Summary)
	}
	want := []string{
		"dbt_project.yml:11:7 Configuration paths exist in your dbt_project.yml file which do not apply to any resources.\n" +
			"There are 2 unused configuration paths:\n" +
			"- data_tests.shop.staging.not_null_a_id (dbt_project.yml:11:7)\n" +
			"- data_tests.shop.staging.unique_a_idd (dbt_project.yml:17:7)",
	}
	wantEqual(t, "warnings", got, want)
}
