package tests

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/duckdb"
	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/project"
)

// testAdapter is the real DuckDB adapter plus a database/sql handle on the
// same file (one DuckDB instance per file in a process) for fixtures.
type testAdapter struct {
	*duckdb.Adapter
	db *sql.DB
}

func newTestAdapter(t *testing.T) *testAdapter {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.duckdb")
	a, err := duckdb.Open(context.Background(), duckdb.Config{Path: path})
	if err != nil {
		t.Fatalf("open duckdb adapter: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatalf("open duckdb: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return &testAdapter{Adapter: a, db: db}
}

func testNode(name, compiled string, cfg project.Config) *compiler.Node {
	n := &compiler.Node{CompiledCode: compiled, Compiled: true}
	n.UniqueID = "test.shop." + name
	n.ResourceType = project.Test
	n.Name = name
	n.Package = "shop"
	n.Config = cfg
	return n
}

const runFixture = `
create table orders (id integer, status varchar);
insert into orders values (1, 'placed'), (null, 'placed'), (null, 'shipped'), (2, null), (2, 'placed');
`

func TestRunAgainstDuckDB(t *testing.T) {
	const notNull = "select * from orders where id is null"
	uniqueSQL := renderBuiltin(t, "unique", map[string]any{"model": "orders", "column_name": "id"})

	tests := []struct {
		name         string
		node         *compiler.Node
		opts         Options
		want         Outcome
		wantRelation adapters.Relation // zero when nothing is stored
		wantKind     adapters.RelationKind
		wantStored   [][]string // the stored rows, sorted
	}{
		{
			name: "singular test, not stored",
			node: testNode("orders_without_id", notNull, project.Config{}),
			want: Outcome{Status: StatusFail, Failures: 2, Message: "Got 2 results, configured to fail if != 0"},
		},
		{
			name: "singular test with a trailing semicolon, severity warn",
			node: testNode("orders_without_id", notNull+";\n", project.Config{"severity": "warn"}),
			want: Outcome{Status: StatusWarn, Failures: 2, Message: "Got 2 results, configured to warn if != 0"},
		},
		{
			name: "passing test",
			node: testNode("orders_with_id", "select * from orders where id is null and status is null", project.Config{}),
			want: Outcome{Status: StatusPass},
		},
		{
			name:         "store_failures: table in <target schema>_dbt_test__audit",
			node:         testNode("not_null_orders_id", notNull, project.Config{"store_failures": true}),
			want:         Outcome{Status: StatusFail, Failures: 2, Message: "Got 2 results, configured to fail if != 0", StoredRelation: `"test"."main_dbt_test__audit"."not_null_orders_id"`},
			wantRelation: adapters.Relation{Database: "test", Schema: "main_dbt_test__audit", Identifier: "not_null_orders_id"},
			wantKind:     adapters.KindTable,
			wantStored:   [][]string{{"NULL", "placed"}, {"NULL", "shipped"}},
		},
		{
			name:         "generic unique test from the built-in macro, stored",
			node:         testNode("unique_orders_id", uniqueSQL, project.Config{"store_failures": true}),
			want:         Outcome{Status: StatusFail, Failures: 1, Message: "Got 1 result, configured to fail if != 0", StoredRelation: `"test"."main_dbt_test__audit"."unique_orders_id"`},
			wantRelation: adapters.Relation{Database: "test", Schema: "main_dbt_test__audit", Identifier: "unique_orders_id"},
			wantKind:     adapters.KindTable,
			wantStored:   [][]string{{"2", "2"}},
		},
		{
			name:         "store_failures_as view",
			node:         testNode("not_null_orders_id_view", notNull, project.Config{"store_failures_as": "view"}),
			want:         Outcome{Status: StatusFail, Failures: 2, Message: "Got 2 results, configured to fail if != 0", StoredRelation: `"test"."main_dbt_test__audit"."not_null_orders_id_view"`},
			wantRelation: adapters.Relation{Database: "test", Schema: "main_dbt_test__audit", Identifier: "not_null_orders_id_view"},
			wantKind:     adapters.KindView,
			wantStored:   [][]string{{"NULL", "placed"}, {"NULL", "shipped"}},
		},
		{
			name:         "store_failures_as wins over store_failures: false",
			node:         testNode("t_as_table", notNull, project.Config{"store_failures": false, "store_failures_as": "Table"}),
			want:         Outcome{Status: StatusFail, Failures: 2, Message: "Got 2 results, configured to fail if != 0", StoredRelation: `"test"."main_dbt_test__audit"."t_as_table"`},
			wantRelation: adapters.Relation{Database: "test", Schema: "main_dbt_test__audit", Identifier: "t_as_table"},
			wantKind:     adapters.KindTable,
			wantStored:   [][]string{{"NULL", "placed"}, {"NULL", "shipped"}},
		},
		{
			name: "store_failures_as ephemeral wins over store_failures: true",
			node: testNode("t_ephemeral", notNull, project.Config{"store_failures": true, "store_failures_as": "ephemeral"}),
			opts: Options{StoreFailures: true},
			want: Outcome{Status: StatusFail, Failures: 2, Message: "Got 2 results, configured to fail if != 0"},
		},
		{
			name:         "--store-failures flag applies when the config is unset",
			node:         testNode("t_flag", notNull, project.Config{}),
			opts:         Options{StoreFailures: true},
			want:         Outcome{Status: StatusFail, Failures: 2, Message: "Got 2 results, configured to fail if != 0", StoredRelation: `"test"."main_dbt_test__audit"."t_flag"`},
			wantRelation: adapters.Relation{Database: "test", Schema: "main_dbt_test__audit", Identifier: "t_flag"},
			wantKind:     adapters.KindTable,
			wantStored:   [][]string{{"NULL", "placed"}, {"NULL", "shipped"}},
		},
		{
			name: "store_failures: false wins over the flag",
			node: testNode("t_flag_off", notNull, project.Config{"store_failures": false}),
			opts: Options{StoreFailures: true},
			want: Outcome{Status: StatusFail, Failures: 2, Message: "Got 2 results, configured to fail if != 0"},
		},
		{
			name:         "schema and alias configs",
			node:         testNode("t_custom", notNull, project.Config{"store_failures": true, "schema": "audit", "alias": "orders_missing_id"}),
			want:         Outcome{Status: StatusFail, Failures: 2, Message: "Got 2 results, configured to fail if != 0", StoredRelation: `"test"."main_audit"."orders_missing_id"`},
			wantRelation: adapters.Relation{Database: "test", Schema: "main_audit", Identifier: "orders_missing_id"},
			wantKind:     adapters.KindTable,
			wantStored:   [][]string{{"NULL", "placed"}, {"NULL", "shipped"}},
		},
		{
			name:         "project's schema naming (generate_schema_name) is used",
			node:         testNode("t_named", notNull, project.Config{"store_failures": true}),
			opts:         Options{SchemaName: func(custom string) string { return "qa_" + custom }},
			want:         Outcome{Status: StatusFail, Failures: 2, Message: "Got 2 results, configured to fail if != 0", StoredRelation: `"test"."qa_dbt_test__audit"."t_named"`},
			wantRelation: adapters.Relation{Database: "test", Schema: "qa_dbt_test__audit", Identifier: "t_named"},
			wantKind:     adapters.KindTable,
			wantStored:   [][]string{{"NULL", "placed"}, {"NULL", "shipped"}},
		},
		{
			name:         "limit caps what is stored and judged",
			node:         testNode("t_limit", "select * from orders", project.Config{"store_failures": true, "limit": 3, "warn_if": "> 2", "error_if": "> 3"}),
			want:         Outcome{Status: StatusWarn, Failures: 3, Message: "Got 3 results, configured to warn if > 2", StoredRelation: `"test"."main_dbt_test__audit"."t_limit"`},
			wantRelation: adapters.Relation{Database: "test", Schema: "main_dbt_test__audit", Identifier: "t_limit"},
			wantKind:     adapters.KindTable,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAdapter(t)
			mustExec(t, a.db, runFixture)
			opts := tc.opts
			opts.Database, opts.Schema = "test", "main"
			got, err := Run(context.Background(), a, tc.node, opts)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if d := diff(tc.want, verdict(t, got)); d != "" {
				t.Errorf("outcome differs:%s", d)
			}
			if tc.wantRelation == (adapters.Relation{}) {
				if extra := extraSchemas(t, a.db); len(extra) != 0 {
					t.Errorf("nothing should be stored, got schemas %v", extra)
				}
				return
			}
			if d := diff([]string{tc.wantRelation.Schema}, extraSchemas(t, a.db)); d != "" {
				t.Errorf("schemas created differ:%s", d)
			}
			kind, err := a.RelationKind(context.Background(), tc.wantRelation)
			if err != nil {
				t.Fatal(err)
			}
			if kind != tc.wantKind {
				t.Errorf("stored relation kind: want %q, got %q", tc.wantKind, kind)
			}
			stored := queryStrings(t, a.db, "select * from "+got.StoredRelation)
			if tc.wantStored != nil {
				if d := diff(tc.wantStored, stored); d != "" {
					t.Errorf("stored rows differ:%s", d)
				}
			} else if int64(len(stored)) != got.Failures {
				t.Errorf("stored %d rows, reported %d failures", len(stored), got.Failures)
			}
		})
	}
}

// A test's stored failures are replaced by each run, even by a run that
// finds none.
func TestRunReplacesStoredFailures(t *testing.T) {
	ctx := context.Background()
	a := newTestAdapter(t)
	mustExec(t, a.db, runFixture)
	n := testNode("not_null_orders_id", "select * from orders where id is null", project.Config{"store_failures": true})
	opts := Options{Database: "test", Schema: "main"}

	first, err := Run(ctx, a, n, opts)
	if err != nil {
		t.Fatal(err)
	}
	if first.Status != StatusFail || first.Failures != 2 {
		t.Fatalf("first run: %+v", first)
	}
	mustExec(t, a.db, "update orders set id = 9 where id is null")
	second, err := Run(ctx, a, n, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := Outcome{Status: StatusPass, StoredRelation: `"test"."main_dbt_test__audit"."not_null_orders_id"`}
	if d := diff(want, verdict(t, second)); d != "" {
		t.Errorf("second run:%s", d)
	}
	if rows := queryStrings(t, a.db, "select * from "+second.StoredRelation); len(rows) != 0 {
		t.Errorf("stored failures were not replaced: %v", rows)
	}
}

func TestRunErrors(t *testing.T) {
	tests := []struct {
		name    string
		node    *compiler.Node
		wantErr string
	}{
		{"nil node", nil, "no test node"},
		{"not compiled", testNode("t", "  ", project.Config{}), "no compiled SQL"},
		{"warehouse error", testNode("t", "select * from no_such_table", project.Config{}), "no_such_table"},
		{"warehouse error while storing", testNode("t", "select * from no_such_table", project.Config{"store_failures": true}), "store failures"},
		{"bad severity", testNode("t", "select 1", project.Config{"severity": "fatal", "store_failures": true}), "severity"},
		{"bad limit", testNode("t", "select 1", project.Config{"limit": "x", "store_failures": true}), "limit"},
		{"bad store_failures_as", testNode("t", "select 1", project.Config{"store_failures_as": "parquet"}), "store_failures_as"},
		{"bad store_failures", testNode("t", "select 1", project.Config{"store_failures": "sometimes"}), "store_failures must be true or false"},
		// As dbt's TestResultData: text is read by strtobool (a number
		// is true unless 0), and other text is an error.
		{"threshold giving text", testNode("t", "select 1", project.Config{"error_if": "|| 'x'"}), "returns '1x'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAdapter(t)
			got, err := Run(context.Background(), a, tc.node, Options{Database: "test", Schema: "main"})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("want error containing %q, got %v", tc.wantErr, err)
			}
			if tc.node != nil && !strings.Contains(err.Error(), tc.node.UniqueID) {
				t.Errorf("error does not name the test: %v", err)
			}
			if got.Status != StatusError || got.Message != err.Error() {
				t.Errorf("outcome: want status error with the message, got %+v", got)
			}
			// Bad config is found before anything is written.
			if extra := extraSchemas(t, a.db); strings.Contains(tc.name, "bad") && len(extra) != 0 {
				t.Errorf("wrote to the warehouse despite bad config: %v", extra)
			}
		})
	}
}

func TestAuditRelation(t *testing.T) {
	opts := Options{Database: "warehouse", Schema: "analytics"}
	tests := []struct {
		name string
		node *compiler.Node
		opts Options
		want adapters.Relation
	}{
		{"default", testNode("unique_orders_id", "", project.Config{}), opts, adapters.Relation{Database: "warehouse", Schema: "analytics_dbt_test__audit", Identifier: "unique_orders_id"}},
		{"schema config", testNode("t", "", project.Config{"schema": "qa"}), opts, adapters.Relation{Database: "warehouse", Schema: "analytics_qa", Identifier: "t"}},
		{"database and alias configs", testNode("t", "", project.Config{"database": "other", "alias": "a"}), opts, adapters.Relation{Database: "other", Schema: "analytics_dbt_test__audit", Identifier: "a"}},
		{"relation given by the compiler", func() *compiler.Node {
			n := testNode("t", "", project.Config{"schema": "ignored"})
			n.Relation = compiler.Relation{Database: "d", Schema: "s", Identifier: "i"}
			return n
		}(), opts, adapters.Relation{Database: "d", Schema: "s", Identifier: "i"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := diff(tc.want, AuditRelation(tc.node, tc.opts)); d != "" {
				t.Error(d)
			}
		})
	}
}

// extraSchemas lists the schemas a test run created (all but main and the system ones).
func extraSchemas(t *testing.T, db *sql.DB) []string {
	t.Helper()
	var out []string
	for _, r := range queryStrings(t, db, `select schema_name from information_schema.schemata
		where catalog_name = 'test' and schema_name not in ('main', 'information_schema', 'pg_catalog') order by 1`) {
		out = append(out, r[0])
	}
	return out
}
