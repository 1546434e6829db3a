package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
)

// TestCompileRunResultsLeaveOutEphemeralAsDBT: dbt's runnable task keeps
// no result of an ephemeral model (runnable.py _handle_result); compile
// adds them back only when --select is given (compile.py _handle_result).
func TestCompileRunResultsLeaveOutEphemeralAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/eph.sql", "{{ config(materialized='ephemeral') }} select 1 as id\n")
	writeFile(t, dir, "models/m.sql", "select * from {{ ref('eph') }}\n")
	ids := func() []string {
		var rr struct {
			Results []struct {
				UniqueID string `json:"unique_id"`
			} `json:"results"`
		}
		if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "target", "run_results.json"))), &rr); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rr.Results {
			out = append(out, r.UniqueID)
		}
		slices.Sort(out)
		return out
	}
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"compile"}, []string{"model.p.m"}},
		{[]string{"compile", "--exclude", "nothing_here"}, []string{"model.p.m"}},
		{[]string{"compile", "-s", "eph+"}, []string{"model.p.eph", "model.p.m"}},
		{[]string{"run"}, []string{"model.p.m"}},
	}
	for _, tc := range cases {
		mustElt(t, dir, tc.args...)
		if got := ids(); !slices.Equal(got, tc.want) {
			t.Errorf("%v: results %v, want %v", tc.args, got, tc.want)
		}
	}
}
