// Package pyyaml writes values as PyYAML's emitter does: dbt's toyaml
// (yaml.safe_dump) and the packages.yml and package-lock.yml dbt deps
// writes (its dbtPackageDumper) are both this emitter.
package pyyaml

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/elt-dev/elt/internal/yamlsafe"
	"github.com/elt-dev/elt/jinja"
)

// Options are the dumper's settings.
type Options struct {
	// SortKeys sorts every mapping's keys (sort_keys=True).
	SortKeys bool
	// IndentSequences indents a mapping's sequences under their key, as
	// dbt's dbtPackageDumper does (PyYAML writes them indentless).
	IndentSequences bool
}

// Timestamp is a value PyYAML represents as a !!timestamp: a date or a
// datetime, written plain as its text.
type Timestamp interface{ YAMLTimestamp() string }

// Dump is PyYAML's yaml.safe_dump(value, sort_keys=...): block style, a
// mapping's sequences not indented ("key:\n- a") unless IndentSequences,
// the first key of a sequence's mapping on the item's line, empty
// collections in flow style ([], {}), scalars plain where PyYAML would read
// them back as the same value and else quoted as its emitter chooses
// (single quotes; double quotes with escapes for what is not printable
// ASCII, as allow_unicode is off), lines folded past 80 columns, and "..."
// after a plain scalar document. It is the subset of PyYAML's emitter
// (yaml/emitter.py) that block output uses. Values are template values
// (*jinja.Dict, *jinja.List, jinja.Tuple, jinja.Markup, jinja.SubStr) or
// plain Go ones (map[string]any, written sorted, []any, string, bool,
// int, int64, *big.Int, float64, nil) and Timestamps.
func Dump(v any, o Options) (string, error) {
	e := &pyEmitter{whitespace: true, indention: true, sortKeys: o.SortKeys, indentSequences: o.IndentSequences}
	if err := e.node(v, 0, ctxRoot); err != nil {
		return "", err
	}
	e.writeIndent(0)
	if e.openEnded {
		e.write("...")
		e.writeIndent(0)
	}
	return e.b.String(), nil
}

// Where a node is written: it decides sequence indentation and the key
// style.
const (
	ctxRoot = iota
	ctxMappingValue
	ctxSequenceItem
	ctxSimpleKey
)

const pyYAMLWidth = 80

type pyEmitter struct {
	b          strings.Builder
	column     int
	whitespace bool // the last character written is whitespace
	indention  bool // only indentation is on the line so far
	openEnded  bool
	sortKeys   bool
	// indentSequences: see Options.
	indentSequences bool
}

func (e *pyEmitter) write(s string) {
	e.b.WriteString(s)
	e.column += len(s)
}

func (e *pyEmitter) lineBreak() {
	e.b.WriteByte('\n')
	e.column = 0
	e.whitespace, e.indention = true, true
}

// writeIndent is the emitter's write_indent: a new line unless the
// current one holds only indentation, then spaces up to indent.
func (e *pyEmitter) writeIndent(indent int) {
	if !e.indention || e.column > indent || (e.column == indent && !e.whitespace) {
		e.lineBreak()
	}
	if e.column < indent {
		e.whitespace = true
		e.write(strings.Repeat(" ", indent-e.column))
	}
}

// indicator is write_indicator: a space before it unless after whitespace.
func (e *pyEmitter) indicator(s string, needSpace, whitespace, indention bool) {
	if !e.whitespace && needSpace {
		s = " " + s
	}
	e.write(s)
	e.whitespace = whitespace
	e.indention = e.indention && indention
	e.openEnded = false
}

// node writes v; indent is the enclosing block's indentation.
func (e *pyEmitter) node(v any, indent int, where int) error {
	switch x := v.(type) {
	case *jinja.Dict, map[string]any:
		keys, vals := dictItems(x, e.sortKeys)
		if len(keys) == 0 {
			e.indicator("{", true, true, false)
			e.indicator("}", false, false, false)
			return nil
		}
		inner := indent + 2
		if where == ctxRoot {
			inner = 0
		}
		for i, k := range keys {
			e.writeIndent(inner)
			if !simpleYAMLKey(k) {
				// PyYAML's complex key: "? key" then ": value".
				e.indicator("?", true, false, true)
				if err := e.node(k, inner, ctxMappingValue); err != nil {
					return err
				}
				e.writeIndent(inner)
				e.indicator(":", true, false, true)
			} else {
				if err := e.node(k, inner, ctxSimpleKey); err != nil {
					return err
				}
				e.indicator(":", false, false, false)
			}
			if err := e.node(vals[i], inner, ctxMappingValue); err != nil {
				return err
			}
		}
		return nil
	case *jinja.List, jinja.Tuple, []any:
		l := seqItems(x)
		if len(l) == 0 {
			e.indicator("[", true, true, false)
			e.indicator("]", false, false, false)
			return nil
		}
		inner := indent + 2
		switch {
		case where == ctxRoot:
			inner = 0
		case where == ctxMappingValue && !e.indention && !e.indentSequences:
			inner = indent // PyYAML's indentless sequence
		}
		for _, it := range l {
			e.writeIndent(inner)
			e.indicator("-", true, false, true)
			if err := e.node(it, inner, ctxSequenceItem); err != nil {
				return err
			}
		}
		return nil
	}
	text, isStr, err := pyYAMLScalar(v)
	if err != nil {
		return err
	}
	e.scalar(text, isStr, indent+2, where)
	return nil
}

// simpleYAMLKey is the emitter's check_simple_key: a scalar that is not
// empty, on one line and shorter, with its tag (!!str...), than 128
// characters, or an empty collection.
func simpleYAMLKey(k any) bool {
	switch x := k.(type) {
	case *jinja.Dict, map[string]any, *jinja.List, jinja.Tuple, []any:
		l := seqItems(x)
		return len(l) == 0
	}
	text, _, err := pyYAMLScalar(k)
	if err != nil || text == "" || strings.Contains(text, "\n") {
		return false
	}
	tag := "!!str"
	switch k.(type) {
	case nil:
		tag = "!!null"
	case bool:
		tag = "!!bool"
	case float64:
		tag = "!!float"
	case int64, int, *big.Int:
		tag = "!!int"
	case Timestamp:
		tag = "!!timestamp"
	}
	return len(tag)+len([]rune(text)) < 128
}

// pyYAMLScalar is a scalar's text as PyYAML's SafeRepresenter gives it,
// and whether it is a str (the others are always written plain).
func pyYAMLScalar(v any) (string, bool, error) {
	switch x := v.(type) {
	case string:
		return x, true, nil
	case jinja.Markup:
		return string(x), true, nil
	case nil:
		return "null", false, nil
	case bool:
		if x {
			return "true", false, nil
		}
		return "false", false, nil
	case int64:
		return strconv.FormatInt(x, 10), false, nil
	case int:
		return strconv.Itoa(x), false, nil
	case *big.Int:
		return x.String(), false, nil
	case float64:
		switch {
		case math.IsNaN(x):
			return ".nan", false, nil
		case math.IsInf(x, 1):
			return ".inf", false, nil
		case math.IsInf(x, -1):
			return "-.inf", false, nil
		}
		s := strings.ToLower(jinja.Repr(x))
		if !strings.Contains(s, ".") && strings.Contains(s, "e") {
			s = strings.Replace(s, "e", ".0e", 1)
		}
		return s, false, nil
	case Timestamp:
		return x.YAMLTimestamp(), false, nil
	}
	if s, ok := v.(fmt.Stringer); ok && isSafeYAMLText(v) {
		return s.String(), true, nil
	}
	return "", false, fmt.Errorf("cannot represent %T as YAML", v)
}

// isSafeYAMLText reports the string subclasses safe_dump writes as str.
func isSafeYAMLText(v any) bool {
	_, ok := v.(jinja.SubStr)
	return ok
}

// scalarAnalysis is the emitter's analyze_scalar, for block context.
type scalarAnalysis struct {
	empty, multiline                    bool
	allowPlain, allowSingle, allowBlock bool
}

func isYAMLSpace(c byte) bool {
	return c == 0 || c == ' ' || c == '\t' || c == '\r' || c == '\n'
}

func analyzeScalar(s string) scalarAnalysis {
	if s == "" {
		return scalarAnalysis{empty: true, allowPlain: true, allowSingle: true}
	}
	var blockIndicators, lineBreaks, special bool
	var leadingSpace, leadingBreak, trailingSpace, trailingBreak, breakSpace, spaceBreak bool
	if strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...") {
		blockIndicators = true
	}
	precededBySpace := true
	followedBySpace := len(s) == 1 || isYAMLSpace(s[1])
	prevSpace, prevBreak := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i == 0 {
			if strings.IndexByte("#,[]{}&*!|>'\"%@`", c) >= 0 {
				blockIndicators = true
			}
			if (c == '?' || c == ':') && followedBySpace {
				blockIndicators = true
			}
			if c == '-' && followedBySpace {
				blockIndicators = true
			}
		} else {
			if c == ':' && followedBySpace {
				blockIndicators = true
			}
			if c == '#' && precededBySpace {
				blockIndicators = true
			}
		}
		if c == '\n' {
			lineBreaks = true
		}
		if c != '\n' && (c < 0x20 || c > 0x7e) {
			// A control character, or (allow_unicode off) any non-ASCII.
			special = true
		}
		switch {
		case c == ' ':
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
		case c == '\n':
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
		precededBySpace = isYAMLSpace(c)
		followedBySpace = i+2 >= len(s) || isYAMLSpace(s[i+2])
	}
	a := scalarAnalysis{multiline: lineBreaks, allowPlain: true, allowSingle: true, allowBlock: true}
	if leadingSpace || leadingBreak || trailingSpace || trailingBreak {
		a.allowPlain = false
	}
	if breakSpace {
		a.allowPlain, a.allowSingle = false, false
	}
	if spaceBreak || special {
		a.allowPlain, a.allowSingle = false, false
	}
	if lineBreaks || blockIndicators {
		a.allowPlain = false
	}
	return a
}

// scalar writes a scalar in the style PyYAML's choose_scalar_style picks;
// indent is where a folded line continues.
func (e *pyEmitter) scalar(s string, isStr bool, indent int, where int) {
	a := analyzeScalar(s)
	simpleKey := where == ctxSimpleKey
	// A str is plain only if PyYAML would read it back as a str.
	implicit := !isStr || yamlsafe.ResolvesToString(s)
	split := !simpleKey
	switch {
	case implicit && !(simpleKey && (a.empty || a.multiline)) && a.allowPlain:
		if where == ctxRoot {
			e.openEnded = true
		}
		e.plain(s, indent, split)
	case a.allowSingle && !(simpleKey && a.multiline):
		e.singleQuoted(s, indent, split)
	default:
		e.doubleQuoted(s, indent, split)
	}
}

func (e *pyEmitter) plain(s string, indent int, split bool) {
	if s == "" {
		return
	}
	if !e.whitespace {
		e.write(" ")
	}
	e.whitespace, e.indention = false, false
	spaces := false
	start := 0
	for end := 0; end <= len(s); end++ {
		atEnd := end == len(s)
		var c byte
		if !atEnd {
			c = s[end]
		}
		if spaces {
			if atEnd || c != ' ' {
				if start+1 == end && e.column > pyYAMLWidth && split {
					e.writeIndent(indent)
					e.whitespace, e.indention = false, false
				} else {
					e.write(s[start:end])
				}
				start = end
			}
		} else if atEnd || c == ' ' {
			e.write(s[start:end])
			start = end
		}
		if !atEnd {
			spaces = c == ' '
		}
	}
}

func (e *pyEmitter) singleQuoted(s string, indent int, split bool) {
	e.indicator("'", true, false, false)
	spaces, breaks := false, false
	start := 0
	for end := 0; end <= len(s); end++ {
		atEnd := end == len(s)
		var c byte
		if !atEnd {
			c = s[end]
		}
		switch {
		case spaces:
			if atEnd || c != ' ' {
				if start+1 == end && e.column > pyYAMLWidth && split && start != 0 && end != len(s) {
					e.writeIndent(indent)
				} else {
					e.write(s[start:end])
				}
				start = end
			}
		case breaks:
			if atEnd || c != '\n' {
				if s[start] == '\n' {
					e.lineBreak()
				}
				for range s[start:end] {
					e.lineBreak()
				}
				e.writeIndent(indent)
				start = end
			}
		default:
			if (atEnd || c == ' ' || c == '\'' || c == '\n') && start < end {
				e.write(s[start:end])
				start = end
			}
		}
		if c == '\'' && !atEnd {
			e.write("''")
			start = end + 1
		}
		if !atEnd {
			spaces, breaks = c == ' ', c == '\n'
		}
	}
	e.indicator("'", false, false, false)
}

var yamlEscapes = map[rune]string{0: "0", 0x07: "a", 0x08: "b", 0x09: "t", 0x0a: "n", 0x0b: "v", 0x0c: "f",
	0x0d: "r", 0x1b: "e", '"': "\"", '\\': "\\", 0x85: "N", 0xa0: "_", 0x2028: "L", 0x2029: "P"}

func (e *pyEmitter) doubleQuoted(s string, indent int, split bool) {
	e.indicator("\"", true, false, false)
	text := []rune(s)
	start := 0
	for end := 0; end <= len(text); end++ {
		atEnd := end == len(text)
		var c rune
		if !atEnd {
			c = text[end]
		}
		if atEnd || c == '"' || c == '\\' || c < 0x20 || c > 0x7e {
			if start < end {
				e.write(string(text[start:end]))
				start = end
			}
			if !atEnd {
				esc, ok := yamlEscapes[c]
				switch {
				case ok:
					esc = "\\" + esc
				case c <= 0xff:
					esc = fmt.Sprintf("\\x%02X", c)
				case c <= 0xffff:
					esc = fmt.Sprintf("\\u%04X", c)
				default:
					esc = fmt.Sprintf("\\U%08X", c)
				}
				e.write(esc)
				start = end + 1
			}
		}
		if end > 0 && end < len(text)-1 && (c == ' ' || start >= end) && e.column+(end-start) > pyYAMLWidth && split {
			data := "\\"
			if start < end {
				data = string(text[start:end]) + data
				start = end
			}
			e.write(data)
			e.writeIndent(indent)
			e.whitespace, e.indention = false, false
			if text[start] == ' ' {
				e.write("\\")
			}
		}
	}
	e.indicator("\"", false, false, false)
}

// seqItems are a sequence's items.
func seqItems(v any) []any {
	switch x := v.(type) {
	case *jinja.List:
		return x.Items
	case jinja.Tuple:
		return x
	case []any:
		return x
	case *jinja.Dict:
		return x.Keys()
	case map[string]any:
		return make([]any, len(x))
	}
	return nil
}

// dictItems returns a mapping's keys and values: in insertion order for a
// template dict, sorted for a Go map (which has no order), or sorted when
// sortKeys.
func dictItems(v any, sortKeys bool) ([]any, []any) {
	var keys, vals []any
	switch x := v.(type) {
	case *jinja.Dict:
		keys, vals = x.Keys(), x.Values()
	case map[string]any:
		names := make([]string, 0, len(x))
		for k := range x {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			keys = append(keys, k)
			vals = append(vals, x[k])
		}
		return keys, vals
	}
	if sortKeys {
		idx := make([]int, len(keys))
		for i := range idx {
			idx[i] = i
		}
		str := func(k any) string { s, _ := jinja.Str(k); return s }
		sort.SliceStable(idx, func(a, b int) bool { return str(keys[idx[a]]) < str(keys[idx[b]]) })
		k2, v2 := make([]any, len(keys)), make([]any, len(keys))
		for i, j := range idx {
			k2[i], v2[i] = keys[j], vals[j]
		}
		keys, vals = k2, v2
	}
	return keys, vals
}
