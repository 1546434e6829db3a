package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestStateModifiedResources: on a project of its own, state:modified
// with reasons for a macro changed in an installed package, a metric and a
// semantic model, and dbt's seed checksums: whitespace around a seed's
// contents is no change, and a seed over 1 MiB is compared by path only,
// with a warning.
func TestStateModifiedResources(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "dbt_packages/mypkg/dbt_project.yml", "name: mypkg\nversion: '1.0'\n")
	writeFile(t, dir, "dbt_packages/mypkg/macros/cols.sql",
		"{% macro cols() %}{{ mypkg.inner() }}{% endmacro %}\n{% macro inner() %}1{% endmacro %}\n")
	writeFile(t, dir, "models/m.sql", "select {{ mypkg.cols() }} as x, current_date as d\n")
	writeFile(t, dir, "models/other.sql", "select 2 as y\n")
	writeFile(t, dir, "models/metricflow_time_spine.sql", "select current_date as date_day\n") // dbt needs a time spine with semantic models
	writeFile(t, dir, "models/schema.yml", `version: 2
semantic_models:
  - name: m_sm
    model: ref('m')
    defaults: {agg_time_dimension: d_at}
    entities: [{name: thing, type: primary, expr: x}]
    dimensions: [{name: d_at, type: time, expr: d, type_params: {time_granularity: day}}]
    measures: [{name: total, agg: sum, expr: x}]
metrics:
  - name: total
    label: Total
    type: simple
    type_params: {measure: total}
`)
	writeFile(t, dir, "seeds/small.csv", "id,name\n1,a\n")
	big := "id,payload\n" + strings.Repeat("1,"+strings.Repeat("x", 98)+"\n", 11000)
	writeFile(t, dir, "seeds/big.csv", big)
	mustElt(t, dir, "parse")
	raw := mustRead(t, filepath.Join(dir, "target", "manifest.json"))
	var m struct {
		Nodes map[string]struct {
			Checksum map[string]string `json:"checksum"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatal(err)
	}
	if got, want := m.Nodes["seed.p.big"].Checksum, map[string]string{"name": "path", "checksum": "seeds/big.csv"}; !reflect.DeepEqual(got, want) {
		t.Errorf("checksum of a seed over 1 MiB: want %v, got %v", want, got)
	}
	// dbt hashes a seed's contents stripped of surrounding whitespace.
	if got := m.Nodes["seed.p.small"].Checksum; got["name"] != "sha256" || got["checksum"] != sha256Hex("id,name\n1,a") {
		t.Errorf("checksum of a small seed: want the sha256 of its stripped contents, got %v", got)
	}
	writeFile(t, dir, "prev/manifest.json", raw)

	writeFile(t, dir, "dbt_packages/mypkg/macros/cols.sql",
		"{% macro cols() %}{{ mypkg.inner() }}{% endmacro %}\n{% macro inner() %}2{% endmacro %}\n")
	writeFile(t, dir, "models/schema.yml", strings.NewReplacer("label: Total", "label: Grand total", "agg: sum", "agg: max").Replace(mustRead(t, filepath.Join(dir, "models", "schema.yml"))))
	writeFile(t, dir, "seeds/small.csv", "\nid,name\n1,a\n\n\n")
	writeFile(t, dir, "seeds/big.csv", strings.Replace(big, "1,x", "2,x", 1))

	res := mustElt(t, dir, "ls", "--select", "state:modified", "--state", "prev", "--output", "json")
	got := map[string][]string{}
	for _, line := range lines(res.stdout) {
		var obj struct {
			UniqueID string   `json:"unique_id"`
			Reasons  []string `json:"modified_reasons"`
		}
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			continue
		}
		got[obj.UniqueID] = obj.Reasons
	}
	want := map[string][]string{
		"model.p.m":             {"macros: macro.mypkg.inner"},
		"metric.p.total":        {"label"},
		"semantic_model.p.m_sm": {"measures"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("state:modified:\nwant %v\ngot  %v\n%s", want, got, res.stdout)
	}
	if out := res.stdout + res.stderr; !strings.Contains(out, "Found a seed (p.big) >1MB in size at the same path") {
		t.Errorf("no warning about the seed over 1 MiB:\n%s", out)
	}
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// TestLargeSeedStateWarningsAsDBT: a seed over 1 MiB is compared by its
// path; dbt warns which case it met (SeedNode.same_seeds): it grew over
// 1 MiB (SeedIncreased, modified), or its path changed
// (SeedExceedsLimitAndPathChanged, modified); --warn-error makes it an error.
func TestLargeSeedStateWarningsAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "seeds/big.csv", "id,payload\n1,x\n")
	mustElt(t, dir, "parse")
	writeFile(t, dir, "prev/manifest.json", mustRead(t, filepath.Join(dir, "target", "manifest.json")))
	big := "id,payload\n" + strings.Repeat("1,"+strings.Repeat("x", 98)+"\n", 11000)
	writeFile(t, dir, "seeds/big.csv", big)
	res := mustElt(t, dir, "ls", "--select", "state:modified", "--state", "prev")
	wantAll(t, res.stdout+res.stderr, "p.big", "Found a seed (p.big) >1MB in size. The previous file was <=1MB, so it has changed")
	// dbt raises the warning under --warn-error (warn_or_error), as its
	// test_modified_state.py TestChangedSeedContents asserts.
	res = elt(t, dir, "--warn-error", "ls", "--select", "state:modified", "--state", "prev")
	if res.code != exitUsage || strings.Contains(res.stdout, "p.big") || !strings.Contains(res.stderr, ">1MB") {
		t.Errorf("--warn-error: want exit %d with the >1MB error and no listing, got %d\nstdout: %s\nstderr: %s", exitUsage, res.code, res.stdout, res.stderr)
	}
	// Without a state: selector dbt compares no seeds, so it says nothing.
	res = mustElt(t, dir, "--warn-error", "ls", "--state", "prev")
	if strings.Contains(res.stdout+res.stderr, ">1MB") {
		t.Errorf("ls without state: warned about the seed:\n%s%s", res.stdout, res.stderr)
	}
	mustElt(t, dir, "parse")
	writeFile(t, dir, "prev/manifest.json", mustRead(t, filepath.Join(dir, "target", "manifest.json")))
	if err := os.Remove(filepath.Join(dir, "seeds", "big.csv")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "seeds/raw/big.csv", big)
	res = mustElt(t, dir, "ls", "--select", "state:modified", "--state", "prev")
	wantAll(t, res.stdout+res.stderr, "p.raw.big", "Found a seed (p.big) >1MB in size. The previous file was in a different location, assuming it has changed")
}
