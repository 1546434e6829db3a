package main

import (
	"os"
	"strings"
	"testing"
)

// TestProjectCreateSchemaCreatesRunSchemas: a project's create_schema
// creates the schemas a run builds in, as dbt's create_schemas calls
// adapter.create_schema, which runs the create_schema macro it finds by
// name (task/runnable.py), only for a schema the warehouse does not list;
// env_var works there (context_methods/test_env_vars.py
// TestEnvVarInCreateSchema).
func TestProjectCreateSchemaCreatesRunSchemas(t *testing.T) {
	t.Setenv("ELT_TEST_MARK", "7")
	dir := miniProject(t, "")
	writeFile(t, dir, "profiles.yml", "p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: p.duckdb\n      schema: fresh\n")
	writeFile(t, dir, "macros/create_schema.sql", `{% macro create_schema(relation) %}
  {{ log("own create_schema " ~ relation, info=true) }}
  {%- call statement('create_schema') -%}
    create schema if not exists {{ relation.without_identifier() }};
    create table {{ relation.without_identifier() }}.marker as select {{ env_var('ELT_TEST_MARK') }} as mark
  {%- endcall %}
{% endmacro %}`)
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	res := mustElt(t, dir, "run")
	wantAll(t, res.stdout, `own create_schema "p"."fresh"`)
	if got := rowsOf(t, dir, "fresh.marker"); got != "7" {
		t.Errorf("marker = %q, want 7", got)
	}
	// The schema exists now: the macro is not called again.
	res = mustElt(t, dir, "run")
	if strings.Contains(res.stdout, "own create_schema") {
		t.Errorf("create_schema ran for an existing schema:\n%s", res.stdout)
	}
	// A test storing its failures is a relational node to dbt's
	// create_schemas: its audit schema is made by the macro too.
	writeFile(t, dir, "models/props.yml", "models:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [not_null]\n")
	res = mustElt(t, dir, "test", "--store-failures")
	wantAll(t, res.stdout, `own create_schema "p"."fresh_dbt_test__audit"`)
	if got := rowsOf(t, dir, "fresh_dbt_test__audit.marker"); got != "7" {
		t.Errorf("audit schema marker = %q, want 7", got)
	}
}

// TestCreateSchemaQueryCommentPostgres: the statements that create a
// run's schema carry the query comment of dbt's connection for it,
// create_<database>_<schema>, with no node (task/runnable.py
// create_schemas).
func TestCreateSchemaQueryCommentPostgres(t *testing.T) {
	schema := "create_schema_comment"
	pgSchema(t, schema)
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\nquery-comment: \"made on {{ connection_name }}{{ node.unique_id if node }}\"\n")
	writeFile(t, dir, "profiles.yml", pgProfile)
	writeFile(t, dir, "macros/create_schema.sql", `{% macro postgres__create_schema(relation) -%}
  {% set seen = run_query("select current_query() as q") %}
  {{ log("seen: " ~ (seen.columns[0].values()[0] | replace("\n", " ")), info=true) }}
  {%- call statement('create_schema') -%}
    create schema if not exists {{ relation.without_identifier().include(database=False) }}
  {%- endcall -%}
{%- endmacro %}`)
	writeFile(t, dir, "models/a.sql", "select 1 as id\n")
	res := mustElt(t, dir, "run")
	wantAll(t, res.stdout, "seen: /* made on create_"+os.Getenv("ELT_PG_DBNAME")+"_"+schema+" */ select current_query() as q")
}
