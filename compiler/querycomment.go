package compiler

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
)

// QueryComment renders dbt_project.yml's query-comment for node id, as
// dbt's query comment does: the comment string (or the mapping's comment)
// is Jinja with node and target in context; unset, it is dbt's default
// JSON comment, whose "app" stays "dbt" so that tools reading dbt's
// comments (warehouse query history, cost dashboards) read elt's too.
// query-comment: null or ” (or a mapping with comment: null) gives "".
// appendIt is the mapping's append.
func (m *Manifest) QueryComment(ctx context.Context, id string) (text string, appendIt bool, err error) {
	n, ok := m.Nodes[id]
	if !ok {
		return "", false, diag.Errorf("", diag.Pos{}, "", "query comment: unknown node %s", id)
	}
	return m.queryComment(ctx, n, n.UniqueID)
}

// ConnectionQueryComment is the query comment of statements dbt sends
// outside any node, on the connection it names: "master" for
// on-run-start and on-run-end hooks, "macro_<name>" for run-operation.
// node is None and connection_name is set, so dbt's default comment
// carries "connection_name" instead of "node_id".
func (m *Manifest) ConnectionQueryComment(ctx context.Context, connection string) (text string, appendIt bool, err error) {
	return m.queryComment(ctx, nil, connection)
}

// queryComment renders the query comment for node n (nil: none) on the
// connection named connection.
func (m *Manifest) queryComment(ctx context.Context, n *Node, connection string) (text string, appendIt bool, err error) {
	cfg := m.Project.Config
	raw, set := cfg.Raw["query-comment"]
	if !set {
		return m.defaultQueryComment(n, connection), false, nil
	}
	tmpl := ""
	switch v := raw.(type) {
	case nil:
		return "", false, nil
	case string:
		tmpl = v
	case map[string]any:
		appendIt, _ = v["append"].(bool)
		c, has := v["comment"]
		if !has { // a mapping without comment keeps dbt's default
			return m.defaultQueryComment(n, connection), appendIt, nil
		}
		if c != nil {
			tmpl = fmt.Sprint(c)
		}
	default:
		return "", false, nil // refused when the project loaded
	}
	if strings.TrimSpace(tmpl) == "" {
		return "", appendIt, nil
	}
	extra := map[string]any{"connection_name": connection}
	if n == nil {
		extra["node"] = nil
	} else {
		tmpl = "{%- set node = model -%}" + tmpl
	}
	out, err := m.renderWith(ctx, tmpl, n, extra, nil)
	if err != nil {
		return "", false, fmt.Errorf("dbt_project.yml: query-comment: %w", err)
	}
	out = strings.TrimSpace(out)
	if strings.Contains(out, "*/") {
		// dbt's text (dbt-adapters base/query_headers.py _QueryComment.set).
		return "", false, diag.Errorf("dbt_project.yml", cfg.KeyPos["query-comment"], "remove */ from the query comment",
			`query comment contains illegal value "*/": %s`, out)
	}
	return out, appendIt, nil
}

// defaultQueryComment is dbt's default query comment, keys in dbt's order,
// written as Python's json.dumps writes it.
func (m *Manifest) defaultQueryComment(n *Node, connection string) string {
	t := m.Project.Target
	profile, target := "", ""
	if t != nil {
		profile, target = t.ProfileName, t.Name
	}
	var b strings.Builder
	b.WriteString("{")
	last := [2]string{"connection_name", connection} // dbt: the node's id when there is a node
	if n != nil {
		last = [2]string{"node_id", n.UniqueID}
	}
	for i, kv := range [][2]string{{"app", "dbt"}, {"dbt_version", DBTVersion}, {"profile_name", profile}, {"target_name", target}, last} {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(jsonString(kv[0]) + ": " + jsonString(kv[1]))
	}
	b.WriteString("}")
	return b.String()
}

func jsonString(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(buf.String(), "\n")
}
