package jinja

import "strings"

// Templates are compiled into a tree of Go closures: every AST node
// becomes one func that evaluates its children's funcs directly. There is
// no reflection and no per-node interface dispatch at render time, and
// every closure that can fail knows its source position.

type evalFn func(s *State) (any, error)

type compiler struct {
	env  *Env
	si   *srcInfo
	tpl  *Template
	soft bool // inside an if or conditional expression: unknown filters fail late
	// wholeConst: compiling an output's expression that Jinja2's code
	// generator folds whole (outputFoldable), where a constant slice of a
	// value that cannot be sliced is an undefined value, not an error.
	wholeConst bool
	// noOutputCheck: compiling a macro body or a set block, where
	// Jinja2 does not check for a parent template before writing (its
	// frame's require_output_check is false): their text is written even
	// in a template that extends another.
	noOutputCheck bool
	// esc is the autoescaping of the code being compiled, set by
	// {% autoescape %}: escOn escapes output, escVolatile when the
	// render's value (its expression was not a constant) says so.
	esc escMode

	macroOf map[*macroStmt]*compiledMacro

	free []any // slab memory for the literal arguments of calls (values), the parser's
}

// values returns n zero values from slab memory, full so that an append
// copies.
func (c *compiler) values(n int) []any {
	if len(c.free) < n {
		c.free = make([]any, max(n, 64))
	}
	out := c.free[:n:n]
	c.free = c.free[n:]
	return out
}

func (c *compiler) at(err error, p int) error { return c.si.positioned(err, p) }

func (c *compiler) expr(e expr) evalFn {
	switch n := e.(type) {
	case *constExpr:
		v := n.val
		return func(*State) (any, error) { return v, nil }
	case *nameExpr:
		return c.name(n)
	case *getattrExpr:
		return c.getattr(n)
	case *getitemExpr:
		return c.getitem(n)
	case *callExpr:
		return c.call(n)
	case *filterExpr:
		return c.filter(n, nil)
	case *testExpr:
		return c.test(n)
	case *unaryExpr:
		return c.unary(n)
	case *binaryExpr:
		return c.binary(n)
	case *concatExpr:
		return c.concat(n)
	case *compareExpr:
		return c.compare(n)
	case *condExpr:
		return c.cond(n)
	case *listExpr:
		items := c.exprs(n.items)
		return func(s *State) (any, error) {
			var l *List
			var out []any
			if len(items) <= 4 {
				// A short list and its items in one allocation (full,
				// so that an append copies).
				f := &struct {
					l   List
					arr [4]any
				}{}
				l, out = &f.l, f.arr[:len(items):len(items)]
			} else {
				l, out = &List{}, make([]any, len(items))
			}
			for i, f := range items {
				v, err := f(s)
				if err != nil {
					return nil, err
				}
				out[i] = v
			}
			l.Items = out
			return l, nil
		}
	case *tupleExpr:
		items := c.exprs(n.items)
		return func(s *State) (any, error) {
			out := make(Tuple, len(items))
			for i, f := range items {
				v, err := f(s)
				if err != nil {
					return nil, err
				}
				out[i] = v
			}
			return out, nil
		}
	case *dictExpr:
		keys, vals := c.exprs(n.keys), c.exprs(n.vals)
		p := n.position()
		return func(s *State) (any, error) {
			d := &Dict{}
			for i := range keys {
				k, err := keys[i](s)
				if err != nil {
					return nil, err
				}
				v, err := vals[i](s)
				if err != nil {
					return nil, err
				}
				if err := d.set(k, v); err != nil {
					return nil, c.at(err, p)
				}
			}
			return d, nil
		}
	case *sliceExpr:
		start, stop, step := c.optExpr(n.start), c.optExpr(n.stop), c.optExpr(n.step)
		return func(s *State) (any, error) {
			var sl sliceVal
			var err error
			if sl.start, err = start(s); err != nil {
				return nil, err
			}
			if sl.stop, err = stop(s); err != nil {
				return nil, err
			}
			if sl.step, err = step(s); err != nil {
				return nil, err
			}
			return &sl, nil
		}
	case *nsRefExpr:
		p := n.position()
		return func(*State) (any, error) {
			return nil, c.at(newErr("TemplateSyntaxError", "namespace reference in expression"), p)
		}
	}
	panic("jinja: unknown expression node")
}

func (c *compiler) optExpr(e expr) evalFn {
	if e == nil {
		return func(*State) (any, error) { return nil, nil }
	}
	return c.expr(e)
}

func (c *compiler) exprs(es []expr) []evalFn {
	out := make([]evalFn, len(es))
	for i, e := range es {
		out[i] = c.expr(e)
	}
	return out
}

// sliceVal is a[start:stop:step]'s subscript.
type sliceVal struct{ start, stop, step any }

func (c *compiler) name(n *nameExpr) evalFn {
	name := n.name
	return func(s *State) (any, error) { return s.resolve(name), nil }
}

// resolve is the value of a name, undefined when there is none.
func (s *State) resolve(name string) any {
	for sc := s.sc; sc != nil; sc = sc.parent {
		for i, nm := range sc.names {
			if nm == name {
				return sc.vals[i]
			}
		}
	}
	if v, ok := s.c.lookup(s.r.env, name); ok {
		return v
	}
	return s.undefinedName(name)
}

func (c *compiler) getattr(n *getattrExpr) evalFn {
	obj := c.expr(n.obj)
	attr := n.attr
	p := n.position()
	return func(s *State) (any, error) {
		o, err := obj(s)
		if err != nil {
			return nil, err
		}
		if t, ok := o.(SubStr); ok && t.Attrs != nil {
			if v, ok := t.Attrs.GetAttr(attr); ok {
				return v, nil
			}
		}
		v, err := getAttr(s, plain(o), attr)
		if err != nil {
			return nil, c.at(err, p)
		}
		return v, nil
	}
}

func (c *compiler) getitem(n *getitemExpr) evalFn {
	obj := c.expr(n.obj)
	key := c.expr(n.key)
	p := n.position()
	if _, ok := n.key.(*sliceExpr); ok && c.wholeConst && c.foldable(n.obj) && c.foldable(n.key) {
		// Jinja2 folds a constant subscript at compile time through
		// environment.getitem, which gives an undefined value where the
		// runtime slice (a plain Python subscript) raises: {{ 5[1:] }}
		// renders nothing, {{ x[1:] }} with x = 5 raises TypeError. What
		// folds has the same value at run time; what raises while folding
		// is left to the run time by Jinja2 too. Its optimizer keeps only
		// folded values with a safe repr, which an undefined value has
		// not: the undefined value stands only where the code generator
		// folds an output's whole expression ({{ [5[1:], 1] }}); in
		// {{ [5[1:], x] }} or {% set y = 5[1:] %} the slice raises.
		return func(s *State) (any, error) {
			o, err := obj(s)
			if err != nil {
				return nil, err
			}
			k, err := key(s)
			if err != nil {
				return nil, err
			}
			v, err := getItem(s, plain(o), plain(k))
			if e, ok := err.(*Error); ok && e.Kind == "TypeError" {
				return undefAttr(s, o, k), nil
			}
			if err != nil {
				return nil, c.at(err, p)
			}
			return v, nil
		}
	}
	return func(s *State) (any, error) {
		o, err := obj(s)
		if err != nil {
			return nil, err
		}
		k, err := key(s)
		if err != nil {
			return nil, err
		}
		v, err := getItem(s, plain(o), plain(k))
		if err != nil {
			return nil, c.at(err, p)
		}
		return v, nil
	}
}

// argsFn evaluates call arguments.
type argsFn func(s *State) ([]any, *Dict, error)

// argsSpec is a call's compiled arguments. It is a small value, kept in
// the closure of the call itself: literal arguments are kept as values,
// not compiled into funcs, and a call allocates one slice for its
// positional and keyword arguments together.
type argsSpec struct {
	vals  []any     // literal values (positional, keyword), then the keywords' names
	n, nk int32     // positional and keyword arguments
	more  *argsMore // nil when every argument is a literal, without * or **
}

type argsMore struct {
	fns []evalFn // per argument, positional then keyword: nil for a literal
	dyn argsFn   // a call with * or **: the general path
}

// eval evaluates the arguments. Every call gets new slices: callees may
// change them.
func (a argsSpec) eval(s *State) ([]any, *Dict, error) {
	if a.more != nil && a.more.dyn != nil {
		return a.more.dyn(s)
	}
	n, nk := int(a.n), int(a.nk)
	if nk == 0 {
		if n == 0 {
			return nil, nil, nil
		}
		out := make([]any, n)
		if err := a.fill(s, out, 0); err != nil {
			return nil, nil, err
		}
		return out, nil, nil
	}
	var buf []any
	var kw *Dict
	if n+2*nk <= 6 {
		// Few arguments: the dict and the slice in one allocation.
		d := &struct {
			d   Dict
			buf [6]any
		}{}
		kw, buf = &d.d, d.buf[:n+2*nk]
	} else {
		kw, buf = &Dict{}, make([]any, n+2*nk)
	}
	out := buf[:n:n]
	kw.keys, kw.vals = buf[n:n+nk:n+nk], buf[n+nk:n+2*nk:n+2*nk]
	copy(kw.keys, a.vals[n+nk:])
	if err := a.fill(s, out, 0); err != nil {
		return nil, nil, err
	}
	if err := a.fill(s, kw.vals, n); err != nil {
		return nil, nil, err
	}
	return out, kw, nil
}

// fill sets out to arguments off.. in order.
func (a *argsSpec) fill(s *State, out []any, off int) error {
	if a.more == nil {
		copy(out, a.vals[off:])
		return nil
	}
	for i := range out {
		f := a.more.fns[off+i]
		if f == nil {
			out[i] = a.vals[off+i]
			continue
		}
		v, err := f(s)
		if err != nil {
			return err
		}
		out[i] = plain(v)
	}
	return nil
}

func (c *compiler) args(a callArgs, p int) argsSpec {
	if a.dynArgs == nil && a.dynKwargs == nil {
		return c.staticArgs(a)
	}
	return argsSpec{more: &argsMore{dyn: c.dynArgs(a, p)}}
}

// staticArgs compiles arguments without * and **.
func (c *compiler) staticArgs(a callArgs) argsSpec {
	n, nk := len(a.args), len(a.kwNames)
	spec := argsSpec{n: int32(n), nk: int32(nk)}
	if n+nk == 0 {
		return spec
	}
	spec.vals = c.values(n + 2*nk)
	for i := range n + nk {
		var e expr
		if i < n {
			e = a.args[i]
		} else {
			e = a.kwValues[i-n]
		}
		if k, ok := e.(*constExpr); ok {
			spec.vals[i] = k.val
			continue
		}
		if spec.more == nil {
			spec.more = newArgsMore(n + nk)
		}
		spec.more.fns[i] = c.expr(e)
	}
	for i, k := range a.kwNames {
		spec.vals[n+nk+i] = k
	}
	return spec
}

// newArgsMore makes the argsMore of a call of n arguments: for a few
// arguments, with its funcs in the same allocation.
func newArgsMore(n int) *argsMore {
	if n <= 4 {
		m := &struct {
			argsMore
			fns [4]evalFn
		}{}
		m.argsMore.fns = m.fns[:n:n]
		return &m.argsMore
	}
	return &argsMore{fns: make([]evalFn, n)}
}

// dynArgs compiles arguments with * or **.
func (c *compiler) dynArgs(a callArgs, p int) argsFn {
	pos := c.exprs(a.args)
	kwv := c.exprs(a.kwValues)
	names := a.kwNames
	dynArgs, dynKwargs := a.dynArgs, a.dynKwargs
	var da, dk evalFn
	if dynArgs != nil {
		da = c.expr(dynArgs)
	}
	if dynKwargs != nil {
		dk = c.expr(dynKwargs)
	}
	return func(s *State) ([]any, *Dict, error) {
		out := make([]any, 0, len(pos))
		for _, f := range pos {
			v, err := f(s)
			if err != nil {
				return nil, nil, err
			}
			out = append(out, plain(v))
		}
		var kw *Dict
		if len(names) > 0 || dk != nil {
			kw = &Dict{}
		}
		for i, f := range kwv {
			v, err := f(s)
			if err != nil {
				return nil, nil, err
			}
			kw.keys = append(kw.keys, names[i])
			kw.vals = append(kw.vals, plain(v))
		}
		if da != nil {
			v, err := da(s)
			if err != nil {
				return nil, nil, err
			}
			items, err := iterate(v)
			if err != nil {
				return nil, nil, c.at(err, p)
			}
			out = append(out, items...)
		}
		if dk != nil {
			v, err := dk(s)
			if err != nil {
				return nil, nil, err
			}
			d, ok := toDict(v)
			if !ok {
				return nil, nil, c.at(typeErr("argument after ** must be a mapping, not %s", typeName(v)), p)
			}
			for i, k := range d.keys {
				ks, ok := k.(string)
				if !ok {
					return nil, nil, c.at(typeErr("keywords must be strings"), p)
				}
				kw.set(ks, d.vals[i])
			}
		}
		return out, kw, nil
	}
}

func toDict(v any) (*Dict, bool) {
	switch x := v.(type) {
	case *Dict:
		return x, true
	case map[string]any:
		return dictFromMap(x), true
	}
	return nil, false
}

func (c *compiler) call(n *callExpr) evalFn {
	args := c.args(n.callArgs, n.position())
	p := n.position()
	si := c.si
	esc := c.esc
	if ga, ok := n.fn.(*getattrExpr); ok {
		// obj.method(...) on builtin types skips making a bound method.
		obj := c.expr(ga.obj)
		attr := ga.attr
		gp := ga.position()
		return func(s *State) (any, error) {
			o, err := obj(s)
			if err != nil {
				return nil, err
			}
			o = plain(o)
			if hasBuiltinMethod(o, attr) {
				a, kw, err := args.eval(s)
				if err != nil {
					return nil, err
				}
				v, err := callMethod(s, o, attr, a, kw)
				if err != nil {
					return nil, c.at(err, p)
				}
				return v, nil
			}
			f, err := getAttr(s, o, attr)
			if err != nil {
				return nil, c.at(err, gp)
			}
			a, kw, err := args.eval(s)
			if err != nil {
				return nil, err
			}
			s.r.callSi, s.r.callPos = si, p
			s.r.callEsc = esc.on(s)
			v, err := callValue(s, f, a, kw, si, p)
			if err != nil {
				return nil, c.at(err, p)
			}
			return v, nil
		}
	}
	if ne, ok := n.fn.(*nameExpr); ok {
		// name(...), the most common call, looks the name up itself.
		name := ne.name
		return func(s *State) (any, error) {
			f := s.resolve(name)
			a, kw, err := args.eval(s)
			if err != nil {
				return nil, err
			}
			s.r.callSi, s.r.callPos = si, p
			s.r.callEsc = esc.on(s)
			v, err := callValue(s, f, a, kw, si, p)
			if err != nil {
				return nil, si.positioned(err, p)
			}
			return v, nil
		}
	}
	fn := c.expr(n.fn)
	return func(s *State) (any, error) {
		f, err := fn(s)
		if err != nil {
			return nil, err
		}
		a, kw, err := args.eval(s)
		if err != nil {
			return nil, err
		}
		s.r.callSi, s.r.callPos = si, p
		s.r.callEsc = esc.on(s)
		v, err := callValue(s, f, a, kw, si, p)
		if err != nil {
			return nil, c.at(err, p)
		}
		return v, nil
	}
}

// filter compiles a filter application; in filter blocks the input comes
// from input instead of n.x.
func (c *compiler) filter(n *filterExpr, input evalFn) evalFn {
	var x evalFn
	switch {
	case input != nil:
		x = input
	case n.x != nil:
		x = c.expr(n.x)
	default:
		x = func(*State) (any, error) { return nil, nil }
	}
	args := c.args(n.callArgs, n.position())
	p := n.position()
	name := n.name
	f := c.env.lookupFilter(name)
	if f == nil && !c.soft {
		panic(parseErr{&Error{Kind: "TemplateAssertionError", Msg: "No filter named " + pyRepr(name) + ".", Name: c.si.name, Line: lineOf(c.si, p), Col: colOf(c.si, p)}})
	}
	// The filters Jinja2 passes the eval context (join, replace, urlize,
	// xmlattr), and those that call other filters by name (map...), see
	// whether output is escaped where the call is.
	esc := c.esc
	return func(s *State) (any, error) {
		ff := f
		if ff == nil {
			if ff = s.r.env.lookupFilter(name); ff == nil {
				return nil, c.at(newErr("TemplateRuntimeError", "No filter named "+pyRepr(name)+" found."), p)
			}
		}
		v, err := x(s)
		if err != nil {
			return nil, err
		}
		a, kw, err := args.eval(s)
		if err != nil {
			return nil, err
		}
		was := s.r.filterEsc
		s.r.filterEsc = esc.on(s)
		r, err := ff(s, plain(v), a, kw)
		s.r.filterEsc = was
		if err != nil {
			return nil, c.at(err, p)
		}
		return norm(r), nil
	}
}

func lineOf(si *srcInfo, p int) int { l, _ := si.lineCol(p); return l }
func colOf(si *srcInfo, p int) int  { _, c := si.lineCol(p); return c }

func (c *compiler) test(n *testExpr) evalFn {
	x := c.expr(n.x)
	args := c.args(n.callArgs, n.position())
	p := n.position()
	name := n.name
	f := c.env.lookupTest(name)
	if f == nil && !c.soft {
		panic(parseErr{&Error{Kind: "TemplateAssertionError", Msg: "No test named " + pyRepr(name) + ".", Name: c.si.name, Line: lineOf(c.si, p), Col: colOf(c.si, p)}})
	}
	return func(s *State) (any, error) {
		tf := f
		if tf == nil {
			if tf = s.r.env.lookupTest(name); tf == nil {
				return nil, c.at(newErr("TemplateRuntimeError", "No test named "+pyRepr(name)+" found."), p)
			}
		}
		v, err := x(s)
		if err != nil {
			return nil, err
		}
		a, kw, err := args.eval(s)
		if err != nil {
			return nil, err
		}
		if kw.Len() > 0 {
			// tests take keyword arguments positionally in the order given
			a = append(a, kw.vals...)
		}
		r, err := tf(s, plain(v), a)
		if err != nil {
			return nil, c.at(err, p)
		}
		return r, nil
	}
}

func (c *compiler) unary(n *unaryExpr) evalFn {
	x := c.expr(n.x)
	p := n.position()
	switch n.op {
	case "not":
		return func(s *State) (any, error) {
			v, err := x(s)
			if err != nil {
				return nil, err
			}
			b, err := truth(v)
			if err != nil {
				return nil, c.at(err, p)
			}
			return !b, nil
		}
	case "-":
		return func(s *State) (any, error) {
			v, err := x(s)
			if err != nil {
				return nil, err
			}
			r, err := negate(plain(v))
			if err != nil {
				return nil, c.at(err, p)
			}
			return r, nil
		}
	}
	return func(s *State) (any, error) {
		v, err := x(s)
		if err != nil {
			return nil, err
		}
		r, err := unaryPlus(plain(v))
		if err != nil {
			return nil, c.at(err, p)
		}
		return r, nil
	}
}

func (c *compiler) binary(n *binaryExpr) evalFn {
	l, r := c.expr(n.l), c.expr(n.r)
	p := n.position()
	switch n.op {
	case "and":
		return func(s *State) (any, error) {
			a, err := l(s)
			if err != nil {
				return nil, err
			}
			t, err := truth(a)
			if err != nil {
				return nil, c.at(err, p)
			}
			if !t {
				return a, nil
			}
			return r(s)
		}
	case "or":
		return func(s *State) (any, error) {
			a, err := l(s)
			if err != nil {
				return nil, err
			}
			t, err := truth(a)
			if err != nil {
				return nil, c.at(err, p)
			}
			if t {
				return a, nil
			}
			return r(s)
		}
	}
	op := binOps[n.op]
	return func(s *State) (any, error) {
		a, err := l(s)
		if err != nil {
			return nil, err
		}
		b, err := r(s)
		if err != nil {
			return nil, err
		}
		v, err := op(plain(a), plain(b))
		if err != nil {
			return nil, c.at(err, p)
		}
		return v, nil
	}
}

func (c *compiler) concat(n *concatExpr) evalFn {
	items := c.exprs(n.items)
	p := n.position()
	esc := c.esc
	if c.outputFoldable(n) {
		// Jinja2 folds it to a str: no markup_join.
		esc = escOff
	}
	return func(s *State) (any, error) {
		if esc.on(s) {
			// markup_join: each item escaped unless it is Markup.
			var buf []byte
			for _, f := range items {
				v, err := f(s)
				if err != nil {
					return nil, err
				}
				m, err := autoEscape(v)
				if err != nil {
					return nil, c.at(err, p)
				}
				buf = append(buf, m...)
			}
			return Markup(buf), nil
		}
		var buf []byte
		for _, f := range items {
			v, err := f(s)
			if err != nil {
				return nil, err
			}
			if str, ok := v.(string); ok {
				buf = append(buf, str...)
				continue
			}
			str, err := toStr(v)
			if err != nil {
				return nil, c.at(err, p)
			}
			buf = append(buf, str...)
		}
		return string(buf), nil
	}
}

func (c *compiler) compare(n *compareExpr) evalFn {
	first := c.expr(n.first)
	type op struct {
		f  evalFn
		op string
	}
	ops := make([]op, len(n.ops))
	for i, o := range n.ops {
		ops[i] = op{c.expr(o.x), o.op}
	}
	p := n.position()
	return func(s *State) (any, error) {
		a, err := first(s)
		if err != nil {
			return nil, err
		}
		for _, o := range ops {
			b, err := o.f(s)
			if err != nil {
				return nil, err
			}
			ok, err := compareOp2(o.op, plain(a), plain(b))
			if err != nil {
				return nil, c.at(err, p)
			}
			if !ok {
				return false, nil
			}
			a = b
		}
		return true, nil
	}
}

func (c *compiler) cond(n *condExpr) evalFn {
	saved := c.soft
	c.soft = true
	test, then := c.expr(n.test), c.expr(n.then)
	var els evalFn
	if n.els != nil {
		els = c.expr(n.els)
	}
	c.soft = saved
	p := n.position()
	hint := "the inline if-expression on line " + itoa(lineOf(c.si, p)) + " evaluated to false and no else section was defined."
	return func(s *State) (any, error) {
		t, err := test(s)
		if err != nil {
			return nil, err
		}
		b, err := truth(t)
		if err != nil {
			return nil, c.at(err, p)
		}
		if b {
			return then(s)
		}
		if els == nil {
			return &Undefined{hint: hint}, nil
		}
		return els(s)
	}
}

// contextFilters are the builtin filters Jinja2 passes the render context
// (pass_context): its optimizer never folds them.
var contextFilters = setOf("map", "random", "reject", "rejectattr", "select", "selectattr")

// foldable reports whether Jinja2's optimizer folds e at compile time:
// what isConst folds, and also subscripts, slices, builtin filters (the
// context ones aside, and a filter the environment overrides) and builtin
// tests of operands that fold.
func (c *compiler) foldable(e expr) bool {
	if isConst(e) {
		return true
	}
	switch n := e.(type) {
	case *sliceExpr:
		return c.foldable(n.start) && c.foldable(n.stop) && c.foldable(n.step)
	case *getitemExpr:
		return c.foldable(n.obj) && c.foldable(n.key)
	case *filterExpr:
		return c.foldsFilter(n) && c.foldableArgs(n.x, n.args, n.kwValues, n.dynArgs, n.dynKwargs)
	case *testExpr:
		// A builtin test folds as a builtin filter does (Test.as_const):
		// {{ [(none is none)[1:], 1] }} folds to [Undefined, 1].
		if !c.foldsTest(n) {
			return false
		}
		return c.foldableArgs(n.x, n.args, n.kwValues, n.dynArgs, n.dynKwargs)
	}
	return false
}

// foldableArgs reports whether a filter's or test's operand and
// arguments all fold.
func (c *compiler) foldableArgs(x expr, args, kwValues []expr, dynArgs, dynKwargs expr) bool {
	if !c.foldable(x) || !c.foldable(dynArgs) || !c.foldable(dynKwargs) {
		return false
	}
	for _, a := range args {
		if !c.foldable(a) {
			return false
		}
	}
	for _, a := range kwValues {
		if !c.foldable(a) {
			return false
		}
	}
	return true
}

// foldsFilter reports whether Jinja2 may fold a call of n's filter on
// constants: a builtin filter the environment does not override and that
// does not take the context, applied to a value (not a filter block).
func (c *compiler) foldsFilter(n *filterExpr) bool {
	_, custom := c.env.filters[n.name]
	return !custom && n.x != nil && builtinFilters[n.name] != nil && !contextFilters[n.name] && c.esc != escVolatile
}

// foldsTest is foldsFilter for a test: a builtin one, not overridden,
// outside a block whose autoescaping is decided at run time (Jinja2's
// as_const raises Impossible for a filter or test in a volatile eval
// context).
func (c *compiler) foldsTest(n *testExpr) bool {
	_, custom := c.env.tests[n.name]
	return !custom && builtinTests[n.name] != nil && c.esc != escVolatile
}

// outputFoldable reports whether Jinja2's code generator folds e, an
// output's whole expression, to one constant (Node.as_const succeeds):
// every part folds; where a constant decides which part is evaluated (a
// condition's branch, and/or), only that part must.
func (c *compiler) outputFoldable(e expr) bool {
	if isConst(e) || c.foldable(e) {
		return true
	}
	all := func(es []expr) bool {
		for _, x := range es {
			if !c.outputFoldable(x) {
				return false
			}
		}
		return true
	}
	switch n := e.(type) {
	case *sliceExpr:
		return all([]expr{n.start, n.stop, n.step})
	case *getitemExpr:
		return all([]expr{n.obj, n.key})
	case *unaryExpr:
		return c.outputFoldable(n.x)
	case *binaryExpr:
		if n.op == "and" || n.op == "or" {
			if l, ok := constValue(n.l); ok {
				if t, err := truth(l); err == nil && t == (n.op == "or") {
					return true
				}
			}
		}
		return all([]expr{n.l, n.r})
	case *concatExpr:
		return all(n.items)
	case *compareExpr:
		if !c.outputFoldable(n.first) {
			return false
		}
		for _, o := range n.ops {
			if !c.outputFoldable(o.x) {
				return false
			}
		}
		return true
	case *condExpr:
		t, ok := constValue(n.test)
		if !ok {
			return false
		}
		b, err := truth(t)
		switch {
		case err != nil:
			return false
		case b:
			return c.outputFoldable(n.then)
		case n.els == nil:
			return false
		}
		return c.outputFoldable(n.els)
	case *listExpr:
		return all(n.items)
	case *tupleExpr:
		return all(n.items)
	case *dictExpr:
		return all(n.keys) && all(n.vals)
	case *filterExpr:
		return c.foldsFilter(n) && c.outputFoldable(n.x) && all(n.args) && all(n.kwValues) && all([]expr{n.dynArgs, n.dynKwargs})
	case *testExpr:
		if !c.foldsTest(n) {
			return false
		}
		return c.outputFoldable(n.x) && all(n.args) && all(n.kwValues) && all([]expr{n.dynArgs, n.dynKwargs})
	}
	return false
}

// isConst reports whether e is absent or an expression Jinja2's optimizer
// folds to a constant (literals, and operators on them).
func isConst(e expr) bool {
	if e == nil {
		return true
	}
	_, ok := constValue(e)
	return ok
}

// constValue is Jinja2's as_const for the nodes where it matters here:
// literals, unary and binary operators, and/or (which fold on the left
// operand alone when it decides), concatenation, comparisons, conditional
// expressions and tuple, list and dict displays.
func constValue(e expr) (any, bool) {
	switch n := e.(type) {
	case *constExpr:
		return n.val, true
	case *unaryExpr:
		x, ok := constValue(n.x)
		if !ok {
			return nil, false
		}
		var v any
		var err error
		switch n.op {
		case "not":
			var b bool
			b, err = truth(x)
			v = !b
		case "-":
			v, err = negate(x)
		default:
			v, err = unaryPlus(x)
		}
		return v, err == nil
	case *binaryExpr:
		l, ok := constValue(n.l)
		if !ok {
			return nil, false
		}
		switch n.op {
		case "and", "or":
			t, err := truth(l)
			if err != nil {
				return nil, false
			}
			if t == (n.op == "or") {
				return l, true
			}
			return constValue(n.r)
		}
		r, ok := constValue(n.r)
		if !ok {
			return nil, false
		}
		v, err := binOps[n.op](l, r)
		return v, err == nil
	case *concatExpr:
		var b strings.Builder
		for _, it := range n.items {
			v, ok := constValue(it)
			if !ok {
				return nil, false
			}
			str, err := toStr(v)
			if err != nil {
				return nil, false
			}
			b.WriteString(str)
		}
		return b.String(), true
	case *compareExpr:
		a, ok := constValue(n.first)
		if !ok {
			return nil, false
		}
		for _, o := range n.ops {
			b, ok := constValue(o.x)
			if !ok {
				return nil, false
			}
			r, err := compareOp2(o.op, a, b)
			if err != nil {
				return nil, false
			}
			if !r {
				return false, true
			}
			a = b
		}
		return true, true
	case *condExpr:
		t, ok := constValue(n.test)
		if !ok {
			return nil, false
		}
		b, err := truth(t)
		if err != nil {
			return nil, false
		}
		if b {
			return constValue(n.then)
		}
		if n.els == nil {
			return nil, false
		}
		return constValue(n.els)
	case *tupleExpr, *listExpr:
		var items []expr
		if t, ok := n.(*tupleExpr); ok {
			items = t.items
		} else {
			items = n.(*listExpr).items
		}
		out := make([]any, len(items))
		for i, it := range items {
			v, ok := constValue(it)
			if !ok {
				return nil, false
			}
			out[i] = v
		}
		if _, ok := n.(*tupleExpr); ok {
			return Tuple(out), true
		}
		return &List{Items: out}, true
	case *dictExpr:
		// Dict.as_const builds the dict: an unhashable key raises, and
		// nothing folds.
		d := &Dict{}
		for i := range n.keys {
			k, ok := constValue(n.keys[i])
			if !ok {
				return nil, false
			}
			v, ok := constValue(n.vals[i])
			if !ok {
				return nil, false
			}
			if d.set(k, v) != nil {
				return nil, false
			}
		}
		return d, true
	}
	return nil, false
}
