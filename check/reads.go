package check

// Reads returns what a check of roots reads: each root whose SQL it
// checks, what that depends on, and so on upstream through every node
// whose SQL it reads (a model's columns come from its SQL and its inputs'
// columns). A node whose SQL is not read has columns that are given or
// unknown, whatever it reads. deps names a node's inputs; hasSQL reports
// whether its SQL is read (it is passed in Node.SQL).
//
// Every other model or snapshot can go to Input.Others and the findings
// stay the same. Seeds and sources stay in Nodes whatever this says:
// their columns and types are read as given, and whether any node has
// types decides which comparisons are checked.
func Reads(roots []string, deps func(id string) []string, hasSQL func(id string) bool) map[string]bool {
	reads := make(map[string]bool, len(roots))
	var next []string
	for _, id := range roots {
		if hasSQL(id) {
			next = append(next, id)
		}
	}
	for len(next) > 0 {
		id := next[len(next)-1]
		next = next[:len(next)-1]
		if reads[id] {
			continue
		}
		reads[id] = true
		if hasSQL(id) {
			next = append(next, deps(id)...)
		}
	}
	return reads
}
