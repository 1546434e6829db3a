package state

import (
	"encoding/json"
	"reflect"
	"testing"
)

// semanticManifest is a manifest with one metric, one semantic model and
// one saved query; change edits them before encoding.
func semanticManifest(t *testing.T, change func(metric, sm, sq map[string]any)) *Manifest {
	t.Helper()
	metric := map[string]any{
		"unique_id": "metric.shop.revenue", "resource_type": "metric", "name": "revenue", "package_name": "shop",
		"fqn": []any{"shop", "revenue"}, "description": "total revenue", "label": "Revenue", "type": "simple",
		"type_params": map[string]any{"measure": map[string]any{"name": "amount"}}, "filter": nil,
		"meta": map[string]any{}, "config": map[string]any{"enabled": true, "group": nil, "meta": map[string]any{}},
		"unrendered_config": map[string]any{}, "depends_on": map[string]any{"macros": []any{}, "nodes": []any{"semantic_model.shop.orders"}},
	}
	sm := map[string]any{
		"unique_id": "semantic_model.shop.orders", "resource_type": "semantic_model", "name": "orders", "package_name": "shop",
		"fqn": []any{"shop", "orders"}, "model": "ref('orders')", "description": "orders", "label": nil,
		"defaults":       map[string]any{"agg_time_dimension": "ordered_at"},
		"entities":       []any{map[string]any{"name": "order", "type": "primary", "expr": "order_id"}},
		"dimensions":     []any{map[string]any{"name": "ordered_at", "type": "time", "type_params": map[string]any{"time_granularity": "day"}}},
		"measures":       []any{map[string]any{"name": "amount", "agg": "sum"}},
		"primary_entity": nil, "group": nil,
		"config":     map[string]any{"enabled": true, "group": nil, "meta": map[string]any{}},
		"depends_on": map[string]any{"macros": []any{}, "nodes": []any{"model.shop.orders"}},
	}
	sq := map[string]any{
		"unique_id": "saved_query.shop.daily", "resource_type": "saved_query", "name": "daily", "package_name": "shop",
		"fqn": []any{"shop", "daily"}, "description": "daily revenue", "label": nil,
		"query_params": map[string]any{"metrics": []any{"revenue"}, "group_by": []any{"TimeDimension('order__ordered_at', 'day')"}, "where": nil},
		"exports": []any{map[string]any{"name": "daily_export", "config": map[string]any{"export_as": "table", "schema": "exports_ci"},
			"unrendered_config": map[string]any{"export_as": "table", "schema": "{{ target.schema }}"}}},
		"tags": []any{}, "group": nil, "config": map[string]any{"enabled": true, "group": nil, "meta": map[string]any{}},
		"depends_on": map[string]any{"macros": []any{}, "nodes": []any{"metric.shop.revenue"}},
	}
	if change != nil {
		change(metric, sm, sq)
	}
	b, err := json.Marshal(map[string]any{
		"nodes": map[string]any{}, "sources": map[string]any{}, "macros": map[string]any{},
		"metrics":         map[string]any{"metric.shop.revenue": metric},
		"semantic_models": map[string]any{"semantic_model.shop.orders": sm},
		"saved_queries":   map[string]any{"saved_query.shop.daily": sq},
	})
	if err != nil {
		t.Fatal(err)
	}
	return mustParse(t, b)
}

// TestSemanticLayerChanges: state:modified of metrics, semantic models and
// saved queries follows their same_contents, with reasons.
func TestSemanticLayerChanges(t *testing.T) {
	prev := semanticManifest(t, nil)
	ids := []string{"metric.shop.revenue", "semantic_model.shop.orders", "saved_query.shop.daily"}
	same := Compare(prev, semanticManifest(t, nil))
	for _, id := range ids {
		if r := same.Reasons(id); r != nil || same.Check("modified", id) || !same.Check("old", id) {
			t.Errorf("%s unchanged: reasons %v", id, r)
		}
	}
	tests := []struct {
		name   string
		change func(metric, sm, sq map[string]any)
		want   map[string][]string
	}{
		{"metric type, label and config", func(m, _, _ map[string]any) {
			m["type"] = "cumulative"
			m["label"] = "Revenue (all time)"
			m["unrendered_config"] = map[string]any{"meta": map[string]any{"owner": "finance"}}
		}, map[string][]string{"metric.shop.revenue": {"type", "label", "configs: meta"}}},
		{"metric filter, meta and type_params are not compared (dbt's TODO)", func(m, _, _ map[string]any) {
			m["filter"] = map[string]any{"where_filters": []any{map[string]any{"where_sql_template": "x > 1"}}}
			m["meta"] = map[string]any{"a": 1}
			m["type_params"] = map[string]any{"measure": map[string]any{"name": "other"}}
		}, map[string][]string{}},
		{"metric group is not compared", func(m, _, _ map[string]any) {
			m["unrendered_config"] = map[string]any{"group": "finance"}
		}, map[string][]string{}},
		{"semantic model", func(_, sm, _ map[string]any) {
			sm["model"] = "ref('orders_v2')"
			sm["measures"] = []any{map[string]any{"name": "amount", "agg": "max"}}
			sm["config"] = map[string]any{"enabled": true, "group": "finance", "meta": map[string]any{}}
			sm["primary_entity"] = "order"
		}, map[string][]string{"semantic_model.shop.orders": {"model", "measures", "configs: group", "primary_entity"}}},
		{"semantic model label is not compared", func(_, sm, _ map[string]any) {
			sm["label"] = "Orders"
		}, map[string][]string{}},
		{"saved query", func(_, _, sq map[string]any) {
			sq["query_params"] = map[string]any{"metrics": []any{"revenue"}, "group_by": []any{}, "where": []any{"{{ Dimension('order__status') }} = 'paid'"}}
			sq["tags"] = []any{"daily"}
		}, map[string][]string{"saved_query.shop.daily": {"group_by", "where", "tags"}}},
		{"saved query export: unrendered config compared, rendered not", func(_, _, sq map[string]any) {
			sq["exports"] = []any{map[string]any{"name": "daily_export", "config": map[string]any{"export_as": "table", "schema": "exports_prod"},
				"unrendered_config": map[string]any{"export_as": "table", "schema": "{{ target.schema }}"}}}
		}, map[string][]string{}},
		{"saved query export renamed", func(_, _, sq map[string]any) {
			sq["exports"] = []any{map[string]any{"name": "daily", "unrendered_config": map[string]any{"export_as": "view"}}}
		}, map[string][]string{"saved_query.shop.daily": {"exports"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Compare(prev, semanticManifest(t, tt.change))
			for _, id := range ids {
				got := c.Reasons(id)
				if want := tt.want[id]; !reflect.DeepEqual(got, want) {
					t.Errorf("%s: want %v, got %v", id, want, got)
				}
				if c.Check("modified", id) != (len(tt.want[id]) > 0) {
					t.Errorf("%s: state:modified = %v", id, c.Check("modified", id))
				}
			}
		})
	}
	// A metric, semantic model or saved query that is new is state:new but
	// not state:modified (same_contents of nothing is true), as in dbt.
	empty := mustParse(t, []byte(`{"nodes": {}, "sources": {}, "macros": {}}`))
	c := Compare(empty, semanticManifest(t, nil))
	for _, id := range ids {
		if !c.Check("new", id) || c.Check("modified", id) {
			t.Errorf("%s new: state:new %v, state:modified %v", id, c.Check("new", id), c.Check("modified", id))
		}
	}
	// modified.configs follows each kind's same_config.
	c = Compare(prev, semanticManifest(t, func(m, sm, sq map[string]any) {
		sq["config"] = map[string]any{"enabled": true, "group": nil, "meta": map[string]any{"x": 1}}
	}))
	if got := selected(c, "modified.configs"); !reflect.DeepEqual(got, []string{"saved_query.shop.daily"}) {
		t.Errorf("modified.configs: %v", got)
	}
}

// TestSeedChecksums: a seed's body is its checksum; a seed over 1 MiB has
// its path as checksum (dbt's same_seeds), so a change to its contents is
// not seen and a warning says so.
func TestSeedChecksums(t *testing.T) {
	doc := func(name, sum string) *Manifest {
		return mustParse(t, manifestJSON(t, func(nodes, _, _ map[string]map[string]any) {
			nodes["seed.shop.raw_orders"]["checksum"] = map[string]any{"name": name, "checksum": sum}
		}))
	}
	const seed = "seed.shop.raw_orders"
	tests := []struct {
		name      string
		prev, cur [2]string
		want      []string
		warn      string // dbt's event, "" for none
	}{
		{"same hash", [2]string{"sha256", "aaa"}, [2]string{"sha256", "aaa"}, nil, ""},
		{"new hash", [2]string{"sha256", "aaa"}, [2]string{"sha256", "bbb"}, []string{"body"}, ""},
		{"grew over 1 MiB", [2]string{"sha256", "aaa"}, [2]string{"path", "seeds/raw_orders.csv"},
			[]string{"body: the seed grew over 1 MiB; its contents are no longer compared, only its path"},
			"SeedIncreased: Found a seed (shop.raw_orders) >1MB in size. The previous file was <=1MB, so it has changed"},
		{"over 1 MiB, same path", [2]string{"path", "seeds/raw_orders.csv"}, [2]string{"path", "seeds/raw_orders.csv"}, nil,
			"SeedExceedsLimitSamePath: Found a seed (shop.raw_orders) >1MB in size at the same path, elt cannot tell if it has changed: assuming they are the same"},
		{"over 1 MiB, moved", [2]string{"path", "seeds/raw_orders.csv"}, [2]string{"path", "seeds/raw/raw_orders.csv"},
			[]string{"body: the path of a seed over 1 MiB changed (its contents are not compared)"},
			"SeedExceedsLimitAndPathChanged: Found a seed (shop.raw_orders) >1MB in size. The previous file was in a different location, assuming it has changed"},
		{"shrank under 1 MiB", [2]string{"path", "seeds/raw_orders.csv"}, [2]string{"sha256", "aaa"}, []string{"body"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Compare(doc(tt.prev[0], tt.prev[1]), doc(tt.cur[0], tt.cur[1]))
			if got := c.Reasons(seed); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("reasons: want %v, got %v", tt.want, got)
			}
			if c.Check("modified.body", seed) != (tt.want != nil) {
				t.Errorf("modified.body = %v", c.Check("modified.body", seed))
			}
			var got string
			for _, w := range c.SeedWarnings() {
				got += w.Event + ": " + w.Message
			}
			if got != tt.warn {
				t.Errorf("warnings:\nwant %q\ngot  %q", tt.warn, got)
			}
		})
	}
}

// TestPackageMacroChange: a macro of an installed package that changed
// marks the nodes that call it, directly or through other macros.
func TestPackageMacroChange(t *testing.T) {
	doc := func(colsSQL string) *Manifest {
		return mustParse(t, manifestJSON(t, func(nodes, _, macros map[string]map[string]any) {
			nodes["model.shop.stg_orders"]["depends_on"] = map[string]any{"nodes": []any{"seed.shop.raw_orders"}, "macros": []any{"macro.dbt_utils.star"}}
			macros["macro.dbt_utils.star"] = map[string]any{"unique_id": "macro.dbt_utils.star", "package_name": "dbt_utils",
				"macro_sql":  "{% macro star(from) %}{{ dbt_utils._get_cols(from) }}{% endmacro %}",
				"depends_on": map[string]any{"macros": []any{"macro.dbt_utils._get_cols"}}}
			macros["macro.dbt_utils._get_cols"] = map[string]any{"unique_id": "macro.dbt_utils._get_cols", "package_name": "dbt_utils",
				"macro_sql": colsSQL, "depends_on": map[string]any{"macros": []any{}}}
		}))
	}
	prev := doc("{% macro _get_cols(from) %}*{% endmacro %}")
	if got := selected(Compare(prev, doc("{% macro _get_cols(from) %}*{% endmacro %}")), "modified"); got != nil {
		t.Errorf("unchanged package: %v", got)
	}
	c := Compare(prev, doc("{% macro _get_cols(from) %}* exclude (x){% endmacro %}"))
	if got, want := selected(c, "modified.macros"), []string{"model.shop.stg_orders"}; !reflect.DeepEqual(got, want) {
		t.Errorf("modified.macros: want %v, got %v", want, got)
	}
	if got, want := c.Reasons("model.shop.stg_orders"), []string{"macros: macro.dbt_utils._get_cols"}; !reflect.DeepEqual(got, want) {
		t.Errorf("reasons: want %v, got %v", want, got)
	}
	// The package's macro removed (the package upgraded without it).
	c = Compare(prev, mustParse(t, manifestJSON(t, func(nodes, _, macros map[string]map[string]any) {
		nodes["model.shop.stg_orders"]["depends_on"] = map[string]any{"nodes": []any{"seed.shop.raw_orders"}, "macros": []any{"macro.dbt_utils.star"}}
		macros["macro.dbt_utils.star"] = map[string]any{"unique_id": "macro.dbt_utils.star", "macro_sql": "{% macro star(from) %}*{% endmacro %}",
			"depends_on": map[string]any{"macros": []any{}}}
	})))
	if got, want := c.Reasons("model.shop.stg_orders"), []string{"macros: macro.dbt_utils.star"}; !reflect.DeepEqual(got, want) {
		t.Errorf("package macro rewritten: want %v, got %v", want, got)
	}
}
