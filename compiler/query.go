package compiler

import (
	"fmt"
	"math/big"
	"time"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// queryResult is what one run_query or statement returned.
type queryResult struct {
	columns []string
	rows    [][]any
}

// query runs sql through Options.Query.
func (st *renderState) query(sql string) (*queryResult, error) {
	q := st.engine.opts.Query
	if q == nil {
		return nil, &jinjaError{
			msg:  "run_query needs a connection, and this command has none",
			hint: "guard the call with {% if execute %}, or run a command that connects to the warehouse",
		}
	}
	cols, rows, err := q(st.ctx, sql)
	if err != nil {
		return nil, &jinjaError{msg: fmt.Sprintf("run_query: %v", err)}
	}
	out := &queryResult{columns: cols, rows: make([][]any, len(rows))}
	for i, r := range rows {
		row := make([]any, len(r))
		for j, v := range r {
			row[j] = cellValue(v)
		}
		out.rows[i] = row
	}
	return out, nil
}

func (st *renderState) failWith(err error) *exec.Value {
	if je, ok := err.(*jinjaError); ok {
		if st.fatal == nil {
			st.fatal = je
		}
		return exec.AsValue(je)
	}
	return st.fail(0, "", "%v", err)
}

// cellValue turns a driver value into what Jinja prints and compares well:
// ints as int, bytes as text, times as Python datetimes, big numbers and
// decimals as their text.
func cellValue(v any) any {
	switch x := v.(type) {
	case nil, string, bool, int, float64:
		return x
	case int8:
		return int(x)
	case int16:
		return int(x)
	case int32:
		return int(x)
	case int64:
		return int(x)
	case uint8:
		return int(x)
	case uint16:
		return int(x)
	case uint32:
		return int(x)
	case uint64:
		return int(x)
	case float32:
		return float64(x)
	case []byte:
		return string(x)
	case time.Time:
		return &timeValue{x}
	case *big.Int:
		if x.IsInt64() {
			return int(x.Int64())
		}
		return x.String()
	case fmt.Stringer:
		return x.String()
	}
	return v
}

// fnRunQuery is run_query(sql): an agate-like table when executing, None
// while parsing (dbt does not run queries at parse time).
func fnRunQuery(ev *exec.Evaluator, va *exec.VarArgs) *exec.Value {
	st := stateFrom(ev)
	sql, ok := argString(va, 0, "sql")
	if !ok {
		return st.fail(0, "", "run_query() needs a SQL string")
	}
	if !st.execute {
		return exec.AsValue(nil)
	}
	res, err := st.query(sql)
	if err != nil {
		return st.failWith(err)
	}
	return exec.AsValue(res.table())
}

// fnStatement is dbt's statement(name, fetch_result=False, auto_begin=True),
// used as {% call statement('name', fetch_result=True) %}sql{% endcall %}:
// it runs the body when executing and keeps the result for load_result.
func fnStatement(ev *exec.Evaluator, va *exec.VarArgs) *exec.Value {
	st := stateFrom(ev)
	if !st.execute {
		return exec.AsValue("")
	}
	name, _ := argString(va, 0, "name")
	if len(va.Args) > 0 && va.Args[0].IsNil() {
		name = ""
	}
	fetch := false
	if len(va.Args) > 1 {
		fetch = va.Args[1].IsTrue()
	}
	if v, ok := va.KwArgs["fetch_result"]; ok {
		fetch = v.IsTrue()
	}
	var sql string
	if c, ok := ev.Environment.Context.Get(callerKey); ok && c != nil {
		caller, ok := c.(func(*exec.VarArgs) *exec.Value)
		if !ok {
			return st.fail(0, "", "statement(): unexpected caller %T", c)
		}
		ev.Environment.Context.Set(callerKey, nil)
		body := caller(exec.NewVarArgs())
		if body.IsError() {
			return body
		}
		sql = body.String()
	}
	res, err := st.query(sql)
	if err != nil {
		return st.failWith(err)
	}
	if name != "" {
		if !fetch {
			res = &queryResult{columns: res.columns}
		}
		if st.results == nil {
			st.results = map[string]*queryResult{}
		}
		st.results[name] = res
	}
	return exec.AsValue("")
}

// fnLoadResult is load_result(name): {response, data, table} of the
// statement of that name, or None.
func fnLoadResult(ev *exec.Evaluator, va *exec.VarArgs) *exec.Value {
	st := stateFrom(ev)
	name, _ := argString(va, 0, "name")
	res, ok := st.results[name]
	if !ok {
		return exec.AsValue(nil)
	}
	data := make([]any, len(res.rows))
	for i, r := range res.rows {
		data[i] = append([]any(nil), r...)
	}
	return exec.AsValue(map[string]any{
		"response": map[string]any{"_message": "OK", "code": "OK", "rows_affected": len(res.rows)},
		"data":     data,
		"table":    res.table(),
	})
}

// The agate-like values below are slices, so that | length, [i] and for
// loops work on them as on lists. Each carries its column names in the
// spare slot just past its length (cap = len+1), where Jinja cannot see
// them: a row can then be indexed by column name too, and a table with no
// rows still knows its columns.

// withNames returns vals with meta stored past its length.
func withNames[T any](vals []T, meta T) []T {
	s := make([]T, len(vals), len(vals)+1)
	copy(s, vals)
	return append(s, meta)[:len(vals)]
}

// namesOf reads the meta slot written by withNames.
func namesOf[T any](s []T) (T, bool) {
	if cap(s) > len(s) {
		return s[:len(s)+1][len(s)], true
	}
	var zero T
	return zero, false
}

// agateRow is one row: row[0], row['name'], row.name, keys(), values(), items(), get().
type agateRow []any

func newRow(names []string, vals []any) agateRow { return agateRow(withNames(vals, any(names))) }

func (r agateRow) names() []string {
	m, _ := namesOf([]any(r))
	names, _ := m.([]string)
	return names
}

func (r agateRow) byName(name string) (any, bool) {
	for i, n := range r.names() {
		if n == name && i < len(r) {
			return r[i], true
		}
	}
	return nil, false
}

func (r agateRow) GetItem(key any) (*exec.Value, bool) {
	switch k := key.(type) {
	case int:
		if k < 0 {
			k += len(r)
		}
		if k >= 0 && k < len(r) {
			return exec.AsValue(r[k]), true
		}
	case string:
		if v, ok := r.byName(k); ok {
			return exec.AsValue(v), true
		}
	}
	return exec.AsValue(nil), false
}

func (r agateRow) GetAttribute(name string) (*exec.Value, bool) {
	switch name {
	case "keys":
		return exec.AsValue(func(*exec.VarArgs) *exec.Value { return exec.AsValue(toAnyList(r.names())) }), true
	case "values":
		return exec.AsValue(func(*exec.VarArgs) *exec.Value { return exec.AsValue(append([]any(nil), r...)) }), true
	case "items":
		return exec.AsValue(func(*exec.VarArgs) *exec.Value {
			var out []any
			for i, n := range r.names() {
				if i < len(r) {
					out = append(out, []any{n, r[i]})
				}
			}
			return exec.AsValue(out)
		}), true
	case "get":
		return exec.AsValue(func(va *exec.VarArgs) *exec.Value {
			if len(va.Args) > 0 {
				if v, ok := r.GetItem(va.Args[0].Interface()); ok {
					return v
				}
			}
			if len(va.Args) > 1 {
				return va.Args[1]
			}
			return exec.AsValue(nil)
		}), true
	}
	if v, ok := r.byName(name); ok {
		return exec.AsValue(v), true
	}
	return exec.AsValue(nil), false
}

// agateColumn is one column: name, values(), data_type.
type agateColumn struct {
	name   string
	index  int
	values []any
}

func (c *agateColumn) String() string { return c.name }

func (c *agateColumn) GetAttribute(name string) (*exec.Value, bool) {
	switch name {
	case "name":
		return exec.AsValue(c.name), true
	case "index":
		return exec.AsValue(c.index), true
	case "values", "values_without_nulls":
		skipNull := name == "values_without_nulls"
		return exec.AsValue(func(*exec.VarArgs) *exec.Value {
			out := make([]any, 0, len(c.values))
			for _, v := range c.values {
				if v != nil || !skipNull {
					out = append(out, v)
				}
			}
			return exec.AsValue(out)
		}), true
	}
	return exec.AsValue(nil), false
}

// agateColumns is table.columns: indexed by position or by name.
type agateColumns []*agateColumn

func (cs agateColumns) GetItem(key any) (*exec.Value, bool) {
	switch k := key.(type) {
	case int:
		if k < 0 {
			k += len(cs)
		}
		if k >= 0 && k < len(cs) {
			return exec.AsValue(cs[k]), true
		}
	case string:
		for _, c := range cs {
			if c.name == k {
				return exec.AsValue(c), true
			}
		}
	}
	return exec.AsValue(nil), false
}

// agateTable is what run_query returns: a list of rows with .rows,
// .columns, .column_names and [i].
type agateTable []agateRow

func (r *queryResult) table() agateTable {
	rows := make([]agateRow, len(r.rows))
	for i, vals := range r.rows {
		rows[i] = newRow(r.columns, vals)
	}
	return agateTable(withNames(rows, newRow(nil, toAnyList(r.columns))))
}

func (t agateTable) columnNames() []string {
	meta, _ := namesOf([]agateRow(t))
	out := make([]string, len(meta))
	for i, v := range meta {
		out[i], _ = v.(string)
	}
	return out
}

func (t agateTable) GetAttribute(name string) (*exec.Value, bool) {
	switch name {
	case "rows":
		return exec.AsValue([]agateRow(t)), true
	case "column_names":
		return exec.AsValue(toAnyList(t.columnNames())), true
	case "columns":
		names := t.columnNames()
		cols := make(agateColumns, len(names))
		for i, n := range names {
			c := &agateColumn{name: n, index: i, values: make([]any, len(t))}
			for j, row := range t {
				if i < len(row) {
					c.values[j] = row[i]
				}
			}
			cols[i] = c
		}
		return exec.AsValue(cols), true
	case "print_table":
		return exec.AsValue(func(*exec.VarArgs) *exec.Value { return exec.AsValue("") }), true
	}
	return exec.AsValue(nil), false
}
