package hugepages

import "strings"

// mode is the selected mode in the contents of
// /sys/kernel/mm/transparent_hugepage/enabled ("always [madvise] never"):
// the word in brackets, or "" when there is none.
func mode(enabled string) string {
	for _, w := range strings.Fields(enabled) {
		if len(w) > 2 && w[0] == '[' && w[len(w)-1] == ']' {
			return w[1 : len(w)-1]
		}
	}
	return ""
}
