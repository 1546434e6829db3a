package project

import (
	"testing"
)

func TestQualityBlockAccepted(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"models/orders.sql": "select 1 as id, current_timestamp as updated_at, 'a@b.co' as email",
		"models/schema.yml": `version: 2
models:
  - name: orders
    config:
      quality:
        severity: error
        volume: {anomaly: {sensitivity: 3, min_history: 7, seasonality: weekly}}
        freshness: {column: updated_at, max: 86400}
        null_rate: {email: {max: 0.05}}
        custom:
          - {name: ids, expression: "sum(id)", min: 1}
    meta:
      quality:
        distinct_rate: {id: {anomaly: {}}}
    columns:
      - name: email
        config:
          quality:
            null_rate: {max: 0.1, severity: warn}
            distinct_rate:
            drift: {psi_max: 0.2, ks_max: 0.1, min_history: 5}
`,
	})
	n := p.Nodes["model.shop.orders"]
	q, ok := n.Config["quality"].(map[string]any)
	if !ok || q["severity"] != "error" {
		t.Fatalf("node config quality: got %#v", n.Config["quality"])
	}
	if mq, _ := n.Config["meta"].(map[string]any); mq["quality"] == nil {
		t.Fatalf("meta quality: got %#v", n.Config["meta"])
	}
	if len(n.Columns) != 1 || n.Columns[0].Quality["null_rate"] == nil {
		t.Fatalf("column quality: got %#v", n.Columns)
	}
	if _, ok := n.Columns[0].Quality["distinct_rate"]; !ok {
		t.Fatalf("column quality distinct_rate (null: defaults) is lost: %#v", n.Columns[0].Quality)
	}
}

func TestQualityBlockBadInput(t *testing.T) {
	cases := []struct {
		name, yaml, want string
		line             int
	}{
		{"unknown metric", "    config:\n      quality:\n        volumne: {}\n", `unknown key "volumne"`, 6},
		{"bad seasonality", "    config:\n      quality:\n        volume: {anomaly: {seasonality: monthly}}\n", "seasonality must be none or weekly", 6},
		{"bad severity", "    config:\n      quality:\n        volume: {severity: fatal}\n", "severity must be warn or error", 6},
		{"min not a number", "    config:\n      quality:\n        volume: {min: lots}\n", "min must be a number", 6},
		{"custom without expression", "    config:\n      quality:\n        custom:\n          - {name: x}\n", "needs name: and expression:", 7},
		{"null rate on a node without a column", "    config:\n      quality:\n        null_rate: {max: 0.1}\n", `maps column names to checks: "max" is a check setting`, 6},
		{"column level key", "    columns:\n      - name: id\n        config:\n          quality:\n            volume: {}\n", `unknown key "volume"`, 8},
		{"bad sensitivity in meta", "    meta:\n      quality:\n        volume: {anomaly: {sensitivity: -1}}\n", "sensitivity must be a positive number", 6},
		{"bad drift limit", "    columns:\n      - name: id\n        config:\n          quality:\n            drift: {psi_max: lots}\n", "drift psi_max must be a positive number", 8},
		{"bad min_history", "    config:\n      quality:\n        volume: {anomaly: {min_history: 2.5}}\n", "min_history must be a whole number", 6},
		{"freshness without a column", "    config:\n      quality:\n        freshness: {max: 3600}\n", "quality freshness needs column:", 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := loadDir(t, newProject(t, map[string]string{
				"models/orders.sql": "select 1 as id",
				"models/schema.yml": "version: 2\nmodels:\n  - name: orders\n" + c.yaml,
			}), Options{})
			l := diagList(t, err)
			d, ok := findDiag(l, c.want)
			if !ok {
				t.Fatalf("want a diagnostic with %q, got %v", c.want, l)
			}
			if d.File != "models/schema.yml" || d.Pos.Line != c.line || d.Hint == "" {
				t.Errorf("want models/schema.yml:%d with a hint, got %s:%d (hint %q)", c.line, d.File, d.Pos.Line, d.Hint)
			}
		})
	}
}

// TestSourceQualityFreshness: a source table's quality freshness without a
// column reads its loaded_at_field (the source's or the table's); with
// neither it is a positioned error.
func TestSourceQualityFreshness(t *testing.T) {
	src := func(loadedAt string) map[string]string {
		return map[string]string{"models/sources.yml": "version: 2\nsources:\n  - name: raw\n" + loadedAt + "    tables:\n      - name: events\n        config:\n          quality:\n            freshness: {max: 3600}\n"}
	}
	p := mustLoad(t, src("    loaded_at_field: _loaded_at\n"))
	if st := p.Sources["source.shop.raw.events"]; st == nil || st.LoadedAtField != "_loaded_at" {
		t.Fatalf("source: got %+v", st)
	}
	_, err := loadDir(t, newProject(t, src("")), Options{})
	l := diagList(t, err)
	d, ok := findDiag(l, "source table raw.events: quality freshness has no column and the table no loaded_at_field")
	if !ok {
		t.Fatalf("want a diagnostic, got %v", l)
	}
	if d.File != "models/sources.yml" || d.Pos.Line != 5 || d.Hint == "" {
		t.Errorf("want models/sources.yml:5 with a hint, got %s:%d (hint %q)", d.File, d.Pos.Line, d.Hint)
	}
}
