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
			cat.tables = append(cat.tables, adapters.CatalogTable{Name: adapters.CatalogName{Database: ds.project, Schema: ds.name, Name: name}, Type: typ})
		}
		res, err = a.query(ctx, CatalogColumnsQuery(ds.project, ds.name))
		if err != nil && !isNotFound(err) {
			return nil, a.cfg.mapError("describe the columns of "+where, err)
		}
		if res != nil {
			for _, r := range res.Rows {
				c := adapters.CatalogColumn{Table: adapters.CatalogName{Database: ds.project, Schema: ds.name}}
				c.Table.Name, _ = r[0].(string)
				c.Column.Name, _ = r[1].(string)
				c.Column.DataType, _ = r[2].(string)
				if n, ok := r[3].(int64); ok {
					c.Column.Index = int(n)
				}
				c.Column.Comment, _ = r[4].(string)
				cat.columns = append(cat.columns, c)
			}
		}
	}
	return cat.describe(rels, qualified), nil
}

// catalogRows is what the catalog queries read.
type catalogRows struct {
	tables  []adapters.CatalogTable
	columns []adapters.CatalogColumn
}

// describe answers for each relation what adapters.Describe answers from
// RelationKind and Columns: nil when no table or view of its name exists;
// else type "VIEW" for a view or materialized view, "BASE TABLE" for any
// other table, and its columns, with the relation as it was asked for.
// BigQuery's names are compared exactly, as its metadata calls do.
func (c catalogRows) describe(rels, qualified []adapters.Relation) []*adapters.RelationInfo {
	kinds := map[adapters.CatalogName]adapters.RelationKind{}
	for _, t := range c.tables {
		kind := adapters.KindTable
		if t.Type == "VIEW" || t.Type == "MATERIALIZED VIEW" {
			kind = adapters.KindView
		}
		kinds[t.Name] = kind
	}
	names := make([]adapters.CatalogName, len(rels))
	for i, q := range qualified {
		names[i] = adapters.CatalogName{Database: q.Database, Schema: q.Schema, Name: q.Identifier}
	}
	return adapters.CatalogInfos(rels, names, kinds, c.columns)
}
