package compiler

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/elt-dev/elt/internal/sharedtest"
	"github.com/elt-dev/elt/jinja"
)

// Differential tests of modules.re against Python's re: the templates of
// testdata/pyre/cases.txt render through elt's compiler and must give
// the answers Python gave (testdata/pyre/answers.json, recorded by
// scripts/re-oracle.py through dbt's Jinja2 environment). With python3
// and jinja2 installed, TestPyreOracle asks Python again and fails when
// a recorded answer changed; -update rewrites the answers.

const (
	pyreCases   = "testdata/pyre/cases.txt"
	pyreAnswers = "testdata/pyre/answers.json"
)

// pyreUnsupported are the cases Python answers and elt refuses, with
// what elt's NotImplementedError must name.
var pyreUnsupported = map[string]string{
	"unsupported_named_character": `named character escape \N{EM DASH}`,
}

type pyreCase struct{ name, template string }

// readPyreCases reads cases.txt as scripts/re-oracle.py does: a section's
// lines up to the next "-- name --" marker, trailing empty lines dropped.
func readPyreCases(t *testing.T) []pyreCase {
	t.Helper()
	data, err := os.ReadFile(pyreCases)
	if err != nil {
		t.Fatal(err)
	}
	marker := regexp.MustCompile(`^-- (.+) --$`)
	var cases []pyreCase
	var cur *pyreCase
	var lines []string
	flush := func() {
		for len(lines) > 0 && lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		cur.template = strings.Join(lines, "\n")
		cases = append(cases, *cur)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if m := marker.FindStringSubmatch(line); m != nil {
			if cur != nil {
				flush()
			}
			cur, lines = &pyreCase{name: m[1]}, nil
			continue
		}
		if cur != nil {
			lines = append(lines, line)
		}
	}
	if cur != nil {
		flush()
	}
	return cases
}

type pyreAnswer struct {
	Output  *string `json:"output,omitempty"`
	Error   string  `json:"error,omitempty"`
	Message string  `json:"message,omitempty"`
}

func (a pyreAnswer) String() string {
	if a.Output != nil {
		return "output " + strconv.Quote(*a.Output)
	}
	return a.Error + ": " + a.Message
}

func readPyreAnswers(t *testing.T) map[string]pyreAnswer {
	t.Helper()
	data, err := os.ReadFile(pyreAnswers)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]pyreAnswer
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// renderModel compiles a one-model project and returns the model's
// compiled SQL.
func renderModel(t *testing.T, template string) (string, error) {
	t.Helper()
	m, err := Parse(context.Background(), newProject(map[string]string{"models/m.sql": template}), testOptions())
	if err == nil {
		err = m.Compile(context.Background(), nil)
	}
	if err != nil {
		return "", err
	}
	return m.Nodes["model.shop.m"].CompiledCode, nil
}

// errorKindRE finds the exception class in a compile error's text:
// "models/m.sql:1:38: re.error: missing ), ...".
var errorKindRE = regexp.MustCompile(`^[^:]*:\d+:\d+: ([A-Za-z_.]+): `)

// errorKind is the Python exception class an elt error stands for.
func errorKind(err error) string {
	var je *jinja.Error
	kind := ""
	if errors.As(err, &je) {
		kind = je.Kind
	} else if m := errorKindRE.FindStringSubmatch(err.Error()); m != nil {
		kind = m[1]
	}
	if kind == "re.error" {
		return "error"
	}
	return kind
}

func TestPyreAgainstPython(t *testing.T) {
	answers := readPyreAnswers(t)
	cases := readPyreCases(t)
	if len(cases) < 80 {
		t.Fatalf("%d cases, want at least 80", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, ok := answers[c.name]
			if !ok {
				t.Fatalf("no recorded answer: run go test ./compiler -run TestPyreOracle -update")
			}
			got, err := renderModel(t, "{% set re = modules.re %}"+c.template)
			if feature, ok := pyreUnsupported[c.name]; ok {
				if err == nil || errorKind(err) != "NotImplementedError" {
					t.Fatalf("want NotImplementedError naming %q, got %q, %v", feature, got, err)
				}
				if !strings.Contains(err.Error(), feature) || !strings.Contains(err.Error(), "is not supported by elt") {
					t.Fatalf("error should name %q:\n%v", feature, err)
				}
				return
			}
			switch {
			case want.Output != nil && err != nil:
				t.Fatalf("Python rendered %q; elt failed: %v", *want.Output, err)
			case want.Output != nil && got != *want.Output:
				t.Fatalf("\nwant %q\ngot  %q", *want.Output, got)
			case want.Output == nil && err == nil:
				t.Fatalf("Python raised %s (%s); elt rendered %q", want.Error, want.Message, got)
			case want.Output == nil && errorKind(err) != want.Error:
				t.Fatalf("Python raised %s (%s); elt raised %s: %v", want.Error, want.Message, errorKind(err), err)
			}
		})
	}
	for name := range pyreUnsupported {
		if _, ok := answers[name]; !ok {
			t.Errorf("pyreUnsupported names %s, which is not a case", name)
		}
	}
}

// pyreOracle returns the path of a python3 that can import jinja2, or
// skips.
func pyreOracle(t *testing.T) string {
	t.Helper()
	for _, c := range []string{os.Getenv("JINJA_ORACLE_PYTHON"), "/usr/bin/python3", "python3"} {
		if c == "" {
			continue
		}
		p, err := exec.LookPath(c)
		if err != nil {
			continue
		}
		if exec.Command(p, "-c", "import jinja2").Run() == nil {
			return p
		}
	}
	t.Skip("no python3 with jinja2 (install python3-jinja2 or set JINJA_ORACLE_PYTHON): the recorded answers are used")
	return ""
}

// TestPyreOracle asks Python again: the recorded answers must be what
// Python's re answers today.
func TestPyreOracle(t *testing.T) {
	py := pyreOracle(t)
	script, err := filepath.Abs(filepath.Join("..", "scripts", "re-oracle.py"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, script, pyreCases).Output()
	if err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	if *update {
		if err := os.WriteFile(pyreAnswers, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	var fresh map[string]pyreAnswer
	if err := json.Unmarshal(out, &fresh); err != nil {
		t.Fatal(err)
	}
	recorded := readPyreAnswers(t)
	for name, a := range fresh {
		r, ok := recorded[name]
		switch {
		case !ok:
			t.Errorf("%s: not recorded (run with -update)", name)
		case (a.Output == nil) != (r.Output == nil) || (a.Output != nil && *a.Output != *r.Output) || a.Error != r.Error:
			t.Errorf("%s: recorded answer differs from Python's\nrecorded: %s\npython:   %s", name, r, a)
		}
	}
	for name := range recorded {
		if _, ok := fresh[name]; !ok {
			t.Errorf("%s: recorded but no longer a case", name)
		}
	}
	t.Run("codegen", func(t *testing.T) {
		tarball := filepath.Join(sharedtest.DBTPackages(t), codegenRelease)
		out, err := exec.Command(py, script, "--codegen", tarball, codegenModel).Output()
		if err != nil {
			t.Fatalf("%s --codegen: %v", script, err)
		}
		if *update {
			if err := os.WriteFile(codegenGolden, out, 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		if recorded, err := os.ReadFile(codegenGolden); err != nil || string(recorded) != string(out) {
			t.Errorf("%s differs from Python's answer (%v):\n%s", codegenGolden, err, out)
		}
	})
}

const (
	codegenRelease = "dbt-codegen-0.14.1.tar.gz"
	codegenModel   = "testdata/pyre/codegen_orders.sql"
	codegenGolden  = "testdata/pyre/codegen_import_ctes.sql"
)

// packageMacros returns the macro files of a package release (paths
// relative to its top folder).
func packageMacros(t *testing.T, tarball string) map[string]string {
	t.Helper()
	f, err := os.Open(tarball)
	if err != nil {
		t.Skipf("%s is absent: %v", tarball, err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		_, rest, _ := strings.Cut(path.Clean(h.Name), "/")
		if h.Typeflag != tar.TypeReg || !strings.HasPrefix(rest, "macros/") || !strings.HasSuffix(rest, ".sql") {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[rest] = string(b)
	}
	return files
}

// TestPyreCodegenImportCTEs renders dbt-codegen's generate_model_import_ctes,
// whose patterns are verbose, case-insensitive and end in lookaheads,
// through elt and compares with what dbt's Jinja2 and Python's re return
// for the same model (scripts/re-oracle.py --codegen).
func TestPyreCodegenImportCTEs(t *testing.T) {
	shared := sharedtest.DBTPackages(t)
	model, err := os.ReadFile(codegenModel)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(codegenGolden)
	if err != nil {
		t.Fatal(err)
	}
	p := newProject(map[string]string{
		"models/orders.sql":        string(model),
		"models/stg_orders.sql":    "select 1 as id",
		"models/stg_customers.sql": "select 1 as id",
		"models/stg_payments.sql":  "select 1 as order_id",
		"models/imports.sql":       "{{ codegen.generate_model_import_ctes('orders') }}",
	})
	withPackage(p, "codegen", packageMacros(t, filepath.Join(shared, codegenRelease)))
	m, err := Parse(context.Background(), p, testOptions())
	if err == nil {
		err = m.Compile(context.Background(), nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Nodes["model.shop.imports"].CompiledCode; got != string(want) {
		t.Errorf("generate_model_import_ctes\nwant:\n%s\ngot:\n%s", want, got)
	}
}

// refusalKind drops the part of a refusal that quotes the pattern.
var refusalKind = regexp.MustCompile(`^repeat .*? of something`)

var (
	pyreGenCount = flag.Int("pyregen", 0, "TestPyreGenerated: how many random patterns to compare with Python's re")
	pyreGenSeed  = flag.Int("pyreseed", 1, "TestPyreGenerated: the random seed")
)

// TestPyreGenerated compares elt with Python's re on random patterns and
// strings (scripts/re-oracle.py --generate): go test ./compiler -run
// TestPyreGenerated -pyregen 20000 [-pyreseed 2]. An answer that differs
// fails; a refusal (NotImplementedError) is counted and listed.
func TestPyreGenerated(t *testing.T) {
	if *pyreGenCount == 0 {
		t.Skip("run with -pyregen N to compare N random patterns with Python's re")
	}
	py := pyreOracle(t)
	script, err := filepath.Abs(filepath.Join("..", "scripts", "re-oracle.py"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, script, "--generate", fmt.Sprint(*pyreGenCount), fmt.Sprint(*pyreGenSeed)).Output()
	if err != nil {
		t.Fatalf("%s --generate: %v", script, err)
	}
	var cache reCache
	refused := map[string]int{}
	differ := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var c struct {
			Pattern string
			Flags   int
			String  string
			Pos     int
			Want    map[string]any
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		pv, compileErr := cache.get(c.Pattern, c.Flags)
		for _, op := range []string{"search", "match", "fullmatch", "findall", "sub", "split"} {
			var v any
			err := compileErr
			if err == nil {
				switch op {
				case "search", "match":
					v, err = pv.matchFn(op, c.String, int64(c.Pos), reNoArg)
				case "fullmatch":
					v, err = pv.matchFn(op, c.String, reNoArg, reNoArg)
				case "findall":
					v, err = pv.findall(c.String, reNoArg, reNoArg)
				case "sub":
					v, _, err = pv.subn(nil, "sub", `<\g<0>>`, c.String, reNoArg)
				case "split":
					v, err = pv.split(c.String, reNoArg)
				}
			}
			var got any
			switch {
			case errors.Is(err, errRegexUnsupported):
				msg := err.Error()
				msg = msg[strings.Index(msg, "feature ")+8 : strings.Index(msg, " is not supported")]
				refused[refusalKind.ReplaceAllString(msg, "repeat X of something")]++
				continue
			case err != nil:
				got = map[string]any{"error": errorKind(err)}
			default:
				if m, ok := v.(*reMatchValue); ok {
					v, _ = m.GetAttr("regs")
				}
				b, _ := json.Marshal(jinja.Plain(v, nil))
				_ = json.Unmarshal(b, &got)
			}
			if !reflect.DeepEqual(got, c.Want[op]) {
				differ++
				if differ <= 30 {
					t.Errorf("%s(%q, flags=%d, %q, pos=%d):\nwant %v\ngot  %v", op, c.Pattern, c.Flags, c.String, c.Pos, c.Want[op], got)
				}
			}
		}
	}
	var lines []string
	for what, n := range refused {
		lines = append(lines, fmt.Sprintf("%6d  %s", n, what))
	}
	sort.Sort(sort.Reverse(sort.StringSlice(lines)))
	t.Logf("%d patterns, %d answers differ; refused:\n%s", *pyreGenCount, differ, strings.Join(lines, "\n"))
}

// TestPyreUnicodeTables checks the character data the translation uses
// (\w \d \s, lowercase, what counts as cased, the extra case equivalents)
// against Python's, for every character Python's Unicode version assigns.
func TestPyreUnicodeTables(t *testing.T) {
	py := pyreOracle(t)
	script, err := filepath.Abs(filepath.Join("..", "scripts", "re-oracle.py"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, script, "--unicode").Output()
	if err != nil {
		t.Fatalf("%s --unicode: %v", script, err)
	}
	var data struct {
		UnicodeVersion                        string `json:"unicode_version"`
		Word, Digit, Space, Cased, Unassigned [][2]rune
		Lower                                 [][2]rune
		ExtraCases                            map[string][]rune `json:"extra_cases"`
	}
	if err := json.Unmarshal(out, &data); err != nil {
		t.Fatal(err)
	}
	toSet := func(rs [][2]rune) runeSet {
		var out []runeRange
		for _, r := range rs {
			out = append(out, runeRange{r[0], r[1]})
		}
		return normalizeRunes(out)
	}
	unassigned := toSet(data.Unassigned)
	tables := pyReTables()
	for _, c := range []struct {
		name    string
		elt, py runeSet
	}{
		{`\w`, tables.word, toSet(data.Word)},
		{`\d`, tables.digit, toSet(data.Digit)},
		{`\s`, tables.space, toSet(data.Space)},
		{"cased", tables.cased, toSet(data.Cased)},
	} {
		diff := c.elt.minus(c.py).union(c.py.minus(c.elt)).minus(unassigned)
		if len(diff) > 0 {
			t.Errorf("%s differs from Python's (Unicode %s) at %v", c.name, data.UnicodeVersion, diff)
		}
	}
	pyLower := map[rune]rune{}
	for _, l := range data.Lower {
		pyLower[l[0]] = l[1]
	}
	fold := caseFold{t: tables}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		want, ok := pyLower[r]
		if !ok {
			want = r
		}
		if got := fold.lower(r); got != want && !unassigned.contains(r) {
			t.Errorf("lowercase of %U: Python %U, elt %U", r, want, got)
		}
	}
	for k, vs := range data.ExtraCases {
		var r rune
		fmt.Sscan(k, &r)
		got := append([]rune{}, tables.fixes[r]...)
		sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
		sort.Slice(vs, func(i, j int) bool { return vs[i] < vs[j] })
		if !reflect.DeepEqual(got, vs) {
			t.Errorf("case equivalents of %U: Python %U, elt %U", r, vs, got)
		}
	}
	if len(tables.fixes) != len(data.ExtraCases) {
		t.Errorf("%d characters with extra case equivalents, Python has %d", len(tables.fixes), len(data.ExtraCases))
	}
}
