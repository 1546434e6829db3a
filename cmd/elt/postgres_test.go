package main

import (
	"context"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/project"
	"github.com/jackc/pgx/v5"
)

// pgEnv turns ELT_TEST_POSTGRES_URL into the ELT_PG_* variables the
// example's pg target reads, with a fresh schema per test.
func pgEnv(t *testing.T, schema string) {
	t.Helper()
	raw := os.Getenv("ELT_TEST_POSTGRES_URL")
	if raw == "" {
		t.Skip("set ELT_TEST_POSTGRES_URL (scripts/postgres.sh start prints it) to run the Postgres tests")
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("ELT_TEST_POSTGRES_URL: %v", err)
	}
	pw, _ := u.User.Password()
	t.Setenv("ELT_PG_HOST", u.Hostname())
	t.Setenv("ELT_PG_PORT", u.Port())
	t.Setenv("ELT_PG_USER", u.User.Username())
	t.Setenv("ELT_PG_PASSWORD", pw)
	t.Setenv("ELT_PG_DBNAME", strings.TrimPrefix(u.Path, "/"))
	t.Setenv("ELT_PG_SCHEMA", schema)
}

// pgSchema is pgEnv plus a connection to the test server and schema,
// dropped before the test and again after it (before the connection
// closes).
func pgSchema(t *testing.T, schema string) (context.Context, *pgx.Conn) {
	t.Helper()
	pgEnv(t, schema)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Getenv("ELT_TEST_POSTGRES_URL"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	if _, err := conn.Exec(ctx, "drop schema if exists "+schema+" cascade"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = conn.Exec(ctx, "drop schema if exists "+schema+" cascade") })
	return ctx, conn
}

// relationValues reads every row of rel through the target's own adapter,
// each value normalised so that DuckDB and Postgres results compare equal
// when they mean the same thing (2.50 and 2.5, a date and a midnight timestamp).
func relationValues(t *testing.T, a adapters.Adapter, rel string) []string {
	t.Helper()
	res, err := a.Query(context.Background(), "select * from "+rel)
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	var out []string
	for _, row := range res.Rows {
		var vals []string
		for i, v := range row {
			vals = append(vals, res.Columns[i]+"="+normalise(v))
		}
		out = append(out, strings.Join(vals, "|"))
	}
	sort.Strings(out)
	return out
}

func normalise(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05")
	case float32, float64, int, int8, int16, int32, int64, uint8, uint16, uint32, uint64, *big.Int:
		f, _ := new(big.Float).SetString(fmt.Sprint(x))
		if f == nil {
			return fmt.Sprint(x)
		}
		return f.Text('f', 4)
	case string:
		if f, ok := new(big.Float).SetString(x); ok && strings.ContainsAny(x, "0123456789") && !strings.ContainsAny(x, "-:") {
			return f.Text('f', 4)
		}
		return x
	}
	s := fmt.Sprint(v)
	if f, ok := new(big.Float).SetString(s); ok {
		return f.Text('f', 4)
	}
	return s
}

// TestExampleSameOnPostgresAndDuckDB builds examples/shop on both
// warehouses and compares every model's rows.
func TestExampleSameOnPostgresAndDuckDB(t *testing.T) {
	schema := fmt.Sprintf("shop_%d", time.Now().UnixNano()%1_000_000_000)
	pgEnv(t, schema)
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "examples", "shop"), dir)
	if res := elt(t, dir, "build"); res.code != 0 {
		t.Fatalf("duckdb build: %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	res := elt(t, dir, "build", "--target", "pg")
	if res.code != 0 {
		t.Fatalf("postgres build: %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	ctx := context.Background()
	open := func(target string) (adapters.Adapter, *project.Project) {
		p, err := project.Load(ctx, project.Options{ProjectDir: dir, WorkDir: dir, Target: target, Env: os.LookupEnv, HomeDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		a, err := openAdapter(ctx, p, dir, p.Target.Threads)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		return a, p
	}
	duck, _ := open("dev")
	pg, _ := open("pg")
	defer func() { _ = pg.Exec(ctx, `drop schema "`+schema+`" cascade`) }()
	models := []string{"stg_customers", "stg_products", "stg_orders", "stg_order_items", "stg_payments", "fct_orders", "dim_customers", "daily_revenue", "payments_ledger", "payment_methods"}
	for _, m := range models {
		d := relationValues(t, duck, "main."+m)
		p := relationValues(t, pg, `"`+schema+`".`+m)
		if len(d) == 0 {
			t.Errorf("%s: no rows on DuckDB", m)
		}
		if strings.Join(d, "\n") != strings.Join(p, "\n") {
			for i := range d {
				if i >= len(p) || d[i] != p[i] {
					pi := "<none>"
					if i < len(p) {
						pi = p[i]
					}
					t.Errorf("%s differs (%d vs %d rows); first difference:\n duckdb:   %s\n postgres: %s", m, len(d), len(p), d[i], pi)
					break
				}
			}
		}
	}
}

// TestPostgresConnectionErrors: each bad connection setting gives one clear
// line naming the profile and target, exit code 1, and never the password.
func TestPostgresConnectionErrors(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"wrong password", map[string]string{"ELT_PG_PASSWORD": "s3cret-wrong"}, "password authentication failed"},
		{"unreachable host", map[string]string{"ELT_PG_PORT": "1", "ELT_PG_PASSWORD": "s3cret-wrong"}, "refused"},
		{"missing database", map[string]string{"ELT_PG_DBNAME": "no_such_db"}, "no_such_db"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pgEnv(t, "shop_errors")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			dir := t.TempDir()
			copyTree(t, filepath.Join("..", "..", "examples", "shop"), dir)
			for _, args := range [][]string{{"build", "--target", "pg"}, {"debug", "--target", "pg"}} {
				res := elt(t, dir, args...)
				all := res.stdout + res.stderr
				if res.code != 1 {
					t.Errorf("%v: exit %d, want 1\n%s", args, res.code, all)
				}
				errLines := strings.Split(strings.TrimSpace(res.stderr), "\n")
				if len(errLines) != 1 || !strings.Contains(errLines[0], `profile "shop" target "pg"`) || !strings.Contains(errLines[0], tc.want) {
					t.Errorf("%v: want one line naming the profile, target and %q; stderr:\n%s", args, tc.want, res.stderr)
				}
				if strings.Contains(all, "s3cret-wrong") {
					t.Errorf("%v: output shows the password", args)
				}
				if strings.Contains(all, "goroutine") {
					t.Errorf("%v: stack trace in output", args)
				}
			}
		})
	}
}

// TestPostgresRunOperationConnectionErrorAsDBT: dbt's run-operation opens
// its connection inside the operation (task/run_operation.py _run_unsafe),
// so a database it cannot reach is the operation's error: "Encountered an
// error while running operation", manifest.json and a run_results.json
// with the macro's error, exit 1.
func TestPostgresRunOperationConnectionErrorAsDBT(t *testing.T) {
	pgEnv(t, "op_errors")
	t.Setenv("ELT_PG_PASSWORD", "s3cret-wrong")
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "examples", "shop"), dir)
	writeFile(t, dir, "macros/say_hi.sql", "{% macro say_hi() %}{% do run_query('select 1') %}{% endmacro %}\n")
	res := elt(t, dir, "run-operation", "say_hi", "--target", "pg")
	if res.code != 1 || !strings.Contains(res.stdout+res.stderr, "Encountered an error while running operation") ||
		!strings.Contains(res.stdout+res.stderr, "password authentication failed") {
		t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if strings.Contains(res.stdout+res.stderr, "s3cret-wrong") {
		t.Errorf("output shows the password")
	}
	rr := runResultEntries(t, dir)
	if e := rr["macro.shop.say_hi"]; len(rr) != 1 || e == nil || e["status"] != "error" {
		t.Errorf("run_results.json: %v", rr)
	}
	if _, err := os.Stat(filepath.Join(dir, "target", "manifest.json")); err != nil {
		t.Errorf("manifest.json: %v", err)
	}
}

// TestPostgresSQLErrorNamesLine: a warehouse error on Postgres names the
// model file and the template line, as on DuckDB.
func TestPostgresSQLErrorNamesLine(t *testing.T) {
	pgEnv(t, fmt.Sprintf("errline_%d", time.Now().UnixNano()%1_000_000_000))
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "examples", "shop"), dir)
	writeFile(t, dir, "models/staging/stg_customers.sql", "select\n    customer_id,\n    frist_name\nfrom {{ ref('raw_customers') }}\n")
	// The static checks find it first, parsing the SQL with Postgres's
	// parser, and fail the model with it.
	res := elt(t, dir, "build", "--target", "pg", "--select", "raw_customers", "stg_customers")
	if want := "models/staging/stg_customers.sql:3:5: column frist_name is not a column of raw_customers"; res.code != 1 || !strings.Contains(res.stdout, want) || !strings.Contains(res.stdout, "hint: did you mean first_name?") {
		t.Errorf("exit %d; want the static check's %q\n%s", res.code, want, res.stdout)
	}
	// Without them, the warehouse reports it at the same line.
	res = elt(t, dir, "build", "--target", "pg", "--select", "raw_customers", "stg_customers", "--no-check")
	if res.code != 1 || !strings.Contains(res.stdout, "  at models/staging/stg_customers.sql:3\n") || !strings.Contains(res.stdout, "  column \"frist_name\" does not exist\n") {
		t.Errorf("exit %d; want the error at models/staging/stg_customers.sql:3\n%s", res.code, res.stdout)
	}
	p, err := project.Load(context.Background(), project.Options{ProjectDir: dir, WorkDir: dir, Target: "pg", Env: os.LookupEnv, HomeDir: t.TempDir()})
	if err == nil {
		if a, err := openAdapter(context.Background(), p, dir, p.Target.Threads); err == nil {
			_ = a.Exec(context.Background(), `drop schema if exists "`+os.Getenv("ELT_PG_SCHEMA")+`" cascade`)
			a.Close()
		}
	}
}

// TestPostgresLongNamesFailTheirNode: as dbt-postgres (PostgresRelation
// refuses an identifier longer than 63 characters when the node builds
// it), a model whose name PostgreSQL would truncate fails with dbt's
// message when it runs, and only it: the rest of the project builds, and
// a selection without it succeeds.
func TestPostgresLongNamesFailTheirNode(t *testing.T) {
	schema := fmt.Sprintf("longnames_%d", time.Now().UnixNano()%1_000_000_000)
	ctx, conn := pgSchema(t, schema)
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", pgProfile)
	long := "my_name_is_one_over_max_length_chats_abcdefghijklmnopqrstuvwxyz1" // 64
	max := "my_name_is_max_length_chars_abcdefghijklmnopqrstuvwxyz123456789"   // 63
	writeFile(t, dir, "models/"+long+".sql", "select 1 as id\n")
	writeFile(t, dir, "models/"+max+".sql", "{{ config(materialized='table') }}\nselect 2 as id\n")
	writeFile(t, dir, "models/short_model.sql", "select 3 as id\n")
	if res := elt(t, dir, "run", "-s", "short_model", max); res.code != 0 {
		t.Fatalf("run of the short models: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	res := elt(t, dir, "run")
	all := res.stdout + res.stderr
	if res.code != 1 {
		t.Errorf("run: exit %d, want 1 (one model failed)\n%s", res.code, all)
	}
	wantAll(t, all, "Relation name '"+long+"' is longer than 63 characters", "PASS=2 WARN=0 ERROR=1")
	var n int
	if err := conn.QueryRow(ctx, "select count(*) from information_schema.tables where table_schema = $1", schema).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d relations in %s, want the two short models'", n, schema)
	}
}

// TestPostgresSecretUserScrubbed: a user name read from a DBT_ENV_SECRET_
// variable never reaches the output, whatever case Postgres prints it in.
func TestPostgresSecretUserScrubbed(t *testing.T) {
	pgEnv(t, "secret_user")
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "examples", "shop"), dir)
	t.Setenv("DBT_ENV_SECRET_PG_USER", "Svc_Secret_Loader")
	replaceIn(t, dir, "profiles.yml", `user: "{{ env_var('ELT_PG_USER', 'postgres') }}"`, `user: "{{ env_var('DBT_ENV_SECRET_PG_USER') }}"`)
	res := elt(t, dir, "debug", "--target", "pg")
	all := res.stdout + res.stderr
	if res.code != 1 {
		t.Errorf("exit %d, want 1 (no such role)\n%s", res.code, all)
	}
	if strings.Contains(strings.ToLower(all), "svc_secret_loader") {
		t.Errorf("output shows the secret user name:\n%s", all)
	}
	if !strings.Contains(all, "*****") {
		t.Errorf("output does not show where the secret was scrubbed:\n%s", all)
	}
}

// TestDocsGenerateCatalogPostgres: on Postgres the catalog has
// dbt-postgres's table types and owners, format_type's type names, and the
// row estimate and size of tables once they are analyzed.
func TestDocsGenerateCatalogPostgres(t *testing.T) {
	schema := fmt.Sprintf("catalog_%d", time.Now().UnixNano()%1_000_000_000)
	pgEnv(t, schema)
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "examples", "shop"), dir)
	if r := elt(t, dir, "build", "--target", "pg"); r.code != 0 {
		t.Fatalf("build: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
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
	defer func() { _ = a.Exec(ctx, `drop schema "`+schema+`" cascade`) }()
	if err := a.Exec(ctx, `analyze "`+schema+`".fct_orders`); err != nil {
		t.Fatal(err)
	}
	r := elt(t, dir, "docs", "generate", "--target", "pg")
	if r.code != 0 {
		t.Fatalf("docs generate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	c := readCatalog(t, dir)
	fct := c.Nodes["model.shop.fct_orders"]
	if fct.Metadata.Type != "BASE TABLE" || fct.Metadata.Schema != schema || fct.Metadata.Owner == nil || *fct.Metadata.Owner == "" {
		t.Errorf("fct_orders metadata: %+v", fct.Metadata)
	}
	if got := fct.Columns["ordered_at"]; got.Type != "timestamp without time zone" || got.Index != 3 {
		t.Errorf("fct_orders.ordered_at: %+v", got)
	}
	// Stats as dbt-postgres's: its catalog query has no stats columns,
	// so only has_stats, false, even after ANALYZE.
	if hs := fct.Stats["has_stats"]; len(fct.Stats) != 1 || hs.Value != false {
		t.Errorf("fct_orders stats after analyze: %+v", fct.Stats)
	}
	if stg := c.Nodes["model.shop.stg_orders"]; stg.Metadata.Type != "VIEW" || stg.Stats["has_stats"].Value != false {
		t.Errorf("the view stg_orders: %+v", stg)
	}
	// Every relation the shop builds, dim_products in two versions; the
	// ephemeral model has none.
	if len(c.Nodes) != 18 || c.Nodes["model.shop.dim_products.v2"].Metadata.Name != "dim_products_v2" {
		t.Errorf("want 18 nodes with dim_products_v2, got %d: %v", len(c.Nodes), keys(c.Nodes))
	}
}

// TestPostgresSnapshotResponsesAsDBT: dbt-postgres reports a snapshot's
// first run as its create table as (SELECT n) and a later one as the
// insert that ends snapshot_merge_sql (INSERT 0 <rows inserted>).
func TestPostgresSnapshotResponsesAsDBT(t *testing.T) {
	pgSchema(t, "snapshot_responses")
	dir := miniProject(t, "")
	writeFile(t, dir, "profiles.yml", pgProfile)
	writeFile(t, dir, "snapshots/s.sql", "{% snapshot s %}\n{{ config(unique_key='id', strategy='check', check_cols='all', target_schema=target.schema) }}\nselect * from {{ ref('src') }}\n{% endsnapshot %}\n")
	writeFile(t, dir, "seeds/src.csv", "id,v\n1,a\n2,b\n")
	mustElt(t, dir, "seed")
	if res := mustElt(t, dir, "snapshot"); !strings.Contains(res.stdout, "[SELECT 2 in ") {
		t.Errorf("first snapshot, want SELECT 2:\n%s", res.stdout)
	}
	writeFile(t, dir, "seeds/src.csv", "id,v\n1,a\n2,c\n3,d\n")
	mustElt(t, dir, "seed")
	if res := mustElt(t, dir, "snapshot"); !strings.Contains(res.stdout, "[INSERT 0 2 in ") {
		t.Errorf("second snapshot (one changed, one new), want INSERT 0 2:\n%s", res.stdout)
	}
}
