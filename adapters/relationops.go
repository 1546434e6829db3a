package adapters

import "context"

// RelationOps are a project's own ways to drop and to empty a relation,
// which replace an adapter's while a node builds. dbt's materializations
// drop and truncate through adapter.drop_relation and
// adapter.truncate_relation, which run the macros of those names, so a
// project or package that defines one (dbt_constraints drops the foreign
// keys that reference a table before it goes) changes how every node is
// built. Either may be nil: the adapter's own statement.
type RelationOps struct {
	// Drop drops rel, which exists and is of kind.
	Drop func(ctx context.Context, rel Relation, kind RelationKind) error
	// Truncate deletes every row of rel, a table, keeping the table.
	Truncate func(ctx context.Context, rel Relation) error
}

type relationOpsKey struct{}

// WithRelationOps has the adapter use ops while building under ctx.
func WithRelationOps(ctx context.Context, ops RelationOps) context.Context {
	return context.WithValue(ctx, relationOpsKey{}, ops)
}

// RelationOpsOf are the relation operations WithRelationOps set, if any.
func RelationOpsOf(ctx context.Context) RelationOps {
	ops, _ := ctx.Value(relationOpsKey{}).(RelationOps)
	return ops
}

// RelationDropper is implemented by adapters that drop a relation of any
// kind their warehouse has (a PostgreSQL materialized view, say) when it
// exists, in a transaction of its own; a project's drop_relation
// (RelationOps) drops it instead. Adapters without it are sent
// "drop table|view if exists ... cascade".
type RelationDropper interface {
	DropRelation(ctx context.Context, rel Relation) error
}
