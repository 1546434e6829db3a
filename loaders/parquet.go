package loaders

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/big"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// extractParquet streams Parquet files for targets without a Parquet
// reader of their own (Postgres): an in-memory DuckDB reads them, and its
// rows go out in pages with their types.
func (f *files) extractParquet(ctx context.Context, paths []string, emit func(Page) error) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return fmt.Errorf("open DuckDB to read Parquet: %w", err)
	}
	defer db.Close()
	list := "["
	for i, p := range paths {
		if i > 0 {
			list += ", "
		}
		list += lit(p)
	}
	list += "]"
	rows, err := db.QueryContext(ctx, "select * from read_parquet("+list+")")
	if err != nil {
		return fmt.Errorf("read Parquet: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	page := Page{Columns: cols}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("read Parquet: %w", err)
		}
		rec := make(Record, len(cols))
		for i, c := range cols {
			rec[c] = parquetValue(vals[i])
		}
		page.Records = append(page.Records, rec)
		if len(page.Records) >= f.pageSize {
			if err := emit(page); err != nil {
				return err
			}
			page = Page{Columns: cols}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read Parquet: %w", err)
	}
	if len(page.Records) > 0 {
		return emit(page)
	}
	return nil
}

// parquetValue maps a value DuckDB read to the loaders' kinds: integers
// to int64, floats and decimals to float64, times as they are, nested
// values (lists, structs, maps) to their JSON text.
func parquetValue(v any) any {
	switch x := v.(type) {
	case nil, bool, int64, float64, string, time.Time:
		return x
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		if x <= 1<<63-1 {
			return int64(x)
		}
		return fmt.Sprint(x)
	case float32:
		return float64(x)
	case *big.Int:
		if x.IsInt64() {
			return x.Int64()
		}
		return x.String()
	case duckdb.Decimal:
		return x.Float64()
	case []byte:
		return string(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
