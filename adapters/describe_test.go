package adapters

import (
	"context"
	"reflect"
	"testing"
)

// noDescriber is an adapter without Describer: Describe falls back to
// RelationKind and Columns.
type noDescriber struct {
	Adapter // nil: only the methods below are called
	kinds   map[string]RelationKind
}

func (a noDescriber) RelationKind(_ context.Context, rel Relation) (RelationKind, error) {
	return a.kinds[rel.Identifier], nil
}

func (a noDescriber) Columns(_ context.Context, rel Relation) ([]Column, error) {
	return []Column{{Name: "ID", DataType: "NUMBER(38,0)", Index: 1}}, nil
}

func TestDescribeFallback(t *testing.T) {
	a := noDescriber{kinds: map[string]RelationKind{"t": KindTable, "v": KindView}}
	ctx := context.Background()
	for _, c := range []struct {
		ident string
		want  *RelationInfo
	}{
		{"t", &RelationInfo{Relation: Relation{"db", "s", "t"}, Type: "BASE TABLE", Columns: []Column{{Name: "ID", DataType: "NUMBER(38,0)", Index: 1}}}},
		{"v", &RelationInfo{Relation: Relation{"db", "s", "v"}, Type: "VIEW", Columns: []Column{{Name: "ID", DataType: "NUMBER(38,0)", Index: 1}}}},
		{"missing", nil},
	} {
		got, err := Describe(ctx, a, Relation{"db", "s", c.ident})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\nwant %+v\n got %+v", c.ident, c.want, got)
		}
	}
}
