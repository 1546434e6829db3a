package postgres

import (
	"context"
	"reflect"
	"testing"

	"github.com/elt-dev/elt/adapters"
)

// TestMaterializedView: created once, refreshed in place on a rebuild (a
// view over it survives, and it shows the new base rows), replaced by a
// full refresh or when a table holds the name.
func TestMaterializedView(t *testing.T) {
	a := openConfig(t, testConfig(t))
	defer a.Close()
	schema := testSchema(t, a)
	ctx := context.Background()
	d := Dialect{}
	base := adapters.Relation{Schema: schema, Identifier: "base"}
	mv := adapters.Relation{Schema: schema, Identifier: "mv"}
	over := adapters.Relation{Schema: schema, Identifier: "over_mv"}
	mvSQL := "select count(*) as n from " + d.RenderRelation(a.qualify(base))
	build := func(m adapters.Model) adapters.RunResult {
		t.Helper()
		res, err := a.Materialize(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	relkind := func(rel adapters.Relation) string {
		t.Helper()
		res, err := a.Query(ctx, "select c.relkind::text from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = '"+schema+"' and c.relname = '"+rel.Identifier+"'")
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rows) == 0 {
			return ""
		}
		return res.Rows[0][0].(string)
	}
	count := func() [][]any {
		t.Helper()
		res, err := a.Query(ctx, "select n from "+d.RenderRelation(a.qualify(mv)))
		if err != nil {
			t.Fatal(err)
		}
		return res.Rows
	}

	// A table holds the name first: it is replaced by a materialized view.
	build(adapters.Model{Relation: mv, Materialized: "table", SQL: "select 0::bigint as n"})
	build(adapters.Model{Relation: base, Materialized: "table", SQL: "select 1 as x"})
	build(adapters.Model{Relation: mv, Materialized: "materialized_view", SQL: mvSQL})
	if k := relkind(mv); k != "m" {
		t.Fatalf("relkind %q, want m (materialized view)", k)
	}
	if got := count(); !reflect.DeepEqual(got, [][]any{{int64(1)}}) {
		t.Errorf("rows %v, want [[1]]", got)
	}
	build(adapters.Model{Relation: over, Materialized: "view", SQL: "select n from " + d.RenderRelation(a.qualify(mv))})

	// The base grows; a rebuild refreshes in place: the view over it stays.
	if err := a.Exec(ctx, "insert into "+d.RenderRelation(a.qualify(base))+" values (2), (3)"); err != nil {
		t.Fatal(err)
	}
	res := build(adapters.Model{Relation: mv, Materialized: "materialized_view", SQL: mvSQL})
	if res.Message != "REFRESH MATERIALIZED VIEW" {
		t.Errorf("message %q, want a refresh", res.Message)
	}
	if got := count(); !reflect.DeepEqual(got, [][]any{{int64(3)}}) {
		t.Errorf("after refresh: rows %v, want [[3]]", got)
	}
	if k := relkind(over); k != "v" {
		t.Errorf("view over the materialized view: relkind %q after a refresh, want v", k)
	}

	// A full refresh rebuilds it (new SQL takes effect).
	build(adapters.Model{Relation: mv, Materialized: "materialized_view", FullRefresh: true,
		SQL: "select count(*) * 10 as n from " + d.RenderRelation(a.qualify(base))})
	if k := relkind(mv); k != "m" {
		t.Fatalf("after full refresh: relkind %q, want m", k)
	}
	if got := count(); !reflect.DeepEqual(got, [][]any{{int64(30)}}) {
		t.Errorf("after full refresh: rows %v, want [[30]]", got)
	}
}
