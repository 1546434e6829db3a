package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/elt-dev/elt/adapters"
)

// PostgreSQL resolves quoted names exactly, so look-ups compare names as
// they are. A connection's temporary schema is reached as "pg_temp", as in
// SQL. The database part of a relation is not compared: a connection only
// sees its own database.
const relationFilter = `c.relnamespace = (select n.oid from pg_catalog.pg_namespace n
		where n.nspname = coalesce(nullif($1, ''), current_schema())
		   or ($1 = 'pg_temp' and n.oid = pg_catalog.pg_my_temp_schema())
		order by n.nspname = $1 desc limit 1)
	and c.relname = $2`

// Columns lists the columns of a table or view in order, with PostgreSQL's
// type names as format_type writes them (integer, text, numeric(18,3),
// timestamp without time zone, ...), which are valid in DDL. A relation that
// does not exist has no columns.
func (a *Adapter) Columns(ctx context.Context, rel adapters.Relation) ([]adapters.Column, error) {
	q := a.querier(ctx) // a session's own temporary tables are seen on it alone
	if rel.Schema == "" {
		// A name without a schema is found as PostgreSQL finds it: the
		// session's temporary tables first (dbt-postgres' make_temp_relation
		// leaves the schema unset, and its columns query then filters on
		// the name alone).
		tmp := rel
		tmp.Schema = "pg_temp"
		if cols, err := columns(ctx, q, tmp); err == nil && len(cols) > 0 {
			return cols, nil
		}
	}
	rel = a.qualify(rel)
	cols, err := columns(ctx, q, rel)
	if err != nil {
		return nil, fmt.Errorf("postgres: columns of %s: %w", Dialect{}.RenderRelation(rel), err)
	}
	return cols, nil
}

func columns(ctx context.Context, q querier, rel adapters.Relation) ([]adapters.Column, error) {
	rows, err := q.Query(ctx, `select a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
		row_number() over (order by a.attnum),
		coalesce(pg_catalog.col_description(a.attrelid, a.attnum), '')
	from pg_catalog.pg_attribute a
	where a.attrelid = (select c.oid from pg_catalog.pg_class c where `+relationFilter+`)
		and a.attnum > 0 and not a.attisdropped
	order by a.attnum`, rel.Schema, rel.Identifier)
	if err != nil {
		return nil, adapters.ContextError(ctx, err)
	}
	defer rows.Close()
	cols := []adapters.Column{}
	for rows.Next() {
		var c adapters.Column
		var idx int64
		if err := rows.Scan(&c.Name, &c.DataType, &idx, &c.Comment); err != nil {
			return nil, err
		}
		c.Index = int(idx)
		cols = append(cols, c)
	}
	return cols, adapters.ContextError(ctx, rows.Err())
}

// RelationKind says whether rel is a table, a view or absent. Partitioned
// and foreign tables are tables; materialized views are views.
func (a *Adapter) RelationKind(ctx context.Context, rel adapters.Relation) (adapters.RelationKind, error) {
	rel = a.qualify(rel)
	kind, _, err := relationKind(ctx, a.pool, rel)
	if err != nil {
		return adapters.KindNone, fmt.Errorf("postgres: relation kind of %s: %w", Dialect{}.RenderRelation(rel), err)
	}
	return kind, nil
}

// relationKind also returns the keyword that drops the relation (table,
// view, materialized view, foreign table).
func relationKind(ctx context.Context, q querier, rel adapters.Relation) (adapters.RelationKind, string, error) {
	var relkind string
	err := q.QueryRow(ctx, `select c.relkind::text from pg_catalog.pg_class c where `+relationFilter, rel.Schema, rel.Identifier).Scan(&relkind)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return adapters.KindNone, "", nil
	case err != nil:
		return adapters.KindNone, "", adapters.ContextError(ctx, err)
	}
	switch relkind {
	case "r", "p":
		return adapters.KindTable, "table", nil
	case "f":
		return adapters.KindTable, "foreign table", nil
	case "v":
		return adapters.KindView, "view", nil
	case "m":
		return adapters.KindView, "materialized view", nil
	}
	// An index, sequence or composite type holds the name.
	return adapters.KindNone, "", fmt.Errorf("%s exists but is neither a table nor a view (relkind %q)", Dialect{}.RenderRelation(rel), relkind)
}

// CreateSchema creates database.schema unless it exists. database must be
// the connected one (PostgreSQL cannot create objects in another database).
func (a *Adapter) CreateSchema(ctx context.Context, database, schema string) error {
	d := Dialect{}
	name := d.RenderRelation(adapters.Relation{Database: database, Schema: schema})
	if database != "" && database != a.cfg.DBName {
		return fmt.Errorf("postgres: create schema %s: connected to database %q; PostgreSQL cannot create schemas in another database", name, a.cfg.DBName)
	}
	_, err := a.pool.Exec(ctx, adapters.CommentSQL(ctx, "create schema if not exists "+d.Quote(schema)))
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == codeUniqueViolation || pe.Code == codeDuplicateSchema) {
		// Another connection created it at the same moment: "if not
		// exists" does not lock against that race.
		return nil
	}
	if err != nil {
		err = a.permissionError(err, fmt.Sprintf("create schema %q in database %q", schema, a.cfg.DBName),
			fmt.Sprintf("grant create on database %s to %s, or set schema in profiles.yml to one that exists", d.Quote(a.cfg.DBName), d.Quote(a.cfg.User)))
		var ce *ConnectError
		if errors.As(err, &ce) {
			return ce
		}
		return fmt.Errorf("postgres: create schema %s: %w", name, adapters.ContextError(ctx, err))
	}
	return nil
}

// DropSchema drops schema and everything in it, if it exists. PostgreSQL
// names schemas without their database, so database must be the connected
// one (or empty).
func (a *Adapter) DropSchema(ctx context.Context, database, schema string) error {
	if database != "" && database != a.cfg.DBName {
		return fmt.Errorf("postgres: drop schema %q: connected to database %q, not %q", schema, a.cfg.DBName, database)
	}
	if _, err := a.pool.Exec(ctx, "drop schema if exists "+Dialect{}.Quote(schema)+" cascade"); err != nil {
		return fmt.Errorf("postgres: drop schema %q: %w", schema, adapters.ContextError(ctx, err))
	}
	return nil
}

// Describe reads rel's catalog entry as dbt-postgres's catalog macro does
// (type "BASE TABLE", "VIEW" or "MATERIALIZED VIEW"; the table's comment
// and owner), with the columns in order and, for a table that has been
// analyzed, the planner's row estimate and its size on disk. nil when rel
// does not exist.
func (a *Adapter) Describe(ctx context.Context, rel adapters.Relation) (*adapters.RelationInfo, error) {
	rel = a.qualify(rel)
	info, err := describe(ctx, a.pool, rel)
	if err != nil {
		return nil, fmt.Errorf("postgres: describe %s: %w", Dialect{}.RenderRelation(rel), err)
	}
	if info != nil {
		info.Relation.Database = a.cfg.DBName
	}
	return info, nil
}

func describe(ctx context.Context, q querier, rel adapters.Relation) (*adapters.RelationInfo, error) {
	var (
		info     adapters.RelationInfo
		relkind  string
		reltuple float64
	)
	err := q.QueryRow(ctx, `select n.nspname, c.relname, c.relkind::text,
			coalesce(pg_catalog.obj_description(c.oid, 'pg_class'), ''),
			pg_catalog.pg_get_userbyid(c.relowner),
			c.reltuples::float8
		from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
		where `+relationFilter, rel.Schema, rel.Identifier).Scan(
		&info.Relation.Schema, &info.Relation.Identifier, &relkind, &info.Comment, &info.Owner, &reltuple)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, adapters.ContextError(ctx, err)
	}
	if !catalogEntry(&info, relkind, reltuple) {
		return nil, nil // an index or sequence holds the name: no relation to describe
	}
	if info.Columns, err = columns(ctx, q, info.Relation); err != nil {
		return nil, err
	}
	return &info, nil
}

// catalogEntry sets info's type and row estimate from pg_class's relkind
// and reltuples; false when relkind is no table or view (an index or a
// sequence). It sets no catalog statistics: dbt-postgres's catalog query
// (postgres__get_catalog) has no stats columns, so dbt's catalog.json
// has only has_stats, false.
func catalogEntry(info *adapters.RelationInfo, relkind string, reltuple float64) bool {
	table := false
	switch relkind {
	case "v":
		info.Type = "VIEW"
	case "m":
		info.Type = "MATERIALIZED VIEW"
	case "r", "p", "f":
		info.Type, table = "BASE TABLE", true
	default:
		return false
	}
	// reltuples is -1 (PostgreSQL 14+) or 0 before the first VACUUM or
	// ANALYZE: then there is no estimate to report.
	if table && reltuple > 0 {
		n := int64(reltuple)
		info.RowCount = &n
	}
	return true
}
