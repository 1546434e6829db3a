package jinja

import (
	"context"
	"math/big"
	"strings"
)

// render is the mutable state of one Render call, shared by every frame.
type render struct {
	ctx        context.Context
	env        *Env
	undefined  UndefinedPolicy // of this render's undefined values (PolicyGlobals)
	iterations int
	callEsc    bool // the call being made is in autoescaped code
	filterEsc  bool // the filter being called is in autoescaped code (its eval context's autoescape)
	autoescape bool // inside {% autoescape expr %} whose expr was not a constant and was true
	depth      int
	stack      []callSite
	callSi     *srcInfo // where the innermost call expression is, for Macro.Call
	callPos    int
}

// tplCtx is Jinja2's Context: the names a template (or a macro called
// from Go) resolves after its local scopes.
type tplCtx struct {
	tpl      *Template
	vars     map[string]any        // render variables
	globals  Globals               // an embedder's globals (Macro.Call)
	outer    *State                // include "with context": the includer's names
	root     *scope                // template-level assignments
	blocks   map[string][]*blockFn // block overrides, most derived first
	parent   *Template             // set by {% extends %}
	exported bool
}

// scope holds the names assigned in one Jinja2 scope.
type scope struct {
	parent *scope
	names  []string
	vals   []any
}

func (sc *scope) set(name string, v any) {
	for i, n := range sc.names {
		if n == name {
			sc.vals[i] = v
			return
		}
	}
	sc.names = append(sc.names, name)
	sc.vals = append(sc.vals, v)
}

func (sc *scope) get(name string) (any, bool) {
	for i, n := range sc.names {
		if n == name {
			return sc.vals[i], true
		}
	}
	return nil, false
}

// Globals resolves the names a template or macro does not define itself
// (RenderWith, Macro.CallWith).
type Globals interface {
	Lookup(name string) (any, bool)
}

// PolicyGlobals are Globals that also choose the policy of the render's
// undefined values, where the Env's is not the one wanted for every render
// (dbt parses with an undefined that chains and compiles with Jinja2's).
type PolicyGlobals interface {
	Globals
	UndefinedPolicy() UndefinedPolicy
}

// GlobalsFunc is a func as Globals.
type GlobalsFunc func(name string) (any, bool)

// Lookup calls f.
func (f GlobalsFunc) Lookup(name string) (any, bool) { return f(name) }

// State is what a Go callable sees of the render that calls it.
type State struct {
	r  *render
	c  *tplCtx
	sc *scope
}

// Context returns the render's context.Context.
func (s *State) Context() context.Context {
	if s == nil || s.r == nil || s.r.ctx == nil {
		return context.Background()
	}
	return s.r.ctx
}

// Lookup resolves a name the way the template would at this point.
func (s *State) Lookup(name string) (any, bool) {
	if s == nil {
		return nil, false
	}
	return s.lookup(name)
}

// CallStack returns the chain of macro calls, outermost first.
func (s *State) CallStack() []Frame {
	if s == nil || s.r == nil {
		return nil
	}
	if len(s.r.stack) == 0 {
		return nil
	}
	out := make([]Frame, len(s.r.stack))
	for i, c := range s.r.stack {
		out[i] = c.frame()
	}
	return out
}

func (s *State) lookup(name string) (any, bool) {
	for sc := s.sc; sc != nil; sc = sc.parent {
		for i, n := range sc.names {
			if n == name {
				return sc.vals[i], true
			}
		}
	}
	return s.c.lookup(s.r.env, name)
}

func (c *tplCtx) lookup(env *Env, name string) (any, bool) {
	if c.vars != nil {
		if v, ok := c.vars[name]; ok {
			return v, true
		}
	}
	if c.globals != nil {
		if v, ok := c.globals.Lookup(name); ok {
			return norm(v), true
		}
	}
	if c.outer != nil {
		if v, ok := c.outer.lookup(name); ok {
			return v, true
		}
	}
	if name == "self" && c.blocks != nil {
		return &blockRef{c: c}, true
	}
	if v, ok := env.globals[name]; ok {
		return v, true
	}
	if v, ok := builtinGlobals[name]; ok {
		return v, true
	}
	return nil, false
}

func (s *State) undefinedName(name string) *Undefined {
	return &Undefined{policy: s.r.undefined, name: name}
}

func (s *State) undef(hint string) *Undefined {
	return &Undefined{policy: s.r.undefined, hint: hint}
}

func (s *State) child() *State {
	return &State{r: s.r, c: s.c, sc: &scope{parent: s.sc}}
}

// writer collects output. In native mode (RenderNative at the top level)
// it keeps the values themselves.
//
// It also counts the items Jinja2's generated code would yield (or append
// to a buffer) so far: the output is joined with "".join at the end of a
// template, macro, set block or filter block, and a filter block or call
// block whose value is not a str makes that join fail with TypeError
// "sequence item N: expected str instance, ... found" after all its
// rendering is done.
type writer struct {
	b      strings.Builder
	native bool
	parts  []any
	n      int    // items yielded so far
	badAt  int    // index of the first non-str item, when badType != ""
	bad    string // its Python type name
}

func (w *writer) str(s string) {
	w.n++
	if w.native {
		w.parts = append(w.parts, s)
		return
	}
	w.b.WriteString(s)
}

// more writes text that Jinja2 folds into the item before it (template
// data after data or a constant output in the same output node).
func (w *writer) more(s string) {
	if w.native {
		w.parts = append(w.parts, s)
		return
	}
	w.b.WriteString(s)
}

func (w *writer) value(v any) error {
	w.n++
	if w.native {
		if u, ok := v.(*Undefined); ok {
			if u.policy == Strict {
				return u.err()
			}
		}
		w.parts = append(w.parts, v)
		return nil
	}
	switch x := v.(type) {
	case string:
		w.b.WriteString(x)
		return nil
	case SubStr:
		w.b.WriteString(x.S)
		return nil
	case int64, Markup, *Undefined, nil, bool, float64, *big.Int:
		s, err := toStr(v)
		if err != nil {
			return err
		}
		w.b.WriteString(s)
		return nil
	}
	// What toStr does for every other value, without a string of its own.
	return writeRepr(&w.b, v, true)
}

// raw writes a value Jinja2 yields without converting it to str: the
// result of a filter block or call block.
func (w *writer) raw(v any) error {
	if w.native {
		return w.value(v)
	}
	if s, ok := asString(v); ok {
		w.n++
		w.b.WriteString(s)
		return nil
	}
	if w.bad == "" {
		w.badAt, w.bad = w.n, typeName(v)
	}
	w.n++
	return nil
}

// join is "".join of the items written.
func (w *writer) join() (string, error) {
	if w.bad != "" {
		return "", typeErr("sequence item %d: expected str instance, %s found", w.badAt, w.bad)
	}
	return w.b.String(), nil
}

// absorb appends the items of an included template's writer.
func (w *writer) absorb(iw *writer) {
	if iw.bad != "" && w.bad == "" {
		w.badAt, w.bad = w.n+iw.badAt, iw.bad
	}
	w.n += iw.n
	w.b.WriteString(iw.b.String())
}
