package compiler

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/elt-dev/elt/jinja"
)

// apiColumn is dbt's api.Column: the adapter's Column class. Templates
// call api.Column.create(name, dtype), api.Column(name, dtype),
// translate_type(dtype), string_type(size) and numeric_type(dtype,
// precision, scale).
type apiColumn struct{ e *engine }

// typeLabels are the adapter's Column.TYPE_LABELS: what translate_type
// maps a generic type name to (dbt's base class knows only STRING).
func (c apiColumn) typeLabels() map[string]string {
	if c.e.dialect.Type() == "bigquery" {
		return map[string]string{"TEXT": "STRING", "FLOAT": "FLOAT64", "INTEGER": "INT64"}
	}
	return map[string]string{"STRING": "TEXT"}
}

func (c apiColumn) translate(dtype string) string {
	if t, ok := c.typeLabels()[strings.ToUpper(dtype)]; ok {
		return t
	}
	return dtype
}

func (c apiColumn) newColumn(name, dtype string) *columnValue {
	return &columnValue{Column: Column{Name: name, DataType: dtype}, quoted: `"` + name + `"`}
}

func (c apiColumn) String() string { return "<class 'Column'>" }

// Call is api.Column(name, dtype).
func (c apiColumn) Call(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	name, _ := argString(args, kw, 0, "column")
	dtype, _ := argString(args, kw, 1, "dtype")
	return c.newColumn(name, dtype), nil
}

func (c apiColumn) GetAttr(name string) (any, bool) {
	switch name {
	case "create":
		return jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			n, _ := argString(args, kw, 0, "name")
			dtype, _ := argString(args, kw, 1, "label_or_dtype")
			return c.newColumn(n, c.translate(dtype)), nil
		}), true
	case "translate_type":
		return jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			dtype, _ := argString(args, kw, 0, "dtype")
			return c.translate(dtype), nil
		}), true
	case "string_type":
		return jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			size, _ := argAt(args, kw, 0, "size")
			return fmt.Sprintf("character varying(%d)", intOf(size)), nil
		}), true
	case "numeric_type":
		return jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			dtype, _ := argString(args, kw, 0, "dtype")
			p, _ := argAt(args, kw, 1, "precision")
			s, _ := argAt(args, kw, 2, "scale")
			if c.e.dialect.Type() == "bigquery" {
				// BigQueryColumn.numeric_type: the type alone.
				return dtype, nil
			}
			return numericType(dtype, p, s), nil
		}), true
	case "TYPE_LABELS":
		m := map[string]any{}
		for k, v := range c.typeLabels() {
			m[k] = v
		}
		return m, true
	}
	return nil, false
}

// numericType is dbt's Column.numeric_type: "numeric(p,s)" when both are
// known, else the type as given.
func numericType(dtype string, precision, scale any) string {
	if precision == nil || scale == nil {
		return dtype
	}
	p, _ := jinja.Str(precision)
	s, _ := jinja.Str(scale)
	return fmt.Sprintf("%s(%s,%s)", dtype, p, s)
}

// sizeParts are the numbers in a type's parentheses ("numeric(10,2)").
func sizeParts(dataType string) []int {
	_, inner, ok := strings.Cut(strings.TrimSuffix(strings.TrimSpace(dataType), ")"), "(")
	if !ok {
		return nil
	}
	var out []int
	for _, p := range strings.Split(inner, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return nil
		}
		out = append(out, n)
	}
	return out
}
