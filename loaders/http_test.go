package loaders

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// api is a real HTTP server holding records with ids 1..n, served in
// every pagination style, with chaos: random 500s, a 429 with
// Retry-After, and requests that hang past the client's timeout.
type api struct {
	mu       sync.Mutex
	n        int
	rng      *rand.Rand
	chaos    bool
	requests int
	served   map[int]int // id -> times sent in a successful response
	// retryAt is the request number answered 429 with Retry-After: 1.
	retryAt   int
	retryTime time.Time
	afterWait time.Duration
	// onPage, when set, is called before page number page is answered;
	// set under mu once the server runs.
	onPage func(page int)
}

func newAPI(n int, chaos bool) *api {
	return &api{n: n, chaos: chaos, rng: rand.New(rand.NewPCG(1, 2)), served: map[int]int{}, retryAt: -1}
}

func (s *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	req := s.requests
	if !s.retryTime.IsZero() && s.afterWait == 0 {
		s.afterWait = time.Since(s.retryTime)
	}
	if req == s.retryAt {
		s.retryTime = time.Now()
		s.mu.Unlock()
		w.Header().Set("Retry-After", "1")
		http.Error(w, "slow down", http.StatusTooManyRequests)
		return
	}
	roll := 1.0
	if s.chaos {
		roll = s.rng.Float64()
	}
	s.mu.Unlock()
	switch {
	case roll < 0.10:
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	case roll < 0.13:
		select { // longer than the client's timeout
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
		return
	}
	q := r.URL.Query()
	since, _ := strconv.Atoi(q.Get("since"))
	size := 7
	from := since + 1 // first id of this page
	page := 0
	switch r.URL.Path {
	case "/page":
		page, _ = strconv.Atoi(q.Get("page"))
		from = since + 1 + (page-1)*size
	case "/offset":
		off, _ := strconv.Atoi(q.Get("offset"))
		size, _ = strconv.Atoi(q.Get("limit"))
		from = since + 1 + off
		page = off/size + 1
	case "/cursor", "/next", "/link":
		if c := q.Get("after"); c != "" {
			from, _ = strconv.Atoi(c)
			from++
		}
		page = (from-since-1)/size + 1
	}
	s.mu.Lock()
	onPage := s.onPage
	s.mu.Unlock()
	if onPage != nil {
		onPage(page)
	}
	s.mu.Lock()
	n := s.n
	var recs []any
	for id := from; id < from+size && id <= n; id++ {
		recs = append(recs, map[string]any{"id": id, "name": fmt.Sprintf("r%d", id),
			"customer": map[string]any{"id": id % 5, "tier": "gold"}, "tags": []any{"a", id}})
		s.served[id]++
	}
	s.mu.Unlock()
	last := from + len(recs) - 1
	more := last < n && len(recs) > 0
	body := map[string]any{"data": recs}
	nextQ := fmt.Sprintf("since=%d&after=%d", since, last)
	switch r.URL.Path {
	case "/cursor":
		if more {
			body["meta"] = map[string]any{"next_cursor": strconv.Itoa(last)}
		} else {
			body["meta"] = map[string]any{"next_cursor": nil}
		}
	case "/next":
		if more {
			body["links"] = map[string]any{"next": "/next?" + nextQ}
		}
	case "/link":
		if more {
			w.Header().Set("Link", fmt.Sprintf(`</link?%s>; rel="next", </link>; rel="first"`, nextQ))
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

func (s *api) add(k int) {
	s.mu.Lock()
	s.n += k
	s.mu.Unlock()
}

func (s *api) servedOld(upTo int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := 0
	for id, times := range s.served {
		if id <= upTo {
			c += times
		}
	}
	return c
}

func (s *api) resetServed() {
	s.mu.Lock()
	s.served = map[int]int{}
	s.mu.Unlock()
}

func httpLoaderYAML(url, path, paginate string) string {
	return fmt.Sprintf(`loaders:
  - name: api_orders
    connector: http
    lands: {source: raw, table: orders}
    write_disposition: append
    options:
      base_url: %s
      path: %s
      records_path: data
      paginate: %s
      incremental: {cursor_field: id, param: since}
      timeout: 150ms
      retries: {max_attempts: 30, base_delay: 1ms, max_delay: 20ms}
`, url, path, paginate)
}

var styles = []struct{ name, path, paginate string }{
	{"page_number", "/page", "{style: page_number, page_param: page, start: 1}"},
	{"offset", "/offset", "{style: offset, offset_param: offset, limit_param: limit, limit: 9}"},
	{"cursor", "/cursor", "{style: cursor, cursor_path: meta.next_cursor, cursor_param: after}"},
	{"next_url", "/next", "{style: next_url, next_url_path: links.next}"},
	{"link_header", "/link", "{style: link_header}"},
}

// Every pagination style, against a server that fails at random, rate
// limits and times out: every row lands exactly once, and an incremental
// rerun fetches only the new rows.
func TestHTTPEveryPaginationStyleExactlyOnce(t *testing.T) {
	for _, st := range styles {
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			srv := newAPI(100, true)
			srv.retryAt = 3
			ts := httptest.NewServer(srv)
			defer ts.Close()
			l := parseOne(t, httpLoaderYAML(ts.URL, st.path, st.paginate), nil)
			a := openDuck(t, "")
			rel := duckRel(a, "orders")
			res := Run(ctx, a, l, rel, RunOptions{})
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if got := queryInt(t, a, "select count(*) from raw.orders"); got != 100 {
				t.Fatalf("rows: want 100, got %d", got)
			}
			if got := queryInt(t, a, "select count(distinct id) from raw.orders"); got != 100 {
				t.Fatalf("distinct ids: want 100, got %d", got)
			}
			if srv.afterWait < time.Second {
				t.Fatalf("the request after a 429 with Retry-After: 1 came %v later, want at least 1s", srv.afterWait)
			}
			// Nested objects flattened, arrays kept as JSON.
			if got := queryInt(t, a, "select count(*) from raw.orders where customer__tier = 'gold' and customer__id = id % 5 and tags = '[\"a\",' || id || ']'"); got != 100 {
				t.Fatalf("flattened rows: want 100, got %d", got)
			}
			// Incremental: 23 new records; the rerun asks only for them.
			srv.add(23)
			srv.resetServed()
			res = Run(ctx, a, l, rel, RunOptions{})
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if old := srv.servedOld(100); old != 0 {
				t.Fatalf("the incremental rerun fetched %d old records again", old)
			}
			if got := queryInt(t, a, "select count(*) from raw.orders"); got != 123 {
				t.Fatalf("rows after rerun: want 123, got %d", got)
			}
			if got := queryInt(t, a, "select count(distinct id) from raw.orders"); got != 123 {
				t.Fatalf("distinct ids after rerun: want 123, got %d", got)
			}
			if got := queryInt(t, a, "select count(*) from raw._elt_loads where status = 'success' and cursor_value = '123'"); got != 1 {
				t.Fatalf("want the second load recorded with cursor 123, got %d such loads", got)
			}
			if got := queryInt(t, a, "select count(distinct _elt_load_id) from raw.orders"); got != 2 {
				t.Fatalf("want rows of 2 loads, got %d", got)
			}
		})
	}
}

// The engine compares an API's cursor values exactly: integers past
// float64's precision, decimals, and RFC 3339 times with and without a
// fraction as times, never as bytes ('.' sorts before 'Z').
func TestCursorLess(t *testing.T) {
	cases := []struct {
		a, b string
		less bool
	}{
		{"9007199254740992", "9007199254740993", true},
		{"9007199254740993", "9007199254740992", false},
		{"18446744073709551616", "18446744073709551617", true},
		{"9", "10", true},
		{"-1", "0.5", true},
		{"0.30000000000000000001", "0.3", false},
		{"0.3", "0.30000000000000000001", true},
		{"1e+21", "1000000000000000000001", true},
		{"2024-01-01T00:00:00Z", "2024-01-01T00:00:00.5Z", true},
		{"2024-01-01T00:00:00.5Z", "2024-01-01T00:00:00Z", false},
		{"2024-01-01T01:00:00+02:00", "2024-01-01T00:00:00Z", true},
		{"2024-01-01 00:00:00.25Z", "2024-01-01T00:00:00.3Z", true},
		{"apple", "banana", true},
		{"1e999999999", "2", true}, // not read as a number: text order
	}
	for _, c := range cases {
		if got := cursorLess(c.a, c.b); got != c.less {
			t.Errorf("cursorLess(%q, %q) = %v, want %v", c.a, c.b, got, c.less)
		}
	}
}

// An API whose times omit a zero fraction (Go's RFC3339Nano and many
// others) is asked, on the next load, for what comes after its latest
// record, so that record is not landed again.
func TestHTTPIncrementalCursorTimes(t *testing.T) {
	recs := []map[string]any{
		{"id": 1, "updated_at": "2024-01-01T00:00:00.5Z"},
		{"id": 2, "updated_at": "2024-01-01T00:00:00Z"},
	}
	var (
		mu     sync.Mutex
		sinces []string
	)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		since := r.URL.Query().Get("since")
		mu.Lock()
		sinces = append(sinces, since)
		mu.Unlock()
		var out []map[string]any
		for _, rec := range recs {
			at, _ := time.Parse(time.RFC3339Nano, rec["updated_at"].(string))
			if s, err := time.Parse(time.RFC3339Nano, since); since == "" || err == nil && at.After(s) {
				out = append(out, rec)
			}
		}
		_ = json.NewEncoder(w).Encode(out)
	}))
	defer ts.Close()
	l := parseOne(t, fmt.Sprintf("loaders:\n  - name: a\n    connector: http\n    lands: {source: raw, table: t}\n    options:\n      base_url: %s\n      incremental: {cursor_field: updated_at, param: since}\n", ts.URL), nil)
	a := openDuck(t, "")
	for load := 1; load <= 2; load++ {
		res := Run(context.Background(), a, l, duckRel(a, "t"), RunOptions{})
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		if res.Cursor != "2024-01-01T00:00:00.5Z" {
			t.Fatalf("load %d: cursor %q, want the latest time 2024-01-01T00:00:00.5Z", load, res.Cursor)
		}
	}
	if n := queryInt(t, a, "select count(*) from raw.t"); n != 2 {
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("two loads landed %d rows, want 2 (requests with since=%q)", n, sinces)
	}
}
