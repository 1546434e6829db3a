package compiler

import (
	"slices"
	"sort"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
)

// builtInSteps are the macros of dbt's global project that its built-in
// materializations (table, view, incremental, seed, snapshot) call to
// build a node. elt builds those nodes in Go and calls none of them, so a
// project's or package's version of one is used only where Jinja calls
// it: a custom materialization, a hook, an operation.
var builtInSteps = map[string]bool{
	"drop_relation": true, "truncate_relation": true, "rename_relation": true,
	"create_table_as": true, "get_create_table_as_sql": true, "create_view_as": true, "get_create_view_as_sql": true,
	"get_replace_sql": true, "get_create_sql": true,
	"make_temp_relation": true, "make_intermediate_relation": true, "make_backup_relation": true,
	"get_merge_sql": true, "get_delete_insert_merge_sql": true, "get_insert_overwrite_merge_sql": true,
	"get_incremental_append_sql": true, "get_incremental_delete_insert_sql": true, "get_incremental_merge_sql": true,
	"get_incremental_insert_overwrite_sql": true, "get_incremental_default_sql": true, "get_incremental_microbatch_sql": true,
	"get_insert_into_sql": true, "get_merge_update_columns": true, "get_merge_unique_key_match": true,
	"load_csv_rows": true, "create_csv_table": true, "reset_csv_table": true, "get_binding_char": true,
	"get_batch_size": true, "get_seed_column_quoted_csv": true,
	"snapshot_merge_sql": true, "build_snapshot_table": true, "snapshot_staging_table": true,
	"snapshot_hash_arguments": true, "snapshot_get_time": true,
	// (A project's snapshot_timestamp_strategy or snapshot_check_strategy
	// is not one: strategy_dispatch finds it, and elt calls it too.)
	"strategy_dispatch": true,
	"alter_column_type": true, "alter_relation_add_remove_columns": true,
	"apply_grants": true, "get_grant_sql": true, "get_revoke_sql": true, "get_show_grant_sql": true,
	"alter_relation_comment": true, "alter_column_comment": true, "get_create_index_sql": true,
	// dbt's test materialization (source freshness runs a project's
	// collect_freshness: CollectFreshness).
	"get_test_sql": true,
	// dbt's test materialization limits a test's failing rows with
	// get_limit_subquery_sql, which dispatches get_limit_sql; elt's show
	// calls them (ShowSQL), its data tests limit the rows in Go.
	"get_limit_subquery_sql": true, "get_limit_sql": true,
}

// testLimitSteps are the builtInSteps elt's show calls but its data tests
// do not.
var testLimitSteps = map[string]bool{"get_limit_subquery_sql": true, "get_limit_sql": true}

// adapterMethodSteps are the steps dbt's adapter methods run by name
// (adapter.drop_relation runs the macro drop_relation): there a package's
// macro of that name replaces dbt's, as the root project's does.
var adapterMethodSteps = map[string]bool{"drop_relation": true, "truncate_relation": true, "rename_relation": true}

// warnIgnoredOverrides warns, at each definition, of a macro with which
// dbt would change how its built-in materializations build a node, and
// which elt's do not call: the root project's version of a step (its name,
// or default__ or the target's adapter prefix before it), a package's
// dispatched one when the project's dispatch config searches the package
// for dbt's macros, and a package's adapter-method macro.
func (e *engine) warnIgnoredOverrides(l *diag.List) {
	prefixes := [...]string{"default__", e.dialect.Type() + "__"}
	base := func(name string) string {
		for _, p := range prefixes {
			if b, ok := strings.CutPrefix(name, p); ok {
				return b
			}
		}
		return name
	}
	// The steps elt runs a project's macro for (relationops.go), the
	// incremental strategies' (customstrategy.go), apply_grants
	// (RunApplyGrants) and get_test_sql (TestSQL).
	honoured := func(step string) bool {
		return relationOps[step] && relationOpDialects[e.dialect.Type()] || isStrategyStep(step) ||
			step == "apply_grants" || step == "get_test_sql"
	}
	var found []*Macro
	root := e.proj.Config.Name
	for name, def := range e.macros {
		if def.meta.Package == root && builtInSteps[base(name)] && !honoured(base(name)) {
			found = append(found, def.meta)
		}
	}
	order, _ := e.configuredOrder("dbt")
	for pkg, own := range e.packageMacros {
		searched := slices.Contains(order, pkg)
		for name, def := range own {
			b := base(name)
			if builtInSteps[b] && !honoured(b) && ((b == name && adapterMethodSteps[name]) || (b != name && searched)) {
				found = append(found, def.meta)
			}
		}
	}
	sort.Slice(found, func(i, j int) bool {
		if found[i].OriginalFilePath != found[j].OriginalFilePath {
			return found[i].OriginalFilePath < found[j].OriginalFilePath
		}
		return found[i].Line < found[j].Line
	})
	for _, m := range found {
		if testLimitSteps[base(m.Name)] {
			l.Add(diag.Warnf(m.OriginalFilePath, diag.Pos{Line: m.Line},
				"a test whose failing rows need it can run through a test materialization of the project's ({% materialization test, default %})",
				"%s replaces dbt's %s, which elt's show calls but its data tests do not: elt limits a test's failing rows (its limit config) in Go",
				m.Name, base(m.Name)))
			continue
		}
		l.Add(diag.Warnf(m.OriginalFilePath, diag.Pos{Line: m.Line},
			"a node that needs it can be built by a custom materialization that calls it",
			"%s replaces dbt's %s, which elt's built-in materializations do not call: elt builds tables, views, incremental models, seeds and snapshots, and runs data tests and freshness checks, in Go",
			m.Name, base(m.Name)))
	}
}
