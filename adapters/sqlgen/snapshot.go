package sqlgen

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/internal/lazyre"
)

// Snapshot records the current state of body's rows (s.SQL, trimmed) in
// rel, a type-2 slowly changing dimension table, the way dbt (1.9 and
// later) does. s must be normalized. It runs inside tx, which the caller
// commits when it succeeds.
//
// The first run creates the table from the source rows plus the meta
// columns. Later runs close the current version of every row that changed
// (dbt_valid_to = the new version's dbt_valid_from) and insert the new
// version, insert rows whose key is new, and handle keys missing from the
// source as s.HardDeletes says. Source columns the table lacks are added.
//
// A source that repeats a unique_key is built as dbt-postgres and
// dbt-duckdb build it (their snapshot_merge_sql: an UPDATE of the staged
// versions to close, matched by dbt_scd_id, then an INSERT of the staged
// new versions), and the result carries an *adapters.DuplicateKeyWarning.
//
// The source is read once into a temporary table, so every statement sees
// the same rows.
func (w Warehouse) Snapshot(ctx context.Context, tx Tx, s adapters.Snapshot, rel adapters.Relation, body string) (adapters.RunResult, error) {
	r := &snapshotRun{w: w, ctx: ctx, tx: tx, s: s, rel: rel}
	res, err := r.run(body)
	if err != nil {
		return adapters.RunResult{}, err
	}
	if r.dupWarning != nil {
		res.Warnings = append(res.Warnings, r.dupWarning)
	}
	// Temporary tables that are not dropped on commit belong to the
	// pooled connection once it commits: drop them. On failure the
	// rollback discards them anyway.
	if err := r.dropTemps(); err != nil {
		return adapters.RunResult{}, err
	}
	return res, nil
}

// snapshotRun is the state of one Snapshot call, inside its transaction.
type snapshotRun struct {
	w     Warehouse
	ctx   context.Context
	tx    Tx
	s     adapters.Snapshot
	rel   adapters.Relation
	temps []string // rendered temporary tables to drop

	src     string            // rendered temporary table holding the source rows
	srcRel  adapters.Relation // the same, as a relation
	srcCols []string          // the source's column names, in order
	key     []string          // unique_key columns, spelled as in the source
	// keyExprs are the unique_key entries that are SQL expressions
	// ("id || '-' || name"), by position in key ("" for a column): the
	// source rows and the snapshot's current rows carry each one's value
	// as the column named in key (keyColumn).
	keyExprs []string
	checks   []string // check strategy: compared columns, spelled as in the source
	// updatedAtExpr is updated_at when it is an SQL expression rather
	// than a source column ("'2016-07-01'::timestamp"): dbt pastes it
	// into its statements. The source rows carry its value as the
	// column updatedAtColumn.
	updatedAtExpr string
	// checkAll: a check_cols expression names no column of the source
	// (DuckDB names ds::DATE "CAST(ds AS DATE)"): as dbt's column_added,
	// every current row counts as changed.
	checkAll bool
	now      string // SQL literal of s.Now
	ts       string // SQL expression over "src" giving a new version's dbt_valid_from
	// validToType is the type of the valid-to column: the timestamps' type
	// on the first run, the table's column afterwards.
	validToType string
	dupWarning  *adapters.DuplicateKeyWarning // the source repeats a key
}

const (
	// Extra columns of the staging table; long and odd so that they do not
	// collide with source columns.
	updatedAtColumn = "elt_snapshot__updated_at"
	// A custom strategy's dbt_scd_id, computed over the source rows.
	scdIDColumn    = "elt_snapshot__scd_id"
	stageValidFrom = "elt_snapshot__valid_from"
	stageIsNew     = "elt_snapshot__is_new"
	// The dbt_scd_id of the current version a changed row closes.
	stageCloseScd = "elt_snapshot__close_scd_id"
	// Marks the snapshot's current rows in the join that finds changes.
	currentMarker = "elt_snapshot__current"
)

func (r *snapshotRun) exec(query string) error {
	_, err := r.tx.Exec(r.ctx, query)
	return err
}

func (r *snapshotRun) count(query string) (int64, error) {
	return r.tx.QueryInt(r.ctx, query)
}

// createTemp makes a temporary table from query and returns its rendered
// name and its relation.
func (r *snapshotRun) createTemp(purpose, query string) (string, adapters.Relation, error) {
	rel := r.w.TempRelation(r.w.TempName("elt_snapshot_" + purpose))
	name := RenderRelation(rel)
	created := Quote(rel.Identifier)
	if r.w.QualifiedSnapshotTemps {
		created = name
	}
	if _, err := r.tx.Exec(r.ctx, "create temporary table "+created+r.w.onCommit()+" as (\n"+query+"\n)"); err != nil {
		return "", adapters.Relation{}, err
	}
	if !r.w.OnCommitDrop {
		r.temps = append(r.temps, name)
	}
	return name, rel, nil
}

func (r *snapshotRun) dropTemps() error {
	for _, t := range r.temps {
		if _, err := r.tx.Exec(r.ctx, "drop table if exists "+t); err != nil {
			return err
		}
	}
	r.temps = nil
	return nil
}

func (r *snapshotRun) run(body string) (adapters.RunResult, error) {
	d := dialect{}
	s := r.s
	var err error
	if r.src, r.srcRel, err = r.createTemp("source", body); err != nil {
		return adapters.RunResult{}, fmt.Errorf("source query: %w", err)
	}
	// The source rows' table was just made; the target, below, is a
	// table once RelationKind says so: both are read by name.
	cols, err := r.tx.TableColumns(r.ctx, r.srcRel)
	if err != nil {
		return adapters.RunResult{}, err
	}
	for _, c := range cols {
		r.srcCols = append(r.srcCols, c.Name)
	}
	kind, err := r.tx.RelationKind(r.ctx, r.rel)
	if err != nil {
		return adapters.RunResult{}, err
	}
	if err := r.resolveColumns(kind != adapters.KindNone); err != nil {
		return adapters.RunResult{}, err
	}
	if r.hasKeyExprs() {
		// The source rows again, with each key expression's value.
		if r.src, _, err = r.createTemp("keyed", "select src.*, "+strings.Join(r.keyValues(), ", ")+" from "+r.src+" as src"); err != nil {
			return adapters.RunResult{}, fmt.Errorf("unique_key: %w", err)
		}
	}
	if s.Custom != nil {
		// dbt's materialization selects the strategy's updated_at and
		// scd_id over the source query's rows: compute them so.
		r.updatedAtExpr = s.Custom.UpdatedAt
		if r.src, _, err = r.createTemp("timed", "select src.*, ("+s.Custom.UpdatedAt+") as "+d.Quote(updatedAtColumn)+
			", ("+s.Custom.ScdID+") as "+d.Quote(scdIDColumn)+" from "+r.src+" as src"); err != nil {
			return adapters.RunResult{}, fmt.Errorf("strategy %s's updated_at or scd_id: %w", s.Strategy, err)
		}
	} else if r.updatedAtExpr != "" {
		// The source rows again, with the updated_at expression's value.
		if r.src, _, err = r.createTemp("timed", "select src.*, ("+r.updatedAtExpr+") as "+d.Quote(updatedAtColumn)+" from "+r.src+" as src"); err != nil {
			return adapters.RunResult{}, fmt.Errorf("updated_at: %w", err)
		}
	}
	if err := r.findDuplicateKeys(); err != nil {
		return adapters.RunResult{}, err
	}
	r.now = TimeLiteral(s.Now)
	updatedAt := ""
	if s.UpdatedAt != "" {
		updatedAt = "src." + d.Quote(r.sourceName(s.UpdatedAt))
		if r.updatedAtExpr != "" {
			updatedAt = "src." + d.Quote(updatedAtColumn)
		}
	}
	switch {
	case s.Custom != nil:
		r.ts = "src." + d.Quote(updatedAtColumn)
	case s.Strategy == adapters.SnapshotTimestamp:
		r.ts = updatedAt
	case s.Strategy == adapters.SnapshotCheck:
		// dbt's snapshot_check_strategy: updated_at (a column or an
		// expression, as it is: a NULL stays NULL, a date a date) when
		// configured, else the snapshot's time.
		r.ts = r.now
		if updatedAt != "" {
			r.ts = updatedAt
		}
	}

	switch kind {
	case adapters.KindNone:
		return r.create()
	case adapters.KindView:
		return adapters.RunResult{}, errors.New("the target is a view, not a snapshot table; drop it or choose another name")
	}
	return r.update()
}

// findSourceColumn finds name among the source columns case-insensitively:
// DuckDB resolves identifiers so, and dbt's configs are usually written in
// lower case for PostgreSQL's unquoted (folded) columns.
func (r *snapshotRun) findSourceColumn(name string) (string, bool) {
	if n := strings.TrimSpace(name); len(n) > 2 && n[0] == '"' && n[len(n)-1] == '"' {
		// A quoted name ("1-updated_at") is the column spelled so, in
		// any case where quoting keeps none (QuotedKeysExact).
		inner := strings.ReplaceAll(n[1:len(n)-1], `""`, `"`)
		if r.w.QuotedKeysExact {
			return inner, slices.Contains(r.srcCols, inner)
		}
		name = inner
	}
	for _, c := range r.srcCols {
		if strings.EqualFold(c, name) {
			return c, true
		}
	}
	return "", false
}

func (r *snapshotRun) sourceName(name string) string {
	if c, ok := r.findSourceColumn(name); ok {
		return c
	}
	return name
}

// resolveColumns checks that the configured columns are in the source and
// that no source column takes a meta column's name. check_cols are
// resolved only when the target exists: as dbt's
// snapshot_check_all_get_existing_columns, a first run compares nothing,
// so a check column the source lacks fails only a later run.
func (r *snapshotRun) resolveColumns(targetExists bool) error {
	s := r.s
	missing := func(what, name string) error {
		return fmt.Errorf("%w: %s column %q is not in the source (columns: %s)", adapters.ErrSnapshotConfig, what, name, strings.Join(r.srcCols, ", "))
	}
	for i, k := range s.UniqueKey {
		c, ok := r.findSourceColumn(k)
		switch {
		case ok:
			r.key = append(r.key, c)
			r.keyExprs = append(r.keyExprs, "")
		case plainIdent().MatchString(strings.TrimSpace(k)):
			return missing("unique_key", k)
		default:
			// dbt takes a unique_key as SQL: an expression over the
			// source's columns.
			r.key = append(r.key, keyColumn(i))
			r.keyExprs = append(r.keyExprs, k)
		}
	}
	if s.UpdatedAt != "" {
		if _, ok := r.findSourceColumn(s.UpdatedAt); !ok {
			if plainIdent().MatchString(strings.TrimSpace(s.UpdatedAt)) {
				return missing("updated_at", s.UpdatedAt)
			}
			// dbt's strategies take updated_at as SQL (strategy.updated_at
			// is pasted as the new versions' dbt_valid_from).
			r.updatedAtExpr = s.UpdatedAt
		}
	}
	if s.Custom == nil && s.Strategy == adapters.SnapshotCheck && targetExists {
		if s.CheckAll {
			r.checks = slices.Clone(r.srcCols)
		} else {
			for _, k := range s.CheckCols {
				c, ok := r.findSourceColumn(k)
				if !ok && !plainIdent().MatchString(strings.TrimSpace(k)) {
					// dbt takes check_cols as SQL: it compares the
					// columns the warehouse names "select <check_cols>"
					// after, and a name that is no column of the
					// snapshot changes every row.
					c, ok, err := r.exprColumn(k)
					if err != nil {
						return fmt.Errorf("%w: check_cols %q: %v", adapters.ErrSnapshotConfig, k, err)
					}
					if !ok {
						r.checkAll = true
						continue
					}
					r.checks = append(r.checks, c)
					continue
				}
				if !ok {
					return missing("check_cols", k)
				}
				r.checks = append(r.checks, c)
			}
		}
	}
	for _, m := range s.Columns.Names(true) {
		if c, ok := r.findSourceColumn(m); ok {
			return fmt.Errorf("the source has a column %q, which is a snapshot meta column name; rename it in the select, or set snapshot_meta_column_names", c)
		}
	}
	return nil
}

// exprColumn is the source column the warehouse names the result of
// expression expr after (PostgreSQL names ds::date "ds"), if it names it
// after one.
func (r *snapshotRun) exprColumn(expr string) (string, bool, error) {
	res, err := r.tx.Query(r.ctx, "select "+expr+" from "+r.src+" as subq limit 0")
	if err != nil {
		return "", false, err
	}
	if len(res.Columns) != 1 {
		return "", false, nil
	}
	c, ok := r.findSourceColumn(res.Columns[0])
	return c, ok, nil
}

// findDuplicateKeys sets r.dupWarning when a key occurs more than once in
// the source. dbt does not check this; the run goes on.
func (r *snapshotRun) findDuplicateKeys() error {
	keys := quoteIdents(r.key)
	where := ""
	if !r.nullSafeKeys() {
		where = " where " + adapters.KeysNotNull(keys)
	}
	res, err := r.tx.Query(r.ctx, "select "+strings.Join(keys, ", ")+", count(*) from "+r.src+where+
		" group by "+strings.Join(keys, ", ")+" having count(*) > 1 order by count(*) desc, "+strings.Join(keys, ", ")+" limit 3")
	if err != nil {
		return fmt.Errorf("checking unique_key: %w", err)
	}
	if len(res.Rows) > 0 {
		r.dupWarning = &adapters.DuplicateKeyWarning{Snapshot: r.s.UniqueID, Key: slices.Clone(r.key), Samples: adapters.DuplicateKeySamples(r.key, res.Rows)}
	}
	return nil
}

func quoteIdents(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = dialect{}.Quote(n)
	}
	return out
}

// qualifiedIdents renders alias.column for each name.
func qualifiedIdents(alias string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = alias + "." + dialect{}.Quote(n)
	}
	return out
}

// plainIdent is a unique_key entry that names a column rather than
// computes a value.
var plainIdent = lazyre.New(`^([A-Za-z_][A-Za-z0-9_$]*|"[^"]+")$`)

// keyColumn names the column holding the value of the i'th unique_key
// entry when it is an expression.
func keyColumn(i int) string { return fmt.Sprintf("elt_snapshot__key_%d", i+1) }

func (r *snapshotRun) hasKeyExprs() bool {
	for _, e := range r.keyExprs {
		if e != "" {
			return true
		}
	}
	return false
}

// keyValues are the key expressions as select items naming their columns,
// over a relation whose columns they name unqualified.
func (r *snapshotRun) keyValues() []string {
	var out []string
	for i, e := range r.keyExprs {
		if e != "" {
			out = append(out, "("+e+") as "+dialect{}.Quote(r.key[i]))
		}
	}
	return out
}

// keyed is the snapshot table as a relation to select from: with the
// key expressions' values when there are any.
func (r *snapshotRun) keyed(target string) string {
	if !r.hasKeyExprs() {
		return target
	}
	return "(select *, " + strings.Join(r.keyValues(), ", ") + " from " + target + ")"
}

// nullSafeKeys says whether the key's columns are matched NULL with NULL:
// dbt's unique_key_join_on joins a list key with its equals macro, which
// does so with the behaviour flag enable_truthy_nulls_equals_macro.
func (r *snapshotRun) nullSafeKeys() bool {
	return r.s.UniqueKeyList && r.s.NullKeysMatch
}

// keyMatch joins two aliases on the unique key with =, as dbt's
// unique_key_join_on: a row with a NULL in its key matches no row, so each
// run inserts it again and, with hard deletes, closes its current versions
// as deleted. With nullSafeKeys, NULL matches NULL.
func (r *snapshotRun) keyMatch(a, b string) string {
	eq := " = "
	if r.nullSafeKeys() {
		eq = " is not distinct from "
	}
	conds := make([]string, len(r.key))
	for i, k := range r.key {
		q := dialect{}.Quote(k)
		conds[i] = a + "." + q + eq + b + "." + q
	}
	return strings.Join(conds, " and ")
}

// scdID is dbt's dbt_scd_id: the md5 of the unique key's values and the
// version's timestamp (snapshot_hash_arguments).
func (r *snapshotRun) scdID(alias, ts string) string {
	return hashArguments(append(qualifiedIdents(alias, r.key), ts))
}

// newScdID is a new version's dbt_scd_id over alias's source row, whose
// dbt_valid_from is ts: a custom strategy's scd_id was computed with
// the source rows.
func (r *snapshotRun) newScdID(alias, ts string) string {
	if r.s.Custom != nil {
		return alias + "." + dialect{}.Quote(scdIDColumn)
	}
	return r.scdID(alias, ts)
}

// deletionScdID is the dbt_scd_id dbt gives a hard_deletes new_record
// deletion row: the hash of the closed version's dbt_scd_id and the run's
// time.
func (r *snapshotRun) deletionScdID(alias string) string {
	return hashArguments([]string{alias + "." + dialect{}.Quote(r.s.Columns.ScdID), r.now})
}

// hashArguments is dbt's default snapshot_hash_arguments: the md5 of the
// arguments, each cast to text (NULL as the empty string), joined with a
// pipe.
func hashArguments(args []string) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = "coalesce(cast(" + a + " as varchar), '')"
	}
	return "md5(" + strings.Join(parts, " || '|' || ") + ")"
}

// validToCurrent is what dbt_valid_to holds in a current row.
func (r *snapshotRun) validToCurrent() string {
	if r.s.ValidToCurrent == "" {
		return "null"
	}
	return "(" + r.s.ValidToCurrent + ")"
}

// isCurrent says whether alias's row is its key's current version. With
// dbt_valid_to_current, rows written before it was configured keep NULL
// (dbt does not rewrite them), so both count as current.
func (r *snapshotRun) isCurrent(alias string) string {
	vt := alias + "." + dialect{}.Quote(r.s.Columns.ValidTo)
	if r.s.ValidToCurrent == "" {
		return vt + " is null"
	}
	return "(" + vt + " is null or " + vt + " = " + r.validToCurrent() + ")"
}

// create builds the snapshot table on the first run.
func (r *snapshotRun) create() (adapters.RunResult, error) {
	d := dialect{}
	c := r.s.Columns
	tsType, err := r.exprType(r.ts)
	if err != nil {
		return adapters.RunResult{}, err
	}
	r.validToType = tsType
	all := "src.*"
	if r.hasKeyExprs() || r.updatedAtExpr != "" {
		// Leave out the computed columns.
		all = strings.Join(qualifiedIdents("src", r.srcCols), ", ")
	}
	sel := []string{
		all,
		r.newScdID("src", r.ts) + " as " + d.Quote(c.ScdID),
		r.ts + " as " + d.Quote(c.UpdatedAt),
		r.ts + " as " + d.Quote(c.ValidFrom),
		r.validToCurrentTyped() + " as " + d.Quote(c.ValidTo),
	}
	if r.s.HardDeletes == adapters.HardDeletesNewRecord {
		sel = append(sel, Literal(adapters.SnapshotNotDeleted)+" as "+d.Quote(c.IsDeleted))
	}
	if err := r.exec(r.w.createTable(r.s.Config) + d.RenderRelation(r.rel) + " as\nselect " + strings.Join(sel, ",\n  ") + "\nfrom " + r.src + " as src"); err != nil {
		return adapters.RunResult{}, err
	}
	n, err := r.count("select count(*) from " + r.src)
	if err != nil {
		return adapters.RunResult{}, err
	}
	// dbt's first snapshot is a create table as (PostgreSQL: SELECT n).
	return r.w.result("table", n, fmt.Sprintf("INSERT %d", n)), nil
}

// exprType is the warehouse's type of expr over the source rows (aliased
// src).
func (r *snapshotRun) exprType(expr string) (string, error) {
	return r.w.ExprType(r.ctx, r.tx, expr, "select "+expr+" as x from "+r.src+" as src", func(query string) (adapters.Relation, error) {
		_, rel, err := r.createTemp("type", query)
		return rel, err
	})
}

// validToCurrentTyped is validToCurrent in the valid-to column's type.
func (r *snapshotRun) validToCurrentTyped() string {
	return "cast(" + r.validToCurrent() + " as " + r.validToType + ")"
}

// insertedValidTo is the valid-to value of an inserted current row.
func (r *snapshotRun) insertedValidTo() string {
	if r.w.TypedValidTo {
		return r.validToCurrentTyped()
	}
	return r.validToCurrent()
}

// keyFields are dbt's unique_key_fields over alias: the key as
// dbt_unique_key, or a list key's columns as dbt_unique_key_<n>.
func (r *snapshotRun) keyFields(alias string) string {
	out := make([]string, len(r.key))
	for i, k := range r.key {
		name := "dbt_unique_key"
		if r.s.UniqueKeyList {
			name = fmt.Sprintf("dbt_unique_key_%d", i+1)
		}
		out[i] = alias + "." + dialect{}.Quote(k) + " as " + dialect{}.Quote(name)
	}
	return strings.Join(out, ", ")
}

// customSources are a custom strategy's source_data of dbt's insertions
// and updates CTEs, so that its row_changed sees the columns dbt gives
// it: the source rows plus the key (keyFields), dbt_updated_at and
// dbt_valid_from (the strategy's updated_at) and dbt_valid_to, which is
// the current versions' value for the insertions (which also have
// dbt_scd_id) and updated_at for the updates.
func (r *snapshotRun) customSources() (insertions, updates string) {
	d := dialect{}
	c := r.s.Columns
	updatedAt := "src." + d.Quote(updatedAtColumn)
	both := "select src.*, " + r.keyFields("src") + ", " + updatedAt + " as " + d.Quote(c.UpdatedAt) + ", " + updatedAt + " as " + d.Quote(c.ValidFrom)
	insertions = "(" + both + ", " + r.validToCurrentTyped() + " as " + d.Quote(c.ValidTo) + ", src." + d.Quote(scdIDColumn) + " as " + d.Quote(c.ScdID) + " from " + r.src + " as src)"
	updates = "(" + both + ", " + updatedAt + " as " + d.Quote(c.ValidTo) + " from " + r.src + " as src)"
	return insertions, updates
}

// splitStage stages the changes as dbt's snapshot_staging_table does,
// in two parts: the versions to insert (its insertions CTE, source rows
// from insertions aliased sa) and the current versions to close (its
// updates CTE, from updates), each pairing the source rows with the
// current versions (aliased ca, with keyFields) on the key and keeping
// the pairs where changed holds. A custom strategy's row_changed is so
// evaluated over each CTE's own source_data; and with the behaviour flag
// enable_truthy_nulls_equals_macro a list key whose first column is NULL
// matches, and dbt's insertions CTE, which tests that column for a
// missing match (unique_key_is_null), inserts the source row again for
// each current version it matches. ts is a new version's valid-from over
// sa. It returns the temporary tables of both parts.
func (r *snapshotRun) splitStage(target, sa, ca, insertions, updates, ts string, changed []string) (stage, closes string, err error) {
	d := dialect{}
	snapshotted := "select t.*, " + r.keyFields("t") + ", true as " + d.Quote(currentMarker) + " from " + r.keyed(target) + " as t where " + r.isCurrent("t")
	marker := ca + "." + d.Quote(currentMarker)
	rowChanged := "(" + strings.Join(changed, " or ") + ")"
	insert := marker + " is null"
	if r.nullSafeKeys() {
		insert += " or " + ca + "." + d.Quote(r.key[0]) + " is null"
	}
	if stage, _, err = r.createTemp("stage", "select "+sa+".*, "+ts+" as "+d.Quote(stageValidFrom)+", "+marker+" is null as "+d.Quote(stageIsNew)+
		"\nfrom "+insertions+" as "+sa+"\nleft join ("+snapshotted+") as "+ca+" on "+r.keyMatch(sa, ca)+
		"\nwhere "+insert+" or "+rowChanged); err != nil {
		return "", "", err
	}
	closes, _, err = r.createTemp("close", "select "+ts+" as "+d.Quote(stageValidFrom)+", false as "+d.Quote(stageIsNew)+", "+ca+"."+d.Quote(r.s.Columns.ScdID)+" as "+d.Quote(stageCloseScd)+
		"\nfrom "+updates+" as "+sa+"\njoin ("+snapshotted+") as "+ca+" on "+r.keyMatch(sa, ca)+
		"\nwhere "+rowChanged)
	return stage, closes, err
}

// update records a later run's changes in the existing table.
func (r *snapshotRun) update() (adapters.RunResult, error) {
	d := dialect{}
	s := r.s
	c := s.Columns
	target := d.RenderRelation(r.rel)
	newRecord := s.HardDeletes == adapters.HardDeletesNewRecord

	// Schema changes first, so that every later statement sees the final
	// columns.
	tcols, err := r.tx.TableColumns(r.ctx, r.rel)
	if err != nil {
		return adapters.RunResult{}, err
	}
	has := map[string]bool{}
	for _, tc := range tcols {
		has[strings.ToLower(tc.Name)] = true
	}
	if err := adapters.CheckSnapshotTarget(tcols, c, s.HardDeletes); err != nil {
		return adapters.RunResult{}, err
	}
	if !has[strings.ToLower(c.UpdatedAt)] {
		// dbt checks no dbt_updated_at: its create_columns adds the
		// column from the staging table, where it has the type
		// dbt_valid_from has.
		vf, _ := adapters.FindColumn(tcols, c.ValidFrom)
		if err := r.exec("alter table " + target + " add column " + d.Quote(c.UpdatedAt) + " " + vf.DataType); err != nil {
			return adapters.RunResult{}, fmt.Errorf("adding the column %q: %w", c.UpdatedAt, err)
		}
	}
	srcTypes, err := r.tx.TableColumns(r.ctx, r.srcRel)
	if err != nil {
		return adapters.RunResult{}, err
	}
	// dbt's snapshot materialization widens the table's string columns to
	// the source's before it adds the missing ones.
	if _, err := expandStringColumns(r.ctx, r.tx, r.rel, srcTypes, tcols); err != nil {
		return adapters.RunResult{}, err
	}
	for _, sc := range srcTypes {
		if !has[strings.ToLower(sc.Name)] {
			if err := r.exec("alter table " + target + " add column " + d.Quote(sc.Name) + " " + sc.DataType); err != nil {
				return adapters.RunResult{}, fmt.Errorf("adding new source column %q: %w", sc.Name, err)
			}
		}
	}
	// The table's data columns (everything but the meta columns), after the
	// additions above.
	if tcols, err = r.tx.TableColumns(r.ctx, r.rel); err != nil {
		return adapters.RunResult{}, err
	}
	if vt, ok := adapters.FindColumn(tcols, c.ValidTo); ok {
		r.validToType = vt.DataType
	}
	meta := map[string]bool{}
	for _, m := range c.Names(true) {
		meta[strings.ToLower(m)] = true
	}
	var dataCols []string
	for _, tc := range tcols {
		if !meta[strings.ToLower(tc.Name)] {
			dataCols = append(dataCols, tc.Name)
		}
	}

	// Stage the source rows to write: new keys, and keys whose current
	// version changed.
	// The source rows' and the current versions' aliases: dbt's names
	// for a custom strategy, whose row_changed is written with them.
	sa, ca := "src", "cur"
	ts := r.ts
	var changed []string
	switch {
	case s.Custom != nil:
		sa, ca = adapters.SourceAlias, adapters.SnapshottedAlias
		ts = sa + "." + d.Quote(updatedAtColumn)
		changed = append(changed, "("+s.Custom.RowChanged+")")
	case s.Strategy == adapters.SnapshotTimestamp:
		newer := "src." + d.Quote(r.sourceName(s.UpdatedAt))
		if r.updatedAtExpr != "" {
			// dbt's snapshot_timestamp_strategy compares
			// source_data.<updated_at> as written: an expression that
			// starts with a column (updated_at::timestamp) works, others
			// fail in the warehouse, as under dbt.
			newer = "src." + strings.TrimSpace(r.updatedAtExpr)
		}
		// dbt's row_changed: snapshotted_data.dbt_valid_from < source_data.<updated_at>.
		changed = append(changed, newer+" > cur."+d.Quote(c.ValidFrom))
	case s.Strategy == adapters.SnapshotCheck:
		if r.checkAll {
			changed = append(changed, "true")
		}
		for _, col := range r.checks {
			q := d.Quote(col)
			changed = append(changed, "src."+q+" is distinct from cur."+q)
		}
	}
	if newRecord {
		// A key that comes back after its deletion was recorded.
		changed = append(changed, ca+"."+d.Quote(c.IsDeleted)+" = "+Literal(adapters.SnapshotDeleted))
	}
	// As dbt's staging table, this pairs each source row with each current
	// version of its key: a source that repeats a key, or a key with
	// several current versions, gives one row per changed pair.
	// stage holds the versions to insert, closes the current versions to
	// close (rows not stageIsNew, by stageCloseScd).
	var stage, closes string
	switch {
	case s.Custom != nil:
		insertions, updates := r.customSources()
		stage, closes, err = r.splitStage(target, sa, ca, insertions, updates, ts, changed)
	case r.nullSafeKeys():
		stage, closes, err = r.splitStage(target, sa, ca, r.src, r.src, ts, changed)
	default:
		marker := ca + "." + d.Quote(currentMarker)
		curSel := "select *, true as " + d.Quote(currentMarker) + " from " + r.keyed(target) + " as t where " + r.isCurrent("t")
		stage, _, err = r.createTemp("stage", "select "+sa+".*, "+ts+" as "+d.Quote(stageValidFrom)+", "+marker+" is null as "+d.Quote(stageIsNew)+
			", "+ca+"."+d.Quote(c.ScdID)+" as "+d.Quote(stageCloseScd)+
			"\nfrom "+r.src+" as "+sa+"\nleft join ("+curSel+") as "+ca+" on "+r.keyMatch(sa, ca)+
			"\nwhere "+marker+" is null or ("+strings.Join(changed, " or ")+")")
		closes = stage
	}
	if err != nil {
		return adapters.RunResult{}, fmt.Errorf("comparing the source with the snapshot: %w", err)
	}

	// Current rows whose key left the source, found before any row changes.
	var gone string
	if s.HardDeletes != adapters.HardDeletesIgnore {
		// As dbt's deletes CTE: each pairing of a current version with
		// the source rows of its key (or with none) whose source key
		// (its first column, for a list) is NULL.
		q := "select t.* from " + r.keyed(target) + " as t left join " + r.src + " as src on " + r.keyMatch("src", "t") +
			" where " + r.isCurrent("t") + " and src." + d.Quote(r.key[0]) + " is null"
		if newRecord {
			// Not already recorded as deleted, as dbt's not (... = 'True'):
			// a version from before the switch to new_record (NULL) is
			// never closed as deleted.
			q += " and not (t." + d.Quote(c.IsDeleted) + " = " + Literal(adapters.SnapshotDeleted) + ")"
		}
		if gone, _, err = r.createTemp("deleted", q); err != nil {
			return adapters.RunResult{}, fmt.Errorf("finding deleted rows: %w", err)
		}
	}

	var res snapshotCounts
	if res.isNew, err = r.count("select count(*) from " + stage + " where " + d.Quote(stageIsNew)); err != nil {
		return adapters.RunResult{}, err
	}
	if res.changed, err = r.count("select count(*) from " + closes + " where not " + d.Quote(stageIsNew)); err != nil {
		return adapters.RunResult{}, err
	}
	res.inserted = res.isNew + res.changed
	if closes != stage {
		// splitStage's parts may pair differently: a custom strategy's
		// row_changed over each CTE's source_data, a list key's NULL
		// first column under enable_truthy_nulls_equals_macro.
		if res.inserted, err = r.count("select count(*) from " + stage); err != nil {
			return adapters.RunResult{}, err
		}
	}
	if gone != "" {
		if res.deleted, err = r.count("select count(*) from " + gone); err != nil {
			return adapters.RunResult{}, err
		}
	}

	vt := d.Quote(c.ValidTo)
	scd := d.Quote(c.ScdID)
	// Close the changed rows' current versions where the new ones begin,
	// matched by dbt_scd_id as dbt does. When two staged rows close the
	// same version (a repeated key), the warehouse takes either's time, as
	// under dbt.
	if res.changed > 0 {
		if err := r.exec("update " + target + " as t set " + vt + " = stage." + d.Quote(stageValidFrom) +
			" from " + closes + " as stage where not stage." + d.Quote(stageIsNew) + " and stage." + d.Quote(stageCloseScd) + " = t." + scd + " and " + r.isCurrent("t")); err != nil {
			return adapters.RunResult{}, fmt.Errorf("closing changed rows: %w", err)
		}
	}
	// Close the deleted keys' current versions now.
	if res.deleted > 0 {
		if err := r.exec("update " + target + " as t set " + vt + " = " + r.now +
			" from " + gone + " as gone where gone." + scd + " = t." + scd + " and " + r.isCurrent("t")); err != nil {
			return adapters.RunResult{}, fmt.Errorf("closing deleted rows: %w", err)
		}
	}
	// Insert the new versions.
	insertCols := append(quoteIdents(r.srcCols), quoteIdents(c.Names(newRecord))...)
	if res.inserted > 0 {
		ts := "src." + d.Quote(stageValidFrom)
		sel := append(qualifiedIdents("src", r.srcCols), r.newScdID("src", ts), ts, ts, r.insertedValidTo())
		if newRecord {
			sel = append(sel, Literal(adapters.SnapshotNotDeleted))
		}
		if err := r.exec("insert into " + target + " (" + strings.Join(insertCols, ", ") + ")\nselect " + strings.Join(sel, ", ") + "\nfrom " + stage + " as src"); err != nil {
			return adapters.RunResult{}, fmt.Errorf("inserting new versions: %w", err)
		}
	}
	// new_record: a row saying the key was deleted, carrying its last values.
	if newRecord && res.deleted > 0 {
		cols := append(quoteIdents(dataCols), quoteIdents(c.Names(true))...)
		sel := append(qualifiedIdents("gone", dataCols), r.deletionScdID("gone"), r.now, r.now, r.insertedValidTo(), Literal(adapters.SnapshotDeleted))
		if err := r.exec("insert into " + target + " (" + strings.Join(cols, ", ") + ")\nselect " + strings.Join(sel, ", ") + "\nfrom " + gone + " as gone"); err != nil {
			return adapters.RunResult{}, fmt.Errorf("inserting deletion records: %w", err)
		}
	}
	out := res.result(s.HardDeletes)
	if r.w.CommandTags {
		// dbt's snapshot_merge_sql ends with its insert, whose tag the
		// warehouse reports: INSERT 0 <rows inserted>.
		inserted := res.inserted
		if newRecord {
			inserted += res.deleted
		}
		out = r.w.result("insert", inserted, out.Message)
	}
	return out, nil
}

type snapshotCounts struct {
	isNew, changed, deleted int64
	inserted                int64 // new versions, of new and changed keys
}

// result reports the keys that were new, changed or deleted (with a
// repeated unique_key, the staged versions: one per pairing). RowsAffected
// counts the rows written: each change closes one row and inserts one, a
// new key inserts one, a deletion closes one (and inserts one with
// new_record).
func (c snapshotCounts) result(hardDeletes string) adapters.RunResult {
	msg := fmt.Sprintf("SNAPSHOT %d new, %d changed", c.isNew, c.changed)
	rows := c.isNew + 2*c.changed
	switch hardDeletes {
	case adapters.HardDeletesInvalidate:
		msg += fmt.Sprintf(", %d deleted", c.deleted)
		rows += c.deleted
	case adapters.HardDeletesNewRecord:
		msg += fmt.Sprintf(", %d deleted", c.deleted)
		rows += 2 * c.deleted
	}
	return adapters.RunResult{Message: msg, RowsAffected: rows}
}
