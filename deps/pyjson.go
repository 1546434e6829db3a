package deps

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/elt-dev/elt/jinja"
)

// packagesHash is dbt's _create_sha1_hash: each root package's
// PackageSpec.to_dict() dumped as json.dumps(..., sort_keys=True), the
// lines sorted, joined with "\n", SHA-1 in hex. to_dict includes the
// entry's rendered fields (None included) and its unrendered form.
func packagesHash(reqs []*Requirement) string {
	lines := make([]string, 0, len(reqs))
	for _, r := range reqs {
		lines = append(lines, pyJSON(r.hashDict))
	}
	sort.Strings(lines)
	sum := sha1.Sum([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(sum[:])
}

// pyJSON is Python's json.dumps(v, sort_keys=True) with its default
// separators (", " and ": ") and ensure_ascii. Values json cannot encode
// are written as their text, as the packages file only holds plain values.
func pyJSON(v any) string {
	s, err := jinja.DumpJSON(v, jinja.JSONOptions{SortKeys: true, Default: func(x any) (any, error) { return fmt.Sprint(x), nil }})
	if err != nil {
		return fmt.Sprint(v)
	}
	return s
}
