package adapters

import "context"

// QueryDescriber is implemented by adapters that can tell the columns and
// types a select returns without running it (for unit tests and model
// contracts).
type QueryDescriber interface {
	DescribeQuery(ctx context.Context, sql string) ([]Column, error)
}

// DescribeQuery lists the output columns of sql with their types through
// a's QueryDescriber; for an adapter without one, the names alone from an
// empty result.
func DescribeQuery(ctx context.Context, a Adapter, sql string) ([]Column, error) {
	if d, ok := a.(QueryDescriber); ok {
		return d.DescribeQuery(ctx, sql)
	}
	res, err := a.Query(ctx, "select * from (\n"+sql+"\n) as dbt_internal_describe limit 0")
	if err != nil {
		return nil, err
	}
	out := make([]Column, len(res.Columns))
	for i, c := range res.Columns {
		out[i] = Column{Name: c, Index: i + 1}
	}
	return out, nil
}
