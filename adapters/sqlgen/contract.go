package sqlgen

import (
	"context"
	"strings"

	"github.com/elt-dev/elt/adapters"
)

// replaceContracted is ReplaceRelation for a contracted table: the table is
// created from the contract's column list, types and constraints, then
// filled from the model's select, so the warehouse enforces the
// constraints on every row.
func (w Warehouse) replaceContracted(ctx context.Context, tx Tx, rel adapters.Relation, c *adapters.Contract, body string, cfg map[string]any) (int64, error) {
	tmp := rel
	tmp.Identifier = w.TempName(rel.Identifier)
	create := w.createTable(cfg) + strings.TrimPrefix(c.CreateTableSQL(RenderRelation(tmp)), "create table ")
	if _, err := tx.Exec(ctx, create); err != nil {
		return 0, err
	}
	rows, err := tx.Exec(ctx, c.InsertSQL(RenderRelation(tmp), body))
	if err != nil {
		return 0, err
	}
	if err := tx.DropRelation(ctx, rel); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, "alter table "+RenderRelation(tmp)+" rename to "+Quote(rel.Identifier)); err != nil {
		return 0, err
	}
	return rows, nil
}
