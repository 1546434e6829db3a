package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// contractProject has a contracted table model over a seed.
func contractProject(t *testing.T, sql, yml string) string {
	t.Helper()
	dir := miniProject(t, "")
	writeFile(t, dir, "seeds/raw_people.csv", "id,name,age\n1,Ada,36\n2,Bob,\n")
	writeFile(t, dir, "models/people.sql", sql)
	writeFile(t, dir, "models/people.yml", yml)
	writeFile(t, dir, "models/after_people.sql", "select * from {{ ref('people') }}")
	return dir
}

const peopleContract = `version: 2
models:
  - name: people
    config:
      materialized: table
      contract: {enforced: true}
    constraints:
      - type: check
        expression: "age is null or age >= 0"
    columns:
      - name: id
        data_type: integer
        constraints: [{type: not_null}, {type: primary_key}]
      - name: name
        data_type: string
        constraints: [{type: unique}]
      - name: age
        data_type: integer
`

func TestContractEnforced(t *testing.T) {
	dir := contractProject(t, "select name, cast(id as int) as id, age from {{ ref('raw_people') }}", peopleContract)
	res := mustElt(t, dir, "build")
	if !strings.Contains(res.stdout, "OK created sql table model main.people") {
		t.Fatalf("build:\n%s", res.stdout)
	}
	// The table has the declared columns, in the declared order, with the
	// declared types and constraints; the warehouse enforces them.
	db := openDB(t, filepath.Join(dir, "p.duckdb"))
	cols := queryRows(t, db, "select column_name || ' ' || data_type || ' ' || is_nullable from information_schema.columns where table_name = 'people' order by ordinal_position")
	if want := "id INTEGER NO\nname VARCHAR YES\nage INTEGER YES"; cols != want {
		t.Errorf("columns:\n%s\nwant:\n%s", cols, want)
	}
	for _, stmt := range []string{
		"insert into main.people values (null, 'Cy', 1)",
		"insert into main.people values (1, 'Cy', 1)",
		"insert into main.people values (3, 'Ada', 1)",
		"insert into main.people values (3, 'Cy', -1)",
	} {
		if _, err := db.Exec(stmt); err == nil {
			t.Errorf("%s: the warehouse accepted it", stmt)
		}
	}
	db.Close()
	// A second build replaces the table with its constraints.
	mustElt(t, dir, "run", "-s", "people")

	var manifest struct {
		Nodes map[string]struct {
			Contract struct {
				Enforced bool `json:"enforced"`
			} `json:"contract"`
			Constraints []map[string]any `json:"constraints"`
			Columns     map[string]struct {
				Constraints []map[string]any `json:"constraints"`
			} `json:"columns"`
		} `json:"nodes"`
	}
	readJSON(t, filepath.Join(dir, "target", "manifest.json"), &manifest)
	node := manifest.Nodes["model.p.people"]
	if !node.Contract.Enforced || len(node.Constraints) != 1 || node.Constraints[0]["type"] != "check" || node.Constraints[0]["expression"] != "age is null or age >= 0" {
		t.Errorf("manifest contract %+v, constraints %v", node.Contract, node.Constraints)
	}
	if c := node.Columns["id"].Constraints; len(c) != 2 || c[0]["type"] != "not_null" || c[1]["type"] != "primary_key" {
		t.Errorf("manifest id constraints: %v", c)
	}
}

func TestContractMismatchFailsBeforeRunning(t *testing.T) {
	dir := contractProject(t, "select cast(id as int) as id, name as full_name, cast(age as varchar) as age from {{ ref('raw_people') }}", peopleContract)
	res := elt(t, dir, "build")
	if res.code != 1 {
		t.Fatalf("build: exit %d, want 1\n%s", res.code, res.stdout)
	}
	// dbt's ContractError is a CompilationError.
	wantAll(t, res.stdout,
		"  Compilation Error in model people (models/people.sql)\n",
		"  This model has an enforced contract that failed.\n",
		"| column_name | definition_type | contract_type | mismatch_reason       |",
		"| full_name   | VARCHAR         |               | missing in contract   |",
		"| age         | VARCHAR         | INTEGER       | data type mismatch    |",
		"| name        |                 | VARCHAR       | missing in definition |",
		"SKIP relation main.after_people",
	)
	// The rows are sorted by column name, as dbt's ContractError.get_mismatches.
	if a, f, n := strings.Index(res.stdout, "| age "), strings.Index(res.stdout, "| full_name "), strings.Index(res.stdout, "| name "); !(a < f && f < n) {
		t.Errorf("mismatch rows not sorted by column name:\n%s", res.stdout)
	}
	db := openDB(t, filepath.Join(dir, "p.duckdb"))
	defer db.Close()
	if got := queryRows(t, db, "select count(*) from information_schema.tables where table_name = 'people'"); got != "0" {
		t.Errorf("the model ran: %s people tables", got)
	}
}

// TestContractWithoutColumns: a model enforcing a contract that declares
// no columns fails with dbt's message (assert_columns_equivalent raises
// ContractError without columns; dbt's
// tests/functional/configs/test_contract_configs.py
// TestModelContractMissingYAMLColumns).
func TestContractWithoutColumns(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "{{ config(materialized='table', contract={'enforced': true}) }}\nselect 1 as id, 'blue' as color\n")
	res := elt(t, dir, "run")
	if res.code != 1 {
		t.Fatalf("run: exit %d, want 1\n%s%s", res.code, res.stdout, res.stderr)
	}
	wantAll(t, res.stdout, "  Compilation Error in model m (models/m.sql)\n", "  This model has an enforced contract, and its 'columns' specification is missing\n", "  at models/m.sql\n")
	if strings.Contains(res.stdout, "missing in contract") {
		t.Errorf("a table of mismatches for a contract without columns:\n%s", res.stdout)
	}
}

func TestContractWarningsAndErrors(t *testing.T) {
	// A view gets the column check and a warning for its constraints.
	view := strings.Replace(peopleContract, "materialized: table", "materialized: view", 1)
	dir := contractProject(t, "select cast(id as int) as id, name, age from {{ ref('raw_people') }}", view)
	res := mustElt(t, dir, "build")
	// once per model, at parse, as dbt's UnsupportedConstraintMaterialization
	// (parser/schemas.py _validate_constraint_prerequisites)
	viewWarning := "models/people.yml:3:5: warning: Constraint types are not supported for view materializations and will be ignored.  " +
		"Set 'warn_unsupported: false' on this constraint to ignore this warning."
	if strings.Count(res.stdout, viewWarning) != 1 || strings.Contains(res.stdout, "is not applied") {
		t.Errorf("want the view warning once:\n%s", res.stdout)
	}
	noWarn := strings.NewReplacer("{type: not_null}, {type: primary_key}", "{type: not_null, warn_unsupported: false}, {type: primary_key, warn_unsupported: false}",
		"[{type: unique}]", "[{type: unique, warn_unsupported: false}]", "type: check\n", "type: check\n        warn_unsupported: false\n").Replace(view)
	dir = contractProject(t, "select cast(id as int) as id, name, age from {{ ref('raw_people') }}", noWarn)
	if res := mustElt(t, dir, "build"); strings.Contains(res.stdout, "Constraint types are not supported") {
		t.Errorf("a view warning although every constraint sets warn_unsupported: false:\n%s", res.stdout)
	}
	// A foreign key is not enforced on DuckDB: warned, not written.
	fk := peopleContract + "      - name: dummy\n        data_type: int\n        constraints: [{type: foreign_key, to: \"ref('raw_people')\", to_columns: [id]}]\n"
	dir = contractProject(t, "select cast(id as int) as id, name, age, 1 as dummy from {{ ref('raw_people') }}", fk)
	res = mustElt(t, dir, "build", "-s", "+people")
	if !strings.Contains(res.stdout, "The constraint type foreign_key on column dummy is not enforced by duckdb") {
		t.Errorf("no foreign key warning:\n%s", res.stdout)
	}

	for _, c := range []struct{ name, yml, want string }{
		{"incremental ignore", strings.Replace(peopleContract, "materialized: table", "materialized: incremental", 1),
			// dbt's message (artifacts/resources/v1/config.py; dbt's
			// tests/functional/configs/test_contract_configs.py)
			"Invalid value for on_schema_change: ignore. Models materialized as incremental with contracts enabled must set on_schema_change to 'append_new_columns' or 'fail'"},
		{"ephemeral", strings.Replace(peopleContract, "materialized: table", "materialized: ephemeral", 1),
			"contracts are not supported for ephemeral models"},
		{"bad constraint", strings.Replace(peopleContract, "type: unique", "type: uniq", 1), `column name: unknown constraint type "uniq"`},
		{"unknown contract key", strings.Replace(peopleContract, "contract: {enforced: true}", "contract: {enforced: true, strict: yes}", 1),
			"model people: contract: strict: true is not supported"}, // yes: a boolean, as dbt reads it
		{"check without expression", strings.Replace(peopleContract, "        expression: \"age is null or age >= 0\"\n", "", 1), "a check constraint needs an expression"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := contractProject(t, "select id, name, age from {{ ref('raw_people') }}", c.yml)
			res := elt(t, dir, "ls")
			if res.code != 2 || !strings.Contains(res.stderr+res.stdout, c.want) {
				t.Errorf("exit %d, want 2 and %q:\n%s%s", res.code, c.want, res.stdout, res.stderr)
			}
		})
	}
}

// TestContractUntypedColumnFailsTheModel: a contract column without
// data_type fails its model when it runs, not the parse: dbt raises
// ColumnTypeMissingError from get_empty_schema_sql, and writes the
// manifest (dbt's tests/functional/configs/test_contract_configs.py
// TestModelContractEnabledConfigsMissingDataTypes).
func TestContractUntypedColumnFailsTheModel(t *testing.T) {
	dir := contractProject(t, "select cast(id as int) as id, name, age from {{ ref('raw_people') }}",
		strings.Replace(peopleContract, "      - name: age\n        data_type: integer\n", "      - name: age\n", 1))
	res := elt(t, dir, "build")
	if res.code != 1 {
		t.Fatalf("build: exit %d, want 1\n%s%s", res.code, res.stdout, res.stderr)
	}
	wantAll(t, res.stdout, "  Compilation Error in model people (models/people.sql)\n", "  Contracted models require data_type to be defined for each column. "+
		"Please ensure that the column name and data_type are defined within the YAML configuration for the ['age'] column(s).",
		"OK loaded seed", "Done. PASS=1")
	var m struct {
		Nodes map[string]struct {
			Config struct {
				Contract struct{ Enforced bool } `json:"contract"`
			} `json:"config"`
		} `json:"nodes"`
	}
	readJSON(t, filepath.Join(dir, "target", "manifest.json"), &m)
	if !m.Nodes["model.p.people"].Config.Contract.Enforced {
		t.Errorf("manifest.json has no enforced contract for model.p.people")
	}
}

func TestContractIncremental(t *testing.T) {
	yml := strings.Replace(peopleContract, "materialized: table", "materialized: incremental\n      on_schema_change: fail", 1)
	dir := contractProject(t, "{{ config(unique_key='id') }}\nselect name, cast(id as int) as id, age from {{ ref('raw_people') }}\n{% if is_incremental() %}where id > (select max(id) from {{ this }}){% endif %}", yml)
	mustElt(t, dir, "build")
	// The first build created the table with the contract's constraints.
	db := openDB(t, filepath.Join(dir, "p.duckdb"))
	if got := queryRows(t, db, "select column_name || ' ' || is_nullable from information_schema.columns where table_name = 'people' order by ordinal_position"); got != "id NO\nname YES\nage YES" {
		t.Errorf("columns: %s", got)
	}
	db.Close()
	// An incremental run adding a row that breaks a constraint fails; the
	// table keeps its rows.
	writeFile(t, dir, "seeds/raw_people.csv", "id,name,age\n1,Ada,36\n2,Bob,\n3,Cy,-5\n")
	mustElt(t, dir, "seed")
	res := elt(t, dir, "run", "-s", "people")
	if res.code != 1 || !strings.Contains(res.stdout, "CHECK constraint failed") {
		t.Errorf("incremental run: exit %d\n%s", res.code, res.stdout)
	}
	if got := rowsOf(t, dir, "main.people"); got != "1|Ada|36\n2|Bob|" {
		t.Errorf("rows after the failed run: %q", got)
	}
}

// TestContractNakedNumericAsDBT: a contract column typed numeric (or
// decimal, number) without precision and scale gets dbt's warning (its
// default__get_empty_schema_sql, through exceptions.warn), which
// --warn-error makes the model's error.
func TestContractNakedNumericAsDBT(t *testing.T) {
	dir := contractProject(t, "select id, cast(age as decimal(10, 2)) as age, cast(age as double) as ratio from {{ ref('raw_people') }}", `models:
  - name: people
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - {name: id, data_type: integer}
      - {name: age, data_type: numeric}
      - {name: ratio, data_type: double}
`)
	res := mustElt(t, dir, "build")
	wantAll(t, res.stdout, "Detected columns with numeric type and unspecified precision/scale, this can lead to unintended rounding: ['age']`",
		"OK created sql table model main.people")
	res = elt(t, dir, "run", "-s", "people", "--warn-error")
	if res.code == 0 || !strings.Contains(res.stdout, "ERROR creating sql table model main.people") {
		t.Errorf("--warn-error: exit %d\n%s", res.code, res.stdout)
	}
}

// TestForeignKeyToCompiledInManifest: once a model is compiled, its
// foreign keys' to: (model-level and column-level) are the relations they
// name in manifest.json, as dbt's compile_node rewrites constraint.to
// (core/dbt/compilation.py:631-655); a parse's manifest keeps them as
// written, as dbt's does.
func TestForeignKeyToCompiledInManifest(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/parent.sql", "select 1 as id\n")
	writeFile(t, dir, "models/child.sql", "select 1 as id, 1 as t_id\n")
	writeFile(t, dir, "models/schema.yml", `sources:
  - name: raw
    tables: [{name: t}]
models:
  - name: child
    constraints:
      - type: foreign_key
        columns: [id]
        to: ref('parent')
        to_columns: [id]
    columns:
      - name: id
      - name: t_id
        constraints:
          - type: foreign_key
            to: source('raw', 't')
            to_columns: [id]
`)
	tos := func() [2]any {
		var m struct {
			Nodes map[string]struct {
				Constraints []map[string]any `json:"constraints"`
				Columns     map[string]struct {
					Constraints []map[string]any `json:"constraints"`
				} `json:"columns"`
			} `json:"nodes"`
		}
		readJSON(t, filepath.Join(dir, "target", "manifest.json"), &m)
		n := m.Nodes["model.p.child"]
		if len(n.Constraints) != 1 || len(n.Columns["t_id"].Constraints) != 1 {
			t.Fatalf("constraints: %+v", n)
		}
		return [2]any{n.Constraints[0]["to"], n.Columns["t_id"].Constraints[0]["to"]}
	}
	compiled := [2]any{`"p"."main"."parent"`, `"p"."raw"."t"`}
	raw := [2]any{"ref('parent')", "source('raw', 't')"}
	for _, step := range []struct {
		args []string
		want [2]any
	}{
		{[]string{"parse"}, raw},
		{[]string{"compile"}, compiled},
		{[]string{"compile", "-s", "parent"}, raw}, // child is not compiled
		{[]string{"compile"}, compiled},
		{[]string{"parse"}, raw},
	} {
		mustElt(t, dir, step.args...)
		if got := tos(); got != step.want {
			t.Errorf("after %v: to: got %v, want %v", step.args, got, step.want)
		}
	}
}

// TestPrimaryKeyDeclaredTwiceIsParseError: a primary key on two columns,
// or on a column and at the model level, stops parsing as dbt's
// _validate_pk_constraints does (parser/schemas.py), contract or not
// (dbt's tests/functional/configs/test_contract_configs.py
// TestPrimaryKeysMultipleColumns, TestPrimaryKeysModelAndColumnLevelConstraints).
func TestPrimaryKeyDeclaredTwiceIsParseError(t *testing.T) {
	for _, c := range []struct{ name, modelLevel, colorConstraints, want string }{
		{"two columns", "", "\n        constraints: [{type: primary_key}]",
			"Found 2 columns (['id', 'color']) with primary key constraints defined. Primary keys for multiple columns must be defined as a model level constraint."},
		{"model and column", "\n    constraints: [{type: primary_key, columns: [id]}]", "",
			"Primary key constraints defined at the model level and the columns level. Primary keys can be defined at the model level or the column level, not both."},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := miniProject(t, "")
			writeFile(t, dir, "models/my_model.sql", "{{ config(materialized='table') }}\nselect 1 as id, 'blue' as color\n")
			writeFile(t, dir, "models/schema.yml", "models:\n  - name: my_model"+c.modelLevel+
				"\n    columns:\n      - name: id\n        data_type: integer\n        constraints: [{type: primary_key}]\n      - name: color"+c.colorConstraints+"\n")
			res := elt(t, dir, "parse")
			if res.code != exitUsage {
				t.Fatalf("parse: exit %d, want %d\n%s%s", res.code, exitUsage, res.stdout, res.stderr)
			}
			wantAll(t, res.stderr, "models/schema.yml:2:5: Primary key constraint error: (models/my_model.sql)", c.want)
		})
	}
}

// TestContractPrerequisitesAtParse: a model that properties YAML patches
// with an enforced contract but no columns, or a Python model with one,
// stops parsing with dbt's message (parser/schemas.py
// _validate_constraint_prerequisites; dbt's
// tests/functional/configs/test_contract_configs.py
// TestSchemaContractEnabledConfigs, TestPythonModelLevelContractErrorMessages).
func TestContractPrerequisitesAtParse(t *testing.T) {
	for _, c := range []struct{ name, file, body, want string }{
		{"no columns", "models/my_model.sql", "select 1 as id\n",
			"Contract enforcement failed for: (models/my_model.sql)\nConstraints must be defined in a `yml` schema configuration file like `schema.yml`."},
		{"python", "models/my_model.py", "def model(dbt, session):\n    return None\n",
			"Contract enforcement failed for: (models/my_model.py)\nLanguage Error: Expected 'sql' but found 'python'"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := miniProject(t, "")
			writeFile(t, dir, c.file, c.body)
			cols := "\n    columns:\n      - name: id\n        data_type: integer\n"
			if c.name == "no columns" {
				cols = "\n"
			}
			writeFile(t, dir, "models/schema.yml", "models:\n  - name: my_model\n    config:\n      contract:\n        enforced: true"+cols)
			res := elt(t, dir, "parse")
			if res.code != exitUsage {
				t.Fatalf("parse: exit %d, want %d\n%s%s", res.code, exitUsage, res.stdout, res.stderr)
			}
			wantAll(t, res.stderr, "models/schema.yml:2:5: "+c.want)
		})
	}
}
