package adapters

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Incremental strategies and on_schema_change values, as dbt spells them.
const (
	StrategyAppend       = "append"
	StrategyMerge        = "merge"
	StrategyDeleteInsert = "delete+insert"
	StrategyMicrobatch   = "microbatch"

	SchemaChangeIgnore  = "ignore"
	SchemaChangeFail    = "fail"
	SchemaChangeAppend  = "append_new_columns"
	SchemaChangeSyncAll = "sync_all_columns"
)

// ErrIncrementalConfig is wrapped by the errors that come from an
// incremental model's configuration (strategy, unique_key, columns named in
// merge_update_columns, ...), so callers can tell a configuration mistake
// from a warehouse failure.
var ErrIncrementalConfig = errors.New("invalid incremental config")

// IncrementalConfigError returns an error wrapping ErrIncrementalConfig.
func IncrementalConfigError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrIncrementalConfig, fmt.Sprintf(format, args...))
}

var (
	incrementalStrategies = []string{StrategyAppend, StrategyMerge, StrategyDeleteInsert, StrategyMicrobatch}
	schemaChangeModes     = []string{SchemaChangeIgnore, SchemaChangeFail, SchemaChangeAppend, SchemaChangeSyncAll}
)

// IsStrategy reports whether s is one of the incremental strategies elt
// builds itself (append, merge, delete+insert, microbatch).
func IsStrategy(s string) bool { return slices.Contains(incrementalStrategies, s) }

// ResolveIncremental fills in defaults and checks the parts of inc that need
// no warehouse, so every adapter rejects the same configurations with the
// same words. Errors wrap ErrIncrementalConfig. An empty strategy is delete+insert with a unique_key and
// append without one (dbt-postgres's default), and so is delete+insert
// without one (dbt's inserts and deletes nothing); an empty
// on_schema_change is ignore.
func ResolveIncremental(inc Incremental) (Incremental, error) {
	inc.Strategy = strings.ToLower(strings.TrimSpace(inc.Strategy))
	if inc.Strategy == "" {
		inc.Strategy = StrategyAppend
		if len(inc.UniqueKey) > 0 {
			inc.Strategy = StrategyDeleteInsert
		}
	}
	if !slices.Contains(incrementalStrategies, inc.Strategy) && inc.Custom == nil {
		return inc, IncrementalConfigError("incremental_strategy %q is not supported; use one of %s", inc.Strategy, strings.Join(incrementalStrategies, ", "))
	}
	inc.OnSchemaChange = strings.ToLower(strings.TrimSpace(inc.OnSchemaChange))
	if inc.OnSchemaChange == "" {
		inc.OnSchemaChange = SchemaChangeIgnore
	}
	if !slices.Contains(schemaChangeModes, inc.OnSchemaChange) {
		return inc, IncrementalConfigError("on_schema_change %q is not supported; use one of %s", inc.OnSchemaChange, strings.Join(schemaChangeModes, ", "))
	}
	for _, k := range inc.UniqueKey {
		if strings.TrimSpace(k) == "" {
			return inc, IncrementalConfigError("unique_key has an empty column name")
		}
	}
	switch inc.Strategy {
	case StrategyDeleteInsert:
		if len(inc.UniqueKey) == 0 {
			// dbt's delete+insert deletes only with a unique_key; without
			// one it inserts the new rows, its predicates unused.
			inc.Strategy, inc.Predicates = StrategyAppend, nil
		}
	case StrategyMerge:
		if len(inc.MergeUpdateColumns) > 0 && len(inc.MergeExcludeColumns) > 0 {
			return inc, IncrementalConfigError("merge_update_columns and merge_exclude_columns cannot both be set; keep one of them")
		}
	case StrategyMicrobatch:
		if inc.Custom != nil {
			// The project's get_incremental_microbatch_sql decides what a
			// batch, or an unbatched run, needs.
			break
		}
		if strings.TrimSpace(inc.EventTime) == "" {
			return inc, IncrementalConfigError("incremental_strategy microbatch requires event_time")
		}
		if inc.BatchStart.IsZero() || inc.BatchEnd.IsZero() || !inc.BatchEnd.After(inc.BatchStart) {
			return inc, IncrementalConfigError("microbatch: the batch must end after it starts, got [%s, %s)",
				inc.BatchStart.Format(time.RFC3339), inc.BatchEnd.Format(time.RFC3339))
		}
	}
	return inc, nil
}

// TypeChange is a column whose type differs between the target and the new rows.
type TypeChange struct {
	Column   string
	From, To string // the target's type, the new rows' type
}

// SchemaDiff compares an incremental model's new rows with its target.
// Names are compared case-insensitively, as DuckDB, Postgres and Snowflake
// (unquoted) resolve them; each name is as the side that has it spells it.
type SchemaDiff struct {
	Added   []Column     // in the new rows, not in the target (new rows' order)
	Removed []Column     // in the target, not in the new rows (target's order)
	Changed []TypeChange // in both, with different types (target's order)
}

// Empty reports whether the schemas agree.
func (d SchemaDiff) Empty() bool {
	return len(d.Added) == 0 && len(d.Removed) == 0 && len(d.Changed) == 0
}

// DiffColumns compares the target's columns with the new rows'.
func DiffColumns(target, source []Column) SchemaDiff {
	var d SchemaDiff
	for _, t := range target {
		s, ok := FindColumn(source, t.Name)
		switch {
		case !ok:
			d.Removed = append(d.Removed, t)
		case !strings.EqualFold(t.DataType, s.DataType):
			d.Changed = append(d.Changed, TypeChange{Column: t.Name, From: t.DataType, To: s.DataType})
		}
	}
	for _, s := range source {
		if _, ok := FindColumn(target, s.Name); !ok {
			d.Added = append(d.Added, s)
		}
	}
	return d
}

// FindKeyColumn finds a unique_key entry's column in cols. dbt pastes the
// key into its SQL as written, so a double-quoted identifier ("col_A")
// names the column spelled exactly so where quotedExact (PostgreSQL,
// Snowflake), and in any case where quoting keeps no case (DuckDB); a
// bare name is found as FindColumn finds it.
func FindKeyColumn(cols []Column, key string, quotedExact bool) (Column, bool) {
	k := strings.TrimSpace(key)
	if len(k) < 2 || k[0] != '"' || k[len(k)-1] != '"' {
		return FindColumn(cols, key)
	}
	name := strings.ReplaceAll(k[1:len(k)-1], `""`, `"`)
	if !quotedExact {
		return FindColumn(cols, name)
	}
	for _, c := range cols {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// FindColumn finds name in cols, case-insensitively.
func FindColumn(cols []Column, name string) (Column, bool) {
	for _, c := range cols {
		if strings.EqualFold(c.Name, name) {
			return c, true
		}
	}
	return Column{}, false
}

// SchemaChangeError is on_schema_change: fail meeting a changed schema.
type SchemaChangeError struct {
	UniqueID string
	Diff     SchemaDiff
}

func (e *SchemaChangeError) Error() string {
	var parts []string
	if len(e.Diff.Added) > 0 {
		parts = append(parts, "added columns ["+columnNames(e.Diff.Added)+"]")
	}
	if len(e.Diff.Removed) > 0 {
		parts = append(parts, "removed columns ["+columnNames(e.Diff.Removed)+"]")
	}
	if len(e.Diff.Changed) > 0 {
		changes := make([]string, len(e.Diff.Changed))
		for i, c := range e.Diff.Changed {
			changes[i] = fmt.Sprintf("%s %s -> %s", c.Column, c.From, c.To)
		}
		parts = append(parts, "changed types ["+strings.Join(changes, ", ")+"]")
	}
	return fmt.Sprintf("%s: The source and target schemas on this incremental model are out of sync: %s; "+
		"set on_schema_change to append_new_columns or sync_all_columns, or run with --full-refresh",
		e.UniqueID, strings.Join(parts, ", "))
}

// DbtErrorKind is that of the error dbt's on_schema_change check raises
// (raise_compiler_error in check_for_schema_changes' caller).
func (e *SchemaChangeError) DbtErrorKind() string { return "Compilation" }

func columnNames(cols []Column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// UniqueKeyProblem is what is wrong with the new rows' keys.
type UniqueKeyProblem int

const (
	// KeyNull: some new rows have NULL in a unique_key column. NULL never
	// matches, so merge and delete+insert would add such rows again on every run.
	KeyNull UniqueKeyProblem = iota + 1
	// KeyRepeated: a key appears more than once in the new rows, which would
	// leave duplicates (delete+insert) or update a row from an arbitrary one (merge).
	KeyRepeated
)

// MaxKeySamples is how many offending keys a UniqueKeyError shows.
const MaxKeySamples = 5

// UniqueKeyError is an incremental model whose new rows break its unique_key,
// where dbt would silently write duplicates.
type UniqueKeyError struct {
	UniqueID string
	Key      []string
	Problem  UniqueKeyProblem
	Count    int64   // KeyNull: rows with a NULL key part; KeyRepeated: keys that repeat
	Samples  [][]any // up to MaxKeySamples key values, one value per key column
}

func (e *UniqueKeyError) Error() string {
	key := strings.Join(e.Key, ", ")
	samples := make([]string, len(e.Samples))
	for i, s := range e.Samples {
		samples[i] = renderKey(s)
	}
	switch e.Problem {
	case KeyNull:
		msg := fmt.Sprintf("%s: unique_key (%s) is NULL in %d of the new rows", e.UniqueID, key, e.Count)
		if len(e.Key) > 1 && len(samples) > 0 {
			msg += ", e.g. " + strings.Join(samples, ", ")
		}
		return msg + "; filter out or fill in NULL keys in the model's select, or choose a unique key without NULLs"
	default:
		verb := "keys appear"
		if e.Count == 1 {
			verb = "key appears"
		}
		return fmt.Sprintf("%s: unique_key (%s) is not unique in the new rows: %d %s more than once, e.g. %s; deduplicate the model's select or choose a unique key",
			e.UniqueID, key, e.Count, verb, strings.Join(samples, ", "))
	}
}

// renderKey writes one key: a bare value for one column, (a, b) for several.
func renderKey(vals []any) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = renderValue(v)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func renderValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'"
	case time.Time:
		return "'" + x.Format("2006-01-02 15:04:05.999999") + "'"
	case []byte:
		return fmt.Sprintf("'\\x%x'", x)
	default:
		return fmt.Sprint(x)
	}
}

// MergeUpdateColumns chooses the columns a merge updates among written (the
// target column names the run writes, in order): merge_update_columns when
// set, otherwise every written column but the unique key and
// merge_exclude_columns. It returns indexes into written.
func MergeUpdateColumns(inc Incremental, written, keys []string, targetCols, stageCols []Column) ([]int, error) {
	if len(inc.MergeUpdateColumns) > 0 {
		var out []int
		for _, name := range inc.MergeUpdateColumns {
			i := slices.IndexFunc(written, func(w string) bool { return strings.EqualFold(w, name) })
			if i < 0 {
				return nil, IncrementalConfigError("merge_update_columns: %q is not a column of both the model and the target (%s)", name, strings.Join(written, ", "))
			}
			out = append(out, i)
		}
		return out, nil
	}
	for _, name := range inc.MergeExcludeColumns {
		_, inTarget := FindColumn(targetCols, name)
		_, inStage := FindColumn(stageCols, name)
		if !inTarget && !inStage {
			return nil, IncrementalConfigError("merge_exclude_columns: %q is not a column of the model or the target", name)
		}
	}
	skipped := func(w string) bool {
		for _, k := range keys {
			if strings.EqualFold(w, k) {
				return true
			}
		}
		for _, name := range inc.MergeExcludeColumns {
			if strings.EqualFold(w, name) {
				return true
			}
		}
		return false
	}
	var out []int
	for i, w := range written {
		if !skipped(w) {
			out = append(out, i)
		}
	}
	return out, nil
}
