package bigquery

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/elt-dev/elt/adapters"
)

// Extra columns of the snapshot's staging tables; long and odd so that they
// do not collide with source columns.
const (
	snapTS      = "elt_snapshot__ts"      // the time a change takes effect
	snapAction  = "elt_snapshot__action"  // what the merge does with the row
	snapIsNew   = "elt_snapshot__is_new"  // the key is not in the snapshot yet
	snapCurrent = "elt_snapshot__current" // marks the snapshot's current rows in a join
	// The dbt_scd_id the MERGE matches on, as in dbt's staging table: an
	// inserted row's own, or that of the current version a row closes.
	snapScd      = "elt_snapshot__scd_id"
	snapCloseScd = "elt_snapshot__close_scd_id" // in the changed rows: the current version's
)

// Actions in the changes table. Rows with an insert action become new
// versions; rows with a close action end a key's current version.
const (
	actionNew      = "new"      // insert: a key seen for the first time
	actionChanged  = "changed"  // insert: a changed key's new version
	actionClose    = "close"    // close: a changed key's old version
	actionDeleted  = "deleted"  // close: a key gone from the source
	actionDeletion = "deletion" // insert: hard_deletes new_record's row saying the key is gone
)

// SnapshotFacts is what the catalog says before a snapshot run.
type SnapshotFacts struct {
	Target adapters.Relation
	// Source is the staged source rows; Changes the staging table of
	// changes to make (later runs only).
	Source, Changes adapters.Relation
	SourceColumns   []adapters.Column
	// TargetKind and TargetColumns describe the snapshot table (KindNone on the first run).
	TargetKind    adapters.RelationKind
	TargetColumns []adapters.Column
}

// SnapshotPlan is what Snapshot runs. The first run runs Create only.
// Later runs run SchemaChanges, Stage, Counts (one row: new, changed and
// deleted keys) and Merge, which writes every change in one atomic
// statement: BigQuery applies a MERGE entirely or not at all.
type SnapshotPlan struct {
	Key           []string // unique_key as the source spells it
	Create        string
	SchemaChanges []string
	Stage         string
	Counts        string
	Merge         string
}

// snapshotPlanner holds one planning's resolved names.
type snapshotPlanner struct {
	s       adapters.Snapshot
	facts   SnapshotFacts
	key     []string // unique_key, spelled as in the source
	checks  []string // check strategy's columns, spelled as in the source
	ts      string   // expression over src: a new version's dbt_valid_from
	tsType  string
	now     string // s.Now as a literal of tsType
	srcCols []string
}

// DuplicateKeyQuery finds up to three keys that occur more than once in
// the staged source, with their row counts.
func DuplicateKeyQuery(source adapters.Relation, key []string, nullsMatch bool) string {
	k := strings.Join(quoteAll(key), ", ")
	where := ""
	if !nullsMatch {
		where = " where " + adapters.KeysNotNull(quoteAll(key))
	}
	return "select " + k + ", count(*) from " + render(source) + where + " group by " + k +
		" having count(*) > 1 order by count(*) desc, " + k + " limit 3"
}

// PlanSnapshot plans a snapshot run of s (already normalized). Errors about
// the configuration wrap adapters.ErrSnapshotConfig.
func PlanSnapshot(s adapters.Snapshot, facts SnapshotFacts) (SnapshotPlan, error) {
	p := &snapshotPlanner{s: s, facts: facts}
	for _, c := range facts.SourceColumns {
		p.srcCols = append(p.srcCols, c.Name)
	}
	if err := p.resolveColumns(facts.TargetKind != adapters.KindNone); err != nil {
		return SnapshotPlan{}, err
	}
	switch s.Strategy {
	case adapters.SnapshotTimestamp:
		c, _ := adapters.FindColumn(facts.SourceColumns, s.UpdatedAt)
		p.ts, p.tsType = "src."+quote(c.Name), baseType(c.DataType)
	case adapters.SnapshotCheck:
		p.tsType = "TIMESTAMP"
		p.ts = timeLiteral(s.Now, p.tsType)
		// dbt's snapshot_check_strategy: with updated_at configured, the
		// timestamps are that column as it is (a NULL stays NULL).
		if s.UpdatedAt != "" {
			c, ok := adapters.FindColumn(facts.SourceColumns, s.UpdatedAt)
			if !ok {
				return SnapshotPlan{}, fmt.Errorf("%w: updated_at column %q is not in the source (columns: %s)", adapters.ErrSnapshotConfig, s.UpdatedAt, strings.Join(p.srcCols, ", "))
			}
			p.tsType = baseType(c.DataType)
			p.ts = "src." + quote(c.Name)
		}
	}
	switch p.tsType {
	case "TIMESTAMP", "DATETIME", "DATE":
	default:
		return SnapshotPlan{}, fmt.Errorf("%w: updated_at column %q is %s; snapshots need a TIMESTAMP, DATETIME or DATE", adapters.ErrSnapshotConfig, s.UpdatedAt, p.tsType)
	}
	p.now = timeLiteral(s.Now, p.tsType)
	switch facts.TargetKind {
	case adapters.KindNone:
		return SnapshotPlan{Key: p.key, Create: p.create()}, nil
	case adapters.KindView:
		return SnapshotPlan{}, errors.New("the target is a view, not a snapshot table; drop it or choose another name")
	}
	plan, err := p.update()
	plan.Key = p.key
	return plan, err
}

// resolveColumns checks that the configured columns are in the source and
// that no source column takes a meta column's name. As dbt's
// snapshot_check_all_get_existing_columns, check_cols are compared, and so
// looked up, only once the target exists.
func (p *snapshotPlanner) resolveColumns(targetExists bool) error {
	s := p.s
	missing := func(what, name string) error {
		return fmt.Errorf("%w: %s column %q is not in the source (columns: %s)", adapters.ErrSnapshotConfig, what, name, strings.Join(p.srcCols, ", "))
	}
	for _, k := range s.UniqueKey {
		c, ok := adapters.FindColumn(p.facts.SourceColumns, k)
		if !ok {
			return missing("unique_key", k)
		}
		p.key = append(p.key, c.Name)
	}
	if s.Strategy == adapters.SnapshotTimestamp {
		if _, ok := adapters.FindColumn(p.facts.SourceColumns, s.UpdatedAt); !ok {
			return missing("updated_at", s.UpdatedAt)
		}
	}
	if s.Strategy == adapters.SnapshotCheck {
		if s.CheckAll {
			p.checks = slices.Clone(p.srcCols)
		} else if targetExists {
			for _, k := range s.CheckCols {
				c, ok := adapters.FindColumn(p.facts.SourceColumns, k)
				if !ok {
					return missing("check_cols", k)
				}
				p.checks = append(p.checks, c.Name)
			}
		}
	}
	for _, m := range s.Columns.Names(true) {
		if c, ok := adapters.FindColumn(p.facts.SourceColumns, m); ok {
			return fmt.Errorf("the source has a column %q, which is a snapshot meta column name; rename it in the select, or set snapshot_meta_column_names", c.Name)
		}
	}
	return nil
}

// nullSafeKeys says whether the key's columns are matched NULL with NULL:
// dbt's unique_key_join_on joins a list key with its equals macro, which
// does so with the behaviour flag enable_truthy_nulls_equals_macro.
func (p *snapshotPlanner) nullSafeKeys() bool {
	return p.s.UniqueKeyList && p.s.NullKeysMatch
}

// keyMatch joins two aliases on the unique key with =, as dbt's
// unique_key_join_on: a row with a NULL in its key matches no row. With
// nullSafeKeys, NULL matches NULL: the values are compared as JSON text,
// because BigQuery's outer joins need an equality, which IS NOT DISTINCT
// FROM is not.
func (p *snapshotPlanner) keyMatch(a, b string) string {
	conds := make([]string, len(p.key))
	for i, k := range p.key {
		if p.nullSafeKeys() {
			conds[i] = "to_json_string(" + a + "." + quote(k) + ") = to_json_string(" + b + "." + quote(k) + ")"
			continue
		}
		conds[i] = a + "." + quote(k) + " = " + b + "." + quote(k)
	}
	return strings.Join(conds, " and ")
}

func qualified(alias string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = alias + "." + quote(n)
	}
	return out
}

// scdID is dbt_scd_id: the hash of the key's values and the version's
// timestamp.
func (p *snapshotPlanner) scdID(alias, ts string) string {
	return hashArguments(append(qualified(alias, p.key), ts))
}

// hashArguments is dbt-bigquery's snapshot_hash_arguments: the md5 (hex)
// of the arguments, each as text (NULL as the empty string), joined with a
// pipe.
func hashArguments(args []string) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = "coalesce(cast(" + a + " as string), '')"
	}
	return "to_hex(md5(concat(" + strings.Join(parts, ", '|', ") + ")))"
}

// validToCurrent is what dbt_valid_to holds in a current row.
func (p *snapshotPlanner) validToCurrent() string {
	if p.s.ValidToCurrent == "" {
		return "cast(null as " + p.tsType + ")"
	}
	return "cast((" + p.s.ValidToCurrent + ") as " + p.tsType + ")"
}

// isCurrent says whether alias's row is its key's current version. With
// dbt_valid_to_current, rows written before it was configured keep NULL
// (dbt does not rewrite them), so both count as current.
func (p *snapshotPlanner) isCurrent(alias string) string {
	vt := alias + "." + quote(p.s.Columns.ValidTo)
	if p.s.ValidToCurrent == "" {
		return vt + " is null"
	}
	return "(" + vt + " is null or " + vt + " = " + p.validToCurrent() + ")"
}

// create builds the snapshot table on the first run.
func (p *snapshotPlanner) create() string {
	c := p.s.Columns
	sel := []string{
		"src.*",
		p.scdID("src", p.ts) + " as " + quote(c.ScdID),
		p.ts + " as " + quote(c.UpdatedAt),
		p.ts + " as " + quote(c.ValidFrom),
		p.validToCurrent() + " as " + quote(c.ValidTo),
	}
	if p.s.HardDeletes == adapters.HardDeletesNewRecord {
		sel = append(sel, literal(adapters.SnapshotNotDeleted)+" as "+quote(c.IsDeleted))
	}
	return "create table " + render(p.facts.Target) + "\nas (\nselect\n  " + strings.Join(sel, ",\n  ") + "\nfrom " + render(p.facts.Source) + " as src\n)"
}

// update plans a later run.
func (p *snapshotPlanner) update() (SnapshotPlan, error) {
	s, c := p.s, p.s.Columns
	var plan SnapshotPlan
	target := render(p.facts.Target)
	newRecord := s.HardDeletes == adapters.HardDeletesNewRecord
	tcols := p.facts.TargetColumns
	if err := adapters.CheckSnapshotTarget(tcols, c, s.HardDeletes); err != nil {
		return SnapshotPlan{}, err
	}
	// Schema changes first, so that every later statement sees the final
	// columns: new source columns.
	var adds []string
	cols := slices.Clone(tcols)
	for _, sc := range p.facts.SourceColumns {
		if _, ok := adapters.FindColumn(tcols, sc.Name); !ok {
			adds = append(adds, "add column "+quote(sc.Name)+" "+sc.DataType)
			cols = append(cols, sc)
		}
	}
	if _, ok := adapters.FindColumn(tcols, c.UpdatedAt); !ok {
		// dbt checks no dbt_updated_at: its create_columns adds the
		// column from the staging table, where it has the type
		// dbt_valid_from has.
		vf, _ := adapters.FindColumn(tcols, c.ValidFrom)
		adds = append(adds, "add column "+quote(c.UpdatedAt)+" "+vf.DataType)
	}
	if len(adds) > 0 {
		plan.SchemaChanges = append(plan.SchemaChanges, "alter table "+target+"\n  "+strings.Join(adds, ",\n  "))
	}
	// The table's data columns: everything but the meta columns.
	meta := c.Names(true)
	var data []adapters.Column
	for _, tc := range cols {
		if !slices.ContainsFunc(meta, func(m string) bool { return strings.EqualFold(m, tc.Name) }) {
			data = append(data, tc)
		}
	}
	dataNames := make([]string, len(data))
	fromSource := make([]string, len(data)) // a data column from a source row, or a typed NULL
	for i, d := range data {
		dataNames[i] = d.Name
		if sc, ok := adapters.FindColumn(p.facts.SourceColumns, d.Name); ok {
			fromSource[i] = columnPair{source: sc.Name, sourceType: sc.DataType, targetType: d.DataType}.sourceExpr("changed") + " as " + quote(d.Name)
		} else {
			fromSource[i] = "cast(null as " + d.DataType + ") as " + quote(d.Name)
		}
	}

	// Which source rows are new versions.
	var changed []string
	switch s.Strategy {
	case adapters.SnapshotTimestamp:
		u, _ := adapters.FindColumn(p.facts.SourceColumns, s.UpdatedAt)
		// dbt's row_changed: snapshotted_data.dbt_valid_from < source_data.<updated_at>.
		changed = append(changed, "src."+quote(u.Name)+" > cur."+quote(c.ValidFrom))
	case adapters.SnapshotCheck:
		for _, col := range p.checks {
			changed = append(changed, "src."+quote(col)+" is distinct from cur."+quote(col))
		}
	}
	if newRecord {
		// A key that comes back after its deletion was recorded.
		changed = append(changed, "cur."+quote(c.IsDeleted)+" = "+literal(adapters.SnapshotDeleted))
	}
	src := render(p.facts.Source)
	marker := "cur." + quote(snapCurrent)
	var b strings.Builder
	b.WriteString("create or replace table " + render(p.facts.Changes) + optionsClause([]string{stageExpiration}) + "\nas (\n")
	b.WriteString("with cur as (\n  select *, true as " + quote(snapCurrent) + " from " + target + " as t where " + p.isCurrent("t") + "\n),\n")
	// As dbt's staging table, this pairs each source row with each current
	// version of its key: a source that repeats a key, or a key with
	// several current versions, gives one row per changed pair.
	//
	// dbt's insertions CTE takes a current version whose (first) key
	// column is NULL for a missing match (unique_key_is_null): with
	// nullSafeKeys such a version matches, the source row is inserted
	// again, and the version is closed only when it changed.
	change := "(" + strings.Join(changed, " or ") + ")"
	insert := marker + " is null"
	closeScd := "cur." + quote(c.ScdID)
	closing := "not changed." + quote(snapIsNew)
	if p.nullSafeKeys() {
		insert += " or cur." + quote(p.key[0]) + " is null"
		closeScd = "case when " + change + " then " + closeScd + " end"
		closing += " and changed." + quote(snapCloseScd) + " is not null"
	}
	b.WriteString("changed as (\n  select src.*, " + p.ts + " as " + quote(snapTS) + ", " + marker + " is null as " + quote(snapIsNew) +
		", " + closeScd + " as " + quote(snapCloseScd) +
		"\n  from " + src + " as src\n  left join cur on " + p.keyMatch("src", "cur") +
		"\n  where " + insert + " or " + change + "\n)")
	fields := strings.Join(fromSource, ", ")
	b.WriteString("\nselect " + fields + ", changed." + quote(snapTS) + ", if(changed." + quote(snapIsNew) + ", " + literal(actionNew) + ", " + literal(actionChanged) + ") as " + quote(snapAction) +
		", " + p.scdID("changed", "changed."+quote(snapTS)) + " as " + quote(snapScd) + " from changed")
	b.WriteString("\nunion all\nselect " + fields + ", changed." + quote(snapTS) + ", " + literal(actionClose) + ", changed." + quote(snapCloseScd) + " from changed where " + closing)
	if s.HardDeletes != adapters.HardDeletesIgnore {
		// As dbt's deletes CTE: each pairing of a current version with
		// the source rows of its key (or with none) whose source key
		// (its first column, for a list) is NULL.
		gone := "from cur as t left join " + src + " as src on " + p.keyMatch("src", "t") + " where src." + quote(p.key[0]) + " is null"
		if newRecord {
			// Not already recorded as deleted, as dbt's not (... = 'True'):
			// a version from before the switch (NULL) is never closed.
			gone += " and not (t." + quote(c.IsDeleted) + " = " + literal(adapters.SnapshotDeleted) + ")"
		}
		goneCols := strings.Join(qualified("t", dataNames), ", ")
		scd := "t." + quote(c.ScdID)
		b.WriteString("\nunion all\nselect " + goneCols + ", " + p.now + ", " + literal(actionDeleted) + ", " + scd + " " + gone)
		if newRecord {
			// dbt's deletion row: its dbt_scd_id hashes the closed version's and the run's time.
			b.WriteString("\nunion all\nselect " + goneCols + ", " + p.now + ", " + literal(actionDeletion) + ", " + hashArguments([]string{scd, p.now}) + " " + gone)
		}
	}
	b.WriteString("\n)")
	plan.Stage = b.String()

	changes := render(p.facts.Changes)
	a := quote(snapAction)
	plan.Counts = "select countif(" + a + " = " + literal(actionNew) + "), countif(" + a + " = " + literal(actionChanged) + "), countif(" + a + " = " + literal(actionDeleted) + ") from " + changes

	ts := "s." + quote(snapTS)
	insertCols := append(quoteAll(dataNames), quoteAll(c.Names(newRecord))...)
	insertVals := append(qualified("s", dataNames), "s."+quote(snapScd), ts, ts, p.validToCurrent())
	inserts := []string{literal(actionNew), literal(actionChanged)}
	if newRecord {
		insertVals = append(insertVals, "if(s."+a+" = "+literal(actionDeletion)+", "+literal(adapters.SnapshotDeleted)+", "+literal(adapters.SnapshotNotDeleted)+")")
		inserts = append(inserts, literal(actionDeletion))
	}
	// As dbt's snapshot_merge_sql: matched on dbt_scd_id, a current version
	// is closed; a row to insert whose dbt_scd_id is already in the table
	// is not. Two staged rows closing one version (a repeated unique_key)
	// make BigQuery's MERGE fail, as under dbt-bigquery.
	plan.Merge = "merge into " + target + " as t\nusing " + changes + " as s\n" +
		"on t." + quote(c.ScdID) + " = s." + quote(snapScd) + "\n" +
		"when matched and " + p.isCurrent("t") + " and s." + a + " in (" + literal(actionClose) + ", " + literal(actionDeleted) + ") then\n  update set " + quote(c.ValidTo) + " = " + ts + "\n" +
		"when not matched and s." + a + " in (" + strings.Join(inserts, ", ") + ") then\n" +
		"  insert (" + strings.Join(insertCols, ", ") + ")\n  values (" + strings.Join(insertVals, ", ") + ")"
	return plan, nil
}

// snapshotResult reports the keys that were new, changed or deleted.
// RowsAffected counts the rows written: each change closes one row and
// inserts one, a new key inserts one, a deletion closes one (and inserts
// one with new_record).
func snapshotResult(isNew, changed, deleted int64, hardDeletes string) adapters.RunResult {
	msg := fmt.Sprintf("SNAPSHOT %d new, %d changed", isNew, changed)
	rows := isNew + 2*changed
	switch hardDeletes {
	case adapters.HardDeletesInvalidate:
		msg += fmt.Sprintf(", %d deleted", deleted)
		rows += deleted
	case adapters.HardDeletesNewRecord:
		msg += fmt.Sprintf(", %d deleted", deleted)
		rows += 2 * deleted
	}
	return adapters.RunResult{Message: msg, RowsAffected: rows}
}
