package compiler

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

// openDuckDB opens a real DuckDB file named warehouse.duckdb (so its
// catalog is "warehouse", as testOptions' target says) and runs setup.
func openDuckDB(t *testing.T, setup ...string) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", filepath.Join(t.TempDir(), "warehouse.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, s := range setup {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return db
}

// duckQuery is an Options.Query backed by db, counting its calls.
func duckQuery(db *sql.DB, calls *atomic.Int64) func(context.Context, string) (*QueryResult, error) {
	return func(ctx context.Context, q string) (*QueryResult, error) {
		calls.Add(1)
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return nil, err
		}
		cts, err := rows.ColumnTypes()
		if err != nil {
			return nil, err
		}
		types := make([]string, len(cts))
		for i, ct := range cts {
			types[i] = ct.DatabaseTypeName()
		}
		var out [][]any
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return nil, err
			}
			out = append(out, vals)
		}
		return &QueryResult{Columns: cols, Types: types, Rows: out}, rows.Err()
	}
}

func TestRunQuery(t *testing.T) {
	db := openDuckDB(t,
		"create table customers (id integer, name varchar, signed_up date)",
		"insert into customers values (1, 'ada', '2024-01-01'), (2, 'grace', '2024-02-01')",
	)
	var calls atomic.Int64
	opts := testOptions()
	opts.Query = duckQuery(db, &calls)
	p := newProject(map[string]string{
		"models/pivot.sql": `{%- set r = run_query("select id, name from customers order by id") -%}
{%- if execute -%}
select
{%- for row in r %}
    {{ row['id'] }} as id_{{ row.name }}, '{{ row[1] }}' as name_{{ row[0] }},
{%- endfor %}
    {{ r | length }} as n, {{ r.rows | length }} as n_rows, '{{ r.column_names | join(",") }}' as cols,
    '{% for c in r.columns %}{{ c.name }}{% if not loop.last %}/{% endif %}{% endfor %}' as col_names,
    '{{ r.columns["name"].values() | join("-") }}' as names, {{ r[1][0] }} as last_id, '{{ r.rows[0].keys() | join(",") }}' as keys
{%- else -%}
select 1
{%- endif %}`,
		"models/empty.sql": `{% set r = run_query("select id from customers where false") %}select {{ r | length if execute else 0 }} as n, '{{ r.column_names | join(",") if execute else "" }}' as cols`,
		"macros/stats.sql": `{% macro count_customers() %}
{% call statement('cnt', fetch_result=True) %}select count(*) as n, max(signed_up) as latest from customers{% endcall %}
{% set res = load_result('cnt') %}
{{ return([res['data'][0][0], res.table.rows[0]['n'], res.table.columns[1].values()[0] | string, res['response']['rows_affected']]) }}
{% endmacro %}
{% macro unfetched() %}
{% call statement('u') %}select 1 as x{% endcall %}
{{ return(load_result('u').table | length) }}
{% endmacro %}
{% macro missing() %}{{ return(load_result('nothing') is none) }}{% endmacro %}
{% macro returns_early() %}
{% call statement('early', fetch_result=True) %}{{ return(['default']) }}select 1{% endcall %}
{{ return([load_result('early') is none, 'after']) }}
{% endmacro %}
{% macro add_customer(id, name) %}
{% do run_query("insert into customers values (" ~ id ~ ", '" ~ name ~ "', null)") %}
{% call statement() %}insert into customers values ({{ id + 1 }}, 'twin', null){% endcall %}
{% endmacro %}`,
	})
	ctx := context.Background()
	m, err := Parse(ctx, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("Parse ran %d queries; run_query must not run while parsing", n)
	}
	if err := m.Compile(ctx, nil); err != nil {
		t.Fatal(err)
	}
	golden(t, "run_query/pivot.sql", m.Nodes["model.shop.pivot"].CompiledCode+"\n")
	if got, want := m.Nodes["model.shop.empty"].CompiledCode, "select 0 as n, 'id' as cols"; got != want {
		t.Errorf("empty result: want %q, got %q", want, got)
	}
	// The compiled model runs in the same database.
	var n int
	if err := db.QueryRow(strings.ReplaceAll(m.Nodes["model.shop.pivot"].CompiledCode, "select\n", "select count(*) from (select\n") + ")").Scan(&n); err != nil || n != 1 {
		t.Errorf("running the compiled pivot: %v, %d", err, n)
	}

	for _, tc := range []struct {
		macro string
		args  map[string]any
		want  string
	}{
		{"count_customers", nil, "[2, 2, '2024-02-01 00:00:00+00:00', 1]"},
		{"unfetched", nil, "0"},
		{"missing", nil, "True"},
		// return() in a statement's body ends the statement unrun, as
		// dbt_utils.get_column_values does for a relation that is absent.
		{"returns_early", nil, "[True, 'after']"},
		{"add_customer", map[string]any{"id": 7, "name": "linus"}, ""},
	} {
		got, err := m.CallMacro(ctx, tc.macro, tc.args)
		if err != nil {
			t.Fatalf("%s: %v", tc.macro, err)
		}
		if strings.TrimSpace(got) != tc.want {
			t.Errorf("%s: want %q, got %q", tc.macro, tc.want, got)
		}
	}
	if err := db.QueryRow("select count(*) from customers where id in (7, 8)").Scan(&n); err != nil || n != 2 {
		t.Errorf("run-operation statements: want 2 new rows, got %d (%v)", n, err)
	}
}

func TestRunQueryErrors(t *testing.T) {
	ctx := context.Background()
	files := map[string]string{
		"models/guarded.sql": "{% if execute %}{% set r = run_query('select 1') %}{% endif %}select 1",
	}
	// No connection: parsing is fine, rendering for real says what is missing.
	m, err := Parse(ctx, newProject(files), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	err = m.Compile(ctx, nil)
	if err == nil || !strings.Contains(err.Error(), "run_query needs a connection") || !strings.Contains(err.Error(), "models/guarded.sql") {
		t.Errorf("want a located 'run_query needs a connection' error, got %v", err)
	}
	// A failing query names the warehouse error.
	db := openDuckDB(t)
	var calls atomic.Int64
	opts := testOptions()
	opts.Query = duckQuery(db, &calls)
	files["models/guarded.sql"] = "{% if execute %}{% set r = run_query('select * from no_such_table') %}{% endif %}select 1"
	m, err = Parse(ctx, newProject(files), opts)
	if err != nil {
		t.Fatal(err)
	}
	err = m.Compile(ctx, nil)
	if err == nil || !strings.Contains(err.Error(), "no_such_table") {
		t.Errorf("want the query's error, got %v", err)
	}
}
