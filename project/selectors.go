package project

import (
	"errors"
	"io/fs"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
)

// SelectorsFile is dbt's file of named selectors, at the root project's
// folder (an installed package's selectors.yml is not read, as in dbt).
const SelectorsFile = "selectors.yml"

// Selectors is the root project's selectors.yml, rendered. dbt renders it
// with dbt_project.yml's renderer (DbtProjectYamlRenderer.render_selectors):
// every string value, natively, with env_var(), var() (the --vars only)
// and target. Package graph reads the selector definitions from Root.
type Selectors struct {
	File string // SelectorsFile
	// Root is the file's top-level node with every string scalar replaced
	// by its rendered value; lines and columns are the file's. nil when the
	// file is empty.
	Root *yaml.Node
}

// loadSelectors reads and renders selectors.yml when the project has one.
// A syntax or rendering error is a load error, as in dbt.
func (l *loader) loadSelectors() {
	root, ok := l.rootYAML(SelectorsFile)
	if !ok {
		return
	}
	l.renderSelectorNodes(root, map[*yaml.Node]bool{})
	l.proj.Selectors = &Selectors{File: SelectorsFile, Root: root}
}

// rootYAML reads and parses the root project's file name when it has one
// (a project file, for the caches); ok is false when it has none or it is
// unreadable (then with a diagnostic).
func (l *loader) rootYAML(name string) (*yaml.Node, bool) {
	src, err := readFile(l.root, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false
	}
	if err != nil {
		l.diags.Add(diag.Errorf(name, diag.Pos{}, "check the file's permissions", "cannot read %s: %v", name, err))
		return nil, false
	}
	l.addProjectFile(name, src)
	return l.parseYAMLFile(name, src)
}

// CatalogsFile is dbt 1.10's file of catalog integrations (external
// catalogs for Iceberg tables), at the root project's top.
const CatalogsFile = "catalogs.yml"

// checkCatalogs stops the load when catalogs.yml declares a catalog:
// elt has no catalog integrations, as dbt-postgres and dbt-duckdb have
// none (dbt stops there too, with DbtCatalogIntegrationNotSupportedError).
// A file declaring none changes nothing.
func (l *loader) checkCatalogs() {
	root, ok := l.rootYAML(CatalogsFile)
	if !ok || root == nil {
		return
	}
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		if k.Value == "catalogs" && v.Kind == yaml.SequenceNode && len(v.Content) > 0 {
			l.diags.Add(diag.Errorf(CatalogsFile, diag.Pos{Line: v.Content[0].Line, Column: v.Content[0].Column},
				"remove catalogs.yml (or its catalogs): elt writes tables through the target's own catalog",
				"elt does not support catalog integrations (catalogs.yml), as dbt-postgres and dbt-duckdb have none"))
			return
		}
	}
}

// renderSelectorNodes renders every string scalar under n in place. An
// anchored node is rendered once, where it is written; its aliases share it.
func (l *loader) renderSelectorNodes(n *yaml.Node, seen map[*yaml.Node]bool) {
	if n == nil || n.Kind == yaml.AliasNode || seen[n] {
		return
	}
	seen[n] = true
	if n.Kind != yaml.ScalarNode {
		for _, c := range n.Content {
			l.renderSelectorNodes(c, seen)
		}
		return
	}
	s, ok := scalarValue(n).(string)
	if !ok || !hasJinja(s) {
		return
	}
	problems := len(l.diags)
	v := l.renderYAMLString(l.projectJinja, SelectorsFile, s, n, false)
	if len(l.diags) > problems {
		return
	}
	setScalar(n, v)
}

// setScalar replaces a scalar node's value by a rendered value, keeping its
// position: strings stay strings, native values (a bool from
// {{ target.name == 'prod' }}) keep their YAML type.
func setScalar(n *yaml.Node, v any) {
	line, col := n.Line, n.Column
	switch x := v.(type) {
	case string:
		n.Kind, n.Tag, n.Value, n.Style = yaml.ScalarNode, "!!str", x, 0
	case bool:
		n.Kind, n.Tag, n.Value, n.Style = yaml.ScalarNode, "!!bool", strconv.FormatBool(x), 0
	case nil:
		n.Kind, n.Tag, n.Value, n.Style = yaml.ScalarNode, "!!null", "", 0
	default:
		var enc yaml.Node
		if err := enc.Encode(x); err != nil {
			return
		}
		*n = enc
	}
	n.Line, n.Column = line, col
}
