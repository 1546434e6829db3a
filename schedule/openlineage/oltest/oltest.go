// Package oltest validates OpenLineage events against the OpenLineage JSON
// schemas kept in ../testdata/spec, for tests.
package oltest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

const (
	specURL          = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
	schemaFacetURL   = "https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json"
	columnLineageURL = "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json"
)

// Validator checks run events and their facets.
type Validator struct {
	event, schema, columnLineage *jsonschema.Schema
}

// New compiles the vendored schemas, with formats (uuid, date-time, uri) asserted.
func New() (*Validator, error) {
	_, self, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(self), "..", "testdata", "spec")
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for url, file := range map[string]string{specURL: "OpenLineage.json", schemaFacetURL: "SchemaDatasetFacet.json", columnLineageURL: "ColumnLineageDatasetFacet.json"} {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if err := c.AddResource(url, doc); err != nil {
			return nil, err
		}
	}
	v := &Validator{}
	var err error
	if v.event, err = c.Compile(specURL + "#/$defs/RunEvent"); err != nil {
		return nil, err
	}
	if v.schema, err = c.Compile(schemaFacetURL + "#/$defs/SchemaDatasetFacet"); err != nil {
		return nil, err
	}
	if v.columnLineage, err = c.Compile(columnLineageURL + "#/$defs/ColumnLineageDatasetFacet"); err != nil {
		return nil, err
	}
	return v, nil
}

// Validate checks one event (JSON) and the schema and columnLineage
// facets of its datasets.
func (v *Validator) Validate(event []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(event))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if err := v.event.Validate(inst); err != nil {
		return fmt.Errorf("breaks the RunEvent schema: %w", err)
	}
	var ev struct {
		Inputs, Outputs []struct {
			Facets map[string]json.RawMessage `json:"facets"`
		}
	}
	if err := json.Unmarshal(event, &ev); err != nil {
		return err
	}
	for _, ds := range append(ev.Inputs, ev.Outputs...) {
		for name, sch := range map[string]*jsonschema.Schema{"schema": v.schema, "columnLineage": v.columnLineage} {
			raw, ok := ds.Facets[name]
			if !ok {
				continue
			}
			f, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
			if err != nil {
				return err
			}
			if err := sch.Validate(f); err != nil {
				return fmt.Errorf("%s facet breaks its schema: %w", name, err)
			}
		}
	}
	return nil
}
