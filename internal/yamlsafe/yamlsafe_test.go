package yamlsafe

import (
	"fmt"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func bomb(levels int) string {
	var b strings.Builder
	b.WriteString("l0: &a0 [x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= levels; i++ {
		refs := strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 9), ", ")
		fmt.Fprintf(&b, "l%d: &a%d [%s]\n", i, i, refs)
	}
	return b.String()
}

func TestTooLarge(t *testing.T) {
	for _, c := range []struct {
		src      string
		tooLarge bool
		line     int
	}{
		{"a: &x {k: v}\nb: *x\nc: [*x, *x]\n", false, 0},
		{bomb(4), false, 0},
		{bomb(7), true, 7},
	} {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(c.src), &doc); err != nil {
			t.Fatal(err)
		}
		culprit, limit, tooLarge := TooLarge(&doc)
		if tooLarge != c.tooLarge || limit < MaxExpandedNodes {
			t.Errorf("TooLarge = %v (limit %d), want %v\n%s", tooLarge, limit, c.tooLarge, c.src)
		}
		if c.tooLarge && (culprit == nil || culprit.Line != c.line) {
			t.Errorf("culprit %+v, want line %d", culprit, c.line)
		}
	}
}

func TestSyntaxError(t *testing.T) {
	cases := []struct {
		src       string
		line, col int
	}{
		// yaml.v3 names no line for bytes it cannot read.
		{"packages:\n  - package: a/\xff\n", 2, 3},
		// It names the block's first line; the mistake is further down.
		{"packages:\n  - package: a/b\n    version: [1, 2\n  - local: x\n", 3, 5},
		{"a: 1\nb: [\n", 2, 1},
	}
	for _, c := range cases {
		var doc yaml.Node
		err := yaml.Unmarshal([]byte(c.src), &doc)
		if err == nil {
			t.Fatalf("%q parses", c.src)
		}
		line, col, msg, _ := SyntaxError([]byte(c.src), err)
		if line != c.line || col != c.col || strings.HasPrefix(msg, "yaml: ") || msg == "" {
			t.Errorf("%q (%v): got %d:%d %q, want %d:%d", c.src, err, line, col, msg, c.line, c.col)
		}
	}
}
