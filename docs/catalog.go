package docs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/internal/targetfs"
	"github.com/elt-dev/elt/project"
)

// CatalogSchemaURL is catalog.json's dbt_schema_version.
const CatalogSchemaURL = "https://schemas.getdbt.com/dbt/catalog/v1.json"

// Catalog is catalog.json (schema v1): what the warehouse holds for each
// node and source that has a relation there.
type Catalog struct {
	Metadata ArtifactMetadata        `json:"metadata"`
	Nodes    map[string]CatalogTable `json:"nodes"`
	Sources  map[string]CatalogTable `json:"sources"`
	Errors   []string                `json:"errors"` // null when there were none, as dbt writes it
}

// CatalogTable is one relation of the catalog.
type CatalogTable struct {
	Metadata TableMetadata        `json:"metadata"`
	Columns  CatalogColumns       `json:"columns"` // keyed by the name as the warehouse reports it
	Stats    map[string]StatsItem `json:"stats"`
	UniqueID *string              `json:"unique_id"`
	// RowCount is the warehouse's row estimate where it has one and
	// catalog.json does not say it (DuckDB, PostgreSQL): for the docs
	// site, never written.
	RowCount *int64 `json:"-"`
}

// TableMetadata says what the relation is and who owns it.
type TableMetadata struct {
	Type     string  `json:"type"` // "BASE TABLE", "VIEW", ...
	Schema   string  `json:"schema"`
	Name     string  `json:"name"`
	Database *string `json:"database"`
	Comment  *string `json:"comment"`
	Owner    *string `json:"owner"`
}

// CatalogColumns are a relation's columns by name, written in the
// relation's column order, as dbt's catalog (its query orders them by
// position).
type CatalogColumns map[string]ColumnMetadata

// MarshalJSON writes the columns in the order of their index (then name).
func (c CatalogColumns) MarshalJSON() ([]byte, error) {
	names := make([]string, 0, len(c))
	for k := range c {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := c[names[i]], c[names[j]]
		if a.Index != b.Index {
			return a.Index < b.Index
		}
		return names[i] < names[j]
	})
	return marshalInOrder(c, names)
}

// ColumnMetadata is one column; Index is 1-based.
type ColumnMetadata struct {
	Type    string  `json:"type"`
	Index   int     `json:"index"`
	Name    string  `json:"name"`
	Comment *string `json:"comment"`
}

// StatsItem is one table statistic.
type StatsItem struct {
	ID          string  `json:"id"`
	Label       string  `json:"label"`
	Value       any     `json:"value"`
	Include     bool    `json:"include"`
	Description *string `json:"description"`
}

// CatalogRelations lists the relations catalog.json describes: every
// enabled model, seed and snapshot that is built in the warehouse
// (ephemeral models are not), and every source, by unique id.
func CatalogRelations(m *compiler.Manifest) (nodes, sources map[string]adapters.Relation) {
	nodes, sources = map[string]adapters.Relation{}, map[string]adapters.Relation{}
	for id, n := range m.Nodes {
		switch n.ResourceType {
		case project.Model, project.Seed, project.Snapshot:
		default:
			continue
		}
		if enabled, ok := n.Config["enabled"].(bool); ok && !enabled {
			continue
		}
		if n.Relation.Identifier == "" { // ephemeral
			continue
		}
		nodes[id] = adapters.Relation{Database: n.Relation.Database, Schema: n.Relation.Schema, Identifier: n.Relation.Identifier}
	}
	for id, s := range m.Sources {
		sources[id] = adapters.Relation{Database: s.Database, Schema: s.Schema, Identifier: s.Identifier}
	}
	return nodes, sources
}

// BuildCatalog turns what the warehouse reported, by unique id, into
// catalog.json. A nil entry (the relation does not exist) is left out, as
// dbt leaves out what its catalog query did not find. errs are the
// problems met while reading the warehouse; none is written as null.
func BuildCatalog(meta Metadata, nodes, sources map[string]*adapters.RelationInfo, errs []string) *Catalog {
	c := &Catalog{
		Metadata: meta.artifactMetadata(CatalogSchemaURL),
		Nodes:    map[string]CatalogTable{},
		Sources:  map[string]CatalogTable{},
	}
	if len(errs) > 0 {
		c.Errors = append([]string(nil), errs...)
		sort.Strings(c.Errors)
	}
	for id, info := range nodes {
		if info != nil {
			c.Nodes[id] = catalogTable(id, info)
		}
	}
	for id, info := range sources {
		if info != nil {
			c.Sources[id] = catalogTable(id, info)
		}
	}
	return c
}

func catalogTable(id string, info *adapters.RelationInfo) CatalogTable {
	t := CatalogTable{
		Metadata: TableMetadata{
			Type:     info.Type,
			Schema:   info.Relation.Schema,
			Name:     info.Relation.Identifier,
			Database: strOrNull(info.Relation.Database),
			Comment:  strOrNull(info.Comment),
			Owner:    strOrNull(info.Owner),
		},
		Columns:  CatalogColumns{},
		Stats:    map[string]StatsItem{},
		UniqueID: strOrNull(id),
		RowCount: info.RowCount,
	}
	for _, col := range info.Columns {
		t.Columns[col.Name] = ColumnMetadata{Type: col.DataType, Index: col.Index, Name: col.Name, Comment: strOrNull(col.Comment)}
	}
	for _, s := range info.Stats {
		t.Stats[s.ID] = StatsItem{ID: s.ID, Label: s.Label, Value: s.Value, Include: s.Include, Description: strOrNull(s.Description)}
	}
	// dbt adds has_stats to every table: true when the warehouse gave any
	// other statistic. It is never shown (include false).
	t.Stats["has_stats"] = StatsItem{ID: "has_stats", Label: "Has Stats?", Value: len(info.Stats) > 0, Include: false,
		Description: strOrNull("Indicates whether there are statistics for this table")}
	return t
}

// WriteCatalog writes catalog.json atomically to name in the target directory.
func WriteCatalog(dir *targetfs.Dir, name string, c *Catalog) error {
	if err := dir.WriteAtomic(name, jsonWriter(c)); err != nil {
		return fmt.Errorf("docs: write catalog %s: %w", name, err)
	}
	return nil
}

// marshalInOrder writes m as a JSON object with its keys in the order
// given (all of m's), each value as encoding/json writes it; the caller's
// encoder escapes HTML or not as it is set to.
func marshalInOrder[V any](m map[string]V, keys []string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := enc.Encode(k); err != nil {
			return nil, err
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
		buf.WriteByte(':')
		if err := enc.Encode(m[k]); err != nil {
			return nil, err
		}
		buf.Truncate(buf.Len() - 1)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
