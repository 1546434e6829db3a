package openlineage

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/schedule/openlineage/oltest"
)

func TestEventsValidate(t *testing.T) {
	v, err := oltest.New()
	if err != nil {
		t.Fatal(err)
	}
	ev := NewEvent(Complete, time.Now(), Run{RunID: NewRunID(), Facets: map[string]any{"parent": ParentFacet(NewRunID(), "default", "shop")}},
		Job{Namespace: "default", Name: "model.shop.orders"})
	ev.Inputs = []Dataset{{Namespace: "duckdb:///p/shop.duckdb", Name: "shop.main.stg_orders"}}
	ev.Outputs = []Dataset{{Namespace: "duckdb:///p/shop.duckdb", Name: "shop.main.orders", Facets: map[string]any{
		"schema": SchemaFacet([]Field{{Name: "id", Type: "INTEGER"}}),
		"columnLineage": ColumnLineageFacet(map[string][]InputField{"id": {{Namespace: "duckdb:///p/shop.duckdb", Name: "shop.main.stg_orders", Field: "id",
			Transformations: []Transformation{{Type: "DIRECT", Subtype: "IDENTITY"}}}}}),
	}}}
	b, _ := json.Marshal(ev)
	if err := v.Validate(b); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	// The validator is not a rubber stamp: a bad run id and a facet
	// without its fields fail.
	bad := strings.Replace(string(b), ev.Run.RunID, "not-a-uuid", 1)
	if err := v.Validate([]byte(bad)); err == nil {
		t.Error("a run id that is no UUID validated")
	}
	ev.Outputs[0].Facets["columnLineage"] = map[string]any{"_producer": Producer, "_schemaURL": ColumnLineageURL}
	b, _ = json.Marshal(ev)
	if err := v.Validate(b); err == nil || !strings.Contains(err.Error(), "columnLineage") {
		t.Errorf("a column lineage facet without fields: %v", err)
	}
}
