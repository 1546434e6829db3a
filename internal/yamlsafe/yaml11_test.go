package yamlsafe

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// pyYAMLAnswers are PyYAML 6.0 SafeLoader's readings of plain scalars (as
// yaml.safe_load("- " + text) gives them; floats as Python's repr, with
// .inf and .nan for YAML's spelling), which elt must give too. "date:"
// marks a PyYAML date or datetime: elt keeps the text written.
var pyYAMLAnswers = []struct{ text, want string }{
	{"yes", "bool:True"},
	{"Yes", "bool:True"},
	{"YES", "bool:True"},
	{"no", "bool:False"},
	{"No", "bool:False"},
	{"NO", "bool:False"},
	{"true", "bool:True"},
	{"True", "bool:True"},
	{"TRUE", "bool:True"},
	{"false", "bool:False"},
	{"False", "bool:False"},
	{"FALSE", "bool:False"},
	{"on", "bool:True"},
	{"On", "bool:True"},
	{"ON", "bool:True"},
	{"off", "bool:False"},
	{"Off", "bool:False"},
	{"OFF", "bool:False"},
	{"y", "str:y"},
	{"Y", "str:Y"},
	{"n", "str:n"},
	{"N", "str:N"},
	{"yES", "str:yES"},
	{"tRUE", "str:tRUE"},
	{"oN", "str:oN"},
	{"~", "null:"},
	{"null", "null:"},
	{"Null", "null:"},
	{"NULL", "null:"},
	{"nULL", "str:nULL"},
	{"0", "int:0"},
	{"-0", "int:0"},
	{"+0", "int:0"},
	{"00", "int:0"},
	{"017", "int:15"},
	{"-017", "int:-15"},
	{"0_17", "int:15"},
	{"08", "str:08"},
	{"09", "str:09"},
	{"0o17", "str:0o17"},
	{"0x1F", "int:31"},
	{"0X1F", "str:0X1F"},
	{"0x_1f", "int:31"},
	{"-0x1F", "int:-31"},
	{"0b101", "int:5"},
	{"-0b101", "int:-5"},
	{"0b", "str:0b"},
	{"1_000", "int:1000"},
	{"_1000", "str:_1000"},
	{"1000_", "int:1000"},
	{"+12", "int:12"},
	{"-12", "int:-12"},
	{"1:30", "int:90"},
	{"-1:30", "int:-90"},
	{"1:30:15", "int:5415"},
	{"190:20:30", "int:685230"},
	{"1:60", "str:1:60"},
	{"1:5", "int:65"},
	{"1_0:30", "int:630"},
	{"0:30", "str:0:30"},
	{"1:2:3", "int:3723"},
	{"9223372036854775807", "int:9223372036854775807"},
	{"-9223372036854775808", "int:-9223372036854775808"},
	{"1.0", "float:1.0"},
	{"1.", "float:1.0"},
	{".5", "float:0.5"},
	{"-.5", "str:-.5"},
	{"+.5", "str:+.5"},
	{"1.5", "float:1.5"},
	{"-1.5", "float:-1.5"},
	{"1e3", "str:1e3"},
	{"1E3", "str:1E3"},
	{"1.0e3", "str:1.0e3"},
	{"1.0e+3", "float:1000.0"},
	{"1.0E-3", "float:0.001"},
	{"1e+3", "str:1e+3"},
	{"1.e+3", "float:1000.0"},
	{"1_000.5", "float:1000.5"},
	{".5_0", "float:0.5"},
	{"1:30.5", "float:90.5"},
	{"-1:30.5", "float:-90.5"},
	{"0:30.", "float:30.0"},
	{"1:30.5e+3", "str:1:30.5e+3"},
	{".inf", "float:.inf"},
	{".Inf", "float:.inf"},
	{".INF", "float:.inf"},
	{"-.inf", "float:-.inf"},
	{"+.inf", "float:.inf"},
	{".nan", "float:.nan"},
	{".NaN", "float:.nan"},
	{".NAN", "float:.nan"},
	{"-.nan", "str:-.nan"},
	{"inf", "str:inf"},
	{"nan", "str:nan"},
	{"1.0e+999", "float:.inf"},
	{"6.02e+23", "float:6.02e+23"},
	{"1.0e-10", "float:1e-10"},
	{"1_._5", "float:1.5"},
	{"3.14159265358979", "float:3.14159265358979"},
	{"1000000000000000.0", "float:1000000000000000.0"},
	{"10000000000000000.0", "float:1e+16"},
	{"0.0001", "float:0.0001"},
	{"0.00001", "float:1e-05"},
	{"-0.0", "float:-0.0"},
	{"2020-01-01", "date:2020-01-01"},
	{"2020-1-1", "str:2020-1-1"},
	{"2001-12-14t21:59:43.10-05:00", "date:2001-12-14t21:59:43.10-05:00"},
	{"2001-12-14 21:59:43.10 -5", "date:2001-12-14 21:59:43.10 -5"},
	{"2020-01-01T12:00:00Z", "date:2020-01-01T12:00:00Z"},
	{"2020-01-01 12:00:00", "date:2020-01-01 12:00:00"},
	{"2020-01-01x", "str:2020-01-01x"},
	{"abc", "str:abc"},
	{"12abc", "str:12abc"},
	{"1.2.3", "str:1.2.3"},
	{"0x", "str:0x"},
	{"0xG", "str:0xG"},
	{"v1.0", "str:v1.0"},
	{"1_", "int:1"},
	{".5.", "str:.5."},
	{"+", "str:+"},
	{"-1e3", "str:-1e3"},
	{"1,000", "str:1,000"},
	{"prefer", "str:prefer"},
	{"disable", "str:disable"},
}

// pyYAMLDeviations are texts where elt knowingly reads otherwise: PyYAML
// raises (ValueError for 0b_ and 0x_, ConstructorError for =), so dbt
// refuses the file, and elt keeps them as strings; an int beyond int64
// (PyYAML's are unbounded) keeps yaml.v3's reading.
var pyYAMLDeviations = []struct{ text, want string }{
	{"0b_", "str:0b_"},
	{"0x_", "str:0x_"},
	{"=", "str:="},
	{"9223372036854775808", "int:9223372036854775808"},
	{"99999999999999999999", "float:1e+20"},
}

// describe spells a decoded value as the answers do.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null:"
	case bool:
		if x {
			return "bool:True"
		}
		return "bool:False"
	case int, int64, uint64:
		return fmt.Sprintf("int:%d", x)
	case float64:
		return "float:" + pyFloat(x)
	case string:
		return "str:" + x
	}
	return fmt.Sprintf("%T:%v", v, v)
}

// readAs11 is what elt reads from the plain scalar text: parsed by
// yaml.v3, resolved by Resolve11, decoded as any reader of the tree does.
func readAs11(t *testing.T, text string) string {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("- "+text+"\n"), &doc); err != nil {
		t.Fatalf("%q: %v", text, err)
	}
	Resolve11(&doc)
	var v []any
	if err := doc.Decode(&v); err != nil {
		t.Fatalf("%q: decoding the resolved tree: %v", text, err)
	}
	return describe(v[0])
}

func TestResolve11ReadsAsPyYAML(t *testing.T) {
	for _, c := range append(pyYAMLAnswers, pyYAMLDeviations...) {
		want, _ := strings.CutPrefix(c.want, "date:")
		if want != c.want {
			want = "str:" + want
		}
		if got := readAs11(t, c.text); got != want {
			t.Errorf("%q: got %s, want %s", c.text, got, want)
		}
	}
}

// pyYAMLReader prints PyYAML's reading of each line of its input as a
// plain scalar, spelled as describe does; "skip" when the line is not read
// as one scalar, "error" when PyYAML refuses it.
const pyYAMLReader = `
import datetime, math, sys, yaml
for text in sys.stdin.read().split("\n")[:-1]:
    try:
        doc = yaml.safe_load("- " + text + "\n")
    except Exception:
        print("error"); continue
    v = doc[0] if isinstance(doc, list) and len(doc) == 1 else []
    if isinstance(v, bool): print("bool:%s" % v)
    elif isinstance(v, int): print("int:%d" % v)
    elif isinstance(v, float):
        print("float:" + (".nan" if math.isnan(v) else ".inf" if v == math.inf else "-.inf" if v == -math.inf else repr(v)))
    elif v is None: print("null:")
    elif isinstance(v, (datetime.date, datetime.datetime)): print("str:" + text)
    elif isinstance(v, str): print("str:" + v)
    else: print("skip")
`

// TestResolve11AgainstPyYAML asks PyYAML itself, when python3 and its yaml
// module are here, about the texts above and every text of up to three
// characters that numbers, booleans and their near misses are made of.
func TestResolve11AgainstPyYAML(t *testing.T) {
	if err := exec.Command("python3", "-c", "import yaml").Run(); err != nil {
		t.Skip("python3 with PyYAML is not available:", err)
	}
	texts := []string{}
	for _, c := range append(pyYAMLAnswers, pyYAMLDeviations...) {
		texts = append(texts, c.text)
	}
	const alphabet = "0189._:+-eEbxnoO_"
	var grow func(prefix string)
	grow = func(prefix string) {
		if len(prefix) == 3 {
			return
		}
		for _, r := range alphabet {
			texts = append(texts, prefix+string(r))
			grow(prefix + string(r))
		}
	}
	grow("")
	cmd := exec.Command("python3", "-c", pyYAMLReader)
	cmd.Stdin = strings.NewReader(strings.Join(texts, "\n") + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	answers := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(answers) != len(texts) {
		t.Fatalf("python3 answered %d of %d texts", len(answers), len(texts))
	}
	deviates := map[string]bool{}
	for _, c := range pyYAMLDeviations {
		deviates[c.text] = true
	}
	compared := 0
	for i, text := range texts {
		want := answers[i]
		if want == "error" {
			// PyYAML refuses it (0b_); elt keeps the text.
			want = "str:" + text
		}
		if want == "skip" || deviates[text] {
			continue
		}
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte("- "+text+"\n"), &doc); err != nil {
			continue // yaml.v3's syntax, not its resolution, differs
		}
		compared++
		if got := readAs11(t, text); got != want {
			t.Errorf("%q: elt reads %s, PyYAML %s", text, got, answers[i])
		}
	}
	t.Logf("%d texts compared with PyYAML", compared)
}

// TestResolve11WrittenAndKeys: quoted, block and tagged scalars stay as
// written; keys keep their text unless Resolve11Keys is asked for; an
// alias reads its anchor's resolved value. (!!int 017 is 15 in PyYAML
// and yaml.v3 alike.)
func TestResolve11WrittenAndKeys(t *testing.T) {
	const src = "on: yes\n" +
		"q: 'yes'\n" +
		"d: \"off\"\n" +
		"t: !!str no\n" +
		"b: |-\n  on\n" +
		"i: !!int 017\n" +
		"a: &x 1:30\n" +
		"r: *x\n" +
		"f: [0o17, 1e3, 017]\n"
	read := func(resolve func(*yaml.Node)) map[any]any {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
			t.Fatal(err)
		}
		resolve(&doc)
		var m map[any]any
		if err := doc.Decode(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	want := map[any]any{
		"on": true, "q": "yes", "d": "off", "t": "no", "b": "on", "i": 15, "a": 90, "r": 90,
		"f": []any{"0o17", "1e3", 15},
	}
	if got := read(Resolve11); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Resolve11: got %v, want %v", got, want)
	}
	want[true] = want["on"]
	delete(want, "on")
	if got := read(Resolve11Keys); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Resolve11Keys: got %v, want %v", got, want)
	}
}
