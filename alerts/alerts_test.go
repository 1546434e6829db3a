package alerts

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elt-dev/elt/history"
	"github.com/elt-dev/elt/internal/diag"
)

type receiver struct {
	mu     sync.Mutex
	bodies []string
	auth   []string
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.bodies = append(r.bodies, req.URL.Path+" "+string(b))
	r.auth = append(r.auth, req.Header.Get("Authorization"))
	r.mu.Unlock()
	if strings.HasSuffix(req.URL.Path, "/broken") {
		http.Error(w, "nope", http.StatusInternalServerError)
	}
}

func (r *receiver) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.bodies
	r.bodies = nil
	return out
}

func env(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestAlertsDedupeAndRecovery(t *testing.T) {
	ctx := context.Background()
	recv := &receiver{}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	dir := t.TempDir()
	out := filepath.Join(dir, "command-out.json")
	yml := `channels:
  - name: ops
    type: webhook
    url: ${RECEIVER}/hook
    headers: {Authorization: "Bearer ${TOKEN}"}
  - name: team
    type: slack
    url: ${RECEIVER}/slack
  - name: script
    type: command
    command: [sh, -c, "cat >> command-out.json; echo >> command-out.json"]
rules:
  - {name: failing tests, on: test_failure, channels: [ops, team]}
  - {name: low score, on: score_below, threshold: 80, channels: [script]}
`
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(dir, env("RECEIVER", srv.URL, "TOKEN", "s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := history.Open(ctx, history.Config{Path: filepath.Join(dir, ".elt", "history.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clock := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	n := Notifier{Config: cfg, Store: st, Project: "shop", InvocationID: "inv", Dir: dir, Now: func() time.Time { return clock }}
	fail := Event{Kind: TestFailure, Subject: "test.shop.not_null_orders_id", Firing: true, Message: "Got 3 results, configured to fail if != 0"}
	pass := Event{Kind: TestFailure, Subject: "test.shop.not_null_orders_id"}

	// First failure: one alert on each channel of the rule.
	if _, err := n.Process(ctx, []Event{fail}); err != nil {
		t.Fatal(err)
	}
	got := recv.take()
	if len(got) != 2 || !strings.HasPrefix(got[0], "/hook ") || !strings.HasPrefix(got[1], "/slack ") {
		t.Fatalf("first failure: want one post per channel, got %q", got)
	}
	var note Notification
	if err := json.Unmarshal([]byte(strings.TrimPrefix(got[0], "/hook ")), &note); err != nil {
		t.Fatal(err)
	}
	if note.Type != "alert" || note.Rule != "failing tests" || note.Subject != fail.Subject || note.Message != fail.Message || note.Project != "shop" {
		t.Fatalf("webhook payload: %+v", note)
	}
	if recv.auth[0] != "Bearer s3cret" {
		t.Errorf("headers with ${TOKEN}: got %q", recv.auth[0])
	}
	var slack map[string]string
	json.Unmarshal([]byte(strings.TrimPrefix(got[1], "/slack ")), &slack)
	if !strings.Contains(slack["text"], "failing tests: test.shop.not_null_orders_id: Got 3 results") {
		t.Errorf("slack payload: %v", slack)
	}

	// Still failing, twice: the same incident, nothing sent.
	for range 2 {
		clock = clock.Add(time.Hour)
		if sent, err := n.Process(ctx, []Event{fail}); err != nil || len(sent) != 0 {
			t.Fatalf("still failing: sent %v, %v", sent, err)
		}
	}
	if got := recv.take(); len(got) != 0 {
		t.Fatalf("still failing: want no posts, got %q", got)
	}
	// Recovery: one message per channel, saying how long it lasted.
	clock = clock.Add(time.Hour)
	if _, err := n.Process(ctx, []Event{pass}); err != nil {
		t.Fatal(err)
	}
	got = recv.take()
	if len(got) != 2 || !strings.Contains(got[0], `"type":"recovery"`) || !strings.Contains(got[0], "recovered after 3h0m0s") || !strings.Contains(got[1], "recovered") {
		t.Fatalf("recovery: got %q", got)
	}
	// Passing again: nothing; failing again: a new incident.
	n.Process(ctx, []Event{pass})
	if got := recv.take(); len(got) != 0 {
		t.Fatalf("still passing: want no posts, got %q", got)
	}
	n.Process(ctx, []Event{fail})
	if got := recv.take(); len(got) != 2 {
		t.Fatalf("failing again: want a new alert, got %q", got)
	}

	// Scores: below the threshold alerts the command channel, once.
	low, ok := 71.5, 93.0
	for range 2 {
		if _, err := n.Process(ctx, []Event{{Kind: ScoreBelow, Subject: "model.shop.orders", Value: &low, Message: "quality score 71.5"}}); err != nil {
			t.Fatal(err)
		}
	}
	n.Process(ctx, []Event{{Kind: ScoreBelow, Subject: "model.shop.orders", Value: &ok}})
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"type":"alert"`) || !strings.Contains(lines[0], `"kind":"score_below"`) || !strings.Contains(lines[1], `"type":"recovery"`) {
		t.Fatalf("command channel got:\n%s", b)
	}
}

func TestDeliveryFailureIsReported(t *testing.T) {
	ctx := context.Background()
	recv := &receiver{}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, FileName), []byte("channels:\n  - {name: bad, type: webhook, url: "+srv.URL+"/broken}\nrules:\n  - {on: anomaly, channels: [bad]}\n"), 0o644)
	cfg, err := Load(dir, env())
	if err != nil {
		t.Fatal(err)
	}
	st, _ := history.Open(ctx, history.Config{Path: filepath.Join(dir, "h.db")})
	defer st.Close()
	_, err = Notifier{Config: cfg, Store: st}.Process(ctx, []Event{{Kind: Anomaly, Subject: "quality.model.x.row_count", Firing: true}})
	if err == nil || !strings.Contains(err.Error(), "channel bad: the receiver answered 500") {
		t.Fatalf("want the delivery failure, got %v", err)
	}
}

func TestLoadBadInput(t *testing.T) {
	cases := []struct {
		name, yml, want string
		line            int
	}{
		{"unknown type", "channels:\n  - {name: x, type: email}\n", `type "email" is not a channel type`, 2},
		{"no url", "channels:\n  - {name: x, type: webhook}\n", "needs an http(s) url", 2},
		{"unknown rule kind", "channels:\n  - {name: x, type: slack, url: https://h}\nrules:\n  - {on: meteor, channels: [x]}\n", `on "meteor" is not a rule kind`, 4},
		{"undeclared channel", "rules:\n  - on: anomaly\n    channels: [nowhere]\n", `names channel "nowhere", which is not declared`, 3},
		{"score without threshold", "channels:\n  - {name: x, type: slack, url: https://h}\nrules:\n  - {on: score_below, channels: [x]}\n", "score_below needs a threshold", 4},
		{"health without threshold", "channels:\n  - {name: x, type: slack, url: https://h}\nrules:\n  - {on: job_health_below, channels: [x]}\n", "job_health_below needs a threshold", 4},
		{"health threshold out of range", "channels:\n  - {name: x, type: slack, url: https://h}\nrules:\n  - on: job_health_below\n    threshold: 70\n    channels: [x]\n", "job_health_below needs a threshold above 0 and at most 1, not 70", 5},
		{"score threshold out of range", "channels:\n  - {name: x, type: slack, url: https://h}\nrules:\n  - on: score_below\n    channels: [x]\n    threshold: 0.5e3\n", "score_below needs a threshold above 0 and at most 100, not 500", 6},
		{"threshold not a number", "channels:\n  - {name: x, type: slack, url: https://h}\nrules:\n  - on: job_health_below\n    threshold: high\n    channels: [x]\n", `threshold must be a number, not "high"`, 5},
		{"threshold on job_failed", "channels:\n  - {name: x, type: slack, url: https://h}\nrules:\n  - on: job_failed\n    channels: [x]\n    threshold: 0.5\n", "job_failed takes no threshold", 6},
		{"unknown key", "channel: []\n", `unknown key "channel"`, 1},
		{"syntax", "channels: [\n", "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, FileName), []byte(c.yml), 0o644)
			_, err := Load(dir, env())
			l, ok := diag.AsList(err)
			if !ok || len(l) == 0 {
				t.Fatalf("want diagnostics, got %v", err)
			}
			if c.want == "" {
				return
			}
			for _, d := range l {
				if strings.Contains(d.Summary, c.want) {
					if d.File != FileName || d.Pos.Line != c.line || d.Hint == "" {
						t.Errorf("want %s:%d with a hint, got %s", FileName, c.line, d.Error())
					}
					return
				}
			}
			t.Fatalf("want %q, got %v", c.want, l)
		})
	}
	if cfg, err := Load(t.TempDir(), env()); err != nil || len(cfg.Rules) != 0 {
		t.Fatalf("no alerts.yml: %v %v", cfg, err)
	}
}
