package compiler

import (
	"context"
	"fmt"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/project"
)

// SQLOperation is dbt's resource type for SQL given on the command line
// (`dbt show --inline`): a node of the root project named inline_query.
const SQLOperation project.ResourceType = "sql_operation"

// InlineFile is the file name errors in an inline query are reported at.
const InlineFile = "--inline"

// CompileInline compiles sql, given on the command line, as dbt compiles
// `show --inline`: a node named inline_query of the root project whose
// ref() and source() calls resolve like a model's, with the ephemeral
// models it reads inlined as CTEs. The node is not added to the manifest.
func (m *Manifest) CompileInline(ctx context.Context, sql string) (*Node, error) {
	root := m.Project.Config.Name
	n := &Node{Node: project.Node{
		UniqueID:         string(SQLOperation) + "." + root + ".inline_query",
		ResourceType:     SQLOperation,
		Name:             "inline_query",
		Package:          root,
		Path:             InlineFile,
		OriginalFilePath: InlineFile,
		FQN:              []string{root, "inline_query"},
		RawCode:          sql,
		Language:         "sql",
		Config:           project.Config{},
	}}
	n.ShortName = n.Name
	st, err := m.renderNode(ctx, n, false)
	if err != nil {
		return nil, diag.List{m.renderDiag(n, st, err)}.Err()
	}
	n.Refs, n.SourceRefs, n.MetricRefs, n.DependsOn.Macros = st.refs, st.sources, st.metrics, st.dependsOn
	var l diag.List
	m.resolveDependencies(ctx, &l, []*Node{n})
	if err := l.Err(); err != nil {
		return nil, err
	}
	if _, taken := m.Nodes[n.UniqueID]; taken {
		return nil, fmt.Errorf("compile inline query: %s is already a node", n.UniqueID)
	}
	// compile finds nodes by id: the node is in the manifest while it compiles.
	m.Nodes[n.UniqueID] = n
	err = m.compile(ctx, []string{n.UniqueID}, false)
	delete(m.Nodes, n.UniqueID)
	if err != nil {
		return nil, err
	}
	return n, nil
}

// RenderForSource renders sql written on a source table (its
// loaded_at_query or freshness filter) with execute=true, `this` being
// the source's relation, as dbt renders them when freshness runs.
func (m *Manifest) RenderForSource(ctx context.Context, sql string, src *project.SourceTable) (string, error) {
	this := &relationValue{Database: src.Database, Schema: src.Schema, Identifier: src.Identifier,
		rendered: m.SourceRelations[src.UniqueID], dialect: m.engine.dialect, quoting: m.engine.sourceQuoting(src)}
	return m.renderWith(ctx, sql, nil, map[string]any{"this": this}, nil)
}
