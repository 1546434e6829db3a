package duckdb

import (
	"context"
	"fmt"

	"github.com/elt-dev/elt/adapters"
)

var _ adapters.QueryDescriber = (*Adapter)(nil)

// DescribeQuery lists a select's output columns and types with DuckDB's
// describe, which plans the query without running it.
func (a *Adapter) DescribeQuery(ctx context.Context, sql string) ([]adapters.Column, error) {
	res, err := queryAll(ctx, a.db, "select column_name, column_type from (describe select * from (\n"+sql+"\n) as dbt_internal_describe)")
	if err != nil {
		return nil, fmt.Errorf("duckdb: describe query: %w", err)
	}
	out := make([]adapters.Column, 0, len(res.Rows))
	for i, r := range res.Rows {
		out = append(out, adapters.Column{Name: fmt.Sprint(r[0]), DataType: fmt.Sprint(r[1]), Index: i + 1})
	}
	return out, nil
}
