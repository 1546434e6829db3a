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
	now := m.now()
	hint := "move the ref to a model that is not deprecated"
	if to.VersionString != "" && !to.IsLatestVersion() {
		hint = fmt.Sprintf("try the latest version: ref('%s', v=%s)", to.Name, to.LatestVersionText())
	}
	if deprecated(to.DeprecationDate, now) {
		return diag.Warnf(file, diag.Pos{Line: line}, hint,
			"While compiling '%s': Found a reference to %s, which was deprecated on '%s'.", from.Name, name, to.DeprecationDate).
			AsEvent("DeprecatedReference")
	}
	return diag.Warnf(file, diag.Pos{Line: line}, hint,
		"While compiling '%s': Found a reference to %s, which is slated for deprecation on '%s'.", from.Name, name, to.DeprecationDate).
		AsEvent("UpcomingReferenceDeprecation")
}

// deprecatedModel is dbt's warning for a model past its deprecation_date,
// raised through warn_or_error as dbt's check_for_model_deprecations does.
func (m *Manifest) deprecatedModel(n *Node) (diag.Diagnostic, bool) {
	if !deprecated(n.DeprecationDate, m.now()) {
		return diag.Diagnostic{}, false
	}
	name := n.Name
	if n.VersionString != "" {
		name += ".v" + n.VersionString
	}
	return diag.Warnf(n.OriginalFilePath, diag.Pos{}, "disable or remove the model, or move its deprecation_date",
		"Model %s has passed its deprecation date of %s. This model should be disabled or removed.", name, n.DeprecationDate).
		AsEvent("DeprecatedModel"), true
}

func (m *Manifest) now() time.Time {
	if t := m.engine.opts.RunStartedAt; !t.IsZero() {
		return t
	}
	return time.Now()
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
