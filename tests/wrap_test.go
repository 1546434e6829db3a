package tests

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/project"
)

// queryResult runs q on db and returns the raw driver values, as an adapter would.
func queryResult(t *testing.T, db *sql.DB, q string) (*adapters.Result, error) {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	res := &adapters.Result{Columns: cols}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		res.Rows = append(res.Rows, vals)
	}
	return res, rows.Err()
}

// failingRows is a test query returning k failing rows, each with n = 2.
func failingRows(k int) string {
	return fmt.Sprintf("select i, 2 as n from range(%d) r(i)", k)
}

func TestWrapAndEvaluateOnDuckDB(t *testing.T) {
	db := openDuckDB(t)
	thresholds := project.Config{"warn_if": ">5", "error_if": ">10"}
	with := func(base project.Config, kv ...any) project.Config {
		c := project.Config{}
		for k, v := range base {
			c[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			c[kv[i].(string)] = kv[i+1]
		}
		return c
	}

	tests := []struct {
		name string
		rows int
		cfg  project.Config
		want Outcome
	}{
		// Defaults: any failing row fails (severity error) or warns (severity warn).
		{"defaults, no rows", 0, project.Config{}, Outcome{Status: StatusPass}},
		{"defaults, one row", 1, project.Config{}, Outcome{Status: StatusFail, Failures: 1, Message: "Got 1 result, configured to fail if != 0"}},
		{"defaults, three rows", 3, project.Config{}, Outcome{Status: StatusFail, Failures: 3, Message: "Got 3 results, configured to fail if != 0"}},
		{"severity warn, no rows", 0, project.Config{"severity": "warn"}, Outcome{Status: StatusPass}},
		{"severity warn, three rows", 3, project.Config{"severity": "warn"}, Outcome{Status: StatusWarn, Failures: 3, Message: "Got 3 results, configured to warn if != 0"}},
		{"severity is case-insensitive", 3, project.Config{"severity": "WARN"}, Outcome{Status: StatusWarn, Failures: 3, Message: "Got 3 results, configured to warn if != 0"}},
		{"severity Error", 3, project.Config{"severity": "Error"}, Outcome{Status: StatusFail, Failures: 3, Message: "Got 3 results, configured to fail if != 0"}},

		// severity error × warn_if >5 × error_if >10.
		{"error sev, 0 rows", 0, with(thresholds, "severity", "error"), Outcome{Status: StatusPass}},
		{"error sev, 3 rows: below both", 3, with(thresholds, "severity", "error"), Outcome{Status: StatusPass}},
		{"error sev, 5 rows: at warn threshold", 5, with(thresholds, "severity", "error"), Outcome{Status: StatusPass}},
		{"error sev, 6 rows: above warn", 6, with(thresholds, "severity", "error"), Outcome{Status: StatusWarn, Failures: 6, Message: "Got 6 results, configured to warn if >5"}},
		{"error sev, 10 rows: at error threshold", 10, with(thresholds, "severity", "error"), Outcome{Status: StatusWarn, Failures: 10, Message: "Got 10 results, configured to warn if >5"}},
		{"error sev, 11 rows: above error", 11, with(thresholds, "severity", "error"), Outcome{Status: StatusFail, Failures: 11, Message: "Got 11 results, configured to fail if >10"}},
		{"default severity behaves as error", 11, thresholds, Outcome{Status: StatusFail, Failures: 11, Message: "Got 11 results, configured to fail if >10"}},

		// severity warn never consults error_if.
		{"warn sev, 0 rows", 0, with(thresholds, "severity", "warn"), Outcome{Status: StatusPass}},
		{"warn sev, 3 rows", 3, with(thresholds, "severity", "warn"), Outcome{Status: StatusPass}},
		{"warn sev, 6 rows", 6, with(thresholds, "severity", "warn"), Outcome{Status: StatusWarn, Failures: 6, Message: "Got 6 results, configured to warn if >5"}},
		{"warn sev, 11 rows: error_if ignored", 11, with(thresholds, "severity", "warn"), Outcome{Status: StatusWarn, Failures: 11, Message: "Got 11 results, configured to warn if >5"}},

		// Only one threshold set: the other keeps its default != 0.
		{"only warn_if: error_if != 0 still fails first", 3, project.Config{"warn_if": ">5"}, Outcome{Status: StatusFail, Failures: 3, Message: "Got 3 results, configured to fail if != 0"}},
		{"only error_if: below it warns on != 0", 3, project.Config{"error_if": ">10"}, Outcome{Status: StatusWarn, Failures: 3, Message: "Got 3 results, configured to warn if != 0"}},
		{"only error_if: above it fails", 11, project.Config{"error_if": ">10"}, Outcome{Status: StatusFail, Failures: 11, Message: "Got 11 results, configured to fail if >10"}},
		{"threshold as between", 7, project.Config{"error_if": "between 5 and 10"}, Outcome{Status: StatusFail, Failures: 7, Message: "Got 7 results, configured to fail if between 5 and 10"}},
		{"threshold = 0 inverts the test", 0, project.Config{"error_if": "= 0", "warn_if": "= 0"}, Outcome{Status: StatusFail, Failures: 0, Message: "Got 0 results, configured to fail if = 0"}},
		{"blank thresholds mean the default", 2, project.Config{"error_if": " ", "warn_if": nil}, Outcome{Status: StatusFail, Failures: 2, Message: "Got 2 results, configured to fail if != 0"}},

		// limit applies to the failing rows before fail_calc.
		{"limit caps the failures", 12, project.Config{"limit": 4}, Outcome{Status: StatusFail, Failures: 4, Message: "Got 4 results, configured to fail if != 0"}},
		{"limit below warn threshold", 12, with(thresholds, "limit", 5), Outcome{Status: StatusPass}},
		{"limit between thresholds", 12, with(thresholds, "limit", 8), Outcome{Status: StatusWarn, Failures: 8, Message: "Got 8 results, configured to warn if >5"}},
		{"limit as a JSON number", 12, project.Config{"limit": float64(3)}, Outcome{Status: StatusFail, Failures: 3, Message: "Got 3 results, configured to fail if != 0"}},
		{"limit as a string", 12, project.Config{"limit": "2"}, Outcome{Status: StatusFail, Failures: 2, Message: "Got 2 results, configured to fail if != 0"}},
		{"limit 0 keeps no rows", 12, project.Config{"limit": 0}, Outcome{Status: StatusPass}},
		{"limit above the row count", 3, project.Config{"limit": 100}, Outcome{Status: StatusFail, Failures: 3, Message: "Got 3 results, configured to fail if != 0"}},

		// fail_calc sum(n): every failing row has n = 2 (DuckDB returns HUGEINT).
		{"sum: 2 rows -> 4", 2, with(thresholds, "fail_calc", "sum(n)"), Outcome{Status: StatusPass}},
		{"sum: 3 rows -> 6 warns", 3, with(thresholds, "fail_calc", "sum(n)"), Outcome{Status: StatusWarn, Failures: 6, Message: "Got 6 results, configured to warn if >5"}},
		{"sum: 6 rows -> 12 fails", 6, with(thresholds, "fail_calc", "sum(n)"), Outcome{Status: StatusFail, Failures: 12, Message: "Got 12 results, configured to fail if >10"}},
		{"sum: severity warn", 6, with(thresholds, "fail_calc", "sum(n)", "severity", "warn"), Outcome{Status: StatusWarn, Failures: 12, Message: "Got 12 results, configured to warn if >5"}},
		{"sum with limit", 6, with(thresholds, "fail_calc", "sum(n)", "limit", 4), Outcome{Status: StatusWarn, Failures: 8, Message: "Got 8 results, configured to warn if >5"}},
		{"coalesced sum over no rows", 0, with(thresholds, "fail_calc", "coalesce(sum(n), 0)"), Outcome{Status: StatusPass}},
		{"fail_calc with an operator compares as a whole", 3, project.Config{"fail_calc": "count(*) + 3", "error_if": "> 5"}, Outcome{Status: StatusFail, Failures: 6, Message: "Got 6 results, configured to fail if > 5"}},
		{"fractional fail_calc is judged exactly, reported truncated", 1, project.Config{"fail_calc": "avg(n) / 4.0", "error_if": "> 0.4"}, Outcome{Status: StatusFail, Failures: 0, Message: "Got 0 results, configured to fail if > 0.4"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Wrap(failingRows(tc.rows), tc.cfg)
			if err != nil {
				t.Fatalf("Wrap: %v", err)
			}
			res, err := queryResult(t, db, q)
			if err != nil {
				t.Fatalf("query: %v\n--- query ---\n%s", err, q)
			}
			got, err := Evaluate(res, tc.cfg)
			if err != nil {
				t.Fatalf("Evaluate: %v\n--- query ---\n%s", err, q)
			}
			if d := diff(tc.want, got); d != "" {
				t.Errorf("outcome differs:%s\n--- query ---\n%s", d, q)
			}
		})
	}
}

// Test files end in many ways; the wrapped query must stay valid.
func TestWrapKeepsTestQueriesValid(t *testing.T) {
	db := openDuckDB(t)
	tests := []struct {
		name  string
		sql   string
		cfg   project.Config
		count int64
	}{
		{"trailing semicolon", "select 1 as x;", nil, 1},
		{"several semicolons and space", "select 1 as x ; ;\n\n", nil, 1},
		{"trailing line comment", "select 1 as x\n-- the end", nil, 1},
		{"trailing line comment with limit", "select * from range(5)\n-- the end", project.Config{"limit": 2}, 2},
		{"own limit plus limit config", "select * from range(5) limit 3", project.Config{"limit": 2}, 2},
		{"own order by plus limit config", "select * from range(5) order by 1 desc", project.Config{"limit": 4}, 4},
		{"with clause", "with a as (select 1 as x union all select 2) select * from a", nil, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Wrap(tc.sql, tc.cfg)
			if err != nil {
				t.Fatalf("Wrap: %v", err)
			}
			res, err := queryResult(t, db, q)
			if err != nil {
				t.Fatalf("query: %v\n--- query ---\n%s", err, q)
			}
			got, err := Evaluate(res, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got.Failures != tc.count {
				t.Errorf("failures: want %d, got %d\n--- query ---\n%s", tc.count, got.Failures, q)
			}
		})
	}
}

func TestWrapRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name, sql string
		cfg       project.Config
		wantErr   string
	}{
		{"empty query", "  ;  ", nil, "empty"},
		{"limit not a number", "select 1", project.Config{"limit": "ten"}, "limit must be a non-negative whole number"},
		{"negative limit", "select 1", project.Config{"limit": -1}, "limit must be a non-negative whole number"},
		{"fractional limit", "select 1", project.Config{"limit": 2.5}, "limit must be a non-negative whole number"},
		{"limit of a strange type", "select 1", project.Config{"limit": []any{1}}, "limit must be a non-negative whole number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Wrap(tc.sql, tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("want error containing %q, got %v (query %q)", tc.wantErr, err, q)
			}
		})
	}
}

func TestEvaluateBadResults(t *testing.T) {
	db := openDuckDB(t)
	cols := []string{"failures", "should_warn", "should_error"}
	real := func(sql string, cfg project.Config) *adapters.Result {
		t.Helper()
		q, err := Wrap(sql, cfg)
		if err != nil {
			t.Fatal(err)
		}
		res, err := queryResult(t, db, q)
		if err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
		return res
	}
	tests := []struct {
		name    string
		res     *adapters.Result
		cfg     project.Config
		wantErr string
	}{
		{"nil result", nil, nil, "returned no rows"},
		{"no rows", &adapters.Result{Columns: cols}, nil, "returned no rows"},
		{"two rows", &adapters.Result{Columns: cols, Rows: [][]any{{int64(1), true, true}, {int64(1), true, true}}}, nil, "returned 2 rows"},
		{"missing column", &adapters.Result{Columns: []string{"failures", "should_warn"}, Rows: [][]any{{int64(1), true}}}, nil, "no column should_error"},
		{"short row", &adapters.Result{Columns: cols, Rows: [][]any{{int64(1), true}}}, nil, "no value for column should_error"},
		{"failures not a number", &adapters.Result{Columns: cols, Rows: [][]any{{"many", true, true}}}, nil, `want a number, got "many"`},
		{"failures a strange type", &adapters.Result{Columns: cols, Rows: [][]any{{struct{}{}, true, true}}}, nil, "want a number"},
		{"failures too large", &adapters.Result{Columns: cols, Rows: [][]any{{new(big.Int).Lsh(big.NewInt(1), 70), true, true}}}, nil, "too large"},
		{"should_warn text strtobool refuses", &adapters.Result{Columns: cols, Rows: [][]any{{int64(1), "x", true}}}, nil, "Macro 'get_test_sql' returns 'x'"},
		{"bad severity", &adapters.Result{Columns: cols, Rows: [][]any{{int64(1), true, true}}}, project.Config{"severity": "fatal"}, `severity must be "error" or "warn", got "fatal"`},
		{"severity not a string", &adapters.Result{Columns: cols, Rows: [][]any{{int64(1), true, true}}}, project.Config{"severity": 2}, `severity must be "error" or "warn"`},
		// The same mistakes made for real on DuckDB.
		{"duckdb: sum over no rows is NULL", real(failingRows(0), project.Config{"fail_calc": "sum(n)"}), nil, "fail_calc returned NULL"},
		{"duckdb: fail_calc that is not an aggregate", real(failingRows(3), project.Config{"fail_calc": "n"}), nil, "returned 3 rows"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Evaluate(tc.res, tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("want error containing %q, got %v (outcome %+v)", tc.wantErr, err, got)
			}
		})
	}
}

func TestEvaluateAcceptsDriverValues(t *testing.T) {
	tests := []struct {
		name     string
		cols     []string
		row      []any
		wantFail int64
	}{
		{"upper-case columns (Snowflake)", []string{"FAILURES", "SHOULD_WARN", "SHOULD_ERROR"}, []any{int64(2), true, true}, 2},
		{"int32", []string{"failures", "should_warn", "should_error"}, []any{int32(2), true, true}, 2},
		{"uint64", []string{"failures", "should_warn", "should_error"}, []any{uint64(2), true, true}, 2},
		{"float", []string{"failures", "should_warn", "should_error"}, []any{float64(2), true, true}, 2},
		{"big.Int", []string{"failures", "should_warn", "should_error"}, []any{big.NewInt(2), true, true}, 2},
		{"numeric string", []string{"failures", "should_warn", "should_error"}, []any{"2", true, true}, 2},
		{"decimal string", []string{"failures", "should_warn", "should_error"}, []any{[]byte("2.000"), true, true}, 2},
		{"columns in another order", []string{"should_error", "failures", "should_warn"}, []any{true, int64(2), false}, 2},
		// As dbt's TestResultData: text by strtobool, numbers true unless 0.
		{"strtobool text", []string{"failures", "should_warn", "should_error"}, []any{int64(2), "no", "Yes"}, 2},
		{"numbers", []string{"failures", "should_warn", "should_error"}, []any{int64(2), int64(0), int32(1)}, 2},
		{"a non-boolean threshold", []string{"failures", "should_warn", "should_error"}, []any{int64(2), int64(3), float64(0.5)}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Evaluate(&adapters.Result{Columns: tc.cols, Rows: [][]any{tc.row}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := Outcome{Status: StatusFail, Failures: tc.wantFail, Message: "Got 2 results, configured to fail if != 0"}
			if d := diff(want, got); d != "" {
				t.Error(d)
			}
		})
	}
}
