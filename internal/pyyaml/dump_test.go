package pyyaml

import "testing"

// TestDumpSequenceIndent: a mapping's sequence is indentless as PyYAML
// writes it, and indented under its key with IndentSequences, as dbt's
// dbtPackageDumper writes packages.yml; keys sort with SortKeys.
func TestDumpSequenceIndent(t *testing.T) {
	doc := map[string]any{"packages": []any{map[string]any{"package": "a/b", "version": []any{">=1.0.0", "<2.0.0"}}}, "b": true}
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{SortKeys: true}, "b: true\npackages:\n- package: a/b\n  version:\n  - '>=1.0.0'\n  - <2.0.0\n"},
		{Options{SortKeys: true, IndentSequences: true}, "b: true\npackages:\n  - package: a/b\n    version:\n      - '>=1.0.0'\n      - <2.0.0\n"},
	} {
		got, err := Dump(doc, c.o)
		if err != nil || got != c.want {
			t.Errorf("%+v: got %q (%v), want %q", c.o, got, err, c.want)
		}
	}
	if _, err := Dump(struct{}{}, Options{}); err == nil {
		t.Error("a struct dumped without error")
	}
}
