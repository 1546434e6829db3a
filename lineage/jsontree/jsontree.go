// Package jsontree reads a parse tree decoded from JSON (with
// json.Decoder.UseNumber) without type switches at every step: both
// parsers the lineage engine uses hand their trees over as JSON.
package jsontree

import "encoding/json"

// Obj is one JSON object of the tree; a missing or mistyped member reads
// as its zero value.
type Obj map[string]any

// As is v as an object, or nil.
func As(v any) Obj {
	switch m := v.(type) {
	case map[string]any:
		return m
	case Obj:
		return m
	}
	return nil
}

// Obj is member k as an object.
func (o Obj) Obj(k string) Obj { return As(o[k]) }

// List is member k as an array.
func (o Obj) List(k string) []any { l, _ := o[k].([]any); return l }

// Str is member k as a string (a number is given as written).
func (o Obj) Str(k string) string {
	switch v := o[k].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}

// Bool is member k as a boolean.
func (o Obj) Bool(k string) bool { b, _ := o[k].(bool); return b }

// Number is member k as a JSON number, if it is one.
func (o Obj) Number(k string) (json.Number, bool) { n, ok := o[k].(json.Number); return n, ok }

// Members is a JSON object as DecodeMembers reads it: its members in the
// order written. Most parse-tree objects have a few members, and a slice
// of them costs a fraction of a map to build; a lookup reads them all.
// A missing or mistyped member reads as its zero value, as with Obj.
type Members []Member

// Member is one member of an object.
type Member struct {
	Key   string
	Value any
}

// AsMembers is v as an object read by DecodeMembers, or nil.
func AsMembers(v any) Members { m, _ := v.(Members); return m }

// Get is member k; of a key written twice, the last (as encoding/json).
func (m Members) Get(k string) any {
	for i := len(m) - 1; i >= 0; i-- {
		if m[i].Key == k {
			return m[i].Value
		}
	}
	return nil
}

// Obj is member k as an object.
func (m Members) Obj(k string) Members { return AsMembers(m.Get(k)) }

// List is member k as an array.
func (m Members) List(k string) []any { l, _ := m.Get(k).([]any); return l }

// Str is member k as a string (a number is given as written).
func (m Members) Str(k string) string {
	switch v := m.Get(k).(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}

// Bool is member k as a boolean.
func (m Members) Bool(k string) bool { b, _ := m.Get(k).(bool); return b }
