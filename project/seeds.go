package project

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/seedheader"
)

// plainSeedColumn reports whether a header name can stand unquoted in
// SQL, as dbt writes it with quote_columns false: an identifier of
// letters, digits, _ and $ (any non-ASCII character counts as a letter),
// or a name already in double quotes. Whitespace around it is no part of
// it. Reserved words are not checked.
func plainSeedColumn(h string) bool {
	h = strings.TrimSpace(h)
	if len(h) >= 2 && h[0] == '"' && h[len(h)-1] == '"' {
		return true
	}
	for i, r := range h {
		switch {
		case r == '_' || r >= 0x80 || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z':
		case i > 0 && (r == '$' || '0' <= r && r <= '9'):
		default:
			return false
		}
	}
	return h != ""
}

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
		if d, ok := n.Config["delimiter"].(string); ok {
			// An empty delimiter too: dbt's CSV reader refuses it.
			r, size := utf8.DecodeRuneInString(d)
			if d == "" || size != len(d) || r == '"' || r == '\r' || r == '\n' {
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
		// dbt's agate names a column that has no name by its position
		// and renames a repeated name (name_2): so do the loads, with a
		// warning here. Names that differ only in case stay an error: the
		// warehouses fold them into one column.
		names, _ := seedheader.Names(header)
		seen := map[string]int{}
		unquoted := n.Config["quote_columns"] == false
		for i, name := range names {
			line, col := cr.FieldPos(i)
			pos := diag.Pos{Line: line, Column: col}
			if unquoted && strings.TrimSpace(header[i]) != "" && !plainSeedColumn(header[i]) {
				l.diags.Add(diag.Errorf(file, pos, fmt.Sprintf("set quote_columns: true, rename the column, or check the seed's delimiter (%q)", string(comma)),
					"seed %s: column %q cannot be written unquoted, as quote_columns: false writes it into the table's SQL", n.Name, header[i]))
				continue
			}
			switch {
			case strings.TrimSpace(header[i]) == "":
				l.diags.Add(diag.Warnf(file, pos, "name the column in the header row",
					"seed %s: column %d has no name; it loads as column %q, as dbt names it", n.Name, i+1, name))
			case name != header[i]:
				l.diags.Add(diag.Warnf(file, pos, "give each column its own name",
					"seed %s: column %q appears twice in the header; column %d loads as %q, as dbt renames it", n.Name, header[i], i+1, name))
			}
			key := strings.ToLower(name)
			if seen[key] > 0 {
				l.diags.Add(diag.Errorf(file, pos, "give each column its own name",
					"seed %s: columns %d and %d are both named %q but for case, which the warehouse takes for one column", n.Name, seen[key], i+1, name))
				continue
			}
			seen[key] = i + 1
		}
	}
}
