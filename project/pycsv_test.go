package project

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestPyCSVRecordsAsPython: each want is what python3's
// json.dumps(list(csv.reader(io.StringIO(text)))) printed for the text
// (Python 3.11), the reader dbt reads csv fixtures with.
func TestPyCSVRecordsAsPython(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"id,name\n1, a\n", `[["id","name"],["1"," a"]]`},
		{" id , name \n 1 , a \n", `[[" id "," name "],[" 1 "," a "]]`},
		{"a,b\n\"x,y\",\"q\"\"r\"\n", `[["a","b"],["x,y","q\"r"]]`},
		{"a,b\n\"ab\"c, \"d\"\n", `[["a","b"],["abc"," \"d\""]]`},
		{"a,b\n\n\n1,2\n\n", `[["a","b"],[],[],["1","2"],[]]`},
		{"a,b\n1\n", `[["a","b"],["1"]]`},
		{"a,b\n\"multi\nline\",2\n", `[["a","b"],["multi\nline","2"]]`},
		{"a,b\r\n1,2\r\n", `[["a","b"],["1","2"]]`},
		{"a,b\n\"open", `[["a","b"],["open"]]`},
		{"", `[]`},
		{"\n", `[[]]`},
		{"a\n \n", `[["a"],[" "]]`},
		{"a,b\n,\"\"\n", `[["a","b"],["",""]]`},
		{"a,b\n1,2", `[["a","b"],["1","2"]]`},
	} {
		recs, _, err := pyCSVRecords(c.text)
		if err != nil {
			t.Errorf("%q: %v", c.text, err)
			continue
		}
		out := make([][]string, len(recs))
		for i, r := range recs {
			out[i] = append([]string{}, r...)
		}
		got, _ := json.Marshal(out)
		if string(got) != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.text, got, c.want)
		}
	}
	// Python: "new-line character seen in unquoted field".
	if _, _, err := pyCSVRecords("a,b\r1,2\n"); err == nil || !strings.Contains(err.Error(), "new-line character seen in unquoted field") {
		t.Errorf("a lone carriage return: err = %v", err)
	}
}

// TestPyCSVDictsRefusesWhatDBTCannotUse: rows csv.DictReader would give a
// None key (more fields than columns, a blank header) or silently drop a
// value (a column named twice) stop the load.
func TestPyCSVDictsRefusesWhatDBTCannotUse(t *testing.T) {
	for text, want := range map[string]string{
		"a,b\n1,2,3\n": "line 2: 3 fields, but the header names 2 columns",
		"\na\n1\n":     "line 1: the header line is blank",
		"a,a\n1,2\n":   `line 1: column "a" is named twice`,
	} {
		if _, _, err := pyCSVDicts(text); err == nil || err.Error() != want {
			t.Errorf("%q: err = %v, want %q", text, err, want)
		}
	}
}
