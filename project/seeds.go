package project

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/elt-dev/elt/internal/diag"
)

// checkSeedHeaders refuses, when the project loads, seed files a warehouse
// would load into something other than what the file says: an empty file
// (DuckDB would invent a column0), and empty or repeated column names
// (warehouses rename or reject them). Rows are checked when the seed loads.
func (l *loader) checkSeedHeaders() {
	for _, id := range sortedKeys(l.seedData) {
		n := l.proj.Nodes[id]
		if n == nil {
			continue
		}
		data := l.seedData[id]
		file := n.OriginalFilePath
		comma := ','
		if d, ok := n.Config["delimiter"].(string); ok && d != "" {
			r, size := utf8.DecodeRuneInString(d)
			if size != len(d) || r == '"' || r == '\r' || r == '\n' {
				l.diags.Add(diag.Errorf(file, diag.Pos{Line: 1}, "set delimiter to one character, such as ',' or '|'",
					"seed %s: delimiter %q must be a single character other than a quote or newline", n.Name, d))
				continue
			}
			comma = r
		}
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		if len(bytes.TrimSpace(data)) == 0 {
			l.diags.Add(diag.Errorf(file, diag.Pos{Line: 1}, "add a header row naming the columns, or delete the file",
				"seed %s is empty", n.Name))
			continue
		}
		cr := csv.NewReader(bytes.NewReader(data))
		cr.Comma = comma
		cr.FieldsPerRecord = -1
		header, err := cr.Read()
		if err != nil && len(data) >= seedHead {
			continue // a header longer than the part kept: the load checks it
		}
		if err != nil && !errors.Is(err, io.EOF) {
			var pe *csv.ParseError
			pos := diag.Pos{Line: 1}
			if errors.As(err, &pe) {
				pos = diag.Pos{Line: pe.StartLine, Column: pe.Column}
			}
			l.diags.Add(diag.Errorf(file, pos, "fix the header row's quoting", "seed %s: cannot read the header: %v", n.Name, err))
			continue
		}
		seen := map[string]int{}
		for i, name := range header {
			line, col := cr.FieldPos(i)
			pos := diag.Pos{Line: line, Column: col}
			key := strings.ToLower(strings.TrimSpace(name))
			switch {
			case key == "":
				l.diags.Add(diag.Errorf(file, pos, "name every column in the header row",
					"seed %s: column %d has no name", n.Name, i+1))
			case seen[key] > 0:
				l.diags.Add(diag.Errorf(file, pos, "give each column its own name",
					"seed %s: column %q appears twice in the header (columns %d and %d)", n.Name, name, seen[key], i+1))
			default:
				seen[key] = i + 1
			}
		}
	}
}
