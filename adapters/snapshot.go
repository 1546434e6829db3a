package adapters

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Snapshot strategies and hard-delete modes, as written in a snapshot's config.
const (
	SnapshotTimestamp = "timestamp"
	SnapshotCheck     = "check"

	HardDeletesIgnore     = "ignore"
	HardDeletesInvalidate = "invalidate"
	HardDeletesNewRecord  = "new_record"
)

// Values of the is-deleted meta column (hard_deletes: new_record). They are
// strings, not booleans, as in dbt.
const (
	SnapshotDeleted    = "True"
	SnapshotNotDeleted = "False"
)

// ErrSnapshotConfig is wrapped by every error Snapshot.Normalize returns, so
// callers can tell a configuration mistake from a warehouse failure.
var ErrSnapshotConfig = errors.New("invalid snapshot config")

// DuplicateKeyWarning says that a snapshot's unique_key is not unique in
// its source. dbt does not check this, and projects rely on it building
// anyway, so the adapters build exactly as dbt's snapshot materialization
// would on their warehouse and return this warning with the result.
//
// What dbt builds: the first run inserts every source row, duplicates
// included. Later runs join the source and the current versions on the key,
// so each duplicate pairs with each current version of its key: a change
// inserts one new version per pair and closes the versions by dbt_scd_id,
// and versions multiply from then on. On Snowflake and BigQuery that
// closing is a MERGE, which fails (as under dbt) when two staged rows close
// the same version.
type DuplicateKeyWarning struct {
	Snapshot string   // the snapshot's UniqueID
	Key      []string // the unique_key columns
	Samples  []string // a few repeated keys, e.g. "id=1 (2 rows)"
}

// Event names the warning in structured logs.
func (w *DuplicateKeyWarning) Event() string { return "SnapshotDuplicateKey" }

// Fields are the warning's details for structured logs.
func (w *DuplicateKeyWarning) Fields() map[string]any {
	return map[string]any{"snapshot": w.Snapshot, "unique_key": w.Key, "samples": w.Samples}
}

func (w *DuplicateKeyWarning) String() string {
	return fmt.Sprintf("snapshot %s: unique_key (%s) is not unique in the source, e.g. %s; built as dbt does (each repeated row is a version of its own, and later changes add one version per repeat); make the key unique (add columns to unique_key, or deduplicate the select)",
		w.Snapshot, strings.Join(w.Key, ", "), strings.Join(w.Samples, ", "))
}

// KeysNotNull is the condition that every quoted key column holds a value:
// the duplicate-key queries count only such rows unless NULL matches NULL,
// as a key with a NULL matches no version under dbt's = join (each run
// inserts that row again: no version of it multiplies).
func KeysNotNull(quoted []string) string {
	parts := make([]string, len(quoted))
	for i, q := range quoted {
		parts[i] = q + " is not null"
	}
	return strings.Join(parts, " and ")
}

// DuplicateKeySamples describes the rows of a duplicate-key query (the key
// columns, then the row count) as "id=1 (2 rows)", strings quoted and NULL
// spelled out.
func DuplicateKeySamples(key []string, rows [][]any) []string {
	var out []string
	for _, row := range rows {
		if len(row) < len(key)+1 {
			continue
		}
		parts := make([]string, len(key))
		for i, k := range key {
			parts[i] = k + "=" + keyValueText(row[i])
		}
		out = append(out, fmt.Sprintf("%s (%v rows)", strings.Join(parts, " "), row[len(key)]))
	}
	return out
}

func keyValueText(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return fmt.Sprintf("%q", x)
	case []byte:
		return fmt.Sprintf("%q", x)
	default:
		return fmt.Sprint(x)
	}
}

// Normalize checks s and fills in defaults: hard_deletes "ignore", dbt's meta
// column names for those left empty, and Now (the current time) when zero.
// Errors wrap ErrSnapshotConfig; with an error, s is returned unchanged.
func (s Snapshot) Normalize() (Snapshot, error) {
	orig := s
	fail := func(format string, args ...any) (Snapshot, error) {
		return orig, fmt.Errorf("%w: %s", ErrSnapshotConfig, fmt.Sprintf(format, args...))
	}
	if strings.TrimSpace(s.SQL) == "" {
		return fail("empty SQL")
	}
	if len(s.UniqueKey) == 0 {
		return fail("unique_key is required")
	}
	for _, k := range s.UniqueKey {
		if strings.TrimSpace(k) == "" {
			return fail("unique_key has an empty column name")
		}
	}
	switch {
	case s.Custom != nil:
		for _, e := range []struct{ what, expr string }{
			{"updated_at", s.Custom.UpdatedAt}, {"row_changed", s.Custom.RowChanged}, {"scd_id", s.Custom.ScdID},
		} {
			if strings.TrimSpace(e.expr) == "" {
				return fail("the strategy macro of %q returned no %s", s.Strategy, e.what)
			}
		}
	case s.Strategy == SnapshotTimestamp:
		if s.UpdatedAt == "" {
			return fail("the timestamp strategy needs updated_at")
		}
	case s.Strategy == SnapshotCheck:
		if !s.CheckAll && len(s.CheckCols) == 0 {
			return fail("the check strategy needs check_cols (a list of columns, or all)")
		}
		for _, c := range s.CheckCols {
			if strings.TrimSpace(c) == "" {
				return fail("check_cols has an empty column name")
			}
		}
	case s.Strategy == "":
		return fail("strategy is required (timestamp or check)")
	default:
		return fail("unknown strategy %q (want timestamp or check)", s.Strategy)
	}
	switch s.HardDeletes {
	case "":
		s.HardDeletes = HardDeletesIgnore
	case HardDeletesIgnore, HardDeletesInvalidate, HardDeletesNewRecord:
	default:
		return fail("unknown hard_deletes %q (want ignore, invalidate or new_record)", s.HardDeletes)
	}
	def := DefaultSnapshotColumns()
	for _, f := range []struct {
		got *string
		def string
	}{
		{&s.Columns.ScdID, def.ScdID},
		{&s.Columns.UpdatedAt, def.UpdatedAt},
		{&s.Columns.ValidFrom, def.ValidFrom},
		{&s.Columns.ValidTo, def.ValidTo},
		{&s.Columns.IsDeleted, def.IsDeleted},
	} {
		if *f.got == "" {
			*f.got = f.def
		}
	}
	seen := map[string]bool{}
	for _, c := range s.Columns.Names(true) {
		if seen[strings.ToLower(c)] {
			return fail("snapshot_meta_column_names uses %q twice", c)
		}
		seen[strings.ToLower(c)] = true
	}
	if s.Now.IsZero() {
		s.Now = time.Now()
	}
	return s, nil
}

// Names lists the meta column names in the order they are added to a new
// snapshot table; the is-deleted column only when withDeleted.
func (c SnapshotColumns) Names(withDeleted bool) []string {
	names := []string{c.ScdID, c.UpdatedAt, c.ValidFrom, c.ValidTo}
	if withDeleted {
		names = append(names, c.IsDeleted)
	}
	return names
}

// SnapshotTargetError is dbt's SnapshotTargetNotSnapshotTableError: the
// existing snapshot table lacks meta columns the snapshot needs.
type SnapshotTargetError struct{ Missing []string }

func (e *SnapshotTargetError) Error() string {
	return `Snapshot target is missing configured columns (missing "` + strings.Join(e.Missing, `", "`) +
		`"). See https://docs.getdbt.com/docs/build/snapshots#snapshot-meta-fields for more information.`
}

// DbtErrorKind is the kind of dbt's exception, a CompilationError.
func (e *SnapshotTargetError) DbtErrorKind() string { return "Compilation" }

// CheckSnapshotTarget is dbt's
// adapter.assert_valid_snapshot_target_given_strategy, which dbt's
// snapshot materialization runs on an existing table before it changes
// anything: the table needs the scd id, valid-from and valid-to columns,
// and with hard_deletes new_record the is-deleted column too (so a
// snapshot switched to new_record fails until the column is added).
// Names compare without case. (dbt does not require dbt_updated_at: its
// create_columns adds it, and so does each adapter.)
func CheckSnapshotTarget(cols []Column, c SnapshotColumns, hardDeletes string) error {
	var missing []string
	for _, name := range []string{c.ScdID, c.ValidFrom, c.ValidTo} {
		if _, ok := FindColumn(cols, name); !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 && hardDeletes == HardDeletesNewRecord {
		if _, ok := FindColumn(cols, c.IsDeleted); !ok {
			missing = append(missing, c.IsDeleted)
		}
	}
	if len(missing) > 0 {
		return &SnapshotTargetError{Missing: missing}
	}
	return nil
}
