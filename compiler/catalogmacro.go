package compiler

import (
	"context"
	"fmt"
	"strings"

	"github.com/elt-dev/elt/jinja"
)

// Catalog macros dbt's docs generate runs to read the warehouse's catalog
// (the adapter's get_filtered_catalog): by relations when it was given at
// most a hundred relations, else by schemas.
const (
	CatalogByRelations = "get_catalog_relations"
	CatalogBySchemas   = "get_catalog"
)

// overridingMacro is the project's or a package's replacement of dbt's
// macro name, as dbt's execute_macro(name) finds it: a macro of that name
// in the root project or a package, or, for dbt's own name, which
// dispatches in the dbt namespace, an <adapter>__ or default__ one in a
// package of that search outside dbt itself. ok is false when dbt's own
// would run.
func (e *engine) overridingMacro(name string) (*macroDef, bool) {
	if def, ok := e.adapterMethodMacro(name); ok && !internalPackages[def.meta.Package] {
		return def, true
	}
	for _, pkg := range e.searchOrder("dbt") {
		if internalPackages[pkg] {
			continue
		}
		for _, prefix := range []string{e.dialect.Type(), "default"} {
			if def, ok := e.lookupIn(pkg, prefix+"__"+name); ok {
				return def, true
			}
		}
	}
	return nil, false
}

// CatalogReplaced says whether the project or a package replaces dbt's
// catalog macro name (CatalogByRelations or CatalogBySchemas), so that
// docs generate must run it (RunCatalog) instead of elt's own queries.
func (m *Manifest) CatalogReplaced(name string) bool {
	_, ok := m.engine.overridingMacro(name)
	return ok
}

// CatalogRows is the table a catalog macro returned: dbt's catalog
// columns (table_database, table_schema, table_name, table_type,
// table_comment, table_owner, column_name, column_index, column_type,
// column_comment, stats:<id>:<label|value|description|include>).
type CatalogRows struct {
	Columns []string
	Rows    [][]any
}

// RunCatalog runs the replacing catalog macro name for one database, as
// dbt's adapter does for each information schema: get_catalog_relations
// with (information_schema, relations), get_catalog with
// (information_schema, schemas), schemas lowercased as dbt's search map
// holds them. It returns the table the macro returned.
func (m *Manifest) RunCatalog(ctx context.Context, name, database string, relations []Relation) (*CatalogRows, error) {
	def, ok := m.engine.overridingMacro(name)
	if !ok {
		return nil, fmt.Errorf("no %s macro replaces dbt's", name)
	}
	st := m.engine.newState(m, nil, true)
	st.ctx = ctx
	info, err := st.newRelation(Relation{Database: database}, "").informationSchema(nil, nil, nil)
	if err != nil {
		return nil, err
	}
	var second any
	if name == CatalogByRelations {
		rels := make([]any, len(relations))
		for i, r := range relations {
			rels[i] = st.newRelation(r, "")
		}
		second = rels
	} else {
		seen := map[string]bool{}
		for _, r := range relations {
			seen[strings.ToLower(r.Schema)] = true
		}
		schemas := make([]any, 0, len(seen))
		for _, s := range sortedKeys(seen) {
			schemas = append(schemas, s)
		}
		second = schemas
	}
	v, err := st.callMacro(def, nil, []any{info, second}, nil)
	if err != nil {
		return nil, m.engine.macroError(def, def.meta.Package+"."+def.meta.Name, err)
	}
	t, ok := v.(*agateTable)
	if !ok {
		return nil, fmt.Errorf("%s.%s returned %s, not a table (return load_result(...).table)", def.meta.Package, def.meta.Name, jinja.Repr(v))
	}
	out := &CatalogRows{Columns: append([]string(nil), t.columns...), Rows: make([][]any, len(t.rows))}
	for i, r := range t.rows {
		row := append([]any(nil), r.vals...)
		for j, c := range row {
			if tv, ok := c.(*timeValue); ok {
				row[j] = tv.t
			}
		}
		out.Rows[i] = row
	}
	return out, nil
}
