package snowflake

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/adaptertest"
)

// The catalog queries DescribeMany sends for one database, with default
// quoting and with every part quoted.
func TestGoldenCatalogQueries(t *testing.T) {
	var s script
	for _, c := range []struct {
		name string
		p    Planner
	}{
		{"default quoting", Planner{Dialect: Dialect{}}},
		{"quoting on", Planner{Dialect: Dialect{Quoting: Quoting{Database: true, Schema: true, Identifier: true}}}},
	} {
		d := c.p.Dialect
		schemas := []string{d.storedRelation(adapters.Relation{Schema: "mart"}).Schema, d.storedRelation(adapters.Relation{Schema: "Raw Data"}).Schema}
		s.comment("%s: the tables and views of two schemas", c.name)
		s.b.WriteString(c.p.CatalogTablesQuery("analytics", schemas) + ";\n\n")
		s.comment("%s: their columns", c.name)
		s.b.WriteString(c.p.CatalogColumnsQuery("analytics", schemas) + ";\n\n")
	}
	golden(t, "catalog_many", s.b.String())
}

// TestCatalogRowsDescribe: what DescribeMany makes of the catalog's rows
// is, for each relation, what adapters.Describe makes of RelationKind and
// Columns for it alone.
func TestCatalogRowsDescribe(t *testing.T) {
	d := Dialect{}
	rels := []adapters.Relation{
		{Database: "analytics", Schema: "mart", Identifier: "orders"},
		{Database: "analytics", Schema: "mart", Identifier: "order_ids"},
		{Database: "analytics", Schema: "mart", Identifier: "scratch"}, // only a temporary table of this name
		{Database: "analytics", Schema: "mart", Identifier: "missing"},
		{Database: "analytics", Schema: "raw", Identifier: "orders"},  // another schema
		{Database: "analytics", Schema: "mart", Identifier: "orders"}, // asked twice
	}
	stored := make([]adapters.Relation, len(rels))
	for i, rel := range rels {
		stored[i] = d.storedRelation(rel)
	}
	table := func(schema, name, typ string) adapters.CatalogTable {
		return adapters.CatalogTable{Name: adapters.CatalogName{Database: "ANALYTICS", Schema: schema, Name: name}, Type: typ}
	}
	col := func(schema, table, name, typ string, idx int) adapters.CatalogColumn {
		return adapters.CatalogColumn{Table: adapters.CatalogName{Database: "ANALYTICS", Schema: schema, Name: table}, Column: adapters.Column{Name: name, DataType: typ, Index: idx}}
	}
	cat := catalogRows{
		tables: []adapters.CatalogTable{
			table("MART", "ORDERS", "BASE TABLE"),
			table("MART", "ORDER_IDS", "VIEW"),
			table("MART", "SCRATCH", "TEMPORARY TABLE"),
			table("RAW", "ORDERS", "BASE TABLE"),
			table("MART", "Mixed", "BASE TABLE"),
		},
		columns: []adapters.CatalogColumn{
			col("MART", "ORDERS", "ID", "NUMBER(38,0)", 1),
			col("MART", "ORDERS", "Total Amount", "NUMBER(18,3)", 2),
			col("MART", "ORDER_IDS", "ID", "NUMBER(38,0)", 1),
			col("MART", "SCRATCH", "Z", "NUMBER(38,0)", 1),
			col("RAW", "ORDERS", "PAYLOAD", "VARIANT", 1),
		},
	}
	got := cat.describe(rels, stored)
	ordersCols := []adapters.Column{{Name: "id", DataType: "NUMBER(38,0)", Index: 1}, {Name: "Total Amount", DataType: "NUMBER(18,3)", Index: 2}}
	want := []*adapters.RelationInfo{
		{Relation: rels[0], Type: "BASE TABLE", Columns: ordersCols},
		{Relation: rels[1], Type: "VIEW", Columns: []adapters.Column{{Name: "id", DataType: "NUMBER(38,0)", Index: 1}}},
		nil,
		nil,
		{Relation: rels[4], Type: "BASE TABLE", Columns: []adapters.Column{{Name: "payload", DataType: "VARIANT", Index: 1}}},
		{Relation: rels[5], Type: "BASE TABLE", Columns: ordersCols},
	}
	adaptertest.CheckDescribed(t, rels, got, want)
	if &got[0].Columns[0] == &got[5].Columns[0] {
		t.Error("a relation asked twice shares its columns")
	}
}

// TestLiveDescribeMany: against an account, DescribeMany reads what
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
	suffix := fmt.Sprint(time.Now().UnixNano())
	rel := func(ident string) adapters.Relation {
		return adapters.Relation{Database: cfg.Database, Schema: cfg.Schema, Identifier: ident + "_" + suffix}
	}
	made := []adapters.Relation{rel("describe_t"), rel("describe_v")}
	defer func() {
		for _, r := range made {
			_ = a.Exec(context.Background(), "drop table if exists "+a.planner.Dialect.RenderRelation(r))
			_ = a.Exec(context.Background(), "drop view if exists "+a.planner.Dialect.RenderRelation(r))
		}
	}()
	for _, stmt := range []string{
		"create table " + a.planner.Dialect.RenderRelation(made[0]) + " (id number(38,0), name varchar(20), amount number(18,3), at timestamp_ntz)",
		"create view " + a.planner.Dialect.RenderRelation(made[1]) + " as select id, name from " + a.planner.Dialect.RenderRelation(made[0]),
	} {
		if err := a.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	rels := append(made, rel("describe_missing"), adapters.Relation{Identifier: made[0].Identifier})
	got := adaptertest.CompareDescribeMany(t, ctx, a, rels)
	if got[0] == nil || got[1] == nil || got[2] != nil || len(got[0].Columns) != 4 {
		t.Errorf("described as %+v", got)
	}
}
