package datadiff

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/elt-dev/elt/adapters"
)

// Warehouse is what a diff needs from an adapter.
type Warehouse interface {
	Dialect() adapters.Dialect
	Query(ctx context.Context, sql string) (*adapters.Result, error)
	Columns(ctx context.Context, rel adapters.Relation) ([]adapters.Column, error)
}

// Options say what to compare.
type Options struct {
	A, B adapters.Relation
	// Key are the columns that identify a row on both sides.
	Key []string
	// Columns are the columns to compare; nil compares every column both
	// sides have, the key aside.
	Columns []string
	// Sample is how many differing rows to show; 0 shows none.
	Sample int
}

// Result is what differs.
type Result struct {
	A         string   `json:"a"`
	B         string   `json:"b"`
	Key       []string `json:"key"`
	RowsA     int64    `json:"rows_a"`
	RowsB     int64    `json:"rows_b"`
	OnlyA     int64    `json:"only_in_a"`
	OnlyB     int64    `json:"only_in_b"`
	Matched   int64    `json:"matched"`   // rows whose key is on both sides
	Differing int64    `json:"differing"` // matched rows with at least one differing column
	// DuplicateKeysA and B count key values that appear more than once on
	// that side; the join then pairs every copy with every other, so the
	// counts above are of joined rows.
	DuplicateKeysA int64        `json:"duplicate_keys_a"`
	DuplicateKeysB int64        `json:"duplicate_keys_b"`
	Columns        []ColumnDiff `json:"columns"`
	// ColumnsOnlyA and B are columns one side has and the other has not.
	ColumnsOnlyA []string    `json:"columns_only_in_a"`
	ColumnsOnlyB []string    `json:"columns_only_in_b"`
	Sample       []SampleRow `json:"sample"`
}

// ColumnDiff is how many matched rows differ in one column.
type ColumnDiff struct {
	Name        string `json:"name"`
	Differences int64  `json:"differences"`
}

// SampleRow is one row that is only on one side or differs.
type SampleRow struct {
	Kind string `json:"kind"` // "only_in_a", "only_in_b", "differs"
	Key  []any  `json:"key"`
	// Values are the compared columns' values on each side (nil where the row is missing).
	A map[string]any `json:"a,omitempty"`
	B map[string]any `json:"b,omitempty"`
	// Differing lists the columns that differ, for "differs".
	Differing []string `json:"differing,omitempty"`
}

// Same reports whether the relations hold the same rows.
func (r *Result) Same() bool {
	return r.OnlyA == 0 && r.OnlyB == 0 && r.Differing == 0 && r.RowsA == r.RowsB &&
		len(r.ColumnsOnlyA) == 0 && len(r.ColumnsOnlyB) == 0
}

// plan is the SQL of one diff and how to read it.
type plan struct {
	key     []column // key columns, as each side names them
	cols    []column // compared columns
	onlyA   []string
	onlyB   []string
	a, b    string // rendered relations
	dialect adapters.Dialect
}

type column struct {
	name   string // as side A names it
	bName  string // as side B names it
	typeA  string
	typeB  string
	asText bool // the types differ: compare as text
}

// Diff compares opts.A with opts.B.
func Diff(ctx context.Context, w Warehouse, opts Options) (*Result, error) {
	if len(opts.Key) == 0 {
		return nil, errors.New("datadiff: no key: give the columns that identify a row (the model's unique_key, or --key col[,col])")
	}
	d := w.Dialect()
	ca, err := w.Columns(ctx, opts.A)
	if err != nil {
		return nil, fmt.Errorf("datadiff: columns of %s: %w", d.RenderRelation(opts.A), err)
	}
	cb, err := w.Columns(ctx, opts.B)
	if err != nil {
		return nil, fmt.Errorf("datadiff: columns of %s: %w", d.RenderRelation(opts.B), err)
	}
	p, err := newPlan(d, opts, ca, cb)
	if err != nil {
		return nil, err
	}
	res := &Result{A: p.a, B: p.b, ColumnsOnlyA: p.onlyA, ColumnsOnlyB: p.onlyB, Columns: []ColumnDiff{}, Sample: []SampleRow{}}
	for _, k := range p.key {
		res.Key = append(res.Key, k.name)
	}
	q, err := w.Query(ctx, p.summarySQL())
	if err != nil {
		return nil, fmt.Errorf("datadiff: compare %s with %s: %w", p.a, p.b, err)
	}
	if len(q.Rows) != 1 {
		return nil, fmt.Errorf("datadiff: compare %s with %s: %d summary rows", p.a, p.b, len(q.Rows))
	}
	row := q.Rows[0]
	n := make([]int64, len(row))
	for i, v := range row {
		if n[i], err = adapters.Count(v); err != nil {
			return nil, fmt.Errorf("datadiff: summary column %d: %w", i+1, err)
		}
	}
	res.RowsA, res.RowsB, res.DuplicateKeysA, res.DuplicateKeysB = n[0], n[1], n[2], n[3]
	res.OnlyA, res.OnlyB, res.Matched, res.Differing = n[4], n[5], n[6], n[7]
	for i, c := range p.cols {
		res.Columns = append(res.Columns, ColumnDiff{Name: c.name, Differences: n[8+i]})
	}
	if opts.Sample > 0 && (res.OnlyA > 0 || res.OnlyB > 0 || res.Differing > 0) {
		q, err := w.Query(ctx, p.sampleSQL(opts.Sample))
		if err != nil {
			return nil, fmt.Errorf("datadiff: sample of %s and %s: %w", p.a, p.b, err)
		}
		for _, r := range q.Rows {
			res.Sample = append(res.Sample, p.sampleRow(r))
		}
	}
	return res, nil
}

// MissingError is a relation to compare that does not exist (or has no
// columns).
type MissingError struct {
	Relation string // as the warehouse's dialect renders it
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("datadiff: %s does not exist or has no columns", e.Relation)
}

func newPlan(d adapters.Dialect, opts Options, ca, cb []adapters.Column) (*plan, error) {
	p := &plan{dialect: d, a: d.RenderRelation(opts.A), b: d.RenderRelation(opts.B)}
	if len(ca) == 0 {
		return nil, &MissingError{Relation: p.a}
	}
	if len(cb) == 0 {
		return nil, &MissingError{Relation: p.b}
	}
	find := func(cols []adapters.Column, name string) *adapters.Column {
		for i := range cols {
			if strings.EqualFold(cols[i].Name, name) {
				return &cols[i]
			}
		}
		return nil
	}
	pair := func(name string) (column, error) {
		a, b := find(ca, name), find(cb, name)
		switch {
		case a == nil:
			return column{}, fmt.Errorf("datadiff: %s has no column %s (it has: %s)", p.a, name, names(ca))
		case b == nil:
			return column{}, fmt.Errorf("datadiff: %s has no column %s (it has: %s)", p.b, name, names(cb))
		}
		return column{name: a.Name, bName: b.Name, typeA: a.DataType, typeB: b.DataType,
			asText: !strings.EqualFold(a.DataType, b.DataType)}, nil
	}
	isKey := map[string]bool{}
	for _, k := range opts.Key {
		c, err := pair(k)
		if err != nil {
			return nil, err
		}
		p.key = append(p.key, c)
		isKey[strings.ToLower(k)] = true
	}
	if opts.Columns != nil {
		for _, name := range opts.Columns {
			c, err := pair(name)
			if err != nil {
				return nil, err
			}
			p.cols = append(p.cols, c)
		}
		return p, nil
	}
	for _, a := range ca {
		if isKey[strings.ToLower(a.Name)] {
			continue
		}
		if find(cb, a.Name) == nil {
			p.onlyA = append(p.onlyA, a.Name)
			continue
		}
		c, _ := pair(a.Name)
		p.cols = append(p.cols, c)
	}
	for _, b := range cb {
		if find(ca, b.Name) == nil && !isKey[strings.ToLower(b.Name)] {
			p.onlyB = append(p.onlyB, b.Name)
		}
	}
	return p, nil
}

func names(cols []adapters.Column) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return strings.Join(out, ", ")
}

func (p *plan) q(s string) string { return p.dialect.Quote(s) }

func (p *plan) textType() string {
	if p.dialect.Type() == "bigquery" {
		return "string"
	}
	return "varchar"
}

// value is a column of one side of the join, cast to text when the sides' types differ.
func (p *plan) value(side string, c column) string {
	name := c.name
	if side == "b" {
		name = c.bName
	}
	v := side + "." + p.q(name)
	if c.asText {
		v = "cast(" + v + " as " + p.textType() + ")"
	}
	return v
}

// from is both sides, each with a marker column, full outer joined on the key.
// NULL keys never match (a key is equal only to itself), so a row with a
// NULL key counts as only on its side.
func (p *plan) from() string {
	var on []string
	for _, k := range p.key {
		on = append(on, p.value("a", k)+" = "+p.value("b", k))
	}
	return fmt.Sprintf("(select 1 as %s, * from %s) as a\nfull outer join (select 1 as %s, * from %s) as b\n  on %s",
		p.q("__elt_in_a"), p.a, p.q("__elt_in_b"), p.b, strings.Join(on, " and "))
}

func (p *plan) differs(c column) string {
	return p.value("a", c) + " is distinct from " + p.value("b", c)
}

func (p *plan) both() string {
	return "a." + p.q("__elt_in_a") + " = 1 and b." + p.q("__elt_in_b") + " = 1"
}

func (p *plan) anyDiffers() string {
	if len(p.cols) == 0 {
		return "1 = 0"
	}
	parts := make([]string, len(p.cols))
	for i, c := range p.cols {
		parts[i] = p.differs(c)
	}
	return "(" + strings.Join(parts, " or ") + ")"
}

func count(cond string) string {
	return "cast(coalesce(sum(case when " + cond + " then 1 else 0 end), 0) as bigint)"
}

// duplicates counts the key values that appear more than once in rel.
func (p *plan) duplicates(rel string, side string) string {
	var keys []string
	for _, k := range p.key {
		name := k.name
		if side == "b" {
			name = k.bName
		}
		keys = append(keys, p.q(name))
	}
	return fmt.Sprintf("(select cast(count(*) as bigint) from (select 1 as x from %s group by %s having count(*) > 1) as d)", rel, strings.Join(keys, ", "))
}

// summarySQL is the one aggregate query: row counts, duplicate keys, rows
// only on each side, matched and differing rows, differences per column.
func (p *plan) summarySQL() string {
	inA, inB := "a."+p.q("__elt_in_a")+" = 1", "b."+p.q("__elt_in_b")+" = 1"
	// Row counts are of each relation; the join pairs duplicate keys.
	items := []string{
		"(select cast(count(*) as bigint) from " + p.a + ")",
		"(select cast(count(*) as bigint) from " + p.b + ")",
		p.duplicates(p.a, "a"),
		p.duplicates(p.b, "b"),
		count(inA + " and b." + p.q("__elt_in_b") + " is null"),
		count(inB + " and a." + p.q("__elt_in_a") + " is null"),
		count(p.both()),
		count(p.both() + " and " + p.anyDiffers()),
	}
	for _, c := range p.cols {
		items = append(items, count(p.both()+" and "+p.differs(c)))
	}
	return "select\n  " + strings.Join(items, ",\n  ") + "\nfrom " + p.from()
}

// sampleSQL lists up to n rows that are on one side only or differ, by key.
func (p *plan) sampleSQL(n int) string {
	items := []string{"case when b." + p.q("__elt_in_b") + " is null then 'only_in_a' when a." + p.q("__elt_in_a") +
		" is null then 'only_in_b' else 'differs' end"}
	var order []string
	for i, k := range p.key {
		items = append(items, fmt.Sprintf("coalesce(%s, %s)", p.value("a", k), p.value("b", k)))
		order = append(order, strconv.Itoa(i+2))
	}
	for _, c := range p.cols {
		items = append(items, "a."+p.q(c.name), "b."+p.q(c.bName))
	}
	return "select\n  " + strings.Join(items, ",\n  ") + "\nfrom " + p.from() +
		"\nwhere a." + p.q("__elt_in_a") + " is null or b." + p.q("__elt_in_b") + " is null or " + p.anyDiffers() +
		"\norder by " + strings.Join(order, ", ") + "\nlimit " + strconv.Itoa(n)
}

func (p *plan) sampleRow(r []any) SampleRow {
	s := SampleRow{Kind: fmt.Sprint(r[0])}
	s.Key = append(s.Key, r[1:1+len(p.key)]...)
	vals := r[1+len(p.key):]
	if s.Kind != "only_in_b" {
		s.A = map[string]any{}
	}
	if s.Kind != "only_in_a" {
		s.B = map[string]any{}
	}
	for i, c := range p.cols {
		a, b := vals[2*i], vals[2*i+1]
		if s.A != nil {
			s.A[c.name] = a
		}
		if s.B != nil {
			s.B[c.name] = b
		}
		if s.Kind == "differs" && fmt.Sprint(a) != fmt.Sprint(b) {
			s.Differing = append(s.Differing, c.name)
		}
	}
	return s
}

// sortedKeys is for stable text output.
func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
