package adapters

import (
	"context"
	"database/sql"
	"strings"
)

// ReadRows holds a database/sql result in memory, each value passed through
// convert (a driver's own types become plain Go values there), and closes
// rows. Adapters over database/sql drivers share it.
func ReadRows(ctx context.Context, rows *sql.Rows, convert func(v any, col *sql.ColumnType) any) (*Result, error) {
	defer rows.Close()
	cols, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	res := &Result{Columns: make([]string, len(cols)), Types: make([]string, len(cols)), Rows: [][]any{}}
	for i, c := range cols {
		res.Columns[i] = c.Name()
		res.Types[i] = strings.ToUpper(c.DatabaseTypeName())
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, v := range vals {
			vals[i] = convert(v, cols[i])
		}
		res.Rows = append(res.Rows, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, ContextError(ctx, err)
	}
	return res, nil
}
