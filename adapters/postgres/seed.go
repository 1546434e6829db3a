package postgres

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"github.com/elt-dev/elt/internal/asciifold"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/internal/lazyre"
	"github.com/elt-dev/elt/internal/seedheader"
)

// LoadSeed loads a CSV file with COPY ... FROM STDIN (format csv), so
// PostgreSQL parses the values into the columns' types itself.
//
// The file is read once in Go first: to check that it is well-formed CSV
// (a ragged row or an unterminated quote is reported with its line) and to
// infer each column's type from every value, as dbt infers seed types with
// agate: integer (bigint when a value needs it), double precision (dbt's
// float8 for numbers with decimals), boolean, date,
// timestamp, and text for anything else or a column with no values.
// s.ColumnTypes overrides the inferred types. Header names become column
// names as written; empty fields become NULL.
//
// Like dbt's seed materialization, an existing table is emptied and
// refilled in place (keeping its column types and the views over it), and
// FullRefresh, a missing table or an existing view rebuilds it: built under
// a temporary name and swapped in. Both run in one transaction, so a bad
// file leaves the previous rows.
func (a *Adapter) LoadSeed(ctx context.Context, s adapters.Seed) (res adapters.RunResult, err error) {
	d := Dialect{}
	rel := a.qualify(s.Relation)
	defer func() {
		if err != nil {
			err = fmt.Errorf("postgres: load seed %s: %w", d.RenderRelation(rel), adapters.ContextError(ctx, err))
		}
	}()
	delim := s.Delimiter
	if delim == "" {
		delim = ","
	}
	comma, size := utf8.DecodeRuneInString(delim)
	if size != len(delim) || comma == '"' || comma == '\n' || comma == '\r' {
		return adapters.RunResult{}, &adapters.SeedError{Path: s.Path, Err: fmt.Errorf("delimiter %q is not supported: use one character other than a quote or a line break", delim)}
	}
	ixs, err := ParseIndexes(s.Config["indexes"])
	if err != nil {
		return adapters.RunResult{}, err
	}
	header, types, err := inferSeed(s.Path, comma)
	if err != nil {
		return adapters.RunResult{}, err
	}
	if s.QuoteColumnsSet && !s.QuoteColumns {
		// quote_columns: false: dbt writes the names as they are, so
		// PostgreSQL folds a plain name to lower case, and reads a name
		// the file writes in double quotes ("from") as a quoted one.
		for i, h := range header {
			header[i] = unquotedSeedColumn(h)
		}
	}
	for i, h := range header {
		if t, ok := columnType(s.ColumnTypes, h); ok {
			types[i] = t
		}
	}

	var rows int64
	created := false
	err = a.inTx(ctx, func(tx pgx.Tx) error {
		kind, _, err := relationKind(ctx, tx, rel)
		if err != nil {
			return err
		}
		created = kind != adapters.KindTable || s.FullRefresh
		if !created {
			existing, err := columns(ctx, tx, rel)
			if err != nil {
				return err
			}
			tableCols := make([]string, len(existing))
			for i, c := range existing {
				tableCols[i] = c.Name
			}
			if !slices.EqualFunc(header, tableCols, strings.EqualFold) {
				return fmt.Errorf("the CSV's columns (%s) differ from the table's (%s); run with --full-refresh to rebuild the table",
					strings.Join(header, ", "), strings.Join(tableCols, ", "))
			}
			if truncate := adapters.RelationOpsOf(ctx).Truncate; truncate != nil {
				// A project's truncate_relation, as dbt's seeds run it.
				if err := truncate(ctx, rel); err != nil {
					return err
				}
			} else if _, err := tx.Exec(ctx, adapters.CommentSQL(ctx, "delete from "+d.RenderRelation(rel))); err != nil {
				return err
			}
			rows, err = a.copyCSV(ctx, tx, rel, tableCols, s.Path, comma)
			return err
		}
		_, err = replaceRelation(ctx, tx, rel, func(tmp string) string {
			defs := make([]string, len(header))
			for i, h := range header {
				defs[i] = d.Quote(h) + " " + types[i]
			}
			return "create table " + tmp + " (" + strings.Join(defs, ", ") + ")"
		})
		if err != nil {
			return err
		}
		// The table is in place (uncommitted): fill it.
		rows, err = a.copyCSV(ctx, tx, rel, header, s.Path, comma)
		return err
	})
	if err != nil {
		return adapters.RunResult{}, seedError(s.Path, err)
	}
	if created {
		// As dbt-postgres's seed: indexes when the table is (re)created.
		for _, stmt := range indexStatements(rel, ixs, time.Now()) {
			if err := a.Exec(ctx, stmt); err != nil {
				return adapters.RunResult{}, err
			}
		}
	}
	return adapters.RunResult{Message: fmt.Sprintf("INSERT %d", rows), RowsAffected: rows}, nil
}

// columnType finds name in the seed's column_types: exactly, or else
// ignoring case.
func columnType(types map[string]string, name string) (string, bool) {
	if t, ok := types[name]; ok {
		return t, true
	}
	for k, t := range types {
		if strings.EqualFold(k, name) {
			return t, true
		}
	}
	return "", false
}

// copyCSV streams the file into rel with COPY. It returns the rows copied.
// The records go as ReadCSV reads them (as dbt reads a seed), written
// again for PostgreSQL's CSV: its own reading differs (a quote inside an
// unquoted field starts quoting there, and "" is an empty string where
// dbt loads NULL). A failure PostgreSQL reports on a line of that stream
// is reported on the file's line (a *copyLineError).
func (a *Adapter) copyCSV(ctx context.Context, tx pgx.Tx, rel adapters.Relation, cols []string, path string, comma rune) (int64, error) {
	d := Dialect{}
	f, err := os.Open(path)
	if err != nil {
		return 0, &adapters.SeedError{Path: path, Err: err}
	}
	defer f.Close()
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = d.Quote(c)
	}
	stmt := "copy " + d.RenderRelation(rel) + " (" + strings.Join(quoted, ", ") + ") from stdin with (format csv, header true, delimiter " + literal(string(comma)) + ")"
	a.trace(ctx, stmt)
	pr, pw := io.Pipe()
	// fileLines[i] is the file's line of the stream's line i+1.
	var fileLines []int
	done := make(chan struct{})
	go func() {
		defer close(done)
		w := bufio.NewWriterSize(pw, 64<<10)
		err := adapters.ReadCSV(path, f, comma, func(line int, rec []string) error {
			for i, v := range rec {
				if i > 0 {
					w.WriteRune(comma)
				}
				writeCopyField(w, v, comma)
			}
			w.WriteByte('\n')
			for range 1 + countNewlines(rec) {
				fileLines = append(fileLines, line)
			}
			return nil
		})
		if err == nil {
			err = w.Flush()
		}
		pw.CloseWithError(err)
	}()
	tag, err := tx.Conn().PgConn().CopyFrom(ctx, pr, stmt)
	pr.Close() // a writer still going stops
	<-done
	if err != nil {
		return 0, &copyLineError{err: err, lines: fileLines}
	}
	return tag.RowsAffected(), nil
}

// copyLineError is a failed COPY with the file's line of each line of the
// stream COPY read.
type copyLineError struct {
	err   error
	lines []int
}

func (e *copyLineError) Error() string { return e.err.Error() }
func (e *copyLineError) Unwrap() error { return e.err }

// fileLine is the file's line of the stream's line n (as COPY counts,
// from 1), or n when it is not known.
func (e *copyLineError) fileLine(n int) int {
	if n >= 1 && n <= len(e.lines) {
		return e.lines[n-1]
	}
	return n
}

// writeCopyField writes one value for COPY's CSV: a value dbt loads as
// NULL (adapters.SeedNull) as nothing, unquoted, which COPY reads as
// NULL; others quoted when they hold a quote, the delimiter or a line
// break, or are \. (which would end COPY's data).
func writeCopyField(w *bufio.Writer, v string, comma rune) {
	if adapters.SeedNull(v) {
		return
	}
	if v != `\.` && !strings.ContainsAny(v, "\"\r\n") && !strings.ContainsRune(v, comma) {
		w.WriteString(v)
		return
	}
	w.WriteByte('"')
	w.WriteString(strings.ReplaceAll(v, `"`, `""`))
	w.WriteByte('"')
}

func countNewlines(rec []string) int {
	n := 0
	for _, v := range rec {
		n += strings.Count(v, "\n") + strings.Count(v, "\r")
	}
	return n
}

var copyLine = lazyre.New(`line (\d+)(?:, column ([^:]+))?`)

// seedError turns a failed load into an *adapters.SeedError naming the file
// and, when PostgreSQL says (COPY reports the line in the error's context),
// the line and column. Other failures (cancelled, connection trouble,
// permissions) are not the file's fault and are returned as they are.
func seedError(path string, err error) error {
	var se *adapters.SeedError
	if errors.As(err, &se) {
		return err
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || !strings.Contains(pe.Where, "COPY") {
		return err
	}
	msg := oneLine(pe.Message)
	m := copyLine().FindStringSubmatch(pe.Where)
	if m == nil {
		return &adapters.SeedError{Path: path, Err: errors.New(msg)}
	}
	line, _ := strconv.Atoi(m[1])
	var le *copyLineError
	if errors.As(err, &le) {
		line = le.fileLine(line)
	}
	if m[2] != "" {
		msg += " (column " + m[2] + ")"
	}
	return &adapters.SeedError{Path: path, Line: line, Err: errors.New(msg)}
}

// InferSeed is inferSeed for static checks, which compare seed column
// types without loading the seed.
func InferSeed(path string, comma rune) (header, types []string, err error) {
	return inferSeed(path, comma)
}

// inferSeed reads the whole file as RFC 4180 CSV and returns its
// header's column names (as dbt names them) and each column's inferred
// PostgreSQL type.
func inferSeed(path string, comma rune) ([]string, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, &adapters.SeedError{Path: path, Err: err}
	}
	defer f.Close()
	var header []string
	var kinds []seedKind
	err = adapters.ReadCSV(path, f, comma, func(_ int, rec []string) error {
		if header == nil {
			// Named as dbt's agate names them: a repeated name renamed
			// (name_2), an empty one named by its position.
			header, _ = seedheader.Names(rec)
			kinds = make([]seedKind, len(header))
			return nil
		}
		for i, v := range rec {
			kinds[i] = kinds[i].widen(v)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	types := make([]string, len(kinds))
	for i, k := range kinds {
		types[i] = k.sqlType()
	}
	return header, types, nil
}

// seedKind is what a column's values so far can all be read as. Kinds only
// widen: once a value is not an integer, the column is not an integer.
type seedKind struct {
	seen                           bool // a non-empty value was seen
	notInt, notBigint, notNumeric  bool
	notBool, notDate, notTimestamp bool
}

var (
	intPattern     = lazyre.New(`^[+-]?[0-9]+$`)
	numericPattern = lazyre.New(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)
	// agate's Date and DateTime read "%Y-%m-%d" and "%Y-%m-%d %H:%M:%S"
	// with strptime, which takes one digit or two for each field after
	// the year ("2020-1-5 3:15:52").
	datePattern = lazyre.New(`^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$`)
	// A timestamp as agate reads one for dbt: "%Y-%m-%d %H:%M:%S" exactly
	// (agate's DateTime), or ISO 8601 with a T (its ISODateTime: minutes
	// or seconds, a fraction, a zone). "2024-01-31 12:00:00.000000" is
	// neither, and is text.
	tsPattern = lazyre.New(`^([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})(?: ([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})|T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)$`)
)

func (k seedKind) widen(v string) seedKind {
	if adapters.SeedNull(v) {
		return k // NULL fits every type
	}
	k.seen = true
	// agate strips a value before it reads it (" 1" is the number 1);
	// PostgreSQL's input functions skip the spaces the COPY keeps.
	v = strings.TrimSpace(v)
	if !k.notInt || !k.notBigint {
		if !intPattern().MatchString(v) {
			k.notInt, k.notBigint = true, true
		} else if n, err := strconv.ParseInt(v, 10, 64); err != nil {
			k.notInt, k.notBigint = true, true
		} else if n > math.MaxInt32 || n < math.MinInt32 {
			k.notInt = true
		}
	}
	if !k.notNumeric && !numericPattern().MatchString(v) {
		k.notNumeric = true
	}
	if !k.notBool {
		switch strings.ToLower(v) {
		case "true", "false":
		default:
			k.notBool = true
		}
	}
	if !k.notDate {
		if _, err := time.Parse("2006-1-2", v); err != nil || !datePattern().MatchString(v) {
			k.notDate = true
		}
	}
	if !k.notTimestamp {
		m := tsPattern().FindStringSubmatch(v)
		if m == nil {
			k.notTimestamp = true
		} else if _, err := time.Parse("2006-1-2", m[1]); err != nil {
			k.notTimestamp = true
		} else if m[2] != "" && !clockOK(m[2], m[3], m[4]) {
			k.notTimestamp = true
		}
	}
	return k
}

// clockOK says whether hour, minute and second are a time of day, as
// strptime's %H:%M:%S reads them (a leap second 60 too).
func clockOK(h, m, s string) bool {
	hh, _ := strconv.Atoi(h)
	mm, _ := strconv.Atoi(m)
	ss, _ := strconv.Atoi(s)
	return hh < 24 && mm < 60 && ss <= 61
}

func (k seedKind) sqlType() string {
	switch {
	case !k.seen:
		// dbt types seeds with agate, whose first guess, integer, fits
		// a column of only NULLs.
		return "integer"
	case !k.notInt:
		return "integer"
	case !k.notBigint:
		return "bigint"
	case !k.notNumeric:
		// dbt's convert_number_type: float8 for a number with decimals.
		return "double precision"
	case !k.notBool:
		return "boolean"
	case !k.notDate:
		return "date"
	case !k.notTimestamp:
		// dbt-postgres types every agate datetime so, offsets or not.
		return "timestamp without time zone"
	}
	return "text"
}

// unquotedSeedColumn is the column PostgreSQL makes of a seed's header
// name written into SQL as it is (quote_columns: false): a name in double
// quotes is a quoted identifier, its doubled quotes one each; any other
// is folded to lower case.
func unquotedSeedColumn(h string) string {
	// Written into the SQL as it is, whitespace around it is no part of
	// the name (" updated_by" is updated_by).
	h = strings.TrimSpace(h)
	if len(h) >= 2 && h[0] == '"' && h[len(h)-1] == '"' && !strings.Contains(strings.ReplaceAll(h[1:len(h)-1], `""`, ""), `"`) {
		return strings.ReplaceAll(h[1:len(h)-1], `""`, `"`)
	}
	return asciifold.Lower(h)
}
