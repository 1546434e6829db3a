package jinja

// CallSite is one call expression of a template, as Jinja2's
// Template.find_all(nodes.Call) yields them: in the order of its syntax
// tree, an outer call before the calls in its callee and arguments.
type CallSite struct {
	// Callee is "f" for f(...), "a.f" for a.f(...), and "" for any other
	// callee (x.y.f(...), f()(...), "s".f(...)).
	Callee string
	Args   []CallArg // positional arguments
	Kwargs []CallKwarg
}

// CallArg is an argument of a call site: a constant's value, or
// Const false for any other expression.
type CallArg struct {
	Const bool
	Value any
}

// CallKwarg is a keyword argument of a call site.
type CallKwarg struct {
	Name string
	CallArg
}

// CallSites parses source and lists its call expressions without
// running it: what static analysis of a template (dbt's
// statically_extract_macro_calls) reads.
func (e *Env) CallSites(name, source string) ([]CallSite, error) {
	p := e.getParser()
	defer e.putParser(p)
	body, err := parseTemplate(p, name, normalizeSource(source), e.opts.MacroTags)
	if err != nil {
		return nil, err
	}
	var out []CallSite
	w := callWalker{visit: func(c *callExpr) { out = append(out, callSiteOf(c)) }}
	w.stmts(body)
	return out, nil
}

func callSiteOf(c *callExpr) CallSite {
	cs := CallSite{}
	switch fn := c.fn.(type) {
	case *nameExpr:
		cs.Callee = fn.name
	case *getattrExpr:
		if obj, ok := fn.obj.(*nameExpr); ok {
			cs.Callee = obj.name + "." + fn.attr
		}
	}
	arg := func(x expr) CallArg {
		if k, ok := x.(*constExpr); ok {
			return CallArg{Const: true, Value: k.val}
		}
		return CallArg{}
	}
	for _, a := range c.args {
		cs.Args = append(cs.Args, arg(a))
	}
	for i, n := range c.kwNames {
		cs.Kwargs = append(cs.Kwargs, CallKwarg{Name: n, CallArg: arg(c.kwValues[i])})
	}
	return cs
}

// callWalker visits the call expressions of a syntax tree in the order
// of Jinja2's Node.find_all: each node's fields in their declared order
// (For: target, iter, body, else, test; FilterBlock: body, filter).
type callWalker struct {
	visit func(*callExpr)
}

func (w callWalker) stmts(body []stmt) {
	for _, s := range body {
		w.stmt(s)
	}
}

func (w callWalker) stmt(s stmt) {
	switch n := s.(type) {
	case *outputStmt:
		w.expr(n.x)
	case *ifStmt:
		w.expr(n.test)
		w.stmts(n.body)
		w.stmts(n.els)
	case *forStmt:
		w.expr(n.target)
		w.expr(n.iter)
		w.stmts(n.body)
		w.stmts(n.els)
		w.expr(n.test)
	case *setStmt:
		w.expr(n.target)
		w.expr(n.x)
	case *setBlockStmt:
		w.expr(n.target)
		if n.filter != nil {
			w.expr(n.filter)
		}
		w.stmts(n.body)
	case *macroStmt:
		w.macro(n)
	case *callBlockStmt:
		w.expr(n.call)
		w.macro(n.caller)
	case *filterBlockStmt:
		w.stmts(n.body)
		w.expr(n.filter)
	case *withStmt:
		for _, t := range n.targets {
			w.expr(t)
		}
		for _, v := range n.values {
			w.expr(v)
		}
		w.stmts(n.body)
	case *doStmt:
		w.expr(n.x)
	case *includeStmt:
		w.expr(n.template)
	case *importStmt:
		w.expr(n.template)
	case *fromImportStmt:
		w.expr(n.template)
	case *extendsStmt:
		w.expr(n.template)
	case *blockStmt:
		w.stmts(n.body)
	case *scopeStmt:
		w.expr(n.autoescape)
		w.stmts(n.body)
	}
}

func (w callWalker) macro(m *macroStmt) {
	if m == nil {
		return
	}
	for _, d := range m.defaults {
		w.expr(d)
	}
	w.stmts(m.body)
}

func (w callWalker) args(a callArgs) {
	for _, v := range a.args {
		w.expr(v)
	}
	for _, v := range a.kwValues {
		w.expr(v)
	}
	w.expr(a.dynArgs)
	w.expr(a.dynKwargs)
}

func (w callWalker) expr(e expr) {
	switch n := e.(type) {
	case nil:
	case *callExpr:
		w.visit(n)
		w.expr(n.fn)
		w.args(n.callArgs)
	case *getattrExpr:
		w.expr(n.obj)
	case *getitemExpr:
		w.expr(n.obj)
		w.expr(n.key)
	case *sliceExpr:
		w.expr(n.start)
		w.expr(n.stop)
		w.expr(n.step)
	case *filterExpr:
		w.expr(n.x)
		w.args(n.callArgs)
	case *testExpr:
		w.expr(n.x)
		w.args(n.callArgs)
	case *unaryExpr:
		w.expr(n.x)
	case *binaryExpr:
		w.expr(n.l)
		w.expr(n.r)
	case *concatExpr:
		for _, it := range n.items {
			w.expr(it)
		}
	case *compareExpr:
		w.expr(n.first)
		for _, op := range n.ops {
			w.expr(op.x)
		}
	case *condExpr:
		w.expr(n.test)
		w.expr(n.then)
		w.expr(n.els)
	case *listExpr:
		for _, it := range n.items {
			w.expr(it)
		}
	case *tupleExpr:
		for _, it := range n.items {
			w.expr(it)
		}
	case *dictExpr:
		for i := range n.keys {
			w.expr(n.keys[i])
			w.expr(n.vals[i])
		}
	}
}
