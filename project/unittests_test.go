package project

import (
	"reflect"
	"strings"
	"testing"
)

func TestUnitTestsParsed(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"models/orders.sql":                 "select 1 as id",
		"models/staging/unit.yml":           "version: 2\nunit_tests:\n  - name: t1\n    model: orders\n    description: checks\n    config: {tags: [fast], meta: {owner: ann}, enabled: true}\n    overrides:\n      macros: {is_incremental: true}\n      vars: {x: 1}\n      env_vars: {E: v}\n    given:\n      - input: ref('stg')\n        rows: [{id: 1, name: a}, {id: 2, extra: null}]\n      - input: source('raw', 'o')\n        format: csv\n        rows: |\n          id,name\n          1,\n      - input: this\n        format: sql\n        fixture: this_rows\n    expect:\n      format: csv\n      fixture: out\n",
		"tests/fixtures/out.csv":            "id\n1\n2\n",
		"tests/fixtures/deep/this_rows.sql": "select 1 as id",
	})
	if len(p.UnitTests) != 1 {
		t.Fatalf("unit tests = %v", p.UnitTests)
	}
	ut := p.UnitTests[0]
	if ut.UniqueID != "unit_test.shop.orders.t1" || ut.Description != "checks" || ut.File != "models/staging/unit.yml" {
		t.Errorf("unit test = %+v", ut)
	}
	if want := []string{"shop", "staging", "orders", "t1"}; !reflect.DeepEqual(ut.FQN, want) {
		t.Errorf("fqn = %v, want %v", ut.FQN, want)
	}
	if got := ut.Config["tags"]; !reflect.DeepEqual(got, []string{"fast"}) {
		t.Errorf("tags = %#v", got)
	}
	if ut.Overrides.Macros["is_incremental"] != true || ut.Overrides.Vars["x"] != 1 || ut.Overrides.EnvVars["E"] != "v" {
		t.Errorf("overrides = %+v", ut.Overrides)
	}
	g := ut.Given
	if len(g) != 3 || g[0].Input != "ref('stg')" || !reflect.DeepEqual(g[0].Columns, []string{"id", "name", "extra"}) || len(g[0].Rows) != 2 {
		t.Fatalf("given[0] = %+v", g[0])
	}
	if g[1].Format != "csv" || g[1].Rows[0]["id"] != "1" || g[1].Rows[0]["name"] != nil {
		t.Errorf("csv given = %+v (an empty field is NULL)", g[1].Rows)
	}
	if g[2].Input != "this" || g[2].SQL != "select 1 as id" {
		t.Errorf("sql fixture given = %+v", g[2])
	}
	if ut.Expect.Fixture != "out" || len(ut.Expect.Rows) != 2 || ut.Expect.Rows[1]["id"] != "2" {
		t.Errorf("expect = %+v", ut.Expect)
	}
}

func TestUnitTestsSeedRows(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"seeds/codes.csv": "code,label\nA,alpha\n",
		"models/m.sql":    "select * from {{ ref('codes') }}",
		"models/unit.yml": "version: 2\nunit_tests:\n  - name: t\n    model: m\n    given:\n      - input: ref('codes')\n    expect: {rows: [{code: A}]}\n",
	})
	fx := p.UnitTests[0].Given[0]
	if len(fx.Rows) != 1 || fx.Rows[0]["label"] != "alpha" {
		t.Errorf("rows from the seed = %+v", fx.Rows)
	}
}

func TestUnitTestsBadInput(t *testing.T) {
	head := "version: 2\nunit_tests:\n  - name: t\n    model: m\n"
	cases := []struct {
		name, yml string
		want      []string
	}{
		{"unknown key", head + "    expect: {rows: []}\n    givn: []\n", []string{"models/unit.yml:6:5", `unknown key "givn" in unit test "t"`}},
		{"unknown given key", head + "    given:\n      - input: ref('x')\n        row: []\n    expect: {rows: []}\n", []string{"models/unit.yml:7:9", `unknown key "row"`}},
		{"unknown expect key", head + "    expect: {rows: [], fromat: csv}\n", []string{"models/unit.yml:5:24", `unknown key "fromat"`}},
		{"unknown override", head + "    overrides: {macro: {}}\n    expect: {rows: []}\n", []string{"models/unit.yml:5:17", `unknown key "macro"`}},
		{"unknown config", head + "    config: {severity: warn}\n    expect: {rows: []}\n", []string{"models/unit.yml:5:14", `unknown key "severity"`}},
		{"no expect", head, []string{"models/unit.yml:3:5", "has no expect"}},
		{"no model", "version: 2\nunit_tests:\n  - name: t\n    expect: {rows: []}\n", []string{"models/unit.yml:3:5", "has no model"}},
		{"bad format", head + "    expect: {rows: [], format: json}\n", []string{"models/unit.yml:5:32", `unknown fixture format "json"`}},
		{"dict rows not a list", head + "    expect: {rows: 'a,b'}\n", []string{"models/unit.yml:5:20", "do not match format dict"}},
		{"csv rows not a string", head + "    expect: {format: csv, rows: [{a: 1}]}\n", []string{"models/unit.yml:5:13", "do not match format csv"}},
		{"missing fixture", head + "    expect: {format: csv, fixture: nope}\n", []string{"models/unit.yml:5:13", "File not found for fixture 'nope' in unit tests in models/unit.yml"}},
		{"no input", head + "    given: [{rows: []}]\n    expect: {rows: []}\n", []string{"models/unit.yml:5:13", "has no input"}},
		{"versions not a mapping", head + "    versions: [1]\n    expect: {rows: []}\n", []string{"models/unit.yml:5:15", "versions must be a mapping"}},
		{"versions unknown key", head + "    versions: {only: [1]}\n    expect: {rows: []}\n", []string{"models/unit.yml:5:16", `unknown key "only"`}},
		{"versions include not a list", head + "    versions: {include: 1}\n    expect: {rows: []}\n", []string{"models/unit.yml:5:25", "must be a list of versions"}},
		{"not a seed", head + "    given: [{input: ref('m')}]\n    expect: {rows: []}\n", []string{"models/unit.yml:5:13", `Unable to find seed 'shop.m' for unit tests in directories: ['seeds']`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := newProject(t, map[string]string{"models/m.sql": "select 1 as a", "models/unit.yml": c.yml})
			_, err := loadDir(t, dir, Options{})
			if err == nil {
				t.Fatal("loaded without error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestUnitTestsProjectConfig(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml": baseProject + "unit_tests:\n  shop:\n    +tags: [unit]\n    m:\n      +enabled: false\n",
		"models/m.sql":    "select 1 as a",
		"models/n.sql":    "select 1 as a",
		"models/unit.yml": "version: 2\nunit_tests:\n  - name: t\n    model: m\n    expect: {rows: []}\n  - name: u\n    model: n\n    config: {tags: [own]}\n    expect: {rows: []}\n",
	})
	if len(p.UnitTests) != 2 {
		t.Fatalf("unit tests: %d", len(p.UnitTests))
	}
	if got := p.UnitTests[0].Config["enabled"]; got != false {
		t.Errorf("t enabled = %v (dbt_project.yml unit_tests: config by model)", got)
	}
	if got := p.UnitTests[1].Config["tags"]; !reflect.DeepEqual(got, []string{"unit", "own"}) {
		t.Errorf("u tags = %#v", got)
	}
	for _, w := range p.Warnings {
		if strings.Contains(w.Error(), "do not apply to any resources") {
			t.Errorf("warning: %v", w)
		}
	}
}
