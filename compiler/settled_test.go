package compiler

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
)

// TestRunSQLReusesOnlySettledRenders compiles models against a real DuckDB
// file, then changes what the renders read (the rows a run_query sees, the
// answer of is_incremental()) as a run would: RunSQL must give a render made
// now for every node whose render, or an ephemeral model's injected into
// it, could see the change, and the compile's SQL, without rendering, for
// the others.
func TestRunSQLReusesOnlySettledRenders(t *testing.T) {
	db := openDuckDB(t, "create table counts (n integer)", "insert into counts values (1)")
	var calls atomic.Int64
	var incremental atomic.Bool
	opts := testOptions()
	opts.Query = duckQuery(db, &calls)
	opts.IsIncremental = func(context.Context, *Node) (bool, error) { return incremental.Load(), nil }
	p := newProject(map[string]string{
		"models/plain.sql":   `select {{ 1 + 1 }} as id`,
		"models/reader.sql":  `select * from {{ ref('plain') }}`,
		"models/counted.sql": `{% set r = run_query("select max(n) from counts") %}select {{ r.columns[0].values()[0] if execute else 0 }} as n`,
		"models/eph.sql":     `{{ config(materialized='ephemeral') }}{% set r = run_query("select max(n) from counts") %}select {{ r.columns[0].values()[0] if execute else 0 }} as n`,
		"models/via_eph.sql": `select n from {{ ref('eph') }}`,
		"models/incr.sql":    `select 1 as id{% if is_incremental() %} where id > 0{% endif %}`,
		"models/clock.sql":   `select '{{ modules.datetime.date(2024, 1, 2) }}' as d`,
	})
	ctx := context.Background()
	m, err := Parse(ctx, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CompileBeforeRun(ctx, nil); err != nil {
		t.Fatal(err)
	}
	compiled := map[string]string{}
	for id, n := range m.Nodes {
		compiled[id] = n.CompiledCode
	}
	// What the renders read changes before the nodes run.
	if _, err := db.Exec("insert into counts values (7)"); err != nil {
		t.Fatal(err)
	}
	incremental.Store(true)

	for _, tc := range []struct {
		id      string
		settled bool
		want    string // in RunSQL's SQL
	}{
		{"model.shop.plain", true, "select 2 as id"},
		{"model.shop.reader", true, `from "warehouse"."main"."plain"`},
		{"model.shop.counted", false, "select 7 as n"},          // introspected
		{"model.shop.via_eph", false, "select 7 as n"},          // its ephemeral model introspected
		{"model.shop.incr", false, "where id > 0"},              // is_incremental() is volatile
		{"model.shop.clock", false, "select '2024-01-02' as d"}, // modules is volatile
	} {
		t.Run(tc.id, func(t *testing.T) {
			if got := m.settled.has(tc.id); got != tc.settled {
				t.Errorf("settled: want %v, got %v", tc.settled, got)
			}
			before := calls.Load()
			got, err := m.RunSQL(ctx, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("RunSQL: want it to contain %q, got:\n%s", tc.want, got)
			}
			if tc.settled && got != compiled[tc.id] {
				t.Errorf("a settled node: want the compile's SQL\n%s\ngot\n%s", compiled[tc.id], got)
			}
			again, err := m.RenderNode(ctx, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if got != again {
				t.Errorf("RunSQL and a render now differ:\n%s\n---\n%s", got, again)
			}
			if tc.settled && calls.Load() != before {
				t.Errorf("a settled node ran a query")
			}
		})
	}
	// A failed compile forgets that a node was settled.
	m.Nodes["model.shop.plain"].RawCode = `select {{ undefined_macro() }}`
	if err := m.CompileBeforeRun(ctx, []string{"model.shop.plain"}); err != nil {
		t.Fatal(err) // CompileBeforeRun leaves render errors to the run
	}
	if m.settled.has("model.shop.plain") {
		t.Errorf("a node whose compile failed is still settled")
	}
}
