package postgres

import (
	"fmt"
	"math"
	"math/big"
	"net/netip"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// goValue turns what pgx decoded into plain Go values, so no driver type
// leaves the package:
//
//	smallint, integer, bigint   int64
//	real, double precision      float64
//	numeric                     float64 (may round past 15 significant digits; NaN and infinities as float64 too)
//	text, varchar, char, name   string
//	uuid                        string, e.g. "4b5c…"
//	interval, time, inet, ...   string (PostgreSQL's text form)
//	bytea                       []byte
//	boolean                     bool
//	date, timestamp(tz)         time.Time
//	arrays                      []any
//	json, jsonb                 what encoding/json makes of it
//	NULL                        nil
func goValue(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case int8:
		return int64(x)
	case int:
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
	case pgtype.Numeric:
		if !x.Valid {
			return nil
		}
		if f, err := x.Float64Value(); err == nil && f.Valid {
			return f.Float64
		}
		return fmt.Sprint(x)
	case [16]byte: // uuid
		return fmt.Sprintf("%x-%x-%x-%x-%x", x[0:4], x[4:6], x[6:8], x[8:10], x[10:16])
	case pgtype.Interval:
		if !x.Valid {
			return nil
		}
		if s, err := x.Value(); err == nil {
			return fmt.Sprint(s)
		}
		return fmt.Sprint(x)
	case pgtype.Time:
		if !x.Valid {
			return nil
		}
		us := x.Microseconds
		return fmt.Sprintf("%02d:%02d:%02d.%06d", us/3_600_000_000, us/60_000_000%60, us/1_000_000%60, us%1_000_000)
	case netip.Prefix:
		return x.String()
	case *big.Int:
		if x.IsInt64() {
			return x.Int64()
		}
		return x
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = goValue(e)
		}
		return out
	case map[string]any, string, bool, float64, int64, []byte:
		return x
	case time.Time:
		return x
	default:
		if s, ok := v.(fmt.Stringer); ok {
			return s.String()
		}
		return v
	}
}
