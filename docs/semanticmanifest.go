package docs

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/internal/targetfs"
	"github.com/elt-dev/elt/jinja"
	"github.com/elt-dev/elt/project"
)

// SemanticManifestFile is the artifact MetricFlow reads: dbt writes it
// beside manifest.json every time it writes that.
const SemanticManifestFile = "semantic_manifest.json"

// dsiVersion is the dbt-semantic-interfaces release dbt-core 1.10.9
// installs (>=0.9.0,<0.10): the manifest records the version that wrote it.
var dsiVersion = [3]string{"0", "9", "2"}

// legacyTimeSpine is the model MetricFlow used as the time spine before
// time_spine: existed; dbt still lists it when the project has one.
const legacyTimeSpine = "metricflow_time_spine"

// WriteSemanticManifest writes target/semantic_manifest.json: the
// project's semantic models, metrics and saved queries as
// dbt-semantic-interfaces' models hold them, and the project
// configuration with its time spines. Like dbt's, the file is one line of
// Python's json.dumps (", " and ": " between items, non-ASCII escaped),
// keys in the models' field order.
func WriteSemanticManifest(dir *targetfs.Dir, m *compiler.Manifest) error {
	if err := dir.WriteAtomic(SemanticManifestFile, func(w io.Writer) error {
		// Python's json.dumps, as jinja's tojson writes it; an object
		// keeps its keys' order, a mapping (meta) has them sorted.
		text, err := jinja.DumpJSON(SemanticManifest(m), jinja.JSONOptions{Default: pyValue})
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, text)
		return err
	}); err != nil {
		return fmt.Errorf("docs: write %s: %w", SemanticManifestFile, err)
	}
	return nil
}

// pyObject is a JSON object whose keys keep their order.
type pyObject []pyField

type pyField struct {
	key string
	val any
}

func (o pyObject) get(key string) any {
	for _, f := range o {
		if f.key == key {
			return f.val
		}
	}
	return nil
}

// pick is an object of the keys of src, in this order; a key src lacks
// is None, or what shape gives for it.
func pick(src map[string]any, keys ...string) pyObject {
	out := make(pyObject, 0, len(keys))
	for _, k := range keys {
		out = append(out, pyField{k, src[k]})
	}
	return out
}

func (o pyObject) set(key string, val any) pyObject {
	for i := range o {
		if o[i].key == key {
			o[i].val = val
			return o
		}
	}
	return append(o, pyField{key, val})
}

// SemanticManifest is the content of semantic_manifest.json, in order.
func SemanticManifest(m *compiler.Manifest) pyObject {
	res := m.Resources(0)
	semanticModels := []any{}
	for _, id := range slices.Sorted(maps.Keys(res.SemanticModels)) {
		semanticModels = append(semanticModels, semanticModelObject(res.SemanticModels[id]))
	}
	metrics := []any{}
	for _, id := range slices.Sorted(maps.Keys(res.Metrics)) {
		metrics = append(metrics, metricObject(res.Metrics[id]))
	}
	savedQueries := []any{}
	for _, id := range slices.Sorted(maps.Keys(res.SavedQueries)) {
		savedQueries = append(savedQueries, savedQueryObject(res.SavedQueries[id]))
	}
	return pyObject{
		{"semantic_models", semanticModels},
		{"metrics", metrics},
		{"project_configuration", projectConfiguration(m, len(semanticModels) > 0)},
		{"saved_queries", savedQueries},
	}
}

// elementConfig is a config as dbt-semantic-interfaces keeps it: its meta.
func elementConfig(v any) any {
	c, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	meta, _ := c["meta"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
	}
	return pyObject{{"meta", meta}}
}

func mapsOf(v any, shape func(map[string]any) pyObject) []any {
	list, _ := v.([]any)
	out := make([]any, 0, len(list))
	for _, x := range list {
		if mm, ok := x.(map[string]any); ok {
			out = append(out, shape(mm))
		}
	}
	return out
}

func optionalObject(v any, shape func(map[string]any) pyObject) any {
	if mm, ok := v.(map[string]any); ok {
		return shape(mm)
	}
	return nil
}

func semanticModelObject(sm map[string]any) pyObject {
	o := pick(sm, "name", "defaults", "description", "node_relation", "primary_entity", "entities", "measures",
		"dimensions", "label", "metadata", "config")
	o = o.set("defaults", optionalObject(sm["defaults"], func(d map[string]any) pyObject { return pick(d, "agg_time_dimension") }))
	o = o.set("node_relation", optionalObject(sm["node_relation"], func(r map[string]any) pyObject {
		return pick(r, "alias", "schema_name", "database", "relation_name")
	}))
	o = o.set("entities", mapsOf(sm["entities"], func(e map[string]any) pyObject {
		return pick(e, "name", "description", "type", "role", "expr", "metadata", "label").set("config", elementConfig(e["config"]))
	}))
	o = o.set("measures", mapsOf(sm["measures"], func(e map[string]any) pyObject {
		return pick(e, "name", "agg", "description", "create_metric", "expr", "agg_params", "metadata",
			"non_additive_dimension", "agg_time_dimension", "label").
			set("agg_params", optionalObject(e["agg_params"], func(a map[string]any) pyObject {
				return pick(a, "percentile", "use_discrete_percentile", "use_approximate_percentile")
			})).
			set("non_additive_dimension", optionalObject(e["non_additive_dimension"], func(a map[string]any) pyObject {
				return pick(a, "name", "window_choice", "window_groupings")
			})).
			set("config", elementConfig(e["config"]))
	}))
	o = o.set("dimensions", mapsOf(sm["dimensions"], func(e map[string]any) pyObject {
		return pick(e, "name", "description", "type", "is_partition", "type_params", "expr", "metadata", "label").
			set("type_params", optionalObject(e["type_params"], func(tp map[string]any) pyObject {
				return pick(tp, "time_granularity", "validity_params").
					set("validity_params", optionalObject(tp["validity_params"], func(v map[string]any) pyObject {
						return pick(v, "is_start", "is_end")
					}))
			})).
			set("config", elementConfig(e["config"]))
	}))
	return o.set("config", elementConfig(sm["config"]))
}

func whereObject(v any) any {
	return optionalObject(v, func(w map[string]any) pyObject {
		return pyObject{{"where_filters", mapsOf(w["where_filters"], func(f map[string]any) pyObject {
			return pick(f, "where_sql_template")
		})}}
	})
}

func windowObject(v any) any {
	return optionalObject(v, func(w map[string]any) pyObject { return pick(w, "count", "granularity") })
}

func inputMeasureObject(v any) any {
	return optionalObject(v, func(x map[string]any) pyObject {
		return pick(x, "name", "filter", "alias", "join_to_timespine", "fill_nulls_with").set("filter", whereObject(x["filter"]))
	})
}

func metricInputObject(v any) any {
	return optionalObject(v, func(x map[string]any) pyObject {
		return pick(x, "name", "filter", "alias", "offset_window", "offset_to_grain").
			set("filter", whereObject(x["filter"])).
			set("offset_window", windowObject(x["offset_window"]))
	})
}

func listOf(v any, shape func(any) any) any {
	list, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]any, len(list))
	for i, x := range list {
		out[i] = shape(x)
	}
	return out
}

func listOrEmpty(v any) any {
	if v == nil {
		return []any{}
	}
	return v
}

func metricObject(mt map[string]any) pyObject {
	tp, _ := mt["type_params"].(map[string]any)
	params := pick(tp, "measure", "numerator", "denominator", "expr", "window", "grain_to_date", "metrics",
		"conversion_type_params", "cumulative_type_params", "input_measures", "metric_aggregation_params").
		set("measure", inputMeasureObject(tp["measure"])).
		set("numerator", metricInputObject(tp["numerator"])).
		set("denominator", metricInputObject(tp["denominator"])).
		set("window", windowObject(tp["window"])).
		set("metrics", listOf(tp["metrics"], metricInputObject)).
		set("conversion_type_params", optionalObject(tp["conversion_type_params"], func(c map[string]any) pyObject {
			return pick(c, "base_measure", "base_metric", "conversion_measure", "conversion_metric", "entity", "calculation",
				"window", "constant_properties").
				set("base_measure", inputMeasureObject(c["base_measure"])).
				set("conversion_measure", inputMeasureObject(c["conversion_measure"])).
				set("window", windowObject(c["window"])).
				set("constant_properties", listOf(c["constant_properties"], func(x any) any {
					return optionalObject(x, func(p map[string]any) pyObject { return pick(p, "base_property", "conversion_property") })
				}))
		})).
		set("cumulative_type_params", optionalObject(tp["cumulative_type_params"], func(c map[string]any) pyObject {
			return pick(c, "window", "grain_to_date", "period_agg", "metric").
				set("window", windowObject(c["window"])).
				set("grain_to_date", lowerAny(c["grain_to_date"]))
		})).
		set("input_measures", listOrEmpty(listOf(tp["input_measures"], inputMeasureObject))).
		set("join_to_timespine", false).
		set("fill_nulls_with", nil)
	if ms, ok := params.get("metrics").([]any); ok {
		// As dbt-semantic-interfaces reads a metric: offset_to_grain in lower case.
		for _, in := range ms {
			if o, ok := in.(pyObject); ok {
				o.set("offset_to_grain", lowerAny(o.get("offset_to_grain")))
			}
		}
	}
	return pick(mt, "name", "description", "type", "type_params", "filter", "metadata", "label", "config", "time_granularity").
		set("type", lowerAny(mt["type"])).
		set("type_params", params).
		set("filter", whereObject(mt["filter"])).
		set("config", elementConfig(mt["config"]))
}

func lowerAny(v any) any {
	if s, ok := v.(string); ok {
		return toLowerASCII(s)
	}
	return v
}

func toLowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func savedQueryObject(sq map[string]any) pyObject {
	qp, _ := sq["query_params"].(map[string]any)
	tags := []string{}
	switch t := sq["tags"].(type) {
	case []string:
		tags = append(tags, t...)
	case []any:
		for _, x := range t {
			tags = append(tags, fmt.Sprint(x))
		}
	case string:
		tags = append(tags, t)
	}
	sort.Strings(tags)
	return pick(sq, "name", "query_params", "description", "metadata", "label", "exports", "tags").
		set("query_params", pick(qp, "metrics", "group_by", "order_by", "limit", "where").set("where", whereObject(qp["where"]))).
		set("exports", mapsOf(sq["exports"], func(x map[string]any) pyObject {
			return pyObject{{"name", x["name"]}, {"config", optionalObject(x["config"], func(c map[string]any) pyObject {
				return pick(c, "export_as", "schema_name", "alias")
			})}}
		})).
		set("tags", tags)
}

// projectConfiguration lists the time spines: each model with a
// time_spine: property and, when the project has semantic models, the
// legacy metricflow_time_spine model.
func projectConfiguration(m *compiler.Manifest, hasSemanticModels bool) pyObject {
	spines := []any{}
	var legacy []any
	for _, n := range m.SortedNodes() {
		if n.ResourceType != project.Model {
			continue
		}
		if n.Name == legacyTimeSpine && hasSemanticModels && legacy == nil {
			legacy = []any{pyObject{{"location", n.RelationName}, {"column_name", "date_day"}, {"grain", "day"}}}
		}
		ts := n.TimeSpine
		if ts == nil {
			continue
		}
		grain := ""
		for _, c := range n.Columns {
			if c.Name == ts.StandardGranularityColumn {
				grain = c.Granularity
				break
			}
		}
		custom := []any{}
		for _, g := range ts.CustomGranularities {
			var column any
			if g.ColumnName != "" {
				column = g.ColumnName
			}
			custom = append(custom, pyObject{{"name", g.Name}, {"column_name", column}})
		}
		var database any
		if n.Relation.Database != "" {
			database = n.Relation.Database
		}
		spines = append(spines, pyObject{
			{"node_relation", pyObject{{"alias", n.Relation.Identifier}, {"schema_name", n.Relation.Schema},
				{"database", database}, {"relation_name", n.RelationName}}},
			{"primary_column", pyObject{{"name", ts.StandardGranularityColumn}, {"time_granularity", grain}}},
			{"custom_granularities", custom},
		})
	}
	if legacy == nil {
		legacy = []any{}
	}
	return pyObject{
		{"time_spine_table_configurations", legacy},
		{"metadata", nil},
		{"dsi_package_version", pyObject{{"major_version", dsiVersion[0]}, {"minor_version", dsiVersion[1]}, {"patch_version", dsiVersion[2]}}},
		{"time_spines", spines},
	}
}

// pyValue is what json.dumps writes for the semantic manifest's own
// types: an object as a dict in its keys' order, a list of strings.
func pyValue(v any) (any, error) {
	switch x := v.(type) {
	case pyObject:
		d := jinja.NewDict()
		for _, f := range x {
			d.Set(f.key, f.val)
		}
		return d, nil
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out, nil
	}
	return nil, fmt.Errorf("semantic manifest: %T is not JSON serializable", v)
}
