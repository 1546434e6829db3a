package compiler

import (
	"context"
	"testing"
)

func TestSnapshotsFromProject(t *testing.T) {
	p := loadProject(t, map[string]string{
		"profiles.yml": hooksProfiles,
		"dbt_project.yml": `name: shop
profile: shop
snapshots:
  shop:
    +strategy: timestamp
    +updated_at: updated_at
    legacy:
      +target_schema: snapshots
      +unique_key: id
`,
		"models/stg_orders.sql": "select 1 as id, now() as updated_at",
		"models/sources.yml":    "version: 2\nsources:\n  - name: raw\n    tables: [{name: customers}]\n",
		"snapshots/legacy.sql": `{% snapshot orders_legacy %}
{{ config(strategy='check', check_cols=['status'], target_schema='in_file') }}
select * from {{ ref('stg_orders') }}
{% endsnapshot %}`,
		"snapshots/legacy.yml": "version: 2\nsnapshots:\n  - name: orders_legacy\n    config: {target_schema: from_yaml, unique_key: order_id}\n",
		"snapshots/modern.yml": `version: 2
snapshots:
  - name: orders_modern
    relation: ref('stg_orders')
    config: {unique_key: id, schema: snaps, alias: orders_history}
  - name: customers_modern
    relation: source('raw', 'customers')
    config: {unique_key: id}
`,
	})
	ctx := context.Background()
	m, err := Parse(ctx, p, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(ctx, nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id, relation, sql string
		config            map[string]any
	}{
		// dbt_project.yml < properties YAML < config() in the block.
		{"snapshot.shop.orders_legacy", `"warehouse"."in_file"."orders_legacy"`,
			"\n\nselect * from \"warehouse\".\"main\".\"stg_orders\"",
			map[string]any{"strategy": "check", "unique_key": "order_id", "updated_at": "updated_at", "target_schema": "in_file"}},
		// schema: goes through generate_schema_name; alias renames.
		{"snapshot.shop.orders_modern", `"warehouse"."main_snaps"."orders_history"`,
			`select * from "warehouse"."main"."stg_orders"`,
			map[string]any{"strategy": "timestamp", "unique_key": "id"}},
		// Neither schema nor target_schema: the target's schema.
		{"snapshot.shop.customers_modern", `"warehouse"."main"."customers_modern"`,
			`select * from "warehouse"."raw"."customers"`,
			map[string]any{"strategy": "timestamp", "updated_at": "updated_at"}},
	} {
		n := m.Nodes[tc.id]
		if n == nil {
			t.Fatalf("%s missing", tc.id)
		}
		if n.RelationName != tc.relation {
			t.Errorf("%s: relation: want %s, got %s", tc.id, tc.relation, n.RelationName)
		}
		if n.CompiledCode != tc.sql {
			t.Errorf("%s: compiled: want %q, got %q", tc.id, tc.sql, n.CompiledCode)
		}
		for k, want := range tc.config {
			if got := n.Config[k]; got != want {
				t.Errorf("%s: config %s: want %v, got %v", tc.id, k, want, got)
			}
		}
	}
	if deps := m.Nodes["snapshot.shop.customers_modern"].DependsOn.Nodes; len(deps) != 1 || deps[0] != "source.shop.raw.customers" {
		t.Errorf("depends_on: %v", deps)
	}
}
