package jinja

// walkNames calls f for every name a statement list loads (assignment
// targets are not loads), the way Jinja2's find_undeclared does; like it,
// it does not look inside {% block %} bodies.
func walkNames(body []stmt, f func(string)) {
	for _, s := range body {
		walkStmtNames(s, f)
	}
}

func walkStmtNames(s stmt, f func(string)) {
	x := func(e expr) { walkExprNames(e, f) }
	switch n := s.(type) {
	case *outputStmt:
		x(n.x)
	case *ifStmt:
		x(n.test)
		walkNames(n.body, f)
		walkNames(n.els, f)
	case *forStmt:
		x(n.iter)
		x(n.test)
		walkNames(n.body, f)
		walkNames(n.els, f)
	case *setStmt:
		x(n.x)
		if ns, ok := n.target.(*nsRefExpr); ok {
			f(ns.name)
		}
	case *setBlockStmt:
		if n.filter != nil {
			x(n.filter)
		}
		walkNames(n.body, f)
	case *macroStmt:
		for _, d := range n.defaults {
			x(d)
		}
		walkNames(n.body, f)
	case *callBlockStmt:
		x(n.call)
		walkStmtNames(n.caller, f)
	case *filterBlockStmt:
		x(n.filter)
		walkNames(n.body, f)
	case *withStmt:
		for _, v := range n.values {
			x(v)
		}
		walkNames(n.body, f)
	case *doStmt:
		x(n.x)
	case *includeStmt:
		x(n.template)
	case *importStmt:
		x(n.template)
	case *fromImportStmt:
		x(n.template)
	case *extendsStmt:
		x(n.template)
	case *scopeStmt:
		walkNames(n.body, f)
	}
}

func walkExprNames(e expr, f func(string)) {
	if e == nil {
		return
	}
	x := func(e expr) { walkExprNames(e, f) }
	args := func(a callArgs) {
		for _, v := range a.args {
			x(v)
		}
		for _, v := range a.kwValues {
			x(v)
		}
		x(a.dynArgs)
		x(a.dynKwargs)
	}
	switch n := e.(type) {
	case *nameExpr:
		f(n.name)
	case *getattrExpr:
		x(n.obj)
	case *getitemExpr:
		x(n.obj)
		x(n.key)
	case *sliceExpr:
		x(n.start)
		x(n.stop)
		x(n.step)
	case *callExpr:
		x(n.fn)
		args(n.callArgs)
	case *filterExpr:
		x(n.x)
		args(n.callArgs)
	case *testExpr:
		x(n.x)
		args(n.callArgs)
	case *unaryExpr:
		x(n.x)
	case *binaryExpr:
		x(n.l)
		x(n.r)
	case *concatExpr:
		for _, it := range n.items {
			x(it)
		}
	case *compareExpr:
		x(n.first)
		for _, op := range n.ops {
			x(op.x)
		}
	case *condExpr:
		x(n.test)
		x(n.then)
		x(n.els)
	case *listExpr:
		for _, it := range n.items {
			x(it)
		}
	case *tupleExpr:
		for _, it := range n.items {
			x(it)
		}
	case *dictExpr:
		for i := range n.keys {
			x(n.keys[i])
			x(n.vals[i])
		}
	}
}

// capturesScope reports whether a body defines a macro or call block,
// whose closures keep a reference to the scope they are defined in.
func capturesScope(body []stmt) bool {
	found := false
	var visit func([]stmt)
	visit = func(b []stmt) {
		for _, s := range b {
			switch n := s.(type) {
			case *macroStmt, *callBlockStmt:
				found = true
			case *ifStmt:
				visit(n.body)
				visit(n.els)
			case *forStmt:
				visit(n.body)
				visit(n.els)
			case *withStmt:
				visit(n.body)
			case *setBlockStmt:
				visit(n.body)
			case *filterBlockStmt:
				visit(n.body)
			case *scopeStmt:
				visit(n.body)
			case *blockStmt:
				if n.scoped {
					visit(n.body)
				}
			}
		}
	}
	visit(body)
	return found
}

// hasScopedBlock reports whether body holds a {% block ... scoped %} at
// any depth (Jinja2's node.find_all(nodes.Block)).
func hasScopedBlock(body []stmt) bool {
	for _, s := range body {
		var inner [][]stmt
		switch n := s.(type) {
		case *blockStmt:
			if n.scoped {
				return true
			}
			inner = [][]stmt{n.body}
		case *ifStmt:
			inner = [][]stmt{n.body, n.els}
		case *forStmt:
			inner = [][]stmt{n.body, n.els}
		case *setBlockStmt:
			inner = [][]stmt{n.body}
		case *macroStmt:
			inner = [][]stmt{n.body}
		case *callBlockStmt:
			inner = [][]stmt{n.caller.body}
		case *filterBlockStmt:
			inner = [][]stmt{n.body}
		case *withStmt:
			inner = [][]stmt{n.body}
		case *scopeStmt:
			inner = [][]stmt{n.body}
		}
		for _, b := range inner {
			if hasScopedBlock(b) {
				return true
			}
		}
	}
	return false
}

// storedLoop is the position of the first assignment to the name loop in
// target or body, at any depth, or -1 (Jinja2's For node find_all(Name)
// with ctx "store").
func storedLoop(target expr, body ...[]stmt) int {
	var inTarget func(e expr) int
	inTarget = func(e expr) int {
		switch t := e.(type) {
		case *nameExpr:
			if t.name == "loop" {
				return t.position()
			}
		case *tupleExpr:
			for _, it := range t.items {
				if p := inTarget(it); p >= 0 {
					return p
				}
			}
		}
		return -1
	}
	if target != nil {
		if p := inTarget(target); p >= 0 {
			return p
		}
	}
	for _, b := range body {
		for _, st := range b {
			p := -1
			switch n := st.(type) {
			case *setStmt:
				p = inTarget(n.target)
			case *setBlockStmt:
				p = storedLoop(n.target, n.body)
			case *forStmt:
				p = storedLoop(n.target, n.body, n.els)
			case *withStmt:
				// with's targets are parameters, not stores.
				p = storedLoop(nil, n.body)
			case *ifStmt:
				p = storedLoop(nil, n.body, n.els)
			case *macroStmt:
				p = storedLoop(nil, n.body)
			case *callBlockStmt:
				p = storedLoop(nil, n.caller.body)
			case *filterBlockStmt:
				p = storedLoop(nil, n.body)
			case *scopeStmt:
				p = storedLoop(nil, n.body)
			case *blockStmt:
				p = storedLoop(nil, n.body)
			}
			if p >= 0 {
				return p
			}
		}
	}
	return -1
}
