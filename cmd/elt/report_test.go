package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestJUnitAndGitHubAnnotations runs a build with a model that fails in the
// warehouse and a failing test, under GitHub Actions, with --junit-xml:
// the annotations name the files, and the JUnit file parses with counts
// that add up.
func TestJUnitAndGitHubAnnotations(t *testing.T) {
	dir := starterProject(t)
	writeFile(t, dir, "models/example/bad.sql", "{{ config(materialized='table') }}\nselect cast('x' as integer) as v\n")
	writeFile(t, dir, "models/example/after_bad.sql", "select v from {{ ref('bad') }}\n")
	writeFile(t, dir, "tests/no_ada.sql", "select * from {{ ref('people') }} where name = 'Ada'\n")
	t.Setenv("GITHUB_ACTIONS", "true")
	t.Setenv("GITHUB_WORKSPACE", filepath.Dir(dir))

	res := elt(t, dir, "build", "--junit-xml", "report.xml")
	if res.code != 1 {
		t.Fatalf("exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	wantAll(t, res.stdout,
		"::error file=demo/models/example/bad.sql,title=elt%3A model bad errored::",
		"::error file=demo/tests/no_ada.sql,title=elt%3A test no_ada failed::1 failing row: ",
		"%0Acompiled SQL: target/compiled/demo/tests/no_ada.sql\n",
	)

	b, err := os.ReadFile(filepath.Join(dir, "report.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Name                             string `xml:"name,attr"`
			Tests, Failures, Errors, Skipped int    `xml:",attr"`
			Cases                            []struct {
				Name      string                          `xml:"name,attr"`
				Classname string                          `xml:"classname,attr"`
				Time      float64                         `xml:"time,attr"`
				Failure   *struct{ Message, Text string } `xml:"failure"`
				Error     *struct{ Message string }       `xml:"error"`
				Skipped   *struct{}                       `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b, &report); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	cases := map[string]string{}
	n, f, e, s := 0, 0, 0, 0
	for _, suite := range report.Suites {
		for _, c := range suite.Cases {
			n++
			state := "pass"
			switch {
			case c.Failure != nil:
				f++
				state = "failure"
			case c.Error != nil:
				e++
				state = "error"
			case c.Skipped != nil:
				s++
				state = "skipped"
			}
			cases[c.Classname+" "+c.Name] = state
		}
	}
	if report.Tests != n || report.Failures != f || report.Errors != e || report.Skipped != s {
		t.Errorf("totals %d/%d/%d/%d, cases %d/%d/%d/%d", report.Tests, report.Failures, report.Errors, report.Skipped, n, f, e, s)
	}
	for k, want := range map[string]string{
		"model.demo bad":       "error",
		"model.demo after_bad": "skipped",
		"test.demo no_ada":     "failure",
		"model.demo people":    "pass",
		"seed.demo raw_people": "pass",
	} {
		if cases[k] != want {
			t.Errorf("%s: %q, want %q (cases: %v)", k, cases[k], want, cases)
		}
	}
}

// TestGitHubAnnotationsOfCheckFindings: a static check finding that fails
// a node is annotated at its line and column, and the run's report names
// the node it failed.
func TestGitHubAnnotationsOfCheckFindings(t *testing.T) {
	dir := starterProject(t)
	writeFile(t, dir, "models/example/people.sql", "select\n    id,\n    nme\nfrom {{ ref('raw_people') }}\n")
	t.Setenv("GITHUB_ACTIONS", "true")
	t.Setenv("GITHUB_WORKSPACE", filepath.Dir(dir))
	res := elt(t, dir, "build", "--junit-xml", "junit.xml")
	want := "::error file=demo/models/example/people.sql,line=3,col=5,title=elt check%3A unknown_column::column nme is not a column of raw_people%0Ahint: did you mean name?"
	if res.code != 1 || !strings.Contains(res.stdout, want) {
		t.Errorf("exit %d, stdout lacks %q:\n%s", res.code, want, res.stdout)
	}
	// The finding failed people alone, running nothing for it.
	b, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		Suites []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name  string `xml:"name,attr"`
				Error *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b, &report); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	errored := map[string]string{}
	for _, su := range report.Suites {
		for _, c := range su.Cases {
			if c.Error != nil {
				errored[c.Name] = c.Error.Message + "\n" + c.Error.Text
			}
		}
	}
	// Its message is dbt's first line; the text under it elt's finding.
	if len(errored) != 1 || !strings.HasPrefix(errored["people"], "Runtime Error in model people (models/example/people.sql)\n") ||
		!strings.Contains(errored["people"], "models/example/people.sql:3:5: column nme is not a column of raw_people") {
		t.Errorf("junit errors %v:\n%s", errored, b)
	}
	res = elt(t, dir, "check")
	want = "::error file=demo/models/example/people.sql,line=3,col=5,title=elt check%3A unknown_column::column nme"
	if res.code != 1 || !strings.Contains(res.stdout, want) {
		t.Errorf("elt check: exit %d, stdout lacks %q:\n%s", res.code, want, res.stdout)
	}
	if strings.Count(res.stdout, "::error") != 2 { // people.sql, and people_per_city.sql reading city
		t.Errorf("elt check: want 2 annotations:\n%s", res.stdout)
	}
}
