package compiler

import (
	"regexp"
	"strings"
	"testing"
)

// TestMacroSourceAt compares macroSourceAt with the straightforward cut
// it replaces (split into lines, join the rest, search it).
func TestMacroSourceAt(t *testing.T) {
	reference := func(src string, line int) string {
		lines := strings.SplitAfter(src, "\n")
		if line < 1 || line > len(lines) {
			return ""
		}
		rest := strings.Join(lines[line-1:], "")
		start := strings.Index(rest, "{%")
		if start < 0 {
			return ""
		}
		endRe := regexp.MustCompile(`\{%-?\s*end(macro|test)\s*-?%\}`)
		if loc := endRe.FindStringIndex(rest); loc != nil {
			return rest[start:loc[1]]
		}
		return rest[start:]
	}
	srcs := []string{
		"",
		"\n",
		"{% macro a() %}x{% endmacro %}",
		"{% macro a() %}x{% endmacro %}\n",
		"text\n{% macro a() -%}\n  x\n{%- endmacro %}\n\n{% test t(model) %}\nselect 1\n{% endtest %}\n",
		"{% macro open() %}never closed\n",
		"no tags at all\nsecond line",
	}
	for _, f := range builtinMacroFiles() {
		srcs = append(srcs, f.Contents)
	}
	for i, src := range srcs {
		starts := lineStarts(src)
		for line := -1; line <= strings.Count(src, "\n")+3; line++ {
			if want, got := reference(src, line), macroSourceAt(src, starts, line); want != got {
				t.Fatalf("source %d, line %d:\nwant %q\ngot  %q", i, line, want, got)
			}
		}
	}
}
