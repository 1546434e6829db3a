package compiler

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/elt-dev/elt/jinja"
)

// Python's re syntax, parsed the way Python 3.11's re/_parser.py parses it
// (same tokens, same errors at the same positions), into a small tree that
// pyre_re2.go turns into Go regexp (RE2) syntax. Constructs RE2 cannot run
// (backreferences, conditionals, atomic groups, possessive repeats) parse
// normally, so a pattern that Python rejects still gets Python's error,
// and are reported afterwards as not supported.

// Python's re flag values (re.I, re.M ...).
const (
	reTemplate   = 1
	reIgnoreCase = 2
	reLocale     = 4
	reMultiline  = 8
	reDotAll     = 16
	reUnicode    = 32
	reVerbose    = 64
	reDebug      = 128
	reASCII      = 256

	reTypeFlags   = reASCII | reLocale | reUnicode
	reGlobalFlags = reDebug | reTemplate
)

// reInlineFlags maps the letters of (?aiLmsux) to flags.
var reInlineFlags = map[rune]int{
	'i': reIgnoreCase, 'L': reLocale, 'm': reMultiline, 's': reDotAll,
	'x': reVerbose, 'a': reASCII, 't': reTemplate, 'u': reUnicode,
}

// reMaxRepeat is Python's MAXREPEAT: a bound at or above it is an
// OverflowError; an unbounded repeat is stored as -1.
const reMaxRepeat = 4294967295

type reOp uint8

const (
	reEmpty   reOp = iota
	reLit          // one character: r
	reClass        // a set: cls
	reAny          // .
	reAt           // a zero-width assertion: at
	reGroup        // (...): group > 0 captures
	reLook         // lookahead or lookbehind: neg, behind
	reConcat       // subs in sequence
	reAlt          // subs as alternatives
	reRepeat       // subs[0] repeated min..max (max -1: unbounded)
	reOpaque       // a construct elt cannot run (reported as unsupported)
	reBackref      // \1 or (?P=name): group; min, max its width
	reAtomic       // (?>...): subs[0]
	reCond         // (?(group)yes|no): group; subs yes and, when written, no
)

type reAtKind uint8

const (
	atBeginString reAtKind = iota // \A
	atBeginLine                   // ^
	atEnd                         // $
	atEndString                   // \Z
	atBoundary                    // \b
	atNonBoundary                 // \B
)

// reNode is one node of a parsed pattern. flags are the flags in effect
// where the node was written (global flags combined with scoped ones).
type reNode struct {
	op         reOp
	r          rune
	cls        *reClassSpec
	at         reAtKind
	flags      int
	subs       []*reNode
	min, max   int
	lazy       bool
	possessive bool
	group      int
	neg        bool
	behind     bool
	pos        int    // code point offset in the pattern
	text       string // a repeat's source text, for messages
}

// reClassSpec is a character set: literal characters and ranges, and
// the categories \d \D \s \S \w \W.
type reClassSpec struct {
	negate bool
	set    runeSet
	cats   []rune
}

// reSyntaxError is Python's re.error (or the ValueError/OverflowError
// compile raises), with Python's message.
type reSyntaxError struct {
	class string // "error", "ValueError", "OverflowError"
	msg   string
}

func (e *reSyntaxError) Error() string { return e.msg }

// reTok is one token of Python's Tokenizer: a character, or a backslash
// and the character after it.
type reTok struct {
	c   rune
	esc bool
}

func (t reTok) String() string {
	if t.esc {
		return `\` + string(t.c)
	}
	return string(t.c)
}

func (t reTok) width() int {
	if t.esc {
		return 2
	}
	return 1
}

// reParser is re/_parser.py's Tokenizer and State.
type reParser struct {
	pat   []rune
	index int
	next  reTok
	end   bool // no next token

	flags      int // state.flags: the global flags
	scope      [][2]int
	groupWidth [][2]int // by group number; nil entry (-1) while open
	groupOpen  []bool
	names      map[string]int
	nameOrder  []string
	closeSeq   []int // by group number: the order groups were closed in
	closed     int
	lookbehind int // state.lookbehindgroups, -1 for None
	grouprefs  map[int]int

	unsupported []string // constructs elt cannot run, in pattern order
}

func (p *reParser) fail(msg string, offset int) {
	panic(p.errorAt(msg, p.tell()-offset))
}

func (p *reParser) errorAt(msg string, pos int) *reSyntaxError {
	msg = fmt.Sprintf("%s at position %d", msg, pos)
	pat := string(p.pat)
	if strings.Contains(pat, "\n") {
		before := p.pat[:min(pos, len(p.pat))]
		line := strings.Count(string(before), "\n") + 1
		col := pos - lastIndexRune(before, '\n')
		msg = fmt.Sprintf("%s (line %d, column %d)", msg, line, col)
	}
	return &reSyntaxError{class: "error", msg: msg}
}

func lastIndexRune(rs []rune, r rune) int {
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i] == r {
			return i
		}
	}
	return -1
}

func (p *reParser) advance() {
	i := p.index
	if i >= len(p.pat) {
		p.end = true
		return
	}
	c := p.pat[i]
	if c == '\\' {
		i++
		if i >= len(p.pat) {
			panic(p.errorAt("bad escape (end of pattern)", len(p.pat)-1))
		}
		p.next = reTok{c: p.pat[i], esc: true}
	} else {
		p.next = reTok{c: c}
	}
	p.index = i + 1
	p.end = false
}

func (p *reParser) tell() int {
	if p.end {
		return p.index
	}
	return p.index - p.next.width()
}

func (p *reParser) seek(i int) {
	p.index = i
	p.advance()
}

// get takes the next token; ok is false at the end of the pattern.
func (p *reParser) get() (reTok, bool) {
	if p.end {
		return reTok{}, false
	}
	t := p.next
	p.advance()
	return t, true
}

// match takes the next token if it is the plain character c.
func (p *reParser) match(c rune) bool {
	if !p.end && !p.next.esc && p.next.c == c {
		p.advance()
		return true
	}
	return false
}

func (p *reParser) nextIs(c rune) bool { return !p.end && !p.next.esc && p.next.c == c }

func (p *reParser) nextIn(set string) bool {
	return !p.end && !p.next.esc && strings.ContainsRune(set, p.next.c)
}

func (p *reParser) getWhile(n int, set string) string {
	var b strings.Builder
	for i := 0; i < n && p.nextIn(set); i++ {
		b.WriteRune(p.next.c)
		p.advance()
	}
	return b.String()
}

func (p *reParser) getUntil(term rune, name string) string {
	var b []rune
	for {
		t, ok := p.get()
		if !ok {
			if len(b) == 0 {
				p.fail("missing "+name, 0)
			}
			p.fail(fmt.Sprintf("missing %c, unterminated name", term), len(b))
		}
		if !t.esc && t.c == term {
			if len(b) == 0 {
				p.fail("missing "+name, 1)
			}
			break
		}
		b = append(b, []rune(t.String())...)
	}
	return string(b)
}

func (p *reParser) checkGroupName(name string, offset int) {
	if !isIdentifier(name) {
		p.fail("bad character in group name "+pyStrRepr(name), len([]rune(name))+offset)
	}
}

// isIdentifier is Python's str.isidentifier (XID_Start XID_Continue*,
// approximated with letters, digits, marks and underscore).
func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || unicode.IsLetter(r) || unicode.Is(unicode.Nl, r):
		case i > 0 && (unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Nd, unicode.Pc)):
		default:
			return false
		}
	}
	return true
}

func (p *reParser) eff() int {
	f := p.flags
	for _, s := range p.scope {
		f = reCombineFlags(f, s[0], s[1])
	}
	return f
}

func reCombineFlags(flags, add, del int) int {
	if add&reTypeFlags != 0 {
		flags &^= reTypeFlags
	}
	return (flags | add) &^ del
}

func (p *reParser) unsupportedf(format string, args ...any) {
	p.unsupported = append(p.unsupported, fmt.Sprintf(format, args...))
}

func (p *reParser) checkGroup(gid int) bool {
	return gid < len(p.groupOpen) && gid > 0 && !p.groupOpen[gid]
}

func (p *reParser) checkLookbehindGroup(gid int) {
	if p.lookbehind >= 0 {
		if !p.checkGroup(gid) {
			p.fail("cannot refer to an open group", 0)
		}
		if gid >= p.lookbehind {
			p.fail("cannot refer to group defined in the same lookbehind subpattern", 0)
		}
	}
}

func (p *reParser) groups() int { return len(p.groupOpen) } // state.groups (group 0 included)

// reParsed is a parsed pattern.
type reParsed struct {
	root        *reNode
	flags       int // the pattern's flags as Pattern.flags reports them
	groups      int // number of capturing groups
	names       map[string]int
	nameOrder   []string
	closeSeq    []int
	unsupported []string
}

// parseRegex parses a Python pattern with flags.
func parseRegex(pattern string, flags int) (res *reParsed, err error) {
	p := &reParser{pat: []rune(pattern), flags: flags, names: map[string]int{}, lookbehind: -1,
		groupOpen: []bool{false}, groupWidth: [][2]int{{0, 0}}, closeSeq: []int{0}, grouprefs: map[int]int{}}
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*reSyntaxError)
			if !ok {
				panic(r)
			}
			res, err = nil, e
		}
	}()
	p.advance()
	root := p.parseSub(flags&reVerbose != 0, 0)
	// fix_flags
	if p.flags&reLocale != 0 {
		return nil, &reSyntaxError{class: "ValueError", msg: "cannot use LOCALE flag with a str pattern"}
	}
	if p.flags&reASCII == 0 {
		p.flags |= reUnicode
	} else if p.flags&reUnicode != 0 {
		return nil, &reSyntaxError{class: "ValueError", msg: "ASCII and UNICODE flags are incompatible"}
	}
	if !p.end {
		p.fail("unbalanced parenthesis", 0)
	}
	for g, pos := range p.grouprefs {
		if g >= p.groups() {
			return nil, p.errorAt(fmt.Sprintf("invalid group reference %d", g), pos)
		}
	}
	if err := checkLookbehinds(root); err != nil {
		return nil, err
	}
	return &reParsed{root: root, flags: p.flags, groups: p.groups() - 1, names: p.names,
		nameOrder: p.nameOrder, closeSeq: p.closeSeq, unsupported: p.unsupported}, nil
}

// checkLookbehinds is the compiler's check that a lookbehind has a fixed
// width.
func checkLookbehinds(n *reNode) error {
	if n.op == reLook && n.behind {
		lo, hi := reWidth(n.subs[0])
		if lo != hi {
			return &reSyntaxError{class: "error", msg: "look-behind requires fixed-width pattern"}
		}
	}
	for _, s := range n.subs {
		if err := checkLookbehinds(s); err != nil {
			return err
		}
	}
	return nil
}

// reWidth is SubPattern.getwidth: the least and most characters n can
// match (reMaxRepeat standing for unbounded).
func reWidth(n *reNode) (lo, hi int) {
	switch n.op {
	case reLit, reClass, reAny:
		return 1, 1
	case reConcat:
		for _, s := range n.subs {
			l, h := reWidth(s)
			lo, hi = min(lo+l, reMaxRepeat), min(hi+h, reMaxRepeat)
		}
		return lo, hi
	case reAlt:
		lo = reMaxRepeat
		for _, s := range n.subs {
			l, h := reWidth(s)
			lo, hi = min(lo, l), max(hi, h)
		}
		return lo, hi
	case reGroup:
		return reWidth(n.subs[0])
	case reRepeat:
		l, h := reWidth(n.subs[0])
		lo = min(l*n.min, reMaxRepeat)
		if n.max < 0 {
			if h > 0 {
				hi = reMaxRepeat
			}
		} else {
			hi = min(h*n.max, reMaxRepeat)
		}
		return lo, hi
	case reBackref:
		return n.min, n.max
	case reAtomic:
		return reWidth(n.subs[0])
	case reCond:
		lo, hi = reWidth(n.subs[0])
		if len(n.subs) < 2 {
			return 0, hi
		}
		l, h := reWidth(n.subs[1])
		return min(lo, l), max(hi, h)
	case reOpaque:
		return 0, reMaxRepeat
	}
	return 0, 0
}

// backref is a reference to group gid, as wide as the group.
func (p *reParser) backref(gid, pos int) *reNode {
	w := p.groupWidth[gid]
	return &reNode{op: reBackref, group: gid, flags: p.eff(), min: w[0], max: w[1], pos: pos}
}

func concatOf(items []*reNode) *reNode {
	if len(items) == 1 {
		return items[0]
	}
	return &reNode{op: reConcat, subs: items}
}

// parseSub is _parse_sub: alternatives separated by |.
func (p *reParser) parseSub(verbose bool, nested int) *reNode {
	var items []*reNode
	start := p.tell()
	for {
		items = append(items, p.parse(verbose, nested+1, nested == 0 && len(items) == 0))
		if !p.match('|') {
			break
		}
		if nested == 0 {
			verbose = p.flags&reVerbose != 0
		}
	}
	if len(items) == 1 {
		return items[0]
	}
	return &reNode{op: reAlt, subs: items, pos: start}
}

const reDigits = "0123456789"
const reOctDigits = "01234567"
const reHexDigits = "0123456789abcdefABCDEF"

// parse is _parse: one alternative, a sequence of items.
func (p *reParser) parse(verbose bool, nested int, first bool) *reNode {
	var items []*reNode
	for {
		if p.end || p.nextIn("|)") {
			break
		}
		this, _ := p.get()
		if verbose && !this.esc {
			if strings.ContainsRune(" \t\n\r\v\f", this.c) {
				continue
			}
			if this.c == '#' {
				for {
					t, ok := p.get()
					if !ok || (!t.esc && t.c == '\n') {
						break
					}
				}
				continue
			}
		}
		here := p.tell() - this.width()
		switch {
		case this.esc:
			items = append(items, p.escape(this, here))
		case !strings.ContainsRune(`.\[{()*+?^$|`, this.c):
			items = append(items, &reNode{op: reLit, r: this.c, flags: p.eff(), pos: here})
		case this.c == '[':
			items = append(items, p.parseClass(here))
		case strings.ContainsRune("*+?{", this.c):
			var lo, hi int
			switch this.c {
			case '?':
				lo, hi = 0, 1
			case '*':
				lo, hi = 0, -1
			case '+':
				lo, hi = 1, -1
			case '{':
				if p.nextIs('}') {
					items = append(items, &reNode{op: reLit, r: '{', flags: p.eff(), pos: here})
					continue
				}
				after := p.tell()
				lo, hi = 0, -1
				los := p.getWhile(1<<30, reDigits)
				his := ""
				if p.match(',') {
					his = p.getWhile(1<<30, reDigits)
				} else {
					his = los
				}
				if !p.match('}') {
					items = append(items, &reNode{op: reLit, r: '{', flags: p.eff(), pos: here})
					p.seek(after)
					continue
				}
				if los != "" {
					v, err := strconv.ParseUint(los, 10, 64)
					if err != nil || v >= reMaxRepeat {
						panic(&reSyntaxError{class: "OverflowError", msg: "the repetition number is too large"})
					}
					lo = int(v)
				}
				if his != "" {
					v, err := strconv.ParseUint(his, 10, 64)
					if err != nil || v >= reMaxRepeat {
						panic(&reSyntaxError{class: "OverflowError", msg: "the repetition number is too large"})
					}
					hi = int(v)
					if hi < lo {
						p.fail("min repeat greater than max repeat", p.tell()-after)
					}
				}
			}
			after := p.tell()
			if len(items) == 0 || items[len(items)-1].op == reAt {
				p.fail("nothing to repeat", after-here)
			}
			item := items[len(items)-1]
			if item.op == reRepeat {
				p.fail("multiple repeat", after-here)
			}
			rep := &reNode{op: reRepeat, subs: []*reNode{item}, min: lo, max: hi, pos: here}
			if p.match('?') {
				rep.lazy = true
			} else if p.match('+') {
				rep.possessive = true
			}
			rep.text = string(p.pat[item.pos:p.tell()])
			items[len(items)-1] = rep
		case this.c == '.':
			items = append(items, &reNode{op: reAny, flags: p.eff(), pos: here})
		case this.c == '(':
			n, global := p.parseGroup(here, verbose, nested, first, len(items) > 0)
			if global {
				verbose = p.flags&reVerbose != 0
			} else if n != nil {
				items = append(items, n)
			}
		case this.c == '^':
			items = append(items, &reNode{op: reAt, at: atBeginLine, flags: p.eff(), pos: here})
		case this.c == '$':
			items = append(items, &reNode{op: reAt, at: atEnd, flags: p.eff(), pos: here})
		}
	}
	// Unpack non-capturing groups, as _parse does (flags are already in
	// the nodes).
	var out []*reNode
	for _, it := range items {
		if it.op == reGroup && it.group == 0 {
			b := it.subs[0]
			if b.op == reConcat {
				out = append(out, b.subs...)
			} else if b.op != reEmpty {
				out = append(out, b)
			}
			continue
		}
		out = append(out, it)
	}
	if len(out) == 0 {
		return &reNode{op: reEmpty}
	}
	return concatOf(out)
}

// parseGroup parses what follows "(": a group, a lookaround, an extension
// or flags. It returns nil for a comment, and global true for global flags.
func (p *reParser) parseGroup(start int, verbose bool, nested int, first, hasItems bool) (n *reNode, global bool) {
	capture := true
	name := ""
	named := false
	addFlags, delFlags := 0, 0
	if p.match('?') {
		ch, ok := p.get()
		if !ok {
			p.fail("unexpected end of pattern", 0)
		}
		switch {
		case ch.esc:
			p.fail("unknown extension ?"+ch.String(), ch.width()+1)
		case ch.c == 'P':
			switch {
			case p.match('<'):
				name = p.getUntil('>', "group name")
				p.checkGroupName(name, 1)
				named = true
			case p.match('='):
				name = p.getUntil(')', "group name")
				p.checkGroupName(name, 1)
				gid, ok := p.names[name]
				if !ok {
					p.fail("unknown group name "+pyStrRepr(name), len([]rune(name))+1)
				}
				if !p.checkGroup(gid) {
					p.fail("cannot refer to an open group", len([]rune(name))+1)
				}
				p.checkLookbehindGroup(gid)
				return p.backref(gid, start), false
			default:
				c, ok := p.get()
				if !ok {
					p.fail("unexpected end of pattern", 0)
				}
				p.fail("unknown extension ?P"+c.String(), c.width()+2)
			}
		case ch.c == ':':
			capture = false
		case ch.c == '#':
			for {
				if p.end {
					p.fail("missing ), unterminated comment", p.tell()-start)
				}
				if t, _ := p.get(); !t.esc && t.c == ')' {
					break
				}
			}
			return nil, false
		case strings.ContainsRune("=!<", ch.c):
			behind := false
			c := ch.c
			saved := p.lookbehind
			if c == '<' {
				t, ok := p.get()
				if !ok {
					p.fail("unexpected end of pattern", 0)
				}
				if t.esc || (t.c != '=' && t.c != '!') {
					p.fail("unknown extension ?<"+t.String(), t.width()+2)
				}
				c = t.c
				behind = true
				if p.lookbehind < 0 {
					p.lookbehind = p.groups()
				}
			}
			body := p.parseSub(verbose, nested+1)
			if behind && saved < 0 {
				p.lookbehind = -1
			}
			if !p.match(')') {
				p.fail("missing ), unterminated subpattern", p.tell()-start)
			}
			return &reNode{op: reLook, subs: []*reNode{body}, neg: c == '!', behind: behind, pos: start}, false
		case ch.c == '(':
			cond := p.getUntil(')', "group name")
			n := len([]rune(cond))
			var gid int
			if isIdentifier(cond) {
				var ok bool
				if gid, ok = p.names[cond]; !ok {
					p.fail("unknown group name "+pyStrRepr(cond), n+1)
				}
			} else {
				g, err := strconv.Atoi(cond)
				if err != nil || g < 0 || strings.HasPrefix(cond, "+") {
					p.fail("bad character in group name "+pyStrRepr(cond), n+1)
				}
				if g == 0 {
					p.fail("bad group number", n+1)
				}
				if _, seen := p.grouprefs[g]; !seen {
					p.grouprefs[g] = p.tell() - n - 1
				}
				gid = g
			}
			yes := p.parse(verbose, nested+1, false)
			var subs = []*reNode{yes}
			if p.match('|') {
				subs = append(subs, p.parse(verbose, nested+1, false))
				if p.nextIs('|') {
					p.fail("conditional backref with more than two branches", 0)
				}
			}
			if !p.match(')') {
				p.fail("missing ), unterminated subpattern", p.tell()-start)
			}
			return &reNode{op: reCond, group: gid, subs: subs, pos: start}, false
		case ch.c == '>':
			body := p.parseSub(verbose, nested+1)
			if !p.match(')') {
				p.fail("missing ), unterminated subpattern", p.tell()-start)
			}
			return &reNode{op: reAtomic, subs: []*reNode{body}, pos: start}, false
		case reInlineFlags[ch.c] != 0 || ch.c == '-':
			add, del, global := p.parseFlags(ch.c)
			if global {
				if !first || hasItems {
					p.fail("global flags not at the start of the expression", p.tell()-start)
				}
				return nil, true
			}
			addFlags, delFlags = add, del
			capture = false
		default:
			p.fail("unknown extension ?"+ch.String(), ch.width()+1)
		}
	}
	gid := 0
	if capture {
		gid = p.groups()
		p.groupOpen = append(p.groupOpen, true)
		p.groupWidth = append(p.groupWidth, [2]int{})
		p.closeSeq = append(p.closeSeq, 0)
		if named {
			if old, ok := p.names[name]; ok {
				p.fail(fmt.Sprintf("redefinition of group name %s as group %d; was group %d", pyStrRepr(name), gid, old), len([]rune(name))+1)
			}
			p.names[name] = gid
			p.nameOrder = append(p.nameOrder, name)
		}
	}
	subVerbose := (verbose || addFlags&reVerbose != 0) && delFlags&reVerbose == 0
	p.scope = append(p.scope, [2]int{addFlags, delFlags})
	body := p.parseSub(subVerbose, nested+1)
	p.scope = p.scope[:len(p.scope)-1]
	if !p.match(')') {
		p.fail("missing ), unterminated subpattern", p.tell()-start)
	}
	if gid > 0 {
		p.groupOpen[gid] = false
		lo, hi := reWidth(body)
		p.groupWidth[gid] = [2]int{lo, hi}
		p.closed++
		p.closeSeq[gid] = p.closed
	}
	return &reNode{op: reGroup, group: gid, subs: []*reNode{body}, pos: start}, false
}

// parseFlags is _parse_flags, after "(?" and the first flag character c.
func (p *reParser) parseFlags(c rune) (add, del int, global bool) {
	w := 1
	get := func() (rune, bool) {
		t, ok := p.get()
		w = t.width()
		if ok && t.esc {
			return 0, true // an escape is neither a flag nor ")-:"
		}
		return t.c, ok
	}
	isAlpha := func(r rune) bool { return unicode.IsLetter(r) }
	if c != '-' {
		for {
			flag := reInlineFlags[c]
			if c == 'L' {
				p.fail("bad inline flag: cannot use 'L' flag with a str pattern", 0)
			}
			add |= flag
			if flag&reTypeFlags != 0 && add&reTypeFlags != flag {
				p.fail("bad inline flag: flags 'a', 'u' and 'L' are incompatible", 0)
			}
			var ok bool
			c, ok = get()
			if !ok {
				p.fail("missing -, : or )", 0)
			}
			if c == ')' || c == '-' || c == ':' {
				break
			}
			if reInlineFlags[c] == 0 {
				if isAlpha(c) {
					p.fail("unknown flag", w)
				}
				p.fail("missing -, : or )", w)
			}
		}
	}
	if c == ')' {
		p.flags |= add
		return 0, 0, true
	}
	if add&reGlobalFlags != 0 {
		p.fail("bad inline flag: cannot turn on global flag", 1)
	}
	if c == '-' {
		var ok bool
		c, ok = get()
		if !ok {
			p.fail("missing flag", 0)
		}
		if reInlineFlags[c] == 0 {
			if isAlpha(c) {
				p.fail("unknown flag", w)
			}
			p.fail("missing flag", w)
		}
		for {
			flag := reInlineFlags[c]
			if flag&reTypeFlags != 0 {
				p.fail("bad inline flag: cannot turn off flags 'a', 'u' and 'L'", 0)
			}
			del |= flag
			c, ok = get()
			if !ok {
				p.fail("missing :", 0)
			}
			if c == ':' {
				break
			}
			if reInlineFlags[c] == 0 {
				if isAlpha(c) {
					p.fail("unknown flag", w)
				}
				p.fail("missing :", w)
			}
		}
	}
	if del&reGlobalFlags != 0 {
		p.fail("bad inline flag: cannot turn off global flag", 1)
	}
	if add&del != 0 {
		p.fail("bad inline flag: flag turned on and off", 1)
	}
	return add, del, false
}

// reEscapes are the escapes that stand for one character.
var reEscapes = map[rune]rune{'a': '\a', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v', '\\': '\\'}

// escapeCode parses the character escapes both inside and outside sets
// (\x.. \u.... \U........ \N{...}); ok is false for other escapes.
func (p *reParser) escapeCode(t reTok, here int) (rune, bool) {
	switch t.c {
	case 'x':
		h := p.getWhile(2, reHexDigits)
		if len(h) != 2 {
			p.fail(`incomplete escape \x`+h, 2+len(h))
		}
		v, _ := strconv.ParseUint(h, 16, 32)
		return rune(v), true
	case 'u':
		h := p.getWhile(4, reHexDigits)
		if len(h) != 4 {
			p.fail(`incomplete escape \u`+h, 2+len(h))
		}
		v, _ := strconv.ParseUint(h, 16, 32)
		return rune(v), true
	case 'U':
		h := p.getWhile(8, reHexDigits)
		if len(h) != 8 {
			p.fail(`incomplete escape \U`+h, 2+len(h))
		}
		v, _ := strconv.ParseUint(h, 16, 32)
		if v > unicode.MaxRune {
			p.fail(`bad escape \U`+h, 10)
		}
		return rune(v), true
	case 'N':
		if !p.match('{') {
			p.fail("missing {", 0)
		}
		name := p.getUntil('}', "character name")
		p.unsupportedf(`named character escape \N{%s}`, name)
		return unicode.ReplacementChar, true
	}
	return 0, false
}

// escape is _escape: an escape outside a set.
func (p *reParser) escape(t reTok, here int) *reNode {
	fl := p.eff()
	lit := func(r rune) *reNode { return &reNode{op: reLit, r: r, flags: fl, pos: here} }
	switch t.c {
	case 'A':
		return &reNode{op: reAt, at: atBeginString, flags: fl, pos: here}
	case 'Z':
		return &reNode{op: reAt, at: atEndString, flags: fl, pos: here}
	case 'b':
		return &reNode{op: reAt, at: atBoundary, flags: fl, pos: here}
	case 'B':
		return &reNode{op: reAt, at: atNonBoundary, flags: fl, pos: here}
	case 'd', 'D', 's', 'S', 'w', 'W':
		return &reNode{op: reClass, cls: &reClassSpec{cats: []rune{t.c}}, flags: fl, pos: here}
	}
	if r, ok := reEscapes[t.c]; ok {
		return lit(r)
	}
	if r, ok := p.escapeCode(t, here); ok {
		return lit(r)
	}
	switch {
	case t.c == '0':
		o := "0" + p.getWhile(2, reOctDigits)
		v, _ := strconv.ParseUint(o, 8, 32)
		return lit(rune(v))
	case t.c >= '1' && t.c <= '9':
		digits := string(t.c)
		if p.nextIn(reDigits) {
			d, _ := p.get()
			digits += string(d.c)
			if strings.ContainsRune(reOctDigits, rune(digits[0])) && strings.ContainsRune(reOctDigits, rune(digits[1])) && p.nextIn(reOctDigits) {
				d, _ := p.get()
				digits += string(d.c)
				v, _ := strconv.ParseUint(digits, 8, 32)
				if v > 0o377 {
					p.fail(fmt.Sprintf(`octal escape value \%s outside of range 0-0o377`, digits), len(digits)+1)
				}
				return lit(rune(v))
			}
		}
		g, _ := strconv.Atoi(digits)
		if g < p.groups() {
			if !p.checkGroup(g) {
				p.fail("cannot refer to an open group", len(digits)+1)
			}
			p.checkLookbehindGroup(g)
			return p.backref(g, here)
		}
		p.fail(fmt.Sprintf("invalid group reference %d", g), len(digits))
	}
	if t.c < 128 && unicode.IsLetter(t.c) {
		p.fail(`bad escape \`+string(t.c), 2)
	}
	return lit(t.c)
}

// classItem is one element of a set being parsed: a character, or a
// category when cat is set.
type classItem struct {
	r   rune
	cat rune
}

// classEscape is _class_escape: an escape inside a set.
func (p *reParser) classEscape(t reTok, here int) classItem {
	if r, ok := reEscapes[t.c]; ok {
		return classItem{r: r}
	}
	switch t.c {
	case 'd', 'D', 's', 'S', 'w', 'W':
		return classItem{cat: t.c}
	}
	if r, ok := p.escapeCode(t, here); ok {
		return classItem{r: r}
	}
	switch {
	case t.c >= '0' && t.c <= '7':
		o := string(t.c) + p.getWhile(2, reOctDigits)
		v, _ := strconv.ParseUint(o, 8, 32)
		if v > 0o377 {
			p.fail(fmt.Sprintf(`octal escape value \%s outside of range 0-0o377`, o), len(o)+1)
		}
		return classItem{r: rune(v)}
	case t.c == '8' || t.c == '9':
		p.fail(`bad escape \`+string(t.c), 2)
	}
	if t.c < 128 && unicode.IsLetter(t.c) {
		p.fail(`bad escape \`+string(t.c), 2)
	}
	return classItem{r: t.c}
}

// parseClass parses a set after its "[".
func (p *reParser) parseClass(here int) *reNode {
	spec := &reClassSpec{}
	spec.negate = p.match('^')
	n := 0
	add := func(it classItem) {
		n++
		if it.cat != 0 {
			spec.cats = append(spec.cats, it.cat)
		} else {
			spec.set = spec.set.addRange(it.r, it.r)
		}
	}
	for {
		this, ok := p.get()
		if !ok {
			p.fail("unterminated character set", p.tell()-here)
		}
		if !this.esc && this.c == ']' && n > 0 {
			break
		}
		var code1 classItem
		if this.esc {
			code1 = p.classEscape(this, p.tell()-2)
		} else {
			code1 = classItem{r: this.c}
		}
		if p.match('-') {
			that, ok := p.get()
			if !ok {
				p.fail("unterminated character set", p.tell()-here)
			}
			if !that.esc && that.c == ']' {
				add(code1)
				add(classItem{r: '-'})
				break
			}
			var code2 classItem
			if that.esc {
				code2 = p.classEscape(that, p.tell()-2)
			} else {
				code2 = classItem{r: that.c}
			}
			msg := "bad character range " + this.String() + "-" + that.String()
			if code1.cat != 0 || code2.cat != 0 || code2.r < code1.r {
				p.fail(msg, this.width()+1+that.width())
			}
			n++
			spec.set = spec.set.addRange(code1.r, code2.r)
			continue
		}
		add(code1)
	}
	return &reNode{op: reClass, cls: spec, flags: p.eff(), pos: here}
}

// pyStrRepr is Python's repr() of a string.
func pyStrRepr(s string) string { return jinja.Repr(s) }
