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

// TestUnitTestChecksumMoreShapesAsDBT: more of what the checksum hashes,
// each want derived by hand with python3 as above: csv rows read by
// csv.DictReader (a header's space kept, a quoted comma, "" made None,
// the full row promoted), YAML 1.1 values (1e3 a string, a key on: the
// boolean True, a datetime), description and config left out, and a sql
// fixture file's text appended with str() (unquoted) after the parts.
// The strings hashed:
//
//	m-None-[UnitTestInputFixture(input="ref('a')", rows=[{'id': '2', ' name': 'z', 'amt': '2.50'}, {'id': '1', ' name': 'x, y', 'amt': None}], format=<UnitTestFormat.CSV: 'csv'>, fixture=None)]-UnitTestOutputFixture(rows=[{'id': 2, 'name': 'z', 'amt': 2.5, 'd': datetime.datetime(2024, 1, 5, 10, 0)}, {'id': 1, 'name': 'x, y', 'amt': None, 'extra': [1, {'k': '1e3'}], True: True}], format=<UnitTestFormat.Dict: 'dict'>, fixture=None)-UnitTestOverrides(macros={}, vars={}, env_vars={'A': '1'})
//	m-None-[UnitTestInputFixture(input="ref('a')", rows='select 1 as id', format=<UnitTestFormat.SQL: 'sql'>, fixture='a_rows')]-UnitTestOutputFixture(rows=[{'id': '1'}], format=<UnitTestFormat.CSV: 'csv'>, fixture='exp')-None-select 1 as id
func TestUnitTestChecksumMoreShapesAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "select 1 as id, 'a' as name, 1.5 as amt")
	writeFile(t, dir, "models/m.sql", "select * from {{ ref('a') }}")
	writeFile(t, dir, "tests/fixtures/a_rows.sql", "  select 1 as id  \n\n")
	writeFile(t, dir, "tests/fixtures/exp.csv", "id\r\n1\r\n")
	writeFile(t, dir, "models/unit.yml", `unit_tests:
  - name: t1
    model: m
    description: ignored
    given:
      - input: ref('a')
        format: csv
        rows: |
          id, name,amt
          1,"x, y",
          2,z,2.50
    expect:
      rows:
        - {id: 1, name: "x, y", amt: null, extra: [1, {k: 1e3}], on: yes}
        - {id: 2, name: z, amt: 2.50, d: 2024-01-05 10:00:00}
    overrides:
      env_vars: {A: "1"}
    config: {tags: [x]}
  - name: t2
    model: m
    given:
      - input: ref('a')
        format: sql
        fixture: a_rows
    expect:
      format: csv
      fixture: exp
`)
	mustElt(t, dir, "parse")
	var m struct {
		UnitTests map[string]struct {
			Checksum string `json:"checksum"`
		} `json:"unit_tests"`
	}
	readJSON(t, filepath.Join(dir, "target", "manifest.json"), &m)
	for id, want := range map[string]string{
		"unit_test.p.m.t1": "a96547f7a1e3a7c04e17e6c279bb60025587f2fb730dc3a3a72cd8ad6dc38f79",
		"unit_test.p.m.t2": "c85e51311e3ea44225911e7c0adb4dd5a443ccecc222ae480ceb2ab08b7a3168",
	} {
		if got := m.UnitTests[id].Checksum; got != want {
			t.Errorf("%s checksum = %s, want %s", id, got, want)
		}
	}
}
