package junit

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// Result is one node's outcome, as run_results.json records it.
type Result struct {
	UniqueID     string
	ResourceType string // model, seed, snapshot, test, unit_test
	Package      string
	Name         string
	// Status is a run_results status: success, pass, warn, fail, error, skipped.
	Status   string
	Message  string
	Failures *int // failing rows of a test; nil when not a test or not run
	Time     time.Duration
	// CompiledPath is where the compiled SQL is, e.g. target/compiled/shop/models/orders.sql; "" when none.
	CompiledPath string
	// File is the node's source file relative to the project, e.g. models/orders.sql.
	File string
}

// The XML shapes, as the common JUnit schema (Jenkins' junit plugin, GitLab) reads them.
type testsuites struct {
	XMLName  xml.Name    `xml:"testsuites"`
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Suites   []testsuite `xml:"testsuite"`
}

type testsuite struct {
	Name      string     `xml:"name,attr"`
	Tests     int        `xml:"tests,attr"`
	Failures  int        `xml:"failures,attr"`
	Errors    int        `xml:"errors,attr"`
	Skipped   int        `xml:"skipped,attr"`
	Time      string     `xml:"time,attr"`
	Timestamp string     `xml:"timestamp,attr,omitempty"`
	Cases     []testcase `xml:"testcase"`
}

type testcase struct {
	Name      string   `xml:"name,attr"`
	Classname string   `xml:"classname,attr"`
	Time      string   `xml:"time,attr"`
	File      string   `xml:"file,attr,omitempty"`
	Failure   *problem `xml:"failure"`
	Error     *problem `xml:"error"`
	Skipped   *skipped `xml:"skipped"`
	SystemOut string   `xml:"system-out,omitempty"`
}

type problem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type skipped struct {
	Message string `xml:"message,attr,omitempty"`
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// order is the suites' order: the order nodes build in.
var order = []string{"seed", "model", "snapshot", "test", "quality_check", "unit_test"}

// Write writes the report for one invocation (name, e.g. "elt build"),
// started at started and taking elapsed.
func Write(w io.Writer, name string, started time.Time, elapsed time.Duration, results []Result) error {
	byType := map[string][]Result{}
	var types []string
	for _, r := range results {
		if _, ok := byType[r.ResourceType]; !ok {
			types = append(types, r.ResourceType)
		}
		byType[r.ResourceType] = append(byType[r.ResourceType], r)
	}
	rank := func(t string) int {
		for i, o := range order {
			if o == t {
				return i
			}
		}
		return len(order)
	}
	// Stable: known types in build order, others after in first-seen order.
	for i := 1; i < len(types); i++ {
		for j := i; j > 0 && rank(types[j]) < rank(types[j-1]); j-- {
			types[j], types[j-1] = types[j-1], types[j]
		}
	}
	out := testsuites{Name: name, Time: seconds(elapsed)}
	for _, t := range types {
		s := testsuite{Name: t, Timestamp: started.UTC().Format("2006-01-02T15:04:05")}
		var total time.Duration
		for _, r := range byType[t] {
			c := testcase{Name: r.Name, Classname: r.ResourceType + "." + r.Package, Time: seconds(r.Time), File: r.File}
			total += r.Time
			switch r.Status {
			case "fail":
				c.Failure = &problem{Type: "fail", Message: failMessage(r), Text: detail(r)}
				s.Failures++
			case "error":
				c.Error = &problem{Type: "error", Message: firstLine(r.Message), Text: detail(r)}
				s.Errors++
			case "skipped":
				c.Skipped = &skipped{Message: r.Message}
				s.Skipped++
			case "warn":
				// JUnit has no warning; the case passes and says why it warned.
				c.SystemOut = "WARN: " + failMessage(r) + "\n" + detail(r)
			}
			s.Cases = append(s.Cases, c)
		}
		s.Tests, s.Time = len(s.Cases), seconds(total)
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
		out.Skipped += s.Skipped
		out.Suites = append(out.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	return nil
}

func failMessage(r Result) string {
	if r.Failures != nil {
		rows := "rows"
		if *r.Failures == 1 {
			rows = "row"
		}
		return fmt.Sprintf("%d failing %s", *r.Failures, rows)
	}
	return firstLine(r.Message)
}

func detail(r Result) string {
	var b strings.Builder
	b.WriteString(r.Message)
	if r.CompiledPath != "" {
		b.WriteString("\ncompiled SQL: ")
		b.WriteString(r.CompiledPath)
	}
	return strings.TrimSpace(b.String())
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
