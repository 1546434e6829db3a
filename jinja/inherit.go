package jinja

// blockFn is a compiled {% block %}.
type blockFn struct {
	name     string
	body     execFn
	scoped   bool
	required bool
}

func (c *compiler) blockFn(b *blockStmt) *blockFn {
	saved := c.soft
	c.soft = false
	f := &blockFn{name: b.name, body: c.body(b.body), scoped: b.scoped, required: b.required}
	c.soft = saved
	return f
}

// blockRef is the "self" variable: self.name() renders block name.
type blockRef struct{ c *tplCtx }

func (b *blockRef) GetAttr(name string) (any, bool) {
	chain := b.c.blocks[name]
	if len(chain) == 0 {
		return nil, false
	}
	return Func(func(s *State, args []any, kw Kwargs) (any, error) {
		var w writer
		bs := &State{r: s.r, c: b.c, sc: b.c.root}
		if err := renderBlock(bs, &w, chain, 0, false); err != nil {
			return nil, err
		}
		return w.join()
	}), true
}

func (b *blockRef) String() string { return "<TemplateReference>" }

// renderBlock renders chain[i] of a block's overrides. scoped is the
// flag of the {% block %} statement being rendered, whichever override
// runs (Jinja2's visit_Block derives the context at the call site): the
// override, and its super(), then see the names where the block is.
func renderBlock(s *State, w *writer, chain []*blockFn, i int, scoped bool) error {
	b := chain[i]
	if b.required {
		// a required block that no child overrides
		return newErr("TemplateRuntimeError", "Required block "+pyRepr(b.name)+" not found")
	}
	parent := s.c.root
	if scoped {
		parent = s.sc
	}
	sc := &scope{parent: parent}
	sc.names = append(sc.names, "super")
	sc.vals = append(sc.vals, Func(func(fs *State, args []any, kw Kwargs) (any, error) {
		if i+1 >= len(chain) {
			return nil, newErr("UndefinedError", "there is no parent block called "+pyRepr(b.name)+".")
		}
		var bw writer
		if err := renderBlock(s, &bw, chain, i+1, scoped); err != nil {
			return nil, err
		}
		return bw.join()
	}))
	return b.body(&State{r: s.r, c: s.c, sc: sc}, w)
}

func (c *compiler) block(n *blockStmt) execFn {
	name := n.name
	p := n.position()
	scoped := n.scoped
	return func(s *State, w *writer) error {
		if s.c.parent != nil {
			return nil
		}
		chain := s.c.blocks[name]
		if len(chain) == 0 {
			return nil
		}
		if err := renderBlock(s, w, chain, 0, scoped); err != nil {
			return c.at(err, p)
		}
		return nil
	}
}

func (c *compiler) loadTemplate(s *State, v any, p int) (*Template, error) {
	switch x := v.(type) {
	case *Template:
		return x, nil
	case string:
		t, err := s.r.env.load(x)
		if err != nil {
			return nil, c.at(err, p)
		}
		return t, nil
	case *List, Tuple, []any:
		items, _ := seqItems(x)
		var names []string
		for _, it := range items {
			if str, ok := it.(string); ok {
				t, err := s.r.env.load(str)
				if err == nil {
					return t, nil
				}
				if !notFound(err) {
					return nil, c.at(err, p)
				}
				names = append(names, repr(str))
			}
		}
		msg := "No templates found"
		if len(names) > 0 {
			msg = "none of the templates given were found: " + joinStrings(names, ", ")
		}
		return nil, c.at(&Error{Kind: "TemplatesNotFound", Msg: msg}, p)
	case *Undefined:
		return nil, c.at(x.err(), p)
	}
	return nil, c.at(typeErr("template name must be a string, not %s", typeName(v)), p)
}

func joinStrings(items []string, sep string) string {
	out := ""
	for i, s := range items {
		if i > 0 {
			out += sep
		}
		out += s
	}
	return out
}

func (c *compiler) extends(n *extendsStmt) execFn {
	tmpl := c.expr(n.template)
	p := n.position()
	return func(s *State, w *writer) error {
		if s.c.parent != nil {
			return c.at(newErr("TemplateRuntimeError", "extended multiple times"), p)
		}
		v, err := tmpl(s)
		if err != nil {
			return err
		}
		pt, err := c.loadTemplate(s, v, p)
		if err != nil {
			return err
		}
		s.c.parent = pt
		if s.c.blocks == nil {
			s.c.blocks = map[string][]*blockFn{}
		}
		for name, b := range pt.blocks {
			s.c.blocks[name] = append(s.c.blocks[name], b)
		}
		return nil
	}
}

func (c *compiler) include(n *includeStmt) execFn {
	tmpl := c.expr(n.template)
	p := n.position()
	ignore, withCtx := n.ignoreMissing, n.withContext
	return func(s *State, w *writer) error {
		if s.c.parent != nil {
			return nil
		}
		v, err := tmpl(s)
		if err != nil {
			return err
		}
		t, err := c.loadTemplate(s, v, p)
		if err != nil {
			if ignore {
				if e, ok := err.(*Error); ok && (e.Kind == "TemplateNotFound" || e.Kind == "TemplatesNotFound") {
					return nil
				}
			}
			return err
		}
		nc := t.newCtx(nil)
		if withCtx {
			nc.outer = s
		}
		if s.r.depth >= s.r.env.maxRecursion() {
			return c.at(newErr("RecursionError", "maximum recursion depth exceeded"), p)
		}
		s.r.depth++
		defer func() { s.r.depth-- }()
		var iw writer
		if err := t.run(&State{r: s.r, c: nc, sc: nc.root}, &iw); err != nil {
			return err
		}
		if w.native {
			w.str(iw.b.String())
		} else {
			w.absorb(&iw)
		}
		return nil
	}
}

func (c *compiler) module(s *State, n stmt, tmpl evalFn, withCtx bool, p int) (*Module, error) {
	v, err := tmpl(s)
	if err != nil {
		return nil, err
	}
	t, err := c.loadTemplate(s, v, p)
	if err != nil {
		return nil, err
	}
	nc := t.newCtx(nil)
	if withCtx {
		nc.outer = s
	}
	if s.r.depth >= s.r.env.maxRecursion() {
		return nil, c.at(newErr("RecursionError", "maximum recursion depth exceeded"), p)
	}
	s.r.depth++
	defer func() { s.r.depth-- }()
	var iw writer
	if err := t.run(&State{r: s.r, c: nc, sc: nc.root}, &iw); err != nil {
		return nil, err
	}
	return &Module{name: t.name, vars: nc.root, body: iw.b.String()}, nil
}

func (c *compiler) importStmt(n *importStmt) execFn {
	tmpl := c.expr(n.template)
	p := n.position()
	return func(s *State, w *writer) error {
		m, err := c.module(s, n, tmpl, n.withContext, p)
		if err != nil {
			return err
		}
		s.sc.set(n.target, m)
		return nil
	}
}

func (c *compiler) fromImport(n *fromImportStmt) execFn {
	tmpl := c.expr(n.template)
	p := n.position()
	line := lineOf(c.si, p)
	return func(s *State, w *writer) error {
		m, err := c.module(s, n, tmpl, n.withContext, p)
		if err != nil {
			return err
		}
		for _, pair := range n.names {
			v, ok := m.vars.get(pair[0])
			if !ok {
				v = &Undefined{policy: s.r.undefined, name: pair[0],
					hint: "the template " + pyRepr(m.name) + " (imported on line " + itoa(line) + ") does not export the requested name " + pyRepr(pair[0])}
			}
			s.sc.set(pair[1], v)
		}
		return nil
	}
}
