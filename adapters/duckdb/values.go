package duckdb

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"

	duckdbdriver "github.com/duckdb/duckdb-go/v2"
)

// GoValue is goValue for other packages that read DuckDB through the
// driver themselves (the loaders read Parquet with an in-memory DuckDB).
func GoValue(v any, dbType string) any { return goValue(v, dbType) }

// goValue turns what the driver scanned into plain Go values, so no driver
// type leaves the package:
//
//	integers        int64 (uint64 or *big.Int only when out of int64's range)
//	REAL, DOUBLE    float64
//	DECIMAL         float64 (may round past 15 significant digits)
//	VARCHAR, ENUM   string
//	UUID            string, e.g. "4b5c…"
//	INTERVAL        string, e.g. "1 month 2 days 03:00:00"
//	BLOB            []byte
//	BOOLEAN         bool
//	DATE, TIME, TIMESTAMP  time.Time (UTC)
//	LIST, ARRAY     []any; STRUCT map[string]any; MAP map[any]any
//	NULL            nil
func goValue(v any, dbType string) any {
	switch x := v.(type) {
	case nil:
		return nil
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x)
		}
		return x
	case float32:
		return float64(x)
	case *big.Int:
		if x.IsInt64() {
			return x.Int64()
		}
		return x
	case duckdbdriver.Decimal:
		return x.Float64()
	case duckdbdriver.Interval:
		return formatInterval(x)
	case []byte:
		if dbType == "UUID" && len(x) == 16 {
			return formatUUID(x)
		}
		return x
	case duckdbdriver.UUID:
		return formatUUID(x[:])
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = goValue(e, "")
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = goValue(e, "")
		}
		return out
	case duckdbdriver.OrderedMap:
		out := make(map[any]any, x.Len())
		keys, vals := x.Keys(), x.Values()
		for i, k := range keys {
			out[goValue(k, "")] = goValue(vals[i], "")
		}
		return out
	case duckdbdriver.Map:
		out := make(map[any]any, len(x))
		for k, e := range x {
			out[goValue(k, "")] = goValue(e, "")
		}
		return out
	case duckdbdriver.Union:
		return goValue(x.Value, "")
	case time.Time, string, bool, float64, int64:
		return x
	default:
		// Any other driver type (BIT, ...) as its text form.
		if s, ok := v.(fmt.Stringer); ok {
			return s.String()
		}
		return v
	}
}

// formatInterval writes an interval the way DuckDB prints one.
func formatInterval(iv duckdbdriver.Interval) string {
	var parts []string
	plural := func(n int64, unit string) {
		if n == 0 {
			return
		}
		s := fmt.Sprintf("%d %s", n, unit)
		if n != 1 && n != -1 {
			s += "s"
		}
		parts = append(parts, s)
	}
	plural(int64(iv.Months/12), "year")
	plural(int64(iv.Months%12), "month")
	plural(int64(iv.Days), "day")
	if iv.Micros != 0 || len(parts) == 0 {
		micros := iv.Micros
		sign := ""
		if micros < 0 {
			sign, micros = "-", -micros
		}
		h := micros / 3_600_000_000
		m := micros / 60_000_000 % 60
		s := micros / 1_000_000 % 60
		frac := micros % 1_000_000
		t := fmt.Sprintf("%s%02d:%02d:%02d", sign, h, m, s)
		if frac != 0 {
			t += strings.TrimRight(fmt.Sprintf(".%06d", frac), "0")
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, " ")
}

func formatUUID(b []byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
