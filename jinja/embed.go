package jinja

import (
	"context"
	"math/big"
	"strings"
)

// What an embedder needs beyond parsing and rendering: Python's str() and
// bool() of template values, calling a template value (a caller, a macro
// a template passed in) from Go, and the raw output values of a render for
// an embedder that concatenates them its own way (dbt's
// quoted_native_concat differs from jinja2.nativetypes).

// Str is Python's str(v), as a template prints v.
func Str(v any) (string, error) { return toStr(norm(v)) }

// Repr is Python's repr(v), as a list prints its items.
func Repr(v any) string { return repr(norm(v)) }

// Strip is Python's s.strip(): its whitespace (pyIsSpace) off both ends.
func Strip(s string) string { return strings.TrimFunc(s, pyIsSpace) }

// Equal is Python's a == b, as a template's == compares them.
func Equal(a, b any) bool { return equal(norm(a), norm(b)) }

// IsList is Python's isinstance(v, list): a list a template made or one
// passed in, not a tuple, a range or a string.
func IsList(v any) bool {
	switch x := norm(v).(type) {
	case *List:
		return x.rng == nil
	case []any:
		return true
	}
	return false
}

// Truth is Python's bool(v), as {% if v %} tests it.
func Truth(v any) (bool, error) { return truth(norm(v)) }

// NewIterator is a lazy, one-shot Python iterator whose items next
// yields (ok false when exhausted); kind is its Python type name, which
// its repr shows ("callable_iterator" for re.finditer).
func NewIterator(kind string, next func() (v any, ok bool, err error)) *Iterator {
	return &Iterator{kind: kind, next: next}
}

// Call calls f, any callable template value (a macro, the caller of a
// {% call %} block, a Func), from a Go callable running in s's render.
func (s *State) Call(f any, args []any, kwargs Kwargs) (any, error) {
	if s == nil || s.r == nil {
		return nil, newErr("RuntimeError", "Call needs the State of a render")
	}
	for i, a := range args {
		args[i] = norm(a)
	}
	return callValue(s, f, args, kwargs, s.r.callSi, s.r.callPos)
}

// RenderParts renders the template and returns what it output, in order:
// template text as strings and the value of every {{ expression }} as it
// is. A render stopped by ReturnValue yields that one value.
func (t *Template) RenderParts(ctx context.Context, vars map[string]any) ([]any, error) {
	v, w, err := t.render(ctx, vars, true)
	if err != nil {
		return nil, err
	}
	if w == nil {
		return []any{v}, nil
	}
	return w.parts, nil
}

// RenderGlobals renders the template with the names it does not define
// itself resolved by globals, then by the Env's globals, as Macro.Call
// resolves a macro's names: an embedder with per-render names (dbt's
// this, model, config) serves them without building a vars map.
func (t *Template) RenderGlobals(ctx context.Context, globals func(name string) (any, bool)) (string, error) {
	var g Globals
	if globals != nil {
		g = GlobalsFunc(globals)
	}
	return t.RenderWith(ctx, g)
}

// RenderWith is RenderGlobals with the globals as an interface, which an
// embedder's per-render state can implement without allocating a func.
func (t *Template) RenderWith(ctx context.Context, globals Globals) (string, error) {
	s, w := t.start(ctx, nil, globals, false)
	if err := t.run(s, w); err != nil {
		if rs, ok := err.(*returnSignal); ok {
			return toStr(rs.v)
		}
		return "", err
	}
	return w.b.String(), nil
}

// RenderNativeWith is RenderWith as jinja2.nativetypes renders: a single
// output value is returned as is; several are concatenated and parsed as
// a Python literal when possible, else returned as the string.
func (t *Template) RenderNativeWith(ctx context.Context, globals Globals) (any, error) {
	s, w := t.start(ctx, nil, globals, true)
	if err := t.run(s, w); err != nil {
		if rs, ok := err.(*returnSignal); ok {
			return rs.v, nil
		}
		return nil, err
	}
	return nativeConcat(w.parts)
}

// RenderPartsWith is RenderNativeWith without the concatenation: the
// values the template yields, in order (text and the folded outputs as
// str), for an embedder that joins them its own way.
func (t *Template) RenderPartsWith(ctx context.Context, globals Globals) ([]any, error) {
	s, w := t.start(ctx, nil, globals, true)
	if err := t.run(s, w); err != nil {
		if rs, ok := err.(*returnSignal); ok {
			return []any{rs.v}, nil
		}
		return nil, err
	}
	return w.parts, nil
}

// Plain turns a template value into the plain Go values YAML and JSON
// decoding give: map[string]any, []any, int, float64, string, bool and
// nil (Markup becomes a string, Undefined nil, an integer too large for
// int its decimal text, a generator the list of what it yields). convert,
// when set, is asked first, for the embedder's own types; it returns false
// for values it leaves to Plain.
func Plain(v any, convert func(any) (any, bool)) any {
	if convert != nil {
		if out, ok := convert(v); ok {
			return out
		}
	}
	list := func(items []any) []any {
		out := make([]any, len(items))
		for i, it := range items {
			out[i] = Plain(it, convert)
		}
		return out
	}
	switch x := v.(type) {
	case nil, string, bool, float64, int:
		return x
	case int64:
		return int(x)
	case Markup:
		return string(x)
	case *Undefined:
		return nil
	case *big.Int:
		return x.String()
	case *List:
		return list(x.Items)
	case Tuple:
		return list(x)
	case []any:
		return list(x)
	case *Iterator:
		items, err := iterate(x)
		if err != nil {
			return nil
		}
		return list(items)
	case *Dict:
		out := make(map[string]any, x.Len())
		vals := x.Values()
		for i, k := range x.Keys() {
			ks, _ := Str(k)
			out[ks] = Plain(vals[i], convert)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[k] = Plain(val, convert)
		}
		return out
	}
	return v
}

// FormatMap is Python's format.format_map(mapping), and PercentFormat is
// Python's format % mapping, for an embedder formatting a string it holds
// (dbt-duckdb names a source's file with them). Values are Go values as a
// render takes them; attribute and item look-ups follow the Env's rules.
func (e *Env) FormatMap(format string, mapping map[string]any) (string, error) {
	s := &State{r: &render{ctx: context.Background(), env: e, undefined: e.opts.Undefined}}
	v, err := pyFormat(s, format, nil, dictFromMap(mapping))
	if err != nil {
		return "", err
	}
	return toStr(v)
}

// PercentFormat is Python's format % mapping; see FormatMap.
func (e *Env) PercentFormat(format string, mapping map[string]any) (string, error) {
	return percentFormat(format, dictFromMap(mapping))
}
