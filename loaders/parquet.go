package loaders

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/big"
	"time"

	"github.com/elt-dev/elt/adapters/duckdb"
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
	types, err := rows.ColumnTypes()
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
			rec[c] = parquetValue(vals[i], types[i].DatabaseTypeName())
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

// parquetValue maps a value DuckDB read to the loaders' kinds: the
// DuckDB adapter's plain Go values (integers int64, floats and decimals
// float64, times time.Time), with what the loaders have no kind for as
// text: integers past int64, blobs, and nested values (lists, structs,
// maps) as their JSON.
func parquetValue(v any, dbType string) any {
	switch x := duckdb.GoValue(v, dbType).(type) {
	case nil, bool, int64, float64, string, time.Time:
		return x
	case []byte:
		return string(x)
	case uint64, *big.Int:
		return fmt.Sprint(x)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	}
}
