package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/elt-dev/elt/docs/schematest"
	"github.com/elt-dev/elt/history"
	"github.com/elt-dev/elt/quality"
)

// addQuality puts a quality: block on people_per_city in the starter's
// properties file.
func addQuality(t *testing.T, dir, block string) {
	t.Helper()
	p := filepath.Join(dir, "models", "example", "schema.yml")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), "  - name: people_per_city\n", "  - name: people_per_city\n"+block, 1)
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBuildRunsQualityChecks(t *testing.T) {
	dir := starterProject(t)
	addQuality(t, dir, `    config:
      quality:
        severity: error
        volume: {anomaly: {min_history: 3}}
        custom:
          - {name: people_total, expression: "sum(people)", min: 1, severity: warn}
`)
	p := filepath.Join(dir, "models", "example", "schema.yml")
	b, _ := os.ReadFile(p)
	writeFile(t, dir, "models/example/schema.yml", strings.Replace(string(b), "      - name: city\n", "      - name: city\n        config:\n          quality:\n            null_rate: {max: 0}\n", 1))
	for i := range 3 {
		res := elt(t, dir, "build")
		if res.code != 0 {
			t.Fatalf("build %d: exit %d\n%s%s", i, res.code, res.stdout, res.stderr)
		}
		for _, want := range []string{"Running 3 quality checks", "PASS quality row_count of people_per_city: row_count of people_per_city is 4", "Quality checks: PASS=3 WARN=0 ERROR=0"} {
			if !strings.Contains(res.stdout, want) {
				t.Fatalf("build %d: output lacks %q:\n%s", i, want, res.stdout)
			}
		}
	}
	// One person left: the volume of people_per_city drops from 4 to 1.
	writeFile(t, dir, "seeds/raw_people.csv", "id,name,city\n1,Ada,London\n")
	res := elt(t, dir, "build")
	if res.code != exitFailed {
		t.Fatalf("an anomaly of severity error must fail the build: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	wantAll(t, res.stdout,
		"ERROR quality row_count of people_per_city: anomaly: row_count of people_per_city is 1, expected 4 to 4 (median 4, 3 MADs) judged on 3 past runs",
		"Quality checks: PASS=2 WARN=0 ERROR=1",
	)
	// run_results.json: the anomaly is a failed test-like entry whose
	// message gives the value, the band and the history.
	raw, err := os.ReadFile(filepath.Join(dir, "target", "run_results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := schematest.ValidateRunResults(raw); err != nil {
		t.Errorf("run_results.json breaks dbt's schema: %v", err)
	}
	var rr struct {
		Results []struct {
			UniqueID string `json:"unique_id"`
			Status   string `json:"status"`
			Message  string `json:"message"`
			Failures *int   `json:"failures"`
		} `json:"results"`
	}
	if err := json.Unmarshal(raw, &rr); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rr.Results {
		if r.UniqueID == "quality.model.demo.people_per_city.row_count" {
			found = true
			if r.Status != "fail" || r.Failures == nil || *r.Failures != 1 ||
				!strings.Contains(r.Message, "row_count of people_per_city is 1, expected 4 to 4 (median 4, 3 MADs) judged on 3 past runs") {
				t.Errorf("run_results entry of the anomaly: %+v", r)
			}
		}
	}
	if !found {
		t.Errorf("run_results.json has no entry for the volume check:\n%s", raw)
	}

	st := openHistoryAt(t, history.Config{Path: filepath.Join(dir, ".elt", "history.db")})
	ctx := context.Background()
	series, err := st.Series(ctx, history.SeriesQuery{UniqueID: "model.demo.people_per_city", Metric: quality.MetricRowCount})
	if err != nil || len(series) != 4 || series[3].Value != 1 {
		t.Fatalf("row_count series: %+v %v", series, err)
	}
	invs, _ := st.Invocations(ctx, "demo", 1)
	nrs, _ := st.NodeResults(ctx, invs[0].ID)
	var checkStatus []string
	for _, r := range nrs {
		if r.ResourceType == quality.ResourceType {
			checkStatus = append(checkStatus, r.UniqueID+"="+r.Status)
		}
	}
	if strings.Join(checkStatus, " ") == "" || !strings.Contains(strings.Join(checkStatus, " "), "quality.model.demo.people_per_city.row_count=error") {
		t.Errorf("check results in the history: %v", checkStatus)
	}
	if invs[0].Status != "error" {
		t.Errorf("invocation status: %s", invs[0].Status)
	}
}

func TestQualityBlockTypoIsAPositionedError(t *testing.T) {
	dir := starterProject(t)
	addQuality(t, dir, "    config:\n      quality:\n        volumes: {}\n")
	res := elt(t, dir, "build")
	if res.code != exitUsage || !strings.Contains(res.stderr, `models/example/schema.yml:15:9: model "people_per_city" config quality: unknown key "volumes"`) {
		t.Fatalf("want a positioned error, got exit %d:\n%s%s", res.code, res.stdout, res.stderr)
	}
}

func TestQualityCommand(t *testing.T) {
	dir := starterProject(t)
	if res := elt(t, dir, "quality"); res.code != exitFailed && res.code != 0 {
		t.Fatalf("quality before any build: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	addQuality(t, dir, "    config:\n      quality:\n        volume: {anomaly: {min_history: 3}}\n")
	for range 3 {
		if res := elt(t, dir, "build"); res.code != 0 {
			t.Fatalf("build: exit %d\n%s%s", res.code, res.stdout, res.stderr)
		}
	}
	writeFile(t, dir, "seeds/raw_people.csv", "id,name,city\n1,Ada,London\n")
	if res := elt(t, dir, "build"); res.code != 0 || !strings.Contains(res.stdout, "quality alert: consistency 75.0 < 90 of model.demo.people_per_city") {
		t.Fatalf("build with a volume drop (warn): exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	res := elt(t, dir, "quality", "--output", "json")
	if res.code != 0 {
		t.Fatalf("quality: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	var rep qualityReport
	if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, res.stdout)
	}
	if rep.Project.Score == nil || *rep.Project.Score != 91.7 || len(rep.Project.History) != 4 || rep.Project.History[0] != 100 {
		t.Fatalf("project score: %+v", rep.Project)
	}
	var ppc *scoreLine
	for i := range rep.Nodes {
		if rep.Nodes[i].UniqueID == "model.demo.people_per_city" {
			ppc = &rep.Nodes[i]
		}
	}
	if ppc == nil || *ppc.Score != 91.7 || ppc.Dimensions["consistency"] != 75 || ppc.Sparkline != "███▁" {
		t.Fatalf("people_per_city: %+v", ppc)
	}
	if len(rep.Anomalies) != 1 || rep.Anomalies[0].Check != "quality.model.demo.people_per_city.row_count" || !strings.Contains(rep.Anomalies[0].Message, "row_count of people_per_city is 1") {
		t.Fatalf("anomalies: %+v", rep.Anomalies)
	}
	var vol *metricLine
	for i := range rep.Metrics {
		if rep.Metrics[i].UniqueID == "model.demo.people_per_city" && rep.Metrics[i].Metric == "row_count" {
			vol = &rep.Metrics[i]
		}
	}
	if vol == nil || fmt.Sprint(vol.Values) != "[4 4 4 1]" || vol.Sparkline != "███▁" {
		t.Fatalf("row_count metric: %+v", vol)
	}
	text := elt(t, dir, "quality", "--select", "people_per_city")
	wantAll(t, text.stdout, "Project quality 91.7  ███▁", "| people_per_city | 91.7  | ███▁", "WARN anomaly: row_count of people_per_city is 1")
}

// TestQualityChecksOnSourcesAndInTest: quality: blocks on a source table
// (freshness read from its loaded_at_field, volume, null rate) run in elt
// build and elt test, and elt test runs the models' checks too.
func TestQualityChecksOnSourcesAndInTest(t *testing.T) {
	dir := starterProject(t)
	addQuality(t, dir, "    config:\n      quality:\n        volume: {min: 1}\n")
	writeFile(t, dir, "models/events.sql", "{{ config(materialized='table') }}\n"+
		"select * from (values (1, 'a@example.com', now() at time zone 'UTC'), (2, null, now() at time zone 'UTC'), (3, 'c@example.com', now() at time zone 'UTC')) as t(id, email, loaded_at)\n")
	sources := func(nullMax string) string {
		return `version: 2
sources:
  - name: raw
    schema: main
    loaded_at_field: "cast(loaded_at as timestamp)"
    tables:
      - name: events
        config:
          quality:
            severity: error
            volume: {min: 2}
            freshness: {max: 3600}
        columns:
          - name: email
            config:
              quality:
                null_rate: {max: ` + nullMax + `, severity: error}
`
	}
	writeFile(t, dir, "models/sources.yml", sources("0.5"))
	res := elt(t, dir, "build")
	if res.code != 0 {
		t.Fatalf("build: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	// The lag is read from max(cast(loaded_at as timestamp)): seconds old.
	if !regexp.MustCompile(`PASS quality freshness_lag_seconds of raw.events: freshness_lag_seconds of raw.events is [0-9]s\n`).MatchString(res.stdout) {
		t.Errorf("build output lacks the source's freshness check:\n%s", res.stdout)
	}
	wantAll(t, res.stdout,
		"Running 4 quality checks",
		"PASS quality row_count of raw.events: row_count of raw.events is 3",
		"PASS quality null_rate of raw.events.email: null_rate of raw.events.email is 33.33%",
		"PASS quality row_count of people_per_city",
		"Quality checks: PASS=4 WARN=0 ERROR=0",
	)

	// Quality checks are tests: --resource-type without test runs none.
	res = elt(t, dir, "build", "--resource-type", "model")
	if res.code != 0 || strings.Contains(res.stdout, "quality") {
		t.Fatalf("build --resource-type model ran quality checks: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}

	// elt test runs the checks of the selected relations: all of them.
	res = elt(t, dir, "test")
	if res.code != 0 || !strings.Contains(res.stdout, "Quality checks: PASS=4 WARN=0 ERROR=0") {
		t.Fatalf("test: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	// A tighter null-rate limit fails elt test on the source alone.
	writeFile(t, dir, "models/sources.yml", sources("0.2"))
	res = elt(t, dir, "test", "--select", "source:raw.events", "--junit-xml", "report.xml")
	if res.code != exitFailed {
		t.Fatalf("a failing source check of severity error must fail elt test: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	wantAll(t, res.stdout,
		"Running 3 quality checks",
		"ERROR quality null_rate of raw.events.email: null_rate of raw.events.email is 33.33%, above the maximum 20.00%",
		"Quality checks: PASS=2 WARN=0 ERROR=1",
	)
	if strings.Contains(res.stdout, "people_per_city") {
		t.Errorf("elt test --select source:raw.events ran the checks of people_per_city:\n%s", res.stdout)
	}
	// run_results.json has one dbt-shaped entry per check, valid against
	// dbt's run-results schema.
	raw, err := os.ReadFile(filepath.Join(dir, "target", "run_results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := schematest.ValidateRunResults(raw); err != nil {
		t.Errorf("run_results.json with quality checks breaks dbt's schema: %v", err)
	}
	var rr struct {
		Results []struct {
			UniqueID     string  `json:"unique_id"`
			Status       string  `json:"status"`
			Message      *string `json:"message"`
			Failures     *int    `json:"failures"`
			RelationName *string `json:"relation_name"`
			Timing       []struct {
				Name string `json:"name"`
			} `json:"timing"`
		} `json:"results"`
	}
	if err := json.Unmarshal(raw, &rr); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rr.Results {
		line := fmt.Sprintf("%s %s failures=%v", r.UniqueID, r.Status, *r.Failures)
		if r.RelationName == nil || *r.RelationName != `"demo"."main"."events"` || len(r.Timing) != 1 || r.Timing[0].Name != "execute" || r.Message == nil {
			t.Errorf("run_results entry of %s: relation %v, timing %+v, message %v", r.UniqueID, r.RelationName, r.Timing, r.Message)
		}
		if r.Status == "fail" && !strings.Contains(*r.Message, "null_rate of raw.events.email is 33.33%, above the maximum 20.00%") {
			t.Errorf("message of the failed check: %q", *r.Message)
		}
		got = append(got, line)
	}
	want := []string{
		"quality.source.demo.raw.events.row_count pass failures=0",
		"quality.source.demo.raw.events.freshness_lag_seconds pass failures=0",
		"quality.source.demo.raw.events.null_rate.email fail failures=1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("run_results.json:\nwant\n%s\ngot\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
	// --junit-xml: a testcase per check, the failed one a failure.
	var junit struct {
		Suites []struct {
			Name     string `xml:"name,attr"`
			Failures int    `xml:"failures,attr"`
			Cases    []struct {
				Name      string `xml:"name,attr"`
				Classname string `xml:"classname,attr"`
				File      string `xml:"file,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "report.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(b, &junit); err != nil {
		t.Fatal(err)
	}
	if len(junit.Suites) != 1 || junit.Suites[0].Name != "quality_check" || junit.Suites[0].Failures != 1 || len(junit.Suites[0].Cases) != 3 {
		t.Fatalf("junit suites:\n%s", b)
	}
	c := junit.Suites[0].Cases[2]
	if c.Name != "null_rate of raw.events.email" || c.Classname != "quality_check.demo" || c.File != "models/sources.yml" || c.Failure == nil ||
		!strings.Contains(c.Failure.Message, "above the maximum 20.00%") {
		t.Errorf("junit testcase of the failed check: %+v\n%s", c, b)
	}

	// The check results are in the run history, under the source.
	st := openHistoryAt(t, history.Config{Path: filepath.Join(dir, ".elt", "history.db")})
	series, err := st.Series(context.Background(), history.SeriesQuery{UniqueID: "source.demo.raw.events", Column: "email", Metric: quality.MetricNullRate})
	if err != nil || len(series) != 3 {
		t.Fatalf("null_rate series of the source: %+v %v", series, err)
	}
}
