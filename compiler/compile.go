package compiler

import (
	"context"
	"fmt"
	"path"
	"runtime"
	"slices"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/digest"
	"github.com/elt-dev/elt/internal/targetfs"
	"github.com/elt-dev/elt/project"
)

// Compile renders the given nodes (nil: all) with execute=true,
// concurrently, and injects ephemeral models as CTEs. Ephemeral models the
// nodes depend on are compiled too.
func (m *Manifest) Compile(ctx context.Context, ids []string) error {
	return m.compile(ctx, ids, false)
}

// CompileBeforeRun is Compile before the nodes run (run, build, test),
// which renders each node again just before it runs, as dbt compiles
// it only then: a node whose render fails (dbt_utils.get_column_values
// on a model not built yet, a package's raise_compiler_error for an
// unsupported warehouse) is left uncompiled and its error to that later
// render, where it fails that node alone and its children are skipped,
// instead of stopping the whole invocation.
func (m *Manifest) CompileBeforeRun(ctx context.Context, ids []string) error {
	m.graph.ahead.Store(true)
	defer m.graph.ahead.Store(false)
	return m.compile(ctx, ids, true)
}

func (m *Manifest) compile(ctx context.Context, ids []string, deferIntrospection bool) error {
	var l diag.List
	var given []*Node
	var all bool // every node, in Parse's order: ord marks them
	if ids == nil {
		ids, given, all = m.sortedNodes()
	} else {
		given = make([]*Node, len(ids))
		for i, id := range ids {
			given[i] = m.Nodes[id]
		}
	}
	// Add the ephemeral models these nodes read, transitively. order and
	// nodes are the ids and nodes to render; readsEph, whether each
	// reads an ephemeral model.
	var want map[*Node]bool
	var wantAt, ephAt []bool // by ord, when all
	if all {
		wantAt, ephAt = make([]bool, len(ids)), make([]bool, len(ids))
		for i, n := range given {
			ephAt[i] = isEphemeral(n)
		}
	} else {
		want = make(map[*Node]bool, len(ids))
	}
	// ephemeral is isEphemeral, computed once per node when all.
	ephemeral := func(n *Node) bool {
		if all {
			return ephAt[n.ord]
		}
		return isEphemeral(n)
	}
	order := make([]string, 0, len(ids))
	nodes := make([]*Node, 0, len(ids))
	var readsEph []bool
	var visit func(id string, n *Node)
	visit = func(id string, n *Node) {
		if all {
			if wantAt[n.ord] {
				return
			}
			wantAt[n.ord] = true
		} else {
			if want[n] {
				return
			}
			want[n] = true
		}
		k := len(order)
		order, nodes, readsEph = append(order, id), append(nodes, n), append(readsEph, false)
		for _, dep := range n.DependsOn.Nodes {
			if d, ok := m.Nodes[dep]; ok && ephemeral(d) {
				readsEph[k] = true
				visit(dep, d)
			}
		}
	}
	for i, id := range ids {
		if given[i] == nil {
			if _, unit := m.UnitTests[id]; unit {
				continue // rendered when it runs (RenderUnitTest)
			}
			l.Add(diag.Errorf("", diag.Pos{}, "", "compile: unknown node %s", id))
			continue
		}
		visit(id, given[i])
	}
	errs := make([]error, len(order))
	// Of each render's state, what is needed here: not the state itself.
	warnings := make([]diag.List, len(order))
	introspected := make([]bool, len(order))
	// settled: the render read nothing that may change before the node
	// runs (settled.go); a render the cache served was settled when stored.
	settled := make([]bool, len(order))
	pre := make([]string, len(order))
	cache := m.engine.opts.Cache
	m.parallel(ctx, len(order), func(i int) {
		n := nodes[i]
		var key digest.Key
		if cache != nil {
			var ok bool
			if key, pre[i], warnings[i], ok = m.cachedExec(n); ok {
				if n.ResourceType != project.Seed {
					n.CompiledCode = pre[i]
				}
				settled[i] = true
				return
			}
		}
		// A compile's renders share the graph (not one made ahead of a
		// run, which reads a copy): each holds its lock once it reads it.
		hold := m.holdGraph()
		st, err := m.renderNodeHolding(ctx, n, true, hold)
		hold.release()
		errs[i] = err
		if st != nil {
			warnings[i], introspected[i] = st.warnings, st.introspected
			settled[i] = !st.introspected && !st.volatile
		}
		if err == nil {
			pre[i] = n.CompiledCode
			if cache != nil {
				m.storeExec(n, key, pre[i], st)
			}
		}
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	// preSQL and failed are by id for ephemeral models, which other
	// nodes read; failedAt is by index in order, for every node.
	preSQL := map[string]string{}
	failed := map[string]bool{}
	settledEph := map[string]bool{}
	failedAt := make([]bool, len(order))
	// blankEph are the ephemeral models whose SQL is blank, reported
	// when a node reads one.
	blankEph := map[string]diag.Diagnostic{}
	for i, n := range nodes {
		if ephemeral(n) {
			preSQL[order[i]] = pre[i]
			settledEph[order[i]] = settled[i]
		}
	}
	fail := func(i int) {
		failedAt[i] = true
		if ephemeral(nodes[i]) {
			failed[order[i]] = true
		}
	}
	for i := range order {
		n := nodes[i]
		// A render that fails waits for the run, where it fails its node
		// alone; a blank model is reported now unless its render asked
		// the warehouse (and may differ once upstream models exist).
		deferred := deferIntrospection
		if errs[i] != nil {
			if !deferred {
				l.Add(m.renderDiag(n, nil, errs[i]))
			}
			fail(i)
			continue
		}
		m.Warnings = append(m.Warnings, warnings[i]...)
		if (n.ResourceType == project.Model || n.ResourceType == project.Test) && !isPython(n) && BlankSQL(pre[i]) && !m.RunsBlock(n) {
			if deferred && introspected[i] {
				fail(i)
				continue
			}
			pos := diag.Pos{Line: n.RawCodeLine + 1}
			d := diag.Errorf(n.OriginalFilePath, pos, BlankSQLHint(n), "%s", BlankSQLMessage(n))
			if ephemeral(n) {
				// An ephemeral model runs nothing of its own, as in
				// dbt: a blank one fails only the nodes that read it.
				fail(i)
				blankEph[order[i]] = d
				continue
			}
			// As dbt's, it compiles to nothing; running it fails it
			// alone (runner). A file that is blank before rendering is
			// an empty node, which only docs generate compiles: dbt says
			// nothing of it.
			if !BlankSQL(n.RawCode) {
				m.Warnings = append(m.Warnings, diag.Warnf(n.OriginalFilePath, pos, BlankSQLHint(n), "%s", BlankSQLMessage(n)))
			}
		}
	}
	done := make(map[string]bool, len(order))
	for i := range order {
		done[order[i]] = false // until it compiles
		if failedAt[i] {
			continue
		}
		n := nodes[i]
		var ctes []CTE
		if readsEph[i] {
			var bad string
			ctes, bad = m.ephemeralCTEs(n, preSQL, failed)
			if d, ok := blankEph[bad]; ok {
				l.Add(d) // once, for the first node that reads it
				delete(blankEph, bad)
			}
			if bad != "" {
				continue // the failing ephemeral model was reported already
			}
		}
		n.ExtraCTEs = ctes
		n.CompiledCode = injectCTEs(pre[i], ctes)
		n.Compiled = true
		n.ForeignKeyTo = m.foreignKeyTargets(n)
		n.Introspected = introspected[i]
		ok := settled[i]
		for _, c := range ctes {
			ok = ok && settledEph[c.ID]
		}
		done[order[i]] = ok
	}
	m.settled.record(done)
	sortDiags(l)
	return l.Err()
}

// ephemeralCTEs lists the ephemeral models n reads, nested ones first,
// each once.
func (m *Manifest) ephemeralCTEs(n *Node, preSQL map[string]string, failed map[string]bool) ([]CTE, string) {
	var out []CTE
	seen := map[string]bool{}
	var bad string
	var walk func(x *Node)
	walk = func(x *Node) {
		for _, dep := range x.DependsOn.Nodes {
			d, ok := m.Nodes[dep]
			if !ok || !isEphemeral(d) || seen[dep] {
				continue
			}
			seen[dep] = true
			if failed[dep] {
				bad = dep
				return
			}
			walk(d)
			out = append(out, CTE{ID: dep, SQL: " " + cteName(ephemeralIdentifier(d)) + " as (\n" + preSQL[dep] + "\n)"})
		}
	}
	walk(n)
	return out, bad
}

// injectCTEs merges ctes into sql as dbt's _inject_ctes_into_sql does:
// into its leading WITH (after WITH RECURSIVE), before the token that
// follows it, then ", "; else as a new WITH before its first token.
func injectCTEs(sql string, ctes []CTE) string {
	if len(ctes) == 0 {
		return sql
	}
	parts := make([]string, len(ctes))
	for i, c := range ctes {
		parts[i] = c.SQL
	}
	joined := strings.Join(parts, ", ")
	i := skipSpaceAndComments(sql)
	if keywordAt(sql, i, "with") {
		j := i + 4
		if k := j + skipSpaceAndComments(sql[j:]); keywordAt(sql, k, "recursive") {
			j = k + len("recursive")
		}
		k := j + len(sql[j:]) - len(strings.TrimLeft(sql[j:], " \t\r\n"))
		return sql[:k] + joined + ", " + sql[k:]
	}
	f := len(sql) - len(strings.TrimLeft(sql, " \t\r\n"))
	return sql[:f] + "with" + joined + " " + sql[f:]
}

// keywordAt reports whether sql has the keyword kw (any case) at i, not
// followed by more of an identifier.
func keywordAt(sql string, i int, kw string) bool {
	return len(sql) >= i+len(kw) && strings.EqualFold(sql[i:i+len(kw)], kw) && (len(sql) == i+len(kw) || !isIdentByte(sql[i+len(kw)]))
}

func isIdentByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// skipSpaceAndComments returns the offset of the first SQL token.
func skipSpaceAndComments(s string) int {
	i := 0
	for i < len(s) {
		switch {
		case s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r':
			i++
		case strings.HasPrefix(s[i:], "--"):
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				return len(s)
			}
			i += j + 1
		case strings.HasPrefix(s[i:], "/*"):
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				return len(s)
			}
			i += j + 4
		default:
			return i
		}
	}
	return i
}

// CallMacro renders a macro call outside any node (run-operation, hooks)
// with execute=true: run_query and statement run through Options.Query.
// The result is the macro's output, or the str() of what it return()ed.
func (m *Manifest) CallMacro(ctx context.Context, name string, args map[string]any) (string, error) {
	v, err := m.CallMacroValue(ctx, name, args)
	if err != nil {
		return "", err
	}
	return macroText(v), nil
}

// macroText is a macro's result as text: its output, or the str() of
// what it return()ed ("" for None).
func macroText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	default:
		return pyStr(x)
	}
}

// macroError is err, raised by a call of def, as a diagnostic at the
// line that failed (else the macro's first), its summary saying which
// macro ("in macro <what>: ...").
func (e *engine) macroError(def *macroDef, what string, err error) error {
	d := e.errorDiag(def.meta.OriginalFilePath, 0, err)
	if d.Pos.Line == 0 {
		d.Pos = diag.Pos{Line: def.meta.Line}
	}
	d.File = def.meta.OriginalFilePath
	d.Summary = "in macro " + what + ": " + d.Summary
	return d
}

// OperationMacro is the macro `run-operation name` runs, named as
// CallMacro takes it: dbt looks an unqualified name up in the root
// project, then the installed packages (so `run-operation
// generate_model_yaml` finds codegen's), then its builtins.
func (m *Manifest) OperationMacro(name string) string {
	if strings.Contains(name, ".") {
		return name
	}
	if def, ok := m.engine.testMacro("", name); ok && def.meta.Package != "dbt" && def.meta.Package != m.Project.Config.Name {
		return def.meta.Package + "." + name
	}
	return name
}

// UndefinedMacroError is CallMacro of a macro no package defines (Name as
// called, "pkg.macro" or "macro").
type UndefinedMacroError struct{ Name string }

func (e *UndefinedMacroError) Error() string { return fmt.Sprintf("macro %q is not defined", e.Name) }

// CallMacroValue is CallMacro returning the value itself: what the macro
// return()ed (lists, dicts, bools...) or its rendered output as a string.
func (m *Manifest) CallMacroValue(ctx context.Context, name string, args map[string]any) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	def, ok := m.engine.macroNamed(name)
	if !ok {
		return nil, &UndefinedMacroError{Name: name}
	}
	st := m.engine.newState(m, nil, true)
	st.ctx = ctx
	v, err := st.invoke(name, nil, args)
	if err != nil {
		return nil, m.engine.macroError(def, name, err)
	}
	return toGo(v), nil
}

// RenderString renders tmpl in the context of node (nil: no node) with
// execute=true, for hooks and operations.
func (m *Manifest) RenderString(ctx context.Context, tmpl string, node *Node) (string, error) {
	return m.renderWith(ctx, tmpl, node, nil, nil)
}

// CompiledPath is where dbt writes a node's compiled SQL, relative to
// target/compiled: <package>/<original_file_path>, for generic tests
// <package>/<properties file>/<short name>.sql, for unit tests
// <package>/<properties file>/<its folder>/<name>.sql, for a project
// hook <package>/./dbt_project.yml/hooks/<name>.sql, and for another node
// whose path is not its file's name (a YAML snapshot)
// <package>/<file>/<path> (dbt's get_target_write_path joins
// original_file_path and path when their base names differ, keeping the
// "./").
func CompiledPath(n *Node) string {
	if n.RunHook != nil {
		return n.Package + "/" + n.PackagePath() + "/" + n.Path
	}
	if n.ResourceType == project.UnitTestType {
		// dbt's unit test path is get_pseudo_test_path(name, properties
		// file): <folder of the file>/<name>.sql, under the file's path.
		yml := n.PackagePath()
		return path.Join(n.Package, yml, path.Dir(yml), UnitTestRunName(n)+".sql")
	}
	if n.TestMetadata != nil {
		return path.Join(n.Package, n.PackagePath(), n.ShortName+".sql")
	}
	if p := n.PackagePath(); path.Base(n.Path) != path.Base(p) {
		// Many nodes of one file (a YAML snapshot's path is
		// <file>.yml/<name>.sql): dbt's get_target_write_path joins the
		// file's path and the node's.
		return path.Join(n.Package, p, n.Path)
	}
	return path.Join(n.Package, n.PackagePath())
}

// UnitTestRunName is the name of unit test n as dbt runs it: the
// test's name, with "_v<version>" for a versioned model's
// (UnitTestManifestLoader's node name, the definition's versioned_name).
func UnitTestRunName(n *Node) string {
	if n.VersionString != "" {
		return n.Name + "_v" + n.VersionString
	}
	return n.Name
}

// BatchPath is the path of one microbatch batch's file beside p, a
// node's CompiledPath, as dbt's get_target_write_path splits it:
// models/m.sql's batch 2024-01-31 is models/m/m_2024-01-31.sql.
func BatchPath(p, suffix string) string {
	dir, base := path.Split(p)
	ext := path.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	return path.Join(dir, stem, stem+"_"+suffix+ext)
}

// WriteCompiled writes compiled/<CompiledPath> in the target directory for
// every compiled node, unit tests (compiled when they run) included, whose
// file does not already hold its SQL, a few files at a time; it returns the
// first error in node order.
//
// Two nodes can share a path: generic tests whose arguments differ only in
// characters a test's name leaves out (like_pattern "%@%" and "%&%" are
// both "_" in it) are one file, as under dbt. The file holds the SQL of the
// last of them by unique id (PathOwners), whatever the threads and caches:
// otherwise whichever was written last would win, and a compile using the
// caches could keep another than a fresh one.
func (m *Manifest) WriteCompiled(ctx context.Context, dir *targetfs.Dir) error {
	_, sorted, _ := m.sortedNodes()
	nodes := append(make([]*Node, 0, len(sorted)+len(m.UnitTests)), sorted...)
	for _, id := range sortedKeys(m.UnitTests) {
		nodes = append(nodes, m.UnitTests[id])
	}
	names := make([]string, len(nodes))
	parallelFor(ctx, runtime.GOMAXPROCS(0), len(nodes), func(i int) {
		// A project hook that renders blank has no file, as dbt's
		// _write_node writes only code, and writes none for a seed or a
		// snapshot.
		if n := nodes[i]; n.Compiled && n.ResourceType != project.Seed && n.ResourceType != project.Snapshot &&
			(n.RunHook == nil || n.CompiledCode != "") {
			names[i] = path.Join("compiled", CompiledPath(n))
		}
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	owners := PathOwners(len(nodes), func(i int) (string, string) { return names[i], nodes[i].UniqueID })
	errs := make([]error, len(nodes))
	cache := m.engine.opts.Cache
	// Writing is system calls, not CPU: more writers than cores keep the
	// disk busy.
	parallelFor(ctx, 2*runtime.GOMAXPROCS(0), len(nodes), func(i int) {
		n, name := nodes[i], names[i]
		if name == "" || owners[name] != n.UniqueID {
			return
		}
		var err error
		if cache != nil {
			err = cache.writeFile(dir, name, n.CompiledCode)
		} else {
			_, err = dir.WriteIfChanged(name, []byte(n.CompiledCode))
		}
		if err != nil {
			errs[i] = fmt.Errorf("compiler: write compiled %s: %w", n.UniqueID, err)
		}
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// PathOwners says which of n nodes writes each file they share: at(i) is
// the i-th node's file ("" for none) and unique id, and the owner of a
// file is the node with the greatest unique id (see WriteCompiled).
func PathOwners(n int, at func(i int) (file, id string)) map[string]string {
	owners := make(map[string]string, n)
	for i := range n {
		if file, id := at(i); file != "" {
			owners[file] = max(owners[file], id)
		}
	}
	return owners
}

// RunsBlock says whether model or test n runs a materialization block of
// the project or a package: the block decides what its SQL is for (dbt
// sends a model's SQL nowhere but where its materialization puts it, and
// a block may run none of it, as one calling noop_statement does), so a
// blank render is no error of its own.
func (m *Manifest) RunsBlock(n *Node) bool {
	if _, ok := m.CustomMaterialization(n); ok {
		return true
	}
	_, ok := m.TestMaterialization(n)
	return ok
}

// BlankSQLMessage and BlankSQLHint say that model or test n renders to
// no SQL: a compile warns, a run fails the node with them.
func BlankSQLMessage(n *Node) string {
	return fmt.Sprintf("%s %s has no SQL: once rendered it holds only comments and whitespace", n.ResourceType, n.Name)
}

// BlankSQLHint is BlankSQLMessage's hint.
func BlankSQLHint(n *Node) string {
	return "write a select statement, or disable the " + string(n.ResourceType) + " with enabled=false"
}

// BlankSQL reports SQL that holds nothing but whitespace, comments (--
// and /* */) and semicolons.
func BlankSQL(sql string) bool {
	for i := 0; i < len(sql); {
		switch c := sql[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';':
			i++
		case strings.HasPrefix(sql[i:], "--"):
			j := strings.IndexByte(sql[i:], '\n')
			if j < 0 {
				return true
			}
			i += j + 1
		case strings.HasPrefix(sql[i:], "/*"):
			j := strings.Index(sql[i+2:], "*/")
			if j < 0 {
				return true
			}
			i += j + 4
		default:
			return false
		}
	}
	return true
}

// addMissing appends to list the ids of more it does not hold yet, in a
// new slice when there are any (list may be shared with a cached entry).
func addMissing(list, more []string) []string {
	for _, id := range more {
		if !slices.Contains(list, id) {
			list = append(slices.Clip(list), id)
		}
	}
	return list
}
