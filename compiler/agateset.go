package compiler

import (
	"fmt"

	"github.com/elt-dev/elt/jinja"
)

// agateTableSet is agate's TableSet, what Table.group_by returns: the
// table's rows grouped by a column's value, a table per value in the order
// the values first appear, read as a mapping of value to table (keys(),
// values(), items(), get(), [value]); iterating gives the tables.
type agateTableSet struct {
	keys   []any
	tables []*agateTable
}

// groupKey identifies a cell value for grouping: equal values of one type
// share it.
func groupKey(v any) string { return fmt.Sprintf("%T\x00%v", v, v) }

// groupBy is agate's Table.group_by(key): key names the column to group
// by (a function, which agate also takes, cannot come from a template).
func (t *agateTable) groupBy(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	key, ok := argString(args, kw, 0, "key")
	col := -1
	for i, c := range t.columns {
		if ok && c == key {
			col = i
		}
	}
	if col < 0 {
		return nil, &jinjaError{msg: fmt.Sprintf("Table.group_by: the table has no column %s (it has %v)", jinja.Repr(key), t.columns)}
	}
	set := &agateTableSet{}
	at := map[string]int{}
	for _, r := range t.rows {
		var v any
		if col < len(r.vals) {
			v = r.vals[col]
		}
		k := groupKey(v)
		i, seen := at[k]
		if !seen {
			i = len(set.keys)
			at[k] = i
			set.keys = append(set.keys, v)
			set.tables = append(set.tables, &agateTable{columns: t.columns})
		}
		set.tables[i].rows = append(set.tables[i].rows, r)
	}
	return set, nil
}

func (ts *agateTableSet) Iter() []any {
	out := make([]any, len(ts.tables))
	for i, t := range ts.tables {
		out[i] = t
	}
	return out
}

func (ts *agateTableSet) Len() int { return len(ts.tables) }

func (ts *agateTableSet) String() string {
	return fmt.Sprintf("<agate.TableSet: %d tables>", len(ts.tables))
}

func (ts *agateTableSet) GetItem(key any) (any, bool) {
	k := groupKey(key)
	for i, v := range ts.keys {
		if groupKey(v) == k {
			return ts.tables[i], true
		}
	}
	return nil, false
}

func (ts *agateTableSet) GetAttr(name string) (any, bool) {
	switch name {
	case "keys":
		return fn0(func() any { return jinja.Tuple(append([]any(nil), ts.keys...)) }), true
	case "values":
		return fn0(func() any { return jinja.Tuple(ts.Iter()) }), true
	case "items":
		return fn0(func() any {
			out := make(jinja.Tuple, len(ts.keys))
			for i, k := range ts.keys {
				out[i] = jinja.Tuple{k, ts.tables[i]}
			}
			return out
		}), true
	case "get":
		return getMethod(ts.GetItem), true
	}
	return nil, false
}

// toCSV is agate's Table.to_csv(path, **kwargs): csvText written through
// Options.WriteFile.
func (t *agateTable) toCSV(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	path, ok := argString(args, kw, 0, "path")
	if !ok {
		return nil, st.fail("pass a file path", "Table.to_csv() needs a path")
	}
	write := st.engine.opts.WriteFile
	if write == nil {
		return nil, st.fail("", "Table.to_csv() cannot write files in this command")
	}
	text, err := t.csvText(kwargsAfterPath(kw))
	if err != nil {
		return nil, err
	}
	if err := write(path, []byte(text)); err != nil {
		return nil, st.fail("", "Table.to_csv: %v", err)
	}
	return nil, nil
}

// kwargsAfterPath is to_csv's keyword arguments other than path, which
// go to the CSV writer.
func kwargsAfterPath(kw jinja.Kwargs) jinja.Kwargs {
	if kw == nil {
		return nil
	}
	out := jinja.NewDict()
	for k, v := range kw.All() {
		if k != "path" {
			out.Set(k, v)
		}
	}
	return out
}
