package jinja

import (
	"errors"
	"strconv"
)

type execFn func(s *State, w *writer) error

var (
	errBreak    = errors.New("break")
	errContinue = errors.New("continue")
)

func itoa(i int) string { return strconv.Itoa(i) }

// bodyOp is one statement of a body: text to write when fn is nil.
type bodyOp struct {
	fn   execFn
	text string
	more bool // the text folds into the item before it (writer.more)
}

func (c *compiler) body(body []stmt) execFn {
	ops := make([]bodyOp, 0, len(body))
	for i, st := range body {
		if i > 0 && isConstOutput(st) && isConstOutput(body[i-1]) {
			// Jinja2 joins constant children of one output node into
			// one item (this only matters for counting items).
			var text string
			switch n := st.(type) {
			case *dataStmt:
				text = n.text
			case *outputStmt:
				text, _ = toStr(n.x.(*constExpr).val)
			}
			ops = append(ops, bodyOp{text: text, more: true})
			continue
		}
		if d, ok := st.(*dataStmt); ok {
			ops = append(ops, bodyOp{text: d.text})
			continue
		}
		if f := c.stmt(st); f != nil {
			ops = append(ops, bodyOp{fn: f})
		}
	}
	switch len(ops) {
	case 0:
		return func(*State, *writer) error { return nil }
	case 1:
		if ops[0].fn != nil {
			return ops[0].fn
		}
	}
	return func(s *State, w *writer) error {
		for i := range ops {
			op := &ops[i]
			if op.fn != nil {
				if err := op.fn(s, w); err != nil {
					return err
				}
				continue
			}
			if s.c.parent != nil {
				continue // a template that extends another writes nothing itself
			}
			if op.more {
				w.more(op.text)
			} else {
				w.str(op.text)
			}
		}
		return nil
	}
}

// hard compiles a body in a new frame, where unknown filters fail at parse time.
func (c *compiler) hard(body []stmt) execFn {
	saved := c.soft
	c.soft = false
	f := c.body(body)
	c.soft = saved
	return f
}

func (c *compiler) stmt(st stmt) execFn {
	switch n := st.(type) {
	case *dataStmt:
		text := n.text
		return func(s *State, w *writer) error {
			if s.c.parent != nil {
				return nil
			}
			w.str(text)
			return nil
		}
	case *outputStmt:
		p := n.position()
		if call, ok := n.x.(*callExpr); ok && call.position() == p {
			if ne, ok := call.fn.(*nameExpr); ok {
				return c.outputNameCall(ne.name, call)
			}
		}
		whole := c.wholeConst
		c.wholeConst = c.outputFoldable(n.x)
		folded := c.wholeConst
		x := c.expr(n.x)
		// Jinja2's code generator folds such an output at compile time,
		// and leaves it to the run time when folding raises anything
		// ({{ 5[1:] + 1 }}: the folded slice is an undefined value, the
		// sum raises): there a constant slice is a plain subscript, which
		// raises in turn. The output is evaluated the same way here.
		var atRunTime evalFn
		if c.wholeConst {
			c.wholeConst = false
			atRunTime = c.expr(n.x)
		}
		c.wholeConst = whole
		return func(s *State, w *writer) error {
			if s.c.parent != nil {
				return nil
			}
			v, err := x(s)
			if err == nil {
				if folded && w.native && safeRepr(v) {
					// Jinja2's native code generator yields a folded
					// output as its text: "{{ 10 }}" yields '10'.
					v, _ = toStr(v)
				}
				if err = w.value(v); err == nil {
					return nil
				}
				err = c.at(err, p)
			}
			if atRunTime == nil {
				return err
			}
			// Folding raised, or writing the folded value did (a strict
			// undefined value): the output as the run time evaluates it.
			if v, err = atRunTime(s); err != nil {
				return err
			}
			if err := w.value(v); err != nil {
				return c.at(err, p)
			}
			return nil
		}
	case *scopeStmt:
		return c.body(n.body)
	case *ifStmt:
		return c.ifStmt(n)
	case *forStmt:
		return c.forStmt(n)
	case *setStmt:
		x := c.expr(n.x)
		assign := c.assign(n.target)
		return func(s *State, w *writer) error {
			v, err := x(s)
			if err != nil {
				return err
			}
			return assign(s, v)
		}
	case *setBlockStmt:
		body := c.hard(n.body)
		assign := c.assign(n.target)
		endPos := n.position()
		var filter evalFn
		var bodyVal any
		_ = bodyVal
		if n.filter != nil {
			filter = c.filterChain(n.filter)
		}
		return func(s *State, w *writer) error {
			var bw writer
			if err := body(s.child(), &bw); err != nil {
				return err
			}
			str, err := bw.join()
			if err != nil {
				return c.at(err, endPos)
			}
			var v any = str
			if filter != nil {
				fs := &State{r: s.r, c: s.c, sc: &scope{parent: s.sc, names: []string{"\x00input"}, vals: []any{v}}}
				var err error
				if v, err = filter(fs); err != nil {
					return err
				}
			}
			return assign(s, v)
		}
	case *macroStmt:
		m := c.macro(n)
		name := n.name
		return func(s *State, w *writer) error {
			s.sc.set(name, &macroValue{m: m, sc: s.sc, c: s.c})
			return nil
		}
	case *callBlockStmt:
		return c.callBlock(n)
	case *filterBlockStmt:
		body := c.hard(n.body)
		filter := c.filterChain(n.filter)
		endPos := n.position()
		return func(s *State, w *writer) error {
			var bw writer
			if err := body(s.child(), &bw); err != nil {
				return err
			}
			in, err := bw.join()
			if err != nil {
				return c.at(err, endPos)
			}
			fs := &State{r: s.r, c: s.c, sc: &scope{parent: s.sc, names: []string{"\x00input"}, vals: []any{in}}}
			v, err := filter(fs)
			if err != nil {
				return err
			}
			if s.c.parent != nil {
				return nil
			}
			return w.raw(v)
		}
	case *withStmt:
		vals := c.exprs(n.values)
		assigns := make([]func(*State, any) error, len(n.targets))
		for i, t := range n.targets {
			assigns[i] = c.assign(t)
		}
		body := c.hard(n.body)
		return func(s *State, w *writer) error {
			vs := make([]any, len(vals))
			for i, f := range vals {
				v, err := f(s)
				if err != nil {
					return err
				}
				vs[i] = v
			}
			inner := s.child()
			for i, a := range assigns {
				if err := a(inner, vs[i]); err != nil {
					return err
				}
			}
			return body(inner, w)
		}
	case *doStmt:
		x := c.expr(n.x)
		return func(s *State, w *writer) error {
			_, err := x(s)
			return err
		}
	case *breakStmt:
		return func(*State, *writer) error { return errBreak }
	case *continueStmt:
		return func(*State, *writer) error { return errContinue }
	case *includeStmt:
		return c.include(n)
	case *importStmt:
		return c.importStmt(n)
	case *fromImportStmt:
		return c.fromImport(n)
	case *extendsStmt:
		return c.extends(n)
	case *blockStmt:
		return c.block(n)
	}
	panic("jinja: unknown statement node")
}

// filterChain compiles the filters of a filter block or {% set x | f %};
// the innermost one reads its input from the "\x00input" slot.
func (c *compiler) filterChain(f *filterExpr) evalFn {
	if inner, ok := f.x.(*filterExpr); ok && inner != nil {
		in := c.filterChain(inner)
		return c.filter(f, in)
	}
	return c.filter(f, func(s *State) (any, error) { return s.sc.vals[0], nil })
}

func (c *compiler) ifStmt(n *ifStmt) execFn {
	saved := c.soft
	c.soft = true
	test := c.expr(n.test)
	body := c.body(n.body)
	els := c.body(n.els)
	c.soft = saved
	p := n.test.position()
	return func(s *State, w *writer) error {
		v, err := test(s)
		if err != nil {
			return err
		}
		b, err := truth(v)
		if err != nil {
			return c.at(err, p)
		}
		if b {
			return body(s, w)
		}
		return els(s, w)
	}
}

// assign compiles an assignment to a name, a tuple of names or ns.attr.
func (c *compiler) assign(target expr) func(*State, any) error {
	switch t := target.(type) {
	case *nameExpr:
		name := t.name
		return func(s *State, v any) error {
			s.sc.set(name, v)
			return nil
		}
	case *nsRefExpr:
		name, attr := t.name, t.attr
		p := t.position()
		return func(s *State, v any) error {
			ns, _ := s.lookup(name)
			n, ok := ns.(*Namespace)
			if !ok {
				return c.at(newErr("TemplateRuntimeError", "cannot assign attribute on non-namespace object"), p)
			}
			n.d.set(attr, v)
			return nil
		}
	case *tupleExpr:
		subs := make([]func(*State, any) error, len(t.items))
		for i, it := range t.items {
			subs[i] = c.assign(it)
		}
		p := t.position()
		return func(s *State, v any) error {
			items, err := unpack(v, len(subs))
			if err != nil {
				return c.at(err, p)
			}
			for i, f := range subs {
				if err := f(s, items[i]); err != nil {
					return err
				}
			}
			return nil
		}
	}
	panic("jinja: bad assignment target")
}

func unpack(v any, n int) ([]any, error) {
	items, err := iterate(v)
	if err != nil {
		if u, ok := v.(*Undefined); ok {
			return nil, u.err()
		}
		return nil, typeErr("cannot unpack non-iterable %s object", typeName(v))
	}
	if len(items) < n {
		return nil, errorf("ValueError", "not enough values to unpack (expected %d, got %d)", n, len(items))
	}
	if len(items) > n {
		return nil, errorf("ValueError", "too many values to unpack (expected %d)", n)
	}
	return items, nil
}

func (c *compiler) forStmt(n *forStmt) execFn {
	iter := c.expr(n.iter)
	assign := c.assign(n.target)
	saved := c.soft
	c.soft = false
	var test evalFn
	if n.test != nil {
		test = c.expr(n.test)
	}
	body := c.body(n.body)
	c.soft = saved
	els := c.body(n.els)
	p := n.position()
	ip := n.iter.position()
	usesLoop := false
	walkNames(n.body, func(name string) {
		if name == "loop" {
			usesLoop = true
		}
	})
	if n.test != nil {
		walkExprNames(n.test, func(name string) {
			if name == "loop" {
				usesLoop = true
			}
		})
	}
	if n.recursive {
		usesLoop = true
	}
	fresh := capturesScope(n.body) || usesLoop
	recursive := n.recursive
	var run func(s *State, w *writer, v any, depth int) error
	run = func(s *State, w *writer, v any, depth int) error {
		var items []any
		lazy, _ := v.(*Iterator)
		if lazy == nil || test != nil || usesLoop {
			lazy = nil
			var err error
			if items, err = iterate(v); err != nil {
				return c.at(err, ip)
			}
		}
		if test != nil {
			kept := make([]any, 0, len(items))
			ts := &State{r: s.r, c: s.c, sc: &scope{parent: s.sc}}
			for _, it := range items {
				ts.sc.names, ts.sc.vals = ts.sc.names[:0], ts.sc.vals[:0]
				if err := assign(ts, it); err != nil {
					return err
				}
				tv, err := test(ts)
				if err != nil {
					return err
				}
				b, err := truth(tv)
				if err != nil {
					return c.at(err, p)
				}
				if b {
					kept = append(kept, it)
				}
			}
			items = kept
		}
		var lc *loopCtx
		if usesLoop {
			lc = &loopCtx{items: items, depth: depth, s: s}
			if recursive {
				lc.recurse = func(v any) (any, error) {
					var bw writer
					if err := run(s, &bw, v, depth+1); err != nil {
						return nil, err
					}
					return bw.join()
				}
			}
		}
		inner := newIterState(s)
		r := s.r
		iterated := false
		// step runs the body for item i; stop is true after a break.
		step := func(i int, it any) (stop bool, err error) {
			r.iterations++
			if r.iterations > r.env.maxIterations() {
				return true, c.at(errorf("TemplateRuntimeError", "loop iteration limit of %d exceeded", r.env.maxIterations()), p)
			}
			if r.iterations&255 == 0 && r.ctx != nil {
				if err := r.ctx.Err(); err != nil {
					return true, c.at(&Error{Kind: "Canceled", Msg: err.Error(), Err: err}, p)
				}
			}
			if fresh && i > 0 {
				inner = newIterState(s)
			} else {
				inner.sc.names, inner.sc.vals = inner.sc.names[:0], inner.sc.vals[:0]
			}
			if lc != nil {
				lc.index = i
				inner.sc.names = append(inner.sc.names, "loop")
				inner.sc.vals = append(inner.sc.vals, lc)
			}
			if err := assign(inner, it); err != nil {
				return true, err
			}
			if err := body(inner, w); err != nil {
				if err == errBreak {
					return true, nil
				}
				if err == errContinue {
					// Jinja2 marks an iteration done at the end of the
					// body, which continue skips.
					return false, nil
				}
				return true, err
			}
			iterated = true
			return false, nil
		}
		if lazy != nil {
			// a generator is advanced item by item, as Python's for does
			for i := 0; ; i++ {
				it, ok, err := lazy.Next()
				if err != nil {
					return c.at(err, ip)
				}
				if !ok {
					break
				}
				if stop, err := step(i, it); stop || err != nil {
					if err != nil {
						return err
					}
					break
				}
			}
		} else {
			for i, it := range items {
				if stop, err := step(i, it); stop || err != nil {
					if err != nil {
						return err
					}
					break
				}
			}
		}
		if !iterated {
			return els(s, w)
		}
		return nil
	}
	return func(s *State, w *writer) error {
		v, err := iter(s)
		if err != nil {
			return err
		}
		return run(s, w, v, 1)
	}
}

// newIterState is the state of a for loop's body, in a new scope below
// s's: the state, the scope and room for two names (loop and the
// target) in one allocation.
func newIterState(s *State) *State {
	f := &struct {
		s     State
		sc    scope
		names [2]string
		vals  [2]any
	}{}
	f.sc = scope{parent: s.sc, names: f.names[:0], vals: f.vals[:0]}
	f.s = State{r: s.r, c: s.c, sc: &f.sc}
	return &f.s
}

// loopCtx is the loop variable inside a for loop.
type loopCtx struct {
	items    []any
	index    int
	depth    int
	s        *State
	recurse  func(v any) (any, error)
	lastSeen []any
	changed  bool
}

func (l *loopCtx) attr(s *State, name string) (any, bool) {
	n := len(l.items)
	switch name {
	case "index":
		return int64(l.index + 1), true
	case "index0":
		return int64(l.index), true
	case "revindex":
		return int64(n - l.index), true
	case "revindex0":
		return int64(n - l.index - 1), true
	case "first":
		return l.index == 0, true
	case "last":
		return l.index == n-1, true
	case "length":
		return int64(n), true
	case "depth":
		return int64(l.depth), true
	case "depth0":
		return int64(l.depth - 1), true
	case "previtem":
		if l.index == 0 {
			return s.undef("there is no previous item"), true
		}
		return l.items[l.index-1], true
	case "nextitem":
		if l.index >= n-1 {
			return s.undef("there is no next item"), true
		}
		return l.items[l.index+1], true
	case "cycle":
		return Func(func(s *State, args []any, kw Kwargs) (any, error) {
			if len(args) == 0 {
				return nil, typeErr("no items for cycling given")
			}
			return args[l.index%len(args)], nil
		}), true
	case "changed":
		return Func(func(s *State, args []any, kw Kwargs) (any, error) {
			vals := Tuple(args)
			if l.lastSeen == nil || !equal(Tuple(l.lastSeen), vals) {
				l.lastSeen = append([]any{}, args...)
				return true, nil
			}
			return false, nil
		}), true
	}
	return nil, false
}

func (c *compiler) macro(n *macroStmt) *compiledMacro {
	m := &compiledMacro{
		name:    n.name,
		params:  n.params,
		pos:     n.position(),
		si:      c.si,
		caller:  n.usesCaller,
		varargs: n.usesVarargs,
		kwargs:  n.usesKwargs,
	}
	saved := c.soft
	c.soft = false
	m.endPos = lastPos(n.body, n.position())
	m.outHint = outputHint(n.body)
	for _, b := range []bool{m.caller, m.varargs, m.kwargs} {
		if b {
			m.specials++
		}
	}
	m.defaults = c.exprs(n.defaults)
	m.body = c.body(n.body)
	c.soft = saved
	if c.macroOf != nil {
		c.macroOf[n] = m
	}
	for _, p := range n.params {
		if p == "caller" {
			m.explicitCaller = true
		}
	}
	return m
}

func (c *compiler) callBlock(n *callBlockStmt) execFn {
	caller := c.macro(n.caller)
	caller.anonymous = true
	call := n.call
	fn := c.expr(call.fn)
	args := c.args(call.callArgs, call.position())
	p := call.position()
	si := c.si
	return func(s *State, w *writer) error {
		f, err := fn(s)
		if err != nil {
			return err
		}
		a, kw, err := args.eval(s)
		if err != nil {
			return err
		}
		if kw == nil {
			kw = &Dict{}
		} else {
			kw = kw.copy()
		}
		kw.set("caller", &macroValue{m: caller, sc: s.sc, c: s.c})
		s.r.callSi, s.r.callPos = si, p
		v, err := callValue(s, f, a, kw, si, p)
		if err != nil {
			return c.at(err, p)
		}
		if s.c.parent != nil {
			return nil
		}
		return w.raw(v)
	}
}

// isConstOutput reports whether st is template data or the output of a
// literal, which Jinja2 folds together with following template data.
func isConstOutput(st stmt) bool {
	switch n := st.(type) {
	case *dataStmt:
		return true
	case *outputStmt:
		_, ok := n.x.(*constExpr)
		return ok
	}
	return false
}

// lastPos is where the last statement of a body that is not constant
// output starts (or def): Jinja2 reports an error in the join that ends a
// macro at the template line of the last code it emitted with a line.
func lastPos(body []stmt, def int) int {
	for i := len(body) - 1; i >= 0; i-- {
		if !isConstOutput(body[i]) {
			return body[i].position()
		}
	}
	return def
}

// outputHint guesses how many bytes a body writes: its text, and a few
// bytes per other statement.
func outputHint(body []stmt) int {
	n := 0
	for _, st := range body {
		if d, ok := st.(*dataStmt); ok {
			n += len(d.text)
		} else {
			n += 16
		}
	}
	return min(n, 4096)
}

// outputNameCall is {{ name(...) }}, the most common output, in one
// closure: what compiler.call does for it, then the output.
func (c *compiler) outputNameCall(name string, n *callExpr) execFn {
	args := c.args(n.callArgs, n.position())
	cp := n.position()
	si := c.si
	// The closure holds a few words: there is one per output in every
	// template, all kept for as long as the template.
	return func(s *State, w *writer) error {
		if s.c.parent != nil {
			return nil
		}
		f := s.resolve(name)
		a, kw, err := args.eval(s)
		if err != nil {
			return err
		}
		s.r.callSi, s.r.callPos = si, cp
		v, err := callValue(s, f, a, kw, si, cp)
		if err != nil {
			return si.positioned(err, cp)
		}
		if err := w.value(v); err != nil {
			return si.positioned(err, cp)
		}
		return nil
	}
}
