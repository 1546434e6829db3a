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
