package compiler

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/elt-dev/elt/jinja"
)

// printTable is agate's Table.print_table(max_rows=20, max_columns=6,
// output=stdout, max_column_width=20, locale=None, max_precision=3): the
// table as a Markdown table on standard output (Options.Print), as
// dbt-profiler's print_profile writes its profile. Numbers (not integers,
// which dbt's agate types apart) are grouped by thousands with as many
// decimal places as the column's most precise value, at most
// max_precision, then marked with "…"; text is left-justified, anything
// else right-justified; a value or a name longer than max_column_width is
// cut to end in "..."; rows and columns past the limits are a "..." row
// and column.
func (t *agateTable) printTable(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	limit := func(i int, name string, def int) (int, bool, error) {
		v, ok := argAt(args, kw, i, name)
		if !ok {
			return def, true, nil
		}
		if v == nil {
			return 0, false, nil
		}
		n, ok := v.(int64)
		if !ok {
			return 0, false, &jinjaError{msg: "print_table: " + name + " must be a whole number or None, not " + jinja.Repr(v)}
		}
		return int(n), true, nil
	}
	maxRows, ok, err := limit(0, "max_rows", 20)
	if err != nil {
		return nil, err
	}
	if !ok {
		maxRows = len(t.rows)
	}
	maxCols, ok, err := limit(1, "max_columns", 6)
	if err != nil {
		return nil, err
	}
	if !ok {
		maxCols = len(t.columns)
	}
	maxWidth, widthOK, err := limit(3, "max_column_width", 20)
	if err != nil {
		return nil, err
	}
	maxPrec, precOK, err := limit(5, "max_precision", 3)
	if err != nil {
		return nil, err
	}
	out := t.format(maxRows, maxCols, maxWidth, maxPrec, widthOK, precOK)
	if st.execute && st.engine.opts.Print != nil {
		st.volatile = true
		st.engine.opts.Print(strings.TrimSuffix(out, "\n"))
	}
	return nil, nil
}

// format is print_table's text: at most maxRows rows and maxCols columns
// (a "..." row and column for the rest), values and names cut to
// maxWidth unless widthOK is false, numbers to maxPrec decimal places
// unless precOK is false.
func (t *agateTable) format(maxRows, maxCols, maxWidth, maxPrec int, widthOK, precOK bool) string {
	const ellipsis, cut, numberCut = "...", "...", "…"
	truncate := func(v string) string {
		if widthOK && utf8.RuneCountInString(v) > maxWidth {
			r := []rune(v)
			return string(r[:max(maxWidth-len(cut), 0)]) + cut
		}
		return v
	}
	colsCut := maxCols < len(t.columns)
	var names []string
	for i, n := range t.columns {
		if i >= maxCols {
			break
		}
		names = append(names, truncate(n))
	}
	if colsCut {
		names = append(names, ellipsis)
	}
	widths := make([]int, len(names))
	for i, n := range names {
		widths[i] = utf8.RuneCountInString(n)
	}
	// Each column's type, from its values, and a Number's decimal places.
	types := make([]string, len(t.columns))
	places := make([]int, len(t.columns))
	marked := make([]bool, len(t.columns))
	for j := range t.columns {
		vals := make([]any, len(t.rows))
		for i, r := range t.rows {
			if j < len(r.vals) {
				vals[i] = r.vals[j]
			}
		}
		types[j] = agateTypeOf(vals).name
		if types[j] != "Number" || j >= maxCols {
			continue
		}
		for i, v := range vals {
			if i >= maxRows {
				break
			}
			places[j] = max(places[j], decimalPlaces(v))
		}
		if precOK && places[j] > maxPrec {
			places[j], marked[j] = maxPrec, true
		}
	}
	var rows [][]string
	for i, r := range t.rows {
		if i >= maxRows {
			break
		}
		var out []string
		for j, v := range r.vals {
			var cell string
			switch {
			case j >= maxCols:
				cell = ellipsis
			case v == nil:
			case types[j] == "Number" && !isInf(v):
				cell = groupedDecimal(v, places[j])
				if marked[j] {
					cell += numberCut
				}
			default:
				cell, _ = jinja.Str(v)
				cell = strings.ReplaceAll(cell, "\n", "↵")
			}
			cell = truncate(cell)
			widths[j] = max(widths[j], utf8.RuneCountInString(cell))
			out = append(out, cell)
			if j >= maxCols {
				break
			}
		}
		rows = append(rows, out)
	}
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for j, c := range cells {
			pad := strings.Repeat(" ", max(widths[j]-utf8.RuneCountInString(c), 0))
			if j < len(types) && types[j] == "Text" {
				b.WriteString(" " + c + pad + " |")
			} else {
				b.WriteString(" " + pad + c + " |")
			}
		}
		b.WriteString("\n")
	}
	line(names)
	dashes := make([]string, len(widths))
	for i, w := range widths {
		dashes[i] = strings.Repeat("-", w)
	}
	b.WriteString("| " + strings.Join(dashes, " | ") + " |\n")
	for _, r := range rows {
		line(r)
	}
	if maxRows < len(t.rows) {
		dots := make([]string, len(names))
		for i := range dots {
			dots[i] = ellipsis
		}
		line(dots)
	}
	return b.String()
}

// FormatTable is agate's Table.print_table(max_rows=None) of a query's
// rows, as dbt's show prints a preview: every row, at most 6 columns,
// values cut at 20 characters, numbers to 3 decimal places (marked "…"
// when cut), True and False for booleans. types are the columns' types
// as the warehouse names them (nil where unknown): a DATE prints as a
// date, as the drivers give dbt Python dates.
func FormatTable(columns, types []string, rows [][]any) string {
	return agateOf(columns, types, rows).format(len(rows), 6, 20, 3, true, true)
}

// FormatTableSample is agate's Table.print_table(max_rows=maxRows,
// max_columns=None) of a query's rows, as dbt's seed --show prints a
// seed's sample: every column, at most maxRows rows and a "..." row when
// rows holds more, values and numbers as FormatTable gives them.
func FormatTableSample(columns, types []string, rows [][]any, maxRows int) string {
	return agateOf(columns, types, rows).format(maxRows, len(columns), 20, 3, true, true)
}

// agateOf holds a query's rows as agate's table of them (FormatTable).
func agateOf(columns, types []string, rows [][]any) *agateTable {
	t := &agateTable{columns: columns, rows: make([]*agateRow, len(rows))}
	for i, r := range rows {
		vals := make([]any, len(r))
		for j, v := range r {
			if tm, ok := v.(time.Time); ok && j < len(types) && strings.EqualFold(types[j], "DATE") {
				vals[j] = &dateValue{tm}
				continue
			}
			vals[j] = cellValue(v)
		}
		t.rows[i] = &agateRow{names: columns, vals: vals}
	}
	return t
}

// decimalPlaces is how many decimal places v has once trailing zeros go.
func decimalPlaces(v any) int {
	f, ok := v.(float64)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(strings.TrimRight(s[i+1:], "0"))
	}
	return 0
}

func isInf(v any) bool {
	f, ok := v.(float64)
	return ok && math.IsInf(f, 0)
}

// groupedDecimal is v in babel's en_US pattern #,##0.<places zeros>:
// rounded half to even, thousands grouped by commas.
func groupedDecimal(v any, places int) string {
	var r *big.Rat
	switch x := v.(type) {
	case float64:
		r = new(big.Rat)
		if _, ok := r.SetString(strconv.FormatFloat(x, 'f', -1, 64)); !ok {
			return strconv.FormatFloat(x, 'f', -1, 64)
		}
	case int64:
		r = new(big.Rat).SetInt64(x)
	default:
		s, _ := jinja.Str(v)
		return s
	}
	neg := r.Sign() < 0
	r.Abs(r)
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	scaled := new(big.Rat).Mul(r, new(big.Rat).SetInt(scale))
	q, rem := new(big.Int).QuoRem(scaled.Num(), scaled.Denom(), new(big.Int))
	// half to even
	twice := new(big.Int).Mul(rem, big.NewInt(2))
	if c := twice.Cmp(scaled.Denom()); c > 0 || c == 0 && q.Bit(0) == 1 {
		q.Add(q, big.NewInt(1))
	}
	digits := q.String()
	if len(digits) <= places {
		digits = strings.Repeat("0", places-len(digits)+1) + digits
	}
	whole, frac := digits[:len(digits)-places], digits[len(digits)-places:]
	var g strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			g.WriteByte(',')
		}
		g.WriteRune(c)
	}
	out := g.String()
	if places > 0 {
		out += "." + frac
	}
	if neg && strings.Trim(out, "0.,") != "" {
		out = "-" + out
	}
	return out
}
