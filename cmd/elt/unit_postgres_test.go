package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

const pgProfile = `p:
  target: pg
  outputs:
    pg:
      type: postgres
      host: "{{ env_var('ELT_PG_HOST') }}"
      port: "{{ env_var('ELT_PG_PORT') | as_number }}"
      user: "{{ env_var('ELT_PG_USER') }}"
      password: "{{ env_var('ELT_PG_PASSWORD') }}"
      dbname: "{{ env_var('ELT_PG_DBNAME') }}"
      schema: "{{ env_var('ELT_PG_SCHEMA') }}"
      threads: 2
`

// TestUnitTestsAndContractsPostgres runs unit tests and an enforced
// contract (foreign key included) on a real Postgres.
func TestUnitTestsAndContractsPostgres(t *testing.T) {
	schema := "unit_contracts_pg"
	pgEnv(t, schema)
	conn, err := pgx.Connect(context.Background(), os.Getenv("ELT_TEST_POSTGRES_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	exec := func(sql string) error {
		_, err := conn.Exec(context.Background(), sql)
		return err
	}
	if err := exec("drop schema if exists " + schema + " cascade"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = exec("drop schema if exists " + schema + " cascade") })

	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", pgProfile)
	writeFile(t, dir, "seeds/raw_people.csv", "id,name,age\n1,Ada,36\n2,Bob,\n")
	writeFile(t, dir, "models/people.sql", "select cast(id as integer) as id, name, cast(age as integer) as age from {{ ref('raw_people') }}")
	writeFile(t, dir, "models/pets.sql", "{{ config(materialized='table') }}\nselect 1 as pet_id, 1 as owner_id, 'Rex' as pet")
	writeFile(t, dir, "models/schema.yml", `version: 2
models:
  - name: people
    config: {materialized: table, contract: {enforced: true}}
    constraints:
      - {type: check, expression: "age >= 0"}
    columns:
      - name: id
        data_type: int
        constraints: [{type: primary_key}]
      - name: name
        data_type: string
        constraints: [{type: not_null}, {type: unique}]
      - name: age
        data_type: integer
  - name: pets
    config: {contract: {enforced: true}}
    columns:
      - name: pet_id
        data_type: integer
      - name: owner_id
        data_type: integer
        constraints:
          - type: foreign_key
            to: ref('people')
            to_columns: [id]
      - name: pet
        data_type: text
unit_tests:
  - name: people_keeps_rows
    model: people
    given:
      - input: ref('raw_people')
        rows: [{id: 7, name: Cy}]
    expect:
      rows: [{id: 7, name: Cy, age: null}]
  - name: people_wrong
    model: people
    given:
      - input: ref('raw_people')
        rows: [{id: 7, name: Cy, age: 3}]
    expect:
      rows: [{id: 7, name: Cy, age: 4}]
`)
	res := elt(t, dir, "build")
	if res.code != 1 {
		t.Fatalf("build: exit %d, want 1 (people_wrong fails)\n%s%s", res.code, res.stdout, res.stderr)
	}
	wantAll(t, res.stdout,
		"PASS people::people_keeps_rows",
		"FAIL 1 people::people_wrong",
		"1   | 4              | 3\n",
		"SKIP relation "+schema+".people",
		"SKIP relation "+schema+".pets",
	)
	// Without the failing unit test, the contracted tables are built with
	// every constraint, the foreign key included.
	res = mustElt(t, dir, "build", "--exclude", "people_wrong")
	for _, stmt := range []string{
		"insert into " + schema + ".people values (3, null, 1)",
		"insert into " + schema + ".people values (1, 'Zed', 1)",
		"insert into " + schema + ".people values (3, 'Ada', 1)",
		"insert into " + schema + ".people values (3, 'Cy', -1)",
		"insert into " + schema + ".pets values (2, 99, 'Tom')",
	} {
		if err := exec(stmt); err == nil {
			t.Errorf("%s: Postgres accepted it", stmt)
		}
	}
	if err := exec("insert into " + schema + ".pets values (2, 2, 'Tom')"); err != nil {
		t.Errorf("a valid row was refused: %v", err)
	}
	// A contract mismatch fails before the model runs.
	writeFile(t, dir, "models/pets.sql", "{{ config(materialized='table') }}\nselect 1 as pet_id, 'x' as owner_id, 'Rex' as pet")
	res = elt(t, dir, "run", "-s", "pets")
	if res.code != 1 || !strings.Contains(res.stdout, "| owner_id    | text            | integer       | data type mismatch |") {
		t.Errorf("mismatch: exit %d\n%s", res.code, res.stdout)
	}
}

// TestUnitTestNarrowVarcharPostgres: a string fixture value is cast to a
// character varying input's type without its length, so it is not cut
// to it, as dbt's format_row (dbt-adapters #1806, dbt-core #11974).
func TestUnitTestNarrowVarcharPostgres(t *testing.T) {
	schema := "unit_varchar_pg"
	pgEnv(t, schema)
	conn, err := pgx.Connect(context.Background(), os.Getenv("ELT_TEST_POSTGRES_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	drop := func() { _, _ = conn.Exec(context.Background(), "drop schema if exists "+schema+" cascade") }
	drop()
	t.Cleanup(drop)

	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", pgProfile)
	writeFile(t, dir, "models/up.sql", "select cast('short' as varchar(5)) as tested_column")
	writeFile(t, dir, "models/m.sql", "select tested_column, length(tested_column) as col_len from {{ ref('up') }}")
	writeFile(t, dir, "models/unit.yml", `unit_tests:
  - name: not_truncated
    model: m
    given:
      - input: ref('up')
        rows:
          - {tested_column: "longer_string_value"}
    expect:
      rows:
        - {tested_column: "longer_string_value", col_len: 19}
`)
	mustElt(t, dir, "run", "--select", "up")
	if res := elt(t, dir, "test", "--select", "m"); res.code != 0 {
		t.Errorf("test: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}
