package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elt-dev/elt/history"
)

func openHistoryAt(t *testing.T, cfg history.Config) *history.Store {
	t.Helper()
	st, err := history.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// addHistoryBlock appends a history block to the starter's dev target.
func addHistoryBlock(t *testing.T, dir, block string) {
	t.Helper()
	p := filepath.Join(dir, "profiles.yml")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, append(b, []byte("\n      history:\n"+block)...), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBuildRecordsHistory(t *testing.T) {
	dir := starterProject(t)
	for range 2 {
		if res := elt(t, dir, "build"); res.code != 0 {
			t.Fatalf("build: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
		}
	}
	if res := elt(t, dir, "run", "--select", "people"); res.code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	ctx := context.Background()
	st := openHistoryAt(t, history.Config{Path: filepath.Join(dir, ".elt", "history.db")})
	invs, err := st.Invocations(ctx, "demo", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(invs) != 3 {
		t.Fatalf("want 3 invocations, got %d: %+v", len(invs), invs)
	}
	if invs[0].Command != "run" || invs[1].Command != "build" || invs[0].Status != "success" || invs[0].Target != "dev" || invs[0].EndedAt.Before(invs[0].StartedAt) {
		t.Fatalf("invocations, newest first: got %+v", invs)
	}
	results, err := st.NodeResults(ctx, invs[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]history.NodeResult{}
	for _, r := range results {
		byID[r.UniqueID] = r
	}
	if len(results) != 8 {
		t.Fatalf("want the build's 8 node results, got %d: %+v", len(results), results)
	}
	seed := byID["seed.demo.raw_people"]
	if seed.Status != "success" || seed.ResourceType != "seed" || seed.RowsAffected == nil || *seed.RowsAffected != 4 {
		t.Errorf("seed result: got %+v", seed)
	}
	var tests int
	for _, r := range results {
		if r.ResourceType == "test" {
			tests++
			if r.Status != "pass" || r.Failures == nil || *r.Failures != 0 {
				t.Errorf("test %s: got %+v", r.UniqueID, r)
			}
		}
	}
	if tests == 0 {
		t.Error("no test results recorded")
	}
	runResults, _ := st.NodeResults(ctx, invs[0].ID)
	if len(runResults) != 1 || runResults[0].UniqueID != "model.demo.people" {
		t.Errorf("run --select people: got %+v", runResults)
	}
}

func TestNoHistory(t *testing.T) {
	dir := starterProject(t)
	if res := elt(t, dir, "seed", "--no-history"); res.code != 0 {
		t.Fatalf("seed: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	t.Setenv(history.EnvDisable, "1")
	if res := elt(t, dir, "seed"); res.code != 0 {
		t.Fatalf("seed: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, ".elt")); !os.IsNotExist(err) {
		t.Fatalf("history turned off, yet .elt exists (%v)", err)
	}
}

func TestHistoryUnreachableIsAWarning(t *testing.T) {
	dir := starterProject(t)
	// Nothing listens on port 1: the history cannot be opened.
	t.Setenv(history.EnvURL, "postgres://u:hunter2secret@127.0.0.1:1/db?connect_timeout=2")
	res := elt(t, dir, "seed")
	if res.code != 0 {
		t.Fatalf("an unreachable history must not fail the run: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	out := res.stdout + res.stderr
	if !strings.Contains(out, "run history is not recorded for this run") || !strings.Contains(out, "--no-history") {
		t.Errorf("want a warning naming --no-history, got:\n%s", out)
	}
	if strings.Contains(out, "hunter2secret") {
		t.Errorf("the history URL's password was printed:\n%s", out)
	}
}

func TestHistoryBlockBadInput(t *testing.T) {
	cases := []struct{ name, block, want string }{
		{"path outside", "        path: ../elsewhere.db\n", `profiles.yml:12:9: target "dev": history.path: "../elsewhere.db" must be a file path inside the project`},
		{"unknown key", "        dsn: x\n", `profiles.yml:12:9: target "dev": history.dsn: is not a history setting`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := starterProject(t)
			addHistoryBlock(t, dir, c.block)
			res := elt(t, dir, "build")
			if res.code != exitUsage || !strings.Contains(res.stderr, c.want) {
				t.Fatalf("want exit 2 and %q, got exit %d:\n%s%s", c.want, res.code, res.stdout, res.stderr)
			}
		})
	}
}

func TestBuildRecordsHistoryInPostgres(t *testing.T) {
	u := os.Getenv("ELT_TEST_POSTGRES_URL")
	if u == "" {
		t.Skip("ELT_TEST_POSTGRES_URL is unset (start a server with scripts/postgres.sh start)")
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "elt_cli_history_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		if db, err := sql.Open("pgx", u); err == nil {
			db.Exec(`DROP SCHEMA IF EXISTS "` + schema + `" CASCADE`)
			db.Close()
		}
	})
	dir := starterProject(t)
	addHistoryBlock(t, dir, "        url: \"{{ env_var('ELT_TEST_POSTGRES_URL') }}\"\n        schema: "+schema+"\n")
	if res := elt(t, dir, "build"); res.code != 0 {
		t.Fatalf("build: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, ".elt")); !os.IsNotExist(err) {
		t.Errorf("history in Postgres, yet a SQLite file was made (%v)", err)
	}
	st := openHistoryAt(t, history.Config{URL: u, Schema: schema})
	invs, err := st.Invocations(context.Background(), "demo", 10)
	if err != nil || len(invs) != 1 || invs[0].Status != "success" {
		t.Fatalf("invocations: %+v, %v", invs, err)
	}
	results, _ := st.NodeResults(context.Background(), invs[0].ID)
	if len(results) != 8 {
		t.Fatalf("want 8 node results, got %+v", results)
	}
}
