package runner

import (
	"testing"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/project"
)

func TestSourceLine(t *testing.T) {
	raw := "{{ config(materialized='table') }}\n\nselect\n    id,\n    {{ upper('x') }} as nme\nform {{ ref('raw') }}\n"
	n := &compiler.Node{Node: project.Node{RawCode: raw}}
	cases := []struct {
		err  string
		want int
	}{
		{"Parser Error: syntax error at or near \"form\"\n\nLINE 6: form \"db\".\"main\".\"raw\"\n        ^", 6},
		{"Binder Error: column nme\n\nLINE 4:     id,\n", 4},
		{"Binder Error\nLINE 9:     upper(x) as nme", 5},
		{"no line information", 0},
	}
	for _, c := range cases {
		if got := sourceLine(n, c.err); got != c.want {
			t.Errorf("sourceLine(%q) = %d, want %d", c.err, got, c.want)
		}
	}
}
