package project

import (
	"encoding/binary"
	"fmt"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
)

// Config values are plain YAML values, with three normalised shapes so that
// consumers need no type switches for them: "tags" is always []string, and
// "pre_hook" / "post_hook" are always []any (each a SQL string or a
// {sql: ..., transaction: ...} mapping).

// treeKeys maps dbt_project.yml config-tree keys to the ResourceType they configure.
var treeKeys = map[string]ResourceType{
	"models":     Model,
	"seeds":      Seed,
	"snapshots":  Snapshot,
	"tests":      Test,
	"data_tests": Test,
	"sources":    Source,
	// Resources elt parses but never runs (resources.go).
	"analyses":        Analysis,
	"exposures":       ExposureType,
	"metrics":         Metric,
	"semantic-models": SemanticModel,
	"saved-queries":   SavedQuery,
	"unit_tests":      UnitTestType,
}

// normConfigKey turns "pre-hook" into "pre_hook" and "post-hook" into
// "post_hook", the two configs dbt declares a dashed alias for. Any other
// key is kept as written: "+on-schema-change" or "+dbt-osmosis" is a
// custom key to dbt, read back under that name.
func normConfigKey(k string) string {
	return ConfigKey(strings.TrimSpace(k))
}

// ConfigKey is the name dbt keeps a config key under: pre_hook and
// post_hook for their dashed aliases, any other key as written.
func ConfigKey(k string) string {
	switch k {
	case "pre-hook":
		return "pre_hook"
	case "post-hook":
		return "post_hook"
	}
	return k
}

// shadowedHook reports whether the config key k of a mapping with the
// keys ps is the dashed spelling of a hook (pre-hook, post-hook) whose
// underscored spelling the mapping also has: dbt's translate_hook_names
// lets the underscored one replace it. A leading "+" (dbt_project.yml) is
// not part of the name.
func shadowedHook(ps []pair, k string) bool {
	name := strings.TrimSpace(strings.TrimPrefix(k, "+"))
	if name != "pre-hook" && name != "post-hook" {
		return false
	}
	under := strings.ReplaceAll(name, "-", "_")
	for _, q := range ps {
		if strings.TrimSpace(strings.TrimPrefix(q.Key, "+")) == under {
			return true
		}
	}
	return false
}

// skipShadowedHook warns of a dashed hook key that its underscored
// spelling in the same mapping replaces, as in dbt, and reports whether
// p is one.
func (l *loader) skipShadowedHook(file string, ps []pair, p pair) bool {
	if !shadowedHook(ps, p.Key) {
		return false
	}
	name := strings.TrimSpace(strings.TrimPrefix(p.Key, "+"))
	under := strings.ReplaceAll(name, "-", "_")
	l.diags.Add(diag.Warnf(file, posOf(p.KeyNode), fmt.Sprintf("set the hook under one name, %s or %s", under, name),
		"%s is ignored: the same mapping sets %s, which replaces it (as in dbt)", name, under))
	return true
}

// normConfigValue gives tags and hooks their fixed shapes.
func normConfigValue(key string, v any) any {
	switch key {
	case "tags":
		return toStringList(v)
	case "pre_hook", "post_hook":
		return ListItems(v)
	}
	return v
}

func toStringList(v any) []string {
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		return []string{v}
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			} else {
				out = append(out, pyStr(x))
			}
		}
		return out
	}
	return []string{pyStr(v)}
}

// ListItems are the items a config value holds, as a list: nothing, the
// value alone, or the items of a list.
func ListItems(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	case []string:
		out := make([]any, len(v))
		for i, s := range v {
			out[i] = s
		}
		return out
	}
	return []any{v}
}

// dictMergeKeys are merged key by key; a more specific value for a key
// wins. They are the keys dbt-core's NodeConfig merges with
// MergeBehavior.Update (meta, quoting, column_types, docs, contract) and
// DictKeyAppend (grants); persist_docs, with no merge behaviour there,
// clobbers like any other key.
var dictMergeKeys = map[string]bool{"meta": true, "grants": true, "docs": true, "quoting": true, "column_types": true, "contract": true}

// MergeConfig returns base overridden by override, with dbt's merge rules:
// most keys clobber; "tags" is a union that keeps order and drops repeats;
// "pre_hook" and "post_hook" append; "meta", "grants", "docs", "quoting",
// "column_types" and "contract" merge key by key ("grants" keys written
// as "+select" append to the inherited grantees). Neither argument is
// modified.
func MergeConfig(base, override Config) Config {
	out := make(Config, len(base)+len(override))
	for k, v := range base {
		out[k] = normConfigValue(k, v)
	}
	mergeInto(out, override)
	return out
}

// mergeInto is MergeConfig(out, override) written into out, for a chain
// of merges into a map of the caller's own. Every value MergeConfig
// returns is normalized already (normConfigValue), so merging into it
// in place gives what merging into a copy would.
func mergeInto(out, override Config) {
	for k, v := range override {
		switch {
		case k == "tags":
			out[k] = unionStrings(toStringList(out[k]), toStringList(v))
		case k == "pre_hook" || k == "post_hook":
			prev := ListItems(out[k])
			add := ListItems(v)
			merged := make([]any, 0, len(prev)+len(add))
			out[k] = append(append(merged, prev...), add...)
		case dictMergeKeys[k]:
			bm, bok := out[k].(map[string]any)
			om, ook := v.(map[string]any)
			if !bok || !ook {
				out[k] = v
				continue
			}
			if k == "grants" {
				out[k] = mergeGrants(bm, om)
			} else {
				out[k] = mergeDict(bm, om)
			}
		default:
			out[k] = v
		}
	}
}

// UpdateConfig is base with override's keys set over it, nothing merged:
// how dbt layers a node's unrendered_config (dbt_project.yml levels, then
// properties YAML, then config() calls), where the last layer that sets
// tags or meta gives the whole value.
func UpdateConfig(base, override Config) Config {
	out := make(Config, len(base)+len(override))
	updateInto(out, base)
	updateInto(out, override)
	return out
}

// updateInto is UpdateConfig written into out.
func updateInto(out, override Config) {
	for k, v := range override {
		out[k] = v
	}
}

func unionStrings(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	seen := make(map[string]bool, len(a)+len(b))
	for _, list := range [][]string{a, b} {
		for _, s := range list {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

func mergeDict(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// MergeConfigCalls merges a node's config() call over the calls before
// it, as dbt's _add_config_call (context/context_config.py): as
// MergeConfig, except that grants keys keep their "+", a "+select" of a
// later call extending the "+select" of an earlier one, so that the calls'
// grants still extend the project's and the YAML's when the calls are
// merged over them.
func MergeConfigCalls(base, override Config) Config {
	prev, pok := base["grants"].(map[string]any)
	add, aok := override["grants"].(map[string]any)
	out := MergeConfig(base, override)
	if pok && aok {
		g := make(map[string]any, len(prev)+len(add))
		for k, v := range prev {
			g[k] = ListItems(v)
		}
		for k, v := range add {
			if _, seen := g[k]; seen && strings.HasPrefix(k, "+") {
				g[k] = unionAny(ListItems(g[k]), ListItems(v))
				continue
			}
			g[k] = ListItems(v)
		}
		out["grants"] = g
	}
	return out
}

func mergeGrants(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[strings.TrimPrefix(k, "+")] = v
	}
	for k, v := range b {
		if priv, ok := strings.CutPrefix(k, "+"); ok {
			out[priv] = unionAny(ListItems(out[priv]), ListItems(v))
			continue
		}
		out[k] = v
	}
	return out
}

func unionAny(a, b []any) []any {
	out := make([]any, 0, len(a)+len(b))
	for _, x := range append(append([]any{}, a...), b...) {
		dup := false
		for _, y := range out {
			if valuesEqual(x, y) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, x)
		}
	}
	return out
}

// treeNames lists the dbt_project.yml keys whose trees configure kind.
func treeNames(kind ResourceType) []string {
	switch kind {
	case Model:
		return []string{"models"}
	case Seed:
		return []string{"seeds"}
	case Snapshot:
		return []string{"snapshots"}
	case Test:
		return []string{"tests", "data_tests"}
	case Source:
		return []string{"sources"}
	case Analysis, Operation:
		// dbt's analyses and hook nodes take the models: configs
		// (context_config.py get_config_dict: every resource type it
		// does not name does); its analyses: key configures nothing.
		return []string{"models"}
	case ExposureType:
		return []string{"exposures"}
	case Metric:
		return []string{"metrics"}
	case SemanticModel:
		return []string{"semantic-models"}
	case SavedQuery:
		return []string{"saved-queries"}
	case UnitTestType:
		return []string{"unit_tests"}
	}
	return nil
}

// TreeConfig is the config dbt_project.yml gives a node of the given kind
// and fqn ([package, folders..., name]): the tree's root level, then each
// level along the fqn that exists, more specific levels winning. For tests,
// the "tests:" tree applies before "data_tests:".
func (p *Project) TreeConfig(kind ResourceType, fqn []string) Config {
	if p == nil {
		return Config{}
	}
	return TreeConfig(p.Config, kind, fqn)
}

// TreeConfig is the config one project's dbt_project.yml (the root
// project's or an installed package's) gives a node of the given kind and
// fqn. See Project.TreeConfig.
func TreeConfig(cfg *ProjectConfig, kind ResourceType, fqn []string) Config {
	out := Config{}
	treeConfigInto(out, cfg, kind, fqn, false)
	return out
}

// TreeUnrenderedConfig is TreeConfig with the values as written in
// dbt_project.yml, each level setting keys over the last (tags and meta
// not merged), as dbt builds unrendered_config; Jinja not rendered.
func TreeUnrenderedConfig(cfg *ProjectConfig, kind ResourceType, fqn []string) Config {
	out := Config{}
	treeConfigInto(out, cfg, kind, fqn, true)
	return out
}

// TreeConfigOver is MergeConfig(TreeConfig(cfg, kind, fqn), over) (with
// unrendered, UpdateConfig(TreeUnrenderedConfig(...), over)), built in one map with room for
// extra more keys. Every value the tree merges in is normalized already
// (mergeInto), so merging over in place gives what MergeConfig would.
func TreeConfigOver(cfg *ProjectConfig, kind ResourceType, fqn []string, unrendered bool, over Config, extra int) Config {
	out := make(Config, len(over)+extra)
	treeConfigInto(out, cfg, kind, fqn, unrendered)
	if unrendered {
		updateInto(out, over)
	} else {
		mergeInto(out, over)
	}
	return out
}

// treeConfigInto merges the config of every tree level fqn reaches into out.
func treeConfigInto(out Config, cfg *ProjectConfig, kind ResourceType, fqn []string, unrendered bool) {
	var buf [16]*ConfigTree
	mergeLevels(out, treeLevels(buf[:0], cfg, kind, fqn), unrendered)
}

// mergeLevels merges into out the config of each of levels (treeLevels),
// or with unrendered its values as written, and returns out.
func mergeLevels(out Config, levels []*ConfigTree, unrendered bool) Config {
	for _, t := range levels {
		switch {
		case t == nil:
		case unrendered:
			updateInto(out, t.Unrendered)
		default:
			mergeInto(out, t.Config)
		}
	}
	return out
}

// treeLevels appends to dst the levels of cfg's trees that a node of the
// given kind and fqn reaches, in the order their configs merge, a nil
// closing each tree: two nodes whose levels are the same get the same
// TreeConfig and TreeUnrenderedConfig.
func treeLevels(dst []*ConfigTree, cfg *ProjectConfig, kind ResourceType, fqn []string) []*ConfigTree {
	if cfg == nil {
		return dst
	}
	for _, name := range treeNames(kind) {
		if t := cfg.Trees[name]; t != nil {
			dst = append(dst, t)
			for _, part := range fqn {
				if t = t.Children[part]; t == nil {
					break
				}
				dst = append(dst, t)
			}
		}
		dst = append(dst, nil)
	}
	return dst
}

// TreeConfigs hands out the configs dbt_project.yml gives nodes, one
// pair of maps per set of tree levels reached (treeLevels): nodes that
// reach the same levels share them. The maps are read only. The zero
// value is ready; it is safe for concurrent use.
type TreeConfigs struct {
	mu      sync.Mutex
	configs map[string][2]Config
	ids     map[*ConfigTree]int
}

// Get returns TreeConfig(cfg, kind, fqn) and TreeUnrenderedConfig(cfg,
// kind, fqn), shared with every other caller whose fqn reaches the same
// levels of cfg's trees for kind. finish, when not nil, turns a new pair
// into the one shared (a nil config: none is, and Get returns nils for
// those levels).
func (t *TreeConfigs) Get(cfg *ProjectConfig, kind ResourceType, fqn []string, finish func(c, u Config) (Config, Config)) (Config, Config) {
	var lb [16]*ConfigTree
	levels := treeLevels(lb[:0], cfg, kind, fqn)
	var kb [64]byte
	t.mu.Lock()
	key := append(t.levelsKey(kb[:0], levels), kind...)
	pair, ok := t.configs[string(key)]
	t.mu.Unlock()
	if ok {
		return pair[0], pair[1]
	}
	pair = [2]Config{mergeLevels(Config{}, levels, false), mergeLevels(Config{}, levels, true)}
	if finish != nil {
		if pair[0], pair[1] = finish(pair[0], pair[1]); pair[0] == nil {
			pair[1] = nil
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if prev, ok := t.configs[string(key)]; ok {
		return prev[0], prev[1] // built meanwhile by another caller
	}
	if t.configs == nil {
		t.configs = map[string][2]Config{}
	}
	t.configs[string(key)] = pair
	return pair[0], pair[1]
}

// levelsKey appends to k a key naming levels, numbering each level the
// first time it is seen. t.mu is held.
func (t *TreeConfigs) levelsKey(k []byte, levels []*ConfigTree) []byte {
	if t.ids == nil {
		t.ids = map[*ConfigTree]int{}
	}
	for _, l := range levels {
		id := 0 // a tree's end
		if l != nil {
			var ok bool
			if id, ok = t.ids[l]; !ok {
				id = len(t.ids) + 1
				t.ids[l] = id
			}
		}
		k = binary.AppendUvarint(k, uint64(id))
	}
	return k
}

// markTreeUse records which tree levels an fqn reaches, for the unused-path warning.
func markTreeUse(trees map[string]*ConfigTree, kind ResourceType, fqn []string, used map[*ConfigTree]bool) {
	if kind == Operation || kind == Analysis {
		// dbt checks the models: paths against the models' fqns only
		// (get_unused_resource_config_paths).
		return
	}
	for _, name := range treeNames(kind) {
		t := trees[name]
		for _, part := range fqn {
			if t == nil {
				break
			}
			t = t.Children[part]
			if t != nil {
				used[t] = true
			}
		}
	}
}

// unusedTreeOrder holds the dbt_project.yml trees whose unused paths are
// reported, in dbt's order; analyses: is reported apart (warnUnusedConfig).
var unusedTreeOrder = []string{"models", "seeds", "snapshots", "sources", "tests", "data_tests", "unit_tests",
	"metrics", "semantic-models", "saved-queries", "exposures"}

// unusedTreePaths lists config paths of the root project's trees, under
// its own name or an installed package's (projects), that no node reached.
func unusedTreePaths(cfg *ProjectConfig, projects []string, used map[*ConfigTree]bool) []struct {
	path string
	pos  diag.Pos
} {
	var out []struct {
		path string
		pos  diag.Pos
	}
	var walk func(prefix string, t *ConfigTree)
	walk = func(prefix string, t *ConfigTree) {
		for _, name := range sortedKeys(t.Children) {
			c := t.Children[name]
			p := prefix + "." + name
			if !used[c] {
				out = append(out, struct {
					path string
					pos  diag.Pos
				}{p, c.Pos})
				continue
			}
			walk(p, c)
		}
	}
	// dbt lists the paths by resource type in this order
	// (config/runtime.py get_resource_config_paths), each under its
	// resource type's name.
	for _, key := range unusedTreeOrder {
		t := cfg.Trees[key]
		if t == nil {
			continue
		}
		kind := strings.ReplaceAll(key, "-", "_")
		if kind == "tests" {
			kind = "data_tests" // dbt's name for tests: (its resource type's)
		}
		for _, name := range projects {
			own := t.Children[name]
			if own == nil {
				continue
			}
			if !used[own] {
				out = append(out, struct {
					path string
					pos  diag.Pos
				}{kind + "." + name, own.Pos})
				continue
			}
			walk(kind+"."+name, own)
		}
	}
	return out
}

// parseConfigTree reads one level of a config tree. Keys starting with "+"
// are config; so is a plain key whose value is not a mapping (dbt's rule).
// Other keys are child levels (package, folder or node names).
func (l *loader) parseConfigTree(file string, n *yaml.Node, keypath []string) *ConfigTree {
	t := &ConfigTree{Config: Config{}, Unrendered: Config{}, Children: map[string]*ConfigTree{}, Pos: posOf(n)}
	if isNull(n) {
		return t
	}
	if !isMapping(n) {
		l.diags.Add(diag.Errorf(file, posOf(n), "write a mapping of folder names and +config keys",
			"%s must be a mapping, not %s", strings.Join(keypath, "."), kindName(n)))
		return t
	}
	ps := pairs(n)
	for _, p := range ps {
		kp := appendPath(keypath, p.Key)
		if (strings.HasPrefix(p.Key, "+") || !isMapping(p.Val)) && l.skipShadowedHook(file, ps, p) {
			continue
		}
		if name, ok := strings.CutPrefix(p.Key, "+"); ok {
			key := normConfigKey(name)
			t.Config[key] = normConfigValue(key, l.projectValue(file, p.Val, kp))
			t.Unrendered[key] = normConfigValue(key, toValue(p.Val, kp, nil))
			continue
		}
		if !isMapping(p.Val) && !isNull(p.Val) {
			key := normConfigKey(p.Key)
			t.Config[key] = normConfigValue(key, l.projectValue(file, p.Val, kp))
			t.Unrendered[key] = normConfigValue(key, toValue(p.Val, kp, nil))
			continue
		}
		child := l.parseConfigTree(file, p.Val, kp)
		child.Pos = posOf(p.KeyNode)
		t.Children[p.Key] = child
	}
	return t
}

// valuesEqual is Python's == on plain YAML values (1 == 1.0 == True).
func valuesEqual(a, b any) bool {
	if fa, ok := toFloat(a); ok {
		if fb, ok := toFloat(b); ok {
			return fa == fb
		}
		return false
	}
	switch a := a.(type) {
	case nil:
		return b == nil
	case string:
		bs, ok := b.(string)
		return ok && a == bs
	case []any:
		bl, ok := b.([]any)
		if !ok || len(a) != len(bl) {
			return false
		}
		for i := range a {
			if !valuesEqual(a[i], bl[i]) {
				return false
			}
		}
		return true
	}
	return false
}

func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case int:
		return float64(v), true
	case float64:
		return v, true
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}
