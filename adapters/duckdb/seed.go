package duckdb

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	duckdbdriver "github.com/duckdb/duckdb-go/v2"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/internal/lazyre"
	"github.com/elt-dev/elt/internal/seedheader"
)

// LoadSeed loads a CSV file with DuckDB's own reader: header names become
// column names as written, types are detected from the whole file unless
// s.ColumnTypes sets them (whole numbers INTEGER where they fit, as dbt's),
// and empty fields become NULL.
//
// Like dbt's seed materialization, an existing table is emptied and
// refilled in place (keeping its column types), and FullRefresh, a missing
// table or an existing view rebuilds it from scratch. Both run in one
// transaction, so a bad file leaves the previous rows.
func (a *Adapter) LoadSeed(ctx context.Context, s adapters.Seed) (res adapters.RunResult, err error) {
	d := Dialect{}
	rel := a.qualify(s.Relation)
	defer func() {
		if err != nil {
			err = fmt.Errorf("duckdb: load seed %s: %w", d.RenderRelation(rel), adapters.ContextError(ctx, err))
		}
	}()
	delim := s.Delimiter
	if delim == "" {
		delim = ","
	}
	info, err := os.Stat(s.Path)
	if err != nil {
		return adapters.RunResult{}, &adapters.SeedError{Path: s.Path, Err: err}
	}
	buffer := seedReadBuffer(info.Size(), a.seedBuffer)

	// read_csv skips a blank line of a file of several columns; dbt loads
	// it as a row of nulls, which each load adds.
	blanks, err := blankRows(s.Path, delim)
	if err != nil {
		return adapters.RunResult{}, &adapters.SeedError{Path: s.Path, Err: err}
	}
	ixs, err := parseIndexes(s.Config)
	if err != nil {
		return adapters.RunResult{}, err
	}
	var unknown []string
	f := seedFile{Seed: s}
	if f.names, f.ColumnTypes, unknown, err = seedHeader(s.Path, delim, s.ColumnTypes); err != nil {
		return adapters.RunResult{}, &adapters.SeedError{Path: s.Path, Err: err}
	}
	var rows int64
	load := func(p seedPath) error {
		return a.inCachedTx(ctx, func(t sqlTx) error {
			kind, err := t.RelationKind(ctx, rel)
			if err != nil {
				return err
			}
			if err := loadSeedPath(ctx, t, p, rel, f, delim, buffer, &rows); err != nil {
				return err
			}
			if kind != adapters.KindTable || s.FullRefresh {
				// As dbt's seed materialization: indexes on a table it
				// creates, not on one it refills.
				for _, stmt := range indexStatements(rel, ixs, time.Now()) {
					if _, err := t.Exec(ctx, stmt); err != nil {
						return err
					}
				}
			}
			if s.QuoteColumnsSet && !s.QuoteColumns {
				if err := unquoteSeedColumns(ctx, t, rel); err != nil {
					return err
				}
			}
			if blanks == 0 {
				return nil
			}
			for range blanks {
				if _, err := t.tx.ExecContext(ctx, "insert into "+d.RenderRelation(rel)+" default values"); err != nil {
					return err
				}
			}
			rows += int64(blanks)
			return nil
		})
	}
	paths := []seedPath{seedSampled, seedSniffOnce, seedFull}
	if a.fullSeedSniff {
		paths = paths[2:]
	}
	loadAll := func() {
		for _, p := range paths {
			// Whatever failed (the sample was not enough, or a bad file),
			// the next path tries; the last says what is wrong with the
			// file the way it always has, with the line where known.
			if err = load(p); err == nil || ctx.Err() != nil {
				break
			}
		}
	}
	loadAll()
	if err != nil && ctx.Err() == nil && hasShortRow(s.Path, delim) {
		// dbt's agate pads a row shorter than the header with nulls.
		// read_csv's null_padding does too, but reads the file on one
		// thread: only a file that needs it loads again with it.
		f.pad = true
		loadAll()
	}
	a.settle(rel, adapters.KindTable, err)
	if err != nil {
		return adapters.RunResult{}, seedError(s.Path, delim, err)
	}
	res = adapters.RunResult{Message: fmt.Sprintf("INSERT %d", rows), RowsAffected: rows}
	if len(unknown) > 0 {
		res.Warnings = append(res.Warnings, unknownColumnTypes(unknown))
	}
	return res, nil
}

// unknownColumnTypes warns of column_types entries for columns the seed's
// file does not have: dbt ignores them, and so does elt, saying so.
type unknownColumnTypes []string

func (w unknownColumnTypes) Event() string { return "SeedColumnTypesUnknown" }
func (w unknownColumnTypes) String() string {
	return fmt.Sprintf("column_types names %s, which the file does not have; ignored, as dbt does", strings.Join(w, ", "))
}

// loadSeedPath builds or refills a seed's table in t by path p, setting
// *rows to the rows loaded.
func loadSeedPath(ctx context.Context, t sqlTx, p seedPath, rel adapters.Relation, s seedFile, delim string, buffer int64, rows *int64) (err error) {
	tx := t.tx
	kind, err := t.RelationKind(ctx, rel)
	if err != nil {
		return err
	}
	if kind == adapters.KindTable && !s.FullRefresh {
		*rows, err = refillSeed(ctx, tx, rel, s, delim, buffer)
		return err
	}
	switch p {
	case seedSampled:
		*rows, err = loadSeedSampled(ctx, t, rel, s, delim, buffer)
		return err
	case seedSniffOnce:
		*rows, err = loadSeedSniffOnce(ctx, t, rel, s, delim, buffer)
		return err
	}
	types, err := emptyColumnTypes(ctx, tx, s, delim)
	if err != nil {
		return err
	}
	reader := readCSV(s, delim, types, allRows)
	*rows, err = replaceTable(ctx, t, rel, func(tmp string) string {
		return "create table " + tmp + " as select * from " + reader
	})
	if err != nil {
		return err
	}
	return narrowIntegers(ctx, t, rel, s)
}

// narrowIntegers makes each whole-number column of a freshly built seed
// table whose type was detected (not the seed's column_types) INTEGER when
// every value fits one, as dbt types seeds: agate's integer, which
// dbt-duckdb creates as INTEGER (dbt-adapters' SQLAdapter
// convert_integer_type). DuckDB's sniffer says BIGINT. A column with a
// value beyond INTEGER's range stays BIGINT, where dbt's load would fail.
func narrowIntegers(ctx context.Context, t sqlTx, rel adapters.Relation, s seedFile) error {
	cols, err := columns(ctx, t.tx, rel)
	if err != nil {
		return err
	}
	d := Dialect{}
	var wide []string
	var fits []string
	for _, c := range cols {
		if !strings.EqualFold(c.DataType, "BIGINT") || setType(s.ColumnTypes, c.Name) {
			continue
		}
		q := d.Quote(c.Name)
		wide = append(wide, c.Name)
		fits = append(fits, fmt.Sprintf("coalesce(min(%s) >= %d and max(%s) <= %d, true)", q, math.MinInt32, q, math.MaxInt32))
	}
	if len(wide) == 0 {
		return nil
	}
	res, err := queryAll(ctx, t.tx, "select "+strings.Join(fits, ", ")+" from "+d.RenderRelation(rel))
	if err != nil {
		return err
	}
	if len(res.Rows) != 1 || len(res.Rows[0]) != len(wide) {
		return fmt.Errorf("checking integer ranges: unexpected result %v", res.Rows)
	}
	for i, c := range wide {
		if ok, _ := res.Rows[0][i].(bool); !ok {
			continue
		}
		if _, err := t.Exec(ctx, "alter table "+d.RenderRelation(rel)+" alter column "+d.Quote(c)+" type integer"); err != nil {
			return err
		}
	}
	return nil
}

// setType reports whether a seed's column_types name the column.
func setType(types map[string]string, name string) bool {
	for k := range types {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// blankRows is how many rows of nulls dbt would load from the blank lines
// of a seed file that read_csv skips: those of a file of several columns
// (one of a single column is an empty value to read_csv, a null).
func blankRows(path, delim string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	comma, _ := utf8.DecodeRuneInString(delim)
	blanks, columns, err := adapters.BlankRecords(f, comma)
	if err != nil || columns < 2 {
		return 0, err
	}
	return blanks, nil
}

// seedSampleRows is DuckDB's default sample: the lines its sniffer reads
// (the header and 20,479 rows) to detect types, or only to check the
// dialect when every column's type is given; allRows makes it read every
// row.
const (
	seedSampleRows = 20480
	allRows        = -1
)

// loadSeedSniffOnce builds a seed's table reading the file twice, not
// five times: once to detect the types, date and timestamp formats from
// every row (sniff_csv), once to load it with all of them given. Columns
// with no value at all become INTEGER afterwards, on the loaded table
// (see emptyColumnTypes). The types are the same as the full path's.
//
// Detecting from a sample is not enough: DuckDB converts a later value
// that does not fit the sampled type when it can ("1.5" into BIGINT 2, a
// timestamp into a DATE) instead of failing, so the types and values would
// differ from detection over every row.
func loadSeedSniffOnce(ctx context.Context, t sqlTx, rel adapters.Relation, s seedFile, delim string, buffer int64) (int64, error) {
	d := Dialect{}
	sn, err := sniffSeed(ctx, t.tx, s, delim, allRows)
	if err != nil {
		return 0, err
	}
	types := make(map[string]string, len(sn.columns))
	var text []string
	for _, c := range sn.columns {
		types[c.name] = c.typ
		if !c.set && c.typ == "VARCHAR" {
			text = append(text, c.name)
		}
	}
	reader := withBuffer(sn.withFormats(readCSV(s, delim, types, seedSampleRows)), buffer)
	if err := t.DropRelation(ctx, rel); err != nil {
		return 0, err
	}
	rows, err := t.Exec(ctx, "create table "+d.RenderRelation(rel)+" as select * from "+reader)
	if err != nil {
		return 0, err
	}
	if err := emptyToInteger(ctx, t, rel, text); err != nil {
		return 0, err
	}
	return rows, narrowIntegers(ctx, t, rel, s)
}

// seedPath is one way of building a seed's table; LoadSeed tries them in
// order until one works.
type seedPath int

const (
	// seedSampled reads the file once, types detected from DuckDB's
	// sample and checked on every row (loadSeedSampled).
	seedSampled seedPath = iota
	// seedSniffOnce reads it twice: detection over every row, then the
	// load (loadSeedSniffOnce).
	seedSniffOnce
	// seedFull lets read_csv detect over every row, for the table and for
	// the columns with no value; the slowest, and the one whose errors a
	// bad file gets.
	seedFull
)

// errSampleNotEnough says a seed's sampled types cannot be shown to be
// those of detection over every row.
var errSampleNotEnough = errors.New("the sampled column types may differ from detection over every row")

// sampleCheckFailed is the message of the error a sampled load raises
// when a value may not fit its column's sampled type; no user sees it, as
// LoadSeed then tries the next path.
const sampleCheckFailed = "elt: a value may not fit its column's sampled type"

// firstChunkRows is how many data rows DuckDB's sniffer reads in its first
// chunk (2,048 lines with the header), whatever the sample size: rows it
// certainly looked at.
const firstChunkRows = 2047

// loadSeedSampled builds a seed's table reading the file once: DuckDB's
// sniffer detects the types from its sample (the first seedSampleRows
// lines), and the load checks every value in the same scan, so that the
// types are those of detection over every row (loadSeedSniffOnce) or the
// load fails and LoadSeed falls back to it.
//
// Why that holds, from DuckDB 1.5's sniffer (sniffer/type_refinement.cpp):
// detection over every row runs the sampled detection first, then goes on
// chunk by chunk, keeping each column's type while the chunk's values cast
// to it strictly and moving to a more general one only when they do not.
// Date and timestamp formats are chosen in the first chunk only, so the
// sample's are the full detection's. Both agree exactly when every value
// casts strictly to its sampled type, which is what the load makes sure of:
//   - DATE and TIMESTAMP with the sniffed formats, and TIMESTAMP without
//     one, are read typed: the reader parses them with the very function
//     the detection casts with, and a value that does not fit fails it.
//   - BIGINT, DOUBLE and BOOLEAN are read as text and cast here, because
//     the reader casts leniently where detection is strict ("007", "1.5",
//     "+1", "1_000" load into BIGINT; "y" and "1" into BOOLEAN): a value is
//     kept only when it is in a form the strict cast accepts (seedCheck),
//     and otherwise raises an error. The lenient and the strict cast give
//     the same value where both succeed, so the rows are the same too.
//   - VARCHAR is the most general type, but DuckDB also says VARCHAR for a
//     column with no value in the sample: such a column must have a value
//     in the first chunk, or none at all (then it is INTEGER, as on the
//     other paths).
//   - Any other sampled type (TIME, TIMESTAMP WITH TIME ZONE, DATE without
//     a format, whose strict and lenient casts differ) is not tried.
//
// The checks compare strings, and the first-chunk check relies on the
// table keeping the file's order: a connection with a default collation or
// without preserve_insertion_order goes the slower way.
func loadSeedSampled(ctx context.Context, t sqlTx, rel adapters.Relation, s seedFile, delim string, buffer int64) (int64, error) {
	d := Dialect{}
	var collation, ordered string
	if err := t.tx.QueryRowContext(ctx, "select current_setting('default_collation')::varchar, current_setting('preserve_insertion_order')::varchar").Scan(&collation, &ordered); err != nil {
		return 0, err
	}
	if collation != "" || ordered != "true" {
		return 0, errSampleNotEnough
	}
	sn, err := sniffSeed(ctx, t.tx, s, delim, seedSampleRows)
	if err != nil {
		return 0, err
	}
	readTypes := make(map[string]string, len(sn.columns))
	inner := make([]string, 0, 2*len(sn.columns))
	outer := make([]string, len(sn.columns))
	var text []string
	for i, c := range sn.columns {
		src := fmt.Sprintf("s%d", i)
		inner = append(inner, d.Quote(c.name)+" as "+src)
		outer[i] = src + " as " + d.Quote(c.name)
		readTypes[c.name] = c.typ
		if c.set {
			continue
		}
		switch {
		case c.typ == "VARCHAR":
			text = append(text, c.name)
		case c.typ == "TIMESTAMP", c.typ == "DATE" && sn.dateFormat != "":
			// read typed: a value that does not fit fails the load
		case seedCheck[c.typ] != "":
			val := fmt.Sprintf("v%d", i)
			readTypes[c.name] = "VARCHAR"
			typ := c.typ
			if typ == "BIGINT" {
				// dbt's integer (see narrowIntegers): a value beyond
				// INTEGER's range casts to NULL and so fails the check,
				// and the slower paths keep such a column BIGINT.
				typ = "INTEGER"
			}
			inner = append(inner, "try_cast("+d.Quote(c.name)+" as "+typ+") as "+val)
			cond := strings.ReplaceAll(strings.ReplaceAll(seedCheck[c.typ], "$s", src), "$v", val)
			// The check comes first and alone: a CASE whose first
			// condition holds for a whole vector runs only its THEN
			// branch, and "is null or (...)" made DuckDB merge and sort
			// two selections per vector (a NULL text fails the check as
			// NULL, so it reaches the second branch).
			outer[i] = "case when " + cond + " then " + val + " when " + src + " is null then null" +
				" else error(" + literal(sampleCheckFailed) + ") end as " + d.Quote(c.name)
		default:
			return 0, errSampleNotEnough
		}
	}
	reader := withBuffer(sn.withFormats(readCSV(s, delim, readTypes, seedSampleRows)), buffer)
	// Built under its own name, the old one dropped first: the transaction
	// keeps the old table if anything fails, and a table renamed after
	// it was built costs DuckDB's next checkpoint twice as much (5.8 s of
	// CPU more for a 1 GB seed).
	if err := t.DropRelation(ctx, rel); err != nil {
		return 0, err
	}
	rows, err := t.Exec(ctx, "create table "+d.RenderRelation(rel)+" as select "+strings.Join(outer, ", ")+
		" from (select "+strings.Join(inner, ", ")+" from "+reader+")")
	if err != nil {
		return 0, err // a value that may not fit, or a bad file: LoadSeed tries the next path
	}
	if len(text) > 0 {
		early, err := nonNullCounts(ctx, t, rel, text, firstChunkRows)
		if err != nil {
			return 0, err
		}
		var unsure []string
		for i, c := range text {
			if early[i] == 0 {
				unsure = append(unsure, c)
			}
		}
		all, err := nonNullCounts(ctx, t, rel, unsure, 0)
		if err != nil {
			return 0, err
		}
		for _, n := range all {
			if n > 0 {
				// Its first value came after the first chunk: what
				// detection over every row makes of it is unknown here.
				return 0, errSampleNotEnough
			}
		}
		for _, c := range unsure {
			if _, err := t.Exec(ctx, "alter table "+d.RenderRelation(rel)+" alter column "+d.Quote(c)+" type integer"); err != nil {
				return 0, err
			}
		}
	}
	return rows, nil
}

// seedCheck holds, per sampled type read as text, a condition on the text
// ($s, not null) and its lenient cast ($v) that implies DuckDB's strict cast
// accepts the text too (a sufficient condition: text it refuses sends the
// seed the slower way, which is never wrong). BOOLEAN's OR costs a sort
// of each vector's selection, but the OR-free "not (strlen($s) = 1 and $s
// not in (...))" made the query's own thread spin idle for about 4 s of
// CPU on the benchmark's 1 GB file (perf), so it stays. What the strict casts refuse
// and the lenient ones take, in DuckDB 1.5 (common/operator/
// integer_cast_operator.hpp, double_cast_operator.hpp, cast_operators.hpp):
//   - BIGINT: a leading "+", a leading zero ("007"), a decimal point, an
//     exponent, "_" between digits. The text must be the integer as DuckDB
//     prints it, which has none of these.
//   - DOUBLE: a leading "+", a leading zero before a digit ("07.5"), "_",
//     trailing white space. The text must start with "-", "." or a digit or
//     letter (not white space nor "+"), not with "0" and a digit, hold no
//     "_" and not end in white space.
//   - BOOLEAN: the one-letter forms other than t and f ("1", "0", "y", "n").
var seedCheck = map[string]string{
	"BIGINT": "cast($v as varchar) = $s",
	"DOUBLE": "$v is not null and $s >= '-' and not ($s >= '00' and $s < '0:') and not contains($s, '_')" +
		" and not (suffix($s, ' ') or suffix($s, chr(9)) or suffix($s, chr(10)) or suffix($s, chr(11)) or suffix($s, chr(12)) or suffix($s, chr(13)))",
	"BOOLEAN": "$v is not null and (strlen($s) <> 1 or $s in ('t', 'f', 'T', 'F'))",
}

// sniffed is what sniff_csv detects in a seed file.
type sniffed struct {
	columns                 []sniffedColumn
	dateFormat, stampFormat string
}

type sniffedColumn struct {
	name, typ string
	set       bool // the type is the seed's column_types'
}

// sniffSeed detects a seed file's column types and date and timestamp
// formats from sampleRows rows (allRows: every row), with the seed's
// column_types given.
func sniffSeed(ctx context.Context, tx *sql.Tx, s seedFile, delim string, sampleRows int) (sniffed, error) {
	var (
		cols     any
		dateFmt  sql.NullString
		stampFmt sql.NullString
	)
	q := "select Columns, DateFormat, TimestampFormat from sniff_csv" + strings.TrimPrefix(readCSV(s, delim, s.ColumnTypes, sampleRows), "read_csv")
	if err := tx.QueryRowContext(ctx, q).Scan(&cols, &dateFmt, &stampFmt); err != nil {
		return sniffed{}, err
	}
	list, _ := cols.([]any)
	sn := sniffed{columns: make([]sniffedColumn, 0, len(list)), dateFormat: dateFmt.String, stampFormat: stampFmt.String}
	for _, c := range list {
		m, _ := c.(map[string]any)
		name, _ := m["name"].(string)
		typ, _ := m["type"].(string)
		if name == "" || typ == "" {
			return sniffed{}, fmt.Errorf("sniff_csv: unexpected columns %v", cols)
		}
		col := sniffedColumn{name: name, typ: typ}
		for k, v := range s.ColumnTypes {
			if strings.EqualFold(k, name) {
				col.set, col.typ = true, v
			}
		}
		sn.columns = append(sn.columns, col)
	}
	return sn, nil
}

// withFormats adds the sniffed date and timestamp formats to a read_csv
// call, so the load parses them as detection did.
func (sn sniffed) withFormats(reader string) string {
	if sn.dateFormat != "" {
		reader = strings.TrimSuffix(reader, ")") + ", dateformat = " + literal(sn.dateFormat) + ")"
	}
	if sn.stampFormat != "" {
		reader = strings.TrimSuffix(reader, ")") + ", timestampformat = " + literal(sn.stampFormat) + ")"
	}
	return reader
}

// A seed file over largeSeedBytes is loaded with read_csv's buffer_size
// at seedBufferBytes. DuckDB's parallel CREATE TABLE AS and INSERT write
// each batch of the file into row groups of 122,880 rows as it comes, the
// batch's last one partial, and the CSV reader's batch is a quarter of its
// buffer, but no less than max_line_size (DuckDB 1.5,
// csv_scanner/scanner/scanner_boundary.cpp): by default 8 MB, one row group
// and a bit of a typical seed, so every other row group is small and the
// checkpoint when the database closes merges them (its vacuum), rewriting
// most of the table: 4-5 s of CPU for the 1 GB benchmark seed, a fifth of
// its load. A 32 MB batch is several full row groups and one partial,
// which the checkpoint leaves as they are (it merges neighbours only where
// fewer row groups would hold them). Only the cut into batches changes:
// the rows, their order, types and values are the same
// (TestSeedBufferSameTable). Small files keep the default, so a small
// seed does not get a large buffer.
const (
	largeSeedBytes  = 64 << 20
	seedBufferBytes = 128 << 20
)

// seedReadBuffer is the buffer_size of a seed's load for a file of size
// bytes (0: DuckDB's default), or override when set.
func seedReadBuffer(size, override int64) int64 {
	switch {
	case override > 0:
		return override
	case size > largeSeedBytes:
		return seedBufferBytes
	}
	return 0
}

// seedMaxLineBytes is DuckDB's default max_line_size, which a buffer_size
// alone raises to the buffer's size: a line too long without the buffer
// stays too long with it (TestSeedBufferKeepsMaxLineSize).
const seedMaxLineBytes = 2000000

// withBuffer sets a read_csv call's buffer_size (0: DuckDB's default),
// keeping the default maximum line size.
func withBuffer(reader string, buffer int64) string {
	if buffer == 0 {
		return reader
	}
	return strings.TrimSuffix(reader, ")") + fmt.Sprintf(", buffer_size = %d, max_line_size = %d)", buffer, seedMaxLineBytes)
}

// nonNullCounts counts the values of cols in table (in its first limit
// rows, unless limit is 0).
func nonNullCounts(ctx context.Context, t sqlTx, table adapters.Relation, cols []string, limit int) ([]int64, error) {
	if len(cols) == 0 {
		return nil, nil
	}
	d := Dialect{}
	counts := make([]string, len(cols))
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = d.Quote(c)
		counts[i] = "count(" + quoted[i] + ")"
	}
	from := d.RenderRelation(table)
	if limit > 0 {
		from = fmt.Sprintf("(select %s from %s limit %d)", strings.Join(quoted, ", "), from, limit)
	}
	res, err := queryAll(ctx, t.tx, "select "+strings.Join(counts, ", ")+" from "+from)
	if err != nil {
		return nil, err
	}
	if len(res.Rows) != 1 || len(res.Rows[0]) != len(cols) {
		return nil, fmt.Errorf("counting values: unexpected result %v", res.Rows)
	}
	out := make([]int64, len(cols))
	for i := range cols {
		out[i], _ = res.Rows[0][i].(int64)
	}
	return out, nil
}

// emptyToInteger makes each of cols with no value at all an INTEGER
// column (see emptyColumnTypes).
func emptyToInteger(ctx context.Context, t sqlTx, table adapters.Relation, cols []string) error {
	counts, err := nonNullCounts(ctx, t, table, cols, 0)
	if err != nil {
		return err
	}
	for i, c := range cols {
		if counts[i] == 0 {
			if _, err := t.Exec(ctx, "alter table "+Dialect{}.RenderRelation(table)+" alter column "+Dialect{}.Quote(c)+" type integer"); err != nil {
				return err
			}
		}
	}
	return nil
}

// emptyColumnTypes is the seed's column_types plus INTEGER for every
// column that has no value at all: dbt types seeds with agate, whose first
// guess, integer, fits a column of only NULLs (DuckDB's sniffer says
// VARCHAR).
func emptyColumnTypes(ctx context.Context, tx *sql.Tx, s seedFile, delim string) (map[string]string, error) {
	res, err := queryAll(ctx, tx, "describe select * from "+readCSV(s, delim, s.ColumnTypes, allRows))
	if err != nil {
		return nil, err
	}
	var candidates []string
	for _, r := range res.Rows {
		name, _ := r[0].(string)
		typ, _ := r[1].(string)
		if typ != "VARCHAR" {
			continue
		}
		set := false
		for k := range s.ColumnTypes {
			set = set || strings.EqualFold(k, name)
		}
		if !set {
			candidates = append(candidates, name)
		}
	}
	types := make(map[string]string, len(s.ColumnTypes)+len(candidates))
	for k, v := range s.ColumnTypes {
		types[k] = v
	}
	if len(candidates) == 0 {
		return types, nil
	}
	d := Dialect{}
	counts := make([]string, len(candidates))
	for i, c := range candidates {
		counts[i] = "count(" + d.Quote(c) + ")"
	}
	res, err = queryAll(ctx, tx, "select "+strings.Join(counts, ", ")+" from "+readCSV(s, delim, s.ColumnTypes, allRows))
	if err != nil {
		return nil, err
	}
	if len(res.Rows) == 1 {
		for i, c := range candidates {
			if n, ok := res.Rows[0][i].(int64); ok && n == 0 {
				types[c] = "INTEGER"
			}
		}
	}
	return types, nil
}

// refillSeed empties an existing seed table and inserts the file's rows,
// reading each column as the table's type (so "007" stays "007" in a
// VARCHAR column) unless the seed's column_types say otherwise.
func refillSeed(ctx context.Context, tx *sql.Tx, rel adapters.Relation, s seedFile, delim string, buffer int64) (int64, error) {
	d := Dialect{}
	existing, err := columns(ctx, tx, rel)
	if err != nil {
		return 0, err
	}
	// The header's names do not depend on how many rows are sampled.
	var fileCols []string
	res, err := queryAll(ctx, tx, "describe select * from "+readCSV(s, delim, s.ColumnTypes, seedSampleRows))
	if err != nil {
		return 0, err
	}
	for _, r := range res.Rows {
		name, _ := r[0].(string)
		fileCols = append(fileCols, name)
	}
	tableCols := make([]string, len(existing))
	types := make(map[string]string, len(existing))
	for i, c := range existing {
		tableCols[i] = c.Name
		types[c.Name] = c.DataType
	}
	if !slices.EqualFunc(fileCols, tableCols, strings.EqualFold) {
		return 0, fmt.Errorf("the CSV's columns (%s) differ from the table's (%s); run with --full-refresh to rebuild the table",
			strings.Join(fileCols, ", "), strings.Join(tableCols, ", "))
	}
	for k, v := range s.ColumnTypes {
		for _, c := range tableCols {
			if strings.EqualFold(k, c) {
				types[c] = v
			}
		}
	}
	if truncate := adapters.RelationOpsOf(ctx).Truncate; truncate != nil {
		// A project's truncate_relation, as dbt's seeds run it.
		if err := truncate(ctx, rel); err != nil {
			return 0, err
		}
	} else if _, err := tx.ExecContext(ctx, "delete from "+d.RenderRelation(rel)); err != nil {
		return 0, err
	}
	// Every column's type is given, so no sample decides anything.
	r, err := tx.ExecContext(ctx, "insert into "+d.RenderRelation(rel)+" select * from "+withBuffer(readCSV(s, delim, types, seedSampleRows), buffer))
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

// readCSV is the read_csv call for a seed. The dialect is fixed to what dbt
// seeds are (RFC 4180 quoting, a header row, nothing skipped): left to
// itself, DuckDB's sniffer "explains" a ragged file by skipping rows or
// dropping quoting, and loads the wrong data instead of failing. Types are
// sniffed from sampleRows rows (allRows: every row).
func readCSV(s seedFile, delim string, types map[string]string, sampleRows int) string {
	var b strings.Builder
	// nullstr: dbt's seeds (agate) read "null" as NULL too, whatever its
	// case; these are its spellings in practice.
	fmt.Fprintf(&b, "read_csv(%s, header = true, delim = %s, quote = '\"', escape = '\"', skip = 0, sample_size = %d, strict_mode = true, nullstr = ['', 'null', 'NULL', 'Null']",
		literal(s.Path), literal(delim), sampleRows)
	if s.pad {
		// null_padding reads single-threaded, parallel or not.
		b.WriteString(", null_padding = true, parallel = false")
	}
	names := s.names
	if names != nil {
		b.WriteString(", names = [")
		for i, n := range names {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(literal(n))
		}
		b.WriteString("]")
	}
	if len(types) > 0 {
		names := make([]string, 0, len(types))
		for k := range types {
			names = append(names, k)
		}
		slices.Sort(names)
		b.WriteString(", types = {")
		for i, k := range names {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(literal(k) + ": " + literal(types[k]))
		}
		b.WriteString("}")
	}
	b.WriteString(")")
	return b.String()
}

var csvErrorLine = lazyre.New(`CSV Error on Line: (\d+)`)

// seedError turns a failed load into an *adapters.SeedError naming the file
// and, where known, the line. DuckDB gives a line for bad values; for a file
// it cannot parse at all (ragged rows, an unterminated quote) it only says
// sniffing failed, so the file is re-read with encoding/csv to find where.
func seedError(path, delim string, err error) error {
	var de *duckdbdriver.Error
	if !errors.As(err, &de) {
		return err // cancelled, connection trouble, ...: not the file's fault
	}
	if de.Type == duckdbdriver.ErrorTypeBinder && !strings.Contains(de.Msg, "CSV") {
		return err
	}
	msg := de.Msg
	// Keep the first paragraph: DuckDB goes on with every reader option.
	if i := strings.Index(msg, "\n\n"); i >= 0 {
		msg = msg[:i]
	}
	if m := csvErrorLine().FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &adapters.SeedError{Path: path, Line: line, Err: errors.New(msg)}
	}
	if line, why := findCSVProblem(path, delim); line > 0 {
		return &adapters.SeedError{Path: path, Line: line, Err: errors.New(why)}
	}
	return &adapters.SeedError{Path: path, Err: errors.New(msg)}
}

// findCSVProblem reads the file as RFC 4180 CSV and returns the first line
// that breaks it, with why, or 0 when it finds none.
func findCSVProblem(path, delim string) (int, string) {
	comma, size := utf8.DecodeRuneInString(delim)
	if size != len(delim) {
		return 0, "" // multi-character delimiters are beyond encoding/csv
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, ""
	}
	defer f.Close()
	var se *adapters.SeedError
	// A short row is padded (hasShortRow), as agate pads it: not a
	// problem.
	err = adapters.ReadCSV(path, f, comma, func(int, []string) error { return nil })
	if errors.As(err, &se) && se.Line > 0 {
		return se.Line, se.Err.Error()
	}
	return 0, ""
}

// hasShortRow reports whether the file's first problem as strict CSV is
// a row with fewer fields than the header.
func hasShortRow(path, delim string) bool {
	comma, size := utf8.DecodeRuneInString(delim)
	if size != len(delim) {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var short *adapters.ShortRowError
	return errors.As(adapters.CheckCSV(path, f, comma), &short)
}

// seedFile is a seed to load and the names its header's columns load
// as, when they are not the header's own: dbt's agate renames a repeated
// name and names an empty one (seedheader.Names).
type seedFile struct {
	adapters.Seed
	names []string
	// pad: a row shorter than the header gets nulls for its missing
	// fields, as agate gives it (read_csv's null_padding).
	pad bool
}

// seedHeader reads the seed's header: the names its columns load as (nil
// when they are the header's), and its column_types for the columns the
// file has: dbt looks a type up for each column of the file, so an entry
// for a column the file lacks is ignored, where read_csv would refuse it.
func seedHeader(path, delim string, types map[string]string) (names []string, kept map[string]string, unknown []string, err error) {
	if len([]rune(delim)) != 1 {
		return nil, types, nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.Comma = []rune(delim)[0]
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	header, err := r.Read()
	if err != nil {
		return nil, types, nil, nil // an empty or unreadable file: the load says what is wrong
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	header, renamed := seedheader.Names(header)
	if renamed {
		names = header
	}
	if len(types) == 0 {
		return names, types, nil, nil
	}
	has := make(map[string]bool, len(header))
	for _, h := range header {
		has[strings.ToLower(strings.TrimSpace(h))] = true
	}
	kept = make(map[string]string, len(types))
	for k, v := range types {
		if has[strings.ToLower(k)] {
			kept[k] = v
		} else {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	return names, kept, unknown, nil
}

// unquoteSeedColumns renames the columns of a seed loaded with
// quote_columns: false whose header names are in double quotes ("from"):
// dbt writes such a name into SQL as it is, a quoted identifier, so the
// column is named without the quotes.
func unquoteSeedColumns(ctx context.Context, t sqlTx, rel adapters.Relation) error {
	cols, err := t.TableColumns(ctx, rel)
	if err != nil {
		return err
	}
	d := Dialect{}
	for _, c := range cols {
		// Written into the SQL as it is, whitespace around a name is no
		// part of it (" updated_by" is updated_by), and a name in double
		// quotes ("from") is the name inside them.
		h := strings.TrimSpace(c.Name)
		name := h
		if len(h) >= 2 && h[0] == '"' && h[len(h)-1] == '"' && !strings.Contains(strings.ReplaceAll(h[1:len(h)-1], `""`, ""), `"`) {
			name = strings.ReplaceAll(h[1:len(h)-1], `""`, `"`)
		}
		if name == c.Name {
			continue
		}
		h = c.Name
		if _, err := t.tx.ExecContext(ctx, "alter table "+d.RenderRelation(rel)+" rename column "+d.Quote(h)+" to "+d.Quote(name)); err != nil {
			return err
		}
	}
	return nil
}
