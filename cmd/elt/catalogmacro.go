package main

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/compiler"
)

// maxCatalogRelations is dbt's MAX_SCHEMA_METADATA_RELATIONS: with more
// relations to describe, its adapter reads the catalog by schemas.
const maxCatalogRelations = 100

// catalogMacroName is the catalog macro dbt's get_filtered_catalog runs:
// get_catalog_relations when docs generate compiled (its job queue gives
// the relations) and they are at most a hundred, else get_catalog. Both
// adapters elt has from dbt (DuckDB, PostgreSQL) read by relations.
func catalogMacroName(compiled bool, relations int) string {
	if compiled && relations <= maxCatalogRelations {
		return compiler.CatalogByRelations
	}
	return compiler.CatalogBySchemas
}

// catalogKey is dbt's CatalogKey as its unique-id map compares it:
// database, schema and name lowercased.
type catalogKey struct{ database, schema, name string }

func keyOf(r adapters.Relation) catalogKey {
	return catalogKey{strings.ToLower(r.Database), strings.ToLower(r.Schema), strings.ToLower(r.Identifier)}
}

// catalogFromMacro runs the project's catalog macro name once per
// database of rels, as dbt's adapter runs it once per information schema,
// and reads the rows it returns into catalog entries by key, as dbt's
// Catalog does. A database whose macro fails is an entry of errs, and the
// others are still read.
func (s *session) catalogFromMacro(ctx context.Context, name string, rels []adapters.Relation) (map[catalogKey]*adapters.RelationInfo, []string) {
	byDB := map[string][]compiler.Relation{}
	for _, r := range rels {
		byDB[r.Database] = append(byDB[r.Database], compiler.Relation{Database: r.Database, Schema: r.Schema, Identifier: r.Identifier})
	}
	out := map[catalogKey]*adapters.RelationInfo{}
	var errs []string
	for _, db := range sortedKeys(byDB) {
		t, err := s.manifest.RunCatalog(ctx, name, db, byDB[db])
		if err == nil {
			err = readCatalogRows(t, out)
		}
		if err != nil {
			errs = append(errs, s.env.secrets.Scrub(err.Error()))
		}
	}
	return out, errs
}

// readCatalogRows adds each row (one column of a relation) to its
// relation's entry: table_* are the relation's metadata, column_* the
// column's, stats:<id>:<field> a statistic, kept when its include is
// true. A row without table_schema or table_name is an error, as dbt's.
func readCatalogRows(t *compiler.CatalogRows, out map[catalogKey]*adapters.RelationInfo) error {
	for _, vals := range t.Rows {
		row := map[string]any{}
		for i, c := range t.Columns {
			if i < len(vals) {
				row[c] = vals[i]
			}
		}
		schema, okSchema := row["table_schema"]
		name, okName := row["table_name"]
		if !okSchema || !okName {
			return fmt.Errorf("Catalog information missing required key table_schema or table_name (got columns %s)", strings.Join(t.Columns, ", "))
		}
		rel := adapters.Relation{Database: catalogText(row["table_database"]), Schema: catalogText(schema), Identifier: catalogText(name)}
		info, ok := out[keyOf(rel)]
		if !ok {
			info = &adapters.RelationInfo{Relation: rel, Type: catalogText(row["table_type"]),
				Comment: catalogText(row["table_comment"]), Owner: catalogText(row["table_owner"]), Stats: catalogStats(row)}
			out[keyOf(rel)] = info
		}
		col := adapters.Column{Name: catalogText(row["column_name"]), DataType: catalogText(row["column_type"]), Comment: catalogText(row["column_comment"])}
		index, err := catalogIndex(row["column_index"])
		if err != nil {
			return fmt.Errorf("%s.%s column %s: column_index: %w", rel.Schema, rel.Identifier, col.Name, err)
		}
		col.Index = index
		// As dbt's: a later row of the same column name replaces it.
		replaced := false
		for i := range info.Columns {
			if info.Columns[i].Name == col.Name {
				info.Columns[i], replaced = col, true
			}
		}
		if !replaced {
			info.Columns = append(info.Columns, col)
		}
	}
	return nil
}

// catalogText is a value of one of dbt's text-only catalog columns: its
// text, "" for null.
func catalogText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// catalogIndex is column_index as dbt takes it: int(value).
func catalogIndex(v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case int32:
		return int(x), nil
	case int64:
		return int(x), nil
	case float64:
		return int(x), nil
	case string:
		return strconv.Atoi(strings.TrimSpace(x))
	}
	return 0, fmt.Errorf("not a number: %v", v)
}

// catalogStats are the stats:<id>:<label|value|description|include>
// columns of a row, as dbt's format_stats reads them: a statistic missing
// a field or not included is left out.
func catalogStats(row map[string]any) []adapters.Stat {
	ids := map[string]bool{}
	for k := range row {
		if rest, ok := strings.CutPrefix(k, "stats:"); ok {
			ids[strings.SplitN(rest, ":", 2)[0]] = true
		}
	}
	var stats []adapters.Stat
	for _, id := range sortedKeys(ids) {
		label, l := row["stats:"+id+":label"].(string)
		include, i := row["stats:"+id+":include"].(bool)
		value, v := row["stats:"+id+":value"]
		_, d := row["stats:"+id+":description"]
		if !l || !i || !v || !d || !include {
			continue
		}
		stats = append(stats, adapters.Stat{ID: id, Label: label, Value: value, Include: true,
			Description: catalogText(row["stats:"+id+":description"])})
	}
	sort.Slice(stats, func(a, b int) bool { return stats[a].ID < stats[b].ID })
	return stats
}
