package duckdb

import (
	"context"
	"errors"
	"fmt"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/sqlgen"
)

var _ adapters.Incrementaler = (*Adapter)(nil)

// Incremental applies an incremental model's new rows to its existing
// target table, the way dbt's incremental materialization does, with one
// difference: where dbt would silently write duplicates (a NULL or repeated
// unique_key in the new rows of a merge or delete+insert), it fails with an
// *adapters.UniqueKeyError.
//
// Everything happens in one transaction: the new rows are staged in a
// temporary table under a unique name, the schemas are compared and
// reconciled (on_schema_change), the keys are checked, the strategy is
// applied and the staging table dropped. Any failure rolls it all back, so
// the target keeps its columns and rows.
//
// Schema changes run before any row is written: DuckDB refuses to commit a
// transaction that alters a table after modifying its rows.
//
// RowsAffected counts the new rows written: inserted plus updated for
// merge, inserted for the others.
func (a *Adapter) Incremental(ctx context.Context, inc adapters.Incremental) (res adapters.RunResult, err error) {
	d := Dialect{}
	rel := a.qualify(inc.Relation)
	defer func() {
		if err != nil {
			err = fmt.Errorf("duckdb: incremental %s: %w", d.RenderRelation(rel), adapters.ContextError(ctx, err))
		}
	}()
	inc, err = adapters.ResolveIncremental(inc)
	if err != nil {
		return adapters.RunResult{}, err
	}
	if inc.Strategy == adapters.StrategyMicrobatch && inc.Custom == nil && len(inc.UniqueKey) > 0 {
		// dbt-duckdb's duckdb__get_incremental_microbatch_sql refuses it.
		return adapters.RunResult{}, adapters.IncrementalConfigError("microbatch incremental strategy does not support 'unique_key'. " +
			"Microbatch runs delete+insert per batch based on 'event_time' and does not do key-based upserts. " +
			"Remove 'unique_key' or use incremental_strategy='merge'.")
	}
	body := sqlgen.TrimStatement(inc.SQL)
	if body == "" {
		return adapters.RunResult{}, errors.New("empty SQL")
	}
	err = a.inCachedTx(ctx, func(tx sqlTx) error {
		var err error
		res, err = warehouse().Incremental(ctx, tx, inc, rel, body)
		return err
	})
	a.settle(rel, adapters.KindTable, err)
	if err != nil {
		return adapters.RunResult{}, err
	}
	return res, nil
}
