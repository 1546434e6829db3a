package compiler

import (
	"fmt"
	"math"
	"math/big"
	"time"

	"github.com/elt-dev/elt/internal/cmdtag"
	"github.com/elt-dev/elt/jinja"
)

// errRenderAtRun stops a render made ahead of a run at its first
// statement: the node is rendered when it runs.
var errRenderAtRun = &jinjaError{msg: "run_query ahead of the run: the node is rendered again when it runs"}

// queryResult is what one run_query or statement returned.
type queryResult struct {
	columns []string
	types   []string // as the warehouse names them; "" where unknown
	rows    [][]any
	// stored: kept by store_result or store_raw_result (noop_statement),
	// whose response load_result gives as it was stored.
	stored   bool
	response any
	// status and rowsAffected are the warehouse's for the statement
	// (QueryResult.Status).
	status       string
	rowsAffected int64
}

// statementResponse is the response load_result gives for a statement
// res ran: the warehouse's status as dbt-postgres's AdapterResponse has it
// (_message the command tag, code its words, rows_affected its count), or
// OK and the rows fetched where the driver gives no status.
func statementResponse(res *queryResult) map[string]any {
	if res.status == "" {
		return map[string]any{"_message": "OK", "code": "OK", "rows_affected": len(res.rows)}
	}
	return cmdtag.Response(res.status, res.rowsAffected)
}

// query runs sql through Options.Query, inside a materialization block's
// open transaction if there is one (run_query, adapter.execute).
func (st *renderState) query(sql string) (*queryResult, error) { return st.queryTx(sql, false) }

// queryTx is query; with autoBegin (statement()'s default, as dbt's) it
// first opens the block's transaction when none is open.
func (st *renderState) queryTx(sql string, autoBegin bool) (*queryResult, error) {
	st.introspected = true
	if st.node != nil && st.m != nil && st.m.graph.ahead.Load() {
		// dbt runs a node's statements once, when it compiles the node
		// just before running it; a render ahead of the run stops here
		// and is made again then (CompileBeforeRun), so a statement
		// (creating a table, inserting a row) is not run twice.
		return nil, errRenderAtRun
	}
	q := st.engine.opts.Query
	if q == nil {
		return nil, &jinjaError{
			msg:  "run_query needs a connection, and this command has none",
			hint: "guard the call with {% if execute %}, or run a command that connects to the warehouse",
		}
	}
	skip, err := st.beforeStatement(sql, autoBegin)
	if err != nil {
		return nil, &jinjaError{msg: fmt.Sprintf("run_query: begin: %v", err)}
	}
	if skip {
		return &queryResult{}, nil
	}
	res, err := q(st.ctx, sql)
	if err != nil {
		return nil, &jinjaError{msg: fmt.Sprintf("run_query: %v", err)}
	}
	out := &queryResult{columns: res.Columns, types: res.Types, rows: make([][]any, len(res.Rows)),
		status: res.Status, rowsAffected: res.RowsAffected}
	for i, r := range res.Rows {
		row := make([]any, len(r))
		for j, v := range r {
			if cell, ok := ContainerCell(v, columnType(res.Types, j)); ok {
				row[j] = cell
				continue
			}
			row[j] = cellValue(v)
		}
		out.rows[i] = row
	}
	return out, nil
}

// columnType is types[i], or "" when the adapter named no types.
func columnType(types []string, i int) string {
	if i < len(types) {
		return types[i]
	}
	return ""
}

// cellValue turns a driver value into what Jinja prints and compares well:
// ints as int, bytes as text, times as Python datetimes, big numbers and
// decimals as their text.
func cellValue(v any) any {
	switch x := v.(type) {
	case nil, string, bool, int64, float64, *timeValue, *dateValue:
		return x
	case int:
		return int64(x)
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		if x > math.MaxInt64 {
			return new(big.Int).SetUint64(x).String()
		}
		return int64(x)
	case float32:
		return float64(x)
	case []byte:
		return string(x)
	case time.Time:
		return &timeValue{t: x}
	case *big.Int:
		if x.IsInt64() {
			return x.Int64()
		}
		return x.String()
	case fmt.Stringer:
		return x.String()
	}
	return v
}

// fnRunQuery is run_query(sql): an agate-like table when executing, None
// while parsing (dbt does not run queries at parse time).
func fnRunQuery(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	sql, ok := argString(args, kw, 0, "sql")
	if !ok {
		return nil, st.fail("", "run_query() needs a SQL string")
	}
	if !st.execute {
		return nil, nil
	}
	res, err := st.query(sql)
	if err != nil {
		return nil, err
	}
	return res.table(), nil
}

// fnStatement is dbt's statement(name, fetch_result=False, auto_begin=True),
// used as {% call statement('name', fetch_result=True) %}sql{% endcall %}:
// it runs the body when executing and keeps the result for load_result.
func fnStatement(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	if !st.execute {
		return "", nil
	}
	name := ""
	if v, ok := argAt(args, kw, 0, "name"); ok && v != nil {
		name, _ = jinja.Str(v)
	}
	fetch := argBool(args, kw, 1, "fetch_result", false)
	var sql string
	if caller, ok := kw.Get("caller"); ok && caller != nil {
		body, err := s.Call(caller, nil, nil)
		if v, returned := jinja.Returned(err); returned {
			// return() in the statement's body ends the statement,
			// unrun, with that value: dbt's statement is a macro, which
			// catches it (dbt_utils.get_column_values returns its default
			// so when the relation does not exist).
			return v, nil
		}
		if err != nil {
			return nil, err
		}
		sql, _ = jinja.Str(body)
	}
	res, err := st.queryTx(sql, argBool(args, kw, 2, "auto_begin", true))
	if err != nil {
		return nil, err
	}
	if name == "main" && st.runFile != nil {
		// The node's run file holds the statements run for it from here
		// on, main's among them, as dbt's statement('main') writes its SQL
		// over an earlier write().
		*st.runFile = runFile{}
	}
	if name != "" {
		if !fetch {
			res = &queryResult{columns: res.columns, status: res.status, rowsAffected: res.rowsAffected}
		}
		if st.results == nil {
			st.results = map[string]*queryResult{}
		}
		st.results[name] = res
	}
	return "", nil
}

// fnLoadResult is load_result(name): {response, data, table} of the
// statement of that name, or None. As dbt's, it gives a result once (but
// main's): a second load of the same name is an error until the
// statement runs, or the result is stored, again.
func fnLoadResult(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	name, _ := argString(args, kw, 0, "name")
	res, ok := st.results[name]
	if ok && res == nil {
		// As dbt's load_result: a result is loaded once; "main" is kept.
		return nil, st.fail("keep the first load_result() in a variable, or run the statement again",
			"The 'statement' result named '%s' has already been loaded into a variable", name)
	}
	if ok && name != "main" {
		st.results[name] = nil
	}
	if !ok {
		if !st.execute {
			// While parsing no statement runs: as under dbt's parse-time
			// undefined, lookups on the missing result (load_result('s')
			// ['data'][0][0]) give nothing rather than an error.
			return jinja.NewUndefined("load_result('"+name+"')", jinja.Chainable), nil
		}
		return nil, nil
	}
	data := jinja.NewList()
	for _, r := range res.rows {
		data.Items = append(data.Items, jinja.Tuple(append([]any(nil), r...)))
	}
	response := res.response
	if !res.stored {
		response = statementResponse(res)
	}
	return map[string]any{
		"response": response,
		"data":     data,
		"table":    res.table(),
	}, nil
}

// agateRow is one row: row[0], row['name'], row.name, keys(), values(),
// items(), get(); it iterates over its values like agate's Row.
type agateRow struct {
	names []string
	vals  []any
}

func (r *agateRow) Iter() []any { return r.vals }
func (r *agateRow) Len() int    { return len(r.vals) }
func (r *agateRow) String() string {
	s, _ := jinja.Str(jinja.Tuple(r.vals))
	return "<agate.Row: " + s + ">"
}

func (r *agateRow) byName(name string) (any, bool) {
	for i, n := range r.names {
		if n == name && i < len(r.vals) {
			return r.vals[i], true
		}
	}
	return nil, false
}

func (r *agateRow) GetItem(key any) (any, bool) {
	switch k := key.(type) {
	case int64:
		if k < 0 {
			k += int64(len(r.vals))
		}
		if k >= 0 && k < int64(len(r.vals)) {
			return r.vals[k], true
		}
	case string:
		return r.byName(k)
	}
	return nil, false
}

func (r *agateRow) GetAttr(name string) (any, bool) {
	switch name {
	case "keys":
		return fn0(func() any { return jinja.NewList(toAnyList(r.names)...) }), true
	case "values":
		return fn0(func() any { return jinja.NewList(append([]any(nil), r.vals...)...) }), true
	case "items":
		return fn0(func() any {
			out := jinja.NewList()
			for i, n := range r.names {
				if i < len(r.vals) {
					out.Items = append(out.Items, jinja.Tuple{n, r.vals[i]})
				}
			}
			return out
		}), true
	case "get":
		return jinja.Func(func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
			if len(args) > 0 {
				if v, ok := r.GetItem(args[0]); ok {
					return v, nil
				}
			}
			if len(args) > 1 {
				return args[1], nil
			}
			return nil, nil
		}), true
	case "dict":
		// agate's Row.dict(): the row as an ordered dict by column name.
		return fn0(func() any {
			d := jinja.NewDict()
			for i, n := range r.names {
				if i < len(r.vals) {
					d.Set(n, r.vals[i])
				}
			}
			return d
		}), true
	}
	return r.byName(name)
}

// agateColumn is one column: name, values(), data_type.
type agateColumn struct {
	name   string
	index  int
	values []any
}

func (c *agateColumn) String() string { return c.name }

// Iter, Len and GetItem make a column the sequence of its values, as
// agate's Column is: column[0] is its first value, len(column) its rows.
func (c *agateColumn) Iter() []any { return c.values }
func (c *agateColumn) Len() int    { return len(c.values) }

func (c *agateColumn) GetItem(key any) (any, bool) {
	k, ok := key.(int64)
	if !ok {
		return nil, false
	}
	if k < 0 {
		k += int64(len(c.values))
	}
	if k >= 0 && k < int64(len(c.values)) {
		return c.values[k], true
	}
	return nil, false
}

func (c *agateColumn) GetAttr(name string) (any, bool) {
	switch name {
	case "name":
		return c.name, true
	case "index":
		return c.index, true
	case "data_type":
		return agateTypeOf(c.values), true
	case "values", "values_without_nulls":
		skipNull := name == "values_without_nulls"
		return fn0(func() any {
			out := make(jinja.Tuple, 0, len(c.values))
			for _, v := range c.values {
				if v != nil || !skipNull {
					out = append(out, v)
				}
			}
			return out
		}), true
	}
	return nil, false
}

// agateColumns is table.columns: indexed by position or by name.
type agateColumns []*agateColumn

func (cs agateColumns) Iter() []any {
	out := make([]any, len(cs))
	for i, c := range cs {
		out[i] = c
	}
	return out
}

func (cs agateColumns) Len() int { return len(cs) }

// GetAttr gives agate's MappedSequence methods: keys() (the column names),
// values() (the columns), items() and get(name, default).
func (cs agateColumns) GetAttr(name string) (any, bool) {
	switch name {
	case "keys":
		return fn0(func() any {
			out := make(jinja.Tuple, len(cs))
			for i, c := range cs {
				out[i] = c.name
			}
			return out
		}), true
	case "values":
		return fn0(func() any { return jinja.Tuple(cs.Iter()) }), true
	case "items":
		return fn0(func() any {
			out := make(jinja.Tuple, len(cs))
			for i, c := range cs {
				out[i] = jinja.Tuple{c.name, c}
			}
			return out
		}), true
	case "get":
		return getMethod(cs.GetItem), true
	}
	return nil, false
}

func (cs agateColumns) GetItem(key any) (any, bool) {
	switch k := key.(type) {
	case int64:
		if k < 0 {
			k += int64(len(cs))
		}
		if k >= 0 && k < int64(len(cs)) {
			return cs[k], true
		}
	case string:
		for _, c := range cs {
			if c.name == k {
				return c, true
			}
		}
	}
	return nil, false
}

// agateTable is what run_query returns: iterable over its rows, with
// .rows, .columns, .column_names and [i].
type agateTable struct {
	columns []string
	rows    []*agateRow
}

func (r *queryResult) table() *agateTable {
	t := &agateTable{columns: r.columns, rows: make([]*agateRow, len(r.rows))}
	for i, vals := range r.rows {
		t.rows[i] = &agateRow{names: r.columns, vals: vals}
	}
	return t
}

func (t *agateTable) Iter() []any {
	out := make([]any, len(t.rows))
	for i, r := range t.rows {
		out[i] = r
	}
	return out
}

func (t *agateTable) Len() int { return len(t.rows) }

func (t *agateTable) String() string { return fmt.Sprintf("<agate.Table: %d rows>", len(t.rows)) }

func (t *agateTable) GetItem(key any) (any, bool) {
	if k, ok := key.(int64); ok {
		if k < 0 {
			k += int64(len(t.rows))
		}
		if k >= 0 && k < int64(len(t.rows)) {
			return t.rows[k], true
		}
	}
	return nil, false
}

func (t *agateTable) GetAttr(name string) (any, bool) {
	switch name {
	case "rows":
		return jinja.NewList(t.Iter()...), true
	case "column_names":
		return jinja.Tuple(toAnyList(t.columns)), true
	case "columns":
		cols := make(agateColumns, len(t.columns))
		for i, n := range t.columns {
			c := &agateColumn{name: n, index: i, values: make([]any, len(t.rows))}
			for j, row := range t.rows {
				if i < len(row.vals) {
					c.values[j] = row.vals[i]
				}
			}
			cols[i] = c
		}
		return cols, true
	case "print_table":
		return jinja.Func(t.printTable), true
	case "rename":
		return jinja.Func(t.rename), true
	case "to_json":
		return jinja.Func(t.toJSON), true
	case "to_csv":
		return jinja.Func(t.toCSV), true
	case "print_csv":
		return jinja.Func(t.printCSV), true
	case "print_json":
		return jinja.Func(t.printJSON), true
	case "group_by":
		return jinja.Func(t.groupBy), true
	}
	return nil, false
}

// toJSON is agate's Table.to_json(path, key=None, newline=False,
// indent=None): jsonText written through Options.WriteFile.
func (t *agateTable) toJSON(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	path, ok := argString(args, kw, 0, "path")
	if !ok {
		return nil, st.fail("pass a file path", "Table.to_json() needs a path")
	}
	key, _ := argAt(args, kw, 1, "key")
	newline := argBool(args, kw, 2, "newline", false)
	indent, _ := argAt(args, kw, 3, "indent")
	write := st.engine.opts.WriteFile
	if write == nil {
		return nil, st.fail("", "Table.to_json() cannot write files in this command")
	}
	text, err := t.jsonText(s, key, newline, indent)
	if err != nil {
		return nil, err
	}
	if err := write(path, []byte(text)); err != nil {
		return nil, st.fail("", "Table.to_json: %v", err)
	}
	return nil, nil
}

// rename is agate's Table.rename(column_names): a new table whose columns
// a dict renames (old name to new; others keep theirs) or a sequence names
// in order (elementary lowercases every query's column names so). Row
// names are not kept by elt's tables, so row_names changes nothing.
func (t *agateTable) rename(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	names := append([]string(nil), t.columns...)
	v, _ := argAt(args, kw, 0, "column_names")
	switch x := v.(type) {
	case nil:
	case *jinja.Dict:
		for i, old := range names {
			if nv, ok := x.Get(old); ok {
				s, err := jinja.Str(nv)
				if err != nil {
					return nil, err
				}
				names[i] = s
			}
		}
	default:
		items, err := jinja.Iterate(x)
		if err != nil {
			return nil, &jinjaError{msg: fmt.Sprintf("Table.rename: column_names must be a dict or a sequence, not %s", jinja.Repr(x))}
		}
		if len(items) != len(names) {
			return nil, &jinjaError{msg: fmt.Sprintf("Table.rename: %d column names for %d columns", len(items), len(names))}
		}
		for i, it := range items {
			s, err := jinja.Str(it)
			if err != nil {
				return nil, err
			}
			names[i] = s
		}
	}
	out := &agateTable{columns: names, rows: make([]*agateRow, len(t.rows))}
	for i, r := range t.rows {
		out.rows[i] = &agateRow{names: names, vals: r.vals}
	}
	return out, nil
}

// agateType is a column's data_type as dbt's agate table infers it from
// the values a query returned: Integer (also a column of nulls), Number,
// Boolean, Date, DateTime or Text, with jsonify(value).
type agateType struct{ name string }

func agateTypeOf(values []any) *agateType {
	kinds := map[string]bool{}
	for _, v := range values {
		switch v.(type) {
		case nil:
		case int64, int, *big.Int:
			kinds["Integer"] = true
		case float64:
			kinds["Number"] = true
		case bool:
			kinds["Boolean"] = true
		case *dateValue:
			kinds["Date"] = true
		case *timeValue:
			kinds["DateTime"] = true
		default:
			kinds["Text"] = true
		}
	}
	switch {
	case len(kinds) == 0:
		return &agateType{"Integer"}
	case len(kinds) == 2 && kinds["Integer"] && kinds["Number"]:
		return &agateType{"Number"}
	case len(kinds) == 1:
		for k := range kinds {
			return &agateType{k}
		}
	}
	return &agateType{"Text"}
}

func (t *agateType) String() string { return "<agate.data_types." + t.name + ">" }

func (t *agateType) GetAttr(name string) (any, bool) {
	if name != "jsonify" {
		return nil, false
	}
	return jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
		v, _ := argAt(args, kw, 0, "d")
		switch x := v.(type) {
		case nil:
			return nil, nil
		case int64:
			if t.name == "Number" {
				return float64(x), nil
			}
		case *dateValue:
			return jinja.Str(x)
		case *timeValue:
			return x.isoformat("T", "auto"), nil
		}
		return v, nil
	}), true
}
