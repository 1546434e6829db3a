package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// microbatchInputSQL is dbt-core's tests/functional/microbatch input_model
// (its "-0" offsets written "+00", which DuckDB's TIMESTAMP takes).
const microbatchInputSQL = `{{ config(materialized='table', event_time='event_time') }}
select 1 as id, TIMESTAMP '2020-01-01 00:00:00+00' as event_time
union all
select 2 as id, TIMESTAMP '2020-01-02 00:00:00+00' as event_time
union all
select 3 as id, TIMESTAMP '2020-01-03 00:00:00+00' as event_time
`

// TestMicrobatchFirstBatchFailureSkipsTheRest: as dbt's
// MicrobatchModelRunner.execute (task/run.py: skip_batches when the first
// batch's result is no success) and dbt-core's
// TestMicrobatchInitialBatchFailure: when the first batch fails, the
// later batches are skipped (a SKIP line each, counted failed in
// batch_results), the model is an error (message "ERROR", from
// merge_batch_results), not a partial success, and on a first run no
// table is left.
func TestMicrobatchFirstBatchFailureSkipsTheRest(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/input_model.sql", microbatchInputSQL)
	writeFile(t, dir, "models/microbatch_model.sql", `{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='event_time', batch_size='day', begin=modules.datetime.datetime(2020, 1, 1, 0, 0, 0)) }}
{% if '2020-01-01' in (model.config.__dbt_internal_microbatch_event_time_start | string) %}
 invalid_sql
{% endif %}
select * from {{ ref('input_model') }}
`)
	res := elt(t, dir, "run", "--event-time-start", "2020-01-01", "--event-time-end", "2020-01-03 13:57:00")
	if res.code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", res.code, res.stdout, res.stderr)
	}
	wantAll(t, res.stdout,
		"Batch 1 of 3 ERROR creating batch 2020-01-01 of main.microbatch_model",
		"Batch 2 of 3 SKIP batch 2020-01-02 of main.microbatch_model",
		"Batch 3 of 3 SKIP batch 2020-01-03 of main.microbatch_model",
		"ERROR creating sql microbatch model main.microbatch_model",
		"Completed with 1 error, 0 partial successes, and 0 warnings:")
	if strings.Contains(res.stdout, "Batch 2 of 3 START") || strings.Contains(res.stdout, "PARTIAL") {
		t.Errorf("a skipped batch ran, or the model was a partial success:\n%s", res.stdout)
	}
	b, err := os.ReadFile(filepath.Join(dir, "target", "run_results.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := `"batch_results":{"successful":[],"failed":[["2020-01-01T00:00:00+00:00","2020-01-02T00:00:00+00:00"],["2020-01-02T00:00:00+00:00","2020-01-03T00:00:00+00:00"],["2020-01-03T00:00:00+00:00","2020-01-04T00:00:00+00:00"]]}`
	if !strings.Contains(string(b), want) || !strings.Contains(string(b), `"status":"error"`) {
		t.Errorf("run_results.json lacks %s and status error:\n%s", want, b)
	}
	// The model's message is merge_batch_results' word for no batch
	// landing, not a batch's error.
	if !strings.Contains(string(b), `"message":"ERROR"`) {
		t.Errorf("run_results.json: want the model's message \"ERROR\", as dbt's:\n%s", b)
	}
	db := openDB(t, filepath.Join(dir, "p.duckdb"))
	defer db.Close()
	var n int
	if err := db.QueryRow("select count(*) from information_schema.tables where table_name = 'microbatch_model'").Scan(&n); err != nil || n != 0 {
		t.Errorf("microbatch_model exists (%d, %v): dbt leaves no table when its first batch fails", n, err)
	}
}

// TestMicrobatchRendersInBatchesOnly: as dbt's MicrobatchModelRunner,
// whose compile() leaves the node as parsed (task/run.py), a microbatch
// model run in batches renders in each batch only: its Jinja runs with
// model.batch set, never once more outside a batch (dbt-core's
// TestMicrobatchSampleMode counts one log line per batch), and the
// manifest holds it uncompiled.
func TestMicrobatchRendersInBatchesOnly(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/input_model.sql", microbatchInputSQL)
	writeFile(t, dir, "models/microbatch_model.sql", `{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='event_time', batch_size='day', begin='2020-01-01') }}
{% if execute %}
    {{ log("rendered in " ~ (model.batch.id if model.batch else "no batch"), info=True) }}
{% endif %}
select * from {{ ref('input_model') }}
`)
	res := mustElt(t, dir, "run", "--event-time-start", "2020-01-01", "--event-time-end", "2020-01-03")
	wantAll(t, res.stdout, "rendered in 20200101", "rendered in 20200102")
	if strings.Contains(res.stdout, "rendered in no batch") {
		t.Errorf("the model rendered outside a batch:\n%s", res.stdout)
	}
	var m struct {
		Nodes map[string]struct {
			Compiled     bool    `json:"compiled"`
			CompiledCode *string `json:"compiled_code"`
		} `json:"nodes"`
	}
	readJSON(t, filepath.Join(dir, "target", "manifest.json"), &m)
	if n := m.Nodes["model.p.microbatch_model"]; n.Compiled || n.CompiledCode != nil {
		t.Errorf("manifest microbatch_model compiled=%v compiled_code=%v, want false and null", n.Compiled, n.CompiledCode)
	}
	if got := rowsOf(t, dir, "(select count(*) from main.microbatch_model)"); got != "2" {
		t.Errorf("microbatch_model: %s rows, want 2", got)
	}
}

// TestMicrobatchConcurrentBatchesWarningAsDBT: as dbt's
// check_forcing_batch_concurrency (parser/manifest.py), a model that sets
// concurrent_batches to true is warned of at parse where the adapter lacks
// the MicrobatchConcurrency capability (InvalidConcurrentBatchesConfig):
// dbt-postgres does, dbt-duckdb declares it and is not.
func TestMicrobatchConcurrentBatchesWarningAsDBT(t *testing.T) {
	onBothWarehouses(t, "concurrent_batches", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "models/input_model.sql", microbatchInputSQL)
		writeFile(t, dir, "models/microbatch_model.sql", `{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='event_time', batch_size='day', begin=modules.datetime.datetime(2020, 1, 1, 0, 0, 0), concurrent_batches=true) }}
select * from {{ ref('input_model') }}
`)
		res := mustElt(t, dir, "parse")
		const warning = "Found 1 microbatch model with the `concurrent_batches` config set to true, but the postgres adapter does not support running batches concurrently. Batches will be run sequentially."
		if warehouse == "postgres" {
			wantAll(t, res.stdout+res.stderr, "models/microbatch_model.sql:1", warning)
		} else {
			wantNone(t, res.stdout+res.stderr, "concurrent_batches")
		}
	})
}
