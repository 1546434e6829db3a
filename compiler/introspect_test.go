package compiler

import (
	"context"
	"database/sql"
	"strings"
	"sync/atomic"
	"testing"
)

// duckCatalog is an Options.Catalog reading DuckDB's information_schema,
// counting its calls.
type duckCatalog struct {
	db    *sql.DB
	calls atomic.Int64
}

func (c *duckCatalog) RelationKind(ctx context.Context, r Relation) (string, error) {
	c.calls.Add(1)
	var kind string
	err := c.db.QueryRowContext(ctx, `select case table_type when 'VIEW' then 'view' else 'table' end
		from information_schema.tables where table_catalog = ? and table_schema = ? and table_name = ?`,
		r.Database, r.Schema, r.Identifier).Scan(&kind)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return kind, err
}

func (c *duckCatalog) Columns(ctx context.Context, r Relation) ([]Column, error) {
	c.calls.Add(1)
	rows, err := c.db.QueryContext(ctx, `select column_name, data_type from information_schema.columns
		where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position`,
		r.Database, r.Schema, r.Identifier)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Column
	for rows.Next() {
		var col Column
		if err := rows.Scan(&col.Name, &col.DataType); err != nil {
			return nil, err
		}
		out = append(out, col)
	}
	return out, rows.Err()
}

func TestAdapterIntrospection(t *testing.T) {
	ctx := context.Background()
	db := openDuckDB(t,
		"create table customers (id integer, name varchar, signed_up date)",
		"create view customers_v as select id from customers",
		"create table stg (order_id bigint, amount double)",
	)
	files := map[string]string{
		"models/stg.sql": "select 1 as order_id, 2.0 as amount",
		"models/report.sql": `{%- set rel = adapter.get_relation(database='warehouse', schema='main', identifier='customers') -%}
{%- set v = load_relation(api.Relation.create(database='warehouse', schema='main', identifier='customers_v')) -%}
{%- set missing = adapter.get_relation('warehouse', 'main', 'nope') -%}
rel={{ rel }} type={{ rel.type if rel else none }} is_table={{ rel.is_table if rel else none }}
view={{ v.type if v else none }} is_view={{ v.is_view if v else none }} missing={{ missing is none }}
cols={% for c in adapter.get_columns_in_relation(rel) %}{{ c.name }}:{{ c.data_type }}/{{ c.column }}:{{ c.dtype }}{% if not loop.last %},{% endif %}{% endfor %}
ref_cols={% for c in adapter.get_columns_in_relation(ref('stg')) %}{{ c.quoted }} {% endfor %}
include={{ api.Relation.create(database='warehouse', schema='main', identifier='x').include(database=False) }} {{ this.include(database=False, schema=False) }}`,
	}
	cat := &duckCatalog{db: db}
	opts := testOptions()
	opts.Catalog = cat
	m, err := Parse(ctx, newProject(files), opts)
	if err != nil {
		t.Fatal(err)
	}
	if n := cat.calls.Load(); n != 0 {
		t.Fatalf("Parse asked the catalog %d times; it must not while parsing", n)
	}
	if err := m.Compile(ctx, nil); err != nil {
		t.Fatal(err)
	}
	want := `rel="warehouse"."main"."customers" type=table is_table=True
view=view is_view=True missing=True
cols=id:INTEGER/id:INTEGER,name:VARCHAR/name:VARCHAR,signed_up:DATE/signed_up:DATE
ref_cols="order_id" "amount" 
include="main"."x" "report"`
	if got := m.Nodes["model.shop.report"].CompiledCode; got != want {
		t.Errorf("want\n%s\ngot\n%s", want, got)
	}

	// Without a catalog, parsing works and compiling says what is missing.
	m, err = Parse(ctx, newProject(files), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	err = m.Compile(ctx, nil)
	if err == nil || !strings.Contains(err.Error(), "adapter.get_relation needs a connection") || !strings.Contains(err.Error(), "models/report.sql") {
		t.Errorf("want a located 'needs a connection' error, got %v", err)
	}
}
