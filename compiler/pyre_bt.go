package compiler

import (
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/elt-dev/elt/jinja"
)

// A backtracking matcher over the parsed pattern, run as Python's sre
// runs it (Modules/_sre/sre_lib.h): alternatives in order, greedy and
// lazy repeats with sre's guard against repeating an empty iteration,
// groups restored when a branch fails, lookarounds anywhere. It answers
// the patterns and inputs the RE2 translation refuses (a lookaround
// inside a pattern, a repeat of what may match the empty string, a
// Unicode \b on non-ASCII words, an empty match followed by a non-empty
// one at the same position), so that those give Python's answer rather
// than an error. RE2 stays the engine for the rest: its time is linear in
// the input, where backtracking's, as Python's, may not be.

// btStepLimit bounds one search's work: a pattern that backtracks
// catastrophically fails with an error rather than hanging the compile
// (Python would run on).
const btStepLimit = 50_000_000

// btSets are the character sets of a pattern's literals under
// IGNORECASE and of its classes, computed once per pattern.
type btSets struct {
	once sync.Once
	sets map[*reNode]runeSet
}

func (p *pyPattern) btSetsOf() map[*reNode]runeSet {
	p.bt.once.Do(func() {
		p.bt.sets = map[*reNode]runeSet{}
		var walk func(n *reNode)
		walk = func(n *reNode) {
			switch {
			case n.op == reClass:
				p.bt.sets[n] = classSet(n)
			case n.op == reLit && n.flags&reIgnoreCase != 0:
				p.bt.sets[n] = caseFold{t: pyReTables(), ascii: n.flags&reASCII != 0}.literalSet(n.r)
			}
			for _, s := range n.subs {
				walk(s)
			}
		}
		walk(p.parsed.root)
	})
	return p.bt.sets
}

// btMatcher is one search's state.
type btMatcher struct {
	p     *pyPattern
	sets  map[*reNode]runeSet
	s     string // the subject up to endpos
	caps  []int  // byte offsets: 2 per group, group 0 unused
	steps int
	err   error
}

// btFind is find on the backtracking matcher: the first match of mode
// from byte offset pos in subj.s[:end], as Python's sre finds it. With
// mustAdvance, a match at pos must not be empty (what finditer, sub and
// split ask after an empty match).
func (p *pyPattern) btFind(fn string, mode reMode, subj *reSubject, pos, end int, mustAdvance bool) ([]int, error) {
	if pos > end {
		return nil, nil
	}
	m := &btMatcher{p: p, sets: p.btSetsOf(), s: subj.s[:end], caps: make([]int, 2*(p.parsed.groups+1))}
	for start := pos; start <= len(m.s); {
		for i := range m.caps {
			m.caps[i] = -1
		}
		at, advance := start, mustAdvance && start == pos
		found := m.match(p.parsed.root, start, func(j int) bool {
			if advance && j == at || mode == modeFullmatch && j != len(m.s) {
				return false
			}
			m.caps[0], m.caps[1] = at, j
			return true
		})
		if m.err != nil {
			return nil, &jinja.Error{Kind: "NotImplementedError", Err: errRegexUnsupported,
				Msg: fmt.Sprintf("re.%s: Python regex feature %s is not supported by elt (Python's engine would run on, possibly for hours: simplify the pattern's nested repeats); pattern %s", fn, m.err, jinja.Repr(p.src))}
		}
		if found {
			return m.caps, nil
		}
		if mode != modeSearch || start == len(m.s) {
			break
		}
		_, w := utf8.DecodeRuneInString(m.s[start:])
		start += w
	}
	return nil, nil
}

// match matches n at byte offset i and calls k with where it ended, for
// each way n matches in sre's order, until k returns true.
func (m *btMatcher) match(n *reNode, i int, k func(int) bool) bool {
	if m.steps++; m.steps > btStepLimit {
		if m.err == nil {
			m.err = fmt.Errorf("backtracking past %d steps in one search", btStepLimit)
		}
		return false
	}
	if m.err != nil {
		return false
	}
	switch n.op {
	case reEmpty:
		return k(i)
	case reLit, reClass, reAny:
		if i >= len(m.s) {
			return false
		}
		r, w := utf8.DecodeRuneInString(m.s[i:])
		var ok bool
		switch {
		case n.op == reAny:
			ok = r != '\n' || n.flags&reDotAll != 0
		case n.op == reLit && n.flags&reIgnoreCase == 0:
			ok = r == n.r
		default:
			ok = m.sets[n].contains(r)
		}
		return ok && k(i+w)
	case reAt:
		return m.at(n, i) && k(i)
	case reGroup:
		if n.group == 0 {
			return m.match(n.subs[0], i, k)
		}
		g := n.group
		return m.match(n.subs[0], i, func(j int) bool {
			os, oe := m.caps[2*g], m.caps[2*g+1]
			m.caps[2*g], m.caps[2*g+1] = i, j
			if k(j) {
				return true
			}
			m.caps[2*g], m.caps[2*g+1] = os, oe
			return false
		})
	case reConcat:
		return m.seq(n.subs, i, k)
	case reAlt:
		for _, s := range n.subs {
			if m.match(s, i, k) {
				return true
			}
		}
		return false
	case reRepeat:
		if n.possessive {
			return m.atomic(&reNode{op: reRepeat, subs: n.subs, min: n.min, max: n.max}, i, k)
		}
		if one := n.subs[0]; one.op == reLit || one.op == reClass || one.op == reAny {
			return m.repeatOne(n, one, i, k)
		}
		return m.repeat(n, 0, i, -1, k)
	case reLook:
		return m.look(n, i, k)
	case reAtomic:
		return m.atomic(n.subs[0], i, k)
	case reBackref:
		return m.backref(n, i, k)
	case reCond:
		g := n.group
		if g < len(m.caps)/2 && m.caps[2*g] >= 0 && m.caps[2*g+1] >= m.caps[2*g] {
			return m.match(n.subs[0], i, k)
		}
		if len(n.subs) > 1 {
			return m.match(n.subs[1], i, k)
		}
		return k(i)
	}
	m.err = fmt.Errorf("a construct elt cannot run at position %d", n.pos)
	return false
}

func (m *btMatcher) seq(subs []*reNode, i int, k func(int) bool) bool {
	if len(subs) == 0 {
		return k(i)
	}
	return m.match(subs[0], i, func(j int) bool { return m.seq(subs[1:], j, k) })
}

// repeat is sre's MAX_UNTIL and MIN_UNTIL: count iterations matched so
// far; last is where the last optional iteration began (-1: none), and an
// iteration is not tried again from there, which ends a repeat after an
// empty iteration.
func (m *btMatcher) repeat(n *reNode, count, i, last int, k func(int) bool) bool {
	body := n.subs[0]
	if count < n.min {
		return m.match(body, i, func(j int) bool { return m.repeat(n, count+1, j, last, k) })
	}
	more := (n.max < 0 || count < n.max) && i != last
	if n.lazy {
		if k(i) {
			return true
		}
		return more && m.match(body, i, func(j int) bool { return m.repeat(n, count+1, j, i, k) })
	}
	if more && m.match(body, i, func(j int) bool { return m.repeat(n, count+1, j, i, k) }) {
		return true
	}
	return k(i)
}

// repeatOne is a repeat of one character (sre's REPEAT_ONE and
// MIN_REPEAT_ONE): the characters it may take are counted in a loop, then
// the rest is tried after each count, most first (greedy) or fewest
// first (lazy), without a call per character, so a long text does not
// make a deep stack. Its body never matches the empty string, so sre's
// guard against empty iterations does not arise.
func (m *btMatcher) repeatOne(n, one *reNode, i int, k func(int) bool) bool {
	step := func(j int) (int, bool) {
		ok := m.match(one, j, func(e int) bool { j = e; return true })
		return j, ok && m.err == nil
	}
	if n.lazy {
		// Fewest first, one character more after each failure.
		j := i
		for c := 0; ; c++ {
			if c >= n.min && k(j) {
				return true
			}
			if n.max >= 0 && c >= n.max {
				return false
			}
			var ok bool
			if j, ok = step(j); !ok {
				return false
			}
		}
	}
	ends := []int{i} // ends[c]: where c characters end
	for j := i; n.max < 0 || len(ends)-1 < n.max; {
		var ok bool
		if j, ok = step(j); !ok {
			break
		}
		ends = append(ends, j)
	}
	if m.err != nil {
		return false
	}
	if len(ends)-1 < n.min {
		return false
	}
	for c := len(ends) - 1; c >= n.min; c-- {
		if k(ends[c]) {
			return true
		}
	}
	return false
}

// atomic matches n once, its first way, and never backtracks into it.
func (m *btMatcher) atomic(n *reNode, i int, k func(int) bool) bool {
	saved := append([]int(nil), m.caps...)
	end := -1
	if !m.match(n, i, func(j int) bool { end = j; return true }) {
		return false
	}
	if k(end) {
		return true
	}
	copy(m.caps, saved)
	return false
}

// look is a lookahead or lookbehind at i: a positive one keeps the groups
// it set, a negative one none.
func (m *btMatcher) look(n *reNode, i int, k func(int) bool) bool {
	saved := append([]int(nil), m.caps...)
	start, ok := i, true
	if n.behind {
		w, _ := reWidth(n.subs[0])
		for range w {
			if start == 0 {
				ok = false
				break
			}
			_, size := utf8.DecodeLastRuneInString(m.s[:start])
			start -= size
		}
	}
	if ok {
		ok = m.match(n.subs[0], start, func(j int) bool { return !n.behind || j == i })
	}
	if m.err != nil {
		return false
	}
	if ok == n.neg {
		copy(m.caps, saved)
		return false
	}
	if n.neg {
		copy(m.caps, saved)
	}
	if k(i) {
		return true
	}
	copy(m.caps, saved)
	return false
}

// at is a zero-width assertion at i, as sre's SRE(at) tests it: the
// string begins at 0 whatever pos a search starts from, and ends at
// endpos.
func (m *btMatcher) at(n *reNode, i int) bool {
	s := m.s
	multiline := n.flags&reMultiline != 0
	switch n.at {
	case atBeginString:
		return i == 0
	case atBeginLine:
		return i == 0 || multiline && s[i-1] == '\n'
	case atEnd:
		if multiline {
			return i == len(s) || s[i] == '\n'
		}
		return i == len(s) || i == len(s)-1 && s[i] == '\n'
	case atEndString:
		return i == len(s)
	case atBoundary, atNonBoundary:
		if len(s) == 0 {
			return false
		}
		t := pyReTables()
		words := t.word
		if n.flags&reASCII != 0 {
			words = t.asciiWord
		}
		before := false
		if i > 0 {
			r, _ := utf8.DecodeLastRuneInString(s[:i])
			before = words.contains(r)
		}
		after := false
		if i < len(s) {
			r, _ := utf8.DecodeRuneInString(s[i:])
			after = words.contains(r)
		}
		return (before != after) == (n.at == atBoundary)
	}
	return false
}

// backref matches what group n.group matched, character by character
// (under IGNORECASE, as their lowercase); a group that did not match
// fails it.
func (m *btMatcher) backref(n *reNode, i int, k func(int) bool) bool {
	g := n.group
	start, end := m.caps[2*g], m.caps[2*g+1]
	if start < 0 || end < start {
		return false
	}
	text := m.s[start:end]
	if n.flags&reIgnoreCase == 0 {
		if !strings.HasPrefix(m.s[i:], text) {
			return false
		}
		return k(i + len(text))
	}
	fold := caseFold{t: pyReTables(), ascii: n.flags&reASCII != 0}
	j := i
	for _, want := range text {
		if j >= len(m.s) {
			return false
		}
		r, w := utf8.DecodeRuneInString(m.s[j:])
		if fold.lower(r) != fold.lower(want) {
			return false
		}
		j += w
	}
	return k(j)
}
