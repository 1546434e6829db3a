package compiler

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// Translation of a parsed Python pattern (pyre_syntax.go) into Go regexp
// syntax. Nothing is left to RE2's own reading of flags or classes:
//
//   - \d \w \s are Python's sets (Unicode unless ASCII), spelt as ranges
//     or as the Unicode tables they are; . is [^\n] or any character; ^
//     and $ are \A, \z or the multi-line forms.
//   - IGNORECASE is Python's rule, not RE2's (?i): a character matches
//     when its lowercase (Python's simple lowercase) is the pattern
//     character's lowercase, or one of the few extra equivalents Python
//     lists (re/_casefix.py); sets are compared after lowercasing.
//   - Python's $ also matches before a newline that ends the string. At
//     the end of a pattern it becomes "()\n?\z": the empty group marks
//     where Python's match ends, and the newline it may consume is not
//     part of the match. Elsewhere it is \z, and a string ending in a
//     newline is refused rather than answered differently.
//   - Lookarounds exist only where they can be checked on their own: at
//     the start of a pattern whose start is fixed (\A, ^, re.match) and
//     at its end. A single positive lookahead at the end becomes
//     "()(?:Y)" like $; others at the end are tested at each possible end
//     position, which $ or \Z (or fullmatch) must pin to one or two.
//   - RE2's \b is ASCII's: a Unicode \b or \B is refused on text with
//     non-ASCII letters or digits. A repeat of something that can match
//     the empty string is refused unless Python and RE2 provably end it
//     the same way (emptyRepeatDiffers).
//
// Each pattern compiles to a few RE2 programs ("variants"), one per way it
// is run: searching, anchored at the start, anchored at both ends, from a
// position inside the string (the character before it is kept so \b and
// ^ see it), and the set of end positions its trailing lookarounds allow.

// runeSet is a set of code points: sorted, disjoint, non-adjacent ranges.
type runeSet []runeRange

type runeRange struct{ lo, hi rune }

func normalizeRunes(rs []runeRange) runeSet {
	if len(rs) == 0 {
		return nil
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].lo < rs[j].lo })
	out := runeSet{rs[0]}
	for _, r := range rs[1:] {
		last := &out[len(out)-1]
		if r.lo <= last.hi+1 {
			last.hi = max(last.hi, r.hi)
			continue
		}
		out = append(out, r)
	}
	return out
}

func (s runeSet) addRange(lo, hi rune) runeSet {
	return normalizeRunes(append(append([]runeRange{}, s...), runeRange{lo, hi}))
}

func (s runeSet) union(t runeSet) runeSet {
	return normalizeRunes(append(append([]runeRange{}, s...), t...))
}

func (s runeSet) negate() runeSet {
	var out runeSet
	next := rune(0)
	for _, r := range s {
		if r.lo > next {
			out = append(out, runeRange{next, r.lo - 1})
		}
		next = r.hi + 1
	}
	if next <= unicode.MaxRune {
		out = append(out, runeRange{next, unicode.MaxRune})
	}
	return out
}

func (s runeSet) minus(t runeSet) runeSet {
	var out runeSet
	j := 0
	for _, r := range s {
		lo := r.lo
		for j < len(t) && t[j].hi < lo {
			j++
		}
		k := j
		for k < len(t) && t[k].lo <= r.hi {
			if t[k].lo > lo {
				out = append(out, runeRange{lo, t[k].lo - 1})
			}
			lo = t[k].hi + 1
			k++
		}
		if lo <= r.hi {
			out = append(out, runeRange{lo, r.hi})
		}
	}
	return out
}

func (s runeSet) contains(r rune) bool {
	i := sort.Search(len(s), func(i int) bool { return s[i].hi >= r })
	return i < len(s) && s[i].lo <= r
}

func (s runeSet) intersects(t runeSet) bool { return len(s.minus(t.negate())) > 0 }

func runesOf(rs ...rune) runeSet {
	var out []runeRange
	for _, r := range rs {
		out = append(out, runeRange{r, r})
	}
	return normalizeRunes(out)
}

func runeSetOfTables(ts ...*unicode.RangeTable) runeSet {
	var out []runeRange
	for _, t := range ts {
		for _, r := range t.R16 {
			for c := rune(r.Lo); c <= rune(r.Hi); c += rune(r.Stride) {
				if r.Stride == 1 {
					out = append(out, runeRange{rune(r.Lo), rune(r.Hi)})
					break
				}
				out = append(out, runeRange{c, c})
			}
		}
		for _, r := range t.R32 {
			for c := rune(r.Lo); c <= rune(r.Hi); c += rune(r.Stride) {
				if r.Stride == 1 {
					out = append(out, runeRange{rune(r.Lo), rune(r.Hi)})
					break
				}
				out = append(out, runeRange{c, c})
			}
		}
	}
	return normalizeRunes(out)
}

// reTables are the sets and case data Python's re uses, computed once
// from Go's Unicode tables and read-only afterwards. Go's tables agree
// with Python 3.11's (Unicode 14) on every character Unicode 14 assigns;
// characters assigned later are in Go's sets and not in Python 3.11's.
type reTables struct {
	word, digit, space                runeSet // Unicode \w \d \s
	asciiWord, asciiDigit, asciiSpace runeSet
	cased                             runeSet // _sre.unicode_iscased
	lowered                           []rune  // characters whose lowercase differs, sorted
	loweredSet                        runeSet
	lowerOf                           []rune          // lowercase of each of lowered
	upperOf                           map[rune][]rune // lowercase -> the lowered characters mapping to it
	fixes                             map[rune][]rune
}

var (
	reTablesOnce sync.Once
	reTablesData *reTables
)

// pyExtraCased are the characters Python counts as cased although their
// simple case mappings are identity: their full uppercase (SpecialCasing)
// has several characters and Python takes the first.
var pyExtraCased = []rune{0xdf, 0x149, 0x1f0, 0x390, 0x3b0, 0x587, 0x1e96, 0x1e97, 0x1e98, 0x1e99, 0x1e9a,
	0x1f50, 0x1f52, 0x1f54, 0x1f56, 0x1fb2, 0x1fb4, 0x1fb6, 0x1fb7, 0x1fc2, 0x1fc4, 0x1fc6, 0x1fc7,
	0x1fd2, 0x1fd3, 0x1fd6, 0x1fd7, 0x1fe2, 0x1fe3, 0x1fe4, 0x1fe6, 0x1fe7, 0x1ff2, 0x1ff4, 0x1ff6, 0x1ff7,
	0xfb00, 0xfb01, 0xfb02, 0xfb03, 0xfb04, 0xfb05, 0xfb06, 0xfb13, 0xfb14, 0xfb15, 0xfb16, 0xfb17}

// pyCaseFixes is re/_casefix.py's _EXTRA_CASES: lowercase characters that
// also match each other under IGNORECASE.
var pyCaseFixes = [][]rune{{0x69, 0x131}, {0x73, 0x17f}, {0xb5, 0x3bc}, {0x345, 0x3b9, 0x1fbe},
	{0x390, 0x1fd3}, {0x3b0, 0x1fe3}, {0x3b2, 0x3d0}, {0x3b5, 0x3f5}, {0x3b8, 0x3d1}, {0x3ba, 0x3f0},
	{0x3c0, 0x3d6}, {0x3c1, 0x3f1}, {0x3c2, 0x3c3}, {0x3c6, 0x3d5}, {0x1e61, 0x1e9b}, {0xfb05, 0xfb06},
	{0x432, 0x1c80}, {0x434, 0x1c81}, {0x43e, 0x1c82}, {0x441, 0x1c83}, {0x442, 0x1c84, 0x1c85},
	{0x44a, 0x1c86}, {0x463, 0x1c87}, {0xa64b, 0x1c88}}

func pyReTables() *reTables {
	reTablesOnce.Do(func() {
		t := &reTables{fixes: map[rune][]rune{}}
		t.word = runeSetOfTables(unicode.L, unicode.N).addRange('_', '_')
		t.digit = runeSetOfTables(unicode.Nd)
		t.space = runesOf('\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f, ' ', 0x85, 0xa0, 0x1680,
			0x2028, 0x2029, 0x202f, 0x205f, 0x3000).addRange(0x2000, 0x200a)
		t.asciiWord = runeSet{{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}}
		t.asciiDigit = runeSet{{'0', '9'}}
		t.asciiSpace = runesOf('\t', '\n', '\v', '\f', '\r', ' ')
		var cased []runeRange
		for _, cr := range unicode.CaseRanges {
			for r := rune(cr.Lo); r <= rune(cr.Hi); r++ {
				l, u := unicode.ToLower(r), unicode.ToUpper(r)
				if l != r {
					t.lowered = append(t.lowered, r)
				}
				if l != r || u != r {
					cased = append(cased, runeRange{r, r})
				}
			}
		}
		for _, r := range pyExtraCased {
			cased = append(cased, runeRange{r, r})
		}
		t.cased = normalizeRunes(cased)
		sort.Slice(t.lowered, func(i, j int) bool { return t.lowered[i] < t.lowered[j] })
		t.loweredSet = runesOf(t.lowered...)
		t.upperOf = map[rune][]rune{}
		for _, r := range t.lowered {
			l := unicode.ToLower(r)
			t.lowerOf = append(t.lowerOf, l)
			t.upperOf[l] = append(t.upperOf[l], r)
		}
		for _, eq := range pyCaseFixes {
			for _, a := range eq {
				for _, b := range eq {
					if a != b {
						t.fixes[a] = append(t.fixes[a], b)
					}
				}
			}
		}
		reTablesData = t
	})
	return reTablesData
}

// caseFold is Python's case-insensitive matching for one flag setting:
// Unicode (simple lowercase plus the extra equivalents) or ASCII.
type caseFold struct {
	t     *reTables
	ascii bool
}

func (c caseFold) lower(r rune) rune {
	if c.ascii {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	return unicode.ToLower(r)
}

var asciiUpper = func() []rune {
	out := make([]rune, 0, 26)
	for r := 'A'; r <= 'Z'; r++ {
		out = append(out, r)
	}
	return out
}()

// changed are the characters whose lowercase differs from themselves.
func (c caseFold) changed() ([]rune, runeSet) {
	if c.ascii {
		return asciiUpper, runeSet{{'A', 'Z'}}
	}
	return c.t.lowered, c.t.loweredSet
}

func (c caseFold) isCased(r rune) bool {
	if c.ascii {
		return r < 128 && unicode.IsLetter(r)
	}
	return c.t.cased.contains(r)
}

func (c caseFold) hasCased(s runeSet) bool {
	if c.ascii {
		return s.intersects(runeSet{{'A', 'Z'}, {'a', 'z'}})
	}
	return s.intersects(c.t.cased)
}

// lowerImage is {lower(x) : x in s}, with Python's extra equivalents.
func (c caseFold) lowerImage(s runeSet) runeSet {
	changed, changedSet := c.changed()
	var moved []runeRange
	for i, r := range changed {
		if s.contains(r) {
			l := r + 'a' - 'A'
			if !c.ascii {
				l = c.t.lowerOf[i]
			}
			moved = append(moved, runeRange{l, l})
		}
	}
	out := s.minus(changedSet).union(moved)
	if !c.ascii {
		var extra []runeRange
		for k, vs := range c.t.fixes {
			if out.contains(k) {
				for _, v := range vs {
					extra = append(extra, runeRange{v, v})
				}
			}
		}
		out = out.union(extra)
	}
	return out
}

// preimage is {x : lower(x) in s}: what a character must be to match a
// set of lowercase characters.
func (c caseFold) preimage(s runeSet) runeSet {
	changed, changedSet := c.changed()
	var in []runeRange
	if size := s.size(); !c.ascii && size <= 64 {
		for _, r := range s {
			for x := r.lo; x <= r.hi; x++ {
				for _, u := range c.t.upperOf[x] {
					in = append(in, runeRange{u, u})
				}
			}
		}
	} else {
		for i, r := range changed {
			l := r + 'a' - 'A'
			if !c.ascii {
				l = c.t.lowerOf[i]
			}
			if s.contains(l) {
				in = append(in, runeRange{r, r})
			}
		}
	}
	return s.minus(changedSet).union(in)
}

func (s runeSet) size() int {
	n := 0
	for _, r := range s {
		n += int(r.hi-r.lo) + 1
	}
	return n
}

// literalSet is what a literal character matches under IGNORECASE.
func (c caseFold) literalSet(r rune) runeSet {
	if !c.isCased(r) {
		return runesOf(r)
	}
	lo := c.lower(r)
	set := runesOf(lo)
	if !c.ascii {
		set = set.union(runesOf(c.t.fixes[lo]...))
	}
	return c.preimage(set)
}

func categorySet(t *reTables, cat rune, ascii bool) runeSet {
	var s runeSet
	switch cat {
	case 'd', 'D':
		s = t.digit
		if ascii {
			s = t.asciiDigit
		}
	case 'w', 'W':
		s = t.word
		if ascii {
			s = t.asciiWord
		}
	case 's', 'S':
		s = t.space
		if ascii {
			s = t.asciiSpace
		}
	}
	if cat == 'D' || cat == 'W' || cat == 'S' {
		return s.negate()
	}
	return s
}

// classSet is the set of characters a set node matches, as sre matches it.
func classSet(n *reNode) runeSet {
	t := pyReTables()
	ascii := n.flags&reASCII != 0
	var cats runeSet
	for _, c := range n.cls.cats {
		cats = cats.union(categorySet(t, c, ascii))
	}
	set := n.cls.set
	var m runeSet
	fold := caseFold{t: t, ascii: ascii}
	if n.flags&reIgnoreCase != 0 && fold.hasCased(set) {
		// IN_UNI_IGNORE / IN_IGNORE: lower(ch) is looked up in the set of
		// lowered members (categories included as they are).
		m = fold.preimage(fold.lowerImage(set).union(cats))
	} else {
		m = set.union(cats)
	}
	if n.cls.negate {
		return m.negate()
	}
	return m
}

// writeRune writes r as an RE2 literal.
func writeRune(b *strings.Builder, r rune) {
	if r < 128 && (r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
		b.WriteRune(r)
		return
	}
	b.WriteString(`\x{`)
	b.WriteString(strconv.FormatInt(int64(r), 16))
	b.WriteByte('}')
}

func (s runeSet) equal(t runeSet) bool {
	if len(s) != len(t) {
		return false
	}
	for i := range s {
		if s[i] != t[i] {
			return false
		}
	}
	return true
}

// writeSet writes s as an RE2 class: Python's Unicode \w \d \s and their
// complements by the names of the same Unicode tables, others as ranges.
func writeSet(b *strings.Builder, s runeSet) {
	t := pyReTables()
	for _, named := range []struct {
		set  runeSet
		name string
	}{{t.word, `[\p{L}\p{N}_]`}, {t.digit, `\p{Nd}`}} {
		if s.equal(named.set) {
			b.WriteString(named.name)
			return
		}
		if s.equal(named.set.negate()) {
			b.WriteString(strings.Replace(strings.Replace(named.name, `[`, `[^`, 1), `\p{Nd}`, `\P{Nd}`, 1))
			return
		}
	}
	switch {
	case len(s) == 0:
		b.WriteString(`[^\x00-\x{10ffff}]`)
		return
	case len(s) == 1 && s[0].lo == 0 && s[0].hi == unicode.MaxRune:
		b.WriteString(`(?s:.)`)
		return
	case len(s) == 1 && s[0].lo == s[0].hi:
		writeRune(b, s[0].lo)
		return
	}
	b.WriteByte('[')
	for _, r := range s {
		writeRune(b, r.lo)
		if r.hi > r.lo {
			b.WriteByte('-')
			writeRune(b, r.hi)
		}
	}
	b.WriteByte(']')
}

// reShape is how a pattern's top level is laid out for translation.
type reShape struct {
	branches    [][]*reNode // top-level alternatives (one when there is no |)
	branchLooks []*reNode   // with several: each one's final positive lookahead, or nil

	// For a single branch: leading zero-width items, the middle, and
	// trailing zero-width items.
	lead, mid, tail []*reNode
	anchored        bool      // lead has \A or a single-line ^: the match starts at 0
	leadLooks       []*reNode // tested at the (fixed) start
	tailLooks       []*reNode // tested at each possible end
	markerLook      *reNode   // the one positive lookahead at the end, when nothing pins the end
	endAnchor       reAtKind  // atEnd ($), atEndString (\Z) or atBeginString for none

	// needsStart: the lead has lookarounds but the start is not fixed
	// (only match and fullmatch can run it). needsEnd: the tail has
	// lookarounds no $ or \Z pins (only fullmatch can run it).
	needsStart, needsEnd string
	err                  string // a construct this shape cannot run at all
}

func zeroWidth(n *reNode) bool { return n.op == reAt || n.op == reLook }

func lookName(n *reNode) string {
	switch {
	case n.behind && n.neg:
		return "negative lookbehind (?<!...)"
	case n.behind:
		return "lookbehind (?<=...)"
	case n.neg:
		return "negative lookahead (?!...)"
	}
	return "lookahead (?=...)"
}

// findLook returns the first lookaround in n, or nil.
func findLook(n *reNode) *reNode {
	if n.op == reLook {
		return n
	}
	for _, s := range n.subs {
		if l := findLook(s); l != nil {
			return l
		}
	}
	return nil
}

func isStartAnchor(n *reNode) bool {
	return n.op == reAt && (n.at == atBeginString || (n.at == atBeginLine && n.flags&reMultiline == 0))
}

func isEndAnchor(n *reNode) bool {
	return n.op == reAt && (n.at == atEndString || (n.at == atEnd && n.flags&reMultiline == 0))
}

// shapeOf lays out root; anchoredMode is true for match and fullmatch,
// whose start is fixed.
func shapeOf(root *reNode, anchoredMode bool) *reShape {
	sh := &reShape{endAnchor: atBeginString}
	if root.op == reAlt {
		for _, b := range root.subs {
			items := []*reNode{b}
			if b.op == reConcat {
				items = b.subs
			}
			sh.branches = append(sh.branches, items)
		}
		// Each alternative may end with one positive lookahead, which
		// becomes a marker like $ does; other lookarounds cannot be
		// tested on their own in one alternative.
		for _, items := range sh.branches {
			j := len(items)
			for j > 0 && zeroWidth(items[j-1]) {
				j--
			}
			var marker *reNode
			for _, it := range items[j:] {
				if it.op == reLook && !it.neg && !it.behind && marker == nil && findLook(it.subs[0]) == nil {
					marker = it
				}
			}
			for k, it := range items {
				if l := findLook(it); l != nil && l != marker {
					sh.err = lookName(l) + " in a pattern with top-level alternatives (only one lookahead at the end of an alternative is supported)"
					return sh
				}
				if k >= j && isEndAnchor(it) && marker != nil {
					sh.err = "lookahead (?=...) with $ or \\Z at the end of an alternative"
					return sh
				}
			}
			sh.branchLooks = append(sh.branchLooks, marker)
		}
		return sh
	}
	items := []*reNode{root}
	if root.op == reConcat {
		items = root.subs
	} else if root.op == reEmpty {
		items = nil
	}
	sh.branches = [][]*reNode{items}
	allZero := true
	for _, it := range items {
		allZero = allZero && zeroWidth(it)
	}
	hasAnchor := false
	for _, it := range items {
		hasAnchor = hasAnchor || isStartAnchor(it)
	}
	switch {
	case allZero && (anchoredMode || hasAnchor):
		// Start assertions are tested at the fixed start; final $ and \Z
		// stay at the end, where they become markers (^$ on "\n").
		j := len(items)
		for j > 0 && isEndAnchor(items[j-1]) {
			j--
		}
		sh.lead, sh.tail = items[:j], items[j:]
	case allZero:
		sh.tail = items
	default:
		i := 0
		for i < len(items) && zeroWidth(items[i]) {
			i++
		}
		j := len(items)
		for j > i && zeroWidth(items[j-1]) {
			j--
		}
		sh.lead, sh.mid, sh.tail = items[:i], items[i:j], items[j:]
	}
	for _, it := range sh.mid {
		if l := findLook(it); l != nil {
			sh.err = lookName(l) + " in the middle of a pattern"
			return sh
		}
	}
	for _, it := range append(append([]*reNode{}, sh.lead...), sh.tail...) {
		if it.op == reLook {
			if l := findLook(it.subs[0]); l != nil {
				sh.err = lookName(l) + " inside a lookaround"
				return sh
			}
		}
	}
	for _, it := range sh.lead {
		if isStartAnchor(it) {
			sh.anchored = true
		}
		if it.op == reLook {
			sh.leadLooks = append(sh.leadLooks, it)
		}
	}
	if len(sh.leadLooks) > 0 && !sh.anchored && !anchoredMode {
		sh.needsStart = lookName(sh.leadLooks[0]) + " at the start of a pattern searched without \\A or ^"
	}
	for _, it := range sh.tail {
		switch {
		case it.op == reLook:
			sh.tailLooks = append(sh.tailLooks, it)
		case isEndAnchor(it) && it.at == atEndString:
			sh.endAnchor = atEndString
		case isEndAnchor(it) && sh.endAnchor != atEndString:
			sh.endAnchor = atEnd
		}
	}
	if sh.endAnchor == atBeginString && len(sh.tailLooks) > 0 {
		if l := sh.tailLooks[0]; len(sh.tailLooks) == 1 && !l.neg && !l.behind {
			sh.markerLook, sh.tailLooks = l, nil
		} else {
			for _, l := range sh.tailLooks {
				if l.neg || l.behind {
					sh.needsEnd = lookName(l) + " at the end of a pattern without $ or \\Z"
					break
				}
			}
			if sh.needsEnd == "" {
				sh.needsEnd = "several lookaheads at the end of a pattern without $ or \\Z"
			}
		}
	}
	return sh
}

type reMode uint8

const (
	modeSearch reMode = iota
	modeMatch
	modeFullmatch
	modeLongest // anchored, leftmost-longest, tails dropped: can a non-empty match start here?
)

// reEnd is the set of end positions trailing lookarounds allow, when $
// or \Z pins them: endFree means the pattern decides by itself.
type reEnd uint8

const (
	endFree     reEnd = iota
	endAtN            // only at the end of the string
	endBeforeNL       // only before the final newline
	endBoth           // either
)

type reVariantKey struct {
	mode  reMode
	ctx   bool // the run starts one character before the position searched from
	end   reEnd
	empty bool // the string is empty (Python's \B never matches there)
}

// reVariant is one compiled RE2 program of a pattern. Group 1 is the
// whole match (before any marker); groupIdx maps Python's group numbers
// to RE2's (0: not in this program); a set marker group is where the
// match ends.
type reVariant struct {
	re          *regexp.Regexp
	groupIdx    []int
	markers     []int
	dollarCheck bool // a $ became \z: a string ending in "\n" cannot be answered
	wordCheck   bool // a Unicode \b or \B became ASCII's: non-ASCII word characters cannot be answered
}

// reEmitter writes one variant.
type reEmitter struct {
	b        strings.Builder
	groups   int // RE2 groups allocated
	groupIdx []int
	markers  []int
	key      reVariantKey
	v        *reVariant
	err      string // an unsupported construct met while writing
}

func (e *reEmitter) alloc() int {
	e.groups++
	return e.groups
}

func (e *reEmitter) marker() {
	e.markers = append(e.markers, e.alloc())
	e.b.WriteString("()")
}

func (e *reEmitter) unsupported(what string) {
	if e.err == "" {
		e.err = what
	}
}

// node writes n. tail is true where what n consumes at its end is thrown
// away (the body of a lookahead): a $ there may consume the final newline.
func (e *reEmitter) node(n *reNode, tail bool) {
	switch n.op {
	case reEmpty:
	case reLit:
		if n.flags&reIgnoreCase != 0 {
			writeSet(&e.b, caseFold{t: pyReTables(), ascii: n.flags&reASCII != 0}.literalSet(n.r))
		} else {
			writeRune(&e.b, n.r)
		}
	case reClass:
		writeSet(&e.b, classSet(n))
	case reAny:
		if n.flags&reDotAll != 0 {
			e.b.WriteString(`(?s:.)`)
		} else {
			e.b.WriteString(`[^\n]`)
		}
	case reAt:
		e.at(n, tail)
	case reGroup:
		if n.group > 0 {
			idx := e.alloc()
			e.groupIdx[n.group] = idx
			e.b.WriteByte('(')
			e.node(n.subs[0], false)
			e.b.WriteByte(')')
			return
		}
		e.b.WriteString("(?:")
		e.node(n.subs[0], tail)
		e.b.WriteByte(')')
	case reConcat:
		for i, s := range n.subs {
			e.node(s, tail && i == len(n.subs)-1)
		}
	case reAlt:
		e.b.WriteString("(?:")
		for i, s := range n.subs {
			if i > 0 {
				e.b.WriteByte('|')
			}
			e.node(s, tail)
		}
		e.b.WriteByte(')')
	case reRepeat:
		if n.possessive {
			e.unsupported("possessive repeat")
			return
		}
		if n.min > 1000 || n.max > 1000 {
			e.unsupported(fmt.Sprintf("repeat count above 1000 (%s)", n.text))
			return
		}
		if emptyRepeatDiffers(n) {
			e.unsupported(fmt.Sprintf("repeat %s of something that can match the empty string (Python and RE2 end such repeats differently)", n.text))
			return
		}
		e.b.WriteString("(?:")
		e.node(n.subs[0], false)
		e.b.WriteByte(')')
		switch {
		case n.min == 0 && n.max < 0:
			e.b.WriteByte('*')
		case n.min == 1 && n.max < 0:
			e.b.WriteByte('+')
		case n.min == 0 && n.max == 1:
			e.b.WriteByte('?')
		case n.max < 0:
			fmt.Fprintf(&e.b, "{%d,}", n.min)
		case n.min == n.max:
			fmt.Fprintf(&e.b, "{%d}", n.min)
		default:
			fmt.Fprintf(&e.b, "{%d,%d}", n.min, n.max)
		}
		if n.lazy {
			e.b.WriteByte('?')
		}
	case reLook:
		e.unsupported(lookName(n) + " in the middle of a pattern")
	case reOpaque:
		e.unsupported("a construct elt cannot translate")
	case reBackref:
		e.unsupported("backreference")
	case reAtomic:
		e.unsupported("atomic group (?>...)")
	case reCond:
		e.unsupported("conditional group (?(...)...)")
	}
}

// emptyRepeatDiffers reports whether RE2 could answer a repeat
// differently from Python: both stop repeating after an iteration that
// matched the empty string, but Python takes that empty iteration as
// soon as it is the body's preferred choice, and keeps the groups it set,
// where RE2 tries the body's non-empty choices first and drops it. The
// answers agree when the body prefers every non-empty match to the empty
// one and no group in it can be set by an empty match.
func emptyRepeatDiffers(n *reNode) bool {
	if lo, _ := reWidth(n.subs[0]); lo > 0 || (n.max >= 0 && n.max <= 1) || n.min == n.max {
		return false
	}
	return !emptyLast(n.subs[0]) || hasEmptyGroup(n.subs[0])
}

// emptyLast reports whether n tries the empty match only after every
// non-empty one (or cannot match empty, or only matches empty).
func emptyLast(n *reNode) bool {
	switch n.op {
	case reGroup:
		return emptyLast(n.subs[0])
	case reConcat:
		for _, s := range n.subs {
			if !emptyLast(s) {
				return false
			}
		}
		return true
	case reAlt:
		for i, s := range n.subs {
			if lo, _ := reWidth(s); lo == 0 && i < len(n.subs)-1 {
				return false
			}
		}
		return emptyLast(n.subs[len(n.subs)-1])
	case reRepeat:
		if _, hi := reWidth(n.subs[0]); n.lazy && n.min == 0 && hi > 0 {
			return false
		}
		return emptyLast(n.subs[0])
	case reOpaque, reBackref, reAtomic, reCond:
		return false
	}
	return true
}

func hasEmptyGroup(n *reNode) bool {
	if n.op == reGroup && n.group > 0 {
		if lo, _ := reWidth(n.subs[0]); lo == 0 {
			return true
		}
	}
	for _, s := range n.subs {
		if hasEmptyGroup(s) {
			return true
		}
	}
	return false
}

func (e *reEmitter) at(n *reNode, tail bool) {
	multiline := n.flags&reMultiline != 0
	switch n.at {
	case atBeginString:
		e.b.WriteString(`\A`)
	case atBeginLine:
		if multiline {
			e.b.WriteString(`(?m:^)`)
		} else {
			e.b.WriteString(`\A`)
		}
	case atEnd:
		switch {
		case multiline:
			e.b.WriteString(`(?m:$)`)
		case tail:
			e.b.WriteString(`(?:\n?\z)`)
		default:
			e.b.WriteString(`\z`)
			e.v.dollarCheck = true
		}
	case atEndString:
		e.b.WriteString(`\z`)
	case atBoundary, atNonBoundary:
		if n.flags&reASCII == 0 {
			e.v.wordCheck = true
		}
		switch {
		case n.at == atBoundary:
			e.b.WriteString(`\b`)
		case e.key.empty:
			e.b.WriteString(`[^\x00-\x{10ffff}]`) // sre: no \B in an empty string
		default:
			e.b.WriteString(`\B`)
		}
	}
}

// body writes the pattern for key: the top level laid out by sh.
func (e *reEmitter) body(sh *reShape) {
	if len(sh.branches) > 1 {
		e.b.WriteString("(?:")
		for i, items := range sh.branches {
			if i > 0 {
				e.b.WriteByte('|')
			}
			j := len(items)
			for j > 0 && zeroWidth(items[j-1]) {
				j--
			}
			for _, it := range items[:j] {
				e.node(it, false)
			}
			e.tailItems(items[j:])
			e.endPiece(items[j:], endFree, sh.branchLooks[i])
		}
		e.b.WriteByte(')')
		return
	}
	for _, it := range sh.lead {
		if it.op != reLook {
			e.node(it, false)
		}
	}
	for _, it := range sh.mid {
		e.node(it, false)
	}
	e.tailItems(sh.tail)
	var marker *reNode
	if e.key.mode != modeFullmatch {
		marker = sh.markerLook
	}
	e.endPiece(sh.tail, e.key.end, marker)
}

// tailItems writes the trailing assertions RE2 evaluates itself.
func (e *reEmitter) tailItems(items []*reNode) {
	for _, it := range items {
		if it.op == reAt && !isEndAnchor(it) {
			e.at(it, false)
		}
	}
}

// endPiece writes how the match may end after the trailing assertions
// items: $ or \Z, a set of end positions, or a final lookahead.
func (e *reEmitter) endPiece(items []*reNode, end reEnd, marker *reNode) {
	if e.key.mode == modeLongest {
		return
	}
	switch end {
	case endAtN:
		e.b.WriteString(`\z`)
		return
	case endBeforeNL:
		e.marker()
		e.b.WriteString(`\n\z`)
		return
	case endBoth:
		e.marker()
		e.b.WriteString(`\n?\z`)
		return
	}
	anchor := atBeginString
	for _, it := range items {
		if isEndAnchor(it) && (anchor != atEndString) {
			anchor = it.at
		}
	}
	switch {
	case anchor == atEndString || (anchor == atEnd && e.key.mode == modeFullmatch):
		e.b.WriteString(`\z`)
	case anchor == atEnd:
		e.marker()
		e.b.WriteString(`\n?\z`)
	case marker != nil:
		e.marker()
		if e.key.mode == modeFullmatch {
			e.b.WriteString(`\z`) // the match ends at the end; the lookahead is tested there
		}
		e.b.WriteString("(?:")
		e.node(marker.subs[0], true)
		e.b.WriteByte(')')
	}
}

// wrapVariant puts the body in group 1 and adds what key's mode needs around it.
func wrapVariant(key reVariantKey, body string) string {
	var b strings.Builder
	if key.mode != modeSearch || key.ctx {
		b.WriteString(`\A`)
	}
	if key.ctx {
		b.WriteString(`(?s:.)`)
		if key.mode == modeSearch {
			b.WriteString(`(?s:.*?)`)
		}
	}
	b.WriteByte('(')
	b.WriteString(body)
	b.WriteByte(')')
	if key.mode == modeFullmatch {
		b.WriteString(`\z`)
	}
	return b.String()
}

// hasContextAssertion reports whether n looks at the character before a
// position (\A ^ \b \B), so a run from inside the string must keep it.
func hasContextAssertion(n *reNode) bool {
	if n.op == reAt && n.at != atEnd && n.at != atEndString {
		return true
	}
	for _, s := range n.subs {
		if hasContextAssertion(s) {
			return true
		}
	}
	return false
}

func hasNonBoundary(n *reNode) bool {
	if n.op == reAt && n.at == atNonBoundary {
		return true
	}
	for _, s := range n.subs {
		if hasNonBoundary(s) {
			return true
		}
	}
	return false
}
