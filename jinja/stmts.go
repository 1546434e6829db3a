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
		if i > 0 && isConstOutput(st) && isConstOutput(body[i-1]) && c.esc != escVolatile {
			// Jinja2 joins constant children of one output node into
			// one item (this only matters for counting items).
			var text string
			switch n := st.(type) {
			case *dataStmt:
				text = n.text
			case *outputStmt:
				if c.esc == escOn {
					m, _ := autoEscape(n.x.(*constExpr).val)
					text = string(m)
				} else {
					text, _ = toStr(n.x.(*constExpr).val)
				}
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
	check := !c.noOutputCheck
	return func(s *State, w *writer) error {
		for i := range ops {
			op := &ops[i]
			if op.fn != nil {
				if err := op.fn(s, w); err != nil {
					return err
				}
				continue
			}
			if check && s.c.parent != nil {
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
		check := !c.noOutputCheck
		return func(s *State, w *writer) error {
			if check && s.c.parent != nil {
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
		check := !c.noOutputCheck
		esc := c.esc
		if folded && esc == escVolatile {
			// Jinja2 folds the output with the autoescaping it knows
			// when compiling, none for a volatile block.
			esc = escOff
		}
		return func(s *State, w *writer) error {
			if check && s.c.parent != nil {
				return nil
			}
			v, err := x(s)
			if err == nil && esc.on(s) {
				v, err = autoEscape(v)
			}
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
		if n.autoescape == nil {
			return c.body(n.body)
		}
		return c.autoescapeStmt(n)
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
		saved := c.noOutputCheck
		c.noOutputCheck = true
		body := c.hard(n.body)
		c.noOutputCheck = saved
		esc := c.esc
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
			if esc.on(s) {
				v = toMarkup(str)
			}
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
		check := !c.noOutputCheck
		esc := c.esc
		return func(s *State, w *writer) error {
			var bw writer
			if err := body(s.child(), &bw); err != nil {
				return err
			}
			str, err := bw.join()
			if err != nil {
				return c.at(err, endPos)
			}
			// The body is Markup where output is autoescaped (Jinja2's
			// visit_Filter of a filter block).
			var in any = str
			if esc.on(s) {
				in = toMarkup(str)
			}
			fs := &State{r: s.r, c: s.c, sc: &scope{parent: s.sc, names: []string{"\x00input"}, vals: []any{in}}}
			v, err := filter(fs)
			if err != nil {
				return err
			}
			if check && s.c.parent != nil {
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
	if n.recursive || hasScopedBlock(n.body) {
		// A scoped block in the body is passed the loop variable.
		usesLoop = true
	}
	if at := storedLoop(n.target, n.body, n.els); at >= 0 {
		panic(parseErr{&Error{Kind: "TemplateAssertionError", Msg: "Can't assign to special loop variable in for-loop target",
			Name: c.si.name, Line: lineOf(c.si, at), Col: colOf(c.si, at)}})
	}
	fresh := capturesScope(n.body) || usesLoop
	recursive := n.recursive
	var run func(s *State, w *writer, v any, depth int) error
	run = func(s *State, w *writer, v any, depth int) error {
		var src loopSource
		if err := src.init(v); err != nil {
			return c.at(err, ip)
		}
		// The loop reads src, Python's iterator over the iterable: on the
		// stack in a plain loop, in the loop variable when the body uses
		// it. pull, when set, is read instead: the generator (x for x
		// in it if test) Jinja2 makes of a filtered loop.
		var lc *loopCtx
		var from *loopSource // what a filtered loop reads
		if usesLoop {
			lc = &loopCtx{index: -1, depth: depth, s: s, src: src, length: -1, sized: test == nil}
			from = &lc.src
			if recursive {
				lc.recurse = func(v any) (any, error) {
					var bw writer
					if err := run(s, &bw, v, depth+1); err != nil {
						return nil, err
					}
					return bw.join()
				}
			}
		} else if test != nil {
			from = new(loopSource)
			*from = src
		}
		var pull func() (any, bool, error)
		if test != nil {
			ts := &State{r: s.r, c: s.c, sc: &scope{parent: s.sc}}
			pull = func() (any, bool, error) {
				for {
					it, ok, err := from.next()
					if !ok || err != nil {
						return nil, false, err
					}
					ts.sc.names, ts.sc.vals = ts.sc.names[:0], ts.sc.vals[:0]
					if err := assign(ts, it); err != nil {
						return nil, false, err
					}
					tv, err := test(ts)
					if err != nil {
						return nil, false, err
					}
					b, err := truth(tv)
					if err != nil {
						return nil, false, c.at(err, p)
					}
					if b {
						return it, true, nil
					}
				}
			}
			if lc != nil {
				lc.pull = pull
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
		if lc == nil && pull == nil && src.list == nil && src.dict == nil && src.lazy == nil {
			// A snapshot of an immutable value: the plain range loop.
			for i, it := range src.items {
				if stop, err := step(i, it); stop || err != nil {
					if err != nil {
						return err
					}
					break // a break in the first iteration still runs else, as below
				}
			}
		} else {
			for i := 0; ; i++ {
				var it any
				var ok bool
				var err error
				switch {
				case lc != nil:
					it, ok, err = lc.next()
				case pull != nil:
					it, ok, err = pull()
				default:
					it, ok, err = src.next()
				}
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

// loopSource yields a for loop's items as Python's iterator over the
// iterable does: a list is read live (items appended during the loop are
// visited, a removal shifts what follows), a dict raises RuntimeError
// once its size has changed, a generator is advanced item by item; the
// other values cannot change and are read from a snapshot.
type loopSource struct {
	items   []any
	list    *List
	dict    *Dict
	dictLen int
	lazy    *Iterator
	pos     int
	done    bool
}

func (src *loopSource) init(v any) error {
	switch x := v.(type) {
	case *List:
		src.list = x
	case *Dict:
		src.items, src.dict, src.dictLen = x.Keys(), x, x.Len()
	case *Iterator:
		src.lazy = x
	default:
		items, err := iterate(v)
		src.items = items
		return err
	}
	return nil
}

func (src *loopSource) next() (any, bool, error) {
	if src.done {
		return nil, false, nil
	}
	switch {
	case src.list != nil:
		if src.pos < len(src.list.Items) {
			src.pos++
			return src.list.Items[src.pos-1], true, nil
		}
	case src.lazy != nil:
		it, ok, err := src.lazy.Next()
		if ok || err != nil {
			return it, ok, err
		}
	default:
		if src.dict != nil && src.dict.Len() != src.dictLen {
			src.done = true
			return nil, false, errorf("RuntimeError", "dictionary changed size during iteration")
		}
		if src.pos < len(src.items) {
			src.pos++
			return src.items[src.pos-1], true, nil
		}
	}
	// An exhausted iterator stays exhausted, whatever is appended.
	src.done = true
	return nil, false, nil
}

// size is len() of the iterable, and false for a generator.
func (src *loopSource) size() (int, bool) {
	switch {
	case src.list != nil:
		return len(src.list.Items), true
	case src.dict != nil:
		return src.dict.Len(), true
	case src.lazy != nil:
		return 0, false
	}
	return len(src.items), true
}

// loopCtx is the loop variable inside a for loop: Jinja2's LoopContext,
// which reads its iterable as the loop goes. length is len() of the
// iterable when first asked (a generator's or filtered loop's is counted
// by reading the rest), last and nextitem read the next item ahead.
type loopCtx struct {
	index    int // of the current item, -1 before the first
	depth    int
	s        *State
	recurse  func(v any) (any, error)
	lastSeen []any
	changed  bool

	src      loopSource
	sized    bool                      // len() of the iterable is the length (no filter)
	pull     func() (any, bool, error) // read instead of src when set
	cur      any
	before   any
	after    any
	hasAfter bool
	length   int // -1 until asked
	err      error
}

func (l *loopCtx) read() (any, bool, error) {
	if l.pull != nil {
		return l.pull()
	}
	return l.src.next()
}

// next is the loop's next item: the one read ahead, or the next read.
func (l *loopCtx) next() (any, bool, error) {
	if l.err != nil {
		return nil, false, l.err
	}
	var it any
	if l.hasAfter {
		it, l.after, l.hasAfter = l.after, nil, false
	} else {
		var ok bool
		var err error
		if it, ok, err = l.read(); !ok || err != nil {
			return nil, false, err
		}
	}
	l.index++
	l.before, l.cur = l.cur, it
	return it, true, nil
}

// peek is the item after the current one, read ahead.
func (l *loopCtx) peek() (any, bool) {
	if l.hasAfter {
		return l.after, true
	}
	it, ok, err := l.read()
	if err != nil {
		// The loop raises it when it reads on.
		l.err = err
		return nil, false
	}
	if ok {
		l.after, l.hasAfter = it, true
	}
	return it, ok
}

func (l *loopCtx) len() int {
	if l.length >= 0 {
		return l.length
	}
	if l.sized {
		if n, ok := l.src.size(); ok {
			l.length = n
			return n
		}
	}
	// Read the rest, and iterate over it from now on.
	var rest []any
	for {
		it, ok, err := l.read()
		if err != nil {
			l.err = err
			break
		}
		if !ok {
			break
		}
		rest = append(rest, it)
	}
	pos := 0
	l.pull = func() (any, bool, error) {
		if pos < len(rest) {
			pos++
			return rest[pos-1], true, nil
		}
		return nil, false, nil
	}
	l.length = len(rest) + l.index + 1
	if l.hasAfter {
		l.length++
	}
	return l.length
}

func (l *loopCtx) attr(s *State, name string) (any, bool) {
	switch name {
	case "index":
		return int64(l.index + 1), true
	case "index0":
		return int64(l.index), true
	case "revindex":
		return int64(l.len() - l.index), true
	case "revindex0":
		return int64(l.len() - l.index - 1), true
	case "first":
		return l.index == 0, true
	case "last":
		_, more := l.peek()
		return !more, true
	case "length":
		return int64(l.len()), true
	case "depth":
		return int64(l.depth), true
	case "depth0":
		return int64(l.depth - 1), true
	case "previtem":
		if l.index == 0 {
			return s.undef("there is no previous item"), true
		}
		return l.before, true
	case "nextitem":
		it, more := l.peek()
		if !more {
			return s.undef("there is no next item"), true
		}
		return it, true
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
	savedCheck := c.noOutputCheck
	c.noOutputCheck = true
	m.body = c.body(n.body)
	c.noOutputCheck = savedCheck
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
	check := !c.noOutputCheck
	esc := c.esc
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
		s.r.callEsc = esc.on(s)
		v, err := callValue(s, f, a, kw, si, p)
		if err != nil {
			return c.at(err, p)
		}
		if check && s.c.parent != nil {
			return nil
		}
		return w.raw(v)
	}
}

// escMode is the autoescaping of compiled code.
type escMode uint8

const (
	escOff escMode = iota
	escOn
	escVolatile
)

// on reports whether output is escaped now.
func (m escMode) on(s *State) bool {
	return m == escOn || m == escVolatile && s.r.autoescape
}

// autoEscape is markupsafe's escape(v), what an autoescaped output
// writes: Markup as it is, anything else its str() escaped.
func autoEscape(v any) (Markup, error) {
	switch x := v.(type) {
	case Markup:
		return x, nil
	case string:
		return Markup(escapeHTML(x)), nil
	}
	str, err := toStr(v)
	if err != nil {
		return "", err
	}
	return Markup(escapeHTML(str)), nil
}

// toMarkup is Markup(v) of a joined body: a str becomes Markup.
func toMarkup(v any) any {
	if s, ok := v.(string); ok {
		return Markup(s)
	}
	return v
}

// autoescapeStmt is {% autoescape expr %}: its body compiled with the
// autoescaping expr sets, a constant decided now (Jinja2 folds it), any
// other expression evaluated when the block runs. The body is a scope.
func (c *compiler) autoescapeStmt(n *scopeStmt) execFn {
	saved := c.esc
	defer func() { c.esc = saved }()
	if v, ok := constValue(n.autoescape); ok {
		on, err := truth(v)
		if err == nil {
			c.esc = escOff
			if on {
				c.esc = escOn
			}
			body := c.body(n.body)
			return func(s *State, w *writer) error { return body(s.child(), w) }
		}
	}
	x := c.expr(n.autoescape)
	c.esc = escVolatile
	body := c.body(n.body)
	p := n.position()
	return func(s *State, w *writer) error {
		v, err := x(s)
		if err != nil {
			return err
		}
		on, err := truth(v)
		if err != nil {
			return c.at(err, p)
		}
		was := s.r.autoescape
		s.r.autoescape = on
		err = body(s.child(), w)
		s.r.autoescape = was
		return err
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
	check := !c.noOutputCheck
	esc := c.esc
	return func(s *State, w *writer) error {
		if check && s.c.parent != nil {
			return nil
		}
		f := s.resolve(name)
		a, kw, err := args.eval(s)
		if err != nil {
			return err
		}
		s.r.callSi, s.r.callPos = si, cp
		s.r.callEsc = esc.on(s)
		v, err := callValue(s, f, a, kw, si, cp)
		if err == nil && esc.on(s) {
			v, err = autoEscape(v)
		}
		if err != nil {
			return si.positioned(err, cp)
		}
		if err := w.value(v); err != nil {
			return si.positioned(err, cp)
		}
		return nil
	}
}
