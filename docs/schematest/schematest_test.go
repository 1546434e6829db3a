package schematest

import (
	"strings"
	"testing"
)

const valid = `{"metadata":{"dbt_schema_version":"https://schemas.getdbt.com/dbt/run-results/v6.json","dbt_version":"1.9.0","generated_at":"2024-05-01T10:00:00.123456Z","invocation_id":"x","env":{}},
"results":[{"status":"success","timing":[{"name":"execute","started_at":"2024-05-01T10:00:00.000000Z","completed_at":"2024-05-01T10:00:01.000000Z"}],"thread_id":"Thread-1","execution_time":1.0,"adapter_response":{},"message":"OK","failures":null,"unique_id":"model.a.b","compiled":true,"compiled_code":"select 1","relation_name":"\"db\".\"main\".\"b\""}],
"elapsed_time":1.5,"args":{}}`

func TestValidateRunResults(t *testing.T) {
	if err := ValidateRunResults([]byte(valid)); err != nil {
		t.Fatalf("a valid artifact was refused: %v", err)
	}
	broken := map[string]string{
		"negative execution time": strings.Replace(valid, `"execution_time":1.0`, `"execution_time":-9223372036.85`, 1),
		"null completed_at":       strings.Replace(valid, `"completed_at":"2024-05-01T10:00:01.000000Z"`, `"completed_at":null`, 1),
		"cancelled status":        strings.Replace(valid, `"status":"success"`, `"status":"cancelled"`, 1),
		"unknown key":             strings.Replace(valid, `"elapsed_time":1.5`, `"elapsed_time":1.5,"extra":1`, 1),
		"missing message":         strings.Replace(valid, `"message":"OK",`, ``, 1),
	}
	for name, doc := range broken {
		if err := ValidateRunResults([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

const validCatalog = `{"metadata":{"dbt_schema_version":"https://schemas.getdbt.com/dbt/catalog/v1.json","dbt_version":"1.10.9","generated_at":"2024-05-01T10:00:00.123456Z","invocation_id":"x","env":{}},
"nodes":{"model.a.b":{"metadata":{"type":"BASE TABLE","schema":"main","name":"b","database":"db","comment":null,"owner":null},
"columns":{"id":{"type":"INTEGER","index":1,"name":"id","comment":null}},
"stats":{"has_stats":{"id":"has_stats","label":"Has Stats?","value":true,"include":false,"description":"Indicates whether there are statistics for this table"},"row_count":{"id":"row_count","label":"Row Count","value":3,"include":true,"description":null}},
"unique_id":"model.a.b"}},
"sources":{},"errors":null}`

func TestValidateCatalog(t *testing.T) {
	if err := ValidateCatalog([]byte(validCatalog)); err != nil {
		t.Fatalf("a valid catalog was refused: %v", err)
	}
	broken := map[string]string{
		"missing sources":      strings.Replace(validCatalog, `"sources":{},`, ``, 1),
		"unknown table key":    strings.Replace(validCatalog, `"unique_id":"model.a.b"}`, `"unique_id":"model.a.b","rows":3}`, 1),
		"index as a string":    strings.Replace(validCatalog, `"index":1`, `"index":"1"`, 1),
		"column without type":  strings.Replace(validCatalog, `"type":"INTEGER",`, ``, 1),
		"stat without include": strings.Replace(validCatalog, `"value":3,"include":true,`, `"value":3,`, 1),
		"no has_stats":         strings.Replace(validCatalog, `"has_stats":{"id":"has_stats","label":"Has Stats?","value":true,"include":false,"description":"Indicates whether there are statistics for this table"},`, ``, 1),
		"errors as a string":   strings.Replace(validCatalog, `"errors":null`, `"errors":"x"`, 1),
		"wrong schema version": strings.Replace(validCatalog, `catalog/v1.json`, `catalog/v2.json`, 1),
	}
	for name, doc := range broken {
		if doc == validCatalog {
			t.Errorf("%s: the case changes nothing", name)
			continue
		}
		if err := ValidateCatalog([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestValidateManifestSelectors(t *testing.T) {
	valid := `{"selectors":{"nightly":{"name":"nightly","default":true,"definition":{"union":[{"method":"tag","value":"nightly","children":true},{"exclude":[{"method":"fqn","value":"x"}]}]}}}}`
	if err := ValidateManifestSelectors([]byte(valid)); err != nil {
		t.Fatalf("valid selectors were refused: %v", err)
	}
	broken := map[string]string{
		"no selectors key":      `{"nodes":{}}`,
		"definition missing":    `{"selectors":{"a":{"name":"a"}}}`,
		"unnormalized string":   `{"selectors":{"a":{"name":"a","definition":"tag:x"}}}`,
		"default as a string":   `{"selectors":{"a":{"name":"a","default":"true","definition":{"method":"tag","value":"x"}}}}`,
		"unknown selector key":  `{"selectors":{"a":{"name":"a","definiton":{},"definition":{"method":"tag","value":"x"}}}}`,
		"criterion sans method": `{"selectors":{"a":{"name":"a","definition":{"value":"x"}}}}`,
	}
	for name, doc := range broken {
		if err := ValidateManifestSelectors([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

const validHookNode = `{"database":"db","schema":"main","name":"p-on-run-start-0","resource_type":"operation","package_name":"p",
"path":"hooks/p-on-run-start-0.sql","original_file_path":"./dbt_project.yml","unique_id":"operation.p.p-on-run-start-0",
"fqn":["p","hooks","p-on-run-start-0"],"alias":"p-on-run-start-0","checksum":{"name":"sha256","checksum":"ab"},
"config":{"enabled":true},"tags":["on-run-start"],"description":"","columns":{},"meta":{},"group":null,
"docs":{"show":true,"node_color":null},"patch_path":null,"build_path":null,"unrendered_config":{},"created_at":1.5,
"relation_name":null,"raw_code":"select 1","doc_blocks":[],"language":"sql","refs":[],"sources":[],"metrics":[],
"depends_on":{"macros":[],"nodes":[]},"compiled_path":null,"compiled":false,"compiled_code":null,
"extra_ctes_injected":false,"extra_ctes":[],"contract":{"enforced":false,"alias_types":true,"checksum":null},"index":0}`

func TestValidateManifestHookNode(t *testing.T) {
	if err := ValidateManifestHookNode([]byte(validHookNode)); err != nil {
		t.Fatalf("a valid hook node was refused: %v", err)
	}
	broken := map[string]string{
		"a model's key":    strings.Replace(validHookNode, `"index":0`, `"index":0,"access":"protected"`, 1),
		"another type":     strings.Replace(validHookNode, `"resource_type":"operation"`, `"resource_type":"model"`, 1),
		"index a string":   strings.Replace(validHookNode, `"index":0`, `"index":"0"`, 1),
		"missing checksum": strings.Replace(validHookNode, `"checksum":{"name":"sha256","checksum":"ab"},`, ``, 1),
		"tags not a list":  strings.Replace(validHookNode, `"tags":["on-run-start"]`, `"tags":"on-run-start"`, 1),
	}
	for name, doc := range broken {
		if err := ValidateManifestHookNode([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
