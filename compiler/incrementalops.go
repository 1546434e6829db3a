package compiler

import (
	"fmt"
	"slices"
	"strings"

	"github.com/elt-dev/elt/jinja"
)

// The adapter methods dbt's incremental materializations call to choose
// a strategy (dbt-adapters' BaseAdapter.get_incremental_strategy_macro),
// for a project's copy of one of them.

// validIncrementalStrategies is each adapter's valid_incremental_strategies():
// the builtin strategies it supports (dbt-adapters' BaseAdapter: append
// only; dbt-postgres, dbt-duckdb on DuckDB 1.4 and later, dbt-snowflake
// their own lists).
func validIncrementalStrategies(adapterType string) []string {
	switch adapterType {
	case "postgres", "redshift", "duckdb":
		return []string{"append", "delete+insert", "merge", "microbatch"}
	case "snowflake":
		return []string{"append", "merge", "delete+insert", "microbatch", "insert_overwrite"}
	}
	return []string{"append"}
}

// builtinIncrementalStrategies is BaseAdapter.builtin_incremental_strategies():
// microbatch is one unless the behaviour flag
// require_batched_execution_for_custom_microbatch_strategy is set.
func (e *engine) builtinIncrementalStrategies() []string {
	out := []string{"append", "delete+insert", "merge", "insert_overwrite"}
	if on, _ := e.proj.Config.FlagBool(microbatchFlag); !on {
		out = append(out, "microbatch")
	}
	return out
}

// itemGetter is a mapping a Jinja value reads by key: context, a dict.
type itemGetter interface {
	GetItem(key any) (any, bool)
}

// fnGetIncrementalStrategyMacro is adapter.get_incremental_strategy_macro(
// model_context, strategy): get_incremental_<strategy>_sql ("+" as "_")
// as model_context holds it, after refusing a builtin strategy the
// adapter does not support; None is "default".
func (e *engine) fnGetIncrementalStrategyMacro(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	strategy := "default"
	if v, ok := argAt(args, kw, 1, "strategy"); ok && v != nil {
		if strategy, ok = v.(string); !ok {
			return nil, st.fail("pass the strategy's name, e.g. config.get('incremental_strategy') or 'default'", "adapter.get_incremental_strategy_macro(): strategy must be a string, not %s", jinja.Repr(v))
		}
	}
	valid := append(validIncrementalStrategies(e.adapterType()), "default")
	if slices.Contains(e.builtinIncrementalStrategies(), strategy) && !slices.Contains(valid, strategy) {
		return nil, &jinjaError{msg: fmt.Sprintf("The incremental strategy '%s' is not valid for this adapter", strategy)}
	}
	name := "get_incremental_" + strings.ReplaceAll(strategy, "+", "_") + "_sql"
	var fn any
	var found bool
	switch c := toGetter(argAt(args, kw, 0, "model_context")).(type) {
	case itemGetter:
		fn, found = c.GetItem(name)
	case *jinja.Dict:
		fn, found = c.Get(name)
	default:
		return nil, st.fail("pass the model's context: adapter.get_incremental_strategy_macro(context, strategy)", "adapter.get_incremental_strategy_macro() needs the model's context")
	}
	if !found || fn == nil {
		return nil, &jinjaError{msg: fmt.Sprintf("dbt could not find an incremental strategy macro with the name %q in %s", name, e.proj.Config.Name)}
	}
	return fn, nil
}

// toGetter is the argument argAt found, or nil.
func toGetter(v any, ok bool) any {
	if !ok {
		return nil
	}
	return v
}

// duckdbAdapterMethods are dbt-duckdb's (1.10.1) @available methods its
// table and incremental materializations call: valid_incremental_strategies,
// is_motherduck (the profile's path, or one of its attachments, is a
// MotherDuck database) and disable_transactions (the profile's setting).
func (e *engine) duckdbAdapterMethods() map[string]any {
	return map[string]any{
		"valid_incremental_strategies": jinja.Func(func(*jinja.State, []any, jinja.Kwargs) (any, error) {
			return jinja.NewList(toAnyList(validIncrementalStrategies("duckdb"))...), nil
		}),
		"is_motherduck": jinja.Func(func(s *jinja.State, _ []any, _ jinja.Kwargs) (any, error) {
			if st := stateOf(s); st != nil {
				st.noteTarget()
			}
			return e.isMotherDuck(), nil
		}),
		"disable_transactions": jinja.Func(func(s *jinja.State, _ []any, _ jinja.Kwargs) (any, error) {
			if st := stateOf(s); st != nil {
				st.noteTarget()
			}
			return e.targetField("disable_transactions") == true, nil
		}),
	}
}

// isMotherDuck is dbt-duckdb's credentials.is_motherduck: the path's
// scheme is md or motherduck, or an attachment's is.
func (e *engine) isMotherDuck() bool {
	md := func(path any) bool {
		p, _ := path.(string)
		scheme, _, ok := strings.Cut(strings.ToLower(p), ":")
		return ok && (scheme == "md" || scheme == "motherduck")
	}
	if md(e.targetField("path")) {
		return true
	}
	attach, _ := e.targetField("attach").([]any)
	for _, a := range attach {
		if m, ok := a.(map[string]any); ok && md(m["path"]) {
			return true
		}
	}
	return false
}

// targetField is a field of the target's profile, nil when it has none.
func (e *engine) targetField(name string) any {
	if e.target == nil {
		return nil
	}
	return e.target.Fields[name]
}
