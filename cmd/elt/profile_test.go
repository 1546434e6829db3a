package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/elt-dev/elt/internal/browsertest"

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

// readSiteData reads target/elt-docs/data.js back as the browser sees
// window.__ELT_DOCS__.
func readSiteData(t *testing.T, dir string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "target", "elt-docs", "data.js"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	const pre, post = "performance.mark('elt-data');window.__ELT_DOCS__=JSON.parse(", ");performance.mark('elt-data-parsed');\n"
	if !strings.HasPrefix(s, pre) || !strings.HasSuffix(s, post) {
		t.Fatalf("data.js is not one JSON.parse call: %.100s", s)
	}
	var lit string
	if err := json.Unmarshal([]byte(strings.TrimSuffix(strings.TrimPrefix(s, pre), post)), &lit); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lit), v); err != nil {
		t.Fatal(err)
	}
}

// TestProfileInDocsSite: elt profile, then elt docs generate, puts the
// stored profile into the site's data, and the node page shows it in real
// Chromium; a node never profiled says how to profile it.
func TestProfileInDocsSite(t *testing.T) {
	dir := starterProject(t)
	writeFile(t, dir, "seeds/contacts.csv", "id,email\n1,a@example.com\n2,\n3,c@example.com\n4,d@example.com\n")
	if res := elt(t, dir, "build"); res.code != 0 {
		t.Fatalf("build: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if res := elt(t, dir, "profile", "--select", "contacts"); res.code != 0 {
		t.Fatalf("profile: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if res := elt(t, dir, "docs", "generate"); res.code != 0 {
		t.Fatalf("docs generate: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	var data struct {
		Nodes []struct {
			ID      string
			Profile *quality.RelationProfile
		}
	}
	readSiteData(t, dir, &data)
	var contacts *quality.RelationProfile
	for _, n := range data.Nodes {
		switch n.ID {
		case "seed.demo.contacts":
			contacts = n.Profile
		case "seed.demo.raw_people", "model.demo.people_per_city":
			if n.Profile != nil {
				t.Errorf("%s was never profiled, yet the site has a profile for it", n.ID)
			}
		}
	}
	if contacts == nil {
		t.Fatal("the site data has no profile for seed.demo.contacts")
	}
	if contacts.RowCount != 4 || len(contacts.Columns) != 2 {
		t.Fatalf("contacts profile: got %+v", contacts)
	}
	email := contacts.Columns[1]
	if email.Name != "email" || email.NullCount != 1 || email.NullRate != 0.25 || email.DistinctCount != 3 || email.SemanticType != "email" || email.SemanticShare != 1 {
		t.Errorf("email column profile: got %+v", email)
	}
	id := contacts.Columns[0]
	if id.Min != 1.0 || id.Max != 4.0 || id.Mean == nil || *id.Mean != 2.5 || id.Quantiles["p50"] == 0 {
		t.Errorf("id column profile: got %+v", id)
	}

	ctx := browsertest.New(t, 1400, 900, time.Minute)
	index := filepath.Join(dir, "target", "index.html")
	cell := func(node, sel string) string {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(fileURL(index, "!/node/"+node)),
			chromedp.WaitVisible(chromedp.CSS(`article.node-page[data-id="`+node+`"] #profile`))); err != nil {
			t.Fatalf("%s: %v", node, err)
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector(`+strconv.Quote(sel)+`) || {textContent: ''}).textContent`))
		if err != nil {
			t.Fatalf("%s: %v", node, err)
		}
		return got
	}
	if got := cell("seed.demo.contacts", `#profile tr[data-col="email"] td.pnull`); got != "25.0%" {
		t.Errorf("null rate of contacts.email on the page: got %q, want 25.0%%", got)
	}
	if got := cell("seed.demo.contacts", `#profile tr[data-col="email"] td.psem`); got != "email (100.0%)" {
		t.Errorf("semantic type of contacts.email on the page: got %q", got)
	}
	if b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		_ = os.WriteFile(filepath.Join(screenshotDir(t), "profile.png"), b, 0o644)
	}
	if got := cell("seed.demo.raw_people", `#profile .no-profile`); !strings.Contains(got, "elt profile --select raw_people") {
		t.Errorf("unprofiled node: got %q, want it to say how to profile it", got)
	}
}

// TestProfileThreads: profiles are taken on the target's threads and come
// out in the selection's order, the same as on one thread; a relation not
// built yet is skipped with a warning in its place.
func TestProfileThreads(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\nmodels:\n  p:\n    +materialized: table\n")
	writeFile(t, dir, "profiles.yml", "p:\n  target: one\n  outputs:\n"+
		"    one:\n      type: duckdb\n      path: w.duckdb\n      threads: 1\n"+
		"    four:\n      type: duckdb\n      path: w.duckdb\n      threads: 4\n")
	const n = 12
	for i := range n {
		writeFile(t, dir, "models/m"+strconv.Itoa(10+i)+".sql",
			"select range as id, range % "+strconv.Itoa(i+2)+" as k, 'v' || (range % 3) as s from range("+strconv.Itoa(10*(i+1))+")")
	}
	writeFile(t, dir, "models/later.sql", "select 1 as id")
	if res := elt(t, dir, "build", "--exclude", "later"); res.code != 0 {
		t.Fatalf("build: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	profiles := func(target string) (string, []quality.RelationProfile) {
		t.Helper()
		res := elt(t, dir, "profile", "--target", target, "--output", "json", "--no-history")
		if res.code != 0 {
			t.Fatalf("profile --target %s: exit %d\n%s%s", target, res.code, res.stdout, res.stderr)
		}
		var out struct {
			Profiles []quality.RelationProfile `json:"profiles"`
		}
		if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
			t.Fatalf("stdout is not JSON: %v\n%s", err, res.stdout)
		}
		for i := range out.Profiles {
			out.Profiles[i].MeasuredAt, out.Profiles[i].Seconds = time.Time{}, 0
		}
		return res.stderr, out.Profiles
	}
	logOne, one := profiles("one")
	logFour, four := profiles("four")
	if len(four) != n {
		t.Fatalf("%d profiles on four threads, want %d", len(four), n)
	}
	for i, p := range four {
		want := "model.p.m" + strconv.Itoa(10+i)
		if p.UniqueID != want || p.RowCount != int64(10*(i+1)) {
			t.Errorf("profile %d: %s with %d rows, want %s with %d", i, p.UniqueID, p.RowCount, want, 10*(i+1))
		}
	}
	a, _ := json.Marshal(one)
	b, _ := json.Marshal(four)
	if string(a) != string(b) {
		t.Errorf("four threads profile otherwise than one:\n%s\n%s", a, b)
	}
	for _, log := range []string{logOne, logFour} {
		if !strings.Contains(log, "model.p.later") || !strings.Contains(log, "does not exist yet") {
			t.Errorf("the relation not built is not reported:\n%s", log)
		}
	}
}
