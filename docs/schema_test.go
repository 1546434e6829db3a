package docs

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// A focused check of our artifacts against dbt's published schemas
// (manifest v12, run-results v6): for each object kind, the keys the schema
// requires, the keys it allows (most objects forbid any other key), and the
// JSON types of the values. The lists were read from the schemas; a full
// JSON-schema validator would mean a new module dependency.

type objSpec struct {
	required []string
	allowed  []string            // nil: additional keys are allowed
	types    map[string][]string // key -> allowed JSON types
}

func words(s string) []string { return strings.Fields(s) }

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if x == math.Trunc(x) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func typeOK(v any, want []string) bool {
	got := jsonType(v)
	for _, w := range want {
		if w == got || (w == "number" && got == "integer") {
			return true
		}
	}
	return false
}

func checkObject(t *testing.T, where string, v any, spec objSpec) map[string]any {
	t.Helper()
	obj, ok := v.(map[string]any)
	if !ok {
		t.Errorf("%s: want an object, got %s", where, jsonType(v))
		return nil
	}
	for _, k := range spec.required {
		if _, ok := obj[k]; !ok {
			t.Errorf("%s: required key %q missing", where, k)
		}
	}
	for _, k := range sortedKeys(obj) {
		if spec.allowed != nil && !slices.Contains(spec.allowed, k) {
			t.Errorf("%s: key %q is not allowed by the schema", where, k)
			continue
		}
		if want, ok := spec.types[k]; ok && !typeOK(obj[k], want) {
			t.Errorf("%s.%s: want %v, got %s (%#v)", where, k, want, jsonType(obj[k]), obj[k])
		}
	}
	return obj
}

func checkStringArray(t *testing.T, where string, v any) {
	t.Helper()
	l, ok := v.([]any)
	if !ok {
		t.Errorf("%s: want an array, got %s", where, jsonType(v))
		return
	}
	for i, e := range l {
		if _, ok := e.(string); !ok {
			t.Errorf("%s[%d]: want a string, got %s", where, i, jsonType(e))
		}
	}
}

var (
	str       = []string{"string"}
	strNull   = []string{"string", "null"}
	obj       = []string{"object"}
	arr       = []string{"array"}
	boolean   = []string{"boolean"}
	num       = []string{"number"}
	verType   = []string{"string", "number", "null"}
	intNull   = []string{"integer", "null"}
	boolNull  = []string{"boolean", "null"}
	objNull   = []string{"object", "null"}
	nodeTypes = map[string][]string{
		"database": strNull, "schema": str, "name": str, "resource_type": str, "package_name": str,
		"path": str, "original_file_path": str, "unique_id": str, "fqn": arr, "alias": str,
		"checksum": obj, "config": obj, "tags": arr, "description": str, "columns": obj, "meta": obj,
		"group": strNull, "docs": obj, "patch_path": strNull, "build_path": strNull,
		"unrendered_config": obj, "created_at": num, "config_call_dict": obj,
		"unrendered_config_call_dict": obj, "relation_name": strNull, "raw_code": str, "doc_blocks": arr,
		"language": str, "refs": arr, "sources": arr, "metrics": arr, "depends_on": obj,
		"compiled_path": strNull, "compiled": boolean, "compiled_code": strNull,
		"extra_ctes_injected": boolean, "extra_ctes": arr, "_pre_injected_sql": strNull, "contract": obj,
		"access": str, "constraints": arr, "version": verType, "latest_version": verType,
		"deprecation_date": strNull, "defer_relation": objNull, "primary_key": arr, "time_spine": objNull, "freshness": objNull,
		"column_name": strNull, "file_key_name": strNull, "attached_node": strNull, "test_metadata": obj,
		"root_path": strNull,
	}
	nodeRequired  = words("database schema name resource_type package_name path original_file_path unique_id fqn alias checksum")
	nodeCommon    = words("database schema name resource_type package_name path original_file_path unique_id fqn alias checksum config tags description columns meta group docs patch_path build_path unrendered_config created_at config_call_dict unrendered_config_call_dict relation_name raw_code doc_blocks")
	compiledExtra = words("language refs sources metrics depends_on compiled_path compiled compiled_code extra_ctes_injected extra_ctes _pre_injected_sql contract")
	// allowed keys by schema title.
	nodeAllowed = map[string][]string{
		"Seed":         append(slices.Clone(nodeCommon), words("root_path depends_on defer_relation")...),
		"Model":        append(append(slices.Clone(nodeCommon), compiledExtra...), words("access constraints version latest_version deprecation_date defer_relation primary_key time_spine freshness")...),
		"SingularTest": append(slices.Clone(nodeCommon), compiledExtra...),
		"GenericTest":  append(append(slices.Clone(nodeCommon), compiledExtra...), words("column_name file_key_name attached_node test_metadata")...),
		"Snapshot":     append(append(slices.Clone(nodeCommon), compiledExtra...), "defer_relation"),
	}
	severityRE = regexp.MustCompile(`^([Ww][Aa][Rr][Nn]|[Ee][Rr][Rr][Oo][Rr])$`)
)

func nodeTitle(n map[string]any) string {
	switch n["resource_type"] {
	case "seed":
		return "Seed"
	case "model":
		return "Model"
	case "snapshot":
		return "Snapshot"
	case "test":
		if _, ok := n["test_metadata"]; ok {
			return "GenericTest"
		}
		return "SingularTest"
	}
	return fmt.Sprint(n["resource_type"])
}

func checkManifestSchema(t *testing.T, man map[string]any) {
	t.Helper()
	top := checkObject(t, "manifest", man, objSpec{
		required: words("metadata nodes sources macros docs exposures metrics groups selectors disabled parent_map child_map group_map saved_queries semantic_models unit_tests"),
		allowed:  words("metadata nodes sources macros docs exposures metrics groups selectors disabled parent_map child_map group_map saved_queries semantic_models unit_tests"),
		types: map[string][]string{
			"nodes": obj, "sources": obj, "macros": obj, "docs": obj, "exposures": obj, "metrics": obj,
			"groups": obj, "selectors": obj, "disabled": objNull, "parent_map": objNull, "child_map": objNull,
			"group_map": objNull, "saved_queries": obj, "semantic_models": obj, "unit_tests": obj,
		},
	})
	checkObject(t, "metadata", top["metadata"], objSpec{
		allowed: words("dbt_schema_version dbt_version generated_at invocation_id invocation_started_at env project_name project_id user_id send_anonymous_usage_stats adapter_type quoting"),
		types: map[string][]string{
			"dbt_schema_version": str, "dbt_version": str, "generated_at": str, "invocation_id": strNull, "invocation_started_at": strNull, "quoting": objNull,
			"env": obj, "project_name": strNull, "project_id": strNull, "user_id": strNull,
			"send_anonymous_usage_stats": boolNull, "adapter_type": strNull,
		},
	})
	for _, id := range sortedKeys(top["nodes"].(map[string]any)) {
		checkNode(t, "nodes."+id, top["nodes"].(map[string]any)[id])
	}
	for id, l := range top["disabled"].(map[string]any) {
		for i, n := range l.([]any) {
			checkNode(t, fmt.Sprintf("disabled.%s[%d]", id, i), n)
		}
	}
	for id, s := range top["sources"].(map[string]any) {
		checkSource(t, "sources."+id, s)
	}
	for id, m := range top["macros"].(map[string]any) {
		w := "macros." + id
		mac := checkObject(t, w, m, objSpec{
			required: words("name resource_type package_name path original_file_path unique_id macro_sql"),
			allowed:  words("name resource_type package_name path original_file_path unique_id macro_sql depends_on description meta docs patch_path arguments created_at supported_languages"),
			types: map[string][]string{"name": str, "resource_type": str, "macro_sql": str, "depends_on": obj,
				"description": str, "meta": obj, "docs": obj, "patch_path": strNull, "arguments": arr,
				"created_at": num, "supported_languages": []string{"array", "null"}},
		})
		if mac["resource_type"] != "macro" {
			t.Errorf("%s.resource_type: %v", w, mac["resource_type"])
		}
		checkObject(t, w+".depends_on", mac["depends_on"], objSpec{allowed: words("macros"), types: map[string][]string{"macros": arr}})
		checkDocs(t, w+".docs", mac["docs"])
	}
	for id, d := range top["docs"].(map[string]any) {
		keys := words("name resource_type package_name path original_file_path unique_id block_contents")
		types := map[string][]string{}
		for _, k := range keys {
			types[k] = str
		}
		doc := checkObject(t, "docs."+id, d, objSpec{required: keys, allowed: keys, types: types})
		if doc["resource_type"] != "doc" {
			t.Errorf("docs.%s.resource_type: %v", id, doc["resource_type"])
		}
	}
	for _, mp := range []string{"parent_map", "child_map", "group_map"} {
		for id, l := range top[mp].(map[string]any) {
			checkStringArray(t, mp+"."+id, l)
		}
	}
}

func checkNode(t *testing.T, where string, v any) {
	t.Helper()
	n, ok := v.(map[string]any)
	if !ok {
		t.Errorf("%s: not an object", where)
		return
	}
	title := nodeTitle(n)
	allowed, ok := nodeAllowed[title]
	if !ok {
		t.Errorf("%s: unexpected resource_type %v", where, n["resource_type"])
		return
	}
	required := nodeRequired
	if title == "Snapshot" {
		required = append(slices.Clone(required), "config")
	}
	checkObject(t, where, n, objSpec{required: required, allowed: allowed, types: nodeTypes})
	checkStringArray(t, where+".fqn", n["fqn"])
	checkStringArray(t, where+".tags", n["tags"])
	checkObject(t, where+".checksum", n["checksum"], objSpec{required: words("name checksum"), allowed: words("name checksum"), types: map[string][]string{"name": str, "checksum": str}})
	checkDocs(t, where+".docs", n["docs"])
	for col, c := range n["columns"].(map[string]any) {
		checkColumn(t, where+".columns."+col, c)
	}
	checkConfig(t, where+".config", title, n["config"])
	if title == "Seed" {
		checkObject(t, where+".depends_on", n["depends_on"], objSpec{allowed: words("macros"), types: map[string][]string{"macros": arr}})
		return
	}
	checkObject(t, where+".depends_on", n["depends_on"], objSpec{allowed: words("macros nodes"), types: map[string][]string{"macros": arr, "nodes": arr}})
	for i, r := range n["refs"].([]any) {
		checkObject(t, fmt.Sprintf("%s.refs[%d]", where, i), r, objSpec{required: words("name"), allowed: words("name package version"),
			types: map[string][]string{"name": str, "package": strNull, "version": verType}})
	}
	for i, s := range n["sources"].([]any) {
		checkStringArray(t, fmt.Sprintf("%s.sources[%d]", where, i), s)
	}
	for i, c := range n["extra_ctes"].([]any) {
		checkObject(t, fmt.Sprintf("%s.extra_ctes[%d]", where, i), c, objSpec{required: words("id sql"), allowed: words("id sql"), types: map[string][]string{"id": str, "sql": str}})
	}
	checkObject(t, where+".contract", n["contract"], objSpec{allowed: words("enforced alias_types checksum"),
		types: map[string][]string{"enforced": boolean, "alias_types": boolean, "checksum": strNull}})
	switch title {
	case "Model":
		if a := n["access"]; !slices.Contains([]any{"private", "protected", "public"}, a) {
			t.Errorf("%s.access: %v", where, a)
		}
	case "GenericTest":
		checkObject(t, where+".test_metadata", n["test_metadata"], objSpec{allowed: words("name kwargs namespace"),
			types: map[string][]string{"name": str, "kwargs": obj, "namespace": strNull}})
	}
}

func checkDocs(t *testing.T, where string, v any) {
	t.Helper()
	checkObject(t, where, v, objSpec{allowed: words("show node_color"), types: map[string][]string{"show": boolean, "node_color": strNull}})
}

func checkColumn(t *testing.T, where string, v any) {
	t.Helper()
	checkObject(t, where, v, objSpec{required: words("name"), types: map[string][]string{
		"name": str, "description": str, "meta": obj, "data_type": strNull, "constraints": arr,
		"quote": boolNull, "config": obj, "tags": arr, "granularity": strNull, "doc_blocks": arr,
	}})
}

func checkConfig(t *testing.T, where, title string, v any) {
	t.Helper()
	types := map[string][]string{
		"enabled": boolean, "alias": strNull, "schema": strNull, "database": strNull,
		"tags": {"array", "string"}, "meta": obj, "group": strNull, "materialized": str,
		"incremental_strategy": strNull, "persist_docs": obj, "post-hook": arr, "pre-hook": arr,
		"quoting": obj, "column_types": obj, "full_refresh": boolNull, "unique_key": {"string", "array", "null"},
		"on_schema_change": strNull, "grants": obj, "packages": arr, "docs": obj, "contract": obj,
		"severity": str, "store_failures": boolNull, "store_failures_as": strNull, "where": strNull,
		"limit": intNull, "fail_calc": str, "warn_if": str, "error_if": str,
		"delimiter": str, "quote_columns": boolNull,
	}
	cfg := checkObject(t, where, v, objSpec{types: types}) // configs allow extra keys
	if cfg == nil {
		return
	}
	for _, k := range []string{"post-hook", "pre-hook"} {
		if l, ok := cfg[k].([]any); ok {
			for i, h := range l {
				checkObject(t, fmt.Sprintf("%s.%s[%d]", where, k, i), h, objSpec{required: words("sql"), allowed: words("sql transaction index"),
					types: map[string][]string{"sql": str, "transaction": boolean, "index": intNull}})
			}
		}
	}
	if c, ok := cfg["on_configuration_change"]; ok && !slices.Contains([]any{"apply", "continue", "fail"}, c) {
		t.Errorf("%s.on_configuration_change: %v", where, c)
	}
	if s, ok := cfg["severity"].(string); ok && !severityRE.MatchString(s) {
		t.Errorf("%s.severity: %q", where, s)
	}
	if d, ok := cfg["docs"]; ok {
		checkDocs(t, where+".docs", d)
	}
	if c, ok := cfg["contract"]; ok {
		checkObject(t, where+".contract", c, objSpec{allowed: words("enforced alias_types"), types: map[string][]string{"enforced": boolean, "alias_types": boolean}})
	}
}

func checkSource(t *testing.T, where string, v any) {
	t.Helper()
	s := checkObject(t, where, v, objSpec{
		required: words("database schema name resource_type package_name path original_file_path unique_id fqn source_name source_description loader identifier"),
		allowed:  words("database schema name resource_type package_name path original_file_path unique_id fqn source_name source_description loader identifier quoting loaded_at_field loaded_at_query freshness external description columns meta source_meta tags config patch_path unrendered_config relation_name created_at unrendered_database unrendered_schema doc_blocks"),
		types: map[string][]string{
			"database": strNull, "schema": str, "name": str, "resource_type": str, "package_name": str,
			"path": str, "original_file_path": str, "unique_id": str, "fqn": arr, "source_name": str,
			"source_description": str, "loader": str, "identifier": str, "quoting": obj,
			"loaded_at_field": strNull, "loaded_at_query": strNull, "freshness": objNull, "external": objNull, "description": str,
			"columns": obj, "meta": obj, "source_meta": obj, "tags": arr, "config": obj,
			"patch_path": strNull, "unrendered_config": obj, "relation_name": strNull, "created_at": num,
		},
	})
	if s == nil {
		return
	}
	if s["resource_type"] != "source" {
		t.Errorf("%s.resource_type: %v", where, s["resource_type"])
	}
	checkObject(t, where+".quoting", s["quoting"], objSpec{allowed: words("database schema identifier column"),
		types: map[string][]string{"database": boolNull, "schema": boolNull, "identifier": boolNull, "column": boolNull}})
	if f, ok := s["freshness"].(map[string]any); ok {
		checkObject(t, where+".freshness", f, objSpec{allowed: words("warn_after error_after filter"),
			types: map[string][]string{"warn_after": objNull, "error_after": objNull, "filter": strNull}})
		for _, k := range []string{"warn_after", "error_after"} {
			if tm, ok := f[k].(map[string]any); ok {
				checkObject(t, where+".freshness."+k, tm, objSpec{allowed: words("count period"), types: map[string][]string{"count": intNull, "period": strNull}})
				if p := tm["period"]; p != nil && !slices.Contains([]any{"minute", "hour", "day"}, p) {
					t.Errorf("%s.freshness.%s.period: %v", where, k, p)
				}
			}
		}
	}
	for col, c := range s["columns"].(map[string]any) {
		checkColumn(t, where+".columns."+col, c)
	}
	checkObject(t, where+".config", s["config"], objSpec{types: map[string][]string{"enabled": boolean}})
}

func checkRunResultsSchema(t *testing.T, rr map[string]any) {
	t.Helper()
	top := checkObject(t, "run_results", rr, objSpec{
		required: words("metadata results elapsed_time"),
		allowed:  words("metadata results elapsed_time args"),
		types:    map[string][]string{"results": arr, "elapsed_time": num, "args": obj},
	})
	checkObject(t, "metadata", top["metadata"], objSpec{
		required: words("dbt_schema_version"),
		allowed:  words("dbt_schema_version dbt_version generated_at invocation_id invocation_started_at env"),
		types: map[string][]string{"dbt_schema_version": str, "dbt_version": str, "generated_at": str,
			"invocation_id": strNull, "invocation_started_at": strNull, "env": obj},
	})
	statuses := []any{"success", "error", "skipped", "partial success", "pass", "fail", "warn", "runtime error"}
	for i, r := range top["results"].([]any) {
		w := fmt.Sprintf("results[%d]", i)
		res := checkObject(t, w, r, objSpec{
			required: words("status timing thread_id execution_time adapter_response message failures unique_id compiled compiled_code relation_name"),
			allowed:  words("status timing thread_id execution_time adapter_response message failures unique_id compiled compiled_code relation_name batch_results"),
			types: map[string][]string{"status": str, "timing": arr, "thread_id": str, "execution_time": num,
				"adapter_response": obj, "message": strNull, "failures": intNull, "unique_id": str,
				"compiled": boolNull, "compiled_code": strNull, "relation_name": strNull, "batch_results": objNull},
		})
		if !slices.Contains(statuses, res["status"]) {
			t.Errorf("%s.status: %v", w, res["status"])
		}
		for j, tm := range res["timing"].([]any) {
			checkObject(t, fmt.Sprintf("%s.timing[%d]", w, j), tm, objSpec{required: words("name"), allowed: words("name started_at completed_at"),
				types: map[string][]string{"name": str, "started_at": strNull, "completed_at": strNull}})
		}
	}
}
