// Package schematest validates elt's artifacts with a JSON-schema
// validator, for tests: run_results.json against dbt's run-results v6
// rules (run_results.v6.schema.json) and catalog.json against dbt's
// catalog v1 rules (catalog.v1.schema.json, after
// https://schemas.getdbt.com/dbt/catalog/v1.json as dbt-core publishes it
// in schemas/dbt/catalog/v1.json), and parts of manifest.json against
// dbt's manifest v12 rules. All are written from the published
// schemas' facts, with a few stricter rules of elt's own marked "elt:".
package schematest

import (
	"bytes"
	_ "embed"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed run_results.v6.schema.json
var runResultsSchema []byte

//go:embed catalog.v1.schema.json
var catalogSchema []byte

//go:embed sources.v3.schema.json
var sourcesSchema []byte

//go:embed manifest_selectors.v12.schema.json
var manifestSelectorsSchema []byte

//go:embed manifest_hooknode.v12.schema.json
var manifestHookNodeSchema []byte

// ValidateManifestSelectors reports every way the selectors key of a
// manifest.json breaks dbt's manifest v12 rules (and elt's stricter shape
// of each selector); the manifest's other keys are not checked.
func ValidateManifestSelectors(data []byte) error {
	return validate(manifestSelectorsSchema, "manifest_selectors.v12.schema.json", "manifest.json", "manifest v12 selectors", data)
}

// ValidateManifestHookNode reports every way data, one entry of a
// manifest.json's nodes, breaks dbt's manifest v12 rules for a node of
// resource_type operation (a project hook's HookNode).
func ValidateManifestHookNode(data []byte) error {
	return validate(manifestHookNodeSchema, "manifest_hooknode.v12.schema.json", "manifest.json node", "manifest v12 HookNode", data)
}

// ValidateSources reports every way data breaks dbt's sources v3 rules
// (sources.json, written by source freshness).
func ValidateSources(data []byte) error {
	return validate(sourcesSchema, "sources.v3.schema.json", "sources.json", "sources v3", data)
}

// ValidateRunResults reports every way data breaks the run-results rules.
func ValidateRunResults(data []byte) error {
	return validate(runResultsSchema, "run_results.v6.schema.json", "run_results.json", "run-results v6", data)
}

// ValidateCatalog reports every way data breaks the catalog v1 rules.
func ValidateCatalog(data []byte) error {
	return validate(catalogSchema, "catalog.v1.schema.json", "catalog.json", "catalog v1", data)
}

func validate(schema []byte, schemaName, file, what string, data []byte) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return fmt.Errorf("schematest: read schema %s: %w", schemaName, err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemaName, doc); err != nil {
		return fmt.Errorf("schematest: add schema %s: %w", schemaName, err)
	}
	sch, err := c.Compile(schemaName)
	if err != nil {
		return fmt.Errorf("schematest: compile schema %s: %w", schemaName, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%s is not JSON: %w", file, err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("%s breaks the %s schema: %w", file, what, err)
	}
	return nil
}
