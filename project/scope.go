package project

import (
	"sort"
	"strings"
)

// scope is the project whose files the loader is reading: the root
// project, or one installed package. Nodes, sources, tests and docs read
// in a scope belong to its package, and its properties YAML sees var() as
// dbt gives it to that package.
type scope struct {
	name  string         // the project's name, e.g. "dbt_utils"
	dir   string         // its folder relative to the root project; "" for the root
	cfg   *ProjectConfig // its dbt_project.yml
	pkg   *Package       // nil for the root project
	props *yamlJinja     // renders its properties YAML values
}

// relPath is rel, a path relative to the root project, relative to sc's
// folder.
func (sc *scope) relPath(rel string) string {
	if sc.dir == "" || sc.dir == "." {
		return rel
	}
	return strings.TrimPrefix(rel, sc.dir+"/")
}

// enter makes sc the scope that what is read next belongs to.
func (l *loader) enter(sc *scope) {
	l.cur = sc
	l.propsJinja = sc.props
}

// addMacroFile records a file of macros (or {% test %} blocks) of the
// current scope.
func (l *loader) addMacroFile(f *diskFile) {
	if l.cur.pkg == nil {
		l.proj.MacroFiles = append(l.proj.MacroFiles, &File{Path: f.rel, Contents: f.src()})
		return
	}
	l.cur.pkg.MacroFiles = append(l.cur.pkg.MacroFiles, &File{Path: f.rel, Contents: f.src(), Package: l.cur.name})
}

func sortFiles(files []*File) {
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
}

// packageConfig is the dbt_project.yml of the installed package name.
func (l *loader) packageConfig(name string) *ProjectConfig {
	for _, p := range l.proj.Packages {
		if p.Name == name {
			return p.Config
		}
	}
	return nil
}
