package compiler

import (
	"fmt"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/project"
)

// validateSemanticManifest runs, as dbt's parse does when the project has
// both metrics and semantic models (contracts/graph/semantic_manifest.py
// SemanticManifest.validate), the rules of dbt-semantic-interfaces'
// SemanticManifestValidator that elt checks; each problem is an error,
// in dbt-semantic-interfaces' words, at the semantic model's entry.
func (m *Manifest) validateSemanticManifest(l *diag.List) {
	p := m.Project
	hasMetrics, hasModels := false, false
	for _, r := range p.Semantic {
		hasMetrics = hasMetrics || r.Kind == project.Metric
		hasModels = hasModels || r.Kind == project.SemanticModel
	}
	if !hasMetrics || !hasModels {
		return
	}
	for _, id := range sortedKeys(p.Semantic) {
		if r := p.Semantic[id]; r.Kind == project.SemanticModel {
			m.checkAggTimeDimensions(l, r)
		}
	}
}

// checkAggTimeDimensions is AggregationTimeDimensionRule: each measure's
// agg_time_dimension (its own, else the semantic model's default) is a
// time dimension of the semantic model.
func (m *Manifest) checkAggTimeDimensions(l *diag.List, r *project.SemanticResource) {
	timeDims := map[string]bool{}
	dims, _ := r.Raw["dimensions"].([]any)
	for _, d := range dims {
		if dm, ok := d.(map[string]any); ok {
			if t, _ := dm["type"].(string); strings.EqualFold(t, "time") {
				if n, ok := dm["name"].(string); ok {
					timeDims[n] = true
				}
			}
		}
	}
	def := ""
	if d, ok := r.Raw["defaults"].(map[string]any); ok {
		def, _ = d["agg_time_dimension"].(string)
	}
	measures, _ := r.Raw["measures"].([]any)
	for _, me := range measures {
		mm, ok := me.(map[string]any)
		if !ok {
			continue
		}
		name, _ := mm["name"].(string)
		agg, _ := mm["agg_time_dimension"].(string)
		if agg == "" {
			agg = def
		}
		if agg == "" {
			// dbt-semantic-interfaces asserts it is set, and the rule
			// reports the failed assertion (validate_safely); the rule
			// stops at the first such measure.
			l.Add(diag.Errorf(r.File, r.Pos, "set agg_time_dimension on the measure, or defaults: {agg_time_dimension: ...} on the semantic model",
				"An error occurred while checking aggregation time dimension for a semantic model - AssertionError: Aggregation time dimension for measure %s is not set! "+
					"This should either be set directly on the measure specification in the model, or else defaulted to the primary time dimension in the data source containing the measure.", name))
			return
		}
		if !timeDims[agg] {
			l.Add(diag.Errorf(r.File, r.Pos, "name a dimension of type: time of the semantic model",
				"%s", fmt.Sprintf("In semantic model '%s', measure '%s' has the aggregation time dimension set to '%s', which is not a valid time dimension in the semantic model",
					r.Name, name, agg)))
		}
	}
}
