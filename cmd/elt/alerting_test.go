package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestBuildSendsAlertsOncePerIncident(t *testing.T) {
	var mu sync.Mutex
	var got []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		json.Unmarshal(b, &m)
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
	}))
	defer srv.Close()
	take := func() []string {
		mu.Lock()
		defer mu.Unlock()
		var out []string
		for _, m := range got {
			out = append(out, m["type"].(string)+" "+m["subject"].(string))
		}
		got = nil
		return out
	}
	dir := starterProject(t)
	t.Setenv("ELT_TEST_ALERT_URL", srv.URL)
	writeFile(t, dir, "alerts.yml", "channels:\n  - {name: ops, type: webhook, url: \"${ELT_TEST_ALERT_URL}/hook\"}\nrules:\n  - {name: tests, on: test_failure, channels: [ops]}\n")
	good := "id,name,city\n1,Ada,London\n2,Grace,New York\n3,Linus,Helsinki\n4,Margaret,Boston\n"
	bad := good + "4,Margaret,Boston\n" // a duplicate id: unique_people_id fails

	if res := elt(t, dir, "build"); res.code != 0 {
		t.Fatalf("build: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if a := take(); len(a) != 0 {
		t.Fatalf("a passing build sent %v", a)
	}
	writeFile(t, dir, "seeds/raw_people.csv", bad)
	for i := range 2 {
		res := elt(t, dir, "build")
		if res.code != exitFailed {
			t.Fatalf("build with a duplicate: exit %d\n%s", res.code, res.stdout)
		}
		a := take()
		if i == 0 && (len(a) != 1 || !strings.HasPrefix(a[0], "alert test.demo.unique_people_id")) {
			t.Fatalf("first failing build: want one alert for unique_people_id, got %v\n%s", a, res.stdout)
		}
		if i == 1 && len(a) != 0 {
			t.Fatalf("second failing build: the incident is open, want nothing, got %v", a)
		}
	}
	writeFile(t, dir, "seeds/raw_people.csv", good)
	if res := elt(t, dir, "build"); res.code != 0 {
		t.Fatalf("build: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if a := take(); len(a) != 1 || !strings.HasPrefix(a[0], "recovery test.demo.unique_people_id") {
		t.Fatalf("fixed build: want one recovery, got %v", a)
	}
}

func TestBadAlertsFileStopsTheBuild(t *testing.T) {
	dir := starterProject(t)
	writeFile(t, dir, "alerts.yml", "channels:\n  - {name: ops, type: pager}\n")
	res := elt(t, dir, "build")
	if res.code != exitUsage || !strings.Contains(res.stderr, `alerts.yml:2:5: channel "ops": type "pager" is not a channel type`) {
		t.Fatalf("want a positioned error, got exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}
