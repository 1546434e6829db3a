package bigquery

import (
	"context"
	"sort"

	"github.com/elt-dev/elt/adapters"
)

var _ adapters.ManyDescriber = (*Adapter)(nil)

// CatalogTablesQuery lists the tables and views of a dataset: for
// describing many relations with a query per dataset, as dbt's catalog
// does, where RelationKind reads one table's metadata.
func CatalogTablesQuery(project, dataset string) string {
	is := render(adapters.Relation{Database: project, Schema: dataset}) + ".INFORMATION_SCHEMA"
	return "select table_name, table_type\nfrom " + is + ".TABLES\norder by table_name"
}

// CatalogColumnsQuery lists the columns of every relation of a dataset, in
// order, with what ColumnsQuery reads of each.
func CatalogColumnsQuery(project, dataset string) string {
	return columnsQuery(project, dataset, "c.table_name, ", "", "c.table_name, c.ordinal_position")
}

// DescribeMany describes rels with two INFORMATION_SCHEMA queries per
// dataset they name, where describing them one at a time takes a metadata
// call and a query job per relation: what it returns for each relation is
// what adapters.Describe returns.
func (a *Adapter) DescribeMany(ctx context.Context, rels []adapters.Relation) ([]*adapters.RelationInfo, error) {
	type dataset struct{ project, name string }
	qualified := make([]adapters.Relation, len(rels))
	asked := map[dataset]bool{}
	for i, rel := range rels {
		qualified[i] = a.qualify(rel)
		asked[dataset{qualified[i].Database, qualified[i].Schema}] = true
	}
	sets := make([]dataset, 0, len(asked))
	for ds := range asked {
		sets = append(sets, ds)
	}
	sort.Slice(sets, func(i, j int) bool {
		if sets[i].project != sets[j].project {
			return sets[i].project < sets[j].project
		}
		return sets[i].name < sets[j].name
	})
	var cat catalogRows
	for _, ds := range sets {
		where := render(adapters.Relation{Database: ds.project, Schema: ds.name})
		res, err := a.query(ctx, CatalogTablesQuery(ds.project, ds.name))
		if isNotFound(err) {
			continue // no dataset: none of its relations exists
		}
		if err != nil {
			return nil, a.cfg.mapError("describe the relations of "+where, err)
		}
		for _, r := range res.Rows {
			name, _ := r[0].(string)
			typ, _ := r[1].(string)
			cat.tables = append(cat.tables, catalogTable{ds.project, ds.name, name, typ})
		}
		res, err = a.query(ctx, CatalogColumnsQuery(ds.project, ds.name))
		if err != nil && !isNotFound(err) {
			return nil, a.cfg.mapError("describe the columns of "+where, err)
		}
		if res != nil {
			for _, r := range res.Rows {
				c := catalogColumn{project: ds.project, dataset: ds.name}
				c.table, _ = r[0].(string)
				c.col.Name, _ = r[1].(string)
				c.col.DataType, _ = r[2].(string)
				if n, ok := r[3].(int64); ok {
					c.col.Index = int(n)
				}
				c.col.Comment, _ = r[4].(string)
				cat.columns = append(cat.columns, c)
			}
		}
	}
	return cat.describe(rels, qualified), nil
}

// catalogRows is what the catalog queries read, with the project and
// dataset of each row.
type catalogRows struct {
	tables  []catalogTable
	columns []catalogColumn
}

type catalogTable struct{ project, dataset, name, tableType string }

type catalogColumn struct {
	project, dataset, table string
	col                     adapters.Column
}

// describe answers for each relation what adapters.Describe answers from
// RelationKind and Columns: nil when no table or view of its name exists;
// else type "VIEW" for a view or materialized view, "BASE TABLE" for any
// other table, and its columns, with the relation as it was asked for.
// BigQuery's names are compared exactly, as its metadata calls do.
func (c catalogRows) describe(rels, qualified []adapters.Relation) []*adapters.RelationInfo {
	key := func(project, dataset, name string) string { return project + "\x00" + dataset + "\x00" + name }
	kinds := map[string]adapters.RelationKind{}
	for _, t := range c.tables {
		kind := adapters.KindTable
		if t.tableType == "VIEW" || t.tableType == "MATERIALIZED VIEW" {
			kind = adapters.KindView
		}
		kinds[key(t.project, t.dataset, t.name)] = kind
	}
	cols := map[string][]adapters.Column{}
	for _, col := range c.columns {
		k := key(col.project, col.dataset, col.table)
		cols[k] = append(cols[k], col.col)
	}
	keys := make([]string, len(rels))
	for i, q := range qualified {
		keys[i] = key(q.Database, q.Schema, q.Identifier)
	}
	return adapters.KindInfos(rels, keys, kinds, cols)
}
