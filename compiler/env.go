package compiler

import (
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/loaders"
	"github.com/nikolalohinski/gonja/v2/nodes"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/project"
)

// Context keys that carry per-render state through gonja's context chain.
const (
	stateKey  = "__elt_state__"
	frameKey  = "__elt_frame__"
	callerKey = "__gonja_caller__" // gonja's slot for {% call %} bodies
)

// engine is the Jinja environment of one invocation: macros parsed once,
// node templates parsed once, shared read-only by concurrent renders.
type engine struct {
	proj    *project.Project
	opts    Options
	dialect Dialect
	target  *project.Target
	cfg     *config.Config
	env     *exec.Environment // filters, tests, control structures, methods (Context unused)

	macros map[string]*macroDef // by name, after overrides
	// builtins are elt's own macros (dbt's "dbt" package) by name, before
	// project overrides: the dbt namespace and dispatch's last resort.
	builtins map[string]*macroDef
	globals  map[string]any // builtins and macros; never written after build

	tplMu     sync.Mutex
	templates map[string]*nodeTemplate // node unique id -> parsed template
	strCache  sync.Map                 // RenderString templates by source

	// customNaming is true when the project overrides a generate_*_name macro;
	// otherwise relation names are computed in Go (same result, faster).
	customNaming map[string]bool
}

// macroDef is one macro with the file template it was parsed from.
type macroDef struct {
	meta *Macro
	node *nodes.Macro
	tpl  *exec.Template
	fn   func(e *exec.Evaluator, va *exec.VarArgs) *exec.Value
}

// memLoader serves one template source; dbt projects have no includes.
type memLoader struct{ name, src string }

func (l *memLoader) Read(string) (io.Reader, error)         { return strings.NewReader(l.src), nil }
func (l *memLoader) Resolve(p string) (string, error)       { return p, nil }
func (l *memLoader) Inherit(string) (loaders.Loader, error) { return l, nil }

func newTemplate(e *engine, name, src string) (*exec.Template, error) {
	return exec.NewTemplate(name, e.cfg, &memLoader{name, src}, e.env)
}

func newEngine(p *project.Project, opts Options) *engine {
	cfg := config.New()
	cfg.KeepTrailingNewline = false // dbt's Jinja drops one trailing newline
	filters := exec.NewFilterSet(map[string]exec.FilterFunction{})
	filters.Update(builtins.Filters)
	for name, fn := range dbtFilters() {
		_ = filters.Replace(name, fn)  // replace when it exists...
		_ = filters.Register(name, fn) // ...register when it does not
	}
	e := &engine{
		proj:         p,
		opts:         opts,
		dialect:      opts.Dialect,
		cfg:          cfg,
		templates:    map[string]*nodeTemplate{},
		customNaming: map[string]bool{},
		env: &exec.Environment{
			Context:           exec.EmptyContext(),
			Filters:           filters,
			Tests:             builtins.Tests,
			ControlStructures: builtins.ControlStructures,
			Methods:           builtins.Methods,
		},
	}
	if e.dialect == nil {
		e.dialect = ansiDialect{}
	}
	e.target = p.Target
	if e.target == nil {
		e.target = &project.Target{Name: "default", Type: e.dialect.Type(), Threads: 1, Schema: "main"}
	}
	return e
}

var (
	testOpenRe  = regexp.MustCompile(`\{%(-?)\s*test\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(`)
	testCloseRe = regexp.MustCompile(`\{%(-?)\s*endtest\s*(-?)%\}`)
	matOpenRe   = regexp.MustCompile(`\{%-?\s*materialization\s[^%]*-?%\}`)
	matCloseRe  = regexp.MustCompile(`\{%-?\s*endmaterialization\s*-?%\}`)
)

// preprocess rewrites dbt-only tags gonja does not know, keeping every line
// where it was so positions in errors still point at the user's file:
// {% test x(...) %} becomes {% macro test_x(...) %}, and {% materialization %}
// blocks are blanked out (with a warning).
func preprocess(file, src string, warn func(diag.Diagnostic)) string {
	if strings.Contains(src, "materialization") {
		for {
			loc := matOpenRe.FindStringIndex(src)
			if loc == nil {
				break
			}
			end := matCloseRe.FindStringIndex(src[loc[1]:])
			stop := len(src)
			if end != nil {
				stop = loc[1] + end[1]
			}
			warn(diag.Warnf(file, diag.LineCol(src, loc[0]), "elt builds tables and views itself; custom materializations are not supported yet",
				"{%% materialization %%} block skipped"))
			src = src[:loc[0]] + strings.Repeat("\n", strings.Count(src[loc[0]:stop], "\n")) + src[stop:]
		}
	}
	if strings.Contains(src, "test") {
		src = testOpenRe.ReplaceAllString(src, "{%$1 macro test_$2(")
		src = testCloseRe.ReplaceAllString(src, "{%$1 endmacro $2%}")
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
	for _, s := range files {
		text := preprocess(s.file.Path, s.file.Contents, l.Add)
		tpl, err := newTemplate(e, s.file.Path, text)
		if err != nil {
			l.Add(templateDiag(s.file.Path, 0, "", err))
			continue
		}
		names := make([]string, 0, len(tpl.Macros()))
		for name := range tpl.Macros() {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			mn := tpl.Macros()[name]
			args := make([]string, 0, len(mn.Kwargs))
			for _, kw := range mn.Kwargs {
				if str, ok := kw.Key.(*nodes.String); ok {
					args = append(args, str.Val)
				}
			}
			line := mn.Position().Line
			if prev, ok := e.macros[name]; ok && prev.meta.Package == s.pkg && s.pkg != "elt" {
				l.Add(diag.Errorf(s.file.Path, diag.Pos{Line: line}, "rename one of them",
					"macro %q is defined twice (also at %s:%d)", name, prev.meta.OriginalFilePath, prev.meta.Line))
				continue
			}
			def := &macroDef{
				meta: &Macro{
					UniqueID:         "macro." + s.pkg + "." + name,
					Name:             name,
					Package:          s.pkg,
					OriginalFilePath: s.file.Path,
					Line:             line,
					MacroSQL:         macroSource(s.file.Contents, line),
					Arguments:        args,
				},
				node: mn,
				tpl:  tpl,
			}
			def.fn = e.macroFunc(def)
			e.macros[name] = def
			if s.pkg == "elt" {
				e.builtins[name] = def
			}
			if s.pkg != "elt" && strings.HasPrefix(name, "generate_") && strings.HasSuffix(name, "_name") {
				e.customNaming[name] = true
			}
		}
	}
}

// macroSource cuts the text of the macro starting at line from src (best effort).
func macroSource(src string, line int) string {
	lines := strings.SplitAfter(src, "\n")
	if line < 1 || line > len(lines) {
		return ""
	}
	rest := strings.Join(lines[line-1:], "")
	start := strings.Index(rest, "{%")
	if start < 0 {
		return ""
	}
	endRe := regexp.MustCompile(`\{%-?\s*end(macro|test)\s*-?%\}`)
	if loc := endRe.FindStringIndex(rest); loc != nil {
		return rest[start:loc[1]]
	}
	return rest[start:]
}

// macroFrame is the per-call slot return() writes into.
type macroFrame struct {
	returned bool
	value    any
}

// errReturn stops a macro body after return(); the macro wrapper turns it
// into the returned value.
type returnSignal struct{}

func (returnSignal) Error() string { return "return() called outside a macro" }

// macroFunc wraps a parsed macro so that it runs in the calling node's
// context (dbt semantics: macros see ref, this, config... of the node being
// rendered) and so that return(x) yields x as a real value.
func (e *engine) macroFunc(def *macroDef) func(*exec.Evaluator, *exec.VarArgs) *exec.Value {
	return func(ev *exec.Evaluator, va *exec.VarArgs) *exec.Value {
		st := stateOf(ev.Environment.Context)
		if st == nil {
			return exec.AsValue(fmt.Errorf("macro %s called without a render context", def.meta.Name))
		}
		return st.callMacro(def, ev.Environment.Context, va)
	}
}

func (st *renderState) callMacro(def *macroDef, callerCtx *exec.Context, va *exec.VarArgs) *exec.Value {
	e := st.engine
	st.useMacro(def.meta.UniqueID)
	st.depth++
	defer func() { st.depth-- }()
	if st.depth > 200 {
		return exec.AsValue(fmt.Errorf("macro %s: recursion too deep", def.meta.Name))
	}
	base := st.root.Inherit()
	frame := &macroFrame{}
	base.Set(frameKey, frame)
	if callerCtx != nil {
		if c, ok := callerCtx.Get(callerKey); ok && c != nil {
			base.Set(callerKey, c)
			callerCtx.Set(callerKey, nil)
		}
	}
	r := &exec.Renderer{
		Config: e.cfg,
		Environment: &exec.Environment{
			Context:           base,
			Filters:           e.env.Filters,
			Tests:             e.env.Tests,
			ControlStructures: e.env.ControlStructures,
			Methods:           e.env.Methods,
		},
		Template: def.tpl,
		RootNode: def.tpl.Root(),
		Output:   io.Discard,
		Loader:   nil,
	}
	fn, err := exec.MacroNodeToFunc(def.node, r)
	if err != nil {
		return exec.AsValue(err)
	}
	out := fn(va)
	if frame.returned {
		return exec.AsValue(frame.value)
	}
	return out
}

func stateOf(ctx *exec.Context) *renderState {
	v, ok := ctx.Get(stateKey)
	if !ok {
		return nil
	}
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
