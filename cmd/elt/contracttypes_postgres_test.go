package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestContractTypeClassesPostgres: dbt-postgres compares a contract's
// types by psycopg2's name for each (INTEGER for smallint and integer,
// FLOAT for real and double precision, STRING for every string type,
// INTEGERARRAY for their arrays), so those models build; bigint against
// integer and timestamptz against timestamp still fail.
func TestContractTypeClassesPostgres(t *testing.T) {
	schema := "contract_classes"
	ctx, conn := pgSchema(t, schema)
	cases := []struct {
		sql, declared string
		ok            bool
	}{
		{"'a'::varchar(10)", "text", true},
		{"'a'::text", "varchar", true},
		{"1::smallint", "integer", true},
		{"1::integer", "smallint", true},
		{"1.5::real", "double precision", true},
		{"1.5::float8", "real", true},
		{"'a'::char(3)", "text", true},
		{"array[1::smallint]", "integer[]", true},
		{"1.5::numeric(10,2)", "numeric(5,1)", true},
		{"1::integer", "bigint", false},
		{"now()::timestamp", "timestamptz", false},
		{"'{}'::json", "jsonb", false},
	}
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", pgProfile)
	var yml strings.Builder
	yml.WriteString("models:\n")
	for i, c := range cases {
		writeFile(t, dir, fmt.Sprintf("models/m%d.sql", i), "select "+c.sql+" as c")
		fmt.Fprintf(&yml, "  - name: m%d\n    config: {materialized: table, contract: {enforced: true}}\n    columns:\n      - {name: c, data_type: %q}\n", i, c.declared)
	}
	writeFile(t, dir, "models/s.yml", yml.String())
	res := elt(t, dir, "run")
	if res.code == 0 {
		t.Fatalf("run passed; want the bigint, timestamptz and jsonb models to fail:\n%s", res.stdout)
	}
	for i, c := range cases {
		var exists bool
		err := conn.QueryRow(ctx, "select exists (select 1 from pg_class c join pg_namespace s on s.oid = c.relnamespace where s.nspname = $1 and c.relname = $2)", schema, fmt.Sprintf("m%d", i)).Scan(&exists)
		if err != nil {
			t.Fatal(err)
		}
		if exists != c.ok {
			t.Errorf("m%d (%s declared %s): built %v, want %v", i, c.sql, c.declared, exists, c.ok)
		}
	}
	if !strings.Contains(res.stdout, "data type mismatch") {
		t.Errorf("no contract mismatch table in the output:\n%s", res.stdout)
	}
}
