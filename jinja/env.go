package jinja

import (
	"context"
	"sync"
)

// Options configure an Env.
type Options struct {
	Undefined     UndefinedPolicy
	Loader        func(name string) (string, error) // for include/import/from/extends; nil = none
	MaxRecursion  int                               // macro call depth; 0 means 500
	MaxIterations int                               // loop iterations per render; 0 means 10,000,000

	// MacroTags are extra block tags that define a macro, mapped to a
	// prefix for its name: with {"test": "test_"},
	// {% test unique(model) %}...{% endtest %} is
	// {% macro test_unique(model) %}...{% endmacro %}. (dbt's generic
	// test blocks are such tags.) Jinja2 itself has none.
	MacroTags map[string]string
}

// Env holds filters, tests and globals. Configure it before rendering:
// AddGlobal, AddFilter and AddTest must not run concurrently with Parse
// or Render. Templates it parses may be rendered concurrently.
type Env struct {
	opts    Options
	globals map[string]any
	filters map[string]FilterFunc
	tests   map[string]TestFunc
	loaded  sync.Map  // name -> *loadResult, templates the Loader returned
	parsers sync.Pool // *parser, reset: their buffers and slabs serve many parses
}

type loadResult struct {
	once sync.Once
	t    *Template
	err  error
}

// New makes an Env.
func New(opts Options) *Env {
	return &Env{opts: opts, globals: map[string]any{}, filters: map[string]FilterFunc{}, tests: map[string]TestFunc{}}
}

// Derive is an Env with e's options, globals (shared: a global added to
// either is seen by both) and tests, and e's filters with filters over
// them: an embedder's second environment that differs in a few filters
// (dbt's native one).
func (e *Env) Derive(filters map[string]FilterFunc) *Env {
	d := &Env{opts: e.opts, globals: e.globals, filters: make(map[string]FilterFunc, len(e.filters)+len(filters)), tests: e.tests}
	for name, f := range e.filters {
		d.filters[name] = f
	}
	for name, f := range filters {
		d.filters[name] = f
	}
	return d
}

// AddGlobal makes v visible to every template under name.
func (e *Env) AddGlobal(name string, v any) { e.globals[name] = norm(v) }

// Global returns the environment's global of that name.
func (e *Env) Global(name string) (any, bool) {
	v, ok := e.globals[name]
	return v, ok
}

// AddFilter adds or replaces a filter.
func (e *Env) AddFilter(name string, f FilterFunc) { e.filters[name] = f }

// AddTest adds or replaces a test.
func (e *Env) AddTest(name string, f TestFunc) { e.tests[name] = f }

func (e *Env) lookupFilter(name string) FilterFunc {
	if f, ok := e.filters[name]; ok {
		return f
	}
	return builtinFilters[name]
}

func (e *Env) lookupTest(name string) TestFunc {
	if f, ok := e.tests[name]; ok {
		return f
	}
	return builtinTests[name]
}

func (e *Env) maxRecursion() int {
	if e.opts.MaxRecursion > 0 {
		return e.opts.MaxRecursion
	}
	return 500
}

func (e *Env) maxIterations() int {
	if e.opts.MaxIterations > 0 {
		return e.opts.MaxIterations
	}
	return 10_000_000
}

// Template is a parsed, compiled template. It is immutable and safe for
// concurrent use.
type Template struct {
	env    *Env
	name   string
	si     *srcInfo
	body   execFn
	blocks map[string]*blockFn
	macros []*Macro
	// outHint is how much output to expect: a render's writer starts
	// with that capacity.
	outHint int
}

// Macro is a top-level {% macro %} of a template.
type Macro struct {
	Name   string
	Params []string
	Line   int
	Col    int
	tpl    *Template
	m      *compiledMacro
}

// getParser takes a parser from the pool; putParser returns it, reset.
func (e *Env) getParser() *parser {
	if p, _ := e.parsers.Get().(*parser); p != nil {
		return p
	}
	return new(parser)
}

func (e *Env) putParser(p *parser) {
	p.reset()
	e.parsers.Put(p)
}

// Parse parses and compiles a template. name is used in error positions.
func (e *Env) Parse(name, source string) (*Template, error) {
	src := normalizeSource(source)
	p := e.getParser()
	defer e.putParser(p)
	body, err := parseTemplate(p, name, src, e.opts.MacroTags)
	if err != nil {
		return nil, err
	}
	// The template, its source information and its compiler live as
	// long as each other: one allocation.
	a := &struct {
		t  Template
		si srcInfo
		c  compiler
	}{}
	t, c := &a.t, &a.c
	a.si.init(name, src)
	*t = Template{env: e, name: name, si: &a.si, outHint: len(src) + 16}
	if len(p.blocks) > 0 {
		t.blocks = map[string]*blockFn{}
	}
	*c = compiler{env: e, si: t.si, tpl: t, free: p.valFree}
	if len(p.macros) > 0 {
		c.macroOf = map[*macroStmt]*compiledMacro{}
	}
	perr := p.catch(func() {
		t.body = c.body(body)
		for name, b := range p.blocks {
			t.blocks[name] = c.blockFn(b)
		}
	})
	p.valFree, c.free = c.free, nil
	if perr != nil {
		return nil, perr
	}
	for _, ms := range p.macros {
		l, col := t.si.lineCol(ms.position())
		t.macros = append(t.macros, &Macro{Name: ms.name, Params: ms.params, Line: l, Col: col, tpl: t, m: c.macroOf[ms]})
	}
	// c lives as long as t (one allocation, and the closures hold it):
	// macroOf's keys would keep the macros' syntax trees, and through the
	// slab chunks they share, those of the parser's other templates.
	c.macroOf = nil
	return t, nil
}

// Name is the template's name.
func (t *Template) Name() string { return t.name }

// Macros returns the top-level macro definitions in source order.
func (t *Template) Macros() []*Macro { return t.macros }

// Render renders the template with vars.
func (t *Template) Render(vars map[string]any) (string, error) {
	return t.RenderContext(context.Background(), vars)
}

// RenderContext renders the template; ctx is checked in loops and macro calls.
func (t *Template) RenderContext(ctx context.Context, vars map[string]any) (string, error) {
	v, w, err := t.render(ctx, vars, false)
	if err != nil {
		return "", err
	}
	if w == nil {
		return toStr(v)
	}
	return w.join()
}

// RenderNative renders like jinja2.nativetypes: a single output value is
// returned as is; several are concatenated and parsed as a Python literal
// when possible, else returned as the string.
func (t *Template) RenderNative(vars map[string]any) (any, error) {
	v, w, err := t.render(context.Background(), vars, true)
	if err != nil {
		return nil, err
	}
	if w == nil {
		return v, nil
	}
	return nativeConcat(w.parts)
}

func normVars(vars map[string]any) map[string]any {
	for _, v := range vars {
		switch v.(type) {
		case string, int64, float64, bool, nil, *Dict, *List, Func, map[string]any:
			continue
		}
		out := make(map[string]any, len(vars))
		for k, v := range vars {
			if l, ok := v.([]any); ok {
				out[k] = &List{Items: l}
			} else {
				out[k] = norm(v)
			}
		}
		return out
	}
	return vars
}

// render runs the template. When a ReturnValue stops it, w is nil and v is
// the value.
func (t *Template) render(ctx context.Context, vars map[string]any, native bool) (any, *writer, error) {
	s, w := t.start(ctx, normVars(vars), nil, native)
	if err := t.run(s, w); err != nil {
		if rs, ok := err.(*returnSignal); ok {
			return rs.v, nil, nil
		}
		return nil, nil, err
	}
	return nil, w, nil
}

// renderFrame is what starting a render allocates, in one piece.
type renderFrame struct {
	r     render
	c     tplCtx
	root  scope
	s     State
	w     writer
	stack [2]callSite // r.stack's first backing array
}

// start prepares a render of t: its state and its output.
func (t *Template) start(ctx context.Context, vars map[string]any, globals Globals, native bool) (*State, *writer) {
	f := &renderFrame{}
	f.r = render{ctx: ctx, env: t.env, stack: f.stack[:0], undefined: t.env.opts.Undefined}
	if pg, ok := globals.(PolicyGlobals); ok {
		f.r.undefined = pg.UndefinedPolicy()
	}
	f.c = tplCtx{tpl: t, vars: vars, globals: globals, root: &f.root}
	t.initBlocks(&f.c)
	f.s = State{r: &f.r, c: &f.c, sc: &f.root}
	f.w.native = native
	if !native {
		f.w.b.Grow(t.outHint)
	}
	return &f.s, &f.w
}

func (t *Template) newCtx(vars map[string]any) *tplCtx {
	c := &tplCtx{tpl: t, vars: vars, root: &scope{}}
	t.initBlocks(c)
	return c
}

func (t *Template) initBlocks(c *tplCtx) {
	if len(t.blocks) > 0 {
		c.blocks = make(map[string][]*blockFn, len(t.blocks))
		for name, b := range t.blocks {
			c.blocks[name] = []*blockFn{b}
		}
	}
}

// run executes a template's body, then the templates it extends.
func (t *Template) run(s *State, w *writer) error {
	if err := t.body(s, w); err != nil {
		return err
	}
	c := s.c
	for c.parent != nil {
		pt := c.parent
		nc := &tplCtx{tpl: pt, vars: c.vars, globals: c.globals, outer: c.outer, root: c.root, blocks: c.blocks}
		if err := pt.body(&State{r: s.r, c: nc, sc: nc.root}, w); err != nil {
			return err
		}
		c = nc
	}
	return nil
}

// Call runs the macro with globals resolving the names it does not define
// itself (how dbt runs a macro in the calling node's context). s is the
// calling render's state, or nil outside a render. The result is the
// rendered string, or the value passed to ReturnValue.
func (m *Macro) Call(s *State, globals func(name string) (any, bool), args []any, kwargs Kwargs) (any, error) {
	var g Globals
	if globals != nil {
		g = GlobalsFunc(globals)
	}
	return m.CallWith(s, g, args, kwargs)
}

// CallWith is Call with the globals as an interface, which an embedder's
// per-render state can implement without allocating a func.
func (m *Macro) CallWith(s *State, globals Globals, args []any, kwargs Kwargs) (any, error) {
	// The macro's context, bound value, calling state and frame: one
	// allocation.
	f := &struct {
		c     tplCtx
		root  scope
		mv    macroValue
		s     State
		frame macroFrame
	}{}
	var r *render
	var si *srcInfo
	p := 0
	if s != nil && s.r != nil {
		r = s.r
		si, p = r.callSi, r.callPos
	} else {
		// A call from Go starts a render: with room for a few frames.
		rf := &struct {
			r     render
			stack [4]callSite
		}{}
		rf.r = render{ctx: context.Background(), env: m.tpl.env, stack: rf.stack[:0], undefined: m.tpl.env.opts.Undefined}
		r = &rf.r
	}
	f.c = tplCtx{tpl: m.tpl, globals: globals, root: &f.root}
	for i, a := range args {
		args[i] = norm(a)
	}
	f.mv = macroValue{m: m.m, sc: &f.root, c: &f.c}
	f.s = State{r: r, c: &f.c, sc: &f.root}
	return f.mv.run(&f.frame, &f.s, args, kwargs, si, p)
}

// load returns the template the Loader gives for name, parsed once.
func (e *Env) load(name string) (*Template, error) {
	if e.opts.Loader == nil {
		return nil, &Error{Kind: "TemplateNotFound", Msg: name}
	}
	v, _ := e.loaded.LoadOrStore(name, &loadResult{})
	lr := v.(*loadResult)
	lr.once.Do(func() {
		src, err := e.opts.Loader(name)
		if err != nil {
			lr.err = &Error{Kind: "TemplateNotFound", Msg: name, Err: err}
			return
		}
		lr.t, lr.err = e.Parse(name, src)
	})
	return lr.t, lr.err
}

func notFound(err error) bool {
	e, ok := err.(*Error)
	return ok && e.Kind == "TemplateNotFound"
}
