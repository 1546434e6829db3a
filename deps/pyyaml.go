package deps

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/elt-dev/elt/internal/lazyre"
)

// pyYAMLDump writes v as dbt writes package-lock.yml and packages.yml:
// PyYAML's yaml.dump with sort_keys, block style, sequences indented under
// their key (dbt's dbtPackageDumper), strings quoted only where YAML 1.1
// would read them as something else, long scalars folded at column 80.
func pyYAMLDump(v any) string {
	e := &pyEmitter{}
	e.node(v, 0, false)
	if e.col > 0 {
		e.b.WriteByte('\n')
	}
	return e.b.String()
}

const pyBestWidth = 80

type pyEmitter struct {
	b   strings.Builder
	col int
}

func (e *pyEmitter) write(s string) {
	e.b.WriteString(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		e.col = len(s) - i - 1
	} else {
		e.col += len(s)
	}
}

func (e *pyEmitter) newline(indent int) {
	e.b.WriteByte('\n')
	e.col = 0
	e.write(strings.Repeat(" ", indent))
}

// node writes v at indent. inline says the cursor already sits where the
// node starts (after "- "); otherwise a line is started.
func (e *pyEmitter) node(v any, indent int, inline bool) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			e.write("{}")
			return
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			if i > 0 || !inline {
				if e.col > 0 || e.b.Len() > 0 {
					e.newline(indent)
				}
			}
			e.write(pyScalar(k, e.col, indent+2, true))
			e.write(":")
			val := x[k]
			switch c := val.(type) {
			case map[string]any:
				if len(c) == 0 {
					e.write(" {}")
					continue
				}
				e.node(c, indent+2, false)
			case []any:
				if len(c) == 0 {
					e.write(" []")
					continue
				}
				e.node(c, indent+2, false)
			default:
				e.write(" ")
				e.write(pyScalar(val, e.col, indent+2, false))
			}
		}
	case []any:
		if len(x) == 0 {
			e.write("[]")
			return
		}
		for i, item := range x {
			if i > 0 || !inline {
				e.newline(indent)
			}
			e.write("- ")
			switch c := item.(type) {
			case map[string]any, []any:
				e.node(c, indent+2, true)
			default:
				e.write(pyScalar(item, e.col, indent+2, false))
			}
		}
	default:
		e.write(pyScalar(v, e.col, indent+2, false))
	}
}

// pyScalar renders one scalar as PyYAML's representer and emitter would.
// col is the column where it starts, indent that of folded lines.
func pyScalar(v any, col, indent int, key bool) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		if x {
			return "true"
		}
		return "false"
	case int:
		return strconv.Itoa(x)
	case float64:
		s := strings.ToLower(pyStr(x))
		switch s {
		case "inf":
			return ".inf"
		case "-inf":
			return "-.inf"
		case "nan":
			return ".nan"
		}
		if !strings.Contains(s, ".") && strings.Contains(s, "e") {
			s = strings.Replace(s, "e", ".0e", 1)
		}
		return s
	case string:
		return pyString(x, col, indent, key)
	}
	return pyString(fmt.Sprint(v), col, indent, key)
}

var (
	yamlBoolRE  = lazyre.New(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	yamlFloatRE = lazyre.New(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	yamlIntRE   = lazyre.New(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	yamlNullRE  = lazyre.New(`^(?:~|null|Null|NULL|)$`)
	yamlTimeRE  = lazyre.New(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$`)
)

// resolvesToStr reports whether PyYAML would read s, written plain, back as
// a string (its YAML 1.1 implicit resolvers).
func resolvesToStr(s string) bool {
	return !(yamlBoolRE().MatchString(s) || yamlFloatRE().MatchString(s) || yamlIntRE().MatchString(s) ||
		yamlNullRE().MatchString(s) || yamlTimeRE().MatchString(s) || s == "<<" || s == "=")
}

func isYAMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0 }

// plainAllowed is PyYAML's analyze_scalar for block context, without unicode.
func plainAllowed(s string) (plain, single bool) {
	if s == "" {
		return false, true
	}
	blockInd := strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...")
	special, lineBreaks := false, false
	leadingSpace, trailingSpace, leadingBreak, trailingBreak, breakSpace, spaceBreak := false, false, false, false, false, false
	prevSpace, prevBreak := false, false
	preceded := true
	followed := len(s) == 1 || isYAMLSpace(s[1])
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i == 0 {
			if strings.IndexByte("#,[]{}&*!|>'\"%@`", c) >= 0 {
				blockInd = true
			}
			if (c == '?' || c == ':') && followed {
				blockInd = true
			}
			if c == '-' && followed {
				blockInd = true
			}
		} else {
			if c == ':' && followed {
				blockInd = true
			}
			if c == '#' && preceded {
				blockInd = true
			}
		}
		if c == '\n' {
			lineBreaks = true
		}
		if !(c == '\n' || c >= 0x20 && c <= 0x7e) {
			special = true
		}
		switch c {
		case ' ':
			if i == 0 {
				leadingSpace = true
			}
			if i == len(s)-1 {
				trailingSpace = true
			}
			if prevBreak {
				breakSpace = true
			}
			prevSpace, prevBreak = true, false
		case '\n':
			if i == 0 {
				leadingBreak = true
			}
			if i == len(s)-1 {
				trailingBreak = true
			}
			if prevSpace {
				spaceBreak = true
			}
			prevSpace, prevBreak = false, true
		default:
			prevSpace, prevBreak = false, false
		}
		preceded = isYAMLSpace(c)
		followed = i+2 >= len(s) || isYAMLSpace(s[i+2])
	}
	plain, single = true, true
	if leadingSpace || leadingBreak || trailingSpace || trailingBreak {
		plain = false
	}
	if breakSpace {
		plain, single = false, false
	}
	if spaceBreak || special {
		plain, single = false, false
	}
	if lineBreaks || blockInd {
		plain = false
	}
	return plain, single
}

func pyString(s string, col, indent int, key bool) string {
	plain, single := plainAllowed(s)
	if plain && resolvesToStr(s) {
		return fold(s, col, indent, !key, false)
	}
	if single && !(key && strings.Contains(s, "\n")) {
		return fold(s, col, indent, !key, true)
	}
	return strconv.QuoteToASCII(s)
}

// fold writes s plain or single-quoted, breaking lines at single spaces once
// past column 80, as PyYAML's write_plain and write_single_quoted do.
func fold(s string, col, indent int, split, quoted bool) string {
	var b strings.Builder
	if quoted {
		b.WriteByte('\'')
		col++
	}
	start := 0
	spaces := false
	for end := 0; end <= len(s); end++ {
		var c byte
		atEnd := end == len(s)
		if !atEnd {
			c = s[end]
		}
		if spaces {
			if atEnd || c != ' ' {
				canBreak := start+1 == end && col > pyBestWidth && split
				if quoted {
					canBreak = canBreak && start != 0 && end != len(s)
				}
				if canBreak {
					b.WriteByte('\n')
					b.WriteString(strings.Repeat(" ", indent))
					col = indent
				} else {
					b.WriteString(s[start:end])
					col += end - start
				}
				start = end
			}
		} else if atEnd || c == ' ' || (quoted && c == '\'') {
			if start < end {
				b.WriteString(s[start:end])
				col += end - start
				start = end
			}
		}
		if quoted && !atEnd && c == '\'' {
			b.WriteString("''")
			col += 2
			start = end + 1
		}
		if !atEnd {
			spaces = c == ' '
		}
	}
	if quoted {
		b.WriteByte('\'')
	}
	return b.String()
}
