package snowflake

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/internal/lazyre"
)

// KeyCheck is one check of the new rows' unique_key: Samples returns a few
// of the rows (or keys) that break it, asked only when its count in
// IncrementalPlan.KeyCounts is not 0.
type KeyCheck struct {
	Problem adapters.UniqueKeyProblem
	Samples string
}

// IncrementalPlan applies an incremental run's staged rows to its target.
//
// Snowflake commits implicitly before and after every DDL statement, so a
// plan cannot be one transaction end to end. The order is chosen so that a
// failure writes nothing where it can: the key checks run first and only
// read the staged rows; then the schema changes (DDL, each committed on its
// own, as in dbt-snowflake); then the rows are written between begin and
// commit, so they all land or none do.
type IncrementalPlan struct {
	KeyChecks []KeyCheck
	// KeyCounts returns one row: how many rows (or keys) break each of
	// KeyChecks, in order; one round trip for all of them.
	KeyCounts     string
	SchemaChanges []Statement
	Apply         []Statement // begin ... commit
	Cleanup       []Statement // drops the staged rows; always runs
	Verb          string      // RunResult message: INSERT, MERGE, DELETE+INSERT
}

// ResolveIncremental is adapters.ResolveIncremental with dbt-snowflake's
// default strategy: merge (which appends when there is no unique_key), where
// the shared default is dbt-postgres's delete+insert.
func ResolveIncremental(inc adapters.Incremental) (adapters.Incremental, error) {
	if strings.TrimSpace(inc.Strategy) == "" {
		inc.Strategy = adapters.StrategyMerge
	}
	return adapters.ResolveIncremental(inc)
}

// IncrementalStage returns the relation holding an incremental run's new
// rows and the statements creating it: a temporary table (private to the
// session, gone when it ends), so the select runs once and every later
// statement sees the same rows.
func (p Planner) IncrementalStage(inc adapters.Incremental, suffix string) (adapters.Relation, []Statement, error) {
	body := trimStatement(inc.SQL)
	if body == "" {
		return adapters.Relation{}, nil, fmt.Errorf("empty SQL")
	}
	stage := tempRelation(inc.Relation, suffix)
	o, err := ModelOptionsFromConfig(inc.Config)
	if err != nil {
		return adapters.Relation{}, nil, err
	}
	// The tag is restored by incrementalCleanup, which the caller runs
	// whatever happens.
	var stmts, restore []Statement
	p.tagModel(&stmts, &restore, o.QueryTag)
	stmts = append(stmts, Statement{Purpose: "stage the new rows", SQL: "create or replace temporary table " + p.Dialect.RenderRelation(stage) + " as (\n" + body + "\n)"})
	return stage, stmts, nil
}

// incrementalCleanup drops the staged rows and restores the query tag; it
// runs after every incremental run, also a failed one.
func (p Planner) incrementalCleanup(inc adapters.Incremental, stage adapters.Relation) []Statement {
	stmts := []Statement{{Purpose: "drop the staged rows", SQL: "drop table if exists " + p.Dialect.RenderRelation(stage)}}
	if o, err := ModelOptionsFromConfig(inc.Config); err == nil && o.QueryTag != "" {
		stmts = append(stmts, p.restoreTag())
	}
	return stmts
}

// columnPair is one column as the target and the new rows spell it.
type columnPair struct{ target, source string }

// Incremental plans an incremental run, given inc (resolved with
// ResolveIncremental), the staging relation from IncrementalStage and both
// sides' columns as "describe table" gives them. suffix names temporary
// columns. Configuration mistakes wrap adapters.ErrIncrementalConfig; with
// on_schema_change fail, a changed schema is an *adapters.SchemaChangeError.
func (p Planner) Incremental(inc adapters.Incremental, stage adapters.Relation, targetCols, stageCols []adapters.Column, suffix string) (IncrementalPlan, error) {
	d := p.Dialect
	target := d.RenderRelation(inc.Relation)
	plan := IncrementalPlan{Cleanup: p.incrementalCleanup(inc, stage)}

	// Widening a column (a longer VARCHAR, more digits at the same scale)
	// is done in place whatever on_schema_change says, as dbt expands
	// string columns, so that a new longer value fits.
	effective := make([]adapters.Column, len(targetCols))
	copy(effective, targetCols)
	for i, t := range effective {
		s, ok := adapters.FindColumn(stageCols, t.Name)
		if !ok || strings.EqualFold(s.DataType, t.DataType) {
			continue
		}
		if wider, ok := widen(t.DataType, s.DataType); ok {
			plan.SchemaChanges = append(plan.SchemaChanges, Statement{
				Purpose: "widen " + t.Name + " to fit the new rows",
				SQL:     "alter table " + target + " alter column " + d.Quote(t.Name) + " set data type " + wider,
			})
			effective[i].DataType = wider
		}
	}
	// Types the target can hold without widening compare equal.
	cmpStage := make([]adapters.Column, len(stageCols))
	copy(cmpStage, stageCols)
	for i, s := range cmpStage {
		if t, ok := adapters.FindColumn(effective, s.Name); ok && fits(s.DataType, t.DataType) {
			cmpStage[i].DataType = t.DataType
		}
	}
	diff := adapters.DiffColumns(effective, cmpStage)
	if !diff.Empty() {
		alter := func(purpose, sql string) {
			plan.SchemaChanges = append(plan.SchemaChanges, Statement{Purpose: purpose, SQL: "alter table " + target + " " + sql})
		}
		switch inc.OnSchemaChange {
		case adapters.SchemaChangeFail:
			return plan, &adapters.SchemaChangeError{UniqueID: inc.UniqueID, Diff: diff}
		case adapters.SchemaChangeAppend, adapters.SchemaChangeSyncAll:
			for _, c := range diff.Added {
				alter("add new column "+c.Name, "add column "+d.Quote(c.Name)+" "+c.DataType)
				effective = append(effective, adapters.Column{Name: c.Name, DataType: c.DataType})
			}
		}
		if inc.OnSchemaChange == adapters.SchemaChangeSyncAll {
			for _, c := range diff.Removed {
				alter("drop removed column "+c.Name, "drop column "+d.Quote(c.Name))
				effective = removeColumn(effective, c.Name)
			}
			for _, c := range diff.Changed {
				// Snowflake changes a column's type in place only to widen
				// it; otherwise the values are copied into a new column,
				// cast (a value that does not fit fails the run).
				tmp := c.Column + "__elt_tmp_" + suffix
				alter("add "+c.Column+" with its new type "+c.To, "add column "+d.Quote(tmp)+" "+c.To)
				plan.SchemaChanges = append(plan.SchemaChanges, Statement{
					Purpose: "copy " + c.Column + " into its new type",
					SQL:     "update " + target + " set " + d.Quote(tmp) + " = cast(" + d.Quote(c.Column) + " as " + c.To + ")",
				})
				alter("drop "+c.Column+" with its old type", "drop column "+d.Quote(c.Column))
				alter("give "+c.Column+" its name back", "rename column "+d.Quote(tmp)+" to "+d.Quote(c.Column))
			}
		}
	}

	// The target's columns that the new rows have are written; its other
	// columns get NULL, and the new rows' other columns are dropped.
	var written []columnPair
	for _, t := range effective {
		if s, ok := adapters.FindColumn(stageCols, t.Name); ok {
			written = append(written, columnPair{target: t.Name, source: s.Name})
		}
	}
	if len(written) == 0 {
		return plan, fmt.Errorf("the new rows (%s) share no column with the target (%s)", columnNames(stageCols), columnNames(effective))
	}
	insert := func(where string) string {
		tc := make([]string, len(written))
		sc := make([]string, len(written))
		for i, c := range written {
			tc[i] = d.Quote(c.target)
			sc[i] = "s." + d.Quote(c.source)
		}
		q := "insert into " + target + " (" + strings.Join(tc, ", ") + ")\nselect " + strings.Join(sc, ", ") + "\nfrom " + d.RenderRelation(stage) + " as s"
		if where != "" {
			q += "\nwhere " + where
		}
		return q
	}

	begin := Statement{Purpose: "write the rows in one transaction", SQL: "begin"}
	commit := Statement{Purpose: "commit", SQL: "commit"}
	switch {
	case inc.Strategy == adapters.StrategyAppend,
		inc.Strategy == adapters.StrategyMerge && len(inc.UniqueKey) == 0: // dbt: merge without a key appends
		plan.Verb = "INSERT"
		plan.Apply = []Statement{begin, {Purpose: "append the new rows", SQL: insert(""), Counts: true}, commit}

	case inc.Strategy == adapters.StrategyMerge:
		keys, err := keyColumns(inc, effective, stageCols)
		if err != nil {
			return plan, err
		}
		plan.KeyChecks, plan.KeyCounts = p.keyChecks(stage, keys)
		update, err := updateColumns(inc, written, keys, effective, stageCols)
		if err != nil {
			return plan, err
		}
		var b strings.Builder
		b.WriteString("merge into " + target + " as t\nusing " + d.RenderRelation(stage) + " as s\non " + keyMatch(d, keys))
		if len(update) > 0 {
			sets := make([]string, len(update))
			for i, c := range update {
				sets[i] = "t." + d.Quote(c.target) + " = s." + d.Quote(c.source)
			}
			b.WriteString("\nwhen matched then update set " + strings.Join(sets, ", "))
		}
		tc := make([]string, len(written))
		sc := make([]string, len(written))
		for i, c := range written {
			tc[i] = d.Quote(c.target)
			sc[i] = "s." + d.Quote(c.source)
		}
		b.WriteString("\nwhen not matched then insert (" + strings.Join(tc, ", ") + ")\nvalues (" + strings.Join(sc, ", ") + ")")
		plan.Verb = "MERGE"
		plan.Apply = []Statement{begin, {Purpose: "update matching rows, insert the others", SQL: b.String(), Counts: true}, commit}

	case inc.Strategy == adapters.StrategyDeleteInsert:
		keys, err := keyColumns(inc, effective, stageCols)
		if err != nil {
			return plan, err
		}
		plan.KeyChecks, plan.KeyCounts = p.keyChecks(stage, keys)
		plan.Verb = "DELETE+INSERT"
		plan.Apply = []Statement{
			begin,
			{Purpose: "delete the rows being replaced", SQL: "delete from " + target + " as t\nusing " + d.RenderRelation(stage) + " as s\nwhere " + keyMatch(d, keys)},
			{Purpose: "insert the new rows", SQL: insert(""), Counts: true},
			commit,
		}

	case inc.Strategy == adapters.StrategyMicrobatch:
		col, ok := adapters.FindColumn(effective, inc.EventTime)
		if !ok {
			return plan, adapters.IncrementalConfigError("event_time column %q is not in the target table's columns (%s)", inc.EventTime, columnNames(effective))
		}
		if _, ok := adapters.FindColumn(stageCols, inc.EventTime); !ok {
			return plan, adapters.IncrementalConfigError("event_time column %q is not in the model's columns (%s)", inc.EventTime, columnNames(stageCols))
		}
		start, end := batchBound(inc.BatchStart, col.DataType), batchBound(inc.BatchEnd, col.DataType)
		evt := d.Quote(col.Name)
		plan.Verb = "DELETE+INSERT"
		plan.Apply = []Statement{
			begin,
			{Purpose: "delete the batch's rows", SQL: "delete from " + target + "\nwhere " + evt + " >= " + start + " and " + evt + " < " + end},
			{Purpose: "insert the batch's new rows", SQL: insert(""), Counts: true},
			commit,
		}

	default:
		return plan, adapters.IncrementalConfigError("incremental_strategy %q is not supported", inc.Strategy)
	}
	return plan, nil
}

// keyColumns finds the unique_key columns on both sides.
func keyColumns(inc adapters.Incremental, targetCols, stageCols []adapters.Column) ([]columnPair, error) {
	keys := make([]columnPair, 0, len(inc.UniqueKey))
	for _, k := range inc.UniqueKey {
		t, inTarget := adapters.FindKeyColumn(targetCols, k, true)
		s, inStage := adapters.FindKeyColumn(stageCols, k, true)
		switch {
		case !inStage:
			return nil, adapters.IncrementalConfigError("unique_key column %q is not in the model's columns (%s)", k, columnNames(stageCols))
		case !inTarget:
			return nil, adapters.IncrementalConfigError("unique_key column %q is not in the target table's columns (%s); run with --full-refresh", k, columnNames(targetCols))
		}
		keys = append(keys, columnPair{target: t.Name, source: s.Name})
	}
	return keys, nil
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

// keyChecks fail a run whose new rows have a NULL key part or a key more
// than once, where dbt would silently write duplicates.
func (p Planner) keyChecks(stage adapters.Relation, keys []columnPair) ([]KeyCheck, string) {
	d := p.Dialect
	s := d.RenderRelation(stage)
	cols := make([]string, len(keys))
	nulls := make([]string, len(keys))
	order := make([]string, len(keys))
	for i, k := range keys {
		cols[i] = d.Quote(k.source)
		nulls[i] = d.Quote(k.source) + " is null"
		order[i] = strconv.Itoa(i + 1)
	}
	list := strings.Join(cols, ", ")
	anyNull := strings.Join(nulls, " or ")
	limit := fmt.Sprintf("\norder by %s\nlimit %d", strings.Join(order, ", "), adapters.MaxKeySamples)
	repeated := "select " + list + " from " + s + " group by " + list + " having count(*) > 1"
	return []KeyCheck{
			{Problem: adapters.KeyNull, Samples: "select " + list + " from " + s + " where " + anyNull + limit},
			{Problem: adapters.KeyRepeated, Samples: repeated + limit},
		},
		"select (select count(*) from " + s + " where " + anyNull + "),\n  (select count(*) from (" + repeated + "))"
}

// keyMatch joins target t and staged rows s on the key. Keys are never
// NULL in s (the key checks), so = is the right test.
func keyMatch(d Dialect, keys []columnPair) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = "t." + d.Quote(k.target) + " = s." + d.Quote(k.source)
	}
	return strings.Join(parts, " and ")
}

// batchBound renders a microbatch bound comparable with the event_time
// column: an instant in UTC for columns with a time zone, UTC wall time
// otherwise (DATE columns compare as midnight).
func batchBound(t time.Time, columnType string) string {
	s := t.UTC().Format("2006-01-02 15:04:05.999999")
	switch baseType(columnType) {
	case "TIMESTAMP_TZ", "TIMESTAMP_LTZ":
		return literal(s+" +00:00") + "::timestamp_tz"
	}
	return literal(s) + "::timestamp_ntz"
}

var typeWithParams = lazyre.New(`^([A-Z_ ]+?)\s*(?:\((\d+)(?:\s*,\s*(\d+))?\))?$`)

// parseType splits "NUMBER(38,0)" into NUMBER, 38, 0; missing numbers are -1.
func parseType(t string) (base string, p1, p2 int) {
	m := typeWithParams().FindStringSubmatch(strings.ToUpper(strings.TrimSpace(t)))
	if m == nil {
		return strings.ToUpper(strings.TrimSpace(t)), -1, -1
	}
	p1, p2 = -1, -1
	if m[2] != "" {
		p1, _ = strconv.Atoi(m[2])
	}
	if m[3] != "" {
		p2, _ = strconv.Atoi(m[3])
	}
	return m[1], p1, p2
}

func baseType(t string) string {
	b, _, _ := parseType(t)
	return b
}

// fits reports whether values of type from fit a column of type to
// without change: the same type, or a shorter VARCHAR, or a NUMBER with
// fewer digits at the same scale.
func fits(from, to string) bool {
	if strings.EqualFold(from, to) {
		return true
	}
	fb, fp, fs := parseType(from)
	tb, tp, ts := parseType(to)
	switch {
	case fb == "VARCHAR" && tb == "VARCHAR":
		return tp < 0 || (fp >= 0 && fp <= tp)
	case fb == "NUMBER" && tb == "NUMBER":
		return fs == ts && fp >= 0 && tp >= 0 && fp <= tp
	}
	return false
}

// widen returns the type a column of type col becomes to hold values of
// type vals, when Snowflake can do that in place (a longer VARCHAR, more
// digits at the same scale).
func widen(col, vals string) (string, bool) {
	cb, cp, cs := parseType(col)
	vb, vp, vs := parseType(vals)
	switch {
	case cb == "VARCHAR" && vb == "VARCHAR" && cp >= 0 && vp > cp:
		return fmt.Sprintf("VARCHAR(%d)", vp), true
	case cb == "NUMBER" && vb == "NUMBER" && cs == vs && cp >= 0 && vp > cp:
		return fmt.Sprintf("NUMBER(%d,%d)", vp, vs), true
	}
	return "", false
}

func removeColumn(cols []adapters.Column, name string) []adapters.Column {
	out := cols[:0:0]
	for _, c := range cols {
		if !strings.EqualFold(c.Name, name) {
			out = append(out, c)
		}
	}
	return out
}

func columnNames(cols []adapters.Column) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return strings.Join(out, ", ")
}
