package adapters

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestReadCSV(t *testing.T) {
	cases := []struct {
		name, in string
		rows     []string // "line:fields"
		errLine  int
		errText  string
	}{
		{name: "plain with BOM", in: "\xef\xbb\xbfid,name\n1,\"a\nb\"\n2,c\n", rows: []string{"1:id|name", "2:1|a\nb", "4:2|c"}},
		{name: "ragged", in: "id,name\n1,a\n2,b,extra\n", errLine: 3, errText: "row has 3 fields, the header has 2"},
		{name: "unterminated quote", in: "id,name\n1,\"a\n2,b\n", errLine: 2, errText: "unterminated quoted field"},
		{name: "empty", in: "", errText: "the file is empty"},
		// As Python's csv reads them for dbt (agate): a quote inside an
		// unquoted field is a quote, text after a closing quote joins the
		// field, and \r\n or a lone \r is a line break (in quotes, "\n").
		{name: "quote in an unquoted field", in: "id,payload\n1,{ \"a\": [1] }\n", rows: []string{"1:id|payload", `2:1|{ "a": [1] }`}},
		{name: "text after a closing quote", in: "a,b\n\"1\"z,\"x\"\"y\"\n", rows: []string{"1:a|b", `2:1z|x"y`}},
		// A blank line after the header is a row of nulls, as agate pads
		// Python's empty record; one before it is skipped.
		{name: "line breaks", in: "a,b\r1,\"x\r\ny\"\r\n\r\n2,z", rows: []string{"1:a|b", "2:1|x\ny", "4:|", "5:2|z"}},
		{name: "blank lines", in: "\na,b\n1,x\n\n", rows: []string{"2:a|b", "3:1|x", "4:|"}},
		{name: "a short row is padded", in: "a,b,c\n1\n2,y\n", rows: []string{"1:a|b|c", "2:1||", "3:2|y|"}},
		{name: "a quote as delimiter", in: "a\n", errText: "cannot separate fields"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			comma := ','
			if c.name == "a quote as delimiter" {
				comma = '"'
			}
			err := ReadCSV("seeds/x.csv", strings.NewReader(c.in), comma, func(line int, rec []string) error {
				got = append(got, strconv.Itoa(line)+":"+strings.Join(rec, "|"))
				return nil
			})
			if c.errText == "" {
				if err != nil || strings.Join(got, ";") != strings.Join(c.rows, ";") {
					t.Errorf("got %q, %v; want %q", got, err, c.rows)
				}
				return
			}
			var se *SeedError
			if !errors.As(err, &se) || se.Line != c.errLine || !strings.Contains(se.Err.Error(), c.errText) || se.Path != "seeds/x.csv" {
				t.Errorf("got %v; want line %d and %q", err, c.errLine, c.errText)
			}
		})
	}
}
