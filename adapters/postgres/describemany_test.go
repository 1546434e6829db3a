package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/adaptertest"
)

// TestDescribeManySameAsDescribe: against the test server, DescribeMany
// reads for every kind of relation what one Describe each reads, in two
// statements however many relations are asked for.
func TestDescribeManySameAsDescribe(t *testing.T) {
	cfg := testConfig(t)
	a := openConfig(t, cfg)
	defer a.Close()
	ctx := context.Background()
	schema := fmt.Sprintf("elt_describe_%d", time.Now().UnixNano())
	other := schema + "_other"
	q := Dialect{}.Quote
	defer func() {
		_ = a.DropSchema(context.Background(), "", schema)
		_ = a.DropSchema(context.Background(), "", other)
	}()
	for _, stmt := range []string{
		"create schema " + q(schema),
		"create schema " + q(other),
		"create table " + q(schema) + `."Orders" (id integer, "Total Amount" numeric(18,3), at timestamp, tags text[])`,
		"insert into " + q(schema) + `."Orders" select g, g * 1.5, now(), array['x'] from generate_series(1, 200) g`,
		"analyze " + q(schema) + `."Orders"`,
		"comment on table " + q(schema) + `."Orders" is 'all orders'`,
		"comment on column " + q(schema) + `."Orders".id is 'the key'`,
		"create index orders_id_idx on " + q(schema) + `."Orders" (id)`,
		"create sequence " + q(schema) + ".order_seq",
		"create view " + q(schema) + `.order_ids as select id from ` + q(schema) + `."Orders"`,
		"create materialized view " + q(schema) + `.order_totals as select sum("Total Amount") as total from ` + q(schema) + `."Orders"`,
		"create table " + q(schema) + ".events (id bigint, kind text) partition by list (kind)",
		"create table " + q(schema) + ".events_a partition of " + q(schema) + ".events for values in ('a')",
		"create table " + q(schema) + ".dropped_col (a int, b int, c int)",
		"alter table " + q(schema) + ".dropped_col drop column b",
		"create table " + q(other) + `."Orders" (payload jsonb)`,
	} {
		if err := a.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	var rels []adapters.Relation
	for _, r := range [][2]string{
		{schema, "Orders"},
		{schema, "orders"}, // PostgreSQL compares quoted names exactly
		{schema, "order_ids"},
		{schema, "order_totals"},
		{schema, "events"},
		{schema, "events_a"},
		{schema, "dropped_col"},
		{schema, "orders_id_idx"}, // an index: no relation
		{schema, "order_seq"},     // a sequence: no relation
		{schema, "missing"},
		{other, "Orders"},
		{"elt_no_such_schema", "Orders"},
		{schema, "Orders"}, // asked twice
	} {
		rels = append(rels, adapters.Relation{Database: cfg.DBName, Schema: r[0], Identifier: r[1]})
	}
	got := adaptertest.CompareDescribeMany(t, ctx, a, rels)
	// Two statements, however many relations.
	counted := &countingQuerier{querier: a.pool}
	schemas, idents := make([]string, len(rels)), make([]string, len(rels))
	for i, rel := range rels {
		schemas[i], idents[i] = rel.Schema, rel.Identifier
	}
	if _, err := describeNamed(ctx, counted, schemas, idents); err != nil {
		t.Fatal(err)
	}
	if counted.n != 2 {
		t.Errorf("describing %d relations took %d statements; want 2", len(rels), counted.n)
	}
	present := 0
	for _, info := range got {
		if info != nil {
			present++
		}
	}
	if present != 8 {
		t.Errorf("%d of the relations asked for exist; want 8", present)
	}
	if len(got[0].Stats) != 0 || got[0].RowCount == nil || *got[0].RowCount != 200 || got[0].Comment != "all orders" || got[0].Columns[0].Comment != "the key" || len(got[6].Columns) != 2 {
		t.Errorf("described as %+v and %+v", got[0], got[6])
	}
}

// countingQuerier counts the queries it passes on.
type countingQuerier struct {
	querier
	n int
}

func (c *countingQuerier) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	c.n++
	return c.querier.Query(ctx, sql, args...)
}
