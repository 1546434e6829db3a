package quality

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/history"
)

// ProfileOptions tune profiling.
type ProfileOptions struct {
	// ApproxAbove is the row count above which distinct counts and
	// quantiles are approximate where the warehouse can (DuckDB:
	// approx_count_distinct, approx_quantile); default 1,000,000.
	// Postgres has no approximate aggregates and is always exact.
	ApproxAbove int64
	// TopK is how many most frequent values to list per column; default 5.
	TopK int
	// TopKMaxDistinct skips top values of columns with more distinct values
	// than this (the counts would all be 1); default 10,000.
	TopKMaxDistinct int64
	// SemanticMinShare is the share of non-null values that must match a
	// semantic type for it to be inferred; default 0.9.
	SemanticMinShare float64
}

func (o ProfileOptions) withDefaults() ProfileOptions {
	if o.ApproxAbove <= 0 {
		o.ApproxAbove = 1_000_000
	}
	if o.TopK <= 0 {
		o.TopK = 5
	}
	if o.TopKMaxDistinct <= 0 {
		o.TopKMaxDistinct = 10_000
	}
	if o.SemanticMinShare <= 0 {
		o.SemanticMinShare = 0.9
	}
	return o
}

// RelationProfile is one relation's profile.
type RelationProfile struct {
	UniqueID    string          `json:"unique_id,omitempty"`
	Relation    string          `json:"relation"`
	RowCount    int64           `json:"row_count"`
	Approximate bool            `json:"approximate"`
	Columns     []ColumnProfile `json:"columns"`
	MeasuredAt  time.Time       `json:"measured_at"`
	Seconds     float64         `json:"seconds"`
}

// ColumnProfile is one column's statistics. Fields that do not apply to
// the column's kind are left out.
type ColumnProfile struct {
	Name           string             `json:"name"`
	DataType       string             `json:"data_type"`
	Kind           Kind               `json:"kind"`
	NullCount      int64              `json:"null_count"`
	NullRate       float64            `json:"null_rate"`
	DistinctCount  int64              `json:"distinct_count"`
	DistinctApprox bool               `json:"distinct_approximate,omitempty"`
	Min            any                `json:"min,omitempty"`
	Max            any                `json:"max,omitempty"`
	Mean           *float64           `json:"mean,omitempty"`
	Stddev         *float64           `json:"stddev,omitempty"`
	Quantiles      map[string]float64 `json:"quantiles,omitempty"` // p5, p25, p50, p75, p95
	TrueCount      *int64             `json:"true_count,omitempty"`
	LengthMin      *int64             `json:"length_min,omitempty"`
	LengthMax      *int64             `json:"length_max,omitempty"`
	LengthMean     *float64           `json:"length_mean,omitempty"`
	TopValues      []ValueCount       `json:"top_values,omitempty"`
	SemanticType   string             `json:"semantic_type,omitempty"`
	SemanticShare  float64            `json:"semantic_share,omitempty"`
	SemanticShares map[string]float64 `json:"semantic_shares,omitempty"`
}

// ValueCount is a value and how many rows hold it (Value nil: NULL).
type ValueCount struct {
	Value *string `json:"value"`
	Count int64   `json:"count"`
}

// Kind is what profiling computes for a column.
type Kind string

const (
	KindNumeric   Kind = "numeric"
	KindText      Kind = "text"
	KindBoolean   Kind = "boolean"
	KindDate      Kind = "date"
	KindTimestamp Kind = "timestamp"
	KindOther     Kind = "other"
)

// KindOf classifies a warehouse type name (DuckDB's or Postgres's).
func KindOf(dataType string) Kind {
	t := strings.ToUpper(strings.TrimSpace(dataType))
	if i := strings.IndexByte(t, '('); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	switch {
	case strings.HasSuffix(t, "[]"):
		return KindOther
	case t == "BOOLEAN" || t == "BOOL":
		return KindBoolean
	case t == "VARCHAR" || t == "TEXT" || t == "STRING" || t == "CHAR" || t == "BPCHAR" || t == "CHARACTER" || t == "CHARACTER VARYING" || t == "NAME":
		return KindText
	case t == "DATE":
		return KindDate
	case strings.HasPrefix(t, "TIMESTAMP"):
		return KindTimestamp
	}
	switch t {
	case "TINYINT", "SMALLINT", "INTEGER", "INT", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
		"INT1", "INT2", "INT4", "INT8", "SERIAL", "BIGSERIAL", "SMALLSERIAL",
		"REAL", "FLOAT", "FLOAT4", "FLOAT8", "DOUBLE", "DOUBLE PRECISION", "DECIMAL", "NUMERIC":
		return KindNumeric
	}
	return KindOther
}

// semanticTypes are the patterns a text column is matched against, in the
// order ties are broken (a column of 0 and 1 is boolean-like before it is
// numbers; all-digit strings are numbers before phone numbers). Written in
// the regular-expression syntax RE2 (DuckDB) and Postgres share.
var semanticTypes = []struct{ name, pattern string }{
	{"uuid", `^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`},
	{"email", `^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$`},
	{"url", `^(https?|ftp)://[^ ]+$`},
	{"ip", `^(([0-9]{1,3}\.){3}[0-9]{1,3}|[0-9A-Fa-f]{0,4}(:[0-9A-Fa-f]{0,4}){2,7})$`},
	{"iso_datetime", `^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$`},
	{"iso_date", `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`},
	{"boolean", `^(true|false|TRUE|FALSE|True|False|yes|no|YES|NO|Yes|No|y|n|Y|N|t|f|T|F|0|1)$`},
	{"number", `^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$`},
	{"phone", `^\+?[0-9][0-9 ().-]{5,18}[0-9]$`},
}

// SemanticPatterns are the semantic types and their patterns, in tie order.
func SemanticPatterns() [][2]string {
	out := make([][2]string, len(semanticTypes))
	for i, s := range semanticTypes {
		out[i] = [2]string{s.name, s.pattern}
	}
	return out
}

var quantileLevels = []struct {
	name  string
	level float64
}{{"p5", 0.05}, {"p25", 0.25}, {"p50", 0.5}, {"p75", 0.75}, {"p95", 0.95}}

// sqlDialect is what differs between warehouses in the profiling SQL.
type sqlDialect struct {
	typ string // "duckdb" or "postgres"
}

func (d sqlDialect) double(x string) string {
	if d.typ == "postgres" {
		return "CAST(" + x + " AS DOUBLE PRECISION)"
	}
	return "CAST(" + x + " AS DOUBLE)"
}

func (d sqlDialect) text(x string) string { return "CAST(" + x + " AS VARCHAR)" }

func (d sqlDialect) distinct(x string, approx bool) string {
	if approx && d.typ == "duckdb" {
		return "approx_count_distinct(" + x + ")"
	}
	return "count(DISTINCT " + x + ")"
}

// quantiles returns one expression giving all five quantiles as text: a
// list in DuckDB ("[1.0, 2.0, ...]"), an array in Postgres ("{1,2,...}").
func (d sqlDialect) quantiles(x string, approx bool) string {
	var lv []string
	for _, q := range quantileLevels {
		lv = append(lv, strconv.FormatFloat(q.level, 'f', -1, 64))
	}
	list := strings.Join(lv, ", ")
	if d.typ == "postgres" {
		return "CAST(percentile_cont(ARRAY[" + list + "]) WITHIN GROUP (ORDER BY " + d.double(x) + ") AS TEXT)"
	}
	if approx {
		return "CAST(approx_quantile(" + d.double(x) + ", [" + list + "]) AS VARCHAR)"
	}
	return "CAST(quantile_cont(" + d.double(x) + ", [" + list + "]) AS VARCHAR)"
}

func (d sqlDialect) matches(x, pattern string) string {
	lit := "'" + strings.ReplaceAll(pattern, "'", "''") + "'"
	if d.typ == "postgres" {
		return x + " ~ " + lit
	}
	return "regexp_matches(" + x + ", " + lit + ")"
}

// Profiler profiles relations through an adapter.
type Profiler struct {
	Adapter adapters.Adapter
	Options ProfileOptions
	// Estimates, when not nil, are the catalog's row estimates of the
	// relations to profile (EstimateRows): a relation is looked up there
	// instead of in the catalog, and one without an estimate (a view) is
	// counted.
	Estimates RowEstimates
}

// RowEstimates are the catalog's row estimates of relations, for the
// relations that have one (DuckDB's tables).
type RowEstimates map[adapters.Relation]int64

// EstimateRows reads the row estimates of rels for Profiler.Estimates in
// one read of the catalog, where Profile reads it once per relation: a
// DuckDB catalog function lists every relation of every database on each
// call, so profiling a project relation by relation grew with the square
// of its size (2,000 tables: 17 of 40 s). It returns nil when the
// adapter has no such estimates (Postgres, whose profiles are always
// exact) or cannot describe many relations at once.
func EstimateRows(ctx context.Context, a adapters.Adapter, rels []adapters.Relation) (RowEstimates, error) {
	md, ok := a.(adapters.ManyDescriber)
	if !ok || a.Dialect().Type() != "duckdb" || len(rels) == 0 {
		return nil, nil
	}
	infos, err := md.DescribeMany(ctx, rels)
	if err != nil {
		return nil, fmt.Errorf("profile: row estimates: %w", err)
	}
	out := RowEstimates{}
	for i, info := range infos {
		if info == nil {
			continue
		}
		if info.RowCount != nil {
			out[rels[i]] = *info.RowCount
		}
	}
	return out, nil
}

// Profile profiles one relation: one aggregate query computes every
// column's statistics in a single pass, and a second grouped query the
// top values of the columns with few distinct values.
func (p Profiler) Profile(ctx context.Context, rel adapters.Relation) (*RelationProfile, error) {
	opts := p.Options.withDefaults()
	started := time.Now()
	typ := p.Adapter.Dialect().Type()
	if typ != "duckdb" && typ != "postgres" {
		return nil, fmt.Errorf("profile: the %s adapter is not supported yet (DuckDB and Postgres are)", typ)
	}
	d := sqlDialect{typ: typ}
	relName := p.Adapter.Dialect().RenderRelation(rel)
	cols, err := p.Adapter.Columns(ctx, rel)
	if err != nil {
		return nil, fmt.Errorf("profile %s: columns: %w", relName, err)
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("profile %s: the relation does not exist or has no columns (build it first)", relName)
	}
	rows, err := p.estimateRows(ctx, d, rel, relName)
	if err != nil {
		return nil, err
	}
	approx := typ == "duckdb" && rows > opts.ApproxAbove
	out := &RelationProfile{Relation: relName, Approximate: approx, MeasuredAt: started.UTC()}

	q := p.Adapter.Dialect().Quote
	var exprs []string
	var fields []func(cp *ColumnProfile, v any) error
	add := func(expr string, set func(cp *ColumnProfile, v any) error) {
		exprs = append(exprs, expr)
		fields = append(fields, set)
	}
	colOf := make([]int, 0)
	addFor := func(ci int, expr string, set func(cp *ColumnProfile, v any) error) {
		add(expr, set)
		colOf = append(colOf, ci)
	}
	addFor(-1, "count(*)", nil)
	out.Columns = make([]ColumnProfile, len(cols))
	for i, c := range cols {
		cp := &out.Columns[i]
		cp.Name, cp.DataType, cp.Kind = c.Name, c.DataType, KindOf(c.DataType)
		x := q(c.Name)
		addFor(i, "count("+x+")", func(cp *ColumnProfile, v any) error { n, err := toInt(v); cp.NullCount = n; return err })
		dx := x
		if cp.Kind == KindOther {
			dx = d.text(x) // json and the like have no equality
		}
		cp.DistinctApprox = approx
		addFor(i, d.distinct(dx, approx), func(cp *ColumnProfile, v any) error { n, err := toInt(v); cp.DistinctCount = n; return err })
		switch cp.Kind {
		case KindNumeric:
			addFor(i, d.double("min("+x+")"), setFloatAny(func(cp *ColumnProfile) *any { return &cp.Min }))
			addFor(i, d.double("max("+x+")"), setFloatAny(func(cp *ColumnProfile) *any { return &cp.Max }))
			addFor(i, "avg("+d.double(x)+")", setFloat(func(cp *ColumnProfile) **float64 { return &cp.Mean }))
			addFor(i, "stddev_samp("+d.double(x)+")", setFloat(func(cp *ColumnProfile) **float64 { return &cp.Stddev }))
			addFor(i, d.quantiles(x, approx), func(cp *ColumnProfile, v any) error {
				qs, err := parseNumberList(v)
				if err != nil || qs == nil {
					return err
				}
				if len(qs) != len(quantileLevels) {
					return fmt.Errorf("quantiles: got %d values", len(qs))
				}
				cp.Quantiles = map[string]float64{}
				for j, ql := range quantileLevels {
					cp.Quantiles[ql.name] = qs[j]
				}
				return nil
			})
		case KindBoolean:
			addFor(i, "count(*) FILTER (WHERE "+x+")", func(cp *ColumnProfile, v any) error {
				n, err := toInt(v)
				cp.TrueCount = &n
				return err
			})
		case KindDate, KindTimestamp:
			addFor(i, d.text("min("+x+")"), setText(func(cp *ColumnProfile) *any { return &cp.Min }))
			addFor(i, d.text("max("+x+")"), setText(func(cp *ColumnProfile) *any { return &cp.Max }))
		case KindText:
			addFor(i, "min("+x+")", setText(func(cp *ColumnProfile) *any { return &cp.Min }))
			addFor(i, "max("+x+")", setText(func(cp *ColumnProfile) *any { return &cp.Max }))
			addFor(i, "min(length("+x+"))", setInt(func(cp *ColumnProfile) **int64 { return &cp.LengthMin }))
			addFor(i, "max(length("+x+"))", setInt(func(cp *ColumnProfile) **int64 { return &cp.LengthMax }))
			addFor(i, "avg("+d.double("length("+x+")")+")", setFloat(func(cp *ColumnProfile) **float64 { return &cp.LengthMean }))
			for _, st := range semanticTypes {
				name := st.name
				addFor(i, "count(*) FILTER (WHERE "+d.matches(x, st.pattern)+")", func(cp *ColumnProfile, v any) error {
					n, err := toInt(v)
					if err != nil {
						return err
					}
					if cp.SemanticShares == nil {
						cp.SemanticShares = map[string]float64{}
					}
					// Shares are of non-null values; NullCount holds the
					// non-null count until the pass is read.
					cp.SemanticShares[name] = float64(n)
					return nil
				})
			}
		}
	}
	sel := make([]string, len(exprs))
	for i, e := range exprs {
		sel[i] = e + " AS m" + strconv.Itoa(i)
	}
	res, err := p.Adapter.Query(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+relName)
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", relName, err)
	}
	if len(res.Rows) != 1 || len(res.Rows[0]) != len(exprs) {
		return nil, fmt.Errorf("profile %s: the aggregate query returned %d rows", relName, len(res.Rows))
	}
	row := res.Rows[0]
	if out.RowCount, err = toInt(row[0]); err != nil {
		return nil, fmt.Errorf("profile %s: row count: %w", relName, err)
	}
	for j := 1; j < len(exprs); j++ {
		cp := &out.Columns[colOf[j]]
		if err := fields[j](cp, row[j]); err != nil {
			return nil, fmt.Errorf("profile %s: column %s: %w", relName, cp.Name, err)
		}
	}
	for i := range out.Columns {
		cp := &out.Columns[i]
		nonNull := cp.NullCount
		cp.NullCount = out.RowCount - nonNull
		if out.RowCount > 0 {
			cp.NullRate = float64(cp.NullCount) / float64(out.RowCount)
		}
		if cp.DistinctApprox && cp.DistinctCount > nonNull {
			cp.DistinctCount = nonNull // HyperLogLog may overshoot
		}
		if cp.Kind == KindText && nonNull > 0 {
			for k, n := range cp.SemanticShares {
				cp.SemanticShares[k] = n / float64(nonNull)
			}
			for _, st := range semanticTypes {
				if share := cp.SemanticShares[st.name]; share >= opts.SemanticMinShare {
					cp.SemanticType, cp.SemanticShare = st.name, share
					break
				}
			}
			if cp.SemanticType == "" {
				cp.SemanticType = "text"
			}
		}
	}
	if err := p.topValues(ctx, d, relName, out, opts); err != nil {
		return nil, err
	}
	out.Seconds = time.Since(started).Seconds()
	return out, nil
}

// estimateRows says how big the relation is, to choose exact or
// approximate aggregates: the catalog's estimate for a DuckDB table, else
// a count.
func (p Profiler) estimateRows(ctx context.Context, d sqlDialect, rel adapters.Relation, relName string) (int64, error) {
	if d.typ == "postgres" {
		return 0, nil // always exact: nothing to choose
	}
	if p.Estimates != nil {
		if n, ok := p.Estimates[rel]; ok {
			return n, nil
		}
	} else {
		lit := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
		res, err := p.Adapter.Query(ctx, "SELECT estimated_size FROM duckdb_tables() WHERE database_name = "+lit(rel.Database)+
			" AND schema_name = "+lit(rel.Schema)+" AND table_name = "+lit(rel.Identifier))
		if err == nil && len(res.Rows) == 1 {
			if n, err := toInt(res.Rows[0][0]); err == nil {
				return n, nil
			}
		}
	}
	res, err := p.Adapter.Query(ctx, "SELECT count(*) FROM "+relName)
	if err != nil {
		return 0, fmt.Errorf("profile %s: count rows: %w", relName, err)
	}
	return toInt(res.Rows[0][0])
}

// topValues lists the most frequent values of the columns with few
// distinct values, in one grouped query (GROUPING SETS, one scan).
func (p Profiler) topValues(ctx context.Context, d sqlDialect, relName string, out *RelationProfile, opts ProfileOptions) error {
	q := p.Adapter.Dialect().Quote
	var idx []int
	for i, c := range out.Columns {
		if c.Kind != KindOther && c.DistinctCount > 0 && c.DistinctCount <= opts.TopKMaxDistinct {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return nil
	}
	var which, value, sets []string
	for k, i := range idx {
		x := q(out.Columns[i].Name)
		which = append(which, fmt.Sprintf("WHEN GROUPING(%s) = 0 THEN %d", x, k))
		value = append(value, fmt.Sprintf("WHEN GROUPING(%s) = 0 THEN %s", x, d.text(x)))
		sets = append(sets, "("+x+")")
	}
	sql := fmt.Sprintf(`SELECT k, v, n FROM (
  SELECT k, v, n, row_number() OVER (PARTITION BY k ORDER BY n DESC, v NULLS LAST) AS r FROM (
    SELECT CASE %s END AS k, CASE %s END AS v, count(*) AS n
    FROM %s GROUP BY GROUPING SETS (%s)
  ) g
) t WHERE r <= %d ORDER BY k, r`, strings.Join(which, " "), strings.Join(value, " "), relName, strings.Join(sets, ", "), opts.TopK)
	res, err := p.Adapter.Query(ctx, sql)
	if err != nil {
		return fmt.Errorf("profile %s: top values: %w", relName, err)
	}
	for _, r := range res.Rows {
		k, err := toInt(r[0])
		if err != nil || k < 0 || int(k) >= len(idx) {
			return fmt.Errorf("profile %s: top values: bad group %v", relName, r[0])
		}
		n, err := toInt(r[2])
		if err != nil {
			return fmt.Errorf("profile %s: top values: %w", relName, err)
		}
		vc := ValueCount{Count: n}
		if r[1] != nil {
			s := fmt.Sprint(r[1])
			vc.Value = &s
		}
		cp := &out.Columns[idx[k]]
		cp.TopValues = append(cp.TopValues, vc)
	}
	return nil
}

func setFloat(field func(*ColumnProfile) **float64) func(*ColumnProfile, any) error {
	return func(cp *ColumnProfile, v any) error {
		if v == nil {
			return nil
		}
		f, err := toFloat(v)
		if err != nil {
			return err
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil
		}
		*field(cp) = &f
		return nil
	}
}

func setFloatAny(field func(*ColumnProfile) *any) func(*ColumnProfile, any) error {
	return func(cp *ColumnProfile, v any) error {
		if v == nil {
			return nil
		}
		f, err := toFloat(v)
		if err != nil {
			return err
		}
		*field(cp) = f
		return nil
	}
}

func setText(field func(*ColumnProfile) *any) func(*ColumnProfile, any) error {
	return func(cp *ColumnProfile, v any) error {
		if v == nil {
			return nil
		}
		switch x := v.(type) {
		case time.Time:
			*field(cp) = x.Format(time.RFC3339Nano)
		default:
			*field(cp) = fmt.Sprint(v)
		}
		return nil
	}
}

func setInt(field func(*ColumnProfile) **int64) func(*ColumnProfile, any) error {
	return func(cp *ColumnProfile, v any) error {
		if v == nil {
			return nil
		}
		n, err := toInt(v)
		if err != nil {
			return err
		}
		*field(cp) = &n
		return nil
	}
}

func toFloat(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case int32:
		return float64(x), nil
	case int:
		return float64(x), nil
	case uint64:
		return float64(x), nil
	case string:
		return strconv.ParseFloat(x, 64)
	case []byte:
		return strconv.ParseFloat(string(x), 64)
	case fmt.Stringer:
		return strconv.ParseFloat(x.String(), 64)
	}
	return 0, fmt.Errorf("not a number: %T %v", v, v)
}

func toInt(v any) (int64, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case int64:
		return x, nil
	case int32:
		return int64(x), nil
	case int:
		return int64(x), nil
	case uint64:
		return int64(x), nil
	case float64:
		return int64(math.Round(x)), nil
	}
	f, err := toFloat(v)
	return int64(math.Round(f)), err
}

// parseNumberList reads "[1.0, 2.5]" (DuckDB) or "{1,2.5}" (Postgres).
func parseNumberList(v any) ([]float64, error) {
	if v == nil {
		return nil, nil
	}
	if list, ok := v.([]any); ok {
		out := make([]float64, 0, len(list))
		for _, x := range list {
			f, err := toFloat(x)
			if err != nil {
				return nil, err
			}
			out = append(out, f)
		}
		return out, nil
	}
	s := strings.TrimSpace(fmt.Sprint(v))
	s = strings.Trim(s, "[]{}")
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []float64
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if strings.EqualFold(part, "NULL") {
			return nil, nil
		}
		f, err := strconv.ParseFloat(part, 64)
		if err != nil {
			return nil, fmt.Errorf("quantiles: %q: %w", s, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// Metrics are the profile's numbers as run-history metrics: the row count,
// and per column the null and distinct rates and, for numbers, the mean,
// standard deviation and median, so each can be judged over time.
func (rp *RelationProfile) Metrics(invocationID, uniqueID string) []history.Metric {
	f := func(v float64) *float64 { return &v }
	out := []history.Metric{{InvocationID: invocationID, UniqueID: uniqueID, Relation: rp.Relation, Name: MetricRowCount, Value: f(float64(rp.RowCount)), MeasuredAt: rp.MeasuredAt}}
	for _, c := range rp.Columns {
		add := func(name string, v *float64) {
			if v != nil {
				out = append(out, history.Metric{InvocationID: invocationID, UniqueID: uniqueID, Relation: rp.Relation, Column: c.Name, Name: name, Value: v, MeasuredAt: rp.MeasuredAt})
			}
		}
		if rp.RowCount > 0 {
			add(MetricNullRate, f(c.NullRate))
			add(MetricDistinctRate, f(float64(c.DistinctCount)/float64(rp.RowCount)))
		}
		add(MetricMean, c.Mean)
		add(MetricStddev, c.Stddev)
		if p50, ok := c.Quantiles["p50"]; ok {
			add(MetricMedian, f(p50))
		}
	}
	return out
}

// Metric names, as recorded in the run history.
const (
	MetricRowCount     = "row_count"
	MetricNullRate     = "null_rate"
	MetricDistinctRate = "distinct_rate"
	MetricMean         = "mean"
	MetricStddev       = "stddev"
	MetricMedian       = "median"
	MetricFreshnessLag = "freshness_lag_seconds"
)
