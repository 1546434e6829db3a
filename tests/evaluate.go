package tests

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/project"
)

// Test statuses, as dbt writes them in run_results.json.
const (
	StatusPass  = "pass"
	StatusWarn  = "warn"
	StatusFail  = "fail"
	StatusError = "error" // the test could not be run or judged
)

// Outcome is the verdict on one data test.
type Outcome struct {
	Status   string // StatusPass, StatusWarn, StatusFail or StatusError
	Failures int64  // fail_calc over the failing rows (count of rows by default)
	// Message is dbt's explanation of a warn or fail ("Got 3 results,
	// configured to fail if != 0"), the error for StatusError, "" on pass.
	Message string
	// StoredRelation is where the failing rows were stored, rendered by
	// the adapter's dialect ("db"."main_dbt_test__audit"."not_null_orders_id"),
	// or "" when they were not stored.
	StoredRelation string
	// Response is the test query's adapter_response as dbt records it
	// (PostgreSQL's "SELECT 1"); nil where the driver gives no status.
	Response map[string]any
	// StoredAs is the kind of relation the rows were stored in (table or
	// view), "" when they were not stored.
	StoredAs string
	// Main is the verdict query's one-row result (failures, should_warn,
	// should_error), what dbt's test materialization leaves in
	// statement('main'); nil when the query did not run.
	Main *adapters.Result
}

// Evaluate judges the one-row result of a Wrap query under cfg's severity.
//
// With severity error (the default): should_error fails the test, else
// should_warn warns, else it passes. With severity warn, error_if is not
// consulted: should_warn warns, else it passes.
func Evaluate(res *adapters.Result, cfg project.Config) (Outcome, error) {
	sev, err := severity(cfg)
	if err != nil {
		return Outcome{}, err
	}
	if res == nil || len(res.Rows) == 0 {
		return Outcome{}, fmt.Errorf("tests: the test query returned no rows; it must return exactly one row of failures, should_warn, should_error")
	}
	if len(res.Rows) > 1 {
		return Outcome{}, fmt.Errorf("tests: the test query returned %d rows; it must return exactly one row of failures, should_warn, should_error (is fail_calc an aggregate?)", len(res.Rows))
	}
	row := res.Rows[0]
	get := func(name string) (any, error) {
		for i, c := range res.Columns {
			// Warehouses that fold names to upper case (Snowflake) return FAILURES.
			if strings.EqualFold(c, name) {
				if i >= len(row) {
					return nil, fmt.Errorf("tests: the test result has no value for column %s", name)
				}
				return row[i], nil
			}
		}
		return nil, fmt.Errorf("tests: the test result has no column %s (columns: %s)", name, strings.Join(res.Columns, ", "))
	}

	rawFailures, err := get("failures")
	if err != nil {
		return Outcome{}, err
	}
	failures, err := toInt64(rawFailures)
	if err != nil {
		return Outcome{}, fmt.Errorf("tests: failures: %w", err)
	}
	shouldWarn, err := boolColumn(get, "should_warn")
	if err != nil {
		return Outcome{}, err
	}
	shouldError, err := boolColumn(get, "should_error")
	if err != nil {
		return Outcome{}, err
	}

	// As dbt's build_test_run_result: a passing test has 0 failures,
	// whatever its query counted under its thresholds.
	out := Outcome{Status: StatusPass}
	switch {
	case sev == SeverityError && shouldError:
		out.Status, out.Failures = StatusFail, failures
		out.Message = thresholdMessage(failures, "fail", sqlSetting(cfg, "error_if", DefaultErrorIf))
	case shouldWarn:
		out.Status, out.Failures = StatusWarn, failures
		out.Message = thresholdMessage(failures, "warn", sqlSetting(cfg, "warn_if", DefaultWarnIf))
	}
	return out, nil
}

func thresholdMessage(failures int64, verb, threshold string) string {
	noun := "results"
	if failures == 1 {
		noun = "result"
	}
	return fmt.Sprintf("Got %d %s, configured to %s if %s", failures, noun, verb, threshold)
}

func boolColumn(get func(string) (any, error), name string) (bool, error) {
	v, err := get(name)
	if err != nil {
		return false, err
	}
	switch b := v.(type) {
	case bool:
		return b, nil
	case *bool:
		if b != nil {
			return *b, nil
		}
	case string:
		return strToBool(b)
	case float64:
		return b != 0, nil
	case []byte:
		return strToBool(string(b))
	}
	if v != nil {
		// As dbt's TestResultData: any other value is Python's bool() of
		// it, so a get_test_sql returning 1 or 0 works.
		if n, err := toInt64(v); err == nil {
			return n != 0, nil
		}
	}
	if v == nil {
		return false, fmt.Errorf("tests: %s is NULL; does fail_calc return NULL when the test finds no rows? (wrap it: coalesce(<fail_calc>, 0))", name)
	}
	return false, fmt.Errorf("tests: %s must be a boolean, got %v (%T); warn_if and error_if must be comparisons such as \"> 10\"", name, v, v)
}

// toInt64 accepts the numeric types drivers return for count(*) and sum():
// Go integers, floats holding whole numbers, big integers (DuckDB's HUGEINT),
// decimals that can say their float value, and numeric strings.
func toInt64(v any) (int64, error) {
	switch x := v.(type) {
	case nil:
		return 0, fmt.Errorf("fail_calc returned NULL, which happens with sum() over no rows; use e.g. coalesce(sum(n), 0)")
	case int:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case int64:
		return x, nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint64:
		if x > math.MaxInt64 {
			return 0, fmt.Errorf("%d is too large", x)
		}
		return int64(x), nil
	case float32:
		return floatToInt64(float64(x))
	case float64:
		return floatToInt64(x)
	case *big.Int:
		if x == nil {
			return toInt64(nil)
		}
		if !x.IsInt64() {
			return 0, fmt.Errorf("%s is too large", x)
		}
		return x.Int64(), nil
	case big.Int:
		return toInt64(&x)
	case string:
		if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
			return n, nil
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return 0, fmt.Errorf("want a number, got %q", x)
		}
		return floatToInt64(f)
	case []byte:
		return toInt64(string(x))
	case interface{ Float64() float64 }:
		return floatToInt64(x.Float64())
	}
	return 0, fmt.Errorf("want a number, got %v (%T)", v, v)
}

// floatToInt64 keeps whole numbers; a fractional fail_calc (a ratio) is
// truncated toward zero for reporting. The verdict does not suffer: should_warn
// and should_error were computed in SQL on the exact value.
func floatToInt64(f float64) (int64, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) || f >= math.MaxInt64 || f <= math.MinInt64 {
		return 0, fmt.Errorf("%v is not a usable number of failures", f)
	}
	return int64(f), nil
}

// strToBool is Python's strtobool, which dbt's TestResultData applies to a
// should_warn or should_error that is text (a get_test_sql returning 'y').
func strToBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "y", "yes", "t", "true", "on", "1":
		return true, nil
	case "n", "no", "f", "false", "off", "0":
		return false, nil
	}
	return false, fmt.Errorf("Macro 'get_test_sql' returns '%s'.  It is not type 'bool' and cannot not be converted reliably to a bool.", s)
}
