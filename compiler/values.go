package compiler

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/pyyaml"
	"github.com/elt-dev/elt/internal/yamlsafe"
	"github.com/elt-dev/elt/jinja"
)

// dbt's functions on plain values (tojson, fromjson, toyaml, fromyaml,
// zip, set) and the conversions between Go values and template values.

// templateValue makes a Go value readable by templates. Maps, slices and
// scalars are read by the engine as they are; structs are turned into
// mappings of their fields that carry a `jinja:"name"` tag (how callers
// pass run results to on-run-end hooks).
func templateValue(v any) any {
	switch x := v.(type) {
	case nil, string, bool, int, int64, float64, map[string]any, []any, []string:
		if m, ok := x.(map[string]any); ok {
			out := make(map[string]any, len(m))
			for k, val := range m {
				out[k] = templateValue(val)
			}
			return out
		}
		if l, ok := x.([]any); ok {
			// A list the template may change (group_by_columns.append(c)):
			// the engine's own list, so that changes stick, as in Python.
			out := make([]any, len(l))
			for i, val := range l {
				out[i] = templateValue(val)
			}
			return jinja.NewList(out...)
		}
		return x
	case jinja.Object, *jinja.Dict, *jinja.List, jinja.Tuple, jinja.Func, fmt.Stringer:
		return x
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.Struct:
		out := map[string]any{}
		rt := rv.Type()
		for i := 0; i < rt.NumField(); i++ {
			f := rt.Field(i)
			name := f.Tag.Get("jinja")
			if name == "" || name == "-" || !f.IsExported() {
				continue
			}
			out[name] = templateValue(rv.Field(i).Interface())
		}
		return out
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			item := templateValue(rv.Index(i).Interface())
			if ss, ok := item.([]string); ok {
				// A list of lists (an exposure's sources): the inner
				// ones are lists too, as dbt's to_dict gives them.
				item = jinja.NewList(stringsAny(ss)...)
			}
			out[i] = item
		}
		return out
	case reflect.Map:
		out := map[string]any{}
		for _, k := range rv.MapKeys() {
			out[fmt.Sprint(k.Interface())] = templateValue(rv.MapIndex(k).Interface())
		}
		return out
	}
	return v
}

// parseNumber is as_number on text: an int, a float, or the text itself.
func parseNumber(s string) any {
	t := strings.TrimSpace(s)
	if i, err := strconv.ParseInt(t, 10, 64); err == nil {
		return i
	}
	if f, err := strconv.ParseFloat(t, 64); err == nil {
		return f
	}
	return s
}

// items returns what iterating v yields in Python, or false when v is
// not iterable.
func items(v any) ([]any, bool) {
	switch x := v.(type) {
	case *jinja.List:
		return x.Items, true
	case *jinja.Iterator: // map(), select() and friends: consumed here
		l, err := jinja.Iterate(x)
		return l, err == nil
	case jinja.Tuple:
		return x, true
	case []any:
		return x, true
	case *jinja.Dict:
		return x.Keys(), true
	case map[string]any:
		return toAnyList(sortedKeys(x)), true
	case string:
		out := make([]any, 0, len(x))
		for _, r := range x {
			out = append(out, string(r))
		}
		return out, true
	case interface{ Iter() []any }:
		return x.Iter(), true
	}
	return nil, false
}

// fnZip is dbt's zip(*args, default=None): a list of tuples, or the
// default when an argument is not iterable (zip_strict raises instead).
func fnZip(strict bool) jinja.Func {
	return func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
		lists := make([][]any, len(args))
		for i, a := range args {
			l, ok := items(a)
			if !ok {
				if strict {
					return nil, fmt.Errorf("zip argument #%d must support iteration", i+1)
				}
				d, _ := kw.Get("default")
				return d, nil
			}
			lists[i] = l
		}
		out := jinja.NewList()
		for i := 0; len(lists) > 0; i++ {
			row := make(jinja.Tuple, 0, len(lists))
			for _, l := range lists {
				if i >= len(l) {
					return out, nil
				}
				row = append(row, l[i])
			}
			out.Items = append(out.Items, row)
		}
		return out, nil
	}
}

// fnSet is dbt's set(value, default=None): the distinct items of value
// (a list in first-seen order; Python's set order is arbitrary anyway).
func fnSet(strict bool) jinja.Func {
	return func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
		var v any
		if len(args) > 0 {
			v = args[0]
		}
		l, ok := items(v)
		var set *pySet
		var err error
		if ok {
			set, err = newPySet(l)
		} else {
			err = fmt.Errorf("'%s' object is not iterable", pyTypeName(v))
		}
		if err != nil {
			// dbt's set() gives the default where Python raises TypeError.
			if strict {
				return nil, err
			}
			d, _ := argAt(args, kw, 1, "default")
			return d, nil
		}
		return set, nil
	}
}

// fnToJSON is dbt's tojson(value, default=None, sort_keys=False): Python's
// json.dumps, or the default when it raises ValueError (a circular
// reference). What JSON has no form for (a datetime, a relation, a
// Column) is json.dumps' TypeError, which dbt does not catch: the render
// fails.
func fnToJSON(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	v, _ := argAt(args, kw, 0, "value")
	sortKeys := argBool(args, kw, 2, "sort_keys", false)
	out, err := jinja.DumpJSON(v, jinja.JSONOptions{SortKeys: sortKeys})
	var je *jinja.Error
	if errors.As(err, &je) && je.Kind == "ValueError" {
		d, _ := argAt(args, kw, 1, "default")
		return d, nil
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// fnFromJSON is dbt's fromjson(string, default=None).
func fnFromJSON(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	s, ok := argString(args, kw, 0, "string")
	if !ok {
		return nil, nil
	}
	v, err := jinja.DecodeJSON([]byte(s))
	if err != nil {
		d, _ := argAt(args, kw, 1, "default")
		return d, nil
	}
	return v, nil
}

// fnFromYAML is dbt's fromyaml(value, default=None): mappings keep their
// order, and plain scalars, keys too, read as PyYAML's SafeLoader reads
// them (a: yes is True, on: 1 has the key True; yamlsafe.Resolve11Keys).
func fnFromYAML(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	s, ok := argString(args, kw, 0, "value")
	if !ok {
		return nil, nil
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(s), &n); err != nil {
		d, _ := argAt(args, kw, 1, "default")
		return d, nil
	}
	if len(n.Content) == 0 {
		return nil, nil
	}
	yamlsafe.Resolve11Keys(&n)
	return yamlToTemplate(n.Content[0]), nil
}

func yamlToTemplate(n *yaml.Node) any {
	switch n.Kind {
	case yaml.AliasNode:
		return yamlToTemplate(n.Alias)
	case yaml.MappingNode:
		d := jinja.NewDict()
		for i := 0; i+1 < len(n.Content); i += 2 {
			d.Set(yamlToTemplate(n.Content[i]), yamlToTemplate(n.Content[i+1]))
		}
		return d
	case yaml.SequenceNode:
		l := jinja.NewList()
		for _, c := range n.Content {
			l.Items = append(l.Items, yamlToTemplate(c))
		}
		return l
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return n.Value
		}
		switch x := v.(type) {
		case int:
			return int64(x)
		case time.Time:
			return &timeValue{t: x}
		}
		return v
	}
	return nil
}

// fnToYAML is dbt's toyaml(value, default=None, sort_keys=False).
func fnToYAML(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	v, _ := argAt(args, kw, 0, "value")
	sortKeys := argBool(args, kw, 2, "sort_keys", false)
	out, err := pyyaml.Dump(v, pyyaml.Options{SortKeys: sortKeys})
	if err != nil {
		d, _ := argAt(args, kw, 1, "default")
		return d, nil
	}
	return out, nil
}

// intOf is int(v) for numbers and numeric text; 0 otherwise.
func intOf(v any) int {
	switch x := v.(type) {
	case int64:
		return int(x)
	case int:
		return x
	case float64:
		return int(x)
	case bool:
		if x {
			return 1
		}
		return 0
	case string:
		i, _ := strconv.Atoi(strings.TrimSpace(x))
		return i
	}
	return 0
}

// floatOf is float(v) for numbers and numeric text; 0 otherwise.
func floatOf(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case int:
		return float64(x)
	case float64:
		return x
	case string:
		f, _ := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f
	}
	return 0
}
