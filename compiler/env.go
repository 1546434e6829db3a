package compiler

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/digest"
	"github.com/elt-dev/elt/internal/lazyre"
	"github.com/elt-dev/elt/jinja"
	"github.com/elt-dev/elt/project"
)

// stateName is the context name under which a render's *renderState is
// found by the Go functions the templates call. It cannot be written in a
// template (no identifier starts with a dot).
const stateName = ".elt_state"

// engine is the Jinja environment of one invocation: macros parsed once,
// node templates parsed once, shared read-only by concurrent renders.
type engine struct {
	proj    *project.Project
	opts    Options
	dialect Dialect
	target  *project.Target
	env     *jinja.Env // filters and the shared globals (builtins, macros)

	macros map[string]*macroDef // by name, after overrides
	// builtins are elt's own macros (dbt's "dbt" package) by name, before
	// project overrides: the dbt namespace and dispatch's last resort.
	builtins map[string]*macroDef
	// packageMacros are the macros of the installed packages (dbt_utils...),
	// package name -> macro name -> macro. They are not in macros: dbt
	// reaches them as dbt_utils.star, through dispatch, or unqualified from
	// inside the same package.
	packageMacros map[string]map[string]*macroDef
	// macroFiles are the digest.Keys of the macro files' contents, by
	// path (the render cache's macroState).
	macroFiles map[string]digest.Key
	// macroDeps are the macros' depends_on.macros (MacroDependsOn).
	macroDeps macroDepsState

	strCache sync.Map // RenderString templates by source
	// nativeEnv is env with dbt's native filters (as_number makes a
	// marker), where generic tests' arguments render; nativeCache holds
	// its templates by source.
	nativeEnv   *jinja.Env
	nativeOnce  sync.Once
	nativeCache sync.Map
	// keyBufs are scratch buffers of parse and exec keys (parseKey,
	// execKey), reused across nodes: a buffer per node was megabytes of
	// fresh memory a parse.
	keyBufs sync.Pool
	// released are the manifest's nodes once ReleaseProjectNodes has
	// dropped the project's: where error messages find node sources.
	released map[string]*Node
	// shapeTpls are the templates of modelExprShapes, parsed once.
	shapeTpls [len(modelExprShapes)]atomic.Pointer[jinja.Template]
	regexps   reCache // modules.re's compiled patterns

	// materializations are the project's and packages' materialization
	// blocks, by materialization name (materialization.go).
	materializations map[string][]*matBlock

	// targetKey is targetKeyOf the target: what a render reading it
	// depends on. varKeys are the vars' digests, by package and name
	// (varKey).
	targetKey string
	varKeys   sync.Map

	// customNaming is true when the project overrides a generate_*_name macro;
	// otherwise relation names are computed in Go (same result, faster).
	customNaming map[string]bool

	// quoting is the quote policy of the nodes' relations: the parts
	// the project's quoting: leaves unquoted (projectQuotePolicy).
	quoting quotePolicy
}

// macroDef is one macro with the file template it was parsed from.
type macroDef struct {
	meta  *Macro
	macro *jinja.Macro
	fn    jinja.Func // calls the macro in the calling render's context
	// siblings are the macros of the same file of an installed package:
	// as in dbt (Jinja's module), they come before any other macro.
	siblings map[string]*macroDef
}

func newEngine(p *project.Project, opts Options) *engine {
	env := jinja.New(jinja.Options{Undefined: jinja.Lenient})
	for name, fn := range dbtFilters() {
		env.AddFilter(name, fn)
	}
	e := &engine{
		proj:         p,
		opts:         opts,
		dialect:      opts.Dialect,
		env:          env,
		customNaming: map[string]bool{},
	}
	if e.dialect == nil {
		e.dialect = ansiDialect{}
	}
	if p.Config != nil {
		e.quoting = projectQuotePolicy(p.Config.Quoting, e.dialect)
	}
	for _, d := range p.Config.Dispatch {
		if d.MacroNamespace == "dbt" {
			// dbt's own macros may then come from the packages the
			// search order names: the naming macros run as macros.
			for _, name := range []string{"generate_schema_name", "generate_alias_name", "generate_database_name"} {
				e.customNaming[name] = true
			}
		}
	}
	e.target = p.Target
	if e.target == nil {
		e.target = &project.Target{Name: "default", Type: e.dialect.Type(), Threads: 1, Schema: "main"}
	}
	e.targetKey = targetKeyOf(e.targetMap())
	return e
}

// targetKeyOf is a digest of what a render sees of the target (`target`,
// whose fields leave out the profile's secrets): the value a render that
// reads it records (renderState.noteTarget) and compares when reused. It
// is kept in the render cache file: sha256, as the cache's own key, so
// that what it covers cannot be recovered from it.
func targetKeyOf(view map[string]any) string {
	// fmt prints a map's keys sorted, nested maps too.
	k := sha256.Sum256([]byte(fmt.Sprintf("%#v", view)))
	return hex.EncodeToString(k[:])
}

var (
	testOpenRe  = lazyre.New(`\{%(-?)\s*test\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(`)
	testCloseRe = lazyre.New(`\{%(-?)\s*endtest\s*(-?)%\}`)
	matOpenRe   = lazyre.New(`\{%-?\s*materialization\s[^%]*-?%\}`)
	matCloseRe  = lazyre.New(`\{%-?\s*endmaterialization\s*-?%\}`)
)

// preprocess rewrites dbt-only tags the engine does not know, keeping every line
// where it was so positions in errors still point at the user's file:
// {% test x(...) %} becomes {% macro test_x(...) %}. In a macro file (mats
// not nil) each {% materialization %} block becomes the macro dbt makes of
// it (materialization.go) and its header is added to mats; elsewhere (a
// model's file) the block is blanked out, as dbt ignores it there.
func preprocess(file, src string, warn func(diag.Diagnostic), mats *[]matHeader) string {
	if strings.Contains(src, "materialization") {
		if mats != nil {
			var headers []matHeader
			src, headers = rewriteMaterializations(file, src, warn)
			*mats = append(*mats, headers...)
		} else {
			for {
				loc := matOpenRe().FindStringIndex(src)
				if loc == nil {
					break
				}
				end := matCloseRe().FindStringIndex(src[loc[1]:])
				stop := len(src)
				if end != nil {
					stop = loc[1] + end[1]
				}
				src = src[:loc[0]] + strings.Repeat("\n", strings.Count(src[loc[0]:stop], "\n")) + src[stop:]
			}
		}
	}
	if strings.Contains(src, "test") {
		src = testOpenRe().ReplaceAllString(src, "{%$1 macro test_$2(")
		src = testCloseRe().ReplaceAllString(src, "{%$1 endmacro $2%}")
	}
	return src
}

// loadMacros parses every macro file once. Later files override earlier
// ones of the same name, so built-ins come first, then ExtraMacros, then the
// project's own macros.
func (e *engine) loadMacros(l *diag.List) {
	e.macros = map[string]*macroDef{}
	e.builtins = map[string]*macroDef{}
	type src struct {
		file *project.File
		pkg  string
	}
	var files []src
	for _, f := range builtinMacroFiles() {
		files = append(files, src{f, "elt"})
	}
	for _, f := range e.opts.ExtraMacros {
		files = append(files, src{f, "elt"})
	}
	for _, f := range e.proj.MacroFiles {
		files = append(files, src{f, e.proj.Config.Name})
	}
	e.packageMacros = map[string]map[string]*macroDef{}
	for _, pkg := range e.proj.Packages {
		e.packageMacros[pkg.Name] = map[string]*macroDef{}
		for _, f := range pkg.MacroFiles {
			files = append(files, src{f, pkg.Name})
		}
	}
	// The files are parsed concurrently, then their macros are taken in
	// order (later files override earlier ones), each file's problems
	// reported where its turn comes.
	type parsed struct {
		tpl   *jinja.Template // nil when it did not parse
		diags diag.List
		mats  []matHeader // its materialization blocks
	}
	e.macroFiles = make(map[string]digest.Key, len(files))
	for _, s := range files {
		e.macroFiles[s.file.Path] = digest.SumString(s.file.Contents)
	}
	done := make([]parsed, len(files))
	parallelFor(context.Background(), e.opts.Concurrency, len(files), func(i int) {
		f := files[i].file
		d := &done[i]
		text := preprocess(f.Path, macroBlocksOnly(f.Contents), d.diags.Add, &d.mats)
		tpl, err := e.env.Parse(f.Path, text)
		if err != nil {
			d.diags.Add(templateDiag(f.Path, 0, "", err))
			return
		}
		d.tpl = tpl
	})
	for i, s := range files {
		for _, d := range done[i].diags {
			l.Add(d)
		}
		tpl := done[i].tpl
		if tpl == nil {
			continue
		}
		if own, ok := e.packageMacros[s.pkg]; ok {
			e.loadPackageFile(l, s.file, tpl, s.pkg, own)
			e.registerMaterializations(s.file.Path, s.pkg, done[i].mats, own)
			continue
		}
		starts := lineStarts(s.file.Contents)
		for _, mac := range tpl.Macros() {
			name := mac.Name
			if prev, ok := e.macros[name]; ok && prev.meta.Package == s.pkg && s.pkg != "elt" {
				// dbt-adapters' DuplicateMacroInPackageError, with lines.
				l.Add(diag.Errorf(s.file.Path, diag.Pos{Line: mac.Line}, "rename or remove one of them",
					"dbt found two macros named %q in the project %q: %s:%d and %s:%d", name, s.pkg,
					prev.meta.OriginalFilePath, prev.meta.Line, s.file.Path, mac.Line))
				continue
			}
			pkg := s.pkg
			if pkg == "elt" {
				// elt's own implementations of dbt's macros are dbt's to
				// the project (and the manifest): macro.dbt.test_unique.
				pkg = "dbt"
			}
			def := &macroDef{
				meta: &Macro{
					UniqueID:         "macro." + pkg + "." + name,
					Name:             name,
					Package:          pkg,
					OriginalFilePath: s.file.Path,
					Line:             mac.Line,
					MacroSQL:         macroSourceAt(s.file.Contents, starts, mac.Line),
					Arguments:        append([]string{}, mac.Params...),
				},
				macro: mac,
			}
			def.fn = e.macroFunc(def)
			e.macros[name] = def
			if s.pkg == "elt" {
				e.builtins[name] = def
			}
			if base, ok := namingMacro(name); ok && s.pkg != "elt" {
				e.customNaming[base] = true
			}
		}
		if s.pkg != "elt" {
			e.registerMaterializations(s.file.Path, s.pkg, done[i].mats, e.macros)
		}
	}
}

// loadPackageFile takes the macros of tpl, one parsed macro file f of an
// installed package, into own, the package's macros.
func (e *engine) loadPackageFile(l *diag.List, f *project.File, tpl *jinja.Template, pkg string, own map[string]*macroDef) {
	siblings := map[string]*macroDef{}
	starts := lineStarts(f.Contents)
	for _, mac := range tpl.Macros() {
		name := mac.Name
		if prev, ok := own[name]; ok {
			l.Add(diag.Errorf(f.Path, diag.Pos{Line: mac.Line}, "reinstall the package with elt deps",
				"dbt found two macros named %q in the project %q: %s:%d and %s:%d", name, pkg,
				prev.meta.OriginalFilePath, prev.meta.Line, f.Path, mac.Line))
			continue
		}
		def := &macroDef{
			meta: &Macro{
				UniqueID:         "macro." + pkg + "." + name,
				Name:             name,
				Package:          pkg,
				OriginalFilePath: f.Path,
				Line:             mac.Line,
				MacroSQL:         macroSourceAt(f.Contents, starts, mac.Line),
				Arguments:        append([]string{}, mac.Params...),
			},
			macro:    mac,
			siblings: siblings,
		}
		def.fn = e.macroFunc(def)
		siblings[name] = def
		own[name] = def
	}
}

// packageLookup resolves the names a package's macro does not define, in
// dbt's order: the render's own names (a package's node sees its own
// package's macros there), the root project's macros, then dbt's. dbt's
// namespace stops there: a package's macro calls its package's others as
// pkg.name. elt also finds them unqualified, after every name dbt would
// find (the macros of the same file, then the package's others), so that
// a package's default__dateadd calling dateadd reaches dbt's, not its
// own.
func (st *renderState) packageLookup(def *macroDef) func(string) (any, bool) {
	e := st.engine
	own := e.packageMacros[def.meta.Package]
	return func(name string) (any, bool) {
		if v, ok := st.lookup(name); ok {
			return v, ok
		}
		if d, ok := e.macros[name]; ok && d.meta.Package == e.proj.Config.Name {
			return d.fn, true
		}
		if v, ok := e.env.Global(name); ok {
			return v, true // dbt's macros and context, package namespaces
		}
		if d, ok := def.siblings[name]; ok {
			return d.fn, true
		}
		if d, ok := own[name]; ok {
			return d.fn, true
		}
		return nil, false
	}
}

// macroEndRe is the tag that ends a macro (or a generic test).
var macroEndRe = lazyre.New(`\{%-?\s*end(macro|test)\s*-?%\}`)

// macroSourceAt cuts the text of the macro starting at line from src (best
// effort); starts are lineStarts(src), which a file's macros share.
func macroSourceAt(src string, starts []int, line int) string {
	if line < 1 || line > len(starts) {
		return ""
	}
	rest := src[starts[line-1]:]
	start := strings.Index(rest, "{%")
	if start < 0 {
		return ""
	}
	if loc := macroEndRe().FindStringIndex(rest); loc != nil {
		return rest[start:loc[1]]
	}
	return rest[start:]
}

// lineStarts are the offsets where the lines of src start (one more than
// its newlines, as strings.SplitAfter counts lines).
func lineStarts(src string) []int {
	starts := make([]int, 1, strings.Count(src, "\n")+1)
	for i := 0; ; {
		k := strings.IndexByte(src[i:], '\n')
		if k < 0 {
			return starts
		}
		i += k + 1
		starts = append(starts, i)
	}
}

// macroFunc wraps a parsed macro so that it runs in the calling node's
// context (dbt semantics: macros see ref, this, config... of the node being
// rendered); return(x) makes the call yield x itself.
func (e *engine) macroFunc(def *macroDef) jinja.Func {
	return func(s *jinja.State, args []any, kwargs jinja.Kwargs) (any, error) {
		st := stateOf(s)
		if st == nil {
			return nil, fmt.Errorf("macro %s called without a render context", def.meta.Name)
		}
		return st.callMacro(def, s, args, kwargs)
	}
}

// callMacro runs def with the names of st's render as its globals. s is
// the calling render's state (nil outside a render).
func (st *renderState) callMacro(def *macroDef, s *jinja.State, args []any, kwargs jinja.Kwargs) (any, error) {
	// A project's or package's macro is recorded wherever it is called
	// (the render cache checks the files a render ran; built-ins change
	// only with elt); depends_on, as dbt's, only when the node's own
	// code calls it.
	if st.macroDepth == 0 {
		st.dependOn(def.meta.UniqueID)
		st.useMacro(def.meta.UniqueID)
	} else if !internalPackages[def.meta.Package] {
		st.useMacro(def.meta.UniqueID)
	}
	st.macroDepth++
	defer func() { st.macroDepth-- }()
	var v any
	var err error
	if def.siblings != nil {
		v, err = def.macro.Call(s, st.packageLookup(def), args, kwargs)
	} else {
		v, err = def.macro.CallWith(s, st, args, kwargs)
	}
	if err != nil {
		return v, leaveMacro(err, def.meta)
	}
	return v, nil
}

// stateOf finds the render state of the render s belongs to.
func stateOf(s *jinja.State) *renderState {
	v, _ := s.Lookup(stateName)
	st, _ := v.(*renderState)
	return st
}

// ansiDialect is used when Options.Dialect is nil (tests, ls): double quotes.
type ansiDialect struct{}

func (ansiDialect) Type() string { return "default" }
func (ansiDialect) Quote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
func (d ansiDialect) RenderRelation(r Relation) string {
	var parts []string
	for _, p := range []string{r.Database, r.Schema, r.Identifier} {
		if p != "" {
			parts = append(parts, d.Quote(p))
		}
	}
	return strings.Join(parts, ".")
}

// macroState is what the render cache checks of the macros: which macro
// each name resolves to (in the root project, elt's built-ins and each
// package) and the files they are in, and each macro file's contents.
func (e *engine) macroState() macroState {
	var b digest.Buf
	fileOf := map[string]string{}
	names := map[string]string{}
	sources := map[string]string{}
	add := func(scope string, defs map[string]*macroDef) {
		b.Num(len(defs))
		for _, name := range sortedKeys(defs) {
			meta := defs[name].meta
			b.Str(name, meta.UniqueID, meta.OriginalFilePath)
			fileOf[meta.UniqueID] = meta.OriginalFilePath
			names[scope+"\x00"+name] = meta.UniqueID
			sources[meta.UniqueID] = meta.MacroSQL
		}
	}
	add("", e.macros)
	add("\x01", e.builtins)
	for _, pkg := range sortedKeys(e.packageMacros) {
		b.Str(pkg)
		add(pkg, e.packageMacros[pkg])
	}
	return macroState{table: digest.Sum(b), files: e.macroFiles, fileOf: fileOf, names: names,
		source: func(id string) string { return sources[id] }, calls: e.macroDependsOn}
}

// goMacroNames are the macros elt calls by name from Go while a node
// renders (dbt-duckdb's external models, adapter methods): no template of
// the node names them.
const goMacroNames = "external_location render_write_options list_schemas list_relations_without_caching"

// mentionVars are the vars a render may read (--vars, the project's and
// the packages'), for mentionIndex: a var holding Jinja is rendered when
// var() reads it.
func (m *Manifest) mentionVars() []any {
	vars := []any{m.engine.opts.Vars, m.Project.Config.Vars}
	for _, p := range m.Project.Packages {
		if p.Config != nil {
			vars = append(vars, p.Config.Vars)
		}
	}
	return vars
}

// mentionNode is what node id's render may read names from besides the
// macros it calls and the vars (mentionIndex): its raw code, config and
// test arguments (rendered as Jinja when they hold it).
func (m *Manifest) mentionNode(id string) (raw string, config, kwargs any) {
	n := m.Nodes[id]
	if n == nil {
		n = m.disabled[id]
	}
	if n == nil {
		return "", nil, nil
	}
	if md := n.TestMetadata; md != nil {
		kwargs = md.Kwargs
	}
	return n.RawCode, map[string]any(n.Config), kwargs
}

// namingMacro reports which of dbt's naming macros (generate_schema_name,
// generate_alias_name, generate_database_name) a project macro named name
// overrides: that macro itself, or an implementation its dispatch finds
// (default__generate_schema_name, duckdb__generate_schema_name...).
func namingMacro(name string) (string, bool) {
	if i := strings.LastIndex(name, "__generate_"); i >= 0 {
		name = name[i+2:]
	}
	switch name {
	case "generate_schema_name", "generate_alias_name", "generate_database_name":
		return name, true
	}
	return "", false
}
