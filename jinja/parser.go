package jinja

import (
	"strings"
)

// parser is a recursive-descent parser that follows Jinja2's grammar rule
// for rule, so precedence and error messages match.
type parser struct {
	name      string
	src       string
	toks      []token
	i         int
	tagStack  []string
	endStack  [][]string
	loops     int // depth of for loops, for break/continue
	blocks    map[string]*blockStmt
	macros    []*macroStmt
	inMacro   int
	macroTags map[string]string // Options.MacroTags

	// What follows is kept when an Env reuses the parser (Env.parsers):
	// the stacks are empty between parses, and the slabs hand out each
	// node once, so nodes given to one template are never another's.
	stmts []stmt // statements of the bodies being parsed (subparse)

	// The most common nodes come from slabs, chunk nodes at a time.
	chunk    int
	consts   slab[constExpr]
	names    slab[nameExpr]
	calls    slab[callExpr]
	attrs    slab[getattrExpr]
	filters  slab[filterExpr]
	binaries slab[binaryExpr]
	outputs  slab[outputStmt]
	datas    slab[dataStmt]

	exprStack []expr   // call arguments being parsed (parseCallArgs)
	nameStack []string // their keywords
	exprFree  []expr   // slab memory for argument lists
	stmtFree  []stmt   // slab memory for bodies
	valFree   []any    // slab memory for the compiler's values
	nameFree  []string // slab memory for keyword names
}

// reset makes p ready for another parse, keeping its memory unless a
// large template grew it.
func (p *parser) reset() {
	toks := p.toks
	clear(toks) // tokens hold the source's text; past len they are clear
	if cap(toks) > 4096 {
		toks = nil
	}
	clear(p.stmts)
	clear(p.exprStack)
	clear(p.nameStack)
	*p = parser{
		toks:      toks[:0],
		tagStack:  p.tagStack[:0],
		endStack:  p.endStack[:0],
		stmts:     p.stmts[:0],
		consts:    p.consts,
		names:     p.names,
		calls:     p.calls,
		attrs:     p.attrs,
		filters:   p.filters,
		binaries:  p.binaries,
		outputs:   p.outputs,
		datas:     p.datas,
		exprStack: p.exprStack[:0],
		nameStack: p.nameStack[:0],
		exprFree:  p.exprFree,
		stmtFree:  p.stmtFree,
		valFree:   p.valFree,
		nameFree:  p.nameFree,
	}
}

// slab hands out *T from chunks of n.
type slab[T any] struct{ free []T }

// node returns a pointer to a copy of v.
func (s *slab[T]) node(n int, v T) *T {
	if len(s.free) == 0 {
		s.free = make([]T, n)
	}
	x := &s.free[0]
	s.free = s.free[1:]
	*x = v
	return x
}

// parseTemplate parses src with p, a new or reset parser.
func parseTemplate(p *parser, name, src string, macroTags map[string]string) ([]stmt, error) {
	toks, err := tokenizeInto(name, src, p.toks)
	p.toks = toks
	if err != nil {
		return nil, err
	}
	p.name, p.src, p.macroTags = name, src, macroTags
	p.chunk = 64 // the slabs outlive the parse: the parser is reused
	var body []stmt
	perr := p.catch(func() { body = p.subparse(nil) })
	if perr != nil {
		return nil, perr
	}
	return body, nil
}

type parseErr struct{ e *Error }

func (p *parser) catch(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if pe, ok := r.(parseErr); ok {
				err = pe.e
				return
			}
			panic(r)
		}
	}()
	f()
	return nil
}

func (p *parser) failAt(at int, msg string) {
	panic(parseErr{newSyntaxError(p.name, p.src, at, msg)})
}

func (p *parser) fail(msg string) { p.failAt(p.cur().pos, msg) }

func (p *parser) failKind(at int, kind, msg string) {
	e := newSyntaxError(p.name, p.src, at, msg)
	e.Kind = kind
	panic(parseErr{e})
}

func (p *parser) cur() token { return p.toks[p.i] }

func (p *parser) look() *token {
	if p.i+1 < len(p.toks) {
		return &p.toks[p.i+1]
	}
	return &p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

// test matches a token expression like Jinja2's: "name:if", "comma" or an
// operator such as "(".
func tokTest(t *token, e string) bool {
	if strings.HasPrefix(e, "name:") {
		return t.kind == tName && t.val == e[5:]
	}
	switch e {
	case "name":
		return t.kind == tName
	case "string":
		return t.kind == tString
	case "integer":
		return t.kind == tInt
	case "float":
		return t.kind == tFloat
	case "block_end":
		return t.kind == tBlockEnd
	case "variable_end":
		return t.kind == tVarEnd
	case "eof":
		return t.kind == tEOF
	}
	return t.kind == tOp && t.val == e
}

func describeExpr(e string) string {
	if strings.HasPrefix(e, "name:") {
		return e[5:]
	}
	switch e {
	case "block_end":
		return kindName(tBlockEnd)
	case "variable_end":
		return kindName(tVarEnd)
	}
	return e
}

func (p *parser) skipIf(e string) bool {
	if tokTest(&p.toks[p.i], e) {
		p.next()
		return true
	}
	return false
}

func (p *parser) isOp(op string) bool {
	t := &p.toks[p.i]
	return t.kind == tOp && t.val == op
}

func (p *parser) isName(n string) bool {
	t := &p.toks[p.i]
	return t.kind == tName && t.val == n
}

func (p *parser) expect(e string) token {
	t := &p.toks[p.i]
	if !tokTest(t, e) {
		if t.kind == tEOF {
			p.fail("unexpected end of template, expected " + pyRepr(describeExpr(e)) + ".")
		}
		p.fail("expected token " + pyRepr(describeExpr(e)) + ", got " + pyRepr(t.describe()))
	}
	return p.next()
}

var statementKeywords = map[string]bool{"for": true, "if": true, "block": true, "extends": true, "print": true,
	"macro": true, "include": true, "from": true, "import": true, "set": true, "with": true, "autoescape": true}

func (p *parser) subparse(end []string) []stmt {
	// The statements are gathered on p.stmts, shared by the nested
	// calls, and copied out once: one allocation per body.
	base := len(p.stmts)
	if end != nil {
		p.endStack = append(p.endStack, end)
		defer func() { p.endStack = p.endStack[:len(p.endStack)-1] }()
	}
	for {
		t := p.cur()
		switch t.kind {
		case tEOF:
			return p.takeStmts(base)
		case tData:
			p.stmts = append(p.stmts, p.datas.node(p.chunk, dataStmt{pos(t.pos), t.val}))
			p.next()
		case tVarBegin:
			p.next()
			x := p.parseTuple(false, true, nil, false)
			p.stmts = append(p.stmts, p.outputs.node(p.chunk, outputStmt{pos(x.position()), x}))
			p.expect("variable_end")
		case tBlockBegin:
			p.next()
			if end != nil {
				for _, e := range end {
					if tokTest(&p.toks[p.i], e) {
						return p.takeStmts(base)
					}
				}
			}
			if s := p.parseStatement(); s != nil {
				p.stmts = append(p.stmts, s)
			}
			p.expect("block_end")
		default:
			p.fail("internal parsing error")
		}
	}
}

// takeStmts returns a copy of p.stmts[base:] (nil when empty) and drops
// them from p.stmts.
func (p *parser) takeStmts(base int) []stmt {
	n := len(p.stmts) - base
	if n == 0 {
		return nil
	}
	if len(p.stmtFree) < n {
		p.stmtFree = make([]stmt, max(n, 2*p.chunk))
	}
	body := p.stmtFree[:n:n]
	p.stmtFree = p.stmtFree[n:]
	copy(body, p.stmts[base:])
	clear(p.stmts[base:])
	p.stmts = p.stmts[:base]
	return body
}

func (p *parser) parseStatement() stmt {
	t := p.cur()
	if t.kind != tName {
		p.fail("tag name expected")
	}
	p.tagStack = append(p.tagStack, t.val)
	popped := false
	defer func() {
		if !popped {
			p.tagStack = p.tagStack[:len(p.tagStack)-1]
		}
	}()
	switch t.val {
	case "for":
		return p.parseFor()
	case "if":
		return p.parseIf()
	case "block":
		return p.parseBlock()
	case "extends":
		p.next()
		return &extendsStmt{pos(t.pos), p.parseExpression(true)}
	case "print":
		p.next()
		var items []expr
		for p.cur().kind != tBlockEnd {
			if len(items) > 0 {
				p.expect(",")
			}
			items = append(items, p.parseExpression(true))
		}
		var body []stmt
		for _, x := range items {
			body = append(body, p.outputs.node(p.chunk, outputStmt{pos(x.position()), x}))
		}
		return &scopeStmt{pos: pos(t.pos), body: body}
	case "macro":
		return p.parseMacro()
	case "include":
		return p.parseInclude()
	case "from":
		return p.parseFrom()
	case "import":
		return p.parseImport()
	case "set":
		return p.parseSet()
	case "with":
		return p.parseWith()
	case "autoescape":
		p.next()
		x := p.parseExpression(true)
		body := p.parseStatements([]string{"name:endautoescape"}, true)
		return &scopeStmt{pos: pos(t.pos), body: body, autoescape: x}
	case "call":
		return p.parseCallBlock()
	case "filter":
		p.next()
		f := p.parseFilter(nil, true)
		body := p.parseStatements([]string{"name:endfilter"}, true)
		return &filterBlockStmt{pos(t.pos), f.(*filterExpr), body}
	case "do":
		p.next()
		return &doStmt{pos(t.pos), p.parseTuple(false, true, nil, false)}
	case "break", "continue":
		p.next()
		if p.loops == 0 {
			p.failKind(t.pos, "SyntaxError", "'"+t.val+"' outside loop")
		}
		if t.val == "break" {
			return &breakStmt{pos(t.pos)}
		}
		return &continueStmt{pos(t.pos)}
	}
	if prefix, ok := p.macroTags[t.val]; ok {
		return p.parseMacroTag(t.val, prefix)
	}
	p.tagStack = p.tagStack[:len(p.tagStack)-1]
	popped = true
	p.failUnknownTag(t.val, t.pos)
	return nil
}

func (p *parser) failUnknownTag(name string, at int) {
	p.failEOFOrTag(name, p.endStack, at)
}

func (p *parser) failEOFOrTag(name string, stack [][]string, at int) {
	expected := map[string]bool{}
	for _, es := range stack {
		for _, e := range es {
			expected[describeExpr(e)] = true
		}
	}
	var msg []string
	if name == "" {
		msg = append(msg, "Unexpected end of template.")
	} else {
		msg = append(msg, "Encountered unknown tag "+pyRepr(name)+".")
	}
	if len(stack) > 0 {
		var looking []string
		for _, e := range stack[len(stack)-1] {
			looking = append(looking, pyRepr(describeExpr(e)))
		}
		cl := strings.Join(looking, " or ")
		if name != "" && expected[name] {
			msg = append(msg, "You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for "+cl+".")
		} else {
			msg = append(msg, "Jinja was looking for the following tags: "+cl+".")
		}
	}
	if len(p.tagStack) > 0 {
		msg = append(msg, "The innermost block that needs to be closed is "+pyRepr(p.tagStack[len(p.tagStack)-1])+".")
	}
	p.failAt(at, strings.Join(msg, " "))
}

func (p *parser) parseStatements(end []string, dropNeedle bool) []stmt {
	p.skipIf(":")
	p.expect("block_end")
	body := p.subparse(end)
	if p.cur().kind == tEOF {
		stack := append(append([][]string(nil), p.endStack...), end)
		p.failEOFOrTag("", stack, p.cur().pos)
	}
	if dropNeedle {
		p.next()
	}
	return body
}

func (p *parser) parseSet() stmt {
	t := p.next()
	target := p.parseAssignTarget(true, false, nil, true)
	if p.skipIf("=") {
		x := p.parseTuple(false, true, nil, false)
		return &setStmt{pos(t.pos), target, x}
	}
	var f *filterExpr
	if fx := p.parseFilter(nil, false); fx != nil {
		f = fx.(*filterExpr)
	}
	body := p.parseStatements([]string{"name:endset"}, true)
	return &setBlockStmt{pos(t.pos), target, f, body}
}

func (p *parser) parseFor() stmt {
	t := p.expect("name:for")
	target := p.parseAssignTarget(true, false, []string{"name:in"}, false)
	p.expect("name:in")
	iter := p.parseTuple(false, false, []string{"name:recursive"}, false)
	var test expr
	if p.skipIf("name:if") {
		test = p.parseExpression(true)
	}
	recursive := p.skipIf("name:recursive")
	p.loops++
	body := p.parseStatements([]string{"name:endfor", "name:else"}, false)
	p.loops--
	var els []stmt
	if p.next().val != "endfor" {
		els = p.parseStatements([]string{"name:endfor"}, true)
	}
	return &forStmt{pos(t.pos), target, iter, body, els, test, recursive}
}

func (p *parser) parseIf() stmt {
	t := p.expect("name:if")
	result := &ifStmt{pos: pos(t.pos)}
	node := result
	for {
		node.test = p.parseTuple(false, false, nil, false)
		node.body = p.parseStatements([]string{"name:elif", "name:else", "name:endif"}, false)
		tok := p.next()
		if tok.val == "elif" {
			n := &ifStmt{pos: pos(p.cur().pos)}
			node.els = []stmt{n}
			node = n
			continue
		} else if tok.val == "else" {
			node.els = p.parseStatements([]string{"name:endif"}, true)
		}
		break
	}
	return result
}

func (p *parser) parseWith() stmt {
	t := p.next()
	w := &withStmt{pos: pos(t.pos)}
	for p.cur().kind != tBlockEnd {
		if len(w.targets) > 0 {
			p.expect(",")
		}
		w.targets = append(w.targets, p.parseAssignTarget(true, false, nil, false))
		p.expect("=")
		w.values = append(w.values, p.parseExpression(true))
	}
	w.body = p.parseStatements([]string{"name:endwith"}, true)
	return w
}

func (p *parser) parseBlock() stmt {
	t := p.next()
	b := &blockStmt{pos: pos(t.pos)}
	b.name = p.expect("name").val
	b.scoped = p.skipIf("name:scoped")
	b.required = p.skipIf("name:required")
	if p.isOp("-") {
		p.fail("Block names in Jinja have to be valid Python identifiers and may not contain hyphens, use an underscore instead.")
	}
	saved := p.loops
	p.loops = 0
	b.body = p.parseStatements([]string{"name:endblock"}, true)
	p.loops = saved
	if b.required {
		for _, s := range b.body {
			d, ok := s.(*dataStmt)
			if !ok || strings.TrimSpace(d.text) != "" {
				p.fail("Required blocks can only contain comments or whitespace")
			}
		}
	}
	p.skipIf("name:" + b.name)
	if p.blocks == nil {
		p.blocks = map[string]*blockStmt{}
	}
	if _, dup := p.blocks[b.name]; dup {
		p.failKind(t.pos, "TemplateAssertionError", "block "+pyRepr(b.name)+" defined twice")
	}
	p.blocks[b.name] = b
	return b
}

func (p *parser) parseImportContext(def bool) bool {
	if (p.isName("with") || p.isName("without")) && tokTest(p.look(), "name:context") {
		with := p.next().val == "with"
		p.next()
		return with
	}
	return def
}

func (p *parser) parseInclude() stmt {
	t := p.next()
	n := &includeStmt{pos: pos(t.pos)}
	n.template = p.parseExpression(true)
	if p.isName("ignore") && tokTest(p.look(), "name:missing") {
		n.ignoreMissing = true
		p.next()
		p.next()
	}
	n.withContext = p.parseImportContext(true)
	return n
}

func (p *parser) parseImport() stmt {
	t := p.next()
	n := &importStmt{pos: pos(t.pos)}
	n.template = p.parseExpression(true)
	p.expect("name:as")
	n.target = p.expect("name").val
	n.withContext = p.parseImportContext(false)
	return n
}

func (p *parser) parseFrom() stmt {
	t := p.next()
	n := &fromImportStmt{pos: pos(t.pos)}
	n.template = p.parseExpression(true)
	p.expect("name:import")
	parseContext := func() bool {
		if (p.isName("with") || p.isName("without")) && tokTest(p.look(), "name:context") {
			n.withContext = p.next().val == "with"
			p.next()
			return true
		}
		return false
	}
	for {
		if len(n.names) > 0 {
			p.expect(",")
		}
		if p.cur().kind == tName {
			if parseContext() {
				break
			}
			tt := p.expect("name")
			if strings.HasPrefix(tt.val, "_") {
				p.failKind(tt.pos, "TemplateAssertionError", "names starting with an underline can not be imported")
			}
			alias := tt.val
			if p.skipIf("name:as") {
				alias = p.expect("name").val
			}
			n.names = append(n.names, [2]string{tt.val, alias})
			if parseContext() || !p.isOp(",") {
				break
			}
		} else {
			p.expect("name")
		}
	}
	return n
}

func (p *parser) parseSignature() (params []string, defaults []expr) {
	p.expect("(")
	for !p.isOp(")") {
		if len(params) > 0 {
			p.expect(",")
		}
		nt := p.expect("name")
		name := nt.val
		if p.skipIf("=") {
			defaults = append(defaults, p.parseExpression(true))
		} else if len(defaults) > 0 {
			p.fail("non-default argument follows default argument")
		}
		for _, prev := range params {
			if prev == name {
				// Python's compile of the generated function rejects
				// it (Jinja2 names the parameter l_1_<name>).
				p.failKind(nt.pos, "SyntaxError", "duplicate argument 'l_1_"+name+"' in function definition")
			}
		}
		params = append(params, name)
	}
	p.expect(")")
	return
}

func (p *parser) parseMacro() stmt {
	t := p.next()
	m := &macroStmt{pos: pos(t.pos)}
	m.name = p.expect("name").val
	m.params, m.defaults = p.parseSignature()
	saved := p.loops
	p.loops = 0
	p.inMacro++
	m.body = p.parseStatements([]string{"name:endmacro"}, true)
	p.inMacro--
	p.loops = saved
	markSpecialNames(m)
	if p.inMacro == 0 && len(p.tagStack) == 1 {
		p.macros = append(p.macros, m)
	}
	return m
}

// parseMacroTag parses {% tag name(params) %}...{% endtag %}, an
// Options.MacroTags tag, as a macro named prefix+name.
func (p *parser) parseMacroTag(tag, prefix string) stmt {
	t := p.next()
	m := &macroStmt{pos: pos(t.pos)}
	m.name = prefix + p.expect("name").val
	m.params, m.defaults = p.parseSignature()
	saved := p.loops
	p.loops = 0
	p.inMacro++
	m.body = p.parseStatements([]string{"name:end" + tag}, true)
	p.inMacro--
	p.loops = saved
	markSpecialNames(m)
	if p.inMacro == 0 && len(p.tagStack) == 1 {
		p.macros = append(p.macros, m)
	}
	return m
}

func (p *parser) parseCallBlock() stmt {
	t := p.next()
	caller := &macroStmt{pos: pos(t.pos), name: "caller"}
	if p.isOp("(") {
		caller.params, caller.defaults = p.parseSignature()
	}
	call, ok := p.parseExpression(true).(*callExpr)
	if !ok {
		p.failAt(t.pos, "expected call")
	}
	saved := p.loops
	p.loops = 0
	caller.body = p.parseStatements([]string{"name:endcall"}, true)
	p.loops = saved
	markSpecialNames(caller)
	return &callBlockStmt{pos(t.pos), call, caller}
}

func (p *parser) parsePrintExprs() {}

func (p *parser) parseAssignTarget(withTuple, nameOnly bool, extraEnd []string, withNamespace bool) expr {
	var target expr
	if nameOnly {
		t := p.expect("name")
		return p.names.node(p.chunk, nameExpr{pos(t.pos), t.val})
	}
	if withTuple {
		target = p.parseTupleSimplified(extraEnd, withNamespace)
	} else {
		target = p.parsePrimary(withNamespace)
	}
	if !canAssign(target) {
		p.failAt(target.position(), "can't assign to "+pyRepr(nodeKindName(target)))
	}
	return target
}

func canAssign(x expr) bool {
	switch n := x.(type) {
	case *nameExpr:
		return n.name != "true" && n.name != "false" && n.name != "none" && n.name != "True" && n.name != "False" && n.name != "None"
	case *nsRefExpr:
		return true
	case *tupleExpr:
		for _, it := range n.items {
			if !canAssign(it) {
				return false
			}
		}
		return true
	}
	return false
}

func nodeKindName(x expr) string {
	switch x.(type) {
	case *constExpr:
		return "const"
	case *listExpr:
		return "list"
	case *dictExpr:
		return "dict"
	case *tupleExpr:
		return "tuple"
	case *callExpr:
		return "call"
	}
	return "expr"
}

func (p *parser) parseExpression(withCond bool) expr {
	if p.unaryAhead() {
		return p.parseUnary(true)
	}
	if withCond {
		return p.parseCondExpr()
	}
	return p.parseOr()
}

// unaryAhead reports whether the expression starting here is a literal,
// a name or a call of a name, followed by a token no rule between
// parseCondExpr and parseUnary continues with. parseUnary alone then
// parses what the whole descent would, without the dozen calls in
// between (most arguments and outputs are such expressions).
func (p *parser) unaryAhead() bool {
	t := &p.toks[p.i]
	switch t.kind {
	case tName:
		if t.val == "not" {
			return false
		}
	case tString, tInt, tFloat:
	default:
		return false
	}
	j := p.i + 1
	if t.kind == tName && j < len(p.toks) && p.toks[j].kind == tOp && p.toks[j].val == "(" {
		depth := 0
		for ; j < len(p.toks); j++ {
			u := &p.toks[j]
			switch u.kind {
			case tOp:
				switch u.val {
				case "(", "[", "{":
					depth++
				case ")", "]", "}":
					depth--
				}
			case tEOF, tVarEnd, tBlockEnd:
				return false // unbalanced: the full descent reports it
			}
			if depth == 0 {
				j++
				break
			}
		}
	}
	if j >= len(p.toks) {
		return false
	}
	switch u := &p.toks[j]; u.kind {
	case tVarEnd, tBlockEnd:
		return true
	case tOp:
		switch u.val {
		case ")", ",", "]", "}", ":":
			return true
		}
	}
	return false
}

func (p *parser) parseCondExpr() expr {
	start := p.cur().pos
	x := p.parseOr()
	for p.skipIf("name:if") {
		test := p.parseOr()
		var els expr
		if p.skipIf("name:else") {
			els = p.parseCondExpr()
		}
		x = &condExpr{pos(start), test, x, els}
	}
	return x
}

func (p *parser) parseOr() expr {
	x := p.parseAnd()
	for p.isName("or") {
		p.next()
		x = p.binaries.node(p.chunk, binaryExpr{pos(x.position()), "or", x, p.parseAnd()})
	}
	return x
}

func (p *parser) parseAnd() expr {
	x := p.parseNot()
	for p.isName("and") {
		p.next()
		x = p.binaries.node(p.chunk, binaryExpr{pos(x.position()), "and", x, p.parseNot()})
	}
	return x
}

func (p *parser) parseNot() expr {
	if p.isName("not") {
		t := p.next()
		return &unaryExpr{pos(t.pos), "not", p.parseNot()}
	}
	return p.parseCompare()
}

var compareOps = map[string]string{"==": "eq", "!=": "ne", "<": "lt", "<=": "lteq", ">": "gt", ">=": "gteq"}

func (p *parser) parseCompare() expr {
	start := p.cur().pos
	x := p.parseMath1()
	var ops []compareOp
	for {
		t := p.cur()
		if t.kind == tOp && compareOps[t.val] != "" {
			p.next()
			ops = append(ops, compareOp{compareOps[t.val], p.parseMath1()})
		} else if p.skipIf("name:in") {
			ops = append(ops, compareOp{"in", p.parseMath1()})
		} else if p.isName("not") && tokTest(p.look(), "name:in") {
			p.next()
			p.next()
			ops = append(ops, compareOp{"notin", p.parseMath1()})
		} else {
			break
		}
	}
	if len(ops) == 0 {
		return x
	}
	return &compareExpr{pos(start), x, ops}
}

func (p *parser) parseMath1() expr {
	x := p.parseConcat()
	for p.isOp("+") || p.isOp("-") {
		t := p.next()
		x = p.binaries.node(p.chunk, binaryExpr{pos(x.position()), t.val, x, p.parseConcat()})
	}
	return x
}

func (p *parser) parseConcat() expr {
	start := p.cur().pos
	x := p.parseMath2()
	if !p.isOp("~") {
		return x
	}
	items := []expr{x}
	for p.isOp("~") {
		p.next()
		items = append(items, p.parseMath2())
	}
	return &concatExpr{pos(start), items}
}

func (p *parser) parseMath2() expr {
	x := p.parsePow()
	for p.isOp("*") || p.isOp("/") || p.isOp("//") || p.isOp("%") {
		t := p.next()
		x = p.binaries.node(p.chunk, binaryExpr{pos(x.position()), t.val, x, p.parsePow()})
	}
	return x
}

func (p *parser) parsePow() expr {
	x := p.parseUnary(true)
	for p.isOp("**") {
		p.next()
		x = p.binaries.node(p.chunk, binaryExpr{pos(x.position()), "**", x, p.parseUnary(true)})
	}
	return x
}

func (p *parser) parseUnary(withFilter bool) expr {
	t := p.cur()
	var x expr
	if p.isOp("-") {
		p.next()
		x = &unaryExpr{pos(t.pos), "-", p.parseUnary(false)}
	} else if p.isOp("+") {
		p.next()
		x = &unaryExpr{pos(t.pos), "+", p.parseUnary(false)}
	} else {
		x = p.parsePrimary(false)
	}
	x = p.parsePostfix(x)
	if withFilter {
		x = p.parseFilterExpr(x)
	}
	return x
}

func (p *parser) parsePrimary(withNamespace bool) expr {
	t := p.cur()
	switch t.kind {
	case tName:
		p.next()
		switch t.val {
		case "true", "True":
			return p.consts.node(p.chunk, constExpr{pos(t.pos), true})
		case "false", "False":
			return p.consts.node(p.chunk, constExpr{pos(t.pos), false})
		case "none", "None":
			return p.consts.node(p.chunk, constExpr{pos(t.pos), nil})
		}
		if withNamespace && p.isOp(".") {
			p.next()
			attr := p.expect("name")
			return &nsRefExpr{pos(t.pos), t.val, attr.val}
		}
		return p.names.node(p.chunk, nameExpr{pos(t.pos), t.val})
	case tString:
		p.next()
		s := t.val
		for p.cur().kind == tString {
			s += p.next().val
		}
		return p.consts.node(p.chunk, constExpr{pos(t.pos), s})
	case tInt, tFloat:
		p.next()
		return p.consts.node(p.chunk, constExpr{pos(t.pos), t.number()})
	case tOp:
		switch t.val {
		case "(":
			p.next()
			x := p.parseTuple(false, true, nil, true)
			p.expect(")")
			return x
		case "[":
			return p.parseList()
		case "{":
			return p.parseDict()
		}
	}
	p.fail("unexpected " + pyRepr(t.describe()))
	return nil
}

func (p *parser) isTupleEnd(extra []string) bool {
	t := &p.toks[p.i]
	if t.kind == tVarEnd || t.kind == tBlockEnd || (t.kind == tOp && t.val == ")") {
		return true
	}
	for _, e := range extra {
		if tokTest(t, e) {
			return true
		}
	}
	return false
}

// parseTupleSimplified parses assignment targets: names (and ns.attr).
func (p *parser) parseTupleSimplified(extra []string, withNamespace bool) expr {
	start := p.cur().pos
	var items []expr
	isTuple := false
	for {
		if len(items) > 0 {
			p.expect(",")
		}
		if p.isTupleEnd(extra) {
			break
		}
		items = append(items, p.parsePrimary(withNamespace))
		if p.isOp(",") {
			isTuple = true
		} else {
			break
		}
	}
	if !isTuple {
		if len(items) > 0 {
			return items[0]
		}
		p.fail("Expected an expression, got " + pyRepr(p.cur().describe()))
	}
	return &tupleExpr{pos(start), items}
}

func (p *parser) parseTuple(simplified, withCond bool, extra []string, explicitParens bool) expr {
	start := p.cur().pos
	if !p.isTupleEnd(extra) {
		// The common case, one expression and no comma, makes no slice.
		x := p.parseExpression(withCond)
		if !p.isOp(",") {
			return x
		}
		return p.parseTupleRest(start, x, withCond, extra)
	}
	if !explicitParens {
		p.fail("Expected an expression, got " + pyRepr(p.cur().describe()))
	}
	return &tupleExpr{pos(start), nil}
}

// parseTupleRest parses the items after first, which a comma follows.
func (p *parser) parseTupleRest(start int, first expr, withCond bool, extra []string) expr {
	items := []expr{first}
	for {
		p.expect(",")
		if p.isTupleEnd(extra) {
			break
		}
		items = append(items, p.parseExpression(withCond))
		if !p.isOp(",") {
			break
		}
	}
	return &tupleExpr{pos(start), items}
}

func (p *parser) parseList() expr {
	t := p.expect("[")
	var items []expr
	for !p.isOp("]") {
		if len(items) > 0 {
			p.expect(",")
		}
		if p.isOp("]") {
			break
		}
		items = append(items, p.parseExpression(true))
	}
	p.expect("]")
	return &listExpr{pos(t.pos), items}
}

func (p *parser) parseDict() expr {
	t := p.expect("{")
	d := &dictExpr{pos: pos(t.pos)}
	for !p.isOp("}") {
		if len(d.keys) > 0 {
			p.expect(",")
		}
		if p.isOp("}") {
			break
		}
		k := p.parseExpression(true)
		p.expect(":")
		v := p.parseExpression(true)
		d.keys = append(d.keys, k)
		d.vals = append(d.vals, v)
	}
	p.expect("}")
	return d
}

func (p *parser) parsePostfix(x expr) expr {
	for {
		if p.isOp(".") || p.isOp("[") {
			x = p.parseSubscript(x)
		} else if p.isOp("(") {
			x = p.parseCall(x)
		} else {
			return x
		}
	}
}

func (p *parser) parseFilterExpr(x expr) expr {
	for {
		if p.isOp("|") {
			x = p.parseFilter(x, false)
		} else if p.isName("is") {
			x = p.parseTest(x)
		} else if p.isOp("(") {
			x = p.parseCall(x)
		} else {
			return x
		}
	}
}

func (p *parser) parseSubscript(x expr) expr {
	t := p.next()
	if t.val == "." {
		at := p.cur()
		p.next()
		if at.kind == tName {
			return p.attrs.node(p.chunk, getattrExpr{pos(t.pos), x, at.val})
		} else if at.kind != tInt {
			p.failAt(at.pos, "expected name or number")
		}
		return &getitemExpr{pos(t.pos), x, p.consts.node(p.chunk, constExpr{pos(at.pos), at.number()})}
	}
	var args []expr
	for !p.isOp("]") {
		if len(args) > 0 {
			p.expect(",")
		}
		args = append(args, p.parseSubscribed())
	}
	p.expect("]")
	if len(args) == 1 {
		return &getitemExpr{pos(t.pos), x, args[0]}
	}
	return &getitemExpr{pos(t.pos), x, &tupleExpr{pos(t.pos), args}}
}

func (p *parser) parseSubscribed() expr {
	start := p.cur().pos
	var parts []expr
	if p.isOp(":") {
		p.next()
		parts = []expr{nil}
	} else {
		x := p.parseExpression(true)
		if !p.isOp(":") {
			return x
		}
		p.next()
		parts = []expr{x}
	}
	if p.isOp(":") {
		parts = append(parts, nil)
	} else if !p.isOp("]") && !p.isOp(",") {
		parts = append(parts, p.parseExpression(true))
	} else {
		parts = append(parts, nil)
	}
	if p.isOp(":") {
		p.next()
		if !p.isOp("]") && !p.isOp(",") {
			parts = append(parts, p.parseExpression(true))
		} else {
			parts = append(parts, nil)
		}
	} else {
		parts = append(parts, nil)
	}
	return &sliceExpr{pos(start), parts[0], parts[1], parts[2]}
}

func (p *parser) parseCallArgs() callArgs {
	t := p.expect("(")
	var a callArgs
	// The arguments are gathered on p.exprStack and p.nameStack (nested
	// calls use them above base), then cut from slab memory.
	base, nbase, npos := len(p.exprStack), len(p.nameStack), 0
	requireComma := false
	ensure := func(ok bool) {
		if !ok {
			p.failAt(t.pos, "invalid syntax for function call expression")
		}
	}
	for !p.isOp(")") {
		if requireComma {
			p.expect(",")
			if p.isOp(")") {
				break
			}
		}
		if p.isOp("*") {
			ensure(a.dynArgs == nil && a.dynKwargs == nil)
			p.next()
			a.dynArgs = p.parseExpression(true)
		} else if p.isOp("**") {
			ensure(a.dynKwargs == nil)
			p.next()
			a.dynKwargs = p.parseExpression(true)
		} else if p.cur().kind == tName && tokTest(p.look(), "=") {
			ensure(a.dynKwargs == nil)
			kt := p.next()
			key := kt.val
			p.next()
			for _, k := range p.nameStack[nbase:] {
				if k == key {
					panic(parseErr{&Error{Kind: "SyntaxError", Msg: "keyword argument repeated: " + key, Name: p.name, Line: lineOf(newSrcInfo(p.name, p.src), kt.pos), Col: colOf(newSrcInfo(p.name, p.src), kt.pos)}})
				}
			}
			p.nameStack = append(p.nameStack, key)
			x := p.parseExpression(true)
			p.exprStack = append(p.exprStack, x)
		} else {
			ensure(a.dynArgs == nil && a.dynKwargs == nil && len(p.nameStack) == nbase)
			x := p.parseExpression(true)
			p.exprStack = append(p.exprStack, x)
			npos++
		}
		requireComma = true
	}
	p.expect(")")
	all := p.takeExprs(base)
	if npos > 0 {
		a.args = all[:npos:npos]
	}
	if len(all) > npos {
		a.kwValues = all[npos:]
	}
	if n := len(p.nameStack) - nbase; n > 0 {
		if len(p.nameFree) < n {
			p.nameFree = make([]string, max(n, p.chunk))
		}
		a.kwNames = p.nameFree[:n:n]
		p.nameFree = p.nameFree[n:]
		copy(a.kwNames, p.nameStack[nbase:])
		clear(p.nameStack[nbase:])
		p.nameStack = p.nameStack[:nbase]
	}
	return a
}

// takeExprs returns p.exprStack[base:] (nil when empty) in slab memory,
// full so that an append copies, and drops them from p.exprStack.
func (p *parser) takeExprs(base int) []expr {
	n := len(p.exprStack) - base
	if n == 0 {
		return nil
	}
	if len(p.exprFree) < n {
		p.exprFree = make([]expr, max(n, 2*p.chunk))
	}
	out := p.exprFree[:n:n]
	p.exprFree = p.exprFree[n:]
	copy(out, p.exprStack[base:])
	clear(p.exprStack[base:])
	p.exprStack = p.exprStack[:base]
	return out
}

func (p *parser) parseCall(x expr) expr {
	t := p.cur()
	return p.calls.node(p.chunk, callExpr{pos(t.pos), x, p.parseCallArgs()})
}

func (p *parser) parseFilter(x expr, startInline bool) expr {
	for p.isOp("|") || startInline {
		if !startInline {
			p.next()
		}
		t := p.expect("name")
		name := t.val
		for p.isOp(".") {
			p.next()
			name += "." + p.expect("name").val
		}
		var a callArgs
		if p.isOp("(") {
			a = p.parseCallArgs()
		}
		x = p.filters.node(p.chunk, filterExpr{pos(t.pos), x, name, a})
		startInline = false
	}
	return x
}

func (p *parser) parseTest(x expr) expr {
	t := p.next()
	negated := false
	if p.isName("not") {
		p.next()
		negated = true
	}
	name := p.expect("name").val
	for p.isOp(".") {
		p.next()
		name += "." + p.expect("name").val
	}
	var a callArgs
	c := p.cur()
	if p.isOp("(") {
		a = p.parseCallArgs()
	} else if (c.kind == tName || c.kind == tString || c.kind == tInt || c.kind == tFloat ||
		(c.kind == tOp && (c.val == "(" || c.val == "[" || c.val == "{"))) &&
		!(c.kind == tName && (c.val == "else" || c.val == "or" || c.val == "and")) {
		if p.isName("is") {
			p.fail("You cannot chain multiple tests with is")
		}
		arg := p.parsePostfix(p.parsePrimary(false))
		a.args = []expr{arg}
	}
	var n expr = &testExpr{pos(t.pos), x, name, a}
	if negated {
		n = &unaryExpr{pos(t.pos), "not", n}
	}
	return n
}

// markSpecialNames records whether a macro body refers to caller, varargs
// or kwargs: Jinja2 only accepts extra arguments when it does.
func markSpecialNames(m *macroStmt) {
	walkNames(m.body, func(n string) {
		switch n {
		case "caller":
			m.usesCaller = true
		case "varargs":
			m.usesVarargs = true
		case "kwargs":
			m.usesKwargs = true
		}
	})
	for _, d := range m.defaults {
		walkExprNames(d, func(n string) {
			switch n {
			case "caller":
				m.usesCaller = true
			case "varargs":
				m.usesVarargs = true
			case "kwargs":
				m.usesKwargs = true
			}
		})
	}
}
