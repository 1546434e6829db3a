package postgres

import (
	"context"
	"fmt"

	"github.com/elt-dev/elt/adapters"
)

var _ adapters.ManyDescriber = (*Adapter)(nil)

// DescribeMany describes rels with two catalog queries in all, where
// Describe takes two per relation: each a round trip to the server, which
// for a server across a network is most of the time `docs generate`
// spends. What it returns for each relation is what Describe returns. A
// relation in the connection's temporary schema (pg_temp) or with no
// schema and none configured is described alone.
func (a *Adapter) DescribeMany(ctx context.Context, rels []adapters.Relation) ([]*adapters.RelationInfo, error) {
	infos := make([]*adapters.RelationInfo, len(rels))
	type name struct{ schema, ident string }
	asked := map[name][]int{}
	var schemas, idents []string
	for i, rel := range rels {
		q := a.qualify(rel)
		if q.Schema == "" || q.Schema == "pg_temp" {
			info, err := a.Describe(ctx, rel)
			if err != nil {
				return nil, err
			}
			infos[i] = info
			continue
		}
		n := name{q.Schema, q.Identifier}
		if _, seen := asked[n]; !seen {
			schemas, idents = append(schemas, n.schema), append(idents, n.ident)
		}
		asked[n] = append(asked[n], i)
	}
	if len(schemas) == 0 {
		return infos, nil
	}
	found, err := describeNamed(ctx, a.pool, schemas, idents)
	if err != nil {
		return nil, fmt.Errorf("postgres: describe %d relations: %w", len(schemas), err)
	}
	for n, at := range asked {
		info := found[n.schema+"\x00"+n.ident]
		if info == nil {
			continue
		}
		info.Relation.Database = a.cfg.DBName // as Describe names it
		for _, i := range at {
			infos[i] = info.Clone() // each entry its own, as Describe's are
		}
	}
	return infos, nil
}

// describeNamed reads what describe reads for each relation named by
// schemas[i] and idents[i] (exactly, as relationFilter compares them), by
// "schema\x00identifier"; a name not found, or held by an index or a
// sequence, has no entry.
func describeNamed(ctx context.Context, q querier, schemas, idents []string) (map[string]*adapters.RelationInfo, error) {
	const named = `(n.nspname, c.relname) in (select * from unnest($1::text[], $2::text[]))`
	rows, err := q.Query(ctx, `select n.nspname, c.relname, c.relkind::text,
			coalesce(pg_catalog.obj_description(c.oid, 'pg_class'), ''),
			pg_catalog.pg_get_userbyid(c.relowner),
			c.reltuples::float8
		from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
		where `+named, schemas, idents)
	if err != nil {
		return nil, adapters.ContextError(ctx, err)
	}
	found := map[string]*adapters.RelationInfo{}
	for rows.Next() {
		var (
			info     adapters.RelationInfo
			relkind  string
			reltuple float64
		)
		if err := rows.Scan(&info.Relation.Schema, &info.Relation.Identifier, &relkind, &info.Comment, &info.Owner, &reltuple); err != nil {
			rows.Close()
			return nil, err
		}
		if !catalogEntry(&info, relkind, reltuple) {
			continue
		}
		info.Columns = []adapters.Column{}
		found[info.Relation.Schema+"\x00"+info.Relation.Identifier] = &info
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, adapters.ContextError(ctx, err)
	}
	rows, err = q.Query(ctx, `select n.nspname, c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
			row_number() over (partition by a.attrelid order by a.attnum),
			coalesce(pg_catalog.col_description(a.attrelid, a.attnum), '')
		from pg_catalog.pg_attribute a
		join pg_catalog.pg_class c on c.oid = a.attrelid
		join pg_catalog.pg_namespace n on n.oid = c.relnamespace
		where `+named+` and a.attnum > 0 and not a.attisdropped
		order by n.nspname, c.relname, a.attnum`, schemas, idents)
	if err != nil {
		return nil, adapters.ContextError(ctx, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			schema, ident string
			c             adapters.Column
			idx           int64
		)
		if err := rows.Scan(&schema, &ident, &c.Name, &c.DataType, &idx, &c.Comment); err != nil {
			return nil, err
		}
		c.Index = int(idx)
		if info := found[schema+"\x00"+ident]; info != nil {
			info.Columns = append(info.Columns, c)
		}
	}
	return found, adapters.ContextError(ctx, rows.Err())
}
