package compiler

import (
	"strings"
	"testing"
)

// TestPyreBacktrackingBound: a pattern that backtracks catastrophically
// (Python took 6.5 s on this one, found by TestPyreGenerated) fails with
// NotImplementedError naming the bound, rather than hanging the compile.
func TestPyreBacktrackingBound(t *testing.T) {
	_, err := renderModel(t, `{% set re = modules.re %}{{ re.fullmatch('[^a]|((|(?:ca[a-zA-Z]|\\S)?(c{0,1}|\\n))+?)+()\\d', 'Ss1_cİ', 258) }}`)
	if err == nil || errorKind(err) != "NotImplementedError" || !strings.Contains(err.Error(), "backtracking past 50000000 steps") {
		t.Fatalf("want NotImplementedError naming the bound, got %v", err)
	}
}

// TestPyreBacktrackingLongText: the matcher runs a repeat of one
// character in a loop, so a long text neither makes a deep stack nor
// takes time by the square of its length.
func TestPyreBacktrackingLongText(t *testing.T) {
	long := strings.Repeat("a", 200000)
	got, err := renderModel(t, `{% set re = modules.re %}{% set s = 'x' ~ '`+long+`' ~ 'b' %}{{ re.search('(?<=x)a*b', s).span() }} {{ re.search('(?<=x)a*?b', s).span() }} {{ re.findall('(?<=a)a{3}?(?=a)', 'aaaaaaaa') }}`)
	if err != nil {
		t.Fatal(err)
	}
	if want := "(1, 200002) (1, 200002) ['aaa', 'aaa']"; strings.TrimSpace(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
