package bigquery

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/internal/seedheader"
)

// Seeds are loaded with a BigQuery load job, not with "insert ... values"
// statements: a load job is free (no query bytes billed), has no limit on
// the statement's size (a query is at most 1 MB of text), and replaces a
// table's rows atomically (WRITE_TRUNCATE). The CSV is read and checked
// here first, with encoding/csv, so that a malformed row or a value that
// does not fit its column is reported at its line before anything is
// sent, and column types are inferred from every row the same way on
// every run (BigQuery's own autodetect samples rows). The job loads a
// normalized copy: comma-separated, no header.

// SeedData is a seed's CSV file, read and checked.
type SeedData struct {
	Header  []string
	Records [][]string
	Lines   []int // each record's first line in the file
}

// ReadSeed reads a seed's CSV file (RFC 4180 quoting, a header row).
// Problems are *adapters.SeedError values with the line.
func ReadSeed(path, delim string) (*SeedData, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &adapters.SeedError{Path: path, Err: err}
	}
	defer f.Close()
	return parseSeed(path, f, delim)
}

func parseSeed(path string, r io.Reader, delim string) (*SeedData, error) {
	if delim == "" {
		delim = ","
	}
	comma, size := utf8.DecodeRuneInString(delim)
	if size != len(delim) {
		return nil, &adapters.SeedError{Path: path, Err: fmt.Errorf("delimiter %q: BigQuery seeds take a one-character delimiter", delim)}
	}
	d := &SeedData{}
	err := adapters.ReadCSV(path, r, comma, func(line int, rec []string) error {
		if d.Header == nil {
			d.Header = rec
			return nil
		}
		for i, v := range rec {
			if adapters.SeedNull(v) { // NULL as dbt loads it: blank, or null in any case
				rec[i] = ""
			}
		}
		d.Records = append(d.Records, rec)
		d.Lines = append(d.Lines, line)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Named as dbt's agate names them: a repeated name renamed (name_2),
	// an empty one named by its position.
	d.Header, _ = seedheader.Names(d.Header)
	seen := map[string]bool{}
	for _, h := range d.Header {
		if seen[strings.ToLower(h)] {
			return nil, &adapters.SeedError{Path: path, Line: 1, Err: fmt.Errorf("column %q appears twice (BigQuery column names ignore case)", h)}
		}
		seen[strings.ToLower(h)] = true
	}
	return d, nil
}

// seedTypeAliases maps the type names a seed's column_types may use (some
// written for other warehouses) to BigQuery's.
var seedTypeAliases = map[string]string{
	"STRING": "STRING", "VARCHAR": "STRING", "TEXT": "STRING", "CHAR": "STRING",
	"INT64": "INT64", "INTEGER": "INT64", "INT": "INT64", "BIGINT": "INT64", "SMALLINT": "INT64",
	"FLOAT64": "FLOAT64", "FLOAT": "FLOAT64", "DOUBLE": "FLOAT64", "REAL": "FLOAT64", "DOUBLE PRECISION": "FLOAT64",
	"BOOL": "BOOL", "BOOLEAN": "BOOL",
	"NUMERIC": "NUMERIC", "DECIMAL": "NUMERIC", "BIGNUMERIC": "BIGNUMERIC", "BIGDECIMAL": "BIGNUMERIC",
	"DATE": "DATE", "DATETIME": "DATETIME", "TIMESTAMP": "TIMESTAMP", "TIME": "TIME",
	"BYTES": "BYTES", "JSON": "JSON", "GEOGRAPHY": "GEOGRAPHY",
}

// seedType normalizes a column_types value, dropping parameters.
func seedType(t string) (string, bool) {
	u := strings.ToUpper(strings.TrimSpace(t))
	if i := strings.IndexByte(u, '('); i >= 0 {
		u = strings.TrimSpace(u[:i])
	}
	bt, ok := seedTypeAliases[u]
	return bt, ok
}

// inferType is the narrowest of INT64, FLOAT64, BOOL, DATE, DATETIME,
// TIMESTAMP that every non-empty value fits, else STRING.
func inferType(values func(yield func(string) bool)) string {
	for _, typ := range []string{"INT64", "FLOAT64", "BOOL", "DATE", "DATETIME", "TIMESTAMP"} {
		fits, any := true, false
		for v := range values {
			if v == "" {
				continue
			}
			any = true
			if !valueFits(v, typ) {
				fits = false
				break
			}
		}
		if !any {
			return "STRING"
		}
		if fits {
			return typ
		}
	}
	return "STRING"
}

var (
	dateTimeLayouts  = []string{"2006-01-02 15:04:05.999999", "2006-01-02T15:04:05.999999", "2006-01-02 15:04", "2006-01-02T15:04"}
	timestampLayouts = []string{"2006-01-02 15:04:05.999999Z07:00", "2006-01-02T15:04:05.999999Z07:00", "2006-01-02 15:04:05.999999 MST", "2006-01-02 15:04:05.999999Z07"}
)

// valueFits says whether a CSV value loads into a column of typ the way
// BigQuery's CSV reader takes it. Types it cannot judge pass.
func valueFits(v, typ string) bool {
	switch typ {
	case "INT64":
		_, err := strconv.ParseInt(v, 10, 64)
		return err == nil
	case "FLOAT64", "NUMERIC", "BIGNUMERIC":
		// Plain decimal notation only: ParseFloat also reads "NaN", "inf"
		// and hex floats, which would make a column of names numeric.
		if strings.Trim(v, "0123456789.eE+-") != "" {
			return false
		}
		_, err := strconv.ParseFloat(v, 64)
		return err == nil
	case "BOOL":
		switch strings.ToLower(v) {
		case "true", "false":
			return true
		}
		return false
	case "DATE":
		_, err := time.Parse("2006-01-02", v)
		return err == nil
	case "DATETIME":
		for _, l := range dateTimeLayouts {
			if _, err := time.Parse(l, v); err == nil {
				return true
			}
		}
		return false
	case "TIMESTAMP":
		for _, l := range timestampLayouts {
			if _, err := time.Parse(l, v); err == nil {
				return true
			}
		}
		return valueFits(v, "DATETIME") // read as UTC
	}
	return true
}

// LoadJob is a BigQuery load job of a seed's normalized CSV.
type LoadJob struct {
	Destination adapters.Relation
	Schema      []adapters.Column
	// CSV is the data: comma-separated, RFC 4180 quoting, no header, empty
	// fields for NULL.
	CSV []byte
}

// SeedPlan loads a seed: Before, the load job (WRITE_TRUNCATE: the
// destination's rows are replaced atomically, or kept if the job fails),
// then After.
type SeedPlan struct {
	Before []string
	Load   LoadJob
	After  []string
	Rows   int64
}

// PlanSeed plans loading data into target. Like dbt's seed
// materialization, an existing table is refilled in place, keeping its
// column types (so "007" stays "007" in a STRING column), and its columns
// must match the file's; a full refresh, a missing table or a view builds
// the table anew: the rows are loaded into tmp, then copied into place.
func PlanSeed(s adapters.Seed, target, tmp adapters.Relation, data *SeedData, existing TableFacts, existingCols []adapters.Column) (SeedPlan, error) {
	var plan SeedPlan
	var schema []adapters.Column
	if existing.Kind == adapters.KindTable && !s.FullRefresh {
		tableCols := make([]string, len(existingCols))
		for i, c := range existingCols {
			tableCols[i] = c.Name
		}
		if !slices.EqualFunc(data.Header, tableCols, strings.EqualFold) {
			return SeedPlan{}, fmt.Errorf("the CSV's columns (%s) differ from the table's (%s); run with --full-refresh to rebuild the table",
				strings.Join(data.Header, ", "), strings.Join(tableCols, ", "))
		}
		for i, c := range existingCols {
			schema = append(schema, adapters.Column{Name: c.Name, DataType: c.DataType, Index: i + 1})
		}
		plan.Load.Destination = target
	} else {
		for i, h := range data.Header {
			typ := ""
			for k, v := range s.ColumnTypes {
				if strings.EqualFold(k, h) {
					t, ok := seedType(v)
					if !ok {
						return SeedPlan{}, &adapters.SeedError{Path: s.Path, Err: fmt.Errorf("column_types: %q (column %s) is not a BigQuery type; use STRING, INT64, FLOAT64, NUMERIC, BOOL, DATE, DATETIME, TIMESTAMP, ...", v, h)}
					}
					typ = t
				}
			}
			if typ == "" {
				typ = inferType(func(yield func(string) bool) {
					for _, r := range data.Records {
						if !yield(r[i]) {
							return
						}
					}
				})
			}
			schema = append(schema, adapters.Column{Name: h, DataType: typ, Index: i + 1})
		}
		plan.Load.Destination = tmp
		if existing.Kind == adapters.KindView {
			plan.After = append(plan.After, "drop view if exists "+render(target))
		}
		plan.After = append(plan.After,
			"create or replace table "+render(target)+" copy "+render(tmp),
			"drop table if exists "+render(tmp))
	}
	// Check every value against its column's type, to point at the line.
	for r, rec := range data.Records {
		for i, v := range rec {
			if v != "" && !valueFits(v, baseType(schema[i].DataType)) {
				return SeedPlan{}, &adapters.SeedError{Path: s.Path, Line: data.Lines[r], Err: fmt.Errorf("column %s: %q is not a valid %s", schema[i].Name, v, schema[i].DataType)}
			}
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.WriteAll(data.Records) // writes to memory: cannot fail
	plan.Load.Schema = schema
	plan.Load.CSV = buf.Bytes()
	plan.Rows = int64(len(data.Records))
	return plan, nil
}
