package loaders

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elt-dev/elt/internal/diag"
)

// Every key of a loader file either works or is a positioned error that
// says what to do.
func TestBadDeclarations(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"not a list", "loaders: {a: 1}\n", "loaders/test.yml:1:10: loaders must be a list"},
		{"unknown top key", "loader: []\n", `loaders/test.yml:1:1: unknown key "loader" in a loader file`},
		{"unknown loader key", "loaders:\n  - name: a\n    connector: files\n    lands: {source: s, table: t}\n    options: {path: x.csv}\n    disposition: append\n", `loaders/test.yml:6:5: unknown key "disposition" in loader`},
		{"bad disposition", "loaders:\n  - name: a\n    connector: files\n    lands: {source: s, table: t}\n    write_disposition: upsert\n    options: {path: x.csv}\n", `loaders/test.yml:5:24: unknown write_disposition "upsert"`},
		{"merge without key", "loaders:\n  - name: a\n    connector: files\n    lands: {source: s, table: t}\n    write_disposition: merge\n    options: {path: x.csv}\n", `loaders/test.yml:2:5: loader "a" merges but has no primary_key`},
		{"key on append", "loaders:\n  - name: a\n    connector: files\n    lands: {source: s, table: t}\n    primary_key: id\n    options: {path: x.csv}\n", `loaders/test.yml:5:18: primary_key is used only by write_disposition: merge, and loader "a" has write_disposition: append`},
		{"key on replace", "loaders:\n  - name: a\n    connector: files\n    lands: {source: s, table: t}\n    write_disposition: replace\n    primary_key: [id]\n    options: {path: x.csv}\n", `loaders/test.yml:6:18: primary_key is used only by write_disposition: merge`},
		{"bad contract", "loaders:\n  - name: a\n    connector: files\n    lands: {source: s, table: t}\n    schema_contract: strict\n    options: {path: x.csv}\n", `unknown schema_contract "strict"`},
		{"bad max_rejected", "loaders:\n  - name: a\n    connector: files\n    lands: {source: s, table: t}\n    max_rejected: lots\n    options: {path: x.csv}\n", `loaders/test.yml:5:19: max_rejected must be a whole number`},
		{"no lands", "loaders:\n  - name: a\n    connector: files\n    options: {path: x.csv}\n", `needs lands: {source, table}`},
		{"half lands", "loaders:\n  - name: a\n    connector: files\n    lands: {source: s}\n    options: {path: x.csv}\n", `loaders/test.yml:4:12: lands needs both source and table`},
		{"unknown connector", "loaders:\n  - name: a\n    connector: ftp\n    lands: {source: s, table: t}\n", `loaders/test.yml:3:16: unknown connector "ftp"`},
		{"unknown option", "loaders:\n  - name: a\n    connector: http\n    lands: {source: s, table: t}\n    options:\n      base_url: http://x\n      paginate: {style: cursor, cursor_path: n, cursr_param: c}\n", `loaders/test.yml:7:49: unknown option "cursr_param"`},
		{"bad style", "loaders:\n  - name: a\n    connector: http\n    lands: {source: s, table: t}\n    options: {base_url: http://x, paginate: {style: pages}}\n", `option style cannot be "pages"`},
		{"no base_url", "loaders:\n  - name: a\n    connector: http\n    lands: {source: s, table: t}\n", "the http connector needs base_url"},
		{"bad url", "loaders:\n  - name: a\n    connector: http\n    lands: {source: s, table: t}\n    options: {base_url: ftp://x}\n", `base_url "ftp://x" is not an http(s) URL`},
		{"bad duration", "loaders:\n  - name: a\n    connector: http\n    lands: {source: s, table: t}\n    options: {base_url: http://x, timeout: 5}\n", "option timeout must be a duration"},
		{"zero timeout", "loaders:\n  - name: a\n    connector: http\n    lands: {source: s, table: t}\n    options:\n      base_url: http://x\n      timeout: 0s\n", `loaders/test.yml:7:16: option timeout must be a duration longer than 0s, not "0s"`},
		{"zero attempts", "loaders:\n  - name: a\n    connector: http\n    lands: {source: s, table: t}\n    options:\n      base_url: http://x\n      retries: {max_attempts: 0}\n", `loaders/test.yml:7:31: option max_attempts must be a whole number of at least 1, not "0"`},
		{"postgres both", "loaders:\n  - name: a\n    connector: postgres\n    lands: {source: s, table: t}\n    options: {dsn_env: X, table: a, query: select 1}\n", "needs exactly one of table and query"},
		{"bad delimiter", "loaders:\n  - name: a\n    connector: files\n    lands: {source: s, table: t}\n    options: {path: a.csv, delimiter: ab}\n", "delimiter must be one character"},
		{"unknown format", "loaders:\n  - name: a\n    connector: files\n    lands: {source: s, table: t}\n    options: {path: a.xlsx}\n", `cannot tell the format of "a.xlsx"`},
		{"bad yaml", "loaders:\n  - name: [\n", "loaders/test.yml:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var diags diag.List
			parseFile("loaders/test.yml", []byte(tc.src), nil, &diags)
			if !diags.HasErrors() {
				t.Fatal("want an error")
			}
			if got := diags.Err().Error(); !strings.Contains(got, tc.want) {
				t.Fatalf("want %q in:\n%s", tc.want, got)
			}
			for _, d := range diags {
				if d.Pos.Line == 0 {
					t.Errorf("an error without a position: %v", d)
				}
			}
		})
	}
}

// Auth comes from environment variables: bearer, basic, and an API key
// in a header or the query string; a missing variable is an error naming
// the option's line.
func TestHTTPAuthAndRateLimit(t *testing.T) {
	var got atomic.Value
	var calls atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		got.Store(r.Header.Get("Authorization") + "|" + r.Header.Get("X-Key") + "|" + r.URL.Query().Get("key"))
		page := r.URL.Query().Get("page")
		if page == "6" {
			fmt.Fprint(w, `[]`)
			return
		}
		fmt.Fprintf(w, `[{"id": %s}]`, page)
	}))
	defer ts.Close()
	env := map[string]string{"TOKEN": "t0k", "USER": "u", "PASS": "p", "KEY": "k3y"}
	cases := []struct{ auth, want string }{
		{"{type: bearer, token_env: TOKEN}", "Bearer t0k||"},
		{"{type: basic, username_env: USER, password_env: PASS}", "Basic " + base64.StdEncoding.EncodeToString([]byte("u:p")) + "||"},
		{"{type: api_key, name: X-Key, value_env: KEY}", "|k3y|"},
		{"{type: api_key, name: key, in: query, value_env: KEY}", "||k3y"},
	}
	for _, tc := range cases {
		l := parseOne(t, fmt.Sprintf("loaders:\n  - name: a\n    connector: http\n    lands: {source: raw, table: t}\n    options:\n      base_url: %s\n      auth: %s\n      paginate: {style: page_number}\n      rps: 20\n", ts.URL, tc.auth), env)
		a := openDuck(t, "")
		calls.Store(0)
		start := time.Now()
		res := Run(context.Background(), a, l, duckRel(a, "t"), RunOptions{})
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		if g := got.Load().(string); g != tc.want {
			t.Errorf("%s: server saw %q, want %q", tc.auth, g, tc.want)
		}
		// 6 requests at 20 per second take at least 250ms.
		if el := time.Since(start); calls.Load() != 6 || el < 250*time.Millisecond {
			t.Errorf("rps 20: %d requests in %v", calls.Load(), el)
		}
	}
	l := parseOne(t, fmt.Sprintf("loaders:\n  - name: a\n    connector: http\n    lands: {source: raw, table: t}\n    options:\n      base_url: %s\n      auth: {type: bearer, token_env: NOPE}\n", ts.URL), env)
	a := openDuck(t, "")
	res := Run(context.Background(), a, l, duckRel(a, "t"), RunOptions{})
	if res.Err == nil || strings.Contains(res.Err.Error(), "attempts") || !strings.Contains(res.Err.Error(), "loaders/test.yml:7:39: environment variable NOPE (option token_env) is not set") {
		t.Fatalf("want a positioned error for the missing variable, got %v", res.Err)
	}
}

// An API key sent in the query string never shows in an error.
func TestHTTPErrorsHideQueryKey(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(200 * time.Millisecond)
	}))
	defer ts.Close()
	l := parseOne(t, fmt.Sprintf("loaders:\n  - name: a\n    connector: http\n    lands: {source: raw, table: t}\n    options:\n      base_url: %s\n      auth: {type: api_key, name: key, in: query, value_env: KEY}\n      timeout: 20ms\n      retries: {max_attempts: 2, base_delay: 1ms, max_delay: 2ms}\n", ts.URL), map[string]string{"KEY": "sekr1t"})
	a := openDuck(t, "")
	res := Run(context.Background(), a, l, duckRel(a, "t"), RunOptions{})
	if res.Err == nil || !strings.Contains(res.Err.Error(), "gave up after 2 attempts") {
		t.Fatalf("want a timeout failure, got %v", res.Err)
	}
	if strings.Contains(res.Err.Error(), "sekr1t") {
		t.Fatalf("the error shows the key: %v", res.Err)
	}
	if !strings.Contains(res.Err.Error(), "no response within 20ms (option timeout)") {
		t.Fatalf("the error does not name the timeout option: %v", res.Err)
	}
}

// One attempt is reported as the one attempt made, not as max_attempts.
func TestHTTPGaveUpCountsAttempts(t *testing.T) {
	var calls atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer ts.Close()
	l := parseOne(t, fmt.Sprintf("loaders:\n  - name: a\n    connector: http\n    lands: {source: raw, table: t}\n    options:\n      base_url: %s\n      retries: {max_attempts: 1}\n", ts.URL), nil)
	a := openDuck(t, "")
	res := Run(context.Background(), a, l, duckRel(a, "t"), RunOptions{})
	if res.Err == nil || !strings.Contains(res.Err.Error(), "gave up after 1 attempt: HTTP 503") || calls.Load() != 1 {
		t.Fatalf("want one attempt reported, got %d requests and %v", calls.Load(), res.Err)
	}
}

// A files loader reading object storage shares DuckDB's credentials with
// any other such loader; other loaders share nothing.
func TestLoaderShares(t *testing.T) {
	for src, want := range map[string]string{
		"loaders:\n  - name: f\n    connector: files\n    lands: {source: raw, table: t}\n    options:\n      path: s3://bucket/x/*.csv\n":            "object storage",
		"loaders:\n  - name: f\n    connector: files\n    lands: {source: raw, table: t}\n    options:\n      path: [data/a.csv, gs://b/y.parquet]\n": "object storage",
		"loaders:\n  - name: f\n    connector: files\n    lands: {source: raw, table: t}\n    options:\n      path: data/*.csv\n":                     "",
		"loaders:\n  - name: h\n    connector: http\n    lands: {source: raw, table: t}\n    options:\n      base_url: https://s3.example.com\n":      "",
	} {
		if got := parseOne(t, src, nil).Shares(); got != want {
			t.Errorf("Shares() = %q, want %q for\n%s", got, want, src)
		}
	}
}

// Every credential a loader reads from the environment is one of its
// SecretValues (with the password inside a DSN), and Run scrubs them from
// its error and from _elt_loads.error_message even when the caller gives
// no secrets.
func TestLoaderSecretValues(t *testing.T) {
	env := map[string]string{"TOKEN": "tok-abcdef", "USER": "someone", "PASS": "pa55word!", "KEY": "k3y-value",
		"URL": "postgres://u:urlpass99@db.example:5432/x", "KV": "host=db user=u password=kvpass99 dbname=x",
		"KID": "AKIAEXAMPLE", "SEC": "s3cr3t-key", "AWS_SECRET_ACCESS_KEY": "aws-default-secret"}
	cases := []struct {
		options, connector string
		want               []string
	}{
		{"base_url: http://x\n      auth: {type: bearer, token_env: TOKEN}", "http", []string{"tok-abcdef"}},
		{"base_url: http://x\n      auth: {type: basic, username_env: USER, password_env: PASS}", "http", []string{"pa55word!"}},
		{"base_url: http://x\n      auth: {type: api_key, value_env: KEY}", "http", []string{"k3y-value"}},
		{"dsn_env: URL\n      table: t", "postgres", []string{env["URL"], "urlpass99"}},
		{"dsn_env: KV\n      table: t", "postgres", []string{env["KV"], "kvpass99"}},
		{"path: s3://b/x.csv\n      credentials: {key_id_env: KID, secret_env: SEC}", "files", []string{"AKIAEXAMPLE", "s3cr3t-key"}},
		{"path: s3://b/x.csv", "files", []string{"aws-default-secret"}},
		{"path: data/x.csv", "files", nil},
	}
	for _, tc := range cases {
		l := parseOne(t, fmt.Sprintf("loaders:\n  - name: a\n    connector: %s\n    lands: {source: raw, table: t}\n    options:\n      %s\n", tc.connector, tc.options), env)
		if got := l.SecretValues(); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: SecretValues() = %q, want %q", tc.options, got, tc.want)
		}
	}

	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, "no access for %s", r.Header.Get("Authorization"))
	}))
	defer ts.Close()
	l := parseOne(t, fmt.Sprintf("loaders:\n  - name: a\n    connector: http\n    lands: {source: raw, table: t}\n    options:\n      base_url: %s\n      auth: {type: bearer, token_env: TOKEN}\n", ts.URL), env)
	a := openDuck(t, "")
	res := Run(context.Background(), a, l, duckRel(a, "t"), RunOptions{})
	if res.Err == nil || strings.Contains(res.Err.Error(), "tok-abcdef") || !strings.Contains(res.Err.Error(), "no access for Bearer *****") {
		t.Fatalf("want the 403 with the token masked, got %v", res.Err)
	}
	r, err := a.Query(context.Background(), "select error_message from raw._elt_loads")
	if err != nil {
		t.Fatal(err)
	}
	if msg := str(r.Rows[0][0]); strings.Contains(msg, "tok-abcdef") || !strings.Contains(msg, "Bearer *****") {
		t.Fatalf("_elt_loads.error_message = %q", msg)
	}
}

// A key written twice in a loader file keeps its last value (options
// included), as in dbt's YAML files, with a warning naming both lines.
func TestLoaderDuplicateKeys(t *testing.T) {
	src := `loaders:
  - name: a
    connector: files
    lands: {source: raw, table: t}
    write_disposition: append
    write_disposition: merge
    primary_key: [x, y]
    primary_key: [id]
    options:
      path: data/nonexistent.csv
      delimiter: ";"
      path: data/customers.csv
`
	var diags diag.List
	ls := parseFile("loaders/test.yml", []byte(src), nil, &diags)
	if diags.HasErrors() || len(ls) != 1 {
		t.Fatalf("parse: %v", diags.Err())
	}
	l := ls[0]
	if got := l.Conn.(*files).paths; fmt.Sprint(got) != "[data/customers.csv]" {
		t.Errorf("path %v, want the last value data/customers.csv", got)
	}
	if l.Disposition != Merge || fmt.Sprint(l.PrimaryKey) != "[id]" {
		t.Errorf("write_disposition %s, primary_key %v: want merge on [id]", l.Disposition, l.PrimaryKey)
	}
	var got []string
	for _, w := range diags.Warnings() {
		got = append(got, strings.SplitN(w.Error(), "\n", 2)[0])
	}
	want := []string{
		"loaders/test.yml:6:5: warning: write_disposition is set twice (first at line 5); the value at line 6 is used",
		"loaders/test.yml:8:5: warning: primary_key is set twice (first at line 7); the value at line 8 is used",
		"loaders/test.yml:12:7: warning: path is set twice (first at line 10); the value at line 12 is used",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("warnings\n got %q\nwant %q", got, want)
	}
}

// A merge whose primary_key names a column the data does not have stops
// on the first load, at primary_key's line, and lands nothing: through
// DuckDB's own reader (files) and page by page (http).
func TestMergeKeyNotInData(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/rows.csv"
	if err := os.WriteFile(path, []byte("id,v\n1,a\n2,b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `[{"id": 1, "v": "a"}, {"id": 2, "v": "b"}]`)
	}))
	defer ts.Close()
	for _, conn := range []string{"files", "http"} {
		t.Run(conn, func(t *testing.T) {
			opt := "path: " + path
			if conn == "http" {
				opt = "base_url: " + ts.URL
			}
			l := parseOne(t, fmt.Sprintf("loaders:\n  - name: m\n    connector: %s\n    lands: {source: raw, table: t}\n    write_disposition: merge\n    primary_key: [k1, id]\n    options:\n      %s\n", conn, opt), nil)
			a := openDuck(t, "")
			for load := 1; load <= 2; load++ {
				res := Run(context.Background(), a, l, duckRel(a, "t"), RunOptions{})
				want := `loaders/test.yml:6:18: primary_key column "k1" is not in the data of loader m (its columns: id, v)`
				if res.Err == nil || !strings.Contains(res.Err.Error(), want) {
					t.Fatalf("load %d: want %q, got %v", load, want, res.Err)
				}
			}
			if n := queryInt(t, a, "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = 't'"); n != 0 {
				t.Fatalf("the failed merge created raw.t")
			}
		})
	}
}
