package deps

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// installAll installs exactly what the lock file lists, as dbt's
// resolve_lock_packages and install loop do.
func (in *installer) installAll(ctx context.Context, locked []*Requirement, res *Result) error {
	l := newListing()
	for _, r := range locked {
		if _, err := l.incorporate(r); err != nil {
			return err
		}
	}
	dir, err := in.installDir()
	if err != nil {
		return err
	}
	for _, u := range l.order {
		p, err := in.resolvePin(ctx, u)
		if err != nil {
			return err
		}
		in.event("info", "DepsStartPackageInstall", "Installing "+p.display(), map[string]any{"package_name": p.display()})
		inst, err := in.install(ctx, p, dir)
		if err != nil {
			return err
		}
		res.Installed = append(res.Installed, inst)
		in.event("info", "DepsInstallInfo", "Installed from "+p.niceVersion(), map[string]any{"version_name": p.niceVersion()})
		if p.kind == KindHub {
			if p.latest != p.version {
				res.Updates = append(res.Updates, p.hubName)
				in.event("info", "DepsUpdateAvailable", "Updated version available: "+p.latest, map[string]any{"version_latest": p.latest})
			} else {
				in.event("info", "DepsUpToDate", "Up to date!", nil)
			}
		}
		if p.subdirectory != "" {
			in.event("info", "DepsListSubdirectory", "and subdirectory "+p.subdirectory, map[string]any{"subdirectory": p.subdirectory})
		}
	}
	if len(res.Updates) > 0 {
		in.event("info", "DepsNotifyUpdatesAvailable", fmt.Sprintf("Updates available for packages: %s\nUpdate your versions in packages.yml, then run elt deps", pyList(res.Updates)),
			map[string]any{"packages": res.Updates})
	}
	return nil
}

// niceVersion is dbt's nice_version_name.
func (p *pinned) niceVersion() string {
	switch p.kind {
	case KindHub:
		return "version " + p.version
	case KindGit, KindPrivate:
		if p.revision == "HEAD" {
			return "HEAD (default revision)"
		}
		return "revision " + p.revision
	case KindLocal:
		return "<local @ " + p.local + ">"
	default:
		return "tarball (url: " + shownURL(p.tarballShown) + ")"
	}
}

// install puts one pinned package into dir/<its name>.
func (in *installer) install(ctx context.Context, p *pinned, dir string) (Installed, error) {
	inst := Installed{Source: p.kind.String()}
	switch p.kind {
	case KindHub:
		inst.Version = p.version
		staging, err := os.MkdirTemp(dir, ".elt-unpack-")
		if err != nil {
			return inst, &InstallError{Package: p.hubName, Err: err}
		}
		defer os.RemoveAll(staging)
		file, err := in.download(ctx, p.release.Downloads.Tarball, shownURL(p.release.Downloads.Tarball), in.tmp)
		if err != nil {
			return inst, &InstallError{Package: p.hubName, Err: err}
		}
		top, err := untar(file, staging, in.limits)
		if err != nil {
			return inst, &InstallError{Package: p.hubName, Err: fmt.Errorf("unpack %s: %w", shownURL(p.release.Downloads.Tarball), err)}
		}
		if len(top) != 1 {
			return inst, &InstallError{Package: p.hubName, Err: fmt.Errorf("the release archive holds %d entries at its top, not one folder", len(top))}
		}
		src := filepath.Join(staging, top[0])
		proj, err := readProject(dirReader(src), p.release.Name+"/"+projectFile)
		if err != nil {
			return inst, err
		}
		if err := in.checkDBTVersion(proj, p.release.Name+"/"+projectFile); err != nil {
			return inst, err
		}
		inst.Name = p.release.Name
		inst.Path = filepath.Join(dir, inst.Name)
		if err := replaceWith(src, inst.Path); err != nil {
			return inst, &InstallError{Package: p.hubName, Err: err}
		}
	case KindGit, KindPrivate:
		m, err := in.fetchMetadata(ctx, p)
		if err != nil {
			return inst, err
		}
		co, err := in.gitCheckout(ctx, p)
		if err != nil {
			return inst, err
		}
		tree, err := co.tree(p.subdirectory)
		if err != nil {
			return inst, &InstallError{Package: p.display(), Err: err}
		}
		inst.Name, inst.Version = m.projectName, co.commit.Hash.String()
		if !validPackageName(inst.Name) {
			return inst, &InstallError{Package: p.display(), Err: fmt.Errorf("its dbt_project.yml name %q cannot be a folder name", inst.Name)}
		}
		staging, err := os.MkdirTemp(dir, ".elt-unpack-")
		if err != nil {
			return inst, &InstallError{Package: p.display(), Err: err}
		}
		defer os.RemoveAll(staging)
		if err := exportTree(co.repo, tree, staging, in.limits); err != nil {
			return inst, &InstallError{Package: p.display(), Err: err}
		}
		inst.Path = filepath.Join(dir, inst.Name)
		if err := replaceWith(staging, inst.Path); err != nil {
			return inst, &InstallError{Package: p.display(), Err: err}
		}
	case KindLocal:
		m, err := in.fetchMetadata(ctx, p)
		if err != nil {
			return inst, err
		}
		inst.Name = m.projectName
		if !validPackageName(inst.Name) {
			return inst, &InstallError{Package: p.local, Err: fmt.Errorf("its dbt_project.yml name %q cannot be a folder name", inst.Name)}
		}
		inst.Path = filepath.Join(dir, inst.Name)
		if err := os.RemoveAll(inst.Path); err != nil {
			return inst, &InstallError{Package: p.local, Err: err}
		}
		// As dbt: a symbolic link to the folder, so edits show at once.
		if err := os.Symlink(m.dir, inst.Path); err != nil {
			return inst, &InstallError{Package: p.local, Err: err}
		}
	case KindTarball:
		m, err := in.fetchMetadata(ctx, p)
		if err != nil {
			return inst, err
		}
		inst.Name = p.name
		inst.Path = filepath.Join(dir, inst.Name)
		if err := replaceWith(m.dir, inst.Path); err != nil {
			return inst, &InstallError{Package: p.name, Err: err}
		}
		delete(in.tarballs, p.tarball)
		for k, v := range in.meta {
			if v == m {
				delete(in.meta, k)
			}
		}
	}
	return inst, nil
}

// replaceWith moves src to dest, removing what dest held.
func replaceWith(src, dest string) error {
	if err := os.RemoveAll(dest); err != nil {
		return err
	}
	if err := os.Rename(src, dest); err != nil {
		// Across file systems (the download folder may be elsewhere): copy.
		if cerr := os.CopyFS(dest, os.DirFS(src)); cerr != nil {
			return fmt.Errorf("move %s into place: %v", filepath.Base(dest), err)
		}
	}
	return nil
}
