package duckdb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/elt-dev/elt/adapters"
)

// openCounting opens a file database and counts the statements that scan
// the catalog for relation kinds.
func openCounting(t *testing.T) (*Adapter, *atomic.Int64) {
	t.Helper()
	return openCountingSQL(t, "duckdb_tables()")
}

// openCountingSQL opens a file database (database "shop") and counts the
// statements that hold needle.
func openCountingSQL(t *testing.T, needle string) (*Adapter, *atomic.Int64) {
	t.Helper()
	var scans atomic.Int64
	a, err := Open(context.Background(), Config{Path: filepath.Join(t.TempDir(), "shop.duckdb"), Threads: 4, Trace: func(sql string) {
		if strings.Contains(sql, needle) {
			if os.Getenv("DEBUG_SCANS") != "" {
				fmt.Println(sql)
			}
			scans.Add(1)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a, &scans
}

func materialize(t *testing.T, a *Adapter, ident, mat, sql string) {
	t.Helper()
	rel := adapters.Relation{Database: "shop", Schema: "main", Identifier: ident}
	if _, err := a.Materialize(context.Background(), adapters.Model{Relation: rel, Materialized: mat, SQL: sql}); err != nil {
		t.Fatalf("materialize %s as %s: %v", ident, mat, err)
	}
}

func kindOf(t *testing.T, a *Adapter, ident string) adapters.RelationKind {
	t.Helper()
	// Straight from the catalog, not the cache.
	k, err := relationKind(context.Background(), a.db, adapters.Relation{Database: "shop", Schema: "main", Identifier: ident})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestRelationKindsReadOncePerSchema: building many models scans the
// catalog once, not once per model.
func TestRelationKindsReadOncePerSchema(t *testing.T) {
	a, scans := openCounting(t)
	for i := range 40 {
		materialize(t, a, fmt.Sprintf("m%d", i), "table", fmt.Sprintf("select %d as id", i))
	}
	for i := range 40 {
		materialize(t, a, fmt.Sprintf("m%d", i), "table", fmt.Sprintf("select %d as id", i+1))
	}
	if n := scans.Load(); n != 1 {
		t.Errorf("want 1 catalog scan for 80 builds in one schema, got %d", n)
	}
	var id int
	if err := a.db.QueryRow(`select id from shop.main.m39`).Scan(&id); err != nil || id != 40 {
		t.Errorf("m39: want 40, got %d (%v)", id, err)
	}
}

// TestRelationKindsKeptByHooks: the statements hooks and persist_docs run
// after each model (comments, data changes, settings) keep the cached
// kinds, so building many models with such a hook scans the catalog once;
// a hook that drops a relation still sends the next question to the
// catalog.
func TestRelationKindsKeptByHooks(t *testing.T) {
	ctx := context.Background()
	a, scans := openCounting(t)
	if err := a.Exec(ctx, "create table shop.main.audit (id integer)"); err != nil {
		t.Fatal(err)
	}
	hooks := []string{
		"comment on table shop.main.m%[1]d is 'built'",
		"insert into shop.main.audit values (%[1]d)",
		"analyze shop.main.audit /* m%[1]d */",
		"set threads = 2 -- m%[1]d",
		"/* elt */ copy (select * from shop.main.m%[1]d) to '" + filepath.ToSlash(t.TempDir()) + "/m%[1]d.csv'",
		"create index if not exists audit_%[1]d on shop.main.audit (id)",
	}
	for i := range 40 {
		for j := range 2 {
			materialize(t, a, fmt.Sprintf("m%d", i), []string{"table", "view"}[j], fmt.Sprintf("select %d as id", i))
			if err := a.Exec(ctx, fmt.Sprintf(hooks[i%len(hooks)], i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := scans.Load(); n != 1 {
		t.Errorf("want 1 catalog scan for 80 builds, each followed by a hook, got %d", n)
	}
	for i := range 40 {
		got, err := a.RelationKind(ctx, adapters.Relation{Database: "shop", Schema: "main", Identifier: fmt.Sprintf("m%d", i)})
		if err != nil || got != adapters.KindView || kindOf(t, a, fmt.Sprintf("m%d", i)) != adapters.KindView {
			t.Fatalf("m%d: RelationKind %q (%v), want view", i, got, err)
		}
	}
	if err := a.Exec(ctx, "comment on table shop.main.audit is 'x'; drop view shop.main.m3"); err != nil {
		t.Fatal(err)
	}
	before := scans.Load()
	if got, err := a.RelationKind(ctx, adapters.Relation{Database: "shop", Schema: "main", Identifier: "m3"}); err != nil || got != adapters.KindNone {
		t.Errorf("m3 after a hook dropped it: %q (%v), want none", got, err)
	}
	if scans.Load() != before+1 {
		t.Errorf("a hook of several statements kept the cached kinds")
	}
}

// TestRelationKindsFollowChanges: a relation that changes kind, is dropped
// or replaced by a hook (an Exec the adapter cannot follow), or by another
// build, is still rebuilt correctly.
func TestRelationKindsFollowChanges(t *testing.T) {
	ctx := context.Background()
	a, _ := openCounting(t)
	steps := []struct {
		name string
		do   func()
		want adapters.RelationKind
	}{
		{"table", func() { materialize(t, a, "x", "table", "select 1 as id") }, adapters.KindTable},
		{"table to view", func() { materialize(t, a, "x", "view", "select 2 as id") }, adapters.KindView},
		{"view to table", func() { materialize(t, a, "x", "table", "select 3 as id") }, adapters.KindTable},
		{"hook replaces the table by a view", func() {
			if err := a.Exec(ctx, "drop table shop.main.x; create view shop.main.x as select 4 as id"); err != nil {
				t.Fatal(err)
			}
		}, adapters.KindView},
		{"table over the hook's view", func() { materialize(t, a, "x", "table", "select 5 as id") }, adapters.KindTable},
		{"run_query drops it", func() {
			if _, err := a.Query(ctx, "/* elt */ drop table shop.main.x"); err != nil {
				t.Fatal(err)
			}
		}, adapters.KindNone},
		{"view after the drop", func() { materialize(t, a, "x", "view", "select 6 as id") }, adapters.KindView},
		{"seed over the view", func() {
			path := filepath.Join(t.TempDir(), "x.csv")
			writeFile(t, path, "id\n7\n")
			if _, err := a.LoadSeed(ctx, adapters.Seed{Relation: adapters.Relation{Database: "shop", Schema: "main", Identifier: "x"}, Path: path}); err != nil {
				t.Fatal(err)
			}
		}, adapters.KindTable},
		{"failed build keeps the table", func() {
			rel := adapters.Relation{Database: "shop", Schema: "main", Identifier: "x"}
			if _, err := a.Materialize(ctx, adapters.Model{Relation: rel, Materialized: "view", SQL: "select nope from nowhere"}); err == nil {
				t.Fatal("want an error")
			}
		}, adapters.KindTable},
		{"view after the failure", func() { materialize(t, a, "x", "view", "select 9 as id") }, adapters.KindView},
	}
	for _, s := range steps {
		s.do()
		if got := kindOf(t, a, "x"); got != s.want {
			t.Fatalf("%s: catalog says %q, want %q", s.name, got, s.want)
		}
		got, err := a.RelationKind(ctx, adapters.Relation{Database: "shop", Schema: "main", Identifier: "X"})
		if err != nil || got != s.want {
			t.Fatalf("%s: RelationKind says %q (%v), want %q", s.name, got, err, s.want)
		}
	}
	var id int
	if err := a.db.QueryRow(`select id from shop.main.x`).Scan(&id); err != nil || id != 9 {
		t.Errorf("x: want 9, got %d (%v)", id, err)
	}
}

// TestRelationKindsConcurrentBuilds: builds on four threads, each flipping
// its own relation between table and view, agree with the catalog.
func TestRelationKindsConcurrentBuilds(t *testing.T) {
	a, scans := openCounting(t)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				mat := []string{"table", "view"}[i%2]
				materialize(t, a, fmt.Sprintf("c%d", w), mat, fmt.Sprintf("select %d as id", i))
			}
		}()
	}
	wg.Wait()
	// Each of the first four builds may read the schema before any of
	// them has stored it; none of the 36 after them does.
	if n := scans.Load(); n < 1 || n > 4 {
		t.Errorf("want 1 to 4 catalog scans for 40 builds on 4 threads, got %d", n)
	}
	for w := range 4 {
		if got := kindOf(t, a, fmt.Sprintf("c%d", w)); got != adapters.KindView {
			t.Errorf("c%d: want a view, got %q", w, got)
		}
	}
}

// keepsKinds says whether running sql keeps every cached relation kind.
func keepsKinds(sql string) bool { return kindChangeOf(sql).op == changeKeep }

func TestKeepsKinds(t *testing.T) {
	for sql, want := range map[string]bool{
		"select 1": true,
		"  -- c\n/* {\"app\": \"elt\"} */ with a as (select 1) select * from a": true,
		"from t":                    true,
		"describe select 1":         true,
		"select 1;":                 true,
		"select 1; drop table t":    false,
		"drop table t":              false,
		"create view v as select 1": false,
		"explain analyze create table t as select 1": false,
		"/* unterminated":          false,
		"":                         false,
		"insert into t values (1)": true,
		"UPDATE t SET a = 1":       true,
		"delete from t":            true,
		"truncate t":               true,
		`comment on table "db"."main"."t" is 'built'`: true,
		"comment on column t.a is 'x';":               true,
		"analyze t":                                   true,
		"vacuum":                                      true,
		"checkpoint":                                  true,
		"force checkpoint":                            true,
		"force install httpfs":                        false,
		"set threads = 2":                             true,
		"copy t from 'x.csv'":                         true,
		"copy (select 1) to 'x.parquet'":              true,
		"copy from database a to b":                   false,
		"COPY FROM DATABASE a TO b":                   false,
		"comment on table t is 'x'; drop table t":     false,
		"alter table t rename to u":                   false,
		"call dbgen(sf = 0.01)":                       false,
		"pragma enable_profiling":                     false,
		"attach 'x.duckdb'":                           false,
		"commit":                                      false,
		"create or replace table t as select 1":       false,
		"insert_something":                            false,
		"create index i on t (a)":                     true,
		"CREATE UNIQUE INDEX i ON t (a)":              true,
		"create index if not exists i on t (a)":       true,
		"drop index if exists i":                      true,
		"create unique table t (a int)":               false,
		"create indexes":                              false,
		"create view index as select 1":               false,
		"explain select 1":                            false,
		"/* c */ -- d\n analyze":                      true,
	} {
		if got := keepsKinds(sql); got != want {
			t.Errorf("keepsKinds(%q) = %v, want %v", sql, got, want)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCreateTable(t *testing.T) {
	for sql, want := range map[string]bool{
		`create table "db"."main"."t__elt_tmp_1" as (` + "\nselect 1\n)": true,
		"create table tmp as select * from read_csv('x.csv')":            true,
		`CREATE OR REPLACE TEMP TABLE "a b" AS SELECT 1`:                 true,
		`create temporary table "temp"."main"."x" as (select 1)`:         true,
		`create table "t" ("id" integer, "as" integer)`:                  true,
		"create view v as select 1":                                      false,
		"insert into t select 1":                                         false,
	} {
		if got := createTable().MatchString(sql); got != want {
			t.Errorf("createTable(%q) = %v, want %v", sql, got, want)
		}
	}
}

func TestKindChangeOf(t *testing.T) {
	rel := func(d, s, i string) adapters.Relation {
		return adapters.Relation{Database: d, Schema: s, Identifier: i}
	}
	x := rel("db", "main", "x")
	for sql, want := range map[string]kindChange{
		"create table db.main.x (a int)":                                 {op: changeSet, rel: x, kind: adapters.KindTable},
		`CREATE OR REPLACE TABLE "db"."main"."x" AS SELECT 1`:            {op: changeSet, rel: x, kind: adapters.KindTable},
		"create table db.main.x(a int);":                                 {op: changeSet, rel: x, kind: adapters.KindTable},
		"/* c */ create view db.main.x as select 1":                      {op: changeSet, rel: x, kind: adapters.KindView},
		"create or replace view db.main.x as select 1":                   {op: changeSet, rel: x, kind: adapters.KindView},
		"create table if not exists db.main.x (a int)":                   {op: changeIfAbsent, rel: x, kind: adapters.KindTable},
		`create table "my ""db"""."Main".x_1 (a int)`:                    {op: changeSet, rel: rel(`my "db"`, "Main", "x_1"), kind: adapters.KindTable},
		"drop table db.main.x":                                           {op: changeSet, rel: x, kind: adapters.KindNone},
		"drop view if exists db.main.x;":                                 {op: changeSet, rel: x, kind: adapters.KindNone},
		"drop table db.main.x restrict":                                  {op: changeSet, rel: x, kind: adapters.KindNone},
		"alter table x add column b int":                                 {op: changeKeep},
		"alter table if exists db.main.x drop column b":                  {op: changeKeep},
		"ALTER TABLE db.main.x ALTER COLUMN b TYPE bigint":               {op: changeKeep},
		"alter table db.main.x rename column b to c":                     {op: changeKeep},
		"create schema if not exists db.raw":                             {op: changeKeep},
		"create index i on db.main.x (a)":                                {op: changeKeep},
		"create table x (a int)":                                         {op: changeForget}, // the current schema's
		"create table main.x (a int)":                                    {op: changeForget},
		"create temp table db.main.x (a int)":                            {op: changeForget},
		"create table db.main.x.y (a int)":                               {op: changeForget},
		"create table db.main.x-y (a int)":                               {op: changeForget},
		`create table "db.main.x (a int)`:                                {op: changeForget},
		"create table if db.main.x (a int)":                              {op: changeForget},
		"create or table db.main.x (a int)":                              {op: changeForget},
		"create or replace schema db.raw":                                {op: changeForget},
		"create macro m(a) as a":                                         {op: changeForget},
		"drop table db.main.x cascade":                                   {op: changeForget},
		"drop schema db.raw":                                             {op: changeForget},
		"drop table db.main.x; drop table db.main.y":                     {op: changeForget},
		"create table db.main.x (a int); create table db.main.y (a int)": {op: changeForget},
		"alter table db.main.x rename to y":                              {op: changeRename, rel: x, kind: adapters.KindTable, to: rel("db", "main", "y")},
		`ALTER VIEW "db"."main"."x" RENAME TO "Y"`:                       {op: changeRename, rel: x, kind: adapters.KindView, to: rel("db", "main", "Y")},
		"alter table x rename to y":                                      {op: changeForget},
		"alter table db.main.x rename to main.y":                         {op: changeForget},
		"alter table db.main.x rename to y z":                            {op: changeForget},
		"alter view db.main.x add column c int":                          {op: changeForget},
		"alter table db.main.x set data type int":                        {op: changeForget},
	} {
		if got := kindChangeOf(sql); got != want {
			t.Errorf("kindChangeOf(%q) = %+v, want %+v", sql, got, want)
		}
	}
}

// TestRelationKindsFollowDDL: a CREATE or DROP of a fully named table or
// view, run by a hook, run_query or a loader's transaction, records that
// relation's kind instead of forgetting every kind, so the catalog is not
// read again; what the cache cannot follow still sends the next question
// to the catalog, and every answer agrees with the catalog.
func TestRelationKindsFollowDDL(t *testing.T) {
	ctx := context.Background()
	a, scans := openCounting(t)
	names := []string{"a", "b", "c", "v", "w", "x", "nope"}
	check := func(step string, wantScans int64) {
		t.Helper()
		for _, n := range names {
			got, err := a.RelationKind(ctx, adapters.Relation{Database: "shop", Schema: "main", Identifier: strings.ToUpper(n)})
			if want := kindOf(t, a, n); err != nil || got != want {
				t.Fatalf("%s: RelationKind(%s) = %q (%v), the catalog says %q", step, n, got, err, want)
			}
		}
		if n := scans.Load(); n != wantScans+int64(len(names)) { // kindOf scans once a name
			t.Fatalf("%s: %d catalog scans, want %d", step, n-int64(len(names)), wantScans)
		}
		scans.Add(-int64(len(names)))
	}
	exec := func(sql string) {
		t.Helper()
		if err := a.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	check("start", 1)
	exec("create table shop.main.a (id int)")
	check("create table", 1)
	exec(`create or replace view "shop"."main"."V" as select 1 as id`)
	exec("create table if not exists shop.main.a (id int)")
	exec("create view if not exists shop.main.w as select 1 as id")
	exec("create view if not exists shop.main.a as select 1 as id") // a stays a table
	check("create view, create if not exists", 1)
	exec("alter table shop.main.a add column b int")
	exec("alter table shop.main.a rename column b to c")
	exec("create table shop.main.b (id int)")
	exec("alter table shop.main.b rename to nope")
	exec("alter view shop.main.v rename to x")
	exec("alter table shop.main.nope rename to b")
	exec("create schema if not exists shop.s2")
	if _, err := a.Query(ctx, "drop view if exists shop.main.w"); err != nil {
		t.Fatal(err)
	}
	check("alter, rename, create schema, drop", 1)
	if err := a.Exec(ctx, "drop table shop.main.nope"); err == nil {
		t.Fatal("dropping a missing table: want an error")
	}
	check("a failed drop: its relation is read again", 2)
	exec("drop table shop.main.a cascade")
	check("cascade forgets", 3)

	// A loader's transaction: its relations are recorded once it commits.
	inTx := func(commit bool, stmts ...string) {
		t.Helper()
		tx, err := a.BeginBulk(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range stmts {
			if err := tx.Exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		end := tx.Rollback
		if commit {
			end = tx.Commit
		}
		if err := end(ctx); err != nil {
			t.Fatal(err)
		}
	}
	inTx(true, "create table shop.main.c (id int)", "drop view shop.main.x")
	check("a committed transaction", 3)
	inTx(false, "create table shop.main.a (id int)", "drop table shop.main.b")
	check("a rolled back transaction", 3)

	// On a session's connection a transaction may be open: forget.
	sctx, release, err := a.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Exec(sctx, "create view shop.main.v as select 2 as id"); err != nil {
		t.Fatal(err)
	}
	release()
	check("a session's statement", 4)
}

// TestRelationKindsFollowRandomDDL runs a few hundred random statements
// (creates, drops, renames and column changes of tables and views under
// three names, quoted or not, upper or lower case, qualified or not, some
// failing, some in a loader's transaction) and checks after each that
// every answer RelationKind gives agrees with the catalog.
func TestRelationKindsFollowRandomDDL(t *testing.T) {
	ctx := context.Background()
	a, _ := openCounting(t)
	rng := rand.New(rand.NewPCG(14, 18))
	names := []string{"p", "q", "r"}
	name := func(n string) string {
		if rng.IntN(2) == 0 {
			n = strings.ToUpper(n)
		}
		switch rng.IntN(4) {
		case 0:
			return n // the current schema's: forgets
		case 1:
			return `"shop"."main"."` + n + `"`
		default:
			return "shop.main." + n
		}
	}
	stmt := func() string {
		n := name(names[rng.IntN(len(names))])
		switch rng.IntN(11) {
		case 0:
			return "create table " + n + " (id int)"
		case 1:
			return "create or replace table " + n + " as select 1 as id"
		case 2:
			return "create table if not exists " + n + " (id int)"
		case 3:
			return "create or replace view " + n + " as select 2 as id"
		case 4:
			return "create view if not exists " + n + " as select 3 as id"
		case 5:
			return "drop table if exists " + n
		case 6:
			return "drop view " + n
		case 7:
			return "alter table " + n + " add column c" + fmt.Sprint(rng.IntN(1000)) + " int"
		case 8:
			return "alter table " + n + " rename to " + names[rng.IntN(len(names))]
		case 9:
			return "alter view " + n + " rename to " + names[rng.IntN(len(names))]
		default:
			return "insert into " + n + " (id) values (7)"
		}
	}
	for step := range 400 {
		var ran []string
		if rng.IntN(5) == 0 {
			tx, err := a.BeginBulk(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ok := true
			for range 1 + rng.IntN(3) {
				q := stmt()
				ran = append(ran, q)
				if tx.Exec(ctx, q) != nil {
					ok = false
					break
				}
			}
			if ok && rng.IntN(3) > 0 {
				_ = tx.Commit(ctx)
			} else {
				_ = tx.Rollback(ctx)
			}
		} else {
			q := stmt()
			ran = append(ran, q)
			_ = a.Exec(ctx, q) // many fail: dropping what is not there, altering a view
		}
		for _, n := range names {
			want := kindOf(t, a, n)
			got, err := a.RelationKind(ctx, adapters.Relation{Database: "shop", Schema: "main", Identifier: n})
			if err != nil || got != want {
				t.Fatalf("step %d, after %q: RelationKind(%s) = %q (%v), the catalog says %q", step, ran, n, got, err, want)
			}
		}
	}
}
