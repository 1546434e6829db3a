package compiler

import (
	"context"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/jinja"
)

// builtinStrategies are the incremental strategies elt builds in Go.
var builtinStrategies = map[string]bool{"append": true, "merge": true, "delete+insert": true, "microbatch": true}

// strategyMacro is the macro dbt's adapter.get_incremental_strategy_macro
// finds for a strategy: get_incremental_<strategy>_sql in the node's
// context (its package's macros, the root project's, dbt's).
func (m *Manifest) strategyMacro(n *Node, strategy string) (*macroDef, bool) {
	name := "get_incremental_" + strings.ReplaceAll(strategy, "+", "_") + "_sql"
	e := m.engine
	if n.Package != e.proj.Config.Name {
		if def, ok := e.packageMacros[n.Package][name]; ok {
			return def, true
		}
	}
	def, ok := e.macros[name]
	return def, ok
}

// CustomStrategy reports whether a model's incremental_strategy is one
// the project (or the model's package) defines as a macro,
// get_incremental_<strategy>_sql, rather than one elt builds itself.
func (m *Manifest) CustomStrategy(id, strategy string) bool {
	n, ok := m.Nodes[id]
	if !ok || builtinStrategies[strategy] {
		return false
	}
	_, ok = m.strategyMacro(n, strategy)
	return ok
}

// StrategyColumn is one column of an incremental model's table, for a
// custom strategy's dest_columns.
type StrategyColumn struct{ Name, DataType string }

// StrategySQL renders a custom incremental strategy's SQL, as dbt's
// incremental materialization calls it: the macro gets arg_dict with
// target_relation, temp_relation (the new rows), unique_key, dest_columns
// (the table's columns) and incremental_predicates, and returns the
// statement that applies the new rows.
func (m *Manifest) StrategySQL(ctx context.Context, id, strategy string, target, temp Relation, dest []StrategyColumn) (string, error) {
	n, ok := m.Nodes[id]
	if !ok {
		return "", diag.Errorf("", diag.Pos{}, "", "incremental strategy: unknown node %s", id)
	}
	def, ok := m.strategyMacro(n, strategy)
	if !ok {
		return "", diag.Errorf(n.OriginalFilePath, diag.Pos{}, "", "%q is not a valid incremental strategy", strategy)
	}
	st := m.engine.newState(m, n, true)
	st.ctx = ctx
	cols := jinja.NewList()
	for _, c := range dest {
		cols.Items = append(cols.Items, &columnValue{Column: Column{Name: c.Name, DataType: c.DataType}, quoted: m.engine.dialect.Quote(c.Name)})
	}
	args := jinja.NewDict()
	args.Set("target_relation", st.newRelation(target, "table"))
	args.Set("temp_relation", st.newRelation(temp, "table"))
	args.Set("unique_key", templateValue(n.Config["unique_key"]))
	args.Set("dest_columns", cols)
	preds := n.Config["predicates"]
	if preds == nil {
		preds = n.Config["incremental_predicates"]
	}
	args.Set("incremental_predicates", templateValue(preds))
	v, err := st.callMacro(def, nil, []any{args}, nil)
	if err != nil {
		return "", m.engine.macroError(def, def.meta.Name, err)
	}
	return macroText(toGo(v)), nil
}
