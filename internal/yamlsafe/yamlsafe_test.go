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
