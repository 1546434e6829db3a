package loaders

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Record is one row read from a source, before flattening.
type Record = map[string]any

// kind is the small type system loaders infer: every value lands as one
// of these, named the same on DuckDB and Postgres.
type kind int

const (
	kNull kind = iota
	kBool
	kInt
	kFloat
	kTime
	kText
)

func (k kind) typeName() string {
	switch k {
	case kBool:
		return "boolean"
	case kInt:
		return "bigint"
	case kFloat:
		return "double precision"
	case kTime:
		return "timestamptz"
	default:
		return "text"
	}
}

// kindOfType reads a warehouse type name back (DuckDB's BIGINT,
// Postgres's "timestamp with time zone", ...).
func kindOfType(t string) kind {
	t = strings.ToLower(t)
	switch {
	case strings.Contains(t, "bool"):
		return kBool
	case strings.Contains(t, "int"):
		return kInt
	case strings.Contains(t, "double"), strings.Contains(t, "float"), strings.Contains(t, "real"), strings.Contains(t, "numeric"), strings.Contains(t, "decimal"):
		return kFloat
	case strings.Contains(t, "timestamp"), t == "date":
		return kTime
	}
	return kText
}

// widen returns the narrowest kind holding both, and whether that is a
// safe widening of have (no value of have changes meaning).
func widen(have, v kind) kind {
	switch {
	case have == v || v == kNull:
		return have
	case have == kNull:
		return v
	case have == kInt && v == kFloat, have == kFloat && v == kInt:
		return kFloat
	}
	return kText
}

func kindOf(v any) kind {
	switch v.(type) {
	case nil:
		return kNull
	case bool:
		return kBool
	case int64:
		return kInt
	case float64:
		return kFloat
	case time.Time:
		return kTime
	}
	return kText
}

// inferText reads a value that came as text (CSV): integers, decimals and
// booleans are recognised, the rest stays text. Empty text is null.
func inferText(s string) any {
	if s == "" {
		return nil
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		return f
	}
	switch s {
	case "true", "TRUE", "True":
		return true
	case "false", "FALSE", "False":
		return false
	}
	return s
}

// convert makes v a value of kind k, reporting false when it does not fit.
func convert(v any, k kind) (any, bool) {
	if v == nil {
		return nil, true
	}
	switch k {
	case kText:
		switch x := v.(type) {
		case string:
			return x, true
		case time.Time:
			// Fixed width, so that cursors order as text.
			return x.UTC().Format("2006-01-02T15:04:05.000000000Z"), true
		case float64:
			return strconv.FormatFloat(x, 'g', -1, 64), true
		}
		return fmt.Sprint(v), true
	case kInt:
		switch x := v.(type) {
		case int64:
			return x, true
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				return int64(x), true
			}
		}
	case kFloat:
		switch x := v.(type) {
		case float64:
			return x, true
		case int64:
			return float64(x), true
		}
	case kBool:
		if b, ok := v.(bool); ok {
			return b, true
		}
	case kTime:
		switch x := v.(type) {
		case time.Time:
			return x, true
		case string:
			if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
				return t, true
			}
		}
	}
	return nil, false
}

// normalizeName makes a source field a column name: lower case, letters,
// digits and underscores.
func normalizeName(s string) string {
	plain := s != "" && !(s[0] >= '0' && s[0] <= '9')
	for i := 0; plain && i < len(s); i++ {
		c := s[i]
		plain = c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
	}
	if plain { // the common case: nothing to allocate
		return s
	}
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	out := b.String()
	if out == "" || out[0] >= '0' && out[0] <= '9' {
		out = "_" + out
	}
	return out
}

// flatten turns nested objects into parent__child columns and keeps
// arrays as JSON text; JSON numbers become int64 or float64.
func flatten(rec Record, untyped bool) Record {
	out := make(Record, len(rec))
	flattenInto("", rec, out, untyped)
	return out
}

func flattenInto(prefix string, m map[string]any, out Record, untyped bool) {
	for k, v := range m {
		name := normalizeName(k)
		if prefix != "" {
			name = prefix + "__" + name
		}
		switch x := v.(type) {
		case map[string]any:
			flattenInto(name, x, out, untyped)
		case []any:
			b, _ := json.Marshal(x)
			out[name] = string(b)
		case json.Number:
			if i, err := x.Int64(); err == nil {
				out[name] = i
			} else if f, err := x.Float64(); err == nil {
				out[name] = f
			} else {
				out[name] = x.String()
			}
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				out[name] = int64(x)
			} else {
				out[name] = x
			}
		case int:
			out[name] = int64(x)
		case int32:
			out[name] = int64(x)
		case float32:
			out[name] = float64(x)
		case string:
			if untyped {
				out[name] = inferText(x)
			} else {
				out[name] = x
			}
		case nil, bool, int64, time.Time:
			out[name] = x
		default:
			out[name] = fmt.Sprint(x)
		}
	}
}

// column is one landed column.
type column struct {
	name string
	kind kind
}

// schema is a landed table's columns, in order.
type schema struct {
	cols  []column
	index map[string]int
}

func (s *schema) add(c column) {
	if s.index == nil {
		s.index = map[string]int{}
	}
	s.index[c.name] = len(s.cols)
	s.cols = append(s.cols, c)
}

func (s *schema) lookup(name string) (int, bool) {
	i, ok := s.index[name]
	return i, ok
}

func (s *schema) names() []string {
	out := make([]string, len(s.cols))
	for i, c := range s.cols {
		out[i] = c.name
	}
	return out
}

// sortedKeys lists a record's keys, hinted ones first in hint order.
func sortedKeys(r Record, hint []string) []string {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(hint) == 0 {
		return keys
	}
	pos := map[string]int{}
	for i, h := range hint {
		pos[normalizeName(h)] = i
	}
	sort.SliceStable(keys, func(i, j int) bool {
		pi, oki := pos[keys[i]]
		pj, okj := pos[keys[j]]
		switch {
		case oki && okj:
			return pi < pj
		case oki != okj:
			return oki
		}
		return false
	})
	return keys
}
