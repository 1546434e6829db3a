package compiler

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elt-dev/elt/project"
)

func microbatchProject(t *testing.T) *project.Project {
	t.Helper()
	p := newProject(readCase(t, "microbatch"))
	addSource(p, "raw", "payments")
	p.Sources["source.shop.raw.payments"].Config = project.Config{"event_time": "paid_at"}
	return p
}

func day(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC) }

func TestRenderBatch(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name        string
		incremental func(context.Context, *Node) (bool, error) // Options.IsIncremental
		start, end  time.Time
		golden      string
	}{
		{"incremental by default", nil, day(1), day(2), "microbatch/batch_day1.sql"},
		{"caller says not incremental", func(context.Context, *Node) (bool, error) { return false, nil }, day(2), day(3), "microbatch/batch_day2_full.sql"},
		{"hourly bounds in another zone", nil, time.Date(2024, 1, 1, 6, 0, 0, 0, time.FixedZone("X", 3600)), time.Date(2024, 1, 1, 7, 0, 0, 0, time.FixedZone("X", 3600)), "microbatch/batch_hour.sql"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions()
			opts.IsIncremental = tc.incremental
			m, err := Parse(ctx, microbatchProject(t), opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.RenderBatch(ctx, "model.shop.sessions", tc.start, tc.end)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.golden, got+"\n")
			if m.Nodes["model.shop.sessions"].Compiled || m.Nodes["model.shop.sessions"].CompiledCode != "" {
				t.Errorf("RenderBatch must not store anything on the node")
			}
			if _, ok := m.Nodes["model.shop.sessions"].Config[configBatchStart]; ok {
				t.Errorf("RenderBatch must not write the shared node's config")
			}
		})
	}
}

func TestRenderBatchFilters(t *testing.T) {
	ctx := context.Background()
	m, err := Parse(ctx, microbatchProject(t), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.RenderBatch(ctx, "model.shop.sessions", day(1), day(2))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`from (select * from "warehouse"."main"."events" where occurred_at >= '2024-01-01 00:00:00+00:00' and occurred_at < '2024-01-02 00:00:00+00:00') _dbt_et_filter_subq_events e`,
		`join "warehouse"."main"."customers" c`, // no event_time: read whole
		`join (select * from "warehouse"."raw"."payments" where paid_at >= '2024-01-01 00:00:00+00:00' and paid_at < '2024-01-02 00:00:00+00:00') _dbt_et_filter_subq_payments p`,
		"with __dbt__cte__recent_events as (\n\nselect * from \"warehouse\".\"main\".\"events\"\n)", // ephemeral CTE, unfiltered inside as in dbt
		"'20240101' as batch_id",
		"'2024-01-01 00:00:00+00:00' as batch_start",
		"'2024-01-02 00:00:00+00:00' as batch_end",
		"-- incremental batch",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("batch SQL lacks %q:\n%s", want, got)
		}
	}

	// Outside a batch nothing is filtered and model.batch is empty.
	plain, err := m.RenderNode(ctx, "model.shop.sessions")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"_dbt_et_filter_subq_", "2024-01-01"} {
		if strings.Contains(plain, bad) {
			t.Errorf("RenderNode output contains %q:\n%s", bad, plain)
		}
	}
	if !strings.Contains(plain, "'' as batch_id") || !strings.Contains(plain, "__dbt__cte__recent_events") || !strings.Contains(plain, "-- full build") {
		t.Errorf("RenderNode output:\n%s", plain)
	}
	if err := m.Compile(ctx, []string{"model.shop.sessions"}); err != nil {
		t.Fatal(err)
	}
	if c := m.Nodes["model.shop.sessions"].CompiledCode; c != plain {
		t.Errorf("RenderNode and Compile differ:\n%s\nvs\n%s", plain, c)
	}

	if _, err := m.RenderBatch(ctx, "model.shop.nope", day(1), day(2)); err == nil {
		t.Errorf("unknown node: want an error")
	}
	if _, err := m.RenderBatch(ctx, "model.shop.sessions", day(2), day(1)); err == nil {
		t.Errorf("end before start: want an error")
	}
}

// Batches of one model render concurrently, each with its own window.
func TestRenderBatchConcurrent(t *testing.T) {
	ctx := context.Background()
	m, err := Parse(ctx, microbatchProject(t), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	outs := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = m.RenderBatch(ctx, "model.shop.sessions", day(i+1), day(i+2))
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		want := fmt.Sprintf("'202401%02d' as batch_id", i+1)
		start := fmt.Sprintf("occurred_at >= '2024-01-%02d 00:00:00+00:00'", i+1)
		if !strings.Contains(outs[i], want) || !strings.Contains(outs[i], start) || strings.Count(outs[i], "_dbt_et_filter_subq_") != 2 {
			t.Errorf("batch %d:\n%s", i, outs[i])
		}
	}
}
