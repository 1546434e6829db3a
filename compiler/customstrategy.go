package compiler

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/jinja"
)

// builtinStrategies are the incremental strategies elt builds in Go.
var builtinStrategies = map[string]bool{"append": true, "merge": true, "delete+insert": true, "microbatch": true, "insert_overwrite": true}

// strategySteps are, for each strategy elt builds in Go, the macros of
// dbt's global project its get_incremental_<strategy>_sql reaches (the
// default strategy reaches each warehouse's choice among the others).
// Where the project or a package replaces one of them, elt renders the
// strategy's macro, as dbt's incremental materialization does, instead of
// building the statements itself.
var strategySteps = map[string][]string{
	"append":        {"get_incremental_append_sql", "get_insert_into_sql"},
	"delete+insert": {"get_incremental_delete_insert_sql", "get_delete_insert_merge_sql"},
	"merge":         {"get_incremental_merge_sql", "get_merge_sql", "get_merge_update_columns", "get_merge_unique_key_match"},
	"default": {"get_incremental_default_sql", "get_incremental_append_sql", "get_insert_into_sql",
		"get_incremental_delete_insert_sql", "get_delete_insert_merge_sql",
		"get_incremental_merge_sql", "get_merge_sql", "get_merge_update_columns", "get_merge_unique_key_match"},
	"microbatch": {"get_incremental_microbatch_sql"},
}

// isStrategyStep reports whether name is one of strategySteps.
func isStrategyStep(name string) bool {
	for _, steps := range strategySteps {
		if slices.Contains(steps, name) {
			return true
		}
	}
	return false
}

// stepReplaced reports whether a call of dbt's macro name from dbt's own
// macros reaches the project's or a package's SQL: the root project
// defines name itself, or dbt's dispatch in its namespace finds
// <adapter>__name or default__name in a package it searches before dbt's
// own (the root project, with no dispatch config).
func (e *engine) stepReplaced(name string) bool {
	if def, ok := e.macros[name]; ok && def.meta.Package == e.proj.Config.Name {
		return true
	}
	for _, pkg := range e.searchOrder("dbt") {
		if internalPackages[pkg] {
			return false
		}
		for _, prefix := range []string{e.dialect.Type(), "default"} {
			if _, ok := e.lookupIn(pkg, prefix+"__"+name); ok {
				return true
			}
		}
	}
	return false
}

// strategyMacro is the macro dbt's adapter.get_incremental_strategy_macro
// finds for a strategy: get_incremental_<strategy>_sql in the node's
// context (its package's macros, the root project's, dbt's); no strategy
// is dbt's "default".
func (m *Manifest) strategyMacro(n *Node, strategy string) (*macroDef, bool) {
	if strategy == "" {
		strategy = "default"
	}
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

// CustomStrategy reports whether a model's incremental_strategy (empty:
// dbt's default) is built by rendering its macro,
// get_incremental_<strategy>_sql, rather than by elt in Go: a strategy
// the project (or the model's package) defines, or one of dbt's whose
// macros (strategySteps) the project or a package replaces. A project's
// get_incremental_microbatch_sql is such a strategy: dbt runs it once per
// model, or once per batch with the behaviour flag
// require_batched_execution_for_custom_microbatch_strategy
// (UseMicrobatchBatches).
func (m *Manifest) CustomStrategy(id, strategy string) bool {
	n, ok := m.Nodes[id]
	if !ok {
		return false
	}
	if strategy != "" && !builtinStrategies[strategy] {
		_, ok = m.strategyMacro(n, strategy)
		return ok
	}
	if def, ok := m.strategyMacro(n, strategy); ok && !internalPackages[def.meta.Package] {
		return true
	}
	steps := strategySteps[strategy]
	if strategy == "" {
		steps = strategySteps["default"]
	}
	return slices.ContainsFunc(steps, m.engine.stepReplaced)
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
	return m.strategySQL(ctx, n, nil, strategy, target, temp, dest)
}

// BatchStrategySQL is StrategySQL for one batch [start, end) of a
// microbatch model, rendered in the batch's context (model.batch and the
// batch config keys), as dbt calls the strategy macro in each batch.
func (m *Manifest) BatchStrategySQL(ctx context.Context, id, strategy string, target, temp Relation, dest []StrategyColumn, start, end time.Time) (string, error) {
	n, ok := m.Nodes[id]
	if !ok {
		return "", diag.Errorf("", diag.Pos{}, "", "incremental strategy: unknown node %s", id)
	}
	node, w := inBatch(n, start, end)
	return m.strategySQL(ctx, node, w, strategy, target, temp, dest)
}

// strategySQL renders n's strategy macro, in batch w's context when w is
// not nil.
func (m *Manifest) strategySQL(ctx context.Context, n *Node, w *batchWindow, strategy string, target, temp Relation, dest []StrategyColumn) (string, error) {
	def, ok := m.strategyMacro(n, strategy)
	if !ok {
		return "", diag.Errorf(n.OriginalFilePath, diag.Pos{}, "", "%q is not a valid incremental strategy", strategy)
	}
	st := m.engine.newState(m, n, true)
	st.ctx = ctx
	st.batch = w
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
