package project

import (
	"fmt"
	"strings"
)

// pyCSVFieldLimit is Python's csv.field_size_limit() default.
const pyCSVFieldLimit = 131072

// pyCSVState is a state of Python's csv reader (Modules/_csv.c), which
// dbt reads csv fixtures and seed inputs with.
type pyCSVState int

const (
	csvStartRecord pyCSVState = iota
	csvStartField
	csvInField
	csvInQuotedField
	csvQuoteInQuotedField
	csvEatCRNL
)

// pyCSVRecords splits text into records as Python's csv.reader with the
// default (excel) dialect reads it from io.StringIO(text): fields split
// at commas with nothing trimmed, "…" quotes a field ("" is a quote in
// it, text after its closing quote joins the field), a quote inside an
// unquoted field is plain text, a blank line is an empty record, and a
// quote left open at the end keeps what it read. line is each record's
// first line (1-based). A carriage return in the middle of a line is
// Python's "new-line character seen in unquoted field" error.
func pyCSVRecords(text string) (records [][]string, lines []int, err error) {
	state := csvStartRecord
	var fields []string
	var field strings.Builder
	fieldLen := 0 // as _csv.c's field_len: characters of the field read so far
	save := func() {
		fields = append(fields, field.String())
		field.Reset()
		fieldLen = 0
	}
	tooLong := false
	add := func(c rune) {
		if fieldLen >= pyCSVFieldLimit {
			tooLong = true
			return
		}
		field.WriteRune(c)
		fieldLen++
	}
	lineNo, recordLine := 0, 0
	// StringIO yields lines ending at "\n" (kept); the reader sees each
	// line's characters, then an end-of-line mark, until a record is
	// complete.
	for len(text) > 0 {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line = text[:i+1]
		}
		text = text[len(line):]
		lineNo++
		if state == csvStartRecord {
			recordLine = lineNo
		}
		for _, c := range line {
			switch state {
			case csvStartRecord:
				if c == '\n' || c == '\r' {
					state = csvEatCRNL
					continue
				}
				state = csvStartField
				fallthrough
			case csvStartField:
				switch c {
				case '\n', '\r':
					save()
					state = csvEatCRNL
				case '"':
					state = csvInQuotedField
				case ',':
					save()
				default:
					add(c)
					state = csvInField
				}
			case csvInField:
				switch c {
				case '\n', '\r':
					save()
					state = csvEatCRNL
				case ',':
					save()
					state = csvStartField
				default:
					add(c)
				}
			case csvInQuotedField:
				if c == '"' {
					state = csvQuoteInQuotedField
				} else {
					add(c)
				}
			case csvQuoteInQuotedField:
				switch c {
				case '"':
					add(c)
					state = csvInQuotedField
				case ',':
					save()
					state = csvStartField
				case '\n', '\r':
					save()
					state = csvEatCRNL
				default:
					add(c)
					state = csvInField
				}
			case csvEatCRNL:
				if c != '\n' && c != '\r' {
					return nil, nil, fmt.Errorf("line %d: new-line character seen in unquoted field", lineNo)
				}
			}
		}
		if tooLong {
			return nil, nil, fmt.Errorf("line %d: field larger than field limit (%d)", lineNo, pyCSVFieldLimit)
		}
		// The end of the line.
		switch state {
		case csvStartRecord:
		case csvStartField, csvInField, csvQuoteInQuotedField:
			save()
			state = csvStartRecord
		case csvEatCRNL:
			state = csvStartRecord
		}
		if state == csvStartRecord {
			records = append(records, fields)
			lines = append(lines, recordLine)
			fields = nil
		}
	}
	// At the end of the input a record is still open only inside quotes
	// (or after text on a last line, which the end-of-line mark closed).
	if state != csvStartRecord && (fieldLen != 0 || state == csvInQuotedField) {
		save()
		records = append(records, fields)
		lines = append(lines, recordLine)
	}
	return records, lines, nil
}

// pyCSVDicts reads text as dbt's csv.DictReader: the first record names
// the columns, blank lines are skipped, and a short row's missing columns
// are None. Where DictReader would make a row dbt cannot use (no column
// names, more fields than columns, a column named twice, whose earlier
// values the dict drops), this says so.
func pyCSVDicts(text string) (header []string, rows [][]*string, err error) {
	records, lines, err := pyCSVRecords(text)
	if err != nil {
		return nil, nil, err
	}
	if len(records) == 0 {
		return nil, nil, nil
	}
	header = records[0]
	if len(header) == 0 {
		return nil, nil, fmt.Errorf("line %d: the header line is blank", lines[0])
	}
	seen := map[string]bool{}
	for _, h := range header {
		if seen[h] {
			return nil, nil, fmt.Errorf("line %d: column %q is named twice", lines[0], h)
		}
		seen[h] = true
	}
	for i, rec := range records[1:] {
		if len(rec) == 0 {
			continue
		}
		if len(rec) > len(header) {
			return nil, nil, fmt.Errorf("line %d: %d fields, but the header names %d columns", lines[i+1], len(rec), len(header))
		}
		row := make([]*string, len(header))
		for j := range rec {
			row[j] = &rec[j]
		}
		rows = append(rows, row)
	}
	return header, rows, nil
}

// universalNewlines is text as Python's open(path, "r") reads it:
// "\r\n" and a lone "\r" end a line as "\n".
func universalNewlines(text string) string {
	if !strings.Contains(text, "\r") {
		return text
	}
	return strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
}
