package postgres

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters"
)

func TestParseIndexes(t *testing.T) {
	ixs, err := ParseIndexes([]any{
		map[string]any{"columns": []any{"id"}, "unique": true},
		map[string]any{"columns": []any{"a", "b"}, "type": "hash"},
	})
	if err != nil || len(ixs) != 2 || !ixs[0].Unique || ixs[1].Type != "hash" || strings.Join(ixs[1].Columns, ",") != "a,b" {
		t.Fatalf("%+v %v", ixs, err)
	}
	for _, bad := range []struct {
		v    any
		want string
	}{
		{"id", "must be a list"},
		{[]any{"id"}, "must be a mapping"},
		{[]any{map[string]any{"unique": true}}, "needs columns"},
		{[]any{map[string]any{"columns": []any{}}}, "non-empty list"},
		{[]any{map[string]any{"columns": []any{"a"}, "unique": "yes"}}, "true or false"},
		{[]any{map[string]any{"columns": []any{"a"}, "name": "x"}}, `unknown key "name"`},
	} {
		if _, err := ParseIndexes(bad.v); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%v: err %v, want %q", bad.v, err, bad.want)
		}
	}
	// dbt-postgres's statement: md5-named, columns as written.
	rel := adapters.Relation{Database: "db", Schema: "s", Identifier: "t"}
	got := indexStatements(rel, ixs, time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC))
	if len(got) != 2 || !strings.HasPrefix(got[0], `create unique index if not exists "`) || !strings.HasSuffix(got[0], `" on "db"."s"."t" (id)`) ||
		!strings.HasSuffix(got[1], `" on "db"."s"."t" using hash (a, b)`) || got[0][len(`create unique index if not exists "`)+32] != '"' {
		t.Errorf("statements:\n%s", strings.Join(got, "\n"))
	}
}

// TestTableIndexes builds a table model with indexes on a real Postgres,
// twice (the rebuilt table gets them again), and reads them back.
func TestTableIndexes(t *testing.T) {
	a := openConfig(t, testConfig(t))
	defer a.Close()
	schema := testSchema(t, a)
	ctx := context.Background()
	m := adapters.Model{
		Relation:     adapters.Relation{Schema: schema, Identifier: "ix"},
		Materialized: "table",
		SQL:          "select g as id, g % 3 as a, 'x' || g as b from generate_series(1, 10) g",
		Config: map[string]any{"indexes": []any{
			map[string]any{"columns": []any{"id"}, "unique": true},
			map[string]any{"columns": []any{"b"}, "type": "hash"},
			map[string]any{"columns": []any{"a", "b"}},
		}},
	}
	for run := 1; run <= 2; run++ {
		if _, err := a.Materialize(ctx, m); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
	}
	res, err := a.Query(ctx, "select indexdef from pg_indexes where schemaname = '"+schema+"' and tablename = 'ix' order by indexdef")
	if err != nil {
		t.Fatal(err)
	}
	var defs []string
	for _, r := range res.Rows {
		d := r[0].(string)
		// CREATE [UNIQUE] INDEX <md5> ON <table> USING <method> (<columns>)
		defs = append(defs, strings.SplitN(d, " INDEX ", 2)[0]+" "+d[strings.Index(d, " USING "):])
	}
	sort.Strings(defs)
	if got, want := strings.Join(defs, " | "), "CREATE  USING btree (a, b) | CREATE  USING hash (b) | CREATE UNIQUE  USING btree (id)"; got != want {
		t.Errorf("indexes after two builds:\n got %s\nwant %s", got, want)
	}
}

// indexDefs lists the indexes of schema.table as "[UNIQUE] USING <method> (<columns>)".
func indexDefs(t *testing.T, a *Adapter, schema, table string) string {
	t.Helper()
	res, err := a.Query(context.Background(), "select indexdef from pg_indexes where schemaname = '"+schema+"' and tablename = '"+table+"' order by indexdef")
	if err != nil {
		t.Fatal(err)
	}
	var defs []string
	for _, r := range res.Rows {
		d := r[0].(string)
		prefix := ""
		if strings.HasPrefix(d, "CREATE UNIQUE") {
			prefix = "UNIQUE "
		}
		defs = append(defs, prefix+d[strings.Index(d, " USING ")+1:])
	}
	sort.Strings(defs)
	return strings.Join(defs, " | ")
}

// TestSeedAndSnapshotIndexes: as dbt-postgres, a seed gets its indexes
// when its table is created or rebuilt (--full-refresh), not when a
// reload refills it; a snapshot gets them when its table is created.
func TestSeedAndSnapshotIndexes(t *testing.T) {
	a := openConfig(t, testConfig(t))
	defer a.Close()
	schema := testSchema(t, a)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.csv")
	if err := os.WriteFile(path, []byte("id,name\n1,a\n2,b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ixs := map[string]any{"indexes": []any{map[string]any{"columns": []any{"id"}, "unique": true}}}
	seed := adapters.Seed{Relation: adapters.Relation{Schema: schema, Identifier: "s"}, Path: path, Config: ixs}
	if _, err := a.LoadSeed(ctx, seed); err != nil {
		t.Fatal(err)
	}
	if got := indexDefs(t, a, schema, "s"); got != "UNIQUE USING btree (id)" {
		t.Errorf("seed indexes after the first load: %q", got)
	}
	// A reload keeps the table (and its index): no second index.
	if _, err := a.LoadSeed(ctx, seed); err != nil {
		t.Fatal(err)
	}
	if got := indexDefs(t, a, schema, "s"); got != "UNIQUE USING btree (id)" {
		t.Errorf("seed indexes after a reload: %q", got)
	}
	seed.FullRefresh = true
	if _, err := a.LoadSeed(ctx, seed); err != nil {
		t.Fatal(err)
	}
	if got := indexDefs(t, a, schema, "s"); got != "UNIQUE USING btree (id)" {
		t.Errorf("seed indexes after a full refresh: %q", got)
	}
	// The unique index is real: a duplicate id is refused.
	if err := a.Exec(ctx, "insert into "+schema+".s values (1, 'again')"); err == nil {
		t.Error("the unique index did not refuse a duplicate id")
	}

	snap := adapters.Snapshot{
		Relation: adapters.Relation{Schema: schema, Identifier: "snap"}, SQL: "select * from " + schema + ".s",
		Strategy: "check", UniqueKey: []string{"id"}, CheckAll: true, Columns: adapters.DefaultSnapshotColumns(), Now: time.Now(),
		Config: map[string]any{"indexes": []any{map[string]any{"columns": []any{"id", "dbt_valid_to"}}}},
	}
	for run := 1; run <= 2; run++ {
		if _, err := a.Snapshot(ctx, snap); err != nil {
			t.Fatalf("snapshot run %d: %v", run, err)
		}
	}
	if got := indexDefs(t, a, schema, "snap"); got != "USING btree (id, dbt_valid_to)" {
		t.Errorf("snapshot indexes after two runs: %q", got)
	}
}
