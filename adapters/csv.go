package adapters

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// ReadCSV reads a seed file as dbt reads it (agate, on Python's csv
// module with its default dialect) with the given delimiter, skipping a
// UTF-8 byte order mark and blank lines before the header, and calls
// record for every record (the header first) with the line it starts on.
// As in agate, a row with fewer fields than the header (a blank line
// too) is padded with empty fields, which load as nulls. As in Python, a
// quote inside an unquoted field is a quote ({"a": 1} needs no quoting),
// and text after a quoted field's closing quote joins the field. A
// malformed file is a *SeedError naming path and the line: a row with
// more fields than the header, or a quote that is never closed.
// A file with no header is an error too. record's slice is its own to
// keep.
func ReadCSV(path string, r io.Reader, comma rune, record func(line int, rec []string) error) error {
	return readCSV(path, r, comma, false, record)
}

// CheckCSV reads a seed file as ReadCSV does, for its problems, but a
// row with fewer fields than the header (not a blank line) is one too:
// for an adapter whose reader cannot pad it.
func CheckCSV(path string, r io.Reader, comma rune) error {
	return readCSV(path, r, comma, true, func(int, []string) error { return nil })
}

func readCSV(path string, r io.Reader, comma rune, strict bool, record func(line int, rec []string) error) error {
	br := bufio.NewReader(r)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	if comma == 0 || comma == '"' || comma == '\r' || comma == '\n' || comma == utf8.RuneError || !utf8.ValidRune(comma) {
		return &SeedError{Path: path, Err: fmt.Errorf("the delimiter %q cannot separate fields", comma)}
	}
	header := -1
	p := csvParser{br: br, comma: comma, line: 1}
	for {
		rec, start, err := p.next()
		if err != nil {
			return &SeedError{Path: path, Line: start, Err: err}
		}
		if rec == nil {
			break
		}
		switch {
		case header < 0:
			header = len(rec)
			// Python's reader gives a blank line after it as a record
			// with no fields.
			p.blanks = true
		case len(rec) > header:
			return &SeedError{Path: path, Line: start, Err: fmt.Errorf("row has %d fields, the header has %d", len(rec), header)}
		case strict && len(rec) > 0 && len(rec) < header:
			return &SeedError{Path: path, Line: start, Err: &ShortRowError{Fields: len(rec), Header: header}}
		case len(rec) < header:
			// agate pads a short row (a blank line too) with nulls.
			rec = append(rec, make([]string, header-len(rec))...)
		}
		if err := record(start, rec); err != nil {
			return err
		}
	}
	if header < 0 {
		return &SeedError{Path: path, Err: errors.New("the file is empty: a seed needs a header row")}
	}
	return nil
}

// ShortRowError is CheckCSV's row with fewer fields than the header,
// which dbt's agate pads with nulls.
type ShortRowError struct{ Fields, Header int }

func (e *ShortRowError) Error() string {
	return fmt.Sprintf("row has %d fields, fewer than the header's %d", e.Fields, e.Header)
}

// csvParser is Python's csv reader (Modules/_csv.c) for the excel
// dialect with strict off: its states, one character at a time.
type csvParser struct {
	br    *bufio.Reader
	comma rune
	line  int // the line the next character is on
	field strings.Builder
	// blanks: a blank line is a record with no fields (after the
	// header), not skipped.
	blanks bool
}

type csvState uint8

const (
	csvStartField csvState = iota
	csvInField
	csvInQuoted
	csvQuoteInQuoted
)

// next reads one record and the line it starts on; nil at the end.
func (p *csvParser) next() ([]string, int, error) {
	var rec []string
	state := csvStartField
	start := p.line
	save := func() {
		rec = append(rec, p.field.String())
		p.field.Reset()
	}
	for {
		c, _, err := p.br.ReadRune()
		if err == io.EOF {
			switch {
			case state == csvInQuoted:
				return nil, start, errors.New("unterminated quoted field (a \" opened here is never closed)")
			case rec == nil && state == csvStartField:
				return nil, start, nil
			}
			save()
			return rec, start, nil
		}
		if err != nil {
			return nil, start, err
		}
		if c == '\r' {
			// Python reads the file with universal newlines: \r\n and a
			// lone \r are \n, inside quotes too.
			if next, _ := p.br.Peek(1); len(next) > 0 && next[0] == '\n' {
				_, _ = p.br.Discard(1)
			}
			c = '\n'
		}
		if c == '\n' {
			p.line++
			switch {
			case state == csvInQuoted:
				p.field.WriteRune(c)
				continue
			case state == csvStartField && rec == nil:
				if p.blanks {
					return []string{}, start, nil
				}
				start = p.line // a blank line before the header: no record
				continue
			}
			save()
			return rec, start, nil
		}
		switch state {
		case csvStartField:
			switch c {
			case '"':
				state = csvInQuoted
			case p.comma:
				save()
			default:
				p.field.WriteRune(c)
				state = csvInField
			}
		case csvInField:
			if c == p.comma {
				save()
				state = csvStartField
			} else {
				p.field.WriteRune(c)
			}
		case csvInQuoted:
			if c == '"' {
				state = csvQuoteInQuoted
			} else {
				p.field.WriteRune(c)
			}
		case csvQuoteInQuoted:
			switch c {
			case '"':
				p.field.WriteRune(c)
				state = csvInQuoted
			case p.comma:
				save()
				state = csvStartField
			default:
				p.field.WriteRune(c)
				state = csvInField
			}
		}
	}
}

// SeedNull reports whether a seed value is NULL as dbt loads seeds
// (agate's null_values "" and "null", compared stripped and lower case):
// an empty or blank value, or null in any case.
func SeedNull(v string) bool {
	t := strings.TrimSpace(v)
	return t == "" || strings.EqualFold(t, "null")
}

// BlankRecords counts the blank lines after a seed file's header, which
// dbt loads as rows of nulls (see ReadCSV), and the header's fields: an
// adapter whose own reader skips them adds them. A file with no two line
// ends in a row has none, which one scan for them finds (columns is 0
// then).
func BlankRecords(r io.ReadSeeker, comma rune) (blanks, columns int, err error) {
	found, err := hasEmptyLine(r)
	if err != nil || !found {
		return 0, 0, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return 0, 0, err
	}
	br := bufio.NewReader(r)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	p := csvParser{br: br, comma: comma, line: 1}
	for {
		rec, _, err := p.next()
		if err != nil || rec == nil {
			return blanks, columns, err
		}
		switch {
		case !p.blanks:
			columns, p.blanks = len(rec), true
		case len(rec) == 0:
			blanks++
		}
	}
}

// hasEmptyLine says whether r holds two line ends in a row.
func hasEmptyLine(r io.Reader) (bool, error) {
	buf := make([]byte, 1<<20)
	var last byte
	for {
		n, err := r.Read(buf)
		chunk := buf[:n]
		if n > 0 {
			if (last == '\n' || last == '\r') && (chunk[0] == '\n' || chunk[0] == '\r') {
				return true, nil
			}
			if bytes.Contains(chunk, []byte("\n\n")) || bytes.Contains(chunk, []byte("\r\r")) || bytes.Contains(chunk, []byte("\n\r")) {
				return true, nil
			}
			last = chunk[n-1]
		}
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
}
