package project

import (
	"fmt"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/lazyre"
)

// resourceNameRe is what elt accepts for a name written in YAML or a block
// tag (a test's name:, a YAML snapshot): dbt's identifier characters plus
// the hyphen real projects use. Such names become file names under
// target/ and relation names, so path separators, dots and spaces are out.
var resourceNameRe = lazyre.New(`^[A-Za-z0-9_][A-Za-z0-9_-]*$`)

// maxResourceName keeps file names under target/ within what every file
// system allows (255 bytes, with room for ".sql").
const maxResourceName = 250

// checkResourceName reports a name that cannot be used, at pos in file.
// what says what is named ("test", "snapshot").
func (l *loader) checkResourceName(file string, pos diag.Pos, what, name string) bool {
	switch {
	case len(name) > maxResourceName:
		l.diags.Add(diag.Errorf(file, pos, fmt.Sprintf("use a name of at most %d characters", maxResourceName),
			"%s name is %d characters long", what, len(name)))
		return false
	case !resourceNameRe().MatchString(name):
		l.diags.Add(diag.Errorf(file, pos, "use only letters, digits, underscores and hyphens (no '/', '.', spaces or '..')",
			"invalid %s name %q", what, name))
		return false
	}
	return true
}
