package deps

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/secrets"
)

// FuzzPackagesFile fuzzes what `elt deps` reads from the user: packages.yml,
// or dependencies.yml when dependencies is set. Each execution parses the
// file (YAML, Jinja rendering of env_var and var, every entry's keys and
// values) and, when every package is on the hub or a local folder inside
// the fuzz workspace, resolves them against a hub served in-process and
// writes the lock file (--lock: nothing is installed). Git, private and
// tarball packages are parsed only: resolving them would reach the
// network. Nothing else leaves the process: the HTTP client refuses every
// host but the hub's.
//
// Each execution checks that:
//   - a failure in the user's files is a list of diagnostics, each naming
//     a file of the workspace and a line within it (and some line when the
//     file has more than one); other failures are install errors;
//   - running again gives the same result: the same error, or the same
//     lock file;
//   - it ends within fuzzDepsMaxTime.
//
// scripts/fuzz.sh runs it; `go test` runs its seed corpus (the f.Add calls
// and testdata/fuzz/FuzzPackagesFile).

const (
	fuzzDepsMaxInput = 16 << 10
	fuzzDepsMaxTime  = 10 * time.Second
)

func FuzzPackagesFile(f *testing.F) {
	seeds := []struct {
		dependencies bool
		src          string
	}{
		{false, "packages:\n  - package: dbt-labs/dbt_utils\n    version: [\">=1.0.0\", \"<2.0.0\"]\n"},
		{false, "packages:\n  - package: metaplane/dbt_expectations\n    version: 0.10.9\n  - package: godatadriven/dbt_date\n    version: \">=0.10.0\"\n    install_prerelease: true\n"},
		{false, "packages:\n  - package: \"{{ env_var('FUZZ_NAMESPACE', 'dbt-labs') }}/dbt_utils\"\n    version: \"{{ var('utils_version', '1.3.3') }}\"\n"},
		{false, "packages:\n  - local: ../locals/one\n  - package: dbt-labs/dbt_utils\n    version: 1.1.0\n"},
		{false, "packages:\n  - git: https://github.com/dbt-labs/dbt-utils.git\n    revision: 1.3.3\n    subdirectory: sub\n    warn-unpinned: false\n"},
		{false, "packages:\n  - private: acme/helpers\n    provider: gitlab\n    revision: main\n"},
		{false, "packages:\n  - tarball: https://example.com/pkg.tar.gz\n    name: pkg\n"},
		{false, "packages:\n  - package: dbt-labs/dbt_utils\n    version: [\">=1.0.0\", \"<1.1.0\"]\n  - package: dbt-labs/dbt_utils\n    version: \">=1.3.0\"\n"},
		{true, "projects:\n  - name: upstream\npackages:\n  - package: dbt-labs/dbt_utils\n    version: 1.3.3\n"},
		{true, "packages:\n  - local: ../locals/two\n"},
	}
	for _, s := range seeds {
		f.Add(s.dependencies, []byte(s.src))
	}

	hub := newFuzzHub(f)
	base := f.TempDir()
	project := filepath.Join(base, "project")
	writeFiles(f, base, map[string]string{
		"project/dbt_project.yml":     "name: shop\nversion: '1.0'\n",
		"locals/one/dbt_project.yml":  "name: one\n",
		"locals/one/packages.yml":     "packages:\n  - package: godatadriven/dbt_date\n    version: [\">=0.10.0\", \"<1.0.0\"]\n",
		"locals/two/dbt_project.yml":  "name: two\nrequire-dbt-version: \">=1.0.0\"\n",
		"locals/two/dependencies.yml": "packages:\n  - local: ../locals/one\n",
	})
	f.Fuzz(func(t *testing.T, dependencies bool, src []byte) {
		if len(src) > fuzzDepsMaxInput {
			t.Skipf("input of %d bytes is above the %d-byte cap", len(src), fuzzDepsMaxInput)
		}
		file := packagesFile
		if dependencies {
			file = dependenciesFile
		}
		for _, name := range []string{packagesFile, dependenciesFile, lockFile} {
			if err := os.Remove(filepath.Join(project, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(project, file), src, 0o644); err != nil {
			t.Fatal(err)
		}
		var first, second fuzzOutcome
		var err error
		withDeadline(t, src, func() {
			first, err = fuzzDepsOnce(t, project, base, hub)
			second, _ = fuzzDepsOnce(t, project, base, hub)
		})
		checkDepsOutcome(t, project, first, err)
		if first != second {
			t.Fatalf("running twice gave different results:\nfirst:  %+v\nsecond: %+v", first, second)
		}
	})
}

// fuzzOutcome is what one run left: its error, or the lock file it wrote.
type fuzzOutcome struct {
	resolved  bool // resolution ran (not only parsing)
	wantsLock bool // it ran and found packages to lock
	err       string
	lock      string
}

// fuzzDepsOnce parses the packages file and, when no package needs the
// network, resolves and locks them.
func fuzzDepsOnce(t *testing.T, project, base string, hub *fuzzHub) (fuzzOutcome, error) {
	env := func(k string) (string, bool) {
		if k == "FUZZ_NAMESPACE" {
			return "dbt-labs", true
		}
		return "", false
	}
	vars := map[string]any{"utils_version": "1.3.3"}
	rnd := &renderer{env: env, vars: vars, secrets: secrets.FromEnviron(nil)}
	reqs, _, err := packagesSpec(dirReader(project), "", Origin{}, rnd)
	if err != nil || !hermetic(reqs, project, base) {
		return fuzzOutcome{err: errText(err)}, err
	}
	if err := os.Remove(filepath.Join(project, lockFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), fuzzDepsMaxTime)
	defer cancel()
	_, err = Run(ctx, Options{
		ProjectRoot: project, DBTVersion: "1.9.0", HubURL: hub.url, Env: env, Vars: vars,
		LockOnly: true, HTTPClient: hub.client, RetryBackoff: time.Millisecond,
	})
	o := fuzzOutcome{resolved: true, wantsLock: len(reqs) > 0, err: errText(err)}
	if b, rerr := os.ReadFile(filepath.Join(project, lockFile)); rerr == nil {
		o.lock = string(b)
	}
	return o, err
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// hermetic says whether resolving reqs stays in the process: hub packages
// (served in-process) and local folders inside base only.
func hermetic(reqs []*Requirement, project, base string) bool {
	for _, r := range reqs {
		switch r.Kind {
		case KindHub:
		case KindLocal:
			if filepath.IsAbs(r.Local) {
				return false
			}
			p := filepath.Clean(filepath.Join(project, r.Local))
			if p != base && !strings.HasPrefix(p, base+string(filepath.Separator)) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// checkDepsOutcome checks what Run promises about its result: a lock
// file when it resolved packages; a problem in the user's files as
// diagnostics positioned in them; any other failure an install error.
func checkDepsOutcome(t *testing.T, project string, o fuzzOutcome, err error) {
	t.Helper()
	if err == nil {
		if o.wantsLock && o.lock == "" {
			t.Fatal("resolution succeeded but wrote no lock file")
		}
		return
	}
	list, ok := diag.AsList(err)
	if !ok {
		var ie *InstallError
		var he *HubError
		if !errors.As(err, &ie) && !errors.As(err, &he) {
			t.Fatalf("error is neither diagnostics nor an install error: %T %v", err, err)
		}
		return
	}
	if len(list) == 0 {
		t.Fatalf("error holds no diagnostics: %v", err)
	}
	for _, d := range list {
		if d.Summary == "" {
			t.Errorf("diagnostic without a summary: %#v", d)
		}
		if d.File == "" {
			t.Errorf("diagnostic without a file: %v", d)
			continue
		}
		src, rerr := os.ReadFile(filepath.Join(project, filepath.FromSlash(d.File)))
		if rerr != nil {
			t.Errorf("diagnostic names %q, which is not a file of the workspace: %v", d.File, d)
			continue
		}
		lines := yamlLines(src)
		if d.Pos.Line < 0 || d.Pos.Column < 0 || d.Pos.Line > lines {
			t.Errorf("position outside the file (%d lines): %v", lines, d)
		}
		if d.Pos.Line == 0 && yamlLines(bytes.TrimRight(src, "\r\n")) > 1 {
			t.Errorf("error without a line in a file of several lines: %v", d)
		}
	}
}

// yamlLines counts lines as YAML does: breaks at CR, LF, CRLF, NEL, LS, PS,
// in the text as yaml.v3 decodes it (UTF-16 when the file starts with its
// byte order mark).
func yamlLines(src []byte) int {
	text := string(src)
	if len(src) >= 2 && (src[0] == 0xff && src[1] == 0xfe || src[0] == 0xfe && src[1] == 0xff) {
		units := make([]uint16, 0, len(src)/2)
		for i := 2; i+1 < len(src); i += 2 {
			if src[0] == 0xff {
				units = append(units, uint16(src[i])|uint16(src[i+1])<<8)
			} else {
				units = append(units, uint16(src[i])<<8|uint16(src[i+1]))
			}
		}
		text = string(utf16.Decode(units))
	}
	s := strings.ReplaceAll(text, "\r\n", "\n")
	return 1 + strings.Count(s, "\n") + strings.Count(s, "\r") +
		strings.Count(s, "\u0085") + strings.Count(s, "\u2028") + strings.Count(s, "\u2029")
}

// withDeadline runs fn and panics, naming the input, when it takes longer
// than fuzzDepsMaxTime, so that the fuzzer records a hang as a failure.
func withDeadline(t *testing.T, src []byte, fn func()) {
	done := make(chan struct{})
	timer := time.AfterFunc(fuzzDepsMaxTime, func() {
		select {
		case <-done:
		default:
			panic(fmt.Sprintf("deps took longer than %v on %q", fuzzDepsMaxTime, src))
		}
	})
	defer timer.Stop()
	fn()
	close(done)
}

// fuzzHub is a hub served in-process, and a client that reaches nothing
// else.
type fuzzHub struct {
	url    string
	client *http.Client
}

func newFuzzHub(f *testing.F) *fuzzHub {
	h := newTestHub(f)
	h.add(f, "dbt-labs/dbt_utils", "1.0.0", "dbt_utils", nil, nil, nil)
	h.add(f, "dbt-labs/dbt_utils", "1.1.0", "dbt_utils", []string{">=1.3.0", "<2.0.0"}, nil, nil)
	h.add(f, "dbt-labs/dbt_utils", "1.3.3", "dbt_utils", []string{">=1.3.0", "<2.0.0"}, nil, nil)
	h.add(f, "dbt-labs/dbt_utils", "2.0.0-b1", "dbt_utils", nil, nil, nil)
	h.add(f, "godatadriven/dbt_date", "0.10.0", "dbt_date", nil, nil, nil)
	h.add(f, "godatadriven/dbt_date", "0.11.0", "dbt_date", []string{">=1.10.0"}, nil, nil)
	h.add(f, "metaplane/dbt_expectations", "0.10.9", "dbt_expectations", nil,
		[]map[string]any{{"package": "godatadriven/dbt_date", "version": []any{">=0.10.0", "<1.0.0"}}}, nil)
	host := strings.TrimPrefix(h.srv.URL, "http://")
	client := &http.Client{Timeout: 5 * time.Second, Transport: onlyHost{host: host, next: http.DefaultTransport}}
	return &fuzzHub{url: h.srv.URL + "/", client: client}
}

// onlyHost refuses requests to any host but one.
type onlyHost struct {
	host string
	next http.RoundTripper
}

func (o onlyHost) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != o.host {
		return nil, fmt.Errorf("the fuzz test reaches no host but the hub's (asked for %s)", r.URL.Host)
	}
	return o.next.RoundTrip(r)
}
