package jinja

import (
	"fmt"
	"iter"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Markup is a string marked safe by the escape, safe or forceescape
// filters. Autoescaping is off (as dbt configures Jinja2), so Markup only
// matters where Jinja2's own Markup semantics show through: escape does
// not double-escape it, and Markup + str escapes the str.
type Markup string

// List is a mutable Python list. Lists made by templates are *List; a
// []any passed in is read as a list too.
type List struct {
	Items []any
	rng   []any // start, stop, step (int64 or *big.Int) when range() made it: it prints as range(...)
}

// Tuple is an immutable Python tuple.
type Tuple []any

// SubStr is a value of a str subclass the host defines, such as dbt's
// NativeMarker, which its as_bool filter returns: every operation sees its
// text S, as Python's operations see a str, and gives plain values
// ({{ target.type == 'x' | as_bool }} compares two strings; `in` one is a
// substring test). Only an output that is the value alone, or a variable
// set to it, keeps it, so the host can tell it from a str by its Tag.
type SubStr struct {
	S   string
	Tag string
	// Attrs, when set, are the subclass's own attributes, looked up
	// before str's (an enum's value).
	Attrs Object
}

// plain is what an operation sees of v: a SubStr's text, or v.
func plain(v any) any {
	if t, ok := v.(SubStr); ok {
		return t.S
	}
	return v
}

// NewList makes a list holding items.
func NewList(items ...any) *List { return &List{Items: items} }

// Dict is an insertion-ordered Python dict. Keys are strings, numbers,
// booleans, None or tuples.
type Dict struct {
	keys []any
	vals []any
	idx  map[any]int
	// missingNone: d.name and d["name"] of a name it does not hold are
	// None rather than undefined (MissingIsNone).
	missingNone bool
}

// MissingIsNone makes d answer None for an attribute or string key it
// does not hold, as a Python mapping whose __getitem__ returns None for
// missing keys does (d.get and `in` are unchanged). It returns d.
func (d *Dict) MissingIsNone() *Dict {
	d.missingNone = true
	return d
}

// Kwargs are the keyword arguments of a call, in call order, keyed by name.
// A call without keyword arguments passes nil.
type Kwargs = *Dict

// NewDict makes an empty Dict.
func NewDict() *Dict { return &Dict{} }

// hashKey maps a dict key to a comparable Go value with Python's equality:
// 1, 1.0 and True are the same key.
func hashKey(k any) (any, error) {
	switch x := k.(type) {
	case string:
		return x, nil
	case int64:
		return x, nil
	case nil:
		return nil, nil
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e18 {
			return int64(x), nil
		}
		return x, nil
	case Markup:
		return string(x), nil
	case int:
		return int64(x), nil
	case *big.Int:
		return "\x00big" + x.String(), nil
	case Tuple:
		var b strings.Builder
		b.WriteString("\x00tuple")
		for _, it := range x {
			h, err := hashKey(it)
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(&b, "\x00%T:%v", h, h)
		}
		return b.String(), nil
	case *List, []any, *Dict, map[string]any:
		return nil, typeErr("unhashable type: '%s'", typeName(k))
	}
	return k, nil
}

// Set stores v under k (a string or any hashable value).
func (d *Dict) Set(k any, v any) {
	_ = d.set(norm(k), norm(v))
}

func (d *Dict) set(k any, v any) error {
	if s, ok := k.(string); ok && d.idx == nil && len(d.keys) < 8 {
		for i, e := range d.keys {
			if es, ok := e.(string); ok && es == s {
				d.vals[i] = v
				return nil
			}
		}
		if len(d.keys) < 7 || !allStrings(d.keys) {
			if allStrings(d.keys) {
				d.keys = append(d.keys, k)
				d.vals = append(d.vals, v)
				return nil
			}
		}
	}
	h, err := hashKey(k)
	if err != nil {
		return err
	}
	d.buildIndex()
	if i, ok := d.idx[h]; ok {
		d.vals[i] = v
		return nil
	}
	d.idx[h] = len(d.keys)
	d.keys = append(d.keys, k)
	d.vals = append(d.vals, v)
	return nil
}

func allStrings(keys []any) bool {
	for _, k := range keys {
		if _, ok := k.(string); !ok {
			return false
		}
	}
	return true
}

func (d *Dict) buildIndex() {
	if d.idx != nil {
		return
	}
	d.idx = make(map[any]int, len(d.keys)+1)
	for i, k := range d.keys {
		h, _ := hashKey(k)
		d.idx[h] = i
	}
}

func (d *Dict) find(k any) (int, error) {
	if d == nil {
		return -1, nil
	}
	if d.idx == nil {
		if s, ok := k.(string); ok {
			for i, e := range d.keys {
				if es, ok := e.(string); ok && es == s {
					return i, nil
				}
			}
			return -1, nil
		}
	}
	h, err := hashKey(k)
	if err != nil {
		return -1, err
	}
	d.buildIndex()
	if i, ok := d.idx[h]; ok {
		return i, nil
	}
	return -1, nil
}

// Get returns the value stored under k.
func (d *Dict) Get(k any) (any, bool) {
	i, _ := d.find(norm(k))
	if i < 0 {
		return nil, false
	}
	return d.vals[i], true
}

// findString is find for a string key, without boxing it.
func (d *Dict) findString(k string) int {
	if d == nil {
		return -1
	}
	if d.idx == nil {
		for i, e := range d.keys {
			if es, ok := e.(string); ok && es == k {
				return i
			}
		}
		return -1
	}
	i, _ := d.find(k)
	return i
}

// Delete removes k and reports whether it was there.
func (d *Dict) Delete(k any) bool {
	i, _ := d.find(k)
	if i < 0 {
		return false
	}
	d.keys = append(d.keys[:i:i], d.keys[i+1:]...)
	d.vals = append(d.vals[:i:i], d.vals[i+1:]...)
	d.idx = nil
	return true
}

// Keys returns the keys in insertion order.
func (d *Dict) Keys() []any {
	if d == nil {
		return nil
	}
	return append([]any(nil), d.keys...)
}

// Values returns the values in insertion order.
func (d *Dict) Values() []any {
	if d == nil {
		return nil
	}
	return append([]any(nil), d.vals...)
}

// All yields the entries in insertion order, without copying them.
func (d *Dict) All() iter.Seq2[any, any] {
	return func(yield func(k, v any) bool) {
		if d == nil {
			return
		}
		for i, k := range d.keys {
			if !yield(k, d.vals[i]) {
				return
			}
		}
	}
}

// Len is the number of entries.
func (d *Dict) Len() int {
	if d == nil {
		return 0
	}
	return len(d.keys)
}

func (d *Dict) copy() *Dict {
	n := &Dict{keys: append([]any(nil), d.keys...), vals: append([]any(nil), d.vals...)}
	return n
}

// dictFromMap makes an ordered Dict of a Go map, keys sorted.
func dictFromMap(m map[string]any) *Dict {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	d := &Dict{keys: make([]any, len(keys)), vals: make([]any, len(keys))}
	for i, k := range keys {
		d.keys[i] = k
		d.vals[i] = norm(m[k])
	}
	return d
}

// Namespace is the object namespace() makes: attributes may be assigned
// with {% set ns.attr = value %}.
type Namespace struct{ d *Dict }

// dictView is what dict.items(), keys() and values() return.
type dictView struct {
	kind  string // "dict_items", "dict_keys", "dict_values"
	items []any
}

// norm converts Go values from outside the engine into the engine's
// representation: every integer becomes int64, float32 becomes float64.
func norm(v any) any {
	switch x := v.(type) {
	case nil, string, int64, float64, bool, *List, *Dict, Tuple, Markup, *Undefined, *big.Int, SubStr:
		return v
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case int8:
		return int64(x)
	case uint:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		return int64(x)
	case float32:
		return float64(x)
	case []string:
		l := make([]any, len(x))
		for i, s := range x {
			l[i] = s
		}
		return &List{Items: l}
	case map[string]string:
		d := make(map[string]any, len(x))
		for k, s := range x {
			d[k] = s
		}
		return dictFromMap(d)
	case func(s *State, args []any, kwargs Kwargs) (any, error):
		return Func(x)
	}
	return v
}

// TypeNamer is a host value that names its Python type, for the messages
// that name a value's type (json.dumps' "Object of type date...").
type TypeNamer interface{ TypeName() string }

// typeName is Python's type(v).__name__.
func typeName(v any) string {
	switch x := v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int64, int, *big.Int:
		return "int"
	case float64:
		return "float"
	case string, SubStr:
		return "str"
	case Markup:
		return "Markup"
	case *List:
		if x.rng != nil {
			return "range"
		}
		return "list"
	case []any:
		return "list"
	case Tuple:
		return "tuple"
	case *Dict, map[string]any:
		return "dict"
	case *Undefined:
		return "Undefined"
	case *macroValue:
		return "Macro"
	case Func, *boundMethod:
		return "function"
	case *Namespace:
		return "Namespace"
	case *Module:
		return "TemplateModule"
	case *loopCtx:
		return "LoopContext"
	case *dictView:
		return x.kind
	case *cycler:
		return "Cycler"
	case *Iterator:
		return x.kind
	case *joiner:
		return "Joiner"
	case TypeNamer:
		return x.TypeName()
	}
	return fmt.Sprintf("%T", v)
}

// objectTypeRepr is Jinja2's object_type_repr, used in undefined messages.
func objectTypeRepr(v any) string {
	if v == nil {
		return "None"
	}
	switch v.(type) {
	case Markup:
		return "markupsafe.Markup object"
	case *Namespace:
		return "jinja2.utils.Namespace object"
	case *loopCtx:
		return "jinja2.runtime.LoopContext object"
	case *macroValue:
		return "jinja2.runtime.Macro object"
	case *Module:
		return "jinja2.environment.TemplateModule object"
	}
	return typeName(v) + " object"
}

// truth is Python's bool(v).
func truth(v any) (bool, error) {
	switch x := v.(type) {
	case nil:
		return false, nil
	case bool:
		return x, nil
	case int64:
		return x != 0, nil
	case string:
		return x != "", nil
	case float64:
		return x != 0, nil
	case *Undefined:
		if x.policy == Strict {
			return false, x.err()
		}
		return false, nil
	case *List:
		return len(x.Items) != 0, nil
	case []any:
		return len(x) != 0, nil
	case Tuple:
		return len(x) != 0, nil
	case *Dict:
		return x.Len() != 0, nil
	case map[string]any:
		return len(x) != 0, nil
	case Markup:
		return x != "", nil
	case SubStr:
		return x.S != "", nil
	case *dictView:
		return len(x.items) != 0, nil
	case int:
		return x != 0, nil
	case *big.Int:
		return x.Sign() != 0, nil
	case interface{ Len() int }:
		return x.Len() != 0, nil
	case Truther:
		return x.Truth(), nil
	}
	return true, nil
}

// Truther is a Go value with its own truth, as Python's __bool__.
type Truther interface {
	Truth() bool
}

func truthy(v any) bool { b, _ := truth(v); return b }

// toStr is Python's str(v).
func toStr(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case Markup:
		return string(x), nil
	case SubStr:
		return x.S, nil
	case *Undefined:
		if x.policy == Strict {
			return "", x.err()
		}
		return "", nil
	case nil:
		return "None", nil
	case bool:
		if x {
			return "True", nil
		}
		return "False", nil
	case float64:
		return floatRepr(x), nil
	case *big.Int:
		return x.String(), nil
	}
	var b strings.Builder
	if err := writeRepr(&b, v, true); err != nil {
		return "", err
	}
	return b.String(), nil
}

func mustStr(v any) string { s, _ := toStr(v); return s }

// FloatRepr is Python's repr(float): 1000.0, 1e+16, inf.
func FloatRepr(f float64) string { return floatRepr(f) }

// floatRepr is Python's repr(float).
func floatRepr(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, expS, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expS)
	if exp < -4 || exp >= 16 {
		sign := "+"
		if exp < 0 {
			sign = "-"
			exp = -exp
		}
		es := strconv.Itoa(exp)
		if len(es) < 2 {
			es = "0" + es
		}
		return mant + "e" + sign + es
	}
	r := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(r, ".") {
		r += ".0"
	}
	return r
}

// pyRepr is Python's repr(str).
func pyRepr(s string) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r < 0xa0:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r == utf8.RuneError:
			b.WriteRune(r)
		case r > 0xff && !isPrintable(r):
			if r > 0xffff {
				fmt.Fprintf(&b, `\U%08x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

func isPrintable(r rune) bool {
	return strconv.IsPrint(r)
}

// repr is Python's repr(v).
func repr(v any) string {
	var b strings.Builder
	_ = writeRepr(&b, v, false)
	return b.String()
}

func writeRepr(b *strings.Builder, v any, top bool) error {
	switch x := v.(type) {
	case string:
		b.WriteString(pyRepr(x))
	case SubStr:
		b.WriteString(pyRepr(x.S))
	case Markup:
		b.WriteString("Markup(" + pyRepr(string(x)) + ")")
	case nil:
		b.WriteString("None")
	case bool, int64, float64, int, *big.Int:
		s, _ := toStr(norm(x))
		b.WriteString(s)
	case *Undefined:
		b.WriteString("Undefined")
	case *List:
		if x.rng != nil {
			if x.rng[2] == int64(1) {
				fmt.Fprintf(b, "range(%d, %d)", x.rng[0], x.rng[1])
			} else {
				fmt.Fprintf(b, "range(%d, %d, %d)", x.rng[0], x.rng[1], x.rng[2])
			}
			return nil
		}
		return writeSeq(b, "[", "]", x.Items, false)
	case []any:
		return writeSeq(b, "[", "]", x, false)
	case Tuple:
		return writeSeq(b, "(", ")", x, len(x) == 1)
	case *Dict:
		b.WriteByte('{')
		for i := range x.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := writeRepr(b, x.keys[i], false); err != nil {
				return err
			}
			b.WriteString(": ")
			if err := writeRepr(b, x.vals[i], false); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case map[string]any:
		return writeRepr(b, dictFromMap(x), top)
	case *dictView:
		b.WriteString(x.kind + "(")
		if err := writeSeq(b, "[", "]", x.items, false); err != nil {
			return err
		}
		b.WriteString(")")
	case *Module:
		// TemplateModule: str() is the body it rendered.
		if top {
			b.WriteString(x.body)
		} else {
			b.WriteString("<TemplateModule " + pyRepr(x.name) + ">")
		}
	case *Namespace:
		b.WriteString("<Namespace ")
		if err := writeRepr(b, x.d, false); err != nil {
			return err
		}
		b.WriteString(">")
	case *macroValue:
		if x.m.anonymous {
			b.WriteString("<Macro anonymous>")
		} else {
			fmt.Fprintf(b, "<Macro %s>", pyRepr(x.m.name))
		}
	case *loopCtx:
		fmt.Fprintf(b, "<LoopContext %d/%d>", x.index+1, x.len())
	case Func:
		b.WriteString(funcRepr(x))
	case *boundMethod:
		b.WriteString(x.repr())
	case *cycler:
		fmt.Fprintf(b, "<jinja2.utils.Cycler object at %p>", x)
	case *joiner:
		fmt.Fprintf(b, "<jinja2.utils.Joiner object at %p>", x)
	case fmt.Stringer:
		b.WriteString(x.String())
	default:
		fmt.Fprint(b, x)
	}
	return nil
}

func writeSeq(b *strings.Builder, open, close string, items []any, trailingComma bool) error {
	b.WriteString(open)
	for i, it := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		if err := writeRepr(b, it, false); err != nil {
			return err
		}
	}
	if trailingComma {
		b.WriteByte(',')
	}
	b.WriteString(close)
	return nil
}

// seqItems returns the items of a list or tuple without copying.
func seqItems(v any) ([]any, bool) {
	switch x := v.(type) {
	case *List:
		return x.Items, true
	case Tuple:
		return x, true
	case []any:
		return x, true
	}
	return nil, false
}

// iterate returns the items that iterating v yields.
func iterate(v any) ([]any, error) {
	switch x := v.(type) {
	case *List:
		return x.Items, nil
	case Tuple:
		return x, nil
	case []any:
		return x, nil
	case *Dict:
		return x.Keys(), nil
	case map[string]any:
		return dictFromMap(x).keys, nil
	case string:
		return strChars(x), nil
	case Markup:
		return strChars(string(x)), nil
	case SubStr:
		return strChars(x.S), nil
	case *dictView:
		return x.items, nil
	case *Iterator:
		return x.rest()
	case *Undefined:
		if x.policy == Strict {
			return nil, x.err()
		}
		return nil, nil
	case *Namespace:
		return nil, typeErr("'Namespace' object is not iterable")
	case interface{ Iter() []any }:
		items := x.Iter()
		out := make([]any, len(items))
		for i, it := range items {
			out[i] = norm(it)
		}
		return out, nil
	}
	return nil, typeErr("'%s' object is not iterable", typeName(v))
}

func strChars(s string) []any {
	out := make([]any, 0, len(s))
	for _, r := range s {
		out = append(out, string(r))
	}
	return out
}

// length is Python's len(v).
func length(v any) (int, error) {
	switch x := v.(type) {
	case string:
		return utf8.RuneCountInString(x), nil
	case Markup:
		return utf8.RuneCountInString(string(x)), nil
	case *List:
		return len(x.Items), nil
	case Tuple:
		return len(x), nil
	case []any:
		return len(x), nil
	case *Dict:
		return x.Len(), nil
	case map[string]any:
		return len(x), nil
	case *dictView:
		return len(x.items), nil
	case *Undefined:
		if x.policy == Strict {
			return 0, x.err()
		}
		return 0, nil
	case interface{ Len() int }:
		return x.Len(), nil
	case interface{ Iter() []any }:
		return len(x.Iter()), nil
	}
	return 0, typeErr("object of type '%s' has no len()", typeName(v))
}

// isString reports whether v is a str (Markup included).
func asString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case Markup:
		return string(x), true
	case SubStr:
		return x.S, true
	}
	return "", false
}

// Undefined policies.
type UndefinedPolicy int

const (
	Lenient   UndefinedPolicy = iota // Jinja2's default Undefined
	Strict                           // StrictUndefined
	Chainable                        // ChainableUndefined
	// Absorbing is Chainable whose undefined values may also be
	// called, giving themselves: a template that calls a function its
	// context lacks renders on (nothing) instead of failing.
	Absorbing
)

// chains says whether attributes and items of an undefined value under
// p are undefined values too, rather than errors.
func (p UndefinedPolicy) chains() bool { return p == Chainable || p == Absorbing }

// Longer names for the same policies.
const (
	UndefinedLenient   = Lenient
	UndefinedStrict    = Strict
	UndefinedChainable = Chainable
)

// NewUndefined is an undefined value named name under policy, for a Go
// function to return: Chainable absorbs every attribute, item and call
// made on it, as dbt's parse-time undefined does.
func NewUndefined(name string, policy UndefinedPolicy) *Undefined {
	return &Undefined{policy: policy, name: name}
}

// Undefined is the value of a missing name, attribute or item.
type Undefined struct {
	policy UndefinedPolicy
	hint   string
	name   any
	obj    any
	hasObj bool
	kind   string // exception raised on use; "" means UndefinedError
}

func (u *Undefined) message() string {
	if u.hint != "" {
		return u.hint
	}
	if !u.hasObj {
		return repr(u.name) + " is undefined"
	}
	if _, ok := u.name.(string); !ok {
		return objectTypeRepr(u.obj) + " has no element " + repr(u.name)
	}
	return pyRepr(objectTypeRepr(u.obj)) + " has no attribute " + repr(u.name)
}

func (u *Undefined) err() *Error {
	k := u.kind
	if k == "" {
		k = "UndefinedError"
	}
	return newErr(k, u.message())
}

// String renders the undefined value as Jinja2's str() does.
func (u *Undefined) String() string { return "" }
