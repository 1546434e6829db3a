package loaders

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/elt-dev/elt/adapters/duckdb"
)

// On DuckDB, files are read by DuckDB itself (read_csv, read_json,
// read_parquet); append evolves the table when a later file brings a new
// column, and merge upserts on the primary key.
func TestFilesIntoDuckDB(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a := openDuck(t, "")
	check := func(qs ...string) {
		t.Helper()
		for _, q := range qs {
			r, err := a.Query(ctx, q)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if r.Rows[0][0] != true {
				t.Errorf("%s: false", q)
			}
		}
	}
	loader := func(disp, path, extra string) *Loader {
		return parseOne(t, fmt.Sprintf("loaders:\n  - name: f\n    connector: files\n    lands: {source: raw, table: t}\n    write_disposition: %s\n%s    options:\n      path: %s\n%s", disp, keyFor(disp), path, extra), nil)
	}
	write("a.tsv", "id\tName\n1\tAnn\n2\tBob\n")
	if res := Run(ctx, a, loader("append", filepath.Join(dir, "*.tsv"), ""), duckRel(a, "t"), RunOptions{}); res.Err != nil {
		t.Fatal(res.Err)
	}
	check("select count(*) = 2 from raw.t where name in ('Ann', 'Bob')")
	write("b.ndjson", `{"id": 3, "name": "Cy", "score": 9.5}`+"\n")
	if res := Run(ctx, a, loader("append", filepath.Join(dir, "b.ndjson"), ""), duckRel(a, "t"), RunOptions{}); res.Err != nil {
		t.Fatal(res.Err)
	}
	check("select count(*) = 3 from raw.t", "select count(*) = 1 from raw.t where id = 3 and score = 9.5", "select count(distinct _elt_load_id) = 2 from raw.t")
	write("c.json", `[{"id": 1, "name": "Ann B"}, {"id": 4, "name": "Di"}]`)
	if res := Run(ctx, a, loader("merge", filepath.Join(dir, "c.json"), ""), duckRel(a, "t"), RunOptions{}); res.Err != nil {
		t.Fatal(res.Err)
	}
	check("select count(*) = 4 from raw.t", "select count(*) = 1 from raw.t where id = 1 and name = 'Ann B'")
	// Parquet, written by DuckDB, replaces the table atomically.
	pq := filepath.Join(dir, "p.parquet")
	if err := a.Exec(ctx, fmt.Sprintf("copy (select range as id, 'x' || range as name from range(10)) to '%s' (format parquet)", pq)); err != nil {
		t.Fatal(err)
	}
	res := Run(ctx, a, loader("replace", pq, ""), duckRel(a, "t"), RunOptions{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	check("select count(*) = 10 from raw.t", "select count(*) = 0 from duckdb_tables() where table_name like '%__elt_new'")
	if res.Rows != 10 {
		t.Fatalf("want 10 rows reported, got %d", res.Rows)
	}
	// A missing file fails the load and leaves the table.
	res = Run(ctx, a, loader("replace", filepath.Join(dir, "none*.csv"), ""), duckRel(a, "t"), RunOptions{})
	if res.Err == nil {
		t.Fatal("want an error for a glob matching nothing")
	}
	check("select count(*) = 10 from raw.t", "select count(*) = 1 from raw._elt_loads where status = 'error' and error_message like '%matches no file%'")
}

// s3:// and gs:// paths are read by DuckDB's httpfs with a temporary
// secret made from environment variables.
func TestObjectStorageCredentials(t *testing.T) {
	env := map[string]string{"MY_KEY": "AKIDEXAMPLE", "MY_SECRET": "s3cr3t'x", "AWS_ACCESS_KEY_ID": "AKIDDEFAULT", "AWS_SECRET_ACCESS_KEY": "defaultsecret"}
	l := parseOne(t, "loaders:\n  - name: s\n    connector: files\n    lands: {source: raw, table: t}\n    options:\n      path: s3://bucket/orders/*.parquet\n      credentials: {key_id_env: MY_KEY, secret_env: MY_SECRET, region: eu-west-1}\n", env)
	stmts, err := l.Conn.(*files).NativeSetup()
	if err != nil {
		t.Fatal(err)
	}
	want := "create or replace temporary secret elt_loader_s3 (TYPE S3, KEY_ID 'AKIDEXAMPLE', SECRET 's3cr3t''x', REGION 'eu-west-1')"
	if len(stmts) != 1 || stmts[0] != want {
		t.Fatalf("want [%s], got %q", want, stmts)
	}
	// Without credentials: the usual AWS variables.
	l = parseOne(t, "loaders:\n  - name: s\n    connector: files\n    lands: {source: raw, table: t}\n    options:\n      path: gs://bucket/a.csv\n", env)
	stmts, _ = l.Conn.(*files).NativeSetup()
	if len(stmts) != 1 || stmts[0] != "create or replace temporary secret elt_loader_gs (TYPE GCS, KEY_ID 'AKIDDEFAULT', SECRET 'defaultsecret')" {
		t.Fatalf("got %q", stmts)
	}
	// The load itself is not run here: with httpfs installed it would
	// reach the public internet, which tests never do.
}

// Malformed CSV rows read by DuckDB land in the rejected table with the
// line and the reason (max_rejected > 0); past max_rejected the load
// fails and the table keeps its rows.
func TestDuckDBCSVRejects(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := filepath.Join(dir, "a.csv")
	if err := os.WriteFile(p, []byte("id,name\n1,a\n2,b,extra\n3,c\n4,d,x,y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a := openDuck(t, "")
	run := func(max int) Result {
		l := parseOne(t, fmt.Sprintf("loaders:\n  - name: r\n    connector: files\n    lands: {source: raw, table: t}\n    write_disposition: replace\n    max_rejected: %d\n    options: {path: %s}\n", max, p), nil)
		return Run(ctx, a, l, duckRel(a, "t"), RunOptions{})
	}
	res := run(2)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if res.Rows != 2 || res.Rejected != 2 {
		t.Fatalf("want 2 rows and 2 rejected, got %d and %d", res.Rows, res.Rejected)
	}
	if got := queryInt(t, a, "select count(*) from raw._elt_rejected where reason like 'line 3: %' and record = '2,b,extra'"); got != 1 {
		t.Fatalf("want line 3 rejected with its text, got %d", got)
	}
	res = run(1)
	if res.Err == nil || !strings.Contains(res.Err.Error(), "2 rows rejected, more than max_rejected (1)") {
		t.Fatalf("want a max_rejected failure, got %v", res.Err)
	}
	if got := queryInt(t, a, "select count(*) from raw.t"); got != 2 {
		t.Fatalf("the failed load changed the table: %d rows", got)
	}
}

// NDJSON with a malformed line, max_rejected > 0, on DuckDB: the lines go
// through the Appender, and the bad one is rejected with its text.
func TestDuckDBNDJSONRejects(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.ndjson")
	if err := os.WriteFile(p, []byte("{\"id\": 1}\n{oops\n{\"id\": 2, \"tags\": [\"a\"]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a := openDuck(t, "")
	l := parseOne(t, "loaders:\n  - name: r\n    connector: files\n    lands: {source: raw, table: t}\n    max_rejected: 5\n    options: {path: "+p+"}\n", nil)
	res := Run(context.Background(), a, l, duckRel(a, "t"), RunOptions{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if res.Rows != 2 || res.Rejected != 1 {
		t.Fatalf("want 2 rows and 1 rejected, got %d and %d", res.Rows, res.Rejected)
	}
	if got := queryInt(t, a, "select count(*) from raw._elt_rejected where record = '{oops' and reason like 'not a JSON object%'"); got != 1 {
		t.Fatalf("want the bad line in the rejected table, got %d", got)
	}
	if got := queryInt(t, a, "select count(*) from raw.t where tags = '[\"a\"]'"); got != 1 {
		t.Fatalf("want the array kept as JSON, got %d", got)
	}
}

// An http(s) URL is fetched (here from a local server) and read like a
// local file: by DuckDB's reader, or streamed in pages elsewhere.
func TestFilesFromURL(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/exports/orders.csv" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, "id,total\n1,9.5\n2,3\n")
	}))
	defer ts.Close()
	a := openDuck(t, "")
	l := parseOne(t, "loaders:\n  - name: u\n    connector: files\n    lands: {source: raw, table: t}\n    options: {path: "+ts.URL+"/exports/orders.csv}\n", nil)
	res := Run(context.Background(), a, l, duckRel(a, "t"), RunOptions{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if got := queryInt(t, a, "select count(*) from raw.t where total in (9.5, 3)"); got != 2 {
		t.Fatalf("want 2 rows, got %d", got)
	}
	l = parseOne(t, "loaders:\n  - name: u\n    connector: files\n    lands: {source: raw, table: t}\n    options: {path: "+ts.URL+"/missing.csv}\n", nil)
	res = Run(context.Background(), a, l, duckRel(a, "t"), RunOptions{})
	if res.Err == nil || !strings.Contains(res.Err.Error(), "404") {
		t.Fatalf("want a 404 error, got %v", res.Err)
	}
}

// TestLoadsDoNotRereadTheCatalog: landing files into many tables, each
// load's own statements (its staging table, the swap or merge, the
// landed table's new columns) are followed by the adapter's relation
// cache, so the loads read DuckDB's list of every relation once, not once
// a load (duckdb_tables() costs more the more relations the database
// holds), and read no information_schema view (which lists every column
// of every table). The tables end up as landed.
func TestLoadsDoNotRereadTheCatalog(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var scans, infoSchema atomic.Int64
	a, err := duckdb.Open(ctx, duckdb.Config{Path: filepath.Join(dir, "w.duckdb"), Trace: func(sql string) {
		if strings.Contains(sql, "duckdb_tables()") {
			scans.Add(1)
		}
		if strings.Contains(sql, "information_schema") {
			infoSchema.Add(1)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	const tables = 12
	for round, disp := range []string{"replace", "merge", "append"} {
		for i := range tables {
			path := filepath.Join(dir, fmt.Sprintf("t%d.csv", i))
			// Each round brings a new column: the landed table evolves.
			content := "id,a" + strings.Repeat(fmt.Sprintf(",c%d", round), min(round, 1)) + "\n"
			for r := range 5 {
				content += fmt.Sprintf("%d,%d", r, r*i) + strings.Repeat(",x", min(round, 1)) + "\n"
			}
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			l := parseOne(t, fmt.Sprintf("loaders:\n  - name: l%d\n    connector: files\n    lands: {source: raw, table: t%d}\n    write_disposition: %s\n%s    schema_contract: evolve\n    options:\n      path: %s\n", i, i, disp, keyFor(disp), path), nil)
			if res := Run(ctx, a, l, duckRel(a, fmt.Sprintf("t%d", i)), RunOptions{}); res.Err != nil {
				t.Fatalf("round %d, t%d: %v", round, i, res.Err)
			}
		}
	}
	if n := scans.Load(); n > 1 {
		t.Errorf("%d loads read the catalog's relations %d times, want once", 3*tables, n)
	}
	if n := infoSchema.Load(); n != 0 {
		t.Errorf("%d loads queried information_schema %d times, want none", 3*tables, n)
	}
	for i := range tables {
		// replace: 5 rows; merge on id: the same 5; append: 5 more.
		if got := queryInt(t, a, fmt.Sprintf("select count(*) from raw.t%d where a = id * %d", i, i)); got != 10 {
			t.Errorf("t%d: %d rows, want 10", i, got)
		}
		if got := queryInt(t, a, fmt.Sprintf("select count(*) from raw.t%d where c1 = 'x' and c2 = 'x'", i)); got != 0 {
			t.Errorf("t%d: rows with both new columns set: %d", i, got)
		}
	}
}
