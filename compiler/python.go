package compiler

import (
	"strings"

	"github.com/elt-dev/elt/internal/lazyre"
)

// Python models (.py) are nodes of the DAG, as in dbt: their dependencies
// are the dbt.ref() and dbt.source() calls in the file, and dbt.config()
// calls with literal arguments set their config. elt does not run Python:
// the runner fails such a node alone, with a clear message, and skips its
// children, so the rest of the project builds.

var (
	pyRefRe    = lazyre.New(`\bdbt\.ref\(\s*(['"])([^'"]+)['"](?:\s*,\s*(['"])([^'"]+)['"])?\s*(?:,\s*v(?:ersion)?\s*=\s*(['"]?)([^'")\s]+)['"]?\s*)?\)`)
	pySourceRe = lazyre.New(`\bdbt\.source\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]\s*\)`)
	pyConfigRe = lazyre.New(`\bdbt\.config\(([^)]*)\)`)
	pyKwargRe  = lazyre.New(`(\w+)\s*=\s*(?:(['"])([^'"]*)['"]|(True|False))`)
)

// pythonDependencies reads the refs, sources and literal config of a
// Python model's source, skipping comment lines.
func pythonDependencies(src string) (refs []Ref, sources [][2]string, cfg map[string]any) {
	var code strings.Builder
	for _, line := range strings.Split(src, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			code.WriteString(line)
			code.WriteByte('\n')
		}
	}
	text := code.String()
	for _, m := range pyRefRe().FindAllStringSubmatch(text, -1) {
		r := Ref{Name: m[2], Version: m[6], VersionText: m[5] != ""}
		if m[4] != "" {
			r.Package, r.Name = m[2], m[4]
		}
		refs = append(refs, r)
	}
	for _, m := range pySourceRe().FindAllStringSubmatch(text, -1) {
		sources = append(sources, [2]string{m[1], m[2]})
	}
	for _, m := range pyConfigRe().FindAllStringSubmatch(text, -1) {
		for _, kv := range pyKwargRe().FindAllStringSubmatch(m[1], -1) {
			if cfg == nil {
				cfg = map[string]any{}
			}
			switch kv[4] {
			case "True":
				cfg[kv[1]] = true
			case "False":
				cfg[kv[1]] = false
			default:
				cfg[kv[1]] = kv[3]
			}
		}
	}
	return refs, sources, cfg
}

// isPython reports a Python model.
func isPython(n *Node) bool { return n.Language == "python" }
