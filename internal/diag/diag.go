// Package diag carries problems found in a user's files together with where
// they are, so every error can name file:line:column and say what to do.
//
// It knows nothing about projects, SQL or warehouses.
package diag

import (
	"errors"
	"fmt"
	"strings"
)

// Severity says whether a diagnostic stops the command.
type Severity int

const (
	Error Severity = iota
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Pos is a 1-based line and column. The zero Pos means "unknown".
type Pos struct{ Line, Column int }

func (p Pos) IsZero() bool { return p.Line == 0 }

// Diagnostic is one problem in one place.
type Diagnostic struct {
	Severity Severity
	File     string // relative to the project root, slash-separated
	Pos      Pos
	Summary  string // what is wrong
	Hint     string // what to do
	// Event names, for a warning dbt raises through warn_or_error, dbt's
	// event (UnusedResourceConfigPath): --warn-error and
	// warn_error_options make it an error, or silence it. "" otherwise.
	Event string
	// Err is the error the diagnostic describes, when it has one (a Jinja
	// render's), so callers can still find it with errors.As.
	Err error
}

// Unwrap is the error the diagnostic describes, or nil.
func (d Diagnostic) Unwrap() error { return d.Err }

// Location renders "file:line:col", "file:line", "file" or "".
func (d Diagnostic) Location() string {
	switch {
	case d.File == "":
		return ""
	case d.Pos.Line == 0:
		return d.File
	case d.Pos.Column == 0:
		return fmt.Sprintf("%s:%d", d.File, d.Pos.Line)
	default:
		return fmt.Sprintf("%s:%d:%d", d.File, d.Pos.Line, d.Pos.Column)
	}
}

// Error renders "file:line:col: summary (hint: ...)".
func (d Diagnostic) Error() string {
	var b strings.Builder
	if loc := d.Location(); loc != "" {
		b.WriteString(loc)
		b.WriteString(": ")
	}
	if d.Severity == Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(d.Summary)
	if d.Hint != "" {
		b.WriteString("\n  hint: ")
		b.WriteString(d.Hint)
	}
	return b.String()
}

// Errorf builds an error diagnostic.
func Errorf(file string, pos Pos, hint, format string, args ...any) Diagnostic {
	return Diagnostic{Severity: Error, File: file, Pos: pos, Summary: fmt.Sprintf(format, args...), Hint: hint}
}

// Warnf builds a warning diagnostic.
func Warnf(file string, pos Pos, hint, format string, args ...any) Diagnostic {
	return Diagnostic{Severity: Warning, File: file, Pos: pos, Summary: fmt.Sprintf(format, args...), Hint: hint}
}

// AsEvent is d as the warning dbt raises as event (see Diagnostic.Event).
func (d Diagnostic) AsEvent(event string) Diagnostic {
	d.Event = event
	return d
}

// List collects diagnostics so that all problems in a project are reported at once.
type List []Diagnostic

// Add appends d.
func (l *List) Add(d Diagnostic) { *l = append(*l, d) }

// HasErrors reports whether any diagnostic is an error.
func (l List) HasErrors() bool {
	for _, d := range l {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Errors returns only the error diagnostics.
func (l List) Errors() List {
	var out List
	for _, d := range l {
		if d.Severity == Error {
			out = append(out, d)
		}
	}
	return out
}

// Warnings returns only the warnings.
func (l List) Warnings() List {
	var out List
	for _, d := range l {
		if d.Severity == Warning {
			out = append(out, d)
		}
	}
	return out
}

// Err returns the list as an error when it holds at least one error, else nil.
func (l List) Err() error {
	if !l.HasErrors() {
		return nil
	}
	return &Errors{List: l.Errors()}
}

// Errors is an error made of one or more diagnostics. Callers find it with errors.As.
type Errors struct{ List List }

func (e *Errors) Error() string {
	parts := make([]string, len(e.List))
	for i, d := range e.List {
		parts[i] = d.Error()
	}
	return strings.Join(parts, "\n")
}

// AsList extracts diagnostics from err: an *Errors, a Diagnostic, or nil.
func AsList(err error) (List, bool) {
	var de *Errors
	if errors.As(err, &de) {
		return de.List, true
	}
	var d Diagnostic
	if errors.As(err, &d) {
		return List{d}, true
	}
	return nil, false
}

// LineCol converts a byte offset in src into a 1-based position.
func LineCol(src string, offset int) Pos {
	if offset < 0 {
		return Pos{}
	}
	if offset > len(src) {
		offset = len(src)
	}
	line := 1 + strings.Count(src[:offset], "\n")
	col := offset - strings.LastIndex(src[:offset], "\n")
	return Pos{Line: line, Column: col}
}
