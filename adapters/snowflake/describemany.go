package snowflake

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/elt-dev/elt/adapters"
)

var _ adapters.ManyDescriber = (*Adapter)(nil)

// CatalogTablesQuery lists the tables and views of schemas (as the catalog
// spells them) in database: for describing many relations with one query
// per database, as dbt's catalog does, where RelationKindQuery asks about
// one relation.
func (p Planner) CatalogTablesQuery(database string, schemas []string) string {
	return "select table_schema, table_name, table_type\nfrom " + p.informationSchema(database) + ".tables\n" +
		"where table_schema in (" + literals(schemas) + ")\n" +
		"order by table_schema, table_name"
}

// CatalogColumnsQuery lists the columns of every relation of schemas in
// database, in order, with what ColumnsQuery reads of each.
func (p Planner) CatalogColumnsQuery(database string, schemas []string) string {
	return "select table_schema, table_name, " + columnFields + "\n" +
		"from " + p.informationSchema(database) + ".columns\n" +
		"where table_schema in (" + literals(schemas) + ")\n" +
		"order by table_schema, table_name, ordinal_position"
}

func literals(ss []string) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = literal(s)
	}
	return strings.Join(out, ", ")
}

// DescribeMany describes rels with two information-schema queries per
// database they name, where describing them one at a time takes two
// queries per relation (each a round trip to Snowflake's cloud services):
// what it returns for each relation is what adapters.Describe returns.
func (a *Adapter) DescribeMany(ctx context.Context, rels []adapters.Relation) ([]*adapters.RelationInfo, error) {
	d := a.planner.Dialect
	stored := make([]adapters.Relation, len(rels))
	schemas := map[string]map[string]bool{} // database as given -> stored schemas
	for i, rel := range rels {
		q := a.qualify(rel)
		if q.Database == "" || q.Schema == "" {
			return nil, errors.New("snowflake: describe: a relation without a database or schema, and none configured")
		}
		stored[i] = d.storedRelation(q)
		// The information schema is the database's as written (as
		// ColumnsQuery names it); its rows carry the stored spelling.
		if schemas[q.Database] == nil {
			schemas[q.Database] = map[string]bool{}
		}
		schemas[q.Database][stored[i].Schema] = true
	}
	var cat catalogRows
	for _, database := range slices.Sorted(maps.Keys(schemas)) {
		list := slices.Sorted(maps.Keys(schemas[database]))
		db := d.storedRelation(adapters.Relation{Database: database}).Database
		res, err := a.queryAll(ctx, a.db, a.planner.CatalogTablesQuery(database, list))
		if err != nil {
			return nil, fmt.Errorf("snowflake: describe the relations of %s: %w", database, err)
		}
		for _, r := range res.Rows {
			cat.tables = append(cat.tables, adapters.CatalogTable{Name: adapters.CatalogName{Database: db, Schema: fmt.Sprint(r[0]), Name: fmt.Sprint(r[1])}, Type: fmt.Sprint(r[2])})
		}
		cols, err := a.catalogColumnRows(ctx, a.planner.CatalogColumnsQuery(database, list))
		if err != nil {
			return nil, fmt.Errorf("snowflake: describe the columns of %s: %w", database, err)
		}
		for i := range cols {
			cols[i].Table.Database = db
		}
		cat.columns = append(cat.columns, cols...)
	}
	return cat.describe(rels, stored), nil
}

func (a *Adapter) catalogColumnRows(ctx context.Context, query string) ([]adapters.CatalogColumn, error) {
	a.trace(ctx, query)
	rows, err := a.db.QueryContext(ctx, adapters.CommentSQL(ctx, query))
	if err != nil {
		return nil, adapters.ContextError(ctx, err)
	}
	defer rows.Close()
	var out []adapters.CatalogColumn
	for rows.Next() {
		var (
			c   adapters.CatalogColumn
			row columnRow
		)
		if err := rows.Scan(append([]any{&c.Table.Schema, &c.Table.Name}, row.dest()...)...); err != nil {
			return nil, err
		}
		c.Column = row.column()
		out = append(out, c)
	}
	return out, adapters.ContextError(ctx, rows.Err())
}

// catalogRows is what the catalog queries read, with the database (as
// stored) of each row.
type catalogRows struct {
	tables  []adapters.CatalogTable
	columns []adapters.CatalogColumn
}

// describe answers for each relation what adapters.Describe answers from
// RelationKind and Columns: nil when no table or view of its stored name
// exists but a temporary one; else type "BASE TABLE" or "VIEW" and the
// columns of every row of its name (names as Columns reports them), with
// the relation as it was asked for.
func (c catalogRows) describe(rels, stored []adapters.Relation) []*adapters.RelationInfo {
	kinds := map[adapters.CatalogName]adapters.RelationKind{}
	for _, t := range c.tables {
		if kind := relationKind(t.Type); kind != adapters.KindNone && !strings.Contains(strings.ToUpper(t.Type), "TEMPORARY") {
			if _, seen := kinds[t.Name]; !seen {
				kinds[t.Name] = kind
			}
		}
	}
	cols := make([]adapters.CatalogColumn, len(c.columns))
	for i, col := range c.columns {
		col.Column.Name = displayName(col.Column.Name)
		cols[i] = col
	}
	names := make([]adapters.CatalogName, len(rels))
	for i, s := range stored {
		names[i] = adapters.CatalogName{Database: s.Database, Schema: s.Schema, Name: s.Identifier}
	}
	return adapters.CatalogInfos(rels, names, kinds, cols)
}
