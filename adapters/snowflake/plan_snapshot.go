package snowflake

import (
	"fmt"
	"strings"

	"github.com/elt-dev/elt/adapters"
)

// SnapshotPlan records a snapshot run.
//
// The first run (the target is absent) is one "create table ... as
// select": atomic on its own. A later run computes every change into a
// temporary table first, then writes them all with one MERGE between begin
// and commit: it closes the current version of each changed or deleted key
// (dbt_valid_to) and inserts the new versions, so the table never shows half
// a run. New source columns are added before that (DDL commits on its own).
type SnapshotPlan struct {
	// DuplicateKeys returns the unique_key values that occur more than once
	// in the source, with their counts; any row makes a warning (dbt does
	// not check, and builds anyway).
	DuplicateKeys string
	Create        []Statement // first run
	SchemaChanges []Statement // later runs, before Stage
	Stage         []Statement // later runs: computes the changes
	// Counts returns one row: new keys, changed keys, deleted keys.
	Counts  string
	Apply   []Statement // later runs: begin ... merge ... commit
	Cleanup []Statement // drops the temporary tables; always runs
}

// Staging column names: long and odd so that they do not collide with
// source columns.
const (
	stageValidFrom = "ELT_SNAPSHOT__VALID_FROM"
	stageAction    = "ELT_SNAPSHOT__ACTION"
	// The dbt_scd_id the MERGE matches on, as in dbt's staging table: a
	// new version's own, or the current version's that a row closes.
	stageScd     = "ELT_SNAPSHOT__SCD_ID"
	stageDeleted = "ELT_SNAPSHOT__IS_DELETED"
)

// SnapshotSource returns the temporary table holding the source rows and
// the statement creating it, so every later statement reads the same rows.
func (p Planner) SnapshotSource(s adapters.Snapshot, suffix string) (adapters.Relation, Statement) {
	src := tempRelation(s.Relation, "src_"+suffix)
	return src, Statement{Purpose: "read the source once", SQL: "create or replace temporary table " + p.Dialect.RenderRelation(src) + " as (\n" + trimStatement(s.SQL) + "\n)"}
}

// snapshotPlanner holds one run's relations and resolved columns.
type snapshotPlanner struct {
	p       Planner
	d       Dialect
	s       adapters.Snapshot
	src     adapters.Relation
	srcCols []adapters.Column
	key     []string // unique_key, spelled as in the source
	checks  []string // check strategy: compared columns, spelled as in the source
	now     string
	ts      string // expression over alias src: a new version's valid-from
	tsType  string
}

// Snapshot plans a snapshot run: s normalized (adapters.Snapshot.Normalize),
// src and srcCols the source table from SnapshotSource as "describe table"
// lists it, kind and targetCols what the catalog says about the target.
func (p Planner) Snapshot(s adapters.Snapshot, src adapters.Relation, srcCols []adapters.Column, kind adapters.RelationKind, targetCols []adapters.Column, suffix string) (SnapshotPlan, error) {
	sp := &snapshotPlanner{p: p, d: p.Dialect, s: s, src: src, srcCols: srcCols}
	plan := SnapshotPlan{Cleanup: []Statement{{Purpose: "drop the source rows", SQL: "drop table if exists " + sp.d.RenderRelation(src)}}}
	if err := sp.resolveColumns(kind != adapters.KindNone); err != nil {
		return plan, err
	}
	keys := sp.quoted(sp.key)
	where := ""
	if !sp.nullSafeKeys() {
		where = "\nwhere " + adapters.KeysNotNull(keys)
	}
	plan.DuplicateKeys = "select " + strings.Join(keys, ", ") + ", count(*)\nfrom " + sp.d.RenderRelation(src) + where +
		"\ngroup by " + strings.Join(keys, ", ") + "\nhaving count(*) > 1\norder by count(*) desc, " + strings.Join(keys, ", ") + "\nlimit 3"
	switch kind {
	case adapters.KindNone:
		sp.create(&plan)
		return plan, nil
	case adapters.KindView:
		return plan, fmt.Errorf("the target is a view, not a snapshot table; drop it or choose another name")
	}
	chg := tempRelation(s.Relation, "chg_"+suffix)
	plan.Cleanup = append(plan.Cleanup, Statement{Purpose: "drop the changes", SQL: "drop table if exists " + sp.d.RenderRelation(chg)})
	return plan, sp.update(&plan, targetCols, chg)
}

func (sp *snapshotPlanner) quoted(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = sp.d.Quote(n)
	}
	return out
}

func (sp *snapshotPlanner) qualified(alias string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = alias + "." + sp.d.Quote(n)
	}
	return out
}

// meta renders a meta column name as the user wrote it (unquoted when it
// can be, so dbt_valid_to is DBT_VALID_TO, as in dbt-snowflake).
func (sp *snapshotPlanner) meta(name string) string { return sp.d.ident(name) }

// resolveColumns resolves the configured columns in the source. As dbt's
// snapshot_check_all_get_existing_columns, check_cols are compared, and so
// looked up, only once the target exists.
func (sp *snapshotPlanner) resolveColumns(targetExists bool) error {
	s := sp.s
	names := make([]string, len(sp.srcCols))
	for i, c := range sp.srcCols {
		names[i] = c.Name
	}
	missing := func(what, name string) error {
		return fmt.Errorf("%w: %s column %q is not in the source (columns: %s)", adapters.ErrSnapshotConfig, what, name, strings.Join(names, ", "))
	}
	for _, k := range s.UniqueKey {
		c, ok := adapters.FindColumn(sp.srcCols, k)
		if !ok {
			return missing("unique_key", k)
		}
		sp.key = append(sp.key, c.Name)
	}
	sp.now = "'" + s.Now.UTC().Format("2006-01-02 15:04:05.999999") + "'::timestamp_ntz"
	sp.tsType = "TIMESTAMP_NTZ(9)"
	switch s.Strategy {
	case adapters.SnapshotTimestamp:
		c, ok := adapters.FindColumn(sp.srcCols, s.UpdatedAt)
		if !ok {
			return missing("updated_at", s.UpdatedAt)
		}
		sp.ts = "src." + sp.d.Quote(c.Name)
		sp.tsType = c.DataType
	case adapters.SnapshotCheck:
		if s.CheckAll {
			sp.checks = names
		} else if targetExists {
			for _, k := range s.CheckCols {
				c, ok := adapters.FindColumn(sp.srcCols, k)
				if !ok {
					return missing("check_cols", k)
				}
				sp.checks = append(sp.checks, c.Name)
			}
		}
		sp.ts = sp.now
		// dbt's snapshot_check_strategy: with updated_at configured, the
		// timestamps are that column as it is (a NULL stays NULL).
		if s.UpdatedAt != "" {
			c, ok := adapters.FindColumn(sp.srcCols, s.UpdatedAt)
			if !ok {
				return missing("updated_at", s.UpdatedAt)
			}
			sp.ts = "src." + sp.d.Quote(c.Name)
			sp.tsType = c.DataType
		}
	}
	for _, m := range s.Columns.Names(true) {
		if c, ok := adapters.FindColumn(sp.srcCols, m); ok {
			return fmt.Errorf("the source has a column %q, which is a snapshot meta column name; rename it in the select, or set snapshot_meta_column_names", c.Name)
		}
	}
	return nil
}

// scdID is dbt's dbt_scd_id: the md5 of the unique key's values and the
// version's timestamp.
func (sp *snapshotPlanner) scdID(alias, ts string) string {
	return hashArguments(append(sp.qualified(alias, sp.key), ts))
}

// hashArguments is dbt's snapshot_hash_arguments (dbt-snowflake uses the
// default): the md5 of the arguments, each cast to text (NULL as the empty
// string), joined with a pipe.
func hashArguments(args []string) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = "coalesce(cast(" + a + " as varchar), '')"
	}
	return "md5(" + strings.Join(parts, " || '|' || ") + ")"
}

func (sp *snapshotPlanner) validToCurrent() string {
	if sp.s.ValidToCurrent == "" {
		return "null"
	}
	return "(" + sp.s.ValidToCurrent + ")"
}

// isCurrent says whether alias's row is its key's current version. With
// dbt_valid_to_current, rows written before it was configured keep NULL
// (dbt does not rewrite them), so both count as current.
func (sp *snapshotPlanner) isCurrent(alias string) string {
	vt := alias + "." + sp.meta(sp.s.Columns.ValidTo)
	if sp.s.ValidToCurrent == "" {
		return vt + " is null"
	}
	return "(" + vt + " is null or " + vt + " = " + sp.validToCurrent() + ")"
}

// nullSafeKeys says whether the key's columns are matched NULL with NULL:
// dbt's unique_key_join_on joins a list key with its equals macro, which
// does so with the behaviour flag enable_truthy_nulls_equals_macro.
func (sp *snapshotPlanner) nullSafeKeys() bool {
	return sp.s.UniqueKeyList && sp.s.NullKeysMatch
}

// keyMatch joins two aliases on the unique key with =, as dbt's
// unique_key_join_on: a row with a NULL in its key matches no row. With
// nullSafeKeys, NULL matches NULL.
func (sp *snapshotPlanner) keyMatch(a, b string, bNames []string) string {
	eq := " = "
	if sp.nullSafeKeys() {
		eq = " is not distinct from "
	}
	conds := make([]string, len(sp.key))
	for i, k := range sp.key {
		conds[i] = a + "." + sp.d.Quote(k) + eq + b + "." + sp.d.Quote(bNames[i])
	}
	return strings.Join(conds, " and ")
}

func (sp *snapshotPlanner) create(plan *SnapshotPlan) {
	c := sp.s.Columns
	sel := []string{
		"src.*",
		sp.scdID("src", sp.ts) + " as " + sp.meta(c.ScdID),
		sp.ts + " as " + sp.meta(c.UpdatedAt),
		sp.ts + " as " + sp.meta(c.ValidFrom),
		"cast(" + sp.validToCurrent() + " as " + sp.tsType + ") as " + sp.meta(c.ValidTo),
	}
	if sp.s.HardDeletes == adapters.HardDeletesNewRecord {
		sel = append(sel, literal(adapters.SnapshotNotDeleted)+" as "+sp.meta(c.IsDeleted))
	}
	// A snapshot's history cannot be rebuilt, so its table is permanent
	// (with Fail-safe), not transient.
	plan.Create = []Statement{{Purpose: "create the snapshot table", SQL: "create table " + sp.d.RenderRelation(sp.s.Relation) +
		" as\nselect " + strings.Join(sel, ",\n  ") + "\nfrom " + sp.d.RenderRelation(sp.src) + " as src"}}
	plan.Counts = "select count(*), 0, 0 from " + sp.d.RenderRelation(sp.src)
}

func (sp *snapshotPlanner) update(plan *SnapshotPlan, targetCols []adapters.Column, chg adapters.Relation) error {
	d := sp.d
	s := sp.s
	c := s.Columns
	target := d.RenderRelation(s.Relation)
	newRecord := s.HardDeletes == adapters.HardDeletesNewRecord
	if err := adapters.CheckSnapshotTarget(targetCols, c, s.HardDeletes); err != nil {
		return err
	}
	if _, ok := adapters.FindColumn(targetCols, c.UpdatedAt); !ok {
		// dbt checks no dbt_updated_at: its create_columns adds the
		// column from the staging table, where it has the type
		// dbt_valid_from has.
		vf, _ := adapters.FindColumn(targetCols, c.ValidFrom)
		plan.SchemaChanges = append(plan.SchemaChanges, Statement{Purpose: "add the updated-at column",
			SQL: "alter table " + target + " add column " + sp.meta(c.UpdatedAt) + " " + vf.DataType})
	}
	// Source columns the table lacks are added; each source column as the
	// table spells it.
	tnames := make([]string, len(sp.srcCols))
	for i, sc := range sp.srcCols {
		tc, ok := adapters.FindColumn(targetCols, sc.Name)
		if !ok {
			plan.SchemaChanges = append(plan.SchemaChanges, Statement{Purpose: "add new source column " + sc.Name,
				SQL: "alter table " + target + " add column " + d.Quote(sc.Name) + " " + sc.DataType})
			tc = sc
		}
		tnames[i] = tc.Name
	}
	keyT := make([]string, len(sp.key)) // key columns as the table spells them
	for i, k := range sp.key {
		for j, sc := range sp.srcCols {
			if sc.Name == k {
				keyT[i] = tnames[j]
			}
		}
	}
	srcNames := make([]string, len(sp.srcCols))
	for i, sc := range sp.srcCols {
		srcNames[i] = sc.Name
	}

	// What changed: compared with each key's current version.
	var changed []string
	switch s.Strategy {
	case adapters.SnapshotTimestamp:
		// dbt's row_changed: snapshotted_data.dbt_valid_from < source_data.<updated_at>.
		changed = append(changed, sp.ts+" > cur."+sp.meta(c.ValidFrom))
	case adapters.SnapshotCheck:
		for _, col := range sp.checks {
			for j, sc := range sp.srcCols {
				if sc.Name == col {
					changed = append(changed, "src."+d.Quote(col)+" is distinct from cur."+d.Quote(tnames[j]))
				}
			}
		}
	}
	if newRecord {
		// A key that comes back after its deletion was recorded.
		changed = append(changed, "cur."+sp.meta(c.IsDeleted)+" = "+literal(adapters.SnapshotDeleted))
	}
	change := "(" + strings.Join(changed, " or ") + ")"
	scd := "cur." + sp.meta(c.ScdID)
	srcRel := d.RenderRelation(sp.src)
	join := "from " + srcRel + " as src\n"
	on := sp.keyMatch("src", "cur", keyT)
	extra := func(validFrom, action, scdID, deleted string) string {
		q := ", " + validFrom + " as " + stageValidFrom + ", " + literal(action) + " as " + stageAction + ", " + scdID + " as " + stageScd
		if newRecord {
			q += ", " + literal(deleted) + " as " + stageDeleted
		}
		return q
	}
	// dbt's insertions CTE takes a current version whose (first) key
	// column is NULL for a missing match (unique_key_is_null): with
	// nullSafeKeys such a version matches, and the source row is inserted
	// again.
	insert := scd + " is null"
	if sp.nullSafeKeys() {
		insert += " or cur." + sp.d.Quote(keyT[0]) + " is null"
	}
	parts := []string{
		"-- new keys, and new versions of changed keys\nselect " + strings.Join(sp.qualified("src", srcNames), ", ") +
			", " + sp.ts + " as " + stageValidFrom + ", case when " + scd + " is null then 'insert_new' else 'insert_changed' end as " + stageAction +
			", " + sp.scdID("src", sp.ts) + " as " + stageScd + func() string {
			if newRecord {
				return ", " + literal(adapters.SnapshotNotDeleted) + " as " + stageDeleted
			}
			return ""
		}() + "\n" + join + "left join cur on " + on + "\nwhere " + insert + " or " + change,
		"-- close the current versions of changed keys\nselect " + strings.Join(sp.qualified("src", srcNames), ", ") +
			extra(sp.ts, "close_changed", scd, adapters.SnapshotNotDeleted) + "\n" + join + "join cur on " + on + "\nwhere " + change,
	}
	if s.HardDeletes != adapters.HardDeletesIgnore {
		// As dbt's deletes CTE: each pairing of a current version with
		// the source rows of its key (or with none) whose source key
		// (its first column, for a list) is NULL.
		gone := "from cur\nleft join " + srcRel + " as src on " + on + "\nwhere src." + sp.d.Quote(sp.key[0]) + " is null"
		if newRecord {
			// Not already recorded as deleted, as dbt's not (... = 'True'):
			// a version from before the switch (NULL) is never closed.
			gone += " and not (cur." + sp.meta(c.IsDeleted) + " = " + literal(adapters.SnapshotDeleted) + ")"
		}
		parts = append(parts, "-- close the current versions of keys gone from the source\nselect "+strings.Join(sp.qualified("cur", tnames), ", ")+
			extra(sp.now, "close_deleted", scd, adapters.SnapshotDeleted)+"\n"+gone)
		if newRecord {
			parts = append(parts, "-- record each deletion as a new version\nselect "+strings.Join(sp.qualified("cur", tnames), ", ")+
				extra(sp.now, "insert_deleted", hashArguments([]string{scd, sp.now}), adapters.SnapshotDeleted)+"\n"+gone)
		}
	}
	plan.Stage = []Statement{{Purpose: "compute the changes", SQL: "create or replace temporary table " + d.RenderRelation(chg) + " as\nwith cur as (\n  select * from " + target + " as t where " + sp.isCurrent("t") + "\n)\n" +
		strings.Join(parts, "\nunion all\n")}}
	chgRel := d.RenderRelation(chg)
	plan.Counts = "select count_if(" + stageAction + " = 'insert_new'), count_if(" + stageAction + " = 'insert_changed'), count_if(" + stageAction + " = 'close_deleted') from " + chgRel

	insertCols := append(d.quoteAll(tnames), sp.meta(c.ScdID), sp.meta(c.UpdatedAt), sp.meta(c.ValidFrom), sp.meta(c.ValidTo))
	vf := "c." + stageValidFrom
	// The staged rows carry the source's column names (a union takes its
	// first select's), so the key is read from them as from the source.
	values := append(sp.qualified("c", srcNames), "c."+stageScd, vf, vf, sp.validToCurrent())
	if newRecord {
		insertCols = append(insertCols, sp.meta(c.IsDeleted))
		values = append(values, "c."+stageDeleted)
	}
	// As dbt's snapshot_merge_sql: matched on dbt_scd_id, a current version
	// is closed; a new version whose dbt_scd_id is already in the table is
	// not inserted. Two staged rows closing one version (a repeated
	// unique_key) make Snowflake's MERGE fail, as under dbt-snowflake.
	merge := "merge into " + target + " as t\nusing " + chgRel + " as c\non t." + sp.meta(c.ScdID) + " = c." + stageScd +
		"\nwhen matched and " + sp.isCurrent("t") + " and c." + stageAction + " in ('close_changed', 'close_deleted') then update set t." + sp.meta(c.ValidTo) + " = " + vf +
		"\nwhen not matched and c." + stageAction + " in ('insert_new', 'insert_changed', 'insert_deleted') then insert (" + strings.Join(insertCols, ", ") + ")\nvalues (" + strings.Join(values, ", ") + ")"
	plan.Apply = []Statement{{Purpose: "write the changes in one transaction", SQL: "begin"}}
	plan.Apply = append(plan.Apply,
		Statement{Purpose: "close changed and deleted versions, insert new ones", SQL: merge, Counts: true},
		Statement{Purpose: "commit", SQL: "commit"})
	return nil
}

func (d Dialect) quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = d.Quote(n)
	}
	return out
}

// snapshotResult reports the keys that were new, changed or deleted.
// RowsAffected counts the rows written: a change closes one row and inserts
// one, a new key inserts one, a deletion closes one (and inserts one with
// new_record).
func snapshotResult(hardDeletes string, isNew, changed, deleted int64) adapters.RunResult {
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
