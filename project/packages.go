package project

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
	"gopkg.in/yaml.v3"
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
	l.projectFileParsed(file, root)
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

// addProjectFile records a project file (a dbt_project.yml, selectors.yml)
// for Project.Digest: its contents, until projectFileParsed narrows them.
func (l *loader) addProjectFile(path string, src []byte) {
	h := sha256.Sum256(src)
	l.projectFiles = append(l.projectFiles, fileSum{path, hex.EncodeToString(h[:])})
	stripped := sha256.Sum256(bytes.TrimSpace(src))
	if l.projectSums == nil {
		l.projectSums = map[string]string{}
	}
	l.projectSums[path] = hex.EncodeToString(stripped[:])
}

// nodeConfigKeys are the keys of dbt_project.yml whose values reach a
// render only through the nodes' configs (and relations), which the
// render cache keys each render on, or through var(), whose reads each
// render records: an edit to them renders again only what it reaches.
var nodeConfigKeys = map[string]bool{
	"models": true, "seeds": true, "snapshots": true, "tests": true, "data_tests": true,
	"sources": true, "unit_tests": true, "vars": true,
}

// projectFileParsed narrows the Project.Digest entry of the dbt_project.yml
// at path, parsed into root, to its keys other than nodeConfigKeys: their
// names and values, not their comments or layout. An unusable root keeps
// the whole file's digest.
func (l *loader) projectFileParsed(path string, root *yaml.Node) {
	if root == nil || !isMapping(root) {
		return
	}
	h := sha256.New()
	for _, p := range pairs(root) {
		if nodeConfigKeys[p.Key] {
			continue
		}
		hashYAML(h, p.KeyNode)
		hashYAML(h, p.Val)
	}
	for i := len(l.projectFiles) - 1; i >= 0; i-- {
		if l.projectFiles[i].path == path {
			l.projectFiles[i].sum = "keys:" + hex.EncodeToString(h.Sum(nil))
			return
		}
	}
}

// hashYAML writes n's kind, tag, value and content to h, recursively:
// what it says, not where or with which comments.
func hashYAML(h io.Writer, n *yaml.Node) {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil {
		io.WriteString(h, "\x00nil")
		return
	}
	fmt.Fprintf(h, "\x00%d\x00%s\x00%d:%s\x00%d[", n.Kind, n.Tag, len(n.Value), n.Value, len(n.Content))
	for _, c := range n.Content {
		hashYAML(h, c)
	}
	io.WriteString(h, "]")
}
