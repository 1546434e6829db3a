package runner

import (
	"strings"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/internal/lazyre"
)

// duckdb and postgres both print the offending statement line as "LINE n: <text>".
var errLineRE = lazyre.New(`LINE \d+: ?(.*)`)

// sourceLine finds the line of the model's file that a warehouse error points
// at. The warehouse only knows the compiled SQL, so the compiled line it
// quotes is matched back to the template: first by identical text, then by
// the raw line sharing the most words with it. It returns 0 when unsure.
func sourceLine(n *compiler.Node, errText string) int {
	m := errLineRE().FindStringSubmatch(errText)
	if m == nil {
		return 0
	}
	quoted := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(m[1]), "..."), "..."))
	if quoted == "" {
		return 0
	}
	raw := strings.Split(n.RawCode, "\n")
	// Identical text in the template (a line without Jinja).
	for i, l := range raw {
		t := strings.TrimSpace(l)
		if t != "" && (t == quoted || strings.Contains(quoted, t) && len(t) > len(quoted)/2) {
			return i + 1
		}
	}
	// Otherwise the raw line with the most words in common.
	want := words(quoted)
	best, bestScore := 0, 0
	for i, l := range raw {
		score := 0
		for w := range words(stripJinja(l)) {
			if want[w] {
				score++
			}
		}
		if score > bestScore {
			best, bestScore = i+1, score
		}
	}
	return best
}

var jinjaRE = lazyre.New(`\{\{.*?\}\}|\{%.*?%\}`)

func stripJinja(s string) string { return jinjaRE().ReplaceAllString(s, " ") }

func words(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	}) {
		out[w] = true
	}
	return out
}
