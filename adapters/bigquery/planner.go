package bigquery

import (
	"fmt"
	"slices"
	"strings"

	"github.com/elt-dev/elt/adapters"
)

// The planner turns a request plus what the catalog said into the exact
// statements to run. It does no I/O, so every statement is golden-tested
// (testdata/golden) without a BigQuery project; the Adapter runs them.

// StrategyInsertOverwrite replaces whole partitions of the target with the
// partitions of the new rows (dbt-bigquery's insert_overwrite).
const StrategyInsertOverwrite = "insert_overwrite"

// MaxPartitionVariable is the script variable a model's SQL may use in
// its is_incremental() filter under partition_by, as in dbt-bigquery: the
// greatest partition field value already in the target.
const MaxPartitionVariable = "_dbt_max_partition"

// stageExpiration makes a staging table delete itself should a run die
// before dropping it.
const stageExpiration = "expiration_timestamp = timestamp_add(current_timestamp(), interval 12 hour)"

// TableFacts is what the catalog says about an existing relation.
type TableFacts struct {
	Kind adapters.RelationKind
	// An existing table's partitioning as BigQuery reports it: the column,
	// DAY, HOUR, MONTH, YEAR or RANGE ("" when not partitioned), and the
	// range's buckets for RANGE.
	PartitionField string
	PartitionKind  string
	PartitionRange *IntRange
}

// samePartitioning reports whether the existing table is partitioned as p
// asks. BigQuery refuses "create or replace table" across a change of
// partitioning, so a table whose partitioning changes is dropped and built
// again instead.
func (f TableFacts) samePartitioning(p *PartitionBy) bool {
	if p == nil {
		return f.PartitionKind == ""
	}
	if !strings.EqualFold(f.PartitionField, p.Field) || !strings.EqualFold(f.PartitionKind, p.kind()) {
		return false
	}
	if p.Range == nil {
		return true
	}
	return f.PartitionRange != nil && *f.PartitionRange == *p.Range
}

// trimStatement drops trailing semicolons and blank space, so a model that
// ends in ";" can still be wrapped in create ... as ( ... ).
func trimStatement(sql string) string {
	return strings.TrimRight(strings.TrimSpace(sql), "; \t\r\n")
}

// PlanTable builds a model as a table.
//
// Usually that is one statement, "create or replace table ... as (...)",
// which BigQuery runs atomically: if the query fails, the old table and its
// rows stay, and readers never see a half-built table. BigQuery cannot
// replace a view with a table, nor a table with one of another
// partitioning; then the new table is built under tmp first (so a failing
// query still leaves the old relation), the old relation dropped, and the
// new one copied into place. Between the drop and the copy the relation is
// briefly absent.
func PlanTable(rel, tmp adapters.Relation, sql string, tc TableConfig, existing TableFacts) []string {
	body := trimStatement(sql)
	replaceable := existing.Kind == adapters.KindNone ||
		(existing.Kind == adapters.KindTable && existing.samePartitioning(tc.PartitionBy))
	if replaceable {
		return []string{"create or replace table " + render(rel) + tc.ddlClauses() + "\nas (\n" + body + "\n)"}
	}
	drop := "drop table if exists "
	if existing.Kind == adapters.KindView {
		drop = "drop view if exists "
	}
	return []string{
		"create table " + render(tmp) + optionsClause([]string{stageExpiration}) + "\nas (\n" + body + "\n)",
		drop + render(rel),
		"create table " + render(rel) + tc.ddlClauses() + "\nas (\nselect * from " + render(tmp) + "\n)",
		"drop table if exists " + render(tmp),
	}
}

// PlanView builds a model as a view. BigQuery's "create or replace view" is
// atomic, but cannot replace a table: an existing table is dropped first
// (the Adapter dry-runs the view's query before, so a broken view does not
// cost the table).
func PlanView(rel adapters.Relation, sql string, tc TableConfig, existing TableFacts) []string {
	var out []string
	if existing.Kind == adapters.KindTable {
		out = append(out, "drop table if exists "+render(rel))
	}
	var opts []string
	if l := labelsOption(tc.Labels); l != "" {
		opts = append(opts, l)
	}
	if tc.Description != "" {
		opts = append(opts, "description = "+literal(tc.Description))
	}
	return append(out, "create or replace view "+render(rel)+optionsClause(opts)+"\nas (\n"+trimStatement(sql)+"\n)")
}

// PlanStage stages a model's new rows in a table of their own, so the SQL
// runs once, its columns can be compared with the target's and its keys
// checked. With partition_by and SQL that mentions _dbt_max_partition, the
// statement is a script that first declares it, as dbt-bigquery does.
func PlanStage(stage, target adapters.Relation, sql string, tc TableConfig) string {
	body := trimStatement(sql)
	create := "create or replace table " + render(stage) + optionsClause([]string{stageExpiration}) + "\nas (\n" + body + "\n)"
	if tc.PartitionBy == nil || !strings.Contains(body, MaxPartitionVariable) {
		return create
	}
	f := quote(tc.PartitionBy.Field)
	return "declare " + MaxPartitionVariable + " " + tc.PartitionBy.KeyType() + " default (\n  select max(" + f + ") from " + render(target) + " where " + f + " is not null\n);\n" + create
}

// DropSQL drops a table if it exists.
func DropSQL(rel adapters.Relation) string { return "drop table if exists " + render(rel) }

// CountSQL counts a table's rows (free in BigQuery: answered from metadata).
func CountSQL(rel adapters.Relation) string { return "select count(*) from " + render(rel) }

// KeyCheck is one check of the new rows' unique_key: Samples returns up to
// adapters.MaxKeySamples keys that break it, asked only when its count in
// IncrementalPlan.KeyCounts is not 0.
type KeyCheck struct {
	Problem adapters.UniqueKeyProblem
	Samples string
}

// keyChecks are the checks of the new rows' unique_key and the one query
// counting what breaks each (a job per check would cost a job's latency
// each).
func keyChecks(stage adapters.Relation, keys []string) ([]KeyCheck, string) {
	cols := strings.Join(quoteAll(keys), ", ")
	nulls := make([]string, len(keys))
	for i, k := range keys {
		nulls[i] = quote(k) + " is null"
	}
	s := render(stage)
	anyNull := strings.Join(nulls, " or ")
	limit := fmt.Sprintf(" order by %s limit %d", cols, adapters.MaxKeySamples)
	repeated := "select " + cols + " from " + s + " group by " + cols + " having count(*) > 1"
	return []KeyCheck{
			{adapters.KeyNull, "select " + cols + " from " + s + " where " + anyNull + limit},
			{adapters.KeyRepeated, repeated + limit},
		},
		"select (select count(*) from " + s + " where " + anyNull + "), (select count(*) from (" + repeated + "))"
}

func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = quote(n)
	}
	return out
}

// IncrementalFacts is what the catalog says before an incremental run: the
// target's columns and the staged new rows' columns, with BigQuery's types.
type IncrementalFacts struct {
	Target, Stage               adapters.Relation
	TargetColumns, StageColumns []adapters.Column
}

// IncrementalPlan is what Incremental runs, in order.
type IncrementalPlan struct {
	// SchemaChanges run first, each as its own job: BigQuery runs no DDL
	// inside a transaction, so they are not undone should Apply fail.
	SchemaChanges []string
	KeyChecks     []KeyCheck // each must count 0
	// KeyCounts returns one row: how many rows (or keys) break each of
	// KeyChecks, in order.
	KeyCounts string
	// Apply writes the rows in one job: one DML statement, or a script
	// whose statements share one transaction.
	Apply string
	// Verb starts the RunResult message; RowsFromDML says RowsAffected is
	// the job's DML count (merge), otherwise it is the staged row count.
	Verb        string
	RowsFromDML bool
}

// ResolveIncremental is adapters.ResolveIncremental knowing insert_overwrite,
// which only BigQuery has. insert_overwrite needs partition_by.
func ResolveIncremental(inc adapters.Incremental, tc TableConfig) (adapters.Incremental, error) {
	if strings.TrimSpace(inc.Strategy) == "" {
		// dbt-bigquery's default strategy is merge (an append when there is
		// no unique_key), where the shared default is dbt-postgres's delete+insert.
		inc.Strategy = adapters.StrategyMerge
	}
	overwrite := strings.EqualFold(strings.TrimSpace(inc.Strategy), StrategyInsertOverwrite)
	if overwrite {
		if tc.PartitionBy == nil {
			return inc, adapters.IncrementalConfigError("incremental_strategy %q replaces partitions and needs partition_by; set partition_by or use one of append, merge, delete+insert, microbatch", StrategyInsertOverwrite)
		}
		inc.Strategy = adapters.StrategyAppend // checked like append
	}
	inc, err := adapters.ResolveIncremental(inc)
	if err != nil {
		return inc, err
	}
	if overwrite {
		inc.Strategy = StrategyInsertOverwrite
	}
	return inc, nil
}

// columnPair is one column as the target and the new rows spell it, with
// both types.
type columnPair struct {
	target, source         string
	targetType, sourceType string
}

// sourceExpr reads the new rows' column as alias.column, cast to the
// target's type when they differ: BigQuery does not convert on insert.
func (c columnPair) sourceExpr(alias string) string {
	e := alias + "." + quote(c.source)
	if c.targetType != "" && c.sourceType != "" && !sameType(c.targetType, c.sourceType) {
		return "cast(" + e + " as " + c.targetType + ")"
	}
	return e
}

// PlanIncremental plans an incremental run of inc (already resolved by
// ResolveIncremental) against facts. It returns an error wrapping
// adapters.ErrIncrementalConfig for configuration mistakes and an
// *adapters.SchemaChangeError for on_schema_change: fail.
func PlanIncremental(inc adapters.Incremental, tc TableConfig, facts IncrementalFacts) (IncrementalPlan, error) {
	var plan IncrementalPlan
	targetCols, err := planSchemaChanges(&plan, inc, tc, facts)
	if err != nil {
		return IncrementalPlan{}, err
	}
	var written []columnPair
	for _, t := range targetCols {
		if s, ok := adapters.FindColumn(facts.StageColumns, t.Name); ok {
			written = append(written, columnPair{target: t.Name, source: s.Name, targetType: t.DataType, sourceType: s.DataType})
		}
	}
	if len(written) == 0 {
		return IncrementalPlan{}, fmt.Errorf("the new rows (%s) share no column with the target (%s)", names(facts.StageColumns), names(targetCols))
	}
	target, stage := render(facts.Target), render(facts.Stage)
	insertCols := make([]string, len(written))
	insertVals := make([]string, len(written))
	for i, c := range written {
		insertCols[i] = quote(c.target)
		insertVals[i] = c.sourceExpr("s")
	}
	cols := "(" + strings.Join(insertCols, ", ") + ")"
	insertAll := "insert into " + target + " " + cols + "\nselect " + strings.Join(insertVals, ", ") + "\nfrom " + stage + " as s"
	mergeInsert := "when not matched then\n  insert " + cols + "\n  values (" + strings.Join(insertVals, ", ") + ")"

	switch {
	case inc.Strategy == adapters.StrategyAppend,
		inc.Strategy == adapters.StrategyMerge && len(inc.UniqueKey) == 0: // dbt: merge without a key appends
		plan.Apply, plan.Verb = insertAll, "INSERT"
	case inc.Strategy == adapters.StrategyMerge:
		keys, err := keyColumns(inc, targetCols, facts.StageColumns)
		if err != nil {
			return IncrementalPlan{}, err
		}
		update, err := updateColumns(inc, written, keys, targetCols, facts.StageColumns)
		if err != nil {
			return IncrementalPlan{}, err
		}
		plan.KeyChecks, plan.KeyCounts = keyChecks(facts.Stage, sourceNames(keys))
		q := "merge into " + target + " as t\nusing " + stage + " as s\non " + keyMatch(keys)
		if len(update) > 0 {
			sets := make([]string, len(update))
			for i, c := range update {
				sets[i] = quote(c.target) + " = " + c.sourceExpr("s")
			}
			q += "\nwhen matched then\n  update set " + strings.Join(sets, ", ")
		}
		plan.Apply, plan.Verb, plan.RowsFromDML = q+"\n"+mergeInsert, "MERGE", true
	case inc.Strategy == adapters.StrategyDeleteInsert:
		keys, err := keyColumns(inc, targetCols, facts.StageColumns)
		if err != nil {
			return IncrementalPlan{}, err
		}
		plan.KeyChecks, plan.KeyCounts = keyChecks(facts.Stage, sourceNames(keys))
		plan.Apply = transaction(
			"delete from "+target+" as t\nwhere exists (select 1 from "+stage+" as s where "+keyMatch(keys)+")",
			insertAll)
		plan.Verb = "DELETE+INSERT"
	case inc.Strategy == adapters.StrategyMicrobatch:
		col, ok := adapters.FindColumn(targetCols, inc.EventTime)
		if !ok {
			return IncrementalPlan{}, adapters.IncrementalConfigError("event_time column %q is not in the target table's columns (%s)", inc.EventTime, names(targetCols))
		}
		if _, ok := adapters.FindColumn(facts.StageColumns, inc.EventTime); !ok {
			return IncrementalPlan{}, adapters.IncrementalConfigError("event_time column %q is not in the model's columns (%s)", inc.EventTime, names(facts.StageColumns))
		}
		evt := "t." + quote(col.Name)
		typ := baseType(col.DataType)
		switch typ {
		case "TIMESTAMP", "DATETIME":
		case "DATE": // compared as midnight, so any batch bounds work
			evt, typ = "cast("+evt+" as datetime)", "DATETIME"
		default:
			return IncrementalPlan{}, adapters.IncrementalConfigError("event_time column %q is %s; microbatch needs a TIMESTAMP, DATETIME or DATE column", col.Name, col.DataType)
		}
		plan.Apply = transaction(
			"delete from "+target+" as t\nwhere "+evt+" >= "+timeLiteral(inc.BatchStart, typ)+" and "+evt+" < "+timeLiteral(inc.BatchEnd, typ),
			insertAll)
		plan.Verb = "DELETE+INSERT"
	case inc.Strategy == StrategyInsertOverwrite:
		p := tc.PartitionBy
		tcol, ok := adapters.FindColumn(targetCols, p.Field)
		if !ok {
			return IncrementalPlan{}, adapters.IncrementalConfigError("partition_by field %q is not in the target table's columns (%s)", p.Field, names(targetCols))
		}
		scol, ok := adapters.FindColumn(facts.StageColumns, p.Field)
		if !ok {
			return IncrementalPlan{}, adapters.IncrementalConfigError("partition_by field %q is not in the model's columns (%s)", p.Field, names(facts.StageColumns))
		}
		merge := "merge into " + target + " as t\nusing " + stage + " as s\non false\n" + mergeInsert +
			"\nwhen not matched by source and " + p.Expr("t."+quote(tcol.Name))
		if len(tc.Partitions) > 0 {
			// Static partitions: the model's own list of partition key values.
			vals := slices.Clone(tc.Partitions)
			if p.DataType == "int64" {
				for i, v := range vals {
					vals[i] = p.Expr(v)
				}
			}
			plan.Apply = merge + " in (" + strings.Join(vals, ", ") + ") then\n  delete"
		} else {
			// Dynamic: the partitions the new rows fall in.
			plan.Apply = "declare elt_partitions array<" + p.KeyType() + "> default (\n  select array_agg(distinct " + p.Expr("s."+quote(scol.Name)) + " ignore nulls) from " + stage + " as s\n);\n" +
				merge + " in unnest(elt_partitions) then\n  delete"
		}
		plan.Verb = "INSERT OVERWRITE"
	default:
		return IncrementalPlan{}, adapters.IncrementalConfigError("incremental_strategy %q is not supported", inc.Strategy)
	}
	return plan, nil
}

// transaction wraps statements in one multi-statement transaction that is
// rolled back, and the error raised again, when any of them fails.
func transaction(stmts ...string) string {
	var b strings.Builder
	b.WriteString("begin\n  begin transaction;\n")
	for _, s := range stmts {
		b.WriteString("  " + strings.ReplaceAll(s, "\n", "\n  ") + ";\n")
	}
	b.WriteString("  commit transaction;\nexception when error then\n  rollback transaction;\n  raise using message = @@error.message;\nend")
	return b.String()
}

// planSchemaChanges adds on_schema_change's statements to plan and returns
// the target's columns as they will be once those ran.
func planSchemaChanges(plan *IncrementalPlan, inc adapters.Incremental, tc TableConfig, facts IncrementalFacts) ([]adapters.Column, error) {
	cols := slices.Clone(facts.TargetColumns)
	diff := adapters.DiffColumns(facts.TargetColumns, facts.StageColumns)
	if diff.Empty() || inc.OnSchemaChange == adapters.SchemaChangeIgnore {
		return cols, nil
	}
	if inc.OnSchemaChange == adapters.SchemaChangeFail {
		return nil, &adapters.SchemaChangeError{UniqueID: inc.UniqueID, Diff: diff}
	}
	target := render(facts.Target)
	// One statement per kind of change: BigQuery takes several ADD COLUMN
	// or several DROP COLUMN clauses in one ALTER TABLE, but does not
	// document mixing them.
	alter := func(clauses []string) {
		if len(clauses) > 0 {
			plan.SchemaChanges = append(plan.SchemaChanges, "alter table "+target+"\n  "+strings.Join(clauses, ",\n  "))
		}
	}
	var adds, drops []string
	for _, c := range diff.Added {
		adds = append(adds, "add column "+quote(c.Name)+" "+c.DataType)
		cols = append(cols, adapters.Column{Name: c.Name, DataType: c.DataType})
	}
	alter(adds)
	var rewrite []string // columns to convert by rewriting the table
	if inc.OnSchemaChange == adapters.SchemaChangeSyncAll {
		for _, c := range diff.Removed {
			drops = append(drops, "drop column "+quote(c.Name))
			cols = slices.DeleteFunc(cols, func(x adapters.Column) bool { return strings.EqualFold(x.Name, c.Name) })
		}
		alter(drops)
		for _, c := range diff.Changed {
			if coercible(c.From, c.To) {
				alter([]string{"alter column " + quote(c.Column) + " set data type " + c.To})
			} else {
				rewrite = append(rewrite, "cast("+quote(c.Column)+" as "+c.To+") as "+quote(c.Column))
			}
			for i := range cols {
				if strings.EqualFold(cols[i].Name, c.Column) {
					cols[i].DataType = c.To
				}
			}
		}
	}
	if len(rewrite) > 0 {
		// ALTER COLUMN only widens (INT64 -> NUMERIC, ...). Other changes
		// rewrite the table in place, keeping column order; the model's
		// partitioning, clustering and options are given again since
		// "create or replace" would drop them.
		plan.SchemaChanges = append(plan.SchemaChanges, "create or replace table "+target+tc.ddlClauses()+
			"\nas (\nselect * replace ("+strings.Join(rewrite, ", ")+") from "+target+"\n)")
	}
	return cols, nil
}

// coercible reports whether BigQuery's ALTER COLUMN SET DATA TYPE can
// change from to to: only widening numeric conversions.
func coercible(from, to string) bool {
	if strings.ContainsAny(from+to, "(<") {
		return false
	}
	switch baseType(from) + ">" + baseType(to) {
	case "INT64>NUMERIC", "INT64>BIGNUMERIC", "INT64>FLOAT64", "NUMERIC>BIGNUMERIC", "NUMERIC>FLOAT64":
		return true
	}
	return false
}

func names(cols []adapters.Column) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return strings.Join(out, ", ")
}

func sourceNames(keys []columnPair) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.source
	}
	return out
}

// keyColumns finds the unique_key columns on both sides.
func keyColumns(inc adapters.Incremental, targetCols, stageCols []adapters.Column) ([]columnPair, error) {
	keys := make([]columnPair, 0, len(inc.UniqueKey))
	for _, k := range inc.UniqueKey {
		t, inTarget := adapters.FindColumn(targetCols, k)
		s, inStage := adapters.FindColumn(stageCols, k)
		switch {
		case !inStage:
			return nil, adapters.IncrementalConfigError("unique_key column %q is not in the model's columns (%s)", k, names(stageCols))
		case !inTarget:
			return nil, adapters.IncrementalConfigError("unique_key column %q is not in the target table's columns (%s); run with --full-refresh", k, names(targetCols))
		}
		keys = append(keys, columnPair{target: t.Name, source: s.Name, targetType: t.DataType, sourceType: s.DataType})
	}
	return keys, nil
}

// keyMatch joins target t and staged rows s on the key. Keys are never
// NULL in s (the key checks ran), so = is the right test.
func keyMatch(keys []columnPair) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = "t." + quote(k.target) + " = " + k.sourceExpr("s")
	}
	return strings.Join(parts, " and ")
}

// updateColumns are the columns a merge updates: merge_update_columns, or
// every written column but the key and merge_exclude_columns.
func updateColumns(inc adapters.Incremental, written, keys []columnPair, targetCols, stageCols []adapters.Column) ([]columnPair, error) {
	idx, err := adapters.MergeUpdateColumns(inc, pairTargets(written), pairTargets(keys), targetCols, stageCols)
	if err != nil {
		return nil, err
	}
	out := make([]columnPair, len(idx))
	for i, j := range idx {
		out[i] = written[j]
	}
	return out, nil
}

// pairTargets lists the target column names of cols.
func pairTargets(cols []columnPair) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.target
	}
	return out
}

// Catalog queries. INFORMATION_SCHEMA views are per dataset, so the
// dataset is part of the view's name and the table name a parameter.

// ColumnsQuery lists a relation's columns in order: column_name, data_type,
// ordinal_position and the column's description. Parameter @table is the
// identifier.
func ColumnsQuery(project, dataset string) string {
	return columnsQuery(project, dataset, "", "where c.table_name = @table\n", "c.ordinal_position")
}

// columnsQuery reads a dataset's columns with their descriptions: first
// the columns of lead, then those ColumnsQuery reads, then where and the
// order.
func columnsQuery(project, dataset, lead, where, order string) string {
	is := render(adapters.Relation{Database: project, Schema: dataset}) + ".INFORMATION_SCHEMA"
	return "select " + lead + "c.column_name, c.data_type, c.ordinal_position, coalesce(p.description, '') as description\n" +
		"from " + is + ".COLUMNS as c\n" +
		"left join " + is + ".COLUMN_FIELD_PATHS as p\n" +
		"  on p.table_name = c.table_name and p.column_name = c.column_name and p.field_path = c.column_name\n" +
		where +
		"order by " + order
}

// CreateSchemaSQL creates a dataset unless it exists, in location when given.
func CreateSchemaSQL(project, dataset, location string) string {
	q := "create schema if not exists " + render(adapters.Relation{Database: project, Schema: dataset})
	if location != "" {
		q += "\noptions(location = " + literal(location) + ")"
	}
	return q
}
