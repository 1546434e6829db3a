package postgres

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters"
)

func TestDialect(t *testing.T) {
	d := Dialect{}
	tests := []struct {
		rel  adapters.Relation
		want string
	}{
		{adapters.Relation{Database: "shop", Schema: "public", Identifier: "orders"}, `"shop"."public"."orders"`},
		{adapters.Relation{Schema: "public", Identifier: "Orders"}, `"public"."Orders"`},
		{adapters.Relation{Identifier: `we"ird`}, `"we""ird"`},
	}
	for _, tt := range tests {
		if got := d.RenderRelation(tt.rel); got != tt.want {
			t.Errorf("RenderRelation(%+v): want %s, got %s", tt.rel, tt.want, got)
		}
	}
	if Driver().Type != "postgres" || d.Type() != "postgres" {
		t.Errorf("Type: got %q", d.Type())
	}
}

func TestConfigFromFields(t *testing.T) {
	got, err := ConfigFromFields(map[string]any{
		"type": "postgres", "host": "db.example.com", "user": "elt", "pass": 1234, "database": "shop",
		"schema": "analytics", "threads": 4, "sslmode": "require", "search_path": "analytics,public",
		"keepalives_idle": 30, "connect_timeout": "5", "role": "transformer",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Host: "db.example.com", Port: 5432, User: "elt", Password: "1234", DBName: "shop", Schema: "analytics",
		Threads: 4, SSLMode: "require", SearchPath: "analytics,public", KeepalivesIdle: 30, ConnectTimeout: 5, Role: "transformer", ApplicationName: "elt"}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("want %+v\n got %+v", want, got)
	}
	for _, bad := range []map[string]any{
		{"port": "x"}, {"port": 70000}, {"threads": 1.5}, {"host": []any{"a"}}, {"dbname": "a", "database": "b"},
	} {
		if _, err := ConfigFromFields(bad); err == nil {
			t.Errorf("ConfigFromFields(%v): want an error", bad)
		}
	}
	// The connection string never holds the password.
	if cs := got.connString(); cs == "" || strings.Contains(cs, "1234") {
		t.Errorf("connString: %q", cs)
	}
}

// testSchema makes a schema for one test and drops it afterwards.
func testSchema(t *testing.T, a *Adapter) string {
	t.Helper()
	schema := fmt.Sprintf("elt_pgtest_%d", time.Now().UnixNano()%1_000_000_000)
	if err := a.CreateSchema(context.Background(), "", schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.DropSchema(context.Background(), "", schema) })
	return schema
}

// TestConcurrentMaterialize builds many models at once on one adapter:
// distinct models never wait on each other's locks or collide on names.
func TestConcurrentMaterialize(t *testing.T) {
	cfg := testConfig(t)
	cfg.Threads = 8
	a := openConfig(t, cfg)
	defer a.Close()
	schema := testSchema(t, a)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Go(func() {
			rel := adapters.Relation{Schema: schema, Identifier: fmt.Sprintf("m%d", i)}
			kind := "table"
			if i%3 == 0 {
				kind = "view"
			}
			for round := range 3 { // rebuilds too, not only creates
				if _, err := a.Materialize(ctx, adapters.Model{Relation: rel, Materialized: kind, SQL: fmt.Sprintf("select %d as x", round)}); err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("model m%d: %v", i, err)
		}
	}
	res, err := a.Query(ctx, "select count(*) from information_schema.tables where table_schema = '"+schema+"'")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Rows, [][]any{{int64(16)}}) {
		t.Errorf("relations: %v, want 16", res.Rows)
	}
}

// TestConcurrentCreateSchema: "create schema if not exists" races are not errors.
func TestConcurrentCreateSchema(t *testing.T) {
	a := openConfig(t, testConfig(t))
	defer a.Close()
	schema := fmt.Sprintf("elt_pgrace_%d", time.Now().UnixNano()%1_000_000_000)
	t.Cleanup(func() { _ = a.DropSchema(context.Background(), "", schema) })
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = a.CreateSchema(context.Background(), "", schema) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Error(err)
	}
}

func TestQueryCancel(t *testing.T) {
	a := openConfig(t, testConfig(t))
	defer a.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := a.Query(ctx, "select pg_sleep(30)")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("want context.DeadlineExceeded, got %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancel took %s", d)
	}
	// The pool still works.
	if _, err := a.Query(context.Background(), "select 1"); err != nil {
		t.Errorf("after cancel: %v", err)
	}
}

// TestRebuildDropsDependentView documents the choice made in Materialize:
// as dbt-postgres, the old table is dropped with CASCADE, so a view over it
// goes too until it is rebuilt (the runner rebuilds it after its parent).
func TestRebuildDropsDependentView(t *testing.T) {
	a := openConfig(t, testConfig(t))
	defer a.Close()
	schema := testSchema(t, a)
	ctx := context.Background()
	base := adapters.Relation{Schema: schema, Identifier: "base"}
	view := adapters.Relation{Schema: schema, Identifier: "over_base"}
	for _, m := range []adapters.Model{
		{Relation: base, Materialized: "table", SQL: "select 1 as x"},
		{Relation: view, Materialized: "view", SQL: "select x from " + Dialect{}.RenderRelation(a.qualify(base))},
		{Relation: base, Materialized: "table", SQL: "select 2 as x"},
	} {
		if _, err := a.Materialize(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if k, err := a.RelationKind(ctx, view); err != nil || k != adapters.KindNone {
		t.Errorf("view after its table was rebuilt: kind %q, %v; want it dropped", k, err)
	}
}

func TestSeedErrorNamesLineAndColumn(t *testing.T) {
	a := openConfig(t, testConfig(t))
	defer a.Close()
	schema := testSchema(t, a)
	path := t.TempDir() + "/bad.csv"
	if err := writeFile(path, "id,name\n1,a\n2,b\nx,c\n"); err != nil {
		t.Fatal(err)
	}
	_, err := a.LoadSeed(context.Background(), adapters.Seed{Relation: adapters.Relation{Schema: schema, Identifier: "bad"}, Path: path, ColumnTypes: map[string]string{"id": "integer"}})
	var se *adapters.SeedError
	if !errors.As(err, &se) || se.Line != 4 {
		t.Fatalf("want a SeedError at line 4, got %v", err)
	}
	if want := `invalid input syntax for type integer: "x" (column id)`; se.Err.Error() != want {
		t.Errorf("message: want %s, got %s", want, se.Err)
	}
}

// TestSeedValuesAsDBTReadsThem: a seed's values are what dbt loads (agate,
// on Python's csv), not what PostgreSQL's own CSV reading makes of the
// file: a quote inside an unquoted field stays (a JSON payload), text
// after a closing quote joins the field, and an empty or blank field, or
// null in any case, is NULL. A failing value after a field that spans lines
// is reported on its line of the file.
func TestSeedValuesAsDBTReadsThem(t *testing.T) {
	a := openConfig(t, testConfig(t))
	defer a.Close()
	schema := testSchema(t, a)
	ctx := context.Background()
	path := t.TempDir() + "/payloads.csv"
	if err := writeFile(path, "id,payload,note\n1,{ \"a\": [1] },\"x\"y\n2,\"\",\n3,\"two\nlines\",z\n4, ,NULL\n"); err != nil {
		t.Fatal(err)
	}
	rel := adapters.Relation{Schema: schema, Identifier: "payloads"}
	if _, err := a.LoadSeed(ctx, adapters.Seed{Relation: rel, Path: path}); err != nil {
		t.Fatal(err)
	}
	res, err := a.Query(ctx, "select id, coalesce(payload, '<null>'), coalesce(note, '<null>') from "+Dialect{}.RenderRelation(a.qualify(rel))+" order by id")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]any{{int64(1), `{ "a": [1] }`, "xy"}, {int64(2), "<null>", "<null>"}, {int64(3), "two\nlines", "z"}, {int64(4), "<null>", "<null>"}}
	if !reflect.DeepEqual(res.Rows, want) {
		t.Errorf("rows %q, want %q", res.Rows, want)
	}

	bad := t.TempDir() + "/bad.csv"
	if err := writeFile(bad, "id,note\n1,\"a\nb\"\n\n2,c\nx,d\n"); err != nil {
		t.Fatal(err)
	}
	_, err = a.LoadSeed(ctx, adapters.Seed{Relation: adapters.Relation{Schema: schema, Identifier: "bad"}, Path: bad, ColumnTypes: map[string]string{"id": "integer"}})
	var se *adapters.SeedError
	if !errors.As(err, &se) || se.Line != 6 {
		t.Fatalf("want a SeedError at line 6 of the file, got %v", err)
	}
}

// TestSeedTimestampTypesAsDBT: a seed column is a timestamp when agate
// reads it as one for dbt ("%Y-%m-%d %H:%M:%S", or ISO 8601 with a T), and
// always without a time zone, as dbt-postgres types it; a timestamp
// written with a space and a fraction is text (Fivetran's Stripe seeds
// hold such ids, which their models compare with text).
func TestSeedTimestampTypesAsDBT(t *testing.T) {
	a := openConfig(t, testConfig(t))
	defer a.Close()
	schema := testSchema(t, a)
	ctx := context.Background()
	path := t.TempDir() + "/ts.csv"
	// agate reads with strptime: one digit for a field after the year
	// ("2020-12-30 3:15:52", "2020-1-5"); it strips a value (" 1").
	if err := writeFile(path, "plain,fraction,iso,one_digit,short_date,padded\n2024-01-31 12:00:00,2024-01-31 12:00:00.000000,2024-01-31T12:00:00+02:00,2020-12-30 3:15:52,2020-1-5, 1\n"+
		",,,2020-12-30 14:5:3,2020-12-31,2\n"); err != nil {
		t.Fatal(err)
	}
	rel := adapters.Relation{Schema: schema, Identifier: "ts"}
	if _, err := a.LoadSeed(ctx, adapters.Seed{Relation: rel, Path: path}); err != nil {
		t.Fatal(err)
	}
	res, err := a.Query(ctx, "select column_name, data_type from information_schema.columns where table_schema = '"+schema+"' and table_name = 'ts' order by ordinal_position")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]any{{"plain", "timestamp without time zone"}, {"fraction", "text"}, {"iso", "timestamp without time zone"},
		{"one_digit", "timestamp without time zone"}, {"short_date", "date"}, {"padded", "integer"}}
	if !reflect.DeepEqual(res.Rows, want) {
		t.Errorf("types %v, want %v", res.Rows, want)
	}
	res, err = a.Query(ctx, "select one_digit::text, short_date::text, padded from "+schema+".ts order by padded")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(res.Rows); got != "[[2020-12-30 03:15:52 2020-01-05 1] [2020-12-30 14:05:03 2020-12-31 2]]" {
		t.Errorf("values %s", got)
	}
}
