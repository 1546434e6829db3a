package seedheader

import (
	"slices"
	"testing"
)

// TestNames pins agate's deduplicate(column_names=True), which
// names dbt's seed columns.
func TestNames(t *testing.T) {
	cases := []struct {
		header, want []string
		renamed      bool
	}{
		{[]string{"id", "name"}, []string{"id", "name"}, false},
		{[]string{"abc", "abc", "cde", "abc"}, []string{"abc", "abc_2", "cde", "abc_3"}, true},
		{[]string{"a", "a_2", "a"}, []string{"a", "a_2", "a_3"}, true},
		{[]string{"id", "", "x", " "}, []string{"id", "b", "x", "d"}, true},
		{append(make([]string, 27), "x"), nil, true},
		{[]string{"Name", "name"}, []string{"Name", "name"}, false}, // agate compares exactly
	}
	for _, c := range cases {
		got, renamed := Names(c.header)
		if c.want == nil {
			if got[0] != "a" || got[25] != "z" || got[26] != "aa" || got[27] != "x_2" { // the 24th column was named x
				t.Errorf("letter names: %v", got)
			}
			continue
		}
		if !slices.Equal(got, c.want) || renamed != c.renamed {
			t.Errorf("%q: got %q (renamed %v), want %q (%v)", c.header, got, renamed, c.want, c.renamed)
		}
	}
}
