package deps

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
)

// unpinned is every requirement met so far for one package, merged as
// dbt's PackageListing merges them (keyed by hub name, git URL with or
// without ".git" plus subdirectory, local path, or tarball URL).
type unpinned struct {
	kind Kind
	key  string
	reqs []*Requirement
}

func reqNames(r *Requirement) []string {
	switch r.Kind {
	case KindHub:
		return []string{r.Package}
	case KindGit:
		other := r.Git + ".git"
		if strings.HasSuffix(r.Git, ".git") {
			other = strings.TrimSuffix(r.Git, ".git")
		}
		name := r.Git
		if r.Subdirectory != "" {
			name += "/" + r.Subdirectory
			other += "/" + r.Subdirectory
		}
		return []string{name, other}
	case KindLocal:
		return []string{r.Local}
	case KindTarball:
		return []string{r.Tarball}
	default:
		name := r.Private
		if r.Subdirectory != "" {
			name += "/" + r.Subdirectory
		}
		return []string{name}
	}
}

type listing struct {
	order []*unpinned
	byKey map[string]*unpinned
}

func newListing() *listing { return &listing{byKey: map[string]*unpinned{}} }

func (l *listing) incorporate(r *Requirement) (*unpinned, error) {
	names := reqNames(r)
	for _, n := range names {
		if u, ok := l.byKey[n]; ok {
			if u.kind != r.Kind {
				first := u.reqs[0]
				return nil, diag.Errorf(r.Origin.File, r.Origin.Pos, "refer to the package one way only",
					"%s is required as a %s package here and as a %s package at %s: mismatched types", r.display(), r.Kind, u.kind, first.Origin)
			}
			u.reqs = append(u.reqs, r)
			return u, nil
		}
	}
	u := &unpinned{kind: r.Kind, key: names[0], reqs: []*Requirement{r}}
	l.byKey[names[0]] = u
	l.order = append(l.order, u)
	return u, nil
}

// pinned is one package at one version.
type pinned struct {
	kind  Kind
	u     *unpinned
	first *Requirement

	hubName, version, latest string
	release                  *hubRelease

	gitURL, gitShown, revision, subdirectory string
	warnUnpinned                             bool

	local string

	tarball, tarballShown, name string

	private, provider string

	// projectName is the name in the package's dbt_project.yml, which
	// dbt deps writes into its lock entry.
	projectName string
}

// display names the package in progress lines, as dbt does.
func (p *pinned) display() string {
	switch p.kind {
	case KindHub:
		return p.hubName
	case KindTarball:
		return p.name
	case KindPrivate:
		// dbt names a private package by the URL it resolved to, the
		// token masked.
		if p.gitShown != "" {
			return p.gitShown
		}
	}
	return p.first.display()
}

// resolvePin picks one version for all requirements of u.
func (in *installer) resolvePin(ctx context.Context, u *unpinned) (*pinned, error) {
	r0 := u.reqs[0]
	p := &pinned{kind: u.kind, u: u, first: r0}
	switch u.kind {
	case KindHub:
		p.hubName = r0.Package
		return p, in.resolveHub(ctx, p)
	case KindGit, KindPrivate:
		revs := map[string]*Requirement{}
		var order []string
		p.warnUnpinned = true
		for _, r := range u.reqs {
			if !r.WarnUnpinned {
				p.warnUnpinned = false
			}
			if r.HasRevision {
				if _, ok := revs[r.Revision]; !ok {
					order = append(order, r.Revision)
				}
				revs[r.Revision] = r
			}
		}
		if len(order) > 1 {
			a, b := revs[order[0]], revs[order[1]]
			return nil, diag.Errorf(b.Origin.File, b.posOf("revision"), "require one revision of a git package everywhere it is listed",
				"git dependencies should contain exactly one version: %s is required at revision %q (%s) and at revision %q (%s)",
				r0.display(), a.Revision, a.where("revision"), b.Revision, b.where("revision"))
		}
		p.revision = "HEAD"
		if len(order) == 1 {
			p.revision = order[0]
		}
		p.subdirectory = r0.Subdirectory
		if u.kind == KindGit {
			p.gitURL, p.gitShown = r0.Git, r0.GitShown
			return p, nil
		}
		p.private, p.provider = r0.Private, r0.Provider
		url, shown, err := in.privateURL(r0)
		if err != nil {
			return nil, err
		}
		p.gitURL, p.gitShown = url, shown
		return p, nil
	case KindLocal:
		p.local = r0.Local
	case KindTarball:
		p.tarball, p.tarballShown, p.name = r0.Tarball, r0.TarballShown, r0.Name
	}
	return p, nil
}

// resolveHub intersects every version requirement and picks the highest
// compatible release, as dbt's RegistryUnpinnedPackage.resolved does.
func (in *installer) resolveHub(ctx context.Context, p *pinned) error {
	name := p.hubName
	r0 := p.first
	ok, err := in.hub.inIndex(ctx, name)
	if err != nil {
		return &InstallError{Package: name, Err: err}
	}
	if !ok {
		return diag.Errorf(r0.Origin.File, r0.posOf("package"), "check the spelling, with its namespace (e.g. dbt-labs/dbt_utils); hub.getdbt.com lists the packages",
			"package %s was not found in the package index%s", name, parentNote(r0))
	}
	var specs []versionSpec
	prerelease := r0.InstallPrerelease
	for _, r := range p.u.reqs {
		for _, v := range r.Versions {
			s, _ := parseVersion(v) // checked when parsed
			specs = append(specs, s)
			if s.hasPrerelease {
				prerelease = true
			}
		}
	}
	rng, err := reduceVersions(specs...)
	if err != nil {
		var lines []string
		for _, r := range p.u.reqs {
			lines = append(lines, fmt.Sprintf("%s (%s)", versionList(r.Versions), r.where("version")))
		}
		at := rootmost(p.u.reqs)
		return diag.Errorf(at.Origin.File, at.posOf("version"), "change one of the version requirements so that they overlap, or upgrade the package that asks for the older range",
			"version error for package %s: no version satisfies every requirement:\n    %s", name, strings.Join(lines, "\n    "))
	}
	hp, err := in.hub.pkg(ctx, name)
	if err != nil {
		return &InstallError{Package: name, Err: err}
	}
	if to := hp.redirect(); to != "" && to != name {
		in.event("warn", "PackageRedirectDeprecation", fmt.Sprintf("The `%s` package is deprecated in favor of `%s`. Please update your `packages.yml` configuration to use `%s` instead.", name, to, to), nil)
	}
	var compatible []string
	for v, rel := range hp.Versions {
		if in.opts.NoVersionCheck {
			compatible = append(compatible, v)
			continue
		}
		if ok, err := dbtVersionCompatible(in.opts.DBTVersion, rel.requiredDBT()); err == nil && ok {
			compatible = append(compatible, v)
		}
	}
	sort.Strings(compatible) // map order must not decide anything
	if len(compatible) == 0 {
		return diag.Errorf(r0.Origin.File, r0.posOf("package"), "pick a package that supports this dbt version, or run elt deps --no-version-check",
			"no compatible versions of %s found for dbt-core version %s", name, in.opts.DBTVersion)
	}
	installable := filterInstallable(compatible, prerelease)
	target := ""
	if len(installable) > 0 {
		target = resolveToSpecificVersion(rng, installable)
	}
	if target == "" {
		last := rootmost(p.u.reqs)
		hint := "change the version requirement to one of the compatible versions"
		if !in.opts.NoVersionCheck {
			hint += "; versions that need another dbt-core are not shown (elt deps --no-version-check includes them)"
		}
		return diag.Errorf(last.Origin.File, last.posOf("version"), hint,
			"could not find a matching compatible version for package %s\n  Requested range: %s\n  Compatible versions: %s",
			name, rng, pyList(installable))
	}
	p.version, p.latest, p.release = target, installable[len(installable)-1], hp.Versions[target]
	return nil
}

// rootmost is the requirement to point at: the first written in the root
// project, else the last one met.
func rootmost(reqs []*Requirement) *Requirement {
	for _, r := range reqs {
		if r.Origin.Parent == "" {
			return r
		}
	}
	return reqs[len(reqs)-1]
}

func parentNote(r *Requirement) string {
	if r.Origin.Parent != "" {
		return " (required by " + r.Origin.Parent + ")"
	}
	return ""
}

func versionList(v []string) string {
	if len(v) == 1 {
		return v[0]
	}
	return pyList(v)
}

func pyList(v []string) string {
	q := make([]string, len(v))
	for i, s := range v {
		q[i] = "'" + s + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// metadata is what a pinned package says about itself.
type metadata struct {
	projectName string
	deps        []*Requirement
	// dir is the unpacked package (tarball, local), "" otherwise.
	dir string
}

func (p *pinned) metaKey() string {
	return fmt.Sprintf("%d|%s|%s|%s", p.kind, p.u.key, p.version, p.revision)
}

// fetchMetadata reads the package's name and its own packages list.
func (in *installer) fetchMetadata(ctx context.Context, p *pinned) (*metadata, error) {
	key := p.metaKey()
	if m, ok := in.meta[key]; ok {
		if p.kind == KindGit || p.kind == KindPrivate {
			p.revision = m.dir // the resolved commit, kept in dir for git
		}
		return m, nil
	}
	var m *metadata
	var err error
	switch p.kind {
	case KindHub:
		m, err = in.hubMetadata(p)
	case KindGit, KindPrivate:
		m, err = in.gitMetadata(ctx, p)
	case KindLocal:
		m, err = in.localMetadata(p)
	case KindTarball:
		m, err = in.tarballMetadata(ctx, p)
	}
	if err != nil {
		return nil, err
	}
	in.meta[key] = m
	return m, nil
}

func (in *installer) hubMetadata(p *pinned) (*metadata, error) {
	m := &metadata{projectName: p.release.Name}
	parent := p.hubName + "@" + p.version
	var diags diag.List
	for _, raw := range p.release.Packages {
		r, d := parseEntry(entrySource{raw: raw, origin: Origin{File: "the hub's metadata", Parent: parent}}, nil)
		diags = append(diags, d...)
		if r != nil {
			m.deps = append(m.deps, r)
		}
	}
	if err := diags.Err(); err != nil {
		return nil, &InstallError{Package: parent, Err: err}
	}
	return m, nil
}

// projectMetadata reads dbt_project.yml and the packages list of a
// package's files, checking require-dbt-version. A package without
// dbt_project.yml is reported where req asks for it.
func (in *installer) projectMetadata(read fileReader, shownDir, parent string, req *Requirement) (*metadata, error) {
	proj, err := readProject(read, shownDir+projectFile)
	if errors.Is(err, errNoProject) {
		key := map[Kind]string{KindLocal: "local", KindGit: "git", KindPrivate: "private", KindTarball: "tarball"}[req.Kind]
		if req.Subdirectory != "" {
			key = "subdirectory"
		}
		return nil, diag.Errorf(req.Origin.File, req.posOf(key), "each package (and each package it depends on) must hold a dbt_project.yml at its root; check subdirectory: for git packages",
			"no %s found at expected path %s", projectFile, shownDir+projectFile)
	}
	if err != nil {
		return nil, err
	}
	if err := in.checkDBTVersion(proj, shownDir+projectFile); err != nil {
		return nil, err
	}
	deps, _, err := packagesSpec(read, shownDir, Origin{Parent: parent}, in.rnd)
	if err != nil {
		return nil, err
	}
	return &metadata{projectName: proj.name, deps: deps}, nil
}

// checkDBTVersion applies a package's require-dbt-version as dbt does when
// it loads the package.
func (in *installer) checkDBTVersion(proj *packageProject, file string) error {
	if in.opts.NoVersionCheck || len(proj.requireDBT) == 0 {
		return nil
	}
	ok, err := dbtVersionCompatible(in.opts.DBTVersion, proj.requireDBT)
	if err != nil {
		return diag.Errorf(file, proj.requirePos, "fix require-dbt-version, or run elt deps --no-version-check",
			"package %s: %v", proj.name, err)
	}
	if !ok {
		return diag.Errorf(file, proj.requirePos, fmt.Sprintf("check for a different version of the '%s' package, or run elt deps --no-version-check", proj.name),
			"this version of dbt is not supported with the '%s' package: elt follows dbt-core %s, and '%s' requires %s",
			proj.name, in.opts.DBTVersion, proj.name, pyList(proj.requireDBT))
	}
	return nil
}

func (in *installer) localPath(p *pinned) string {
	if filepath.IsAbs(p.local) {
		return filepath.Clean(p.local)
	}
	// dbt resolves every local path from the root project, also for
	// packages that a package lists.
	return filepath.Join(in.opts.ProjectRoot, p.local)
}

func (in *installer) localMetadata(p *pinned) (*metadata, error) {
	dir := in.localPath(p)
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		r := p.first
		return nil, diag.Errorf(r.Origin.File, r.posOf("local"), "give the folder of the package, relative to the project root",
			"local package %s: %s is not a folder", p.local, dir)
	}
	m, err := in.projectMetadata(dirReader(dir), filepath.ToSlash(p.local)+"/", p.local, p.first)
	if err != nil {
		return nil, err
	}
	m.dir = dir
	return m, nil
}

func (in *installer) gitMetadata(ctx context.Context, p *pinned) (*metadata, error) {
	if (p.revision == "HEAD" || p.revision == "main" || p.revision == "master") && p.warnUnpinned {
		what := "not pinned, using HEAD (default branch)"
		if p.revision != "HEAD" {
			what = fmt.Sprintf("pinned to the %q branch", p.revision)
		}
		in.event("warn", "DepsUnpinned", fmt.Sprintf("The git package %q \n\tis %s.\n\tThis can introduce breaking changes into your project without warning!\n\nSee https://docs.getdbt.com/docs/package-management#section-specifying-package-versions", p.gitShown, what),
			map[string]any{"git": p.gitShown, "revision": p.revision})
	}
	co, err := in.gitCheckout(ctx, p)
	if err != nil {
		return nil, err
	}
	tree, err := co.tree(p.subdirectory)
	if err != nil {
		return nil, &InstallError{Package: p.display(), Err: err}
	}
	read := func(name string) ([]byte, error) { return readTreeFile(tree, name) }
	parent := p.display() + "@" + co.commit.Hash.String()[:7]
	m, err := in.projectMetadata(read, p.display()+"/", parent, p.first)
	if err != nil {
		return nil, err
	}
	p.revision = co.commit.Hash.String()
	m.dir = p.revision
	return m, nil
}

// gitCheckout fetches a git package's revision once per run.
func (in *installer) gitCheckout(ctx context.Context, p *pinned) (*gitCheckout, error) {
	key := p.gitURL + "\x00" + p.revision
	if co, ok := in.checkout[key]; ok {
		return co, nil
	}
	co, err := gitOpen(ctx, p.gitURL, p.revision)
	if err != nil {
		msg := strings.ReplaceAll(err.Error(), p.gitURL, p.gitShown)
		return nil, &InstallError{Package: p.display(), Err: fmt.Errorf("Error checking out spec='%s' for repo %s: %s", p.revision, p.gitShown, in.secrets.Scrub(msg))}
	}
	in.checkout[key] = co
	return co, nil
}

func (in *installer) tarballMetadata(ctx context.Context, p *pinned) (*metadata, error) {
	dir, err := in.fetchTarball(ctx, p)
	if err != nil {
		return nil, err
	}
	m, err := in.projectMetadata(dirReader(dir), p.name+"/", p.name, p.first)
	if err != nil {
		return nil, err
	}
	// dbt installs a tarball package under the name given in packages.yml.
	m.projectName = p.name
	m.dir = dir
	return m, nil
}

// fetchTarball downloads and unpacks a tarball package once per run and
// returns its single top-level folder.
func (in *installer) fetchTarball(ctx context.Context, p *pinned) (string, error) {
	if d, ok := in.tarballs[p.tarball]; ok {
		return d, nil
	}
	dest, err := os.MkdirTemp(in.tmp, "tarball-")
	if err != nil {
		return "", err
	}
	file, err := in.download(ctx, p.tarball, shownURL(p.tarballShown), in.tmp)
	if err != nil {
		return "", &InstallError{Package: p.name, Err: err}
	}
	top, err := untar(file, dest, in.limits)
	if err != nil {
		return "", &InstallError{Package: p.name, Err: fmt.Errorf("unpack %s: %w", shownURL(p.tarballShown), err)}
	}
	if len(top) != 1 {
		return "", &InstallError{Package: p.name, Err: fmt.Errorf("incorrect structure for package extracted from %s: the archive needs to hold one folder, %s/<package contents>, and holds %d entries at its top", shownURL(p.tarballShown), p.name, len(top))}
	}
	d := filepath.Join(dest, top[0])
	if st, err := os.Lstat(d); err != nil || !st.IsDir() {
		return "", &InstallError{Package: p.name, Err: fmt.Errorf("incorrect structure for package extracted from %s: its top entry is not a folder", shownURL(p.tarballShown))}
	}
	in.tarballs[p.tarball] = d
	return d, nil
}

// resolve is dbt's resolve_packages: breadth first, each round merging
// requirements per package, resolving, and reading the chosen version's
// own requirements; then every package is pinned with all its requirements.
func (in *installer) resolve(ctx context.Context, reqs []*Requirement) ([]*pinned, error) {
	final := newListing()
	pending := reqs
	seen := map[string]string{} // package key → metadata key already expanded
	for round := 0; len(pending) > 0; round++ {
		if round > 100 {
			return nil, &InstallError{Err: fmt.Errorf("package dependencies did not settle after 100 rounds")}
		}
		var touched []*unpinned
		mark := map[*unpinned]bool{}
		for _, r := range pending {
			u, err := final.incorporate(r)
			if err != nil {
				return nil, err
			}
			if !mark[u] {
				mark[u] = true
				touched = append(touched, u)
			}
		}
		var next []*Requirement
		for _, u := range touched {
			p, err := in.resolvePin(ctx, u)
			if err != nil {
				return nil, err
			}
			mk := p.metaKey()
			m, err := in.fetchMetadata(ctx, p)
			if err != nil {
				return nil, err
			}
			if seen[u.key] == mk {
				continue // same version as before: its requirements are in already
			}
			seen[u.key] = mk
			next = append(next, m.deps...)
		}
		pending = next
	}
	var out []*pinned
	names := map[string]*pinned{}
	for _, u := range final.order {
		p, err := in.resolvePin(ctx, u)
		if err != nil {
			return nil, err
		}
		m, err := in.fetchMetadata(ctx, p)
		if err != nil {
			return nil, err
		}
		if prev, ok := names[m.projectName]; ok {
			r := p.first
			return nil, diag.Errorf(r.Origin.File, r.Origin.Pos, "keep one of the two; a project can hold one package of each name",
				"found duplicate project %q: %s (%s) and %s (%s) are both named %s", m.projectName, prev.display(), prev.first.Origin, p.display(), r.Origin, m.projectName)
		}
		if m.projectName == in.root.name {
			r := p.first
			return nil, diag.Errorf(r.Origin.File, r.Origin.Pos, "package names must be unique in a project: rename one of them",
				"found a dependency with the same name as the root project %q", m.projectName)
		}
		names[m.projectName] = p
		p.projectName = m.projectName
		out = append(out, p)
	}
	return out, nil
}
