package compiler

import (
	"testing"

	"github.com/elt-dev/elt/project"
)

func TestRelations(t *testing.T) {
	p := newProject(readCase(t, "relations"))
	// dbt_project.yml: models: shop: staging: +schema: stg (applied by project.Load).
	p.Nodes["model.shop.stg_a"].Config = project.Config{"schema": "stg"}
	p.Nodes["seed.shop.countries"].Config = project.Config{"alias": "country_codes"}
	p.Sources["source.shop.raw.orders"] = &project.SourceTable{UniqueID: "source.shop.raw.orders", SourceName: "raw", Name: "orders", Package: "shop"}
	p.Sources["source.shop.raw.items"] = &project.SourceTable{UniqueID: "source.shop.raw.items", SourceName: "raw", Name: "items", Package: "shop", Database: "lake", Schema: "landing", Identifier: "item_v2"}
	m, got := compileProject(t, p, testOptions())
	golden(t, "relations/compiled.sql", got)
	for id, want := range map[string]string{
		"model.shop.plain":     `"warehouse"."main"."plain"`,
		"model.shop.orders":    `"warehouse"."main_marts"."fct_orders"`,
		"model.shop.elsewhere": `"other_db"."main"."elsewhere"`,
		"model.shop.stg_a":     `"warehouse"."main_stg"."stg_a"`,
		"seed.shop.countries":  `"warehouse"."main"."country_codes"`,
		"snapshot.shop.snap":   `"warehouse"."snapshots"."snap"`,
		"snapshot.shop.modern": `"warehouse"."main_snaps"."modern"`,
		// Neither target_schema nor schema: the target's schema.
		"snapshot.shop.default_snap": `"warehouse"."main"."default_snap"`,
		"source.shop.raw.orders":     `"warehouse"."raw"."orders"`,
		"source.shop.raw.items":      `"lake"."landing"."item_v2"`,
	} {
		var gotRel string
		if n, ok := m.Nodes[id]; ok {
			gotRel = n.RelationName
		} else {
			gotRel = m.SourceRelations[id]
		}
		if gotRel != want {
			t.Errorf("%s: want %s, got %s", id, want, gotRel)
		}
	}
}

func TestCustomNamingMacros(t *testing.T) {
	p := newProject(readCase(t, "custom_naming"))
	m, got := compileProject(t, p, testOptions())
	golden(t, "custom_naming/compiled.sql", got)
	if r := m.Nodes["model.shop.orders"].RelationName; r != `"warehouse"."marts"."orders_model"` {
		t.Errorf("overriding generate_schema_name/generate_alias_name: got %s", r)
	}
	// Snapshots: target_schema (legacy) is used verbatim; schema (dbt 1.9)
	// goes through generate_schema_name like any model's.
	for id, want := range map[string]string{
		"snapshot.shop.legacy_snap": `"warehouse"."snapshots"."legacy_snap_snapshot"`,
		"snapshot.shop.modern_snap": `"warehouse"."snaps"."modern_snap_snapshot"`,
	} {
		if got := m.Nodes[id].RelationName; got != want {
			t.Errorf("%s: want %s, got %s", id, want, got)
		}
	}
}

// TestNamingMacroDispatch: as in dbt, the naming macros dispatch to
// default__generate_*_name, which a project may override or call, and
// generate_schema_name_for_env is there to call.
func TestNamingMacroDispatch(t *testing.T) {
	const forEnv = "{% macro generate_schema_name(custom_schema_name, node) %}{{ generate_schema_name_for_env(custom_schema_name, node) }}{% endmacro %}"
	cases := []struct {
		name, macros, target, want string
	}{
		{"generate_schema_name_for_env off prod", forEnv, "dev", `"warehouse"."main"."orders"`},
		{"generate_schema_name_for_env on prod", forEnv, "prod", `"warehouse"."marts"."orders"`},
		{"default__generate_schema_name overridden alone",
			"{% macro default__generate_schema_name(custom_schema_name, node) %}s_{{ custom_schema_name }}{% endmacro %}",
			"dev", `"warehouse"."s_marts"."orders"`},
		{"an adapter's implementation overridden",
			"{% macro duckdb__generate_alias_name(custom_alias_name, node) %}a_{{ node.name }}{% endmacro %}",
			"dev", `"warehouse"."main_marts"."a_orders"`},
		{"the default called from an override",
			"{% macro generate_alias_name(custom_alias_name, node) %}{{ default__generate_alias_name(custom_alias_name, node) | upper }}{% endmacro %}" +
				"{% macro generate_database_name(custom_database_name, node) %}{{ dbt.default__generate_database_name('lake', node) }}{% endmacro %}",
			"dev", `"lake"."main_marts"."ORDERS"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newProject(map[string]string{"models/orders.sql": "select 1 as id", "macros/naming.sql": c.macros})
			p.Nodes["model.shop.orders"].Config = project.Config{"schema": "marts"}
			p.Target.Name = c.target
			m, _ := compileProject(t, p, testOptions())
			if got := m.Nodes["model.shop.orders"].RelationName; got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}
