package runner

import (
	"context"
	"fmt"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/compiler"
)

// leftoverSuffixes are the suffixes of the intermediate and backup
// relations dbt's table, view, incremental and materialized_view
// materializations build beside a model's relation
// (make_intermediate_relation, make_backup_relation).
var leftoverSuffixes = []string{"__dbt_tmp", "__dbt_backup"}

// dropsLeftovers says whether dbt's materialization mat drops a
// previous run's intermediate and backup relations before it builds.
func dropsLeftovers(mat string) bool {
	switch mat {
	case "table", "view", "incremental", "materialized_view":
		return true
	}
	return false
}

// leftoverRelation is rel's relation with suffix as dbt names it: the
// identifier cut so that the name fits the warehouse's limit (limit
// characters; 0 for none), then the suffix (postgres__make_relation_with_suffix).
func leftoverRelation(rel compiler.Relation, suffix string, limit int) adapters.Relation {
	id := []rune(rel.Identifier)
	if limit > 0 && len(id)+len(suffix) > limit && limit > len(suffix) {
		id = id[:limit-len(suffix)]
	}
	return adapters.Relation{Database: rel.Database, Schema: rel.Schema, Identifier: string(id) + suffix}
}

// dropLeftovers drops n's <identifier>__dbt_tmp and __dbt_backup
// relations when they exist (left by a run that stopped half way, dbt's
// or another tool's), as dbt's materializations do before their
// pre-hooks: drop_relation_if_exists of each, through the project's
// drop_relation when it has one.
func (r *Runner) dropLeftovers(ctx context.Context, n *compiler.Node) error {
	d := r.a.Dialect()
	for _, suffix := range leftoverSuffixes {
		rel := leftoverRelation(n.Relation, suffix, d.MaxIdentifierLength())
		kind, err := r.a.RelationKind(ctx, rel)
		if err != nil {
			return fmt.Errorf("looking for a leftover %s: %w", d.RenderRelation(rel), err)
		}
		if kind == adapters.KindNone {
			continue
		}
		dr, dropper := r.a.(adapters.RelationDropper)
		switch {
		case dropper: // it runs the project's drop_relation itself (ctx)
			err = dr.DropRelation(ctx, rel)
		case r.hasOps && r.ops.Drop != nil:
			err = r.ops.Drop(ctx, rel, kind)
		default:
			err = r.a.Exec(ctx, "drop "+string(kind)+" if exists "+d.RenderRelation(rel)+" cascade")
		}
		if err != nil {
			return fmt.Errorf("dropping the leftover %s %s: %w", kind, d.RenderRelation(rel), err)
		}
	}
	return nil
}
