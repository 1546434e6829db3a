package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestParseSampleAsDBT: --sample as dbt's SampleType reads it
// (cli/option_types.py; event_time/sample_window.py): "N grain" is the
// window ending now that starts N grains before, months and years moved
// as dateutil's relativedelta moves them; a mapping's times are taken as
// UTC. The errors are dbt's.
func TestParseSampleAsDBT(t *testing.T) {
	now := time.Date(2025, 1, 3, 2, 3, 0, 0, time.UTC)
	for _, c := range []struct{ value, start, end, err string }{
		{value: "1 day", start: "2025-01-02T02:03:00Z", end: "2025-01-03T02:03:00Z"},
		{value: "2 days", start: "2025-01-01T02:03:00Z", end: "2025-01-03T02:03:00Z"},
		{value: "3 HOURS", start: "2025-01-02T23:03:00Z", end: "2025-01-03T02:03:00Z"},
		{value: "1 year", start: "2024-01-03T02:03:00Z", end: "2025-01-03T02:03:00Z"},
		{value: "{'start': '2025-01-04', 'end': '2025-01-06 12:00:00'}", start: "2025-01-04T00:00:00Z", end: "2025-01-06T12:00:00Z"},
		{value: "{start: 2024-12-31, end: 2025-01-03}", start: "2024-12-31T00:00:00Z", end: "2025-01-03T00:00:00Z"},
		{value: "3d", err: "Invalid value for '--sample': Cannot load SAMPLE_WINDOW from '3d'. Must be of form 'DAYS_INT GRAIN_SIZE'."},
		{value: "x days", err: "Unable to convert 'x' to an integer."},
		{value: "2 weeks", err: "Invalid grain size 'weeks'. Must be one of ['hour', 'day', 'month', 'year', 'hours', 'days', 'months', 'years']."},
		{value: "{'start': '2025-01-04'}", err: "has no end"},
	} {
		w, err := parseSample(c.value, now)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err = %v, want %q", c.value, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.value, err)
			continue
		}
		if got := w.Start.Format(time.RFC3339) + " " + w.End.Format(time.RFC3339); got != c.start+" "+c.end {
			t.Errorf("%q = %s, want %s %s", c.value, got, c.start, c.end)
		}
	}
	// relativedelta keeps the day in the month it lands in.
	if got := addMonthsClamped(time.Date(2024, 3, 31, 16, 6, 0, 0, time.UTC), -1); !got.Equal(time.Date(2024, 2, 29, 16, 6, 0, 0, time.UTC)) {
		t.Errorf("2024-03-31 - 1 month = %s, want 2024-02-29", got)
	}
}

// TestSampleModeAsDBT runs dbt-core's tests/functional/sample_mode
// fixtures (their "-0" offsets written "+00" for DuckDB) with the window
// that test's "--sample=1 day"/"2 day" give at its frozen time: a model or
// snapshot reading a ref or seed with event_time reads only the window
// (resolve_event_time_filter), a microbatch model runs the batches of the
// window and each batch reads the overlap of its window and the sample's.
func TestSampleModeAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/input_model.sql", `{{ config(materialized='table', event_time='event_time') }}
select 1 as id, TIMESTAMP '2020-01-01 01:25:00+00' as event_time
UNION ALL
select 2 as id, TIMESTAMP '2025-01-02 13:47:00+00' as event_time
UNION ALL
select 3 as id, TIMESTAMP '2025-01-03 01:32:00+00' as event_time
`)
	writeFile(t, dir, "models/sample_mode_model.sql", "{{ config(materialized='table', event_time='event_time') }}\n{% if execute %}{{ log(\"Sample: \" ~ invocation_args_dict.get(\"sample\"), info=true) }}{% endif %}\nSELECT * FROM {{ ref(\"input_model\") }}\n")
	writeFile(t, dir, "seeds/input_seed.csv", "id,event_time\n1,2020-01-01 01:25:00\n2,2025-01-02 13:47:00\n3,2025-01-03 01:32:00\n")
	writeFile(t, dir, "seeds/properties.yml", "seeds:\n  - name: input_seed\n    config:\n      event_time: event_time\n      column_types:\n        event_time: timestamp\n")
	writeFile(t, dir, "models/sample_input_seed.sql", "{{ config(materialized='table') }}\nSELECT * FROM {{ ref(\"input_seed\") }}\n")
	writeFile(t, dir, "snapshots/snapshot_input_model.sql", `{% snapshot snapshot_input_model %}
    {{ config(strategy='timestamp', unique_key='id', updated_at='event_time', event_time='event_time') }}
    select * from {{ ref('input_model') }}
{% endsnapshot %}
`)
	oneDay := "{'start': '2025-01-02 02:03:00', 'end': '2025-01-03 02:03:00'}"
	res := mustElt(t, dir, "build", "--sample", oneDay)
	// TestBasicSampleMode's log line: invocation_args_dict holds the
	// SampleWindow, printed as its repr.
	wantAll(t, res.stdout, "Sample: SampleWindow(start=datetime.datetime(2025, 1, 2, 2, 3, tzinfo=<UTC>), end=datetime.datetime(2025, 1, 3, 2, 3, tzinfo=<UTC>))")
	for rel, want := range map[string]string{"main.input_model": "3", "main.sample_mode_model": "2", "main.sample_input_seed": "2", "main.snapshot_input_model": "2"} {
		if got := rowsOf(t, dir, "(select count(*) from "+rel+")"); got != want {
			t.Errorf("%s after build --sample: %s rows, want %s", rel, got, want)
		}
	}
	res = mustElt(t, dir, "run", "-s", "sample_mode_model")
	wantAll(t, res.stdout, "Sample: None")
	if got := rowsOf(t, dir, "(select count(*) from main.sample_mode_model)"); got != "3" {
		t.Errorf("sample_mode_model without --sample: %s rows, want 3", got)
	}

	// TestMicrobatchSampleMode: "2 day" at 2025-01-03T02:03Z.
	writeFile(t, dir, "models/sample_microbatch_model.sql", "{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='event_time', batch_size='day', lookback=3, begin='2024-12-25')}}\nSELECT * FROM {{ ref(\"input_model\") }}\n")
	mustElt(t, dir, "run", "-s", "sample_microbatch_model", "--sample", "{'start': '2025-01-01 02:03:00', 'end': '2025-01-03 02:03:00'}")
	for day, filter := range map[string]string{
		"2025-01-01": "event_time >= '2025-01-01 02:03:00+00:00' and event_time < '2025-01-02 00:00:00+00:00'",
		"2025-01-02": "event_time >= '2025-01-02 00:00:00+00:00' and event_time < '2025-01-03 00:00:00+00:00'",
		"2025-01-03": "event_time >= '2025-01-03 00:00:00+00:00' and event_time < '2025-01-03 02:03:00+00:00'",
	} {
		b, err := os.ReadFile(filepath.Join(dir, "target", "compiled", "p", "models", "sample_microbatch_model", "sample_microbatch_model_"+day+".sql"))
		if err != nil || !strings.Contains(string(b), filter) {
			t.Errorf("batch %s: %v, want %q in:\n%s", day, err, filter, b)
		}
	}
	if got := rowsOf(t, dir, "(select count(*) from main.sample_microbatch_model)"); got != "2" {
		t.Errorf("sample_microbatch_model: %s rows, want 2", got)
	}
}
