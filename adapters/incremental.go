package adapters

import (
	"context"
	"time"
)

// Incremental is one incremental model run against an existing target table.
// The runner sends a plain Materialize(table) instead when the target does not
// exist yet or a full refresh was asked for.
type Incremental struct {
	UniqueID string
	Relation Relation
	// SQL is the compiled select producing the new rows (the model's
	// is_incremental() branch already rendered true).
	SQL string
	// Strategy: "append", "merge", "delete+insert" or "microbatch".
	Strategy            string
	UniqueKey           []string // merge and delete+insert; empty means none
	MergeUpdateColumns  []string // merge: only these columns are updated (nil: all but the key)
	MergeExcludeColumns []string // merge: these columns are not updated
	// Predicates are the model's incremental_predicates (or predicates):
	// SQL conditions a merge matches rows with and a delete+insert
	// deletes with, naming the target DBT_INTERNAL_DEST and the new rows
	// DBT_INTERNAL_SOURCE, as in dbt.
	Predicates []string
	// Custom, when set, is the project's own strategy (a macro
	// get_incremental_<Strategy>_sql): given the target, the temporary
	// table of new rows and the target's columns (after on_schema_change),
	// it returns the statement that applies the new rows.
	Custom func(ctx context.Context, target, newRows Relation, columns []Column) (string, error)
	// OnSchemaChange: "ignore" (default), "fail", "append_new_columns", "sync_all_columns".
	OnSchemaChange string
	// ContractEnforced: the model's contract is enforced, so the target's
	// string columns are not widened to fit the new rows (dbt's
	// incremental materialization skips expand_target_column_types).
	ContractEnforced bool
	// Microbatch: rows of the target whose EventTime falls in [BatchStart, BatchEnd)
	// are replaced by SQL's rows (SQL is already filtered to the batch).
	EventTime  string
	BatchStart time.Time
	BatchEnd   time.Time
	Config     map[string]any
}

// Snapshot is one snapshot run: SQL selects the current state of the source;
// the adapter creates the snapshot table on the first run and records
// changes as new versions on later runs, all in one transaction.
type Snapshot struct {
	UniqueID  string
	Relation  Relation
	SQL       string
	Strategy  string   // "timestamp" or "check"
	UniqueKey []string // one or more columns
	// UniqueKeyList: unique_key is a list (dbt's staging table then names
	// the key columns dbt_unique_key_1, _2, ..., else dbt_unique_key).
	UniqueKeyList bool
	// NullKeysMatch is the behaviour flag enable_truthy_nulls_equals_macro:
	// dbt's equals, which joins a list unique_key's columns, then
	// matches NULL with NULL.
	NullKeysMatch bool
	UpdatedAt     string   // timestamp strategy: the column holding the row's last update
	CheckCols     []string // check strategy: columns compared; nil with CheckAll
	CheckAll      bool     // check_cols: all
	// HardDeletes: "ignore" (default), "invalidate" or "new_record".
	HardDeletes string
	// ValidToCurrent is a SQL expression used instead of NULL for dbt_valid_to of current rows ("" = NULL).
	ValidToCurrent string
	Columns        SnapshotColumns
	// Now is the snapshot's timestamp (check strategy, hard deletes), the same for every row of one run.
	Now time.Time
	// Config is the snapshot's config, for the keys one warehouse acts on
	// (Postgres's indexes).
	Config map[string]any
	// Custom, when set, is what the snapshot's strategy macro returned
	// (a custom strategy, or a project's replacement of dbt's): the
	// table is built from these expressions, as dbt's snapshot
	// materialization builds it, rather than from Strategy's columns.
	// UniqueKey then holds the macro's unique_key.
	Custom *SnapshotExprs
}

// SnapshotExprs are a snapshot strategy macro's SQL expressions.
type SnapshotExprs struct {
	// UpdatedAt gives a new version's dbt_updated_at and dbt_valid_from,
	// over the source rows' columns.
	UpdatedAt string
	// RowChanged says whether a current version (alias SnapshottedAlias)
	// differs from its source row (alias SourceAlias).
	RowChanged string
	// ScdID gives a new version's dbt_scd_id, over the source rows'
	// columns.
	ScdID string
}

// The aliases of a custom strategy's row_changed, as dbt's snapshot
// materialization names the two sides.
const (
	SnapshottedAlias = "snapshotted_data"
	SourceAlias      = "source_data"
)

// SnapshotColumns are the meta column names (snapshot_meta_column_names).
type SnapshotColumns struct {
	ScdID     string // default "dbt_scd_id"
	UpdatedAt string // default "dbt_updated_at"
	ValidFrom string // default "dbt_valid_from"
	ValidTo   string // default "dbt_valid_to"
	IsDeleted string // default "dbt_is_deleted" (hard_deletes: new_record only)
}

// DefaultSnapshotColumns returns dbt's default meta column names.
func DefaultSnapshotColumns() SnapshotColumns {
	return SnapshotColumns{ScdID: "dbt_scd_id", UpdatedAt: "dbt_updated_at", ValidFrom: "dbt_valid_from", ValidTo: "dbt_valid_to", IsDeleted: "dbt_is_deleted"}
}

// Incrementaler and Snapshotter are implemented by adapters that support
// incremental models and snapshots (every adapter is expected to).
type Incrementaler interface {
	// Incremental applies inc to its existing target in one transaction.
	Incremental(ctx context.Context, inc Incremental) (RunResult, error)
}

// Snapshotter runs snapshots.
type Snapshotter interface {
	Snapshot(ctx context.Context, s Snapshot) (RunResult, error)
}

// Sessioner is implemented by adapters that can run a series of
// statements on one connection: Session returns a context whose Exec and
// Query calls all use the same connection (so a temporary table one
// creates is seen by the next, as on dbt's one connection per node), and
// the function that gives the connection back.
type Sessioner interface {
	Session(ctx context.Context) (context.Context, func(), error)
}

// IndexCreator is implemented by adapters whose warehouse has the indexes
// config (Postgres): CreateIndexes creates on rel the indexes config
// lists, as dbt's create_indexes does. A project's materialization
// reaches it through create_indexes(relation).
type IndexCreator interface {
	CreateIndexes(ctx context.Context, rel Relation, config map[string]any) error
}
