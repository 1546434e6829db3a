package yamlsafe

import (
	"fmt"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestDuplicateKeyWarnings: a key set twice is reported at its second
// line, naming the line before, in a small mapping (looked back over) and
// in a large one (looked up in a map), and once only under an anchor that
// aliases reuse.
func TestDuplicateKeyWarnings(t *testing.T) {
	var large strings.Builder
	for i := range 20 {
		fmt.Fprintf(&large, "  k%d: %d\n", i, i)
	}
	large.WriteString("  k3: again\n  k3: thrice\n")
	cases := []struct {
		name, doc string
		want      []string
	}{
		{"small", "a: 1\nb: 2\na: 3\n", []string{"f.yml:3:1: warning: a is set twice (first at line 1); the value at line 3 is used"}},
		{"thrice", "a: 1\na: 2\na: 3\n", []string{
			"f.yml:2:1: warning: a is set twice (first at line 1); the value at line 2 is used",
			"f.yml:3:1: warning: a is set twice (first at line 2); the value at line 3 is used"}},
		{"large", "m:\n" + large.String(), []string{
			"f.yml:22:3: warning: k3 is set twice (first at line 5); the value at line 22 is used",
			"f.yml:23:3: warning: k3 is set twice (first at line 22); the value at line 23 is used"}},
		{"anchor", "base: &b\n  x: 1\n  x: 2\none: *b\ntwo:\n  <<: *b\n  y: 1\n", []string{"f.yml:3:3: warning: x is set twice (first at line 2); the value at line 3 is used"}},
		{"none", "a: 1\nb:\n  a: 2\n", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var root yaml.Node
			if err := yaml.Unmarshal([]byte(c.doc), &root); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range DuplicateKeys("f.yml", &root) {
				got = append(got, strings.SplitN(d.Error(), "\n", 2)[0])
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}
