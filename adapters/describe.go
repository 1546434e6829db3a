package adapters

import "context"

// Describe reads rel's catalog entry through a's Describer, or, for an
// adapter without one, from RelationKind and Columns (type "BASE TABLE" or
// "VIEW", no comment, owner or statistics). nil when rel does not exist.
func Describe(ctx context.Context, a Adapter, rel Relation) (*RelationInfo, error) {
	if d, ok := a.(Describer); ok {
		return d.Describe(ctx, rel)
	}
	kind, err := a.RelationKind(ctx, rel)
	if err != nil || kind == KindNone {
		return nil, err
	}
	cols, err := a.Columns(ctx, rel)
	if err != nil {
		return nil, err
	}
	info := &RelationInfo{Relation: rel, Type: "BASE TABLE", Columns: cols}
	if kind == KindView {
		info.Type = "VIEW"
	}
	return info, nil
}
