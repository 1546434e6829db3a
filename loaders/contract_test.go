package loaders

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The schema contract decides what happens when a second load brings a
// new column and a value that does not fit a column's type.
func TestSchemaContracts(t *testing.T) {
	body := `[{"id": 1, "n": 5}]`
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) }))
	defer ts.Close()
	cases := []struct {
		contract, maxRejected string
		wantErr               string
		check                 []string // queries that must return 1
	}{
		{"evolve", "0", "", []string{
			"select count(*) = 2 from raw.t",
			"select count(*) = 1 from raw.t where n = 'x' and extra = true",
			"select data_type = 'VARCHAR' from information_schema.columns where table_name = 't' and column_name = 'n'",
		}},
		{"freeze", "0", `schema_contract freeze: new column "extra"`, []string{"select count(*) = 1 from raw.t"}},
		{"discard_row", "1", "", []string{
			"select count(*) = 1 from raw.t",
			"select count(*) = 1 from raw._elt_rejected where reason like '%discard_row%' and record like '%\"extra\":true%'",
		}},
		{"discard_row", "0", "more than max_rejected (0)", []string{"select count(*) = 1 from raw.t", "select count(*) = 1 from raw._elt_rejected"}},
		{"discard_value", "0", "", []string{
			"select count(*) = 2 from raw.t",
			"select count(*) = 1 from raw.t where id = 2 and n is null",
			"select count(*) = 0 from information_schema.columns where table_name = 't' and column_name = 'extra'",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.contract+"/max_rejected="+tc.maxRejected, func(t *testing.T) {
			l := parseOne(t, fmt.Sprintf(`loaders:
  - name: c
    connector: http
    lands: {source: raw, table: t}
    schema_contract: %s
    max_rejected: %s
    options: {base_url: %s}
`, tc.contract, tc.maxRejected, ts.URL), nil)
			a := openDuck(t, "")
			body = `[{"id": 1, "n": 5}]`
			if res := Run(context.Background(), a, l, duckRel(a, "t"), RunOptions{}); res.Err != nil {
				t.Fatal(res.Err)
			}
			body = `[{"id": 2, "n": "x", "extra": true}]`
			res := Run(context.Background(), a, l, duckRel(a, "t"), RunOptions{})
			if tc.wantErr == "" && res.Err != nil {
				t.Fatal(res.Err)
			}
			if tc.wantErr != "" && (res.Err == nil || !strings.Contains(res.Err.Error(), tc.wantErr)) {
				t.Fatalf("want error %q, got %v", tc.wantErr, res.Err)
			}
			for _, q := range tc.check {
				r, err := a.Query(context.Background(), q)
				if err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				if r.Rows[0][0] != true {
					t.Errorf("%s: false", q)
				}
			}
			if tc.wantErr != "" {
				if got := queryInt(t, a, "select count(*) from raw._elt_loads where status = 'error'"); got != 1 {
					t.Fatalf("want the failed load recorded as error, got %d", got)
				}
			}
		})
	}
}
