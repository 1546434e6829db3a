package adapters

import "context"

// Bulk is implemented by adapters that loaders can land raw data through:
// one connection, one explicit transaction, and the warehouse's bulk path
// (DuckDB's Appender, Postgres COPY). It is separate from Adapter so that
// warehouses without a bulk path (Snowflake, BigQuery: staged loads) need
// not pretend to have one.
type Bulk interface {
	BeginBulk(ctx context.Context) (BulkTx, error)
}

// BulkTx is an open transaction on one connection. Everything done
// through it commits or rolls back together, so a loader can commit a
// page of rows and the cursor describing it at once.
type BulkTx interface {
	Exec(ctx context.Context, sql string) error
	Query(ctx context.Context, sql string) (*Result, error)
	// Append streams rows into the named columns of rel and returns how
	// many it wrote. Values are nil, bool, int64, float64, string or
	// time.Time and must fit the column's type.
	Append(ctx context.Context, rel Relation, columns []string, rows RowSource) (int64, error)
	Commit(ctx context.Context) error
	// Rollback is safe to call after Commit (it then does nothing).
	Rollback(ctx context.Context) error
}

// RowSource yields rows one at a time, as pgx.CopyFromSource does.
type RowSource interface {
	Next() bool
	Values() ([]any, error)
	Err() error
}

// SliceRows is a RowSource over rows held in memory (one page).
type SliceRows struct {
	Rows [][]any
	i    int
}

func (s *SliceRows) Next() bool {
	if s.i >= len(s.Rows) {
		return false
	}
	s.i++
	return true
}

func (s *SliceRows) Values() ([]any, error) { return s.Rows[s.i-1], nil }
func (s *SliceRows) Err() error             { return nil }
