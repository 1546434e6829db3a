package tests

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/compiler"
)

// UnitOutcome is the verdict of one unit test.
type UnitOutcome struct {
	Status   string // "pass" or "fail"
	Failures int64  // rows that differ (expected missing plus actual extra)
	Message  string // the row diff when it fails
	SQL      string // the comparison query that ran
}

// RunUnit runs a rendered unit test as dbt's unit materialization does:
// the model's output columns and types are read from the warehouse, the
// expected rows are cast to them, and one query returns actual and
// expected rows side by side. The rows are compared as multisets; a
// difference fails the test with a table of the differing rows and
// columns, expected beside actual. Nothing is written to the warehouse.
func RunUnit(ctx context.Context, a adapters.Adapter, u *compiler.UnitTestSQL) (UnitOutcome, error) {
	cols, err := adapters.DescribeQuery(ctx, a, u.Actual)
	if err != nil {
		return UnitOutcome{}, fmt.Errorf("reading the model's output columns: %w", err)
	}
	d := a.Dialect()
	// The model's output columns by their own names, quoted, as dbt's
	// unit materialization selects them.
	actualCols := make([]compiler.Column, len(cols))
	for i, c := range cols {
		actualCols[i] = compiler.Column{Name: c.Name, DataType: c.DataType, Quoted: true}
	}
	var expectSQL string
	var compared []string
	if u.ExpectSQL != "" {
		expectSQL = strings.TrimRight(u.ExpectSQL, " \n\t;")
		for _, c := range cols {
			compared = append(compared, d.Quote(c.Name))
		}
	} else {
		if expectSQL, compared, err = compiler.ExpectedSQL(u.Expect, actualCols, d.Quote); err != nil {
			return UnitOutcome{}, err
		}
	}
	list := strings.Join(compared, ", ")
	flag := d.Quote("actual_or_expected")
	sql := "-- Build actual result given inputs\nwith dbt_internal_unit_test_actual as (\n  select\n    " + list + ", 'actual' as " + flag +
		"\n  from (\n" + u.Actual + "\n  ) _dbt_internal_unit_test_actual\n),\n-- Build expected result\ndbt_internal_unit_test_expected as (\n  select\n    " + list +
		", 'expected' as " + flag + "\n  from (\n" + expectSQL + "\n  ) _dbt_internal_unit_test_expected\n)\n" +
		"-- Union actual and expected results\nselect * from dbt_internal_unit_test_actual\nunion all\nselect * from dbt_internal_unit_test_expected"
	res, err := a.Query(ctx, sql)
	if err != nil {
		return UnitOutcome{SQL: sql}, err
	}
	var actual, expected [][]string
	for _, r := range res.Rows {
		if len(r) == 0 {
			continue
		}
		vals := make([]string, len(r)-1)
		for i := range vals {
			v := r[i]
			// A list, struct or JSON value compares and shows as its
			// json.dumps text, as dbt's agate table holds it.
			typ := ""
			if i < len(res.Types) {
				typ = res.Types[i]
			}
			if cell, ok := compiler.ContainerCell(v, typ); ok {
				v = cell
			}
			vals[i] = formatValue(v)
		}
		if fmt.Sprint(r[len(r)-1]) == "actual" {
			actual = append(actual, vals)
		} else {
			expected = append(expected, vals)
		}
	}
	names := res.Columns
	if len(names) > 0 {
		names = names[:len(names)-1]
	}
	diff, n := RowDiff(names, expected, actual)
	out := UnitOutcome{Status: "pass", SQL: sql}
	if n > 0 {
		out.Status, out.Failures, out.Message = "fail", int64(n), "actual differs from expected:\n\n"+diff
	}
	return out, nil
}

// formatValue prints a warehouse value for comparison and display.
func formatValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case []byte:
		return string(v)
	case time.Time:
		if v.Hour() == 0 && v.Minute() == 0 && v.Second() == 0 && v.Nanosecond() == 0 {
			return v.Format("2006-01-02")
		}
		return v.Format("2006-01-02 15:04:05.999999")
	}
	return fmt.Sprint(v)
}

// RowDiff compares expected and actual rows as multisets. It returns a
// table of the rows that differ, showing only the columns that differ,
// expected beside actual, and how many rows differ (0: equal). Expected
// rows are numbered as written; rows only in actual are marked "extra".
// Unmatched rows are paired, expected with the actual row sharing most
// values, so a changed value shows as one line.
func RowDiff(cols []string, expected, actual [][]string) (string, int) {
	key := func(r []string) string { return strings.Join(r, "\x00") }
	counts := map[string]int{}
	for _, r := range actual {
		counts[key(r)]++
	}
	var missing []int // expected rows not in actual
	for i, r := range expected {
		if counts[key(r)] > 0 {
			counts[key(r)]--
			continue
		}
		missing = append(missing, i)
	}
	var extra []int // actual rows not in expected
	for i, r := range actual {
		if counts[key(r)] > 0 {
			counts[key(r)]--
			extra = append(extra, i)
		}
	}
	if len(missing) == 0 && len(extra) == 0 {
		return "", 0
	}
	type line struct {
		exp, act []string
		label    string
	}
	var lines []line
	used := make([]bool, len(extra))
	for _, ei := range missing {
		best, bestScore := -1, 0
		for j, ai := range extra {
			if used[j] {
				continue
			}
			score := 0
			for c := range cols {
				if expected[ei][c] == actual[ai][c] {
					score++
				}
			}
			if score > bestScore {
				best, bestScore = j, score
			}
		}
		l := line{exp: expected[ei], label: fmt.Sprint(ei + 1)}
		if best >= 0 {
			used[best] = true
			l.act = actual[extra[best]]
		}
		lines = append(lines, l)
	}
	for j, ai := range extra {
		if !used[j] {
			lines = append(lines, line{act: actual[ai], label: "extra"})
		}
	}
	// The columns that differ on some line.
	var show []int
	for c := range cols {
		for _, l := range lines {
			if l.exp == nil || l.act == nil || l.exp[c] != l.act[c] {
				show = append(show, c)
				break
			}
		}
	}
	header := []string{"row"}
	for _, c := range show {
		header = append(header, cols[c]+" (expected)", cols[c]+" (actual)")
	}
	table := [][]string{header}
	for _, l := range lines {
		row := []string{l.label}
		for _, c := range show {
			e, a := "-", "-"
			if l.exp != nil {
				e = l.exp[c]
			}
			if l.act != nil {
				a = l.act[c]
			}
			row = append(row, e, a)
		}
		table = append(table, row)
	}
	sort.SliceStable(table[1:], func(i, j int) bool { return rowOrder(table[1+i][0]) < rowOrder(table[1+j][0]) })
	return formatTable(table), len(lines)
}

func rowOrder(label string) int {
	var n int
	if _, err := fmt.Sscan(label, &n); err != nil {
		return 1 << 30
	}
	return n
}

// formatTable aligns cells in columns separated by " | ".
func formatTable(rows [][]string) string {
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			if n := len([]rune(c)); n > widths[i] {
				widths[i] = n
			}
		}
	}
	var b strings.Builder
	for ri, r := range rows {
		for i, c := range r {
			if i > 0 {
				b.WriteString(" | ")
			}
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-len([]rune(c))))
			}
		}
		b.WriteString("\n")
		if ri == 0 {
			for i, w := range widths {
				if i > 0 {
					b.WriteString("-+-")
				}
				b.WriteString(strings.Repeat("-", w))
			}
			b.WriteString("\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}
