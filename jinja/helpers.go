package jinja

import (
	"html"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

func htmlUnescape(s string) string { return html.UnescapeString(s) }

func sortStrings(s []string) { sort.Strings(s) }

// pformat approximates Python's pprint.pformat (width 80, dicts sorted).
func pformat(v any, indent int) string {
	rep := pprintRepr(v)
	if len(rep)+indent <= 80 {
		return rep
	}
	pad := strings.Repeat(" ", indent+1)
	switch x := v.(type) {
	case *Dict, map[string]any:
		d, _ := toDict(x)
		keys, vals := sortedDictItems(d)
		var parts []string
		for i := range keys {
			kr := pprintRepr(keys[i])
			parts = append(parts, kr+": "+pformat(vals[i], indent+1+len(kr)+2))
		}
		return "{" + strings.Join(parts, ",\n"+pad) + "}"
	case *List, []any, Tuple:
		items, _ := seqItems(x)
		open, close := "[", "]"
		if _, ok := x.(Tuple); ok {
			open, close = "(", ")"
			if len(items) == 1 {
				close = ",)"
			}
		}
		var parts []string
		for _, it := range items {
			parts = append(parts, pformat(it, indent+1))
		}
		return open + strings.Join(parts, ",\n"+pad) + close
	}
	return rep
}

func sortedDictItems(d *Dict) ([]any, []any) {
	keys := d.Keys()
	vals := d.Values()
	idx := make([]int, len(keys))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		c, err := compare(keys[idx[a]], keys[idx[b]], "<")
		if err != nil {
			return repr(keys[idx[a]]) < repr(keys[idx[b]])
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
	httpRe  = regexp.MustCompile(`(?i)^(((https?://|www\.)(([\w%-]+\.)+)?([a-z]{2,63}|xn--[\w%]{2,59})|([\w%-]{2,63}\.)+(com|net|int|edu|gov|org|info|mil)|(https?://)((([\d]{1,3})(\.[\d]{1,3}){3})|(\[([\da-f]{0,4}:){2}([\da-f]{0,4}:?){1,6}])))(?::[\d]{1,5})?(?:[/?#]\S*)?)$`)
	emailRe = regexp.MustCompile(`^\S+@\w[\w.-]*\.\w+$`)
	leadRe  = regexp.MustCompile(`^(?:[(<]|&lt;)+`)
	tailRe  = regexp.MustCompile(`(?:[)>.,\n]|&gt;)+$`)
	spaceRe = regexp.MustCompile(`\s+`)
)

func urlize(text string, limit int64, relAttr, targetAttr string) string {
	text = escapeHTML(text)
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
		if m := leadRe.FindString(middle); m != "" {
			head = m
			middle = middle[len(m):]
		}
		if m := tailRe.FindStringIndex(middle); m != nil {
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
		case httpRe.MatchString(middle):
			if strings.HasPrefix(middle, "https://") || strings.HasPrefix(middle, "http://") {
				middle = `<a href="` + middle + `"` + relAttr + targetAttr + `>` + trim(middle) + `</a>`
			} else {
				middle = `<a href="https://` + middle + `"` + relAttr + targetAttr + `>` + trim(middle) + `</a>`
			}
		case strings.HasPrefix(middle, "mailto:") && emailRe.MatchString(middle[7:]):
			middle = `<a href="` + middle + `">` + middle[7:] + `</a>`
		case strings.Contains(middle, "@") && !strings.HasPrefix(middle, "www.") && !strings.HasPrefix(middle, "@") &&
			!strings.Contains(middle, ":") && emailRe.MatchString(middle):
			middle = `<a href="mailto:` + middle + `">` + middle + `</a>`
		}
		b.WriteString(head + middle + tail)
	}
	for _, m := range spaceRe.FindAllStringIndex(text, -1) {
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
	var chunks []string
	cur := []rune{}
	inSpace := false
	flush := func() {
		if len(cur) > 0 {
			chunks = append(chunks, string(cur))
			cur = cur[:0]
		}
	}
	rs := []rune(text)
	for i, r := range rs {
		sp := unicode.IsSpace(r)
		if sp != inSpace {
			flush()
			inSpace = sp
		}
		cur = append(cur, r)
		if !sp && breakHyphens && r == '-' && i > 0 && unicode.IsLetter(rs[i-1]) && i+1 < len(rs) && unicode.IsLetter(rs[i+1]) {
			flush()
		}
	}
	flush()
	var lines []string
	if width <= 0 {
		width = 1
	}
	i := 0
	for i < len(chunks) {
		var line []string
		n := 0
		// drop leading whitespace
		if strings.TrimSpace(chunks[i]) == "" && len(lines) > 0 {
			i++
			continue
		}
		for i < len(chunks) {
			l := runeLen(chunks[i])
			if n+l <= width {
				line = append(line, chunks[i])
				n += l
				i++
				continue
			}
			break
		}
		if i < len(chunks) && runeLen(chunks[i]) > width {
			if breakLong {
				room := width - n
				if room < 1 {
					room = 1
				}
				if n == 0 || room > 0 {
					r := []rune(chunks[i])
					if room > len(r) {
						room = len(r)
					}
					if n < width {
						line = append(line, string(r[:room]))
						chunks[i] = string(r[room:])
					}
				}
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
		} else if i < len(chunks) && len(line) == 0 && strings.TrimSpace(chunks[i]) == "" {
			i++
		}
	}
	return lines
}

func sortInts(idx []int, less func(a, b int) bool) {
	sort.SliceStable(idx, func(i, j int) bool { return less(idx[i], idx[j]) })
}
