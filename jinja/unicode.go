package jinja

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

// Python's str methods answer from Unicode properties that Go's general
// categories do not give directly; these are those properties.

//go:generate sh -c "python3 ../scripts/gen-jinja-unicode.py > unicode_tables.go"

// pyIsSpace is Python's whitespace: Go's plus the ASCII separators
// U+001C..U+001F, which Python counts (their bidirectional class is B or S).
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f
}

// pyIsLower and pyIsUpper are the Lowercase and Uppercase properties:
// the letter categories plus Other_Lowercase (ª, ʰ, ⅰ, ⓐ ...) and
// Other_Uppercase (Ⅰ, Ⓐ ...).
func pyIsLower(r rune) bool {
	return unicode.IsLower(r) || unicode.Is(unicode.Other_Lowercase, r)
}

func pyIsUpper(r rune) bool {
	return unicode.IsUpper(r) || unicode.Is(unicode.Other_Uppercase, r)
}

// pyIsCased is the Cased property: upper, lower or title case.
func pyIsCased(r rune) bool { return pyIsLower(r) || pyIsUpper(r) || unicode.IsTitle(r) }

func pyIsDigit(r rune) bool { return unicode.Is(unicode.Nd, r) || unicode.Is(pyDigitExtra, r) }

func pyIsNumeric(r rune) bool { return unicode.IsNumber(r) || unicode.Is(pyNumericExtra, r) }

// pyIsLowerStr, pyIsUpperStr and pyIsTitleStr are str.islower, isupper
// and istitle.
func pyIsLowerStr(s string) bool {
	cased := false
	for _, r := range s {
		if pyIsUpper(r) || unicode.IsTitle(r) {
			return false
		}
		if pyIsLower(r) {
			cased = true
		}
	}
	return cased
}

func pyIsUpperStr(s string) bool {
	cased := false
	for _, r := range s {
		if pyIsLower(r) || unicode.IsTitle(r) {
			return false
		}
		if pyIsUpper(r) {
			cased = true
		}
	}
	return cased
}

func pyIsTitleStr(s string) bool {
	cased, prevCased := false, false
	for _, r := range s {
		switch {
		case pyIsUpper(r) || unicode.IsTitle(r):
			if prevCased {
				return false
			}
			prevCased, cased = true, true
		case pyIsLower(r):
			if !prevCased {
				return false
			}
			prevCased, cased = true, true
		default:
			prevCased = false
		}
	}
	return cased
}

// pyIsIdentifier is str.isidentifier: XID_Start or _ first, XID_Continue
// after, approximated from the categories and the Other_ID_* properties.
func pyIsIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		start := r == '_' || unicode.IsLetter(r) || unicode.Is(unicode.Nl, r) || unicode.Is(unicode.Other_ID_Start, r)
		if i == 0 && !start {
			return false
		}
		if i > 0 && !start && !unicode.In(r, unicode.Mn, unicode.Mc, unicode.Nd, unicode.Pc, unicode.Other_ID_Continue) {
			return false
		}
	}
	return true
}

// pyLower and pyUpper are str.lower and str.upper: the full Unicode case
// mappings (İ lowers to two characters, ß uppers to SS, a final Σ lowers
// to ς), which Go's strings.ToLower and ToUpper do not apply.
func pyLower(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	var b strings.Builder
	for i, r := range s {
		b.WriteString(lowerAt(s, i, r))
	}
	return b.String()
}

// lowerAt is the full lower case of the character r at byte i of s. The
// only multi-character lower case mapping is İ's; Σ depends on where it
// stands.
func lowerAt(s string, i int, r rune) string {
	switch r {
	case 'İ':
		return "i\u0307"
	case 'Σ':
		return lowerSigma(s, i)
	}
	return string(unicode.ToLower(r))
}

func pyUpper(s string) string {
	if isASCII(s) {
		return strings.ToUpper(s)
	}
	return cases.Upper(language.Und).String(s)
}

// pySwapcase is str.swapcase: upper case characters lowered, lower case
// ones uppered, each with its full mapping; a title case character stays.
func pySwapcase(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case pyIsUpper(r):
			b.WriteString(lowerAt(s, i, r))
		case pyIsLower(r):
			b.WriteString(pyUpper(string(r)))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// lowerSigma is the lower case of the Σ at byte i of s: ς at the end of
// a word (a cased letter before it, none after it), σ elsewhere.
func lowerSigma(s string, i int) string {
	before, after := s[:i], s[i+len("Σ"):]
	casedBefore, casedAfter := false, false
	for _, r := range reverseRunes(before) {
		if caseIgnorable(r) {
			continue
		}
		casedBefore = pyIsCased(r)
		break
	}
	for _, r := range after {
		if caseIgnorable(r) {
			continue
		}
		casedAfter = pyIsCased(r)
		break
	}
	if casedBefore && !casedAfter {
		return "ς"
	}
	return "σ"
}

func reverseRunes(s string) []rune {
	rs := []rune(s)
	for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
		rs[i], rs[j] = rs[j], rs[i]
	}
	return rs
}

// caseIgnorable approximates the Case_Ignorable property.
func caseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', '^', '`', 0xb7, 0x2019:
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}

// pyTitleRune is the full title case of one character (ß is Ss, ﬁ is Fi).
func pyTitleRune(r rune) string {
	if r < utf8.RuneSelf {
		return string(unicode.ToTitle(r))
	}
	return cases.Title(language.Und, cases.NoLower).String(string(r))
}

// pyTitle is str.title: a character after a cased one is lowered, any
// other is title-cased.
func pyTitle(s string) string {
	if isASCII(s) {
		return asciiTitle(s)
	}
	var b strings.Builder
	prevCased := false
	for i, r := range s {
		if prevCased {
			b.WriteString(lowerAt(s, i, r))
		} else {
			b.WriteString(pyTitleRune(r))
		}
		prevCased = pyIsCased(r)
	}
	return b.String()
}

// pyCapitalize is str.capitalize: the first character title-cased, the
// rest lowered.
func pyCapitalize(s string) string {
	if s == "" {
		return s
	}
	if isASCII(s) {
		return strings.ToUpper(s[:1]) + strings.ToLower(s[1:])
	}
	r, n := utf8.DecodeRuneInString(s)
	var b strings.Builder
	b.WriteString(pyTitleRune(r))
	for i, r := range s[n:] {
		b.WriteString(lowerAt(s, n+i, r))
	}
	return b.String()
}

func asciiTitle(s string) string {
	b := []byte(s)
	prevCased := false
	for i, c := range b {
		lower, upper := c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z'
		switch {
		case prevCased && upper:
			b[i] = c + 'a' - 'A'
		case !prevCased && lower:
			b[i] = c - ('a' - 'A')
		}
		prevCased = lower || upper
	}
	return string(b)
}

// asciiDigits is what Python's int() and float() parse instead of a
// non-ASCII text: every decimal digit (١, ５ ...) as its ASCII digit and
// every space as ' '.
func asciiDigits(s string) string {
	if isASCII(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r < utf8.RuneSelf:
			return r
		case pyIsSpace(r):
			return ' '
		case unicode.Is(unicode.Nd, r):
			return '0' + digitValue(r)
		}
		return r
	}, s)
}

// digitValue is the value of a decimal digit: Unicode encodes each set of
// decimal digits as a run of ten from its zero, so the value is the
// distance from the start of the run.
func digitValue(r rune) rune {
	for _, rg := range unicode.Nd.R16 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return (r - rune(rg.Lo)) % 10
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return (r - rune(rg.Lo)) % 10
		}
	}
	return 0
}
