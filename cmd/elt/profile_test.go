package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elt-dev/elt/history"
	"github.com/elt-dev/elt/quality"
)

func TestProfileCommand(t *testing.T) {
	dir := starterProject(t)
	if res := elt(t, dir, "build"); res.code != 0 {
		t.Fatalf("build: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	res := elt(t, dir, "profile", "--select", "raw_people", "people_per_city", "--output", "json")
	if res.code != 0 {
		t.Fatalf("profile: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	var out struct {
		InvocationID string                    `json:"invocation_id"`
		Profiles     []quality.RelationProfile `json:"profiles"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, res.stdout)
	}
	if len(out.Profiles) != 2 || out.Profiles[0].UniqueID != "model.demo.people_per_city" || out.Profiles[1].UniqueID != "seed.demo.raw_people" {
		t.Fatalf("profiles: got %+v", out.Profiles)
	}
	seed := out.Profiles[1]
	if seed.RowCount != 4 || len(seed.Columns) != 3 || seed.Columns[0].Name != "id" || seed.Columns[0].Max != 4.0 || *seed.Columns[0].Mean != 2.5 ||
		seed.Columns[2].Min != "Boston" || seed.Columns[2].DistinctCount != 4 {
		t.Errorf("raw_people profile: got %+v", seed)
	}
	counts := out.Profiles[0].Columns[1]
	if counts.Name != "people" || len(counts.TopValues) != 1 || counts.TopValues[0].Count != 4 || *counts.TopValues[0].Value != "1" {
		t.Errorf("people_per_city.people: got %+v", counts)
	}

	// The profile and its metrics are in the run history.
	st := openHistoryAt(t, history.Config{Path: filepath.Join(dir, ".elt", "history.db")})
	ctx := context.Background()
	profs, err := st.LatestProfiles(ctx, "seed.demo.raw_people")
	if err != nil || len(profs) != 1 || profs[0].InvocationID != out.InvocationID || !strings.Contains(string(profs[0].JSON), `"row_count":4`) {
		t.Fatalf("stored profile: got %+v, %v", profs, err)
	}
	series, err := st.Series(ctx, history.SeriesQuery{UniqueID: "seed.demo.raw_people", Column: "city", Metric: quality.MetricDistinctRate})
	if err != nil || len(series) != 1 || series[0].Value != 1 {
		t.Fatalf("distinct_rate series: got %+v, %v", series, err)
	}

	// The terminal table.
	res = elt(t, dir, "profile", "--select", "raw_people")
	if res.code != 0 || !strings.Contains(res.stdout, "seed.demo.raw_people (\"demo\".\"main\".\"raw_people\"): 4 rows") || !strings.Contains(res.stdout, "| city   | varchar | 0.0%  | 4 ") {
		t.Errorf("text output:\n%s%s", res.stdout, res.stderr)
	}
	if res := elt(t, dir, "profile", "--output", "yaml"); res.code != exitUsage || !strings.Contains(res.stderr, "--output must be text or json") {
		t.Errorf("bad --output: exit %d\n%s", res.code, res.stderr)
	}
}
