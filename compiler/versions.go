package compiler

import (
	"fmt"
	"time"

	"github.com/elt-dev/elt/internal/diag"
)

// deprecatedRef is dbt's warning for a ref to a model with a
// deprecation_date: slated for deprecation before the date, deprecated
// on and after it.
func (m *Manifest) deprecatedRef(from, to *Node, file string, line int) diag.Diagnostic {
	name := to.Name
	if to.VersionString != "" {
		name += ".v" + to.VersionString
	}
	now := m.engine.opts.RunStartedAt
	if now.IsZero() {
		now = time.Now()
	}
	hint := "move the ref to a model that is not deprecated"
	if to.VersionString != "" && !to.IsLatestVersion() {
		hint = fmt.Sprintf("try the latest version: ref('%s', v=%s)", to.Name, to.LatestVersionText())
	}
	if deprecated(to.DeprecationDate, now) {
		return diag.Warnf(file, diag.Pos{Line: line}, hint,
			"While compiling '%s': Found a reference to %s, which was deprecated on '%s'.", from.Name, name, to.DeprecationDate)
	}
	return diag.Warnf(file, diag.Pos{Line: line}, hint,
		"While compiling '%s': Found a reference to %s, which is slated for deprecation on '%s'.", from.Name, name, to.DeprecationDate)
}

// deprecated reports whether a deprecation_date (a date, or a date and
// time) is at or before now; a date elt cannot read counts as passed.
func deprecated(date string, now time.Time) bool {
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, date); err == nil {
			return !t.After(now)
		}
	}
	return true
}
