package project

import (
	"testing"
)

// TestYAML11ProjectFiles: dbt_project.yml, properties and profiles.yml
// read plain scalars as dbt's loader (PyYAML, YAML 1.1) does.
func TestYAML11ProjectFiles(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml": baseProject + "vars:\n  flag_yes: yes\n  flag_off: Off\n  quoted: 'on'\n  octal: 017\n  sexa: 1:30\n  notfloat: 1e3\n  day: 2024-01-31\n" +
			"models:\n  shop:\n    +static_analysis: off\n    old:\n      +enabled: no\n",
		"models/a.sql":     "select 1 as id",
		"models/old/b.sql": "select 1 as id",
		"models/a.yml":     "models:\n  - name: a\n    config:\n      meta: {paged: no, level: 0o17}\n    columns:\n      - name: 'no'\n",
		"profiles.yml":     "shop:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      host: h\n      port: 5432\n      user: u\n      password: 'no'\n      dbname: d\n      schema: s\n      sslmode: prefer\n      threads: 4\n      keepalives_idle: 0\n",
	})
	wantEqual(t, "vars", p.Config.Vars, map[string]any{
		"flag_yes": true, "flag_off": false, "quoted": "on", "octal": 15, "sexa": 90, "notfloat": "1e3", "day": "2024-01-31",
	})
	if b := p.Nodes["model.shop.b"]; b != nil && b.Config["enabled"] != false {
		t.Errorf("+enabled: no left model b enabled: %v", b.Config["enabled"])
	}
	a := p.Nodes["model.shop.a"]
	if a == nil {
		t.Fatal("model a not loaded")
	}
	wantEqual(t, "static_analysis", a.Config["static_analysis"], false)
	wantEqual(t, "meta", a.Config["meta"], map[string]any{"paged": false, "level": "0o17"})
	if len(a.Columns) != 1 || a.Columns[0].Name != "no" {
		t.Errorf("a quoted column name stays as written: %+v", a.Columns)
	}
	for k, v := range map[string]any{"port": 5432, "password": "no", "sslmode": "prefer", "threads": 4} {
		wantEqual(t, "profile "+k, p.Target.Fields[k], v)
	}
}

// TestYAML11BooleanName: `- name: no` is a boolean in dbt, which refuses
// it as a name; elt says so at its line rather than naming a column True.
func TestYAML11BooleanName(t *testing.T) {
	_, err := loadDir(t, newProject(t, map[string]string{
		"models/a.sql": "select 1 as id",
		"models/a.yml": "models:\n  - name: a\n    columns:\n      - name: id\n      - name: no\n",
	}), Options{})
	d, ok := findDiag(diagList(t, err), "columns entry name must be a string, not a bool (False)")
	if !ok || d.File != "models/a.yml" || d.Pos.Line != 5 {
		t.Errorf("want the name refused at models/a.yml:5, got %v", err)
	}
}
