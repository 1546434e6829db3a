package loaders

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/elt-dev/elt/adapters"
)

// nested_arrays: table lands arrays in child tables linked to their
// parent rows; a merge replaces a parent's children, a replace drops
// child tables the new data no longer has.
func TestNestedArraysInChildTables(t *testing.T) {
	body := ""
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) }))
	defer ts.Close()
	ctx := context.Background()
	for _, tg := range []string{"duckdb", "postgres"} {
		t.Run(tg, func(t *testing.T) {
			var a adapters.Adapter
			var rel adapters.Relation
			if tg == "duckdb" {
				d := openDuck(t, "")
				a, rel = d, duckRel(d, "orders")
			} else {
				dsn := pgURL(t)
				pgExec(t, dsn, "drop schema if exists raw cascade")
				p := openPG(t, dsn)
				a, rel = p, adapters.Relation{Database: p.Database(), Schema: "raw", Identifier: "orders"}
			}
			check := func(qs ...string) {
				t.Helper()
				for _, q := range qs {
					r, err := a.Query(ctx, q)
					if err != nil {
						t.Fatalf("%s: %v", q, err)
					}
					if r.Rows[0][0] != true {
						t.Errorf("%s: false", q)
					}
				}
			}
			yaml := func(disp string) *Loader {
				return parseOne(t, fmt.Sprintf("loaders:\n  - name: n\n    connector: http\n    lands: {source: raw, table: orders}\n    write_disposition: %s\n%s    options: {base_url: %s, nested_arrays: table}\n", disp, keyFor(disp), ts.URL), nil)
			}
			body = `[{"id": 1, "items": [{"sku": "a", "parts": [10, 11]}, {"sku": "b", "parts": []}], "tags": ["x", "y"]},
			         {"id": 2, "items": [], "tags": ["z"]}]`
			if res := Run(ctx, a, yaml("merge"), rel, RunOptions{}); res.Err != nil {
				t.Fatal(res.Err)
			}
			check("select count(*) = 2 from raw.orders",
				"select count(*) = 2 from raw.orders__items i join raw.orders o on i._elt_parent_row_id = o._elt_row_id where o.id = 1",
				"select count(*) = 1 from raw.orders__items where sku = 'b' and _elt_list_idx = 1",
				"select count(*) = 2 from raw.orders__items__parts p join raw.orders__items i on p._elt_parent_row_id = i._elt_row_id where i.sku = 'a' and p.value in (10, 11)",
				"select count(*) = 3 from raw.orders__tags",
				"select count(*) = 0 from information_schema.columns where table_name = 'orders' and column_name in ('items', 'tags')")
			// Merge: order 1 now has one item and no tags; order 2 is unchanged.
			body = `[{"id": 1, "items": [{"sku": "c", "parts": [12]}], "tags": []}]`
			if res := Run(ctx, a, yaml("merge"), rel, RunOptions{}); res.Err != nil {
				t.Fatal(res.Err)
			}
			check("select count(*) = 2 from raw.orders",
				"select count(*) = 1 from raw.orders__items",
				"select count(*) = 1 from raw.orders__items where sku = 'c'",
				"select count(*) = 1 from raw.orders__items__parts where value = 12",
				"select count(*) = 1 from raw.orders__tags where value = 'z'")
			// Replace with data that has no tags: the tags table goes.
			body = `[{"id": 5, "items": [{"sku": "d"}]}]`
			if res := Run(ctx, a, yaml("replace"), rel, RunOptions{}); res.Err != nil {
				t.Fatal(res.Err)
			}
			check("select count(*) = 1 from raw.orders",
				"select count(*) = 1 from raw.orders__items where sku = 'd'",
				"select count(*) = 0 from information_schema.tables where table_name in ('orders__tags', 'orders__items__parts') or table_name like '%elt_new'")
		})
	}
}
