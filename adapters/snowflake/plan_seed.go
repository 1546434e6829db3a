package snowflake

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/internal/lazyre"
	"github.com/elt-dev/elt/internal/seedheader"
)

// Seeds are loaded with "insert into ... select ... from values" batches
// rendered from the CSV, not with PUT + COPY INTO: PUT uploads through the
// stage's cloud storage (another endpoint, other credentials and firewall
// rules), while seeds are small by design (dbt's advice: under a few
// thousand rows). Batches keep each statement well under Snowflake's
// statement size limit, and every value goes in as a string literal cast to
// the column's type, so Snowflake, not Go, decides what "1.50" or
// "2024-01-02" means for the type.
const (
	seedBatchRows  = 1000
	seedBatchBytes = 512 << 10
)

// SeedData is a parsed CSV: its header and rows, with the line each row
// starts on (for errors). Empty fields are NULL, as in dbt.
type SeedData struct {
	Path   string
	Header []string
	Rows   [][]*string
	Lines  []int
}

// ReadSeed reads a seed's CSV file (RFC 4180, a header row). A malformed
// file is an *adapters.SeedError naming the line.
func ReadSeed(path, delim string) (*SeedData, error) {
	if delim == "" {
		delim = ","
	}
	comma, size := utf8.DecodeRuneInString(delim)
	if size != len(delim) {
		return nil, &adapters.SeedError{Path: path, Err: fmt.Errorf("delimiter %q: want one character", delim)}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &adapters.SeedError{Path: path, Err: err}
	}
	defer f.Close()
	data := &SeedData{Path: path}
	err = adapters.ReadCSV(path, f, comma, func(line int, rec []string) error {
		if data.Header == nil {
			// Named as dbt's agate names them: a repeated name renamed
			// (name_2), an empty one named by its position.
			data.Header, _ = seedheader.Names(rec)
			return nil
		}
		row := make([]*string, len(rec))
		for i, v := range rec {
			if !adapters.SeedNull(v) { // NULL as dbt loads it: blank, or null in any case
				row[i] = &v
			}
		}
		data.Rows = append(data.Rows, row)
		data.Lines = append(data.Lines, line)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return data, nil
}

var (
	seedInt       = lazyre.New(`^[+-]?\d+$`)
	seedNumber    = lazyre.New(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)
	seedDate      = lazyre.New(`^\d{4}-\d{2}-\d{2}$`)
	seedTimestamp = lazyre.New(`^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$`)
)

// InferSeedTypes picks each column's type from all its values, the way
// dbt-snowflake names agate's: INTEGER, FLOAT, BOOLEAN, DATE,
// TIMESTAMP_NTZ, or VARCHAR (also for a column with no values).
func InferSeedTypes(data *SeedData) []string {
	types := make([]string, len(data.Header))
	for i := range data.Header {
		isInt, isNum, isBool, isDate, isTS, any := true, true, true, true, true, false
		for _, r := range data.Rows {
			v := r[i]
			if v == nil {
				continue
			}
			any = true
			s := strings.TrimSpace(*v)
			isInt = isInt && seedInt().MatchString(s)
			isNum = isNum && seedNumber().MatchString(s)
			l := strings.ToLower(s)
			isBool = isBool && (l == "true" || l == "false")
			isDate = isDate && seedDate().MatchString(s)
			isTS = isTS && seedTimestamp().MatchString(s)
		}
		switch {
		case !any:
			types[i] = "VARCHAR"
		case isInt:
			types[i] = "INTEGER"
		case isNum:
			types[i] = "FLOAT"
		case isBool:
			types[i] = "BOOLEAN"
		case isDate:
			types[i] = "DATE"
		case isTS:
			types[i] = "TIMESTAMP_NTZ"
		default:
			types[i] = "VARCHAR"
		}
	}
	return types
}

// SeedPlan loads a seed.
type SeedPlan struct {
	Statements []Statement
	Cleanup    []Statement // always runs
	Rows       int64
	// Batches maps an insert statement's index in Statements to the CSV
	// lines it carries, for errors.
	Batches map[int][2]int
}

// Seed plans loading data into s.Relation, given what is there now.
//
// As in dbt, an existing table is emptied and refilled in place, keeping
// its column types, and its columns must match the file's; that happens
// between begin and commit, so a bad value leaves the old rows. Otherwise
// (FullRefresh, no table, or a view in the way) a new table is built under
// a temporary name and swapped in: "alter table ... swap with" exchanges
// two tables atomically; an absent target is a rename; a view is dropped
// first.
func (p Planner) Seed(s adapters.Seed, data *SeedData, kind adapters.RelationKind, targetCols []adapters.Column, suffix string) (SeedPlan, error) {
	d := p.Dialect
	target := d.RenderRelation(s.Relation)
	colName := func(name string) string {
		if s.QuoteColumns {
			return d.Quote(name)
		}
		return d.ident(name)
	}
	names := make([]string, len(data.Header))
	for i, h := range data.Header {
		names[i] = colName(h)
	}
	override := func(types []string, names []string) {
		for k, v := range s.ColumnTypes {
			for i, n := range names {
				if strings.EqualFold(k, n) {
					types[i] = v
				}
			}
		}
	}
	plan := SeedPlan{Rows: int64(len(data.Rows)), Batches: map[int][2]int{}}

	if kind == adapters.KindTable && !s.FullRefresh {
		tableNames := make([]string, len(targetCols))
		types := make([]string, len(targetCols))
		for i, c := range targetCols {
			tableNames[i] = c.Name
			types[i] = c.DataType
		}
		// Unquoted header names are stored upper-cased: compare as the
		// catalog would.
		if !slices.EqualFunc(data.Header, tableNames, func(h, t string) bool { return stored(h, s.QuoteColumns) == t || strings.EqualFold(h, t) }) {
			return plan, &adapters.SeedError{Path: s.Path, Line: 1, Err: fmt.Errorf("the CSV's columns (%s) differ from the table's (%s); run with --full-refresh to rebuild the table",
				strings.Join(data.Header, ", "), strings.Join(tableNames, ", "))}
		}
		override(types, data.Header)
		cols := d.quoteAll(tableNames)
		plan.Statements = append(plan.Statements,
			Statement{Purpose: "reload the rows in one transaction", SQL: "begin"},
			Statement{Purpose: "empty the table", SQL: "delete from " + target})
		p.seedInserts(&plan, target, cols, types, data)
		plan.Statements = append(plan.Statements, Statement{Purpose: "commit", SQL: "commit"})
		return plan, nil
	}

	types := InferSeedTypes(data)
	override(types, data.Header)
	tmp := tempRelation(s.Relation, suffix)
	tmpName := d.RenderRelation(tmp)
	defs := make([]string, len(names))
	for i := range names {
		defs[i] = names[i] + " " + types[i]
	}
	plan.Statements = append(plan.Statements, Statement{Purpose: "create the table under a temporary name",
		SQL: "create table " + tmpName + " (\n  " + strings.Join(defs, ",\n  ") + "\n)"})
	p.seedInserts(&plan, tmpName, names, types, data)
	switch kind {
	case adapters.KindTable:
		plan.Statements = append(plan.Statements,
			Statement{Purpose: "swap the new table with the old one (atomic)", SQL: "alter table " + tmpName + " swap with " + target},
			Statement{Purpose: "drop the old rows", SQL: "drop table " + tmpName})
	case adapters.KindView:
		plan.Statements = append(plan.Statements,
			Statement{Purpose: "drop the view the seed replaces", SQL: "drop view if exists " + target},
			Statement{Purpose: "move the new table into place", SQL: "alter table " + tmpName + " rename to " + target})
	default:
		plan.Statements = append(plan.Statements,
			Statement{Purpose: "move the new table into place", SQL: "alter table " + tmpName + " rename to " + target})
	}
	plan.Cleanup = []Statement{{Purpose: "drop the temporary table if it is left", SQL: "drop table if exists " + tmpName}}
	return plan, nil
}

// seedInserts appends the insert batches.
func (p Planner) seedInserts(plan *SeedPlan, table string, cols, types []string, data *SeedData) {
	sel := make([]string, len(cols))
	for i := range cols {
		sel[i] = "cast(column" + strconv.Itoa(i+1) + " as " + types[i] + ")"
	}
	head := "insert into " + table + " (" + strings.Join(cols, ", ") + ")\nselect " + strings.Join(sel, ", ") + "\nfrom values\n  "
	var b strings.Builder
	first, n := 0, 0
	flush := func(last int) {
		if n == 0 {
			return
		}
		plan.Batches[len(plan.Statements)] = [2]int{data.Lines[first], data.Lines[last]}
		plan.Statements = append(plan.Statements, Statement{Purpose: fmt.Sprintf("insert CSV lines %d-%d", data.Lines[first], data.Lines[last]), SQL: head + b.String(), Counts: true})
		b.Reset()
		n = 0
	}
	for i, row := range data.Rows {
		if n == 0 {
			first = i
		} else {
			b.WriteString(",\n  ")
		}
		vals := make([]string, len(row))
		for j, v := range row {
			if v == nil {
				vals[j] = "null"
			} else {
				vals[j] = literal(*v)
			}
		}
		b.WriteString("(" + strings.Join(vals, ", ") + ")")
		n++
		if n >= seedBatchRows || b.Len() >= seedBatchBytes {
			flush(i)
		}
	}
	flush(len(data.Rows) - 1)
}
