// Package schematest validates elt's artifacts with a JSON-schema
// validator, for tests: run_results.json against dbt's run-results v6
// rules (run_results.v6.schema.json, written from the published schema's
// facts, with a few stricter rules of elt's own).
package schematest

import (
	"bytes"
	_ "embed"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed run_results.v6.schema.json
var runResultsSchema []byte

// ValidateRunResults reports every way data breaks the run-results rules.
func ValidateRunResults(data []byte) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(runResultsSchema))
	if err != nil {
		return fmt.Errorf("schematest: read schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("run_results.v6.schema.json", doc); err != nil {
		return fmt.Errorf("schematest: add schema: %w", err)
	}
	sch, err := c.Compile("run_results.v6.schema.json")
	if err != nil {
		return fmt.Errorf("schematest: compile schema: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("run_results.json is not JSON: %w", err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("run_results.json breaks the run-results v6 schema: %w", err)
	}
	return nil
}
