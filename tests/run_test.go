package tests

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/project"
)

// sqlAdapter is a minimal adapters.Adapter over a real DuckDB database/sql
// handle, so Run is tested against a real warehouse without depending on
// the adapters/duckdb package being finished. It records what Run asked of it.
type sqlAdapter struct {
	db      *sql.DB
	schemas []string // "database.schema" passed to CreateSchema
	built   []adapters.Model
}

var _ adapters.Adapter = (*sqlAdapter)(nil)

type duckDialect struct{}

func (duckDialect) Type() string { return "duckdb" }
func (duckDialect) Quote(ident string) string {
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}
func (d duckDialect) RenderRelation(r adapters.Relation) string {
	var parts []string
	for _, p := range []string{r.Database, r.Schema, r.Identifier} {
		if p != "" {
			parts = append(parts, d.Quote(p))
		}
	}
	return strings.Join(parts, ".")
}

func (a *sqlAdapter) Dialect() adapters.Dialect { return duckDialect{} }
func (a *sqlAdapter) Exec(ctx context.Context, q string) error {
	_, err := a.db.ExecContext(ctx, q)
	return err
}
func (a *sqlAdapter) Query(ctx context.Context, q string) (*adapters.Result, error) {
	rows, err := a.db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	res := &adapters.Result{Columns: cols}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		res.Rows = append(res.Rows, vals)
	}
	return res, rows.Err()
}
func (a *sqlAdapter) Columns(context.Context, adapters.Relation) ([]adapters.Column, error) {
	return nil, errors.New("not used by package tests")
}
func (a *sqlAdapter) RelationKind(ctx context.Context, rel adapters.Relation) (adapters.RelationKind, error) {
	var kind string
	err := a.db.QueryRowContext(ctx, `select table_type from information_schema.tables
		where table_catalog = ? and table_schema = ? and table_name = ?`,
		rel.Database, rel.Schema, rel.Identifier).Scan(&kind)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return adapters.KindNone, nil
	case err != nil:
		return "", err
	case kind == "VIEW":
		return adapters.KindView, nil
	}
	return adapters.KindTable, nil
}
func (a *sqlAdapter) CreateSchema(ctx context.Context, database, schema string) error {
	a.schemas = append(a.schemas, database+"."+schema)
	d := a.Dialect()
	return a.Exec(ctx, "create schema if not exists "+d.Quote(database)+"."+d.Quote(schema))
}
func (a *sqlAdapter) Materialize(ctx context.Context, m adapters.Model) (adapters.RunResult, error) {
	a.built = append(a.built, m)
	rel := a.Dialect().RenderRelation(m.Relation)
	// Replacing a table by a view (or back) needs the old one gone first.
	kind, err := a.RelationKind(ctx, m.Relation)
	if err != nil {
		return adapters.RunResult{}, err
	}
	if kind != adapters.KindNone && string(kind) != m.Materialized {
		if err := a.Exec(ctx, fmt.Sprintf("drop %s %s", kind, rel)); err != nil {
			return adapters.RunResult{}, err
		}
	}
	err = a.Exec(ctx, fmt.Sprintf("create or replace %s %s as (\n%s\n)", m.Materialized, rel, m.SQL))
	return adapters.RunResult{Message: "OK", RowsAffected: -1}, err
}
func (a *sqlAdapter) LoadSeed(context.Context, adapters.Seed) (adapters.RunResult, error) {
	return adapters.RunResult{}, errors.New("not used by package tests")
}
func (a *sqlAdapter) Close() error { return a.db.Close() }

// testNode builds a test node as the compiler would hand it over.
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
			a := &sqlAdapter{db: openDuckDB(t)}
			mustExec(t, a.db, runFixture)
			opts := tc.opts
			opts.Database, opts.Schema = "test", "main"
			got, err := Run(context.Background(), a, tc.node, opts)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if d := diff(tc.want, got); d != "" {
				t.Errorf("outcome differs:%s", d)
			}
			if tc.wantRelation == (adapters.Relation{}) {
				if len(a.built) != 0 || len(a.schemas) != 0 {
					t.Errorf("nothing should be stored, got schemas %v and builds %+v", a.schemas, a.built)
				}
				return
			}
			if d := diff([]string{tc.wantRelation.Database + "." + tc.wantRelation.Schema}, a.schemas); d != "" {
				t.Errorf("CreateSchema calls differ:%s", d)
			}
			kind, err := a.RelationKind(context.Background(), tc.wantRelation)
			if err != nil {
				t.Fatal(err)
			}
			if kind != tc.wantKind {
				t.Errorf("stored relation kind: want %q, got %q", tc.wantKind, kind)
			}
			if len(a.built) != 1 || a.built[0].UniqueID != tc.node.UniqueID || a.built[0].Materialized != string(tc.wantKind) {
				t.Errorf("Materialize calls: %+v", a.built)
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
	a := &sqlAdapter{db: openDuckDB(t)}
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
	if d := diff(want, second); d != "" {
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
		{"non-boolean threshold", testNode("t", "select 1", project.Config{"error_if": "+ 1"}), "should_error must be a boolean"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := &sqlAdapter{db: openDuckDB(t)}
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
			if strings.Contains(tc.name, "bad") && (len(a.schemas) != 0 || len(a.built) != 0) {
				t.Errorf("wrote to the warehouse despite bad config: %v %+v", a.schemas, a.built)
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
