package jsontree

import (
	"bytes"
	"encoding/json"
	"sort"
	"sync"
	"unicode/utf8"
)

// Decode reads the JSON object that b starts with, as json.Decoder with
// UseNumber would into an Obj (trailing data is ignored): nested objects
// are map[string]any, arrays []any, numbers json.Number. Parse trees are
// large and decoding them is a good part of a parse's cost, so the
// common shapes (strings without escapes, numbers, literals) are read
// here directly; anything else, and every error, is left to encoding/json,
// so values and error messages are encoding/json's own.
func Decode(b []byte) (Obj, error) {
	v, ok := decode(b, false, nil)
	if m, isObj := v.(map[string]any); ok && isObj {
		return m, nil
	}
	return decodeStd(b)
}

// DecodeMembers is Decode with every object read as Members instead of
// a map: nested objects are Members, arrays []any, numbers json.Number.
func DecodeMembers(b []byte) (Members, error) { return decodeMembers(b, nil) }

// Arena holds the objects and arrays of the trees DecodeMembers reads
// with it, one tree at a time: each DecodeMembers reuses the memory of
// the tree before, which must no longer be read (its strings and numbers
// stay valid: they are not the arena's). A parse tree is garbage once it
// is mapped, and its objects and arrays were a tenth of what a cold
// compile allocated. The zero Arena is ready; it is not safe for
// concurrent use.
type Arena struct {
	members chunks[Member]
	elems   chunks[any]
}

// DecodeMembers is DecodeMembers, the tree's objects and arrays cut from
// a, and the tree a returned before reused.
func (a *Arena) DecodeMembers(b []byte) (Members, error) {
	a.members.reset()
	a.elems.reset()
	return decodeMembers(b, a)
}

// chunks hands out slices cut from a few large ones, again from the
// start after reset.
type chunks[T any] struct {
	all  [][]T
	cur  int // the chunk being cut
	used int // how much of it is handed out
}

// chunkSize is how many values a chunk holds at most, unless one slice
// needs more: an arena's first chunk holds 64, each next one twice as
// many, so that the one tree of a fresh arena takes little more than it
// needs.
const chunkSize = 1024

func (c *chunks[T]) take(n int) []T {
	for ; c.cur < len(c.all); c.cur, c.used = c.cur+1, 0 {
		if ch := c.all[c.cur]; len(ch)-c.used >= n {
			c.used += n
			return ch[c.used-n : c.used : c.used]
		}
	}
	ch := make([]T, max(n, min(chunkSize, 64<<len(c.all))))
	c.all = append(c.all, ch)
	c.cur, c.used = len(c.all)-1, n
	return ch[:n:n]
}

// reset makes every chunk free again, emptied so that it holds on to
// nothing of the tree before.
func (c *chunks[T]) reset() {
	for i := 0; i < len(c.all) && i <= c.cur; i++ {
		clear(c.all[i])
	}
	c.cur, c.used = 0, 0
}

func decodeMembers(b []byte, a *Arena) (Members, error) {
	v, ok := decode(b, true, a)
	if m, isObj := v.(Members); ok && isObj {
		return m, nil
	}
	root, err := decodeStd(b)
	if err != nil || root == nil {
		return nil, err
	}
	return toMembers(map[string]any(root)).(Members), nil
}

// toMembers turns the maps in v into Members, their keys in order.
func toMembers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		m := make(Members, len(keys))
		for i, k := range keys {
			m[i] = Member{k, toMembers(x[k])}
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = toMembers(e)
		}
	}
	return v
}

// decodeStd decodes b with encoding/json, for what the fast path does not read.
func decodeStd(b []byte) (Obj, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var root Obj
	if err := dec.Decode(&root); err != nil {
		return nil, err
	}
	return root, nil
}

// decode is the fast path: ok is false when b is not plain enough for it.
// Objects (as Members) and arrays are cut from a, or from an arena of
// their own when a is nil.
func decode(b []byte, members bool, a *Arena) (any, bool) {
	if a == nil {
		a = &Arena{}
	}
	st := decoderState.Get().(*scratch)
	d := decoder{b: b, scratch: st, asMembers: members, arena: a}
	v, ok := d.value()
	if len(st.strs) > maxInterned {
		clear(st.strs)
	}
	if len(st.nums) > maxInterned {
		clear(st.nums)
	}
	clear(st.members[:cap(st.members)])
	clear(st.elems[:cap(st.elems)])
	st.members, st.elems = st.members[:0], st.elems[:0]
	decoderState.Put(st)
	return v, ok
}

// decoderState keeps a decoder's tables from one Decode to the next:
// the same few hundred keys and type names appear in every tree, and
// filling a new table for each tree cost more than it saved. A table
// holds only immutable strings; one that grows past maxInterned is
// emptied.
var decoderState = sync.Pool{New: func() any {
	return &scratch{strs: map[string]any{}, nums: map[string]any{}}
}}

const maxInterned = 1 << 14

// scratch is what a decoder reuses.
type scratch struct {
	// strs holds the strings read so far: a parse tree repeats a few
	// keys and type names thousands of times, and a lookup by the bytes
	// does not allocate. nums holds numbers (json.Number) the same way.
	// They are kept boxed: storing a string in an interface allocates.
	strs, nums map[string]any
	// members and elems hold the members of the objects and the elements
	// of the arrays being read, innermost last: an object's map is made
	// once its size is known, and an array once its length is.
	members []Member
	elems   []any
	// recent is intern's table in front of strs.
	recent [512]recentStr
}

// recentStr is one string of intern's table: its text and its box.
type recentStr struct {
	s string
	v any
}

type decoder struct {
	b []byte
	i int
	// asMembers reads objects as Members rather than maps.
	asMembers bool
	// arena is where objects' Members and arrays are cut from: one
	// allocation for many small ones (a tree is garbage as a whole).
	arena *Arena
	*scratch
}

// alloc is room for an object of n members.
func (d *decoder) alloc(n int) Members { return d.arena.members.take(n) }

func (d *decoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// value reads one value; ok is false when the input is not plain enough
// (or not valid) for the fast path.
func (d *decoder) value() (any, bool) {
	d.space()
	if d.i >= len(d.b) {
		return nil, false
	}
	switch c := d.b[d.i]; {
	case c == '{':
		d.i++
		d.space()
		if d.i < len(d.b) && d.b[d.i] == '}' {
			d.i++
			if d.asMembers {
				return Members{}, true
			}
			return map[string]any{}, true
		}
		mark := len(d.members)
		for {
			d.space()
			kv, ok := d.str()
			if !ok {
				return nil, false
			}
			k := kv.(string)
			d.space()
			if d.i >= len(d.b) || d.b[d.i] != ':' {
				return nil, false
			}
			d.i++
			v, ok := d.value()
			if !ok {
				return nil, false
			}
			d.members = append(d.members, Member{k, v})
			if done, ok := d.next('}'); !ok {
				return nil, false
			} else if done {
				if d.asMembers {
					m := d.alloc(len(d.members) - mark)
					copy(m, d.members[mark:])
					d.members = d.members[:mark]
					return m, true
				}
				m := make(map[string]any, len(d.members)-mark)
				for _, kv := range d.members[mark:] {
					m[kv.Key] = kv.Value // a repeated key: the last one wins, as in encoding/json
				}
				d.members = d.members[:mark]
				return m, true
			}
		}
	case c == '[':
		d.i++
		d.space()
		if d.i < len(d.b) && d.b[d.i] == ']' {
			d.i++
			return []any{}, true
		}
		mark := len(d.elems)
		for {
			v, ok := d.value()
			if !ok {
				return nil, false
			}
			d.elems = append(d.elems, v)
			if done, ok := d.next(']'); !ok {
				return nil, false
			} else if done {
				l := d.arena.elems.take(len(d.elems) - mark)
				copy(l, d.elems[mark:])
				d.elems = d.elems[:mark]
				return l, true
			}
		}
	case c == '"':
		return d.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	}
	return nil, false
}

func (d *decoder) literal(word string) bool {
	if !bytes.HasPrefix(d.b[d.i:], []byte(word)) {
		return false
	}
	d.i += len(word)
	return true
}

// str reads a string. One with escapes or bytes that are not UTF-8 is
// decoded by encoding/json, which knows every escape and replaces
// invalid bytes as it always does.
func (d *decoder) str() (any, bool) {
	if d.i >= len(d.b) || d.b[d.i] != '"' {
		return nil, false
	}
	start := d.i + 1
	// Most strings of a parse tree are short ASCII without escapes: one
	// tight scan finds their end, and they need no UTF-8 check.
	j := start
	for j < len(d.b) {
		if c := d.b[j]; c == '"' || c == '\\' || c < 0x20 || c >= 0x80 {
			break
		}
		j++
	}
	if j < len(d.b) && d.b[j] == '"' {
		d.i = j + 1
		return d.intern(d.b[start:j]), true
	}
	plain := true
	for ; j < len(d.b); j++ {
		switch c := d.b[j]; {
		case c == '"':
			if s := d.b[start:j]; plain && utf8.Valid(s) {
				d.i = j + 1
				return d.intern(s), true
			}
			var s string
			if err := json.Unmarshal(d.b[d.i:j+1], &s); err != nil {
				return nil, false
			}
			d.i = j + 1
			return s, true
		case c == '\\':
			plain = false
			j++ // the escaped byte cannot end the string
		case c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

// intern returns s as a boxed string, the same one for the same bytes.
// A small table indexed by the string's length and its first and last
// bytes answers for the keys and type names every tree repeats, before
// the map (whose hashing of every string cost a quarter of a decode).
func (d *decoder) intern(s []byte) any {
	slot := 0
	if len(s) > 0 {
		slot = (len(s)*131 + int(s[0])*31 + int(s[len(s)-1])) & (len(d.recent) - 1)
		if r := &d.recent[slot]; r.s == string(s) && r.v != nil {
			return r.v
		}
	}
	v, ok := d.strs[string(s)]
	if !ok {
		str := string(s)
		v = str
		if len(str) <= 64 {
			d.strs[str] = v
		}
	}
	if len(s) > 0 && len(s) <= 64 {
		d.recent[slot] = recentStr{string(s), v}
	}
	return v
}

// number reads a number as JSON's grammar writes it.
func (d *decoder) number() (any, bool) {
	start := d.i
	j := d.i
	if j < len(d.b) && d.b[j] == '-' {
		j++
	}
	digits := func() int {
		n := 0
		for j < len(d.b) && d.b[j] >= '0' && d.b[j] <= '9' {
			j++
			n++
		}
		return n
	}
	if j < len(d.b) && d.b[j] == '0' {
		j++
	} else if digits() == 0 {
		return nil, false
	}
	if j < len(d.b) && d.b[j] == '.' {
		j++
		if digits() == 0 {
			return nil, false
		}
	}
	if j < len(d.b) && (d.b[j] == 'e' || d.b[j] == 'E') {
		j++
		if j < len(d.b) && (d.b[j] == '+' || d.b[j] == '-') {
			j++
		}
		if digits() == 0 {
			return nil, false
		}
	}
	d.i = j
	if v, ok := d.nums[string(d.b[start:j])]; ok {
		return v, true
	}
	var v any = json.Number(d.b[start:j])
	if j-start <= 20 {
		d.nums[string(d.b[start:j])] = v
	}
	return v, true
}

// next reads, after a member or element, the comma that continues its
// object or array or the bracket that closes it (done).
func (d *decoder) next(close byte) (done, ok bool) {
	d.space()
	if d.i >= len(d.b) {
		return false, false
	}
	switch d.b[d.i] {
	case ',':
		d.i++
		return false, true
	case close:
		d.i++
		return true, true
	}
	return false, false
}
