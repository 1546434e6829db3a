package ghactions

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
)

// Enabled reports whether elt runs inside GitHub Actions, which sets GITHUB_ACTIONS=true.
func Enabled(lookupEnv func(string) (string, bool)) bool {
	v, _ := lookupEnv("GITHUB_ACTIONS")
	return v == "true"
}

// Level is the workflow command: error, warning or notice.
type Level string

// The annotation levels.
const (
	Error   Level = "error"
	Warning Level = "warning"
	Notice  Level = "notice"
)

// Annotation is one workflow command. File is relative to the repository
// root; Line and Col are 1-based, 0 when unknown.
type Annotation struct {
	Level   Level
	File    string
	Line    int
	Col     int
	Title   string
	Message string
}

// String renders the command, escaped as GitHub's toolkit escapes it.
func (a Annotation) String() string {
	var props []string
	add := func(k, v string) {
		if v != "" {
			props = append(props, k+"="+EscapeProperty(v))
		}
	}
	add("file", a.File)
	if a.Line > 0 {
		add("line", fmt.Sprint(a.Line))
		if a.Col > 0 {
			add("col", fmt.Sprint(a.Col))
		}
	}
	add("title", a.Title)
	cmd := "::" + string(a.Level)
	if len(props) > 0 {
		cmd += " " + strings.Join(props, ",")
	}
	return cmd + "::" + EscapeData(a.Message)
}

// EscapeData escapes a command's message: %, CR and LF.
func EscapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// EscapeProperty escapes a property value: as EscapeData, and : and , too.
func EscapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// Printer writes annotations for one project. Files are given relative to
// the project root and written relative to the repository root
// (GITHUB_WORKSPACE), which GitHub needs to place them.
type Printer struct {
	W           io.Writer
	ProjectRoot string // absolute
	Workspace   string // GITHUB_WORKSPACE; "" leaves paths as given
}

// NewPrinter returns a Printer when running in GitHub Actions, else nil
// (whose methods do nothing).
func NewPrinter(w io.Writer, projectRoot string, lookupEnv func(string) (string, bool)) *Printer {
	if !Enabled(lookupEnv) {
		return nil
	}
	ws, _ := lookupEnv("GITHUB_WORKSPACE")
	return &Printer{W: w, ProjectRoot: projectRoot, Workspace: ws}
}

// Print writes a; a nil Printer writes nothing.
func (p *Printer) Print(a Annotation) {
	if p == nil {
		return
	}
	a.File = p.path(a.File)
	fmt.Fprintln(p.W, a.String())
}

// Diagnostic writes d with title.
func (p *Printer) Diagnostic(title string, d diag.Diagnostic) {
	level := Error
	if d.Severity == diag.Warning {
		level = Warning
	}
	msg := d.Summary
	if d.Hint != "" {
		msg += "\nhint: " + d.Hint
	}
	p.Print(Annotation{Level: level, File: d.File, Line: d.Pos.Line, Col: d.Pos.Column, Title: title, Message: msg})
}

func (p *Printer) path(file string) string {
	if file == "" || p.ProjectRoot == "" || p.Workspace == "" {
		return file
	}
	abs := filepath.FromSlash(file)
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(p.ProjectRoot, abs)
	}
	rel, err := filepath.Rel(p.Workspace, abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		return file
	}
	return filepath.ToSlash(rel)
}
