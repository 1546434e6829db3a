package tests

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/elt-dev/elt/project"
)

// Defaults as dbt documents them for test configs.
const (
	DefaultFailCalc = "count(*)"
	DefaultWarnIf   = "!= 0"
	DefaultErrorIf  = "!= 0"
	// DefaultAuditSchema is the custom schema of stored failures: with dbt's
	// default schema naming they land in "<target schema>_dbt_test__audit".
	DefaultAuditSchema = "dbt_test__audit"
)

// Severity values, compared case-insensitively.
const (
	SeverityError = "error"
	SeverityWarn  = "warn"
)

// sqlSetting returns a config value that is a SQL fragment (fail_calc,
// warn_if, error_if), or def when it is missing or blank. YAML may
// give a number (error_if: 5 is unusual but legal YAML), so non-strings are
// printed rather than rejected.
func sqlSetting(cfg project.Config, key, def string) string {
	v, ok := cfg[key]
	if !ok || v == nil {
		return def
	}
	s, ok := v.(string)
	if !ok {
		s = fmt.Sprint(v)
	}
	if strings.TrimSpace(s) == "" {
		return def
	}
	return strings.TrimSpace(s)
}

// severity returns "error" or "warn" from the severity config.
func severity(cfg project.Config) (string, error) {
	v, ok := cfg["severity"]
	if !ok || v == nil {
		return SeverityError, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("tests: severity must be %q or %q, got %v (%T)", SeverityError, SeverityWarn, v, v)
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", SeverityError:
		return SeverityError, nil
	case SeverityWarn:
		return SeverityWarn, nil
	}
	return "", fmt.Errorf("tests: severity must be %q or %q, got %q", SeverityError, SeverityWarn, s)
}

// limit returns the limit config: ok is false when it is not set. Numbers
// may arrive as YAML ints, JSON floats or strings ("--vars"-style configs).
func limit(cfg project.Config) (n int64, ok bool, err error) {
	v, set := cfg["limit"]
	if !set || v == nil {
		return 0, false, nil
	}
	bad := func() (int64, bool, error) {
		return 0, false, fmt.Errorf("tests: limit must be a non-negative whole number, got %v (%T)", v, v)
	}
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int32:
		n = int64(x)
	case int64:
		n = x
	case uint:
		if uint64(x) > math.MaxInt64 {
			return bad()
		}
		n = int64(x)
	case uint64:
		if x > math.MaxInt64 {
			return bad()
		}
		n = int64(x)
	case float64:
		if x != math.Trunc(x) || x > math.MaxInt64 || x < math.MinInt64 {
			return bad()
		}
		n = int64(x)
	case string:
		p, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil {
			return bad()
		}
		n = p
	default:
		return bad()
	}
	if n < 0 {
		return bad()
	}
	return n, true, nil
}

// storeAs says how a test's failing rows are stored: "" (not stored),
// "table" or "view". store_failures_as, when set, wins over store_failures;
// an unset store_failures falls back to the --store-failures flag.
func storeAs(cfg project.Config, flag bool) (string, error) {
	if v, ok := cfg["store_failures_as"]; ok && v != nil {
		s, _ := v.(string)
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "ephemeral":
			return "", nil
		case "table":
			return "table", nil
		case "view":
			return "view", nil
		}
		return "", fmt.Errorf("tests: store_failures_as must be \"ephemeral\", \"table\" or \"view\", got %v", v)
	}
	v, ok := cfg["store_failures"]
	if !ok || v == nil {
		if flag {
			return "table", nil
		}
		return "", nil
	}
	var store bool
	switch x := v.(type) {
	case bool:
		store = x
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(x))
		if err != nil {
			return "", fmt.Errorf("tests: store_failures must be true or false, got %q", x)
		}
		store = b
	default:
		return "", fmt.Errorf("tests: store_failures must be true or false, got %v (%T)", v, v)
	}
	if store {
		return "table", nil
	}
	return "", nil
}

// stringSetting returns a plain string config value ("schema", "alias",
// "database"), "" when unset.
func stringSetting(cfg project.Config, key string) string {
	if s, ok := cfg[key].(string); ok {
		return strings.TrimSpace(s)
	}
	return ""
}
