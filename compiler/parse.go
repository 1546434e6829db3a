package compiler

import (
	"context"
	"errors"
	"fmt"
	"github.com/elt-dev/elt/internal/textdist"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/project"
)

func gonjaGlobals() *exec.Context { return builtins.GlobalFunctions }

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
	e.loadMacros(&l)
	e.buildGlobals()
	m := &Manifest{
		Project:         p,
		Nodes:           map[string]*Node{},
		Sources:         map[string]*project.SourceTable{},
		Macros:          map[string]*Macro{},
		SourceRelations: map[string]string{},
		engine:          e,
	}
	for _, def := range e.macros {
		m.Macros[def.meta.UniqueID] = def.meta
	}
	for id, s := range p.Sources {
		m.Sources[id] = s
	}
	m.disabled = map[string]*Node{}
	for id, pn := range p.Nodes {
		n := &Node{Node: *pn}
		n.Config = copyConfig(pn.Config)
		if n.ResourceType == project.Test {
			n.Config = withTestDefaults(n.Config)
		}
		if isDisabled(n.Config) {
			m.disabled[id] = n
			continue
		}
		m.Nodes[id] = n
	}
	m.buildGenericTests(&l)
	m.index()

	// Render every node once in parse mode, concurrently.
	ids := sortedKeys(m.Nodes)
	m.parseBatches(ctx, ids)
	results := make([]*renderState, len(ids))
	errs := make([]error, len(ids))
	m.parallel(ctx, len(ids), func(i int) {
		results[i], errs[i] = m.renderNode(ctx, m.Nodes[ids[i]], false)
	})
	if err := ctx.Err(); err != nil {
		return m, err
	}
	for i, id := range ids {
		n := m.Nodes[id]
		st := results[i]
		if errs[i] != nil {
			l.Add(m.renderDiag(n, st, errs[i]))
		}
		if st == nil {
			continue
		}
		m.Warnings = append(m.Warnings, st.warnings...)
		n.Refs = st.refs
		n.SourceRefs = st.sources
		n.DependsOn.Macros = st.macros
		if len(st.inFile) > 0 {
			n.Config = mergeConfig(n.Config, st.inFile)
			if n.ResourceType == project.Test {
				n.Config = withTestDefaults(n.Config)
			}
		}
		if n.ResourceType == project.Model && n.Config["materialized"] == nil {
			// dbt's default, written into the config so that logs, the
			// manifest and the runner all name the same materialization.
			n.Config = mergeConfig(project.Config{"materialized": "view"}, n.Config)
		}
		if isDisabled(n.Config) {
			m.disabled[id] = n
			delete(m.Nodes, id)
		}
	}
	m.index()
	m.validateConfigs(&l)
	m.resolveDependencies(&l)
	m.resolveRelations(ctx, &l)
	m.buildMaps()
	m.Warnings = append(l.Warnings(), m.Warnings...)
	sortDiags(l)
	sortDiags(m.Warnings)
	return m, l.Err()
}

// Manifest internals kept beside the exported fields.
type manifestIndex struct {
	byName   map[string][]*Node // refable nodes by name
	sources  map[[2]string]*project.SourceTable
	disabled map[string]*Node
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

// withTestDefaults sets dbt's defaults on a test's config.
func withTestDefaults(c project.Config) project.Config {
	defaults := project.Config{
		// store_failures stays unset (null in dbt's manifest) so that the
		// --store-failures flag can apply when no config says otherwise.
		"severity":     "ERROR",
		"warn_if":      "!= 0",
		"error_if":     "!= 0",
		"fail_calc":    "count(*)",
		"materialized": "test",
		"enabled":      true,
	}
	for k, v := range defaults {
		if _, ok := c[k]; !ok {
			c[k] = v
		}
	}
	if s, ok := c["severity"].(string); ok {
		c["severity"] = strings.ToUpper(s)
	}
	return c
}

func (m *Manifest) index() {
	m.byName = map[string][]*Node{}
	for _, n := range m.Nodes {
		if refable(n) {
			m.byName[n.Name] = append(m.byName[n.Name], n)
		}
	}
	m.sources = map[[2]string]*project.SourceTable{}
	for _, s := range m.Sources {
		m.sources[[2]string{s.SourceName, s.Name}] = s
	}
}

// parallel runs fn(0..n-1) on at most Options.Concurrency goroutines.
func (m *Manifest) parallel(ctx context.Context, n int, fn func(i int)) {
	workers := m.engine.opts.Concurrency
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers > n {
		workers = n
	}
	var next int64 = -1
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				mu.Lock()
				next++
				i := int(next)
				mu.Unlock()
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// nodeTemplate is a node's parsed template: either a template of its own,
// or the body of macro __elt_node_<i> in a batch template shared with other
// nodes (see parseBatches), starting at line startLine of that template.
type nodeTemplate struct {
	tpl       *exec.Template
	body      *nodes.Macro
	startLine int
}

func nodeSource(n *Node) string {
	src := n.RawCode
	if strings.Contains(src, "test") || strings.Contains(src, "materialization") {
		src = preprocess(n.OriginalFilePath, src, func(diag.Diagnostic) {})
	}
	return src
}

// template returns the parsed template of a node, parsing it once.
func (m *Manifest) template(n *Node) (*nodeTemplate, error) {
	e := m.engine
	e.tplMu.Lock()
	nt, ok := e.templates[n.UniqueID]
	e.tplMu.Unlock()
	if ok {
		return nt, nil
	}
	tpl, err := newTemplate(e, n.OriginalFilePath, nodeSource(n))
	if err != nil {
		return nil, err
	}
	nt = &nodeTemplate{tpl: tpl}
	e.tplMu.Lock()
	e.templates[n.UniqueID] = nt
	e.tplMu.Unlock()
	return nt, nil
}

// batchSize nodes share one parsed template. gonja compiles two regular
// expressions for every template it lexes, which costs more than lexing a
// small model; wrapping each node in a macro of a shared template pays that
// once per batch. A batch that fails to parse falls back to one template per
// node, so syntax errors are still reported per file.
const batchSize = 64

func (m *Manifest) parseBatches(ctx context.Context, ids []string) {
	var todo []*Node
	for _, id := range ids {
		n := m.Nodes[id]
		if n.TestMetadata == nil && n.ResourceType != project.Seed {
			todo = append(todo, n)
		}
	}
	batches := (len(todo) + batchSize - 1) / batchSize
	m.parallel(ctx, batches, func(b int) {
		end := min((b+1)*batchSize, len(todo))
		chunk := todo[b*batchSize : end]
		var src strings.Builder
		starts := make([]int, len(chunk))
		line := 1
		for i, n := range chunk {
			body := nodeSource(n)
			body = strings.ReplaceAll(body, "\r\n", "\n")
			body = strings.TrimSuffix(body, "\n") // what gonja does to a whole template
			starts[i] = line
			fmt.Fprintf(&src, "{%% macro __elt_node_%d() %%}%s{%% endmacro %%}\n", i, body)
			line += strings.Count(body, "\n") + 1
		}
		tpl, err := newTemplate(m.engine, "batch", src.String())
		if err != nil {
			return // per-node parsing will report the error
		}
		e := m.engine
		e.tplMu.Lock()
		defer e.tplMu.Unlock()
		for i, n := range chunk {
			body := tpl.Macros()[fmt.Sprintf("__elt_node_%d", i)]
			if body == nil {
				continue
			}
			e.templates[n.UniqueID] = &nodeTemplate{tpl: tpl, body: body, startLine: starts[i]}
		}
	})
}

// renderNode renders one node; with execute it stores the result in
// n.CompiledCode.
func (m *Manifest) renderNode(ctx context.Context, n *Node, execute bool) (*renderState, error) {
	st := m.engine.newState(m, n, execute)
	st.ctx = ctx
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
	var out string
	var err error
	if n.TestMetadata != nil {
		out, err = st.renderGenericTest()
	} else {
		if n.ResourceType == project.Seed {
			return "", nil
		}
		var nt *nodeTemplate
		nt, err = m.template(n)
		if err != nil {
			return "", err
		}
		if nt.body != nil {
			out, err = st.renderBody(nt)
		} else {
			out, err = st.render(nt.tpl)
		}
	}
	if err == nil && st.fatal != nil {
		err = st.fatal
	}
	if err != nil {
		return "", err
	}
	return out, nil
}

var atLineRe = regexp.MustCompile(`at line (\d+)`)

// renderDiag turns a render or template error into a diagnostic at the
// node's file and line.
func (m *Manifest) renderDiag(n *Node, st *renderState, err error) diag.Diagnostic {
	file := n.OriginalFilePath
	shift := m.engine.lineShift(n)
	if n.TestMetadata != nil {
		file = n.PatchPath
		if file == "" {
			file = n.OriginalFilePath
		}
		shift = 0
	}
	var syn *parser.SyntaxError
	if errors.As(err, &syn) {
		return diag.Errorf(file, diag.Pos{Line: syn.Line + shift, Column: syn.Column}, "", "Jinja syntax error: %s", syn.Message)
	}
	var je *jinjaError
	if st != nil && st.fatal != nil {
		errors.As(st.fatal, &je)
	}
	if je == nil {
		errors.As(err, &je)
	}
	line := 0
	if mt := atLineRe.FindStringSubmatch(err.Error()); mt != nil {
		line, _ = strconv.Atoi(mt[1])
		m.engine.tplMu.Lock()
		nt := m.engine.templates[n.UniqueID]
		m.engine.tplMu.Unlock()
		if nt != nil && nt.body != nil {
			line -= nt.startLine - 1
		}
		line += shift
	}
	if n.TestMetadata != nil {
		line = n.PatchPos.Line
	}
	if je != nil {
		if je.line > 0 {
			line = je.line
		}
		return diag.Errorf(file, diag.Pos{Line: line}, je.hint, "%s", je.msg)
	}
	msg := cleanGonjaMessage(err.Error())
	if m := notCallableRE.FindStringSubmatch(err.Error()); m != nil {
		// Name what the method was called on: most often a dbt package's
		// namespace (dbt_utils.star), which elt does not load yet.
		if owner := methodOwner(n.RawCode, m[1]); owner != "" {
			return diag.Errorf(file, diag.Pos{Line: line}, "elt does not load dbt packages from dbt_packages/ yet; define the macro in your project's macros/ instead",
				"'%s' is not defined, so %s.%s() cannot be called", owner, owner, m[1])
		}
	}
	return diag.Errorf(file, diag.Pos{Line: line}, "", "%s", msg)
}

// methodOwner finds the name a method is called on in src ("dbt_utils" for
// "dbt_utils.star(" and method "star"); "" when it is not a plain name.
func methodOwner(src, method string) string {
	re := regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)\s*\.\s*` + regexp.QuoteMeta(method) + `\s*\(`)
	if m := re.FindStringSubmatch(src); m != nil {
		return m[1]
	}
	return ""
}

// cleanGonjaMessage keeps the innermost part of gonja's wrapped messages.
var (
	unknownMethodRE = regexp.MustCompile(`invalid call to method '([^']+)' of .*unknown method '[^']+'`)
	notCallableRE   = regexp.MustCompile(`invalid call to method '([^']+)' of : '[^']+' is not callable`)
)

func cleanGonjaMessage(msg string) string {
	msg = strings.TrimPrefix(msg, "unable to execute template: ")
	// gonja prints the whole receiver (often a dict of Go funcs) when a
	// method is missing; say what is missing instead.
	if m := unknownMethodRE.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("no function or method '%s' here (elt's Jinja context does not provide it)", m[1])
	}
	if m := notCallableRE.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("'%s' is called on something that is undefined (check the name before .%s)", m[1], m[1])
	}
	if i := strings.LastIndex(msg, ": "); i >= 0 && strings.Contains(msg[:i], "Unable to") {
		return msg[i+2:]
	}
	return msg
}

// lineShift is how many lines precede a node's RawCode in its file
// (snapshot blocks start inside their file); the loader counted them.
func (e *engine) lineShift(n *Node) int {
	if n == nil {
		return 0
	}
	return n.RawCodeLine
}

type lookupError struct{ msg, hint string }

// lookupRef finds the node a ref points to.
func (m *Manifest) lookupRef(r Ref, from *Node) (*Node, *lookupError) {
	for _, n := range m.byName[r.Name] {
		if r.Package == "" || n.Package == r.Package {
			return n, nil
		}
	}
	for _, n := range m.disabled {
		if refable(n) && n.Name == r.Name && (r.Package == "" || n.Package == r.Package) {
			return nil, &lookupError{
				msg:  fmt.Sprintf("ref('%s') points to %s, which is disabled", r.Name, n.UniqueID),
				hint: "enable " + n.OriginalFilePath + " or remove the ref",
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
	return nil, &lookupError{msg: fmt.Sprintf("ref('%s') not found", full), hint: hint}
}

func (m *Manifest) lookupSource(s, t string) (*project.SourceTable, *lookupError) {
	if src, ok := m.sources[[2]string{s, t}]; ok {
		return src, nil
	}
	var names []string
	for k := range m.sources {
		names = append(names, k[0]+"."+k[1])
	}
	hint := "declare it under sources: in a properties YAML file"
	if close := closeNames(s+"."+t, names); len(close) > 0 {
		hint = "did you mean " + quoteJoin(close) + "? Otherwise " + hint
	}
	return nil, &lookupError{msg: fmt.Sprintf("source('%s', '%s') is not declared", s, t), hint: hint}
}

func quoteJoin(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = "'" + s + "'"
	}
	return strings.Join(q, ", ")
}

// resolveDependencies turns captured refs and sources into DependsOn.Nodes
// and reports unknown or disabled targets at the line of the call.
func (m *Manifest) resolveDependencies(l *diag.List) {
	for _, id := range sortedKeys(m.Nodes) {
		n := m.Nodes[id]
		var deps []string
		seen := map[string]bool{}
		add := func(id string) {
			if !seen[id] {
				seen[id] = true
				deps = append(deps, id)
			}
		}
		if n.AttachedNode != "" {
			add(n.AttachedNode)
		}
		st := &renderState{engine: m.engine, node: n}
		file := n.OriginalFilePath
		if n.TestMetadata != nil {
			file = n.PatchPath
		}
		for _, r := range n.Refs {
			t, err := m.lookupRef(r, n)
			if err != nil {
				line := st.lineOf("ref", r.Name)
				if r.Package != "" {
					line = st.lineOf("ref", r.Package, r.Name)
				}
				if n.TestMetadata != nil {
					line = n.PatchPos.Line
				}
				l.Add(diag.Errorf(file, diag.Pos{Line: line}, err.hint, "%s: %s", n.UniqueID, err.msg))
				continue
			}
			add(t.UniqueID)
		}
		for _, s := range n.SourceRefs {
			src, err := m.lookupSource(s[0], s[1])
			if err != nil {
				line := st.lineOf("source", s[0], s[1])
				if n.TestMetadata != nil {
					line = n.PatchPos.Line
				}
				l.Add(diag.Errorf(file, diag.Pos{Line: line}, err.hint, "%s: %s", n.UniqueID, err.msg))
				continue
			}
			add(src.UniqueID)
		}
		n.DependsOn.Nodes = deps
	}
}

func (m *Manifest) buildMaps() {
	m.ParentMap = map[string][]string{}
	m.ChildMap = map[string][]string{}
	for id := range m.Nodes {
		m.ParentMap[id] = []string{}
		m.ChildMap[id] = []string{}
	}
	for id := range m.Sources {
		m.ChildMap[id] = []string{}
	}
	for id, n := range m.Nodes {
		for _, dep := range n.DependsOn.Nodes {
			m.ParentMap[id] = append(m.ParentMap[id], dep)
			m.ChildMap[dep] = append(m.ChildMap[dep], id)
		}
	}
	for _, mp := range []map[string][]string{m.ParentMap, m.ChildMap} {
		for _, v := range mp {
			sort.Strings(v)
		}
	}
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

// templateDiag reports a template that failed to parse at its file:line.
func templateDiag(file string, shift int, hint string, err error) diag.Diagnostic {
	var syn *parser.SyntaxError
	if errors.As(err, &syn) {
		return diag.Errorf(file, diag.Pos{Line: syn.Line + shift, Column: syn.Column}, hint, "Jinja syntax error: %s", syn.Message)
	}
	return diag.Errorf(file, diag.Pos{}, hint, "%s", cleanGonjaMessage(err.Error()))
}
