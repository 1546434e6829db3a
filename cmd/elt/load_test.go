package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// elt load lands a local CSV (DuckDB's reader) and a paginated API into
// declared sources; a model reads them; JSON events carry the counts.
func TestLoadCommand(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		var recs []map[string]any
		for id := (page-1)*4 + 1; id <= page*4 && id <= 10; id++ {
			recs = append(recs, map[string]any{"id": id, "status": "open", "customer": map[string]any{"name": fmt.Sprintf("c%d", id)}})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"results": recs})
	}))
	defer api.Close()
	dir := starterProject(t)
	writeFile(t, dir, "data/customers.csv", "id;name\n1;Ann\n2;Bob\n3;Cy\n")
	writeFile(t, dir, "models/sources.yml", `version: 2
sources:
  - name: raw
    tables:
      - name: customers
      - name: orders
`)
	writeFile(t, dir, "models/open_orders.sql", "select count(*) as n from {{ source('raw', 'orders') }} where status = 'open'\n")
	writeFile(t, dir, "loaders/raw.yml", `loaders:
  - name: customers_file
    connector: files
    lands: {source: raw, table: customers}
    write_disposition: replace
    options:
      path: data/*.csv
      delimiter: ";"
  - name: orders_api
    connector: http
    lands: {source: raw, table: orders}
    write_disposition: merge
    primary_key: id
    options:
      base_url: `+api.URL+`
      path: /orders
      records_path: results
      paginate: {style: page_number, page_param: page}
`)
	res := elt(t, dir, "load", "--log-format", "json")
	if res.code != 0 {
		t.Fatalf("load: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	rows := map[string]float64{}
	for _, line := range strings.Split(strings.TrimSpace(res.stdout), "\n") {
		var ev struct {
			Info struct{ Name string }
			Data map[string]any
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not a JSON event: %q", line)
		}
		if ev.Info.Name == "LoaderResult" {
			rows[ev.Data["loader"].(string)] = ev.Data["rows"].(float64)
		}
	}
	if rows["customers_file"] != 3 || rows["orders_api"] != 10 {
		t.Fatalf("LoaderResult rows: want customers_file 3, orders_api 10; got %v\n%s", rows, res.stdout)
	}
	// Merge: a second load upserts, the table keeps 10 rows.
	res = elt(t, dir, "load", "--select", "orders_api")
	if res.code != 0 || !strings.Contains(res.stdout, "OK loaded orders_api") || strings.Contains(res.stdout, "customers_file") {
		t.Fatalf("load --select: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if res := elt(t, dir, "build"); res.code != 0 {
		t.Fatalf("build: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	db := openDB(t, filepath.Join(dir, "demo.duckdb"))
	var n, orders, names int
	if err := db.QueryRow("select n from main.open_orders").Scan(&n); err != nil || n != 10 {
		t.Fatalf("open_orders: want 10, got %d (%v)", n, err)
	}
	if err := db.QueryRow("select count(*) from raw.orders").Scan(&orders); err != nil || orders != 10 {
		t.Fatalf("raw.orders after two merges: want 10, got %d (%v)", orders, err)
	}
	if err := db.QueryRow("select count(*) from raw.customers where name in ('Ann', 'Bob', 'Cy')").Scan(&names); err != nil || names != 3 {
		t.Fatalf("raw.customers: want 3, got %d (%v)", names, err)
	}
}

// A loader landing an undeclared source, and an unknown option, are
// positioned errors.
func TestLoadBadDeclarations(t *testing.T) {
	dir := starterProject(t)
	writeFile(t, dir, "loaders/bad.yml", `loaders:
  - name: ghost
    connector: files
    lands: {source: raw, table: nowhere}
    options:
      path: data/x.csv
  - name: typo
    connector: http
    lands: {source: raw, table: nowhere2}
    options:
      base_url: http://127.0.0.1:1
      recrds_path: data
`)
	res := elt(t, dir, "load")
	if res.code == 0 {
		t.Fatal("want a failure")
	}
	out := res.stdout + res.stderr
	wantAll(t, out,
		`loaders/bad.yml:2:5: loader "ghost" lands source raw.nowhere, which no properties file declares`,
		`loaders/bad.yml:12:7: unknown option "recrds_path"`,
	)
}

// elt build --select +mart runs the loaders upstream of mart first
// (loader -> source -> model), and only those.
func TestBuildRunsUpstreamLoadersFirst(t *testing.T) {
	dir := starterProject(t)
	writeFile(t, dir, "data/a.csv", "id\n1\n2\n")
	writeFile(t, dir, "data/b.csv", "id\n7\n")
	writeFile(t, dir, "models/sources.yml", "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: a\n      - name: b\n")
	writeFile(t, dir, "models/mart_a.sql", "select sum(id) as total from {{ source('raw', 'a') }}\n")
	writeFile(t, dir, "models/mart_b.sql", "select sum(id) as total from {{ source('raw', 'b') }}\n")
	writeFile(t, dir, "loaders/raw.yml", `loaders:
  - name: load_a
    connector: files
    lands: {source: raw, table: a}
    write_disposition: replace
    options: {path: data/a.csv}
  - name: load_b
    connector: files
    lands: {source: raw, table: b}
    write_disposition: replace
    options: {path: data/b.csv}
`)
	res := elt(t, dir, "build", "--select", "+mart_a")
	if res.code != 0 {
		t.Fatalf("build: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stdout, "OK loaded load_a") || strings.Contains(res.stdout, "load_b") {
		t.Fatalf("want load_a loaded and load_b not:\n%s", res.stdout)
	}
	if i, j := strings.Index(res.stdout, "OK loaded load_a"), strings.Index(res.stdout, "mart_a"); j < i {
		t.Fatalf("mart_a ran before its loader:\n%s", res.stdout)
	}
	db := openDB(t, filepath.Join(dir, "demo.duckdb"))
	var total int
	if err := db.QueryRow("select total from main.mart_a").Scan(&total); err != nil || total != 3 {
		t.Fatalf("mart_a: want 3, got %d (%v)", total, err)
	}
	var n int
	if err := db.QueryRow("select count(*) from information_schema.tables where table_schema = 'raw' and table_name = 'b'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("raw.b was loaded (%d, %v)", n, err)
	}
	db.Close()

	// elt ls lists loaders as the DAG's roots; resource_type:loader selects them.
	if res := elt(t, dir, "ls", "--select", "+mart_a", "--output", "name"); res.code != 0 || !strings.Contains(res.stdout, "load_a\n") || strings.Contains(res.stdout, "load_b") {
		t.Errorf("ls +mart_a: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	res = elt(t, dir, "ls", "--select", "resource_type:loader", "--output", "json")
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(res.stdout), "\n") {
		var l struct {
			Name     string
			UniqueID string `json:"unique_id"`
			Lands    struct{ Source, Table string }
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("ls json line %q: %v", line, err)
		}
		got = append(got, l.Name+" "+l.UniqueID+" "+l.Lands.Source+"."+l.Lands.Table)
	}
	if want := []string{"load_a loader.demo.load_a raw.a", "load_b loader.demo.load_b raw.b"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("ls resource_type:loader: %v, want %v", got, want)
	}
}

// loader-paths in dbt_project.yml moves the loader files; a malformed
// value is a positioned error.
func TestLoaderPaths(t *testing.T) {
	dir := starterProject(t)
	writeFile(t, dir, "data/a.csv", "id\n1\n")
	writeFile(t, dir, "models/sources.yml", "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: a\n")
	writeFile(t, dir, "ingest/a.yml", "loaders:\n  - name: load_a\n    connector: files\n    lands: {source: raw, table: a}\n    options: {path: data/a.csv}\n")
	writeFile(t, dir, "loaders/ignored.yml", "loaders:\n  - name: ignored\n    connector: nope\n")
	project := filepath.Join(dir, "dbt_project.yml")
	b, err := os.ReadFile(project)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(project, append(b, []byte("\nloader-paths: [\"ingest\"]\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	res := elt(t, dir, "load")
	if res.code != 0 || !strings.Contains(res.stdout, "OK loaded load_a") {
		t.Fatalf("load: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if err := os.WriteFile(project, append(b, []byte("\nloader-paths: ingest\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	res = elt(t, dir, "load")
	lines := strings.Count(string(b), "\n")
	want := fmt.Sprintf("dbt_project.yml:%d:1: loader-paths must be a list of folder names", lines+2)
	if res.code == 0 || !strings.Contains(res.stdout+res.stderr, want) {
		t.Fatalf("want %q, got exit %d\n%s%s", want, res.code, res.stdout, res.stderr)
	}
}

// elt load runs loaders on --threads at once, never more; loaders that
// land one table (through sources that name it alike) run one after
// another, in their order; every table ends up landed. The API holds the first requests until as many are in flight as
// there are threads (or a few seconds pass), so how many ran at once is
// seen, not timed.
func TestLoadersRunOnThreads(t *testing.T) {
	var (
		mu       sync.Mutex
		inFlight int
		most     int
		hold     = 0 // the first requests are held until this many are in flight
		arrivals int
		sameBusy int
		overlap  bool
	)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		same := strings.HasPrefix(r.URL.Path, "/same")
		if same {
			overlap = overlap || sameBusy > 0
			sameBusy++
		}
		arrivals++
		wait := arrivals <= hold // the first wave only
		mu.Unlock()
		if same {
			// Long enough for another loader of the table to start, if
			// one could.
			time.Sleep(200 * time.Millisecond)
			mu.Lock()
			overlap = overlap || sameBusy > 1
			mu.Unlock()
		}
		if wait {
			deadline := time.After(10 * time.Second)
		waiting:
			for {
				mu.Lock()
				enough := inFlight >= hold
				mu.Unlock()
				if enough {
					break
				}
				select {
				case <-deadline:
					break waiting
				case <-time.After(5 * time.Millisecond):
				}
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"data": []map[string]any{{"id": 1, "path": r.URL.Path}}})
		mu.Lock()
		inFlight--
		if same {
			sameBusy--
		}
		mu.Unlock()
	}))
	defer api.Close()
	dir := starterProject(t)
	var tables, decl strings.Builder
	for i := range 6 {
		fmt.Fprintf(&tables, "      - name: t%d\n", i)
		fmt.Fprintf(&decl, "  - name: l%d\n    connector: http\n    lands: {source: api, table: t%d}\n    write_disposition: replace\n    options:\n      base_url: %s\n      path: /t%d\n      records_path: data\n", i, i, api.URL, i)
	}
	// Three sources name one table: their loaders land it in turn.
	for i, name := range []string{"same_a", "same_b", "same_c"} {
		fmt.Fprintf(&decl, "  - name: %s\n    connector: http\n    lands: {source: %s, table: same}\n    write_disposition: append\n    options:\n      base_url: %s\n      path: /%s\n      records_path: data\n", name, []string{"api", "api_b", "api_c"}[i], api.URL, name)
	}
	writeFile(t, dir, "models/api.yml", "version: 2\nsources:\n  - name: api\n    tables:\n"+tables.String()+"      - name: same\n"+
		"  - name: api_b\n    schema: api\n    tables:\n      - name: same\n  - name: api_c\n    schema: api\n    tables:\n      - name: same\n        identifier: SAME\n")
	writeFile(t, dir, "loaders/api.yml", "loaders:\n"+decl.String())
	for _, threads := range []int{3, 1} {
		mu.Lock()
		most, hold, arrivals = 0, threads, 0
		mu.Unlock()
		res := elt(t, dir, "load", "--threads", strconv.Itoa(threads))
		if res.code != 0 {
			t.Fatalf("load --threads %d: exit %d\n%s%s", threads, res.code, res.stdout, res.stderr)
		}
		mu.Lock()
		if most != threads {
			t.Errorf("--threads %d: %d loaders ran at once at most", threads, most)
		}
		if overlap {
			t.Errorf("--threads %d: two loaders of the same table ran at once", threads)
		}
		mu.Unlock()
		if !strings.Contains(res.stdout, "Finished 9 loaders: 9 rows") {
			t.Errorf("--threads %d: want 9 loaders and rows in the summary:\n%s", threads, res.stdout)
		}
	}
	db := openDB(t, filepath.Join(dir, "demo.duckdb"))
	for i := range 6 {
		var n int
		if err := db.QueryRow(fmt.Sprintf("select count(*) from api.t%d where path = '/t%d'", i, i)).Scan(&n); err != nil || n != 1 {
			t.Errorf("api.t%d: %d rows (%v), want 1", i, n, err)
		}
	}
	// Appended in the loaders' order, twice: each started after the one
	// before it had finished.
	rows, err := db.Query(`select loader, started_at, finished_at from api._elt_loads where loader like 'same_%' order by started_at`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var order []string
	var lastEnd time.Time
	for rows.Next() {
		var name string
		var started, finished time.Time
		if err := rows.Scan(&name, &started, &finished); err != nil {
			t.Fatal(err)
		}
		if started.Before(lastEnd) {
			t.Errorf("%s started at %v, before the load before it finished (%v)", name, started, lastEnd)
		}
		lastEnd = finished
		order = append(order, name)
	}
	if got := strings.Join(order, ","); got != "same_a,same_b,same_c,same_a,same_b,same_c" {
		t.Errorf("the same table's loads ran in the order %s", got)
	}
	var n int
	if err := db.QueryRow("select count(*) from api.same").Scan(&n); err != nil || n != 6 {
		t.Errorf("api.same: %d rows (%v), want 6", n, err)
	}
}

// Loaders that share a table, or what they set up for the whole database,
// run in one chain, in their order; the others each in their own.
func TestChainsOf(t *testing.T) {
	for _, tc := range []struct {
		keys [][]string
		want string
	}{
		{[][]string{{"a"}, {"b"}, {"c"}}, "[[0] [1] [2]]"},
		{[][]string{{"a"}, {"b"}, {"a"}}, "[[0 2] [1]]"},
		{[][]string{{"a", "s3"}, {"b"}, {"c", "s3"}, {"b"}}, "[[0 2] [1 3]]"},
		// 2 shares a with 0 and s3 with 1: all three run in one chain.
		{[][]string{{"a"}, {"b", "s3"}, {"a", "s3"}, {"d"}}, "[[0 1 2] [3]]"},
		{[][]string{{"a", "s3"}, {"b", "s3"}, {"b"}, {"a"}}, "[[0 1 2 3]]"},
		{nil, "[]"},
	} {
		if got := fmt.Sprint(chainsOf(tc.keys)); got != tc.want {
			t.Errorf("chainsOf(%v) = %s, want %s", tc.keys, got, tc.want)
		}
	}
}

// A loader's credentials (here token_env) are secrets of the invocation:
// an API that echoes the token in its error body does not put it on the
// console, in logs/dbt.log or in _elt_loads.error_message.
func TestLoaderCredentialsAreSecrets(t *testing.T) {
	const token = "tok-SUPERSECRET-123"
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"error": "invalid credentials: %s"}`, r.Header.Get("Authorization"))
	}))
	defer api.Close()
	dir := starterProject(t)
	writeFile(t, dir, "models/sources.yml", "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: items\n")
	writeFile(t, dir, "loaders/api.yml", `loaders:
  - name: items_api
    connector: http
    lands: {source: raw, table: items}
    options:
      base_url: `+api.URL+`
      auth: {type: bearer, token_env: ITEMS_TOKEN}
`)
	for _, format := range []string{"text", "json"} {
		res := eltWith(t, dir, map[string]string{"ITEMS_TOKEN": token}, "load", "--log-format", format, "--log-path", "logs")
		if res.code == 0 {
			t.Fatalf("want a failed load\n%s%s", res.stdout, res.stderr)
		}
		out := res.stdout + res.stderr
		if !strings.Contains(out, "HTTP 401") || !strings.Contains(out, "Bearer *****") {
			t.Fatalf("want the 401 with the token masked:\n%s", out)
		}
		if strings.Contains(out, "SUPERSECRET") {
			t.Fatalf("%s output shows the token:\n%s", format, out)
		}
	}
	logs, err := os.ReadFile(filepath.Join(dir, "logs", "dbt.log"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(logs), "SUPERSECRET") || !strings.Contains(string(logs), "Bearer *****") {
		t.Fatalf("logs/dbt.log shows the token, or not the masked error:\n%s", logs)
	}
	db := openDB(t, filepath.Join(dir, "demo.duckdb"))
	var msgs []string
	rows, err := db.Query("select error_message from raw._elt_loads")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	if len(msgs) != 2 {
		t.Fatalf("want 2 failed loads in _elt_loads, got %q", msgs)
	}
	for _, m := range msgs {
		if strings.Contains(m, "SUPERSECRET") || !strings.Contains(m, "Bearer *****") {
			t.Fatalf("_elt_loads.error_message: %q", m)
		}
	}
}

// A key written twice in loaders/*.yml or jobs.yml keeps its last value
// with a warning naming both lines, as properties YAML does: the loader
// reads the last path, the job runs the last command.
func TestLoaderAndJobDuplicateKeysWarn(t *testing.T) {
	dir := starterProject(t)
	writeFile(t, dir, "data/customers.csv", "id;name\n1;Ann\n2;Bob\n")
	writeFile(t, dir, "models/sources.yml", "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: customers\n")
	writeFile(t, dir, "loaders/raw.yml", `loaders:
  - name: customers_csv
    connector: files
    lands: {source: raw, table: customers}
    write_disposition: replace
    options:
      path: data/nonexistent.csv
      delimiter: ";"
      path: data/customers.csv
`)
	res := elt(t, dir, "load")
	if res.code != 0 {
		t.Fatalf("load: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	wantAll(t, res.stdout+res.stderr, "loaders/raw.yml:9:7: warning: path is set twice (first at line 7); the value at line 9 is used", "OK loaded customers_csv")
	var n int
	if err := openDB(t, filepath.Join(dir, "demo.duckdb")).QueryRow("select count(*) from raw.customers").Scan(&n); err != nil || n != 2 {
		t.Fatalf("raw.customers: want 2 rows from data/customers.csv, got %d (%v)", n, err)
	}
	writeFile(t, dir, "jobs.yml", "jobs:\n  - name: nightly\n    cron: \"0 2 * * *\"\n    command: build\n    command: test\n")
	res = elt(t, dir, "jobs", "export", "--airflow")
	if res.code != 0 {
		t.Fatalf("jobs export: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	wantAll(t, res.stderr, "jobs.yml:5:5: warning: command is set twice (first at line 4); the value at line 5 is used")
	if strings.Contains(res.stdout, "warning") || !strings.Contains(res.stdout, `"test"`) {
		t.Fatalf("the DAG file holds the warning, or not the last command:\n%s", res.stdout)
	}
}
