package docs

import (
	"fmt"
	"sort"

	"github.com/elt-dev/elt/internal/targetfs"
	"github.com/elt-dev/elt/lineage"
)

// LineageSchemaVersion names lineage.json's shape. The file is elt's own,
// not dbt's; the version changes only when a reader would break.
const LineageSchemaVersion = "elt/lineage/v1"

// Lineage is target/lineage.json: every model's (and snapshot's) columns
// with the upstream columns each reads, by unique id.
//
//	{"metadata": {"schema_version", "dbt_version", "generated_at", "invocation_id"},
//	 "nodes": {"model.shop.fct_orders": {"columns_known": true, "columns": {
//	     "order_total": {"upstream": [
//	         {"node": "model.shop.int_order_totals", "column": "items_total_cents", "type": "transformation"},
//	         {"node": "model.shop.stg_orders", "column": "order_id", "type": "indirect"}]}}}},
//	 "warnings": [{"node": "model.shop.x", "line": 3, "construct": "...", "message": "..."}]}
//
// type is identity (copied), transformation, aggregation, indirect (it
// filters, joins, groups, orders or partitions the rows) or table: the
// column could not be resolved, and depends on the whole upstream node
// (column null). columns_known is false when the model's column list is
// incomplete (it did not parse, or a * over columns not known).
type Lineage struct {
	Metadata LineageMetadata        `json:"metadata"`
	Nodes    map[string]LineageNode `json:"nodes"`
	Warnings []LineageWarning       `json:"warnings"`
}

// LineageMetadata identifies the file and the invocation that wrote it.
type LineageMetadata struct {
	SchemaVersion string  `json:"schema_version"`
	DBTVersion    string  `json:"dbt_version"`
	GeneratedAt   Time    `json:"generated_at"`
	InvocationID  *string `json:"invocation_id"`
}

// LineageNode is one model's columns.
type LineageNode struct {
	ColumnsKnown bool                     `json:"columns_known"`
	Columns      map[string]LineageColumn `json:"columns"`
}

// LineageColumn is what one column reads, in a fixed order.
type LineageColumn struct {
	Upstream []LineageEdge `json:"upstream"`
}

// LineageEdge is one upstream column (or, with Column nil, node).
type LineageEdge struct {
	Node   string  `json:"node"`
	Column *string `json:"column"`
	Type   string  `json:"type"`
}

// LineageWarning says where and why lineage was degraded.
type LineageWarning struct {
	Node      string `json:"node"`
	Line      int    `json:"line,omitempty"`
	Construct string `json:"construct"`
	Message   string `json:"message"`
}

// EdgeTable is the type of an edge to a whole upstream node.
const EdgeTable = "table"

// BuildLineage renders a project's resolved lineage. ids maps the names
// the lineage engine used for nodes to their unique ids; a name not in it
// is written as it is.
func BuildLineage(meta Metadata, p *lineage.Project, ids map[string]string) *Lineage {
	uid := func(name string) string {
		if id, ok := ids[name]; ok {
			return id
		}
		return name
	}
	out := &Lineage{
		Metadata: LineageMetadata{
			SchemaVersion: LineageSchemaVersion,
			DBTVersion:    meta.dbtVersion(),
			GeneratedAt:   Time{meta.GeneratedAt},
			InvocationID:  strOrNull(meta.InvocationID),
		},
		Nodes:    map[string]LineageNode{},
		Warnings: []LineageWarning{},
	}
	names := make([]string, 0, len(p.Models))
	for name := range p.Models {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		m := p.Models[name]
		n := LineageNode{ColumnsKnown: m.ColumnsKnown, Columns: map[string]LineageColumn{}}
		for _, c := range m.Columns {
			edges := []LineageEdge{}
			for _, e := range c.Edges {
				col := e.Column
				edges = append(edges, LineageEdge{Node: uid(e.Node), Column: &col, Type: string(e.Type)})
			}
			if c.Degraded {
				for _, u := range m.Upstream {
					edges = append(edges, LineageEdge{Node: uid(u), Type: EdgeTable})
				}
			}
			n.Columns[c.Name] = LineageColumn{Upstream: edges}
		}
		out.Nodes[uid(name)] = n
		for _, w := range m.Warnings {
			out.Warnings = append(out.Warnings, LineageWarning{Node: uid(w.Node), Line: w.Line, Construct: w.Construct, Message: w.Message})
		}
	}
	return out
}

// WriteLineage writes lineage.json atomically to name in the target directory.
func WriteLineage(dir *targetfs.Dir, name string, l *Lineage) error {
	if err := dir.WriteAtomic(name, jsonWriter(l)); err != nil {
		return fmt.Errorf("docs: write lineage %s: %w", name, err)
	}
	return nil
}
