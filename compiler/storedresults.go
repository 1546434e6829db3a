package compiler

import (
	"fmt"

	"github.com/elt-dev/elt/jinja"
)

// dbt's store_result, store_raw_result and write (dbt-core's
// ProviderContext), and its global noop_statement macro, which custom
// materializations use to report a result they built without one
// statement('main') (automate-dv's vault_insert_by_period and
// vault_insert_by_rank loop over periods and end with
// noop_statement('main', ...)).

// statementMacroSQL is dbt's global noop_statement, with dbt's signature
// and behaviour: with the name 'main' the caller's SQL becomes the node's
// run SQL (write), and with any name the result made of the other
// arguments is kept for load_result (store_raw_result). A project macro of
// the same name overrides it, as in dbt.
const statementMacroSQL = `{% macro noop_statement(name=None, message=None, code=None, rows_affected=None, res=None) -%}
  {%- set reported_sql = caller() -%}
  {%- if name == 'main' -%}
    {%- do log('the run SQL of ' ~ model['unique_id'] ~ ' is what noop_statement reported') -%}
    {%- do write(reported_sql) -%}
  {%- endif -%}
  {%- if name is not none -%}
    {%- do store_raw_result(name, message=message, code=code, rows_affected=rows_affected, agate_table=res) -%}
  {%- endif -%}
{%- endmacro %}
`

// adapterResponse is dbt-adapters' AdapterResponse (_message, code,
// rows_affected, query_id), as store_raw_result builds it. str() of it is
// its message, as in Python; the fields are attributes (and, as elt's
// statement responses are dicts, items too).
type adapterResponse struct {
	message, code, rowsAffected, queryID any
}

// responseFields are AdapterResponse's fields, in its order.
var responseFields = [...]string{"_message", "code", "rows_affected", "query_id"}

func (r *adapterResponse) GetAttr(name string) (any, bool) {
	switch name {
	case "_message":
		return r.message, true
	case "code":
		return r.code, true
	case "rows_affected":
		return r.rowsAffected, true
	case "query_id":
		return r.queryID, true
	}
	return nil, false
}

func (r *adapterResponse) GetItem(key any) (any, bool) {
	if k, ok := key.(string); ok {
		return r.GetAttr(k)
	}
	return nil, false
}

// String is str(response): its message. Python's __str__ would raise on a
// message of None; elt prints None instead.
func (r *adapterResponse) String() string {
	s, _ := jinja.Str(r.message)
	return s
}

// dict is AdapterResponse.to_dict(omit_none=True), what dbt writes as a
// node's adapter_response in run_results.json. A value that is not a
// string, number or boolean is written as its str().
func (r *adapterResponse) dict() map[string]any {
	out := map[string]any{}
	for _, name := range responseFields {
		switch v, _ := r.GetAttr(name); v.(type) {
		case nil:
		case string, int64, int, float64, bool:
			out[name] = v
		default:
			out[name], _ = jinja.Str(v)
		}
	}
	return out
}

// rowsAffectedInt is the response's rows_affected as a number, 0 when it is
// not one.
func (r *adapterResponse) rowsAffectedInt() int64 {
	switch x := r.rowsAffected.(type) {
	case int64:
		return x
	case int:
		return int64(x)
	}
	return 0
}

// fnStoreResult is dbt's store_result(name, response, agate_table=None):
// load_result(name) then gives {response, data, table}, data the table's
// rows (an empty table when none is given).
func fnStoreResult(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	name, ok := argString(args, kw, 0, "name")
	if !ok {
		return nil, st.fail("", "store_result() needs a name")
	}
	response, ok := argAt(args, kw, 1, "response")
	if !ok {
		return nil, st.fail("", "store_result() missing 1 required positional argument: 'response'")
	}
	table, _ := argAt(args, kw, 2, "agate_table")
	return st.storeResult("store_result", name, response, table)
}

// fnStoreRawResult is dbt's store_raw_result(name, message=None, code=None,
// rows_affected=None, agate_table=None): store_result with an
// AdapterResponse built from the parts. (dbt's defaults are typing
// objects by mistake, Optional[str]; elt's are None, what noop_statement
// passes when it is not given them.)
func fnStoreRawResult(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	name, ok := argString(args, kw, 0, "name")
	if !ok {
		return nil, st.fail("", "store_raw_result() needs a name")
	}
	message, _ := argAt(args, kw, 1, "message")
	code, _ := argAt(args, kw, 2, "code")
	rows, _ := argAt(args, kw, 3, "rows_affected")
	table, _ := argAt(args, kw, 4, "agate_table")
	resp := &adapterResponse{message: message, code: code, rowsAffected: rows}
	return st.storeResult("store_raw_result", name, resp, table)
}

// storeResult keeps a stored result for load_result(name).
func (st *renderState) storeResult(fn, name string, response, table any) (any, error) {
	res := &queryResult{response: response, stored: true}
	switch t := table.(type) {
	case nil:
		// dbt's agate_helper.empty_table(): no columns, no rows.
	case *agateTable:
		res.columns = t.columns
		res.rows = make([][]any, len(t.rows))
		for i, r := range t.rows {
			res.rows[i] = r.vals
		}
	default:
		return nil, st.fail("pass a table from run_query() or load_result(...).table, or none",
			"%s(%q): agate_table must be a table, not %s", fn, name, jinja.Repr(table))
	}
	if st.results == nil {
		st.results = map[string]*queryResult{}
	}
	st.results[name] = res
	return "", nil
}

// runFile is what write() wrote while a materialization block ran: the
// node's target/run file holds it, as dbt's write(payload) overwrites
// target/run/<package>/<path> with it.
type runFile struct {
	sql     string
	written bool
}

// fnWrite is dbt's write(payload): the node's run SQL, in its target/run
// file, returns "". The file is written by the command when the node has
// run (it always lies under the target path); a write() in a render other
// than a materialization block's run (a model's SQL, compiled ahead of
// it) is overwritten there by the node's run SQL, as dbt's statement('main')
// overwrites it, so it keeps nothing.
func fnWrite(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	if st.node == nil {
		// dbt: MacrosSourcesUnWriteableError, for run-operation's macro.
		return nil, st.fail("call write() from a model's materialization", `cannot "write" macros or sources`)
	}
	v, ok := argAt(args, kw, 0, "payload")
	if !ok {
		return nil, st.fail("", "write() missing 1 required positional argument: 'payload'")
	}
	payload, err := jinja.Str(v)
	if err != nil {
		return nil, fmt.Errorf("write: %w", err)
	}
	if st.runFile != nil {
		st.runFile.sql, st.runFile.written = payload, true
	}
	return "", nil
}
