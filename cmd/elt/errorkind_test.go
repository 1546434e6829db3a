package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestNodeErrorKinds: a failing node's message is dbt's str() of the
// exception it raises (dbt-common's DbtRuntimeError.__str__): "<Kind>
// Error in model <name> (<file>)" and the message's lines indented by two
// spaces. dbt-duckdb raises DuckDB's errors as DbtRuntimeError; a name
// Jinja cannot find is dbt-common's UndefinedMacroError, with its advice.
// run_results.json holds that text alone; the console prints it under
// "Failure in ..." and adds where in the file elt found the error.
func TestNodeErrorKinds(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/bad.sql", "select 1 as a frm\n")
	writeFile(t, dir, "models/bad3.sql", "select {{ undefined_fn() }}\n")
	writeFile(t, dir, "models/good.sql", "select 1 as x\n")
	res := elt(t, dir, "run")
	if res.code != exitFailed {
		t.Fatalf("run: exit %d, want %d\n%s%s", res.code, exitFailed, res.stdout, res.stderr)
	}
	got := resultMessages(t, dir)
	if m := got["model.p.bad"]; m[0] != "error" || !strings.HasPrefix(m[1], "Runtime Error in model bad (models/bad.sql)\n  Parser Error: syntax error at or near \"frm\"\n  \n  LINE ") {
		t.Errorf("bad: got %q", m)
	}
	undefined := "Compilation Error in model bad3 (models/bad3.sql)\n  'undefined_fn' is undefined. This can happen when calling a macro that does not exist. Check for typos and/or install package dependencies with \"dbt deps\"."
	if m := got["model.p.bad3"]; m != [2]string{"error", undefined} {
		t.Errorf("bad3: got %q\nwant %q", m, undefined)
	}
	for _, line := range []string{
		"Completed with 2 errors, 0 partial successes, and 0 warnings:",
		"Failure in model bad (models/bad.sql)\n",
		"  Runtime Error in model bad (models/bad.sql)\n",
		"  Parser Error: syntax error at or near \"frm\"\n",
		"  at models/bad.sql:1\n",
		"Failure in model bad3 (models/bad3.sql)\n",
		"  Compilation Error in model bad3 (models/bad3.sql)\n",
		"  'undefined_fn' is undefined. This can happen",
		"  at models/bad3.sql:1:23\n",
		"  compiled code at target/compiled/p/models/bad.sql\n",
	} {
		if !strings.Contains(res.stdout, line) {
			t.Errorf("stdout lacks %q:\n%s", line, res.stdout)
		}
	}
	// bad3 did not compile: dbt's node has no compiled_path to name
	// (print_run_result_error), and elt wrote no file.
	wantNone(t, res.stdout, "compiled code at target/compiled/p/models/bad3.sql")

	// In JSON logs dbt's RunResultError is dbt's alone (msg and text);
	// elt's place follows in an event of its own.
	res = elt(t, dir, "--log-format=json", "run", "-s", "bad3")
	var sawError, sawDetail bool
	for _, line := range strings.Split(res.stdout, "\n") {
		var ev struct {
			Info struct{ Name, Msg string }
			Data map[string]any
		}
		if json.Unmarshal([]byte(line), &ev) != nil {
			continue
		}
		switch ev.Info.Name {
		case "RunResultError":
			sawError = true
			if ev.Data["msg"] != undefined || ev.Info.Msg != "  "+undefined {
				t.Errorf("RunResultError: msg %q, data %q", ev.Info.Msg, ev.Data["msg"])
			}
		case "NodeErrorDetail":
			sawDetail = true
			if ev.Data["detail"] != "at models/bad3.sql:1:23" {
				t.Errorf("NodeErrorDetail: %v", ev.Data)
			}
		}
	}
	if !sawError || !sawDetail {
		t.Errorf("JSON log lacks RunResultError (%v) or NodeErrorDetail (%v):\n%s", sawError, sawDetail, res.stdout)
	}
}

// TestMacroStackInErrors: a CompilationError raised in a macro names the
// macros it left, innermost first, then the node, under its message
// (dbt-common's CallableMacroGenerator.exception_handler appends each
// macro, DbtRuntimeError.process_stack prints "> in" and "> called by").
// Jinja's own error in a macro (an undefined name) becomes a
// CaughtMacroErrorWithNodeError there: Jinja's message without
// UndefinedMacroError's advice, on a stack that starts with the macro
// that called the failing one. The console keeps elt's place.
func TestMacroStackInErrors(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "macros/fail.sql", `{% macro inner_fail(x) %}
  {% if execute %}{{ exceptions.raise_compiler_error("boom " ~ x) }}{% endif %}
{% endmacro %}
`)
	writeFile(t, dir, "macros/outer.sql", `{% macro outer(x) %}
  select {{ inner_fail(x) }} as a
{% endmacro %}

{% macro undefined_inner() %}
  {% if execute %}{{ nope.attr }}{% endif %}
{% endmacro %}

{% macro undefined_outer() %}
  select {{ undefined_inner() }} as a
{% endmacro %}
`)
	writeFile(t, dir, "models/chain.sql", "{{ outer(1) }}\n")
	writeFile(t, dir, "models/direct.sql", "select {{ inner_fail(2) }} as a\n")
	writeFile(t, dir, "models/undef.sql", "{{ undefined_outer() }}\n")
	writeFile(t, dir, "models/undef_direct.sql", "select {{ undefined_inner() }} 1 as a\n")
	writeFile(t, dir, "models/top.sql", "select {% if execute %}{{ exceptions.raise_compiler_error('top') }}{% endif %} 1 as a\n")
	res := elt(t, dir, "run")
	if res.code != exitFailed {
		t.Fatalf("run: exit %d, want %d\n%s%s", res.code, exitFailed, res.stdout, res.stderr)
	}
	chain := "Compilation Error in model chain (models/chain.sql)\n  boom 1\n  \n" +
		"  > in macro inner_fail (macros/fail.sql)\n" +
		"  > called by macro outer (macros/outer.sql)\n" +
		"  > called by model chain (models/chain.sql)"
	want := map[string]string{
		"model.p.chain": chain,
		"model.p.direct": "Compilation Error in model direct (models/direct.sql)\n  boom 2\n  \n" +
			"  > in macro inner_fail (macros/fail.sql)\n" +
			"  > called by model direct (models/direct.sql)",
		"model.p.undef": "Compilation Error in model undef (models/undef.sql)\n  'nope' is undefined\n  \n" +
			"  > in macro undefined_outer (macros/outer.sql)\n" +
			"  > called by model undef (models/undef.sql)",
		// The macro that raised Jinja's error is not on the stack, and
		// the node alone makes none.
		"model.p.undef_direct": "Compilation Error in model undef_direct (models/undef_direct.sql)\n  'nope' is undefined",
		// Raised in the model itself: no stack.
		"model.p.top": "Compilation Error in model top (models/top.sql)\n  top",
	}
	got := resultMessages(t, dir)
	for id, w := range want {
		if got[id] != [2]string{"error", w} {
			t.Errorf("%s:\ngot  %q\nwant %q", id, got[id], w)
		}
	}
	// The console prints the message under "Failure in ...", then elt's
	// place with its chain of calls.
	block := "  " + chain + "\n" +
		"  at models/chain.sql:1:9: boom 1 (models/chain.sql:1 → macros/outer.sql:2 → macros/fail.sql:2)\n"
	lines := strings.Split(res.stdout, "\n")
	for i, l := range lines {
		if len(l) >= 10 && l[2] == ':' && l[5] == ':' && l[8:10] == "  " {
			lines[i] = l[10:] // the time each line starts with
		}
	}
	if !strings.Contains(strings.Join(lines, "\n"), block) {
		t.Errorf("stdout lacks\n%s\n%s", block, res.stdout)
	}
}

// TestNodeErrorKindsPostgres: dbt-postgres raises the server's errors as
// DbtDatabaseError of psycopg2's message, libpq's report without its
// severity: the message, the statement's line and a caret under the
// position.
func TestNodeErrorKindsPostgres(t *testing.T) {
	schema := "errkind_pg"
	pgEnv(t, schema)
	conn, err := pgx.Connect(context.Background(), os.Getenv("ELT_TEST_POSTGRES_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	t.Cleanup(func() { _, _ = conn.Exec(context.Background(), "drop schema if exists "+schema+" cascade") })
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", pgProfile)
	writeFile(t, dir, "models/bad.sql", "select 1 as a frm\n")
	res := elt(t, dir, "run")
	if res.code != exitFailed {
		t.Fatalf("run: exit %d, want %d\n%s%s", res.code, exitFailed, res.stdout, res.stderr)
	}
	m := resultMessages(t, dir)["model.p.bad"]
	lines := strings.Split(m[1], "\n")
	if m[0] != "error" || len(lines) != 4 || lines[0] != "Database Error in model bad (models/bad.sql)" ||
		lines[1] != `  syntax error at or near "frm"` || !strings.HasPrefix(lines[2], "  LINE ") || !strings.HasSuffix(lines[2], ": select 1 as a frm") {
		t.Fatalf("got %q", m)
	}
	// The caret is under "frm".
	if caret := strings.Index(lines[3], "^"); caret != strings.Index(lines[2], "frm") || strings.TrimSpace(lines[3]) != "^" {
		t.Errorf("caret misplaced:\n%s", m[1])
	}
}

// TestRefNotFoundAsDBT: a ref to no model fails the parse with dbt's
// TargetNotFoundError message (elt keeps its place and hint); one the
// parse cannot see (under execute) fails its node when it renders, as
// dbt's RuntimeRefResolver raises the same error there.
func TestRefNotFoundAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/good.sql", "select 1 as x\n")
	writeFile(t, dir, "models/bad4.sql", "select * from {{ ref('nope') }}\n")
	res := elt(t, dir, "run")
	if want := "models/bad4.sql:1: Model 'model.p.bad4' (models/bad4.sql) depends on a node named 'nope' which was not found"; res.code != exitUsage || !strings.Contains(res.stderr, want) {
		t.Errorf("run: exit %d, want %d and %q\n%s%s", res.code, exitUsage, want, res.stdout, res.stderr)
	}
	writeFile(t, dir, "models/bad4.sql", "{% if execute %}select * from {{ ref('nope') }}{% else %}select 1 as x{% endif %}\n")
	res = elt(t, dir, "run")
	if res.code != exitFailed {
		t.Fatalf("run: exit %d, want %d\n%s%s", res.code, exitFailed, res.stdout, res.stderr)
	}
	want := "Compilation Error in model bad4 (models/bad4.sql)\n  Model 'model.p.bad4' (models/bad4.sql) depends on a node named 'nope' which was not found"
	if got := resultMessages(t, dir)["model.p.bad4"]; got != [2]string{"error", want} {
		t.Errorf("bad4: got %q\nwant %q", got, want)
	}
}

// TestCheckErrorsAreCompilationErrors: the checks dbt's macros make and
// fail with raise_compiler_error (an incremental model's
// on_schema_change: fail) or a ContractError are dbt's CompilationErrors
// (dbt's tests/functional/incremental_schema_tests and contracts assert
// "Compilation Error" in the message).
func TestCheckErrorsAreCompilationErrors(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/inc.sql", "{{ config(materialized='incremental', on_schema_change='fail') }}\nselect 1 as id\n")
	mustElt(t, dir, "run")
	writeFile(t, dir, "models/inc.sql", "{{ config(materialized='incremental', on_schema_change='fail') }}\nselect 1 as id, 2 as x\n")
	if res := elt(t, dir, "run"); res.code != exitFailed {
		t.Fatalf("run: exit %d, want %d\n%s%s", res.code, exitFailed, res.stdout, res.stderr)
	}
	if got := resultMessages(t, dir)["model.p.inc"]; got[0] != "error" ||
		!strings.HasPrefix(got[1], "Compilation Error in model inc (models/inc.sql)\n  model.p.inc: The source and target schemas on this incremental model are out of sync") {
		t.Errorf("inc: got %q", got)
	}
	writeFile(t, dir, "models/inc.sql", "{{ config(materialized='table', contract={'enforced': true}) }}\nselect 1 as id\n")
	if res := elt(t, dir, "run"); res.code != exitFailed {
		t.Fatalf("run: exit %d, want %d\n%s%s", res.code, exitFailed, res.stdout, res.stderr)
	}
	want := "Compilation Error in model inc (models/inc.sql)\n  This model has an enforced contract, and its 'columns' specification is missing"
	if got := resultMessages(t, dir)["model.p.inc"]; got != [2]string{"error", want} {
		t.Errorf("inc: got %q\nwant %q", got, want)
	}
}
