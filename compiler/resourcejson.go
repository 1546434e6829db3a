package compiler

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/elt-dev/elt/jinja"
	"github.com/elt-dev/elt/project"
)

// ResourceEntries are the project's exposures, groups, semantic models,
// metrics and saved queries as dbt holds them, in manifest.json and in
// the graph templates read, keyed by unique id. Values are as the YAML
// gave them.
type ResourceEntries struct {
	Exposures, Groups, SemanticModels, Metrics, SavedQueries map[string]map[string]any
	// Disabled are the exposures, semantic models, metrics and saved
	// queries their config disables, as dbt lists them under the
	// manifest's disabled (by unique id, in the order declared).
	Disabled map[string][]map[string]any
}

// Resources builds the project's ResourceEntries; createdAt is their
// created_at (seconds since the epoch).
func (m *Manifest) Resources(createdAt float64) ResourceEntries {
	out := ResourceEntries{Exposures: map[string]map[string]any{}, Groups: map[string]map[string]any{},
		SemanticModels: map[string]map[string]any{}, Metrics: map[string]map[string]any{}, SavedQueries: map[string]map[string]any{},
		Disabled: map[string][]map[string]any{}}
	p := m.Project
	if p == nil {
		return out
	}
	for id, x := range p.Exposures {
		out.Exposures[id] = m.exposureEntry(x, true, createdAt)
	}
	for _, x := range p.DisabledExposures {
		// As dbt's: a disabled exposure's refs are not resolved.
		out.Disabled[x.UniqueID] = append(out.Disabled[x.UniqueID], m.exposureEntry(x, false, createdAt))
	}
	for id, g := range p.Groups {
		cfg := map[string]any{"meta": map[string]any{}}
		if meta, ok := g.Config["meta"].(map[string]any); ok {
			cfg["meta"] = meta
		}
		out.Groups[id] = map[string]any{
			"name": g.Name, "resource_type": string(project.GroupType), "package_name": g.Package,
			"path": searchedRel(m.pkgRel(g.Package, g.File)), "original_file_path": m.pkgRel(g.Package, g.File),
			"unique_id": id, "owner": ownerOf(g.Owner), "description": nilIfEmpty(g.Description), "config": cfg,
		}
	}
	metrics := map[string]map[string]any{} // by name, for their input measures
	semantic := func(id string, r *project.SemanticResource, enabled bool) {
		obj := map[string]any{}
		for k, v := range r.Raw {
			obj[k] = v
		}
		cfg := map[string]any{"enabled": true, "group": nil, "meta": map[string]any{}}
		if r.Kind == project.SavedQuery {
			for k, v := range map[string]any{"export_as": nil, "schema": nil, "cache": map[string]any{"enabled": false}} {
				cfg[k] = v
			}
		}
		for k, v := range r.Config {
			cfg[k] = v
		}
		unrendered := map[string]any{}
		for k, v := range r.Unrendered {
			unrendered[k] = v
		}
		dependsOn := emptyIfNil(r.DependsOnIDs)
		if !enabled {
			dependsOn = []string{}
		}
		for k, v := range map[string]any{
			"name": r.Name, "resource_type": string(r.Kind), "package_name": r.Package,
			"path": searchedRel(m.pkgRel(r.Package, r.File)), "original_file_path": m.pkgRel(r.Package, r.File),
			"unique_id": id, "fqn": r.FQN, "description": nilIfEmpty(r.Description), "label": nilIfEmpty(r.Label),
			"config": cfg, "depends_on": map[string]any{"macros": []string{}, "nodes": dependsOn},
			"created_at": createdAt, "unrendered_config": unrendered, "group": cfg["group"],
		} {
			obj[k] = v
		}
		switch r.Kind {
		case project.Metric:
			obj["description"] = r.Description // as dbt: "" when not written
			obj["tags"] = emptyIfNil(r.Tags)
			// As dbt: the config's meta, when it has any, is the metric's.
			if meta, ok := cfg["meta"].(map[string]any); ok && len(meta) > 0 {
				obj["meta"] = meta
			}
		case project.SavedQuery:
			obj["tags"] = emptyIfNil(r.Tags)
		}
		switch r.Kind {
		case project.SemanticModel:
			// node_relation: the relation of the model it reads (None
			// until it is resolved, as a disabled one's stays).
			obj["node_relation"] = nil
			if len(r.DependsOnIDs) > 0 && enabled {
				if n := m.Nodes[r.DependsOnIDs[0]]; n != nil {
					obj["node_relation"] = map[string]any{
						"alias": n.Relation.Identifier, "schema_name": n.Relation.Schema,
						"database": nilIfEmpty(n.Relation.Database), "relation_name": nilIfEmpty(n.RelationName),
					}
				}
			}
			if r.Model != nil {
				refs, _, _ := callLists([]project.DependsOnCall{*r.Model})
				obj["refs"] = refs
			}
			meta, _ := cfg["meta"].(map[string]any)
			semanticModelEntry(obj, meta)
			if enabled {
				out.SemanticModels[id] = obj
			}
		case project.Metric:
			if enabled {
				out.Metrics[id] = obj
				metrics[r.Name] = obj
			}
		case project.SavedQuery:
			m.savedQueryEntry(obj, r, cfg)
			if enabled {
				out.SavedQueries[id] = obj
			}
		}
		if !enabled {
			out.Disabled[id] = append(out.Disabled[id], obj)
		}
	}
	for id, r := range p.Semantic {
		semantic(id, r, true)
	}
	for _, r := range p.DisabledSemantic {
		semantic(r.UniqueID, r, false)
	}
	// Each metric's shape, once all are known: a derived metric's input
	// measures are its inputs'.
	done := map[string]bool{}
	var shape func(name string) []any
	shape = func(name string) []any {
		obj, ok := metrics[name]
		if !ok {
			return nil
		}
		if !done[name] {
			done[name] = true // a cycle stops here
			metricEntry(obj, shape)
		}
		tp, _ := obj["type_params"].(map[string]any)
		l, _ := tp["input_measures"].([]any)
		return l
	}
	for _, id := range sortedKeys(out.Metrics) {
		shape(fmt.Sprint(out.Metrics[id]["name"]))
	}
	for _, list := range out.Disabled {
		for _, obj := range list {
			if obj["resource_type"] == string(project.Metric) {
				metricEntry(obj, shape)
			}
		}
	}
	return out
}

// exposureEntry is x as dbt's manifest holds an exposure; a disabled one
// (under disabled) has its refs but no resolved depends_on.
func (m *Manifest) exposureEntry(x *project.Exposure, enabled bool, createdAt float64) map[string]any {
	refs, sources, metrics := callLists(x.DependsOn)
	cfg := map[string]any{"enabled": enabled, "tags": emptyIfNil(x.Tags), "meta": orEmptyMap(x.Meta)}
	dependsOn := emptyIfNil(x.DependsOnNodes)
	if !enabled {
		dependsOn = []string{}
	}
	return map[string]any{
		"name": x.Name, "resource_type": string(project.ExposureType), "package_name": x.Package,
		"path": searchedRel(m.pkgRel(x.Package, x.File)), "original_file_path": m.pkgRel(x.Package, x.File),
		"unique_id": x.UniqueID, "fqn": x.FQN, "type": x.Type, "owner": ownerOf(x.Owner),
		"description": x.Description, "label": nilIfEmpty(x.Label), "maturity": nilIfEmpty(x.Maturity),
		"meta": orEmptyMap(x.Meta), "tags": emptyIfNil(x.Tags), "config": cfg, "unrendered_config": map[string]any{},
		"url": nilIfEmpty(x.URL), "depends_on": map[string]any{"macros": []string{}, "nodes": dependsOn},
		"refs": refs, "sources": sources, "metrics": metrics, "created_at": createdAt,
	}
}

// searchedRel is a properties file's path relative to the resource
// folder it was found in (dbt's relative_path: "marts/sl.yml" for
// models/marts/sl.yml), as the fqn is (project.yamlFQN).
func searchedRel(file string) string {
	if i := strings.IndexByte(file, '/'); i >= 0 {
		return file[i+1:]
	}
	return file
}

// SearchedPath is searchedRel for a path relative to its package's
// folder: the path dbt writes as a YAML-defined resource's path.
func SearchedPath(file string) string { return searchedRel(file) }

// pkgRel is a path relative to its package's folder.
func (m *Manifest) pkgRel(pkg, file string) string {
	for _, p := range m.Project.Packages {
		if p.Name == pkg {
			return strings.TrimPrefix(file, p.Dir+"/")
		}
	}
	return file
}

func ownerOf(o map[string]any) map[string]any {
	out := map[string]any{"email": nil, "name": nil}
	for k, v := range o {
		out[k] = v
	}
	return out
}

func emptyIfNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// callLists splits ref(), source() and metric() calls into dbt's refs,
// sources and metrics lists.
func callLists(calls []project.DependsOnCall) (refs []map[string]any, sources, metrics [][]string) {
	refs, sources, metrics = []map[string]any{}, [][]string{}, [][]string{}
	for _, c := range calls {
		switch c.Func {
		case "ref":
			r := map[string]any{"name": c.Args[len(c.Args)-1], "package": nil, "version": nil}
			if len(c.Args) == 2 {
				r["package"] = c.Args[0]
			}
			if c.Version != "" {
				r["version"] = versionJSON(c.Version, c.VersionText)
			}
			refs = append(refs, r)
		case "source":
			sources = append(sources, c.Args)
		case "metric":
			metrics = append(metrics, c.Args)
		}
	}
	return refs, sources, metrics
}

// metricEntry gives a metric's entry dbt's shape: type_params with every
// key, measures and metric inputs as objects ("total_count" is
// {name: total_count, filter: None, ...}), windows as {count,
// granularity}, filters as {where_filters: [{where_sql_template}]}, and
// the keys dbt writes with their defaults. measuresOf resolves another
// metric's input measures, by name (ratio and derived metrics).
func metricEntry(obj map[string]any, measuresOf func(name string) []any) {
	tp, _ := obj["type_params"].(map[string]any)
	typ, _ := obj["type"].(string)
	out := map[string]any{
		"measure": nil, "input_measures": []any{}, "numerator": nil, "denominator": nil, "expr": nil,
		"window": nil, "grain_to_date": nil, "metrics": []any{}, "conversion_type_params": nil,
		"cumulative_type_params": nil,
	}
	if v, ok := tp["measure"]; ok && v != nil {
		out["measure"] = inputMeasure(v)
	}
	for _, k := range []string{"numerator", "denominator"} {
		if v, ok := tp[k]; ok && v != nil {
			out[k] = metricInput(v)
		}
	}
	if v, ok := tp["expr"]; ok && v != nil {
		out["expr"] = fmt.Sprint(v)
	}
	out["window"] = timeWindow(tp["window"])
	if v, ok := tp["grain_to_date"].(string); ok {
		out["grain_to_date"] = v
	}
	if l, ok := tp["metrics"].([]any); ok {
		inputs := make([]any, len(l))
		for i, v := range l {
			inputs[i] = metricInput(v)
		}
		out["metrics"] = inputs
	}
	if c, ok := tp["conversion_type_params"].(map[string]any); ok {
		calc := "conversion_rate"
		if s, ok := c["calculation"].(string); ok {
			calc = s
		}
		out["conversion_type_params"] = map[string]any{
			"base_measure": inputMeasure(c["base_measure"]), "conversion_measure": inputMeasure(c["conversion_measure"]),
			"entity": c["entity"], "calculation": calc, "window": timeWindow(c["window"]), "constant_properties": c["constant_properties"],
		}
	}
	if strings.EqualFold(typ, "cumulative") {
		c, _ := tp["cumulative_type_params"].(map[string]any)
		window, grain, agg := c["window"], c["grain_to_date"], "first"
		if window == nil {
			window = tp["window"]
		}
		if grain == nil {
			grain = tp["grain_to_date"]
		}
		if s, ok := c["period_agg"].(string); ok {
			agg = s
		}
		out["cumulative_type_params"] = map[string]any{"window": timeWindow(window), "grain_to_date": grain, "period_agg": agg}
	}
	// input_measures, as dbt's post-parse processing sets them.
	var measures []any
	switch {
	case out["measure"] != nil:
		measures = append(measures, out["measure"])
	case out["conversion_type_params"] != nil:
		c := out["conversion_type_params"].(map[string]any)
		measures = append(measures, c["base_measure"])
		if !containsValue(measures, c["conversion_measure"]) {
			measures = append(measures, c["conversion_measure"])
		}
	default:
		var names []string
		for _, k := range []string{"numerator", "denominator"} {
			if in, ok := out[k].(map[string]any); ok {
				names = append(names, fmt.Sprint(in["name"]))
			}
		}
		for _, in := range out["metrics"].([]any) {
			names = append(names, fmt.Sprint(in.(map[string]any)["name"]))
		}
		for _, name := range names {
			for _, in := range measuresOf(name) {
				// As dbt: an input measure is listed once, however many
				// inputs read it.
				if !containsValue(measures, in) {
					measures = append(measures, in)
				}
			}
		}
	}
	if measures != nil {
		out["input_measures"] = measures
	}
	obj["type_params"] = out
	obj["filter"] = whereFilter(obj["filter"])
	for k, v := range map[string]any{"time_granularity": nil, "metadata": nil, "meta": map[string]any{}, "tags": []any{},
		"unrendered_config": map[string]any{}, "sources": []any{}, "refs": []any{}, "metrics": []any{}, "group": nil} {
		if _, ok := obj[k]; !ok {
			obj[k] = v
		}
	}
}

func containsValue(list []any, v any) bool {
	for _, x := range list {
		if reflect.DeepEqual(x, v) {
			return true
		}
	}
	return false
}

func inputMeasure(v any) any {
	out := map[string]any{"name": nil, "filter": nil, "alias": nil, "join_to_timespine": false, "fill_nulls_with": nil}
	switch x := v.(type) {
	case string:
		out["name"] = x
	case map[string]any:
		for _, k := range []string{"name", "alias", "fill_nulls_with"} {
			if x[k] != nil {
				out[k] = x[k]
			}
		}
		if b, ok := x["join_to_timespine"].(bool); ok {
			out["join_to_timespine"] = b
		}
		out["filter"] = whereFilter(x["filter"])
	}
	return out
}

func metricInput(v any) any {
	out := map[string]any{"name": nil, "filter": nil, "alias": nil, "offset_window": nil, "offset_to_grain": nil}
	switch x := v.(type) {
	case string:
		out["name"] = x
	case map[string]any:
		for _, k := range []string{"name", "alias", "offset_to_grain"} {
			if x[k] != nil {
				out[k] = x[k]
			}
		}
		out["filter"] = whereFilter(x["filter"])
		out["offset_window"] = timeWindow(x["offset_window"])
	}
	return out
}

// timeWindow is "<count> <granularity>" as {count, granularity}, a
// standard grain's plural made singular ("30 days": 30, "day"), or None.
func timeWindow(v any) any {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	parts := strings.Split(strings.ToLower(s), " ")
	if len(parts) != 2 {
		return s
	}
	count, err := strconv.Atoi(parts[0])
	if err != nil {
		return s
	}
	grain := parts[1]
	switch strings.TrimSuffix(grain, "s") {
	case "nanosecond", "microsecond", "millisecond", "second", "minute", "hour", "day", "week", "month", "quarter", "year":
		grain = strings.TrimSuffix(grain, "s")
	}
	return map[string]any{"count": count, "granularity": grain}
}

// whereFilter is a filter (one SQL template or a list of them) as dbt's
// WhereFilterIntersection, or None.
func whereFilter(v any) any {
	var templates []any
	switch x := v.(type) {
	case string:
		templates = []any{x}
	case []any:
		templates = x
	default:
		return nil
	}
	filters := make([]any, len(templates))
	for i, t := range templates {
		filters[i] = map[string]any{"where_sql_template": t}
	}
	return map[string]any{"where_filters": filters}
}

// semanticModelEntry gives a semantic model's entry dbt's shape: every
// entity, dimension and measure with all its keys (None, false or their
// defaults where not written) and a config whose meta is the semantic
// model's config meta under its own; defaults, primary_entity and
// metadata written even when empty.
func semanticModelEntry(obj map[string]any, modelMeta map[string]any) {
	elementConfig := func(x map[string]any) map[string]any {
		meta := map[string]any{}
		for k, v := range modelMeta {
			meta[k] = v
		}
		if c, ok := x["config"].(map[string]any); ok {
			if own, ok := c["meta"].(map[string]any); ok {
				for k, v := range own {
					meta[k] = v
				}
			}
		}
		return map[string]any{"meta": meta}
	}
	elements := func(key string, shape func(x map[string]any) map[string]any) {
		list, _ := obj[key].([]any)
		out := make([]any, 0, len(list))
		for _, v := range list {
			x, ok := v.(map[string]any)
			if !ok {
				continue
			}
			e := shape(x)
			e["name"] = x["name"]
			e["description"] = x["description"]
			e["label"] = x["label"]
			e["config"] = elementConfig(x)
			out = append(out, e)
		}
		obj[key] = out
	}
	elements("entities", func(x map[string]any) map[string]any {
		return map[string]any{"type": lowerString(x["type"]), "role": x["role"], "expr": x["expr"]}
	})
	elements("dimensions", func(x map[string]any) map[string]any {
		partition, _ := x["is_partition"].(bool)
		var typeParams any
		if tp, ok := x["type_params"].(map[string]any); ok {
			var validity any
			if vp, ok := tp["validity_params"].(map[string]any); ok {
				start, _ := vp["is_start"].(bool)
				end, _ := vp["is_end"].(bool)
				validity = map[string]any{"is_start": start, "is_end": end}
			}
			typeParams = map[string]any{"time_granularity": lowerString(tp["time_granularity"]), "validity_params": validity}
		}
		return map[string]any{"type": lowerString(x["type"]), "is_partition": partition, "type_params": typeParams,
			"expr": x["expr"], "metadata": nil}
	})
	elements("measures", func(x map[string]any) map[string]any {
		var expr any
		if v, ok := x["expr"]; ok && v != nil {
			expr = pythonStr(v)
		}
		var aggParams any
		if ap, ok := x["agg_params"].(map[string]any); ok {
			discrete, _ := ap["use_discrete_percentile"].(bool)
			approximate, _ := ap["use_approximate_percentile"].(bool)
			aggParams = map[string]any{"percentile": ap["percentile"], "use_discrete_percentile": discrete,
				"use_approximate_percentile": approximate}
		}
		var nonAdditive any
		if na, ok := x["non_additive_dimension"].(map[string]any); ok {
			groupings, _ := na["window_groupings"].([]any)
			nonAdditive = map[string]any{"name": na["name"], "window_choice": lowerString(na["window_choice"]),
				"window_groupings": emptyIfNil(groupings)}
		}
		// As dbt: the parsed measure never keeps create_metric.
		return map[string]any{"agg": lowerString(x["agg"]), "create_metric": false, "expr": expr, "agg_params": aggParams,
			"non_additive_dimension": nonAdditive, "agg_time_dimension": x["agg_time_dimension"]}
	})
	if d, ok := obj["defaults"].(map[string]any); ok {
		obj["defaults"] = map[string]any{"agg_time_dimension": d["agg_time_dimension"]}
	} else {
		obj["defaults"] = nil
	}
	for k, v := range map[string]any{"primary_entity": nil, "metadata": nil, "refs": []any{}} {
		if _, ok := obj[k]; !ok {
			obj[k] = v
		}
	}
}

// savedQueryEntry gives a saved query's entry dbt's shape: query_params
// with every key and its where as a WhereFilterIntersection; each export's
// config completed as dbt completes it (export_as and schema from the
// saved query's config unless the export sets them; schema_name, alias
// and database from the naming macros, as for a node named after the
// export) with the export's config as written as its unrendered_config.
func (m *Manifest) savedQueryEntry(obj map[string]any, r *project.SemanticResource, cfg map[string]any) {
	qp, _ := obj["query_params"].(map[string]any)
	params := map[string]any{"metrics": []any{}, "group_by": []any{}, "where": whereFilter(qp["where"]),
		"order_by": []any{}, "limit": qp["limit"]}
	for _, k := range []string{"metrics", "group_by", "order_by"} {
		switch v := qp[k].(type) {
		case []any:
			params[k] = v
		case string:
			params[k] = []any{v}
		}
	}
	obj["query_params"] = params
	exports, _ := obj["exports"].([]any)
	out := make([]any, 0, len(exports))
	for _, v := range exports {
		x, ok := v.(map[string]any)
		if !ok {
			continue
		}
		written, _ := x["config"].(map[string]any)
		out = append(out, map[string]any{"name": x["name"], "config": m.exportConfig(r, fmt.Sprint(x["name"]), cfg, written),
			"unrendered_config": orEmptyMap(written)})
	}
	obj["exports"] = out
	for k, v := range map[string]any{"metadata": nil, "refs": []any{}} {
		if _, ok := obj[k]; !ok {
			obj[k] = v
		}
	}
}

// exportConfig is an export's config as dbt completes it.
func (m *Manifest) exportConfig(r *project.SemanticResource, name string, queryCfg, written map[string]any) map[string]any {
	get := func(key string) any {
		if v, ok := written[key]; ok && v != nil {
			return v
		}
		return queryCfg[key]
	}
	out := map[string]any{"export_as": lowerString(get("export_as")), "schema_name": get("schema_name"),
		"alias": get("alias"), "database": get("database")}
	if out["schema_name"] == nil {
		out["schema_name"] = get("schema")
	}
	if m.engine == nil {
		return out
	}
	// The naming macros see a node named after the export, with no schema
	// of its own: dbt passes them the export config, which has none.
	node := &Node{Node: project.Node{UniqueID: r.UniqueID, Name: name, Package: r.Package, ResourceType: project.SavedQuery,
		FQN: r.FQN, OriginalFilePath: r.File, Config: project.Config{}}}
	for _, k := range []string{"database", "alias"} {
		if s, ok := out[k].(string); ok {
			node.Config[k] = s
		}
	}
	if db, err := m.generateName(node, "generate_database_name", "database"); err == nil && db != "" {
		out["database"] = db
	}
	if out["schema_name"] == nil {
		if schema, err := m.generateName(node, "generate_schema_name", "schema"); err == nil {
			out["schema_name"] = schema
		}
	}
	if out["alias"] == nil {
		if alias, err := m.generateName(node, "generate_alias_name", "alias"); err == nil {
			out["alias"] = alias
		}
	}
	return out
}

// lowerString is an enum value as dbt writes it: lower case.
func lowerString(v any) any {
	if s, ok := v.(string); ok {
		return strings.ToLower(s)
	}
	return v
}

// pythonStr is str(v) in Python, for a YAML scalar.
func pythonStr(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		if x {
			return "True"
		}
		return "False"
	case float64:
		return jinja.FloatRepr(x)
	}
	return fmt.Sprint(v)
}
