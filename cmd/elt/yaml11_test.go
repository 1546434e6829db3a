package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestYAML11AsDBT: dbt reads its YAML files, --vars and fromyaml with
// PyYAML (YAML 1.1), and so does elt: +enabled: no disables a folder, vars
// yes/off arrive as booleans, 017 is 15, 1:30 is 90, 1e3 stays a string;
// quoted values stay as written.
func TestYAML11AsDBT(t *testing.T) {
	dir := miniProject(t, "vars:\n  flag_yes: yes\n  flag_off: off\n  quoted: 'yes'\n  octal: 017\n  sexa: 1:30\n  notfloat: 1e3\n"+
		"models:\n  p:\n    +static_analysis: off\n    disabled_dir:\n      +enabled: no\n")
	writeFile(t, dir, "models/disabled_dir/d.sql", "select 1 as id\n")
	writeFile(t, dir, "models/m.sql", "select {{ var('flag_yes') is sameas true }} as yes_true, {{ var('flag_off') is sameas false }} as off_false,"+
		" '{{ var('quoted') }}' as quoted, {{ var('octal') }} as octal, {{ var('sexa') }} as sexa, '{{ var('notfloat') }}' as notfloat,"+
		" {{ var('cli') is sameas true }} as cli_on, '{{ fromyaml('a: on\\nb: 0o17')['a'] }} {{ fromyaml('a: on\\nb: 0o17')['b'] }}' as from_yaml\n")
	writeFile(t, dir, "models/m.yml", "models:\n  - name: m\n    config:\n      meta: {paged: no}\n")

	if res := mustElt(t, dir, "ls", "--resource-type", "model"); strings.TrimSpace(res.stdout) != "p.m" {
		t.Errorf("ls: want only p.m (disabled_dir has +enabled: no), got:\n%s", res.stdout)
	}
	mustElt(t, dir, "run", "--vars", "{cli: on}")
	if got, want := rowsOf(t, dir, "m"), "true|true|yes|15|90|1e3|true|True 0o17"; got != want {
		t.Errorf("m: got %s, want %s", got, want)
	}

	var m struct {
		Nodes map[string]struct {
			Config map[string]any `json:"config"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "target", "manifest.json"))), &m); err != nil {
		t.Fatal(err)
	}
	cfg := m.Nodes["model.p.m"].Config
	if cfg["static_analysis"] != false {
		t.Errorf("static_analysis: want false (+static_analysis: off), got %#v", cfg["static_analysis"])
	}
	if meta, _ := cfg["meta"].(map[string]any); meta["paged"] != false {
		t.Errorf("meta: want paged false (paged: no), got %#v", cfg["meta"])
	}
}
