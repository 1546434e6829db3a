package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// graphSummaryFile is dbt's diagnostic summary of the graph
// (compilation.py Compiler.compile), written by every command that builds
// the graph for a selection.
const graphSummaryFile = "graph_summary.json"

// linkOrder ranks resource types in the order dbt's Linker.link_graph adds
// them: sources, then the manifest's nodes, semantic models, exposures,
// metrics, unit tests and saved queries.
var linkOrder = map[string]int{"source": 0, "semantic_model": 2, "exposure": 3, "metric": 4, "unit_test": 5, "saved_query": 6}

// writeGraphSummary writes target/graph_summary.json once per session:
// the invocation id and, under "linked", each graph node by index with
// its unique id, resource type and the indexes of its children ("succ",
// only when it has some), as dbt's Linker.get_graph_summary. As dbt, a
// failure to write it is only noted: it is non-essential.
func (s *session) writeGraphSummary() {
	if s.graphSummaryWritten || s.graph == nil {
		return
	}
	s.graphSummaryWritten = true
	ids := s.graph.IDs()
	types := make(map[string]string, len(ids))
	for _, id := range ids {
		n, _ := s.graph.Node(id)
		types[id] = n.ResourceType
	}
	rank := func(id string) int {
		if r, ok := linkOrder[types[id]]; ok {
			return r
		}
		return 1 // one of the manifest's nodes
	}
	slices.SortFunc(ids, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	index := make(map[string]int, len(ids))
	for i, id := range ids {
		index[id] = i
	}
	var buf bytes.Buffer
	buf.WriteString(`{"_invocation_id": `)
	writeJSONString(&buf, s.invocationID)
	buf.WriteString(`, "linked": {`)
	for i, id := range ids {
		if i > 0 {
			buf.WriteString(", ")
		}
		buf.WriteByte('"')
		buf.WriteString(strconv.Itoa(i))
		buf.WriteString(`": {"name": `)
		writeJSONString(&buf, id)
		buf.WriteString(`, "type": `)
		writeJSONString(&buf, types[id])
		if children := s.graph.Children(id); len(children) > 0 {
			buf.WriteString(`, "succ": [`)
			for j, c := range children {
				if j > 0 {
					buf.WriteString(", ")
				}
				buf.WriteString(strconv.Itoa(index[c]))
			}
			buf.WriteByte(']')
		}
		buf.WriteByte('}')
	}
	buf.WriteString("}}")
	dir, err := s.targetFS()
	if err == nil {
		err = dir.WriteFile(graphSummaryFile, buf.Bytes())
	}
	if err != nil {
		s.log.info("Note", fmt.Sprintf("An error was encountered writing the graph summary information: %v", err), nil)
	}
}

// writeJSONString writes s as a JSON string.
func writeJSONString(buf *bytes.Buffer, s string) {
	b, _ := json.Marshal(s) // a string always marshals
	buf.Write(b)
}
