package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

// copyTree copies a project folder so tests never write into the repository.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() && (d.Name() == "target" || d.Name() == "expected") {
			return filepath.SkipDir
		}
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		if strings.HasSuffix(path, ".duckdb") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

type cliResult struct {
	code           int
	stdout, stderr string
}

// elt runs the CLI in-process with workDir as its working directory.
func elt(t *testing.T, workDir string, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	env := environment{lookupEnv: os.LookupEnv, workDir: workDir, homeDir: t.TempDir()}
	code := runWith(context.Background(), args, &out, &errb, env)
	return cliResult{code: code, stdout: out.String(), stderr: errb.String()}
}

// execDuckDB runs statements on the DuckDB file at path (created if
// missing) and closes it, so that elt can open it next.
func execDuckDB(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range stmts {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
}

func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", path+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// relationRows returns every row of rel as strings (NULL as ""), sorted field by field.
func relationRows(t *testing.T, db *sql.DB, rel string) (header []string, rows [][]string) {
	t.Helper()
	r, err := db.Query("select * from " + rel)
	if err != nil {
		t.Fatalf("select from %s: %v", rel, err)
	}
	defer r.Close()
	cols, _ := r.Columns()
	header = cols
	var casts []string
	for _, c := range cols {
		casts = append(casts, fmt.Sprintf("cast(%q as varchar)", c))
	}
	r.Close()
	r, err = db.Query("select " + strings.Join(casts, ", ") + " from " + rel)
	if err != nil {
		t.Fatalf("select from %s: %v", rel, err)
	}
	defer r.Close()
	for r.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := r.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			if v.Valid {
				row[i] = v.String
			}
		}
		rows = append(rows, row)
	}
	sortRows(rows)
	return header, rows
}

func sortRows(rows [][]string) {
	sort.Slice(rows, func(i, j int) bool {
		for k := range rows[i] {
			if rows[i][k] != rows[j][k] {
				return rows[i][k] < rows[j][k]
			}
		}
		return false
	})
}

func readExpectedCSV(t *testing.T, path string) (header []string, rows [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	rows = recs[1:]
	sortRows(rows)
	return recs[0], rows
}

func readLines(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, strings.Fields(line))
	}
	return out
}

// TestDBTCoreProject builds an unmodified dbt-core project and compares every
// relation, every row and every test result with what dbt produces.
func TestDBTCoreProject(t *testing.T) {
	src := filepath.Join("..", "..", "testdata", "dbtcore")
	dir := t.TempDir()
	copyTree(t, src, dir)
	dbPath := filepath.Join(t.TempDir(), "dbtcore.duckdb")
	t.Setenv("DBTCORE_DB_PATH", dbPath)

	res := elt(t, dir, "build")
	if res.code != 0 {
		t.Fatalf("elt build exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stdout, "WARN 1 accepted_values_stg_loans_status__on_loan__returned") {
		t.Errorf("the failing warn-severity test is not reported as WARN 1:\n%s", res.stdout)
	}
	if !strings.Contains(res.stdout, "Done. PASS=") {
		t.Errorf("no summary line:\n%s", res.stdout)
	}

	db := openDB(t, dbPath)
	// Relations: exactly the expected ones, with the expected kinds.
	want := map[string]string{}
	for _, f := range readLines(t, filepath.Join(src, "expected", "relations.txt")) {
		want[f[0]] = f[1]
	}
	got := map[string]string{}
	rows, err := db.Query(`select table_schema, table_name, table_type from information_schema.tables where table_catalog = 'dbtcore'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s, n, k string
		if err := rows.Scan(&s, &n, &k); err != nil {
			t.Fatal(err)
		}
		kind := "table"
		if k == "VIEW" {
			kind = "view"
		}
		got[s+"."+n] = kind
	}
	rows.Close()
	if fmt.Sprint(sortedMap(got)) != fmt.Sprint(sortedMap(want)) {
		t.Errorf("relations:\n got %v\nwant %v", sortedMap(got), sortedMap(want))
	}

	// Rows of every relation.
	for rel := range want {
		wantHeader, wantRows := readExpectedCSV(t, filepath.Join(src, "expected", rel+".csv"))
		gotHeader, gotRows := relationRows(t, db, rel)
		if strings.Join(gotHeader, ",") != strings.Join(wantHeader, ",") {
			t.Errorf("%s columns:\n got %v\nwant %v", rel, gotHeader, wantHeader)
			continue
		}
		if fmt.Sprint(gotRows) != fmt.Sprint(wantRows) {
			t.Errorf("%s rows:\n got %v\nwant %v", rel, gotRows, wantRows)
		}
	}

	// Test results from run_results.json.
	rr := readRunResults(t, filepath.Join(dir, "target", "run_results.json"))
	for _, f := range readLines(t, filepath.Join(src, "expected", "tests.txt")) {
		name, status, failures := f[0], f[1], f[2]
		r, ok := rr[name]
		if !ok {
			t.Errorf("test %s: missing from run_results.json (have %v)", name, keys(rr))
			continue
		}
		if r.Status != status || fmt.Sprint(r.Failures) != failures {
			t.Errorf("test %s: got %s %d, want %s %s", name, r.Status, r.Failures, status, failures)
		}
	}
}

type rrEntry struct {
	Status   string `json:"status"`
	Failures int    `json:"failures"`
	UniqueID string `json:"unique_id"`
}

// runResultEntries are target/run_results.json's results of the project
// in dir, whole, by unique id.
func runResultEntries(t *testing.T, dir string) map[string]map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "target", "run_results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, r := range doc.Results {
		id, _ := r["unique_id"].(string)
		out[id] = r
	}
	return out
}

// readRunResults indexes results by node name (the unique id's third part).
func readRunResults(t *testing.T, path string) map[string]rrEntry {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Results []rrEntry `json:"results"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]rrEntry{}
	for _, r := range doc.Results {
		parts := strings.Split(r.UniqueID, ".")
		if parts[0] == "quality" {
			continue // quality checks' results: not nodes
		}
		if parts[0] == "unit_test" {
			out[parts[3]] = r // unit_test.<package>.<model>.<name>
			continue
		}
		out[parts[2]] = r
	}
	return out
}

func sortedMap(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestExamples builds every project under examples/ against a fresh DuckDB file.
func TestExamples(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("..", "..", "examples"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			if _, err := os.Stat(filepath.Join("..", "..", "examples", e.Name(), "dbt_project.yml")); err != nil {
				t.Skip("not a project (examples/ci holds a CI workflow)")
			}
			if _, err := os.Stat(filepath.Join("..", "..", "examples", e.Name(), "packages.yml")); err == nil {
				// elt deps would need the network; TestExampleJaffleUtils
				// builds it from a hub served locally.
				t.Skip("the example installs packages (elt deps): built by its own test")
			}
			dir := t.TempDir()
			copyTree(t, filepath.Join("..", "..", "examples", e.Name()), dir)
			if _, err := os.Stat(filepath.Join(dir, "loaders")); err == nil {
				// The example lands its raw data first, as its README says.
				if res := elt(t, dir, "load"); res.code != 0 {
					t.Fatalf("elt load exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
				}
			}
			res := elt(t, dir, "build")
			if res.code != 0 {
				t.Fatalf("elt build exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
			}
			if !strings.Contains(res.stdout, "ERROR=0") {
				t.Errorf("errors in build:\n%s", res.stdout)
			}
		})
	}
}
