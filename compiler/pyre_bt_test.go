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
