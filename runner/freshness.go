package runner

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/project"
)

// FreshnessStatus is a source table's freshness outcome, as dbt's
// sources.json names it.
type FreshnessStatus string

const (
	FreshnessPass         FreshnessStatus = "pass"
	FreshnessWarn         FreshnessStatus = "warn"
	FreshnessError        FreshnessStatus = "error"
	FreshnessRuntimeError FreshnessStatus = "runtime error"
)

// FreshnessResult is one source table's freshness check.
type FreshnessResult struct {
	Source *project.SourceTable
	Status FreshnessStatus
	// MaxLoadedAt and SnapshottedAt are what the warehouse said (both
	// UTC); Age is the seconds between them. Unset after a runtime error.
	MaxLoadedAt, SnapshottedAt time.Time
	Age                        float64
	// Error says why a runtime error happened.
	Error string
	// SQL is the query that ran, and Response its adapter_response
	// where the warehouse reports a status (nil otherwise).
	SQL                    string
	Response               map[string]any
	StartedAt, CompletedAt time.Time
	ThreadID               string
}

// FreshnessOptions are what CheckFreshness needs besides the sources.
type FreshnessOptions struct {
	// Threads is how many sources are checked at once (at least 1).
	Threads int
	// OnStart and OnResult are called as each source starts and ends.
	OnStart  func(i, total int, src *project.SourceTable)
	OnResult func(i, total int, r FreshnessResult)
}

// CheckFreshness checks the freshness of the given sources (unique ids)
// as dbt's `source freshness` does, opts.Threads at a time: the newest load
// time is max(loaded_at_field) (with the freshness filter) or what
// loaded_at_query returns, its age is measured against the warehouse's
// current_timestamp, and the status is error when error_after is
// exceeded, else warn when warn_after is, else pass. A source without
// either way of finding its newest load is a runtime error, as in dbt on
// warehouses that have no metadata freshness (DuckDB, Postgres).
func CheckFreshness(ctx context.Context, a adapters.Adapter, m *compiler.Manifest, ids []string, opts FreshnessOptions) []FreshnessResult {
	var srcs []*project.SourceTable
	for _, id := range ids {
		if src := m.Sources[id]; src != nil {
			srcs = append(srcs, src)
		}
	}
	threads := max(1, min(opts.Threads, len(srcs)))
	out := make([]FreshnessResult, len(srcs))
	done := make([]bool, len(srcs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 1; w <= threads; w++ {
		wg.Add(1)
		go func(thread string) {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= len(srcs) {
					return
				}
				if opts.OnStart != nil {
					opts.OnStart(i, len(srcs), srcs[i])
				}
				r := checkOne(ctx, a, m, srcs[i])
				r.ThreadID = thread
				out[i], done[i] = r, true
				if opts.OnResult != nil {
					opts.OnResult(i, len(srcs), r)
				}
			}
		}(fmt.Sprintf("Thread-%d", w))
	}
	wg.Wait()
	// A cancelled check leaves the sources it did not reach out.
	kept := out[:0]
	for i, r := range out {
		if done[i] {
			kept = append(kept, r)
		}
	}
	return kept
}

func checkOne(ctx context.Context, a adapters.Adapter, m *compiler.Manifest, src *project.SourceTable) FreshnessResult {
	r := FreshnessResult{Source: src, StartedAt: time.Now().UTC()}
	fail := func(format string, args ...any) FreshnessResult {
		r.Status = FreshnessRuntimeError
		r.Error = fmt.Sprintf(format, args...)
		r.CompletedAt = time.Now().UTC()
		return r
	}
	rel := m.SourceRelations[src.UniqueID]
	now := "current_timestamp"
	if a.Dialect().Type() == "bigquery" {
		now = "current_timestamp()"
	}
	switch {
	case src.LoadedAtQuery != "":
		q, err := m.RenderForSource(ctx, src.LoadedAtQuery, src)
		if err != nil {
			return fail("rendering loaded_at_query of source %s.%s: %v", src.SourceName, src.Name, err)
		}
		q = strings.TrimRight(strings.TrimSpace(q), ";")
		r.SQL = "with source_query as (\n" + q + "\n)\nselect (select * from source_query) as max_loaded_at,\n  " + now + " as snapshotted_at"
	case src.LoadedAtField != "":
		var filter string
		if f, ok := src.Freshness["filter"].(string); ok && strings.TrimSpace(f) != "" {
			var err error
			if filter, err = m.RenderForSource(ctx, f, src); err != nil {
				return fail("rendering the freshness filter of source %s.%s: %v", src.SourceName, src.Name, err)
			}
		}
		if m.FreshnessReplaced() {
			// As dbt: the project's (or a package's) collect_freshness
			// answers instead of dbt's query.
			row, resp, err := m.CollectFreshness(ctx, src, filter)
			if err != nil {
				return fail("%v", err)
			}
			r.Response = resp
			return r.finish(src, rel, row, fail)
		}
		r.SQL = "select\n  max(" + src.LoadedAtField + ") as max_loaded_at,\n  " + now + " as snapshotted_at\nfrom " + rel
		if filter != "" {
			r.SQL += "\nwhere " + filter
		}
	default:
		mf, ok := a.(adapters.MetadataFreshness)
		if !ok {
			return fail("Could not compute freshness for source %s: no 'loaded_at_field' provided and %s adapter does not support metadata-based freshness checks.",
				src.Name, a.Dialect().Type())
		}
		q, err := mf.LastModifiedSQL(ctx, adapters.Relation{Database: src.Database, Schema: src.Schema, Identifier: src.Identifier})
		if err != nil {
			return fail("%v", err)
		}
		r.SQL = q
		res, err := a.Query(ctx, r.SQL)
		if err != nil {
			return fail("%v", err)
		}
		r.Response = res.Response()
		// schema, identifier, last_modified, snapshotted_at: keep the
		// last two, as the loaded_at queries return them.
		if len(res.Rows) != 1 || len(res.Rows[0]) < 4 {
			return fail("the warehouse metadata has no last modification time for source %s.%s (%s): %d rows", src.SourceName, src.Name, rel, len(res.Rows))
		}
		return r.finish(src, rel, res.Rows[0][2:], fail)
	}
	res, err := a.Query(ctx, r.SQL)
	if err != nil {
		return fail("%v", err)
	}
	r.Response = res.Response()
	if len(res.Rows) != 1 || len(res.Rows[0]) < 2 {
		return fail("the freshness query of source %s.%s returned %d rows, not one", src.SourceName, src.Name, len(res.Rows))
	}
	return r.finish(src, rel, res.Rows[0], fail)
}

// finish reads row's newest load time and snapshot time and judges them.
func (r FreshnessResult) finish(src *project.SourceTable, rel string, row []any, fail func(string, ...any) FreshnessResult) FreshnessResult {
	maxLoaded, ok1 := asUTC(row[0])
	snap, ok2 := asUTC(row[1])
	if row[0] == nil {
		field := src.LoadedAtField
		if field == "" {
			field = "loaded_at_query"
		}
		return fail("Expected a non-null value when querying field '%s' of table %s but received value 'null' instead", field, rel)
	}
	if !ok1 || !ok2 {
		return fail("the freshness query of source %s.%s returned %v (%T), not a timestamp", src.SourceName, src.Name, row[0], row[0])
	}
	r.MaxLoadedAt, r.SnapshottedAt = maxLoaded, snap
	r.Age = snap.Sub(maxLoaded).Seconds()
	r.Status = freshnessStatus(src.Freshness, r.Age)
	r.CompletedAt = time.Now().UTC()
	return r
}

// asUTC reads a timestamp a warehouse returned; a timestamp without a
// time zone is taken to be UTC, as dbt does.
func asUTC(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), true
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", "2006-01-02"} {
			if t, err := time.Parse(layout, x); err == nil {
				return t.UTC(), true
			}
		}
	}
	return time.Time{}, false
}

// freshnessStatus compares age (seconds) with the criteria.
func freshnessStatus(criteria map[string]any, age float64) FreshnessStatus {
	if exceeded(criteria["error_after"], age) {
		return FreshnessError
	}
	if exceeded(criteria["warn_after"], age) {
		return FreshnessWarn
	}
	return FreshnessPass
}

// exceeded: a threshold with both count and period that age is past.
func exceeded(threshold any, age float64) bool {
	t, ok := threshold.(map[string]any)
	if !ok {
		return false
	}
	count, ok := toNumber(t["count"])
	if !ok {
		return false
	}
	var unit float64
	switch t["period"] {
	case "minute":
		unit = 60
	case "hour":
		unit = 3600
	case "day":
		unit = 86400
	default:
		return false
	}
	return age > count*unit
}

func toNumber(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}
