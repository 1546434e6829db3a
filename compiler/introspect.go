package compiler

import (
	"fmt"

	"github.com/nikolalohinski/gonja/v2/exec"
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
func relationArgs(va *exec.VarArgs) Relation {
	var r Relation
	for i, p := range []*string{&r.Database, &r.Schema, &r.Identifier} {
		kw := [...]string{"database", "schema", "identifier"}[i]
		var v *exec.Value
		if i < len(va.Args) {
			v = va.Args[i]
		} else if kv, ok := va.KwArgs[kw]; ok {
			v = kv
		}
		if v != nil && !v.IsNil() {
			*p = v.String()
		}
	}
	return r
}

// relationArg is the relation passed as argument i (or keyword kw).
func relationArg(va *exec.VarArgs, i int, kw string) (*relationValue, bool) {
	var v *exec.Value
	if i < len(va.Args) {
		v = va.Args[i]
	} else if kv, ok := va.KwArgs[kw]; ok {
		v = kv
	}
	if v == nil {
		return nil, false
	}
	rel, ok := v.Interface().(*relationValue)
	return rel, ok
}

func (st *renderState) newRelation(r Relation, kind string) *relationValue {
	d := st.engine.dialect
	return &relationValue{Database: r.Database, Schema: r.Schema, Identifier: r.Identifier,
		rendered: d.RenderRelation(r), Type: kind, dialect: d}
}

// getRelation is the relation if the catalog has it, else nil.
func (st *renderState) getRelation(r Relation, what string) *exec.Value {
	if !st.execute {
		return exec.AsValue(nil)
	}
	cat, err := st.catalog(what)
	if err != nil {
		return st.failWith(err)
	}
	kind, err := cat.RelationKind(st.ctx, r)
	if err != nil {
		return st.failWith(&jinjaError{msg: fmt.Sprintf("%s: %v", what, err)})
	}
	if kind == "" {
		return exec.AsValue(nil)
	}
	return exec.AsValue(st.newRelation(r, kind))
}

// fnGetRelation is adapter.get_relation(database, schema, identifier).
func fnGetRelation(ev *exec.Evaluator, va *exec.VarArgs) *exec.Value {
	st := stateFrom(ev)
	r := relationArgs(va)
	if r.Identifier == "" {
		return st.fail(0, "call adapter.get_relation(database, schema, identifier)", "adapter.get_relation() needs an identifier")
	}
	return st.getRelation(r, "adapter.get_relation")
}

// fnLoadRelation is load_relation(relation): the relation as the catalog
// knows it (with its type), or None when it does not exist.
func fnLoadRelation(ev *exec.Evaluator, va *exec.VarArgs) *exec.Value {
	st := stateFrom(ev)
	rel, ok := relationArg(va, 0, "relation")
	if !ok {
		return st.fail(0, "pass a relation: load_relation(ref('orders')) or load_relation(this)", "load_relation() needs a relation")
	}
	return st.getRelation(Relation{Database: rel.Database, Schema: rel.Schema, Identifier: rel.Identifier}, "load_relation")
}

// fnGetColumns is adapter.get_columns_in_relation(relation): a list of
// columns with .name, .column, .data_type, .dtype and .quoted.
func fnGetColumns(ev *exec.Evaluator, va *exec.VarArgs) *exec.Value {
	st := stateFrom(ev)
	rel, ok := relationArg(va, 0, "relation")
	if !st.execute {
		return exec.AsValue([]any{})
	}
	if !ok {
		return st.fail(0, "pass a relation: adapter.get_columns_in_relation(ref('orders'))", "adapter.get_columns_in_relation() needs a relation")
	}
	cat, err := st.catalog("adapter.get_columns_in_relation")
	if err != nil {
		return st.failWith(err)
	}
	cols, err := cat.Columns(st.ctx, Relation{Database: rel.Database, Schema: rel.Schema, Identifier: rel.Identifier})
	if err != nil {
		return st.failWith(&jinjaError{msg: fmt.Sprintf("adapter.get_columns_in_relation(%s): %v", rel.rendered, err)})
	}
	out := make([]any, len(cols))
	for i, c := range cols {
		out[i] = &columnValue{Column: c, quoted: st.engine.dialect.Quote(c.Name)}
	}
	return exec.AsValue(out)
}

// createRelation is api.Relation.create(database=, schema=, identifier=, type=).
func (e *engine) createRelation(va *exec.VarArgs) *exec.Value {
	r := relationArgs(va)
	kind := ""
	if v, ok := va.KwArgs["type"]; ok && !v.IsNil() {
		kind = v.String()
	}
	return exec.AsValue(&relationValue{Database: r.Database, Schema: r.Schema, Identifier: r.Identifier,
		rendered: e.dialect.RenderRelation(r), Type: kind, dialect: e.dialect})
}

// include is relation.include(database=True, schema=True, identifier=True):
// the same relation printed without the parts set to False.
func (r *relationValue) include(va *exec.VarArgs) *exec.Value {
	if r.dialect == nil || r.filtered {
		return exec.AsValue(r)
	}
	out := *r
	parts := Relation{Database: r.Database, Schema: r.Schema, Identifier: r.Identifier}
	for kw, p := range map[string]*string{"database": &parts.Database, "schema": &parts.Schema, "identifier": &parts.Identifier} {
		if v, ok := va.KwArgs[kw]; ok && !v.IsTrue() {
			*p = ""
		}
	}
	out.rendered = r.dialect.RenderRelation(parts)
	return exec.AsValue(&out)
}

// columnValue is one column from adapter.get_columns_in_relation.
type columnValue struct {
	Column
	quoted string
}

func (c *columnValue) String() string { return c.Name }

func (c *columnValue) GetAttribute(name string) (*exec.Value, bool) {
	switch name {
	case "name", "column":
		return exec.AsValue(c.Name), true
	case "data_type", "dtype":
		return exec.AsValue(c.DataType), true
	case "quoted":
		return exec.AsValue(c.quoted), true
	}
	return exec.AsValue(nil), false
}
