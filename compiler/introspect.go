package compiler

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/elt-dev/elt/jinja"
)

// Adapter introspection: adapter.get_relation, load_relation,
// adapter.get_columns_in_relation and api.Relation.create. The catalog is
// only asked when executing; while parsing they return None and [], as in
// dbt, so models guarded by {% if execute %} and unguarded ones both parse.

// catalog returns Options.Catalog, or the error telling the user a
// connection is needed for what.
func (st *renderState) catalog(what string) (Catalog, error) {
	if c := st.engine.opts.Catalog; c != nil {
		return c, nil
	}
	return nil, &jinjaError{
		msg:  what + " needs a connection, and this command has none",
		hint: "guard the call with {% if execute %}, or run a command that connects to the warehouse",
	}
}

// relationArgs reads (database, schema, identifier) positionally or by name.
func relationArgs(args []any, kw jinja.Kwargs) Relation {
	var r Relation
	for i, p := range []*string{&r.Database, &r.Schema, &r.Identifier} {
		name := [...]string{"database", "schema", "identifier"}[i]
		if v, ok := argAt(args, kw, i, name); ok && v != nil {
			if _, undef := v.(*jinja.Undefined); !undef {
				*p, _ = jinja.Str(v)
			}
		}
	}
	return r
}

// relationArg is the relation passed as argument i (or keyword kw).
func relationArg(args []any, kwargs jinja.Kwargs, i int, kw string) (*relationValue, bool) {
	v, _ := argAt(args, kwargs, i, kw)
	rel, ok := v.(*relationValue)
	return rel, ok
}

func (st *renderState) newRelation(r Relation, kind string) *relationValue {
	d := st.engine.dialect
	return &relationValue{Database: r.Database, Schema: r.Schema, Identifier: r.Identifier,
		rendered: d.RenderRelation(r), Type: kind, dialect: d}
}

// getRelation is the relation if the catalog has it, else None.
func (st *renderState) getRelation(r Relation, what string) (any, error) {
	if !st.execute {
		return nil, nil
	}
	st.introspected = true
	cat, err := st.catalog(what)
	if err != nil {
		return nil, err
	}
	kind, err := cat.RelationKind(st.ctx, r)
	if err != nil {
		return nil, &jinjaError{msg: fmt.Sprintf("%s: %v", what, err)}
	}
	if kind == "" {
		return nil, nil
	}
	return st.newRelation(r, kind), nil
}

// fnGetRelation is adapter.get_relation(database, schema, identifier).
func fnGetRelation(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	r := relationArgs(args, kw)
	if r.Identifier == "" {
		return nil, st.fail("call adapter.get_relation(database, schema, identifier)", "adapter.get_relation() needs an identifier")
	}
	return st.getRelation(r, "adapter.get_relation")
}

// fnLoadRelation is load_relation(relation): the relation as the catalog
// knows it (with its type), or None when it does not exist.
func fnLoadRelation(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	rel, ok := relationArg(args, kw, 0, "relation")
	if !ok {
		return nil, st.fail("pass a relation: load_relation(ref('orders')) or load_relation(this)", "load_relation() needs a relation")
	}
	return st.getRelation(Relation{Database: rel.Database, Schema: rel.Schema, Identifier: rel.Identifier}, "load_relation")
}

// fnGetColumns is adapter.get_columns_in_relation(relation): a list of
// columns with .name, .column, .data_type, .dtype and .quoted.
func fnGetColumns(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	rel, ok := relationArg(args, kw, 0, "relation")
	if !st.execute {
		return jinja.NewList(), nil
	}
	if !ok {
		return nil, st.fail("pass a relation: adapter.get_columns_in_relation(ref('orders'))", "adapter.get_columns_in_relation() needs a relation")
	}
	st.introspected = true
	if !st.inColumnsMacro && st.engine.adapterMethodReplaced("get_columns_in_relation") {
		// As dbt's adapter: the project's (or a package's)
		// get_columns_in_relation answers; a call back to the adapter
		// from inside it reads the catalog.
		def, _ := st.engine.adapterMethodMacro("get_columns_in_relation")
		st.inColumnsMacro = true
		defer func() { st.inColumnsMacro = false }()
		return st.callMacro(def, nil, []any{rel}, nil)
	}
	cat, err := st.catalog("adapter.get_columns_in_relation")
	if err != nil {
		return nil, err
	}
	var cols []Column
	if rel.external {
		// As dbt-duckdb: describe what the relation renders as.
		cols, err = st.describe(rel.rendered)
	} else if cols, err = st.tempColumns(rel); err == nil && cols == nil {
		cols, err = cat.Columns(st.ctx, Relation{Database: rel.Database, Schema: rel.Schema, Identifier: rel.Identifier})
	}
	if err != nil {
		return nil, &jinjaError{msg: fmt.Sprintf("adapter.get_columns_in_relation(%s): %v", rel.rendered, err)}
	}
	out := jinja.NewList()
	for _, c := range cols {
		out.Items = append(out.Items, &columnValue{Column: c, quoted: st.engine.dialect.Quote(c.Name)})
	}
	return out, nil
}

// fnColumnSchema is adapter.get_column_schema_from_query(sql): the columns
// the query returns, with .name, .data_type and the rest of a column, their
// types as the warehouse names them. It runs the query as given (dbt's
// get_column_schema_from_query macro passes one that returns no rows); it
// gives [] while parsing, as dbt's does.
func fnColumnSchema(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	if !st.execute {
		return jinja.NewList(), nil
	}
	sql, ok := argString(args, kw, 0, "sql")
	if !ok {
		return nil, st.fail("pass the query: adapter.get_column_schema_from_query('select ...')", "adapter.get_column_schema_from_query() needs a query")
	}
	res, err := st.query(sql)
	if err != nil {
		return nil, err
	}
	out := jinja.NewList()
	for i, name := range res.columns {
		c := Column{Name: name}
		if i < len(res.types) {
			c.DataType = res.types[i]
		}
		out.Items = append(out.Items, &columnValue{Column: c, quoted: st.engine.dialect.Quote(name)})
	}
	return out, nil
}

// createRelation is api.Relation.create(database=, schema=, identifier=, type=).
// fnGetColumnsInTable is adapter.get_columns_in_table(schema,
// identifier): the columns of that table in the target's database, as
// dbt's BaseAdapter method asks get_columns_in_relation.
func (e *engine) fnGetColumnsInTable(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	schema, ok1 := argString(args, kw, 0, "schema")
	identifier, ok2 := argString(args, kw, 1, "identifier")
	if !ok1 || !ok2 {
		return nil, &jinjaError{msg: "adapter.get_columns_in_table() needs a schema and an identifier", hint: "e.g. adapter.get_columns_in_table('analytics', 'orders')"}
	}
	r := Relation{Database: e.target.Database, Schema: schema, Identifier: identifier}
	rel := &relationValue{Database: r.Database, Schema: r.Schema, Identifier: r.Identifier, rendered: e.dialect.RenderRelation(r), dialect: e.dialect}
	return fnGetColumns(s, []any{rel}, nil)
}

// fnNoRelationCache is adapter.cache_added, cache_dropped and
// cache_renamed: dbt's return ” once its relation cache is told.
func fnNoRelationCache(*jinja.State, []any, jinja.Kwargs) (any, error) { return "", nil }

func (e *engine) createRelation(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	r := relationArgs(args, kw)
	kind := ""
	if v, ok := kw.Get("type"); ok && v != nil {
		kind, _ = jinja.Str(v)
	}
	return &relationValue{Database: r.Database, Schema: r.Schema, Identifier: r.Identifier,
		rendered: e.dialect.RenderRelation(r), Type: kind, dialect: e.dialect}, nil
}

// incorporate is relation.incorporate(path={...}, type=...): a copy with
// the path parts and type replaced.
func (r *relationValue) incorporate(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	out := *r
	if v, ok := argAt(args, kw, 0, "path"); ok && v != nil {
		get := func(k string) (string, bool) {
			var x any
			var found bool
			switch m := v.(type) {
			case *jinja.Dict:
				x, found = m.Get(k)
			case map[string]any:
				x, found = m[k]
			}
			if !found {
				return "", false
			}
			if x == nil { // as dbt: None drops the part (temporary relations)
				return "", true
			}
			s, _ := jinja.Str(x)
			return s, true
		}
		changed := false
		for k, p := range map[string]*string{"database": &out.Database, "schema": &out.Schema, "identifier": &out.Identifier} {
			if s, ok := get(k); ok {
				*p = s
				changed = true
			}
		}
		if changed && out.dialect != nil {
			parts := Relation{Database: out.Database, Schema: out.Schema, Identifier: out.Identifier}
			for i, p := range []*string{&parts.Database, &parts.Schema, &parts.Identifier} {
				if out.omit[i] { // what include() left out stays out
					*p = ""
				}
			}
			out.rendered = out.dialect.RenderRelation(parts)
			out.filtered = false
		}
	}
	if v, ok := kw.Get("type"); ok && v != nil {
		out.Type, _ = jinja.Str(v)
	}
	return &out, nil
}

// informationSchema is relation.information_schema(view=None): dbt's
// InformationSchema relation, "<database>".INFORMATION_SCHEMA[.<view>]
// (the database quoted as the relation's, the rest as written).
func (r *relationValue) informationSchema(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	view := ""
	if v, ok := argAt(args, kw, 0, "view_name"); ok && v != nil {
		view, _ = jinja.Str(v)
	}
	s := "INFORMATION_SCHEMA"
	if r.Database != "" {
		db := r.Database
		if r.dialect != nil {
			db = r.dialect.Quote(db)
		}
		s = db + "." + s
	}
	if view != "" {
		s += "." + view
	}
	return &relationValue{Database: r.Database, Schema: "INFORMATION_SCHEMA", Identifier: view, rendered: s, dialect: r.dialect, filtered: true}, nil
}

// include is relation.include(database=True, schema=True, identifier=True):
// the same relation printed without the parts set to False.
func (r *relationValue) include(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	if r.dialect == nil || r.filtered || r.external {
		return r, nil
	}
	out := *r
	parts := Relation{Database: r.Database, Schema: r.Schema, Identifier: r.Identifier}
	for i, p := range []*string{&parts.Database, &parts.Schema, &parts.Identifier} {
		name := [...]string{"database", "schema", "identifier"}[i]
		// As dbt: a part not given (or None) keeps what an earlier
		// include() said of it.
		if v, ok := argAt(args, kw, i, name); ok && v != nil {
			if _, undef := v.(*jinja.Undefined); !undef {
				b, _ := jinja.Truth(v)
				out.omit[i] = !b
			}
		}
		if out.omit[i] {
			*p = ""
		}
	}
	out.rendered = renderQuoted(r.dialect, parts, r.quoting)
	return &out, nil
}

// columnValue is one column from adapter.get_columns_in_relation.
type columnValue struct {
	Column
	quoted string
}

func (c *columnValue) String() string { return c.Name }

func (c *columnValue) GetAttr(name string) (any, bool) {
	switch name {
	case "name", "column":
		return c.Name, true
	case "data_type", "dtype", "expanded_data_type":
		return c.DataType, true
	case "quoted":
		return c.quoted, true
	case "is_string", "is_number", "is_float", "is_integer", "is_numeric":
		kind := name
		return jinja.Func(func(*jinja.State, []any, jinja.Kwargs) (any, error) { return c.is(kind), nil }), true
	case "char_size":
		if parts := sizeParts(c.DataType); c.is("is_string") && len(parts) == 1 {
			return parts[0], true
		}
		return nil, true
	case "numeric_precision", "numeric_scale":
		parts := sizeParts(c.DataType)
		i := 0
		if name == "numeric_scale" {
			i = 1
		}
		if c.is("is_numeric") && len(parts) > i {
			return parts[i], true
		}
		return nil, true
	case "literal":
		return jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			v, _ := argAt(args, kw, 0, "value")
			s, _ := jinja.Str(v)
			return s + "::" + c.DataType, nil
		}), true
	case "can_expand_to":
		return jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			v, _ := argAt(args, kw, 0, "other_column")
			o, ok := v.(*columnValue)
			if !ok || !c.is("is_string") || !o.is("is_string") {
				return false, nil
			}
			return o.stringSize() > c.stringSize(), nil
		}), true
	case "string_size":
		return jinja.Func(func(*jinja.State, []any, jinja.Kwargs) (any, error) {
			if !c.is("is_string") {
				return nil, &jinjaError{msg: fmt.Sprintf("Called string_size() on non-string field %s of type %s", c.Name, c.DataType)}
			}
			// dbt's Column: the char_size, else 256.
			if _, size, ok := strings.Cut(strings.TrimSuffix(c.DataType, ")"), "("); ok {
				if n, err := strconv.Atoi(strings.TrimSpace(size)); err == nil {
					return n, nil
				}
			}
			return 256, nil
		}), true
	}
	return nil, false
}

// stringSize is dbt's Column.string_size() for a string column: the
// char_size, else 256.
func (c *columnValue) stringSize() int {
	if parts := sizeParts(c.DataType); len(parts) == 1 {
		return parts[0]
	}
	return 256
}

// is answers dbt's Column.is_string(), is_number()...: the data type's
// name (without a size) among the names dbt's base Column knows.
func (c *columnValue) is(kind string) bool {
	t := strings.ToLower(strings.TrimSpace(c.DataType))
	if i := strings.IndexByte(t, '('); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	in := func(names ...string) bool {
		for _, n := range names {
			if t == n {
				return true
			}
		}
		return false
	}
	isFloat := in("real", "float4", "float", "double precision", "float8", "double")
	isInteger := in("smallint", "integer", "bigint", "smallserial", "serial", "bigserial", "int2", "int4", "int8", "serial2", "serial4", "serial8")
	isNumeric := in("numeric", "decimal")
	switch kind {
	case "is_string":
		return in("text", "character varying", "character", "varchar")
	case "is_float":
		return isFloat
	case "is_integer":
		return isInteger
	case "is_numeric":
		return isNumeric
	}
	return isFloat || isInteger || isNumeric
}

// describe lists the columns of a relation expression (a file, a read_*
// call) with DuckDB's describe.
// tempColumns are the columns of a DuckDB temporary table named as
// dbt-duckdb's make_temp_relation names one (no database, no schema): a
// temporary table lives in the connection that made it, the one the
// render's queries use, so it is looked up there. nil when rel is no such
// table.
func (st *renderState) tempColumns(rel *relationValue) ([]Column, error) {
	if rel.Database != "" || rel.Schema != "" || st.engine.dialect.Type() != "duckdb" {
		return nil, nil
	}
	res, err := st.query("select column_name, data_type from duckdb_columns() where database_name = 'temp' and table_name = " +
		"'" + strings.ReplaceAll(rel.Identifier, "'", "''") + "' order by column_index")
	if err != nil || len(res.rows) == 0 {
		return nil, err
	}
	return nameTypeColumns(res), nil
}

// nameTypeColumns are the columns a query listed a row each: its name,
// then its type.
func nameTypeColumns(res *queryResult) []Column {
	out := make([]Column, 0, len(res.rows))
	for _, r := range res.rows {
		if len(r) < 2 {
			continue
		}
		name, _ := jinja.Str(r[0])
		typ, _ := jinja.Str(r[1])
		out = append(out, Column{Name: name, DataType: typ})
	}
	return out
}

func (st *renderState) describe(expr string) ([]Column, error) {
	res, err := st.query("select column_name, column_type from (describe select * from " + expr + ")")
	if err != nil {
		return nil, err
	}
	return nameTypeColumns(res), nil
}
