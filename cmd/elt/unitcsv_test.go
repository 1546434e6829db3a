package main

import (
	"strings"
	"testing"
)

// TestUnitTestCSVReadAsDBT: csv fixtures are read as dbt reads them
// (parser/unit_tests.py _convert_csv_to_list_of_dicts and
// parser/fixtures.py get_rows: csv.DictReader over the text): spaces
// around a field are part of its value, a quoted field keeps its comma,
// an empty field is NULL, a short row's missing values are NULL, blank
// lines and a fixture file's "\r\n" ends change nothing. Each expected
// len depends on the spaces being kept.
func TestUnitTestCSVReadAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "select 1 as id, 'a' as name")
	writeFile(t, dir, "models/m.sql", "select id, name, length(name) as len from {{ ref('a') }}")
	writeFile(t, dir, "tests/fixtures/m_expected.csv", "id,name,len\r\n1,  x,3\r\n2,\"y, z\",4\r\n\r\n3,,\r\n4\r\n\r\n")
	writeFile(t, dir, "models/unit.yml", `unit_tests:
  - name: spaces
    model: m
    given:
      - input: ref('a')
        format: csv
        rows: |
          id,name
          1,  x
          2,"y, z"

          3,
          4
    expect:
      format: csv
      fixture: m_expected
`)
	mustElt(t, dir, "run")
	if res := elt(t, dir, "test"); res.code != 0 || !strings.Contains(res.stdout, "PASS") {
		t.Fatalf("test: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}

	// A header's spaces are part of the column's name, so " name" is no
	// column of a: dbt's format_row raises its Invalid column name.
	writeFile(t, dir, "models/unit.yml", `unit_tests:
  - name: spaces
    model: m
    given:
      - input: ref('a')
        format: csv
        rows: |
          id, name
          1,x
    expect:
      rows: [{id: 1}]
`)
	res := elt(t, dir, "test")
	if want := "Invalid column name: ' name' in unit test fixture for 'a'."; res.code == 0 || !strings.Contains(res.stdout+res.stderr, want) {
		t.Errorf("test: exit %d, want an error with %q:\n%s%s", res.code, want, res.stdout, res.stderr)
	}
}
