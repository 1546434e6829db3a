package loaders

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// httpAPI lands records from a REST/JSON API, page by page.
type httpAPI struct {
	baseURL, path   string
	params, headers map[string]string
	authType        string
	token           func() (string, error)
	username        func() (string, error)
	password        func() (string, error)
	keyValue        func() (string, error)
	keyName, keyIn  string
	recordsPath     []string

	style                                           string
	pageParam, sizeParam, offsetParam, limitParam   string
	start, size                                     int
	cursorPath, cursorParam, nextURLPath, totalPath string

	cursorField, sinceParam, initial string

	maxAttempts         int
	baseDelay, maxDelay time.Duration
	timeout             time.Duration
	rps                 float64

	nestedTables bool

	client *http.Client
	// sleep waits d or until ctx ends; tests may replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

func newHTTP(o *Options) Connector {
	h := &httpAPI{}
	h.baseURL = o.String("base_url", "")
	if h.baseURL == "" {
		o.errAt(nil, "add base_url: https://api.example.com", "the http connector needs base_url")
	} else if u, err := url.Parse(h.baseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		o.errAt(o.get("base_url"), "write an http:// or https:// URL", "base_url %q is not an http(s) URL", h.baseURL)
	}
	h.path = o.String("path", "")
	h.params = o.Map("params")
	h.headers = o.Map("headers")
	if rp := o.String("records_path", ""); rp != "" {
		h.recordsPath = strings.Split(rp, ".")
	}
	if a := o.Sub("auth"); a != nil {
		h.authType = a.OneOf("type", "", "bearer", "basic", "api_key")
		switch h.authType {
		case "bearer":
			h.token = a.SecretEnvName("token_env")
			if h.token == nil {
				a.errAt(nil, "add token_env: API_TOKEN (the environment variable holding the token)", "bearer auth needs token_env")
			}
		case "basic":
			h.username, h.password = a.EnvName("username_env"), a.SecretEnvName("password_env")
			if h.username == nil || h.password == nil {
				a.errAt(nil, "add username_env and password_env", "basic auth needs username_env and password_env")
			}
		case "api_key":
			h.keyValue = a.SecretEnvName("value_env")
			h.keyName = a.String("name", "X-API-Key")
			h.keyIn = a.OneOf("in", "header", "header", "query")
			if h.keyValue == nil {
				a.errAt(nil, "add value_env: API_KEY", "api_key auth needs value_env")
			}
		case "":
			a.errAt(nil, "add type: bearer, basic or api_key", "auth needs a type")
		}
	}
	h.style = "none"
	if p := o.Sub("paginate"); p != nil {
		h.style = p.OneOf("style", "", "page_number", "offset", "cursor", "next_url", "link_header")
		switch h.style {
		case "page_number":
			h.pageParam = p.String("page_param", "page")
			h.start = p.Int("start", 1)
			h.sizeParam = p.String("size_param", "")
			h.size = p.Int("size", 0)
			h.totalPath = p.String("total_pages_path", "")
		case "offset":
			h.offsetParam = p.String("offset_param", "offset")
			h.limitParam = p.String("limit_param", "limit")
			h.size = p.Int("limit", 100)
		case "cursor":
			h.cursorPath = p.String("cursor_path", "")
			h.cursorParam = p.String("cursor_param", "cursor")
			if h.cursorPath == "" {
				p.errAt(nil, "add cursor_path: meta.next_cursor", "cursor pagination needs cursor_path")
			}
		case "next_url":
			h.nextURLPath = p.String("next_url_path", "")
			if h.nextURLPath == "" {
				p.errAt(nil, "add next_url_path: next", "next_url pagination needs next_url_path")
			}
		case "link_header":
		case "":
			p.errAt(nil, "add style: page_number, offset, cursor, next_url or link_header", "paginate needs a style")
		}
	}
	if inc := o.Sub("incremental"); inc != nil {
		h.cursorField = inc.String("cursor_field", "")
		h.sinceParam = inc.String("param", "")
		h.initial = inc.String("initial_value", "")
		if h.cursorField == "" || h.sinceParam == "" {
			inc.errAt(nil, "write incremental: {cursor_field: updated_at, param: since}", "incremental needs cursor_field and param")
		}
	}
	h.maxAttempts, h.baseDelay, h.maxDelay = 8, 200*time.Millisecond, 30*time.Second
	if r := o.Sub("retries"); r != nil {
		h.maxAttempts = r.PositiveInt("max_attempts", h.maxAttempts)
		h.baseDelay = r.Duration("base_delay", h.baseDelay)
		h.maxDelay = r.Duration("max_delay", h.maxDelay)
	}
	h.nestedTables = o.OneOf("nested_arrays", "json", "json", "table") == "table"
	h.timeout = o.PositiveDuration("timeout", 30*time.Second)
	h.rps = o.Float("rps", 0)
	h.client = &http.Client{}
	h.sleep = sleepCtx
	return h
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (h *httpAPI) CursorField() string { return h.cursorField }
func (h *httpAPI) Resumable() bool     { return true }

// NestedTables says nested arrays land in child tables (nested_arrays: table).
func (h *httpAPI) NestedTables() bool { return h.nestedTables }

// checkpoint is where a load resumes: the next request and the page
// counters, or done after the last page.
type checkpoint struct {
	Next   string `json:"next,omitempty"`
	Page   int    `json:"page,omitempty"`
	Offset int    `json:"offset,omitempty"`
	Done   bool   `json:"done,omitempty"`
}

func (h *httpAPI) firstURL(st State) (string, error) {
	u, err := url.Parse(strings.TrimRight(h.baseURL, "/") + "/" + strings.TrimLeft(h.path, "/"))
	if h.path == "" {
		u, err = url.Parse(h.baseURL)
	}
	if err != nil {
		return "", err
	}
	q := u.Query()
	for k, v := range h.params {
		q.Set(k, v)
	}
	if h.sinceParam != "" {
		since := st.Cursor
		if since == "" {
			since = h.initial
		}
		if since != "" {
			q.Set(h.sinceParam, since)
		}
	}
	switch h.style {
	case "page_number":
		q.Set(h.pageParam, strconv.Itoa(h.start))
		if h.sizeParam != "" && h.size > 0 {
			q.Set(h.sizeParam, strconv.Itoa(h.size))
		}
	case "offset":
		q.Set(h.offsetParam, "0")
		q.Set(h.limitParam, strconv.Itoa(h.size))
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func setParam(raw, key, val string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	q.Set(key, val)
	u.RawQuery = q.Encode()
	return u.String()
}

func (h *httpAPI) Extract(ctx context.Context, st State, emit func(Page) error) error {
	// Credentials are read before the first request: a missing variable
	// is the user's to fix, not a failure to retry.
	if req, err := http.NewRequest(http.MethodGet, h.baseURL, nil); err == nil {
		if err := h.authorize(req); err != nil {
			return err
		}
	}
	cp := checkpoint{Page: h.start}
	if st.Checkpoint != "" {
		if err := json.Unmarshal([]byte(st.Checkpoint), &cp); err != nil {
			return fmt.Errorf("bad checkpoint %q: %w", st.Checkpoint, err)
		}
		if cp.Done {
			return nil
		}
	} else {
		first, err := h.firstURL(st)
		if err != nil {
			return err
		}
		cp.Next = first
	}
	// Pages are fetched one ahead of the page being landed, so the
	// network and the warehouse work at once; at most two pages are held.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type fetched struct {
		page Page
		done bool
		err  error
	}
	ch := make(chan fetched, 1)
	go func() {
		defer close(ch)
		lim := &limiter{rps: h.rps}
		for {
			page, next, err := h.page(ctx, lim, cp)
			select {
			case ch <- fetched{page: page, done: next.Done, err: err}:
			case <-ctx.Done():
				return
			}
			if err != nil || next.Done {
				return
			}
			cp = next
		}
	}()
	for f := range ch {
		if f.err != nil {
			return f.err
		}
		if len(f.page.Records) > 0 || f.done {
			if err := emit(f.page); err != nil {
				return err
			}
		}
		if f.done {
			return nil
		}
	}
	return ctx.Err()
}

// page fetches and parses the page at cp and works out the next one.
func (h *httpAPI) page(ctx context.Context, lim *limiter, cp checkpoint) (Page, checkpoint, error) {
	body, hdr, requests, err := h.fetch(ctx, lim, cp.Next)
	if err != nil {
		return Page{}, cp, err
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return Page{}, cp, fmt.Errorf("GET %s: response is not JSON: %w", redact(cp.Next), err)
	}
	recs, err := h.records(doc)
	if err != nil {
		return Page{}, cp, fmt.Errorf("GET %s: %w", redact(cp.Next), err)
	}
	next := h.next(cp, doc, hdr, len(recs))
	b, _ := json.Marshal(next)
	return Page{Records: recs, Checkpoint: string(b), Requests: requests}, next, nil
}

// next works out the following request from this page.
func (h *httpAPI) next(cp checkpoint, doc any, hdr http.Header, n int) checkpoint {
	done := checkpoint{Done: true}
	switch h.style {
	case "page_number":
		if n == 0 || (h.size > 0 && n < h.size) {
			return done
		}
		if h.totalPath != "" {
			if t, ok := lookup(doc, strings.Split(h.totalPath, ".")); ok {
				if total, err := strconv.Atoi(fmt.Sprint(t)); err == nil && cp.Page >= total {
					return done
				}
			}
		}
		cp.Page++
		cp.Next = setParam(cp.Next, h.pageParam, strconv.Itoa(cp.Page))
	case "offset":
		if n == 0 || n < h.size {
			return done
		}
		cp.Offset += n
		cp.Next = setParam(cp.Next, h.offsetParam, strconv.Itoa(cp.Offset))
	case "cursor":
		c, ok := lookup(doc, strings.Split(h.cursorPath, "."))
		if !ok || c == nil || fmt.Sprint(c) == "" || n == 0 {
			return done
		}
		cp.Next = setParam(cp.Next, h.cursorParam, fmt.Sprint(c))
	case "next_url":
		u, ok := lookup(doc, strings.Split(h.nextURLPath, "."))
		if !ok || u == nil || fmt.Sprint(u) == "" {
			return done
		}
		cp.Next = resolveURL(cp.Next, fmt.Sprint(u))
	case "link_header":
		u := linkNext(hdr.Values("Link"))
		if u == "" {
			return done
		}
		cp.Next = resolveURL(cp.Next, u)
	default:
		return done
	}
	return cp
}

func resolveURL(base, ref string) string {
	b, err := url.Parse(base)
	if err != nil {
		return ref
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return b.ResolveReference(r).String()
}

// linkNext finds rel="next" in Link headers (RFC 8288).
func linkNext(values []string) string {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			segs := strings.Split(part, ";")
			if len(segs) < 2 {
				continue
			}
			target := strings.TrimSpace(segs[0])
			if !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			for _, p := range segs[1:] {
				p = strings.TrimSpace(p)
				if strings.EqualFold(strings.ReplaceAll(p, `"`, ""), "rel=next") {
					return target[1 : len(target)-1]
				}
			}
		}
	}
	return ""
}

func lookup(doc any, path []string) (any, bool) {
	cur := doc
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func (h *httpAPI) records(doc any) ([]Record, error) {
	v := doc
	if len(h.recordsPath) > 0 {
		var ok bool
		if v, ok = lookup(doc, h.recordsPath); !ok {
			return nil, fmt.Errorf("no %s in the response", strings.Join(h.recordsPath, "."))
		}
	}
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		if len(h.recordsPath) == 0 {
			return nil, errors.New("the response is not a list of records; set records_path to where they are")
		}
		return nil, fmt.Errorf("%s is not a list", strings.Join(h.recordsPath, "."))
	}
	out := make([]Record, 0, len(list))
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			m = map[string]any{"value": item}
		}
		out = append(out, m)
	}
	return out, nil
}

// limiter spaces requests at most rps per second.
type limiter struct {
	mu   sync.Mutex
	rps  float64
	next time.Time
}

func (l *limiter) wait(ctx context.Context, sleep func(context.Context, time.Duration) error) error {
	if l.rps <= 0 {
		return nil
	}
	l.mu.Lock()
	now := time.Now()
	at := l.next
	if at.Before(now) {
		at = now
	}
	l.next = at.Add(time.Duration(float64(time.Second) / l.rps))
	l.mu.Unlock()
	if d := time.Until(at); d > 0 {
		return sleep(ctx, d)
	}
	return nil
}

// statusError is a response that is not 2xx.
type statusError struct {
	code int
	body string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("HTTP %d: %s", e.code, e.body)
}

const maxRetryAfter = 10 * time.Minute

// fetch GETs u, retrying timeouts, connection errors, 5xx and 429 with
// exponential backoff and full jitter, honouring Retry-After.
func (h *httpAPI) fetch(ctx context.Context, lim *limiter, u string) ([]byte, http.Header, int, error) {
	var last error
	attempts := max(1, h.maxAttempts)
	for attempt := 0; attempt < attempts; attempt++ {
		if err := lim.wait(ctx, h.sleep); err != nil {
			return nil, nil, attempt, err
		}
		body, hdr, retryAfter, err := h.once(ctx, u)
		if err == nil {
			return body, hdr, attempt + 1, nil
		}
		if ctx.Err() != nil {
			return nil, nil, attempt + 1, ctx.Err()
		}
		var se *statusError
		if errors.As(err, &se) && se.code != http.StatusTooManyRequests && se.code < 500 {
			return nil, nil, attempt + 1, fmt.Errorf("GET %s: %w", redact(u), err)
		}
		last = err
		// The server's Retry-After wins over our backoff (capped, so a
		// bad header cannot stall a load for days).
		d := min(retryAfter, maxRetryAfter)
		if d <= 0 {
			backoff := h.baseDelay << attempt
			if backoff > h.maxDelay || backoff <= 0 {
				backoff = h.maxDelay
			}
			d = time.Duration(rand.Int64N(int64(backoff) + 1))
		}
		if err := h.sleep(ctx, d); err != nil {
			return nil, nil, attempt + 1, err
		}
	}
	return nil, nil, attempts, fmt.Errorf("GET %s: gave up after %d %s: %w", redact(u), attempts, plural(attempts, "attempt", "attempts"), last)
}

func (h *httpAPI) once(ctx context.Context, u string) ([]byte, http.Header, time.Duration, error) {
	rctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, 0, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "elt-loader")
	for k, v := range h.headers {
		req.Header.Set(k, v)
	}
	if err := h.authorize(req); err != nil {
		return nil, nil, 0, err
	}
	resp, err := h.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = redact(ue.URL) // it may carry an API key
		}
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			// The request's own deadline, not the load's: name the option.
			return nil, nil, 0, fmt.Errorf("no response within %s (option timeout): %w", h.timeout, err)
		}
		return nil, nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, 0, err
	}
	if resp.StatusCode/100 != 2 {
		snippet := string(body)
		if len(snippet) > 200 {
			snippet = snippet[:200]
		}
		return nil, nil, retryAfter(resp.Header.Get("Retry-After")), &statusError{code: resp.StatusCode, body: snippet}
	}
	return body, resp.Header, 0, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// retryAfter reads Retry-After as seconds or an HTTP date.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}

func (h *httpAPI) authorize(req *http.Request) error {
	switch h.authType {
	case "bearer":
		t, err := h.token()
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+t)
	case "basic":
		u, err := h.username()
		if err != nil {
			return err
		}
		p, err := h.password()
		if err != nil {
			return err
		}
		req.SetBasicAuth(u, p)
	case "api_key":
		v, err := h.keyValue()
		if err != nil {
			return err
		}
		if h.keyIn == "query" {
			q := req.URL.Query()
			q.Set(h.keyName, v)
			req.URL.RawQuery = q.Encode()
		} else {
			req.Header.Set(h.keyName, v)
		}
	}
	return nil
}

// redact drops the query string and any user:password from a URL in
// messages: they may hold an API key.
func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		if i := strings.IndexByte(u, '?'); i >= 0 {
			return u[:i]
		}
		return u
	}
	p.User, p.RawQuery, p.Fragment = nil, "", ""
	return p.String()
}
