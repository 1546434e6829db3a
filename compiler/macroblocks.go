package compiler

import "strings"

// macroFileBlocks are the top-level blocks dbt reads from a macro file.
var macroFileBlocks = map[string]bool{"macro": true, "materialization": true, "test": true, "data_test": true}

// macroBlocksOnly is a macro file as dbt reads it: its top-level macro,
// materialization and test blocks, with what lies between them blanked
// (its lines kept, so positions stay). dbt extracts those blocks and
// parses each alone, so text, expressions and tags outside them are never
// parsed: re_data's `{% https://github.com/... %}` at the top of a file is
// no error there. A block left open keeps the rest of the file, for the
// parser to report.
func macroBlocksOnly(src string) string {
	var out strings.Builder
	out.Grow(len(src))
	newlines := func(s string) { out.WriteString(strings.Repeat("\n", strings.Count(s, "\n"))) }
	outside, start := 0, 0 // where the text outside blocks began; where the open block began
	current := ""          // the open block's name
	for i := 0; i < len(src); {
		open := strings.IndexByte(src[i:], '{')
		if open < 0 || i+open+1 >= len(src) {
			break
		}
		at := i + open
		switch src[at+1] {
		case '#':
			i = skipPast(src, at+2, "#}")
		case '{':
			i = skipQuoted(src, at+2, "}}")
		case '%':
			end := skipQuoted(src, at+2, "%}")
			switch name := tagName(src[at+2 : end]); {
			case name == "raw":
				i = skipPast(src, skipPast(src, end, "endraw"), "%}")
			case current == "" && macroFileBlocks[name]:
				newlines(src[outside:at])
				current, start, i = name, at, end
			case current != "" && name == "end"+current:
				out.WriteString(src[start:end])
				current, outside, i = "", end, end
			default:
				i = end
			}
		default:
			i = at + 1
		}
	}
	if current != "" {
		out.WriteString(src[start:])
	} else {
		newlines(src[outside:])
	}
	return out.String()
}

// skipPast is the position after the first end at or after from, or the
// end of src.
func skipPast(src string, from int, end string) int {
	if from >= len(src) {
		return len(src)
	}
	if j := strings.Index(src[from:], end); j >= 0 {
		return from + j + len(end)
	}
	return len(src)
}

// skipQuoted is skipPast for a tag or an expression, whose quoted strings
// may hold its end.
func skipQuoted(src string, from int, end string) int {
	for i := from; i < len(src); i++ {
		switch c := src[i]; {
		case c == '\'' || c == '"':
			for i++; i < len(src) && src[i] != c; i++ {
				if src[i] == '\\' {
					i++
				}
			}
		case strings.HasPrefix(src[i:], end):
			return i + len(end)
		}
	}
	return len(src)
}

// tagName is the name a tag's text begins with, after its whitespace
// control.
func tagName(s string) string {
	s = strings.TrimLeft(s, "-+ \t\r\n")
	n := 0
	for n < len(s) && (s[n] == '_' || 'a' <= s[n] && s[n] <= 'z' || 'A' <= s[n] && s[n] <= 'Z' || n > 0 && '0' <= s[n] && s[n] <= '9') {
		n++
	}
	return s[:n]
}
