package compiler

import (
	"strings"

	"github.com/elt-dev/elt/jinja"
	"github.com/elt-dev/elt/project"
)

// dbtObject is one of dbt's objects as a hook reads it (a run result, one
// of its timings, its node): its fields as attributes and keys, and
// to_dict(), which gives them as a dict the way dbt's dataclasses
// serialise (datetimes as ISO text, a naive one with a Z), as elementary
// reads every run result.
type dbtObject struct{ fields *jinja.Dict }

// TupleValue is a Python tuple of items, for the Jinja context (dbt's
// database_schemas holds (database, schema) pairs).
func TupleValue(items ...any) any {
	t := make(jinja.Tuple, len(items))
	for i, v := range items {
		t[i] = templateValue(v)
	}
	return t
}

// ObjectValue is fields as one of dbt's objects (see dbtObject). A field
// that is itself a map or a list of maps stays one; the results of
// on-run-end wrap their timings and node with ObjectValue too.
func ObjectValue(fields map[string]any) any {
	d := jinja.NewDict()
	for _, k := range sortedKeys(fields) {
		d.Set(k, templateValue(fields[k]))
	}
	return &dbtObject{fields: d}
}

// NodeObject is a node as each of on-run-end's results holds it: as
// templates read a node of dbt's graph (its config with the defaults, its
// relation, depends_on, and compiled_code once compiled), with to_dict().
func (m *Manifest) NodeObject(n *Node) any { return &dbtObject{fields: m.graphNode(n)} }

// UncompiledNodeObject is NodeObject of n as parsed: without its compiled
// code, as dbt's result of a microbatch model holds it (its batches
// compile copies of the node).
func (m *Manifest) UncompiledNodeObject(n *Node) any {
	d := m.graphNode(n)
	d.Delete("compiled")
	d.Delete("compiled_code")
	return &dbtObject{fields: d}
}

// SourceObject is a source table as a hook's results hold it: its graph
// entry, with to_dict().
func (m *Manifest) SourceObject(s *project.SourceTable) any {
	return &dbtObject{fields: m.graphSource(s)}
}

func (o *dbtObject) String() string { return jinja.Repr(o.fields) }

func (o *dbtObject) GetAttr(name string) (any, bool) {
	if name == "to_dict" {
		return jinja.Func(func(*jinja.State, []any, jinja.Kwargs) (any, error) { return serialised(o.fields), nil }), true
	}
	v, ok := o.fields.Get(name)
	if s, isStr := v.(string); isStr && enumFields[name] {
		// A node's resource_type and a result's status are dbt's
		// string enums: str, with .value (re_data tests
		// node.resource_type.value == 'test').
		return jinja.SubStr{S: s, Tag: "enum", Attrs: enumAttrs(s)}, true
	}
	return v, ok
}

// enumFields are the fields of dbt's objects that are string enums
// (NodeType, RunStatus, TestStatus).
var enumFields = map[string]bool{"resource_type": true, "status": true}

// enumAttrs are a string enum member's attributes beside str's.
type enumAttrs string

func (e enumAttrs) GetAttr(name string) (any, bool) {
	switch name {
	case "value":
		return string(e), true
	case "name":
		// The member's name: TestStatus.Pass is "pass", NodeType.Model
		// "model", RunStatus.PartialSuccess "partial success".
		if n, ok := enumNames[string(e)]; ok {
			return n, true
		}
		var b strings.Builder
		for _, w := range strings.FieldsFunc(string(e), func(r rune) bool { return r == ' ' || r == '_' }) {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
		return b.String(), true
	}
	return nil, false
}

// enumNames are the members whose name is not their value in title case.
var enumNames = map[string]string{"unit_test": "Unit", "runtime error": "RuntimeErr"}

func (o *dbtObject) GetItem(key any) (any, bool) { return o.fields.Get(key) }

// serialised is v as dbt's to_dict() writes it: objects as dicts,
// datetimes as ISO text (a Z for a naive one), containers copied.
func serialised(v any) any {
	switch x := v.(type) {
	case *dbtObject:
		return serialised(x.fields)
	case *jinja.Dict:
		d := jinja.NewDict()
		for k, val := range x.All() {
			d.Set(k, serialised(val))
		}
		return d
	case *jinja.List:
		out := make([]any, len(x.Items))
		for i, it := range x.Items {
			out[i] = serialised(it)
		}
		return jinja.NewList(out...)
	case map[string]any:
		d := jinja.NewDict()
		for _, k := range sortedKeys(x) {
			d.Set(k, serialised(x[k]))
		}
		return d
	case *timeValue:
		s := x.isoformat("T", "auto")
		if x.naive {
			s += "Z"
		}
		return s
	}
	return v
}

// JinjaWarn is exceptions.warn(msg) outside a render, for a step dbt's
// macros take that elt runs in Go: the warning is given to Options.Warn,
// whose error (--warn-error) fails the step. ok is false when no Warn is
// set (the caller reports it itself).
func (m *Manifest) JinjaWarn(msg string) (ok bool, err error) {
	if m.engine == nil || m.engine.opts.Warn == nil {
		return false, nil
	}
	return true, m.engine.opts.Warn(msg)
}
