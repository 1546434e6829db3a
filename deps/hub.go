package deps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
)

// DefaultHubURL is dbt's package hub; DBT_PACKAGE_HUB_URL replaces it.
const DefaultHubURL = "https://hub.getdbt.com/"

// hubClient reads dbt's hub JSON API: GET {base}api/v1/index.json (a list
// of "namespace/name") and GET {base}api/v1/{namespace}/{name}.json (the
// package with every release under "versions"). Responses are cached for
// the run, as dbt memoizes them.
type hubClient struct {
	base    string // ends with "/"
	http    *http.Client
	retries int
	backoff time.Duration
	maxJSON int64

	mu       sync.Mutex
	index    map[string]bool
	packages map[string]*hubPackage
}

// hubPackage is the JSON of one package.
type hubPackage struct {
	Name              string                 `json:"name"`
	Namespace         string                 `json:"namespace"`
	RedirectNamespace *string                `json:"redirectnamespace"`
	RedirectName      *string                `json:"redirectname"`
	Versions          map[string]*hubRelease `json:"versions"`
}

// hubRelease is one version of a package.
type hubRelease struct {
	Name      string           `json:"name"`
	Packages  []map[string]any `json:"packages"`
	Downloads struct {
		Tarball string `json:"tarball"`
	} `json:"downloads"`
	RequireDBTVersion any `json:"require_dbt_version"`
}

// HubError is a failure to talk to the hub: unreachable, an HTTP error or
// an answer that is not the hub's JSON.
type HubError struct {
	URL string
	Err error
}

func (e *HubError) Error() string { return fmt.Sprintf("package hub %s: %v", e.URL, e.Err) }
func (e *HubError) Unwrap() error { return e.Err }

func newHubClient(base string, hc *http.Client, retries int, backoff time.Duration) *hubClient {
	if base == "" {
		base = DefaultHubURL
	}
	// dbt appends "api/v1/..." to the variable as given; a missing slash
	// would glue the path onto the host, so add it.
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return &hubClient{base: base, http: hc, retries: retries, backoff: backoff, maxJSON: 32 << 20,
		packages: map[string]*hubPackage{}}
}

// shownURL is the URL for messages: without user or password.
func shownURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparseable URL>"
	}
	u.User = nil
	return u.String()
}

func (h *hubClient) url(name string) string { return h.base + "api/v1/" + name + ".json" }

// get fetches one JSON document, retrying connection failures and 5xx
// answers as dbt does (it retries 5 times).
func (h *hubClient) get(ctx context.Context, name string, into any) error {
	u := h.url(name)
	var last error
	for attempt := 0; attempt <= h.retries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return &HubError{URL: shownURL(u), Err: ctx.Err()}
			case <-time.After(h.backoff):
			}
		}
		retry, err := h.getOnce(ctx, u, into)
		if err == nil {
			return nil
		}
		last = err
		if !retry || ctx.Err() != nil {
			break
		}
	}
	return &HubError{URL: shownURL(u), Err: last}
}

func (h *hubClient) getOnce(ctx context.Context, u string, into any) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := h.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is named once, by HubError
		}
		return retryable(err), fmt.Errorf("unreachable: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode >= 500, fmt.Errorf("HTTP %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, h.maxJSON+1))
	if err != nil {
		return true, fmt.Errorf("reading the answer: %v", err)
	}
	if int64(len(body)) > h.maxJSON {
		return false, fmt.Errorf("answer larger than %d bytes", h.maxJSON)
	}
	if err := json.Unmarshal(body, into); err != nil {
		return true, fmt.Errorf("not the hub's JSON: %v", err)
	}
	return false, nil
}

// retryable says whether a failed connection may succeed when tried again:
// not when nothing listens there or the name does not resolve.
func retryable(err error) bool {
	var dnsErr *net.DNSError
	if errors.Is(err, syscall.ECONNREFUSED) || (errors.As(err, &dnsErr) && dnsErr.IsNotFound) {
		return false
	}
	return true
}

// inIndex reports whether the hub lists the package.
func (h *hubClient) inIndex(ctx context.Context, name string) (bool, error) {
	h.mu.Lock()
	idx := h.index
	h.mu.Unlock()
	if idx == nil {
		var list []string
		if err := h.get(ctx, "index", &list); err != nil {
			return false, err
		}
		idx = map[string]bool{}
		for _, n := range list {
			idx[n] = true
		}
		h.mu.Lock()
		h.index = idx
		h.mu.Unlock()
	}
	return idx[name], nil
}

// pkg fetches one package's releases.
func (h *hubClient) pkg(ctx context.Context, name string) (*hubPackage, error) {
	h.mu.Lock()
	p := h.packages[name]
	h.mu.Unlock()
	if p != nil {
		return p, nil
	}
	p = &hubPackage{}
	if err := h.get(ctx, name, p); err != nil {
		return nil, err
	}
	if p.Versions == nil {
		return nil, &HubError{URL: shownURL(h.url(name)), Err: errors.New(`not the hub's JSON: no "versions"`)}
	}
	for v, r := range p.Versions {
		if r == nil || r.Name == "" || r.Downloads.Tarball == "" {
			return nil, &HubError{URL: shownURL(h.url(name)), Err: fmt.Errorf(`not the hub's JSON: version %s lacks "name", "packages" or "downloads"`, v)}
		}
	}
	h.mu.Lock()
	h.packages[name] = p
	h.mu.Unlock()
	return p, nil
}

// redirect returns the new name when the hub says the package moved.
func (p *hubPackage) redirect() string {
	if p.RedirectNamespace == nil && p.RedirectName == nil {
		return ""
	}
	ns, name := p.Namespace, p.Name
	if p.RedirectNamespace != nil && *p.RedirectNamespace != "" {
		ns = *p.RedirectNamespace
	}
	if p.RedirectName != nil && *p.RedirectName != "" {
		name = *p.RedirectName
	}
	return ns + "/" + name
}

// requiredDBT is a release's require_dbt_version as a list.
func (r *hubRelease) requiredDBT() []string {
	switch x := r.RequireDBTVersion.(type) {
	case string:
		if x == "" {
			return nil
		}
		return []string{x}
	case []any:
		var out []string
		for _, v := range x {
			out = append(out, pyStr(v))
		}
		return out
	}
	return nil
}
