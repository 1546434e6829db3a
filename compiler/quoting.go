package compiler

import "strings"

// relationParts are the config keys of a relation's parts, in order.
var relationParts = [3]string{"database", "schema", "identifier"}

// partQuoting is how one part of a relation name is written.
type partQuoting int8

const (
	quoteAsDialect partQuoting = iota // as the dialect renders it (its default policy, Snowflake's with the project's quoting)
	quoteNever                        // written as it is
	quoteAlways                       // in the dialect's quotes
)

// quotePolicy is how the database, schema and identifier of a relation
// are written: dbt's quote policy where it departs from the dialect's.
type quotePolicy [3]partQuoting

// projectQuotePolicy is the policy of a model's, seed's, snapshot's or
// test's relation: the parts the project's quoting: sets to false are
// rendered unquoted (BaseRelation.create_from merges the project's
// quoting over the adapter's quote policy). Snowflake's dialect applies
// the project's quoting itself (cmd/elt passes it in), so nothing is
// left to do here.
func projectQuotePolicy(quoting map[string]any, d Dialect) (out quotePolicy) {
	if d.Type() == "snowflake" {
		return out
	}
	for i, key := range relationParts {
		if q, ok := quoting[key].(bool); ok && !q {
			out[i] = quoteNever
		}
	}
	return out
}

// withOwn lays a relation's own quoting (a source's, merged with its
// table's) over p, as create_from lays relation_config.quoting_dict over
// the project's: a part it sets true or false is quoted or not.
func (p quotePolicy) withOwn(own map[string]any) quotePolicy {
	for i, key := range relationParts {
		if q, ok := own[key].(bool); ok {
			p[i] = quoteNever
			if q {
				p[i] = quoteAlways
			}
		}
	}
	return p
}

// renderQuoted renders r as d does, but with the parts p sets written
// (un)quoted as it says.
func renderQuoted(d Dialect, r Relation, p quotePolicy) string {
	if p == (quotePolicy{}) {
		return d.RenderRelation(r)
	}
	out := ""
	for i, part := range [3]string{r.Database, r.Schema, r.Identifier} {
		if part == "" {
			continue
		}
		if out != "" {
			out += "."
		}
		switch p[i] {
		case quoteNever:
			out += part
		case quoteAlways:
			out += d.Quote(part)
		default:
			// The dialect's own rendering of this part alone keeps its
			// policy for it (Snowflake's per-part quoting).
			out += d.RenderRelation(onePart(i, part))
		}
	}
	return out
}

// onePart is a relation of only its i-th part (database, schema,
// identifier) set to name.
func onePart(i int, name string) Relation {
	switch i {
	case 0:
		return Relation{Database: name}
	case 1:
		return Relation{Schema: name}
	}
	return Relation{Identifier: name}
}

// renderNodeRelation renders the relation of a node (not a source) with
// the project's quoting.
func (e *engine) renderNodeRelation(r Relation) string {
	return renderQuoted(e.dialect, r, e.quoting)
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
