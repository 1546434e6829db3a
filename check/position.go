package check

import (
	"strings"

	"github.com/elt-dev/elt/internal/diag"
)

// mapPosition maps a byte offset of the compiled SQL back to the model's
// source file. Compiling replaces Jinja with text but leaves plain SQL as
// written, so the compiled line is first looked for verbatim in the source
// (nearest to the same line number); failing that, the text at the offset
// is looked for with as much of its surrounding text as matches. When
// nothing matches (the text came from a macro), the position is the first
// line that calls ref or source, else line 1.
func mapPosition(raw, compiled string, off int) diag.Pos {
	if raw == "" {
		return diag.Pos{}
	}
	rawLines := strings.Split(raw, "\n")
	fallback := func() diag.Pos {
		for i, l := range rawLines {
			if j := strings.Index(l, "ref("); j >= 0 {
				return diag.Pos{Line: i + 1, Column: j + 1}
			}
			if j := strings.Index(l, "source("); j >= 0 {
				return diag.Pos{Line: i + 1, Column: j + 1}
			}
		}
		return diag.Pos{Line: 1, Column: 1}
	}
	if off < 0 || off > len(compiled) {
		return fallback()
	}
	at := diag.LineCol(compiled, off)
	compLines := strings.Split(compiled, "\n")
	line := compLines[at.Line-1]
	if strings.TrimSpace(line) != "" {
		best := -1
		for i, l := range rawLines {
			if l == line && (best < 0 || abs(i+1-at.Line) < abs(best+1-at.Line)) {
				best = i
			}
		}
		if best >= 0 {
			return diag.Pos{Line: best + 1, Column: at.Column}
		}
	}
	// The token at the offset, matched with its context on both sides.
	token := tokenAt(compiled, off)
	if token == "" {
		return fallback()
	}
	right := compiled[off:]
	left := compiled[:off]
	bestScore, bestPos := -1, diag.Pos{}
	for i, l := range rawLines {
		for j := 0; j+len(token) <= len(l); {
			k := strings.Index(l[j:], token)
			if k < 0 {
				break
			}
			k += j
			j = k + 1
			if !wordBoundary(l, k, len(token)) {
				continue
			}
			score := commonPrefix(right, l[k:]) + commonSuffix(left, l[:k])
			if score > bestScore || score == bestScore && abs(i+1-at.Line) < abs(bestPos.Line-at.Line) {
				bestScore, bestPos = score, diag.Pos{Line: i + 1, Column: k + 1}
			}
		}
	}
	if bestScore < 0 {
		return fallback()
	}
	return bestPos
}

// tokenAt is the identifier (with dots and quotes) or operator at off.
func tokenAt(s string, off int) string {
	end := off
	for end < len(s) && isTokenByte(s[end]) {
		end++
	}
	if end == off {
		for end < len(s) && strings.IndexByte("=<>!", s[end]) >= 0 {
			end++
		}
	}
	return s[off:end]
}

func isTokenByte(c byte) bool {
	return c == '_' || c == '.' || c == '"' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c >= 0x80
}

func wordBoundary(l string, k, n int) bool {
	if k > 0 && isTokenByte(l[k-1]) && isTokenByte(l[k]) {
		return false
	}
	end := k + n
	return end >= len(l) || !isTokenByte(l[end]) || !isTokenByte(l[end-1])
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func commonSuffix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[len(a)-1-n] == b[len(b)-1-n] {
		n++
	}
	return n
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
