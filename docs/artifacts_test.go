package docs

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/docs/schematest"
	"github.com/elt-dev/elt/internal/targetfs"
	"github.com/elt-dev/elt/project"
)

var genTime = time.Date(2024, 5, 1, 10, 0, 0, 123456000, time.UTC)

// testManifest is a small shop project: a seed, an ephemeral staging model
// over a source, a table model with hooks, a generic and a singular test, a
// macro and a doc block.
func testManifest() *compiler.Manifest {
	proj := &project.Project{
		Root: "/work/shop",
		Config: &project.ProjectConfig{
			Name: "shop", TargetPath: "target",
			ModelPaths: []string{"models"}, SeedPaths: []string{"seeds"}, TestPaths: []string{"tests"},
			MacroPaths: []string{"macros"},
		},
		Target: &project.Target{Type: "duckdb", Name: "dev", Database: "dev", Schema: "main", Threads: 4},
		Docs: map[string]*project.DocBlock{
			"orders": {Name: "orders", Contents: "\nOne row per order.\n", File: "models/docs.md"},
		},
		MacroProperties: map[string]*project.MacroProperties{
			"shop.cents_to_dollars": {Name: "cents_to_dollars", Package: "shop", Description: "Cents to dollars.",
				Meta: map[string]any{"owner": "finance"}, File: "macros/props.yml",
				Arguments: []map[string]any{{"name": "column_name", "type": "column"}}},
		},
	}
	seed := &compiler.Node{
		Node: project.Node{
			UniqueID: "seed.shop.countries", ResourceType: project.Seed, Name: "countries", Package: "shop",
			Path: "countries.csv", OriginalFilePath: "seeds/countries.csv", FQN: []string{"shop", "countries"},
			Config: project.Config{}, Checksum: "abc123", Language: "sql",
			SeedColumnTypes: map[string]string{"code": "varchar"},
		},
		Relation:     compiler.Relation{Database: "dev", Schema: "main", Identifier: "countries"},
		RelationName: `"dev"."main"."countries"`,
	}
	stg := &compiler.Node{
		Node: project.Node{
			UniqueID: "model.shop.stg_orders", ResourceType: project.Model, Name: "stg_orders", Package: "shop",
			Path: "staging/stg_orders.sql", OriginalFilePath: "models/staging/stg_orders.sql",
			FQN: []string{"shop", "staging", "stg_orders"}, RawCode: "select * from {{ source('raw', 'orders') }}",
			Language: "sql", Config: project.Config{"materialized": "ephemeral"}, Checksum: "def456",
		},
		SourceRefs:   [][2]string{{"raw", "orders"}},
		DependsOn:    compiler.DependsOn{Nodes: []string{"source.shop.raw.orders"}},
		CompiledCode: `select * from "dev"."raw"."orders"`,
		Compiled:     true,
	}
	orders := &compiler.Node{
		Node: project.Node{
			UniqueID: "model.shop.orders", ResourceType: project.Model, Name: "orders", Package: "shop",
			Path: "orders.sql", OriginalFilePath: "models/orders.sql", FQN: []string{"shop", "orders"},
			RawCode:  "select o.*, c.name from {{ ref('stg_orders') }} o join {{ ref('countries') }} c using (code)",
			Language: "sql",
			Config: project.Config{
				"materialized": "table",
				"tags":         "daily",
				"pre_hook":     "set threads to 2",
				"post_hook":    []any{"analyze {{ this }}", map[string]any{"sql": "vacuum", "transaction": false}},
				"meta":         map[string]any{"owner": "data"},
			},
			Description: "{{ doc('orders') }} resolved",
			Columns: []*project.Column{
				{Name: "id", Description: "primary key", DataType: "integer"},
				{Name: "code", Tags: []string{"pii"}},
			},
			PatchPath: "models/schema.yml",
			Checksum:  "0123",
		},
		Relation:     compiler.Relation{Database: "dev", Schema: "main", Identifier: "orders"},
		RelationName: `"dev"."main"."orders"`,
		Refs:         []compiler.Ref{{Name: "stg_orders"}, {Name: "countries"}},
		DependsOn:    compiler.DependsOn{Nodes: []string{"model.shop.stg_orders", "seed.shop.countries"}, Macros: []string{"macro.shop.cents_to_dollars"}},
		CompiledCode: "with __dbt__cte__stg_orders as (\nselect 1\n) select 1",
		ExtraCTEs:    []compiler.CTE{{ID: "model.shop.stg_orders", SQL: " __dbt__cte__stg_orders as (\nselect 1\n)"}},
		Compiled:     true,
	}
	notNull := &compiler.Node{
		Node: project.Node{
			UniqueID: "test.shop.not_null_orders_id.5fb22c2d93", ResourceType: project.Test, Name: "not_null_orders_id",
			Package: "shop", Path: "not_null_orders_id.sql", OriginalFilePath: "models/schema.yml", PatchPath: "models/schema.yml",
			FQN: []string{"shop", "not_null_orders_id"}, Language: "sql",
			RawCode: "{{ test_not_null(**_dbt_generic_test_kwargs) }}",
			Config:  project.Config{"severity": "warn"},
		},
		Refs:      []compiler.Ref{{Name: "orders"}},
		DependsOn: compiler.DependsOn{Nodes: []string{"model.shop.orders"}, Macros: []string{"macro.dbt.test_not_null"}},
		TestMetadata: &compiler.TestMetadata{Name: "not_null", Kwargs: map[string]any{
			"column_name": "id", "model": "{{ get_where_subquery(ref('orders')) }}",
		}},
		ColumnName:   "id",
		AttachedNode: "model.shop.orders",
	}
	singular := &compiler.Node{
		Node: project.Node{
			UniqueID: "test.shop.assert_positive", ResourceType: project.Test, Name: "assert_positive", Package: "shop",
			Path: "assert_positive.sql", OriginalFilePath: "tests/assert_positive.sql",
			FQN: []string{"shop", "assert_positive"}, Language: "sql",
			RawCode: "select * from {{ ref('orders') }} where id < 0", Config: project.Config{}, Checksum: "9999",
		},
		Refs:      []compiler.Ref{{Name: "orders"}},
		DependsOn: compiler.DependsOn{Nodes: []string{"model.shop.orders"}},
	}
	src := &project.SourceTable{
		UniqueID: "source.shop.raw.orders", SourceName: "raw", Name: "orders", Package: "shop",
		Database: "dev", Schema: "raw", Identifier: "orders", Loader: "elt",
		Freshness:        map[string]any{"warn_after": map[string]any{"count": 12, "period": "hour"}},
		LoadedAtField:    "_loaded_at",
		OriginalFilePath: "models/sources.yml",
		FQN:              []string{"shop", "raw", "orders"},
		Columns:          []*project.Column{{Name: "id"}},
	}
	m := &compiler.Manifest{
		Project: proj,
		Nodes: map[string]*compiler.Node{
			seed.UniqueID: seed, stg.UniqueID: stg, orders.UniqueID: orders,
			notNull.UniqueID: notNull, singular.UniqueID: singular,
		},
		Sources: map[string]*project.SourceTable{src.UniqueID: src},
		Macros: map[string]*compiler.Macro{"macro.shop.cents_to_dollars": {
			UniqueID: "macro.shop.cents_to_dollars", Name: "cents_to_dollars", Package: "shop",
			OriginalFilePath: "macros/cents.sql", Line: 1, Arguments: []string{"col"},
			MacroSQL: "{% macro cents_to_dollars(col) %}{{ col }} / 100{% endmacro %}",
		}},
	}
	m.ParentMap, m.ChildMap = depMaps(m)
	return m
}

// depMaps stands in for the compiler's maps in these tests.
func depMaps(m *compiler.Manifest) (map[string][]string, map[string][]string) {
	parents, children := map[string][]string{}, map[string][]string{}
	for id, n := range m.Nodes {
		parents[id] = append(parents[id], n.DependsOn.Nodes...)
		for _, d := range n.DependsOn.Nodes {
			children[d] = append(children[d], id)
		}
	}
	return parents, children
}

func testMeta() Metadata {
	return Metadata{
		InvocationID:        "6f1c9a1e-0000-4000-8000-000000000001",
		InvocationStartedAt: time.Date(2024, 5, 1, 9, 59, 58, 5000, time.UTC),
		GeneratedAt:         genTime,
		Env:                 CustomEnv([]string{"DBT_ENV_CUSTOM_ENV_TEAM=data", "HOME=/root", "DBT_ENV_CUSTOM_ENV_=x"}),
		Quoting:             map[string]any{"database": true, "schema": false, "identifier": true},
	}
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

// get walks a decoded JSON value by keys and indexes ("nodes", "model.x", "config").
func get(t *testing.T, v any, keys ...any) any {
	t.Helper()
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("get %v: %q: not an object: %#v", keys, k, v)
			}
			if v, ok = m[k]; !ok {
				t.Fatalf("get %v: no key %q", keys, k)
			}
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("get %v: index %d of %#v", keys, k, v)
			}
			v = l[k]
		}
	}
	return v
}

func writeManifest(t *testing.T) (string, map[string]any) {
	t.Helper()
	dir := openTarget(t, filepath.Join(t.TempDir(), "target"))
	path := filepath.Join(dir.Path(), "manifest.json")
	if err := WriteManifest(dir, "manifest.json", testManifest(), testMeta()); err != nil {
		t.Fatal(err)
	}
	return path, readJSON(t, path)
}

func TestManifestValues(t *testing.T) {
	_, man := writeManifest(t)
	checks := []struct {
		keys []any
		want any
	}{
		{[]any{"metadata", "dbt_schema_version"}, ManifestSchemaURL},
		{[]any{"metadata", "dbt_version"}, DefaultDBTVersion},
		{[]any{"metadata", "generated_at"}, "2024-05-01T10:00:00.123456Z"},
		{[]any{"metadata", "invocation_id"}, "6f1c9a1e-0000-4000-8000-000000000001"},
		// As dbt's: Python's isoformat of a UTC time.
		{[]any{"metadata", "invocation_started_at"}, "2024-05-01T09:59:58.000005+00:00"},
		{[]any{"metadata", "quoting"}, map[string]any{"database": true, "schema": false, "identifier": true, "column": nil}},
		{[]any{"metadata", "env"}, map[string]any{"TEAM": "data"}},
		{[]any{"metadata", "project_name"}, "shop"},
		{[]any{"metadata", "project_id"}, md5Hex("shop")},
		{[]any{"metadata", "user_id"}, nil},
		{[]any{"metadata", "send_anonymous_usage_stats"}, false},
		{[]any{"metadata", "adapter_type"}, "duckdb"},

		{[]any{"nodes", "model.shop.orders", "resource_type"}, "model"},
		{[]any{"nodes", "model.shop.orders", "database"}, "dev"},
		{[]any{"nodes", "model.shop.orders", "schema"}, "main"},
		{[]any{"nodes", "model.shop.orders", "alias"}, "orders"},
		{[]any{"nodes", "model.shop.orders", "relation_name"}, `"dev"."main"."orders"`},
		{[]any{"nodes", "model.shop.orders", "checksum"}, map[string]any{"name": "sha256", "checksum": "0123"}},
		{[]any{"nodes", "model.shop.orders", "config", "materialized"}, "table"},
		{[]any{"nodes", "model.shop.orders", "config", "on_schema_change"}, "ignore"},
		{[]any{"nodes", "model.shop.orders", "config", "access"}, "protected"},
		{[]any{"nodes", "model.shop.orders", "config", "tags"}, []any{"daily"}},
		{[]any{"nodes", "model.shop.orders", "tags"}, []any{"daily"}},
		{[]any{"nodes", "model.shop.orders", "config", "pre-hook"}, []any{
			map[string]any{"sql": "set threads to 2", "transaction": true, "index": nil},
		}},
		{[]any{"nodes", "model.shop.orders", "config", "post-hook"}, []any{
			map[string]any{"sql": "analyze {{ this }}", "transaction": true, "index": nil},
			map[string]any{"sql": "vacuum", "transaction": false, "index": nil},
		}},
		{[]any{"nodes", "model.shop.orders", "unrendered_config", "materialized"}, "table"},
		{[]any{"nodes", "model.shop.orders", "meta"}, map[string]any{"owner": "data"}},
		{[]any{"nodes", "model.shop.orders", "patch_path"}, "shop://models/schema.yml"},
		{[]any{"nodes", "model.shop.orders", "depends_on"}, map[string]any{
			"nodes":  []any{"model.shop.stg_orders", "seed.shop.countries"},
			"macros": []any{"macro.shop.cents_to_dollars"},
		}},
		{[]any{"nodes", "model.shop.orders", "refs"}, []any{
			map[string]any{"name": "stg_orders", "package": nil, "version": nil},
			map[string]any{"name": "countries", "package": nil, "version": nil},
		}},
		{[]any{"nodes", "model.shop.orders", "compiled"}, true},
		{[]any{"nodes", "model.shop.orders", "compiled_path"}, "target/compiled/shop/models/orders.sql"},
		{[]any{"nodes", "model.shop.orders", "extra_ctes", 0, "id"}, "model.shop.stg_orders"},
		{[]any{"nodes", "model.shop.orders", "extra_ctes_injected"}, true},
		{[]any{"nodes", "model.shop.orders", "columns", "id"}, map[string]any{
			"name": "id", "description": "primary key", "meta": map[string]any{}, "data_type": "integer",
			"constraints": []any{}, "quote": nil, "tags": []any{}, "granularity": nil,
			"config": map[string]any{"meta": map[string]any{}, "tags": []any{}}, "doc_blocks": []any{},
		}},
		{[]any{"nodes", "model.shop.orders", "doc_blocks"}, []any{}},
		{[]any{"nodes", "model.shop.orders", "config", "freshness"}, nil},
		{[]any{"nodes", "model.shop.orders", "config", "concurrent_batches"}, nil},
		{[]any{"nodes", "seed.shop.countries", "config", "concurrent_batches"}, nil},
		{[]any{"nodes", "model.shop.orders", "contract"}, map[string]any{"enforced": false, "alias_types": true, "checksum": nil}},
		{[]any{"nodes", "model.shop.orders", "access"}, "protected"},
		{[]any{"nodes", "model.shop.orders", "created_at"}, float64(genTime.UnixMicro()) / 1e6},

		{[]any{"nodes", "model.shop.stg_orders", "config", "materialized"}, "ephemeral"},
		{[]any{"nodes", "model.shop.stg_orders", "relation_name"}, nil},
		{[]any{"nodes", "model.shop.stg_orders", "schema"}, "main"},
		{[]any{"nodes", "model.shop.stg_orders", "alias"}, "stg_orders"},
		{[]any{"nodes", "model.shop.stg_orders", "sources"}, []any{[]any{"raw", "orders"}}},

		{[]any{"nodes", "seed.shop.countries", "config", "materialized"}, "seed"},
		{[]any{"nodes", "seed.shop.countries", "config", "column_types"}, map[string]any{"code": "varchar"}},
		{[]any{"nodes", "seed.shop.countries", "root_path"}, "/work/shop"},
		{[]any{"nodes", "seed.shop.countries", "depends_on"}, map[string]any{"macros": []any{}}},

		{[]any{"nodes", "test.shop.not_null_orders_id.5fb22c2d93", "test_metadata"}, map[string]any{
			"name": "not_null", "namespace": nil,
			"kwargs": map[string]any{"column_name": "id", "model": "{{ get_where_subquery(ref('orders')) }}"},
		}},
		{[]any{"nodes", "test.shop.not_null_orders_id.5fb22c2d93", "column_name"}, "id"},
		{[]any{"nodes", "test.shop.not_null_orders_id.5fb22c2d93", "patch_path"}, nil}, // dbt: a generic test is not patched
		{[]any{"nodes", "test.shop.not_null_orders_id.5fb22c2d93", "attached_node"}, "model.shop.orders"},
		{[]any{"nodes", "test.shop.not_null_orders_id.5fb22c2d93", "file_key_name"}, "models.orders"},
		{[]any{"nodes", "test.shop.not_null_orders_id.5fb22c2d93", "checksum"}, map[string]any{"name": "none", "checksum": ""}},
		{[]any{"nodes", "test.shop.not_null_orders_id.5fb22c2d93", "config", "severity"}, "warn"},
		{[]any{"nodes", "test.shop.not_null_orders_id.5fb22c2d93", "config", "fail_calc"}, "count(*)"},
		{[]any{"nodes", "test.shop.not_null_orders_id.5fb22c2d93", "config", "schema"}, "dbt_test__audit"},
		{[]any{"nodes", "test.shop.not_null_orders_id.5fb22c2d93", "compiled_code"}, nil},
		{[]any{"nodes", "test.shop.assert_positive", "config", "severity"}, "ERROR"},
		{[]any{"nodes", "test.shop.assert_positive", "config", "materialized"}, "test"},

		{[]any{"sources", "source.shop.raw.orders", "relation_name"}, `"dev"."raw"."orders"`},
		{[]any{"sources", "source.shop.raw.orders", "loaded_at_field"}, "_loaded_at"},
		{[]any{"sources", "source.shop.raw.orders", "freshness"}, map[string]any{
			"warn_after":  map[string]any{"count": 12.0, "period": "hour"},
			"error_after": map[string]any{"count": nil, "period": nil},
			"filter":      nil,
		}},
		{[]any{"sources", "source.shop.raw.orders", "quoting"}, map[string]any{"database": nil, "schema": nil, "identifier": nil, "column": nil}},
		// dbt 1.10's SourceConfig: seven keys, freshness as the top level's.
		{[]any{"sources", "source.shop.raw.orders", "config"}, map[string]any{"enabled": true, "event_time": nil,
			"freshness": map[string]any{"warn_after": map[string]any{"count": float64(12), "period": "hour"},
				"error_after": map[string]any{"count": nil, "period": nil}, "filter": nil},
			"loaded_at_field": "_loaded_at", "loaded_at_query": nil, "meta": map[string]any{}, "tags": []any{}}},

		{[]any{"macros", "macro.shop.cents_to_dollars", "path"}, "macros/cents.sql"},
		{[]any{"macros", "macro.shop.cents_to_dollars", "depends_on"}, map[string]any{"macros": []any{}}},
		{[]any{"macros", "macro.shop.cents_to_dollars", "description"}, "Cents to dollars."},
		{[]any{"macros", "macro.shop.cents_to_dollars", "meta"}, map[string]any{"owner": "finance"}},
		{[]any{"macros", "macro.shop.cents_to_dollars", "patch_path"}, "shop://macros/props.yml"},
		{[]any{"macros", "macro.shop.cents_to_dollars", "arguments"}, []any{map[string]any{"name": "column_name", "type": "column", "description": ""}}},

		{[]any{"docs", "doc.shop.orders"}, map[string]any{
			"unique_id": "doc.shop.orders", "name": "orders", "resource_type": "doc", "package_name": "shop",
			"path": "docs.md", "original_file_path": "models/docs.md", "block_contents": "One row per order.",
		}},

		{[]any{"parent_map", "model.shop.orders"}, []any{"model.shop.stg_orders", "seed.shop.countries"}},
		{[]any{"parent_map", "source.shop.raw.orders"}, []any{}},
		{[]any{"parent_map", "seed.shop.countries"}, []any{}},
		{[]any{"child_map", "model.shop.orders"}, []any{"test.shop.assert_positive", "test.shop.not_null_orders_id.5fb22c2d93"}},
		{[]any{"child_map", "source.shop.raw.orders"}, []any{"model.shop.stg_orders"}},
		{[]any{"child_map", "test.shop.assert_positive"}, []any{}},
		{[]any{"exposures"}, map[string]any{}},
		{[]any{"disabled"}, map[string]any{}},
	}
	// dbt 1.10.9's nodes have none of these keys (a model's freshness
	// is its config's; a test's config has no concurrent_batches).
	for _, keys := range [][]any{
		{"nodes", "model.shop.orders", "freshness"},
		{"nodes", "test.shop.assert_positive", "config", "concurrent_batches"},
		{"nodes", "seed.shop.countries", "config", "freshness"},
	} {
		parent := get(t, man, keys[:len(keys)-1]...).(map[string]any)
		if _, ok := parent[keys[len(keys)-1].(string)]; ok {
			t.Errorf("%v: dbt writes no such key", keys)
		}
	}
	for _, c := range checks {
		t.Run(fmt.Sprint(c.keys...), func(t *testing.T) {
			got := get(t, man, c.keys...)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("want %#v\n got %#v", c.want, got)
			}
		})
	}

	// Keys that must not appear: the underscore hook spelling, and
	// kind-specific keys on the wrong kind.
	absent := []struct {
		keys []any
		key  string
	}{
		{[]any{"nodes", "model.shop.orders", "config"}, "pre_hook"},
		{[]any{"nodes", "model.shop.orders", "config"}, "post_hook"},
		{[]any{"nodes", "model.shop.orders", "unrendered_config"}, "pre_hook"},
		{[]any{"nodes", "test.shop.assert_positive"}, "test_metadata"},
		{[]any{"nodes", "test.shop.assert_positive"}, "access"},
		{[]any{"nodes", "seed.shop.countries"}, "compiled_code"},
		{[]any{"nodes", "test.shop.not_null_orders_id.5fb22c2d93"}, "access"},
		// dbt leaves config_call_dict out of its artifacts.
		{[]any{"nodes", "model.shop.orders"}, "config_call_dict"},
		{[]any{"nodes", "seed.shop.countries"}, "config_call_dict"},
	}
	for _, a := range absent {
		if _, ok := get(t, man, a.keys...).(map[string]any)[a.key]; ok {
			t.Errorf("%v has key %q", a.keys, a.key)
		}
	}
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestManifestMatchesSchema(t *testing.T) {
	_, man := writeManifest(t)
	checkManifestSchema(t, man)
}

func TestManifestDeterministicAndAtomic(t *testing.T) {
	dir := openTarget(t, t.TempDir())
	a, b := filepath.Join(dir.Path(), "a.json"), filepath.Join(dir.Path(), "b.json")
	for _, p := range []string{a, b, a} { // a twice: overwriting works
		if err := WriteManifest(dir, filepath.Base(p), testManifest(), testMeta()); err != nil {
			t.Fatal(err)
		}
	}
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if !bytes.Equal(da, db) {
		t.Error("two writes of the same manifest differ")
	}
	// The streamed file is exactly what encoding/json makes of the struct.
	var whole bytes.Buffer
	enc := json.NewEncoder(&whole)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(BuildManifest(testManifest(), testMeta())); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(da, whole.Bytes()) {
		t.Errorf("streamed manifest differs from encoding/json's:\n%s\n%s", da, whole.Bytes())
	}
	if bytes.Contains(da, []byte(`\u003c`)) || !bytes.Contains(da, []byte("id < 0")) {
		t.Error("SQL should be written without HTML escaping")
	}
	entries, _ := os.ReadDir(dir.Path())
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"a.json", "b.json"}; !reflect.DeepEqual(names, want) {
		t.Errorf("files in target dir: want %v got %v (temporary files left behind?)", want, names)
	}
}

func TestManifestWithoutCompilerMaps(t *testing.T) {
	m := testManifest()
	m.ParentMap, m.ChildMap = nil, nil
	meta := testMeta()
	meta.DBTVersion = "1.8.7"
	got := BuildManifest(m, meta)
	if got.Metadata.DBTVersion != "1.8.7" {
		t.Errorf("dbt_version: got %q", got.Metadata.DBTVersion)
	}
	want := []string{"test.shop.assert_positive", "test.shop.not_null_orders_id.5fb22c2d93"}
	if !reflect.DeepEqual(got.ChildMap["model.shop.orders"], want) {
		t.Errorf("child_map derived from depends_on: want %v got %v", want, got.ChildMap["model.shop.orders"])
	}
	if l, ok := got.ParentMap["source.shop.raw.orders"]; !ok || len(l) != 0 {
		t.Errorf("parent_map of a source: want [] got %v (present %v)", l, ok)
	}
}

func TestDisabledNodes(t *testing.T) {
	m := testManifest()
	m.Nodes["test.shop.assert_positive"].Config = project.Config{"enabled": false}
	got := BuildManifest(m, testMeta())
	if _, ok := got.Nodes["test.shop.assert_positive"]; ok {
		t.Error("disabled node is in nodes")
	}
	if l := got.Disabled["test.shop.assert_positive"]; len(l) != 1 {
		t.Errorf("disabled: want one entry, got %v", l)
	}
}

func TestHooks(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want []Hook
	}{
		{"nil", nil, []Hook{}},
		{"string", "grant select", []Hook{{SQL: "grant select", Transaction: true}}},
		{"strings", []string{"a", "b"}, []Hook{{SQL: "a", Transaction: true}, {SQL: "b", Transaction: true}}},
		{"object", map[string]any{"sql": "vacuum", "transaction": false}, []Hook{{SQL: "vacuum", Transaction: false}}},
		{"blank dropped", []any{"", "x"}, []Hook{{SQL: "x", Transaction: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := &compiler.Node{Node: project.Node{ResourceType: project.Model, Config: project.Config{"pre_hook": tt.in}}}
			if got := nodeConfig(n)["pre-hook"]; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("want %+v\n got %+v", tt.want, got)
			}
		})
	}
}

func TestCustomEnv(t *testing.T) {
	got := CustomEnv([]string{"DBT_ENV_CUSTOM_ENV_JOB_ID=42", "DBT_ENV_SECRET_X=s", "PATH=/bin", "DBT_ENV_CUSTOM_ENV_EMPTY="})
	want := map[string]string{"JOB_ID": "42", "EMPTY": ""}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("want %v got %v", want, got)
	}
}

func runResultsFixture() ([]NodeResult, time.Duration) {
	at := func(sec int) time.Time { return genTime.Add(time.Duration(sec) * time.Second) }
	three, zero := 3, 0
	return []NodeResult{
		{
			UniqueID: "model.shop.orders", Status: StatusSuccess, Message: "OK", ThreadID: "Thread-1 (worker)",
			CompileStartedAt: at(0), CompileCompletedAt: at(1), StartedAt: at(1), CompletedAt: at(3),
			ExecutionTime:   2500 * time.Millisecond,
			AdapterResponse: map[string]any{"_message": "OK", "rows_affected": 10},
			CompiledCode:    "select 1", RelationName: `"dev"."main"."orders"`, Compiled: true,
		},
		{
			UniqueID: "test.shop.not_null_orders_id.5fb22c2d93", Status: StatusFail, Message: "Got 3 results, configured to fail if != 0",
			Failures: &three, ThreadID: "Thread-2 (worker)",
			CompileStartedAt: at(3), CompileCompletedAt: at(3), StartedAt: at(3), CompletedAt: at(4),
			ExecutionTime: time.Second, CompiledCode: "select * from orders where id is null", Compiled: true,
		},
		{UniqueID: "test.shop.assert_positive", Status: StatusPass, Failures: &zero, ThreadID: "Thread-1 (worker)",
			StartedAt: at(4), CompletedAt: at(4), Compiled: true, CompiledCode: "select 1 where false"},
		{UniqueID: "model.shop.downstream", Status: StatusSkipped, ThreadID: "Thread-1 (worker)"},
	}, 4200 * time.Millisecond
}

func TestRunResults(t *testing.T) {
	results, elapsed := runResultsFixture()
	dir := openTarget(t, t.TempDir())
	path := filepath.Join(dir.Path(), "run_results.json")
	args := map[string]any{"which": "build", "select": []any{"orders+"}, "threads": 4}
	if err := WriteRunResults(dir, "run_results.json", testMeta(), results, elapsed, args); err != nil {
		t.Fatal(err)
	}
	rr := readJSON(t, path)
	checkRunResultsSchema(t, rr)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := schematest.ValidateRunResults(raw); err != nil {
		t.Error(err)
	}
	checks := []struct {
		keys []any
		want any
	}{
		{[]any{"metadata"}, map[string]any{
			"dbt_schema_version": RunResultsSchemaURL, "dbt_version": DefaultDBTVersion,
			"generated_at": "2024-05-01T10:00:00.123456Z", "invocation_id": "6f1c9a1e-0000-4000-8000-000000000001",
			"invocation_started_at": "2024-05-01T09:59:58.000005+00:00", "env": map[string]any{"TEAM": "data"},
		}},
		{[]any{"elapsed_time"}, 4.2},
		{[]any{"args", "which"}, "build"},
		{[]any{"results", 0, "status"}, "success"},
		{[]any{"results", 0, "execution_time"}, 2.5},
		{[]any{"results", 0, "timing"}, []any{
			map[string]any{"name": "compile", "started_at": "2024-05-01T10:00:00.123456Z", "completed_at": "2024-05-01T10:00:01.123456Z"},
			map[string]any{"name": "execute", "started_at": "2024-05-01T10:00:01.123456Z", "completed_at": "2024-05-01T10:00:03.123456Z"},
		}},
		{[]any{"results", 0, "adapter_response"}, map[string]any{"_message": "OK", "rows_affected": 10.0}},
		{[]any{"results", 0, "failures"}, nil},
		{[]any{"results", 0, "relation_name"}, `"dev"."main"."orders"`},
		{[]any{"results", 0, "batch_results"}, nil},
		{[]any{"results", 1, "status"}, "fail"},
		{[]any{"results", 1, "failures"}, 3.0},
		{[]any{"results", 1, "relation_name"}, nil},
		{[]any{"results", 1, "thread_id"}, "Thread-2 (worker)"},
		{[]any{"results", 2, "status"}, "pass"},
		{[]any{"results", 2, "failures"}, 0.0},
		{[]any{"results", 2, "message"}, nil},
		{[]any{"results", 2, "timing", 0, "name"}, "execute"},
		{[]any{"results", 3, "status"}, "skipped"},
		{[]any{"results", 3, "timing"}, []any{}},
		{[]any{"results", 3, "compiled"}, false},
		{[]any{"results", 3, "compiled_code"}, nil},
		{[]any{"results", 3, "adapter_response"}, map[string]any{}},
	}
	for _, c := range checks {
		if got := get(t, rr, c.keys...); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v: want %#v\n got %#v", c.keys, c.want, got)
		}
	}

	back, err := ReadRunResults(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(back.Results); n != 4 {
		t.Fatalf("read back %d results", n)
	}
	r := back.Results[1]
	if r.UniqueID != results[1].UniqueID || r.Status != "fail" || r.Failures == nil || *r.Failures != 3 {
		t.Errorf("read back %+v", r)
	}
	if !back.Metadata.GeneratedAt.Equal(genTime) || !r.Timing[1].CompletedAt.Equal(genTime.Add(4*time.Second)) {
		t.Errorf("timestamps read back: %v %v", back.Metadata.GeneratedAt, r.Timing[1].CompletedAt)
	}
}

func TestReadRunResultsOlderTimestamps(t *testing.T) {
	// Older dbt releases wrote timestamps without a zone; accept them too.
	path := filepath.Join(t.TempDir(), "run_results.json")
	doc := `{"metadata":{"dbt_schema_version":"x","generated_at":"2021-01-02T03:04:05.000006"},` +
		`"results":[{"status":"error","timing":[{"name":"execute","started_at":null}],"thread_id":"Thread-1",` +
		`"execution_time":0.5,"adapter_response":{},"message":"boom","failures":null,"unique_id":"model.a.b"}],` +
		`"elapsed_time":1,"args":{}}`
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	rr, err := ReadRunResults(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2021, 1, 2, 3, 4, 5, 6000, time.UTC); !rr.Metadata.GeneratedAt.Equal(want) {
		t.Errorf("generated_at: want %v got %v", want, rr.Metadata.GeneratedAt)
	}
	if rr.Results[0].Status != StatusError || *rr.Results[0].Message != "boom" || !rr.Results[0].Timing[0].StartedAt.IsZero() {
		t.Errorf("got %+v", rr.Results[0])
	}
	if _, err := ReadRunResults(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("missing file: want an error")
	}
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// BenchmarkWriteManifest writes a 10,000-model project.
func BenchmarkWriteManifest(b *testing.B) {
	m := testManifest()
	tmpl := m.Nodes["model.shop.orders"]
	for i := range 10000 {
		n := *tmpl
		n.UniqueID = fmt.Sprintf("model.shop.m%05d", i)
		n.Name = fmt.Sprintf("m%05d", i)
		m.Nodes[n.UniqueID] = &n
	}
	m.ParentMap, m.ChildMap = depMaps(m)
	dir := openTarget(b, b.TempDir())
	b.ResetTimer()
	for b.Loop() {
		if err := WriteManifest(dir, "manifest.json", m, testMeta()); err != nil {
			b.Fatal(err)
		}
	}
}

// openTarget opens dir as a target directory for the writers under test.
func openTarget(tb testing.TB, dir string) *targetfs.Dir {
	tb.Helper()
	d, err := targetfs.Open(dir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}
