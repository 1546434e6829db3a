package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/project"
	"github.com/elt-dev/elt/quality"
	"github.com/elt-dev/elt/report/ghactions"
	"github.com/elt-dev/elt/report/junit"
	"github.com/elt-dev/elt/runner"
)

// writeJUnit writes --junit-xml: every node that ran (or was skipped) as a testcase.
// Quality checks follow, one testcase each.
func (s *session) writeJUnit(file string, results []runner.Result, checks []quality.Result, started time.Time, elapsed time.Duration, command string) error {
	out := make([]junit.Result, 0, len(results))
	for _, r := range results {
		status := string(r.Status)
		if r.Status == runner.Cancelled {
			status = string(runner.Skipped)
		}
		jr := junit.Result{
			UniqueID:     r.UniqueID,
			ResourceType: string(r.Node.ResourceType),
			Package:      r.Node.Package,
			Name:         r.Node.Name,
			Status:       status,
			Message:      s.env.secrets.Scrub(r.Message),
			Time:         r.Duration(),
			File:         r.Node.OriginalFilePath,
		}
		if r.Detail != "" {
			// elt's place and hint, after dbt's message.
			jr.Message += "\n" + s.env.secrets.Scrub(r.Detail)
		}
		if r.Failures != nil {
			n := int(*r.Failures)
			jr.Failures = &n
		}
		if r.Node.Compiled && r.Node.CompiledCode != "" && r.Node.ResourceType != project.Snapshot {
			jr.CompiledPath = path.Join(filepath.ToSlash(s.proj.Config.TargetPath), "compiled", compiler.CompiledPath(r.Node))
		}
		out = append(out, jr)
	}
	for _, c := range checks {
		jr := junit.Result{
			UniqueID:     c.Check.ID(),
			ResourceType: quality.ResourceType,
			Package:      s.proj.Config.Name,
			Name:         c.Check.Label(),
			Status:       c.RunStatus(),
			Message:      s.env.secrets.Scrub(c.Message),
			Time:         c.EndedAt.Sub(c.StartedAt),
			File:         s.declaredIn(c.Check.UniqueID),
		}
		// No Failures: a check fails on a value, not on rows, and the
		// testcase's message is the check's.
		out = append(out, jr)
	}
	return s.writeJUnitFile(file, command, started, elapsed, out)
}

func (s *session) writeJUnitFile(file, command string, started time.Time, elapsed time.Duration, out []junit.Result) error {
	var buf bytes.Buffer
	if err := junit.Write(&buf, "elt "+command, started, elapsed, out); err != nil {
		return err
	}
	if !filepath.IsAbs(file) {
		file = filepath.Join(s.env.workDir, file)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("--junit-xml: %w", err)
	}
	return nil
}

// annotateResults prints the errors, failures and warnings of a run as
// GitHub Actions annotations when running there.
func (s *session) annotateResults(results []runner.Result) {
	gh := s.github()
	if gh == nil {
		return
	}
	for _, r := range results {
		n := r.Node
		a := ghactions.Annotation{Level: ghactions.Error, File: n.OriginalFilePath, Message: s.env.secrets.Scrub(r.Message)}
		what := string(n.ResourceType) + " " + n.Name
		switch r.Status {
		case runner.Error:
			a.Title = "elt: " + what + " errored"
		case runner.Fail:
			a.Title = "elt: " + what + " failed"
		case runner.Warn:
			a.Level, a.Title = ghactions.Warning, "elt: "+what+" warned"
		default:
			for _, w := range r.Warnings {
				gh.Print(ghactions.Annotation{Level: ghactions.Warning, File: n.OriginalFilePath, Title: "elt: " + what, Message: s.env.secrets.Scrub(w.String())})
			}
			continue
		}
		if r.Failures != nil {
			a.Message = fmt.Sprintf("%d failing %s: %s", *r.Failures, plural(int(*r.Failures), "row", "rows"), a.Message)
		}
		if n.Compiled && n.CompiledCode != "" {
			a.Message += "\ncompiled SQL: " + path.Join(filepath.ToSlash(s.proj.Config.TargetPath), "compiled", compiler.CompiledPath(n))
		}
		gh.Print(a)
	}
}

// errAnnotated is an error already printed as annotations.
type errAnnotated struct{ error }

func (e errAnnotated) Unwrap() error { return e.error }

// annotateError prints an error that ends the command as GitHub Actions
// annotations: each positioned diagnostic at its file and line.
func annotateError(w io.Writer, env environment, projectDir string, err error) {
	var done errAnnotated
	if errors.As(err, &done) {
		return
	}
	root := projectDir
	if root == "" {
		root = env.workDir
	} else if !filepath.IsAbs(root) {
		root = filepath.Join(env.workDir, root)
	}
	gh := ghactions.NewPrinter(w, root, env.lookupEnv)
	if gh == nil {
		return
	}
	if list, ok := diag.AsList(err); ok {
		for _, d := range list {
			gh.Diagnostic("elt", d)
		}
		return
	}
	gh.Print(ghactions.Annotation{Level: ghactions.Error, Title: "elt", Message: env.secrets.Scrub(err.Error())})
}
