package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

// TestUnitTestChecksumAsDBT: a unit test's checksum in manifest.json is
// dbt's UnitTestDefinition.build_unit_test_checksum
// (contracts/graph/nodes.py), byte for byte: the sha256 hex of
//
//	f"{model}-{versions}-{given}-{expect}-{overrides}"
//
// plus f"-{input.rows}" for each given input read from a fixture file,
// the parts as Python prints dbt's dataclasses, after the parser
// normalized the rows (csv read with csv.DictReader, "" made None, the
// first row without None moved to the top). The want below was derived by
// hand with python3 (PyYAML 6, the dataclasses of
// artifacts/resources/v1/unit_test_definition.py rebuilt with
// dataclasses and a str Enum, rows normalized as parser/unit_tests.py
// does, the YAML file read stripped as dbt's load_source_file reads it,
// so the sql block at its end has no final newline); the string it
// hashed:
//
//	m-UnitTestNodeVersions(include=[2], exclude=None)-[UnitTestInputFixture(input="ref('a')", rows=[{'name': "it's", 'id': 2}, {'id': 1, 'name': None}], format=<UnitTestFormat.Dict: 'dict'>, fixture=None), UnitTestInputFixture(input="ref('b')", rows=[{'id': '2'}], format=<UnitTestFormat.CSV: 'csv'>, fixture='b_rows')]-UnitTestOutputFixture(rows="select 2 as id, 'it''s' as name", format=<UnitTestFormat.SQL: 'sql'>, fixture=None)-UnitTestOverrides(macros={'is_incremental': False}, vars={'when': datetime.date(2024, 1, 5), 'n': 1.5}, env_vars={})-[{'id': '2'}]
//
// The versioned copy (t_v2) keeps the definition's checksum, as dbt's
// process_models_for_unit_test copies it through to_dict/from_dict.
func TestUnitTestChecksumAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "select 1 as id, 'x' as name")
	writeFile(t, dir, "models/b.sql", "select 1 as id")
	for _, v := range []string{"1", "2"} {
		writeFile(t, dir, "models/m_v"+v+".sql", "select a.id, a.name from {{ ref('a') }} a join {{ ref('b') }} b on a.id = b.id")
	}
	writeFile(t, dir, "models/m.yml", "models:\n  - name: m\n    latest_version: 2\n    versions: [{v: 1}, {v: 2}]\n")
	writeFile(t, dir, "tests/fixtures/b_rows.csv", "id\n2\n\n")
	writeFile(t, dir, "models/unit.yml", `unit_tests:
  - name: t
    model: m
    versions: {include: [2]}
    overrides:
      vars: {when: 2024-01-05, n: 1.5}
      macros: {is_incremental: false}
    given:
      - input: ref('a')
        rows:
          - {id: 1, name: null}
          - {name: "it's", id: 2}
      - input: ref('b')
        format: csv
        fixture: b_rows
    expect:
      format: sql
      rows: |
        select 2 as id, 'it''s' as name
`)
	mustElt(t, dir, "parse")
	var m struct {
		UnitTests map[string]struct {
			Checksum json.RawMessage `json:"checksum"`
		} `json:"unit_tests"`
	}
	readJSON(t, filepath.Join(dir, "target", "manifest.json"), &m)
	ut, ok := m.UnitTests["unit_test.p.m.t_v2"]
	if !ok {
		t.Fatalf("no unit_test.p.m.t_v2 in %v", m.UnitTests)
	}
	if got, want := string(ut.Checksum), `"f95b82d10fadfbcd460b005caaffeb3cbd4bb649aedafadb58fae025692e1989"`; got != want {
		t.Errorf("checksum = %s, want %s", got, want)
	}
}
