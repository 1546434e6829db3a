package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// custmatProject copies testdata/custmat: a project with its own
// materializations (swap_table, an override of view, tagged with default,
// duckdb and postgres blocks) and a local package shipping insert_only,
// installed with elt deps.
func custmatProject(t *testing.T, profile string) string {
	t.Helper()
	dir := t.TempDir()
	copyTree(t, filepath.Join("testdata", "custmat", "project"), dir)
	copyTree(t, filepath.Join("testdata", "custmat", "mats"), filepath.Join(dir, "vendor", "mats"))
	writeFile(t, dir, "profiles.yml", profile)
	mustElt(t, dir, "deps")
	return dir
}

// checkCustomMaterializations runs the custmat project three times on one
// warehouse; query returns a query's rows, one line each, columns joined by |.
func checkCustomMaterializations(t *testing.T, dir, adapter string, query func(string) string) {
	t.Helper()
	res := mustElt(t, dir, "run")
	if !strings.Contains(res.stdout, "swap_table model") || !strings.Contains(res.stdout, "insert_only model") {
		t.Errorf("run output does not name the materializations:\n%s", res.stdout)
	}
	mustElt(t, dir, "run", "--vars", "{batch: 2}")

	// (a) the project's swap_table: the model's rows and its post-hook's,
	// a table, no intermediate or backup left behind, twice.
	if got := query("select id, amount from orders order by id"); got != "1|10\n2|20\n3|30" {
		t.Errorf("orders:\n%s", got)
	}
	// (b) the project's view replaces elt's: every view model goes through it.
	if got := query("select model from view_audit"); got != "orders_v\norders_v" {
		t.Errorf("view_audit:\n%s", got)
	}
	if got := query("select id from orders_v order by id"); got != "1\n2\n3" {
		t.Errorf("orders_v:\n%s", got)
	}
	// (c) the package's insert_only appends on each run; a full refresh rebuilds.
	if got := query("select batch from events order by batch"); got != "1\n2" {
		t.Errorf("events after two runs:\n%s", got)
	}
	// (d) the adapter's own block wins over the default one.
	if got := query("select built_by, x from tagged"); got != adapter+"|1" {
		t.Errorf("tagged:\n%s", got)
	}
	// A built-in materialization the project does not replace still runs.
	if got := query("select id from plain"); got != "7" {
		t.Errorf("plain:\n%s", got)
	}

	mustElt(t, dir, "run", "--select", "events", "--full-refresh", "--vars", "{batch: 3}")
	if got := query("select batch from events"); got != "3" {
		t.Errorf("events after a full refresh:\n%s", got)
	}
}

// TestCustomMaterializationsDuckDB runs a project's and a package's
// materialization blocks on DuckDB.
func TestCustomMaterializationsDuckDB(t *testing.T) {
	dir := custmatProject(t, "p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: p.duckdb\n      threads: 2\n")
	query := func(q string) string {
		t.Helper()
		db := openDB(t, filepath.Join(dir, "p.duckdb"))
		defer db.Close()
		return queryRows(t, db, "select concat_ws('|', *columns(*)) from ("+q+")")
	}
	checkCustomMaterializations(t, dir, "duckdb", query)
	if got := query("select table_name || ':' || table_type from information_schema.tables where table_name in ('orders', 'orders_v') or table_name like '%dbt%' order by 1"); got != "orders:BASE TABLE\norders_v:VIEW" {
		t.Errorf("relations:\n%s", got)
	}
	// The block's create_indexes made the model's unique index (dbt-duckdb
	// 1.10.1), which drop_indexes_on_relation dropped before the next
	// build renamed the table.
	if got := query("select table_name || ':' || is_unique || ':' || expressions from duckdb_indexes()"); got != "orders:true:[id]" {
		t.Errorf("indexes:\n%s", got)
	}
	// The block's statements are what target/run holds for the model.
	b, err := os.ReadFile(filepath.Join(dir, "target", "run", "p", "models", "orders.sql"))
	if err != nil {
		t.Fatal(err)
	}
	wantAll(t, string(b), `create table "p"."main"."orders__dbt_tmp"`, `alter table "p"."main"."orders__dbt_tmp" rename to "orders"`, `drop table if exists "p"."main"."orders__dbt_backup" cascade`)
}

// TestCustomMaterializationsPostgres runs the same project on Postgres.
func TestCustomMaterializationsPostgres(t *testing.T) {
	schema := "custmat_pg"
	ctx, conn := pgSchema(t, schema)
	dir := custmatProject(t, pgProfile)
	checkCustomMaterializations(t, dir, "postgres", pgRowLines(t, ctx, conn, schema))
	var kinds string
	if err := conn.QueryRow(ctx, "select string_agg(table_name || ':' || table_type, ',' order by table_name) from information_schema.tables where table_schema = $1 and (table_name in ('orders', 'orders_v') or table_name like '%dbt%')", schema).Scan(&kinds); err != nil {
		t.Fatal(err)
	}
	if kinds != "orders:BASE TABLE,orders_v:VIEW" {
		t.Errorf("relations: %s", kinds)
	}
	// The block's create_indexes made the model's unique index, once per build.
	var indexes string
	if err := conn.QueryRow(ctx, "select string_agg(substr(indexdef, 1, strpos(indexdef, ' INDEX ') - 1) || substr(indexdef, strpos(indexdef, ' USING ')), ',') from pg_indexes where schemaname = $1 and tablename = 'orders'", schema).Scan(&indexes); err != nil {
		t.Fatal(err)
	}
	if indexes != "CREATE UNIQUE USING btree (id)" {
		t.Errorf("indexes of orders: %s", indexes)
	}
}

// TestCustomMaterializationErrors: a model naming a materialization that
// exists nowhere stops the load at the model's config; a block that
// returns nothing fails its model, naming the block.
func TestCustomMaterializationErrors(t *testing.T) {
	t.Run("unknown materialization", func(t *testing.T) {
		dir := miniProject(t, "")
		writeFile(t, dir, "models/ok.sql", "select 1 as id")
		writeFile(t, dir, "models/bad.sql", "\n{{ config(materialized='nowhere') }}\nselect 1 as id")
		res := elt(t, dir, "run")
		out := res.stdout + res.stderr
		if res.code == 0 || !strings.Contains(out, `models/bad.sql:2: model bad: materialization "nowhere" is not available for duckdb`) ||
			!strings.Contains(out, "{% materialization nowhere, default %}") {
			t.Errorf("exit %d:\n%s", res.code, out)
		}
	})
	t.Run("block returns nothing", func(t *testing.T) {
		dir := miniProject(t, "")
		writeFile(t, dir, "macros/noreturn.sql", "\n{% materialization noreturn, default %}\n{% call statement('main') %}select 1{% endcall %}\n{% endmaterialization %}\n")
		writeFile(t, dir, "models/m.sql", "{{ config(materialized='noreturn') }}\nselect 1 as id")
		writeFile(t, dir, "models/child.sql", "select * from {{ ref('m') }}")
		res := elt(t, dir, "run")
		out := res.stdout + res.stderr
		// dbt's CompilationError (task/run.py _materialization_relations);
		// elt names the block and its line after it.
		want := "Compilation Error in model m (models/m.sql)\n  The materialization (\"noreturn\") did not explicitly return a list of relations to add to the cache."
		if got := resultMessages(t, dir)["model.p.m"]; got != [2]string{"error", want} {
			t.Errorf("run_results: got %q, want %q", got, want)
		}
		if res.code == 0 || !strings.Contains(out, "  at macros/noreturn.sql:2: model m: materialization materialization_noreturn_default: The materialization") ||
			!strings.Contains(out, "SKIP=1") {
			t.Errorf("exit %d:\n%s", res.code, out)
		}
	})
}

// pgRowLines runs a query on the test server, its relations read from
// schema, and gives its rows one a line, the values joined by |.
func pgRowLines(t *testing.T, ctx context.Context, conn *pgx.Conn, schema string) func(q string) string {
	return func(q string) string {
		t.Helper()
		rows, err := conn.Query(ctx, "select concat_ws('|', variadic array(select x from json_each_text(row_to_json(r)) as e(k, x))) from ("+strings.ReplaceAll(q, " from ", " from "+schema+".")+") as r")
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		list, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(list, "\n")
	}
}

// TestCustomMaterializationSQLNotCheckedAsDBT: a project's materialization
// may rewrite the model's SQL before it runs (insert_by_period replaces
// __PERIOD_FILTER__), so elt's static checks do not read it: run and
// compile go on, as dbt's do, and the block's SQL builds the table. A
// model on a built-in materialization naming the same unknown column
// is still refused.
func TestCustomMaterializationSQLNotCheckedAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "macros/filtered.sql", `{% materialization filtered, default %}
{%- set target_relation = this.incorporate(type='table') -%}
{% call statement('main') -%}
create table {{ target_relation }} as {{ sql | replace('__FILTER__', 'id > 1') }}
{%- endcall %}
{{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
`)
	writeFile(t, dir, "models/src.sql", "select 1 as id union all select 2 as id\n")
	writeFile(t, dir, "models/m.sql", "{{ config(materialized='filtered') }}\nselect id from {{ ref('src') }} where __FILTER__\n")
	mustElt(t, dir, "compile")
	mustElt(t, dir, "run")
	if got := rowsOf(t, dir, "(select id from main.m)"); got != "2" {
		t.Errorf("m holds %q, want the row the block's filter keeps", got)
	}
	writeFile(t, dir, "models/plain.sql", "select id from {{ ref('src') }} where __FILTER__\n")
	if res := elt(t, dir, "run"); res.code == 0 || !strings.Contains(res.stdout+res.stderr, "models/plain.sql:1") {
		t.Errorf("a built-in materialization's unknown column was not refused: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// TestColumnsInOpenTransactionAsDBT: a materialization that creates its
// table and then reads its columns with adapter.get_columns_in_relation
// before it commits (insert_by_period builds its insert so) sees them on
// DuckDB as on PostgreSQL, as dbt asks on the node's own connection.
func TestColumnsInOpenTransactionAsDBT(t *testing.T) {
	onBothWarehouses(t, "columns_open_tx", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "macros/two_step.sql", `{% materialization two_step, default %}
{%- set target_relation = this.incorporate(type='table') -%}
{% call statement('create') -%}
create table {{ target_relation }} as select * from ({{ sql }}) as s where 1 = 0
{%- endcall %}
{%- set cols = adapter.get_columns_in_relation(target_relation) | map(attribute='name') | join(', ') -%}
{% call statement('main') -%}
insert into {{ target_relation }} ({{ cols }}) select {{ cols }} from ({{ sql }}) as s
{%- endcall %}
{{ adapter.commit() }}
{{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
`)
		writeFile(t, dir, "models/m.sql", "{{ config(materialized='two_step') }}\nselect 1 as id, 'a' as v union all select 2, 'b'\n")
		mustElt(t, dir, "run")
		out := mustElt(t, dir, "show", "--inline", "select string_agg(cast(id as varchar) || v, ',' order by id) as r from {{ ref('m') }}").stdout
		if !strings.Contains(out, "| 1a,2b |") {
			t.Errorf("want 1a,2b:\n%s", out)
		}
	})
}
