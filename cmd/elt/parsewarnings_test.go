package main

import (
	"strings"
	"testing"
)

// TestParseWarningsUnderWarnError: the parse-time warnings dbt raises
// through warn_or_error (UnusedResourceConfigPath, config/runtime.py;
// NoNodeForYamlKey, parser/schemas.py; NodeNotFoundOrDisabled,
// parser/manifest.py invalid_target_fail_unless_test) end the command
// (exit 2) under --warn-error or a --warn-error-options that names them,
// and are not shown when silenced.
func TestParseWarningsUnderWarnError(t *testing.T) {
	for _, c := range []struct {
		event, project, file, body, message string
	}{
		{"UnusedResourceConfigPath", "models:\n  p:\n    nope:\n      +tags: [x]\n", "", "",
			"do not apply to any resources: models.p.nope"},
		{"NoNodeForYamlKey", "", "models/props.yml", "models:\n  - name: missing\n",
			`did not find a model named "missing"`},
		{"NodeNotFoundOrDisabled", "", "tests/t.sql", "select * from {{ ref('missing') }}\n",
			"the test is disabled"},
	} {
		t.Run(c.event, func(t *testing.T) {
			dir := miniProject(t, c.project)
			writeFile(t, dir, "models/a.sql", "select 1 as id\n")
			if c.file != "" {
				writeFile(t, dir, c.file, c.body)
			}
			if res := mustElt(t, dir, "parse"); !strings.Contains(res.stdout, c.message) {
				t.Errorf("no warning %q:\n%s", c.message, res.stdout)
			}
			for _, args := range [][]string{
				{"--warn-error", "parse"},
				{"parse", "--warn-error-options", `{"error": ["` + c.event + `"]}`},
				{"parse", "--warn-error-options", `{"error": "all"}`},
			} {
				res := elt(t, dir, args...)
				if res.code != exitUsage || !strings.Contains(res.stderr, c.message) {
					t.Errorf("elt %s: exit %d, want %d with %q\n%s%s", strings.Join(args, " "), res.code, exitUsage, c.message, res.stdout, res.stderr)
				}
			}
			for _, opts := range []string{`{"error": ["Other"]}`, `{"error": "all", "warn": ["` + c.event + `"]}`} {
				if res := mustElt(t, dir, "parse", "--warn-error-options", opts); !strings.Contains(res.stdout, c.message) {
					t.Errorf("--warn-error-options %s: no warning %q:\n%s", opts, c.message, res.stdout)
				}
			}
			if res := mustElt(t, dir, "parse", "--warn-error-options", `{"silence": ["`+c.event+`"]}`); strings.Contains(res.stdout, c.message) {
				t.Errorf("a silenced warning is shown:\n%s", res.stdout)
			}
		})
	}
}
