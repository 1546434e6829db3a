// Package seedheader names a seed file's columns as dbt does.
package seedheader

import (
	"fmt"
	"strings"
)

// Names are a seed header's column names as dbt's agate makes
// them (agate.utils.deduplicate with column_names): a name seen before is
// renamed name_2, name_3... (the first keeps its name), and an empty one
// is named by its position as a spreadsheet's columns are (a, b, ...
// z, aa, bb...). renamed says whether any name changed.
func Names(header []string) (names []string, renamed bool) {
	names = make([]string, 0, len(header))
	seen := make(map[string]bool, len(header))
	for i, h := range header {
		base := h
		if strings.TrimSpace(h) == "" {
			base = strings.Repeat(string(rune('a'+i%26)), i/26+1)
		}
		name := base
		for n := 2; seen[name]; n++ {
			name = fmt.Sprintf("%s_%d", base, n)
		}
		if name != h {
			renamed = true
		}
		seen[name] = true
		names = append(names, name)
	}
	return names, renamed
}
