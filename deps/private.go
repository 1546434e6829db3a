package deps

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
)

// Private packages (`private: org/repo`) name a repository by its path on a
// git provider. dbt-core 1.9 refuses them ("git provider integration is
// missing"); later dbt-core (core/dbt/deps/private_package.py) resolves
// them as elt does here:
//
//   - DBT_ENV_PRIVATE_GIT_PROVIDER_INFO, set by the dbt platform, is a JSON
//     list of {org, url, token, provider}; every key is required and the
//     provider is github, gitlab, ado, azure_devops or
//     azure_active_directory (the last three are one provider). Each token
//     is a secret.
//   - The first entry that matches wins: its org equals the package's org
//     (the first path segment), its provider equals the package's
//     provider: when one is given, and its url's path (without the leading
//     slash and ".git"; for the ADO providers also without "/_git/")
//     matches the package's org/group/repo, where "{repo}" in the url
//     stands for any non-empty repo and "{group}" or "{project}" for any
//     non-empty path between org and repo.
//   - azure_devops and azure_active_directory are ADO's legacy names: a
//     url or a package under them matches on org and repo alone, unless
//     the other side names a group; provider ado with org/repo does not
//     use a legacy url.
//   - The url is then filled in: {token}, {repo}, and {group} and
//     {project} with the package's path between org and repo.
//   - With the variable unset or an empty list, the package is cloned
//     over SSH: git@github.com:org/repo.git (provider github, the
//     default), git@gitlab.com:org/repo.git (gitlab), or
//     git@ssh.dev.azure.com:v3/org/project/repo (ado or azure_devops,
//     which need the three parts); azure_active_directory needs the
//     variable.
//
// elt differs in two small ways, both failing less: a package named
// without a slash is refused with a hint instead of failing later, and an
// empty (rather than unset) variable means no providers, where dbt's JSON
// parser fails.

const privateProviderEnv = "DBT_ENV_PRIVATE_GIT_PROVIDER_INFO"

// Providers a private package or a provider entry may name.
const (
	providerGitHub     = "github"
	providerGitLab     = "gitlab"
	providerADO        = "ado"
	providerAzureDevOp = "azure_devops"
	providerAzureAD    = "azure_active_directory"
)

func validProvider(p string) bool {
	switch p {
	case providerGitHub, providerGitLab, providerADO, providerAzureDevOp, providerAzureAD:
		return true
	}
	return false
}

// sameProvider compares providers as dbt's GitProvider does: the three
// ADO names are one provider.
func sameProvider(a, b string) bool {
	isADO := func(p string) bool { return p == providerADO || p == providerAzureDevOp || p == providerAzureAD }
	if isADO(a) || isADO(b) {
		return isADO(a) && isADO(b)
	}
	return a == b
}

// legacyADO reports ADO's legacy provider names, under which names match
// on org and repo alone.
func legacyADO(p string) bool { return p == providerAzureDevOp || p == providerAzureAD }

// gitProvider is one entry of DBT_ENV_PRIVATE_GIT_PROVIDER_INFO.
type gitProvider struct {
	Org      string
	URL      string
	Token    string
	Provider string
}

// parseProviders reads the variable as dbt builds its GitRepository list:
// every key required, no other key, a known provider.
func parseProviders(info string) ([]gitProvider, error) {
	fail := func(format string, args ...any) error {
		return diag.Errorf("", diag.Pos{}, "the dbt platform sets it; unset it to clone private packages over SSH",
			"%s: %s", privateProviderEnv, fmt.Sprintf(format, args...))
	}
	var raw []map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader([]byte(info)))
	if err := dec.Decode(&raw); err != nil || dec.More() {
		return nil, fail("not a JSON list of git providers ({org, url, token, provider})")
	}
	var out []gitProvider
	for i, entry := range raw {
		var p gitProvider
		for key, dst := range map[string]*string{"org": &p.Org, "url": &p.URL, "token": &p.Token, "provider": &p.Provider} {
			v, ok := entry[key]
			if !ok {
				return nil, fail("entry %d has no %q", i+1, key)
			}
			if err := json.Unmarshal(v, dst); err != nil {
				return nil, fail("entry %d: %q is not a string", i+1, key)
			}
		}
		for key := range entry {
			switch key {
			case "org", "url", "token", "provider":
			default:
				return nil, fail("entry %d has an unknown key %q", i+1, key)
			}
		}
		if !validProvider(p.Provider) {
			return nil, fail("entry %d: invalid provider %q (valid: github, gitlab, ado, azure_devops, azure_active_directory)", i+1, p.Provider)
		}
		out = append(out, p)
	}
	return out, nil
}

// privateName is a private package's org, the path between org and repo
// (its group, "" for none) and repo; legacy under ADO's legacy names.
type privateName struct {
	org, group, repo string
	legacy           bool
}

// parsePrivateName splits s, which has at least one slash.
func parsePrivateName(s string, legacy bool) privateName {
	parts := strings.Split(s, "/")
	return privateName{org: parts[0], group: strings.Join(parts[1:len(parts)-1], "/"), repo: parts[len(parts)-1], legacy: legacy}
}

// wildEqual is dbt's SmartString equality: a wildcard on either side
// matches any non-empty value (it could not be filled in with an empty one).
func wildEqual(a, b string, wildcard func(string) bool) bool {
	if (wildcard(a) && b != "") || (wildcard(b) && a != "") {
		return true
	}
	return a == b
}

func repoWildcard(s string) bool  { return s == "{repo}" }
func groupWildcard(s string) bool { return s == "{group}" || s == "{project}" }

// matches says whether a provider url's path u names package n, as dbt
// compares them (url == package, where a legacy side ignores the group
// unless the other side has one).
func (u privateName) matches(n privateName) bool {
	orgRepo := u.org == n.org && wildEqual(u.repo, n.repo, repoWildcard)
	full := orgRepo && wildEqual(u.group, n.group, groupWildcard)
	switch {
	case u.legacy && n.legacy:
		return orgRepo
	case u.legacy:
		if n.group != "" {
			return full
		}
		return orgRepo
	case n.legacy:
		if u.group != "" {
			return full
		}
		return orgRepo
	}
	return full
}

// urlPath is the path of a URL as Python's urllib.parse.urlparse finds it:
// after the scheme and the //authority, before any query or fragment, and
// without ;params in its last segment.
func urlPath(raw string) string {
	s, scheme := raw, ""
	if i := strings.IndexByte(s, ':'); i > 0 && isSchemeStart(s[0]) && strings.Trim(s[:i], schemeChars) == "" {
		scheme, s = strings.ToLower(s[:i]), s[i+1:]
	}
	if strings.HasPrefix(s, "//") {
		rest := s[2:]
		j := strings.IndexAny(rest, "/?#")
		if j < 0 {
			return ""
		}
		s = rest[j:]
	}
	if j := strings.IndexAny(s, "?#"); j >= 0 {
		s = s[:j]
	}
	switch scheme {
	case "", "http", "https", "ftp", "sftp":
		if i := strings.IndexByte(s[strings.LastIndexByte(s, '/')+1:], ';'); i >= 0 {
			s = s[:strings.LastIndexByte(s, '/')+1+i]
		}
	}
	return s
}

const schemeChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-."

func isSchemeStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// definition is the package a provider url names.
func (p gitProvider) definition() (privateName, bool) {
	path := strings.TrimSuffix(strings.TrimPrefix(urlPath(p.URL), "/"), ".git")
	if sameProvider(p.Provider, providerADO) {
		path = strings.ReplaceAll(path, "/_git/", "/")
	}
	if !strings.Contains(path, "/") {
		return privateName{}, false
	}
	return parsePrivateName(path, legacyADO(p.Provider)), true
}

// privateURL returns the URL to clone and the URL to show.
func (in *installer) privateURL(r *Requirement) (string, string, error) {
	name := r.Private
	bad := func(format string, args ...any) error {
		return diag.Errorf(r.Origin.File, r.posOf("private"), "write private: org/repo (org/project/repo on Azure DevOps), or use a git: package with the repository URL", format, args...)
	}
	if !strings.Contains(name, "/") {
		return "", "", bad("private package %q must be written org/repo", name)
	}
	provider := r.Provider
	if provider != "" && !validProvider(provider) {
		return "", "", diag.Errorf(r.Origin.File, r.posOf("provider"), "use github, gitlab, ado or azure_devops",
			"invalid provider %q for private package %s (valid: github, gitlab, ado, azure_devops, azure_active_directory)", provider, name)
	}
	var providers []gitProvider
	if info, _ := in.opts.Env(privateProviderEnv); strings.TrimSpace(info) != "" {
		var err error
		if providers, err = parseProviders(info); err != nil {
			return "", "", err
		}
	}
	if len(providers) == 0 {
		return sshFallback(r, name, provider, bad)
	}
	for _, p := range providers {
		in.secrets.Add(p.Token)
	}
	want := parsePrivateName(name, legacyADO(provider))
	for _, p := range providers {
		if p.Org != want.org || (provider != "" && !sameProvider(p.Provider, provider)) {
			continue
		}
		def, ok := p.definition()
		if !ok {
			continue
		}
		// Provider ado means the full org/project/repo: a legacy url,
		// which ignores the project, is not used for org/repo.
		if def.legacy && provider == providerADO && want.group == "" {
			continue
		}
		if !def.matches(want) {
			continue
		}
		fill := func(token string) string {
			return strings.NewReplacer("{token}", token, "{repo}", want.repo, "{group}", want.group, "{project}", want.group).Replace(p.URL)
		}
		return fill(p.Token), fill("*****"), nil
	}
	with := ""
	if provider != "" {
		with = " with provider " + provider
	}
	return "", "", bad("no git provider in %s matches private package %s%s", privateProviderEnv, name, with)
}

// sshFallback is the URL dbt clones when no provider is configured.
func sshFallback(r *Requirement, name, provider string, bad func(string, ...any) error) (string, string, error) {
	var u string
	switch provider {
	case "", providerGitHub:
		u = "git@github.com:" + name + ".git"
	case providerGitLab:
		u = "git@gitlab.com:" + name + ".git"
	case providerADO, providerAzureDevOp:
		if strings.Count(name, "/") < 2 {
			return "", "", bad("the %q provider requires org/project/repo, got %q", provider, name)
		}
		u = "git@ssh.dev.azure.com:v3/" + name
	default:
		return "", "", diag.Errorf(r.Origin.File, r.posOf("provider"), "set "+privateProviderEnv+" (the dbt platform does), or use provider ado",
			"provider %q cannot be cloned over SSH (valid without %s: github, gitlab, ado, azure_devops)", provider, privateProviderEnv)
	}
	return u, u, nil
}
