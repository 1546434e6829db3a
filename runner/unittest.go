package runner

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/project"
	"github.com/elt-dev/elt/tests"
)

// node is a manifest node or unit test by id.
func (r *Runner) node(id string) *compiler.Node {
	if n, ok := r.m.Nodes[id]; ok {
		return n
	}
	if n, ok := r.opts.NoOpNodes[id]; ok {
		return n
	}
	return r.m.UnitTests[id]
}

// attachUnitTests takes, in build, the unit tests whose model also runs
// out of the walk: they run just before their model, as dbt 1.8's build
// does, and a failing one skips the model and so its children. Unit tests
// whose model does not run stay in the walk.
func (r *Runner) attachUnitTests(run []string) ([]string, map[string][]string) {
	if !r.opts.Build {
		return run, nil
	}
	inRun := make(map[string]bool, len(run))
	for _, id := range run {
		inRun[id] = true
	}
	unitsOf := map[string][]string{}
	kept := run[:0:0]
	for _, id := range run {
		n := r.node(id)
		if n.ResourceType == project.UnitTestType && inRun[n.AttachedNode] {
			unitsOf[n.AttachedNode] = append(unitsOf[n.AttachedNode], id)
			continue
		}
		kept = append(kept, id)
	}
	for _, ids := range unitsOf {
		sort.Strings(ids)
	}
	return kept, unitsOf
}

// runUnitTests runs a model's unit tests on the model's thread, reporting
// each; it says whether one failed or errored.
func (r *Runner) runUnitTests(ctx context.Context, ids []string, total, tid int, record func(Result)) bool {
	failed := false
	thread := fmt.Sprintf("Thread-%d (worker)", tid)
	ctx = compiler.WithThread(ctx, thread)
	for _, id := range ids {
		n := r.node(id)
		idx := r.start(n, total, thread)
		res := r.execute(ctx, n)
		res.ThreadID = thread
		r.finish(idx, total, n, res)
		record(res)
		if res.Status == Error || res.Status == Fail || res.Status == Cancelled {
			failed = true
		}
	}
	return failed
}

// unitTest renders and runs one unit test. It never touches a real table.
func (r *Runner) unitTest(ctx context.Context, n *compiler.Node, res *Result) error {
	res.StartedAt = time.Now()
	u, err := r.m.RenderUnitTest(ctx, n.UniqueID)
	if err != nil {
		return err
	}
	out, err := tests.RunUnit(ctx, r.a, u)
	if err != nil {
		// dbt's execute_unit_test wraps what fails in the unit
		// materialization (the query, the expected rows' columns) so.
		return fmt.Errorf("%s: An error occurred during execution of unit test '%s'. There may be an error in the unit test definition: check the data types.\n %w", n.OriginalFilePath, n.Name, err)
	}
	// dbt's build_unit_test_run_result: failures is 1 for a failed unit
	// test, however many rows differ.
	var f int64
	res.Message = out.Message
	res.Status = Pass
	if out.Status == "fail" {
		res.Status, f = Fail, 1
	}
	res.Failures = &f
	return nil
}
