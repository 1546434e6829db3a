package tests

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/elt-dev/elt/adapters"
)

// openDuckDB opens a real DuckDB database in a file under t.TempDir().
func openDuckDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", filepath.Join(t.TempDir(), "test.duckdb"))
	if err != nil {
		t.Fatalf("open duckdb: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustExec(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.ExecContext(context.Background(), s); err != nil {
			t.Fatalf("exec %q: %v", s, err)
		}
	}
}

// queryStrings runs q and returns its rows as strings ("NULL" for nulls),
// sorted so that tests do not depend on row order.
func queryStrings(t *testing.T, db *sql.DB, q string) [][]string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("query failed: %v\n--- query ---\n%s", err, q)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	out := [][]string{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			if v == nil {
				row[i] = "NULL"
			} else {
				row[i] = fmt.Sprint(v)
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Slice(out, func(i, j int) bool { return strings.Join(out[i], "\x00") < strings.Join(out[j], "\x00") })
	return out
}

// diff reports want and got side by side when they differ. Values inside
// adapters.Result rows are printed with their types, since an int32 and an
// int64 look alike otherwise.
func diff(want, got any) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	show := func(v any) string {
		if r, ok := v.(*adapters.Result); ok && r != nil {
			rows := make([]string, len(r.Rows))
			for i, row := range r.Rows {
				cells := make([]string, len(row))
				for j, c := range row {
					cells[j] = fmt.Sprintf("%T(%v)", c, c)
				}
				rows[i] = "[" + strings.Join(cells, " ") + "]"
			}
			return fmt.Sprintf("columns %q rows %s", r.Columns, strings.Join(rows, " "))
		}
		return fmt.Sprintf("%#v", v)
	}
	return fmt.Sprintf("\n want: %s\n  got: %s", show(want), show(got))
}

// verdict checks what Outcome carries for a test materialization block,
// the verdict query's row (dbt's statement('main')) and the stored
// relation's kind, and returns o without them for comparing the rest.
func verdict(t *testing.T, o Outcome) Outcome {
	t.Helper()
	if o.Main == nil || len(o.Main.Rows) != 1 || len(o.Main.Columns) != 3 || o.Main.Columns[0] != "failures" {
		t.Errorf("Main is not the one-row verdict (failures, should_warn, should_error): %+v", o.Main)
	} else if n, err := toInt64(o.Main.Rows[0][0]); err != nil || o.Status != StatusPass && n != o.Failures || o.Status == StatusPass && o.Failures != 0 {
		// As dbt's: a failing or warning test's failures are the
		// verdict's, a passing test's 0.
		t.Errorf("Main's failures %v, Failures %d (%s)", o.Main.Rows[0][0], o.Failures, o.Status)
	}
	if (o.StoredRelation != "") != (o.StoredAs == "table" || o.StoredAs == "view") {
		t.Errorf("StoredAs %q with StoredRelation %q", o.StoredAs, o.StoredRelation)
	}
	o.Main, o.StoredAs = nil, ""
	return o
}
