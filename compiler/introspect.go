package compiler

import (
	"fmt"

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
	cat, err := st.catalog("adapter.get_columns_in_relation")
	if err != nil {
		return nil, err
	}
	cols, err := cat.Columns(st.ctx, Relation{Database: rel.Database, Schema: rel.Schema, Identifier: rel.Identifier})
	if err != nil {
		return nil, &jinjaError{msg: fmt.Sprintf("adapter.get_columns_in_relation(%s): %v", rel.rendered, err)}
	}
	out := jinja.NewList()
	for _, c := range cols {
		out.Items = append(out.Items, &columnValue{Column: c, quoted: st.engine.dialect.Quote(c.Name)})
	}
	return out, nil
}

// createRelation is api.Relation.create(database=, schema=, identifier=, type=).
func (e *engine) createRelation(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	r := relationArgs(args, kw)
	kind := ""
	if v, ok := kw.Get("type"); ok && v != nil {
		kind, _ = jinja.Str(v)
	}
	return &relationValue{Database: r.Database, Schema: r.Schema, Identifier: r.Identifier,
		rendered: e.dialect.RenderRelation(r), Type: kind, dialect: e.dialect}, nil
}

// include is relation.include(database=True, schema=True, identifier=True):
// the same relation printed without the parts set to False.
func (r *relationValue) include(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	if r.dialect == nil || r.filtered {
		return r, nil
	}
	out := *r
	parts := Relation{Database: r.Database, Schema: r.Schema, Identifier: r.Identifier}
	for i, p := range []*string{&parts.Database, &parts.Schema, &parts.Identifier} {
		name := [...]string{"database", "schema", "identifier"}[i]
		if !argBool(args, kw, i, name, true) {
			*p = ""
		}
	}
	out.rendered = r.dialect.RenderRelation(parts)
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
	case "data_type", "dtype":
		return c.DataType, true
	case "quoted":
		return c.quoted, true
	}
	return nil, false
}
