package adaptertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters"
)

// DatabaseNamer is implemented by adapters that know the database (catalog)
// they are connected to. The suite then uses three-part relation names, as
// the runner does; otherwise it leaves the database part empty.
type DatabaseNamer interface {
	Database() string
}

// SchemaDropper is implemented by adapters whose SQL cannot name a schema
// with its database (PostgreSQL: drop schema "db"."s" is a syntax error).
// The suite then drops its schemas with DropSchema instead of
// drop schema <database>.<schema> cascade.
type SchemaDropper interface {
	// DropSchema drops database.schema and everything in it, if it exists.
	DropSchema(ctx context.Context, database, schema string) error
}

// dropSchema drops a schema the suite made.
func (e *env) dropSchema(ctx context.Context, schema string) error {
	if sd, ok := e.a.(SchemaDropper); ok {
		return sd.DropSchema(ctx, e.database, schema)
	}
	return e.a.Exec(ctx, "drop schema if exists "+e.d.RenderRelation(adapters.Relation{Database: e.database, Schema: schema})+" cascade")
}

// Run runs the suite. open must return a fresh, working adapter for the
// test; the suite closes it. Each case works in a schema of its own, made
// with CreateSchema and dropped at the end.
//
// Query values are expected as plain Go values: integers int64, other
// numbers float64, text string, booleans bool, NULL nil.
func Run(t *testing.T, open func(t *testing.T) adapters.Adapter) {
	cases := []struct {
		name string
		fn   func(t *testing.T, e *env)
	}{
		{"MaterializeTable", testMaterializeTable},
		{"MaterializeView", testMaterializeView},
		{"ReplaceTableWithViewAndBack", testReplaceTableWithViewAndBack},
		{"AtomicReplace", testAtomicReplace},
		{"Columns", testColumns},
		{"QuotedIdentifiers", testQuotedIdentifiers},
		{"RelationKind", testRelationKind},
		{"Describe", testDescribe},
		{"CreateSchema", testCreateSchema},
		{"QueryValues", testQueryValues},
		{"Seed", testSeed},
		{"SeedColumnTypes", testSeedColumnTypes},
		{"SeedEmptyColumn", testSeedEmptyColumn},
		{"SeedUnquotedColumns", testSeedUnquotedColumns},
		{"SeedReload", testSeedReload},
		{"SeedMalformed", testSeedMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.fn(t, newEnv(t, open))
		})
	}
}

// env is one case's adapter and schema.
type env struct {
	a        adapters.Adapter
	d        adapters.Dialect
	ctx      context.Context
	database string
	schema   string
	// goldenDir is RunGolden's folder for files a case writes (seeds).
	goldenDir string
}

func newEnv(t *testing.T, open func(t *testing.T) adapters.Adapter) *env {
	t.Helper()
	a := open(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	e := &env{a: a, d: a.Dialect(), ctx: ctx, schema: "elt_adaptertest_" + randomSuffix()}
	if n, ok := a.(DatabaseNamer); ok {
		e.database = n.Database()
	}
	if err := a.CreateSchema(ctx, e.database, e.schema); err != nil {
		t.Fatalf("CreateSchema(%q, %q): %v", e.database, e.schema, err)
	}
	t.Cleanup(func() {
		// Shared warehouses keep schemas; an embedded one goes with its file.
		if err := e.dropSchema(context.Background(), e.schema); err != nil {
			t.Errorf("drop schema: %v", err)
		}
		if err := a.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		cancel()
	})
	return e
}

func randomSuffix() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (e *env) rel(ident string) adapters.Relation {
	return adapters.Relation{Database: e.database, Schema: e.schema, Identifier: ident}
}

func (e *env) render(ident string) string { return e.d.RenderRelation(e.rel(ident)) }

func (e *env) materialize(t *testing.T, ident, kind, sql string) adapters.RunResult {
	t.Helper()
	res, err := e.a.Materialize(e.ctx, adapters.Model{
		UniqueID: "model.adaptertest." + ident, Relation: e.rel(ident), Materialized: kind, SQL: sql,
	})
	if err != nil {
		t.Fatalf("Materialize %s as %s: %v", ident, kind, err)
	}
	return res
}

func (e *env) query(t *testing.T, sql string) *adapters.Result {
	t.Helper()
	res, err := e.a.Query(e.ctx, sql)
	if err != nil {
		t.Fatalf("Query(%s): %v", sql, err)
	}
	return res
}

// rows queries and returns the rows only.
func (e *env) rows(t *testing.T, sql string) [][]any {
	t.Helper()
	return e.query(t, sql).Rows
}

func (e *env) kind(t *testing.T, ident string) adapters.RelationKind {
	t.Helper()
	k, err := e.a.RelationKind(e.ctx, e.rel(ident))
	if err != nil {
		t.Fatalf("RelationKind(%s): %v", ident, err)
	}
	return k
}

func equal(t *testing.T, what string, want, got any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Errorf("%s:\nwant %#v\n got %#v", what, want, got)
	}
}

// noLeftovers checks that no temporary table is left in the case's schema.
func (e *env) noLeftovers(t *testing.T) {
	t.Helper()
	rows := e.rows(t, "select table_name from information_schema.tables where lower(table_schema) = lower('"+e.schema+"') order by table_name")
	for _, r := range rows {
		name := fmt.Sprint(r[0])
		if strings.Contains(strings.ToLower(name), "tmp") {
			t.Errorf("leftover relation %q in schema %s", name, e.schema)
		}
	}
}

// want is the RunResult the adapter reports for a build whose elt-wide
// message is msg ("OK" for a table, or a view with rows -1; "INSERT 2",
// "MERGE 2", "DELETE+INSERT 2" for incremental ones): PostgreSQL's are the
// server's command tags of the last statement, as dbt-postgres reports
// them.
func (e *env) want(msg string, rows int64) adapters.RunResult {
	if e.d.Type() != "postgres" {
		return adapters.RunResult{Message: msg, RowsAffected: rows}
	}
	verb, _, _ := strings.Cut(msg, " ")
	switch {
	case msg == "OK" && rows < 0:
		return adapters.RunResult{Message: "CREATE VIEW", Code: "CREATE VIEW", RowsAffected: rows}
	case msg == "OK":
		return adapters.RunResult{Message: fmt.Sprintf("SELECT %d", rows), Code: "SELECT", RowsAffected: rows}
	case verb == "INSERT" || verb == "DELETE+INSERT":
		return adapters.RunResult{Message: fmt.Sprintf("INSERT 0 %d", rows), Code: "INSERT", RowsAffected: rows}
	case verb == "MERGE":
		return adapters.RunResult{Message: fmt.Sprintf("MERGE %d", rows), Code: "MERGE", RowsAffected: rows}
	}
	return adapters.RunResult{Message: msg, RowsAffected: rows}
}

const twoRows = "select 1 as id, 'a' as name union all select 2 as id, 'b' as name"

func testMaterializeTable(t *testing.T, e *env) {
	res := e.materialize(t, "orders", "table", twoRows)
	equal(t, "result", e.want("OK", 2), res)
	equal(t, "kind", adapters.KindTable, e.kind(t, "orders"))
	equal(t, "rows", [][]any{{int64(1), "a"}, {int64(2), "b"}}, e.rows(t, "select id, name from "+e.render("orders")+" order by id"))

	// Rebuilding replaces the rows; a trailing semicolon is fine.
	res = e.materialize(t, "orders", "table", "select 3 as id, 'c' as name;")
	equal(t, "result after rebuild", e.want("OK", 1), res)
	equal(t, "rows after rebuild", [][]any{{int64(3), "c"}}, e.rows(t, "select id, name from "+e.render("orders")))

	// An empty result is a table with no rows.
	res = e.materialize(t, "empty", "table", "select 1 as id where 1 = 0")
	equal(t, "empty table result", e.want("OK", 0), res)
	e.noLeftovers(t)
}

func testMaterializeView(t *testing.T, e *env) {
	e.materialize(t, "base", "table", twoRows)
	res := e.materialize(t, "v", "view", "select id * 10 as id10 from "+e.render("base"))
	equal(t, "result", e.want("OK", -1), res)
	equal(t, "kind", adapters.KindView, e.kind(t, "v"))
	equal(t, "rows", [][]any{{int64(10)}, {int64(20)}}, e.rows(t, "select id10 from "+e.render("v")+" order by id10"))

	// Replacing a view with another definition.
	e.materialize(t, "v", "view", "select name from "+e.render("base"))
	equal(t, "rows after replace", [][]any{{"a"}, {"b"}}, e.rows(t, "select name from "+e.render("v")+" order by name"))
}

func testReplaceTableWithViewAndBack(t *testing.T, e *env) {
	e.materialize(t, "base", "table", twoRows)
	e.materialize(t, "thing", "table", "select 1 as x")
	e.materialize(t, "thing", "view", "select id as x from "+e.render("base"))
	equal(t, "kind after table -> view", adapters.KindView, e.kind(t, "thing"))
	equal(t, "view rows", [][]any{{int64(1)}, {int64(2)}}, e.rows(t, "select x from "+e.render("thing")+" order by x"))

	res := e.materialize(t, "thing", "table", "select 7 as x")
	equal(t, "result", e.want("OK", 1), res)
	equal(t, "kind after view -> table", adapters.KindTable, e.kind(t, "thing"))
	equal(t, "table rows", [][]any{{int64(7)}}, e.rows(t, "select x from "+e.render("thing")))
	e.noLeftovers(t)
}

func testAtomicReplace(t *testing.T, e *env) {
	e.materialize(t, "keep", "table", twoRows)
	failing := []struct{ name, sql string }{
		{"unknown relation", "select * from " + e.render("no_such_relation")},
		{"syntax error", "select from where"},
		// Fails while rows are produced, not while planning.
		{"runtime error", "select cast(name as integer) as n from " + e.render("keep")},
	}
	for _, f := range failing {
		_, err := e.a.Materialize(e.ctx, adapters.Model{Relation: e.rel("keep"), Materialized: "table", SQL: f.sql})
		if err == nil {
			t.Errorf("%s: Materialize succeeded, want an error", f.name)
		}
		equal(t, f.name+": kind", adapters.KindTable, e.kind(t, "keep"))
		equal(t, f.name+": rows", [][]any{{int64(1), "a"}, {int64(2), "b"}}, e.rows(t, "select id, name from "+e.render("keep")+" order by id"))
	}

	// A failing view leaves the table, and a failing table leaves the view.
	if _, err := e.a.Materialize(e.ctx, adapters.Model{Relation: e.rel("keep"), Materialized: "view", SQL: failing[0].sql}); err == nil {
		t.Errorf("failing view: Materialize succeeded, want an error")
	}
	equal(t, "kind after failing view", adapters.KindTable, e.kind(t, "keep"))
	e.materialize(t, "keepview", "view", "select id from "+e.render("keep"))
	if _, err := e.a.Materialize(e.ctx, adapters.Model{Relation: e.rel("keepview"), Materialized: "table", SQL: failing[2].sql}); err == nil {
		t.Errorf("failing table over view: Materialize succeeded, want an error")
	}
	equal(t, "kind of view after failing table", adapters.KindView, e.kind(t, "keepview"))
	equal(t, "view rows after failing table", [][]any{{int64(1)}, {int64(2)}}, e.rows(t, "select id from "+e.render("keepview")+" order by id"))
	e.noLeftovers(t)
}

func testColumns(t *testing.T, e *env) {
	e.materialize(t, "typed", "table", "select cast(1 as integer) as i, cast('x' as varchar) as s, cast(1.5 as double precision) as f, true as b, cast('2024-01-02' as date) as d")
	cols, err := e.a.Columns(e.ctx, e.rel("typed"))
	if err != nil {
		t.Fatalf("Columns: %v", err)
	}
	var names []string
	for i, c := range cols {
		names = append(names, c.Name)
		if c.Index != i+1 {
			t.Errorf("column %s: Index %d, want %d", c.Name, c.Index, i+1)
		}
		if c.DataType == "" {
			t.Errorf("column %s: empty DataType", c.Name)
		}
	}
	equal(t, "column names", []string{"i", "s", "f", "b", "d"}, names)

	e.materialize(t, "typed_view", "view", "select s, i from "+e.render("typed"))
	cols, err = e.a.Columns(e.ctx, e.rel("typed_view"))
	if err != nil {
		t.Fatalf("Columns of view: %v", err)
	}
	equal(t, "view column count", 2, len(cols))
	if len(cols) == 2 {
		equal(t, "view column names", []string{"s", "i"}, []string{cols[0].Name, cols[1].Name})
	}

	cols, err = e.a.Columns(e.ctx, e.rel("no_such_relation"))
	if err != nil {
		t.Fatalf("Columns of a missing relation: %v", err)
	}
	equal(t, "columns of a missing relation", 0, len(cols))
}

func testQuotedIdentifiers(t *testing.T, e *env) {
	for _, ident := range []string{"MixedCase", "select", "with space", `quote"inside`} {
		t.Run(ident, func(t *testing.T) {
			col := e.d.Quote(ident)
			res := e.materialize(t, ident, "table", "select 1 as "+col+", 'v' as "+e.d.Quote("Other Col"))
			equal(t, "result", e.want("OK", 1), res)
			equal(t, "kind", adapters.KindTable, e.kind(t, ident))
			equal(t, "rows", [][]any{{int64(1), "v"}}, e.rows(t, "select "+col+", "+e.d.Quote("Other Col")+" from "+e.render(ident)))
			cols, err := e.a.Columns(e.ctx, e.rel(ident))
			if err != nil {
				t.Fatalf("Columns: %v", err)
			}
			var names []string
			for _, c := range cols {
				names = append(names, c.Name)
			}
			equal(t, "column names", []string{ident, "Other Col"}, names)
			e.materialize(t, ident, "view", "select 2 as "+col)
			equal(t, "kind after view", adapters.KindView, e.kind(t, ident))
		})
	}
}

func testRelationKind(t *testing.T, e *env) {
	equal(t, "missing relation", adapters.KindNone, e.kind(t, "nothing_here"))
	k, err := e.a.RelationKind(e.ctx, adapters.Relation{Database: e.database, Schema: e.schema + "_missing", Identifier: "x"})
	if err != nil {
		t.Fatalf("RelationKind in a missing schema: %v", err)
	}
	equal(t, "relation in a missing schema", adapters.KindNone, k)
	e.materialize(t, "t", "table", "select 1 as x")
	e.materialize(t, "v", "view", "select 1 as x")
	equal(t, "table", adapters.KindTable, e.kind(t, "t"))
	equal(t, "view", adapters.KindView, e.kind(t, "v"))
}

// testDescribe: adapters.Describe (the adapter's Describer, or the
// fallback) gives catalog.json what it needs: the type as dbt's catalog
// macros write it, the columns in order, nil for a missing relation, and
// any statistics well formed.
func testDescribe(t *testing.T, e *env) {
	info, err := adapters.Describe(e.ctx, e.a, e.rel("nothing_here"))
	if err != nil || info != nil {
		t.Fatalf("missing relation: %+v, %v", info, err)
	}
	info, err = adapters.Describe(e.ctx, e.a, adapters.Relation{Database: e.database, Schema: e.schema + "_missing", Identifier: "x"})
	if err != nil || info != nil {
		t.Fatalf("relation in a missing schema: %+v, %v", info, err)
	}
	e.materialize(t, "described", "table", "select 1 as a, 'x' as "+e.d.Quote("MixedCase"))
	e.materialize(t, "described_view", "view", "select a from "+e.render("described"))
	for _, c := range []struct {
		ident, typ string
		cols       []string
	}{{"described", "BASE TABLE", []string{"a", "MixedCase"}}, {"described_view", "VIEW", []string{"a"}}} {
		info, err := adapters.Describe(e.ctx, e.a, e.rel(c.ident))
		if err != nil || info == nil {
			t.Fatalf("%s: %+v, %v", c.ident, info, err)
		}
		equal(t, c.ident+" type", c.typ, info.Type)
		equal(t, c.ident+" identifier", c.ident, info.Relation.Identifier)
		var names []string
		for i, col := range info.Columns {
			names = append(names, col.Name)
			if col.Index != i+1 || col.DataType == "" {
				t.Errorf("%s.%s: index %d (want %d), type %q", c.ident, col.Name, col.Index, i+1, col.DataType)
			}
		}
		equal(t, c.ident+" columns", c.cols, names)
		for _, s := range info.Stats {
			if s.ID == "" || s.ID == "has_stats" || s.Label == "" {
				t.Errorf("%s: malformed stat %+v", c.ident, s)
			}
		}
	}
}

func testCreateSchema(t *testing.T, e *env) {
	schema := e.schema + "_New Schema"
	t.Cleanup(func() {
		_ = e.dropSchema(context.Background(), schema)
	})
	for i := range 2 { // idempotent
		if err := e.a.CreateSchema(e.ctx, e.database, schema); err != nil {
			t.Fatalf("CreateSchema #%d: %v", i+1, err)
		}
	}
	rel := adapters.Relation{Database: e.database, Schema: schema, Identifier: "in_new"}
	if _, err := e.a.Materialize(e.ctx, adapters.Model{Relation: rel, Materialized: "table", SQL: "select 1 as x"}); err != nil {
		t.Fatalf("Materialize in the new schema: %v", err)
	}
	k, err := e.a.RelationKind(e.ctx, rel)
	if err != nil {
		t.Fatalf("RelationKind: %v", err)
	}
	equal(t, "kind", adapters.KindTable, k)
	equal(t, "rows", [][]any{{int64(1)}}, e.rows(t, "select x from "+e.d.RenderRelation(rel)))
}

func testQueryValues(t *testing.T, e *env) {
	res := e.query(t, "select 42 as i, 'text' as s, cast(null as integer) as n, true as b, 1.5 as dec, cast(2.25 as double precision) as f, cast('2024-03-04' as date) as d")
	equal(t, "columns", []string{"i", "s", "n", "b", "dec", "f", "d"}, res.Columns)
	want := []any{int64(42), "text", nil, true, 1.5, 2.25, time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)}
	if len(res.Rows) != 1 {
		t.Fatalf("rows: want 1, got %d", len(res.Rows))
	}
	got := res.Rows[0]
	if d, ok := got[6].(time.Time); ok {
		got[6] = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	}
	equal(t, "values", want, got)

	res = e.query(t, "select 1 as x where 1 = 0")
	equal(t, "no rows: columns", []string{"x"}, res.Columns)
	equal(t, "no rows: row count", 0, len(res.Rows))
}

func writeCSV(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func (e *env) seed(t *testing.T, s adapters.Seed) adapters.RunResult {
	t.Helper()
	res, err := e.a.LoadSeed(e.ctx, s)
	if err != nil {
		t.Fatalf("LoadSeed %s: %v", s.Path, err)
	}
	return res
}

const customersCSV = "id,Full Name,score,joined,active,code\n" +
	"1,Ann,1.5,2024-01-02,true,7\n" +
	"2,,2.25,2024-01-03,false,10\n" +
	"3,\"Smith, Jo\",,,true,\n"

func testSeed(t *testing.T, e *env) {
	path := writeCSV(t, "customers.csv", customersCSV)
	res := e.seed(t, adapters.Seed{UniqueID: "seed.adaptertest.customers", Relation: e.rel("customers"), Path: path})
	equal(t, "result", adapters.RunResult{Message: "INSERT 3", RowsAffected: 3}, res)
	equal(t, "kind", adapters.KindTable, e.kind(t, "customers"))

	cols, err := e.a.Columns(e.ctx, e.rel("customers"))
	if err != nil {
		t.Fatalf("Columns: %v", err)
	}
	var names []string
	for _, c := range cols {
		names = append(names, c.Name)
	}
	equal(t, "header names as written", []string{"id", "Full Name", "score", "joined", "active", "code"}, names)

	rows := e.rows(t, "select id, "+e.d.Quote("Full Name")+", score, active, code from "+e.render("customers")+" order by id")
	// Types are detected: id and code are whole numbers, score a number,
	// active a boolean; empty fields are NULL.
	want := [][]any{
		{int64(1), "Ann", 1.5, true, int64(7)},
		{int64(2), nil, 2.25, false, int64(10)},
		{int64(3), "Smith, Jo", nil, true, nil},
	}
	equal(t, "rows", want, rows)
	joined := e.rows(t, "select count(*) from "+e.render("customers")+" where joined is null")
	equal(t, "empty date is NULL", [][]any{{int64(1)}}, joined)
	e.noLeftovers(t)
}

func testSeedColumnTypes(t *testing.T, e *env) {
	path := writeCSV(t, "customers.csv", customersCSV)
	res := e.seed(t, adapters.Seed{
		Relation: e.rel("customers"), Path: path,
		ColumnTypes: map[string]string{"code": "varchar", "Full Name": "varchar"},
	})
	equal(t, "result", adapters.RunResult{Message: "INSERT 3", RowsAffected: 3}, res)
	rows := e.rows(t, "select code from "+e.render("customers")+" order by id")
	equal(t, "column_types makes code text", [][]any{{"7"}, {"10"}, {nil}}, rows)

	// A delimiter other than a comma.
	semi := writeCSV(t, "semi.csv", "a;b\n1;x\n2;y\n")
	res = e.seed(t, adapters.Seed{Relation: e.rel("semi"), Path: semi, Delimiter: ";"})
	equal(t, "semicolon result", adapters.RunResult{Message: "INSERT 2", RowsAffected: 2}, res)
	equal(t, "semicolon rows", [][]any{{int64(1), "x"}, {int64(2), "y"}}, e.rows(t, "select a, b from "+e.render("semi")+" order by a"))
}

// testSeedEmptyColumn: a column with no value at all is an integer
// column, as dbt's agate typing makes it, so `x + 1` works on it.
func testSeedEmptyColumn(t *testing.T, e *env) {
	path := writeCSV(t, "sparse.csv", "id,nothing,label\n1,,a\n2,,b\n")
	e.seed(t, adapters.Seed{Relation: e.rel("sparse"), Path: path})
	rows := e.rows(t, "select id, nothing + 1, label from "+e.render("sparse")+" order by id")
	equal(t, "rows", [][]any{{int64(1), nil, "a"}, {int64(2), nil, "b"}}, rows)
	cols, err := e.a.Columns(e.ctx, e.rel("sparse"))
	if err != nil {
		t.Fatalf("Columns: %v", err)
	}
	if len(cols) != 3 || !strings.Contains(strings.ToLower(cols[1].DataType), "int") {
		t.Errorf("the empty column should be an integer column, got %+v", cols)
	}
}

// testSeedUnquotedColumns: quote_columns: false writes the header names
// unquoted, so the warehouse's folding applies and an unquoted reference
// in any case finds them (on Postgres the names are stored lower case).
func testSeedUnquotedColumns(t *testing.T, e *env) {
	path := writeCSV(t, "upper.csv", "COLUMN_NAME,Score\nx,1\n")
	e.seed(t, adapters.Seed{Relation: e.rel("upper"), Path: path, QuoteColumnsSet: true})
	rows := e.rows(t, "select column_name, score from "+e.render("upper"))
	equal(t, "rows", [][]any{{"x", int64(1)}}, rows)
	// A header name in double quotes is written into SQL as it is: a
	// quoted identifier, the column named without its quotes, its case kept.
	path = writeCSV(t, "quoted.csv", "id,\"\"\"from\"\"\",\"\"\"Odd-Name\"\"\"\n1,a,b\n")
	e.seed(t, adapters.Seed{Relation: e.rel("quoted"), Path: path, QuoteColumnsSet: true})
	rows = e.rows(t, "select id, "+e.d.Quote("from")+", "+e.d.Quote("Odd-Name")+" from "+e.render("quoted"))
	equal(t, "rows", [][]any{{int64(1), "a", "b"}}, rows)
}

func testSeedReload(t *testing.T, e *env) {
	path := writeCSV(t, "things.csv", "id,name\n1,a\n2,b\n")
	e.seed(t, adapters.Seed{Relation: e.rel("things"), Path: path})

	// Same columns, new rows: reloaded in place.
	if err := os.WriteFile(path, []byte("id,name\n3,c\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := e.seed(t, adapters.Seed{Relation: e.rel("things"), Path: path})
	equal(t, "reload result", adapters.RunResult{Message: "INSERT 1", RowsAffected: 1}, res)
	equal(t, "reload rows", [][]any{{int64(3), "c"}}, e.rows(t, "select id, name from "+e.render("things")))

	// New columns need a full refresh, which rebuilds the table.
	if err := os.WriteFile(path, []byte("id,name,extra\n4,d,x\n5,e,y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.LoadSeed(e.ctx, adapters.Seed{Relation: e.rel("things"), Path: path}); err == nil {
		t.Errorf("reload with new columns: LoadSeed succeeded, want an error asking for a full refresh")
	}
	equal(t, "rows after refused reload", [][]any{{int64(3), "c"}}, e.rows(t, "select id, name from "+e.render("things")))
	res = e.seed(t, adapters.Seed{Relation: e.rel("things"), Path: path, FullRefresh: true})
	equal(t, "full refresh result", adapters.RunResult{Message: "INSERT 2", RowsAffected: 2}, res)
	equal(t, "full refresh rows", [][]any{{int64(4), "d", "x"}, {int64(5), "e", "y"}}, e.rows(t, "select id, name, extra from "+e.render("things")+" order by id"))

	// A seed replaces a view of the same name.
	e.materialize(t, "was_view", "view", "select 1 as id")
	e.seed(t, adapters.Seed{Relation: e.rel("was_view"), Path: path})
	equal(t, "seed over a view", adapters.KindTable, e.kind(t, "was_view"))
	e.noLeftovers(t)
}

func testSeedMalformed(t *testing.T, e *env) {
	good := writeCSV(t, "good.csv", "id,name\n1,a\n2,b\n")
	e.seed(t, adapters.Seed{Relation: e.rel("target"), Path: good})

	bad := []struct {
		name, content string
		types         map[string]string
	}{
		{"ragged row", "id,name\n1,a\n2,b,extra\n", nil},
		{"unterminated quote", "id,name\n1,\"a\n2,b\n", nil},
		{"bad value for declared type", "id,name\n1,a\nx,b\n", map[string]string{"id": "integer"}},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			path := writeCSV(t, "bad.csv", b.content)
			_, err := e.a.LoadSeed(e.ctx, adapters.Seed{Relation: e.rel("target"), Path: path, ColumnTypes: b.types, FullRefresh: true})
			if err == nil {
				t.Fatalf("LoadSeed succeeded, want an error")
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error does not name the file %s: %v", path, err)
			}
			var se *adapters.SeedError
			if !errors.As(err, &se) {
				t.Errorf("error is not an *adapters.SeedError: %v", err)
			}
			equal(t, "rows kept", [][]any{{int64(1), "a"}, {int64(2), "b"}}, e.rows(t, "select id, name from "+e.render("target")+" order by id"))
		})
	}
	e.noLeftovers(t)
}
