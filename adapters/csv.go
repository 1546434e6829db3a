package adapters

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
)

// ReadCSV reads a seed file as RFC 4180 CSV with the given delimiter,
// skipping a UTF-8 byte order mark, and calls record for every record (the
// header first) with the line it starts on. A malformed file is a
// *SeedError naming path and the line: a row with more or fewer fields than
// the header, or a quote that is never closed. A file with no header is an
// error too. record's slice is its own to keep.
func ReadCSV(path string, r io.Reader, comma rune, record func(line int, rec []string) error) error {
	br := bufio.NewReader(r)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.Comma = comma
	header := -1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			switch {
			case errors.Is(pe.Err, csv.ErrFieldCount):
				return &SeedError{Path: path, Line: pe.Line, Err: fmt.Errorf("row has %d fields, the header has %d", len(rec), header)}
			case errors.Is(pe.Err, csv.ErrBareQuote):
				// A quote in the middle of an unquoted field, on the line it is on.
				return &SeedError{Path: path, Line: pe.Line, Err: fmt.Errorf("a \" inside an unquoted field (column %d): quote the field and double the quote, e.g. write a\"b as \"a\"\"b\"", pe.Column)}
			case errors.Is(pe.Err, csv.ErrQuote):
				return &SeedError{Path: path, Line: pe.StartLine, Err: errors.New("unterminated quoted field (a \" opened here is never closed)")}
			}
			return &SeedError{Path: path, Line: pe.StartLine, Err: pe.Err}
		}
		if err != nil {
			return &SeedError{Path: path, Err: err}
		}
		if header < 0 {
			header = len(rec)
		}
		line, _ := cr.FieldPos(0)
		if err := record(line, rec); err != nil {
			return err
		}
	}
	if header < 0 {
		return &SeedError{Path: path, Err: errors.New("the file is empty: a seed needs a header row")}
	}
	return nil
}
