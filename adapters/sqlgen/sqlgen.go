package sqlgen

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/elt-dev/elt/adapters"
)

// Tx is an open transaction, as the statement runners use it. Each
// adapter wraps its driver's transaction in one.
type Tx interface {
	// Exec runs a statement and returns the rows it affected.
	Exec(ctx context.Context, query string) (int64, error)
	// QueryInt runs a query that returns one integer, such as count(*).
	QueryInt(ctx context.Context, query string) (int64, error)
	// Query runs a query and returns all its rows.
	Query(ctx context.Context, query string) (*adapters.Result, error)
	// Columns lists rel's columns in order; none if it does not exist.
	Columns(ctx context.Context, rel adapters.Relation) ([]adapters.Column, error)
	// TableColumns lists the columns of rel, a table the transaction
	// knows exists (it made it, or RelationKind said so), in order;
	// comments may be left empty. A warehouse whose look-up of whether a
	// relation exists is costly skips it here.
	TableColumns(ctx context.Context, rel adapters.Relation) ([]adapters.Column, error)
	// RelationKind says whether rel is a table, a view or absent.
	RelationKind(ctx context.Context, rel adapters.Relation) (adapters.RelationKind, error)
	// DropRelation drops rel, whatever kind of relation it is, if it
	// exists.
	DropRelation(ctx context.Context, rel adapters.Relation) error
}

// Warehouse holds what differs between the warehouses this package serves.
// Every function field must be set; a false flag is DuckDB's behaviour.
type Warehouse struct {
	// TempRelation names the temporary table ident (already unique).
	TempRelation func(ident string) adapters.Relation
	// MaxIdentLen is the longest identifier the warehouse keeps, in
	// bytes; 0 for no limit. Temporary names are shortened to fit.
	MaxIdentLen int
	// OnCommitDrop: temporary tables are created ON COMMIT DROP
	// (PostgreSQL). Otherwise they outlive the transaction on the pooled
	// connection, and the runs drop them before committing.
	OnCommitDrop bool
	// QualifiedSnapshotTemps: a snapshot's CREATE TEMPORARY TABLE names
	// the table in full (DuckDB's temp.main.name) rather than by its
	// identifier alone. Kept so that no statement changes.
	QualifiedSnapshotTemps bool

	// CountCreatedRows: CREATE TABLE AS reports no row count (DuckDB), so
	// a new table's rows are counted.
	CountCreatedRows bool
	// CommandTags: a build's result is the server's command tag of its
	// last statement, as dbt-postgres reports it (SELECT n for a table,
	// CREATE VIEW, INSERT 0 n, MERGE n), with its code.
	CommandTags bool
	// ReplaceViewsInPlace: a view is rebuilt with CREATE OR REPLACE VIEW
	// (after dropping a table of its name) rather than renamed into place.
	ReplaceViewsInPlace bool

	// ExprType is the type of expr, the one column that query selects
	// from the snapshot's source rows. temp makes a temporary table from a
	// query, for warehouses that must create one to learn its types.
	ExprType func(ctx context.Context, tx Tx, expr, query string, temp func(query string) (adapters.Relation, error)) (string, error)
	// TypedValidTo: a snapshot's valid-to value is cast to the column's
	// type wherever it is inserted, not only when the table is created
	// (PostgreSQL does not convert a text literal in INSERT ... SELECT).
	TypedValidTo bool

	// QuotedKeysExact: a double-quoted unique_key ("col_A"), or a
	// snapshot's updated_at or check_cols, names the column spelled
	// exactly so (PostgreSQL). DuckDB keeps no case in a quoted identifier
	// either, so there it names the column in any case.
	QuotedKeysExact bool
	// CastToTarget: where the new rows' type of an incremental column
	// differs from the target's, their values are cast to the target's
	// type (PostgreSQL converts few types implicitly).
	CastToTarget bool
	// AlterTypeUsing: ALTER COLUMN ... TYPE says USING col::type
	// (PostgreSQL only converts implicitly between a few types).
	AlterTypeUsing bool
	// OrderByPosition: samples are ordered by column positions rather than
	// ORDER BY ALL, which PostgreSQL lacks; subqueries in FROM get an alias,
	// which PostgreSQL before 16 requires.
	OrderByPosition bool
	// WithTimeZone says whether a column type holds instants (a time zone)
	// rather than wall times.
	WithTimeZone func(dataType string) bool
	// FilteredBatches: a microbatch inserts only the new rows in its
	// batch's window, and incremental_predicates narrow its delete, as
	// dbt-duckdb's duckdb__get_incremental_microbatch_sql (1.10.1) does;
	// a unique_key is refused there. Otherwise the batch's delete takes
	// the window and every new row is inserted.
	FilteredBatches bool
	// DeleteTargetAsDBTDuckDB: a delete+insert's delete names the target
	// as dbt-duckdb's does (duckdb__get_delete_insert_merge_sql), which
	// incremental_predicates refer to: DBT_INCREMENTAL_TARGET for a key of
	// several columns, the table itself (no alias) for one. Otherwise
	// dbt's DBT_INTERNAL_DEST (with predicates) or t.
	DeleteTargetAsDBTDuckDB bool
	// Unlogged: a table whose config says unlogged is created UNLOGGED, as
	// dbt-postgres's create_table_as does (models, snapshots, stored test
	// failures).
	Unlogged bool
}

// createTable begins the CREATE TABLE of a node's table under the node's
// config cfg.
func (w Warehouse) createTable(cfg map[string]any) string {
	if w.Unlogged && configTruthy(cfg["unlogged"]) {
		return "create unlogged table "
	}
	return "create table "
}

// configTruthy is Jinja's truth of a config value, as
// config.get('unlogged', default=false) is tested.
func configTruthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case int:
		return x != 0
	case int64:
		return x != 0
	case float64:
		return x != 0
	}
	return true
}

// TempName is unique per call, so concurrent runs and retries never
// collide. The identifier is shortened where the warehouse limits names, so
// that the random part survives.
func (w Warehouse) TempName(ident string) string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	suffix := "__elt_tmp_" + hex.EncodeToString(b[:])
	if w.MaxIdentLen > 0 {
		if max := w.MaxIdentLen - len(suffix); len(ident) > max {
			ident = ident[:max]
			for !utf8.ValidString(ident) {
				ident = ident[:len(ident)-1]
			}
		}
	}
	return ident + suffix
}

// onCommit is what CREATE TEMPORARY TABLE says between the name and AS.
func (w Warehouse) onCommit() string {
	if w.OnCommitDrop {
		return " on commit drop"
	}
	return ""
}

// Quote wraps ident in double quotes, doubling any embedded double quote.
func Quote(ident string) string {
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}

// RenderRelation renders "database"."schema"."identifier", leaving out
// empty parts.
func RenderRelation(r adapters.Relation) string {
	parts := make([]string, 0, 3)
	for _, p := range []string{r.Database, r.Schema, r.Identifier} {
		if p != "" {
			parts = append(parts, Quote(p))
		}
	}
	return strings.Join(parts, ".")
}

// Literal renders s as a SQL string literal. A backslash is an ordinary
// character (standard_conforming_strings in PostgreSQL).
func Literal(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// TrimStatement drops trailing semicolons and blank space, so a model that
// ends in ";" can still be wrapped in create ... as ( ... ).
func TrimStatement(sql string) string {
	return strings.TrimRight(strings.TrimSpace(sql), "; \t\r\n")
}

// TimeLiteral renders t as a TIMESTAMP without time zone (UTC,
// microseconds), as dbt's snapshots record it.
func TimeLiteral(t time.Time) string {
	return "timestamp '" + t.UTC().Format("2006-01-02 15:04:05.999999") + "'"
}

// dialect quotes and renders relations for the builders.
type dialect struct{}

func (dialect) Quote(ident string) string                 { return Quote(ident) }
func (dialect) RenderRelation(r adapters.Relation) string { return RenderRelation(r) }

// result is the RunResult of a build whose last statement was of kind
// (table, view, insert, merge), writing rows: elt's message ("OK",
// "INSERT n"...), or the command tag where the warehouse reports them.
func (w Warehouse) result(kind string, rows int64, msg string) adapters.RunResult {
	if !w.CommandTags {
		return adapters.RunResult{Message: msg, RowsAffected: rows}
	}
	switch kind {
	case "table":
		return adapters.RunResult{Message: fmt.Sprintf("SELECT %d", rows), Code: "SELECT", RowsAffected: rows}
	case "view":
		return adapters.RunResult{Message: "CREATE VIEW", Code: "CREATE VIEW", RowsAffected: rows}
	case "insert":
		return adapters.RunResult{Message: fmt.Sprintf("INSERT 0 %d", rows), Code: "INSERT", RowsAffected: rows}
	case "merge":
		return adapters.RunResult{Message: fmt.Sprintf("MERGE %d", rows), Code: "MERGE", RowsAffected: rows}
	}
	return adapters.RunResult{Message: msg, RowsAffected: rows}
}
