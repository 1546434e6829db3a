package deps

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/sharedtest"
)

// testHub serves dbt's hub JSON API and release tarballs built in the test.
type testHub struct {
	srv  *httptest.Server
	mu   sync.Mutex
	pkgs map[string]map[string]map[string]any // "ns/name" → version → release JSON
	tars map[string][]byte                    // path → archive
	hits map[string]int
}

func newTestHub(t testing.TB) *testHub {
	h := &testHub{pkgs: map[string]map[string]map[string]any{}, tars: map[string][]byte{}, hits: map[string]int{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.hits[r.URL.Path]++
		if b, ok := h.tars[r.URL.Path]; ok {
			w.Write(b)
			return
		}
		if r.URL.Path == "/api/v1/index.json" {
			var names []string
			for n := range h.pkgs {
				names = append(names, n)
			}
			json.NewEncoder(w).Encode(names)
			return
		}
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/v1/"), ".json")
		vs, ok := h.pkgs[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		ns, short, _ := strings.Cut(name, "/")
		json.NewEncoder(w).Encode(map[string]any{"name": short, "namespace": ns, "versions": vs})
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// add publishes a release whose tarball holds files under top/.
func (h *testHub) add(t testing.TB, pkg, version, projectName string, requireDBT []string, deps []map[string]any, archive []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if archive == nil {
		archive = tarGz(t, map[string]string{
			projectName + "-" + version + "/dbt_project.yml": fmt.Sprintf("name: %s\nversion: %s\n", projectName, version),
			projectName + "-" + version + "/macros/m.sql":    "{% macro m() %}1{% endmacro %}\n",
		})
	}
	path := "/tarballs/" + pkg + "/" + version + ".tar.gz"
	h.tars[path] = archive
	if h.pkgs[pkg] == nil {
		h.pkgs[pkg] = map[string]map[string]any{}
	}
	if deps == nil {
		deps = []map[string]any{}
	}
	rel := map[string]any{"name": projectName, "version": version, "packages": deps, "downloads": map[string]any{"tarball": h.srv.URL + path}}
	if requireDBT != nil {
		rel["require_dbt_version"] = requireDBT
	}
	h.pkgs[pkg][version] = rel
}

func tarGz(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeXGlobalHeader, Name: "pax_global_header", PAXRecords: map[string]string{"comment": "abc"}})
	for name, body := range files {
		if strings.HasPrefix(body, "->") {
			tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: strings.TrimPrefix(body, "->"), Mode: 0o777})
			continue
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: int64(len(body)), Mode: 0o644}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func newProject(t *testing.T, packagesYML string) string {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"dbt_project.yml": "name: shop\nversion: '1.0'\n"})
	if packagesYML != "" {
		writeFiles(t, dir, map[string]string{"packages.yml": packagesYML})
	}
	return dir
}

type runLog struct {
	mu     sync.Mutex
	events []Event
}

func (l *runLog) report(e Event) { l.mu.Lock(); l.events = append(l.events, e); l.mu.Unlock() }
func (l *runLog) text() string {
	var b strings.Builder
	for _, e := range l.events {
		b.WriteString(e.Level + " " + e.Name + ": " + e.Msg + "\n")
	}
	return b.String()
}

func runDeps(t *testing.T, dir string, hub *testHub, mod func(*Options)) (*Result, *runLog, error) {
	t.Helper()
	l := &runLog{}
	o := Options{ProjectRoot: dir, DBTVersion: "1.9.0", Env: func(string) (string, bool) { return "", false }, Report: l.report}
	if hub != nil {
		o.HubURL = hub.srv.URL + "/"
	}
	if mod != nil {
		mod(&o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := Run(ctx, o)
	return res, l, err
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHubRangesLockAndUpgrade(t *testing.T) {
	hub := newTestHub(t)
	hub.add(t, "dbt-labs/dbt_utils", "1.3.3", "dbt_utils", []string{">=1.3.0", "<2.0.0"}, nil, nil)
	hub.add(t, "dbt-labs/dbt_utils", "1.4.1", "dbt_utils", []string{">=1.3.0", "<2.0.0"}, nil, nil)
	hub.add(t, "dbt-labs/dbt_utils", "1.9.9", "dbt_utils", []string{">=1.10.0"}, nil, nil) // needs a newer dbt
	hub.add(t, "dbt-labs/dbt_utils", "2.0.0", "dbt_utils", nil, nil, nil)
	dir := newProject(t, "packages:\n  - package: dbt-labs/dbt_utils\n    version: [\">=1.0.0\", \"<2.0.0\"]\n")
	res, log, err := runDeps(t, dir, hub, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.text())
	}
	if len(res.Installed) != 1 || res.Installed[0].Version != "1.4.1" || res.Installed[0].Name != "dbt_utils" {
		t.Fatalf("installed %+v", res.Installed)
	}
	if _, err := os.Stat(filepath.Join(dir, "dbt_packages/dbt_utils/macros/m.sql")); err != nil {
		t.Fatal(err)
	}
	lock := readFile(t, filepath.Join(dir, "package-lock.yml"))
	// The hash is dbt's for this exact packages.yml (computed with dbt-core's rule in Python);
	// each entry has its project's name, as dbt deps writes it.
	wantLock := "packages:\n  - name: dbt_utils\n    package: dbt-labs/dbt_utils\n    version: 1.4.1\nsha1_hash: " + hashOfEntry(t, dir) + "\n"
	if lock != wantLock {
		t.Fatalf("lock:\n%s\nwant:\n%s", lock, wantLock)
	}
	// As dbt: the newest compatible release is announced even outside the range.
	for _, want := range []string{"Installing dbt-labs/dbt_utils", "Installed from version 1.4.1", "Updated version available: 2.0.0", "Updating lock file in file path:"} {
		if !strings.Contains(log.text(), want) {
			t.Errorf("output lacks %q:\n%s", want, log.text())
		}
	}

	// A newer release appears: the lock still pins 1.4.1.
	hub.add(t, "dbt-labs/dbt_utils", "1.5.0", "dbt_utils", nil, nil, nil)
	res, log, err = runDeps(t, dir, hub, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.LockWritten || res.Installed[0].Version != "1.4.1" {
		t.Fatalf("lock not honoured: %+v", res)
	}
	if !strings.Contains(log.text(), "Updates available for packages: ['dbt-labs/dbt_utils']") {
		t.Errorf("no update notice:\n%s", log.text())
	}
	// --upgrade re-resolves.
	res, _, err = runDeps(t, dir, hub, func(o *Options) { o.Upgrade = true })
	if err != nil || res.Installed[0].Version != "1.5.0" || !res.LockWritten {
		t.Fatalf("upgrade: %+v %v", res, err)
	}
	// --lock writes the lock without installing.
	os.RemoveAll(filepath.Join(dir, "dbt_packages"))
	writeFiles(t, dir, map[string]string{"packages.yml": "packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.3.3\n"})
	res, _, err = runDeps(t, dir, hub, func(o *Options) { o.LockOnly = true })
	if err != nil || !res.LockWritten || len(res.Installed) != 0 {
		t.Fatalf("lock only: %+v %v", res, err)
	}
	if !strings.Contains(readFile(t, filepath.Join(dir, "package-lock.yml")), "version: 1.3.3") {
		t.Error("lock not rewritten")
	}
	if _, err := os.Stat(filepath.Join(dir, "dbt_packages")); err == nil {
		t.Error("--lock installed packages")
	}
}

// hashOfEntry recomputes the hash the way dbt does, from the dict written
// out by hand, so the test does not trust the code's own parser.
func hashOfEntry(t *testing.T, dir string) string {
	return packagesHash([]*Requirement{{hashDict: map[string]any{
		"package": "dbt-labs/dbt_utils", "version": []any{">=1.0.0", "<2.0.0"}, "install_prerelease": false,
		"unrendered": map[string]any{"package": "dbt-labs/dbt_utils", "version": []any{">=1.0.0", "<2.0.0"}},
	}}})
}

func TestTransitiveAndConflict(t *testing.T) {
	hub := newTestHub(t)
	hub.add(t, "calogica/dbt_date", "0.10.0", "dbt_date", nil, nil, nil)
	hub.add(t, "calogica/dbt_date", "0.11.0", "dbt_date", nil, nil, nil)
	hub.add(t, "calogica/dbt_expectations", "0.10.9", "dbt_expectations", nil,
		[]map[string]any{{"package": "calogica/dbt_date", "version": []any{">=0.10.0", "<0.11.0"}}}, nil)
	dir := newProject(t, "packages:\n  - package: calogica/dbt_expectations\n    version: 0.10.9\n")
	res, log, err := runDeps(t, dir, hub, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.text())
	}
	got := map[string]string{}
	for _, i := range res.Installed {
		got[i.Name] = i.Version
	}
	if got["dbt_expectations"] != "0.10.9" || got["dbt_date"] != "0.10.0" {
		t.Fatalf("installed %v", got)
	}
	if !strings.Contains(readFile(t, filepath.Join(dir, "package-lock.yml")), "  - name: dbt_date\n    package: calogica/dbt_date\n    version: 0.10.0\n") {
		t.Error("transitive package missing from the lock")
	}
	// The root asks for a range the dependency excludes: both are named.
	writeFiles(t, dir, map[string]string{"packages.yml": "packages:\n  - package: calogica/dbt_expectations\n    version: 0.10.9\n  - package: calogica/dbt_date\n    version: [\">=0.11.0\"]\n"})
	_, _, err = runDeps(t, dir, hub, nil)
	if _, ok := diag.AsList(err); !ok {
		t.Fatalf("want a positioned error, got %v", err)
	}
	for _, want := range []string{"calogica/dbt_date", "packages.yml:5:14", "required by calogica/dbt_expectations@0.10.9", "'>=0.10.0', '<0.11.0'", ">=0.11.0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestHubErrors(t *testing.T) {
	hub := newTestHub(t)
	hub.add(t, "dbt-labs/dbt_utils", "1.3.3", "dbt_utils", []string{">=1.10.0"}, nil, nil)
	cases := []struct {
		yml, want string
	}{
		{"packages:\n  - package: dbt_utils\n    version: 1.0.0\n", "packages.yml:2:14: dbt_utils was not found in the package index: packages on the index require a namespace"},
		{"packages:\n  - package: dbt-labs/nope\n    version: 1.0.0\n", "packages.yml:2:14: package dbt-labs/nope was not found in the package index"},
		{"packages:\n  - package: dbt-labs/dbt_utils\n", "packages.yml:2:14: dbt-labs/dbt_utils is missing the version"},
		{"packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.3.3\n    install-prerelease: true\n", "dbt's key is install_prerelease"},
		{"packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.3.3\n", "no compatible versions of dbt-labs/dbt_utils found for dbt-core version 1.9.0"},
		{"packages:\n  - git: https://example.com/x.git\n    version: 1.0.0\n", "git packages are pinned with revision:"},
		{"packages:\n  - local: a\n    git: b\n", "mixes sources"},
		// A "billion laughs" file: refused before any value is read.
		{"l0: &a0 [x, x, x, x, x, x, x, x, x]\n" + aliasLevels(7) + "packages: []\n", "packages.yml:7:5: YAML aliases expand to more than"},
	}
	for _, c := range cases {
		dir := newProject(t, c.yml)
		_, _, err := runDeps(t, dir, hub, nil)
		if _, ok := diag.AsList(err); !ok || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want a positioned error with %q", c.yml, err, c.want)
		}
	}
	// Both packages.yml and dependencies.yml listing packages.
	dir := newProject(t, "packages: []\n")
	writeFiles(t, dir, map[string]string{"dependencies.yml": "packages:\n  - local: x\n"})
	if _, _, err := runDeps(t, dir, hub, nil); err == nil || !strings.Contains(err.Error(), "cannot be specified in both packages.yml and dependencies.yml") {
		t.Errorf("both files: %v", err)
	}
}

func TestUnreachableHub(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	dir := newProject(t, "packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.3.3\n")
	_, _, err := runDeps(t, dir, nil, func(o *Options) { o.HubURL = url + "/"; o.Retries = 2; o.RetryBackoff = time.Millisecond })
	var he *HubError
	if !errors.As(err, &he) {
		t.Fatalf("want a HubError, got %v", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, url+"/api/v1/index.json") || strings.Contains(msg, "\n") {
		t.Errorf("want one line naming the URL, got %q", msg)
	}
}

func TestTarballPackagesAndTraversal(t *testing.T) {
	hub := newTestHub(t)
	hub.tars["/good.tar.gz"] = tarGz(t, map[string]string{"pkg-main/dbt_project.yml": "name: tb\n", "pkg-main/macros/a.sql": "x", "pkg-main/link": "->macros/a.sql"})
	hub.tars["/evil.tar.gz"] = tarGz(t, map[string]string{"pkg/dbt_project.yml": "name: tb\n", "pkg/../../escaped.txt": "gotcha"})
	hub.tars["/evil-link.tar.gz"] = tarGz(t, map[string]string{"pkg/dbt_project.yml": "name: tb\n", "pkg/l": "->../../../etc/passwd"})
	hub.tars["/abs.tar.gz"] = tarGz(t, map[string]string{"/tmp/abs-elt-test.txt": "x"})
	dir := newProject(t, fmt.Sprintf("packages:\n  - tarball: %s/good.tar.gz\n    name: my_tb\n", hub.srv.URL))
	res, log, err := runDeps(t, dir, hub, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.text())
	}
	// dbt installs a tarball under the name given in packages.yml.
	if res.Installed[0].Name != "my_tb" || readFile(t, filepath.Join(dir, "dbt_packages/my_tb/link")) != "x" {
		t.Fatalf("installed %+v", res.Installed)
	}
	if !strings.Contains(readFile(t, filepath.Join(dir, "package-lock.yml")), "  - name: my_tb\n    tarball: "+hub.srv.URL+"/good.tar.gz\n") {
		t.Error(readFile(t, filepath.Join(dir, "package-lock.yml")))
	}
	for _, evil := range []string{"evil", "evil-link", "abs"} {
		dir := newProject(t, fmt.Sprintf("packages:\n  - tarball: %s/%s.tar.gz\n    name: tb\n", hub.srv.URL, evil))
		_, _, err := runDeps(t, dir, hub, nil)
		if !errors.Is(err, ErrUnsafeArchive) {
			t.Errorf("%s: want the archive refused, got %v", evil, err)
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "escaped.txt")); err == nil {
			t.Errorf("%s: a file escaped", evil)
		}
	}
	if _, err := os.Stat("/tmp/abs-elt-test.txt"); err == nil {
		t.Error("absolute path written")
	}
	// A download larger than the limit is refused.
	dir = newProject(t, fmt.Sprintf("packages:\n  - tarball: %s/good.tar.gz\n    name: my_tb\n", hub.srv.URL))
	_, _, err = runDeps(t, dir, hub, func(o *Options) { o.Limits.MaxDownloadBytes = 10 })
	if err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("size limit: %v", err)
	}
}

func TestLocalPackages(t *testing.T) {
	// An entry may name its package, as dbt's contracts allow (dbt deps
	// writes name: into every lock entry).
	dir := newProject(t, "packages:\n  - local: ../locals/one\n    name: one\n")
	writeFiles(t, filepath.Join(dir, "../locals/one"), map[string]string{"dbt_project.yml": "name: one\n", "packages.yml": "packages:\n  - local: ../locals/two\n"})
	writeFiles(t, filepath.Join(dir, "../locals/two"), map[string]string{"dbt_project.yml": "name: two\nrequire-dbt-version: [\">=1.0.0\", \"<2.0.0\"]\n"})
	res, log, err := runDeps(t, dir, nil, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.text())
	}
	if len(res.Installed) != 2 {
		t.Fatalf("installed %+v", res.Installed)
	}
	target, err := os.Readlink(filepath.Join(dir, "dbt_packages/one"))
	if err != nil || !strings.HasSuffix(target, filepath.Join("locals", "one")) {
		t.Errorf("dbt_packages/one -> %q, %v", target, err)
	}
	if !strings.Contains(log.text(), "Installed from <local @ ../locals/one>") {
		t.Error(log.text())
	}
	if lock := readFile(t, filepath.Join(dir, "package-lock.yml")); !strings.HasPrefix(lock, "packages:\n  - local: ../locals/one\n    name: one\n  - local: ../locals/two\n    name: two\n") {
		t.Errorf("lock:\n%s", lock)
	}
	// The lock dbt wrote is read back as it is.
	if _, log, err := runDeps(t, dir, nil, nil); err != nil {
		t.Fatalf("deps from the lock: %v\n%s", err, log.text())
	}
	// require-dbt-version is checked with dbt's semantics.
	writeFiles(t, filepath.Join(dir, "../locals/two"), map[string]string{"dbt_project.yml": "name: two\nrequire-dbt-version: \">=1.10.0\"\n"})
	_, _, err = runDeps(t, dir, nil, func(o *Options) { o.Upgrade = true })
	if err == nil || !strings.Contains(err.Error(), "'two' requires ['>=1.10.0']") || !strings.Contains(err.Error(), "dbt_project.yml:2:22") {
		t.Errorf("require-dbt-version: %v", err)
	}
	if _, _, err := runDeps(t, dir, nil, func(o *Options) { o.Upgrade = true; o.NoVersionCheck = true }); err != nil {
		t.Errorf("--no-version-check: %v", err)
	}
}

// gitRepo makes a repository with two commits, tags and a branch.
func gitRepo(t *testing.T, dir string) (first, second string) {
	t.Helper()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, _ := repo.Worktree()
	commit := func(files map[string]string, msg string) string {
		writeFiles(t, dir, files)
		if err := wt.AddGlob("."); err != nil {
			t.Fatal(err)
		}
		h, err := wt.Commit(msg, &git.CommitOptions{Author: &object.Signature{Name: "t", Email: "t@example.com", When: time.Now()}})
		if err != nil {
			t.Fatal(err)
		}
		return h.String()
	}
	first = commit(map[string]string{"dbt_project.yml": "name: gp\n", "macros/v.sql": "v1", "sub/pkg/dbt_project.yml": "name: subpkg\n"}, "one")
	if _, err := repo.CreateTag("1.0.0", plumbing.NewHash(first), &git.CreateTagOptions{Message: "v1", Tagger: &object.Signature{Name: "t", Email: "t@example.com", When: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	second = commit(map[string]string{"macros/v.sql": "v2"}, "two")
	if err := repo.Storer.SetReference(plumbing.NewHashReference("refs/heads/feature", plumbing.NewHash(first))); err != nil {
		t.Fatal(err)
	}
	return first, second
}

func TestGitPackages(t *testing.T) {
	base := t.TempDir()
	repoDir := filepath.Join(base, "repo")
	first, second := gitRepo(t, repoDir)
	cases := []struct {
		name, entry, wantFile, wantRev, wantWarn string
		folder                                   string
	}{
		{"tag", "revision: 1.0.0", "v1", first, "", "gp"},
		{"branch", "revision: feature", "v1", first, "", "gp"},
		{"commit", "revision: " + first, "v1", first, "", "gp"},
		{"head", "", "v2", second, "is not pinned, using HEAD (default branch)", "gp"},
		{"master", "revision: master", "v2", second, `pinned to the "master" branch`, "gp"},
		{"quiet", "warn-unpinned: false", "v2", second, "", "gp"},
		{"subdirectory", "revision: 1.0.0\n    subdirectory: sub/pkg", "", first, "", "subpkg"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			yml := "packages:\n  - git: " + repoDir + "\n"
			if c.entry != "" {
				yml += "    " + c.entry + "\n"
			}
			dir := newProject(t, yml)
			res, log, err := runDeps(t, dir, nil, nil)
			if err != nil {
				t.Fatalf("%v\n%s", err, log.text())
			}
			if res.Installed[0].Name != c.folder || res.Installed[0].Version != c.wantRev {
				t.Fatalf("installed %+v", res.Installed)
			}
			if c.wantFile != "" && readFile(t, filepath.Join(dir, "dbt_packages/gp/macros/v.sql")) != c.wantFile {
				t.Error("wrong revision checked out")
			}
			if c.folder == "subpkg" {
				if _, err := os.Stat(filepath.Join(dir, "dbt_packages/subpkg/dbt_project.yml")); err != nil {
					t.Error(err)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "dbt_packages", c.folder, ".git")); err == nil {
				t.Error(".git copied")
			}
			hasWarn := strings.Contains(log.text(), "warn DepsUnpinned")
			if (c.wantWarn != "") != hasWarn || (c.wantWarn != "" && !strings.Contains(log.text(), c.wantWarn)) {
				t.Errorf("warning: want %q, got\n%s", c.wantWarn, log.text())
			}
			lock := readFile(t, filepath.Join(dir, "package-lock.yml"))
			if !strings.Contains(lock, "revision: "+c.wantRev) {
				t.Errorf("lock does not pin the commit:\n%s", lock)
			}
		})
	}
	// Two revisions of one repository: both named.
	dir := newProject(t, "packages:\n  - git: "+repoDir+"\n    revision: 1.0.0\n  - git: "+repoDir+".git\n    revision: feature\n")
	_, _, err := runDeps(t, dir, nil, nil)
	if err == nil || !strings.Contains(err.Error(), `"1.0.0" (packages.yml:3:15)`) || !strings.Contains(err.Error(), `"feature" (packages.yml:5:15)`) {
		t.Errorf("two revisions: %v", err)
	}
	// An unknown revision is an install failure naming it, in dbt's words
	// (exceptions.py BadSpecError).
	dir = newProject(t, "packages:\n  - git: "+repoDir+"\n    revision: nope\n")
	_, _, err = runDeps(t, dir, nil, nil)
	var ie *InstallError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), `no tag or branch named "nope"`) ||
		!strings.Contains(err.Error(), "Error checking out spec='nope' for repo "+repoDir) {
		t.Errorf("unknown revision: %v", err)
	}
}

func TestSecretInGitURL(t *testing.T) {
	base := t.TempDir()
	const token = "s3cr3tT0ken42"
	repoDir := filepath.Join(base, token, "repo")
	gitRepo(t, repoDir)
	env := map[string]string{"DBT_ENV_SECRET_GIT_TOKEN": token}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	url := filepath.Join(base, "{{ env_var('DBT_ENV_SECRET_GIT_TOKEN') }}", "repo")
	dir := newProject(t, "packages:\n  - git: \""+url+"\"\n    revision: 1.0.0\n")
	res, log, err := runDeps(t, dir, nil, func(o *Options) { o.Env = lookup })
	if err != nil {
		t.Fatalf("%v\n%s", err, log.text())
	}
	lock := readFile(t, filepath.Join(dir, "package-lock.yml"))
	if strings.Contains(lock, token) || !strings.Contains(lock, "env_var('DBT_ENV_SECRET_GIT_TOKEN')") {
		t.Errorf("lock:\n%s", lock)
	}
	if strings.Contains(log.text(), token) {
		t.Errorf("secret in output:\n%s", log.text())
	}
	if res.Installed[0].Name != "gp" {
		t.Fatal(res.Installed)
	}
	// The lock is honoured: its URL is rendered again.
	res, log, err = runDeps(t, dir, nil, func(o *Options) { o.Env = lookup })
	if err != nil || res.LockWritten || strings.Contains(log.text(), token) {
		t.Fatalf("second run: %v %+v\n%s", err, res, log.text())
	}
	// A wrong token fails without showing either value.
	env["DBT_ENV_SECRET_GIT_TOKEN"] = "wrongT0ken99"
	_, log, err = runDeps(t, dir, nil, func(o *Options) { o.Env = lookup; o.Upgrade = true })
	if err == nil || strings.Contains(err.Error(), "wrongT0ken99") || strings.Contains(log.text(), "wrongT0ken99") {
		t.Errorf("wrong token: %v\n%s", err, log.text())
	}
}

func TestAddPackage(t *testing.T) {
	hub := newTestHub(t)
	hub.add(t, "dbt-labs/dbt_utils", "1.3.3", "dbt_utils", nil, nil, nil)
	hub.add(t, "dbt-labs/codegen", "0.14.1", "codegen", nil, nil, nil)
	dir := newProject(t, "# my packages\npackages:\n  - package: dbt-labs/dbt_utils\n    version: 1.0.0\n  - package: dbt-labs/codegen\n    version: 0.14.1\n")
	_, log, err := runDeps(t, dir, hub, func(o *Options) { o.AddPackage = "dbt-labs/dbt_utils@1.3.3" })
	if err != nil {
		t.Fatalf("%v\n%s", err, log.text())
	}
	// dbt rewrites the file with PyYAML: duplicates removed, comments dropped.
	want := "packages:\n  - package: dbt-labs/codegen\n    version: 0.14.1\n  - package: dbt-labs/dbt_utils\n    version: 1.3.3\n"
	if got := readFile(t, filepath.Join(dir, "packages.yml")); got != want {
		t.Errorf("packages.yml:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(log.text(), "Found duplicate package in packages.yml, removing: {'package': 'dbt-labs/dbt_utils', 'version': '1.0.0'}") {
		t.Error(log.text())
	}
	// A range, into a project without packages.yml.
	dir = newProject(t, "")
	_, _, err = runDeps(t, dir, hub, func(o *Options) { o.AddPackage = "dbt-labs/dbt_utils@>=1.0.0,<2.0.0"; o.LockOnly = true })
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "packages.yml")); got != "packages:\n  - package: dbt-labs/dbt_utils\n    version:\n      - '>=1.0.0'\n      - <2.0.0\n" {
		t.Errorf("packages.yml:\n%s", got)
	}
	// git and local sources; a hub package needs a version.
	dir = newProject(t, "")
	if _, _, err := runDeps(t, dir, hub, func(o *Options) { o.AddPackage = "dbt-labs/dbt_utils" }); err == nil || !strings.Contains(err.Error(), "version is required") {
		t.Errorf("no version: %v", err)
	}
	if _, _, err := runDeps(t, dir, hub, func(o *Options) { o.AddPackage = "https://example.com/x.git@v1"; o.Source = "git"; o.LockOnly = true }); err == nil {
		// Resolving the made-up repository fails, but the file is written first.
	}
	if got := readFile(t, filepath.Join(dir, "packages.yml")); got != "packages:\n  - git: https://example.com/x.git\n    revision: v1\n" {
		t.Errorf("git entry:\n%s", got)
	}
}

// TestRealReleases serves the public release tarballs in ../shared as a hub.
func TestRealReleases(t *testing.T) {
	shared := sharedtest.DBTPackages(t)
	hub := newTestHub(t)
	load := func(file string) []byte {
		b, err := os.ReadFile(filepath.Join(shared, file))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	hub.add(t, "dbt-labs/dbt_utils", "1.3.3", "dbt_utils", []string{">=1.3.0", "<2.0.0"}, nil, load("dbt-utils-1.3.3.tar.gz"))
	hub.add(t, "dbt-labs/dbt_utils", "1.4.1", "dbt_utils", []string{">=1.3.0", "<2.0.0"}, nil, load("dbt-utils-1.4.1.tar.gz"))
	hub.add(t, "godatadriven/dbt_date", "0.21.0", "dbt_date", nil, nil, load("dbt-date-0.21.0.tar.gz"))
	hub.add(t, "metaplane/dbt_expectations", "0.10.9", "dbt_expectations", nil,
		[]map[string]any{{"package": "godatadriven/dbt_date", "version": []any{">=0.14.0", "<1.0.0"}}}, load("dbt-expectations-0.10.9.tar.gz"))
	hub.add(t, "dbt-labs/audit_helper", "0.12.2", "audit_helper", nil, nil, load("dbt-audit-helper-0.12.2.tar.gz"))
	hub.add(t, "dbt-labs/codegen", "0.14.1", "codegen", nil, nil, load("dbt-codegen-0.14.1.tar.gz"))
	hub.add(t, "dbt-labs/dbt_external_tables", "0.12.2", "dbt_external_tables", nil, nil, load("dbt-external-tables-0.12.2.tar.gz"))
	dir := newProject(t, `packages:
  - package: dbt-labs/dbt_utils
    version: [">=1.0.0", "<2.0.0"]
  - package: metaplane/dbt_expectations
    version: 0.10.9
  - package: dbt-labs/audit_helper
    version: 0.12.2
  - package: dbt-labs/codegen
    version: 0.14.1
  - package: dbt-labs/dbt_external_tables
    version: 0.12.2
`)
	// dbt_date 0.21.0 itself requires dbt-core >=1.10.5: refused, then allowed.
	_, _, err := runDeps(t, dir, hub, nil)
	if err == nil || !strings.Contains(err.Error(), "'dbt_date' requires ['>=1.10.5', '<3.0.0']") {
		t.Errorf("require-dbt-version of dbt_date: %v", err)
	}
	res, log, err := runDeps(t, dir, hub, func(o *Options) { o.NoVersionCheck = true })
	if err != nil {
		t.Fatalf("%v\n%s", err, log.text())
	}
	for _, name := range []string{"dbt_utils", "dbt_expectations", "dbt_date", "audit_helper", "codegen", "dbt_external_tables"} {
		if _, err := os.Stat(filepath.Join(dir, "dbt_packages", name, "dbt_project.yml")); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if len(res.Installed) != 6 || res.Installed[0].Version != "1.4.1" {
		t.Errorf("installed %+v", res.Installed)
	}
}

// aliasLevels writes levels 1..n of nested aliases, nine references each.
func aliasLevels(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		refs := strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 9), ", ")
		fmt.Fprintf(&b, "l%d: &a%d [%s]\n", i, i, refs)
	}
	return b.String()
}
