package runner

import (
	"fmt"
	"unicode/utf8"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/project"
)

// checkRelationName fails a node that builds a relation whose name the
// warehouse would truncate (limit: its longest name part, in bytes; 0 for
// none). As dbt-postgres' PostgresRelation, an identifier longer than the
// limit in characters is refused with dbt's message when the node runs,
// so the rest of the project still builds. elt also refuses a schema,
// database or identifier longer than the limit in bytes (a shorter
// multi-byte name), which dbt leaves to the warehouse to cut short: two
// names could then become one relation.
func checkRelationName(n *compiler.Node, limit int) error {
	if limit <= 0 || !buildsRelation(n) {
		return nil
	}
	rel := n.Relation
	if utf8.RuneCountInString(rel.Identifier) > limit {
		// dbt's words, capital included.
		return fmt.Errorf("Relation name '%s' is longer than %d characters", rel.Identifier, limit)
	}
	for _, p := range []struct{ part, name string }{{"database", rel.Database}, {"schema", rel.Schema}, {"relation", rel.Identifier}} {
		if len(p.name) > limit {
			return fmt.Errorf("%s name %q is %d bytes long; the warehouse keeps at most %d and would silently truncate it, so two relations could become one (shorten it, or set a shorter alias or schema)",
				p.part, p.name, len(p.name), limit)
		}
	}
	return nil
}

// buildsRelation says whether n makes a table or view of its own when it
// runs: a model that is not ephemeral, a seed or a snapshot.
func buildsRelation(n *compiler.Node) bool {
	switch n.ResourceType {
	case project.Seed, project.Snapshot:
		return true
	case project.Model:
		return materialized(n) != "ephemeral"
	}
	return false
}
