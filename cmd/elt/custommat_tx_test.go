package main

import (
	"strings"
	"testing"
)

// halfBuilt creates its table, fills it, then runs statement `fail`
// (broken when the var says so) before it renames the table into place.
// commit_first commits after the create, as a block may.
const halfBuiltMaterialization = `{% materialization half_built, default %}
  {%- set target_relation = this.incorporate(type='table') -%}
  {%- set tmp = make_intermediate_relation(target_relation) -%}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {% call statement('create') %}create table {{ tmp }} as {{ sql }}{% endcall %}
  {% if var('commit_first', false) %}{{ adapter.commit() }}{% endif %}
  {% call statement('fill') %}insert into {{ tmp }} select 2 as id{% endcall %}
  {% if var('break', false) %}
    {% call statement('broken') %}select * from no_such_table_anywhere{% endcall %}
  {% endif %}
  {% call statement('main') %}alter table {{ tmp }} rename to {{ target_relation.identifier }}{% endcall %}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
`

// TestCustomMaterializationTransactionPostgres: a materialization block's
// statements run in one transaction on one connection, as in dbt, so a
// statement failing in the middle leaves neither the intermediate table
// nor the model behind; what the block committed before stays.
func TestCustomMaterializationTransactionPostgres(t *testing.T) {
	schema := "custmat_tx"
	ctx, conn := pgSchema(t, schema)
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", pgProfile)
	writeFile(t, dir, "macros/half_built.sql", halfBuiltMaterialization)
	// vacuum cannot run inside a transaction: hooks with transaction
	// false run outside the block's, as in dbt.
	writeFile(t, dir, "models/m.sql", "{{ config(materialized='half_built', pre_hook={'sql': 'vacuum', 'transaction': False}, post_hook={'sql': 'vacuum {{ this }}', 'transaction': False}) }}\nselect 1 as id\n")
	tables := func() string {
		t.Helper()
		var s *string
		if err := conn.QueryRow(ctx, "select string_agg(table_name, ',' order by table_name) from information_schema.tables where table_schema = $1", schema).Scan(&s); err != nil {
			t.Fatal(err)
		}
		if s == nil {
			return ""
		}
		return *s
	}

	res := elt(t, dir, "run", "--no-check", "--vars", "{break: true}")
	if res.code != exitFailed || !strings.Contains(res.stdout+res.stderr, "no_such_table_anywhere") {
		t.Fatalf("want the broken statement to fail the run, got exit %d:\n%s%s", res.code, res.stdout, res.stderr)
	}
	if got := tables(); got != "" {
		t.Errorf("a failed block left relations behind: %s", got)
	}

	mustElt(t, dir, "run", "--no-check")
	var rows string
	if err := conn.QueryRow(ctx, "select string_agg(id::text, ',' order by id) from "+schema+".m").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != "1,2" || tables() != "m" {
		t.Errorf("after a good run: rows %q, relations %q; want 1,2 and m", rows, tables())
	}

	// A commit in the block is kept when a later statement fails: the
	// intermediate table it committed is there, without the insert.
	if _, err := conn.Exec(ctx, "drop table "+schema+".m"); err != nil {
		t.Fatal(err)
	}
	res = elt(t, dir, "run", "--no-check", "--vars", "{break: true, commit_first: true}")
	if res.code != exitFailed {
		t.Fatalf("exit %d, want %d", res.code, exitFailed)
	}
	if got := tables(); got != "m__dbt_tmp" {
		t.Errorf("relations after a failure past a commit: %q, want m__dbt_tmp", got)
	}
	if err := conn.QueryRow(ctx, "select string_agg(id::text, ',' order by id) from "+schema+".m__dbt_tmp").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != "1" {
		t.Errorf("m__dbt_tmp holds %q, want 1 (the insert after the commit rolled back)", rows)
	}
}
