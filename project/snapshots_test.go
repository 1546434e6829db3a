package project

import (
	"strings"
	"testing"
)

func TestYAMLSnapshots(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml": baseProject + `
snapshots:
  +target_schema: legacy_snapshots
  +strategy: check
  shop:
    +tags: [snap]
    orders:
      +hard_deletes: invalidate
`,
		"models/stg_orders.sql": "select 1 as id",
		"snapshots/orders/snapshots.yml": `version: 2
snapshots:
  - name: orders_snapshot
    relation: ref('stg_orders')
    description: Orders over time
    config:
      strategy: timestamp
      unique_key: [id, line]
      updated_at: updated_at
      dbt_valid_to_current: "to_date('9999-12-31')"
      snapshot_meta_column_names: {dbt_valid_from: valid_from}
      schema: snapshots
      alias: orders_history
      tags: [orders]
    columns:
      - name: id
        description: The order
        data_tests: [not_null]
  - name: raw_customers_snapshot
    relation: source('raw', 'customers')
    config:
      unique_key: id
      check_cols: all
`,
		"models/sources.yml": `version: 2
sources:
  - name: raw
    tables: [{name: customers}]
`,
		"models/more_snapshots.yml": `version: 2
snapshots:
  - name: payments_snapshot
    relation: source('raw', 'payments')
    config: {strategy: check, check_cols: [amount], unique_key: id, hard_deletes: new_record}
`,
	})
	orders := p.Nodes["snapshot.shop.orders_snapshot"]
	if orders == nil {
		t.Fatalf("orders_snapshot not defined; nodes: %v (warnings %v)", sortedKeys(p.Nodes), p.Warnings)
	}
	wantEqual(t, "raw code", orders.RawCode, "select * from {{ ref('stg_orders') }}")
	wantEqual(t, "file", orders.OriginalFilePath, "snapshots/orders/snapshots.yml")
	wantEqual(t, "path (dbt: <file>/<name>.sql)", orders.Path, "orders/snapshots.yml/orders_snapshot.sql")
	wantEqual(t, "fqn", orders.FQN, []string{"shop", "orders", "orders_snapshot"})
	wantEqual(t, "description", orders.Description, "Orders over time")
	if len(orders.Columns) != 1 || orders.Columns[0].Name != "id" {
		t.Errorf("columns: %+v", orders.Columns)
	}
	wantEqual(t, "config (tree < YAML config)", orders.Config, Config{
		"target_schema":              "legacy_snapshots",
		"strategy":                   "timestamp",
		"tags":                       []string{"snap", "orders"},
		"hard_deletes":               "invalidate",
		"unique_key":                 []any{"id", "line"},
		"updated_at":                 "updated_at",
		"dbt_valid_to_current":       "to_date('9999-12-31')",
		"snapshot_meta_column_names": map[string]any{"dbt_valid_from": "valid_from"},
		"schema":                     "snapshots",
		"alias":                      "orders_history",
	})
	var tests []string
	for _, d := range p.GenericTests {
		tests = append(tests, string(d.AttachedKind)+":"+d.AttachedName+"."+d.ColumnName+":"+d.TestName)
	}
	wantEqual(t, "tests", tests, []string{"snapshot:orders_snapshot.id:not_null"})

	cust := p.Nodes["snapshot.shop.raw_customers_snapshot"]
	wantEqual(t, "source form", cust.RawCode, "select * from {{ source('raw', 'customers') }}")
	wantEqual(t, "fqn at the root", cust.FQN, []string{"shop", "orders", "raw_customers_snapshot"})
	wantEqual(t, "strategy from the tree", cust.Config["strategy"], "check")

	pay := p.Nodes["snapshot.shop.payments_snapshot"]
	wantEqual(t, "snapshot defined under model paths", pay.OriginalFilePath, "models/more_snapshots.yml")
	wantEqual(t, "model-path fqn", pay.FQN, []string{"shop", "payments_snapshot"})
	wantEqual(t, "config", pay.Config["hard_deletes"], "new_record")
	if len(p.Warnings) != 0 {
		t.Errorf("unexpected warnings: %v", p.Warnings)
	}
}

func TestLegacySnapshotConfig(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml": baseProject + `
snapshots:
  shop:
    +target_schema: snapshots
    +strategy: timestamp
    +updated_at: updated_at
    orders:
      +unique_key: id
`,
		"snapshots/orders.sql": "{% snapshot orders_snapshot %}\n{{ config(strategy='check', check_cols='all') }}\nselect 1 as id\n{% endsnapshot %}\n",
		"snapshots/props.yml": `version: 2
snapshots:
  - name: orders_snapshot
    config:
      target_schema: from_yaml
`,
	})
	n := p.Nodes["snapshot.shop.orders_snapshot"]
	// The in-file config() is applied by the compiler, on top of this.
	wantEqual(t, "config (tree < properties YAML)", n.Config, Config{
		"target_schema": "from_yaml",
		"strategy":      "timestamp",
		"updated_at":    "updated_at",
		"unique_key":    "id",
	})
	if len(p.Warnings) != 0 {
		t.Errorf("unexpected warnings: %v", p.Warnings)
	}
}

func TestYAMLSnapshotErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
		file  string
		line  int
	}{
		{"relation is not a ref or source", map[string]string{"snapshots/s.yml": "snapshots:\n  - name: s\n    relation: select 1\n"},
			"relation must be a ref() or source() call", "snapshots/s.yml", 3},
		{"same name as a block snapshot", map[string]string{
			"snapshots/s.yml": "snapshots:\n  - name: s\n    relation: ref('m')\n",
			"snapshots/s.sql": "{% snapshot s %}select 1{% endsnapshot %}",
			"models/m.sql":    "select 1",
		}, "found two", "snapshots/s.yml", 2},
		{"described again in another file", map[string]string{
			"snapshots/s.yml": "snapshots:\n  - name: s\n    relation: ref('m')\n",
			"models/m.yml":    "snapshots:\n  - name: s\n    description: again\n",
			"models/m.sql":    "select 1",
		}, "described twice", "models/m.yml", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadDir(t, newProject(t, tc.files), Options{})
			l := diagList(t, err)
			d, ok := findDiag(l, tc.want)
			if !ok {
				t.Fatalf("want %q among %v", tc.want, l)
			}
			if d.File != tc.file || d.Pos.Line != tc.line {
				t.Errorf("at %s, want %s:%d", d.Location(), tc.file, tc.line)
			}
		})
	}
}

func TestRunHookMappings(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml": baseProject + `
on-run-start:
  - "create schema if not exists audit"
  - sql: "insert into audit.runs values ('{{ invocation_id }}')"
    transaction: false
on-run-end: {sql: "select 1"}
`,
	})
	wantEqual(t, "on-run-start", p.Config.OnRunStart, []string{"create schema if not exists audit", "insert into audit.runs values ('{{ invocation_id }}')"})
	wantEqual(t, "on-run-end", p.Config.OnRunEnd, []string{"select 1"})
	if strings.Contains(p.Config.OnRunStart[1], "00000") {
		t.Errorf("run hooks are kept raw")
	}
}
