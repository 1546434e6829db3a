package check

import (
	"context"
	"errors"
	"sync"

	"github.com/elt-dev/elt/lineage"
	"github.com/elt-dev/elt/lineage/sqlmodel"
)

// remember wraps each parser so that a statement is parsed once in a
// check: its query or parse error is kept for the next time it is asked
// for. Other errors (a parser that cannot run) are not kept.
func remember(p lineage.Parsers) lineage.Parsers {
	if p.DuckDB != nil {
		p.DuckDB = &remembering{inner: p.DuckDB, seen: map[string]parseResult{}}
	}
	if p.Postgres != nil {
		p.Postgres = &remembering{inner: p.Postgres, seen: map[string]parseResult{}}
	}
	return p
}

type parseResult struct {
	q   sqlmodel.Query
	err *sqlmodel.ParseError
}

type remembering struct {
	inner lineage.Parser
	mu    sync.Mutex
	seen  map[string]parseResult
}

func (r *remembering) lookup(sql string) (parseResult, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	res, ok := r.seen[sql]
	return res, ok
}

func (r *remembering) keep(sql string, q sqlmodel.Query, err error) {
	var pe *sqlmodel.ParseError
	if err != nil && !errors.As(err, &pe) {
		return
	}
	r.mu.Lock()
	r.seen[sql] = parseResult{q, pe}
	r.mu.Unlock()
}

// result is a kept parse as the parser returned it (a nil
// *sqlmodel.ParseError is no error).
func (res parseResult) result() (sqlmodel.Query, error) {
	if res.err != nil {
		return res.q, res.err
	}
	return res.q, nil
}

func (r *remembering) Parse(ctx context.Context, sql string) (sqlmodel.Query, error) {
	if res, ok := r.lookup(sql); ok {
		return res.result()
	}
	q, err := r.inner.Parse(ctx, sql)
	r.keep(sql, q, err)
	return q, err
}

func (r *remembering) ParseBatch(ctx context.Context, sqls []string) ([]sqlmodel.Query, []error) {
	qs, errs := make([]sqlmodel.Query, len(sqls)), make([]error, len(sqls))
	var todo []int
	for i, sql := range sqls {
		if res, ok := r.lookup(sql); ok {
			qs[i], errs[i] = res.result()
		} else {
			todo = append(todo, i)
		}
	}
	if len(todo) == 0 {
		return qs, errs
	}
	batch := make([]string, len(todo))
	for j, i := range todo {
		batch[j] = sqls[i]
	}
	var bq []sqlmodel.Query
	var be []error
	if bp, ok := r.inner.(lineage.BatchParser); ok {
		bq, be = bp.ParseBatch(ctx, batch)
	} else {
		bq, be = make([]sqlmodel.Query, len(batch)), make([]error, len(batch))
		for j, sql := range batch {
			bq[j], be[j] = r.inner.Parse(ctx, sql)
		}
	}
	for j, i := range todo {
		qs[i], errs[i] = bq[j], be[j]
		r.keep(sqls[i], bq[j], be[j])
	}
	return qs, errs
}
