package compiler

import (
	"fmt"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/par"
	"github.com/elt-dev/elt/jinja"
	"github.com/elt-dev/elt/project"
)

// validateConfigs checks, once every config is final, the values that would
// otherwise fail only when the node runs: a test's severity and a
// snapshot's strategy and the keys it needs.
func (m *Manifest) validateConfigs(l *diag.List, nodes []*Node) {
	m.validateMaterializationOverrides(l)
	// A node or source whose enabled is not a boolean may have been set
	// aside as disabled: it is checked all the same.
	for _, n := range m.DisabledNodes() {
		validateEnabled(l, n)
	}
	for _, s := range m.Sources {
		validateSourceEnabled(l, s)
	}
	for _, s := range m.disabledSourceTables {
		validateSourceEnabled(l, s)
	}
	// Each node is checked alone, on every core; each chunk's findings
	// are kept apart and reported in node order.
	const chunk = 1024
	chunks := make([]diag.List, (len(nodes)+chunk-1)/chunk)
	par.For(len(chunks), 1, func(c int) {
		found := map[string]matFound{}
		for _, n := range nodes[c*chunk : min((c+1)*chunk, len(nodes))] {
			m.validateNode(&chunks[c], n, found)
		}
	})
	for _, c := range chunks {
		*l = append(*l, c...)
	}
}

// validateNode checks one node's config; found is validateMaterialization's.
func (m *Manifest) validateNode(l *diag.List, n *Node, found map[string]matFound) {
	validateGrantsAndDocs(l, n)
	switch n.ResourceType {
	case project.Model, project.Seed, project.Snapshot, project.Analysis:
		validateNodeColor(l, n)
	}
	m.validateIndexes(l, n)
	validateEnabled(l, n)
	if strings.Contains(n.Name, " ") {
		// As dbt's check_for_spaces_in_resource_names with its default
		// require_resource_names_without_spaces (the only value elt
		// takes): an enabled node named with a space fails the parse.
		l.Add(diag.Errorf(n.OriginalFilePath, diag.Pos{}, "rename the file without spaces (e.g. with underscores)",
			"Found spaces in the name of `%s`: resource names cannot contain spaces", n.UniqueID))
	}
	// As dbt: a data test, seed or snapshot has one materialization.
	if want, ok := fixedMaterialization[n.ResourceType]; ok {
		if v, set := n.Config["materialized"]; set && v != nil && v != want {
			file, pos := ConfigSite(n)
			l.Add(diag.Errorf(file, pos, fmt.Sprintf("remove materialized from the %s's config", n.ResourceType),
				"%s %s: invalid materialization %q; a %s is materialized as %s", n.ResourceType, n.Name, fmt.Sprint(v), n.ResourceType, want))
		}
	}
	switch n.ResourceType {
	case project.Test:
		// As dbt's pattern: warn or error in any case, kept as written.
		if s, _ := n.Config["severity"].(string); !strings.EqualFold(s, "error") && !strings.EqualFold(s, "warn") {
			file, pos := ConfigSite(n)
			l.Add(diag.Errorf(file, pos, "set severity to warn or error",
				"test %s: severity must be warn or error, not %q", n.Name, fmt.Sprint(n.Config["severity"])))
		}
	case project.Snapshot:
		file, pos := ConfigSite(n)
		m.validateSnapshot(l, n, file, pos)
	case project.Model:
		if n.Config["materialized"] == "external" {
			file, pos := ConfigSite(n)
			validateExternal(l, n, file, pos)
		}
		m.validateMaterializedView(l, n)
		m.validateMaterialization(l, n, found)
		m.validateDuckDBMerge(l, n)
	}
}

// validateEnabled refuses an enabled config that is not a boolean, as
// dbt's config validation does (NodeConfig.enabled is a bool, checked
// against its JSON schema, which coerces nothing): a string such as
// 'false', from config() or quoted in YAML, stops the parse.
func validateEnabled(l *diag.List, n *Node) {
	if msg, bad := enabledProblem(n.Config); bad {
		file, pos := ConfigSite(n)
		l.Add(diag.Errorf(file, pos, "write enabled: true or enabled: false, without quotes",
			"%s %s: %s", n.ResourceType, n.Name, msg))
	}
}

func validateSourceEnabled(l *diag.List, s *project.SourceTable) {
	if msg, bad := enabledProblem(s.Config); bad {
		l.Add(diag.Errorf(s.OriginalFilePath, s.Pos, "write enabled: true or enabled: false, without quotes",
			"source %s.%s: %s", s.SourceName, s.Name, msg))
	}
}

// enabledProblem is dbt's message for a config whose enabled is set and
// not a boolean.
func enabledProblem(c project.Config) (string, bool) {
	v, ok := c["enabled"]
	if !ok {
		return "", false
	}
	if _, isBool := v.(bool); isBool {
		return "", false
	}
	return fmt.Sprintf("at path ['enabled']: %s is not of type 'boolean'", jinja.Repr(v)), true
}

// duckdbMergeKeys are dbt-duckdb's (1.10.1) merge configs beyond
// unique_key, merge_update_columns and merge_exclude_columns, which its
// MERGE INTO reads and elt's merge does not.
var duckdbMergeKeys = []string{"merge_update_condition", "merge_insert_condition", "merge_update_set_expressions",
	"merge_clauses", "merge_on_using_columns", "merge_returning_columns"}

// validateDuckDBMerge refuses, on DuckDB, an incremental model's merge
// configs elt's merge does not act on: accepting them would apply the
// new rows otherwise than the project asks, silently. (Other adapters'
// dbt ignores these keys, as elt does.)
func (m *Manifest) validateDuckDBMerge(l *diag.List, n *Node) {
	if m.Project == nil || m.Project.Target == nil || m.Project.Target.Type != "duckdb" || n.Config["materialized"] != "incremental" {
		return
	}
	for _, k := range duckdbMergeKeys {
		if v, ok := n.Config[k]; ok && v != nil {
			if _, custom := m.CustomMaterialization(n); custom {
				return
			}
			file, pos := ConfigSite(n)
			l.Add(diag.Errorf(file, pos, "remove "+k+"; elt's merge updates the matched rows' columns (merge_update_columns or merge_exclude_columns) and inserts the others",
				"model %s: elt does not support dbt-duckdb's %s yet", n.Name, k))
		}
	}
}

// fixedMaterialization is the one materialization of a resource type
// that has no other.
var fixedMaterialization = map[project.ResourceType]string{project.Test: "test", project.Seed: "seed", project.Snapshot: "snapshot"}

func (m *Manifest) validateSnapshot(l *diag.List, n *Node, file string, pos diag.Pos) {
	c := n.Config
	missing := func(key, hint string) {
		if v, ok := c[key]; !ok || v == nil || v == "" {
			l.Add(diag.Errorf(file, pos, hint, "snapshot %s: %s is required", n.Name, key))
		}
	}
	missing("unique_key", "set unique_key to the column (or list of columns) that identifies a row")
	strategy, _ := c["strategy"].(string)
	switch strings.ToLower(strategy) {
	case "timestamp":
		missing("updated_at", "set updated_at to the column that records when a row last changed")
		if cc := c["check_cols"]; cc != nil && cc != "" && !isEmptyList(cc) {
			// SnapshotConfig.final_validate
			l.Add(diag.Errorf(file, pos, "remove check_cols, or use strategy='check'",
				"snapshot %s: A 'timestamp' snapshot should not have 'check_cols'", n.Name))
		}
		m.refuseStrategyMacroOn(l, n, m.lookupSnapshotStrategy(n, strategy), file, pos)
	case "check":
		missing("check_cols", "set check_cols to a list of columns, or 'all'")
		switch cc := c["check_cols"].(type) {
		case string:
			if cc != "" && cc != "all" {
				// SnapshotConfig.final_validate
				l.Add(diag.Errorf(file, pos, "set check_cols to a list of columns, or 'all'",
					"snapshot %s: Invalid value for 'check_cols': %s. Expected 'all' or a list of strings.", n.Name, cc))
			}
		case []any, []string:
			if isEmptyList(cc) {
				l.Add(diag.Errorf(file, pos, "set check_cols to a list of columns, or 'all'",
					"snapshot %s: A snapshot configured with the check strategy must specify a check_cols configuration.", n.Name))
			}
		}
		m.refuseStrategyMacroOn(l, n, m.lookupSnapshotStrategy(n, strategy), file, pos)
	case "":
		l.Add(diag.Errorf(file, pos, "set strategy='timestamp' (with updated_at) or strategy='check' (with check_cols)",
			"snapshot %s: strategy is required", n.Name))
	default:
		m.checkSnapshotStrategy(l, n, strategy, file, pos)
	}
	if hd, ok := c["hard_deletes"]; ok && hd != nil {
		switch strings.ToLower(fmt.Sprint(hd)) {
		case "ignore", "invalidate", "new_record":
		default:
			l.Add(diag.Errorf(file, pos, "set hard_deletes to ignore, invalidate or new_record",
				"snapshot %s: unknown hard_deletes %q", n.Name, fmt.Sprint(hd)))
		}
	}
}

// isEmptyList reports whether v is a list with nothing in it.
func isEmptyList(v any) bool {
	switch x := v.(type) {
	case []any:
		return len(x) == 0
	case []string:
		return len(x) == 0
	}
	return false
}

// checkSnapshotStrategy checks a strategy that is not dbt's own. One
// whose macro dbt's strategy_dispatch would not find is no load error:
// dbt's snapshot materialization raises it when the snapshot runs
// (SnapshotStrategyError).
func (m *Manifest) checkSnapshotStrategy(l *diag.List, n *Node, strategy string, file string, pos diag.Pos) {
	m.refuseStrategyMacroOn(l, n, m.lookupSnapshotStrategy(n, strategy), file, pos)
}

// refuseStrategyMacroOn stops the load where a snapshot's strategy is a
// macro and the target is Snowflake or BigQuery, whose snapshot plans
// build dbt's timestamp and check strategies only.
func (m *Manifest) refuseStrategyMacroOn(l *diag.List, n *Node, found snapshotStrategyLookup, file string, pos diag.Pos) {
	if found.def == nil || m.Project == nil || m.Project.Target == nil {
		return
	}
	switch t := m.Project.Target.Type; t {
	case "snowflake", "bigquery":
		l.Add(diag.Errorf(file, pos, "use dbt's strategy='timestamp' or strategy='check' on this target, or run the project on DuckDB or PostgreSQL",
			"snapshot %s: elt runs snapshot strategy macros on DuckDB and PostgreSQL only, not on %s: strategy %q is the macro %s (%s:%d)",
			n.Name, t, snapshotStrategyName(n), found.def.meta.Name, found.def.meta.OriginalFilePath, found.def.meta.Line))
	}
}

// ConfigSite is where a node's config is best reported: its properties
// YAML entry when it has one, else the start of its SQL.
func ConfigSite(n *Node) (string, diag.Pos) {
	if n.PatchPath != "" && n.PatchPos.Line > 0 {
		return n.PatchPath, n.PatchPos
	}
	line := n.RawCodeLine + 1
	if i := strings.Index(n.RawCode, "config("); i >= 0 {
		line += strings.Count(n.RawCode[:i], "\n")
	}
	return n.OriginalFilePath, diag.Pos{Line: line}
}

// validateExternal refuses what dbt-duckdb's external materialization does
// with a file beyond writing it, which elt does not do.
func validateExternal(l *diag.List, n *Node, file string, pos diag.Pos) {
	if p, ok := n.Config["plugin"]; ok && p != nil {
		l.Add(diag.Errorf(file, pos, "remove plugin; elt writes the file and the view only",
			"model %s: elt does not support dbt-duckdb plugins (plugin: %v), which are Python code", n.Name, p))
	}
	if g, _ := n.Config["glue_register"].(bool); g {
		l.Add(diag.Errorf(file, pos, "remove glue_register, and register the files with AWS Glue yourself",
			"model %s: elt does not register external files with AWS Glue (glue_register)", n.Name))
	}
}

// validateIndexes refuses the indexes config of dbt-postgres and
// dbt-duckdb where no index would be created: they index tables they
// create (table and incremental models, seeds, snapshots;
// adapters/postgres, adapters/duckdb), not views or
// ephemeral models; a project's materialization creates them where it
// calls create_indexes. Accepting it would build them without the indexes
// the project asks for, silently. PostgreSQL materialized views get
// theirs (adapters/postgres), and DuckDB has none.
func (m *Manifest) validateIndexes(l *diag.List, n *Node) {
	if m.Project == nil || m.Project.Target == nil || m.Project.Target.Type != "postgres" && m.Project.Target.Type != "duckdb" {
		return // dbt acts on indexes only on Postgres and DuckDB
	}
	if n.ResourceType != project.Model {
		return // seeds and snapshots get theirs
	}
	v, ok := n.Config["indexes"]
	if !ok || v == nil {
		return
	}
	if l2, isList := v.([]any); isList && len(l2) == 0 {
		return
	}
	mat, _ := n.Config["materialized"].(string)
	if mat == "materialized_view" {
		return
	}
	if _, custom := m.CustomMaterialization(n); custom || mat == "table" || mat == "incremental" {
		return // a project's materialization creates them with create_indexes, as in dbt
	}
	if mat == "" {
		mat = "view"
	}
	file, pos := ConfigSite(n)
	l.Add(diag.Errorf(file, pos, "remove indexes: from the config, or materialize the model as table or incremental",
		"model %s: elt creates indexes (indexes) on tables it builds (table and incremental models, seeds, snapshots), not on %s models", n.Name, mat))
}

// validateMaterializedView refuses, at load time, the materializations a
// warehouse does not have: DuckDB has no materialized views, only
// Snowflake has dynamic tables. elt builds materialized views on
// Postgres and BigQuery and dynamic tables on Snowflake.
func (m *Manifest) validateMaterializedView(l *diag.List, n *Node) {
	mat, _ := n.Config["materialized"].(string)
	if mat != "materialized_view" && mat != "dynamic_table" {
		return
	}
	typ := ""
	if m.Project != nil && m.Project.Target != nil {
		typ = m.Project.Target.Type
	}
	file, pos := ConfigSite(n)
	switch {
	case mat == "materialized_view" && typ == "duckdb":
		l.Add(diag.Errorf(file, pos, "materialize the model as table or view",
			"model %s: DuckDB has no materialized views (materialized='materialized_view')", n.Name))
		return
	case mat == "materialized_view" && typ == "snowflake":
		l.Add(diag.Errorf(file, pos, "use materialized='dynamic_table' (dbt-snowflake does not build materialized views)",
			"model %s: materialized='materialized_view' is not supported on Snowflake", n.Name))
		return
	case mat == "dynamic_table" && typ != "snowflake":
		l.Add(diag.Errorf(file, pos, "use materialized='materialized_view' or table",
			"model %s: dynamic tables exist only on Snowflake, not on %s", n.Name, typ))
		return
	case mat == "dynamic_table":
		for _, key := range []string{"target_lag", "snowflake_warehouse"} {
			if v, ok := n.Config[key]; !ok || v == nil || v == "" {
				l.Add(diag.Errorf(file, pos, "set "+key+" in the model's config",
					"model %s: a dynamic table needs %s", n.Name, key))
			}
		}
	case typ != "postgres" && typ != "bigquery":
		l.Add(diag.Errorf(file, pos, "materialize the model as table or view for now",
			"model %s: elt does not support materialized=%q on %s yet", n.Name, mat, typ))
		return
	}
	if v, ok := n.Config["on_configuration_change"]; ok && v != nil {
		if s, _ := v.(string); s != "apply" && s != "continue" && s != "fail" {
			l.Add(diag.Errorf(file, pos, "use apply, continue or fail",
				"model %s: on_configuration_change %q is not valid", n.Name, fmt.Sprint(v)))
		}
	}
}
