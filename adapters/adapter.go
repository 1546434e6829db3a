// Package adapters defines the one interface every warehouse implements and
// what all adapters share. Each warehouse lives in its own sub-package
// (duckdb, later postgres, snowflake, bigquery) and no driver type leaks out.
package adapters

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"

	"github.com/elt-dev/elt/internal/cmdtag"
)

// Relation is database.schema.identifier.
type Relation struct {
	Database, Schema, Identifier string
}

// Dialect is the pure, no-I/O part of an adapter: quoting and naming.
// It satisfies compiler.Dialect structurally.
type Dialect interface {
	Type() string
	Quote(ident string) string
	RenderRelation(r Relation) string
	// MaxIdentifierLength is the longest name part, in bytes, the
	// warehouse keeps without truncating it; 0 means no limit.
	MaxIdentifierLength() int
}

// Column is one column of a relation, in ordinal order.
type Column struct {
	Name     string
	DataType string
	Index    int // 1-based
	Comment  string
}

// Result is a small query result held in memory.
type Result struct {
	Columns []string
	// Types are the columns' types as the warehouse names them ("DATE",
	// "TIMESTAMP", "TIMESTAMPTZ"...), upper case; nil or "" where the
	// driver does not say.
	Types []string
	Rows  [][]any
	// Status is the warehouse's status of the statement (PostgreSQL's
	// command tag, "INSERT 0 2"), and RowsAffected the rows it says the
	// statement wrote or read; "" where the driver gives none.
	Status       string
	RowsAffected int64
}

// Response is r's adapter_response as dbt-postgres makes it from the
// statement's status; nil when the driver gave no status.
func (r *Result) Response() map[string]any { return cmdtag.Response(r.Status, r.RowsAffected) }

// Count reads a count (count(*), a sum of integers) from a Result as any
// warehouse's driver returns it: an integer of any width, a whole float,
// a big integer (DuckDB's HUGEINT) or decimal text (Snowflake's NUMBER);
// NULL is 0.
func Count(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int32:
		return int64(x), nil
	case int:
		return int64(x), nil
	case float64:
		return int64(x), nil
	case *big.Int:
		return x.Int64(), nil
	case string:
		return strconv.ParseInt(x, 10, 64)
	case []byte:
		return strconv.ParseInt(string(x), 10, 64)
	case nil:
		return 0, nil
	}
	return 0, fmt.Errorf("unexpected count of type %T", v)
}

// RelationKind is "table", "view" or "" when the relation does not exist.
type RelationKind string

const (
	KindNone  RelationKind = ""
	KindTable RelationKind = "table"
	KindView  RelationKind = "view"
)

// Model is what to build for one model node.
type Model struct {
	UniqueID     string
	Relation     Relation
	Materialized string         // "table", "view" or "materialized_view" ("ephemeral" is never sent here)
	SQL          string         // compiled select statement
	Config       map[string]any // the node's final config, for adapter-specific options
	// Contract, when set, is the model's enforced contract: a table is
	// created with its columns and constraints (contract.go).
	Contract *Contract
	// FullRefresh rebuilds a materialized view that would otherwise be
	// refreshed in place.
	FullRefresh bool
}

// Seed is one CSV to load.
type Seed struct {
	UniqueID     string
	Relation     Relation
	Path         string            // absolute path of the CSV file
	ColumnTypes  map[string]string // column name -> warehouse type
	QuoteColumns bool
	// QuoteColumnsSet says the seed's config sets quote_columns; when it
	// does not, each adapter keeps dbt's default for its warehouse
	// (quoted on Postgres and DuckDB, unquoted on Snowflake).
	QuoteColumnsSet bool
	Delimiter       string // default ","
	FullRefresh     bool
	// Config is the seed's config, for the keys one warehouse acts on
	// (Postgres's indexes).
	Config map[string]any
}

// RunResult is what the warehouse said about a statement.
type RunResult struct {
	Message      string // like dbt's adapter_response._message, e.g. "OK", "INSERT 12"
	RowsAffected int64  // -1 when unknown
	// Code is adapter_response.code where the warehouse reports one
	// (PostgreSQL's command tag without its counts: "SELECT"), else "".
	Code string
	// Warnings are problems that did not stop the build, in the order found.
	Warnings []Warning
}

// Warning is something a build did that the user should know about but
// that did not stop it (e.g. *DuplicateKeyWarning). The runner reports it
// with the node's result.
type Warning interface {
	// Event names the warning in structured logs, e.g. "SnapshotDuplicateKey".
	Event() string
	String() string
}

// Adapter is what the runner and the tests need from a warehouse.
// Every method that does I/O takes a context and honours its cancellation.
type Adapter interface {
	Dialect() Dialect
	Exec(ctx context.Context, sql string) error
	Query(ctx context.Context, sql string) (*Result, error)
	Columns(ctx context.Context, rel Relation) ([]Column, error)
	RelationKind(ctx context.Context, rel Relation) (RelationKind, error)
	CreateSchema(ctx context.Context, database, schema string) error
	// Materialize builds a table or view atomically: built under a unique
	// temporary name and swapped in within one transaction, so a failure
	// leaves the previous relation and its rows intact.
	Materialize(ctx context.Context, m Model) (RunResult, error)
	LoadSeed(ctx context.Context, s Seed) (RunResult, error)
	Close() error
}

// ErrDatabaseLocked is returned (wrapped) by Open when another process holds the database.
var ErrDatabaseLocked = errors.New("database file is in use by another process")

// RelationInfo is what the warehouse's catalog says about one relation,
// for catalog.json.
type RelationInfo struct {
	Relation Relation // as the warehouse spells it
	// Type is the warehouse's table type, as dbt's catalog macros write
	// it: "BASE TABLE", "VIEW", "MATERIALIZED VIEW".
	Type    string
	Comment string // "" when none
	Owner   string // "" when the warehouse has no owners (DuckDB)
	Columns []Column
	// Stats are catalog.json's statistics: only those dbt's adapter for
	// the warehouse reports (dbt-postgres and dbt-duckdb report none).
	Stats []Stat
	// RowCount is the warehouse's estimate of a table's rows, nil when
	// it has none: for elt's own use (profile estimates, the docs site's
	// row count), not a catalog statistic.
	RowCount *int64
}

// Stat is one table statistic, as dbt's catalog stats items: e.g.
// {ID: "row_count", Label: "Row Count", Value: 42, Include: true}.
type Stat struct {
	ID, Label   string
	Value       any // bool, string, number or nil
	Include     bool
	Description string
}

// Describer is implemented by adapters that can read a relation's catalog
// entry (type, comment, owner, columns, statistics) in one call. Adapters
// without it are described from RelationKind and Columns alone.
type Describer interface {
	// Describe returns nil, nil when rel does not exist.
	Describe(ctx context.Context, rel Relation) (*RelationInfo, error)
}

// ManyDescriber is implemented by adapters whose catalog is cheaper to read
// for many relations at once than one relation at a time (DuckDB's catalog
// functions list every relation of every database on each call, so a
// Describe per relation made describing a project grow with the square
// of its size).
type ManyDescriber interface {
	// DescribeMany returns one entry per relation of rels, in order; an
	// entry is nil when its relation does not exist.
	DescribeMany(ctx context.Context, rels []Relation) ([]*RelationInfo, error)
}

// Clone copies info, its columns and statistics included, for a caller
// that hands one catalog entry to several relations.
func (info *RelationInfo) Clone() *RelationInfo {
	cp := *info
	cp.Columns, cp.Stats = slices.Clone(info.Columns), slices.Clone(info.Stats)
	return &cp
}
