package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/elt-dev/elt/adapters"
)

var _ adapters.QueryDescriber = (*Adapter)(nil)

// DescribeQuery lists a select's output columns and types from an empty
// temporary table made from it, dropped when the transaction ends.
func (a *Adapter) DescribeQuery(ctx context.Context, sql string) ([]adapters.Column, error) {
	rel := adapters.Relation{Schema: "pg_temp", Identifier: "dbt_internal_describe"}
	var out []adapters.Column
	err := a.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, adapters.CommentSQL(ctx, "create temporary table "+Dialect{}.Quote(rel.Identifier)+" on commit drop as select * from (\n"+sql+"\n) as dbt_internal_describe limit 0")); err != nil {
			return positioned(err, sql)
		}
		cols, err := columns(ctx, tx, rel)
		out = cols
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: describe query: %w", err)
	}
	return out, nil
}
