package main

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

const docsYML = `version: 2
models:
  - name: orders
    description: "Ada's orders"
    config: {persist_docs: {relation: true, columns: true}}
    columns:
      - name: id
        description: the order's id
      - name: amount
        description: ""
      - name: missing
        description: not in the relation
  - name: orders_v
    description: a view
    config: {persist_docs: {relation: true, columns: true}}
    columns:
      - name: id
        description: "it's the id"
`

// TestPersistDocsAndGrantsDuckDB: comments land in DuckDB's catalog for a
// table and a view; grants are not applied, with one warning per run.
func TestPersistDocsAndGrantsDuckDB(t *testing.T) {
	dir := miniProject(t, "models:\n  p:\n    +grants: {select: [reporter]}\n")
	writeFile(t, dir, "models/orders.sql", "{{ config(materialized='table') }}\nselect 1 as id, 2 as amount")
	writeFile(t, dir, "models/orders_v.sql", "select * from {{ ref('orders') }}")
	writeFile(t, dir, "models/schema.yml", docsYML)
	res := mustElt(t, dir, "run")
	if n := strings.Count(res.stdout+res.stderr, "DuckDB has no grants"); n != 1 {
		t.Errorf("grants warning said %d times, want once:\n%s%s", n, res.stdout, res.stderr)
	}
	db := openDB(t, filepath.Join(dir, "p.duckdb"))
	got := queryRows(t, db, "select table_name || ': ' || coalesce(comment, '-') from duckdb_tables() where table_name = 'orders' union all select view_name || ': ' || coalesce(comment, '-') from duckdb_views() where view_name = 'orders_v'")
	if want := "orders: Ada's orders\norders_v: a view"; got != want {
		t.Errorf("relation comments:\n%s\nwant:\n%s", got, want)
	}
	got = queryRows(t, db, "select table_name || '.' || column_name || ': ' || coalesce(comment, '-') from duckdb_columns() where table_name in ('orders', 'orders_v') order by table_name, column_index")
	if want := "orders.id: the order's id\norders.amount: -\norders_v.id: it's the id\norders_v.amount: -"; got != want {
		t.Errorf("column comments:\n%s\nwant:\n%s", got, want)
	}
}

// pgWithRoles is pgSchema plus roles made for the test, dropped after it
// (its schema first, which holds their grants).
func pgWithRoles(t *testing.T, schema string, roles ...string) (context.Context, *pgx.Conn) {
	t.Helper()
	ctx, conn := pgSchema(t, schema)
	for _, role := range roles {
		for _, sql := range []string{"drop role if exists " + role, "create role " + role} {
			if _, err := conn.Exec(ctx, sql); err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
		}
	}
	t.Cleanup(func() {
		_, _ = conn.Exec(ctx, "drop schema if exists "+schema+" cascade")
		for _, role := range roles {
			_, _ = conn.Exec(ctx, "drop role if exists "+role)
		}
	})
	return ctx, conn
}

// TestGrantsAndPersistDocsPostgres applies grants to real roles, revokes
// what the config no longer lists, and writes comments.
func TestGrantsAndPersistDocsPostgres(t *testing.T) {
	schema := "grants_pg"
	ctx, conn := pgWithRoles(t, schema, "elt_reporter", "elt_loader", "elt_auditor")
	exec := func(sql string) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	grants := func() string {
		t.Helper()
		rows, err := conn.Query(ctx, "select table_name || ' ' || lower(privilege_type) || ' ' || grantee from information_schema.role_table_grants where table_schema = $1 and grantee like 'elt_%' order by 1", schema)
		if err != nil {
			t.Fatal(err)
		}
		list, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(list, "\n")
	}

	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\nmodels:\n  p:\n    +grants: {select: [elt_reporter]}\n")
	writeFile(t, dir, "profiles.yml", pgProfile)
	writeFile(t, dir, "models/orders.sql", "{{ config(materialized='table', grants={'+select': ['elt_auditor'], 'insert': ['elt_loader']}) }}\nselect 1 as id, 2 as amount")
	writeFile(t, dir, "models/orders_v.sql", "select * from {{ ref('orders') }}")
	writeFile(t, dir, "models/schema.yml", docsYML)
	mustElt(t, dir, "run")
	want := "orders insert elt_loader\norders select elt_auditor\norders select elt_reporter\norders_v select elt_reporter"
	if got := grants(); got != want {
		t.Errorf("grants after the first run:\n%s\nwant:\n%s", got, want)
	}
	// A grant added by hand to the view, which elt's create-or-replace
	// keeps, is revoked because the config does not list it; the table
	// loses its insert grant.
	exec("grant select on " + schema + ".orders_v to elt_loader")
	writeFile(t, dir, "models/orders.sql", "{{ config(materialized='table', grants={'+select': ['elt_auditor']}) }}\nselect 1 as id, 2 as amount")
	res := mustElt(t, dir, "run")
	want = "orders select elt_auditor\norders select elt_reporter\norders_v select elt_reporter"
	if got := grants(); got != want {
		t.Errorf("grants after the second run:\n%s\nwant:\n%s\n%s", got, want, res.stdout)
	}

	var rel, col, view, viewCol string
	if err := conn.QueryRow(ctx, "select obj_description('"+schema+".orders'::regclass, 'pg_class'), col_description('"+schema+".orders'::regclass, 1), obj_description('"+schema+".orders_v'::regclass, 'pg_class'), col_description('"+schema+".orders_v'::regclass, 1)").Scan(&rel, &col, &view, &viewCol); err != nil {
		t.Fatal(err)
	}
	if rel != "Ada's orders" || col != "the order's id" || view != "a view" || viewCol != "it's the id" {
		t.Errorf("comments: %q %q %q %q", rel, col, view, viewCol)
	}
}

// TestApplyGrantsOverrideAsDBT: dbt's materializations call apply_grants,
// which dispatches, so a package's default__apply_grants that the
// project's dispatch config searches first decides a node's grants
// (snowplow_utils adds the grantees of a var to every model's select,
// then calls dbt's own): a model with no grants config gets them, a
// seed too, and what the config grants stays.
func TestApplyGrantsOverrideAsDBT(t *testing.T) {
	schema := "grants_override"
	ctx, conn := pgWithRoles(t, schema, "elt_ovr_reader", "elt_ovr_auditor")
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\ndispatch:\n  - macro_namespace: dbt\n    search_order: [granting, dbt]\n")
	writeFile(t, dir, "profiles.yml", pgProfile)
	writeFile(t, dir, "dbt_packages/granting/dbt_project.yml", "name: granting\n")
	writeFile(t, dir, "dbt_packages/granting/macros/grants.sql", `{% macro default__apply_grants(relation, grant_config, should_revoke=True) %}
  {%- set grant_config = grant_config or {} -%}
  {%- do grant_config.update({'select': grant_config.get('select', []) + var('grant_select_to', [])}) -%}
  {%- do log('granting on ' ~ relation, info=true) -%}
  {{ dbt.default__apply_grants(relation, grant_config, should_revoke) }}
{% endmacro %}
`)
	writeFile(t, dir, "models/plain.sql", "{{ config(materialized='table') }}\nselect 1 as id")
	writeFile(t, dir, "models/audited.sql", "{{ config(grants={'select': ['elt_ovr_auditor']}) }}\nselect 1 as id")
	writeFile(t, dir, "seeds/s.csv", "id\n1\n")
	mustElt(t, dir, "seed", "--vars", "{grant_select_to: [elt_ovr_reader]}")
	res := mustElt(t, dir, "run", "--vars", "{grant_select_to: [elt_ovr_reader]}")
	wantAll(t, res.stdout, "granting on \"elt_test\".\""+schema+"\".\"plain\"")
	rows, err := conn.Query(ctx, "select table_name || ' ' || grantee from information_schema.role_table_grants where table_schema = $1 and grantee like 'elt_ovr_%' order by 1", schema)
	if err != nil {
		t.Fatal(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := "audited elt_ovr_auditor\naudited elt_ovr_reader\nplain elt_ovr_reader\ns elt_ovr_reader"
	if got := strings.Join(list, "\n"); got != want {
		t.Errorf("grants:\n%s\nwant:\n%s", got, want)
	}
}

func TestGrantsAndPersistDocsConfigErrors(t *testing.T) {
	for _, tc := range []struct{ cfg, want string }{
		{"grants='select'", "model q: grants must be a mapping of privilege to grantees"},
		{"grants={'select': [1]}", `model q: grants: "select" must list grantees by name`},
		{"persist_docs={'relation': true, 'table': true}", "model q: persist_docs: table: true is not supported"},
		{"persist_docs={'columns': 'yes'}", "model q: persist_docs: columns: yes is not supported"},
	} {
		dir := miniProject(t, "")
		writeFile(t, dir, "models/q.sql", "{{ config("+tc.cfg+") }}\nselect 1 as q")
		res := elt(t, dir, "run")
		if res.code == 0 || !strings.Contains(res.stdout+res.stderr, "models/q.sql:1:") || !strings.Contains(res.stdout+res.stderr, tc.want) {
			t.Errorf("%s: exit %d, want %q at models/q.sql:\n%s%s", tc.cfg, res.code, tc.want, res.stdout, res.stderr)
		}
	}
}

// TestApplyGrantsBuiltFromDBTSteps: a project's postgres__apply_grants
// written as dbt's default__apply_grants is (adapters/apply_grants.sql:
// get_show_grant_sql, adapter.standardize_grants_dict, diff_of_two_dicts,
// get_dcl_statement_list with get_grant_sql and get_revoke_sql,
// call_dcl_statements) runs: on an incremental model's next run it
// revokes what the config dropped and grants what it added, and then
// finds all grants in place.
func TestApplyGrantsBuiltFromDBTSteps(t *testing.T) {
	schema := "grants_steps"
	ctx, conn := pgWithRoles(t, schema, "elt_steps_reader")
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", pgProfile)
	writeFile(t, dir, "macros/grants.sql", `{% macro postgres__apply_grants(relation, grant_config, should_revoke=True) %}
  {% if grant_config %}
    {% if should_revoke %}
      {% set current = adapter.standardize_grants_dict(run_query(get_show_grant_sql(relation))) %}
      {% set needs_granting = diff_of_two_dicts(grant_config, current) %}
      {% set needs_revoking = diff_of_two_dicts(current, grant_config) %}
      {% if not (needs_granting or needs_revoking) %}
        {{ log('all grants in place on ' ~ relation.identifier, info=true) }}
      {% endif %}
    {% else %}
      {% set needs_revoking = {} %}
      {% set needs_granting = grant_config %}
    {% endif %}
    {% set statements = get_dcl_statement_list(relation, needs_revoking, get_revoke_sql) + get_dcl_statement_list(relation, needs_granting, get_grant_sql) %}
    {% if statements %}
      {{ call_dcl_statements(statements) }}
    {% endif %}
  {% endif %}
{% endmacro %}
`)
	model := func(privilege string) {
		writeFile(t, dir, "models/m.sql", "{{ config(materialized='incremental', grants={'"+privilege+"': ['elt_steps_reader']}) }}\nselect 1 as id\n")
	}
	grants := func() string {
		t.Helper()
		rows, err := conn.Query(ctx, "select lower(privilege_type) from information_schema.role_table_grants where table_schema = $1 and grantee = 'elt_steps_reader' order by 1", schema)
		if err != nil {
			t.Fatal(err)
		}
		list, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(list, ",")
	}
	model("select")
	mustElt(t, dir, "run")
	if got := grants(); got != "select" {
		t.Errorf("first run: grants %q, want select", got)
	}
	model("insert")
	mustElt(t, dir, "run")
	if got := grants(); got != "insert" {
		t.Errorf("second run: grants %q, want insert", got)
	}
	res := mustElt(t, dir, "run")
	wantAll(t, res.stdout, "all grants in place on m")
}

// TestGrantsExtendAsDBT: "+privilege" grants extend what the layers below
// give, as dbt's DictKeyAppend merge; config() calls keep their "+" among
// themselves (_add_config_call), so two calls both extend; a "+privilege"
// with nothing to extend is the privilege (dbt's
// tests/functional/configs/test_grant_configs.py).
func TestGrantsExtendAsDBT(t *testing.T) {
	project := "models:\n  p:\n    m:\n      +grants:\n        my_select: [reporter, bi]\n"
	yml := "models:\n  - name: m\n    config:\n      grants:\n        +my_select: [someone]\n"
	twice := "{{ config(grants={'+my_select': ['other_user']}) }}\n{{ config(grants={'+my_select': ['alt_user']}) }}\nselect 1 as fun\n"
	for _, c := range []struct {
		name, project, sql string
		want               []any
	}{
		{"two calls over project and yaml", project, twice, []any{"reporter", "bi", "someone", "other_user", "alt_user"}},
		{"two calls over yaml", "", twice, []any{"someone", "other_user", "alt_user"}},
		{"yaml alone", "", "select 1 as fun\n", []any{"someone"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := miniProject(t, c.project)
			writeFile(t, dir, "models/m.sql", c.sql)
			writeFile(t, dir, "models/schema.yml", yml)
			mustElt(t, dir, "parse")
			var m struct {
				Nodes map[string]struct {
					Config struct {
						Grants map[string]any `json:"grants"`
					} `json:"config"`
				} `json:"nodes"`
			}
			readJSON(t, filepath.Join(dir, "target", "manifest.json"), &m)
			if got, want := m.Nodes["model.p.m"].Config.Grants, map[string]any{"my_select": c.want}; !reflect.DeepEqual(got, want) {
				t.Errorf("grants %v, want %v", got, want)
			}
		})
	}
}
