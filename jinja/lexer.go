package jinja

import (
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind is the kind of a lexical token.
type tokKind uint8

const (
	tEOF tokKind = iota
	tData
	tVarBegin
	tVarEnd
	tBlockBegin
	tBlockEnd
	tName
	tString
	tInt
	tFloat
	tOp // value holds the operator text
)

// token is one lexical token; pos is a byte offset into the normalized source.
// token is 32 bytes: a template has one per name, operator and literal,
// so its size is most of what lexing allocates. A number token's value
// is parsed again from its text when the parser needs it (number).
type token struct {
	val  string
	pos  int
	kind tokKind
}

// number is the value of a tInt (int64 or *big.Int) or tFloat token.
func (t token) number() any {
	text := strings.ReplaceAll(t.val, "_", "")
	if t.kind == tFloat {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			f = parseFloatInf(text)
		}
		return f
	}
	base := 10
	if len(text) > 2 && text[0] == '0' {
		switch text[1] | 0x20 {
		case 'b':
			base = 2
		case 'o':
			base = 8
		case 'x':
			base = 16
		}
		if base != 10 {
			text = text[2:]
		}
	}
	if n, err := strconv.ParseInt(text, base, 64); err == nil {
		return n
	}
	b, _ := new(big.Int).SetString(text, base)
	return b
}

// describe names a token the way Jinja2's error messages do.
func (t token) describe() string {
	switch t.kind {
	case tName:
		return t.val
	case tOp:
		return t.val
	}
	return kindName(t.kind)
}

func kindName(k tokKind) string {
	switch k {
	case tEOF:
		return "end of template"
	case tData:
		return "template data / text"
	case tVarBegin:
		return "begin of print statement"
	case tVarEnd:
		return "end of print statement"
	case tBlockBegin:
		return "begin of statement block"
	case tBlockEnd:
		return "end of statement block"
	case tName:
		return "name"
	case tString:
		return "string"
	case tInt:
		return "integer"
	case tFloat:
		return "float"
	}
	return "operator"
}

// normalizeSource applies Jinja2's newline handling: every \r\n and \r
// becomes \n, and one trailing newline is dropped (keep_trailing_newline=False).
func normalizeSource(src string) string {
	if strings.IndexByte(src, '\r') >= 0 {
		src = strings.ReplaceAll(src, "\r\n", "\n")
		src = strings.ReplaceAll(src, "\r", "\n")
	}
	if strings.HasSuffix(src, "\n") {
		src = src[:len(src)-1]
	}
	return src
}

type lexer struct {
	src    string
	name   string
	pos    int
	toks   []token
	parens []byte
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// skipSpace returns the offset after any whitespace starting at i.
func skipSpace(s string, i int) int {
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if !isSpaceByte(c) && c != 0x1c && c != 0x1d && c != 0x1e && c != 0x1f {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsSpace(r) {
			return i
		}
		i += n
	}
	return i
}

func rstripSpace(s string) string {
	return strings.TrimRightFunc(s, func(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f) })
}

// tokenize splits a normalized source into tokens.
func tokenize(name, src string) ([]token, error) {
	toks, err := tokenizeInto(name, src, nil)
	if err != nil {
		return nil, err
	}
	return toks, nil
}

// tokenizeInto is tokenize appending to buf[:0] when its capacity is
// likely to be enough.
func tokenizeInto(name, src string, buf []token) ([]token, error) {
	want := len(src)/6 + 8
	if cap(buf) < want {
		buf = make([]token, 0, want)
	}
	var parens [16]byte
	lx := &lexer{src: src, name: name, toks: buf[:0], parens: parens[:0]}
	if err := lx.run(); err != nil {
		return lx.toks, err // the tokens so far, for the caller to clear
	}
	// Jinja2's end-of-template token carries the line of the last token.
	eof := 0
	if n := len(lx.toks); n > 0 {
		eof = lx.toks[n-1].pos
	}
	lx.toks = append(lx.toks, token{kind: tEOF, pos: eof})
	return lx.toks, nil
}

func (lx *lexer) errAt(pos int, msg string) error {
	return newSyntaxError(lx.name, lx.src, pos, msg)
}

func (lx *lexer) emitData(pos int, s string) {
	if s != "" {
		lx.toks = append(lx.toks, token{kind: tData, val: s, pos: pos})
	}
}

// matchRaw reports whether a raw-begin tag starts at i and returns the end
// of the tag and whether it strips the text before it.
func matchTagWord(s string, i int, word string) (end int, lstrip bool, rstrip bool, ok bool) {
	// s[i:] starts with "{%"
	j := i + 2
	if j < len(s) && (s[j] == '-' || s[j] == '+') {
		lstrip = s[j] == '-'
		j++
	}
	j = skipSpace(s, j)
	if !strings.HasPrefix(s[j:], word) {
		return 0, false, false, false
	}
	j += len(word)
	k := skipSpace(s, j)
	if k == j && k < len(s) && s[k] != '-' && s[k] != '%' && s[k] != '+' {
		return 0, false, false, false
	}
	j = k
	switch {
	case strings.HasPrefix(s[j:], "-%}"):
		return skipSpace(s, j+3), lstrip, true, true
	case strings.HasPrefix(s[j:], "+%}") && word == "endraw":
		return j + 3, lstrip, false, true
	case strings.HasPrefix(s[j:], "%}"):
		return j + 2, lstrip, false, true
	}
	return 0, false, false, false
}

func (lx *lexer) run() error {
	s := lx.src
	for lx.pos < len(s) {
		start := lx.pos
		// find the next tag opener
		i := start
		var open int = -1
		for {
			k := strings.IndexByte(s[i:], '{')
			if k < 0 {
				break
			}
			k += i
			if k+1 < len(s) && (s[k+1] == '%' || s[k+1] == '{' || s[k+1] == '#') {
				open = k
				break
			}
			i = k + 1
		}
		if open < 0 {
			lx.emitData(start, s[start:])
			lx.pos = len(s)
			return nil
		}
		text := s[start:open]
		kind := s[open+1]
		strip := open+2 < len(s) && s[open+2] == '-'
		if kind == '%' {
			if end, ls, _, ok := matchTagWord(s, open, "raw"); ok {
				if ls {
					text = rstripSpace(text)
				}
				lx.emitData(start, text)
				if err := lx.lexRaw(open, end); err != nil {
					return err
				}
				continue
			}
		}
		if strip {
			text = rstripSpace(text)
		}
		lx.emitData(start, text)
		p := open + 2
		if p < len(s) && (s[p] == '-' || s[p] == '+') {
			p++
		}
		switch kind {
		case '#':
			if err := lx.lexComment(open, p); err != nil {
				return err
			}
		case '%':
			lx.toks = append(lx.toks, token{kind: tBlockBegin, pos: open})
			lx.pos = p
			if err := lx.lexTag(true); err != nil {
				return err
			}
		case '{':
			lx.toks = append(lx.toks, token{kind: tVarBegin, pos: open})
			lx.pos = p
			if err := lx.lexTag(false); err != nil {
				return err
			}
		}
	}
	return nil
}

func (lx *lexer) lexComment(open, p int) error {
	s := lx.src
	k := strings.Index(s[p:], "#}")
	if k < 0 && p == len(s) {
		// Jinja2's lexer stops without an error when the source ends
		// right after a comment's opening: "a {#" renders "a ".
		lx.pos = p
		return nil
	}
	if k < 0 {
		return lx.errAt(open, "Missing end of comment tag")
	}
	k += p
	end := k + 2
	if k > p && s[k-1] == '-' {
		end = skipSpace(s, end)
	}
	lx.pos = end
	return nil
}

func (lx *lexer) lexRaw(open, bodyStart int) error {
	s := lx.src
	i := bodyStart
	for {
		k := strings.Index(s[i:], "{%")
		if k < 0 {
			return lx.errAt(open, "Missing end of raw directive")
		}
		k += i
		if end, ls, _, ok := matchTagWord(s, k, "endraw"); ok {
			body := s[bodyStart:k]
			if ls {
				body = rstripSpace(body)
			}
			lx.emitData(bodyStart, body)
			lx.pos = end
			return nil
		}
		i = k + 2
	}
}

// lexTag lexes the inside of {% %} or {{ }} up to and including its end.
func (lx *lexer) lexTag(block bool) error {
	s := lx.src
	lx.parens = lx.parens[:0]
	for {
		i := skipSpace(s, lx.pos)
		lx.pos = i
		if i >= len(s) {
			return nil // the parser reports the unexpected end
		}
		if len(lx.parens) == 0 {
			if block {
				switch {
				case strings.HasPrefix(s[i:], "-%}"):
					lx.toks = append(lx.toks, token{kind: tBlockEnd, pos: i})
					lx.pos = skipSpace(s, i+3)
					return nil
				case strings.HasPrefix(s[i:], "+%}"):
					lx.toks = append(lx.toks, token{kind: tBlockEnd, pos: i})
					lx.pos = i + 3
					return nil
				case strings.HasPrefix(s[i:], "%}"):
					lx.toks = append(lx.toks, token{kind: tBlockEnd, pos: i})
					lx.pos = i + 2
					return nil
				}
			} else {
				switch {
				case strings.HasPrefix(s[i:], "-}}"):
					lx.toks = append(lx.toks, token{kind: tVarEnd, pos: i})
					lx.pos = skipSpace(s, i+3)
					return nil
				case strings.HasPrefix(s[i:], "}}"):
					lx.toks = append(lx.toks, token{kind: tVarEnd, pos: i})
					lx.pos = i + 2
					return nil
				}
			}
		}
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if err := lx.lexNumber(); err != nil {
				return err
			}
		case c == '\'' || c == '"':
			if err := lx.lexString(); err != nil {
				return err
			}
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf:
			j := i
			for j < len(s) {
				if b := s[j]; b < utf8.RuneSelf {
					// ASCII: what the Unicode classes below allow of it.
					if b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || j > i && b >= '0' && b <= '9' {
						j++
						continue
					}
					break
				}
				r, n := utf8.DecodeRuneInString(s[j:])
				if r == '_' || unicode.IsLetter(r) || (j > i && (unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) || unicode.Is(unicode.Nd, r) || unicode.Is(unicode.Pc, r))) {
					j += n
					continue
				}
				break
			}
			if j == i {
				return lx.errAt(i, "unexpected char "+pyRepr(string([]rune(s[i:])[0]))+" at "+strconv.Itoa(i))
			}
			lx.toks = append(lx.toks, token{kind: tName, val: s[i:j], pos: i})
			lx.pos = j
		default:
			op := ""
			var next byte
			if i+1 < len(s) {
				next = s[i+1]
			}
			switch c {
			case '/', '*':
				if next == c { // // and **
					op = s[i : i+2]
				} else {
					op = s[i : i+1]
				}
			case '=', '!', '>', '<':
				if next == '=' { // == != >= <=
					op = s[i : i+2]
				} else if c != '!' {
					op = s[i : i+1]
				}
			case '+', '-', '%', '~', '[', ']', '(', ')', '{', '}', '.', ':', '|', ',', ';':
				op = s[i : i+1]
			}
			if op == "" {
				r, _ := utf8.DecodeRuneInString(s[i:])
				return lx.errAt(i, "unexpected char "+pyRepr(string(r))+" at "+strconv.Itoa(len([]rune(s[:i]))))
			}
			switch op {
			case "(":
				lx.parens = append(lx.parens, ')')
			case "[":
				lx.parens = append(lx.parens, ']')
			case "{":
				lx.parens = append(lx.parens, '}')
			case ")", "]", "}":
				if len(lx.parens) == 0 {
					return lx.errAt(i, "unexpected '"+op+"'")
				}
				want := lx.parens[len(lx.parens)-1]
				lx.parens = lx.parens[:len(lx.parens)-1]
				if want != op[0] {
					return lx.errAt(i, "unexpected '"+op+"', expected '"+string(want)+"'")
				}
			}
			lx.toks = append(lx.toks, token{kind: tOp, val: op, pos: i})
			lx.pos = i + len(op)
		}
	}
}

func isDigitOrUnderscore(c byte) bool { return c >= '0' && c <= '9' || c == '_' }

// digitsRun matches (\d+_)*\d+ at i and returns its end, or -1.
func digitsRun(s string, i int) int {
	j := i
	for {
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k == j {
			if j == i {
				return -1
			}
			return j - 1 // ended with "_": back off
		}
		j = k
		if j < len(s) && s[j] == '_' && j+1 < len(s) && s[j+1] >= '0' && s[j+1] <= '9' {
			j++
			continue
		}
		return j
	}
}

func (lx *lexer) lexNumber() error {
	s := lx.src
	i := lx.pos
	// float first: (\d+_)*\d+ ( (\.(\d+_)*\d+)? e[+-]?(\d+_)*\d+ | \.(\d+_)*\d+ )
	if i == 0 || s[i-1] != '.' {
		if j := digitsRun(s, i); j > 0 {
			end := -1
			k := j
			frac := false
			if k < len(s) && s[k] == '.' {
				if f := digitsRun(s, k+1); f > 0 {
					k = f
					frac = true
				}
			}
			if k < len(s) && (s[k] == 'e' || s[k] == 'E') {
				e := k + 1
				if e < len(s) && (s[e] == '+' || s[e] == '-') {
					e++
				}
				if d := digitsRun(s, e); d > 0 {
					end = d
				}
			}
			if end < 0 && frac {
				end = k
			}
			if end > 0 {
				lx.toks = append(lx.toks, token{kind: tFloat, val: s[i:end], pos: i})
				lx.pos = end
				return nil
			}
		}
	}
	// integers
	end := i + 1
	base := 10
	if s[i] == '0' && i+1 < len(s) {
		switch s[i+1] | 0x20 {
		case 'b', 'o', 'x':
			b := 16
			switch s[i+1] | 0x20 {
			case 'b':
				b = 2
			case 'o':
				b = 8
			}
			j := i + 2
			for {
				k := j
				if k < len(s) && s[k] == '_' {
					k++
				}
				if k < len(s) && isBaseDigit(s[k], b) {
					j = k + 1
					continue
				}
				break
			}
			if j > i+2 {
				end = j
				base = b
			}
		}
	}
	if base == 10 {
		if s[i] == '0' {
			j := i + 1
			for {
				k := j
				if k < len(s) && s[k] == '_' {
					k++
				}
				if k < len(s) && s[k] == '0' {
					j = k + 1
					continue
				}
				break
			}
			end = j
		} else {
			j := i + 1
			for {
				k := j
				if k < len(s) && s[k] == '_' {
					k++
				}
				if k < len(s) && s[k] >= '0' && s[k] <= '9' {
					j = k + 1
					continue
				}
				break
			}
			end = j
		}
	}
	text := strings.ReplaceAll(s[i:end], "_", "")
	if base != 10 {
		text = text[2:]
	}
	if _, err := strconv.ParseInt(text, base, 64); err != nil {
		if _, ok := new(big.Int).SetString(text, base); !ok {
			return lx.errAt(i, "invalid integer literal "+s[i:end])
		}
	}
	lx.toks = append(lx.toks, token{kind: tInt, val: s[i:end], pos: i})
	lx.pos = end
	return nil
}

func parseFloatInf(text string) float64 {
	f, _ := strconv.ParseFloat(text, 64) // returns ±Inf or 0 with a range error
	return f
}

func isBaseDigit(c byte, base int) bool {
	switch base {
	case 2:
		return c == '0' || c == '1'
	case 8:
		return c >= '0' && c <= '7'
	}
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f'
}

func (lx *lexer) lexString() error {
	s := lx.src
	i := lx.pos
	q := s[i]
	j := i + 1
	for j < len(s) && s[j] != q {
		if s[j] == '\\' {
			j++
		}
		j++
	}
	if j >= len(s) {
		return lx.errAt(i, "unexpected char "+pyRepr(string(q))+" at "+strconv.Itoa(len([]rune(s[:i]))))
	}
	val, err := unescapePython(s[i+1 : j])
	if err != nil {
		return lx.errAt(i, err.Error())
	}
	lx.toks = append(lx.toks, token{kind: tString, val: val, pos: i})
	lx.pos = j + 1
	return nil
}

type strErr string

func (e strErr) Error() string { return string(e) }

// unescapePython decodes backslash escapes the way Python's
// "unicode-escape" codec does; unknown escapes are kept verbatim.
func unescapePython(s string) (string, error) {
	if strings.IndexByte(s, '\\') < 0 {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(s) {
			return "", strErr("\\ at end of string")
		}
		i++
		switch e := s[i]; e {
		case '\n':
		case '\\':
			b.WriteByte('\\')
		case '\'':
			b.WriteByte('\'')
		case '"':
			b.WriteByte('"')
		case 'a':
			b.WriteByte(7)
		case 'b':
			b.WriteByte(8)
		case 'f':
			b.WriteByte(12)
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte(11)
		case '0', '1', '2', '3', '4', '5', '6', '7':
			n := 0
			k := i
			for k < len(s) && k < i+3 && s[k] >= '0' && s[k] <= '7' {
				n = n*8 + int(s[k]-'0')
				k++
			}
			b.WriteRune(rune(n))
			i = k - 1
		case 'x', 'u', 'U':
			w := 8
			switch e {
			case 'x':
				w = 2
			case 'u':
				w = 4
			}
			if i+w >= len(s)+0 && i+w > len(s)-1+1 {
				return "", strErr("truncated \\" + string(e) + strings.Repeat("X", w) + " escape")
			}
			if i+1+w > len(s) {
				return "", strErr("truncated \\" + string(e) + strings.Repeat("X", w) + " escape")
			}
			n, err := strconv.ParseUint(s[i+1:i+1+w], 16, 32)
			if err != nil {
				return "", strErr("truncated \\" + string(e) + strings.Repeat("X", w) + " escape")
			}
			if n > unicode.MaxRune {
				return "", strErr("illegal Unicode character")
			}
			b.WriteRune(rune(n))
			i += w
		default:
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String(), nil
}
