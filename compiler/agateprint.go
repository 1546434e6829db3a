package compiler

import (
	"fmt"
	"strings"

	"github.com/elt-dev/elt/jinja"
)

// agate's Table.to_csv/print_csv and to_json/print_json: the CSV and JSON
// texts, written to a file under the target path (to_*) or to standard
// output (print_*, as print_table is).

// csvDialect is the part of Python's csv writer options agate's to_csv
// passes through: delimiter, quotechar and lineterminator (agate makes the
// last "\n", not Python's "\r\n"). Quoting is QUOTE_MINIMAL.
type csvDialect struct {
	delimiter, quote, lineEnd string
}

// csvDialectOf reads to_csv's keyword arguments; any other is an error,
// not silently ignored.
func csvDialectOf(kw jinja.Kwargs) (csvDialect, error) {
	d := csvDialect{delimiter: ",", quote: `"`, lineEnd: "\n"}
	if kw == nil {
		return d, nil
	}
	for k, v := range kw.All() {
		name, _ := k.(string)
		s, ok := v.(string)
		var dst *string
		switch name {
		case "delimiter":
			dst = &d.delimiter
		case "quotechar":
			dst = &d.quote
		case "lineterminator":
			dst = &d.lineEnd
		default:
			return d, &jinjaError{msg: fmt.Sprintf("Table.to_csv: keyword argument %s is not supported (elt supports delimiter, quotechar and lineterminator)", jinja.Repr(k))}
		}
		if !ok || (name != "lineterminator" && len([]rune(s)) != 1) {
			return d, &jinjaError{msg: fmt.Sprintf("TypeError: %q must be a 1-character string, not %s", name, jinja.Repr(v))}
		}
		*dst = s
	}
	return d, nil
}

// field is one value as Python's csv writer writes it: quoted (quotes
// doubled) when it holds the delimiter, the quote, a line break or a
// character of the line terminator.
func (d csvDialect) field(s string) string {
	if strings.ContainsAny(s, d.delimiter+d.quote+"\r\n"+d.lineEnd) {
		return d.quote + strings.ReplaceAll(s, d.quote, d.quote+d.quote) + d.quote
	}
	return s
}

// row is a record and its line end; a record of one empty field is written
// as two quotes, as Python's writer does, so that it is not an empty line.
func (d csvDialect) row(b *strings.Builder, cells []string) {
	if len(cells) == 1 && cells[0] == "" {
		b.WriteString(d.quote + d.quote + d.lineEnd)
		return
	}
	for i, c := range cells {
		if i > 0 {
			b.WriteString(d.delimiter)
		}
		b.WriteString(d.field(c))
	}
	b.WriteString(d.lineEnd)
}

// csvText is agate's to_csv: the column names, then each row with its
// values as their column types csvify them (a date or datetime in ISO
// form, None empty), carriage returns in text made line feeds.
func (t *agateTable) csvText(kw jinja.Kwargs) (string, error) {
	d, err := csvDialectOf(kw)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	d.row(&b, t.columns)
	for _, r := range t.rows {
		cells := make([]string, len(t.columns))
		for i := range cells {
			if i >= len(r.vals) {
				continue
			}
			cells[i] = csvify(r.vals[i])
		}
		d.row(&b, cells)
	}
	return b.String(), nil
}

// csvify is a value as agate's data types write it to CSV.
func csvify(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case *timeValue:
		return x.isoformat("T", "auto")
	case string:
		return strings.ReplaceAll(x, "\r", "\n")
	}
	s, _ := jinja.Str(v)
	return s
}

// jsonText is agate's to_json(key=None, newline=False, indent=None): the
// rows as a list of objects, or an object of objects by the key column's
// value, or one object a line with newline, each value as its column's
// type jsonifies it, json.dumps'd with ensure_ascii=False.
func (t *agateTable) jsonText(s *jinja.State, key any, newline bool, indent any) (string, error) {
	keyCol := -1
	if key != nil {
		name, ok := key.(string)
		for i, c := range t.columns {
			if ok && c == name {
				keyCol = i
			}
		}
		if keyCol < 0 {
			return "", &jinjaError{msg: fmt.Sprintf("Table.to_json: key must name a column of the table (it has %v), not %s", t.columns, jinja.Repr(key))}
		}
		if newline {
			return "", &jinjaError{msg: "ValueError: key and newline may not be specified together."}
		}
	}
	if newline && indent != nil {
		return "", &jinjaError{msg: "ValueError: newline and indent may not be specified together."}
	}
	rows := t.jsonRows(s)
	opts := jinja.JSONOptions{Unicode: true, Indent: indent}
	var docs []any
	switch {
	case keyCol >= 0:
		out := jinja.NewDict()
		for j, r := range t.rows {
			var kv any
			if keyCol < len(r.vals) {
				kv = r.vals[keyCol]
			}
			k, err := jinja.Str(kv)
			if err != nil {
				return "", err
			}
			if _, dup := out.Get(k); dup {
				return "", &jinjaError{msg: fmt.Sprintf("ValueError: Value %s is not unique in the key column.", k)}
			}
			out.Set(k, rows[j])
		}
		docs = []any{out}
	case newline:
		docs = rows
	default:
		docs = []any{jinja.NewList(rows...)}
	}
	var b strings.Builder
	for _, v := range docs {
		out, err := jinja.DumpJSON(v, opts)
		if err != nil {
			return "", err
		}
		b.WriteString(out)
		if newline {
			b.WriteByte('\n')
		}
	}
	return b.String(), nil
}

// jsonRows is each row as a dict of column name to the value its column's
// type jsonifies.
func (t *agateTable) jsonRows(s *jinja.State) []any {
	types := make([]*agateType, len(t.columns))
	for i := range t.columns {
		col := make([]any, len(t.rows))
		for j, r := range t.rows {
			if i < len(r.vals) {
				col[j] = r.vals[i]
			}
		}
		types[i] = agateTypeOf(col)
	}
	rows := make([]any, len(t.rows))
	for j, r := range t.rows {
		d := jinja.NewDict()
		for i, name := range t.columns {
			var v any
			if i < len(r.vals) {
				v = r.vals[i]
			}
			if f, ok := types[i].GetAttr("jsonify"); ok {
				v, _ = f.(jinja.Func)(s, []any{v}, nil)
			}
			d.Set(name, v)
		}
		rows[j] = d
	}
	return rows
}

// printCSV is agate's Table.print_csv(**kwargs): to_csv onto standard
// output (Options.Print). It returns None.
func (t *agateTable) printCSV(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	if len(args) > 0 {
		return nil, &jinjaError{msg: fmt.Sprintf("TypeError: Table.print_csv() takes 1 positional argument but %d were given", len(args)+1)}
	}
	text, err := t.csvText(kw)
	if err != nil {
		return nil, err
	}
	return nil, printOut(s, text)
}

// printJSON is agate's Table.print_json(**kwargs): to_json onto standard
// output, with to_json's key, newline and indent. It returns None.
func (t *agateTable) printJSON(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	if len(args) > 0 {
		return nil, &jinjaError{msg: fmt.Sprintf("TypeError: Table.print_json() takes 1 positional argument but %d were given", len(args)+1)}
	}
	var key, indent any
	newline := false
	if kw != nil {
		for k, v := range kw.All() {
			switch k {
			case "key":
				key = v
			case "indent":
				indent = v
			case "newline":
				b, err := jinja.Truth(v)
				if err != nil {
					return nil, err
				}
				newline = b
			default:
				return nil, &jinjaError{msg: fmt.Sprintf("Table.print_json: keyword argument %s is not supported (elt supports key, newline and indent)", jinja.Repr(k))}
			}
		}
	}
	text, err := t.jsonText(s, key, newline, indent)
	if err != nil {
		return nil, err
	}
	return nil, printOut(s, text)
}

// printOut writes a table's text to standard output as print_table does,
// when the render executes; Options.Print ends it with a line break, so
// the text's own last one goes.
func printOut(s *jinja.State, text string) error {
	st, err := renderStateOf(s)
	if err != nil {
		return err
	}
	if st.execute && st.engine.opts.Print != nil {
		st.volatile = true
		st.engine.opts.Print(strings.TrimSuffix(text, "\n"))
	}
	return nil
}
