package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// depsHub serves dbt's hub API with one package, dbt-labs/tiny 1.0.0.
func depsHub(t *testing.T) *httptest.Server {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range map[string]string{"tiny-1.0.0/dbt_project.yml": "name: tiny\n", "tiny-1.0.0/macros/t.sql": "{% macro t() %}1{% endmacro %}\n"} {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: int64(len(body)), Mode: 0o644})
		tw.Write([]byte(body))
	}
	tw.Close()
	gz.Close()
	archive := buf.Bytes()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/index.json":
			json.NewEncoder(w).Encode([]string{"dbt-labs/tiny"})
		case "/api/v1/dbt-labs/tiny.json":
			json.NewEncoder(w).Encode(map[string]any{"name": "tiny", "namespace": "dbt-labs", "versions": map[string]any{
				"1.0.0": map[string]any{"name": "tiny", "packages": []any{}, "downloads": map[string]any{"tarball": srv.URL + "/tiny.tar.gz"}, "require_dbt_version": []any{">=1.3.0", "<2.0.0"}},
			}})
		case "/tiny.tar.gz":
			w.Write(archive)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func depsProject(t *testing.T, packages string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"dbt_project.yml": "name: shop\nversion: '1.0'\nprofile: shop\n", "packages.yml": packages}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestDepsCommand(t *testing.T) {
	hub := depsHub(t)
	t.Setenv("DBT_PACKAGE_HUB_URL", hub.URL+"/")
	dir := depsProject(t, "packages:\n  - package: dbt-labs/tiny\n    version: [\">=1.0.0\", \"<2.0.0\"]\n  - local: helpers\n")
	os.MkdirAll(filepath.Join(dir, "helpers"), 0o755)
	os.WriteFile(filepath.Join(dir, "helpers", "dbt_project.yml"), []byte("name: helpers\n"), 0o644)

	r := elt(t, dir, "deps")
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	wantAll(t, r.stdout, "Installing dbt-labs/tiny", "Installed from version 1.0.0", "Up to date!", "Installing helpers", "Installed from <local @ helpers>", "Updating lock file in file path:")
	for _, p := range []string{"dbt_packages/tiny/macros/t.sql", "dbt_packages/helpers/dbt_project.yml", "package-lock.yml"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Error(err)
		}
	}
	// Second run from the lock, as JSON events.
	r = elt(t, dir, "deps", "--log-format", "json")
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	names := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var ev struct {
			Info struct{ Name, Msg string } `json:"info"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		names[ev.Info.Name] = true
	}
	if !names["DepsStartPackageInstall"] || !names["DepsUpToDate"] || names["DepsLockUpdating"] {
		t.Errorf("events %v", names)
	}
}

func TestDepsCommandErrors(t *testing.T) {
	hub := depsHub(t)
	t.Setenv("DBT_PACKAGE_HUB_URL", hub.URL+"/")
	// Bad input: exit 2 with the position.
	dir := depsProject(t, "packages:\n  - package: dbt-labs/tiny\n    version: 9.9.9\n")
	r := elt(t, dir, "deps")
	if r.code != exitUsage || !strings.Contains(r.stderr, "packages.yml:3:14: could not find a matching compatible version for package dbt-labs/tiny") {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
	dir = depsProject(t, "packages:\n  - package: dbt-labs/tiny\n    version: [\">=1.0.0\"\n")
	if r := elt(t, dir, "deps"); r.code != exitUsage || !strings.Contains(r.stderr, "packages.yml") {
		t.Errorf("bad YAML: exit %d\n%s", r.code, r.stderr)
	}
	// Unreachable hub: exit 2 (dbt's deps ends in an exception), one line
	// naming the URL.
	srv := httptest.NewServer(http.NotFoundHandler())
	gone := srv.URL
	srv.Close()
	t.Setenv("DBT_PACKAGE_HUB_URL", gone+"/")
	dir = depsProject(t, "packages:\n  - package: dbt-labs/tiny\n    version: 1.0.0\n")
	r = elt(t, dir, "deps")
	if r.code != exitUsage || !strings.Contains(r.stderr, "package hub "+gone+"/api/v1/index.json: unreachable") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("unreachable hub: exit %d\n%s", r.code, r.stderr)
	}
	// A secret in a git URL never reaches the output.
	const token = "ghp_s3cr3tT0kenXYZ"
	t.Setenv("DBT_ENV_SECRET_GIT_TOKEN", token)
	dir = depsProject(t, "packages:\n  - git: \"https://{{ env_var('DBT_ENV_SECRET_GIT_TOKEN') }}@127.0.0.1:1/org/repo.git\"\n    revision: 1.0.0\n")
	r = elt(t, dir, "deps")
	if r.code != exitUsage || strings.Contains(r.stdout+r.stderr, token) || !strings.Contains(r.stderr, "env_var('DBT_ENV_SECRET_GIT_TOKEN')") {
		t.Errorf("secret: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestDepsAddPackage(t *testing.T) {
	dir := depsProject(t, "packages: []\n")
	os.MkdirAll(filepath.Join(dir, "vendor", "mine"), 0o755)
	os.WriteFile(filepath.Join(dir, "vendor", "mine", "dbt_project.yml"), []byte("name: mine\n"), 0o644)
	r := elt(t, dir, "deps", "--add-package", "vendor/mine", "--source", "local")
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "packages.yml"))
	if string(b) != "packages:\n  - local: vendor/mine\n" {
		t.Errorf("packages.yml:\n%s", b)
	}
	if !strings.Contains(r.stdout, "Added new package vendor/mine@None to") || !strings.Contains(r.stdout, "Installing vendor/mine") {
		t.Error(r.stdout)
	}
	if r := elt(t, dir, "deps", "--add-package", "dbt-labs/dbt_utils"); r.code != exitUsage || !strings.Contains(r.stderr, "version is required") {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
}
