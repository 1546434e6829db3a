package jinja

import (
	"fmt"
	"reflect"
)

// Func is a Go function callable from templates.
type Func func(s *State, args []any, kwargs Kwargs) (any, error)

// FilterFunc implements a filter: v is the value left of the pipe.
type FilterFunc func(s *State, v any, args []any, kwargs Kwargs) (any, error)

// TestFunc implements a test (x is name(args)).
type TestFunc func(s *State, v any, args []any) (bool, error)

// Object lets Go values expose attributes to templates. A value may also
// implement GetItem(key any) (any, bool), Call(s *State, args []any,
// kwargs Kwargs) (any, error), Iter() []any, Len() int and String() string.
type Object interface {
	GetAttr(name string) (any, bool)
}

// Mapping is an Object that is a Python Mapping for `is mapping` (dbt's
// relations are).
type Mapping interface {
	IsMapping() bool
}

type itemGetter interface {
	GetItem(key any) (any, bool)
}

type callable interface {
	Call(s *State, args []any, kwargs Kwargs) (any, error)
}

// compiledMacro is a macro's compiled body and signature.
type compiledMacro struct {
	name           string
	params         []string
	defaults       []evalFn // aligned to the end of params
	body           execFn
	pos            int
	si             *srcInfo
	caller         bool // the body refers to caller
	varargs        bool
	kwargs         bool
	explicitCaller bool
	endPos         int  // where Jinja2 reports a failed join of the output
	outHint        int  // bytes of output to expect (outputHint)
	specials       int  // how many of caller, kwargs and varargs the body uses
	anonymous      bool // a call block's caller: its name is None
}

// macroValue is a macro bound to the scope it was defined in.
type macroValue struct {
	m  *compiledMacro
	sc *scope
	c  *tplCtx
}

// boundMethod is obj.method before it is called.
type boundMethod struct {
	recv any
	name string
}

// repr is Python's repr of a method got from a value; like Python's, it
// carries an address, so no two renders need agree on it.
func (m *boundMethod) repr() string {
	if c, ok := m.recv.(*cycler); ok {
		return fmt.Sprintf("<bound method Cycler.%s of <jinja2.utils.Cycler object at %p>>", m.name, c)
	}
	return fmt.Sprintf("<built-in method %s of %s object at %p>", m.name, typeName(m.recv), m)
}

// funcRepr is Python's repr of a global function: the classes dict,
// cycler, joiner and namespace print as classes, the functions with an
// address.
func funcRepr(f Func) string {
	p := reflect.ValueOf(f).Pointer()
	is := func(g Func) bool { return reflect.ValueOf(g).Pointer() == p }
	switch {
	case is(globalDict):
		return "<class 'dict'>"
	case is(globalCycler):
		return "<class 'jinja2.utils.Cycler'>"
	case is(globalJoiner):
		return "<class 'jinja2.utils.Joiner'>"
	case is(globalNamespace):
		return "<class 'jinja2.utils.Namespace'>"
	case is(globalRange):
		return fmt.Sprintf("<function safe_range at %#x>", p)
	case is(globalLipsum):
		return fmt.Sprintf("<function generate_lorem_ipsum at %#x>", p)
	}
	return "<function>"
}

func callValue(s *State, f any, args []any, kw *Dict, si *srcInfo, p int) (any, error) {
	switch fn := f.(type) {
	case *macroValue:
		return fn.invoke(s, args, kw, si, p)
	case Func:
		s.r.callEsc = false // for a macro this function may call
		v, err := fn(s, args, kw)
		if err != nil {
			if rs, ok := err.(*returnSignal); ok {
				return nil, rs
			}
			return nil, err
		}
		return norm(v), nil
	case func(s *State, args []any, kwargs Kwargs) (any, error):
		v, err := fn(s, args, kw)
		return norm(v), err
	case *boundMethod:
		return callMethod(s, fn.recv, fn.name, args, kw)
	case *Undefined:
		if fn.policy == Absorbing {
			return fn, nil
		}
		return nil, fn.err()
	case *loopCtx:
		if fn.recurse == nil {
			return nil, typeErr("Tried to call non recursive loop.  Maybe you forgot the 'recursive' modifier.")
		}
		if len(args) != 1 {
			return nil, typeErr("loop() takes exactly one argument")
		}
		return fn.recurse(args[0])
	case callable:
		v, err := fn.Call(s, args, kw)
		return norm(v), err
	}
	return nil, typeErr("'%s' object is not callable", typeName(f))
}

// macroFrame is what one macro call allocates.
type macroFrame struct {
	sc   scope
	st   State
	w    writer
	vals [3]any
}

// callSite is where a macro was called from; it becomes a Frame (with
// line and column) only when a stack is asked for.
type callSite struct {
	si    *srcInfo // nil for a call from Go
	pos   int
	macro string
}

func (c callSite) frame() Frame {
	f := Frame{Macro: c.macro}
	if c.si != nil {
		f.Line, f.Col = c.si.lineCol(c.pos)
		f.Name = c.si.name
	}
	return f
}

// invoke binds arguments the way Jinja2's Macro.__call__ does and runs
// the body in a new scope whose parent is the definition's scope.
func (mv *macroValue) invoke(s *State, args []any, kw *Dict, si *srcInfo, p int) (any, error) {
	return mv.run(&macroFrame{}, s, args, kw, si, p)
}

// run is invoke in f, a new frame.
func (mv *macroValue) run(f *macroFrame, s *State, args []any, kw *Dict, si *srcInfo, p int) (any, error) {
	m := mv.m
	r := s.r
	// A macro called where output is autoescaped returns Markup
	// (Jinja2's Macro.__call__ takes the caller's eval context).
	markup := r.callEsc
	r.callEsc = false
	if r.depth >= r.env.maxRecursion() {
		return nil, newErr("RecursionError", "maximum recursion depth exceeded")
	}
	if r.ctx != nil {
		if err := r.ctx.Err(); err != nil {
			return nil, &Error{Kind: "Canceled", Msg: err.Error(), Err: err}
		}
	}
	// The call's scope, state and output are f's. The scope's names are
	// a prefix of the parameters' own slice, grown as each is bound (a
	// default sees the parameters before it), until a special name or an
	// assignment extends them: it is full, so append copies.
	sc, inner := &f.sc, &f.st
	vals := f.vals[:0]
	if need := len(m.params) + m.specials; need > len(f.vals) {
		vals = make([]any, 0, need)
	}
	*sc = scope{parent: mv.sc, names: m.params[:0:0], vals: vals}
	*inner = State{r: r, c: mv.c, sc: sc}
	// Keyword arguments are matched in place: used marks those bound to
	// a parameter (or caller), and the rest are copied only when the
	// macro takes **kwargs or they are an error.
	nkw := kw.Len()
	var usedArr [8]bool
	var used []bool
	if nkw > 0 {
		used = usedArr[:0]
		if nkw > len(usedArr) {
			used = make([]bool, 0, nkw)
		}
		used = used[:nkw]
	}
	take := func(name string) (any, bool) {
		if nkw == 0 {
			return nil, false
		}
		if j := kw.findString(name); j >= 0 && !used[j] {
			used[j] = true
			return kw.vals[j], true
		}
		return nil, false
	}
	nparams := len(m.params)
	foundCaller := false
	firstDefault := nparams - len(m.defaults)
	for i, name := range m.params {
		var v any
		have := false
		if i < len(args) {
			v, have = args[i], true
		} else {
			v, have = take(name)
		}
		if name == "caller" && len(args) < nparams {
			foundCaller = true
		}
		if !have {
			if i >= firstDefault {
				dv, err := m.defaults[i-firstDefault](inner)
				if err != nil {
					return nil, err
				}
				v = dv
			} else {
				v = &Undefined{policy: r.undefined, hint: "parameter " + pyRepr(name) + " was not provided", name: name}
			}
		}
		sc.vals = append(sc.vals, v)
		sc.names = m.params[: i+1 : i+1]
	}
	if len(args) >= nparams {
		foundCaller = m.explicitCaller
	}
	if m.caller && !foundCaller {
		cv, _ := take("caller")
		if cv == nil {
			cv = &Undefined{policy: r.undefined, hint: "No caller defined", name: "caller"}
		}
		sc.names = append(sc.names, "caller")
		sc.vals = append(sc.vals, cv)
	}
	left := 0
	for _, u := range used {
		if !u {
			left++
		}
	}
	if m.kwargs {
		extraKw := &Dict{}
		if left > 0 {
			extraKw.keys, extraKw.vals = make([]any, 0, left), make([]any, 0, left)
			for j, u := range used {
				if !u {
					extraKw.keys = append(extraKw.keys, kw.keys[j])
					extraKw.vals = append(extraKw.vals, kw.vals[j])
				}
			}
		}
		sc.names = append(sc.names, "kwargs")
		sc.vals = append(sc.vals, extraKw)
	} else if left > 0 {
		if j := kw.findString("caller"); j >= 0 && !used[j] {
			return nil, typeErr("macro %s was invoked with two values for the special caller argument. This is most likely a bug.", pyRepr(m.name))
		}
		for j, u := range used {
			if !u {
				return nil, typeErr("macro %s takes no keyword argument %s", pyRepr(m.name), repr(kw.keys[j]))
			}
		}
	}
	if m.varargs {
		var va Tuple
		if len(args) > nparams {
			va = append(Tuple{}, args[nparams:]...)
		} else {
			va = Tuple{}
		}
		sc.names = append(sc.names, "varargs")
		sc.vals = append(sc.vals, va)
	} else if len(args) > nparams {
		return nil, typeErr("macro %s takes not more than %d argument(s)", pyRepr(m.name), nparams)
	}
	r.stack = append(r.stack, callSite{si: si, pos: p, macro: m.name})
	r.depth++
	w := &f.w
	w.b.Grow(m.outHint)
	err := m.body(inner, w)
	r.depth--
	r.stack = r.stack[:len(r.stack)-1]
	if err != nil {
		// return() ends the innermost macro, but not a call block's body:
		// it ends the macro that the block called (dbt raises MacroReturn,
		// which the block's body does not catch).
		if rs, ok := err.(*returnSignal); ok && !m.anonymous {
			return rs.v, nil
		}
		if err == errBreak || err == errContinue {
			return nil, nil
		}
		if e, ok := err.(*Error); ok && e.Kind != "RecursionError" || ok && len(e.Stack) < 50 {
			fr := callSite{si: si, pos: p, macro: m.name}.frame()
			e.Stack = append([]Frame{fr}, e.Stack...)
		}
		return nil, err
	}
	out, err := w.join()
	if err != nil {
		return nil, m.si.positioned(err, m.endPos)
	}
	if markup {
		return toMarkup(out), nil
	}
	return out, nil
}
