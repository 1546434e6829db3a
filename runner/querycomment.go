package runner

import (
	"context"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/compiler"
)

// QueryCommenter renders dbt_project.yml's query-comment for a node.
type QueryCommenter interface {
	QueryComment(ctx context.Context, id string) (text string, appendIt bool, err error)
}

// withQueryComment puts the node's query comment in ctx, for the adapter
// to add to every statement it sends for the node.
func (r *Runner) withQueryComment(ctx context.Context, n *compiler.Node) (context.Context, error) {
	qc, ok := any(r.m).(QueryCommenter)
	if !ok {
		return ctx, nil
	}
	text, appendIt, err := qc.QueryComment(ctx, n.UniqueID)
	if err != nil {
		return ctx, err
	}
	return adapters.WithQueryComment(ctx, adapters.QueryComment{Text: text, Append: appendIt}), nil
}
