package runner

import (
	"context"
	"fmt"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/project"
)

// custom builds a model with a project's or package's materialization
// block, as dbt's ModelRunner does: the block runs its own hooks, grants
// and docs (run_hooks, apply_grants, persist_docs); elt only makes sure
// the schema exists, as dbt creates the run's schemas first, and runs the
// block's statements on one connection. contract is the model's enforced
// contract, checked already, for the block's create_table_as.
func (r *Runner) custom(ctx context.Context, n *compiler.Node, res *Result, contract *adapters.Contract) error {
	if err := r.ensureSchema(ctx, n.Relation); err != nil {
		return err
	}
	if isMicrobatch(n) && r.m.UseMicrobatchBatches() {
		return r.customMicrobatch(ctx, n, res, contract)
	}
	out, err := r.runBlock(ctx, func(ctx context.Context) (compiler.MaterializationResult, error) {
		return r.m.RunMaterialization(ctx, n.UniqueID, &materializationHost{r: r, n: n, res: res, contract: contract})
	})
	if err != nil {
		return err
	}
	res.Status = Success
	res.Message = out.Message
	res.AdapterMsg = out.Message
	res.RowsAffected = out.RowsAffected
	res.AdapterResponse = out.AdapterResponse
	if out.RunSQLWritten {
		res.RunSQL = &out.RunSQL
	}
	return nil
}

// runBlock runs a materialization block (run) on one connection, in a
// transaction there, as dbt's connection runs it.
func (r *Runner) runBlock(ctx context.Context, run func(context.Context) (compiler.MaterializationResult, error)) (compiler.MaterializationResult, error) {
	var tx *compiler.Transaction
	if sess, ok := r.a.(adapters.Sessioner); ok {
		// As dbt, the block's statements share one connection, so a
		// temporary table it creates is there for its next statement,
		// and run in a transaction there (compiler.Transaction).
		var release func()
		var err error
		if ctx, release, err = sess.Session(ctx); err != nil {
			return compiler.MaterializationResult{}, err
		}
		defer release()
		ctx, tx = compiler.WithTransaction(ctx)
	}
	out, err := run(ctx)
	if err != nil {
		if tx != nil && tx.Open() {
			// dbt rolls back the open transaction when it releases the
			// connection: nothing the block did since its last commit stays.
			if rbErr := r.a.Exec(context.WithoutCancel(ctx), "rollback"); rbErr != nil {
				return out, fmt.Errorf("%w (and the rollback failed: %v)", err, rbErr)
			}
			tx.Closed()
		}
		return out, err
	}
	if tx != nil && tx.Open() {
		// A block that did not call adapter.commit() at its end: elt
		// commits what it built (dbt would roll it back on release).
		if err := r.a.Exec(ctx, "commit"); err != nil {
			return out, fmt.Errorf("commit: %w", err)
		}
		tx.Closed()
	}
	return out, nil
}

// customMicrobatch builds a microbatch model whose materialization is a
// block, as dbt's MicrobatchModelRunner does: the block runs once per
// batch, with the batch's SQL and model.batch (the first batch with the
// model's pre-hooks, the last with its post-hooks); when the first batch
// fails the others are skipped.
func (r *Runner) customMicrobatch(ctx context.Context, n *compiler.Node, res *Result, contract *adapters.Contract) error {
	plan := res.plan
	if plan == nil {
		var err error
		if plan, err = r.planMicrobatch(n); err != nil {
			return err
		}
	}
	br, ok := any(r.m).(BatchRenderer)
	if !ok {
		return fmt.Errorf("microbatch rendering is not available")
	}
	batches := plan.batches
	total, err := r.runBatches(ctx, n, br, plan, func(ctx context.Context, i int, b *Batch, sql string) (string, int64, error) {
		out, err := r.runBlock(ctx, func(ctx context.Context) (compiler.MaterializationResult, error) {
			host := &materializationHost{r: r, n: n, res: res, contract: contract}
			return r.m.RunMaterializationBatch(ctx, n.UniqueID, host, b.Start, b.End, sql, i == 0, i == len(batches)-1)
		})
		return out.Message, out.RowsAffected, err
	})
	if err != nil {
		return err
	}
	res.Batches = batches
	if err := batchesError(batches); err != nil {
		return err
	}
	res.Status = Success
	res.Message, res.AdapterMsg = "SUCCESS", "SUCCESS"
	res.RowsAffected = total
	return nil
}

// materializationHost gives a materialization block elt's grants and
// persist_docs.
type materializationHost struct {
	r        *Runner
	n        *compiler.Node
	res      *Result
	contract *adapters.Contract // nil unless the model enforces one
}

// ContractDDL gives the block's get_table_columns_and_constraints() and
// get_column_names() the model's enforced contract, with the constraints
// the warehouse enforces (checkContract warned of the others).
func (h *materializationHost) ContractDDL() (columns string, names []string, ok bool) {
	if h.contract == nil {
		return "", nil, false
	}
	return h.contract.ColumnsSQL(), h.contract.ColumnNames(), true
}

func (h *materializationHost) ApplyGrants(ctx context.Context, rel compiler.Relation, grants map[string]any, shouldRevoke bool) error {
	want, err := grantsMap(h.n, grants)
	if err != nil || len(want) == 0 {
		return err
	}
	return h.r.applyGrantsTo(ctx, h.n, toAdapterRel(rel), want, h.res, shouldRevoke)
}

func (h *materializationHost) PersistDocs(ctx context.Context, rel compiler.Relation, forRelation, forColumns bool) error {
	pd, _ := h.n.Config["persist_docs"].(map[string]any)
	relOn, _ := optBool(project.Config(pd), "relation")
	colsOn, _ := optBool(project.Config(pd), "columns")
	return h.r.persistDocsTo(ctx, h.n, toAdapterRel(rel), forRelation && relOn, forColumns && colsOn)
}

func (h *materializationHost) CreateIndexes(ctx context.Context, rel compiler.Relation) error {
	ic, ok := h.r.a.(adapters.IndexCreator)
	if !ok {
		return nil // dbt: the default create_indexes creates nothing
	}
	return ic.CreateIndexes(ctx, toAdapterRel(rel), h.n.Config)
}

var _ compiler.MaterializationHost = (*materializationHost)(nil)
