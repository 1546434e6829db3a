package tests

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/duckdb"
	"github.com/elt-dev/elt/project"
)

// TestRunOnDuckDBAdapter runs built-in and singular tests through the real
// DuckDB adapter, storing failures in the audit schema.
func TestRunOnDuckDBAdapter(t *testing.T) {
	ctx := context.Background()
	a, err := duckdb.Open(ctx, duckdb.Config{Path: filepath.Join(t.TempDir(), "warehouse.duckdb")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	for _, s := range []string{
		"create table customers (id integer)",
		"insert into customers values (10), (20)",
		"create table orders (id integer, status varchar, customer_id integer, amount integer)",
		"insert into orders values (1, 'placed', 10, 5), (2, 'lost', 99, 7), (2, 'placed', null, 1), (null, 'placed', 20, 3)",
	} {
		if err := a.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	opts := Options{Database: "warehouse", Schema: "main"}
	audit := func(name string) string {
		return `"warehouse"."main_dbt_test__audit".` + `"` + name + `"`
	}

	tests := []struct {
		name       string
		test       string // built-in test to render, "" for a singular test
		args       map[string]any
		sql        string
		cfg        project.Config
		want       Outcome
		wantStored *adapters.Result
	}{
		{
			name: "not_null stored as a table", test: "not_null",
			args: map[string]any{"model": `"warehouse"."main"."orders"`, "column_name": "id", "store_failures": true},
			cfg:  project.Config{"store_failures": true},
			want: Outcome{Status: StatusFail, Failures: 1, Message: "Got 1 result, configured to fail if != 0", StoredRelation: audit("not_null_orders_id")},
			wantStored: &adapters.Result{
				Columns: []string{"id", "status", "customer_id", "amount"},
				Rows:    [][]any{{nil, "placed", int64(20), int64(3)}},
			},
		},
		{
			name: "unique stored as a view", test: "unique",
			args: map[string]any{"model": "orders", "column_name": "id"},
			cfg:  project.Config{"store_failures_as": "view", "severity": "warn"},
			want: Outcome{Status: StatusWarn, Failures: 1, Message: "Got 1 result, configured to warn if != 0", StoredRelation: audit("unique_orders_id")},
			wantStored: &adapters.Result{
				Columns: []string{"unique_field", "n_records"},
				Rows:    [][]any{{int64(2), int64(2)}},
			},
		},
		{
			name: "accepted_values not stored", test: "accepted_values",
			args: map[string]any{"model": "orders", "column_name": "status", "values": []any{"placed"}},
			cfg:  project.Config{},
			want: Outcome{Status: StatusFail, Failures: 1, Message: "Got 1 result, configured to fail if != 0"},
		},
		{
			name: "relationships passes below error_if", test: "relationships",
			args: map[string]any{"model": "orders", "column_name": "customer_id", "to": "customers", "field": "id"},
			cfg:  project.Config{"error_if": "> 1", "warn_if": "> 5"},
			want: Outcome{Status: StatusPass}, // as dbt: a pass counts no failures
		},
		{
			name: "singular test with fail_calc sum",
			sql:  "select amount from orders where status = 'placed'",
			cfg:  project.Config{"fail_calc": "sum(amount)", "warn_if": "> 5", "error_if": "> 10"},
			want: Outcome{Status: StatusWarn, Failures: 9, Message: "Got 9 results, configured to warn if > 5"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sql, name := tc.sql, "singular_check"
			if tc.test != "" {
				sql = renderBuiltin(t, tc.test, tc.args)
				name = tc.test + "_orders_" + tc.args["column_name"].(string)
			}
			got, err := Run(ctx, a, testNode(name, sql, tc.cfg), opts)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if d := diff(tc.want, verdict(t, got)); d != "" {
				t.Errorf("outcome differs:%s", d)
			}
			if tc.wantStored == nil {
				return
			}
			stored, err := a.Query(ctx, "select * from "+got.StoredRelation)
			if err != nil {
				t.Fatal(err)
			}
			stored.Types = nil // the rows stored are the point here, not DuckDB's names for their types
			if d := diff(tc.wantStored, stored); d != "" {
				t.Errorf("stored failures differ:%s", d)
			}
		})
	}
}
