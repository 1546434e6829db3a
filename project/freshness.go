package project

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
)

// Source freshness, as dbt 1.10 reads it: `freshness`, `loaded_at_field`
// and `loaded_at_query` may be written as properties of a source or of
// one of its tables, or in their `config:` (and `+freshness` in
// dbt_project.yml). From least to most specific: dbt_project.yml, the
// source's properties, the source's config, the table's properties, the
// table's config. Freshness merges as dbt's merge_freshness does: a more
// specific block merges into the one before it (warn_after and
// error_after one level deeper), and `freshness: null` (or
// `warn_after: null`) clears what came before.

// freshnessPeriods are the periods dbt accepts.
var freshnessPeriods = map[string]bool{"minute": true, "hour": true, "day": true}

// freshnessSetting is what one level writes.
type freshnessSetting struct {
	freshness    any // map[string]any, or nil to clear
	hasFreshness bool
	field, query string
	hasField     bool
	hasQuery     bool
}

// yamlFreshness is the freshness, loaded_at_field and loaded_at_query a
// source table's properties YAML alone gives (the source's and the
// table's entries and config blocks, not dbt_project.yml): what dbt's
// SourcePatcher._generate_source_config computes as precedence configs.
type yamlFreshness struct {
	fresh        map[string]any
	declared     bool // a level set freshness (fresh nil: to null)
	field, query string
}

// sourceFreshness gives st its freshness, loaded_at_field and
// loaded_at_query from every level, reporting bad values where they are,
// and returns what the YAML levels alone give. src and table are the
// source's and the table's entries.
func (l *loader) sourceFreshness(file string, src, table *yaml.Node, st *SourceTable) yamlFreshness {
	var levels []freshnessSetting
	tree := TreeConfig(l.cur.cfg, Source, st.FQN)
	if l.cur.pkg != nil {
		tree = MergeConfig(tree, l.proj.TreeConfig(Source, st.FQN))
	}
	var fromTree freshnessSetting
	if v, ok := tree["freshness"]; ok {
		if msg := checkFreshnessValue(v); msg != "" {
			l.diags.Add(diag.Errorf(projectFile, l.proj.Config.KeyPos["sources"], "write +freshness: {warn_after: {count: 12, period: hour}}",
				"+freshness for source %s.%s: %s", st.SourceName, st.Name, msg))
		} else {
			fromTree.freshness, fromTree.hasFreshness = v, true
		}
	}
	if v, ok := tree["loaded_at_field"]; ok {
		fromTree.field, fromTree.hasField = stringValue(v), true
	}
	if v, ok := tree["loaded_at_query"]; ok {
		fromTree.query, fromTree.hasQuery = stringValue(v), true
	}
	levels = append(levels, fromTree)
	for _, entry := range []*yaml.Node{src, table} {
		levels = append(levels, l.freshnessAt(file, entry))
		var cfg *yaml.Node
		for _, p := range pairs(entry) {
			if p.Key == "config" && isMapping(p.Val) {
				cfg = p.Val
			}
		}
		levels = append(levels, l.freshnessAt(file, cfg))
	}
	fresh, declared, field, query := foldFreshness(levels)
	var yf yamlFreshness
	yf.fresh, yf.declared, yf.field, yf.query = foldFreshness(levels[1:])
	// dbt ignores a threshold that ends up with a count but no period (or
	// the other way round); elt refuses it, so that no rule is silently off.
	for _, k := range []string{"warn_after", "error_after"} {
		if t, ok := fresh[k].(map[string]any); ok && (t["count"] == nil) != (t["period"] == nil) {
			l.diags.Add(diag.Errorf(file, st.Pos, "set both count and period, e.g. {count: 12, period: hour}, here or on the source",
				"source table %s.%s: freshness %s has a count or a period but not both", st.SourceName, st.Name, k))
		}
	}
	st.Freshness = fresh
	st.FreshnessNull = declared && fresh == nil
	st.LoadedAtField = field
	st.LoadedAtQuery = query
	if _, ok := st.Config["freshness"]; ok {
		st.Config["freshness"] = fresh
	}
	return yf
}

// foldFreshness is the freshness the levels give, most specific last,
// whether one declared it, and the loaded_at_field or loaded_at_query.
func foldFreshness(levels []freshnessSetting) (fresh map[string]any, declared bool, field, query string) {
	for _, lv := range levels {
		if lv.hasFreshness {
			fresh = mergeFreshness(fresh, lv.freshness)
			declared = true
		}
		// The most specific level that names either way of finding the
		// latest load decides: a table's loaded_at_query replaces its
		// source's loaded_at_field, and the other way round.
		if lv.hasField || lv.hasQuery {
			field, query = "", ""
			if lv.hasField {
				field = lv.field
			}
			if lv.hasQuery {
				query = lv.query
			}
		}
	}
	return fresh, declared, field, query
}

// FreshnessThreshold is a freshness as dbt's FreshnessThreshold.to_dict
// writes it: warn_after and error_after each {count, period} (None where
// cleared with null), and filter.
func FreshnessThreshold(f map[string]any) map[string]any {
	after := func(key string) any {
		v, ok := f[key]
		if ok && v == nil {
			return nil
		}
		t := map[string]any{"count": nil, "period": nil}
		if m, ok := v.(map[string]any); ok {
			if c, ok := m["count"]; ok {
				t["count"] = c
			}
			if p, ok := m["period"].(string); ok && p != "" {
				t["period"] = p
			}
		}
		return t
	}
	var filter any
	if s, ok := f["filter"].(string); ok && s != "" {
		filter = s
	}
	return map[string]any{"warn_after": after("warn_after"), "error_after": after("error_after"), "filter": filter}
}

// freshnessSet is dbt's bool(FreshnessThreshold): a warn_after or
// error_after with both a count and a period.
func freshnessSet(f map[string]any) bool {
	for _, k := range []string{"warn_after", "error_after"} {
		if t, ok := f[k].(map[string]any); ok && t["count"] != nil && t["period"] != nil {
			return true
		}
	}
	return false
}

// sourceUnrendered is a source table's unrendered_config as dbt's
// SourcePatcher._generate_source_config builds it with the
// UnrenderedConfigGenerator: its project's dbt_project.yml config as
// written, then the properties' config blocks (the source's, then the
// table's) with the freshness, loaded_at_field, loaded_at_query, meta and
// tags of the YAML alone set over them (a freshness none declares is
// left out), then, for a package's source, the root project's config.
func (l *loader) sourceUnrendered(st *SourceTable, yf yamlFreshness, config, tableConfig Config, metas []map[string]any, tags [][]string) Config {
	prec := Config{}
	updateInto(prec, config)
	updateInto(prec, tableConfig)
	switch {
	case yf.declared && yf.fresh == nil:
		prec["freshness"] = nil
	case freshnessSet(yf.fresh):
		prec["freshness"] = FreshnessThreshold(yf.fresh)
	default:
		delete(prec, "freshness")
	}
	prec["loaded_at_field"] = nilIfBlank(yf.field)
	prec["loaded_at_query"] = nilIfBlank(yf.query)
	meta := map[string]any{}
	for _, m := range metas {
		maps.Copy(meta, m)
	}
	prec["meta"] = meta
	var all []string
	for _, t := range tags {
		all = append(all, t...)
	}
	slices.Sort(all)
	if all = slices.Compact(all); all == nil {
		all = []string{}
	}
	prec["tags"] = all
	out := TreeUnrenderedConfig(l.cur.cfg, Source, st.FQN)
	updateInto(out, prec)
	if l.cur.pkg != nil {
		updateInto(out, TreeUnrenderedConfig(l.proj.Config, Source, st.FQN))
	}
	return out
}

// nilIfBlank is s, or nil when it is empty.
func nilIfBlank(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func stringValue(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// freshnessAt reads the freshness keys of one mapping (a source or table
// entry, or its config:), reporting bad values at their lines.
func (l *loader) freshnessAt(file string, n *yaml.Node) freshnessSetting {
	var out freshnessSetting
	var fieldNode, queryNode *yaml.Node
	for _, p := range pairs(n) {
		switch p.Key {
		case "freshness":
			if v, ok := l.freshnessBlock(file, p.Val); ok {
				out.freshness, out.hasFreshness = v, true
			}
		case "loaded_at_field":
			fieldNode = p.Val
			// Rendered with the entry (renderEntry).
			s, _ := stringOf(p.Val)
			if s == "" && !isNull(p.Val) {
				// As dbt's UnparsedSourceDefinition.validate.
				l.diags.Add(diag.Errorf(file, posOf(p.Val), "name the column, or write null to clear the source's",
					"loaded_at_field cannot be an empty string."))
			}
			out.field, out.hasField = s, true
		case "loaded_at_query":
			queryNode = p.Val
			s, _ := stringOf(p.Val)
			// Rendered when freshness runs: it may use {{ this }}.
			out.query, out.hasQuery = s, true
		}
	}
	if out.field != "" && out.query != "" {
		l.diags.Add(diag.Errorf(file, posOf(queryNode), "keep one: loaded_at_field names a column, loaded_at_query is a query returning the latest load time",
			"loaded_at_field (line %d) and loaded_at_query cannot both be set", posOf(fieldNode).Line))
	}
	return out
}

// freshnessBlock checks a freshness: value: null, or a mapping of
// warn_after, error_after and filter.
func (l *loader) freshnessBlock(file string, n *yaml.Node) (any, bool) {
	if isNull(n) {
		return nil, true
	}
	if !isMapping(n) {
		l.diags.Add(diag.Errorf(file, posOf(n), "write freshness: {warn_after: {count: 12, period: hour}, error_after: {count: 24, period: hour}}",
			"freshness must be a mapping or null, not %s", kindName(n)))
		return nil, false
	}
	ok := true
	for _, p := range pairs(n) {
		switch p.Key {
		case "warn_after", "error_after":
			if isNull(p.Val) {
				continue
			}
			if !isMapping(p.Val) {
				l.diags.Add(diag.Errorf(file, posOf(p.Val), "write "+p.Key+": {count: 12, period: hour}",
					"%s must be a mapping of count and period, not %s", p.Key, kindName(p.Val)))
				ok = false
				continue
			}
			for _, q := range pairs(p.Val) {
				switch q.Key {
				case "count":
					if _, isInt := scalarValue(deref(q.Val)).(int); !isInt && !isNull(q.Val) {
						l.diags.Add(diag.Errorf(file, posOf(q.Val), "write a whole number, e.g. count: 12",
							"%s.count must be a whole number, not %s", p.Key, kindName(q.Val)))
						ok = false
					}
				case "period":
					if s, _ := stringOf(q.Val); !freshnessPeriods[s] && !isNull(q.Val) {
						l.diags.Add(diag.Errorf(file, posOf(q.Val), "use minute, hour or day",
							"%s.period %q is not a period dbt knows", p.Key, s))
						ok = false
					}
				default:
					l.diags.Add(diag.Errorf(file, posOf(q.KeyNode), "use count and period",
						"unknown key %q in %s", q.Key, p.Key))
					ok = false
				}
			}
			// A count without a period (or the other way round) may take the
			// other from a less specific level: checked once merged.
		case "filter":
			if !isNull(p.Val) && deref(p.Val).Kind != yaml.ScalarNode {
				l.diags.Add(diag.Errorf(file, posOf(p.Val), "write a SQL condition, e.g. filter: \"loaded_at > current_date - 3\"",
					"freshness filter must be a SQL condition, not %s", kindName(p.Val)))
				ok = false
			}
		default:
			l.diags.Add(diag.Errorf(file, posOf(p.KeyNode), "use warn_after, error_after and filter",
				"unknown key %q in freshness", p.Key))
			ok = false
		}
	}
	if !ok {
		return nil, false
	}
	return toValue(n, nil, nil), true
}

// checkFreshnessValue checks a freshness value from dbt_project.yml,
// which has no positions once read; "" when it is good.
func checkFreshnessValue(v any) string {
	if v == nil {
		return ""
	}
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Sprintf("must be a mapping or null, not %T", v)
	}
	for k, x := range m {
		switch k {
		case "warn_after", "error_after":
			if x == nil {
				continue
			}
			t, ok := x.(map[string]any)
			if !ok {
				return k + " must be a mapping of count and period"
			}
			for tk := range t {
				if tk != "count" && tk != "period" {
					return fmt.Sprintf("unknown key %q in %s", tk, k)
				}
			}
			if p, ok := t["period"].(string); ok && !freshnessPeriods[p] {
				return fmt.Sprintf("%s.period %q is not minute, hour or day", k, p)
			}
		case "filter":
		default:
			return fmt.Sprintf("unknown key %q in freshness (use warn_after, error_after and filter)", k)
		}
	}
	return ""
}

// mergeFreshness merges update into base as dbt's merge_freshness does.
func mergeFreshness(base map[string]any, update any) map[string]any {
	up, ok := update.(map[string]any)
	if !ok {
		return nil // freshness: null clears
	}
	if base == nil {
		return up
	}
	out := make(map[string]any, len(base)+len(up))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range up {
		if k != "warn_after" && k != "error_after" {
			out[k] = v
			continue
		}
		b, bok := out[k].(map[string]any)
		u, uok := v.(map[string]any)
		switch {
		case v == nil:
			out[k] = nil
		case bok && uok:
			merged := make(map[string]any, len(b)+len(u))
			for kk, vv := range b {
				merged[kk] = vv
			}
			for kk, vv := range u {
				merged[kk] = vv
			}
			out[k] = merged
		default:
			out[k] = v
		}
	}
	return out
}

// HasFreshness reports a source table with a warn_after or error_after
// that sets both count and period: the tables `source freshness` checks.
func (s *SourceTable) HasFreshness() bool {
	for _, k := range []string{"warn_after", "error_after"} {
		if t, ok := s.Freshness[k].(map[string]any); ok && t["count"] != nil && strings.TrimSpace(fmt.Sprint(t["period"])) != "" && t["period"] != nil {
			return true
		}
	}
	return false
}
