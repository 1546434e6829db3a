package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestQueryCommentDuckDB reads back, with current_query(), the statement
// DuckDB received for a table model: the default comment is dbt's JSON,
// a configured one is rendered with node and target, appended on request,
// and null turns it off.
func TestQueryCommentDuckDB(t *testing.T) {
	for _, tc := range []struct {
		name, project string
		want          func(q string) bool
		desc          string
	}{
		{"default", "", func(q string) bool {
			return strings.HasPrefix(q, `/* {"app": "dbt", "dbt_version": "`) &&
				strings.Contains(q, `", "profile_name": "p", "target_name": "dev", "node_id": "model.p.q"} */`+"\n")
		}, "dbt's default comment first"},
		{"string", "query-comment: \"run {{ node.unique_id }} on {{ target.name }}\"\n", func(q string) bool {
			return strings.HasPrefix(q, "/* run model.p.q on dev */\n")
		}, "the rendered comment first"},
		{"append", "query-comment: {comment: \"elt {{ node.name }}\", append: true}\n", func(q string) bool {
			return strings.HasSuffix(strings.TrimRight(q, ";"), "\n/* elt q */") && !strings.HasPrefix(q, "/*")
		}, "the comment last"},
		{"default appended", "query-comment: {append: true}\n", func(q string) bool {
			return strings.HasSuffix(strings.TrimRight(q, ";"), `"node_id": "model.p.q"} */`) && !strings.HasPrefix(q, "/*")
		}, "dbt's default comment last"},
		{"empty", "query-comment: ''\n", func(q string) bool { return !strings.Contains(q, "/*") }, "no comment"},
		{"null", "query-comment: null\n", func(q string) bool { return !strings.Contains(q, "/*") }, "no comment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := miniProject(t, tc.project)
			writeFile(t, dir, "models/q.sql", "{{ config(materialized='table') }}\nselect current_query() as q")
			mustElt(t, dir, "run")
			db := openDB(t, filepath.Join(dir, "p.duckdb"))
			q := queryRows(t, db, "select q from q")
			if !tc.want(q) {
				t.Errorf("want %s; the statement was:\n%s", tc.desc, q)
			}
			if !strings.Contains(q, "select current_query() as q") {
				t.Errorf("the model's SQL is missing:\n%s", q)
			}
		})
	}
}

// TestQueryCommentHooksAndOperations: on-run-start hooks and
// run-operation statements carry the comment too, with no node and the
// connection dbt runs them on ("master", "macro_<name>").
func TestQueryCommentHooksAndOperations(t *testing.T) {
	for _, tc := range []struct {
		name, project, wantHook, wantOp string
	}{
		{"default", "", `"target_name": "dev", "connection_name": "master"} */`, `"target_name": "dev", "connection_name": "macro_save_query"} */`},
		{"template", "query-comment: \"conn={{ connection_name }} node={{ node.unique_id if node is not none else 'none' }}\"\n",
			"/* conn=master node=none */", "/* conn=macro_save_query node=none */"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := miniProject(t, tc.project+"on-run-start:\n  - create or replace table hook_q as select current_query() as q\n")
			writeFile(t, dir, "models/m.sql", "select 1 as id")
			writeFile(t, dir, "macros/ops.sql", "{% macro save_query() %}{% do run_query('create or replace table op_q as select current_query() as q') %}{% endmacro %}")
			mustElt(t, dir, "run")
			mustElt(t, dir, "run-operation", "save_query")
			db := openDB(t, filepath.Join(dir, "p.duckdb"))
			if q := queryRows(t, db, "select q from hook_q"); !strings.Contains(q, tc.wantHook) {
				t.Errorf("on-run-start statement lacks %q:\n%s", tc.wantHook, q)
			}
			if q := queryRows(t, db, "select q from op_q"); !strings.Contains(q, tc.wantOp) {
				t.Errorf("run-operation statement lacks %q:\n%s", tc.wantOp, q)
			}
		})
	}
}

func TestQueryCommentErrors(t *testing.T) {
	for _, tc := range []struct{ yml, want string }{
		{"query-comment: {comment: x, job-label: true}\n", "dbt_project.yml:3:40: elt does not support query-comment job-label"},
		{"query-comment: {coment: x}\n", `dbt_project.yml:3:17: unknown key "coment" in query-comment`},
		{"query-comment: [a]\n", "dbt_project.yml:3:16: query-comment must be a string or a mapping"},
		{"query-comment: {append: yes please}\n", "dbt_project.yml:3:25: query-comment.append must be true or false"},
		{"query-comment: \"a */ b\"\n", `query comment contains illegal value "*/": a */ b`},
	} {
		dir := miniProject(t, tc.yml)
		writeFile(t, dir, "models/q.sql", "select 1 as q")
		res := elt(t, dir, "run")
		if res.code == 0 || !strings.Contains(res.stdout+res.stderr, tc.want) {
			t.Errorf("%s: exit %d, want %q:\n%s%s", tc.yml, res.code, tc.want, res.stdout, res.stderr)
		}
	}
}

// TestQueryCommentIllegalEndsInvocation: a query comment holding "*/"
// ends the invocation before any node runs (exit 2, no node result), as
// dbt fails rendering its first connection's comment
// (adapter/query_comment/test_query_comment.py
// TestMacroInvalidQueryComments).
func TestQueryCommentIllegalEndsInvocation(t *testing.T) {
	dir := miniProject(t, "query-comment: \"{{ bad_header() }}\"\n")
	writeFile(t, dir, "macros/h.sql", "{% macro bad_header() %}{{ 'an invalid character: */' }}{% endmacro %}")
	writeFile(t, dir, "models/q.sql", "select 1 as q")
	res := elt(t, dir, "run")
	if res.code != exitUsage || !strings.Contains(res.stderr, `query comment contains illegal value "*/": an invalid character: */`) || strings.Contains(res.stdout, "1 of 1") {
		t.Errorf("exit %d, want %d before any node:\n%s%s", res.code, exitUsage, res.stdout, res.stderr)
	}
}

// TestQueryCommentPostgres: Postgres receives the rendered comment too.
func TestQueryCommentPostgres(t *testing.T) {
	schema := "query_comment_pg"
	ctx, conn := pgSchema(t, schema)
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\nquery-comment: \"{{ node.unique_id }} for {{ target.name }}\"\n")
	writeFile(t, dir, "profiles.yml", pgProfile)
	writeFile(t, dir, "models/q.sql", "{{ config(materialized='table') }}\nselect current_query() as q")
	mustElt(t, dir, "run")
	var q string
	if err := conn.QueryRow(ctx, "select q from "+schema+".q").Scan(&q); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(q, "/* model.p.q for pg */\n") || !strings.Contains(q, "select current_query() as q") {
		t.Errorf("statement:\n%s", q)
	}
}
