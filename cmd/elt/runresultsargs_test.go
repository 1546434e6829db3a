package main

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
)

// TestRunResultsArgsAsDBT: run_results.json's args are dbt's args_to_dict
// (no None values, no false fail_fast or full_refresh, no threads when not
// given, [] for no exclusion), its invocation_command the command line
// as given, and a DuckDB model's adapter_response dbt-duckdb's {"_message":
// "OK"}, without rows_affected.
func TestRunResultsArgsAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/v.sql", "select 1 as id\n")
	writeFile(t, dir, "models/tb.sql", "{{ config(materialized='table') }}\nselect 1 as id\n")
	mustElt(t, dir, "run", "-s", "v", "tb", "--vars", "{day: 1}")
	var rr struct {
		Results []struct {
			UniqueID        string         `json:"unique_id"`
			AdapterResponse map[string]any `json:"adapter_response"`
		} `json:"results"`
		Args map[string]any `json:"args"`
	}
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "target", "run_results.json"))), &rr); err != nil {
		t.Fatal(err)
	}
	for _, r := range rr.Results {
		if want := map[string]any{"_message": "OK"}; !reflect.DeepEqual(r.AdapterResponse, want) {
			t.Errorf("%s adapter_response: want %v, got %v", r.UniqueID, want, r.AdapterResponse)
		}
	}
	for _, k := range []string{"threads", "fail_fast", "full_refresh", "debug", "store_failures", "no_print", "target_path"} {
		if v, ok := rr.Args[k]; ok {
			t.Errorf("args[%q] = %v: dbt's args_to_dict leaves it out", k, v)
		}
	}
	for k, want := range map[string]any{
		"which":                              "run",
		"invocation_command":                 "elt run -s v tb --vars {day: 1}",
		"select":                             []any{"v", "tb"},
		"exclude":                            []any{},
		"vars":                               map[string]any{"day": float64(1)},
		"empty":                              false,
		"defer":                              false,
		"favor_state":                        false,
		"print":                              true,
		"log_level":                          "info",
		"log_format":                         "default",
		"printer_width":                      float64(80),
		"warn_error_options":                 map[string]any{"error": []any{}, "warn": []any{}, "silence": []any{}},
		"source_freshness_run_project_hooks": true,
	} {
		if got := rr.Args[k]; !reflect.DeepEqual(got, want) {
			t.Errorf("args[%q]: want %#v, got %#v", k, want, got)
		}
	}
}
