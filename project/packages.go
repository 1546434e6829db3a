package project

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
)

// loadPackages finds the installed packages: every folder directly under
// packages-install-path that holds a dbt_project.yml, as dbt reads them.
// Only their dbt_project.yml is read here; their files are read with the
// root project's (see load). A missing install folder means no packages.
func (l *loader) loadPackages() error {
	installRel := path.Clean(filepath.ToSlash(l.proj.Config.PackagesInstallPath))
	if installRel == "" || installRel == "." {
		return nil
	}
	installDir := installRel
	if !filepath.IsAbs(filepath.FromSlash(installRel)) {
		installDir = filepath.Join(l.root, filepath.FromSlash(installRel))
	}
	entries, err := os.ReadDir(installDir)
	if err != nil {
		if isNotExist(err) {
			return nil
		}
		return fmt.Errorf("project: read %s: %w", installRel, err)
	}
	byName := map[string]*Package{}
	for _, ent := range entries {
		if strings.HasPrefix(ent.Name(), ".") {
			continue
		}
		dirAbs := filepath.Join(installDir, ent.Name())
		if st, err := os.Stat(dirAbs); err != nil || !st.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(dirAbs, projectFile)); err != nil {
			continue
		}
		dir := path.Join(installRel, ent.Name())
		pkg := l.readPackage(dir, dirAbs)
		if pkg == nil {
			continue
		}
		file := path.Join(dir, projectFile)
		if pkg.Name == l.proj.Config.Name {
			l.diags.Add(diag.Errorf(file, pkg.Config.KeyPos["name"], "remove the package folder or rename the project",
				"installed package %q has the root project's name", pkg.Name))
			continue
		}
		if prev, dup := byName[pkg.Name]; dup {
			l.diags.Add(diag.Errorf(file, pkg.Config.KeyPos["name"], "remove one of the two folders, then run elt deps",
				"two installed packages are named %q: %s and %s", pkg.Name, prev.Dir, pkg.Dir))
			continue
		}
		byName[pkg.Name] = pkg
		l.proj.Packages = append(l.proj.Packages, pkg)
	}
	sort.Slice(l.proj.Packages, func(i, j int) bool { return l.proj.Packages[i].Name < l.proj.Packages[j].Name })
	return l.ctx.Err()
}

// readPackage reads one package's dbt_project.yml; nil when
// its dbt_project.yml is unusable (the problem is reported at its position).
func (l *loader) readPackage(dir, dirAbs string) *Package {
	file := path.Join(dir, projectFile)
	src, err := os.ReadFile(filepath.Join(dirAbs, projectFile))
	if err != nil {
		l.diags.Add(diag.Errorf(file, diag.Pos{}, "check the file's permissions", "cannot read %s: %v", file, err))
		return nil
	}
	l.addProjectFile(file, src)
	root, ok := l.parseYAMLFile(file, src)
	if !ok {
		return nil
	}
	if root == nil || !isMapping(root) {
		l.diags.Add(diag.Errorf(file, posOf(root), "reinstall the package with elt deps",
			"%s must be a mapping of keys such as name, not %s", file, kindName(root)))
		return nil
	}
	before := len(l.diags)
	cfg := l.parseProjectConfigFile(file, root)
	if cfg.Name == "" || l.diags[before:].HasErrors() {
		return nil
	}
	return &Package{Name: cfg.Name, Dir: dir, Config: cfg}
}

// addProjectFile records a dbt_project.yml for Project.Digest.
func (l *loader) addProjectFile(path string, src []byte) {
	h := sha256.Sum256(src)
	l.projectFiles = append(l.projectFiles, fileSum{path, hex.EncodeToString(h[:])})
}
