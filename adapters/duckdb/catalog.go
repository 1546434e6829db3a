package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/elt-dev/elt/adapters"
)

// DuckDB resolves identifiers case-insensitively even when quoted ("Orders"
// and "orders" are one table), so catalog look-ups compare names the same
// way. An empty database or schema means the current one.
const relationFilter = `lower(database_name) = lower(coalesce(nullif(?, ''), current_database()))
	and lower(schema_name) = lower(coalesce(nullif(?, ''), current_schema()))
	and lower(%s) = lower(?)`

// Columns lists the columns of a table or view in order, with DuckDB's type
// names (INTEGER, VARCHAR, DECIMAL(18,3), ...). A relation that does not
// exist has no columns.
func (a *Adapter) Columns(ctx context.Context, rel adapters.Relation) ([]adapters.Column, error) {
	cols, err := columns(ctx, a.db, rel)
	if err != nil {
		return nil, fmt.Errorf("duckdb: columns of %s: %w", Dialect{}.RenderRelation(rel), err)
	}
	return cols, nil
}

func columns(ctx context.Context, q queryer, rel adapters.Relation) ([]adapters.Column, error) {
	rows, err := q.QueryContext(ctx, `select column_name, data_type, column_index, coalesce(comment, '')
		from duckdb_columns()
		where `+fmt.Sprintf(relationFilter, "table_name")+`
		order by column_index`, rel.Database, rel.Schema, rel.Identifier)
	if err != nil {
		return nil, adapters.ContextError(ctx, err)
	}
	defer rows.Close()
	cols := []adapters.Column{}
	for rows.Next() {
		var c adapters.Column
		if err := rows.Scan(&c.Name, &c.DataType, &c.Index, &c.Comment); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, adapters.ContextError(ctx, rows.Err())
}

// RelationKind says whether rel is a table, a view or absent.
func (a *Adapter) RelationKind(ctx context.Context, rel adapters.Relation) (adapters.RelationKind, error) {
	kind, ok, err := a.kinds.kind(ctx, a.db, a.kinds.current(), rel)
	if !ok && err == nil {
		kind, err = relationKind(ctx, a.db, rel)
	}
	if err != nil {
		return adapters.KindNone, fmt.Errorf("duckdb: relation kind of %s: %w", Dialect{}.RenderRelation(rel), err)
	}
	return kind, nil
}

type rowQueryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func relationKind(ctx context.Context, q rowQueryer, rel adapters.Relation) (adapters.RelationKind, error) {
	var kind string
	err := q.QueryRowContext(ctx, `
		select 'table' from duckdb_tables() where not temporary and `+fmt.Sprintf(relationFilter, "table_name")+`
		union all
		select 'view' from duckdb_views() where not internal and not temporary and `+fmt.Sprintf(relationFilter, "view_name")+`
		limit 1`,
		rel.Database, rel.Schema, rel.Identifier, rel.Database, rel.Schema, rel.Identifier).Scan(&kind)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return adapters.KindNone, nil
	case err != nil:
		return adapters.KindNone, adapters.ContextError(ctx, err)
	}
	return adapters.RelationKind(kind), nil
}

// CreateSchema creates database.schema unless it exists.
func (a *Adapter) CreateSchema(ctx context.Context, database, schema string) error {
	name := Dialect{}.RenderRelation(adapters.Relation{Database: database, Schema: schema})
	a.schemaMu.Lock()
	defer a.schemaMu.Unlock()
	if _, err := a.db.ExecContext(ctx, "create schema if not exists "+name); err != nil {
		return fmt.Errorf("duckdb: create schema %s: %w", name, adapters.ContextError(ctx, err))
	}
	return nil
}

// Describe reads rel's catalog entry: its type ("BASE TABLE" or "VIEW", as
// dbt-duckdb's catalog macro writes them), comment, columns and, for a
// table, DuckDB's estimated row count. nil when rel does not exist.
func (a *Adapter) Describe(ctx context.Context, rel adapters.Relation) (*adapters.RelationInfo, error) {
	info, err := describe(ctx, a.db, rel)
	if err != nil {
		return nil, fmt.Errorf("duckdb: describe %s: %w", Dialect{}.RenderRelation(rel), err)
	}
	return info, nil
}

func describe(ctx context.Context, q *sql.DB, rel adapters.Relation) (*adapters.RelationInfo, error) {
	var (
		info adapters.RelationInfo
		rows sql.NullInt64
	)
	err := q.QueryRowContext(ctx, `
		select database_name, schema_name, table_name, 'BASE TABLE', coalesce(comment, ''), estimated_size
		from duckdb_tables() where not temporary and `+fmt.Sprintf(relationFilter, "table_name")+`
		union all
		select database_name, schema_name, view_name, 'VIEW', coalesce(comment, ''), null
		from duckdb_views() where not internal and not temporary and `+fmt.Sprintf(relationFilter, "view_name")+`
		limit 1`,
		rel.Database, rel.Schema, rel.Identifier, rel.Database, rel.Schema, rel.Identifier).Scan(
		&info.Relation.Database, &info.Relation.Schema, &info.Relation.Identifier, &info.Type, &info.Comment, &rows)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, adapters.ContextError(ctx, err)
	}
	if info.Columns, err = columns(ctx, q, info.Relation); err != nil {
		return nil, err
	}
	if rows.Valid {
		info.Stats = []adapters.Stat{{ID: "row_count", Label: "Row Count", Value: rows.Int64, Include: true,
			Description: "Approximate number of rows in the table as reported by DuckDB"}}
	}
	return &info, nil
}
