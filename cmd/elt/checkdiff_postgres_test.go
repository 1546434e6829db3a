package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/project"
)

// TestCheckAndDiffPostgres: elt check and elt diff on examples/shop against
// a real Postgres server. The check parses with Postgres's own parser: no
// finding on the example, a positioned one on a broken model. The diff
// compares the model with a copy in a second schema that has one row
// missing and one changed.
func TestCheckAndDiffPostgres(t *testing.T) {
	suffix := fmt.Sprintf("%d", time.Now().UnixNano()%1_000_000_000)
	schema, prevSchema := "shop_"+suffix, "prev_"+suffix
	pgEnv(t, schema)
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "examples", "shop"), dir)
	ctx := context.Background()
	p, err := project.Load(ctx, project.Options{ProjectDir: dir, WorkDir: dir, Target: "pg", Env: os.LookupEnv, HomeDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	a, err := openAdapter(ctx, p, dir, p.Target.Threads)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	defer func() {
		_ = a.Exec(ctx, `drop schema if exists "`+schema+`" cascade`)
		_ = a.Exec(ctx, `drop schema if exists "`+prevSchema+`" cascade`)
	}()

	res := elt(t, dir, "check", "--target", "pg")
	if res.code != 0 || !strings.Contains(res.stdout+res.stderr, "no problems found") {
		t.Fatalf("check on the example: want no findings, exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if res := elt(t, dir, "build", "--target", "pg"); res.code != 0 {
		t.Fatalf("build: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	writeFile(t, dir, "models/marts/broken.sql", "select order_id,\n  custmer_id\nfrom {{ ref('fct_orders') }}\n")
	res = elt(t, dir, "check", "--target", "pg", "--select", "broken")
	if res.code != 1 || !strings.Contains(res.stdout, "models/marts/broken.sql:2:3: column custmer_id is not a column of fct_orders") ||
		!strings.Contains(res.stdout, "did you mean customer_id?") {
		t.Errorf("check of a broken model: want an error at models/marts/broken.sql:2:3, exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if err := os.Remove(filepath.Join(dir, "models", "marts", "broken.sql")); err != nil {
		t.Fatal(err)
	}

	// The other environment: payments_ledger in prevSchema, one row
	// missing and one amount changed.
	q := func(s string) string { return `"` + s + `"` }
	for _, stmt := range []string{
		"create schema " + q(prevSchema),
		"create table " + q(prevSchema) + ".payments_ledger as select * from " + q(schema) + ".payments_ledger",
		"delete from " + q(prevSchema) + ".payments_ledger where payment_id = (select min(payment_id) from " + q(prevSchema) + ".payments_ledger)",
		"update " + q(prevSchema) + ".payments_ledger set amount = amount + 1 where payment_id = (select max(payment_id) from " + q(prevSchema) + ".payments_ledger)",
	} {
		if err := a.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "target", "manifest.json"))), &m); err != nil {
		t.Fatal(err)
	}
	for id, n := range m["nodes"].(map[string]any) {
		if strings.HasSuffix(id, ".payments_ledger") {
			n.(map[string]any)["schema"] = prevSchema
		}
	}
	b, _ := json.Marshal(m)
	writeFile(t, dir, "prev/manifest.json", string(b))

	type diffResult struct {
		Model     string
		A, B      string
		Key       []string
		RowsA     int64 `json:"rows_a"`
		RowsB     int64 `json:"rows_b"`
		OnlyA     int64 `json:"only_in_a"`
		OnlyB     int64 `json:"only_in_b"`
		Differing int64
		Columns   []struct {
			Name        string
			Differences int64
		}
	}
	check := func(label string, res cliResult) {
		t.Helper()
		if res.code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", label, res.code, res.stdout, res.stderr)
		}
		var got []diffResult
		if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
			t.Fatalf("%s: %v\n%s", label, err, res.stdout)
		}
		if len(got) != 1 || strings.Join(got[0].Key, ",") != "payment_id" || got[0].OnlyA != 1 || got[0].OnlyB != 0 ||
			got[0].Differing != 1 || got[0].RowsA != got[0].RowsB+1 || !strings.Contains(got[0].B, prevSchema) {
			t.Errorf("%s: %+v", label, got)
			return
		}
		for _, c := range got[0].Columns {
			want := int64(0)
			if c.Name == "amount" {
				want = 1
			}
			if c.Differences != want {
				t.Errorf("%s: column %s: %d differences, want %d", label, c.Name, c.Differences, want)
			}
		}
	}
	check("diff --state", elt(t, dir, "diff", "--target", "pg", "--select", "payments_ledger", "--state", "prev", "--output", "json"))
	check("diff --a --b", elt(t, dir, "diff", "--target", "pg", "--a", schema+".payments_ledger", "--b", prevSchema+".payments_ledger",
		"--key", "payment_id", "--output", "json"))
}
