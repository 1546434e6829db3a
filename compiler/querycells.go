package compiler

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/elt-dev/elt/jinja"
)

// ContainerCell is a list or map cell of run_query's (or a statement's)
// result as dbt gives it: dbt-common's table_from_data_flat turns a list,
// tuple or dict the driver returned (a PostgreSQL array or json value, a
// DuckDB list or struct) into its json.dumps text, with dbt's
// ForgivingJSONEncoder (decimals as floats, dates and times as
// isoformat, anything else as str). colType is the column's type as the
// adapter names it. A JSON number without a fraction at the top of a
// json cell is an int, as Python's json.loads makes it. ok is false for a
// cell left to cellValue.
func ContainerCell(v any, colType string) (cell any, ok bool) {
	typ := strings.ToUpper(strings.TrimSpace(colType))
	fromJSON := typ == "JSON" || typ == "JSONB"
	switch v.(type) {
	case []any, map[string]any:
	case float64:
		if fromJSON {
			return jsonReady(v, typ, fromJSON), true
		}
		return nil, false
	default:
		return nil, false
	}
	s, err := jinja.DumpJSON(jsonReady(v, typ, fromJSON), jinja.JSONOptions{})
	if err != nil {
		// Everything jsonReady gives is serializable; keep the cell as
		// text all the same rather than fail the query.
		return fmt.Sprint(v), true
	}
	return s, true
}

// maxExactFloat is the largest integer a float64 holds exactly (2^53).
const maxExactFloat = 1 << 53

// jsonReady is v, of type typ, with each element made what Python's
// driver would have given json.dumps: a JSON number without a fraction
// is an int (the adapters decode JSON numbers as floats); a DuckDB
// struct's fields come in their declared order, a PostgreSQL jsonb
// object's keys in jsonb's (shorter first, then bytewise), the order the
// server sends them in; a date or time is its isoformat.
func jsonReady(v any, typ string, fromJSON bool) any {
	switch x := v.(type) {
	case []any:
		elem := elementType(typ)
		if elem == "JSON" || elem == "JSONB" {
			fromJSON = true
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonReady(e, elem, fromJSON)
		}
		return out
	case map[string]any:
		fields := structFields(typ)
		d := jinja.NewDict()
		for _, k := range orderedKeys(x, fields) {
			d.Set(k, jsonReady(x[k], fieldType(fields, k), fromJSON))
		}
		return d
	case float64:
		if fromJSON && x == math.Trunc(x) && math.Abs(x) <= maxExactFloat {
			return int64(x)
		}
		return x
	case time.Time:
		return isoformat(x, typ)
	case nil, bool, int64, string:
		return x
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v) // ForgivingJSONEncoder: str() of what JSON cannot hold
}

// elementType is the type of an array's elements: PostgreSQL names an
// array of T _T, DuckDB T[] or T[n]; "" when typ says nothing.
func elementType(typ string) string {
	if strings.HasPrefix(typ, "_") {
		return typ[1:]
	}
	if strings.HasSuffix(typ, "]") {
		if i := strings.LastIndexByte(typ, '['); i > 0 {
			return strings.TrimSpace(typ[:i])
		}
	}
	return ""
}

// structField is one field of a DuckDB STRUCT type, as the adapter
// spells it (upper case).
type structField struct{ name, typ string }

// structFields are the fields of a STRUCT(...) type, in order; none for
// another type.
func structFields(typ string) []structField {
	if !strings.HasPrefix(typ, "STRUCT(") || !strings.HasSuffix(typ, ")") {
		return nil
	}
	var fields []structField
	for _, part := range splitTopLevel(typ[len("STRUCT(") : len(typ)-1]) {
		var name, rest string
		if strings.HasPrefix(part, `"`) {
			end := 1
			for end < len(part) {
				if part[end] == '"' {
					if end+1 < len(part) && part[end+1] == '"' {
						end += 2
						continue
					}
					break
				}
				end++
			}
			if end >= len(part) {
				return nil
			}
			name, rest = strings.ReplaceAll(part[1:end], `""`, `"`), part[end+1:]
		} else {
			name, rest, _ = strings.Cut(part, " ")
		}
		fields = append(fields, structField{name: name, typ: strings.TrimSpace(rest)})
	}
	return fields
}

// orderedKeys are m's keys in the order the driver would give them: a
// struct's declared fields first (matched regardless of case: the
// adapter upper-cases type names), then the rest in jsonb's order.
func orderedKeys(m map[string]any, fields []structField) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if len(keys[i]) != len(keys[j]) {
			return len(keys[i]) < len(keys[j])
		}
		return keys[i] < keys[j]
	})
	if len(fields) == 0 {
		return keys
	}
	out := make([]string, 0, len(keys))
	used := map[string]bool{}
	for _, f := range fields {
		for _, k := range keys {
			if !used[k] && strings.EqualFold(k, f.name) {
				out = append(out, k)
				used[k] = true
				break
			}
		}
	}
	for _, k := range keys {
		if !used[k] {
			out = append(out, k)
		}
	}
	return out
}

// fieldType is the declared type of the struct field named k, "" when
// there is none.
func fieldType(fields []structField, k string) string {
	for _, f := range fields {
		if strings.EqualFold(f.name, k) {
			return f.typ
		}
	}
	return ""
}

// isoformat is Python's isoformat of a date or datetime of type typ: a
// date alone, a timestamp without its zone, a timestamp with a time zone
// with its UTC offset; microseconds only when there are some.
func isoformat(t time.Time, typ string) string {
	if typ == "DATE" {
		return t.Format("2006-01-02")
	}
	s := t.Format("2006-01-02T15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	if typ == "TIMESTAMPTZ" || typ == "TIMESTAMP WITH TIME ZONE" {
		s += t.Format("-07:00")
	}
	return s
}
