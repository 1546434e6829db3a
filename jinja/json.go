package jinja

import (
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// DecodeJSON parses JSON into template values: objects become *Dict in
// document order, integers int64, other numbers float64.
func DecodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, &Error{Kind: "ValueError", Msg: "Extra data after JSON value"}
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			d := &Dict{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				d.set(kt.(string), v)
			}
			_, err := dec.Token()
			return d, err
		case '[':
			l := &List{Items: []any{}}
			for dec.More() {
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				l.Items = append(l.Items, v)
			}
			_, err := dec.Token()
			return l, err
		}
	case json.Number:
		if i, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return i, nil
		}
		if b, ok := new(big.Int).SetString(string(t), 10); ok {
			return b, nil
		}
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil && !strings.ContainsAny(string(t), ".eE") {
			return f, nil // too big for int64: Python would keep it exact
		}
		return f, nil
	case string, bool, nil:
		return t, nil
	}
	return nil, &Error{Kind: "ValueError", Msg: "unexpected JSON token"}
}

// JSONOptions are the json.dumps keyword arguments embedders use.
type JSONOptions struct {
	SortKeys bool
	// Indent is json.dumps' indent: nil for one line with ", " and ": ",
	// else a number of spaces or a string.
	Indent any
	// Default is json.dumps' default=: it converts a value JSON cannot
	// encode, or returns an error; nil raises TypeError as Python does.
	Default func(v any) (any, error)
	// Unicode is ensure_ascii=False: text beyond ASCII is written as it
	// is, not as \u escapes.
	Unicode bool
}

// DumpJSON is Python's json.dumps(v, ...) (ensure_ascii unless Unicode), for values
// of templates and plain Go values (nil, bool, int, int64, float64,
// string, []any, map[string]any and the engine's own types).
func DumpJSON(v any, o JSONOptions) (string, error) {
	w := jsonWriter{opts: o}
	if o.Indent != nil {
		w.hasIndent = true
		if s, ok := o.Indent.(string); ok {
			w.ind = s
		} else if n, ok := indexInt(o.Indent); ok {
			w.ind = strings.Repeat(" ", int(n))
		}
	}
	if err := w.write(v, 0); err != nil {
		return "", err
	}
	return w.b.String(), nil
}

// htmlSafeJSON is Jinja2's htmlsafe_json_dumps with json.dumps(sort_keys=True).
func htmlSafeJSON(v any, indent any) (string, error) {
	s, err := DumpJSON(v, JSONOptions{SortKeys: true, Indent: indent})
	if err != nil {
		return "", err
	}
	r := strings.NewReplacer("<", `\u003c`, ">", `\u003e`, "&", `\u0026`, "'", `\u0027`)
	return r.Replace(s), nil
}

func jsonString(b *strings.Builder, s string, unicode bool) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 || r > 0x7e && !unicode {
				if r > 0xffff {
					r1, r2 := utf16.EncodeRune(r)
					b.WriteString(`\u` + hex4(int(r1)) + `\u` + hex4(int(r2)))
				} else if r == utf8.RuneError {
					b.WriteString(`\ufffd`)
				} else {
					b.WriteString(`\u` + hex4(int(r)))
				}
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

func hex4(n int) string {
	s := strconv.FormatInt(int64(n), 16)
	return strings.Repeat("0", 4-len(s)) + s
}

// JSONFloat is a float as Python's json module writes it: its repr, and
// NaN, Infinity and -Infinity for what JSON has no number for.
func JSONFloat(f float64) string { return jsonFloat(f) }

func jsonFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return floatRepr(f)
}

func jsonKey(k any) (string, error) {
	switch x := k.(type) {
	case string:
		return x, nil
	case Markup:
		return string(x), nil
	case SubStr:
		return x.S, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return jsonFloat(x), nil
	case bool:
		if x {
			return "true", nil
		}
		return "false", nil
	case nil:
		return "null", nil
	}
	return "", typeErr("keys must be str, int, float, bool or None, not %s", typeName(k))
}

// jsonWriter is one json.dumps call.
type jsonWriter struct {
	b         strings.Builder
	opts      JSONOptions
	hasIndent bool
	ind       string
	// open are the lists and dicts being written, for json.dumps'
	// check_circular: one that contains itself is a ValueError.
	open map[any]bool
}

// enter marks a list or dict as being written, or fails as json.dumps
// does on a circular reference; leave unmarks it.
func (w *jsonWriter) enter(c any) error {
	switch c.(type) {
	case *List, *Dict:
	default:
		return nil
	}
	if w.open[c] {
		return errorf("ValueError", "Circular reference detected")
	}
	if w.open == nil {
		w.open = map[any]bool{}
	}
	w.open[c] = true
	return nil
}

func (w *jsonWriter) leave(c any) {
	switch c.(type) {
	case *List, *Dict:
		delete(w.open, c)
	}
}

func (w *jsonWriter) write(v any, depth int) error {
	b, hasIndent, ind := &w.b, w.hasIndent, w.ind
	nl := func(d int) {
		if hasIndent {
			b.WriteByte('\n')
			b.WriteString(strings.Repeat(ind, d))
		}
	}
	itemSep := ", "
	if hasIndent {
		itemSep = ","
	}
	// As the engine reads a host's value (a Go []string is a list).
	switch x := norm(v).(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case int:
		b.WriteString(strconv.Itoa(x))
	case *big.Int:
		b.WriteString(x.String())
	case float64:
		b.WriteString(jsonFloat(x))
	case string:
		jsonString(b, x, w.opts.Unicode)
	case Markup:
		jsonString(b, string(x), w.opts.Unicode)
	case SubStr:
		// A str subclass (dbt's string enums) is written as its text.
		jsonString(b, x.S, w.opts.Unicode)
	case *List, []any, Tuple:
		if l, ok := x.(*List); ok && l.rng != nil {
			return w.notSerializable(v, depth)
		}
		items, _ := seqItems(x)
		if len(items) == 0 {
			b.WriteString("[]")
			return nil
		}
		if err := w.enter(x); err != nil {
			return err
		}
		defer w.leave(x)
		b.WriteByte('[')
		for i, it := range items {
			if i > 0 {
				b.WriteString(itemSep)
			}
			nl(depth + 1)
			if err := w.write(it, depth+1); err != nil {
				return err
			}
		}
		nl(depth)
		b.WriteByte(']')
	case *Dict, map[string]any:
		d, _ := toDict(x)
		if d.Len() == 0 {
			b.WriteString("{}")
			return nil
		}
		if err := w.enter(x); err != nil {
			return err
		}
		defer w.leave(x)
		keys, vals := d.Keys(), d.Values()
		idx := make([]int, len(keys))
		for i := range idx {
			idx[i] = i
		}
		if w.opts.SortKeys {
			var serr error
			sortInts(idx, func(a, c int) bool {
				r, err := compare(keys[a], keys[c], "<")
				if err != nil && serr == nil {
					serr = err
				}
				return r < 0
			})
			if serr != nil {
				return serr
			}
		}
		b.WriteByte('{')
		for n, i := range idx {
			if n > 0 {
				b.WriteString(itemSep)
			}
			nl(depth + 1)
			k, err := jsonKey(keys[i])
			if err != nil {
				return err
			}
			jsonString(b, k, w.opts.Unicode)
			b.WriteString(": ")
			if err := w.write(vals[i], depth+1); err != nil {
				return err
			}
		}
		nl(depth)
		b.WriteByte('}')
	case *dictView:
		return w.notSerializable(v, depth) // as json.dumps: views are not lists
	case *Undefined:
		if x.policy == Strict {
			return x.err()
		}
		return typeErr("Object of type Undefined is not JSON serializable")
	default:
		return w.notSerializable(v, depth)
	}
	return nil
}

// JSONValuer is an embedder's value that json.dumps writes as the value
// JSONValue gives (a mapping object that stands for a Python dict).
type JSONValuer interface {
	JSONValue() (any, error)
}

// notSerializable is json.dumps on a value it has no encoding for: a
// JSONValuer's value, the embedder's Default, else TypeError.
func (w *jsonWriter) notSerializable(v any, depth int) error {
	if j, ok := v.(JSONValuer); ok {
		d, err := j.JSONValue()
		if err != nil {
			return err
		}
		return w.write(d, depth)
	}
	if w.opts.Default != nil {
		d, err := w.opts.Default(v)
		if err != nil {
			return err
		}
		return w.write(d, depth)
	}
	return typeErr("Object of type %s is not JSON serializable", typeName(v))
}
