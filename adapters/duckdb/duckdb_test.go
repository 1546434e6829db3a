package duckdb

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/adaptertest"
)

func openFile(t *testing.T, path string) *Adapter {
	t.Helper()
	a, err := Open(context.Background(), Config{Path: path, Threads: 4})
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	return a
}

func openTemp(t *testing.T) *Adapter {
	t.Helper()
	a := openFile(t, filepath.Join(t.TempDir(), "shop.duckdb"))
	t.Cleanup(func() { a.Close() })
	return a
}

func TestConformance(t *testing.T) {
	adaptertest.Run(t, func(t *testing.T) adapters.Adapter {
		return openFile(t, filepath.Join(t.TempDir(), "warehouse.duckdb"))
	})
}

func TestDialect(t *testing.T) {
	d := Dialect{}
	tests := []struct {
		rel  adapters.Relation
		want string
	}{
		{adapters.Relation{Database: "shop", Schema: "main", Identifier: "orders"}, `"shop"."main"."orders"`},
		{adapters.Relation{Schema: "main", Identifier: "orders"}, `"main"."orders"`},
		{adapters.Relation{Identifier: `we"ird`}, `"we""ird"`},
		{adapters.Relation{Database: "shop", Schema: "s"}, `"shop"."s"`},
	}
	for _, tt := range tests {
		if got := d.RenderRelation(tt.rel); got != tt.want {
			t.Errorf("RenderRelation(%+v): want %s, got %s", tt.rel, tt.want, got)
		}
	}
	if d.Type() != "duckdb" {
		t.Errorf("Type: got %q", d.Type())
	}
}

func TestConfigFromFields(t *testing.T) {
	tests := []struct {
		name    string
		fields  map[string]any
		want    Config
		wantErr string
	}{
		{"empty is in memory", map[string]any{"type": "duckdb"},
			Config{Path: ":memory:", Database: "memory", Schema: "main", Threads: 1}, ""},
		{"file", map[string]any{"path": "data/shop.duckdb", "schema": "analytics", "threads": 4,
			"settings":   map[string]any{"memory_limit": "1GB", "enable_progress_bar": false},
			"extensions": []any{"json", map[string]any{"name": "parquet"}}},
			Config{Path: "data/shop.duckdb", Database: "shop", Schema: "analytics", Threads: 4,
				Settings: map[string]string{"memory_limit": "1GB", "enable_progress_bar": "false"}, Extensions: []string{"json", "parquet"}}, ""},
		{"matching database", map[string]any{"path": "shop.duckdb", "database": "shop"},
			Config{Path: "shop.duckdb", Database: "shop", Schema: "main", Threads: 1}, ""},
		{"mismatched database", map[string]any{"path": "shop.duckdb", "database": "other"}, Config{}, `set it to "shop"`},
		{"bad threads", map[string]any{"threads": "four"}, Config{}, "threads"},
		{"bad settings", map[string]any{"settings": []any{"x"}}, Config{}, "settings"},
		// dbt-duckdb's keys that change no result, and its Python ones
		// when empty.
		{"dbt-duckdb's other keys", map[string]any{"keep_open": true, "disable_transactions": false, "plugins": []any{},
			"module_paths": nil, "filesystems": []any{}, "config_options": map[string]any{"allow_unsigned_extensions": true}},
			Config{Path: ":memory:", Database: "memory", Schema: "main", Threads: 1, Options: map[string]string{"allow_unsigned_extensions": "true"}}, ""},
		{"plugins", map[string]any{"plugins": []any{map[string]any{"module": "excel"}}}, Config{}, "plugins: elt does not run dbt-duckdb's plugins"},
		{"bad keep_open", map[string]any{"keep_open": "yes"}, Config{}, "keep_open"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ConfigFromFields(tt.fields)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("want error containing %q, got %v", tt.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("want %+v\n got %+v", tt.want, got)
			}
		})
	}
}

func TestOpenSettingsAndMemory(t *testing.T) {
	ctx := context.Background()
	// json ships inside the DuckDB library, so loading it needs no network.
	a, err := Open(ctx, Config{Path: ":memory:", Threads: 2, Extensions: []string{"json"},
		Settings: map[string]string{"default_null_order": "nulls_first"}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.Database() != "memory" {
		t.Errorf("Database: want memory, got %q", a.Database())
	}
	res, err := a.Query(ctx, "select current_setting('default_null_order')")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(res.Rows[0][0]); !strings.EqualFold(got, "nulls_first") {
		t.Errorf("setting: want nulls_first, got %s", got)
	}
	res, err = a.Query(ctx, "select loaded from duckdb_extensions() where extension_name = 'json'")
	if err != nil || len(res.Rows) != 1 || res.Rows[0][0] != true {
		t.Errorf("json extension not loaded: %v %v", res, err)
	}

	// config_options are given when the database opens: startup-only
	// options too.
	b, err := Open(ctx, Config{Path: ":memory:", Options: map[string]string{"allow_unsigned_extensions": "true", "memory_limit": "1GB"}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	res, err = b.Query(ctx, "select current_setting('allow_unsigned_extensions')::varchar, current_setting('memory_limit')")
	if err != nil || fmt.Sprint(res.Rows[0][0]) != "true" || fmt.Sprint(res.Rows[0][1]) != "953.6 MiB" {
		t.Errorf("config_options: %v %v", res, err)
	}

	_, err = Open(ctx, Config{Settings: map[string]string{"no_such_setting": "s3cr3t-value"}})
	if err == nil {
		t.Fatal("Open with an unknown setting succeeded")
	}
	if strings.Contains(err.Error(), "s3cr3t-value") {
		t.Errorf("error shows the setting's value: %v", err)
	}
}

func TestOpenCreatesDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "nested.duckdb")
	a := openFile(t, path)
	defer a.Close()
	if a.Database() != "nested" {
		t.Errorf("Database: want nested, got %q", a.Database())
	}
	if _, err := os.Stat(path); err != nil {
		t.Error(err)
	}
}

func TestColumnTypes(t *testing.T) {
	a := openTemp(t)
	ctx := context.Background()
	rel := adapters.Relation{Database: "shop", Schema: "main", Identifier: "typed"}
	_, err := a.Materialize(ctx, adapters.Model{Relation: rel, Materialized: "table",
		SQL: "select 1::integer as i, 2::bigint as b, 'x' as s, 1.25::decimal(18,3) as d, 1.5::double as f, current_date as dt, true as ok"})
	if err != nil {
		t.Fatal(err)
	}
	cols, err := a.Columns(ctx, rel)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cols {
		got = append(got, c.Name+" "+c.DataType)
	}
	want := []string{"i INTEGER", "b BIGINT", "s VARCHAR", "d DECIMAL(18,3)", "f DOUBLE", "dt DATE", "ok BOOLEAN"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("want %v\n got %v", want, got)
	}
	// DuckDB matches names case-insensitively, and so does the catalog.
	cols, err = a.Columns(ctx, adapters.Relation{Database: "SHOP", Schema: "Main", Identifier: "TYPED"})
	if err != nil || len(cols) != len(want) {
		t.Errorf("case-insensitive look-up: %d columns, %v", len(cols), err)
	}
}

func TestQueryDriverValues(t *testing.T) {
	a := openTemp(t)
	res, err := a.Query(context.Background(), `select 1.25::decimal(10,2) as d, interval 1 month + interval 2 day + interval 3 hour as iv,
		'6ba7b810-9dad-11d1-80b4-00c04fd430c8'::uuid as u, [1, 2] as l, {'k': 1} as st, map {'m': 2} as mp, 170141183460469231731687303715884105727::hugeint as big, 3::utinyint as ut`)
	if err != nil {
		t.Fatal(err)
	}
	row := res.Rows[0]
	want := []any{1.25, "1 month 2 days 03:00:00", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", []any{int64(1), int64(2)},
		map[string]any{"k": int64(1)}, map[any]any{"m": int64(2)}}
	if !reflect.DeepEqual(row[:6], want) {
		t.Errorf("want %#v\n got %#v", want, row[:6])
	}
	if s := fmt.Sprint(row[6]); s != "170141183460469231731687303715884105727" {
		t.Errorf("hugeint: got %s", s)
	}
	if row[7] != int64(3) {
		t.Errorf("utinyint: got %#v", row[7])
	}
}

// TestSeedUnknownColumnTypes: a column_types entry for a column the file
// lacks is ignored, as dbt's per-column lookup ignores it, with a warning.
func TestSeedUnknownColumnTypes(t *testing.T) {
	a := openTemp(t)
	path := filepath.Join(t.TempDir(), "s.csv")
	if err := os.WriteFile(path, []byte("id,name\n1,a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := a.LoadSeed(context.Background(), adapters.Seed{
		Relation: adapters.Relation{Database: "shop", Schema: "main", Identifier: "s"}, Path: path,
		ColumnTypes: map[string]string{"nope": "integer", "name": "varchar"}})
	if err != nil || res.RowsAffected != 1 {
		t.Fatalf("load: %v %+v", err, res)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].String(), "nope") {
		t.Errorf("warnings: %v", res.Warnings)
	}
}

func TestSeedMalformedNamesFileAndLine(t *testing.T) {
	a := openTemp(t)
	dir := t.TempDir()
	tests := []struct {
		name, content string
		types         map[string]string
		line          int
		wantMsg       string
	}{
		{"ragged row", "id,name\n1,a\n2,b,extra\n3,c\n", nil, 3, "3 fields"},
		{"unterminated quote", "id,name\n1,a\n2,\"b\n3,c\n", nil, 3, "quoted field"},
		{"bad value for declared type", "id,name\n1,a\n2,b\nx,c\n", map[string]string{"id": "integer"}, 4, `"x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".csv")
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := a.LoadSeed(context.Background(), adapters.Seed{
				Relation: adapters.Relation{Database: "shop", Schema: "main", Identifier: "s"}, Path: path, ColumnTypes: tt.types})
			var se *adapters.SeedError
			if !errors.As(err, &se) {
				t.Fatalf("want *adapters.SeedError, got %v", err)
			}
			if se.Path != path || se.Line != tt.line {
				t.Errorf("want %s:%d, got %s:%d (%v)", path, tt.line, se.Path, se.Line, err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error does not say %q: %v", tt.wantMsg, err)
			}
			t.Log(err)
		})
	}
}

func TestQueryCancel(t *testing.T) {
	a := openTemp(t)
	const slow = "select count(*) from range(100000000) a, range(100000000) b where a.range + b.range = -1"
	for _, call := range []struct {
		name string
		run  func(ctx context.Context) error
	}{
		{"Query", func(ctx context.Context) error { _, err := a.Query(ctx, slow); return err }},
		{"Exec", func(ctx context.Context) error { return a.Exec(ctx, "create table big as "+slow) }},
		{"Materialize", func(ctx context.Context) error {
			_, err := a.Materialize(ctx, adapters.Model{Relation: adapters.Relation{Identifier: "big"}, Materialized: "table", SQL: slow})
			return err
		}},
	} {
		t.Run(call.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := call.run(ctx)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("want context.DeadlineExceeded, got %v", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v to return after the deadline", d)
			}
		})
	}
	// The pool is still usable afterwards.
	if _, err := a.Query(context.Background(), "select 1"); err != nil {
		t.Fatal(err)
	}
}

// TestMaterializeOldRelationReadable reads the table while it is being
// rebuilt from other connections: every read sees the old rows or the new
// rows, never an error or a missing table.
func TestMaterializeOldRelationReadable(t *testing.T) {
	a := openTemp(t)
	ctx := context.Background()
	rel := adapters.Relation{Database: "shop", Schema: "main", Identifier: "t"}
	if _, err := a.Materialize(ctx, adapters.Model{Relation: rel, Materialized: "table", SQL: "select 1 as v"}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var building atomic.Bool
	var oldReadsDuringBuild int
	var readErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			during := building.Load()
			res, err := a.Query(ctx, `select v from "shop"."main"."t"`)
			if err != nil {
				readErr = err
				return
			}
			switch v := res.Rows[0][0]; {
			case v == int64(1) && during:
				oldReadsDuringBuild++
			case v != int64(1) && v != int64(2):
				readErr = fmt.Errorf("read %v", v)
				return
			}
		}
	})
	building.Store(true)
	// Slow enough that reads happen while it runs.
	_, err := a.Materialize(ctx, adapters.Model{Relation: rel, Materialized: "table",
		SQL: "select 2 as v from (select sum(range) s from range(200000000)) where s > 0"})
	close(done)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if readErr != nil {
		t.Fatalf("concurrent read: %v", readErr)
	}
	if oldReadsDuringBuild == 0 {
		t.Error("no read of the old rows happened during the rebuild")
	}
	t.Logf("%d reads of the old rows during the rebuild", oldReadsDuringBuild)
}

func TestConcurrentMaterialize(t *testing.T) {
	a := openTemp(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 12)
	for i := range errs {
		wg.Go(func() {
			rel := adapters.Relation{Database: "shop", Schema: "main", Identifier: fmt.Sprintf("m%d", i)}
			kind := "table"
			if i%3 == 0 {
				kind = "view"
			}
			for round := range 3 { // rebuilds too, not only creates
				if _, err := a.Materialize(ctx, adapters.Model{Relation: rel, Materialized: kind, SQL: fmt.Sprintf("select %d as x", round)}); err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("model m%d: %v", i, err)
		}
	}
}

// TestRebuildUnderDependentView: DuckDB does not tie views to the tables
// they read, so rebuilding a table keeps the views over it working.
func TestRebuildUnderDependentView(t *testing.T) {
	a := openTemp(t)
	ctx := context.Background()
	base := adapters.Relation{Database: "shop", Schema: "main", Identifier: "base"}
	view := adapters.Relation{Database: "shop", Schema: "main", Identifier: "over_base"}
	for _, m := range []adapters.Model{
		{Relation: base, Materialized: "table", SQL: "select 1 as x"},
		{Relation: view, Materialized: "view", SQL: `select x from "shop"."main"."base"`},
		{Relation: base, Materialized: "table", SQL: "select 2 as x"},
	} {
		if _, err := a.Materialize(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	res, err := a.Query(ctx, `select x from "shop"."main"."over_base"`)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Rows, [][]any{{int64(2)}}) {
		t.Errorf("view rows: %v", res.Rows)
	}
}

func TestOpenNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "junk.duckdb")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database\n", 1000)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), Config{Path: path})
	if err == nil {
		t.Fatal("Open of a non-database file succeeded")
	}
	if errors.Is(err, adapters.ErrDatabaseLocked) || !strings.Contains(err.Error(), path) {
		t.Errorf("unexpected error: %v", err)
	}
	t.Log(err)
}

// TestMain lets the lock test re-run this binary as the process that holds
// the database.
func TestMain(m *testing.M) {
	if path := os.Getenv("ELT_DUCKDB_HOLD"); path != "" {
		os.Exit(holdDatabase(path))
	}
	os.Exit(m.Run())
}

// holdDatabase opens path, says "ready", and keeps it open until stdin closes.
func holdDatabase(path string) int {
	a, err := Open(context.Background(), Config{Path: path})
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	defer a.Close()
	fmt.Println("ready")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	return 0
}

func TestOpenLockedByAnotherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locked.duckdb")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ELT_DUCKDB_HOLD="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		t.Fatalf("child did not open the database: %q, %v", line, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	a, err := Open(ctx, Config{Path: path})
	if err == nil {
		a.Close()
		t.Fatal("Open succeeded while another process holds the file")
	}
	if !errors.Is(err, adapters.ErrDatabaseLocked) {
		t.Fatalf("want ErrDatabaseLocked, got %v", err)
	}
	for _, want := range []string{path, "another elt or duckdb process"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q: %v", want, err)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Open took %v", d)
	}
	t.Log(err)

	// Once the other process lets go, Open works.
	stdin.Close()
	cmd.Wait()
	a, err = Open(context.Background(), Config{Path: path})
	if err != nil {
		t.Fatalf("Open after the other process exited: %v", err)
	}
	a.Close()
}

// TestSeedNullSpellings: "null" is NULL in a seed, as dbt (agate) loads
// it, and the column's type is what its other values say.
func TestSeedNullSpellings(t *testing.T) {
	a := openTemp(t)
	path := filepath.Join(t.TempDir(), "n.csv")
	if err := os.WriteFile(path, []byte("id,amount\n1,null\n2,NULL\n3,\"Null\"\n4,2.5\n5,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rel := adapters.Relation{Database: "shop", Schema: "main", Identifier: "n"}
	if _, err := a.LoadSeed(context.Background(), adapters.Seed{Relation: rel, Path: path}); err != nil {
		t.Fatal(err)
	}
	res, err := a.Query(context.Background(), `select count(amount), typeof(any_value(amount)) from shop.main.n`)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(res.Rows); got != "[[1 DOUBLE]]" {
		t.Errorf("amount: %s, want one value and a DOUBLE column", got)
	}
}
