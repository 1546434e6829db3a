package bigquery

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/adaptertest"
)

// TestCatalogRowsDescribe: what DescribeMany makes of the catalog's rows
// is, for each relation, what adapters.Describe makes of RelationKind and
// Columns for it alone.
func TestCatalogRowsDescribe(t *testing.T) {
	rels := []adapters.Relation{
		{Database: "proj", Schema: "analytics", Identifier: "orders"},
		{Database: "proj", Schema: "analytics", Identifier: "order_ids"},
		{Database: "proj", Schema: "analytics", Identifier: "daily"},  // a materialized view
		{Database: "proj", Schema: "analytics", Identifier: "ORDERS"}, // names are case-sensitive
		{Database: "proj", Schema: "raw", Identifier: "orders"},
		{Database: "proj", Schema: "analytics", Identifier: "events"}, // an external table without columns read
		{Database: "proj", Schema: "analytics", Identifier: "orders"}, // asked twice
	}
	table := func(dataset, name, typ string) adapters.CatalogTable {
		return adapters.CatalogTable{Name: adapters.CatalogName{Database: "proj", Schema: dataset, Name: name}, Type: typ}
	}
	col := func(dataset, table, name, typ string, idx int, comment string) adapters.CatalogColumn {
		return adapters.CatalogColumn{Table: adapters.CatalogName{Database: "proj", Schema: dataset, Name: table}, Column: adapters.Column{Name: name, DataType: typ, Index: idx, Comment: comment}}
	}
	cat := catalogRows{
		tables: []adapters.CatalogTable{
			table("analytics", "orders", "BASE TABLE"),
			table("analytics", "order_ids", "VIEW"),
			table("analytics", "daily", "MATERIALIZED VIEW"),
			table("analytics", "events", "EXTERNAL"),
			table("raw", "orders", "BASE TABLE"),
		},
		columns: []adapters.CatalogColumn{
			col("analytics", "orders", "id", "INT64", 1, "the key"),
			col("analytics", "orders", "amount", "NUMERIC(18, 3)", 2, ""),
			col("analytics", "order_ids", "id", "INT64", 1, ""),
			col("analytics", "daily", "day", "DATE", 1, ""),
			col("raw", "orders", "payload", "JSON", 1, ""),
		},
	}
	got := cat.describe(rels, rels)
	ordersCols := []adapters.Column{{Name: "id", DataType: "INT64", Index: 1, Comment: "the key"}, {Name: "amount", DataType: "NUMERIC(18, 3)", Index: 2}}
	want := []*adapters.RelationInfo{
		{Relation: rels[0], Type: "BASE TABLE", Columns: ordersCols},
		{Relation: rels[1], Type: "VIEW", Columns: []adapters.Column{{Name: "id", DataType: "INT64", Index: 1}}},
		{Relation: rels[2], Type: "VIEW", Columns: []adapters.Column{{Name: "day", DataType: "DATE", Index: 1}}},
		nil,
		{Relation: rels[4], Type: "BASE TABLE", Columns: []adapters.Column{{Name: "payload", DataType: "JSON", Index: 1}}},
		{Relation: rels[5], Type: "BASE TABLE", Columns: []adapters.Column{}},
		{Relation: rels[6], Type: "BASE TABLE", Columns: ordersCols},
	}
	adaptertest.CheckDescribed(t, rels, got, want)
	if &got[0].Columns[0] == &got[6].Columns[0] {
		t.Error("a relation asked twice shares its columns")
	}
}

// TestLiveDescribeMany: against a project, DescribeMany reads what
// adapters.Describe reads one relation at a time.
func TestLiveDescribeMany(t *testing.T) {
	cfg := liveConfig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	a, err := Open(ctx, cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer a.Close()
	if err := a.CreateSchema(ctx, cfg.Project, cfg.Dataset); err != nil {
		t.Fatal(err)
	}
	suffix := fmt.Sprint(time.Now().UnixNano())
	rel := func(ident string) adapters.Relation {
		return adapters.Relation{Database: cfg.Project, Schema: cfg.Dataset, Identifier: ident + "_" + suffix}
	}
	made := []adapters.Relation{rel("describe_t"), rel("describe_v")}
	defer func() {
		_ = a.Exec(context.Background(), "drop view if exists "+render(made[1]))
		_ = a.Exec(context.Background(), "drop table if exists "+render(made[0]))
	}()
	for _, stmt := range []string{
		"create table " + render(made[0]) + " (id int64 options(description = 'the key'), name string, amount numeric(18, 3), at timestamp)",
		"create view " + render(made[1]) + " as select id, name from " + render(made[0]),
	} {
		if err := a.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	rels := append(made, rel("describe_missing"), adapters.Relation{Database: cfg.Project, Schema: "elt_no_such_dataset_" + suffix, Identifier: "x"})
	got := adaptertest.CompareDescribeMany(t, ctx, a, rels)
	if got[0] == nil || got[1] == nil || got[2] != nil || got[3] != nil || len(got[0].Columns) != 4 {
		t.Errorf("described as %+v", got)
	}
}
