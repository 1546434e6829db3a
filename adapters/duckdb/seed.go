package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	duckdbdriver "github.com/duckdb/duckdb-go/v2"

	"github.com/elt-dev/elt/adapters"
)

// LoadSeed loads a CSV file with DuckDB's own reader: header names become
// column names as written, types are detected from the whole file unless
// s.ColumnTypes sets them, and empty fields become NULL.
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
	if _, err := os.Stat(s.Path); err != nil {
		return adapters.RunResult{}, &adapters.SeedError{Path: s.Path, Err: err}
	}

	var rows int64
	load := func(fast bool) error {
		return a.inCachedTx(ctx, func(t sqlTx) error {
			tx := t.tx
			kind, err := t.RelationKind(ctx, rel)
			if err != nil {
				return err
			}
			if kind == adapters.KindTable && !s.FullRefresh {
				rows, err = refillSeed(ctx, tx, rel, s, delim)
				return err
			}
			if fast {
				rows, err = loadSeedSniffOnce(ctx, t, rel, s, delim)
				return err
			}
			types, err := emptyColumnTypes(ctx, tx, s, delim)
			if err != nil {
				return err
			}
			reader := readCSV(s.Path, delim, types, allRows)
			rows, err = replaceTable(ctx, t, rel, func(tmp string) string {
				return "create table " + tmp + " as select * from " + reader
			})
			return err
		})
	}
	err = load(!a.fullSeedSniff)
	if err != nil && ctx.Err() == nil && !a.fullSeedSniff {
		// Whatever failed (a bad file, most likely), the full path says
		// so the way it always has, with the line where known.
		err = load(false)
	}
	a.settle(rel, adapters.KindTable, err)
	if err != nil {
		return adapters.RunResult{}, seedError(s.Path, delim, err)
	}
	return adapters.RunResult{Message: fmt.Sprintf("INSERT %d", rows), RowsAffected: rows}, nil
}

// seedSampleRows is how many rows DuckDB's sniffer reads when every
// column's type is given already (it then only checks the dialect);
// allRows makes it read every row.
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
func loadSeedSniffOnce(ctx context.Context, t sqlTx, rel adapters.Relation, s adapters.Seed, delim string) (int64, error) {
	d := Dialect{}
	var (
		cols     any
		dateFmt  sql.NullString
		stampFmt sql.NullString
	)
	sniff := "select Columns, DateFormat, TimestampFormat from sniff_csv" + strings.TrimPrefix(readCSV(s.Path, delim, s.ColumnTypes, allRows), "read_csv")
	if err := t.tx.QueryRowContext(ctx, sniff).Scan(&cols, &dateFmt, &stampFmt); err != nil {
		return 0, err
	}
	list, _ := cols.([]any)
	types := make(map[string]string, len(list))
	var text []string
	for _, c := range list {
		m, _ := c.(map[string]any)
		name, _ := m["name"].(string)
		typ, _ := m["type"].(string)
		if name == "" || typ == "" {
			return 0, fmt.Errorf("sniff_csv: unexpected columns %v", cols)
		}
		set := false
		for k, v := range s.ColumnTypes {
			if strings.EqualFold(k, name) {
				set, typ = true, v
			}
		}
		types[name] = typ
		if !set && typ == "VARCHAR" {
			text = append(text, name)
		}
	}
	reader := readCSV(s.Path, delim, types, seedSampleRows)
	if dateFmt.Valid && dateFmt.String != "" {
		reader = strings.TrimSuffix(reader, ")") + ", dateformat = " + literal(dateFmt.String) + ")"
	}
	if stampFmt.Valid && stampFmt.String != "" {
		reader = strings.TrimSuffix(reader, ")") + ", timestampformat = " + literal(stampFmt.String) + ")"
	}
	tmp := rel
	tmp.Identifier = warehouse().TempName(rel.Identifier)
	rows, err := t.Exec(ctx, "create table "+d.RenderRelation(tmp)+" as select * from "+reader)
	if err != nil {
		return 0, err
	}
	if len(text) > 0 {
		counts := make([]string, len(text))
		for i, c := range text {
			counts[i] = "count(" + d.Quote(c) + ")"
		}
		res, err := queryAll(ctx, t.tx, "select "+strings.Join(counts, ", ")+" from "+d.RenderRelation(tmp))
		if err != nil {
			return 0, err
		}
		for i, c := range text {
			if n, ok := res.Rows[0][i].(int64); ok && n == 0 {
				if _, err := t.Exec(ctx, "alter table "+d.RenderRelation(tmp)+" alter column "+d.Quote(c)+" type integer"); err != nil {
					return 0, err
				}
			}
		}
	}
	if err := t.DropRelation(ctx, rel); err != nil {
		return 0, err
	}
	if _, err := t.Exec(ctx, "alter table "+d.RenderRelation(tmp)+" rename to "+d.Quote(rel.Identifier)); err != nil {
		return 0, err
	}
	return rows, nil
}

// emptyColumnTypes is the seed's column_types plus INTEGER for every
// column that has no value at all: dbt types seeds with agate, whose first
// guess, integer, fits a column of only NULLs (DuckDB's sniffer says
// VARCHAR).
func emptyColumnTypes(ctx context.Context, tx *sql.Tx, s adapters.Seed, delim string) (map[string]string, error) {
	res, err := queryAll(ctx, tx, "describe select * from "+readCSV(s.Path, delim, s.ColumnTypes, allRows))
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
	res, err = queryAll(ctx, tx, "select "+strings.Join(counts, ", ")+" from "+readCSV(s.Path, delim, s.ColumnTypes, allRows))
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
func refillSeed(ctx context.Context, tx *sql.Tx, rel adapters.Relation, s adapters.Seed, delim string) (int64, error) {
	d := Dialect{}
	existing, err := columns(ctx, tx, rel)
	if err != nil {
		return 0, err
	}
	// The header's names do not depend on how many rows are sampled.
	var fileCols []string
	res, err := queryAll(ctx, tx, "describe select * from "+readCSV(s.Path, delim, s.ColumnTypes, seedSampleRows))
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
	if _, err := tx.ExecContext(ctx, "delete from "+d.RenderRelation(rel)); err != nil {
		return 0, err
	}
	// Every column's type is given, so no sample decides anything.
	r, err := tx.ExecContext(ctx, "insert into "+d.RenderRelation(rel)+" select * from "+readCSV(s.Path, delim, types, seedSampleRows))
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
func readCSV(path, delim string, types map[string]string, sampleRows int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "read_csv(%s, header = true, delim = %s, quote = '\"', escape = '\"', skip = 0, sample_size = %d, strict_mode = true",
		literal(path), literal(delim), sampleRows)
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

var csvErrorLine = regexp.MustCompile(`CSV Error on Line: (\d+)`)

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
	if m := csvErrorLine.FindStringSubmatch(msg); m != nil {
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
	if err := adapters.ReadCSV(path, f, comma, func(int, []string) error { return nil }); errors.As(err, &se) && se.Line > 0 {
		return se.Line, se.Err.Error()
	}
	return 0, ""
}
