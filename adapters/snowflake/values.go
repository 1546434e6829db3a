package snowflake

import (
	"math/big"
	"strconv"
	"strings"
	"time"
)

// goValue turns what gosnowflake scanned into plain Go values, so no driver
// type leaves the package. dbType is the column's Snowflake type as the
// driver names it (FIXED, REAL, TEXT, BOOLEAN, DATE, TIMESTAMP_NTZ, ...),
// scale its scale for FIXED.
//
//	NUMBER scale 0       int64 (string when out of int64's range)
//	NUMBER scale > 0     float64 (may round past 15 significant digits)
//	FLOAT                float64
//	TEXT                 string
//	BOOLEAN              bool
//	DATE, TIME, TIMESTAMP_*  time.Time
//	BINARY               []byte
//	VARIANT, OBJECT, ARRAY   string (JSON text)
//	NULL                 nil
//
// The driver hands some values over as text depending on the result format
// (JSON or Arrow), so both forms are accepted.
func goValue(v any, dbType string, scale int64) any {
	switch x := v.(type) {
	case nil:
		return nil
	case int64, float64, bool, time.Time, []byte:
		return x
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case float32:
		return float64(x)
	case *big.Int:
		if x.IsInt64() {
			return x.Int64()
		}
		return x.String()
	case *big.Float:
		f, _ := x.Float64()
		return f
	case string:
		switch strings.ToUpper(dbType) {
		case "FIXED", "NUMBER", "DECIMAL":
			if scale == 0 {
				if n, err := strconv.ParseInt(x, 10, 64); err == nil {
					return n
				}
				return x
			}
			if f, err := strconv.ParseFloat(x, 64); err == nil {
				return f
			}
		case "REAL", "FLOAT", "DOUBLE":
			if f, err := strconv.ParseFloat(x, 64); err == nil {
				return f
			}
		case "BOOLEAN":
			if b, err := strconv.ParseBool(x); err == nil {
				return b
			}
		}
		return x
	}
	return v
}
