package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestCheckNoFalsePositives checks the example projects and the dbt-core
// end-to-end project: correct SQL must give no finding.
func TestCheckNoFalsePositives(t *testing.T) {
	t.Setenv("DBTCORE_DB_PATH", filepath.Join(t.TempDir(), "dbtcore.duckdb"))
	projects := []string{"testdata/dbtcore"}
	entries, err := os.ReadDir(filepath.Join("..", "..", "examples"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join("..", "..", "examples", e.Name(), "dbt_project.yml")); err == nil {
			if _, err := os.Stat(filepath.Join("..", "..", "examples", e.Name(), "packages.yml")); err == nil {
				continue // needs elt deps: TestExampleJaffleUtils checks it
			}
			projects = append(projects, "examples/"+e.Name())
		}
	}
	for _, p := range projects {
		t.Run(p, func(t *testing.T) {
			dir := t.TempDir()
			copyTree(t, filepath.Join("..", "..", filepath.FromSlash(p)), dir)
			res := elt(t, dir, "check", "--output", "json")
			if res.code != 0 || strings.TrimSpace(res.stdout) != "[]" {
				t.Fatalf("exit %d, findings:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
			}
		})
	}
}

// TestCheckRemovedUpstreamColumn removes a column from a staging model
// that a mart reads: elt check, compile and build report it at the mart's
// line and column; build fails the mart alone, running nothing for it.
func TestCheckRemovedUpstreamColumn(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, "../../examples/shop", dir)
	os.Remove(filepath.Join(dir, "shop.duckdb"))
	stg := filepath.Join(dir, "models", "staging", "stg_orders.sql")
	b, err := os.ReadFile(stg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stg, []byte(strings.Replace(string(b), "    customer_id,\n", "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	const want = "models/marts/fct_orders.sql:24:5: column orders.customer_id: orders has no column customer_id\n" +
		"  hint: model stg_orders does not output customer_id; was it removed or renamed there? Read a column it has, or add it back upstream"

	res := elt(t, dir, "check")
	if res.code != 1 || strings.TrimSpace(res.stdout) != want {
		t.Errorf("elt check: exit %d\n--- want\n%s\n--- got\n%s", res.code, want, res.stdout)
	}
	res = elt(t, dir, "check", "--select", "stg_orders")
	if res.code != 0 {
		t.Errorf("elt check --select stg_orders: the finding is fct_orders', exit %d:\n%s", res.code, res.stdout)
	}
	res = elt(t, dir, "check", "-o", "json", "-s", "fct_orders")
	var got []struct {
		Kind, Node, File string
		Line, Column     int
	}
	if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, res.stdout)
	}
	if len(got) != 1 || got[0].Kind != "unknown_column" || got[0].Node != "fct_orders" || got[0].File != "models/marts/fct_orders.sql" || got[0].Line != 24 || got[0].Column != 5 {
		t.Errorf("json: %+v", got)
	}

	// compile warns of it (dbt's compile runs no SQL and succeeds); build
	// fails fct_orders with it, running nothing for it, and builds the
	// rest, as the warehouse would fail fct_orders alone.
	res = elt(t, dir, "compile")
	if res.code != 0 || !strings.Contains(res.stdout, "models/marts/fct_orders.sql:24:5: warning: column orders.customer_id: orders has no column customer_id") {
		t.Errorf("elt compile: exit %d, want the finding as a warning:\n%s%s", res.code, res.stdout, res.stderr)
	}
	res = elt(t, dir, "build")
	// (stg_orders' own relationships test on the column fails first, and
	// skips fct_orders, as with --no-check.)
	if res.code != 1 || regexp.MustCompile(`OK created sql \w+ model \w+\.fct_orders`).MatchString(res.stdout) ||
		!regexp.MustCompile(`OK created sql \w+ model \w+\.stg_orders`).MatchString(res.stdout) {
		t.Errorf("elt build: exit %d, want fct_orders failed by the finding and the rest built:\n%s%s", res.code, res.stdout, res.stderr)
	}
	// --no-check leaves it to the warehouse, which fails fct_orders alone.
	res = elt(t, dir, "build", "--no-check")
	if res.code != 1 || !strings.Contains(res.stdout, "fct_orders") || !strings.Contains(res.stdout, "OK created") {
		t.Errorf("elt build --no-check: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
}

// TestDiffCommand builds the example, makes a second environment's copy of
// two models with known changes, and compares them through --state (the
// state manifest names the other schema) and through --a/--b.
func TestDiffCommand(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, "../../examples/shop", dir)
	db := filepath.Join(dir, "shop.duckdb")
	os.Remove(db)
	writeFile(t, dir, "models/marts/keyless.sql", "select 1 as x")
	mustElt(t, dir, "build")
	execDuckDB(t, db,
		"create schema prev",
		"create table prev.payments_ledger as select * from main.payments_ledger",
		"delete from prev.payments_ledger where payment_id = (select min(payment_id) from prev.payments_ledger)",
		"update prev.payments_ledger set amount = amount + 1 where payment_id = (select max(payment_id) from prev.payments_ledger)",
		"create table prev.fct_orders as select * from main.fct_orders",
	)
	// The state manifest: this build's, with the two models in schema prev.
	b, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for id, n := range m["nodes"].(map[string]any) {
		if strings.HasSuffix(id, ".payments_ledger") || strings.HasSuffix(id, ".fct_orders") {
			n.(map[string]any)["schema"] = "prev"
		}
		if strings.HasSuffix(id, ".daily_revenue") {
			n.(map[string]any)["schema"] = "nowhere"
		}
	}
	b, _ = json.Marshal(m)
	os.MkdirAll(filepath.Join(dir, "prev"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, "prev", "manifest.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}

	// payments_ledger has unique_key payment_id: the key comes from it.
	res := elt(t, dir, "diff", "--select", "payments_ledger", "--state", "prev", "--output", "json")
	var got []struct {
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
	if res.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, res.stdout)
	}
	if len(got) != 1 || got[0].Model != "payments_ledger" || got[0].B != `"shop"."prev"."payments_ledger"` ||
		strings.Join(got[0].Key, ",") != "payment_id" || got[0].OnlyA != 1 || got[0].OnlyB != 0 || got[0].Differing != 1 || got[0].RowsA != got[0].RowsB+1 {
		t.Errorf("diff: %+v", got)
	}
	for _, c := range got[0].Columns {
		want := int64(0)
		if c.Name == "amount" {
			want = 1
		}
		if c.Differences != want {
			t.Errorf("column %s: %d differences, want %d", c.Name, c.Differences, want)
		}
	}

	// Without unique_key, the key is a primary_key constraint's column
	// (payment_methods) or the column of a unique test (fct_orders); a
	// relation that is not there (daily_revenue's in the state) is skipped.
	res = elt(t, dir, "diff", "-s", "fct_orders", "-s", "payment_methods", "-s", "daily_revenue", "--state", "prev", "--output", "json")
	got = nil
	if res.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, res.stdout)
	}
	keys := map[string]string{}
	for _, r := range got {
		keys[r.Model] = strings.Join(r.Key, ",")
		if r.Differing != 0 || r.OnlyA != 0 || r.OnlyB != 0 {
			t.Errorf("%s: want no differences: %+v", r.Model, r)
		}
	}
	if !reflect.DeepEqual(keys, map[string]string{"fct_orders": "order_id", "payment_methods": "payment_method"}) {
		t.Errorf("keys: %v", keys)
	}
	if !strings.Contains(res.stderr, `daily_revenue: "shop"."nowhere"."daily_revenue" does not exist: skipped`) {
		t.Errorf("missing relation: want a warning\n%s", res.stderr)
	}
	// A model nothing gives a key to: --key says which column identifies a row.
	res = elt(t, dir, "diff", "-s", "keyless", "--state", "prev")
	if res.code != 2 || !strings.Contains(res.stderr, "keyless has no unique_key config, primary_key constraint or unique test: pass --key") {
		t.Errorf("no key: exit %d\n%s", res.code, res.stderr)
	}
	res = elt(t, dir, "diff", "-s", "keyless", "--state", "prev", "--key", "x")
	if res.code != 0 || !strings.Contains(res.stdout, "no differences") {
		t.Errorf("keyless: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	// Any two relations.
	res = elt(t, dir, "diff", "--a", "main.payments_ledger", "--b", "prev.payments_ledger", "--key", "payment_id")
	if res.code != 0 || !strings.Contains(res.stdout, "differing rows:  1") || !strings.Contains(res.stdout, "amount: ") {
		t.Errorf("--a/--b: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
}

// TestCheckParserOpensAhead: after an edit that renders a node again,
// compile (run and build too) opens the static checks' SQL parser while
// the graph is built, and check (which renders everything) always does; a
// compile with nothing to render again, one with --no-check, and ls do
// not; and the checks find what they find either way.
func TestCheckParserOpensAhead(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, shopProject(map[string]string{
		"models/a.sql": "select 1 as id\n",
		"models/b.sql": "select id from {{ ref('a') }}\n",
	}))
	ahead := func(args ...string) (bool, cliResult) {
		t.Helper()
		res := eltWith(t, dir, map[string]string{"DBT_LOG_LEVEL": "debug"}, append(args, "--log-format", "json")...)
		return strings.Contains(res.stdout+res.stderr, `"CheckParserAhead"`), res
	}
	if got, res := ahead("compile"); !got || res.code != 0 {
		t.Errorf("first compile: parser ahead %t, exit %d\n%s%s", got, res.code, res.stdout, res.stderr)
	}
	if got, _ := ahead("compile"); got {
		t.Error("a compile with nothing rendered again opened the parser ahead")
	}
	writeFiles(t, dir, map[string]string{"models/b.sql": "select id, nope from {{ ref('a') }}\n"})
	if got, _ := ahead("ls"); got {
		t.Error("ls opened the checks' parser")
	}
	if got, res := ahead("compile", "--no-check"); got || res.code != 0 {
		t.Errorf("compile --no-check: parser ahead %t, exit %d", got, res.code)
	}
	writeFiles(t, dir, map[string]string{"models/b.sql": "select id, nope2 from {{ ref('a') }}\n"})
	if got, _ := ahead("compile", "-s", "b"); !got {
		t.Error("compile -s after an edit did not open the parser ahead")
	}
	for _, cmd := range []string{"compile", "check"} {
		writeFiles(t, dir, map[string]string{"models/b.sql": "select id, nope_" + cmd + " from {{ ref('a') }}\n"})
		got, res := ahead(cmd)
		if !got {
			t.Errorf("%s after an edit did not open the parser ahead", cmd)
		}
		if (res.code == 0) != (cmd == "compile") || !strings.Contains(res.stdout+res.stderr, "column nope_"+cmd+" is not a column of a") {
			t.Errorf("%s with the parser opened ahead: exit %d, want the unknown column reported (compile: as a warning)\n%s%s", cmd, res.code, res.stdout, res.stderr)
		}
	}
}

// TestCheckFailsTheNodeAlone: a model the static checks find wrong fails
// alone, before its SQL runs, with the finding as its error; the rest of
// the run goes on as dbt's would when the warehouse fails that model
// (cosmos' multi_folder_failing project).
func TestCheckFailsTheNodeAlone(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/stg.sql", "select 1 as id\n")
	writeFile(t, dir, "models/independent.sql", "select 2 as x\n")
	writeFile(t, dir, "models/bad.sql", "select id, this_column_does_not_exist from {{ ref('stg') }}\n")
	writeFile(t, dir, "models/after_bad.sql", "select * from {{ ref('bad') }}\n")
	res := elt(t, dir, "run")
	if res.code != 1 {
		t.Fatalf("run: exit %d, want 1\n%s%s", res.code, res.stdout, res.stderr)
	}
	wantAll(t, res.stdout, "OK created sql view model main.stg", "OK created sql view model main.independent",
		"ERROR creating sql view model main.bad", "SKIP relation main.after_bad",
		"models/bad.sql:1:12: column this_column_does_not_exist is not a column of stg", "PASS=2 WARN=0 ERROR=1 SKIP=1")
	rr := readRunResults(t, filepath.Join(dir, "target", "run_results.json"))
	if rr["bad"].Status != "error" || rr["stg"].Status != "success" || rr["after_bad"].Status != "skipped" {
		t.Errorf("run results: %+v", rr)
	}
	if got := rowsOf(t, dir, "(select count(*) from information_schema.tables where table_name in ('bad', 'after_bad'))"); got != "0" {
		t.Errorf("bad or after_bad was built: %s", got)
	}
}
