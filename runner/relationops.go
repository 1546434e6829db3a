package runner

import (
	"context"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/compiler"
)

// relationOps are the project's own drop_relation and truncate_relation,
// when it (or a package) replaces dbt's: the adapter runs them where it
// would drop or empty a relation itself, as dbt's materializations call
// adapter.drop_relation and adapter.truncate_relation. ok is false when
// neither is replaced.
func relationOps(m *compiler.Manifest) (ops adapters.RelationOps, ok bool) {
	if m.RelationOpReplaced("drop_relation") {
		ops.Drop = func(ctx context.Context, rel adapters.Relation, kind adapters.RelationKind) error {
			return m.RunRelationOp(ctx, "drop_relation", fromAdapterRel(rel), string(kind))
		}
		ok = true
	}
	if m.RelationOpReplaced("truncate_relation") {
		ops.Truncate = func(ctx context.Context, rel adapters.Relation) error {
			return m.RunRelationOp(ctx, "truncate_relation", fromAdapterRel(rel), "table")
		}
		ok = true
	}
	return ops, ok
}

func fromAdapterRel(rel adapters.Relation) compiler.Relation {
	return compiler.Relation{Database: rel.Database, Schema: rel.Schema, Identifier: rel.Identifier}
}
