package deps

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/format/pktline"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/server"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/secrets"
)

// The provider lists of dbt-core's unit tests for private packages
// (tests/unit/deps/test_private_package.py): the same configurations,
// packages and expected URLs, so that elt resolves as dbt does.
var (
	providersGitHub      = []gitProvider{{Org: "github-labs", URL: "https://{token}@github.com/github-labs/{repo}.git", Token: "github_token", Provider: "github"}}
	providersGitLab      = []gitProvider{{Org: "gitlab-labs", URL: "https://{token}@gitlab.com/gitlab-labs/test.git", Token: "gitlab_token", Provider: "gitlab"}}
	providersGitLabGroup = []gitProvider{{Org: "gitlab-labs", URL: "https://{token}@gitlab.com/gitlab-labs/gitlab-project/test.git", Token: "gitlab_group_token", Provider: "gitlab"}}
	providersAAD         = []gitProvider{{Org: "aad-labs", URL: "https://{token}@dev.azure.com/aad-labs/aad-project/_git/{repo}.git", Token: "aad_token", Provider: "azure_active_directory"}}
	providersADO         = []gitProvider{{Org: "ado-labs", URL: "https://{token}@dev.azure.com/ado-labs/ado-project/_git/{repo}.git", Token: "ado_token", Provider: "ado"}}
	providersADOLegacy   = []gitProvider{
		{Org: "ado-labs", URL: "https://{token}@dev.azure.com/ado-labs/ado-project/_git/{repo}.git", Token: "ado_token", Provider: "azure_active_directory"},
		{Org: "ado-labs", URL: "https://{token}@dev.azure.com/ado-labs/ado-project/_git/{repo}.git", Token: "ado_token", Provider: "ado"},
	}
	providersADOWildcard = []gitProvider{{Org: "ado-labs", URL: "https://{token}@dev.azure.com/ado-labs/{project}/_git/{repo}.git", Token: "ado_token", Provider: "ado"}}
)

func providersJSON(t *testing.T, lists ...[]gitProvider) string {
	t.Helper()
	var out []map[string]string
	for _, l := range lists {
		for _, p := range l {
			out = append(out, map[string]string{"org": p.Org, "url": p.URL, "token": p.Token, "provider": p.Provider})
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// resolvePrivate resolves one private package with info as the
// variable's value ("" for unset).
func resolvePrivate(info, name, provider string) (url, shown string, err error) {
	env := func(k string) (string, bool) {
		if k == privateProviderEnv && info != "" {
			return info, true
		}
		return "", false
	}
	in := &installer{opts: Options{Env: env}, secrets: secrets.FromEnviron(nil)}
	r := &Requirement{Kind: KindPrivate, Private: name, Provider: provider, Origin: Origin{File: "packages.yml"},
		keyPos: map[string]diag.Pos{"private": {Line: 2, Column: 14}, "provider": {Line: 3, Column: 15}}}
	return in.privateURL(r)
}

func TestPrivateURLAsDBT(t *testing.T) {
	multi := [][]gitProvider{providersGitHub, providersGitLab, providersGitLabGroup, providersAAD, providersADO,
		{{Org: "ado-labs", URL: "https://{token}@dev.azure.com/ado-labs/other-project/_git/{repo}.git", Token: "ado_token_2", Provider: "ado"}},
		{{Org: "ado-labs", URL: "https://{token}@dev.azure.com/ado-labs/ado-project/_git/{repo}.git", Token: "ado_token", Provider: "azure_active_directory"}},
	}
	const (
		ghTest    = "https://github_token@github.com/github-labs/test.git"
		glTest    = "https://gitlab_token@gitlab.com/gitlab-labs/test.git"
		glGroup   = "https://gitlab_group_token@gitlab.com/gitlab-labs/gitlab-project/test.git"
		aadTest   = "https://aad_token@dev.azure.com/aad-labs/aad-project/_git/test.git"
		adoTest   = "https://ado_token@dev.azure.com/ado-labs/ado-project/_git/test.git"
		adoOther  = "https://ado_token_2@dev.azure.com/ado-labs/other-project/_git/test.git"
		noMatch   = ""
		fromAlpha = "https://ado_token@dev.azure.com/ado-labs/project-alpha/_git/repo-x.git"
	)
	cases := []struct {
		name      string
		providers [][]gitProvider
		pkg, prov string
		want      string // "" when no provider matches
	}{
		// GitHub: org/{repo}.
		{"github", [][]gitProvider{providersGitHub}, "github-labs/test", "github", ghTest},
		{"github without provider", [][]gitProvider{providersGitHub}, "github-labs/test", "", ghTest},
		{"github other org", [][]gitProvider{providersGitHub}, "other-org/test", "github", noMatch},
		{"github asked as gitlab", [][]gitProvider{providersGitHub}, "github-labs/test", "gitlab", noMatch},
		{"github asked as azure_devops", [][]gitProvider{providersGitHub}, "github-labs/test", "azure_devops", noMatch},
		{"github asked as ado", [][]gitProvider{providersGitHub}, "github-labs/test", "ado", noMatch},
		// GitLab, one fixed repository.
		{"gitlab", [][]gitProvider{providersGitLab}, "gitlab-labs/test", "gitlab", glTest},
		{"gitlab without provider", [][]gitProvider{providersGitLab}, "gitlab-labs/test", "", glTest},
		{"gitlab other repo", [][]gitProvider{providersGitLab}, "gitlab-labs/another-test", "gitlab", noMatch},
		{"gitlab other group", [][]gitProvider{providersGitLab}, "gitlab-labs/other-group/test", "gitlab", noMatch},
		{"gitlab group against no group", [][]gitProvider{providersGitLab}, "gitlab-labs/gitlab-project/test", "", noMatch},
		{"gitlab asked as github", [][]gitProvider{providersGitLab}, "gitlab-labs/test", "github", noMatch},
		// GitLab with a subgroup.
		{"gitlab subgroup", [][]gitProvider{providersGitLabGroup}, "gitlab-labs/gitlab-project/test", "gitlab", glGroup},
		{"gitlab subgroup without provider", [][]gitProvider{providersGitLabGroup}, "gitlab-labs/gitlab-project/test", "", glGroup},
		{"gitlab no group against subgroup", [][]gitProvider{providersGitLabGroup}, "gitlab-labs/test", "gitlab", noMatch},
		{"gitlab other subgroup", [][]gitProvider{providersGitLabGroup}, "gitlab-labs/other-project/test", "gitlab", noMatch},
		{"gitlab subgroup other org", [][]gitProvider{providersGitLabGroup}, "other-org/gitlab-project/test", "gitlab", noMatch},
		// Azure DevOps under its legacy name azure_active_directory: org and repo.
		{"aad org/repo as azure_devops", [][]gitProvider{providersAAD}, "aad-labs/test", "azure_devops", aadTest},
		{"aad org/repo without provider", [][]gitProvider{providersAAD}, "aad-labs/test", "", aadTest},
		{"aad other org", [][]gitProvider{providersAAD}, "other-org/test", "azure_devops", noMatch},
		{"aad asked as github", [][]gitProvider{providersAAD}, "aad-labs/test", "github", noMatch},
		{"aad org/repo as ado", [][]gitProvider{providersAAD}, "aad-labs/test", "ado", noMatch},
		{"aad org/project/repo as ado", [][]gitProvider{providersAAD}, "aad-labs/aad-project/test", "ado", aadTest},
		{"aad org/project/repo without provider", [][]gitProvider{providersAAD}, "aad-labs/aad-project/test", "", aadTest},
		{"aad other project as ado", [][]gitProvider{providersAAD}, "aad-labs/other-group/test", "ado", noMatch},
		{"aad org/project/repo as azure_devops", [][]gitProvider{providersAAD}, "aad-labs/aad-project/test", "azure_devops", aadTest},
		// ADO with its legacy entry first: the first match wins.
		{"ado legacy first", [][]gitProvider{providersADOLegacy}, "ado-labs/test", "azure_devops", adoTest},
		{"ado legacy first without provider", [][]gitProvider{providersADOLegacy}, "ado-labs/test", "", adoTest},
		{"ado legacy first asked as gitlab", [][]gitProvider{providersADOLegacy}, "ado-labs/test", "gitlab", noMatch},
		// ADO, org/project/repo.
		{"ado org/repo", [][]gitProvider{providersADO}, "ado-labs/test", "ado", noMatch},
		{"ado org/repo without provider", [][]gitProvider{providersADO}, "ado-labs/test", "", noMatch},
		{"ado", [][]gitProvider{providersADO}, "ado-labs/ado-project/test", "ado", adoTest},
		{"ado without provider", [][]gitProvider{providersADO}, "ado-labs/ado-project/test", "", adoTest},
		{"ado other project", [][]gitProvider{providersADO}, "ado-labs/other-group/test", "ado", noMatch},
		{"ado as azure_devops", [][]gitProvider{providersADO}, "ado-labs/ado-project/test", "azure_devops", adoTest},
		{"ado other project as azure_devops", [][]gitProvider{providersADO}, "ado-labs/other-group/test", "azure_devops", noMatch},
		{"ado asked as github", [][]gitProvider{providersADO}, "ado-labs/ado-project/test", "github", noMatch},
		// ADO, any project: {project} is filled in from the package.
		{"ado wildcard", [][]gitProvider{providersADOWildcard}, "ado-labs/ado-project/test", "ado", adoTest},
		{"ado wildcard without provider", [][]gitProvider{providersADOWildcard}, "ado-labs/ado-project/test", "", adoTest},
		{"ado wildcard as azure_devops", [][]gitProvider{providersADOWildcard}, "ado-labs/ado-project/test", "azure_devops", adoTest},
		{"ado wildcard needs a project (azure_devops)", [][]gitProvider{providersADOWildcard}, "ado-labs/test", "azure_devops", noMatch},
		{"ado wildcard needs a project", [][]gitProvider{providersADOWildcard}, "ado-labs/test", "", noMatch},
		{"ado wildcard needs a project (ado)", [][]gitProvider{providersADOWildcard}, "ado-labs/test", "ado", noMatch},
		{"ado wildcard other org", [][]gitProvider{providersADOWildcard}, "other-org/ado-project/test", "ado", noMatch},
		{"ado wildcard fills the project", [][]gitProvider{providersADOWildcard}, "ado-labs/project-alpha/repo-x", "ado", fromAlpha},
		// All of them at once.
		{"multi github", multi, "github-labs/test", "github", ghTest},
		{"multi github without provider", multi, "github-labs/test", "", ghTest},
		{"multi legacy ado as azure_active_directory", multi, "ado-labs/test", "azure_active_directory", adoTest},
		{"multi legacy ado as azure_devops", multi, "ado-labs/test", "azure_devops", adoTest},
		{"multi legacy ado without provider", multi, "ado-labs/test", "", adoTest},
		{"multi ado other project", multi, "ado-labs/other-project/test", "ado", adoOther},
		{"multi aad", multi, "aad-labs/test", "azure_active_directory", aadTest},
		{"multi gitlab subgroup", multi, "gitlab-labs/gitlab-project/test", "gitlab", glGroup},
		{"multi gitlab subgroup without provider", multi, "gitlab-labs/gitlab-project/test", "", glGroup},
		{"multi github asked as gitlab", multi, "github-labs/test", "gitlab", noMatch},
		{"multi gitlab asked as github", multi, "gitlab-labs/gitlab-project/test", "github", noMatch},
		// elt's own: a {group} wildcard does not stand for no group, nor
		// {repo} for an empty repo.
		{"group wildcard needs a group", [][]gitProvider{{{Org: "o", URL: "https://{token}@git.example.com/o/{group}/{repo}.git", Token: "tk", Provider: "gitlab"}}}, "o/r", "", noMatch},
		{"group wildcard", [][]gitProvider{{{Org: "o", URL: "https://{token}@git.example.com/o/{group}/{repo}.git", Token: "tk", Provider: "gitlab"}}}, "o/a/b/r", "", "https://tk@git.example.com/o/a/b/r.git"},
		{"repo wildcard needs a repo", [][]gitProvider{providersGitHub}, "github-labs/", "", noMatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			url, shown, err := resolvePrivate(providersJSON(t, c.providers...), c.pkg, c.prov)
			if c.want == noMatch {
				if err == nil || !strings.Contains(err.Error(), "no git provider in DBT_ENV_PRIVATE_GIT_PROVIDER_INFO matches private package "+c.pkg) {
					t.Fatalf("want no match, got %q, %v", url, err)
				}
				if !strings.HasPrefix(err.Error(), "packages.yml:2:14: ") {
					t.Errorf("error not positioned at the private: value: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if url != c.want {
				t.Errorf("url:\n got %s\nwant %s", url, c.want)
			}
			if strings.Contains(shown, "_token") || !strings.Contains(shown, "*****@") {
				t.Errorf("shown URL holds the token or no mask: %s", shown)
			}
		})
	}
}

func TestPrivateSSHFallback(t *testing.T) {
	cases := []struct{ pkg, provider, info, want, wantErr string }{
		{"dbt-labs/repo", "", "", "git@github.com:dbt-labs/repo.git", ""},
		{"dbt-labs/repo", "github", "[]", "git@github.com:dbt-labs/repo.git", ""},
		{"grp/sub/repo", "gitlab", "", "git@gitlab.com:grp/sub/repo.git", ""},
		{"org/project/repo", "ado", "", "git@ssh.dev.azure.com:v3/org/project/repo", ""},
		{"org/project/repo", "azure_devops", "", "git@ssh.dev.azure.com:v3/org/project/repo", ""},
		{"org/repo", "ado", "", "", `packages.yml:2:14: the "ado" provider requires org/project/repo, got "org/repo"`},
		{"org/project/repo", "azure_active_directory", "", "", `packages.yml:3:15: provider "azure_active_directory" cannot be cloned over SSH`},
		{"org/repo", "bitbucket", "", "", `packages.yml:3:15: invalid provider "bitbucket"`},
		{"repo", "", "", "", `packages.yml:2:14: private package "repo" must be written org/repo`},
	}
	for _, c := range cases {
		url, _, err := resolvePrivate(c.info, c.pkg, c.provider)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s %s: want error %q, got %q, %v", c.pkg, c.provider, c.wantErr, url, err)
			}
			continue
		}
		if err != nil || url != c.want {
			t.Errorf("%s %s: got %q, %v; want %s", c.pkg, c.provider, url, err, c.want)
		}
	}
}

func TestPrivateProviderInfoErrors(t *testing.T) {
	for _, c := range []struct{ info, want string }{
		{"{not json", "not a JSON list"},
		{`{"org": "o"}`, "not a JSON list"},
		{`[{"org": "o", "url": "https://x/o/{repo}.git", "token": "t"}]`, `entry 1 has no "provider"`},
		{`[{"org": "o", "url": "https://x/o/{repo}.git", "token": "t", "provider": "github", "extra": 1}]`, `entry 1 has an unknown key "extra"`},
		{`[{"org": "o", "url": "https://x/o/{repo}.git", "token": "t", "provider": "bitbucket"}]`, `entry 1: invalid provider "bitbucket"`},
		{`[{"org": "o", "url": 7, "token": "t", "provider": "github"}]`, `entry 1: "url" is not a string`},
	} {
		_, _, err := resolvePrivate(c.info, "o/r", "")
		if err == nil || !strings.Contains(err.Error(), privateProviderEnv+": "+c.want) {
			t.Errorf("%s: want %q, got %v", c.info, c.want, err)
		}
	}
}

// TestURLPath: the path of a provider url, as Python's urlparse gives it.
func TestURLPath(t *testing.T) {
	for raw, want := range map[string]string{
		"https://{token}@github.com/org/{repo}.git":   "/org/{repo}.git",
		"https://github.com/org/repo.git?x=1#frag":    "/org/repo.git",
		"https://host/org/repo;params":                "/org/repo",
		"https://host":                                "",
		"git@github.com:org/repo.git":                 "git@github.com:org/repo.git",
		"ssh://git@host:22/org/repo.git":              "/org/repo.git",
		"HTTP://{token}@dev.azure.com/o/p/_git/r.git": "/o/p/_git/r.git",
	} {
		if got := urlPath(raw); got != want {
			t.Errorf("urlPath(%q) = %q, want %q", raw, got, want)
		}
	}
}

// gitHTTPServer serves the bare repositories under root over git's smart
// HTTP protocol (fetch only), as a git host does, and refuses requests
// whose user is not token, as a host refuses a bad access token.
func gitHTTPServer(t *testing.T, root, token string) (*httptest.Server, func() []string) {
	t.Helper()
	srv := server.NewServer(server.NewFilesystemLoader(osfs.New(root)))
	var mu sync.Mutex
	var seen []string
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _, _ := r.BasicAuth()
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path)
		mu.Unlock()
		if user != token {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		var repo, service string
		switch {
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/info/refs") && r.URL.Query().Get("service") == transport.UploadPackServiceName:
			repo, service = strings.TrimSuffix(r.URL.Path, "/info/refs"), "refs"
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/"+transport.UploadPackServiceName):
			repo, service = strings.TrimSuffix(r.URL.Path, "/"+transport.UploadPackServiceName), "pack"
		default:
			http.NotFound(w, r)
			return
		}
		ep, err := transport.NewEndpoint("file://" + repo)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		sess, err := srv.NewUploadPackSession(ep, nil)
		if errors.Is(err, transport.ErrRepositoryNotFound) {
			http.NotFound(w, r)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer sess.Close()
		if service == "refs" {
			ar, err := sess.AdvertisedReferencesContext(r.Context())
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			ar.Prefix = [][]byte{[]byte("# service=" + transport.UploadPackServiceName), pktline.Flush}
			w.Header().Set("Content-Type", "application/x-git-upload-pack-advertisement")
			ar.Encode(w)
			return
		}
		req := packp.NewUploadPackRequest()
		if err := req.Decode(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		// go-git's server cannot cut history (elt fetches at depth 1):
		// send all of it, in a response shaped for the request.
		full := *req
		full.Depth = packp.DepthCommits(0)
		full.Capabilities = capability.NewList()
		for _, c := range req.Capabilities.All() {
			if c != capability.Shallow {
				full.Capabilities.Set(c, req.Capabilities.Get(c)...)
			}
		}
		pack, err := sess.UploadPack(r.Context(), &full)
		if err != nil {
			t.Logf("git host: upload-pack: %v", err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer pack.Close()
		resp := packp.NewUploadPackResponseWithPackfile(req, pack)
		w.Header().Set("Content-Type", "application/x-git-upload-pack-result")
		resp.Encode(w)
	}))
	t.Cleanup(hs.Close)
	return hs, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), seen...) }
}

// bareClone makes a bare copy of the repository at src in dst.
func bareClone(t *testing.T, src, dst string) {
	t.Helper()
	if _, err := git.PlainClone(dst, true, &git.CloneOptions{URL: src, Tags: git.AllTags}); err != nil {
		t.Fatal(err)
	}
	// Branches other than the default one, as a host has them.
	from, err := git.PlainOpen(src)
	if err != nil {
		t.Fatal(err)
	}
	to := filesystem.NewStorage(osfs.New(dst), cache.NewObjectLRUDefault())
	refs, _ := from.References()
	refs.ForEach(func(r *plumbing.Reference) error {
		if r.Name().IsBranch() {
			return to.SetReference(r)
		}
		return nil
	})
}

// TestPrivatePackages installs `private:` packages as dbt does: resolved
// through DBT_ENV_PRIVATE_GIT_PROVIDER_INFO to a token URL on the git host
// (here a bare repository served over HTTP), deduplicated, locked as
// `private:` with the commit, the token never shown.
func TestPrivatePackages(t *testing.T) {
	const token = "pRiv4teT0ken77"
	base := t.TempDir()
	first, _ := gitRepo(t, filepath.Join(base, "work"))
	bareClone(t, filepath.Join(base, "work"), filepath.Join(base, "host", "acme", "dbt_helpers.git"))
	host, requests := gitHTTPServer(t, filepath.Join(base, "host"), token)

	info := providersJSON(t, []gitProvider{{Org: "acme", URL: strings.Replace(host.URL, "http://", "http://{token}@", 1) + "/acme/{repo}.git", Token: token, Provider: "github"}})
	env := map[string]string{privateProviderEnv: info}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	withEnv := func(o *Options) { o.Env = lookup }

	// Listed twice, as in dbt's functional test: one package.
	dir := newProject(t, "packages:\n  - private: acme/dbt_helpers\n    revision: 1.0.0\n  - private: acme/dbt_helpers\n    revision: 1.0.0\n")
	res, log, err := runDeps(t, dir, nil, withEnv)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.text())
	}
	if len(res.Installed) != 1 || res.Installed[0].Name != "gp" || res.Installed[0].Source != "private" || res.Installed[0].Version != first {
		t.Fatalf("installed %+v", res.Installed)
	}
	if got := readFile(t, filepath.Join(dir, "dbt_packages/gp/macros/v.sql")); got != "v1" {
		t.Errorf("revision 1.0.0 not checked out: macros/v.sql is %q", got)
	}
	lock := readFile(t, filepath.Join(dir, "package-lock.yml"))
	if want := "packages:\n  - name: gp\n    private: acme/dbt_helpers\n    revision: " + first + "\nsha1_hash: "; !strings.HasPrefix(lock, want) {
		t.Errorf("lock:\n%s\nwant it to start with\n%s", lock, want)
	}
	if strings.Contains(lock+log.text(), token) {
		t.Errorf("the token shows:\n%s\n%s", lock, log.text())
	}
	if !strings.Contains(log.text(), "Installing http://*****@127.0.0.1") {
		t.Errorf("install line should show the URL with the token masked:\n%s", log.text())
	}
	if n := len(requests()); n == 0 {
		t.Fatal("the git host saw no request")
	}

	// From the lock: the same URL again, and the lock is kept.
	res, log, err = runDeps(t, dir, nil, withEnv)
	if err != nil || res.LockWritten || len(res.Installed) != 1 {
		t.Fatalf("second run: %v %+v\n%s", err, res, log.text())
	}

	// A provider given in packages.yml is kept in the lock.
	dir2 := newProject(t, "packages:\n  - private: acme/dbt_helpers\n    provider: github\n    revision: 1.0.0\n")
	if _, log, err := runDeps(t, dir2, nil, withEnv); err != nil {
		t.Fatalf("%v\n%s", err, log.text())
	}
	if lock := readFile(t, filepath.Join(dir2, "package-lock.yml")); !strings.Contains(lock, "    provider: github\n") {
		t.Errorf("provider not locked:\n%s", lock)
	}

	// Another provider does not match; the error points at the entry.
	dir3 := newProject(t, "packages:\n  - private: acme/dbt_helpers\n    provider: gitlab\n")
	_, _, err = runDeps(t, dir3, nil, withEnv)
	if err == nil || !strings.Contains(err.Error(), "packages.yml:2:14: no git provider in DBT_ENV_PRIVATE_GIT_PROVIDER_INFO matches private package acme/dbt_helpers with provider gitlab") {
		t.Errorf("provider mismatch: %v", err)
	}

	// A wrong token: the host refuses, and neither token shows.
	env[privateProviderEnv] = strings.ReplaceAll(info, token, "wr0ngT0ken55")
	_, log, err = runDeps(t, dir, nil, func(o *Options) { o.Env = lookup; o.Upgrade = true })
	var ie *InstallError
	if !errors.As(err, &ie) {
		t.Fatalf("wrong token: want an install error, got %v", err)
	}
	if all := err.Error() + log.text(); strings.Contains(all, "wr0ngT0ken55") || strings.Contains(all, token) {
		t.Errorf("a token shows:\n%v\n%s", err, log.text())
	}
}
