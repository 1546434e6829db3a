package project

import (
	"sort"
	"strings"
	"testing"
)

func TestModelVersionsLoad(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml":      baseProject,
		"profiles.yml":         baseProfiles,
		"models/orders_v1.sql": "select 1 as id, 2 as amount, 3 as old_col",
		"models/orders.sql":    "select 1 as id, 2 as amount",
		"models/next.sql":      "select 1 as id",
		"models/orders.yml": `version: 2
models:
  - name: orders
    description: all orders
    deprecation_date: 2030-01-01
    config: {materialized: table, tags: [a]}
    columns:
      - name: id
        description: the id
      - name: amount
      - name: old_col
    versions:
      - v: 1
        config: {tags: [b]}
        columns:
          - include: "*"
            exclude: [amount]
          - name: id
            description: the first id
      - v: 2
        columns:
          - include: [id, amount]
      - v: "2.5"
        defined_in: next
        description: preview
        deprecation_date: 2031-01-01
    latest_version: 2
`,
	})
	type want struct {
		name, file, desc, cols, tags, mat, latest, depr string
		fqn                                             []string
	}
	for id, w := range map[string]want{
		"model.shop.orders.v1":   {"orders", "models/orders_v1.sql", "all orders", "id:the first id,old_col", "a,b", "table", "2", "2030-01-01", []string{"shop", "orders", "v1"}},
		"model.shop.orders.v2":   {"orders", "models/orders.sql", "all orders", "id:the id,amount", "a", "table", "2", "2030-01-01", []string{"shop", "orders", "v2"}},
		"model.shop.orders.v2.5": {"orders", "models/next.sql", "preview", "id:the id,amount,old_col", "a", "table", "2", "2031-01-01", []string{"shop", "orders", "v2.5"}},
	} {
		n := p.Nodes[id]
		if n == nil {
			t.Errorf("no node %s; nodes %v", id, sortedKeys(p.Nodes))
			continue
		}
		var cols []string
		for _, c := range n.Columns {
			s := c.Name
			if c.Description != "" {
				s += ":" + c.Description
			}
			cols = append(cols, s)
		}
		got := want{n.Name, n.OriginalFilePath, n.Description, strings.Join(cols, ","), strings.Join(toStringList(n.Config["tags"]), ","), VersionText(n.Config["materialized"]),
			n.LatestVersionText(), n.DeprecationDate, n.FQN}
		wantEqual(t, id, got, w)
	}
	if len(p.Nodes) != 3 {
		t.Errorf("nodes %v", sortedKeys(p.Nodes))
	}
	if v := p.Nodes["model.shop.orders.v1"].Version; v != 1 {
		t.Errorf("v1 version = %#v", v)
	}
	if !p.Nodes["model.shop.orders.v2"].IsLatestVersion() || p.Nodes["model.shop.orders.v1"].IsLatestVersion() {
		t.Error("IsLatestVersion wrong")
	}
}

func TestModelVersionsErrors(t *testing.T) {
	for _, tc := range []struct{ name, yml, want string }{
		{"include and exclude twice", "      - v: 1\n        columns:\n          - include: all\n          - exclude: [a]\n", "models/m.yml:8:13: version 1 can have at most one include/exclude element (the other at line 7)"},
		{"bad include", "      - v: 1\n        columns:\n          - include: some\n", "models/m.yml:7:22: version 1: include must be one of 'all', '*' or a list of column names, not \"some\""},
		{"exclude with a list", "      - v: 1\n        columns:\n          - include: [a]\n            exclude: [b]\n", "models/m.yml:8:22: version 1: exclude can only be specified if include is 'all' or '*'"},
		{"no v", "      - defined_in: m_v1\n", "models/m.yml:5:9: model \"m\": a versions entry has no v"},
		{"not a list", "      v: 1\n", "models/m.yml:5:7: model \"m\": versions must be a list, not a mapping"},
		{"unversioned file of the same name", "      - v: 1\n", "models/m.yml:5:9: model \"m\" has versions, and models/m.sql is another resource named \"m\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := newProject(t, map[string]string{
				"dbt_project.yml": baseProject,
				"profiles.yml":    baseProfiles,
				"models/m_v1.sql": "select 1 as a",
				"models/m.sql":    "select 1 as a",
				"models/m.yml":    "version: 2\nmodels:\n  - name: m\n    versions:\n" + tc.yml,
			})
			_, err := loadDir(t, dir, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestDeprecationDateUnversioned(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml":  baseProject,
		"profiles.yml":     baseProfiles,
		"models/old.sql":   "select 1 as id",
		"models/props.yml": "version: 2\nmodels:\n  - name: old\n    deprecation_date: 2030-06-01\n",
	})
	if d := p.Nodes["model.shop.old"].DeprecationDate; d != "2030-06-01" {
		t.Errorf("deprecation_date = %q", d)
	}
}

// TestVersionTestsKeyAsDBT: a version takes the model's tests unless it
// has tests of its own: a null data_tests:, and a tests: that is null or
// empty (dbt renames tests: only when it is not empty), leave the model's;
// data_tests: [] removes them (unparsed.py get_tests_for_version).
func TestVersionTestsKeyAsDBT(t *testing.T) {
	for _, tc := range []struct{ name, entry, want string }{
		{"tests null", "tests:", "custom,not_null"},
		{"data_tests null", "data_tests:", "custom,not_null"},
		{"tests empty", "tests: []", "custom,not_null"},
		{"data_tests empty", "data_tests: []", "not_null"},
		{"own tests", "tests: [unique]", "not_null,unique"},
		{"no key", "description: x", "custom,not_null"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustLoad(t, map[string]string{
				"dbt_project.yml": baseProject,
				"profiles.yml":    baseProfiles,
				"models/m.sql":    "select 1 as id",
				"models/m.yml": `models:
  - name: m
    tests: [custom]
    versions:
      - v: 1
        ` + tc.entry + `
        columns:
          - name: id
            tests: [not_null]
`,
			})
			var got []string
			for _, d := range p.GenericTests {
				if d.AttachedName == "m" && d.AttachedVersion == "1" {
					got = append(got, d.TestName)
				}
			}
			sort.Strings(got)
			if s := strings.Join(got, ","); s != tc.want {
				t.Errorf("tests of m v1: got %s, want %s", s, tc.want)
			}
		})
	}
}
