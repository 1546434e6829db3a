package runner

import (
	"context"
	"fmt"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/tests"
)

// customTest runs a data test through the project's {% materialization
// test %} block, as dbt's TestRunner does: the verdict is the one row the
// block's statement('main') fetched (failures, should_warn, should_error),
// judged under the test's severity. dbt.materialization_test_default()
// runs the test as elt runs every data test (dataTestHost).
func (r *Runner) customTest(ctx context.Context, n *compiler.Node, res *Result) error {
	var tx *compiler.Transaction
	if _, ok := r.a.(adapters.Sessioner); ok {
		// execute holds the node's session: the block's statements share
		// its connection, in a transaction (compiler.Transaction).
		ctx, tx = compiler.WithTransaction(ctx)
	}
	host := &dataTestHost{materializationHost: materializationHost{r: r, n: n, res: res}}
	out, err := r.m.RunMaterialization(ctx, n.UniqueID, host)
	if tx != nil && tx.Open() {
		// dbt releases the connection after a test, which rolls back what
		// the block left open; elt commits a block that succeeded, as it
		// does for a model's.
		stmt := "commit"
		if err != nil {
			stmt = "rollback"
		}
		if xErr := r.a.Exec(context.WithoutCancel(ctx), stmt); xErr != nil && err == nil {
			err = fmt.Errorf("%s: %w", stmt, xErr)
		}
		tx.Closed()
	}
	if err != nil {
		return err
	}
	verdict, err := tests.Evaluate(&adapters.Result{Columns: out.MainColumns, Rows: out.MainRows}, n.Config)
	if err != nil {
		return located(n, fmt.Errorf("%s: %w", n.UniqueID, err))
	}
	if host.ran != nil {
		verdict.StoredRelation = host.ran.StoredRelation
		verdict.Response = host.ran.Response
	} else if out.AdapterResponse != nil {
		verdict.Response = out.AdapterResponse
	}
	r.judged(verdict, res)
	return nil
}

// dataTestHost is the host of a test block: elt's grants and docs, and
// the test run for dbt.materialization_test_default().
type dataTestHost struct {
	materializationHost
	ran *tests.Outcome
}

func (h *dataTestHost) RunDataTest(ctx context.Context) (compiler.DataTestMain, error) {
	out, err := tests.Run(ctx, h.r.a, h.n, h.r.testOptions())
	if err != nil {
		return compiler.DataTestMain{}, err
	}
	h.ran = &out
	main := compiler.DataTestMain{Columns: out.Main.Columns, Rows: out.Main.Rows, Status: out.Main.Status, RowsAffected: out.Main.RowsAffected}
	if out.StoredRelation != "" {
		rel := compiler.Relation(tests.AuditRelation(h.n, h.r.opts.Tests))
		main.Stored, main.StoredType = &rel, out.StoredAs
	}
	return main, nil
}

var _ compiler.DataTestHost = (*dataTestHost)(nil)
