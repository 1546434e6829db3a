package site

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/docs"
)

// Data is the project as the site shows it: every node and source with
// its columns, code and parents by index, and the column lineage.
type Data struct {
	Meta     Meta               `json:"meta"`
	Nodes    []Node             `json:"nodes"`
	Lineage  map[string]NodeLin `json:"lineage"` // by node index, as a string
	Warnings []Warning          `json:"warnings"`
}

// Meta says which project and invocation the site shows.
type Meta struct {
	Project     string `json:"project"`
	Adapter     string `json:"adapter"`
	GeneratedAt string `json:"generated_at"`
	DBTVersion  string `json:"dbt_version"`
}

// Node is one model, seed, snapshot, test, analysis or source.
type Node struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Type         string   `json:"type"`
	Package      string   `json:"package"`
	Path         string   `json:"path"`
	FQN          []string `json:"fqn"`
	Description  string   `json:"description,omitempty"`
	Materialized string   `json:"materialized,omitempty"`
	Relation     string   `json:"relation,omitempty"`
	Tags         []string `json:"tags,omitempty"`
	SourceName   string   `json:"source_name,omitempty"`
	Language     string   `json:"language,omitempty"`
	Raw          string   `json:"raw,omitempty"`
	Compiled     string   `json:"compiled,omitempty"`
	Columns      []Column `json:"columns"`
	Parents      []int    `json:"parents"`
	// Tests: the node a generic test is attached to (index) and column.
	TestOf     *int   `json:"test_of,omitempty"`
	TestColumn string `json:"test_column,omitempty"`
	TestName   string `json:"test_name,omitempty"`
	RowCount   any    `json:"row_count,omitempty"`
	// Facts are what else a node's page lists: an exposure's owner, URL
	// and maturity.
	Facts  [][2]string `json:"facts,omitempty"`
	Hidden bool        `json:"hidden,omitempty"` // docs: {show: false}
	// Version is a versioned model's v, as text; "" otherwise.
	Version string `json:"version,omitempty"`
	// Profile is the latest profile of the relation that the run history
	// holds (elt profile), as quality stores it; absent when there is none.
	Profile json.RawMessage `json:"profile,omitempty"`
}

// Column is one column: from the warehouse catalog, the properties or
// the lineage, in the relation's order where the catalog knows it.
type Column struct {
	Name        string   `json:"name"`
	Type        string   `json:"type,omitempty"`
	Description string   `json:"description,omitempty"`
	Tests       []string `json:"tests,omitempty"`
}

// NodeLin is one node's column lineage: each column's upstream edges as
// [node index, column or null, type].
type NodeLin struct {
	Known   bool             `json:"known"`
	Columns map[string][]Hop `json:"columns"`
}

// Hop is one upstream edge: [node index, column (null: the whole node), type].
type Hop [3]any

// Warning is a lineage warning.
type Warning struct {
	Node      int    `json:"node"`
	Line      int    `json:"line,omitempty"`
	Construct string `json:"construct"`
	Message   string `json:"message"`
}

// Build assembles the site's data. cat and lin may be nil; colOrder gives
// a node's columns in select-list order (from the lineage engine) for
// relations the catalog does not know.
func Build(m *docs.Manifest, cat *docs.Catalog, lin *docs.Lineage, colOrder map[string][]string) *Data {
	d := &Data{Lineage: map[string]NodeLin{}, Warnings: []Warning{}}
	d.Meta.DBTVersion = m.Metadata.DBTVersion
	d.Meta.GeneratedAt = m.Metadata.GeneratedAt
	if m.Metadata.ProjectName != nil {
		d.Meta.Project = *m.Metadata.ProjectName
	}
	if m.Metadata.AdapterType != nil {
		d.Meta.Adapter = *m.Metadata.AdapterType
	}

	ids := make([]string, 0, len(m.Nodes)+len(m.Sources))
	for id := range m.Nodes {
		ids = append(ids, id)
	}
	for id := range m.Sources {
		ids = append(ids, id)
	}
	others := map[string]map[string]any{} // exposures and unit tests
	for _, group := range []map[string]any{m.Exposures, m.UnitTests} {
		for id, v := range group {
			if obj, ok := v.(map[string]any); ok {
				others[id] = obj
				ids = append(ids, id)
			}
		}
	}
	sort.Strings(ids)
	index := make(map[string]int, len(ids))
	for i, id := range ids {
		index[id] = i
	}
	catalogOf := func(id string) (docs.CatalogTable, bool) {
		if cat == nil {
			return docs.CatalogTable{}, false
		}
		if t, ok := cat.Nodes[id]; ok {
			return t, true
		}
		t, ok := cat.Sources[id]
		return t, ok
	}

	d.Nodes = make([]Node, len(ids))
	for i, id := range ids {
		var n Node
		var cols map[string]*docs.ColumnInfo
		if obj, ok := others[id]; ok {
			n = otherNode(id, obj, index)
		} else if s, ok := m.Sources[id]; ok {
			n = Node{ID: id, Name: s.Name, Type: "source", Package: s.PackageName, Path: s.OriginalFilePath,
				FQN: s.FQN, Description: firstNonEmpty(s.Description, s.SourceDescription), Tags: s.Tags,
				SourceName: s.SourceName, Relation: deref(s.RelationName)}
			cols = s.Columns
		} else {
			node := m.Nodes[id]
			b := node.Common()
			n = Node{ID: id, Name: b.Name, Type: b.ResourceType, Package: b.PackageName, Path: b.OriginalFilePath,
				FQN: b.FQN, Description: b.Description, Tags: b.Tags, Relation: deref(b.RelationName), Raw: b.RawCode,
				Hidden: !b.Docs.Show}
			if mat, ok := b.Config["materialized"].(string); ok && b.ResourceType != "test" {
				n.Materialized = mat
			}
			cols = b.Columns
			if c, ok := node.(*docs.CompiledNode); ok {
				n.Language = c.Language
				if c.CompiledCode != nil {
					n.Compiled = *c.CompiledCode
				}
				for _, p := range c.DependsOn.Nodes {
					if j, ok := index[p]; ok {
						n.Parents = append(n.Parents, j)
					}
				}
				if c.ModelFields != nil && c.ModelFields.Version != nil {
					n.Version = fmt.Sprint(c.ModelFields.Version)
				}
				if c.GenericTestFields != nil {
					n.TestName = c.TestMetadata.Name
					if c.AttachedNode != nil {
						if j, ok := index[*c.AttachedNode]; ok {
							n.TestOf = &j
						}
					}
					if c.ColumnName != nil {
						n.TestColumn = compiler.UnquotedName(*c.ColumnName)
					}
				}
			}
		}
		t, inCatalog := catalogOf(id)
		n.Columns = mergeColumns(cols, t, inCatalog, colOrder[id])
		if inCatalog {
			if s, ok := t.Stats["row_count"]; ok && s.Include {
				n.RowCount = s.Value
			} else if t.RowCount != nil {
				n.RowCount = *t.RowCount
			}
		}
		if n.Parents == nil {
			n.Parents = []int{}
		}
		sort.Ints(n.Parents)
		d.Nodes[i] = n
	}

	// A column's tests: the generic tests attached to it.
	for _, n := range d.Nodes {
		if n.TestOf == nil || n.TestColumn == "" {
			continue
		}
		target := &d.Nodes[*n.TestOf]
		for ci := range target.Columns {
			if strings.EqualFold(target.Columns[ci].Name, n.TestColumn) {
				target.Columns[ci].Tests = append(target.Columns[ci].Tests, firstNonEmpty(n.TestName, n.Name))
				break
			}
		}
	}

	if lin != nil {
		for id, ln := range lin.Nodes {
			i, ok := index[id]
			if !ok {
				continue
			}
			nl := NodeLin{Known: ln.ColumnsKnown, Columns: map[string][]Hop{}}
			for col, c := range ln.Columns {
				hops := make([]Hop, 0, len(c.Upstream))
				for _, e := range c.Upstream {
					j, ok := index[e.Node]
					if !ok {
						continue
					}
					var colName any
					if e.Column != nil {
						colName = *e.Column
					}
					hops = append(hops, Hop{j, colName, e.Type})
				}
				nl.Columns[col] = hops
			}
			d.Lineage[fmt.Sprint(i)] = nl
		}
		for _, w := range lin.Warnings {
			i, ok := index[w.Node]
			if !ok {
				continue
			}
			d.Warnings = append(d.Warnings, Warning{Node: i, Line: w.Line, Construct: w.Construct, Message: w.Message})
		}
	}
	return d
}

// AddProfiles attaches each node's latest stored profile (JSON, by unique
// id) to the node; ids the site does not show are ignored. Profiles that
// are not valid JSON are left out, so one bad row cannot break the page.
func (d *Data) AddProfiles(profiles map[string]json.RawMessage) {
	if len(profiles) == 0 {
		return
	}
	for i := range d.Nodes {
		if p, ok := profiles[d.Nodes[i].ID]; ok && json.Valid(p) {
			d.Nodes[i].Profile = p
		}
	}
}

// otherNode is an exposure or a unit test, from its manifest object.
func otherNode(id string, obj map[string]any, index map[string]int) Node {
	str := func(k string) string {
		s, _ := obj[k].(string)
		return s
	}
	n := Node{ID: id, Name: str("name"), Type: str("resource_type"), Package: str("package_name"),
		Path: str("original_file_path"), Description: str("description"), Columns: []Column{}}
	if fqn, ok := obj["fqn"].([]string); ok {
		n.FQN = fqn
	}
	if tags, ok := obj["tags"].([]string); ok {
		n.Tags = tags
	}
	if dep, ok := obj["depends_on"].(map[string]any); ok {
		if nodes, ok := dep["nodes"].([]string); ok {
			for _, p := range nodes {
				if j, ok := index[p]; ok {
					n.Parents = append(n.Parents, j)
				}
			}
		}
	}
	if n.Type == "exposure" {
		n.Facts = append(n.Facts, [2]string{"Exposure type", str("type")})
		if owner, ok := obj["owner"].(map[string]any); ok {
			var who []string
			for _, k := range []string{"name", "email"} {
				if v, ok := owner[k].(string); ok && v != "" {
					who = append(who, v)
				}
			}
			n.Facts = append(n.Facts, [2]string{"Owner", strings.Join(who, ", ")})
		}
		for _, k := range []string{"maturity", "url", "label"} {
			if v, ok := obj[k].(*string); ok && v != nil {
				n.Facts = append(n.Facts, [2]string{strings.ToUpper(k[:1]) + k[1:], *v})
			}
		}
	}
	if n.Type == "unit_test" {
		n.Facts = append(n.Facts, [2]string{"Model", str("model")})
	}
	return n
}

// mergeColumns lists a node's columns: the warehouse's in their order,
// then documented ones the warehouse does not have, then the lineage's.
func mergeColumns(props map[string]*docs.ColumnInfo, t docs.CatalogTable, inCatalog bool, order []string) []Column {
	var out []Column
	seen := map[string]int{}
	add := func(c Column) {
		key := strings.ToLower(c.Name)
		if i, ok := seen[key]; ok {
			if out[i].Type == "" {
				out[i].Type = c.Type
			}
			if out[i].Description == "" {
				out[i].Description = c.Description
			}
			return
		}
		seen[key] = len(out)
		out = append(out, c)
	}
	propOf := func(name string) *docs.ColumnInfo {
		if c, ok := props[name]; ok {
			return c
		}
		for k, c := range props {
			if strings.EqualFold(k, name) {
				return c
			}
		}
		return nil
	}
	if inCatalog {
		cols := make([]docs.ColumnMetadata, 0, len(t.Columns))
		for _, c := range t.Columns {
			cols = append(cols, c)
		}
		sort.Slice(cols, func(a, b int) bool { return cols[a].Index < cols[b].Index })
		for _, c := range cols {
			col := Column{Name: c.Name, Type: c.Type}
			if p := propOf(c.Name); p != nil {
				col.Description = p.Description
			}
			add(col)
		}
	}
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		p := props[k]
		col := Column{Name: p.Name, Description: p.Description}
		if p.DataType != nil {
			col.Type = *p.DataType
		}
		add(col)
	}
	for _, name := range order {
		add(Column{Name: name})
	}
	if out == nil {
		out = []Column{}
	}
	return out
}

// writeScript writes the data as a script that sets window.__ELT_DOCS__.
// The JSON goes in as a string literal for JSON.parse, which browsers
// parse faster than an object literal of the same size.
func (d *Data) writeScript(w io.Writer) error {
	js, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode site data: %w", err)
	}
	// Marshalling the JSON text as a Go string gives a valid JavaScript
	// string literal: quotes and backslashes escaped, <, >, & and U+2028/9
	// as \u escapes.
	lit, err := json.Marshal(string(js))
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, "performance.mark('elt-data');window.__ELT_DOCS__=JSON.parse("); err != nil {
		return err
	}
	if _, err := w.Write(lit); err != nil {
		return err
	}
	_, err = io.WriteString(w, ");performance.mark('elt-data-parsed');\n")
	return err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func firstNonEmpty(a ...string) string {
	for _, s := range a {
		if s != "" {
			return s
		}
	}
	return ""
}
