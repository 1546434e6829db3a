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
