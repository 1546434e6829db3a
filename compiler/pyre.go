package compiler

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/elt-dev/elt/jinja"
)

// modules.re: Python's re module as dbt's Jinja context offers it.
// Patterns are Python's syntax, translated (pyre_syntax.go, pyre_re2.go)
// into RE2 programs that find the matches Python's backtracking engine
// finds; positions are counted in characters, as Python counts them.
// What RE2 cannot do as Python does (backreferences, conditionals, atomic
// groups, possessive repeats, lookarounds inside a pattern, and the
// patterns and inputs pyre_re2.go lists) runs on a backtracking matcher
// that follows sre (pyre_bt.go). Named character escapes (\N{...}) fail
// with NotImplementedError naming the construct, and so does a search
// that backtracks past a bound: never a different answer.

// errRegexUnsupported is wrapped by the errors of patterns and inputs elt
// cannot run as Python would.
var errRegexUnsupported = errors.New("Python regex feature not supported by elt")

func reUnsupported(fn, pattern, what string) error {
	return &jinja.Error{Kind: "NotImplementedError", Err: errRegexUnsupported,
		Msg: fmt.Sprintf("re.%s: Python regex feature %s is not supported by elt (Go's regexp cannot run it as Python does); pattern %s", fn, what, jinja.Repr(pattern))}
}

// pyErr is a Python exception raised by the re module; class "error" is
// re.error.
func pyErr(class, format string, args ...any) error {
	if class == "error" {
		class = "re.error"
	}
	return &jinja.Error{Kind: class, Msg: fmt.Sprintf(format, args...)}
}

// pyPattern is a compiled pattern: re.Pattern.
type pyPattern struct {
	src         string
	flags       int
	parsed      *reParsed
	shapes      [2]*reShape // for searching; for match and fullmatch
	needsCtx    bool
	nonBoundary bool
	looks       map[*reNode]*reLookCheck
	leadGroups  map[int]bool // groups inside leading lookarounds
	variants    sync.Map     // reVariantKey -> *reVariant
	// btOnly: the pattern runs on the backtracking matcher alone
	// (pyre_bt.go), as no RE2 program answers it as Python does; the
	// others fall back to it for the searches RE2 cannot answer.
	btOnly bool
	bt     btSets
}

// reLookCheck is a lookaround tested on its own at a position.
type reLookCheck struct {
	node      *reNode
	width     int // a lookbehind's width in characters
	needsCtx  bool
	hasGroups bool
	variants  sync.Map // reVariantKey -> *reVariant
}

func compilePyPattern(src string, flags int) (*pyPattern, error) {
	parsed, err := parseRegex(src, flags)
	if err != nil {
		var se *reSyntaxError
		if errors.As(err, &se) {
			if se.class == "error" {
				return nil, pyErr("error", "%s (pattern %s)", se.msg, jinja.Repr(src))
			}
			return nil, pyErr(se.class, "%s", se.msg)
		}
		return nil, err
	}
	if len(parsed.unsupported) > 0 {
		return nil, reUnsupported("compile", src, parsed.unsupported[0])
	}
	p := &pyPattern{src: src, flags: parsed.flags, parsed: parsed, looks: map[*reNode]*reLookCheck{},
		needsCtx: hasContextAssertion(parsed.root), nonBoundary: hasNonBoundary(parsed.root), leadGroups: map[int]bool{}}
	p.shapes[0] = shapeOf(parsed.root, false)
	p.shapes[1] = shapeOf(parsed.root, true)
	if p.shapes[0].err != "" && p.shapes[1].err != "" {
		p.btOnly = true // no RE2 program can run it: backtracking does
		return p, nil
	}
	for _, sh := range p.shapes {
		for _, l := range append(append(append([]*reNode{}, sh.leadLooks...), sh.tailLooks...), sh.markerLook) {
			if l == nil || p.looks[l] != nil {
				continue
			}
			w, _ := reWidth(l.subs[0])
			p.looks[l] = &reLookCheck{node: l, width: w, needsCtx: hasContextAssertion(l.subs[0]) || l.behind,
				hasGroups: hasGroup(l.subs[0])}
		}
		for _, l := range sh.leadLooks {
			markGroups(l, p.leadGroups)
		}
	}
	// Translate now, so what RE2 cannot compile fails at re.compile.
	key := reVariantKey{mode: modeSearch}
	if p.shapes[0].err != "" {
		key.mode = modeMatch
	}
	if _, err := p.variant("compile", key); err != nil {
		if !errors.Is(err, errRegexUnsupported) {
			return nil, err
		}
		p.btOnly = true
	}
	return p, nil
}

func hasGroup(n *reNode) bool {
	if n.op == reGroup && n.group > 0 {
		return true
	}
	for _, s := range n.subs {
		if hasGroup(s) {
			return true
		}
	}
	return false
}

func markGroups(n *reNode, into map[int]bool) {
	if n.op == reGroup && n.group > 0 {
		into[n.group] = true
	}
	for _, s := range n.subs {
		markGroups(s, into)
	}
}

func (p *pyPattern) shape(mode reMode) *reShape {
	if mode == modeMatch || mode == modeFullmatch {
		return p.shapes[1]
	}
	return p.shapes[0]
}

// variant compiles (once) the RE2 program for key.
func (p *pyPattern) variant(fn string, key reVariantKey) (*reVariant, error) {
	if v, ok := p.variants.Load(key); ok {
		return v.(*reVariant), nil
	}
	v := &reVariant{}
	e := &reEmitter{key: key, v: v, groups: 1, groupIdx: make([]int, p.parsed.groups+1)}
	e.body(p.shape(key.mode))
	if e.err != "" {
		return nil, reUnsupported(fn, p.src, e.err)
	}
	if err := v.compile(key, e); err != nil {
		return nil, reUnsupported(fn, p.src, "a pattern Go's regexp rejects after translation ("+err.Error()+")")
	}
	actual, _ := p.variants.LoadOrStore(key, v)
	return actual.(*reVariant), nil
}

func (v *reVariant) compile(key reVariantKey, e *reEmitter) error {
	re, err := regexp.Compile(wrapVariant(key, e.b.String()))
	if err != nil {
		return err
	}
	if key.mode == modeLongest {
		re.Longest()
	}
	v.re, v.groupIdx, v.markers = re, e.groupIdx, e.markers
	return nil
}

// lookVariant compiles (once) a lookaround's body, anchored.
func (p *pyPattern) lookVariant(fn string, l *reLookCheck, key reVariantKey) (*reVariant, error) {
	if v, ok := l.variants.Load(key); ok {
		return v.(*reVariant), nil
	}
	v := &reVariant{}
	e := &reEmitter{key: key, v: v, groups: 1, groupIdx: make([]int, p.parsed.groups+1)}
	e.node(l.node.subs[0], true)
	if e.err != "" {
		return nil, reUnsupported(fn, p.src, e.err)
	}
	if err := v.compile(key, e); err != nil {
		return nil, reUnsupported(fn, p.src, "a pattern Go's regexp rejects after translation ("+err.Error()+")")
	}
	actual, _ := l.variants.LoadOrStore(key, v)
	return actual.(*reVariant), nil
}

// reSubject is a string being matched, with the conversion between byte
// offsets (Go) and character offsets (Python).
type reSubject struct {
	s     string
	ascii bool
	once  sync.Once
	offs  []int // byte offset of each character, then len(s)
	word  int8  // 1 when s has a non-ASCII character Python's \w matches
}

func newSubject(s string) *reSubject {
	t := &reSubject{s: s, ascii: true}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			t.ascii = false
			break
		}
	}
	return t
}

func (t *reSubject) index() {
	t.once.Do(func() {
		t.offs = make([]int, 0, len(t.s)+1)
		words := pyReTables().word
		for i, r := range t.s {
			t.offs = append(t.offs, i)
			if r >= utf8.RuneSelf && t.word == 0 && words.contains(r) {
				t.word = 1
			}
		}
		t.offs = append(t.offs, len(t.s))
	})
}

func (t *reSubject) chars() int {
	if t.ascii {
		return len(t.s)
	}
	t.index()
	return len(t.offs) - 1
}

// byteOf is the byte offset of character i (0 <= i <= chars()).
func (t *reSubject) byteOf(i int) int {
	if t.ascii {
		return i
	}
	t.index()
	return t.offs[i]
}

// charOf is the character offset of byte offset b (-1 stays -1).
func (t *reSubject) charOf(b int) int {
	if t.ascii || b < 0 {
		return b
	}
	t.index()
	return sort.SearchInts(t.offs, b)
}

func (t *reSubject) hasNonASCIIWord() bool {
	if t.ascii {
		return false
	}
	t.index()
	return t.word == 1
}

// find runs the pattern once on subj.s[:end] from byte offset pos, as
// Pattern.search, .match or .fullmatch do. It returns Python's group
// spans in bytes (-1 for unset), or nil. What RE2 cannot answer as
// Python would, the backtracking matcher answers.
func (p *pyPattern) find(fn string, mode reMode, subj *reSubject, pos, end int) ([]int, error) {
	if p.btOnly {
		return p.btFind(fn, mode, subj, pos, end, false)
	}
	loc, err := p.re2Find(fn, mode, subj, pos, end)
	if err != nil && errors.Is(err, errRegexUnsupported) {
		return p.btFind(fn, mode, subj, pos, end, false)
	}
	return loc, err
}

// re2Find is find on the pattern's RE2 programs.
func (p *pyPattern) re2Find(fn string, mode reMode, subj *reSubject, pos, end int) ([]int, error) {
	s := subj.s[:end]
	sh := p.shape(mode)
	switch {
	case sh.err != "":
		return nil, reUnsupported(fn, p.src, sh.err)
	case mode != modeFullmatch && sh.needsEnd != "":
		return nil, reUnsupported(fn, p.src, sh.needsEnd)
	case mode == modeSearch && sh.needsStart != "":
		return nil, reUnsupported(fn, p.src, sh.needsStart)
	case mode == modeSearch && sh.anchored && pos > 0:
		return nil, nil
	case pos > end:
		return nil, nil
	}
	loc := make([]int, 2*(p.parsed.groups+1))
	for i := range loc {
		loc[i] = -1
	}
	for _, l := range sh.leadLooks {
		ok, err := p.testLook(fn, p.looks[l], subj, s, pos, loc)
		if err != nil || !ok {
			return nil, err
		}
	}
	key := reVariantKey{mode: mode, ctx: p.needsCtx && pos > 0, empty: p.nonBoundary && s == ""}
	endLooks := sh.tailLooks
	if mode == modeFullmatch && sh.markerLook != nil {
		endLooks = append(append([]*reNode{}, endLooks...), sh.markerLook)
	}
	if len(endLooks) > 0 {
		test := func(e int) (bool, error) {
			for _, l := range endLooks {
				if ok, err := p.testLook(fn, p.looks[l], subj, s, e, nil); err != nil || !ok {
					return false, err
				}
			}
			return true, nil
		}
		atN, err := test(len(s))
		if err != nil {
			return nil, err
		}
		beforeNL := false
		if mode != modeFullmatch && sh.endAnchor == atEnd && strings.HasSuffix(s, "\n") {
			if beforeNL, err = test(len(s) - 1); err != nil {
				return nil, err
			}
		}
		switch {
		case atN && beforeNL:
			key.end = endBoth
		case atN:
			key.end = endAtN
		case beforeNL:
			key.end = endBeforeNL
		default:
			return nil, nil
		}
	}
	v, err := p.variant(fn, key)
	if err != nil {
		return nil, err
	}
	if err := p.checkInput(fn, v, subj, s); err != nil {
		return nil, err
	}
	base := 0
	if pos > 0 {
		base = pos
		if key.ctx {
			_, w := utf8.DecodeLastRuneInString(s[:pos])
			base = pos - w
		}
	}
	m := v.re.FindStringSubmatchIndex(s[base:])
	if m == nil {
		return nil, nil
	}
	loc[0], loc[1] = m[2]+base, m[3]+base
	for _, k := range v.markers {
		if m[2*k] >= 0 {
			loc[1] = m[2*k] + base
			break
		}
	}
	for g := 1; g <= p.parsed.groups; g++ {
		if k := v.groupIdx[g]; k > 0 && m[2*k] >= 0 {
			loc[2*g], loc[2*g+1] = m[2*k]+base, m[2*k+1]+base
		}
	}
	for _, l := range endLooks {
		if lc := p.looks[l]; !l.neg && lc.hasGroups {
			if _, err := p.testLook(fn, lc, subj, s, loc[1], loc); err != nil {
				return nil, err
			}
		}
	}
	return loc, nil
}

// checkInput refuses the inputs a variant would answer differently from
// Python.
func (p *pyPattern) checkInput(fn string, v *reVariant, subj *reSubject, s string) error {
	if v.dollarCheck && strings.HasSuffix(s, "\n") {
		return reUnsupported(fn, p.src, `$ (not at the end of the pattern) on a string ending with "\n", where Python's $ also matches before that newline`)
	}
	if v.wordCheck && subj.hasNonASCIIWord() {
		return reUnsupported(fn, p.src, `Unicode \b or \B on a string with non-ASCII letters or digits (use re.ASCII or (?a) for ASCII word boundaries)`)
	}
	return nil
}

// testLook tests a lookaround at byte offset at of s, filling the groups
// a positive one captures into loc when loc is not nil.
func (p *pyPattern) testLook(fn string, l *reLookCheck, subj *reSubject, s string, at int, loc []int) (bool, error) {
	start := at
	if l.node.behind {
		for i := 0; i < l.width; i++ {
			if start == 0 {
				return l.node.neg, nil
			}
			_, w := utf8.DecodeLastRuneInString(s[:start])
			start -= w
		}
	}
	key := reVariantKey{mode: modeMatch, ctx: l.needsCtx && start > 0, empty: p.nonBoundary && s == ""}
	v, err := p.lookVariant(fn, l, key)
	if err != nil {
		return false, err
	}
	if err := p.checkInput(fn, v, subj, s); err != nil {
		return false, err
	}
	base := start
	if key.ctx {
		_, w := utf8.DecodeLastRuneInString(s[:start])
		base = start - w
	}
	m := v.re.FindStringSubmatchIndex(s[base:])
	if m != nil && !l.node.neg && loc != nil {
		for g := 1; g < len(v.groupIdx); g++ {
			if k := v.groupIdx[g]; k > 0 && m[2*k] >= 0 {
				loc[2*g], loc[2*g+1] = m[2*k]+base, m[2*k+1]+base
			}
		}
	}
	return (m != nil) != l.node.neg, nil
}

// reScanner finds successive matches as Python's finditer, findall, sub
// and split do (Python 3.7+: an empty match may follow a non-empty one).
type reScanner struct {
	p           *pyPattern
	fn          string
	subj        *reSubject
	pos, end    int
	mustAdvance bool
	done        bool
}

func (sc *reScanner) next() ([]int, error) {
	if sc.done || sc.pos > sc.end {
		sc.done = true
		return nil, nil
	}
	loc, err := sc.p.find(sc.fn, modeSearch, sc.subj, sc.pos, sc.end)
	if err == nil && loc != nil && sc.mustAdvance && loc[0] == sc.pos && loc[1] == sc.pos {
		// After an empty match, one at the same position must not be
		// empty: sre tries the pattern's other ways there first, which
		// RE2 cannot pick.
		loc, err = sc.p.btFind(sc.fn, modeSearch, sc.subj, sc.pos, sc.end, true)
	}
	if err != nil || loc == nil {
		sc.done = true
		return nil, err
	}
	sc.mustAdvance = loc[1] == loc[0]
	sc.pos = loc[1]
	return loc, nil
}

// each calls visit for up to limit matches (0: all, negative: none).
func (p *pyPattern) each(fn string, subj *reSubject, pos, end, limit int, visit func(loc []int) error) error {
	sc := &reScanner{p: p, fn: fn, subj: subj, pos: pos, end: end}
	for n := 0; limit == 0 || n < limit; n++ {
		loc, err := sc.next()
		if err != nil {
			return err
		}
		if loc == nil {
			return nil
		}
		if err := visit(loc); err != nil {
			return err
		}
	}
	return nil
}

// ---- the Jinja values ----

// reCache holds compiled patterns for one engine, as Python's re caches
// them (512 at most, the oldest dropped first).
type reCache struct {
	mu    sync.Mutex
	m     map[reCacheKey]*rePatternValue
	order []reCacheKey
}

type reCacheKey struct {
	src   string
	flags int
}

const reCacheMax = 512

// get returns the Pattern for src and flags: the same one each time
// while it is cached, as in Python.
func (c *reCache) get(src string, flags int) (*rePatternValue, error) {
	k := reCacheKey{src, flags}
	c.mu.Lock()
	pv, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return pv, nil
	}
	p, err := compilePyPattern(src, flags)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[reCacheKey]*rePatternValue{}
	}
	if pv, ok := c.m[k]; ok {
		return pv, nil
	}
	if len(c.order) >= reCacheMax {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	pv = &rePatternValue{p: p}
	c.m[k] = pv
	c.order = append(c.order, k)
	return pv, nil
}

func (c *reCache) purge() {
	c.mu.Lock()
	c.m, c.order = nil, nil
	c.mu.Unlock()
}

// reNoArg marks an argument that was not passed.
type reNoArgType struct{}

var reNoArg = reNoArgType{}

// reBind binds arguments to parameters as a Python function does; a
// parameter ending in "=" is optional.
func reBind(fn string, args []any, kw jinja.Kwargs, params ...string) ([]any, error) {
	out := make([]any, len(params))
	names := make([]string, len(params))
	required := 0
	for i, p := range params {
		names[i] = strings.TrimSuffix(p, "=")
		if !strings.HasSuffix(p, "=") {
			required++
		}
		out[i] = reNoArg
	}
	if len(args) > len(params) {
		return nil, pyErr("TypeError", "%s() takes at most %d arguments (%d given)", fn, len(params), len(args))
	}
	copy(out, args)
	if kw != nil {
		for _, k := range kw.Keys() {
			name, _ := k.(string)
			i := indexOf(names, name)
			if i < 0 {
				return nil, pyErr("TypeError", "%s() got an unexpected keyword argument %s", fn, jinja.Repr(name))
			}
			if i < len(args) {
				return nil, pyErr("TypeError", "%s() got multiple values for argument %s", fn, jinja.Repr(name))
			}
			out[i], _ = kw.Get(k)
		}
	}
	for i := 0; i < required; i++ {
		if out[i] == reNoArg {
			return nil, pyErr("TypeError", "%s() missing required argument %s (pos %d)", fn, jinja.Repr(names[i]), i+1)
		}
	}
	return out, nil
}

func indexOf(ss []string, s string) int {
	for i, x := range ss {
		if x == s {
			return i
		}
	}
	return -1
}

// reString is a str argument.
func reString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case jinja.Markup:
		return string(x), nil
	}
	return "", pyErr("TypeError", "expected string or bytes-like object, got %s", jinja.Repr(pyTypeName(v)))
}

// reInt is an int argument (bool counts, as in Python); def when absent.
func reInt(v any, def int) (int, error) {
	switch x := v.(type) {
	case reNoArgType:
		return def, nil
	case reFlag:
		return int(x), nil
	case int64:
		return int(x), nil
	case int:
		return x, nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	return 0, pyErr("TypeError", "%s object cannot be interpreted as an integer", jinja.Repr(pyTypeName(v)))
}

// reFlag is a re.RegexFlag constant (re.I, re.MULTILINE ...): an int that
// prints as Python prints it. Arithmetic on flags gives plain ints, as
// IntFlag's int operators do (re.I + re.M is 10); templates cannot use
// |, Jinja's filter operator, to combine them.
type reFlag int64

var reFlagNames = []struct {
	v    int
	name string
}{{reTemplate, "re.TEMPLATE"}, {reIgnoreCase, "re.IGNORECASE"}, {reLocale, "re.LOCALE"}, {reMultiline, "re.MULTILINE"},
	{reDotAll, "re.DOTALL"}, {reUnicode, "re.UNICODE"}, {reVerbose, "re.VERBOSE"}, {reDebug, "re.DEBUG"}, {reASCII, "re.ASCII"}}

func (f reFlag) String() string {
	if f == 0 {
		return "re.NOFLAG"
	}
	return reFlagString(int(f))
}

// reFlagString names the flags in fl as Python does ("re.I|re.M").
func reFlagString(fl int) string {
	var names []string
	for _, f := range reFlagNames {
		if fl&f.v != 0 {
			names = append(names, f.name)
			fl &^= f.v
		}
	}
	if fl != 0 {
		names = append(names, fmt.Sprintf("0x%x", fl))
	}
	return strings.Join(names, "|")
}

func reNumber(v any) (float64, bool, bool) {
	switch x := v.(type) {
	case reFlag:
		return float64(x), true, true
	case int64:
		return float64(x), true, true
	case bool:
		if x {
			return 1, true, true
		}
		return 0, true, true
	case float64:
		return x, false, true
	}
	return 0, false, false
}

// Len is the number of flags set, as len() of a Python 3.11 flag; it
// also makes re.NOFLAG false, as in Python.
func (f reFlag) Len() int { return bits.OnesCount64(uint64(f)) }

// BinaryOp is int's + - * and / with another number.
func (f reFlag) BinaryOp(op string, other any, right bool) (any, bool, error) {
	o, isInt, ok := reNumber(other)
	if !ok {
		return nil, false, nil
	}
	a, b := float64(f), o
	if right {
		a, b = b, a
	}
	var r float64
	switch op {
	case "+":
		r = a + b
	case "-":
		r = a - b
	case "*":
		r = a * b
	case "/":
		if b == 0 {
			return nil, true, pyErr("ZeroDivisionError", "division by zero")
		}
		return a / b, true, nil
	default:
		return nil, false, nil
	}
	if isInt {
		return int64(r), true, nil
	}
	return r, true, nil
}

// Compare compares the flag's value with a number.
func (f reFlag) Compare(other any) (int, bool) {
	o, _, ok := reNumber(other)
	switch {
	case !ok:
		return 0, false
	case float64(f) < o:
		return -1, true
	case float64(f) > o:
		return 1, true
	}
	return 0, true
}

// reModule is modules.re.
func reModule(cache *reCache) map[string]any {
	m := map[string]any{
		"A": reFlag(reASCII), "ASCII": reFlag(reASCII),
		"I": reFlag(reIgnoreCase), "IGNORECASE": reFlag(reIgnoreCase),
		"L": reFlag(reLocale), "LOCALE": reFlag(reLocale),
		"M": reFlag(reMultiline), "MULTILINE": reFlag(reMultiline),
		"S": reFlag(reDotAll), "DOTALL": reFlag(reDotAll),
		"X": reFlag(reVerbose), "VERBOSE": reFlag(reVerbose),
		"U": reFlag(reUnicode), "UNICODE": reFlag(reUnicode),
		"NOFLAG": reFlag(0),
	}
	// compile is re._compile: a Pattern passes through, a string is
	// compiled (or taken from the cache).
	compile := func(fn string, pattern, flags any) (*rePatternValue, error) {
		fl, err := reInt(flags, 0)
		if err != nil {
			return nil, err
		}
		if pv, ok := pattern.(*rePatternValue); ok {
			if fl != 0 {
				return nil, pyErr("ValueError", "cannot process flags argument with a compiled pattern")
			}
			return pv, nil
		}
		src, ok := pattern.(string)
		if mk, isMarkup := pattern.(jinja.Markup); isMarkup {
			src, ok = string(mk), true
		}
		if !ok {
			return nil, pyErr("TypeError", "first argument must be string or compiled pattern")
		}
		pv, err := cache.get(src, fl)
		if err != nil {
			var je *jinja.Error
			if errors.As(err, &je) && errors.Is(err, errRegexUnsupported) {
				je.Msg = strings.Replace(je.Msg, "re.compile:", "re."+fn+":", 1)
			}
			return nil, err
		}
		return pv, nil
	}
	withPattern := func(fn string, params []string, run func(st *jinja.State, pv *rePatternValue, a []any) (any, error)) jinja.Func {
		return func(st *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			a, err := reBind(fn, args, kw, params...)
			if err != nil {
				return nil, err
			}
			pv, err := compile(fn, a[0], a[len(a)-1])
			if err != nil {
				return nil, err
			}
			return run(st, pv, a[1:len(a)-1])
		}
	}
	for _, name := range []string{"search", "match", "fullmatch"} {
		name := name
		m[name] = withPattern(name, []string{"pattern", "string", "flags="}, func(_ *jinja.State, pv *rePatternValue, a []any) (any, error) {
			return pv.matchFn(name, a[0], reNoArg, reNoArg)
		})
	}
	m["findall"] = withPattern("findall", []string{"pattern", "string", "flags="}, func(_ *jinja.State, pv *rePatternValue, a []any) (any, error) {
		return pv.findall(a[0], reNoArg, reNoArg)
	})
	m["finditer"] = withPattern("finditer", []string{"pattern", "string", "flags="}, func(_ *jinja.State, pv *rePatternValue, a []any) (any, error) {
		return pv.finditer(a[0], reNoArg, reNoArg)
	})
	m["sub"] = withPattern("sub", []string{"pattern", "repl", "string", "count=", "flags="}, func(st *jinja.State, pv *rePatternValue, a []any) (any, error) {
		out, _, err := pv.subn(st, "sub", a[0], a[1], a[2])
		return out, err
	})
	m["subn"] = withPattern("subn", []string{"pattern", "repl", "string", "count=", "flags="}, func(st *jinja.State, pv *rePatternValue, a []any) (any, error) {
		out, n, err := pv.subn(st, "subn", a[0], a[1], a[2])
		if err != nil {
			return nil, err
		}
		return jinja.Tuple{out, int64(n)}, nil
	})
	m["split"] = withPattern("split", []string{"pattern", "string", "maxsplit=", "flags="}, func(_ *jinja.State, pv *rePatternValue, a []any) (any, error) {
		return pv.split(a[0], a[1])
	})
	m["compile"] = jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
		a, err := reBind("compile", args, kw, "pattern", "flags=")
		if err != nil {
			return nil, err
		}
		return compile("compile", a[0], a[1])
	})
	m["purge"] = jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
		if _, err := reBind("purge", args, kw); err != nil {
			return nil, err
		}
		cache.purge()
		return nil, nil
	})
	m["escape"] = jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
		a, err := reBind("escape", args, kw, "pattern")
		if err != nil {
			return nil, err
		}
		s, err := reString(a[0])
		if err != nil {
			return nil, err
		}
		return pyReEscape(s), nil
	})
	return m
}

// pyReEscape is re.escape (Python 3.7+): a backslash before the
// characters that are special in a pattern, and nothing else.
func pyReEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("()[]{}?*+-|^$\\.&~# \t\n\r\v\f", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// rePatternValue is a re.Pattern in templates.
type rePatternValue struct{ p *pyPattern }

func (pv *rePatternValue) String() string {
	fl := pv.p.flags
	if fl&(reLocale|reUnicode|reASCII) == reUnicode {
		fl &^= reUnicode // omitted for str patterns
	}
	r := []rune(jinja.Repr(pv.p.src))
	if len(r) > 200 {
		r = r[:200]
	}
	if fl == 0 {
		return "re.compile(" + string(r) + ")"
	}
	return "re.compile(" + string(r) + ", " + reFlagString(fl) + ")"
}

// span converts pos and endpos arguments (characters, clamped as sre
// clamps them) to byte offsets.
func (pv *rePatternValue) span(subj *reSubject, posArg, endArg any) (pos, end, cpos, cend int, err error) {
	n := subj.chars()
	if cpos, err = reInt(posArg, 0); err != nil {
		return
	}
	if cend, err = reInt(endArg, math.MaxInt); err != nil {
		return
	}
	cpos = min(max(cpos, 0), n)
	cend = min(max(cend, 0), n)
	return subj.byteOf(cpos), subj.byteOf(cend), cpos, cend, nil
}

func (pv *rePatternValue) matchFn(name string, str, posArg, endArg any) (any, error) {
	s, err := reString(str)
	if err != nil {
		return nil, err
	}
	subj := newSubject(s)
	pos, end, cpos, cend, err := pv.span(subj, posArg, endArg)
	if err != nil {
		return nil, err
	}
	mode := map[string]reMode{"search": modeSearch, "match": modeMatch, "fullmatch": modeFullmatch}[name]
	loc, err := pv.p.find(name, mode, subj, pos, end)
	if err != nil || loc == nil {
		return nil, err
	}
	return &reMatchValue{pv: pv, subj: subj, loc: loc, pos: cpos, endpos: cend}, nil
}

func (pv *rePatternValue) findall(str, posArg, endArg any) (any, error) {
	s, err := reString(str)
	if err != nil {
		return nil, err
	}
	subj := newSubject(s)
	pos, end, _, _, err := pv.span(subj, posArg, endArg)
	if err != nil {
		return nil, err
	}
	out := jinja.NewList()
	groups := pv.p.parsed.groups
	text := func(loc []int, g int) string {
		if loc[2*g] < 0 {
			return ""
		}
		return s[loc[2*g]:loc[2*g+1]]
	}
	err = pv.p.each("findall", subj, pos, end, 0, func(loc []int) error {
		switch groups {
		case 0:
			out.Items = append(out.Items, text(loc, 0))
		case 1:
			out.Items = append(out.Items, text(loc, 1))
		default:
			t := make(jinja.Tuple, groups)
			for g := 1; g <= groups; g++ {
				t[g-1] = text(loc, g)
			}
			out.Items = append(out.Items, t)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (pv *rePatternValue) finditer(str, posArg, endArg any) (any, error) {
	s, err := reString(str)
	if err != nil {
		return nil, err
	}
	subj := newSubject(s)
	pos, end, cpos, cend, err := pv.span(subj, posArg, endArg)
	if err != nil {
		return nil, err
	}
	sc := &reScanner{p: pv.p, fn: "finditer", subj: subj, pos: pos, end: end}
	return jinja.NewIterator("callable_iterator", func() (any, bool, error) {
		loc, err := sc.next()
		if err != nil || loc == nil {
			return nil, false, err
		}
		return &reMatchValue{pv: pv, subj: subj, loc: loc, pos: cpos, endpos: cend}, true, nil
	}), nil
}

func (pv *rePatternValue) subn(st *jinja.State, fn string, repl, str, countArg any) (string, int, error) {
	s, err := reString(str)
	if err != nil {
		return "", 0, err
	}
	count, err := reInt(countArg, 0)
	if err != nil {
		return "", 0, err
	}
	var tmpl *reReplacement
	switch r := repl.(type) {
	case string:
		tmpl, err = pv.p.parseTemplate(r)
	case jinja.Markup:
		tmpl, err = pv.p.parseTemplate(string(r))
	}
	if err != nil {
		return "", 0, err
	}
	subj := newSubject(s)
	var b strings.Builder
	last, n := 0, 0
	err = pv.p.each(fn, subj, 0, len(s), count, func(loc []int) error {
		b.WriteString(s[last:loc[0]])
		if tmpl != nil {
			b.WriteString(tmpl.expand(s, loc))
		} else {
			v, err := st.Call(repl, []any{&reMatchValue{pv: pv, subj: subj, loc: loc, endpos: subj.chars()}}, nil)
			if err != nil {
				return err
			}
			switch x := v.(type) {
			case nil:
			case string:
				b.WriteString(x)
			case jinja.Markup:
				b.WriteString(string(x))
			default:
				return pyErr("TypeError", "sequence item %d: expected str instance, %s found", 2*n+1, pyTypeName(v))
			}
		}
		last = loc[1]
		n++
		return nil
	})
	if err != nil {
		return "", 0, err
	}
	b.WriteString(s[last:])
	return b.String(), n, nil
}

func (pv *rePatternValue) split(str, maxArg any) (any, error) {
	s, err := reString(str)
	if err != nil {
		return nil, err
	}
	maxsplit, err := reInt(maxArg, 0)
	if err != nil {
		return nil, err
	}
	out := jinja.NewList()
	last := 0
	err = pv.p.each("split", newSubject(s), 0, len(s), maxsplit, func(loc []int) error {
		out.Items = append(out.Items, s[last:loc[0]])
		for g := 1; g <= pv.p.parsed.groups; g++ {
			if loc[2*g] < 0 {
				out.Items = append(out.Items, nil)
			} else {
				out.Items = append(out.Items, s[loc[2*g]:loc[2*g+1]])
			}
		}
		last = loc[1]
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.Items = append(out.Items, s[last:])
	return out, nil
}

func (pv *rePatternValue) GetAttr(name string) (any, bool) {
	p := pv.p
	method := func(fn string, params []string, run func(st *jinja.State, a []any) (any, error)) jinja.Func {
		return func(st *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			a, err := reBind(fn, args, kw, params...)
			if err != nil {
				return nil, err
			}
			return run(st, a)
		}
	}
	switch name {
	case "pattern":
		return p.src, true
	case "flags":
		return int64(p.flags), true
	case "groups":
		return int64(p.parsed.groups), true
	case "groupindex":
		d := jinja.NewDict()
		for _, n := range p.parsed.nameOrder {
			d.Set(n, int64(p.parsed.names[n]))
		}
		return d, true
	case "search", "match", "fullmatch":
		return method(name, []string{"string", "pos=", "endpos="}, func(_ *jinja.State, a []any) (any, error) {
			return pv.matchFn(name, a[0], a[1], a[2])
		}), true
	case "findall":
		return method(name, []string{"string", "pos=", "endpos="}, func(_ *jinja.State, a []any) (any, error) {
			return pv.findall(a[0], a[1], a[2])
		}), true
	case "finditer":
		return method(name, []string{"string", "pos=", "endpos="}, func(_ *jinja.State, a []any) (any, error) {
			return pv.finditer(a[0], a[1], a[2])
		}), true
	case "sub", "subn":
		return method(name, []string{"repl", "string", "count="}, func(st *jinja.State, a []any) (any, error) {
			out, n, err := pv.subn(st, name, a[0], a[1], a[2])
			if err != nil || name == "sub" {
				return out, err
			}
			return jinja.Tuple{out, int64(n)}, nil
		}), true
	case "split":
		return method(name, []string{"string", "maxsplit="}, func(_ *jinja.State, a []any) (any, error) {
			return pv.split(a[0], a[1])
		}), true
	}
	return nil, false
}

// reMatchValue is a re.Match in templates.
type reMatchValue struct {
	pv          *rePatternValue
	subj        *reSubject
	loc         []int // bytes
	pos, endpos int   // characters
}

func (m *reMatchValue) String() string {
	return fmt.Sprintf("<re.Match object; span=(%d, %d), match=%s>", m.subj.charOf(m.loc[0]), m.subj.charOf(m.loc[1]),
		jinja.Repr(m.subj.s[m.loc[0]:m.loc[1]]))
}

// index resolves a group argument (number or name) to a group number.
func (m *reMatchValue) index(g any) (int, error) {
	n := -1
	switch x := g.(type) {
	case int64:
		n = int(x)
	case int:
		n = x
	case bool:
		n = 0
		if x {
			n = 1
		}
	case string:
		if i, ok := m.pv.p.parsed.names[x]; ok {
			n = i
		}
	}
	if n < 0 || n > m.pv.p.parsed.groups {
		return 0, pyErr("IndexError", "no such group")
	}
	return n, nil
}

func (m *reMatchValue) group(g int, def any) any {
	if m.loc[2*g] < 0 {
		return def
	}
	return m.subj.s[m.loc[2*g]:m.loc[2*g+1]]
}

func (m *reMatchValue) GetItem(key any) (any, bool) {
	g, err := m.index(key)
	if err != nil {
		return nil, false
	}
	return m.group(g, nil), true
}

func (m *reMatchValue) lastIndex() int {
	p := m.pv.p.parsed
	best := 0
	bestEnd, bestSeq := -2, 0
	for g := 1; g <= p.groups; g++ {
		if m.loc[2*g] < 0 {
			continue
		}
		end := m.loc[2*g+1]
		if m.pv.p.leadGroups[g] {
			end = -1 // closed before the match proper started
		}
		if end > bestEnd || (end == bestEnd && p.closeSeq[g] > bestSeq) {
			best, bestEnd, bestSeq = g, end, p.closeSeq[g]
		}
	}
	return best
}

func (m *reMatchValue) GetAttr(name string) (any, bool) {
	p := m.pv.p
	groupArg := func(fn string, a []any) (int, error) {
		if a[0] == reNoArg {
			return 0, nil
		}
		return m.index(a[0])
	}
	method := func(fn string, params []string, run func(a []any) (any, error)) jinja.Func {
		return func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			a, err := reBind(fn, args, kw, params...)
			if err != nil {
				return nil, err
			}
			return run(a)
		}
	}
	switch name {
	case "group":
		return jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			if kw != nil && kw.Len() > 0 {
				return nil, pyErr("TypeError", "group() takes no keyword arguments")
			}
			if len(args) == 0 {
				return m.group(0, nil), nil
			}
			t := make(jinja.Tuple, len(args))
			for i, a := range args {
				g, err := m.index(a)
				if err != nil {
					return nil, err
				}
				t[i] = m.group(g, nil)
			}
			if len(t) == 1 {
				return t[0], nil
			}
			return t, nil
		}), true
	case "groups":
		return method(name, []string{"default="}, func(a []any) (any, error) {
			def := a[0]
			if def == reNoArg {
				def = nil
			}
			t := make(jinja.Tuple, p.parsed.groups)
			for g := 1; g <= p.parsed.groups; g++ {
				t[g-1] = m.group(g, def)
			}
			return t, nil
		}), true
	case "groupdict":
		return method(name, []string{"default="}, func(a []any) (any, error) {
			def := a[0]
			if def == reNoArg {
				def = nil
			}
			d := jinja.NewDict()
			for _, n := range p.parsed.nameOrder {
				d.Set(n, m.group(p.parsed.names[n], def))
			}
			return d, nil
		}), true
	case "start", "end", "span":
		return method(name, []string{"group="}, func(a []any) (any, error) {
			g, err := groupArg(name, a)
			if err != nil {
				return nil, err
			}
			s, e := int64(m.subj.charOf(m.loc[2*g])), int64(m.subj.charOf(m.loc[2*g+1]))
			switch name {
			case "start":
				return s, nil
			case "end":
				return e, nil
			}
			return jinja.Tuple{s, e}, nil
		}), true
	case "expand":
		return method(name, []string{"template"}, func(a []any) (any, error) {
			s, err := reString(a[0])
			if err != nil {
				return nil, err
			}
			t, err := p.parseTemplate(s)
			if err != nil {
				return nil, err
			}
			return t.expand(m.subj.s, m.loc), nil
		}), true
	case "string":
		return m.subj.s, true
	case "re":
		return m.pv, true
	case "pos":
		return int64(m.pos), true
	case "endpos":
		return int64(m.endpos), true
	case "lastindex":
		if g := m.lastIndex(); g > 0 {
			return int64(g), true
		}
		return nil, true
	case "lastgroup":
		g := m.lastIndex()
		for _, n := range p.parsed.nameOrder {
			if g > 0 && p.parsed.names[n] == g {
				return n, true
			}
		}
		return nil, true
	case "regs":
		t := make(jinja.Tuple, p.parsed.groups+1)
		for g := range t {
			t[g] = jinja.Tuple{int64(m.subj.charOf(m.loc[2*g])), int64(m.subj.charOf(m.loc[2*g+1]))}
		}
		return t, true
	}
	return nil, false
}

// reReplacement is a parsed replacement string (re/_parser.py's
// parse_template): literal pieces and group references.
type reReplacement struct {
	parts  []string
	groups []int // for each part, a group number, or -1 for a literal
}

func (t *reReplacement) expand(s string, loc []int) string {
	var b strings.Builder
	for i, part := range t.parts {
		if g := t.groups[i]; g >= 0 {
			if loc[2*g] >= 0 {
				b.WriteString(s[loc[2*g]:loc[2*g+1]])
			}
			continue
		}
		b.WriteString(part)
	}
	return b.String()
}

func (p *pyPattern) parseTemplate(src string) (t *reReplacement, err error) {
	t = &reReplacement{}
	tp := &reParser{pat: []rune(src)}
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*reSyntaxError)
			if !ok {
				panic(r)
			}
			if e.class == "IndexError" {
				t, err = nil, pyErr("IndexError", "%s", e.msg)
				return
			}
			t, err = nil, pyErr("error", "%s (replacement %s)", e.msg, jinja.Repr(src))
		}
	}()
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t.parts = append(t.parts, lit.String())
			t.groups = append(t.groups, -1)
			lit.Reset()
		}
	}
	addGroup := func(g, offset int) {
		if g > p.parsed.groups {
			tp.fail(fmt.Sprintf("invalid group reference %d", g), offset)
		}
		flush()
		t.parts = append(t.parts, "")
		t.groups = append(t.groups, g)
	}
	tp.advance()
	for {
		this, ok := tp.get()
		if !ok {
			break
		}
		if !this.esc {
			lit.WriteRune(this.c)
			continue
		}
		c := this.c
		switch {
		case c == 'g':
			if !tp.match('<') {
				tp.fail("missing <", 0)
			}
			name := tp.getUntil('>', "group name")
			n := len([]rune(name))
			if isIdentifier(name) {
				g, ok := p.parsed.names[name]
				if !ok {
					panic(&reSyntaxError{class: "IndexError", msg: "unknown group name " + jinja.Repr(name)})
				}
				addGroup(g, n+1)
				continue
			}
			g, ok := parseDecimal(name)
			if !ok {
				tp.fail("bad character in group name "+jinja.Repr(name), n+1)
			}
			if g >= 1<<30 {
				tp.fail(fmt.Sprintf("invalid group reference %d", g), n+1)
			}
			addGroup(g, n+1)
		case c == '0':
			digits := "0"
			for i := 0; i < 2 && tp.nextIn(reOctDigits); i++ {
				d, _ := tp.get()
				digits += string(d.c)
			}
			v := 0
			for _, d := range digits {
				v = v*8 + int(d-'0')
			}
			lit.WriteRune(rune(v & 0xff))
		case c >= '0' && c <= '9':
			digits := string(c)
			octal := false
			if tp.nextIn(reDigits) {
				d, _ := tp.get()
				digits += string(d.c)
				if c <= '7' && digits[1] <= '7' && tp.nextIn(reOctDigits) {
					d, _ := tp.get()
					digits += string(d.c)
					octal = true
					v := 0
					for _, d := range digits {
						v = v*8 + int(d-'0')
					}
					if v > 0o377 {
						tp.fail(fmt.Sprintf(`octal escape value \%s outside of range 0-0o377`, digits), len(digits)+1)
					}
					lit.WriteRune(rune(v))
				}
			}
			if !octal {
				g, _ := parseDecimal(digits)
				addGroup(g, len(digits))
			}
		default:
			if r, ok := reEscapes[c]; ok {
				lit.WriteRune(r)
				continue
			}
			if c < 128 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				tp.fail(`bad escape \`+string(c), 2)
			}
			lit.WriteString(this.String())
		}
	}
	flush()
	return t, nil
}

// parseDecimal is int(s) for the decimal group numbers of \g<...>.
func parseDecimal(s string) (int, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "+")
	if s == "" {
		return 0, false
	}
	n := 0
	for _, r := range strings.ReplaceAll(s, "_", "") {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = min(n*10+int(r-'0'), 1<<30)
	}
	return n, true
}
