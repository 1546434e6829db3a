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
	return kindInfo(rel, kind, cols), nil
}

// kindInfo is what Describe knows of a relation from RelationKind and
// Columns alone: type "BASE TABLE" or "VIEW", and the columns.
func kindInfo(rel Relation, kind RelationKind, cols []Column) *RelationInfo {
	info := &RelationInfo{Relation: rel, Type: "BASE TABLE", Columns: cols}
	if kind == KindView {
		info.Type = "VIEW"
	}
	return info
}

// CatalogName is where a catalog query's row places a relation: its
// database (project), schema (dataset) and name as the warehouse stores
// them.
type CatalogName struct{ Database, Schema, Name string }

// CatalogTable is a row of a catalog query for relations.
type CatalogTable struct {
	Name CatalogName
	Type string // the warehouse's table type, e.g. "BASE TABLE", "VIEW"
}

// CatalogColumn is a row of a catalog query for columns.
type CatalogColumn struct {
	Table  CatalogName
	Column Column
}

// CatalogInfos is, for a ManyDescriber that reads relation kinds and
// columns from its catalog in bulk, what Describe answers for each
// relation of rels from RelationKind and Columns: names[i] is where
// relation i is stored, kinds the kind of each stored relation, and
// columns every column row, in order. A relation without a kind (or of
// KindNone) is nil. Each entry has its own slice of columns, never nil.
func CatalogInfos(rels []Relation, names []CatalogName, kinds map[CatalogName]RelationKind, columns []CatalogColumn) []*RelationInfo {
	cols := map[CatalogName][]Column{}
	for _, c := range columns {
		cols[c.Table] = append(cols[c.Table], c.Column)
	}
	infos := make([]*RelationInfo, len(rels))
	for i, rel := range rels {
		if kind := kinds[names[i]]; kind != "" && kind != KindNone {
			infos[i] = kindInfo(rel, kind, append([]Column{}, cols[names[i]]...))
		}
	}
	return infos
}

// DescribeMany describes each relation of rels, in order: through a's
// ManyDescriber when it has one, else one Describe each. An entry of infos
// is nil when its relation does not exist; an entry of errs is the error
// reading that one relation, and the others are still read. When the
// ManyDescriber fails, each relation is read on its own, so that one
// unreadable relation costs only its own entry. Once ctx is done the
// rest are left nil without an error: the caller sees ctx.Err().
func DescribeMany(ctx context.Context, a Adapter, rels []Relation) (infos []*RelationInfo, errs []error) {
	errs = make([]error, len(rels))
	if m, ok := a.(ManyDescriber); ok && len(rels) > 0 {
		if infos, err := m.DescribeMany(ctx, rels); err == nil && len(infos) == len(rels) {
			return infos, errs
		}
	}
	infos = make([]*RelationInfo, len(rels))
	for i, rel := range rels {
		if ctx.Err() != nil {
			break
		}
		infos[i], errs[i] = Describe(ctx, a, rel)
	}
	return infos, errs
}
