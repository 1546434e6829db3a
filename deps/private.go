package deps

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
)

// Private packages (`private: org/repo`) name a repository by its path on a
// git provider. dbt-core 1.9 refuses them ("git provider integration is
// missing"); newer dbt-core resolves them from the provider list that the
// dbt platform puts in DBT_ENV_PRIVATE_GIT_PROVIDER_INFO (a JSON list of
// {org, url, token, provider}, url holding {token}, {repo} and {group}
// placeholders), or without it to an SSH URL on the provider
// (git@github.com:org/repo.git). elt does the same; the token is a secret.

const privateProviderEnv = "DBT_ENV_PRIVATE_GIT_PROVIDER_INFO"

type gitProvider struct {
	Org      string `json:"org"`
	URL      string `json:"url"`
	Token    string `json:"token"`
	Provider string `json:"provider"`
}

func normProvider(p string) string {
	switch p {
	case "azure_devops", "azure_active_directory", "ado":
		return "ado"
	}
	return p
}

// privateURL returns the URL to clone and the URL to show.
func (in *installer) privateURL(r *Requirement) (string, string, error) {
	name := r.Private
	parts := strings.Split(name, "/")
	bad := func(format string, args ...any) error {
		return diag.Errorf(r.Origin.File, r.posOf("private"), "write private: org/repo (org/project/repo on Azure DevOps), or use a git: package with the repository URL", format, args...)
	}
	if len(parts) < 2 {
		return "", "", bad("private package %q must be written org/repo", name)
	}
	provider := r.Provider
	switch provider {
	case "", "github", "gitlab", "ado", "azure_devops", "azure_active_directory":
	default:
		return "", "", diag.Errorf(r.Origin.File, r.posOf("provider"), "use github, gitlab, ado or azure_devops", "invalid provider %q", provider)
	}
	info, _ := in.opts.Env(privateProviderEnv)
	if strings.TrimSpace(info) == "" || strings.TrimSpace(info) == "[]" {
		switch p := provider; {
		case p == "" || p == "github":
			u := "git@github.com:" + name + ".git"
			return u, u, nil
		case p == "gitlab":
			u := "git@gitlab.com:" + name + ".git"
			return u, u, nil
		default:
			if len(parts) < 3 {
				return "", "", bad("the %q provider requires org/project/repo, got %q", provider, name)
			}
			u := "git@ssh.dev.azure.com:v3/" + name
			return u, u, nil
		}
	}
	var providers []gitProvider
	if err := json.Unmarshal([]byte(info), &providers); err != nil {
		return "", "", diag.Errorf("", diag.Pos{}, "it is set by the dbt platform; unset it to clone private packages over SSH", "%s is not a JSON list of git providers", privateProviderEnv)
	}
	org, repo, group := parts[0], parts[len(parts)-1], strings.Join(parts[1:len(parts)-1], "/")
	for _, p := range providers {
		in.secrets.Add(p.Token)
		if p.Org != org || (provider != "" && normProvider(provider) != normProvider(p.Provider)) {
			continue
		}
		u, err := url.Parse(p.URL)
		if err != nil {
			continue
		}
		pth := strings.TrimSuffix(strings.TrimPrefix(u.Path, "/"), ".git")
		pth = strings.ReplaceAll(pth, "/_git/", "/")
		pp := strings.Split(pth, "/")
		if len(pp) < 2 || pp[0] != org {
			continue
		}
		prepo, pgroup := pp[len(pp)-1], strings.Join(pp[1:len(pp)-1], "/")
		if prepo != "{repo}" && prepo != repo {
			continue
		}
		if pgroup != "{group}" && pgroup != "{project}" && pgroup != group {
			continue
		}
		full := strings.NewReplacer("{token}", p.Token, "{repo}", repo, "{group}", group, "{project}", group).Replace(p.URL)
		shown := strings.NewReplacer("{token}", "*****", "{repo}", repo, "{group}", group, "{project}", group).Replace(p.URL)
		return full, shown, nil
	}
	return "", "", bad("no git provider in %s matches private package %s%s", privateProviderEnv, name, fmt.Sprint(map[bool]string{true: " with provider " + provider, false: ""}[provider != ""]))
}
