package compiler

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/digest"
	"github.com/elt-dev/elt/internal/lazyre"
	"github.com/elt-dev/elt/internal/par"
	"github.com/elt-dev/elt/internal/textdist"
	"github.com/elt-dev/elt/jinja"
	"github.com/elt-dev/elt/project"
)

// Parse loads macros once, renders every enabled node once with
// execute=false to capture config(), ref() and source() calls, builds the
// generic test nodes, resolves relations and reports every problem at once
// as *diag.Errors. The manifest is returned even when err is not nil, so
// callers can show what was parsed.
func Parse(ctx context.Context, p *project.Project, opts Options) (*Manifest, error) {
	if p.Config == nil {
		p.Config = &project.ProjectConfig{Name: "project"}
	}
	var l diag.List
	e := newEngine(p, opts)
	// The macros are parsed while the nodes are set up: neither reads
	// what the other writes.
	macrosDone := make(chan struct{})
	go func() {
		defer close(macrosDone)
		e.loadMacros(&l)
		e.warnIgnoredOverrides(&l)
		e.warnMissingPatchedMacros(&l)
		e.checkMacroArguments(&l)
		e.buildGlobals()
	}()
	m := &Manifest{
		Project:         p,
		Sources:         map[string]*project.SourceTable{},
		Macros:          map[string]*Macro{},
		SourceRelations: map[string]string{},
		engine:          e,
		settled:         &settledRenders{},
	}
	for id, s := range p.Sources {
		if isDisabled(s.Config) {
			if m.disabledSources == nil {
				m.disabledSources = map[[2]string]bool{}
			}
			m.disabledSources[[2]string{s.SourceName, s.Name}] = true
			m.disabledSourceTables = append(m.disabledSourceTables, s)
			continue
		}
		m.Sources[id] = s
	}
	m.disabled = map[string]*Node{}
	m.Nodes = make(map[string]*Node, len(p.Nodes)+len(p.GenericTests))
	// The nodes are laid out in the order of their ids, the order in
	// which every step below visits them.
	pnodes := p.Nodes
	if len(p.Alternates) > 0 {
		// Which of two definitions of a name is enabled can take a
		// render, and so the macros.
		<-macrosDone
		pnodes = m.chooseAlternates(ctx, &l, p)
	}
	keys := sortedKeys(pnodes)
	ids := make([]string, 0, len(keys))
	nodes := make([]*Node, 0, len(keys))
	slab := make([]Node, len(keys)) // one allocation for every node
	// Each node is copied and its config set up on every core (a node's
	// setup reads only its own project node); the maps are filled after.
	disabledAt := make([]bool, len(keys))
	m.parallel(ctx, len(keys), func(i int) {
		disabledAt[i] = setUpNode(&slab[i], pnodes[keys[i]])
	})
	if err := ctx.Err(); err != nil {
		<-macrosDone
		return m, err
	}
	// preDisabled are the nodes the project's or YAML's config disables
	// that are rendered all the same: their file may call config(enabled=...)
	// itself or through a macro, which comes last in dbt's order (dbt
	// renders every node before it decides): the render decides.
	preDisabled := map[string]bool{}
	for i, id := range keys {
		n := &slab[i]
		if disabledAt[i] {
			if !mayEnableItself(n) {
				m.disabled[id] = n
				continue
			}
			preDisabled[id] = true
		}
		m.Nodes[id] = n
		ids, nodes = append(ids, id), append(nodes, n)
	}
	<-macrosDone
	if opts.Cache != nil {
		ms := e.macroState()
		ms.node, ms.vars = m.mentionNode, m.mentionVars()
		opts.Cache.useMacros(ms)
	}
	for _, def := range e.macros {
		m.Macros[def.meta.UniqueID] = def.meta
	}
	for _, defs := range e.packageMacros {
		for _, def := range defs {
			m.Macros[def.meta.UniqueID] = def.meta
		}
	}
	for _, mac := range goMacroEntries() {
		if _, ok := m.Macros[mac.UniqueID]; !ok {
			m.Macros[mac.UniqueID] = mac
		}
	}
	tests := m.buildGenericTests(ctx, &l)
	indexed := make(chan struct{})
	go func() {
		defer close(indexed)
		m.index() // reads m.Nodes, as the merge does
	}()
	if len(tests) > 0 {
		// Merge the generic tests' ids into the sorted ids.
		sort.Strings(tests)
		merged := make([]string, 0, len(ids)+len(tests))
		mergedNodes := make([]*Node, 0, len(ids)+len(tests))
		i, j := 0, 0
		for i < len(ids) || j < len(tests) {
			if j == len(tests) || i < len(ids) && ids[i] < tests[j] {
				merged, mergedNodes = append(merged, ids[i]), append(mergedNodes, nodes[i])
				i++
			} else {
				merged, mergedNodes = append(merged, tests[j]), append(mergedNodes, m.Nodes[tests[j]])
				j++
			}
		}
		ids, nodes = merged, mergedNodes
	}
	<-indexed

	// Render every node once in parse mode, concurrently.
	disabled := len(m.disabled)
	// Each render's captures go to its node right away, concurrently (a
	// render reads no other node); what is shared is done in order below.
	warnings := make([]diag.List, len(ids))
	disable := make([]bool, len(ids))
	errs := make([]error, len(ids))
	cache := e.opts.Cache
	var memo configMemo
	var shared sharedKeys
	moreUnrendered := e.proj.Config.CompareMoreUnrendered()
	m.parallel(ctx, len(ids), func(i int) {
		n := nodes[i]
		var st parseCapture
		var hit bool
		var pk digest.Key
		if cache != nil {
			pk = e.parseKey(n, &shared)
			st, hit = m.cachedParse(n, pk)
		}
		if !hit {
			rs, err := m.renderNode(ctx, n, false)
			if cache != nil && err == nil {
				m.storeParse(n, pk, rs)
			}
			errs[i] = err
			if rs == nil {
				if n.sharedConfig {
					n.Config, n.sharedConfig, n.configInterned = copyConfig(n.Config), false, false
				}
				return
			}
			st = parseCapture{refs: rs.refs, sources: rs.sources, metrics: rs.metrics, macros: rs.macros, dependsOn: rs.dependsOn, inFile: rs.inFile, warnings: rs.warnings}
		}
		warnings[i] = st.warnings
		n.Refs = st.refs
		n.SourceRefs = st.sources
		n.MetricRefs = st.metrics
		n.DependsOn.Macros = st.dependsOn
		var memoKey configMemoKey
		memoized := false
		if len(st.inFile) > 0 && st.inFileRaw != "" && n.ResourceType == project.Model && n.RootConfig == nil && n.sharedConfig {
			// A model with its folder's config and a config() call
			// taken from the cache: the configs of every model with the
			// same folder config and the same call, built once.
			memoKey = newConfigMemoKey(n, st.inFileRaw)
			c, u, seen := memo.get(memoKey)
			if c != nil {
				n.Config, n.UnrenderedConfig = c, u
				n.configInterned = true
				disable[i] = isDisabled(n.Config)
				return
			}
			memoized = !seen // seen without configs: they are not shared
		}
		if len(st.inFile) > 0 {
			// The config() call's values over the YAML's: as written
			// with state_modified_compare_more_unrendered_values, as
			// rendered by default (dbt's legacy _config_call_dict).
			call := st.inFile
			if moreUnrendered {
				call = unrenderedCall(n, st.inFile)
			}
			n.UnrenderedConfig = project.UpdateConfig(n.UnrenderedConfig, call)
			if len(n.RootUnrendered) > 0 {
				// The root project's config comes after the call, as
				// in the config.
				n.UnrenderedConfig = project.UpdateConfig(n.UnrenderedConfig, n.RootUnrendered)
			}
			// dbt's order: dbt_project.yml and properties YAML, then the
			// node's config() calls; for a package's node the root
			// project's dbt_project.yml comes last.
			if n.RootConfig != nil {
				n.Config = mergeConfig(mergeConfig(n.ownConfig, st.inFile), n.RootConfig)
			} else {
				// st.inFile is the render's own (or a copy of the
				// cached one), and the render is done.
				n.Config = mergeOwned(n.Config, st.inFile)
			}
			if n.ResourceType == project.Test {
				n.Config = withTestDefaults(n.Config)
			}
			n.sharedConfig, n.configInterned = false, false
		}
		// Otherwise the config is as Parse set it up: a shared one stays
		// shared, read only, and internConfigs shares it further.
		if n.ResourceType == project.Model && n.Config["materialized"] == nil {
			// dbt's default (a table for Python models), written into the
			// config so that logs, the manifest and the runner agree.
			def := "view"
			if isPython(n) {
				def = "table"
			}
			n.Config = mergeConfig(project.Config{"materialized": def}, n.Config)
			n.sharedConfig, n.configInterned = false, false
		}
		if memoized {
			// Configs holding anything but scalars and lists of scalars
			// stay each model's own, as internConfigs leaves them.
			if plainConfig(n.Config) && plainConfig(n.UnrenderedConfig) {
				n.Config, n.UnrenderedConfig = memo.put(memoKey, n.Config, n.UnrenderedConfig)
				n.sharedConfig, n.configInterned = true, true
			} else {
				memo.put(memoKey, nil, nil)
			}
		}
		disable[i] = isDisabled(n.Config)
	})
	if err := ctx.Err(); err != nil {
		return m, err
	}
	for i, id := range ids {
		switch {
		case errs[i] == nil:
		case preDisabled[id] && !strings.Contains(nodes[i].RawCode, "enabled"):
			// A disabled node rendered only in case a macro it calls
			// enables it: its render failing leaves it disabled.
			disable[i] = true
		default:
			l.Add(m.renderDiag(nodes[i], nil, errs[i]))
		}
		m.Warnings = append(m.Warnings, warnings[i]...)
		if disable[i] {
			m.disabled[id] = nodes[i]
			delete(m.Nodes, id)
		}
	}
	if len(m.disabled) != disabled {
		// An in-file config(enabled=false) removed nodes.
		m.index()
		keptIDs, kept := ids[:0], nodes[:0]
		for i, id := range ids {
			if _, ok := m.Nodes[id]; ok {
				keptIDs, kept = append(keptIDs, id), append(kept, nodes[i])
			}
		}
		ids, nodes = keptIDs, kept
	}
	m.ids, m.nodes = ids, nodes
	finishGrantKeys(nodes)
	finishModelFreshness(&l, nodes)
	m.validateConfigs(&l, nodes)
	m.hookDependencies(ctx, &l, nodes)
	addConstraintRefs(nodes)
	deps, off := m.resolveDependencies(ctx, &l, nodes)
	if slices.Contains(off, true) {
		// As dbt, a test whose ref or source is disabled or missing is
		// disabled, not an error.
		var keptDeps [][]*Node
		keptIDs, kept := ids[:0], nodes[:0]
		for i, id := range ids {
			if off[i] {
				m.disabled[id] = nodes[i]
				delete(m.Nodes, id)
				continue
			}
			keptIDs, kept, keptDeps = append(keptIDs, id), append(kept, nodes[i]), append(keptDeps, deps[i])
		}
		ids, nodes, deps = keptIDs, kept, keptDeps
		m.ids, m.nodes = ids, nodes
	}
	m.resolveResources(&l, nodes)
	m.resolveRelations(ctx, &l, ids, nodes)
	// After the relations: TimeSpineRule names the time spines'.
	m.validateSemanticManifest(&l, nodes)
	m.buildMaps(ids, nodes, deps)
	m.validateMicrobatch(&l, nodes)
	m.warnConcurrentBatches(&l, nodes)
	m.inferPrimaryKeys()
	m.buildUnitTests(&l)
	m.validateContracts(&l)
	internConfigs(nodes)
	m.Warnings = append(l.Warnings(), m.Warnings...)
	sortDiags(l)
	sortDiags(m.Warnings)
	return m, l.Err()
}

// configMemo keeps, during Parse, the configs built for models from their
// folder's config and a config() call: models of one folder usually make
// the same call, and each built maps that internConfigs then hashed to
// share them. Safe for concurrent use.
type configMemo struct {
	mu sync.Mutex
	m  map[configMemoKey][2]project.Config
}

// configMemoKey is all that a model's configs after its parse render are
// made of: the config and unrendered config the project gave it (shared
// maps, by identity), its config() call's values as the render cache
// stores them, the call's arguments as written when they are not
// literals (unrenderedCall), and its language (the default
// materialization).
type configMemoKey struct {
	config, unrendered uintptr
	inFile, written    string
	python             bool
}

func newConfigMemoKey(n *Node, inFileRaw string) configMemoKey {
	k := configMemoKey{
		config:     reflect.ValueOf(n.Config).Pointer(),
		unrendered: reflect.ValueOf(n.UnrenderedConfig).Pointer(),
		inFile:     inFileRaw,
		python:     isPython(n),
	}
	if !k.python {
		if exprs := configCallExpressions(n.RawCode); len(exprs) > 0 {
			var b strings.Builder
			for _, name := range slices.Sorted(maps.Keys(exprs)) {
				b.WriteString(strconv.Quote(name))
				b.WriteByte('=')
				b.WriteString(strconv.Quote(exprs[name]))
				b.WriteByte(',')
			}
			k.written = b.String()
		}
	}
	return k
}

func (c *configMemo) get(k configMemoKey) (config, unrendered project.Config, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v[0], v[1], ok
}

// put keeps the configs built for k (nil: they are not to be shared),
// unless another caller did first: it returns the configs kept.
func (c *configMemo) put(k configMemoKey, config, unrendered project.Config) (project.Config, project.Config) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.m[k]; ok && v[0] != nil {
		return v[0], v[1]
	}
	if c.m == nil {
		c.m = map[configMemoKey][2]project.Config{}
	}
	c.m[k] = [2]project.Config{config, unrendered}
	return config, unrendered
}

// internConfigs gives the models and tests whose configs are equal one
// shared config map: most of a project's nodes have their folder's
// settings and their config() call alone (a layer of models, dbt's test
// defaults), and a map each was a sixth of the heap Parse leaves. A
// shared map is marked so: a template that may change its node's config
// (model.config) gets a copy first (ownConfig). Their unrendered configs,
// which nothing changes after Parse, are shared the same way. Configs
// holding anything but scalars and lists of scalars are left alone.
func internConfigs(nodes []*Node) {
	shared, unrendered := map[string]project.Config{}, map[string]project.Config{}
	intern := func(table map[string]project.Config, key []byte, c project.Config) project.Config {
		if s, seen := table[string(key)]; seen {
			return s
		}
		table[string(key)] = c
		return c
	}
	var key []byte
	var ok bool
	for _, n := range nodes {
		if n.ResourceType != project.Model && n.ResourceType != project.Test {
			continue
		}
		if n.configInterned {
			continue
		}
		if key, ok = configKey(key[:0], n.UnrenderedConfig); ok {
			n.UnrenderedConfig = intern(unrendered, key, n.UnrenderedConfig)
		}
		if key, ok = configKey(key[:0], n.Config); ok {
			n.Config, n.sharedConfig = intern(shared, key, n.Config), true
		}
	}
}

// plainConfig reports whether c holds only scalars and lists of scalars,
// the configs internConfigs shares.
func plainConfig(c project.Config) bool {
	_, ok := configKey(nil, c)
	return ok
}

// configKey appends to b an encoding of c that two configs share exactly
// when they are equal; ok is false when a value is neither a scalar nor
// a list of scalars.
func configKey(b []byte, c project.Config) ([]byte, bool) {
	if c == nil {
		return b, false
	}
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = strconv.AppendInt(b, int64(len(keys)), 10)
	for _, k := range keys {
		b = strconv.AppendQuote(append(b, ' '), k)
		var ok bool
		switch v := c[k].(type) {
		case []any:
			b = strconv.AppendInt(append(b, " l"...), int64(len(v)), 10)
			if v == nil {
				b = append(b, '-')
			}
			for _, e := range v {
				if b, ok = scalarKey(b, e); !ok {
					return b, false
				}
			}
		case []string:
			b = strconv.AppendInt(append(b, " L"...), int64(len(v)), 10)
			if v == nil {
				b = append(b, '-')
			}
			for _, e := range v {
				b = strconv.AppendQuote(append(b, ' '), e)
			}
		default:
			if b, ok = scalarKey(b, v); !ok {
				return b, false
			}
		}
	}
	return b, true
}

func scalarKey(b []byte, v any) ([]byte, bool) {
	switch v := v.(type) {
	case nil:
		return append(b, " n"...), true
	case string:
		return strconv.AppendQuote(append(b, " s"...), v), true
	case bool:
		return strconv.AppendBool(append(b, " b"...), v), true
	case int:
		return strconv.AppendInt(append(b, " i"...), int64(v), 10), true
	case int64:
		return strconv.AppendInt(append(b, " I"...), v, 10), true
	case float64:
		return strconv.AppendFloat(append(b, " f"...), v, 'g', -1, 64), true
	}
	return b, false
}

// Manifest internals kept beside the exported fields.
type manifestIndex struct {
	byName  map[string][]*Node // refable nodes by name
	sources map[[2]string][]*project.SourceTable
	// disabledSources are the source tables their config disables, by
	// (source, table): in no section of the manifest but named when a
	// source() asks for one, as dbt does.
	disabledSources map[[2]string]bool
	// disabledSourceTables are those tables, for the manifest's disabled.
	disabledSourceTables []*project.SourceTable
	disabled             map[string]*Node
	// externalSources are the sources that render as files (external_location).
	externalSources map[string]bool
	// selected are the unique ids the command runs (SetSelected): dbt's
	// selected_resources.
	selected []string
	// deferred are the relations refs to these unique ids resolve to
	// instead of their own (SetDeferred: --defer).
	deferred map[string]Relation
	// stateRelations are the relations the --defer state manifest gives
	// each node it also holds, selected or not (SetStateRelations: dbt's
	// defer_relation); a unit test reads an input's columns there when
	// the input's own relation does not exist.
	stateRelations map[string]Relation
	// ids are the keys of Nodes, sorted, and nodes their values, as
	// Parse left them; see sortedNodes.
	ids   []string
	nodes []*Node
}

// sortedNodes returns the keys of m.Nodes, sorted, and the nodes in that
// order. Parse sorts them once; later callers get those slices while
// Nodes still holds exactly them (the map is exported, so this is
// checked), else a fresh sort. The slices must not be modified.
//
// parsed reports that they are Parse's: then each node's ord is its index.
func (m *Manifest) sortedNodes() (ids []string, nodes []*Node, parsed bool) {
	if len(m.ids) == len(m.Nodes) && len(m.nodes) == len(m.ids) {
		same := true
		for i, id := range m.ids {
			if n, ok := m.Nodes[id]; !ok || n != m.nodes[i] {
				same = false
				break
			}
		}
		if same {
			return m.ids, m.nodes, true
		}
	}
	ids = sortedKeys(m.Nodes)
	nodes = make([]*Node, len(ids))
	for i, id := range ids {
		nodes[i] = m.Nodes[id]
	}
	return ids, nodes, false
}

// SortedNodes returns the nodes of m.Nodes in the order of their unique
// ids. The slice is shared: it must not be modified.
func (m *Manifest) SortedNodes() []*Node {
	_, nodes, _ := m.sortedNodes()
	return nodes
}

// SetSelected records the unique ids a command runs, for dbt's
// selected_resources and register_upstream_external_models(). Call it
// before rendering with execute=true, not during.
func (m *Manifest) SetSelected(ids []string) { m.selected = append([]string(nil), ids...) }

// SetDeferred makes ref() to each of these unique ids resolve to the given
// relation, the one an earlier run built (dbt's --defer: the state
// manifest's database, schema and alias). Call it before rendering with
// execute=true, not during.
func (m *Manifest) SetDeferred(rels map[string]Relation) { m.deferred = rels }

// SetStateRelations records, for every refable node the --defer state
// manifest also holds as a non-ephemeral refable node, the relation it
// has there (dbt's Manifest.merge_from_artifact: each node's
// defer_relation, whatever the selection, --favor-state or what exists).
// Unit tests read an input's columns from it when the input's own
// relation does not exist (dbt's get_fixture_sql). Call it before
// rendering unit tests.
func (m *Manifest) SetStateRelations(rels map[string]Relation) { m.stateRelations = rels }

// RefRelationName is the relation a ref() to n renders with execute=true:
// the one SetDeferred gave it, else its own.
func (m *Manifest) RefRelationName(n *Node) string {
	if d, ok := m.deferred[n.UniqueID]; ok {
		return m.engine.renderNodeRelation(d)
	}
	return n.RelationName
}

// setUpNode makes n a copy of the project's node pn with its config as
// loading and the root project give it, before any render, and reports
// whether that config disables it.
func setUpNode(n *Node, pn *project.Node) (disabled bool) {
	n.Node = *pn
	switch {
	case pn.RootConfig != nil:
		// A package's node: the root project's dbt_project.yml applies
		// over its own config (and, after the render, over its config()
		// calls).
		n.ownConfig = copyConfig(pn.Config)
		n.Config = mergeConfig(n.ownConfig, pn.RootConfig)
		if n.ResourceType == project.Test {
			n.Config = withTestDefaults(n.Config)
		}
	case n.ResourceType == project.Test:
		n.Config = withTestDefaults(copyConfig(pn.Config))
	default:
		// Read only until the parse render, after which the node gets a
		// config of its own.
		n.sharedConfig = true
	}
	if isDisabled(n.Config) {
		n.Config, n.sharedConfig = copyConfig(n.Config), false
		return true
	}
	return false
}

// mayEnableItself reports whether n, disabled by the project's or YAML's
// config, may enable itself when rendered: a SQL file that calls config().
func mayEnableItself(n *Node) bool {
	return n.Language != "python" && n.ResourceType != project.Seed && mayConfigItself(n.RawCode)
}

// DisabledNodes are the project's nodes that are not enabled (by their
// config, by a ref to a disabled node, or as a name's other definitions),
// for the manifest's disabled section, in the order of their ids.
func (m *Manifest) DisabledNodes() []*Node {
	keys := sortedKeys(m.disabled)
	out := make([]*Node, len(keys))
	for i, k := range keys {
		out[i] = m.disabled[k]
	}
	return out
}

// DisabledSources are the source tables their config disables, for the
// manifest's disabled section, in the order of their ids.
func (m *Manifest) DisabledSources() []*project.SourceTable {
	out := slices.Clone(m.disabledSourceTables)
	slices.SortFunc(out, func(a, b *project.SourceTable) int { return strings.Compare(a.UniqueID, b.UniqueID) })
	return out
}

func isDisabled(c project.Config) bool {
	v, ok := c["enabled"]
	if !ok {
		return false
	}
	switch b := v.(type) {
	case bool:
		return !b
	case string:
		return strings.EqualFold(b, "false")
	}
	return false
}

func isEphemeral(n *Node) bool {
	return n.ResourceType == project.Model && n.Config["materialized"] == "ephemeral"
}

func refable(n *Node) bool {
	switch n.ResourceType {
	case project.Model, project.Seed, project.Snapshot:
		return true
	}
	return false
}

func copyConfig(c project.Config) project.Config {
	out := make(project.Config, len(c))
	for k, v := range c {
		out[k] = v
	}
	return out
}

// testDefaults are dbt's defaults of a test's config. store_failures
// stays unset (null in dbt's manifest) so that the --store-failures flag
// can apply when no config says otherwise.
var testDefaults = [...]struct {
	key   string
	value any
}{
	{"severity", "ERROR"},
	{"warn_if", "!= 0"},
	{"error_if", "!= 0"},
	{"fail_calc", "count(*)"},
	{"materialized", "test"},
	{"enabled", true},
}

// withTestDefaults sets dbt's defaults on a test's config.
func withTestDefaults(c project.Config) project.Config {
	for _, d := range testDefaults {
		if _, ok := c[d.key]; !ok {
			c[d.key] = d.value
		}
	}
	return c
}

func (m *Manifest) index() {
	m.byName = make(map[string][]*Node, len(m.Nodes))
	one := make([]*Node, len(m.Nodes)) // the lists of one node, in one allocation
	for _, n := range m.Nodes {
		if refable(n) {
			if l, ok := m.byName[n.Name]; ok {
				m.byName[n.Name] = append(l, n)
				continue
			}
			one[0] = n
			m.byName[n.Name] = one[:1:1]
			one = one[1:]
		}
	}
	// Nodes of the same name in several packages: in id order, so that
	// which one a ref finds does not depend on map order.
	for _, l := range m.byName {
		if len(l) > 1 {
			sort.Slice(l, func(i, j int) bool { return l[i].UniqueID < l[j].UniqueID })
		}
	}
	m.sources = make(map[[2]string][]*project.SourceTable, len(m.Sources))
	for _, id := range sortedKeys(m.Sources) {
		s := m.Sources[id]
		k := [2]string{s.SourceName, s.Name}
		m.sources[k] = append(m.sources[k], s)
	}
}

// searchOrder is dbt's order for finding what a node in package from
// names without a package: the root project, the node's own package,
// then any package.
func (m *Manifest) searchOrder(from string) []string {
	root := m.Project.Config.Name
	if from == "" || from == root {
		return []string{root, ""}
	}
	return []string{root, from, ""}
}

// parallel runs fn(0..n-1) on at most Options.Concurrency goroutines.
func (m *Manifest) parallel(ctx context.Context, n int, fn func(i int)) {
	parallelFor(ctx, m.engine.opts.Concurrency, n, fn)
}

// parallelFor runs fn(0..n-1) on at most workers goroutines (0:
// GOMAXPROCS), until ctx is done.
func parallelFor(ctx context.Context, workers, n int, fn func(i int)) {
	par.ForCtx(ctx, workers, n, 0, fn)
}

func nodeSource(n *Node) string {
	src := n.RawCode
	if strings.Contains(src, "test") || strings.Contains(src, "materialization") {
		src = preprocess(n.OriginalFilePath, src, func(diag.Diagnostic) {}, nil)
	}
	return src
}

// template parses a node's template for one render, named after the
// node's file so that errors name the file. It is not kept: a template's
// syntax tree is many times the size of its source (300 MB of the heap at
// 100,000 models between the parse render and the compile render), and
// parsing it again for the second render costs less CPU than the
// collector spends marking the kept trees.
func (m *Manifest) template(n *Node) (*jinja.Template, error) {
	return m.engine.env.Parse(n.OriginalFilePath, nodeSource(n))
}

// ReleaseProjectNodes drops the project's node tables (Project.Nodes and
// Project.GenericTests), for a caller that keeps the manifest and not the
// project: the manifest's nodes are copies of them, and the configs Parse
// replaced (config() calls) live on in the project's alone. At 10,000
// models that is a sixth of the heap Parse leaves. It is for the caller
// of Parse, before anything else reads the manifest.
func (m *Manifest) ReleaseProjectNodes() {
	m.engine.released = m.Nodes
	m.Project.Nodes = nil
	m.Project.GenericTests = nil
}

// renderNode renders one node; with execute it stores the result in
// n.CompiledCode.
func (m *Manifest) renderNode(ctx context.Context, n *Node, execute bool) (*renderState, error) {
	return m.renderNodeHolding(ctx, n, execute, nil)
}

// renderNodeHolding is renderNode with a claim on the graph's lock for
// the render (graphHold).
func (m *Manifest) renderNodeHolding(ctx context.Context, n *Node, execute bool, hold *graphHold) (*renderState, error) {
	st := m.engine.newState(m, n, execute)
	st.ctx, st.hold = ctx, hold
	out, err := m.renderIn(st)
	if err != nil {
		return st, err
	}
	if execute && n.ResourceType != project.Seed {
		n.CompiledCode = out
	}
	return st, nil
}

// renderIn renders st.node in st and returns the SQL without storing
// it; generic tests call their test macro, seeds render nothing.
func (m *Manifest) renderIn(st *renderState) (string, error) {
	n := st.node
	if n.TestMetadata != nil {
		return st.renderGenericTest()
	}
	if n.ResourceType == project.Seed {
		return "", nil
	}
	if isPython(n) {
		// No Jinja in Python models: the source is the compiled code, and
		// its dbt.ref()/dbt.source()/dbt.config() calls are read as dbt does.
		if !st.execute {
			refs, sources, cfg := pythonDependencies(n.RawCode)
			st.refs, st.sources = append(st.refs, refs...), append(st.sources, sources...)
			if len(cfg) > 0 {
				st.inFile = mergeConfig(st.inFile, cfg)
			}
		}
		return n.RawCode, nil
	}
	t, err := m.template(n)
	if err != nil {
		return "", err
	}
	return st.render(t)
}

// renderDiag turns a render or template error into a diagnostic at the
// node's file and line. An error inside a macro is reported where the
// node calls the macro, with the chain of calls down to the failing line
// (models/orders.sql:12 → macros/money.sql:3).
func (m *Manifest) renderDiag(n *Node, st *renderState, err error) diag.Diagnostic {
	file := n.OriginalFilePath
	if n.TestMetadata != nil {
		file = n.PatchPath
		if file == "" {
			file = n.OriginalFilePath
		}
	}
	d := m.engine.errorDiagAt(n.OriginalFilePath, m.engine.lineShift(n), n.RawCodeColumn, err)
	d.File = file
	d.Err = err // DbtMessage words it as dbt does
	if h := n.RunHook; h != nil {
		// A project hook's lines are its statement's, not the file's.
		d.Pos = diag.Pos{}
		d.Summary = fmt.Sprintf("%s hook %d: %s", h.Type, h.Index+1, d.Summary)
	}
	if n.TestMetadata != nil {
		d.Pos = n.PatchPos
		var ee *jinjaError
		if errors.As(err, &ee) && ee.line > 0 {
			d.Pos = diag.Pos{Line: ee.line}
		}
	}
	return d
}

// errorDiag describes err from rendering or parsing the template named
// name; lines of that template are shifted by shift (a snapshot's body
// starts inside its file). Messages of elt's builtins keep their hint.
func (e *engine) errorDiag(name string, shift int, err error) diag.Diagnostic {
	return e.errorDiagAt(name, shift, 0, err)
}

// errorDiagAt is errorDiag for a template that starts colShift columns
// into its first line of the file (dbt renders a file stripped of its
// leading whitespace).
func (e *engine) errorDiagAt(name string, shift, colShift int, err error) diag.Diagnostic {
	var je *jinja.Error
	if !errors.As(err, &je) {
		var ee *jinjaError
		if errors.As(err, &ee) {
			return diag.Errorf(name, diag.Pos{Line: ee.line}, ee.hint, "%s", ee.msg)
		}
		return diag.Errorf(name, diag.Pos{}, "", "%s", err.Error())
	}
	at := func(file string, line, col int) (diag.Pos, string) {
		if file == name {
			if line == 1 {
				col += colShift
			}
			line += shift
		}
		return diag.Pos{Line: line, Column: col}, fmt.Sprintf("%s:%d", file, line)
	}
	var pos diag.Pos
	var chain []string
	first := true
	for _, f := range je.Stack {
		if f.Name == "" {
			continue // a call from Go (a generic test's macro): no file to name
		}
		p, loc := at(f.Name, f.Line, f.Col)
		if first && f.Name == name {
			// The outermost call in this template: a line of another
			// file (a macro Go called first) is no line of this one.
			pos, first = p, false
		}
		chain = append(chain, loc)
	}
	p, loc := at(je.Name, je.Line, je.Col)
	if len(je.Stack) == 0 {
		pos = p
		if je.Name != name {
			pos = diag.Pos{} // a var's or config's Jinja: no line of this file
		}
	} else {
		chain = append(chain, loc)
	}
	if je.Kind == "TemplateSyntaxError" {
		return diag.Errorf(name, pos, "", "Jinja syntax error: %s", je.Msg)
	}
	msg, hint := je.Msg, ""
	var ee *jinjaError
	if errors.As(err, &ee) {
		msg, hint = ee.msg, ee.hint
	} else if je.Kind == "UndefinedError" {
		msg, hint = e.undefinedMessage(je, msg)
	} else if je.Kind != "Error" {
		msg = je.Kind + ": " + msg
	}
	if len(chain) > 1 {
		msg += " (" + strings.Join(chain, " → ") + ")"
	}
	return diag.Errorf(name, pos, hint, "%s", msg)
}

var (
	undefinedNameRE = lazyre.New(`^'([A-Za-z_][A-Za-z0-9_]*)' is undefined$`)
	noAttributeRE   = lazyre.New(`has no attribute '([A-Za-z_][A-Za-z0-9_]*)'$`)
)

// undefinedMessage says what is missing when an undefined value was used:
// most often a dbt package's namespace (dbt_utils.star) that is not
// installed, or a function elt's context does not provide.
func (e *engine) undefinedMessage(je *jinja.Error, msg string) (string, string) {
	src := e.sourceOf(je.Name)
	if m := undefinedNameRE().FindStringSubmatch(msg); m != nil {
		if method := methodOf(src, m[1]); method != "" {
			return fmt.Sprintf("'%s' is not defined, so %s.%s() cannot be called", m[1], m[1], method),
				fmt.Sprintf("if %s is a dbt package, list it in packages.yml and run elt deps to install it", m[1])
		}
		return msg, ""
	}
	if m := noAttributeRE().FindStringSubmatch(msg); m != nil && regexp.MustCompile(`\.\s*`+m[1]+`\s*\(`).MatchString(src) {
		return fmt.Sprintf("no function or method '%s' here (elt's Jinja context does not provide it)", m[1]), ""
	}
	return msg, ""
}

// sourceOf is the source of the template named name, if it is a node's
// or a macro file's.
func (e *engine) sourceOf(name string) string {
	for _, n := range e.proj.Nodes {
		if n.OriginalFilePath == name {
			return n.RawCode
		}
	}
	for _, n := range e.released {
		if n.OriginalFilePath == name {
			return n.RawCode
		}
	}
	for _, f := range e.proj.MacroFiles {
		if f.Path == name {
			return f.Contents
		}
	}
	for _, pkg := range e.proj.Packages {
		for _, f := range pkg.MacroFiles {
			if f.Path == name {
				return f.Contents
			}
		}
	}
	return ""
}

// methodOf finds the method called on owner in src ("star" for
// "dbt_utils.star(" and owner "dbt_utils"); "" when there is none.
func methodOf(src, owner string) string {
	re := regexp.MustCompile(`\b` + regexp.QuoteMeta(owner) + `\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(`)
	if m := re.FindStringSubmatch(src); m != nil {
		return m[1]
	}
	return ""
}

// lineShift is how many lines precede a node's RawCode in its file
// (snapshot blocks start inside their file); the loader counted them.
func (e *engine) lineShift(n *Node) int {
	if n == nil {
		return 0
	}
	return n.RawCodeLine
}

// lookupError is a ref or source that finds nothing; disabled says it
// names a disabled node.
type lookupError struct {
	msg, hint string
	disabled  bool
	// target is what dbt's TargetNotFoundError names (see notFound).
	target target
}

func (e *lookupError) Error() string { return e.msg }

// lookupRef finds the node a ref points to.
func (m *Manifest) lookupRef(r Ref, from *Node) (*Node, *lookupError) {
	if r.Package != "" {
		for _, n := range m.byName[r.Name] {
			if n.Package == r.Package && versionMatch(n, r.Version) {
				return n, nil
			}
		}
	} else {
		fromPkg := ""
		if from != nil {
			fromPkg = from.Package
		}
		for _, pkg := range m.searchOrder(fromPkg) {
			for _, n := range m.byName[r.Name] {
				if (pkg == "" || n.Package == pkg) && versionMatch(n, r.Version) {
					return n, nil
				}
			}
		}
	}
	if r.Version != "" {
		var have []string
		for _, n := range m.byName[r.Name] {
			if n.VersionString != "" && (r.Package == "" || n.Package == r.Package) {
				have = append(have, n.VersionString)
			}
		}
		if len(have) > 0 || len(m.byName[r.Name]) > 0 {
			sort.Slice(have, func(i, j int) bool { return project.CompareVersions(have[i], have[j]) < 0 })
			hint := "ref a version the model declares under versions:"
			if len(have) > 0 {
				hint = "its versions are " + strings.Join(have, ", ")
			} else {
				hint = "the model has no versions: remove v="
			}
			return nil, &lookupError{
				msg:    fmt.Sprintf("ref('%s', v=%s) depends on a node named '%s' with version '%s' which was not found", r.Name, r.Version, r.Name, r.Version),
				hint:   hint,
				target: target{kind: "node", name: r.Name, pkg: r.Package, version: r.Version},
			}
		}
	}
	for _, n := range m.disabled {
		if refable(n) && n.Name == r.Name && (r.Package == "" || n.Package == r.Package) {
			return nil, &lookupError{
				msg:      fmt.Sprintf("ref('%s') points to %s, which is disabled", r.Name, n.UniqueID),
				hint:     "enable " + n.OriginalFilePath + " or remove the ref",
				disabled: true,
				target:   target{kind: "node", name: r.Name, pkg: r.Package, version: r.Version, disabled: true},
			}
		}
	}
	names := make([]string, 0, len(m.byName))
	for name := range m.byName {
		names = append(names, name)
	}
	hint := "no model, seed or snapshot has that name"
	if close := closeNames(r.Name, names); len(close) > 0 {
		hint = "did you mean " + quoteJoin(close) + "?"
	}
	full := r.Name
	if r.Package != "" {
		full = r.Package + "', '" + r.Name
	}
	return nil, &lookupError{msg: fmt.Sprintf("ref('%s') not found", full), hint: hint,
		target: target{kind: "node", name: r.Name, pkg: r.Package, version: r.Version}}
}

func (m *Manifest) lookupSource(s, t string, from *Node) (*project.SourceTable, *lookupError) {
	fromPkg := ""
	if from != nil {
		fromPkg = from.Package
	}
	if list := m.sources[[2]string{s, t}]; len(list) > 0 {
		for _, pkg := range m.searchOrder(fromPkg) {
			for _, src := range list {
				if pkg == "" || src.Package == pkg {
					return src, nil
				}
			}
		}
	}
	if m.disabledSources[[2]string{s, t}] {
		return nil, &lookupError{msg: fmt.Sprintf("this node depends on a source named '%s.%s' which is disabled", s, t),
			hint:   "enable the source table (enabled: true), or remove the source() call",
			target: target{kind: "source", name: s + "." + t, disabled: true}}
	}
	var names []string
	for k := range m.sources {
		names = append(names, k[0]+"."+k[1])
	}
	hint := "declare it under sources: in a properties YAML file"
	if close := closeNames(s+"."+t, names); len(close) > 0 {
		hint = "did you mean " + quoteJoin(close) + "? Otherwise " + hint
	}
	return nil, &lookupError{msg: fmt.Sprintf("source('%s', '%s') is not declared", s, t), hint: hint,
		target: target{kind: "source", name: s + "." + t}}
}

func quoteJoin(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = "'" + s + "'"
	}
	return strings.Join(q, ", ")
}

// resolveDependencies turns captured refs and sources into DependsOn.Nodes
// and reports unknown or disabled targets at the line of the call. It
// returns, for each of nodes, the node of each of its DependsOn.Nodes
// (nil for a source or an id that is no node), and which nodes to disable:
// as dbt (invalid_target_fail_unless_test), a test whose ref or source is
// disabled is disabled with it, and one whose target is missing is
// disabled with a warning; for any other node either is an error. Nodes
// are resolved concurrently, their problems reported in order.
func (m *Manifest) resolveDependencies(ctx context.Context, l *diag.List, nodes []*Node) ([][]*Node, []bool) {
	// Every list is cut, full, from one allocation.
	offsets := make([]int, len(nodes)+1)
	for i, n := range nodes {
		offsets[i+1] = offsets[i] + len(n.Refs) + len(n.SourceRefs) + len(n.MetricRefs) + 1
	}
	ids := make([]string, offsets[len(nodes)])
	deps := make([]*Node, offsets[len(nodes)])
	out := make([][]*Node, len(nodes))
	diags := make([]diag.List, len(nodes))
	off := make([]bool, len(nodes))
	m.parallel(ctx, len(nodes), func(i int) {
		n := nodes[i]
		// report is a target's problem: a test is disabled instead.
		report := func(line int, err *lookupError) {
			if n.ResourceType != project.Test {
				diags[i].Add(diag.Errorf(problemFile(n), diag.Pos{Line: line}, err.hint, "%s", err.notFound(n)))
				return
			}
			off[i] = true
			if !err.disabled {
				diags[i].Add(diag.Warnf(problemFile(n), diag.Pos{Line: line}, err.hint, "%s", err.notFoundWarning(n)).
					AsEvent("NodeNotFoundOrDisabled"))
			}
		}
		lo, hi := offsets[i], offsets[i+1]
		nodeIDs, nodeDeps := ids[lo:lo:hi], deps[lo:lo:hi]
		var seen map[string]bool // once the list is long; a scan beats a set before
		add := func(id string, dn *Node) {
			if seen == nil {
				for _, d := range nodeIDs {
					if d == id {
						return
					}
				}
				nodeIDs, nodeDeps = append(nodeIDs, id), append(nodeDeps, dn)
				if len(nodeIDs) > 16 {
					seen = make(map[string]bool, 2*len(nodeIDs))
					for _, d := range nodeIDs {
						seen[d] = true
					}
				}
				return
			}
			if !seen[id] {
				seen[id] = true
				nodeIDs, nodeDeps = append(nodeIDs, id), append(nodeDeps, dn)
			}
		}
		file := problemFile(n)
		if n.DeprecationDate != "" {
			if w, past := m.deprecatedModel(n); past {
				diags[i].Add(w)
			}
		}
		// As dbt's load: process_sources adds every source before
		// process_refs adds the refs (parser/manifest.py).
		for _, s := range n.SourceRefs {
			src, err := m.lookupSource(s[0], s[1], n)
			if err != nil {
				st := &renderState{engine: m.engine, node: n}
				line := st.lineOf("source", s[0], s[1])
				if n.TestMetadata != nil {
					line = n.PatchPos.Line
				}
				report(line, err)
				continue
			}
			add(src.UniqueID, nil)
		}
		for _, r := range n.Refs {
			t, err := m.lookupRef(r, n)
			if err != nil {
				st := &renderState{engine: m.engine, node: n}
				line := st.lineOf("ref", r.Name)
				if r.Package != "" {
					line = st.lineOf("ref", r.Package, r.Name)
				}
				if n.TestMetadata != nil {
					line = n.PatchPos.Line
				}
				report(line, err)
				continue
			}
			if t.DeprecationDate != "" && n.ResourceType == project.Model {
				// As dbt: models that ref a deprecated model are warned.
				st := &renderState{engine: m.engine, node: n}
				diags[i].Add(m.deprecatedRef(n, t, file, st.lineOf("ref", r.Name)))
			}
			add(t.UniqueID, t)
		}
		// As dbt's process_metrics, after the refs and sources: each
		// metric() call's metric, or the parse fails.
		if n.ResourceType != project.Seed {
			for _, c := range n.MetricRefs {
				name, pkg := c[len(c)-1], ""
				if len(c) == 2 {
					pkg = c[0]
				}
				r, err := m.lookupMetric(name, pkg, n)
				if err == nil {
					add(r.UniqueID, nil)
					continue
				}
				st := &renderState{engine: m.engine, node: n}
				line := st.lineOf("metric", c...)
				if n.TestMetadata != nil {
					line = n.PatchPos.Line
				}
				if n.ResourceType == project.Test {
					off[i] = true
					if !err.disabled {
						diags[i].Add(diag.Warnf(file, diag.Pos{Line: line}, err.hint, "%s", metricNotFoundWarning(n, name, pkg)).
							AsEvent("NodeNotFoundOrDisabled"))
					}
					continue
				}
				diags[i].Add(diag.Errorf(file, diag.Pos{Line: line}, err.hint, "%s", metricNotFound(n, name, pkg, err.msg)))
			}
		}
		if n.AttachedNode != "" {
			// A test's model is among its sources or refs, which come
			// first as in dbt; this is in case not.
			if an, gone := m.disabled[n.AttachedNode]; gone && m.Nodes[n.AttachedNode] == nil {
				// Its file's config() disabled the model the test was
				// declared for: as in dbt, the test is on what its ref
				// finds (the root project's model of the name), and is
				// disabled with its model when that finds nothing.
				if t, err := m.lookupRef(Ref{Name: an.Name, Version: an.VersionString}, n); err == nil {
					n.AttachedNode = t.UniqueID
				} else {
					off[i] = true
				}
			}
			add(n.AttachedNode, m.Nodes[n.AttachedNode])
		}
		if len(nodeIDs) == 0 {
			nodeIDs = nil
		}
		n.DependsOn.Nodes = nodeIDs
		out[i] = nodeDeps
	})
	for _, ds := range diags {
		for _, d := range ds {
			l.Add(d)
		}
	}
	return out, off
}

// problemFile is the file a node's problems are reported in: a generic test's
// properties YAML, or the node's own file.
func problemFile(n *Node) string {
	if n.TestMetadata != nil {
		return n.PatchPath
	}
	return n.OriginalFilePath
}

// buildMaps makes ParentMap and ChildMap; deps are resolveDependencies'.
func (m *Manifest) buildMaps(ids []string, nodes []*Node, deps [][]*Node) {
	edges := 0
	for i, n := range nodes {
		n.ord = i
		edges += len(n.DependsOn.Nodes)
	}
	// Every list is cut, full, from one allocation: the parents, then the
	// children of each node (counted first).
	// The two maps are built concurrently: both only read the nodes.
	mem := make([]string, 2*edges)
	parentsDone := make(chan struct{})
	go func(mem []string) {
		defer close(parentsDone)
		parentMap := make(map[string][]string, len(ids))
		for i, n := range nodes {
			parents := mem[:len(n.DependsOn.Nodes):len(n.DependsOn.Nodes)]
			mem = mem[len(parents):]
			copy(parents, n.DependsOn.Nodes)
			slices.Sort(parents)
			parentMap[ids[i]] = parents
		}
		m.ParentMap = parentMap
	}(mem[:edges])
	mem = mem[edges:]
	counts := make([]int, len(nodes))
	for i := range nodes {
		for _, d := range deps[i] {
			if d != nil {
				counts[d.ord]++
			}
		}
	}
	children := make([][]string, len(nodes))
	for i, c := range counts {
		children[i] = mem[:0:c]
		mem = mem[c:]
	}
	m.ChildMap = make(map[string][]string, len(ids)+len(m.Sources))
	for id := range m.Sources {
		m.ChildMap[id] = []string{}
	}
	// Visiting nodes in sorted order appends children sorted already.
	for i, n := range nodes {
		for j, dep := range n.DependsOn.Nodes {
			if d := deps[i][j]; d != nil {
				children[d.ord] = append(children[d.ord], n.UniqueID)
			} else {
				m.ChildMap[dep] = append(m.ChildMap[dep], n.UniqueID)
			}
		}
	}
	for i, id := range ids {
		m.ChildMap[id] = children[i]
	}
	<-parentsDone
}

func sortDiags(l diag.List) {
	sort.SliceStable(l, func(i, j int) bool {
		if l[i].File != l[j].File {
			return l[i].File < l[j].File
		}
		return l[i].Pos.Line < l[j].Pos.Line
	})
}

// closeNames returns up to three candidates within a small edit distance.
func closeNames(name string, candidates []string) []string {
	type scored struct {
		s string
		d int
	}
	var out []scored
	for _, c := range candidates {
		d := textdist.Levenshtein(strings.ToLower(name), strings.ToLower(c))
		limit := len(name)/3 + 1
		if d <= limit || strings.Contains(c, name) || strings.Contains(name, c) {
			out = append(out, scored{c, d})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].d != out[j].d {
			return out[i].d < out[j].d
		}
		return out[i].s < out[j].s
	})
	var names []string
	for i := 0; i < len(out) && i < 3; i++ {
		names = append(names, out[i].s)
	}
	return names
}

// mergeConfig is project.MergeConfig (dbt's merge rules live in project).
func mergeConfig(base, override project.Config) project.Config {
	return project.MergeConfig(base, override)
}

// mergeOwned is mergeConfig when override is the caller's to give away:
// merged into an empty base, an override without the keys MergeConfig
// rewrites (tags, hooks) is its own result.
func mergeOwned(base, override project.Config) project.Config {
	if len(base) == 0 {
		_, tags := override["tags"]
		_, pre := override["pre_hook"]
		_, post := override["post_hook"]
		if !tags && !pre && !post {
			return override
		}
	}
	return mergeConfig(base, override)
}

// templateDiag reports a template that failed to parse at its file:line.
func templateDiag(file string, shift int, hint string, err error) diag.Diagnostic {
	var je *jinja.Error
	if errors.As(err, &je) {
		line := je.Line
		if line > 0 {
			line += shift
		}
		return diag.Errorf(file, diag.Pos{Line: line, Column: je.Col}, hint, "Jinja syntax error: %s", je.Msg)
	}
	return diag.Errorf(file, diag.Pos{}, hint, "%s", err.Error())
}

// versionMatch: a ref with a version reaches that version of a versioned
// model; a ref without one reaches an unversioned node or the latest
// version, as in dbt.
func versionMatch(n *Node, v string) bool {
	if v == "" {
		return n.VersionString == "" || n.IsLatestVersion()
	}
	return n.VersionString != "" && project.CompareVersions(n.VersionString, v) == 0
}

// notConfigCalls are the calls of a template that cannot call config():
// dbt's context functions a model's file calls most.
var notConfigCalls = map[string]bool{
	"ref": true, "source": true, "var": true, "env_var": true, "is_incremental": true,
	"this": true, "return": true, "log": true, "print": true, "range": true, "dict": true, "list": true,
}

// mayConfigItself says whether a template may call config(): it says
// "enabled", or a Jinja tag of it calls something other than dbt's
// context functions above (a macro, which may call config()).
func mayConfigItself(raw string) bool {
	if strings.Contains(raw, "enabled") {
		return true
	}
	for rest := raw; ; {
		i := strings.Index(rest, "{")
		if i < 0 || i+1 >= len(rest) {
			return false
		}
		open := rest[i+1]
		if open != '{' && open != '%' {
			rest = rest[i+1:]
			continue
		}
		end := strings.Index(rest[i+2:], string(open)+"}")
		if open == '{' {
			end = strings.Index(rest[i+2:], "}}")
		}
		if end < 0 {
			end = len(rest) - i - 2
		}
		if tagCallsOther(rest[i+2 : i+2+end]) {
			return true
		}
		rest = rest[i+2+end:]
	}
}

// tagCallsOther says whether a Jinja tag's text calls a name outside
// notConfigCalls (name( or pkg.name().
func tagCallsOther(tag string) bool {
	for j := 0; j < len(tag); j++ {
		if tag[j] != '(' {
			continue
		}
		k := j
		for k > 0 && (isIdentByte(tag[k-1]) || tag[k-1] == '.') {
			k--
		}
		name := tag[k:j]
		if name == "" || strings.HasPrefix(name, ".") {
			continue
		}
		if strings.Contains(name, ".") {
			if !methodCall(name) {
				return true
			}
		} else if !notConfigCalls[name] {
			return true
		}
	}
	return false
}

// methodCall says whether a dotted call is surely no macro: a method of
// one of dbt's context objects (adapter.dispatch( may reach a macro, but
// a dispatched macro is called again by name inside). Any other dotted
// call (pkg.macro(, or a method of a variable) may be a macro's.
func methodCall(name string) bool {
	head, _, _ := strings.Cut(name, ".")
	switch head {
	case "api", "modules", "exceptions", "this", "target", "model", "graph":
		return true
	}
	return false
}

// target is a ref's (kind "node") or a source's (kind "source", name
// "src.table") target that finds nothing, as dbt's TargetNotFoundError
// and NodeNotFoundOrDisabled name it.
type target struct {
	kind, name, pkg, version string
	disabled                 bool
}

// notFound is dbt's TargetNotFoundError message (exceptions.py) for n's
// ref or source that found nothing, which fails the parse:
// "Model 'model.p.m' (models/m.sql) depends on a node named 'x' which was not found".
func (e *lookupError) notFound(n *Node) string {
	t := e.target
	var b strings.Builder
	fmt.Fprintf(&b, "%s '%s' (%s) depends on a %s named '%s' ", pyTitle(string(n.ResourceType)), n.UniqueID, n.OriginalFilePath, t.kind, t.name)
	if t.version != "" {
		fmt.Fprintf(&b, "with version '%s' ", t.version)
	}
	if t.pkg != "" {
		fmt.Fprintf(&b, "in package or project '%s' ", t.pkg)
	}
	b.WriteString("which ")
	b.WriteString(t.reason())
	return b.String()
}

// notFoundWarning is dbt's NodeNotFoundOrDisabled (events/types.py) for a
// test's ref or source that finds nothing: it names no version, and a
// package always, ” when the call gave none.
func (e *lookupError) notFoundWarning(n *Node) string {
	t := e.target
	return fmt.Sprintf("%s '%s' (%s) depends on a %s named '%s' in package '%s' which %s",
		pyTitle(string(n.ResourceType)), n.UniqueID, n.OriginalFilePath, t.kind, t.name, t.pkg, t.reason())
}

func (t target) reason() string {
	if t.disabled {
		return "is disabled"
	}
	return "was not found"
}
