package state

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// manifestJSON writes a small manifest in dbt's v12 shape: two models
// (stg_orders -> orders), a seed, a generic test, a source and two macros
// (cents calls money_round). change edits the maps before encoding.
func manifestJSON(t *testing.T, change func(nodes, sources, macros map[string]map[string]any)) []byte {
	t.Helper()
	model := func(name, raw string, deps []string, macros []string) map[string]any {
		return map[string]any{
			"unique_id": "model.shop." + name, "resource_type": "model", "name": name, "package_name": "shop",
			"database": "wh", "schema": "prod", "alias": name, "fqn": []any{"shop", name},
			"checksum": map[string]any{"name": "sha256", "checksum": "x"}, "raw_code": raw,
			"config":            map[string]any{"materialized": "view", "persist_docs": map[string]any{}, "schema": nil},
			"unrendered_config": map[string]any{"materialized": "view"},
			"description":       "", "columns": map[string]any{},
			"contract":   map[string]any{"enforced": false, "alias_types": true, "checksum": nil},
			"depends_on": map[string]any{"nodes": deps, "macros": macros},
			"access":     "protected", "version": nil, "latest_version": nil, "deprecation_date": nil, "constraints": []any{},
		}
	}
	nodes := map[string]map[string]any{
		"model.shop.stg_orders": model("stg_orders", "select * from {{ ref('raw_orders') }}", []string{"seed.shop.raw_orders"}, nil),
		"model.shop.orders":     model("orders", "select {{ cents('amount') }} from {{ ref('stg_orders') }}", []string{"model.shop.stg_orders"}, []string{"macro.shop.cents"}),
		"seed.shop.raw_orders": {
			"unique_id": "seed.shop.raw_orders", "resource_type": "seed", "name": "raw_orders", "package_name": "shop",
			"schema": "prod", "alias": "raw_orders", "fqn": []any{"shop", "raw_orders"},
			"checksum": map[string]any{"name": "sha256", "checksum": "aaa"}, "raw_code": "",
			"config": map[string]any{"materialized": "seed"}, "unrendered_config": map[string]any{},
			"depends_on": map[string]any{"macros": []any{}},
		},
		"test.shop.not_null_orders_id": {
			"unique_id": "test.shop.not_null_orders_id", "resource_type": "test", "name": "not_null_orders_id", "package_name": "shop",
			"schema": "prod_dbt_test__audit", "alias": "not_null_orders_id", "fqn": []any{"shop", "not_null_orders_id"},
			"raw_code":          "{{ test_not_null(**_dbt_generic_test_kwargs) }}",
			"config":            map[string]any{"severity": "ERROR"},
			"unrendered_config": map[string]any{},
			"test_metadata":     map[string]any{"name": "not_null", "kwargs": map[string]any{"column_name": "id"}},
			"depends_on":        map[string]any{"nodes": []any{"model.shop.orders"}, "macros": []any{"macro.shop.test_not_null"}},
		},
	}
	sources := map[string]map[string]any{
		"source.shop.raw.payments": {
			"unique_id": "source.shop.raw.payments", "resource_type": "source", "name": "payments", "package_name": "shop",
			"database": "wh", "schema": "raw", "identifier": "payments", "fqn": []any{"shop", "raw", "payments"},
			"config": map[string]any{"enabled": true}, "unrendered_config": map[string]any{},
			"quoting": map[string]any{}, "freshness": nil, "loaded_at_field": nil, "external": nil,
		},
	}
	macros := map[string]map[string]any{
		"macro.shop.cents":         {"unique_id": "macro.shop.cents", "macro_sql": "{% macro cents(c) %}{{ money_round(c) }}{% endmacro %}", "depends_on": map[string]any{"macros": []any{"macro.shop.money_round"}}},
		"macro.shop.money_round":   {"unique_id": "macro.shop.money_round", "macro_sql": "{% macro money_round(c) %}round({{ c }} / 100, 2){% endmacro %}", "depends_on": map[string]any{"macros": []any{}}},
		"macro.shop.test_not_null": {"unique_id": "macro.shop.test_not_null", "macro_sql": "{% test not_null(model, column_name) %}...{% endtest %}", "depends_on": map[string]any{"macros": []any{}}},
	}
	if change != nil {
		change(nodes, sources, macros)
	}
	b, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"adapter_type": "duckdb"},
		"nodes":    nodes, "sources": sources, "macros": macros, "disabled": map[string]any{},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustParse(t *testing.T, data []byte) *Manifest {
	t.Helper()
	m, err := ParseManifest("manifest.json", data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// selected lists the ids of cur matching state:<selector>, sorted.
func selected(c *Comparison, selector string) []string {
	var out []string
	for id := range c.cur.Nodes {
		if c.Check(selector, id) {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

func TestStateSelectors(t *testing.T) {
	tests := []struct {
		name   string
		change func(nodes, sources, macros map[string]map[string]any)
		// want maps a state selector to the ids it selects; selectors not
		// listed select nothing, except state:old and state:unmodified,
		// which the test derives.
		want    map[string][]string
		reasons map[string][]string
	}{
		{"nothing changed", nil, map[string][]string{}, map[string][]string{}},
		{
			"body of stg_orders: its child is not modified itself",
			func(n, _, _ map[string]map[string]any) {
				n["model.shop.stg_orders"]["raw_code"] = "select id from {{ ref('raw_orders') }}"
			},
			map[string][]string{"modified": {"model.shop.stg_orders"}, "modified.body": {"model.shop.stg_orders"}},
			map[string][]string{"model.shop.stg_orders": {"body"}},
		},
		{
			"config as written (unrendered), not as rendered",
			func(n, _, _ map[string]map[string]any) {
				n["model.shop.orders"]["unrendered_config"] = map[string]any{"materialized": "table"}
				// A rendered value that differs (a schema generated per
				// environment) is not a change of the unrendered config.
				n["model.shop.stg_orders"]["config"].(map[string]any)["schema"] = "pr_123"
			},
			map[string][]string{"modified": {"model.shop.orders"}, "modified.configs": {"model.shop.orders"}},
			map[string][]string{"model.shop.orders": {"configs: materialized"}},
		},
		{
			"schema as configured is the relation, not the configs",
			func(n, _, _ map[string]map[string]any) {
				n["model.shop.orders"]["unrendered_config"] = map[string]any{"materialized": "view", "schema": "marts"}
			},
			map[string][]string{"modified": {"model.shop.orders"}, "modified.relation": {"model.shop.orders"}},
			map[string][]string{"model.shop.orders": {"relation: schema"}},
		},
		{
			"a macro two calls deep changed",
			func(_, _, m map[string]map[string]any) {
				m["macro.shop.money_round"]["macro_sql"] = "{% macro money_round(c) %}round({{ c }} / 100.0, 2){% endmacro %}"
			},
			map[string][]string{"modified": {"model.shop.orders"}, "modified.macros": {"model.shop.orders"}},
			map[string][]string{"model.shop.orders": {"macros: macro.shop.money_round"}},
		},
		{
			"contract enforced, then a column type changes",
			func(n, _, _ map[string]map[string]any) {
				n["model.shop.orders"]["contract"] = map[string]any{"enforced": true, "checksum": nil}
				n["model.shop.orders"]["columns"] = map[string]any{"id": map[string]any{"name": "id", "data_type": "bigint", "constraints": []any{}}}
			},
			map[string][]string{"modified": {"model.shop.orders"}, "modified.contract": {"model.shop.orders"}},
			map[string][]string{"model.shop.orders": {"contract"}},
		},
		{
			"description: only where persist_docs persists it",
			func(n, _, _ map[string]map[string]any) {
				n["model.shop.orders"]["description"] = "Orders, one row each."
				n["model.shop.stg_orders"]["description"] = "Not persisted."
				n["model.shop.orders"]["config"].(map[string]any)["persist_docs"] = map[string]any{"relation": true}
			},
			map[string][]string{"modified": {"model.shop.orders"}, "modified.persisted_descriptions": {"model.shop.orders"}},
			map[string][]string{"model.shop.orders": {"persisted_descriptions"}},
		},
		{
			"seed file changed: compared by checksum",
			func(n, _, _ map[string]map[string]any) {
				n["seed.shop.raw_orders"]["checksum"] = map[string]any{"name": "sha256", "checksum": "bbb"}
			},
			map[string][]string{"modified": {"seed.shop.raw_orders"}, "modified.body": {"seed.shop.raw_orders"}},
			map[string][]string{"seed.shop.raw_orders": {"body"}},
		},
		{
			"generic test severity",
			func(n, _, _ map[string]map[string]any) {
				n["test.shop.not_null_orders_id"]["unrendered_config"] = map[string]any{"severity": "warn"}
			},
			map[string][]string{"modified": {"test.shop.not_null_orders_id"}, "modified.configs": {"test.shop.not_null_orders_id"}},
			map[string][]string{"test.shop.not_null_orders_id": {"configs: severity"}},
		},
		{
			"source moved to another schema",
			func(_, s, _ map[string]map[string]any) {
				s["source.shop.raw.payments"]["schema"] = "landing"
			},
			map[string][]string{"modified": {"source.shop.raw.payments"}, "modified.relation": {"source.shop.raw.payments"}, "modified.configs": nil},
			map[string][]string{"source.shop.raw.payments": {"relation: schema"}},
		},
		{
			"access changed: the ref representation",
			func(n, _, _ map[string]map[string]any) {
				n["model.shop.stg_orders"]["access"] = "private"
			},
			map[string][]string{"modified": {"model.shop.stg_orders"}},
			map[string][]string{"model.shop.stg_orders": {"ref_representation: access"}},
		},
	}
	prev := mustParse(t, manifestJSON(t, nil))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur := mustParse(t, manifestJSON(t, tt.change))
			c := Compare(prev, cur)
			all := selected(c, "old")
			for _, sel := range Selectors {
				want := tt.want[sel]
				switch sel {
				case "old":
					want = all
				case "unmodified":
					want = minus(all, tt.want["modified"])
				}
				if got := selected(c, sel); !reflect.DeepEqual(got, want) {
					t.Errorf("state:%s: want %v, got %v", sel, want, got)
				}
			}
			for id := range cur.Nodes {
				if got, want := c.Reasons(id), tt.reasons[id]; !reflect.DeepEqual(got, want) {
					t.Errorf("reasons of %s: want %q, got %q", id, want, got)
				}
			}
		})
	}
}

func minus(all, drop []string) []string {
	out := []string{}
	skip := map[string]bool{}
	for _, d := range drop {
		skip[d] = true
	}
	for _, a := range all {
		if !skip[a] {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func TestStateNewNode(t *testing.T) {
	prev := mustParse(t, manifestJSON(t, nil))
	cur := mustParse(t, manifestJSON(t, func(n, s, _ map[string]map[string]any) {
		m := map[string]any{}
		for k, v := range n["model.shop.orders"] {
			m[k] = v
		}
		m["unique_id"], m["name"] = "model.shop.refunds", "refunds"
		n["model.shop.refunds"] = m
		s["source.shop.raw.refunds"] = map[string]any{"unique_id": "source.shop.raw.refunds", "resource_type": "source", "name": "refunds", "schema": "raw", "identifier": "refunds"}
	}))
	c := Compare(prev, cur)
	if got := selected(c, "new"); !reflect.DeepEqual(got, []string{"model.shop.refunds", "source.shop.raw.refunds"}) {
		t.Errorf("state:new: %v", got)
	}
	// As dbt: a new model is modified (and matches every sub-check but
	// macros); a new source is not.
	if got := selected(c, "modified"); !reflect.DeepEqual(got, []string{"model.shop.refunds"}) {
		t.Errorf("state:modified: %v", got)
	}
	if got := selected(c, "modified.body"); !reflect.DeepEqual(got, []string{"model.shop.refunds"}) {
		t.Errorf("state:modified.body: %v", got)
	}
	if got := c.Reasons("model.shop.refunds"); !reflect.DeepEqual(got, []string{"new"}) {
		t.Errorf("reasons: %v", got)
	}
}

func TestResultAndSourceStatus(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("manifest.json", string(manifestJSON(t, nil)))
	write("run_results.json", `{"results": [
		{"unique_id": "model.shop.orders", "status": "error"},
		{"unique_id": "model.shop.stg_orders", "status": "success"},
		{"unique_id": "test.shop.not_null_orders_id", "status": "skipped"}]}`)
	write("sources.json", `{"results": [
		{"unique_id": "source.shop.raw.payments", "max_loaded_at": "2024-01-01T00:00:00+00:00", "status": "pass"},
		{"unique_id": "source.shop.raw.refunds", "max_loaded_at": "2024-01-05T00:00:00Z", "status": "pass"},
		{"unique_id": "source.shop.raw.items", "max_loaded_at": "2024-01-05T00:00:00Z", "status": "pass"}]}`)
	prev, err := Read(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	cur := &Freshness{
		MaxLoadedAt: map[string]time.Time{
			"source.shop.raw.payments": time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), // fresher
			"source.shop.raw.refunds":  time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC), // same
			"source.shop.raw.new":      time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), // not checked before
		},
		RuntimeError: map[string]bool{"source.shop.raw.items": true},
	}
	m := NewMethods(prev, mustParse(t, manifestJSON(t, nil)), cur)
	match := func(method, value string, ids ...string) []string {
		t.Helper()
		test, err := m.Matcher(method, value)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, id := range ids {
			if test(id) {
				out = append(out, id)
			}
		}
		return out
	}
	ids := []string{"model.shop.orders", "model.shop.stg_orders", "test.shop.not_null_orders_id"}
	if got := match("result", "error", ids...); !reflect.DeepEqual(got, []string{"model.shop.orders"}) {
		t.Errorf("result:error: %v", got)
	}
	if got := match("result", "skipped", ids...); !reflect.DeepEqual(got, []string{"test.shop.not_null_orders_id"}) {
		t.Errorf("result:skipped: %v", got)
	}
	srcs := []string{"source.shop.raw.payments", "source.shop.raw.refunds", "source.shop.raw.new", "source.shop.raw.items"}
	if got := match("source_status", "fresher", srcs...); !reflect.DeepEqual(got, []string{"source.shop.raw.payments", "source.shop.raw.new"}) {
		t.Errorf("source_status:fresher: %v", got)
	}
	if _, err := m.Matcher("state", "modified.everything"); err == nil {
		t.Error("state:modified.everything: want an error naming the valid checks")
	}
	if _, err := m.Matcher("source_status", "stale"); err == nil {
		t.Error("source_status:stale: want an error")
	}
	m.Previous.Results = nil
	if _, err := m.Matcher("result", "error"); err == nil {
		t.Error("result: without run_results.json: want an error")
	}
}

func TestReadErrors(t *testing.T) {
	if _, err := Read(t.Context(), t.TempDir()); err == nil {
		t.Error("a folder without manifest.json: want an error")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"metadata": {}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(t.Context(), dir); err == nil {
		t.Error("a manifest without nodes: want an error")
	}
}

func TestExposureChanges(t *testing.T) {
	doc := func(owner, url string, deps ...string) *Manifest {
		b, _ := json.Marshal(map[string]any{
			"nodes": map[string]any{},
			"exposures": map[string]any{"exposure.shop.dash": map[string]any{
				"unique_id": "exposure.shop.dash", "resource_type": "exposure", "name": "dash", "fqn": []any{"shop", "dash"},
				"type": "dashboard", "owner": map[string]any{"email": owner}, "url": url, "label": nil, "maturity": "high",
				"description": "", "depends_on": map[string]any{"nodes": deps, "macros": []any{}},
				"config": map[string]any{"enabled": true}, "unrendered_config": map[string]any{},
			}},
		})
		return mustParse(t, b)
	}
	prev := doc("a@shop.test", "https://bi/1", "model.shop.orders", "model.shop.customers")
	// The same dependencies in another order: no change.
	if r := Compare(prev, doc("a@shop.test", "https://bi/1", "model.shop.customers", "model.shop.orders")).Reasons("exposure.shop.dash"); r != nil {
		t.Errorf("same exposure: %v", r)
	}
	c := Compare(prev, doc("b@shop.test", "https://bi/2", "model.shop.orders"))
	if got, want := c.Reasons("exposure.shop.dash"), []string{"owner", "url", "depends_on"}; !reflect.DeepEqual(got, want) {
		t.Errorf("reasons: want %v, got %v", want, got)
	}
	if !c.Check("modified", "exposure.shop.dash") || c.Check("modified.body", "exposure.shop.dash") {
		t.Error("an exposure is state:modified but has no body")
	}
}

// TestDBTManifestShapes reads the parts of a manifest dbt-core writes that
// elt's own manifests leave out or shape differently: a unit test's string
// checksum, a contract checksum, exposures' owner objects, disabled lists.
func TestDBTManifestShapes(t *testing.T) {
	src := `{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json", "adapter_type": "postgres"},
	"nodes": {"model.p.m": {"unique_id": "model.p.m", "resource_type": "model", "name": "m", "raw_code": "select 1",
		"checksum": {"name": "sha256", "checksum": "abc"}, "version": 2, "latest_version": 2,
		"contract": {"enforced": true, "alias_types": true, "checksum": "c1"},
		"columns": {"id": {"name": "id", "data_type": "int", "constraints": [{"type": "not_null", "name": null, "expression": null, "warn_unenforced": true, "warn_unsupported": true, "to": null, "to_columns": []}]}},
		"config": {"materialized": "table", "contract": {"enforced": true}}, "unrendered_config": {"materialized": "table"},
		"depends_on": {"macros": [], "nodes": []}}},
	"unit_tests": {"unit_test.p.m.t": {"unique_id": "unit_test.p.m.t", "resource_type": "unit_test", "name": "t", "model": "m",
		"given": [], "expect": {"rows": []}, "checksum": "u1", "depends_on": {"macros": [], "nodes": ["model.p.m"]}}},
	"exposures": {"exposure.p.e": {"unique_id": "exposure.p.e", "resource_type": "exposure", "type": "dashboard",
		"owner": {"email": "a@b.c", "name": null}, "depends_on": {"macros": [], "nodes": ["model.p.m"]}}},
	"disabled": {"model.p.old": [{"unique_id": "model.p.old"}]},
	"macros": {}, "sources": {}}`
	m := mustParse(t, []byte(src))
	if m.AdapterType != "postgres" || !m.Disabled["model.p.old"] {
		t.Errorf("metadata or disabled: %+v", m)
	}
	if ut := m.Nodes["unit_test.p.m.t"]; ut == nil || ut.Checksum == nil || ut.Checksum.Checksum != "u1" {
		t.Errorf("unit test checksum: %+v", ut)
	}
	// Two enforced contracts with dbt's checksums compare by checksum.
	changed := mustParse(t, []byte(strings.Replace(src, `"checksum": "c1"`, `"checksum": "c2"`, 1)))
	c := Compare(m, changed)
	if got := c.Reasons("model.p.m"); !reflect.DeepEqual(got, []string{"contract"}) {
		t.Errorf("contract checksum changed: %v", got)
	}
	changedUT := mustParse(t, []byte(strings.Replace(src, `"checksum": "u1"`, `"checksum": "u2"`, 1)))
	if got := Compare(m, changedUT).Reasons("unit_test.p.m.t"); !reflect.DeepEqual(got, []string{"body"}) {
		t.Errorf("unit test checksum changed: %v", got)
	}
}

func TestBreakingContractChanges(t *testing.T) {
	contracted := func(version any, cols map[string]any, materialized string) func(n, _, _ map[string]map[string]any) {
		return func(n, _, _ map[string]map[string]any) {
			o := n["model.shop.orders"]
			o["contract"] = map[string]any{"enforced": true, "checksum": nil}
			o["columns"] = cols
			o["version"] = version
			o["config"] = map[string]any{"materialized": materialized}
			o["constraints"] = []any{map[string]any{"type": "check", "name": "positive", "expression": "amount > 0", "columns": []any{"amount"}}}
		}
	}
	cols := map[string]any{
		"id":     map[string]any{"name": "id", "data_type": "bigint", "constraints": []any{map[string]any{"type": "not_null"}}},
		"amount": map[string]any{"name": "amount", "data_type": "numeric", "constraints": []any{}},
	}
	prev := mustParse(t, manifestJSON(t, contracted(nil, cols, "table")))
	cur := mustParse(t, manifestJSON(t, func(n, s, x map[string]map[string]any) {
		contracted(nil, map[string]any{
			"id": map[string]any{"name": "id", "data_type": "text", "constraints": []any{}},
		}, "view")(n, s, x)
		n["model.shop.orders"]["constraints"] = []any{}
	}))
	got := Compare(prev, cur).BreakingChanges()
	// dbt's texts (ModelNode.same_contract).
	want := []BreakingChange{{UniqueID: "model.shop.orders", Name: "orders", Changes: []string{
		"Columns were removed: \n    - amount",
		"Columns with data_type changes: \n    - id (bigint -> text)",
		"Enforced column level constraints were removed: \n    - 'not_null' constraint on column id",
		"Enforced model level constraints were removed: \n    - 'positive' constraint on columns ['amount']",
		"Materialization changed with enforced constraints: \n    - table -> view",
	}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("want %+v\n got %+v", want, got)
	}
	if msg, wantMsg := got[0].String(), "Breaking change to contracted, unversioned model orders ()\n"+
		"While comparing to previous project state, dbt detected a breaking change to an unversioned model.\n"+
		"  - Columns were removed: \n    - amount\n  - Columns with data_type changes: "; !strings.HasPrefix(msg, wantMsg) {
		t.Errorf("message: want prefix %q, got %q", wantMsg, msg)
	}
	// As dbt's same_contract: an enforced constraint removed from a column
	// of a table is a breaking change on its own.
	loosened := map[string]any{
		"id":     map[string]any{"name": "id", "data_type": "bigint", "constraints": []any{}},
		"amount": map[string]any{"name": "amount", "data_type": "numeric", "constraints": []any{}},
	}
	got = Compare(prev, mustParse(t, manifestJSON(t, contracted(nil, loosened, "table")))).BreakingChanges()
	if len(got) != 1 || !reflect.DeepEqual(got[0].Changes, []string{"Enforced column level constraints were removed: \n    - 'not_null' constraint on column id"}) {
		t.Errorf("a removed not_null constraint: %+v", got)
	}
	// A versioned model's breaking change is an error; an added column is not breaking.
	prev = mustParse(t, manifestJSON(t, contracted(2, cols, "table")))
	added := map[string]any{"note": map[string]any{"name": "note", "data_type": "text"}}
	for k, v := range cols {
		added[k] = v
	}
	if got := Compare(prev, mustParse(t, manifestJSON(t, contracted(2, added, "table")))).BreakingChanges(); len(got) != 0 {
		t.Errorf("an added column: %+v", got)
	}
	removed := mustParse(t, manifestJSON(t, func(n, _, _ map[string]map[string]any) { delete(n, "model.shop.orders") }))
	got = Compare(prev, removed).BreakingChanges()
	if len(got) != 1 || !got[0].Error || !strings.Contains(got[0].String(), "dbt detected a breaking change to an enforced contract.\n  - Contracted model 'model.shop.orders' was deleted or renamed.\n") {
		t.Errorf("a deleted versioned contracted model: %+v", got)
	}
	// As dbt's same_contract_removed: one past its deprecation_date is
	// retired, no breaking change; one not yet past it still is.
	for date, want := range map[string]int{"2020-01-01": 0, "2020-01-01T00:00:00": 0, "2999-01-01T00:00:00+00:00": 1} {
		deprecated := mustParse(t, manifestJSON(t, func(n, s, x map[string]map[string]any) {
			contracted(2, cols, "table")(n, s, x)
			n["model.shop.orders"]["deprecation_date"] = date
		}))
		if got := Compare(deprecated, removed).BreakingChanges(); len(got) != want {
			t.Errorf("deleted with deprecation_date %s: %+v, want %d", date, got, want)
		}
	}
}

// TestSourceUnrenderedSchema: a source schema written with Jinja renders per
// environment; dbt 1.9 compares it as written with
// state_modified_compare_more_unrendered_values, as rendered without.
func TestSourceUnrenderedSchema(t *testing.T) {
	src := func(schema string, unrendered any) func(_, s, _ map[string]map[string]any) {
		return func(_, s, _ map[string]map[string]any) {
			p := s["source.shop.raw.payments"]
			p["schema"], p["unrendered_schema"], p["unrendered_database"] = schema, unrendered, nil
			p["database"] = "db_" + schema
		}
	}
	prev := mustParse(t, manifestJSON(t, src("prod_raw", "{{ target.schema }}_raw")))
	same := mustParse(t, manifestJSON(t, src("pr_7_raw", "{{ target.schema }}_raw")))
	// dbt's default (the flag false) compares them as rendered.
	if r := Compare(prev, same).Reasons("source.shop.raw.payments"); !reflect.DeepEqual(r, []string{"relation: database, schema"}) {
		t.Errorf("rendered differently, by default: %v", r)
	}
	same.CompareMoreUnrendered = true
	if r := Compare(prev, same).Reasons("source.shop.raw.payments"); r != nil {
		t.Errorf("same schema as written: %v", r)
	}
	moved := mustParse(t, manifestJSON(t, src("landing", "landing")))
	moved.CompareMoreUnrendered = true
	if r := Compare(prev, moved).Reasons("source.shop.raw.payments"); !reflect.DeepEqual(r, []string{"relation: schema"}) {
		t.Errorf("schema written differently: %v", r)
	}
}
