package deps

import (
	"errors"
	"io/fs"
	"os"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/pyyaml"
)

// lockEntry is dbt's PinnedPackage.to_dict() with the package's project
// name, as dbt deps writes each entry.
func (in *installer) lockEntry(p *pinned) map[string]any {
	e := in.pinnedEntry(p)
	if p.projectName != "" {
		e["name"] = p.projectName
	}
	return e
}

// pinnedEntry is dbt's PinnedPackage.to_dict().
func (in *installer) pinnedEntry(p *pinned) map[string]any {
	switch p.kind {
	case KindHub:
		return map[string]any{"package": p.hubName, "version": p.version}
	case KindGit, KindPrivate:
		key, val := "git", p.gitShown
		if p.kind == KindPrivate {
			key, val = "private", p.private
		}
		// dbt writes the URL as written in packages.yml (env_var calls
		// unrendered) and scrubs any secret value that was typed in.
		scrubbed := in.secrets.Scrub(val)
		if scrubbed != val {
			in.event("warn", "DepsScrubbedPackageName", "Detected secret env var in "+scrubbed+". elt will write a scrubbed representation to the lock file. This will cause issues with subsequent 'elt deps' using the lock file, requiring 'elt deps --upgrade'", nil)
		}
		e := map[string]any{key: scrubbed, "revision": p.revision}
		if p.subdirectory != "" {
			e["subdirectory"] = p.subdirectory
		}
		if p.kind == KindPrivate && p.provider != "" {
			e["provider"] = p.provider
		}
		return e
	case KindLocal:
		return map[string]any{"local": p.local}
	default:
		scrubbed := in.secrets.Scrub(p.tarballShown)
		if scrubbed != p.tarballShown {
			in.event("warn", "DepsScrubbedPackageName", "Detected secret env var in "+scrubbed+". elt will write a scrubbed representation to the lock file. This will cause issues with subsequent 'elt deps' using the lock file, requiring 'elt deps --upgrade'", nil)
		}
		return map[string]any{"tarball": scrubbed, "name": p.name}
	}
}

func (in *installer) writeLock(path string, pins []*pinned, hash string) error {
	var list []any
	for _, p := range pins {
		list = append(list, in.lockEntry(p))
	}
	if list == nil {
		list = []any{}
	}
	doc := map[string]any{"packages": list, lockHashKey: hash}
	text, err := dumpPackagesYAML(doc)
	if err == nil {
		err = os.WriteFile(path, []byte(text), 0o644)
	}
	if err != nil {
		return &InstallError{Err: err}
	}
	return nil
}

// dumpPackagesYAML writes v as dbt writes package-lock.yml and
// packages.yml: PyYAML's yaml.dump with sort_keys and dbt's
// dbtPackageDumper, which indents a mapping's sequences under their key.
func dumpPackagesYAML(v any) (string, error) {
	return pyyaml.Dump(v, pyyaml.Options{SortKeys: true, IndentSequences: true})
}

// readLockHash returns the lock file's sha1_hash, "" when there is none.
func readLockHash(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	doc, err := parseYAML(lockFile, b)
	if err != nil || doc == nil {
		return "", err
	}
	for _, kv := range mapping(doc) {
		if kv[0].Value == lockHashKey {
			if s, ok := nodeValue(kv[1]).(string); ok {
				return s, nil
			}
		}
	}
	return "", nil
}

// readLock reads package-lock.yml, rendering its values (a git URL may
// hold {{ env_var('DBT_ENV_SECRET_...') }}).
func (in *installer) readLock(path string) ([]*Requirement, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	doc, err := parseYAML(lockFile, b)
	if err != nil || doc == nil {
		return nil, err
	}
	reqs, d := parsePackagesNode(doc, Origin{File: lockFile}, in.rnd, lockHashKey)
	if err := d.Err(); err != nil {
		return nil, err
	}
	// The lock pins every package: nothing in it may be a range or unpinned.
	for _, r := range reqs {
		if r.Kind == KindHub && len(r.Versions) != 1 {
			return nil, diag.Errorf(lockFile, r.posOf("version"), "run elt deps --upgrade to rewrite the lock file", "a locked hub package must name one version")
		}
	}
	return reqs, nil
}
