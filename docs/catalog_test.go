package docs

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/docs/schematest"
	"github.com/elt-dev/elt/internal/targetfs"
	"github.com/elt-dev/elt/lineage"
)

func TestCatalogRelations(t *testing.T) {
	m := testManifest()
	m.Nodes["model.shop.orders"].Config["enabled"] = true
	nodes, sources := CatalogRelations(m)
	// The ephemeral stg_orders and the tests have no relation of their own.
	wantNodes := map[string]adapters.Relation{
		"seed.shop.countries": {Database: "dev", Schema: "main", Identifier: "countries"},
		"model.shop.orders":   {Database: "dev", Schema: "main", Identifier: "orders"},
	}
	if !reflect.DeepEqual(nodes, wantNodes) {
		t.Errorf("nodes:\nwant %v\n got %v", wantNodes, nodes)
	}
	wantSources := map[string]adapters.Relation{"source.shop.raw.orders": {Database: "dev", Schema: "raw", Identifier: "orders"}}
	if !reflect.DeepEqual(sources, wantSources) {
		t.Errorf("sources:\nwant %v\n got %v", wantSources, sources)
	}
	m.Nodes["model.shop.orders"].Config["enabled"] = false
	if nodes, _ := CatalogRelations(m); len(nodes) != 1 {
		t.Errorf("a disabled model is listed: %v", nodes)
	}
}

func TestBuildCatalog(t *testing.T) {
	meta := Metadata{InvocationID: "inv-1", GeneratedAt: time.Date(2024, 5, 1, 10, 0, 0, 123456000, time.UTC), Env: map[string]string{"team": "data"}}
	orders := &adapters.RelationInfo{
		Relation: adapters.Relation{Database: "dev", Schema: "main", Identifier: "Orders"},
		Type:     "BASE TABLE", Comment: "All orders", Owner: "elt",
		Columns: []adapters.Column{{Name: "ID", DataType: "INTEGER", Index: 1}, {Name: "note", DataType: "VARCHAR", Index: 2, Comment: "free text"}},
		Stats:   []adapters.Stat{{ID: "row_count", Label: "Row Count", Value: int64(3), Include: true, Description: "rows"}},
	}
	view := &adapters.RelationInfo{Relation: adapters.Relation{Schema: "main", Identifier: "v"}, Type: "VIEW",
		Columns: []adapters.Column{{Name: "x", DataType: "INTEGER", Index: 1}}}
	c := BuildCatalog(meta,
		map[string]*adapters.RelationInfo{"model.shop.orders": orders, "model.shop.missing": nil},
		map[string]*adapters.RelationInfo{"source.shop.raw.v": view}, nil)

	var buf bytes.Buffer
	if err := jsonWriter(c)(&buf); err != nil {
		t.Fatal(err)
	}
	if err := schematest.ValidateCatalog(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	want := `{"metadata":{"dbt_schema_version":"https://schemas.getdbt.com/dbt/catalog/v1.json","dbt_version":"` + DefaultDBTVersion + `",` +
		`"generated_at":"2024-05-01T10:00:00.123456Z","invocation_id":"inv-1","invocation_started_at":null,"env":{"team":"data"}},` +
		`"nodes":{"model.shop.orders":{"metadata":{"type":"BASE TABLE","schema":"main","name":"Orders","database":"dev","comment":"All orders","owner":"elt"},` +
		`"columns":{"ID":{"type":"INTEGER","index":1,"name":"ID","comment":null},"note":{"type":"VARCHAR","index":2,"name":"note","comment":"free text"}},` +
		`"stats":{"has_stats":{"id":"has_stats","label":"Has Stats?","value":true,"include":false,"description":"Indicates whether there are statistics for this table"},` +
		`"row_count":{"id":"row_count","label":"Row Count","value":3,"include":true,"description":"rows"}},"unique_id":"model.shop.orders"}},` +
		`"sources":{"source.shop.raw.v":{"metadata":{"type":"VIEW","schema":"main","name":"v","database":null,"comment":null,"owner":null},` +
		`"columns":{"x":{"type":"INTEGER","index":1,"name":"x","comment":null}},` +
		`"stats":{"has_stats":{"id":"has_stats","label":"Has Stats?","value":false,"include":false,"description":"Indicates whether there are statistics for this table"}},"unique_id":"source.shop.raw.v"}},` +
		`"errors":null}` + "\n"
	if got := buf.String(); got != want {
		t.Errorf("catalog.json:\n--- want\n%s--- got\n%s", want, got)
	}

	// Problems reading the warehouse are listed, sorted; the file stays valid.
	c = BuildCatalog(meta, nil, nil, []string{"model.b: denied", "model.a: timeout"})
	buf.Reset()
	if err := jsonWriter(c)(&buf); err != nil {
		t.Fatal(err)
	}
	if err := schematest.ValidateCatalog(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"nodes":{},"sources":{},"errors":["model.a: timeout","model.b: denied"]`) {
		t.Errorf("errors: %s", buf.String())
	}
}

func TestBuildLineage(t *testing.T) {
	p := &lineage.Project{Models: map[string]*lineage.Model{
		"orders": {Node: "orders", ColumnsKnown: true, Upstream: []string{"raw.orders"}, Columns: []lineage.Column{
			{Name: "id", Edges: []lineage.Edge{{Node: "raw.orders", Column: "id", Type: lineage.Identity}}},
			{Name: "total", Edges: []lineage.Edge{{Node: "raw.orders", Column: "amount", Type: lineage.Aggregation}, {Node: "raw.orders", Column: "id", Type: lineage.Indirect}}},
		}},
		"odd": {Node: "odd", ColumnsKnown: false, Upstream: []string{"orders"},
			Columns:  []lineage.Column{{Name: "x", Edges: []lineage.Edge{}, Degraded: true}},
			Warnings: []lineage.Warning{{Node: "odd", Line: 2, Construct: "lateral join", Message: "not resolved"}}},
	}}
	ids := map[string]string{"orders": "model.shop.orders", "odd": "model.shop.odd", "raw.orders": "source.shop.raw.orders"}
	l := BuildLineage(Metadata{InvocationID: "inv", GeneratedAt: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)}, p, ids)
	got, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"metadata":{"schema_version":"elt/lineage/v1","dbt_version":"` + DefaultDBTVersion + `","generated_at":"2024-05-01T00:00:00.000000Z","invocation_id":"inv"},` +
		`"nodes":{"model.shop.odd":{"columns_known":false,"columns":{"x":{"upstream":[{"node":"model.shop.orders","column":null,"type":"table"}]}}},` +
		`"model.shop.orders":{"columns_known":true,"columns":{"id":{"upstream":[{"node":"source.shop.raw.orders","column":"id","type":"identity"}]},` +
		`"total":{"upstream":[{"node":"source.shop.raw.orders","column":"amount","type":"aggregation"},{"node":"source.shop.raw.orders","column":"id","type":"indirect"}]}}}},` +
		`"warnings":[{"node":"model.shop.odd","line":2,"construct":"lateral join","message":"not resolved"}]}`
	if string(got) != want {
		t.Errorf("lineage.json:\n--- want\n%s\n--- got\n%s", want, got)
	}
}

func TestWriteCatalogStaysInTarget(t *testing.T) {
	dir, err := targetfs.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	if err := WriteCatalog(dir, "../catalog.json", BuildCatalog(Metadata{}, nil, nil, nil)); err == nil {
		t.Error("a name outside the target directory was written")
	}
	if err := WriteLineage(dir, "lineage.json", BuildLineage(Metadata{}, &lineage.Project{}, nil)); err != nil {
		t.Error(err)
	}
}

// TestCatalogColumnsInOrder: a relation's columns are written in its
// column order, as dbt's catalog query returns them, not by name; they
// read back the same.
func TestCatalogColumnsInOrder(t *testing.T) {
	cols := CatalogColumns{
		"zeta":  {Type: "int", Index: 1, Name: "zeta"},
		"alpha": {Type: "text", Index: 2, Name: "alpha"},
		"<m>":   {Type: "int", Index: 3, Name: "<m>"},
	}
	b, err := json.Marshal(CatalogTable{Columns: cols})
	if err != nil {
		t.Fatal(err)
	}
	z, a, m := bytes.Index(b, []byte(`"zeta":`)), bytes.Index(b, []byte(`"alpha":`)), bytes.Index(b, []byte(`"\u003cm\u003e":`))
	if z < 0 || a < 0 || m < 0 || !(z < a && a < m) {
		t.Fatalf("columns out of order: %s", b)
	}
	var back CatalogTable
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back.Columns, cols) {
		t.Errorf("read back %v (%v)", back.Columns, err)
	}
}
