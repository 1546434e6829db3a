package project

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/par"
	"github.com/elt-dev/elt/internal/yamlsafe"
)

// propertyKeys are the top-level keys of properties YAML. elt acts on models,
// seeds, snapshots and sources; the others are accepted and left for later.
var propertyKeys = map[string]bool{
	"version": true, "models": true, "seeds": true, "snapshots": true, "sources": true,
	"macros": true, "exposures": true, "metrics": true, "semantic_models": true, "analyses": true,
	"unit_tests": true, "groups": true, "saved_queries": true, "data_tests": true, "functions": true,
}

// testConfigKeys are the config keys dbt accepts at the top level of a test's
// arguments; they go to the test's Config rather than its Args.
var testConfigKeys = map[string]bool{
	"severity": true, "where": true, "limit": true, "warn_if": true, "error_if": true,
	"store_failures": true, "store_failures_as": true, "tags": true, "enabled": true, "meta": true,
	"schema": true, "alias": true, "database": true, "fail_calc": true,
}

// readProperties parses a properties YAML file, reporting a file that is
// not YAML or not a mapping; nil means there is nothing to apply.
func (l *loader) readProperties(f *diskFile) *yaml.Node {
	if f.err != nil {
		return nil
	}
	var root *yaml.Node
	if pre := f.parsed; pre != nil {
		// Parsed beforehand (parseAhead); its problems are reported
		// here, in the order of the files, as parseYAMLFile would.
		if pre.err != nil {
			l.diags.Add(*pre.err)
			return nil
		}
		for _, w := range pre.warnings {
			l.diags.Add(w)
		}
		root = pre.root
	} else {
		var ok bool
		if root, ok = l.parseYAMLFile(f.rel, f.bytes()); !ok {
			return nil
		}
	}
	if root == nil {
		return nil
	}
	if !isMapping(root) {
		l.diags.Add(diag.Errorf(f.rel, posOf(root), "start the file with a key such as models: or sources:",
			"Contents of file '%s' are not valid. Dictionary expected (properties YAML is a mapping, not %s).", f.rel, kindName(root)))
		return nil
	}
	return root
}

// parsedYAML is one YAML file parsed ahead of its turn.
type parsedYAML struct {
	root     *yaml.Node
	err      *diag.Diagnostic
	warnings []diag.Diagnostic
}

// isPropertiesFile reports whether f is read as properties YAML.
func isPropertiesFile(f *diskFile) bool { return isYAMLExt(f.ext) && f.mask&^kindDocs != 0 }

// parseAhead parses a properties YAML file, or decodes its tree from the
// FileCache, for readProperties. It needs nothing but the file, so
// readAll runs it on every core right after the file's contents are
// known; its problems are reported by readProperties in the order of the
// files.
func (l *loader) parseAhead(f *diskFile) *parsedYAML {
	c := l.opts.FileCache
	if c != nil {
		if root, ok := c.treeFor(f.rel, f.sum); ok {
			return &parsedYAML{root: root, warnings: yamlsafe.DuplicateKeys(f.rel, root)}
		}
	}
	root, d := parseYAML(f.rel, f.bytes())
	if c != nil && d == nil && root != nil {
		c.keepTree(f.rel, f.sum, root)
	}
	out := &parsedYAML{root: root, err: d}
	if d == nil {
		out.warnings = yamlsafe.DuplicateKeys(f.rel, root)
	}
	return out
}

// parseProperties applies one properties YAML file read by readProperties.
// Snapshots defined in YAML (entries with relation:) were created already
// by defineYAMLSnapshots.
func (l *loader) parseProperties(f *diskFile, root *yaml.Node) {
	if root == nil {
		return
	}
	render := f.mayHoldJinja()
	for _, p := range pairs(root) {
		if !propertyKeys[p.Key] {
			l.diags.Add(diag.Warnf(f.rel, posOf(p.KeyNode), "remove it, or move it under a resource",
				"unknown top-level key %q in properties YAML is ignored", p.Key))
			continue
		}
		if p.Key == "version" {
			if s, _ := stringOf(p.Val); s != "2" {
				l.diags.Add(diag.Errorf(f.rel, posOf(p.Val), "write version: 2, or remove the line",
					"invalid properties YAML version %q: only version 2 is supported", s))
			}
			continue
		}
		if isNull(p.Val) {
			continue
		}
		if !isSequence(p.Val) {
			l.diags.Add(diag.Errorf(f.rel, posOf(p.Val), fmt.Sprintf("write %s: as a list of entries starting with `- name:`", p.Key),
				"%s must be a list, not %s", p.Key, kindName(p.Val)))
			continue
		}
		entries := deref(p.Val).Content
		if render && p.Key != "snapshots" {
			entries = l.renderEntries(f.rel, p.Key, entries)
		}
		switch p.Key {
		case "models":
			l.patchNodes(f.rel, Model, p.Key, entries)
		case "seeds":
			l.patchNodes(f.rel, Seed, p.Key, entries)
		case "analyses":
			l.patchNodes(f.rel, Analysis, p.Key, entries)
		case "data_tests":
			// dbt's parse_file turns a ParsingError of this section into
			// a warning (a Note at WARN level) and parses on.
			mark := len(l.diags)
			l.patchNodes(f.rel, Test, p.Key, entries)
			for i := mark; i < len(l.diags); i++ {
				if d := &l.diags[i]; d.Severity == diag.Error {
					d.Severity = diag.Warning
					d.Summary = fmt.Sprintf("Unable to parse 'data_tests' section of file '%s'\n%s", f.rel, d.Summary)
				}
			}
		case "macros":
			l.parseMacroProperties(f.rel, entries)
		case "exposures":
			l.parseExposures(f.rel, entries)
		case "groups":
			l.parseGroups(f.rel, entries)
		case "semantic_models":
			l.parseSemantic(f.rel, SemanticModel, p.Key, entries)
		case "metrics":
			l.parseSemantic(f.rel, Metric, p.Key, entries)
		case "saved_queries":
			l.parseSemantic(f.rel, SavedQuery, p.Key, entries)
		case "snapshots":
			var patches []*yaml.Node
			for _, e := range entries {
				if _, defined := yamlSnapshotRelation(e); !defined {
					if render {
						e = l.renderEntry(f.rel, p.Key, e)
					}
					patches = append(patches, e)
				}
			}
			l.patchNodes(f.rel, Snapshot, p.Key, patches)
		case "unit_tests":
			l.parseUnitTests(f.rel, entries)
		case "sources":
			for _, e := range entries {
				if pkg, ok := overrideOf(e); ok {
					l.recordOverride(f.rel, e, pkg)
					continue
				}
				l.parseSource(f.rel, e)
			}
		}
	}
}

// entryName reads the `name:` of a list entry, reporting when it is missing.
func (l *loader) entryName(file, section string, n *yaml.Node) (string, bool) {
	if !isMapping(n) {
		l.diags.Add(diag.Errorf(file, posOf(n), "each entry is a mapping starting with `- name:`",
			"%s entry must be a mapping, not %s", section, kindName(n)))
		return "", false
	}
	if v, ok := pairValue(n, "name"); ok {
		if v = deref(v); v.Kind == yaml.ScalarNode && v.Tag == "!!bool" {
			// dbt's YAML loader reads `name: no` (on, yes, off) as a
			// boolean and refuses it as a name.
			l.diags.Add(diag.Errorf(file, posOf(v), "quote the name (name: 'no'): YAML 1.1, which dbt reads, makes yes/no/on/off booleans",
				"%s entry name must be a string, not a bool (%s)", section, v.Value))
			return "", false
		}
		if s, ok := stringOf(v); ok && s != "" {
			return s, true
		}
	}
	l.diags.Add(diag.Errorf(file, posOf(n), "add `name:` to the entry", "%s entry has no name", section))
	return "", false
}

// patchSlot is what patching one entry of a section produced, applied
// in the order of the entries: its diagnostics and generic tests, and
// the node left for patchEntry (nil when there is none).
type patchSlot struct {
	diags diag.List
	tests []*TestDecl
	node  *Node
	name  string // as the entry writes it
}

// patchNodes applies the entries of one models:/seeds:/analyses:/
// data_tests:/snapshots: section. Finding each entry's node is done in
// order; patching the nodes found (patchEntry) touches nothing but the
// node, so it runs on every core, each entry's diagnostics and tests
// kept apart and appended in the order of the entries, as if it had run
// in turn. A versioned model renames nodes, so the entries before it are
// patched first.
func (l *loader) patchNodes(file string, kind ResourceType, section string, entries []*yaml.Node) {
	slots := make([]patchSlot, len(entries))
	var jobs []int
	flush := func() {
		l.patchAll(file, entries, slots, jobs)
		jobs = jobs[:0]
	}
	diags, tests := l.diags, l.proj.GenericTests
	for i, e := range entries {
		versions, versioned := hasVersions(e)
		if versioned {
			flush()
		}
		l.diags, l.proj.GenericTests = nil, nil
		l.patchHead(file, kind, section, e, versions, &slots[i])
		slots[i].diags, slots[i].tests = l.diags, l.proj.GenericTests
		if slots[i].node != nil {
			jobs = append(jobs, i)
		}
	}
	l.diags, l.proj.GenericTests = diags, tests
	flush()
	for i := range slots {
		l.diags = append(l.diags, slots[i].diags...)
		l.proj.GenericTests = append(l.proj.GenericTests, slots[i].tests...)
	}
}

// patchAll runs patchEntry for the given slots on every core.
func (l *loader) patchAll(file string, entries []*yaml.Node, slots []patchSlot, jobs []int) {
	var mu sync.Mutex
	var workers []*loader
	par.ForWith(len(jobs), patchChunk, func() *loader {
		w := l.patchWorker()
		mu.Lock()
		workers = append(workers, w)
		mu.Unlock()
		return w
	}, func(w *loader, j int) {
		slot := &slots[jobs[j]]
		w.diags, w.proj.GenericTests = slot.diags, slot.tests
		w.patchEntry(file, slot.node, entries[jobs[j]], slot.name)
		slot.diags, slot.tests = w.diags, w.proj.GenericTests
	})
	for _, w := range workers {
		for id, c := range w.propsConf {
			l.propsConf[id] = c
		}
		for id, c := range w.propsRaw {
			l.propsRaw[id] = c
		}
	}
}

// patchChunk is how many entries a worker of patchNodes takes at once: a
// section of benchgen's is 100 entries, a small one stays on one core.
const patchChunk = 16

// patchWorker is a copy of l for patchEntry on another goroutine: what
// patchEntry writes (diagnostics, generic tests, properties config, the
// Jinja engine made on first use) is its own; the rest is only read.
func (l *loader) patchWorker() *loader {
	w := *l
	p := *l.proj
	w.proj = &p
	j := *l.propsJinja
	j.jenv = nil
	w.propsJinja = &j
	w.propsConf, w.propsRaw = map[string]Config{}, map[string]Config{}
	return &w
}

// patchHead finds the node an entry describes and records where it is
// described; a versioned model (versions, its versions: list, not nil)
// is patched here, as it renames nodes. It leaves the node to patch in
// slot.
func (l *loader) patchHead(file string, kind ResourceType, section string, e, versions *yaml.Node, slot *patchSlot) {
	name, ok := l.entryName(file, section, e)
	if !ok {
		return
	}
	if list := versions; list != nil {
		if kind != Model {
			l.diags.Add(diag.Errorf(file, posOf(list), "remove versions: (only models have versions)",
				"%s %q: versions: is only supported on models", kind, name))
			return
		}
		l.patchVersioned(file, e, list, name)
		return
	}
	n := l.refable[l.cur.name+"."+name]
	if kind == Analysis || kind == Test {
		n = l.proj.Nodes[string(kind)+"."+l.cur.name+"."+name]
	}
	if n == nil || n.ResourceType != kind {
		l.diags.Add(diag.Warnf(file, posOf(e), fmt.Sprintf("create the %s, or fix the name", kind),
			"Did not find matching node for patch with name '%s' in the '%s' section of file '%s' (no %s has that name)",
			name, section, file, kind).AsEvent("NoNodeForYamlKey"))
		if n != nil && (n.ResourceType == Model || n.ResourceType == Seed || n.ResourceType == Snapshot) && kind != Analysis && kind != Test {
			// Another kind of node has the name (a seed under models:):
			// dbt patches nothing but still declares the entry's tests,
			// which ref the node by name.
			l.testsOf(file, e, TestDecl{AttachedKind: n.ResourceType, AttachedName: name, File: file, Package: l.cur.name})
			return
		}
		l.testsOfOtherPackage(file, kind, e, name)
		return
	}
	if prev, dup := l.patched[n.UniqueID]; dup {
		l.diags.Add(diag.Errorf(file, posOf(e), "keep one entry and remove the other",
			"%s %q is described twice: %s:%d and %s:%d", kind, name, prev.file, prev.pos.Line, file, posOf(e).Line))
		return
	}
	l.patched[n.UniqueID] = patchSite{file, posOf(e)}
	n.PatchPath, n.PatchPos = file, posOf(e)
	slot.node, slot.name = n, name
}

// testsOfOtherPackage takes the tests of an entry that names a node of
// another package (re_data's integration tests describe the package's
// re_data_metrics model): dbt patches none of its properties, but
// declares its tests, which ref the node by name, in this project.
func (l *loader) testsOfOtherPackage(file string, kind ResourceType, e *yaml.Node, name string) {
	if kind != Model && kind != Seed && kind != Snapshot {
		return
	}
	owner := ""
	for _, pkg := range l.proj.Packages {
		if n := l.refable[pkg.Name+"."+name]; n != nil && n.ResourceType == kind && pkg.Name != l.cur.name {
			owner = pkg.Name
			break
		}
	}
	if root := l.proj.Config.Name; owner == "" && root != l.cur.name {
		if n := l.refable[root+"."+name]; n != nil && n.ResourceType == kind {
			owner = root
		}
	}
	if owner == "" {
		return
	}
	l.testsOf(file, e, TestDecl{AttachedKind: kind, AttachedName: name, AttachedPackage: owner, File: file, Package: l.cur.name})
}

// quotesColumns reports whether an entry of kind may set quote_columns.
func quotesColumns(kind ResourceType) bool {
	return kind == Model || kind == Seed || kind == Snapshot
}

// quoteColumns reads an entry's quote_columns: true quotes the name of
// each column whose quote is unset in the column's generic tests, as
// dbt's schema test parser does.
func (l *loader) quoteColumns(file string, kind ResourceType, e *yaml.Node) bool {
	if !quotesColumns(kind) {
		return false
	}
	v, _ := pairValue(e, "quote_columns")
	if v == nil || isNull(v) {
		return false
	}
	b, ok := toValue(v, nil, nil).(bool)
	if !ok {
		l.diags.Add(diag.Errorf(file, posOf(v), "write quote_columns: true or quote_columns: false",
			"quote_columns must be true or false, not %s", kindName(v)))
	}
	return b
}

// testsOf declares the tests of an entry, and of its columns, on base's
// node, patching nothing else.
func (l *loader) testsOf(file string, e *yaml.Node, base TestDecl) {
	base.ColumnQuote = l.quoteColumns(file, base.AttachedKind, e)
	var buf pairBuf
	for _, p := range pairsIn(buf[:], e) {
		switch p.Key {
		case "tests", "data_tests":
			l.proj.GenericTests = append(l.proj.GenericTests, l.parseTests(file, p.Val, base)...)
		case "columns":
			l.parseColumns(file, p.Val, base)
		}
	}
}

// patchEntry checks an entry's keys and applies it to its node n, which
// the entry names name.
func (l *loader) patchEntry(file string, n *Node, e *yaml.Node, name string) {
	what := fmt.Sprintf("%s %q", n.ResourceType, name)
	allowed := nodePropertyKeys
	if quotesColumns(n.ResourceType) {
		allowed = quotableNodePropertyKeys
	}
	l.checkPropertyKeys(file, e, what, allowed)
	l.checkOneTestsKey(file, e, what, false)
	l.checkTopLevelAndConfig(file, e)
	l.patchNode(file, n, e)
}

// configOnlyOnce are the properties dbt moves under config:, refusing an
// entry that sets them in both places.
var configOnlyOnce = []string{"meta", "docs", "group", "contract", "access"}

// checkTopLevelAndConfig refuses, as dbt's schema parser does, an entry
// that sets one of configOnlyOnce both as a key and under config:.
func (l *loader) checkTopLevelAndConfig(file string, e *yaml.Node) {
	cfg, ok := pairValue(e, "config")
	if !ok {
		return
	}
	var buf pairBuf
	for _, p := range pairsIn(buf[:], e) {
		if !slices.Contains(configOnlyOnce, p.Key) {
			continue
		}
		if _, both := pairValue(cfg, p.Key); both {
			l.diags.Add(diag.Errorf(file, posOf(p.KeyNode), fmt.Sprintf("remove the top-level %s and set it under config: only", p.Key),
				"found %s both under 'config' and as a top-level key", p.Key))
		}
	}
}

// patchNode applies one models:/seeds:/snapshots: entry to its node.
func (l *loader) patchNode(file string, n *Node, e *yaml.Node) {
	base := TestDecl{AttachedKind: n.ResourceType, AttachedName: n.Name, AttachedVersion: n.VersionString, File: file, Package: l.cur.name}
	base.ColumnQuote = l.quoteColumns(file, n.ResourceType, e)
	props := Config{}
	var blockConfig, rawBlock Config
	var spine pair
	var buf pairBuf
	for _, p := range pairsIn(buf[:], e) {
		switch p.Key {
		case "description":
			s, _ := stringOf(p.Val)
			n.Description = l.resolveDocs(file, posOf(p.Val), s)
			n.DocBlocks = l.docBlocks(s)
		case "doc_blocks":
			l.warnDocBlocks(file, p)
		case "columns":
			n.Columns = l.parseColumns(file, p.Val, base)
		case "config":
			l.checkQualityIn(file, p.Val, fmt.Sprintf("%s %q config", n.ResourceType, n.Name), qualityOnNode)
			blockConfig = l.propsConfig(file, p.Val)
			rawBlock = propsConfigUnrendered(l.unrenderedNode(p.Val))
		case "meta", "docs":
			if p.Key == "meta" {
				l.checkQualityIn(file, p.Val, fmt.Sprintf("%s %q meta", n.ResourceType, n.Name), qualityOnNode)
			}
			if m, ok := toValue(p.Val, nil, nil).(map[string]any); ok {
				props[p.Key] = m
			} else if !isNull(p.Val) {
				l.diags.Add(diag.Errorf(file, posOf(p.Val), "write it as a mapping", "%s must be a mapping, not %s", p.Key, kindName(p.Val)))
			}
		case "tags", "access", "group":
			// Accepted as properties for backwards compatibility; dbt treats them as config.
			props[p.Key] = normConfigValue(p.Key, toValue(p.Val, nil, nil))
		case "deprecation_date":
			// A model attribute, not a config (dbt's patch_node_properties).
			if n.ResourceType == Model {
				n.DeprecationDate, _ = stringOf(p.Val)
			}
		case "latest_version":
			// dbt's UnparsedModelUpdate refuses a latest_version that is
			// not one of the versions, and an entry here has none.
			if !isNull(p.Val) {
				v, _ := stringOf(p.Val)
				l.diags.Add(diag.Errorf(file, posOf(p.Val), "list the model's versions under versions:, or remove latest_version",
					"%s %q: latest_version %s is not one of its versions: it has none", n.ResourceType, n.Name, v))
			}
		case "tests", "data_tests":
			l.proj.GenericTests = append(l.proj.GenericTests, l.parseTests(file, p.Val, base)...)
		case "constraints":
			if list, ok := toValue(p.Val, nil, nil).([]any); ok {
				n.Constraints = list
			}
			if n.ResourceType == Model {
				l.checkForeignKeyTo(file, p.Val, n.Name)
			}
		case "time_spine":
			spine = p
		}
	}
	if spine.KeyNode != nil {
		l.timeSpine(file, n, spine)
	}
	// Most entries set no config: nothing to merge over the tree's.
	if len(props) > 0 || len(blockConfig) > 0 {
		l.propsConf[n.UniqueID] = MergeConfig(props, blockConfig)
	}
	if len(props) > 0 || len(rawBlock) > 0 {
		l.propsRaw[n.UniqueID] = MergeConfig(props, rawBlock)
	}
}

// propsConfigUnrendered is a `config:` block of properties YAML as
// written, Jinja not rendered; propsConfig reports its problems.
func propsConfigUnrendered(n *yaml.Node) Config {
	if isNull(n) || !isMapping(n) {
		return nil
	}
	out := Config{}
	ps := pairs(n)
	for _, p := range ps {
		if shadowedHook(ps, p.Key) {
			continue
		}
		key := normConfigKey(p.Key)
		out[key] = normConfigValue(key, toValue(p.Val, nil, nil))
	}
	return out
}

// propsConfig reads a `config:` block of a properties YAML entry, its
// values rendered with the entry (renderEntry).
func (l *loader) propsConfig(file string, n *yaml.Node) Config {
	return l.readPropsConfig(file, n, false)
}

// testConfig reads the `config:` block of a generic test, which the
// entry's rendering leaves alone: as dbt's test builder, its values are
// rendered here, when they use only what loading knows (env_var, var,
// target); anything else is kept for the compiler. Hooks are never
// rendered here.
func (l *loader) testConfig(file string, n *yaml.Node) Config {
	return l.readPropsConfig(file, n, true)
}

// schemaContextNames are the names dbt's properties context defines
// (its base context, target, var, env_var and project_name). A generic
// test's config value that uses any other name (ref, source, a macro)
// fails dbt's parse, although elt's compiler could render it.
var schemaContextNames = map[string]bool{
	"return": true, "set": true, "set_strict": true, "zip": true, "zip_strict": true, "dbt_version": true,
	"debug": true, "diff_of_two_dicts": true, "env_var": true, "flags": true, "fromjson": true, "fromyaml": true,
	"tojson": true, "toyaml": true, "invocation_id": true, "local_md5": true, "log": true, "print": true,
	"modules": true, "project_name": true, "run_started_at": true, "target": true, "thread_id": true, "var": true,
}

// renderTestConfigString renders one value of a generic test's config as
// dbt's test builder does, with the properties context: a value using a
// name that context lacks is an error; one using a name of dbt's context
// that elt's YAML rendering lacks is kept for the compiler.
func (l *loader) renderTestConfigString(file, s string, n *yaml.Node) any {
	if !hasJinja(s) {
		return s
	}
	v, err := l.propsJinja.render(s)
	if err == nil {
		return v
	}
	if je, _ := asJinjaError(err); je != nil && je.Undefined != "" && !schemaContextNames[je.Undefined] {
		l.diags.Add(diag.Errorf(file, posOf(n), "use only var(), env_var(), target and literal SQL in a test's config; put the query in the test's own SQL (a custom generic test or a singular test)",
			"invalid generic test configuration: '%s' is undefined: a test's config values are rendered when the properties are read, where ref(), source() and macros do not exist", je.Undefined))
		return s
	}
	// The failure is reported as any YAML value's (or the value kept).
	return l.renderYAMLString(l.propsJinja, file, s, n, true)
}

func (l *loader) readPropsConfig(file string, n *yaml.Node, render bool) Config {
	if isNull(n) {
		return nil
	}
	if !isMapping(n) {
		l.diags.Add(diag.Errorf(file, posOf(n), "write config: as a mapping of config names to values",
			"config must be a mapping, not %s", kindName(n)))
		return nil
	}
	out := Config{}
	ps := pairs(n)
	for _, p := range ps {
		if l.skipShadowedHook(file, ps, p) {
			continue
		}
		key := normConfigKey(p.Key)
		var renderer valueRenderer
		if render && key != "pre_hook" && key != "post_hook" {
			renderer = func(s string, node *yaml.Node, _ []string) any {
				return l.renderTestConfigString(file, s, node)
			}
		}
		out[key] = normConfigValue(key, toValue(p.Val, nil, renderer))
	}
	return out
}

func (l *loader) parseColumns(file string, n *yaml.Node, base TestDecl) []*Column {
	if isNull(n) {
		return nil
	}
	if !isSequence(n) {
		l.diags.Add(diag.Errorf(file, posOf(n), "write columns: as a list of `- name:` entries",
			"columns must be a list, not %s", kindName(n)))
		return nil
	}
	var cols []*Column
	type first struct{ at, line int }
	seen := map[string]first{}    // by name: where its first entry is
	folded := map[string]string{} // by lowercase name: the first spelling
	for _, e := range deref(n).Content {
		name, ok := l.entryName(file, "columns", e)
		if !ok {
			continue
		}
		replace := -1
		if f, dup := seen[name]; dup {
			// dbt keeps the columns by name: a later entry replaces the
			// earlier one's properties, and the tests of both run.
			l.diags.Add(diag.Warnf(file, posOf(e), "merge the two entries",
				"column %q is listed twice (first at line %d): as in dbt, this entry's description, data_type, meta, tags and constraints replace the first's, and the tests of both run", name, f.line))
			replace = f.at
		} else {
			if other, ok := folded[strings.ToLower(name)]; ok {
				l.diags.Add(diag.Warnf(file, posOf(e), "use one spelling if they are the same column",
					"column %q differs from column %q only in case: as in dbt, they are two columns", name, other))
			} else {
				folded[strings.ToLower(name)] = name
			}
			seen[name] = first{at: len(cols), line: posOf(e).Line}
		}
		c := &Column{Name: name}
		colBase := base
		colBase.ColumnName = name
		what := "column " + strconv.Quote(name)
		// quote: applies to the column's tests wherever it is written, so
		// read it before them.
		l.checkOneTestsKey(file, e, what, base.AttachedKind == Source)
		l.checkPropertyKeys(file, e, what, columnPropertyKeys)
		var buf pairBuf
		ps := pairsIn(buf[:], e)
		firstTest := len(l.proj.GenericTests)
		for _, p := range ps {
			switch p.Key {
			case "quote":
				b, ok := toValue(p.Val, nil, nil).(bool)
				if !ok && !isNull(p.Val) {
					l.diags.Add(diag.Errorf(file, posOf(p.Val), "write quote: true or quote: false",
						"quote must be true or false, not %s", kindName(p.Val)))
				}
				if ok {
					c.Quote = &b
					colBase.ColumnQuote = b
				}
			}
		}
		for _, p := range ps {
			switch p.Key {
			case "description":
				s, _ := stringOf(p.Val)
				c.Description = l.resolveDocs(file, posOf(p.Val), s)
				c.DocBlocks = l.docBlocks(s)
			case "data_type":
				// Rendered with the entry (a type that differs by
				// warehouse: "{{ 'UInt8' if target.type == 'clickhouse'
				// else 'integer' }}").
				c.DataType, _ = stringOf(p.Val)
			case "meta":
				l.checkQualityIn(file, p.Val, what+" meta", qualityOnColumn)
				if m, ok := toValue(p.Val, nil, nil).(map[string]any); ok {
					c.Meta = mergeDict(c.Meta, m)
				}
			case "tags":
				c.Tags = unionStrings(c.Tags, toStringList(toValue(p.Val, nil, nil)))
			case "config":
				// dbt 1.10: a column's meta and tags may be written under config:.
				if isMapping(p.Val) {
					l.checkPropertyKeys(file, p.Val, what+" config", columnConfigKeys)
					l.checkQualityIn(file, p.Val, what+" config", qualityOnColumn)
				}
				cc, _ := toValue(p.Val, nil, nil).(map[string]any)
				if q, ok := cc["quality"].(map[string]any); ok {
					c.Quality = q
				}
				// Kept apart from the meta and tags beside config:, as
				// dbt 1.10 does (its tests take the tags beside it).
				if m, ok := cc["meta"].(map[string]any); ok {
					c.ConfigMeta = mergeDict(c.ConfigMeta, m)
				}
				c.ConfigTags = unionStrings(c.ConfigTags, toStringList(cc["tags"]))
			case "constraints":
				c.Constraints, _ = toValue(p.Val, nil, nil).([]any)
				if base.AttachedKind == Model {
					l.checkForeignKeyTo(file, p.Val, base.AttachedName)
				}
			case "granularity":
				c.Granularity = l.granularity(file, p.Val)
			case "doc_blocks":
				l.warnDocBlocks(file, p)
			case "tests", "data_tests":
				l.proj.GenericTests = append(l.proj.GenericTests, l.parseTests(file, p.Val, colBase)...)
			}
		}
		if len(c.Tags) > 0 {
			// As dbt: a column's tags are its tests' tags too.
			for i := firstTest; i < len(l.proj.GenericTests); i++ {
				d := l.proj.GenericTests[i]
				cfg := make(Config, len(d.Config)+1)
				for k, v := range d.Config {
					cfg[k] = v
				}
				tags := unionStrings(c.Tags, toStringList(cfg["tags"]))
				list := make([]any, len(tags))
				for j, t := range tags {
					list[j] = t
				}
				cfg["tags"] = list
				d.Config = cfg
			}
		}
		if replace >= 0 {
			cols[replace] = c
			continue
		}
		cols = append(cols, c)
	}
	return cols
}

// checkOneTestsKey reports an entry that has both tests: and data_tests:
// as dbt refuses it (one would silently replace the other). A source's
// table or column is refused when both lists hold tests (dbt's
// SourceDefinition.validate_data_tests); any other entry when tests:
// holds tests and data_tests: is there at all (the schema parser's
// validate_data_tests), so an empty or null tests: beside data_tests: is
// accepted, as in dbt.
func (l *loader) checkOneTestsKey(file string, entry *yaml.Node, what string, source bool) {
	var tests, dataTests *pair
	var buf pairBuf
	ps := pairsIn(buf[:], entry)
	for i := range ps {
		switch ps[i].Key {
		case "tests":
			tests = &ps[i]
		case "data_tests":
			dataTests = &ps[i]
		}
	}
	if tests == nil || dataTests == nil || !holdsTests(tests.Val) || (source && !holdsTests(dataTests.Val)) {
		return
	}
	first, second := tests, dataTests
	if second.KeyNode.Line < first.KeyNode.Line || (second.KeyNode.Line == first.KeyNode.Line && second.KeyNode.Column < first.KeyNode.Column) {
		first, second = second, first
	}
	l.diags.Add(diag.Errorf(file, posOf(second.KeyNode), "keep one list: data_tests: (tests: is its older name)",
		"%s has both tests: and data_tests: (the other at line %d)", what, first.KeyNode.Line))
}

// holdsTests reports whether a tests:/data_tests: value is one dbt finds
// true: not null and not an empty list or mapping.
func holdsTests(n *yaml.Node) bool {
	if n == nil {
		return false
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return !(n.Tag == "!!null" || n.Value == "")
	case yaml.SequenceNode, yaml.MappingNode:
		return len(n.Content) > 0
	case yaml.AliasNode:
		return holdsTests(n.Alias)
	}
	return true
}

// parseTests reads a tests:/data_tests: list.
func (l *loader) parseTests(file string, n *yaml.Node, base TestDecl) []*TestDecl {
	if isNull(n) {
		return nil
	}
	if !isSequence(n) {
		l.diags.Add(diag.Errorf(file, posOf(n), "write data_tests: as a list, e.g. [unique, not_null]",
			"data_tests must be a list, not %s", kindName(n)))
		return nil
	}
	var out []*TestDecl
	for _, e := range deref(n).Content {
		if t := l.parseTestDecl(file, e, base); t != nil {
			out = append(out, t)
		}
	}
	return out
}

// parseTestDecl reads one test: `unique`, `{accepted_values: {values: [...]}}`,
// `{test_name: x, ...}`, with optional name, description, arguments and config.
func (l *loader) parseTestDecl(file string, e *yaml.Node, base TestDecl) *TestDecl {
	t := base
	t.Pos = posOf(e)
	t.Args = map[string]any{}
	t.Config = Config{}
	e = deref(e)
	var args *yaml.Node
	switch {
	case e.Kind == yaml.ScalarNode && e.Tag != "!!null":
		t.TestName = e.Value
	case e.Kind == yaml.MappingNode:
		var buf pairBuf
		ps := pairsIn(buf[:], e)
		for _, p := range ps {
			if p.Key == "test_name" {
				t.TestName, _ = stringOf(p.Val)
				args = e
			}
		}
		if args == nil {
			if len(ps) != 1 {
				keys := make([]string, len(ps))
				for i, p := range ps {
					keys[i] = p.Key
				}
				l.diags.Add(diag.Errorf(file, t.Pos, "write `- test_name: {arg: value}`, one test per list item",
					"a test entry must have exactly one key, the test's name; found %s", strings.Join(keys, ", ")))
				return nil
			}
			t.TestName = ps[0].Key
			args = ps[0].Val
			if !isNull(args) && !isMapping(args) {
				l.diags.Add(diag.Errorf(file, posOf(args), fmt.Sprintf("write `- %s: {arg: value}`", t.TestName),
					"arguments of test %q must be a mapping, not %s", t.TestName, kindName(args)))
				return nil
			}
		}
	default:
		l.diags.Add(diag.Errorf(file, t.Pos, "write a test name such as `unique`, or `accepted_values: {values: [...]}`",
			"invalid test entry: %s", kindName(e)))
		return nil
	}
	if t.TestName == "" {
		l.diags.Add(diag.Errorf(file, t.Pos, "name the test, e.g. unique or not_null", "test entry has no test name"))
		return nil
	}
	if ns, _, ok := strings.Cut(t.TestName, "."); ok {
		t.Namespace = ns
	}
	var block Config
	var configNode *yaml.Node
	// topLevel are the config keys given a value dbt takes as set among
	// the test's arguments, by position.
	var topLevel []pair
	// entry reads one key of the test's entry; nested: it sits under
	// arguments:, whose keys dbt merges into the entry's (replacing those
	// of the same name) before it takes the config keys out
	// (require_generic_test_arguments_property).
	var entry func(p pair, nested bool) bool
	entry = func(p pair, nested bool) bool {
		switch {
		case p.Key == "test_name":
		case p.Key == "name":
			t.Name, _ = stringOf(p.Val)
			if t.Name != "" && !l.checkResourceName(file, posOf(p.Val), "test", t.Name) {
				return false
			}
		case p.Key == "description":
			s, _ := stringOf(p.Val)
			t.Description = l.resolveDocs(file, posOf(p.Val), s)
		case p.Key == "config":
			block = l.testConfig(file, p.Val)
			configNode = p.Val
		case p.Key == "arguments" && (nested || !l.nestedTestArguments()):
			// dbt with require_generic_test_arguments_property: false
			// passes arguments: to the test as one argument of that name.
			t.Args["arguments"] = toValue(p.Val, nil, nil)
		case p.Key == "arguments":
			if isNull(p.Val) {
				return true
			}
			if !isMapping(p.Val) {
				l.diags.Add(diag.Errorf(file, posOf(p.Val), "write arguments: as a mapping of argument names to values",
					"arguments must be a mapping, not %s", kindName(p.Val)))
				return true
			}
			for _, q := range pairs(p.Val) {
				if !entry(q, true) {
					return false
				}
			}
		case testConfigKeys[normConfigKey(p.Key)]:
			// Rendered as under config: (dbt's test builder renders every
			// config argument natively; one that renders to None is
			// dropped).
			key := normConfigKey(p.Key)
			if truthy(toValue(p.Val, nil, nil)) {
				topLevel = append(topLevel, p)
			}
			v := toValue(p.Val, nil, func(s string, node *yaml.Node, _ []string) any {
				return l.renderTestConfigString(file, s, node)
			})
			if v == nil {
				return true
			}
			t.Config[key] = normConfigValue(key, v)
		default:
			t.Args[p.Key] = toValue(p.Val, nil, nil)
		}
		return true
	}
	// The keys under arguments: come last: dbt's merge lets them win.
	var buf pairBuf
	ps := pairsIn(buf[:], args)
	for _, last := range []bool{false, true} {
		for _, p := range ps {
			if (p.Key == "arguments" && l.nestedTestArguments()) == last && !entry(p, false) {
				return nil
			}
		}
	}
	if !l.checkTestKeysOnce(file, topLevel, configNode) {
		return nil
	}
	if len(t.Config) > 0 || len(block) > 0 {
		t.Config = MergeConfig(t.Config, block)
	}
	return &t
}

// checkTestKeysOnce stops a test that sets a config both among its
// arguments and under config:, as dbt's test builder does
// (SameKeyNestedError): a key set to a false value (false, 0, "") among
// the arguments gives way to config: silently.
func (l *loader) checkTestKeysOnce(file string, topLevel []pair, config *yaml.Node) bool {
	if len(topLevel) == 0 || !isMapping(config) {
		return true
	}
	ok := true
	for _, p := range topLevel {
		for _, q := range pairs(config) {
			if q.Key == p.Key {
				l.diags.Add(diag.Errorf(file, posOf(p.Val), fmt.Sprintf("set %s in one place, under config:", p.Key),
					"Test cannot have the same key at the top-level and in config: %s", p.Key))
				ok = false
			}
		}
	}
	return ok
}

// ---- sources ----

func (l *loader) parseSource(file string, e *yaml.Node) {
	srcName, ok := l.entryName(file, "sources", e)
	if !ok {
		return
	}
	// The entry is rendered (renderEntry): dbt renders a source's entry
	// but its descriptions and tests, the names of the source and its
	// tables too (re_data names its source "{{ var('source_schema',
	// target.schema) }}").
	render := func(n *yaml.Node) string {
		s, _ := stringOf(n)
		return s
	}
	e = l.applyOverride(srcName, e)
	pkg := l.cur.name
	var rawDatabase, rawSchema *string
	var (
		database, schema, loader, loadedAt, description string
		meta, quoting, freshness                        map[string]any
		tags                                            []string
		config                                          Config
		tables                                          *yaml.Node
	)
	if l.proj.Target != nil {
		database = l.proj.Target.Database
	}
	schema = srcName
	l.checkPropertyKeys(file, e, "source "+strconv.Quote(srcName), sourcePropertyKeys)
	for _, p := range pairs(e) {
		switch p.Key {
		case "database", "project":
			database = render(p.Val)
			s, _ := stringOf(l.unrenderedNode(p.Val))
			rawDatabase = &s
		case "schema", "dataset":
			schema = render(p.Val)
			s, _ := stringOf(l.unrenderedNode(p.Val))
			rawSchema = &s
		case "loader":
			loader = render(p.Val)
		case "loaded_at_field":
			loadedAt = render(p.Val)
		case "description":
			s, _ := stringOf(p.Val)
			description = l.resolveDocs(file, posOf(p.Val), s)
		case "meta":
			meta, _ = toValue(p.Val, nil, nil).(map[string]any)
		case "quoting":
			quoting = l.sourceQuoting(file, p.Val, "source "+strconv.Quote(srcName))
		case "freshness":
			freshness, _ = toValue(p.Val, nil, nil).(map[string]any)
		case "tags":
			tags = toStringList(toValue(p.Val, nil, nil))
		case "config":
			config = l.propsConfig(file, p.Val)
		case "tables":
			tables = p.Val
		}
	}
	if tables == nil || isNull(tables) {
		return
	}
	if !isSequence(tables) {
		l.diags.Add(diag.Errorf(file, posOf(tables), "write tables: as a list of `- name:` entries",
			"tables must be a list, not %s", kindName(tables)))
		return
	}
	for _, te := range deref(tables).Content {
		name, ok := l.entryName(file, "tables", te)
		if !ok {
			continue
		}
		st := &SourceTable{
			UniqueID: "source." + pkg + "." + srcName + "." + name, SourceName: srcName, Name: name, Package: pkg,
			Database: database, Schema: schema, Identifier: name, SourceDescription: description,
			UnrenderedDatabase: rawDatabase, UnrenderedSchema: rawSchema,
			Loader: loader, LoadedAtField: loadedAt, Freshness: freshness,
			OriginalFilePath: file, Pos: posOf(te), FQN: append(l.yamlFQN(file, srcName), name),
		}
		base := TestDecl{AttachedKind: Source, AttachedName: name, SourceName: srcName, File: file, Package: pkg}
		l.checkOneTestsKey(file, te, "source table "+strconv.Quote(name), true)
		l.checkPropertyKeys(file, te, "source table "+strconv.Quote(name), sourceTablePropertyKeys)
		var tableMeta, tableQuoting map[string]any
		// As dbt's source test parser: a column whose quote is unset is
		// quoted in its tests when the table's quoting.column says so, or
		// else the source's; read before the columns, wherever written.
		base.ColumnQuote, _ = quoting["column"].(bool)
		if q, ok := pairValue(te, "quoting"); ok {
			tableQuoting = l.sourceQuoting(file, q, "source table "+strconv.Quote(name))
			if b, set := tableQuoting["column"].(bool); set {
				base.ColumnQuote = b
			}
		}
		var tableTags []string
		var tableConfig Config
		for _, p := range pairs(te) {
			switch p.Key {
			case "identifier":
				st.Identifier = render(p.Val)
			case "description":
				s, _ := stringOf(p.Val)
				st.Description = l.resolveDocs(file, posOf(p.Val), s)
				st.DocBlocks = l.docBlocks(s)
			case "loaded_at_field":
				st.LoadedAtField = render(p.Val)
			case "freshness":
				// A table's freshness, even null, replaces the source's.
				st.Freshness, _ = toValue(p.Val, nil, nil).(map[string]any)
			case "external":
				if !isNull(p.Val) && !isMapping(p.Val) {
					l.diags.Add(diag.Errorf(file, posOf(p.Val), "write external: as a mapping (location:, file_format:, partitions: ...)",
						"source table %q: external must be a mapping, not %s", name, kindName(p.Val)))
					continue
				}
				st.External, _ = toValue(p.Val, nil, nil).(map[string]any)
			case "meta":
				l.checkQualityIn(file, p.Val, "source table "+strconv.Quote(name)+" meta", qualityOnSource)
				tableMeta, _ = toValue(p.Val, nil, nil).(map[string]any)
			case "tags":
				tableTags = toStringList(toValue(p.Val, nil, nil))
			case "config":
				l.checkQualityIn(file, p.Val, "source table "+strconv.Quote(name)+" config", qualityOnSource)
				tableConfig = l.propsConfig(file, p.Val)
			case "columns":
				st.Columns = l.parseColumns(file, p.Val, base)
			case "tests", "data_tests":
				l.proj.GenericTests = append(l.proj.GenericTests, l.parseTests(file, p.Val, base)...)
			}
		}
		if prev, dup := l.proj.Sources[st.UniqueID]; dup {
			l.diags.Add(diag.Errorf(file, st.Pos, "remove one of the two entries",
				"%s: %s:%d and %s:%d",
				DuplicateName(Source, Source, srcName+"."+name), prev.OriginalFilePath, prev.Pos.Line, file, st.Pos.Line))
			continue
		}
		cfg := TreeConfig(l.cur.cfg, Source, st.FQN)
		markTreeUse(l.proj.Config.Trees, Source, st.FQN, l.treeUsed)
		cfg = MergeConfig(cfg, propsOnly(meta, tags))
		cfg = MergeConfig(cfg, config)
		cfg = MergeConfig(cfg, propsOnly(tableMeta, tableTags))
		cfg = MergeConfig(cfg, tableConfig)
		if l.cur.pkg != nil {
			// The root project's dbt_project.yml has the last word.
			cfg = MergeConfig(cfg, l.proj.TreeConfig(Source, st.FQN))
		}
		if m, ok := cfg["meta"].(map[string]any); ok && len(m) > 0 {
			st.Meta = m
		} else {
			delete(cfg, "meta")
		}
		if t := toStringList(cfg["tags"]); len(t) > 0 {
			st.Tags = t
		} else {
			delete(cfg, "tags")
		}
		if len(quoting) > 0 || len(tableQuoting) > 0 {
			// sourceQuoting drops nulls: the table's set parts win, as
			// dbt's source.quoting.merged(table.quoting).
			st.Quoting = mergeDict(quoting, tableQuoting)
		}
		st.Config = cfg
		if cm, _ := config["meta"].(map[string]any); meta != nil || cm != nil {
			st.SourceMeta = mergeDict(meta, cm)
		}
		yf := l.sourceFreshness(file, e, te, st)
		cm, _ := config["meta"].(map[string]any)
		tcm, _ := tableConfig["meta"].(map[string]any)
		st.Unrendered = l.sourceUnrendered(st, yf, config, tableConfig,
			[]map[string]any{meta, cm, tableMeta, tcm},
			[][]string{tags, toStringList(config["tags"]), tableTags, toStringList(tableConfig["tags"])})
		l.checkSourceQualityFreshness(file, st)
		l.proj.Sources[st.UniqueID] = st
	}
}

// propsOnly is a Config holding the meta and tags properties that are set.
func propsOnly(meta map[string]any, tags []string) Config {
	c := Config{}
	if meta != nil {
		c["meta"] = meta
	}
	if tags != nil {
		c["tags"] = tags
	}
	return c
}

// ---- after all files ----

// finishNodes gives every node its config: dbt_project.yml tree < properties YAML.
// Each node's config is its own, so they are built on every core.
func (l *loader) finishNodes() {
	nodes := make([]*Node, 0, len(l.proj.Nodes))
	for _, n := range l.proj.Nodes {
		nodes = append(nodes, n)
		markTreeUse(l.proj.Config.Trees, n.ResourceType, n.FQN, l.treeUsed)
	}
	for id, alts := range l.proj.Alternates {
		first := l.proj.Nodes[id]
		for _, n := range alts {
			// Properties YAML names the node, not the file: an entry
			// describes every definition of the name.
			n.Description, n.Columns, n.Constraints = first.Description, first.Columns, first.Constraints
			n.PatchPath, n.PatchPos, n.DeprecationDate, n.TimeSpine = first.PatchPath, first.PatchPos, first.DeprecationDate, first.TimeSpine
			nodes = append(nodes, n)
			markTreeUse(l.proj.Config.Trees, n.ResourceType, n.FQN, l.treeUsed)
		}
	}
	pkgConfig := map[string]*ProjectConfig{}
	for _, p := range l.proj.Packages {
		if _, ok := pkgConfig[p.Name]; !ok {
			pkgConfig[p.Name] = p.Config
		}
	}
	var shared TreeConfigs
	moreUnrendered := l.proj.Config.CompareMoreUnrendered()
	par.For(len(nodes), 256, func(i int) {
		n := nodes[i]
		id := n.UniqueID
		own := l.proj.Config
		if n.Package != own.Name {
			own = pkgConfig[n.Package]
			n.RootConfig = l.proj.TreeConfig(n.ResourceType, n.FQN)
			n.RootUnrendered = TreeUnrenderedConfig(l.proj.Config, n.ResourceType, n.FQN)
		}
		var cfg Config
		if len(l.propsConf[id]) == 0 && len(l.propsRaw[id]) == 0 {
			// Nothing but dbt_project.yml: the config of every node
			// whose fqn reaches the same tree levels, read only.
			cfg, n.UnrenderedConfig = shared.Get(own, n.ResourceType, n.FQN, nil)
		} else {
			cfg = TreeConfigOver(own, n.ResourceType, n.FQN, false, l.propsConf[id], 0)
			// dbt records the properties' config as written only with
			// state_modified_compare_more_unrendered_values; by default,
			// as rendered.
			props := l.propsConf[id]
			if moreUnrendered {
				props = l.propsRaw[id]
			}
			n.UnrenderedConfig = TreeConfigOver(own, n.ResourceType, n.FQN, true, props, 0)
		}
		if len(n.RootUnrendered) > 0 {
			// dbt's UnrenderedConfigGenerator: the root project's
			// dbt_project.yml over a package node's own config.
			n.UnrenderedConfig = UpdateConfig(n.UnrenderedConfig, n.RootUnrendered)
		}
		n.Config = cfg
		n.PropsEnable = truthy(l.propsConf[id]["enabled"])
		if m, ok := cfg["meta"].(map[string]any); ok {
			n.Meta = m
		}
		if m, ok := cfg["docs"].(map[string]any); ok {
			n.Docs = m
		}
		if n.ResourceType == Seed {
			if m, ok := cfg["column_types"].(map[string]any); ok {
				n.SeedColumnTypes = make(map[string]string, len(m))
				for k, v := range m {
					n.SeedColumnTypes[k] = fmt.Sprint(v)
				}
			}
		}
	})
	l.checkAlternates()
	// Generic tests take tree config by the folder of the YAML that declares them.
	for _, t := range l.proj.GenericTests {
		dir := path.Dir(t.File)
		parts := strings.Split(dir, "/")
		if len(parts) > 0 && dir != "." {
			parts = parts[1:] // drop the resource path itself
		} else {
			parts = nil
		}
		fqn := append([]string{t.Package}, parts...)
		markTreeUse(l.proj.Config.Trees, Test, fqn, l.treeUsed)
		markTestNameUse(l.proj.Config.Trees, fqn, t, l.treeUsed)
	}
}

// markTestNameUse marks the tree levels a generic test's own name reaches
// below its folders (fqn): a test's fqn ends in its name, so a path may
// configure one test. The name is the compiler's (its arguments make it);
// here a level is taken as the test's when it is the test's given name or
// starts as the compiler's names of the test do ([source_][namespace_]
// test_target_), which only another test of the same kind on the same
// node could share.
func markTestNameUse(trees map[string]*ConfigTree, fqn []string, t *TestDecl, used map[*ConfigTree]bool) {
	test := t.TestName
	if i := strings.LastIndex(test, "."); i >= 0 {
		test = test[i+1:]
	}
	if t.Namespace != "" {
		test = t.Namespace + "_" + test
	}
	target := t.AttachedName
	switch {
	case t.AttachedKind == Source:
		target = "source_" + test + "_" + t.SourceName + "_" + t.AttachedName
	case t.AttachedVersion != "":
		target = test + "_" + target + "_v" + t.AttachedVersion
	default:
		target = test + "_" + target
	}
	// A test of no arguments but its column has one name; a column that
	// is no plain identifier is left to the prefix (the compiler replaces
	// its other characters).
	exact := ""
	if len(t.Args) == 0 && !t.ColumnQuote && plainIdent(t.ColumnName) {
		exact = target + "_" + t.ColumnName
	}
	for _, name := range treeNames(Test) {
		tree := trees[name]
		for _, part := range fqn {
			if tree == nil {
				break
			}
			tree = tree.Children[part]
		}
		if tree == nil {
			continue
		}
		for child, c := range tree.Children {
			switch {
			case t.Name != "":
				if child != t.Name {
					continue
				}
			case exact != "":
				if child != exact {
					continue
				}
			case child != target && !strings.HasPrefix(child, target+"_"):
				continue
			}
			used[c] = true
		}
	}
}

// plainIdent reports whether s is letters, digits and underscores only.
func plainIdent(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_') {
			return false
		}
	}
	return true
}

// checkAlternates reports the definitions of one name that loading can
// tell are all enabled: their config enables them and their source has no
// config() call that could disable them. The compiler decides the others.
func (l *loader) checkAlternates() {
	for _, id := range slices.Sorted(maps.Keys(l.proj.Alternates)) {
		var on *Node
		for _, n := range append([]*Node{l.proj.Nodes[id]}, l.proj.Alternates[id]...) {
			c := n.Config
			if v, ok := n.RootConfig["enabled"]; ok {
				c = Config{"enabled": v} // the root project's config comes last
			}
			if isDisabledConfig(c) || strings.Contains(n.RawCode, "config") {
				continue
			}
			if on == nil {
				on = n
				continue
			}
			at := l.altSites[n]
			l.diags.Add(diag.Errorf(at.file, at.pos, "rename one of them, or disable all but one with enabled: false",
				"%s: %s %s and %s %s", DuplicateName(on.ResourceType, n.ResourceType, n.Name),
				on.ResourceType, on.OriginalFilePath, n.ResourceType, n.OriginalFilePath))
		}
	}
}

func (l *loader) warnUnusedConfig() {
	if t := l.proj.Config.Trees["analyses"]; t != nil && (len(t.Config) > 0 || len(t.Children) > 0) {
		// Not silently ignored: dbt accepts the key and configures
		// analyses from models:, as elt does.
		l.diags.Add(diag.Warnf(projectFile, t.Pos, "move these configs under models:, which configures analyses",
			"the analyses: configs of dbt_project.yml apply to nothing: dbt configures analyses from models:"))
	}
	projects := []string{l.proj.Config.Name}
	for _, p := range l.proj.Packages {
		projects = append(projects, p.Name)
	}
	unused := unusedTreePaths(l.proj.Config, projects, l.treeUsed)
	if len(unused) == 0 {
		return
	}
	// dbt raises one UnusedResourceConfigPath event listing every path
	// (config/runtime.py warn_for_unused_resource_config_paths), so that
	// --warn-error names them all; each line also says where the path is.
	var list strings.Builder
	for _, u := range unused {
		fmt.Fprintf(&list, "\n- %s (%s:%d:%d)", u.path, projectFile, u.pos.Line, u.pos.Column)
	}
	l.diags.Add(diag.Warnf(projectFile, unused[0].pos, "fix the folder or node name, or remove the config",
		"Configuration paths exist in your dbt_project.yml file which do not apply to any resources.\nThere are %d unused configuration paths:%s",
		len(unused), list.String()).AsEvent("UnusedResourceConfigPath"))
}

// nestedTestArguments is dbt's require_generic_test_arguments_property
// (true unless the root project's flags: turn it off): a generic test's
// arguments: property holds its keyword arguments.
func (l *loader) nestedTestArguments() bool {
	if l.proj == nil || l.proj.Config == nil {
		return true
	}
	v, ok := l.proj.Config.FlagBool("require_generic_test_arguments_property")
	return !ok || v
}

// warnDocBlocks says that a doc_blocks: key of properties YAML is not
// read: as dbt's, a node's and a column's doc_blocks are the doc() calls
// of their descriptions (manifests of other tools write the key back).
func (l *loader) warnDocBlocks(file string, p pair) {
	l.diags.Add(diag.Warnf(file, posOf(p.KeyNode), "remove it: doc_blocks are the doc() calls of the description",
		"doc_blocks is computed from the description, as dbt computes it; the value written here is not used"))
}

// quotingKeys are the parts a source's quoting: may set (dbt's Quoting).
var quotingKeys = keySet("database schema identifier column")

// sourceQuoting reads a source's or source table's quoting:, a mapping of
// quotingKeys to true, false or null, as dbt validates it (an unknown key
// or another value is an error).
func (l *loader) sourceQuoting(file string, n *yaml.Node, what string) map[string]any {
	if isNull(n) {
		return nil
	}
	if deref(n).Kind != yaml.MappingNode {
		l.diags.Add(diag.Errorf(file, posOf(n), "write quoting: {identifier: false}", "%s: quoting must be a mapping, not %s", what, kindName(n)))
		return nil
	}
	l.checkPropertyKeys(file, n, what+" quoting", quotingKeys)
	out := map[string]any{}
	for _, p := range pairs(n) {
		if !quotingKeys[p.Key] || isNull(p.Val) {
			continue
		}
		b, ok := toValue(p.Val, nil, nil).(bool)
		if !ok {
			l.diags.Add(diag.Errorf(file, posOf(p.Val), "write true or false", "%s: quoting %s must be true, false or null, not %s", what, p.Key, kindName(p.Val)))
			continue
		}
		out[p.Key] = b
	}
	return out
}

// checkForeignKeyTo refuses a foreign_key constraint whose to: is not a
// ref() or source() call, as dbt's _process_constraints_refs_and_sources
// does when it parses a model's properties.
func (l *loader) checkForeignKeyTo(file string, list *yaml.Node, model string) {
	list = deref(list)
	if list == nil || list.Kind != yaml.SequenceNode {
		return
	}
	for _, item := range list.Content {
		var typ string
		var to *yaml.Node
		for _, p := range pairs(item) {
			switch p.Key {
			case "type":
				typ, _ = stringOf(p.Val)
			case "to":
				to = p.Val
			}
		}
		expr, _ := stringOf(to)
		if typ != "foreign_key" || expr == "" {
			continue
		}
		if _, err := ParseRelationCall(expr); err != nil {
			l.diags.Add(diag.Errorf(file, posOf(to), "write to: ref('model') or source('source', 'table')",
				"Invalid 'ref' or 'source' syntax on foreign key constraint 'to' on model %s: %s.", model, expr))
		}
	}
}
