package compiler

import (
	"context"
	"fmt"

	"github.com/elt-dev/elt/jinja"
)

// TestSQLArgs are the arguments dbt's test materialization passes to
// get_test_sql: the failing-rows query and the test's thresholds.
type TestSQLArgs struct {
	Main, FailCalc, WarnIf, ErrorIf string
	Limit                           *int64 // nil: no limit (None)
}

// testSQLMacro is the project's get_test_sql, when it has one: a root
// project macro of that name replaces dbt's, and dbt's own dispatches
// (adapter.dispatch('get_test_sql', 'dbt')) to <adapter>__get_test_sql or
// default__get_test_sql in the packages searched for the dbt namespace.
// nil means dbt's default, which elt's test wrapper is.
func (e *engine) testSQLMacro() *macroDef {
	root := e.proj.Config.Name
	if def, ok := e.macros["get_test_sql"]; ok && def.meta.Package == root {
		return def
	}
	for _, pkg := range e.searchOrder("dbt") {
		if internalPackages[pkg] {
			continue
		}
		for _, prefix := range []string{e.dialect.Type(), "default"} {
			if def, ok := e.lookupIn(pkg, prefix+"__get_test_sql"); ok && !internalPackages[def.meta.Package] {
				return def
			}
		}
	}
	return nil
}

// TestSQL renders the project's get_test_sql for the data test id, as
// dbt's test materialization does; ok is false when the project does not
// override it.
func (m *Manifest) TestSQL(ctx context.Context, id string, a TestSQLArgs) (sql string, ok bool, err error) {
	def := m.engine.testSQLMacro()
	if def == nil {
		return "", false, nil
	}
	n := m.Nodes[id]
	if n == nil {
		return "", false, fmt.Errorf("unknown test %s", id)
	}
	st := m.engine.newState(m, n, true)
	st.ctx = ctx
	var limit any
	if a.Limit != nil {
		limit = *a.Limit
	}
	out, err := st.callMacro(def, nil, []any{a.Main, a.FailCalc, a.WarnIf, a.ErrorIf, limit}, nil)
	if err != nil {
		return "", true, fmt.Errorf("%s: %w", def.meta.UniqueID, err)
	}
	s, err := jinja.Str(out)
	if err != nil {
		return "", true, fmt.Errorf("%s: %w", def.meta.UniqueID, err)
	}
	return s, true, nil
}
