package adapters

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// FuzzReadCSV reads fuzzed seed files with a fuzzed delimiter. Either
// ReadCSV fails with a *SeedError naming the file (and a line within it
// whenever a record had been read), or:
//
//   - every record has the header's number of fields, starts on a line
//     within the file, and after the previous record;
//   - writing the records back as CSV (after a byte order mark) and reading
//     that gives the same records;
//   - an error returned by the callback comes back unchanged, unwrapped.
//
// scripts/fuzz.sh runs it; `go test` runs its seed corpus.
func FuzzReadCSV(f *testing.F) {
	for _, glob := range []string{"../examples/shop/seeds/*.csv", "../testdata/dbtcore/seeds/*.csv"} {
		paths, err := filepath.Glob(glob)
		if err != nil || len(paths) == 0 {
			f.Fatalf("no seeds in %s: %v", glob, err)
		}
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			// The first lines are enough: a long seed only slows down minimizing.
			if len(data) > 1024 {
				data = data[:bytes.LastIndexByte(data[:1024], '\n')+1]
			}
			f.Add(data, ',')
		}
	}
	f.Add([]byte("\xef\xbb\xbfid;name\r\n1;\"a;b\"\r\n"), ';')
	f.Add([]byte("id\tnote\n1\t\"multi\nline\"\n"), '\t')
	f.Add([]byte("id,name\n1,a\"b\n"), ',')

	const path = "seeds/fuzz.csv"
	f.Fuzz(func(t *testing.T, data []byte, comma rune) {
		if len(data) > 64<<10 {
			t.Skip("input above 64 KiB")
		}
		// Lines end at "\n", "\r\n" or a lone "\r" (universal newlines).
		lines := strings.Count(strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(string(data)), "\n") + 1
		var recs [][]string
		var recLines []int
		var err error
		withAllocLimit(t, func() {
			err = ReadCSV(path, bytes.NewReader(data), comma, func(line int, rec []string) error {
				recs = append(recs, rec)
				recLines = append(recLines, line)
				return nil
			})
		})
		if err != nil {
			var se *SeedError
			if !errors.As(err, &se) {
				t.Fatalf("error is not a *SeedError: %T %v", err, err)
			}
			if se.Path != path || se.Err == nil {
				t.Fatalf("SeedError without path or cause: %#v", se)
			}
			if se.Line < 0 || se.Line > lines {
				t.Fatalf("line %d outside the file's %d lines: %v", se.Line, lines, err)
			}
			if se.Line == 0 && len(recs) > 0 {
				t.Fatalf("error after %d records has no line: %v", len(recs), err)
			}
			return
		}
		if len(recs) == 0 {
			t.Fatal("no error and no header")
		}
		for i, rec := range recs {
			if len(rec) != len(recs[0]) {
				t.Fatalf("record %d has %d fields, the header %d", i, len(rec), len(recs[0]))
			}
			if recLines[i] < 1 || recLines[i] > lines {
				t.Fatalf("record %d starts on line %d, outside the file's %d lines", i, recLines[i], lines)
			}
			if i > 0 && recLines[i] <= recLines[i-1] {
				t.Fatalf("record %d starts on line %d, not after record %d (line %d)", i, recLines[i], i-1, recLines[i-1])
			}
		}

		again := writeCSV(t, recs, comma)
		var got [][]string
		if err := ReadCSV(path, bytes.NewReader(again), comma, func(_ int, rec []string) error {
			got = append(got, rec)
			return nil
		}); err != nil {
			t.Fatalf("reading the records written back: %v\n%q", err, again)
		}
		// A seed is read with universal newlines, as Python reads it for
		// dbt: "\r\n" and a lone "\r" are "\n", inside quotes too, so
		// compare with every line break as "\n".
		nl := strings.NewReplacer("\r\n", "\n", "\r", "\n")
		crlf := func(a, b string) bool { return nl.Replace(a) == nl.Replace(b) }
		if !slices.EqualFunc(got, recs, func(a, b []string) bool { return slices.EqualFunc(a, b, crlf) }) {
			t.Fatalf("records changed on a round trip:\nbefore %q\nafter  %q", recs, got)
		}

		stop := errors.New("stop")
		n := 0
		err = ReadCSV(path, bytes.NewReader(data), comma, func(int, []string) error {
			n++
			if n == (len(recs)+1)/2 {
				return stop
			}
			return nil
		})
		if err != stop {
			t.Fatalf("callback error came back as %v", err)
		}
	})
}

// writeCSV encodes records as a seed file: a byte order mark, then RFC 4180
// CSV. encoding/csv writes a record of one empty field as an empty line,
// which readers skip, so such a record is written as "" here.
func writeCSV(t *testing.T, recs [][]string, comma rune) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("\xef\xbb\xbf")
	w := csv.NewWriter(&b)
	w.Comma = comma
	for _, rec := range recs {
		if len(rec) == 1 && rec[0] == "" {
			w.Flush()
			b.WriteString("\"\"\n")
			continue
		}
		if err := w.Write(rec); err != nil {
			t.Fatalf("writing %q: %v", rec, err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withAllocLimit runs fn and fails t when it allocated more than 256 MiB:
// reading CSV needs memory linear in the input, capped at 64 KiB here.
func withAllocLimit(t *testing.T, fn func()) {
	t.Helper()
	const limit = 256 << 20
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	fn()
	runtime.ReadMemStats(&ms)
	if used := ms.TotalAlloc - before; used > limit {
		t.Fatalf("one execution allocated %d MiB (limit %d MiB)", used>>20, limit>>20)
	}
}
