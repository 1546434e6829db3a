package compiler

import "strings"

// relationParts are the config keys of a relation's parts, in order.
var relationParts = [3]string{"database", "schema", "identifier"}

// unquotedParts are the parts of a model's, seed's, snapshot's or test's
// relation that the project's quoting: sets to false, which dbt renders
// unquoted (BaseRelation.create_from merges the project's quoting over
// the adapter's quote policy; a source keeps its own). Snowflake's
// dialect applies the project's quoting itself (cmd/elt passes it in),
// so none are left to do here.
func unquotedParts(quoting map[string]any, d Dialect) (out [3]bool) {
	if d.Type() == "snowflake" {
		return out
	}
	for i, key := range relationParts {
		if q, ok := quoting[key].(bool); ok && !q {
			out[i] = true
		}
	}
	return out
}

// renderQuoted renders r as d does, but with the unquoted parts written
// as they are.
func renderQuoted(d Dialect, r Relation, unquoted [3]bool) string {
	if unquoted == [3]bool{} {
		return d.RenderRelation(r)
	}
	out := ""
	for i, p := range [3]string{r.Database, r.Schema, r.Identifier} {
		if p == "" {
			continue
		}
		if out != "" {
			out += "."
		}
		if unquoted[i] {
			out += p
		} else {
			out += d.Quote(p)
		}
	}
	return out
}

// renderNodeRelation renders the relation of a node (not a source) with
// the project's quoting.
func (e *engine) renderNodeRelation(r Relation) string {
	return renderQuoted(e.dialect, r, e.unquoted)
}

// UnquotedName is name without the quotes a dialect's Quote put around
// it ("a""b", `a`), as declared; a name without them is returned as it
// is. A quoted column's generic test carries its column_name quoted, as
// dbt's does.
func UnquotedName(name string) string {
	if len(name) < 2 {
		return name
	}
	switch {
	case name[0] == '"' && name[len(name)-1] == '"':
		return strings.ReplaceAll(name[1:len(name)-1], `""`, `"`)
	case name[0] == '`' && name[len(name)-1] == '`':
		return name[1 : len(name)-1]
	}
	return name
}
