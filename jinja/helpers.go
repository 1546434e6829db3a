package jinja

import (
	"html"
	"sort"
	"strings"
	"unicode"

	"github.com/elt-dev/elt/internal/lazyre"
)

func htmlUnescape(s string) string { return html.UnescapeString(s) }

func sortStrings(s []string) { sort.Strings(s) }

// pformat is Python's pprint.pformat(v) (width 80, dicts sorted), following
// PrettyPrinter._format and its _pprint_dict, _pprint_list,
// _pprint_tuple and _pprint_str.
func pformat(v any, _ int) string {
	var b strings.Builder
	ppFormat(&b, v, 0, 0, 0)
	return b.String()
}

const ppWidth = 80

func ppFormat(b *strings.Builder, v any, indent, allowance, level int) {
	rep := pprintRepr(v)
	if runeLen(rep) > ppWidth-indent-allowance {
		switch x := v.(type) {
		case *Dict, map[string]any:
			d, _ := toDict(x)
			b.WriteByte('{')
			if d.Len() > 0 {
				keys, vals := sortedDictItems(d)
				indent++
				for i := range keys {
					last := i == len(keys)-1
					kr := pprintRepr(keys[i])
					b.WriteString(kr)
					b.WriteString(": ")
					a := 1
					if last {
						a = allowance + 1
					}
					ppFormat(b, vals[i], indent+runeLen(kr)+2, a, level+1)
					if !last {
						b.WriteString(",\n" + strings.Repeat(" ", indent))
					}
				}
			}
			b.WriteByte('}')
			return
		case *List, []any:
			if l, ok := x.(*List); ok && l.rng != nil {
				break
			}
			items, _ := seqItems(x)
			b.WriteByte('[')
			ppItems(b, items, indent, allowance+1, level+1)
			b.WriteByte(']')
			return
		case Tuple:
			end := ")"
			if len(x) == 1 {
				end = ",)"
			}
			b.WriteByte('(')
			ppItems(b, x, indent, allowance+len(end), level+1)
			b.WriteString(end)
			return
		case string:
			ppStr(b, x, indent, allowance, level+1)
			return
		}
	}
	b.WriteString(rep)
}

func ppItems(b *strings.Builder, items []any, indent, allowance, level int) {
	indent++
	for i, it := range items {
		if i > 0 {
			b.WriteString(",\n" + strings.Repeat(" ", indent))
		}
		a := 1
		if i == len(items)-1 {
			a = allowance
		}
		ppFormat(b, it, indent, a, level)
	}
}

var ppWords = lazyre.New(`\S*\s*`)

func ppStr(b *strings.Builder, s string, indent, allowance, level int) {
	if s == "" {
		b.WriteString(pyRepr(s))
		return
	}
	linesV, _ := strMethod(nil, s, "splitlines", []any{true}, nil)
	lines := linesV.(*List).Items
	if level == 1 {
		indent++
		allowance++
	}
	maxWidth := ppWidth - indent
	maxWidth1 := maxWidth
	var chunks []string
	rep := ""
	for i, l := range lines {
		line := l.(string)
		rep = pyRepr(line)
		last := i == len(lines)-1
		if last {
			maxWidth1 -= allowance
		}
		if runeLen(rep) <= maxWidth1 {
			chunks = append(chunks, rep)
			continue
		}
		parts := ppWords().FindAllString(line, -1)
		for len(parts) > 0 && parts[len(parts)-1] == "" {
			parts = parts[:len(parts)-1]
		}
		maxWidth2 := maxWidth
		current := ""
		for j, part := range parts {
			candidate := current + part
			if j == len(parts)-1 && last {
				maxWidth2 -= allowance
			}
			if runeLen(pyRepr(candidate)) > maxWidth2 {
				if current != "" {
					chunks = append(chunks, pyRepr(current))
				}
				current = part
			} else {
				current = candidate
			}
		}
		if current != "" {
			chunks = append(chunks, pyRepr(current))
		}
	}
	if len(chunks) == 1 {
		b.WriteString(rep)
		return
	}
	if level == 1 {
		b.WriteByte('(')
	}
	for i, c := range chunks {
		if i > 0 {
			b.WriteString("\n" + strings.Repeat(" ", indent))
		}
		b.WriteString(c)
	}
	if level == 1 {
		b.WriteByte(')')
	}
}

func sortedDictItems(d *Dict) ([]any, []any) {
	keys := d.Keys()
	vals := d.Values()
	idx := make([]int, len(keys))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ka, kb := keys[idx[a]], keys[idx[b]]
		c, err := compare(ka, kb, "<")
		if err != nil {
			// pprint's _safe_key: keys that do not compare go by
			// str(type(key)), then by id(), which nothing can follow.
			return classRepr(ka) < classRepr(kb)
		}
		return c < 0
	})
	ks := make([]any, len(keys))
	vs := make([]any, len(keys))
	for i, j := range idx {
		ks[i], vs[i] = keys[j], vals[j]
	}
	return ks, vs
}

// classRepr is Python's str(type(v)) for a value that can be a dict key:
// "<class 'int'>", "<class 'NoneType'>", "<class 'markupsafe.Markup'>".
func classRepr(v any) string {
	name := typeName(v)
	if _, ok := v.(Markup); ok {
		name = "markupsafe.Markup"
	}
	return "<class '" + name + "'>"
}

func pprintRepr(v any) string {
	switch x := v.(type) {
	case *Dict, map[string]any:
		d, _ := toDict(x)
		keys, vals := sortedDictItems(d)
		var b strings.Builder
		b.WriteByte('{')
		for i := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(pprintRepr(keys[i]) + ": " + pprintRepr(vals[i]))
		}
		b.WriteByte('}')
		return b.String()
	case *List, []any, Tuple:
		items, _ := seqItems(x)
		parts := make([]string, len(items))
		for i, it := range items {
			parts[i] = pprintRepr(it)
		}
		if _, ok := x.(Tuple); ok {
			if len(items) == 1 {
				return "(" + parts[0] + ",)"
			}
			return "(" + strings.Join(parts, ", ") + ")"
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return repr(v)
}

var (
	httpRe  = lazyre.New(`(?i)^(((https?://|www\.)(([\w%-]+\.)+)?([a-z]{2,63}|xn--[\w%]{2,59})|([\w%-]{2,63}\.)+(com|net|int|edu|gov|org|info|mil)|(https?://)((([\d]{1,3})(\.[\d]{1,3}){3})|(\[([\da-f]{0,4}:){2}([\da-f]{0,4}:?){1,6}])))(?::[\d]{1,5})?(?:[/?#]\S*)?)$`)
	emailRe = lazyre.New(`^\S+@\w[\w.-]*\.\w+$`)
	leadRe  = lazyre.New(`^(?:[(<]|&lt;)+`)
	tailRe  = lazyre.New(`(?:[)>.,\n]|&gt;)+$`)
	spaceRe = lazyre.New(`\s+`)
)

// urlize is Jinja2's utils.urlize: text is escaped first unless it is
// markup already (markupsafe.escape leaves Markup as it is).
func urlize(text string, escaped bool, limit int64, relAttr, targetAttr string, extraSchemes []string) string {
	if !escaped {
		text = escapeHTML(text)
	}
	trim := func(x string) string {
		if limit >= 0 && int64(runeLen(x)) > limit {
			return string([]rune(x)[:limit]) + "..."
		}
		return x
	}
	var b strings.Builder
	last := 0
	process := func(word string) {
		head, middle, tail := "", word, ""
		if m := leadRe().FindString(middle); m != "" {
			head = m
			middle = middle[len(m):]
		}
		if m := tailRe().FindStringIndex(middle); m != nil {
			tail = middle[m[0]:]
			middle = middle[:m[0]]
		}
		for _, pair := range [][2]string{{"(", ")"}, {"<", ">"}, {"&lt;", "&gt;"}} {
			sc := strings.Count(middle, pair[0])
			if sc <= strings.Count(middle, pair[1]) {
				continue
			}
			n := strings.Count(tail, pair[1])
			if sc < n {
				n = sc
			}
			for i := 0; i < n; i++ {
				end := strings.Index(tail, pair[1]) + len(pair[1])
				middle += tail[:end]
				tail = tail[end:]
			}
		}
		switch {
		case httpRe().MatchString(middle):
			if strings.HasPrefix(middle, "https://") || strings.HasPrefix(middle, "http://") {
				middle = `<a href="` + middle + `"` + relAttr + targetAttr + `>` + trim(middle) + `</a>`
			} else {
				middle = `<a href="https://` + middle + `"` + relAttr + targetAttr + `>` + trim(middle) + `</a>`
			}
		case strings.HasPrefix(middle, "mailto:") && emailRe().MatchString(middle[7:]):
			middle = `<a href="` + middle + `">` + middle[7:] + `</a>`
		case strings.Contains(middle, "@") && !strings.HasPrefix(middle, "www.") && !strings.HasPrefix(middle, "@") &&
			!strings.Contains(middle, ":") && emailRe().MatchString(middle):
			middle = `<a href="mailto:` + middle + `">` + middle + `</a>`
		default:
			for _, scheme := range extraSchemes {
				if middle != scheme && strings.HasPrefix(middle, scheme) {
					middle = `<a href="` + middle + `"` + relAttr + targetAttr + `>` + middle + `</a>`
				}
			}
		}
		b.WriteString(head + middle + tail)
	}
	for _, m := range spaceRe().FindAllStringIndex(text, -1) {
		process(text[last:m[0]])
		b.WriteString(text[m[0]:m[1]])
		last = m[1]
	}
	process(text[last:])
	return b.String()
}

// textWrap approximates Python's textwrap.wrap with expand_tabs=False and
// replace_whitespace=False.
func textWrap(text string, width int, breakLong, breakHyphens bool) []string {
	chunks := wrapChunks([]rune(text), breakHyphens)
	// textwrap.TextWrapper._wrap_chunks, with drop_whitespace and no indent
	var lines []string
	i := 0
	for i < len(chunks) {
		var line []string
		n := 0
		if strings.TrimSpace(chunks[i]) == "" && len(lines) > 0 {
			i++ // whitespace at the start of a line (but the first) goes
			if i >= len(chunks) {
				break
			}
		}
		for i < len(chunks) && n+runeLen(chunks[i]) <= width {
			line = append(line, chunks[i])
			n += runeLen(chunks[i])
			i++
		}
		if i < len(chunks) && runeLen(chunks[i]) > width {
			// _handle_long_word: with no room left it appends an empty
			// piece, so the whitespace before it is not dropped below.
			room := width - n
			if width < 1 {
				room = 1
			}
			if breakLong {
				r := []rune(chunks[i])
				end := room
				if breakHyphens && len(r) > room {
					if h := strings.LastIndex(string(r[:room]), "-"); h > 0 {
						hr := runeLen(string(r[:room])[:h])
						if strings.Trim(string(r[:hr]), "-") != "" {
							end = hr + 1
						}
					}
				}
				line = append(line, string(r[:end]))
				chunks[i] = string(r[end:])
			} else if len(line) == 0 {
				line = append(line, chunks[i])
				i++
			}
		}
		if len(line) > 0 && strings.TrimSpace(line[len(line)-1]) == "" {
			line = line[:len(line)-1]
		}
		if len(line) > 0 {
			lines = append(lines, strings.Join(line, ""))
		}
	}
	return lines
}

func sortInts(idx []int, less func(a, b int) bool) {
	sort.SliceStable(idx, func(i, j int) bool { return less(idx[i], idx[j]) })
}

// textwrap's whitespace is ASCII only.
func wrapSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\v' || r == '\f' || r == '\r'
}

// wrapLetter is textwrap's letter class, [^\d\W].
func wrapLetter(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

func wrapWordChar(r rune) bool { return wrapLetter(r) || unicode.IsDigit(r) }

// wrapPunct is textwrap's word_punct class, [\w!"'&.,?].
func wrapPunct(r rune) bool { return wrapWordChar(r) || strings.ContainsRune(`!"'&.,?`, r) }

// wrapChunks splits text as TextWrapper._split does: runs of whitespace
// and words, where with breakHyphens a word also ends after a hyphen
// between letters (wordsep_re).
func wrapChunks(t []rune, breakHyphens bool) []string {
	var chunks []string
	n := len(t)
	at := func(i int) rune {
		if i < 0 || i >= n {
			return -1
		}
		return t[i]
	}
	isL := func(i int) bool { r := at(i); return r >= 0 && wrapLetter(r) }
	gap := 0 // start of text no alternative matched
	i := 0
	emit := func(from, to int) {
		if gap < from {
			chunks = append(chunks, string(t[gap:from]))
		}
		chunks = append(chunks, string(t[from:to]))
		gap = to
	}
	for i < n {
		if wrapSpace(t[i]) {
			j := i
			for j < n && wrapSpace(t[j]) {
				j++
			}
			emit(i, j)
			i = j
			continue
		}
		if !breakHyphens {
			j := i
			for j < n && !wrapSpace(t[j]) {
				j++
			}
			emit(i, j)
			i = j
			continue
		}
		// em-dash between words: (?<=wp) -{2,} (?=\w)
		if t[i] == '-' && i > 0 && wrapPunct(t[i-1]) {
			j := i
			for j < n && t[j] == '-' {
				j++
			}
			if j-i >= 2 && j < n && wrapWordChar(t[j]) {
				emit(i, j)
				i = j
				continue
			}
		}
		// a word: nws+? followed by a hyphen break, the end of the word
		// or an em-dash
		end := -1
		for k := i + 1; k <= n && !wrapSpace(t[k-1]); k++ {
			if k == n || wrapSpace(t[k]) {
				end = k
				break
			}
			if t[k] == '-' {
				if (isL(k-2) && isL(k-1) || isL(k-3) && at(k-2) == '-' && isL(k-1)) &&
					isL(k+1) && (isL(k+2) || at(k+2) == '-' && isL(k+3)) {
					end = k + 1
					break
				}
				if wrapPunct(t[k-1]) && at(k+1) == '-' {
					j := k
					for j < n && t[j] == '-' {
						j++
					}
					if j < n && wrapWordChar(t[j]) {
						end = k
						break
					}
				}
			}
		}
		if end < 0 {
			i++ // no match here: the character joins the text between matches
			continue
		}
		emit(i, end)
		i = end
	}
	if gap < n {
		chunks = append(chunks, string(t[gap:]))
	}
	return chunks
}
