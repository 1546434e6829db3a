package jinja

// The AST mirrors Jinja2's node classes closely enough that the parser can
// follow Jinja2's grammar rule for rule. Every node records the byte
// offset where it starts; positions become line:column only when an error
// is reported.

type expr interface{ position() int }
type stmt interface{ position() int }

type pos int

func (p pos) position() int { return int(p) }

type (
	constExpr struct {
		pos
		val any
	}
	nameExpr struct {
		pos
		name string
	}
	nsRefExpr struct { // ns.attr as an assignment target
		pos
		name, attr string
	}
	getattrExpr struct {
		pos
		obj  expr
		attr string
	}
	getitemExpr struct {
		pos
		obj expr
		key expr
	}
	sliceExpr struct {
		pos
		start, stop, step expr // nil when omitted
	}
	callArgs struct {
		args      []expr
		kwNames   []string
		kwValues  []expr
		dynArgs   expr
		dynKwargs expr
	}
	callExpr struct {
		pos
		fn expr
		callArgs
	}
	filterExpr struct {
		pos
		x    expr // nil in filter blocks and {% set x | f %}
		name string
		callArgs
	}
	testExpr struct {
		pos
		x    expr
		name string
		callArgs
	}
	unaryExpr struct {
		pos
		op string // "-", "+", "not"
		x  expr
	}
	binaryExpr struct {
		pos
		op   string // + - * / // % ** and or
		l, r expr
	}
	concatExpr struct {
		pos
		items []expr
	}
	compareOp struct {
		op string // eq ne lt lteq gt gteq in notin
		x  expr
	}
	compareExpr struct {
		pos
		first expr
		ops   []compareOp
	}
	condExpr struct {
		pos
		test, then, els expr // els may be nil
	}
	listExpr struct {
		pos
		items []expr
	}
	tupleExpr struct {
		pos
		items []expr
	}
	dictExpr struct {
		pos
		keys, vals []expr
	}
)

type (
	dataStmt struct {
		pos
		text string
	}
	outputStmt struct {
		pos
		x expr
	}
	ifStmt struct {
		pos
		test expr
		body []stmt
		els  []stmt // an elif is a nested ifStmt alone in els
	}
	forStmt struct {
		pos
		target    expr
		iter      expr
		body, els []stmt
		test      expr
		recursive bool
	}
	setStmt struct {
		pos
		target expr
		x      expr
	}
	setBlockStmt struct {
		pos
		target expr
		filter *filterExpr
		body   []stmt
	}
	macroStmt struct {
		pos
		name     string
		params   []string
		defaults []expr // aligned to the end of params
		body     []stmt
		// which of the special names the body refers to
		usesCaller, usesVarargs, usesKwargs bool
	}
	callBlockStmt struct {
		pos
		call   *callExpr
		caller *macroStmt
	}
	filterBlockStmt struct {
		pos
		filter *filterExpr
		body   []stmt
	}
	withStmt struct {
		pos
		targets []expr
		values  []expr
		body    []stmt
	}
	doStmt struct {
		pos
		x expr
	}
	breakStmt    struct{ pos }
	continueStmt struct{ pos }
	includeStmt  struct {
		pos
		template      expr
		ignoreMissing bool
		withContext   bool
	}
	importStmt struct {
		pos
		template    expr
		target      string
		withContext bool
	}
	fromImportStmt struct {
		pos
		template    expr
		names       [][2]string // name, alias
		withContext bool
	}
	extendsStmt struct {
		pos
		template expr
	}
	blockStmt struct {
		pos
		name     string
		scoped   bool
		required bool
		body     []stmt
	}
	scopeStmt struct {
		pos
		body []stmt
		// autoescape is the expression of {% autoescape expr %}, which
		// sets the autoescaping of the body; nil for other scopes.
		autoescape expr
	}
)
