package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elt-dev/elt/docs/schematest"
)

const freshnessSources = `version: 2
sources:
  - name: raw
    freshness:
      warn_after: {count: 1, period: hour}
      error_after: {count: 1, period: day}
    loaded_at_field: loaded_at
    tables:
      - name: fresh
      - name: stale_warn
      - name: stale_error
      - name: filtered
        freshness:
          filter: "id < 2"
      - name: by_query
        config:
          loaded_at_query: "select max(loaded_at) - interval 30 minute from {{ this }}"
        identifier: fresh
      - name: cleared
        freshness: null
      - name: warn_only
        identifier: stale_error
        freshness:
          error_after: null
      - name: no_field
        identifier: fresh
        loaded_at_field: null
  - name: other
    tables:
      - name: untouched
`

func freshnessProject(t *testing.T) string {
	t.Helper()
	dir := miniProject(t, "")
	writeFile(t, dir, "models/sources.yml", freshnessSources)
	execDuckDB(t, filepath.Join(dir, "p.duckdb"),
		"create schema raw",
		"create table raw.fresh (id int, loaded_at timestamptz)",
		"insert into raw.fresh values (1, now() - interval 2 minute)",
		"create table raw.stale_warn (id int, loaded_at timestamptz)",
		"insert into raw.stale_warn values (1, now() - interval 3 hour)",
		"create table raw.stale_error (id int, loaded_at timestamptz)",
		"insert into raw.stale_error values (1, now() - interval 2 day)",
		"create table raw.filtered (id int, loaded_at timestamptz)",
		"insert into raw.filtered values (1, now() - interval 3 day), (2, now())",
	)
	return dir
}

func TestSourceFreshness(t *testing.T) {
	dir := freshnessProject(t)
	res := elt(t, dir, "source", "freshness")
	if res.code != 1 {
		t.Fatalf("want exit 1 (a source is past error_after), got %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	wantAll(t, res.stdout,
		"PASS freshness of raw.fresh", "WARN freshness of raw.stale_warn", "ERROR STALE freshness of raw.stale_error",
		"ERROR STALE freshness of raw.filtered", "PASS freshness of raw.by_query", "WARN freshness of raw.warn_only",
		"ERROR freshness of raw.no_field", "no 'loaded_at_field' provided and duckdb adapter does not support metadata-based freshness checks",
		"Finished running 7 sources",
		"models/sources.yml:25:9: warning: The configured adapter does not support metadata-based freshness. A loaded_at_field must be specified for source 'raw.no_field'.",
	)
	if strings.Contains(res.stdout, "raw.cleared") || strings.Contains(res.stdout, "other.untouched") {
		t.Errorf("a source without freshness was checked:\n%s", res.stdout)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "target", "sources.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := schematest.ValidateSources(raw); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	byID := map[string]map[string]any{}
	for _, r := range doc.Results {
		byID[r["unique_id"].(string)] = r
	}
	check := func(id, status string, minAge, maxAge float64) {
		t.Helper()
		r := byID[id]
		if r == nil {
			t.Errorf("sources.json lacks %s", id)
			return
		}
		if r["status"] != status {
			t.Errorf("%s: status %v, want %s", id, r["status"], status)
		}
		if age, _ := r["max_loaded_at_time_ago_in_s"].(float64); status != "runtime error" && (age < minAge || age > maxAge) {
			t.Errorf("%s: age %v, want between %v and %v", id, age, minAge, maxAge)
		}
	}
	check("source.p.raw.fresh", "pass", 100, 300)
	check("source.p.raw.stale_warn", "warn", 3*3600-60, 3*3600+300)
	check("source.p.raw.stale_error", "error", 2*86400-60, 2*86400+300)
	check("source.p.raw.filtered", "error", 3*86400-60, 3*86400+300)
	check("source.p.raw.by_query", "pass", 32*60-60, 32*60+300)
	check("source.p.raw.warn_only", "warn", 2*86400-60, 2*86400+300)
	check("source.p.raw.no_field", "runtime error", 0, 0)
	if len(doc.Results) != 7 {
		t.Errorf("want 7 results, got %d", len(doc.Results))
	}
	// The table's filter merges into the source's thresholds.
	crit := byID["source.p.raw.filtered"]["criteria"].(map[string]any)
	if crit["filter"] != "id < 2" || crit["error_after"].(map[string]any)["period"] != "day" {
		t.Errorf("filtered criteria: %v", crit)
	}
	if c := byID["source.p.raw.warn_only"]["criteria"].(map[string]any); c["error_after"] != nil {
		t.Errorf("error_after: null did not clear: %v", c)
	}

	// Selection narrows the check, and --output moves the file.
	res = elt(t, dir, "source", "freshness", "-s", "source:raw.fresh", "-o", "out/fresh.json")
	if res.code != 0 || !strings.Contains(res.stdout, "Finished running 1 source ") {
		t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	raw, err = os.ReadFile(filepath.Join(dir, "out", "fresh.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := schematest.ValidateSources(raw); err != nil || !strings.Contains(string(raw), `"status":"pass"`) {
		t.Fatalf("%v\n%s", err, raw)
	}

	// A warning alone exits 0, as in dbt.
	if res := elt(t, dir, "source", "freshness", "-s", "source:raw.stale_warn"); res.code != 0 || !strings.Contains(res.stdout, "WARN freshness of raw.stale_warn") {
		t.Errorf("warn only: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}

	// The manifest carries the merged freshness and loaded_at_query.
	mustElt(t, dir, "parse")
	m := readManifest(t, dir)
	src := m["sources"].(map[string]any)["source.p.raw.by_query"].(map[string]any)
	if src["loaded_at_query"] != "select max(loaded_at) - interval 30 minute from {{ this }}" || src["loaded_at_field"] != nil {
		t.Errorf("by_query: loaded_at_field %v, loaded_at_query %v", src["loaded_at_field"], src["loaded_at_query"])
	}
	if m["sources"].(map[string]any)["source.p.raw.cleared"].(map[string]any)["freshness"] != nil {
		t.Errorf("freshness: null did not clear the source's freshness")
	}
}

func TestSourceFreshnessBadInput(t *testing.T) {
	for _, c := range []struct{ name, yml, want string }{
		{"period", "      warn_after: {count: 1, period: week}\n", "models/sources.yml:6:38: warn_after.period \"week\" is not a period dbt knows"},
		{"count", "      warn_after: {count: many, period: hour}\n", "models/sources.yml:6:27: warn_after.count must be a whole number"},
		{"half", "      error_after: {count: 3}\n", "models/sources.yml:8:9: source table raw.t: freshness error_after has a count or a period but not both"},
		{"unknown", "      warn_afer: {count: 1, period: hour}\n", "models/sources.yml:6:7: unknown key \"warn_afer\" in freshness"},
		{"inner", "      warn_after: {count: 1, period: hour, unit: x}\n", "models/sources.yml:6:44: unknown key \"unit\" in warn_after"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := miniProject(t, "")
			writeFile(t, dir, "models/sources.yml", "version: 2\nsources:\n  - name: raw\n    loaded_at_field: x\n    freshness:\n"+c.yml+"    tables:\n      - name: t\n")
			res := elt(t, dir, "source", "freshness")
			if res.code != 2 || !strings.Contains(res.stderr, c.want) {
				t.Fatalf("exit %d, want 2 with %q\n%s%s", res.code, c.want, res.stdout, res.stderr)
			}
		})
	}
	t.Run("field and query", func(t *testing.T) {
		dir := miniProject(t, "")
		writeFile(t, dir, "models/sources.yml", "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: t\n        loaded_at_field: x\n        loaded_at_query: select 1\n")
		res := elt(t, dir, "parse")
		if res.code != 2 || !strings.Contains(res.stderr, "models/sources.yml:7:26: loaded_at_field (line 6) and loaded_at_query cannot both be set") {
			t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
		}
	})
}

// TestSourceSnapshotFreshnessAlias: dbt's old name for source freshness
// still runs it, and an unknown subcommand of a command group is a usage
// error (exit 2), not its help with exit 0.
func TestSourceSnapshotFreshnessAlias(t *testing.T) {
	dir := freshnessProject(t)
	res := elt(t, dir, "source", "snapshot-freshness", "-s", "source:raw.fresh", "-o", "out/fresh.json")
	if res.code != 0 || !strings.Contains(res.stdout, "PASS freshness of raw.fresh") {
		t.Fatalf("snapshot-freshness: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "fresh.json")); err != nil {
		t.Errorf("no results file: %v", err)
	}
	for _, args := range [][]string{{"source", "nope"}, {"docs", "nope"}, {"jobs", "nope"}} {
		res := elt(t, dir, args...)
		if res.code != 2 || !strings.Contains(res.stderr+res.stdout, `unknown command "nope"`) {
			t.Errorf("elt %s: exit %d\n%s%s", strings.Join(args, " "), res.code, res.stdout, res.stderr)
		}
	}
}

// TestLoadedAtFieldEmptyAsDBT: an empty loaded_at_field is dbt's parse
// error; null clears the source's, as before.
func TestLoadedAtFieldEmptyAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/schema.yml", `sources:
  - name: s
    freshness: {warn_after: {count: 1, period: day}}
    loaded_at_field: updated_at
    tables:
      - name: t1
        loaded_at_field: ""
`)
	res := elt(t, dir, "parse")
	if want := "models/schema.yml:7:26: loaded_at_field cannot be an empty string."; res.code != 2 || !strings.Contains(res.stdout+res.stderr, want) {
		t.Errorf("exit %d, want %q:\n%s%s", res.code, want, res.stdout, res.stderr)
	}
	writeFile(t, dir, "models/schema.yml", "sources:\n  - name: s\n    loaded_at_field: updated_at\n    tables:\n      - name: t1\n        loaded_at_field: null\n")
	mustElt(t, dir, "parse")
}
