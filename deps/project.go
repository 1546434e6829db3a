package deps

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/yamlsafe"
)

const (
	projectFile      = "dbt_project.yml"
	packagesFile     = "packages.yml"
	dependenciesFile = "dependencies.yml"
	lockFile         = "package-lock.yml"
	lockHashKey      = "sha1_hash"
)

// fileReader reads one file of a package (nil, nil when it is absent): from
// a folder on disk or from a git tree.
type fileReader func(name string) ([]byte, error)

func dirReader(dir string) fileReader {
	return func(name string) ([]byte, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return b, err
	}
}

// parseYAML reads a YAML document, refusing ones that are not a mapping;
// its plain scalars read as dbt reads them (yamlsafe.Resolve11).
func parseYAML(file string, b []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		line, col, msg, _ := yamlsafe.SyntaxError(b, err)
		return nil, diag.Errorf(file, diag.Pos{Line: line, Column: col}, "fix the YAML syntax", "not valid YAML: %s", msg)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	if culprit, limit, tooLarge := yamlsafe.TooLarge(&doc); tooLarge {
		pos := diag.Pos{Line: 1}
		if culprit != nil {
			pos = posOfNode(culprit)
		}
		return nil, diag.Errorf(file, pos, "use fewer nested aliases (&anchor / *alias): write the values out",
			"YAML aliases expand to more than %d values; elt refuses files that could exhaust memory", limit)
	}
	// As dbt's YAML loader (PyYAML, YAML 1.1) reads them: warn-unpinned: no is false.
	yamlsafe.Resolve11(&doc)
	if doc.Content[0].Kind != yaml.MappingNode {
		if doc.Content[0].Tag == "!!null" {
			return nil, nil
		}
		return nil, diag.Errorf(file, posOfNode(doc.Content[0]), "the file must be a YAML mapping", "%s is not a mapping", file)
	}
	return &doc, nil
}

// packageProject is what deps needs from a package's (or the root
// project's) dbt_project.yml.
type packageProject struct {
	name        string
	namePos     diag.Pos
	requireDBT  []string
	requirePos  diag.Pos
	installPath string
	installPos  diag.Pos
}

// errNoProject is readProject's error for a folder without
// dbt_project.yml when the caller says where the folder was asked for.
var errNoProject = errors.New("no " + projectFile)

// readProject reads a project's dbt_project.yml. Without one, it returns a
// diagnostic naming the missing file, which also wraps errNoProject, so
// that a caller can report it where the package was asked for instead.
func readProject(read fileReader, shownFile string) (*packageProject, error) {
	b, err := read(projectFile)
	if err != nil {
		return nil, err
	}
	if b == nil {
		d := diag.Errorf(shownFile, diag.Pos{}, "each package (and each package it depends on) must hold a dbt_project.yml at its root; check subdirectory: for git packages",
			"no %s found at expected path %s", projectFile, shownFile)
		return nil, noProjectError{d}
	}
	doc, err := parseYAML(shownFile, b)
	if err != nil {
		return nil, err
	}
	p := &packageProject{installPath: "dbt_packages"}
	for _, kv := range mapping(doc) {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "name":
			p.name, p.namePos = v.Value, posOfNode(v)
		case "require-dbt-version":
			p.requirePos = posOfNode(v)
			switch x := nodeValue(v).(type) {
			case string:
				p.requireDBT = []string{x}
			case []any:
				for _, item := range x {
					p.requireDBT = append(p.requireDBT, pyStr(item))
				}
			}
		case "packages-install-path", "modules-path":
			if s, ok := nodeValue(v).(string); ok && (k.Value == "packages-install-path" || p.installPos.IsZero()) {
				p.installPath, p.installPos = s, posOfNode(v)
			}
		}
	}
	if p.name == "" {
		// The whole file is at fault: point at its start.
		return nil, diag.Errorf(shownFile, diag.Pos{Line: 1, Column: 1}, "add name: to dbt_project.yml", "required \"name\" field not present in project")
	}
	return p, nil
}

// noProjectError is a missing dbt_project.yml: a diagnostic, and
// errNoProject for errors.Is.
type noProjectError struct{ diag.Diagnostic }

func (e noProjectError) Is(target error) bool { return target == errNoProject }
func (e noProjectError) Unwrap() error        { return e.Diagnostic }

// packagesSpec finds a project's packages list: dependencies.yml when its
// packages: key is set, else packages.yml, as dbt does. Both setting
// packages: is an error.
func packagesSpec(read fileReader, shownDir string, origin Origin, rnd *renderer) (reqs []*Requirement, file string, err error) {
	pb, err := read(packagesFile)
	if err != nil {
		return nil, "", err
	}
	db, err := read(dependenciesFile)
	if err != nil {
		return nil, "", err
	}
	pfile, dfile := shownDir+packagesFile, shownDir+dependenciesFile
	var pdoc, ddoc *yaml.Node
	if pb != nil {
		if pdoc, err = parseYAML(pfile, pb); err != nil {
			return nil, "", err
		}
	}
	if db != nil {
		if ddoc, err = parseYAML(dfile, db); err != nil {
			return nil, "", err
		}
	}
	var pPackages, dPackages *yaml.Node
	for _, kv := range mapping(pdoc) {
		switch kv[0].Value {
		case "packages":
			pPackages = kv[0]
		case "projects":
			return nil, "", diag.Errorf(pfile, posOfNode(kv[0]), "move projects: to dependencies.yml", "the 'projects' key cannot be specified in packages.yml")
		}
	}
	for _, kv := range mapping(ddoc) {
		if kv[0].Value == "packages" {
			dPackages = kv[0]
		}
	}
	if pPackages != nil && dPackages != nil {
		return nil, "", diag.List{
			diag.Errorf(pfile, posOfNode(pPackages), "keep the packages list in one of the two files", "the 'packages' key cannot be specified in both packages.yml and dependencies.yml"),
			diag.Errorf(dfile, posOfNode(dPackages), "", "the other packages: key is here"),
		}.Err()
	}
	var d diag.List
	if dPackages != nil {
		origin.File = dfile
		reqs, d = parsePackagesNode(ddoc, origin, rnd, "projects")
		file = dependenciesFile
	} else {
		origin.File = pfile
		reqs, d = parsePackagesNode(pdoc, origin, rnd, lockHashKey)
		file = packagesFile
	}
	return reqs, file, d.Err()
}
