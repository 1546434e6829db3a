package bigquery

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// PartitionBy is a model's partition_by config, as dbt-bigquery documents
// it: {field, data_type, granularity, range: {start, end, interval}}.
type PartitionBy struct {
	Field       string
	DataType    string // date (default), timestamp, datetime or int64
	Granularity string // hour, day (default), month or year; time types only
	Range       *IntRange
	// CopyPartitions is accepted and ignored: partitions are always
	// replaced with a MERGE.
	CopyPartitions bool
}

// IntRange is an int64 partitioning's buckets: [Start, End) in steps of Interval.
type IntRange struct{ Start, End, Interval int64 }

// ModelConfigError is a problem with a BigQuery-specific model config key.
type ModelConfigError struct {
	Key string // e.g. "partition_by.data_type"
	Msg string
}

func (e *ModelConfigError) Error() string { return e.Key + ": " + e.Msg }

// ParsePartitionBy reads a partition_by config value: nil (no partitioning)
// or a mapping.
func ParsePartitionBy(v any) (*PartitionBy, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &ModelConfigError{Key: "partition_by", Msg: fmt.Sprintf("want a mapping like {field: created_at, data_type: timestamp, granularity: day}, got %s", typeName(v))}
	}
	known := []string{"field", "data_type", "granularity", "range", "copy_partitions", "time_ingestion_partitioning"}
	for k := range m {
		if !slices.Contains(known, strings.ToLower(k)) {
			return nil, &ModelConfigError{Key: "partition_by." + k, Msg: "unknown key; use field, data_type, granularity, range or copy_partitions"}
		}
	}
	p := &PartitionBy{}
	str := func(key string) (string, error) {
		v, ok := m[key]
		if !ok || v == nil {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", &ModelConfigError{Key: "partition_by." + key, Msg: fmt.Sprintf("want a string, got %s", typeName(v))}
		}
		return strings.TrimSpace(s), nil
	}
	var err error
	if p.Field, err = str("field"); err != nil {
		return nil, err
	}
	if p.Field == "" {
		return nil, &ModelConfigError{Key: "partition_by.field", Msg: "is required (the column to partition by)"}
	}
	if p.DataType, err = str("data_type"); err != nil {
		return nil, err
	}
	p.DataType = strings.ToLower(p.DataType)
	if p.DataType == "" {
		p.DataType = "date"
	}
	if p.Granularity, err = str("granularity"); err != nil {
		return nil, err
	}
	p.Granularity = strings.ToLower(p.Granularity)
	if b, ok := m["copy_partitions"].(bool); ok {
		p.CopyPartitions = b
	}
	if b, ok := m["time_ingestion_partitioning"].(bool); ok && b {
		return nil, &ModelConfigError{Key: "partition_by.time_ingestion_partitioning", Msg: "ingestion-time partitioning is not supported; partition by a column instead"}
	}
	switch p.DataType {
	case "date", "timestamp", "datetime":
		if p.Granularity == "" {
			p.Granularity = "day"
		}
		grans := []string{"hour", "day", "month", "year"}
		if p.DataType == "date" {
			grans = grans[1:]
		}
		if !slices.Contains(grans, p.Granularity) {
			return nil, &ModelConfigError{Key: "partition_by.granularity", Msg: fmt.Sprintf("%q is not a granularity for data_type %s; use %s", p.Granularity, p.DataType, strings.Join(grans, ", "))}
		}
		if _, ok := m["range"]; ok {
			return nil, &ModelConfigError{Key: "partition_by.range", Msg: "only applies to data_type int64"}
		}
	case "int64":
		if p.Granularity != "" {
			return nil, &ModelConfigError{Key: "partition_by.granularity", Msg: "does not apply to data_type int64; give range: {start, end, interval}"}
		}
		r, ok := m["range"].(map[string]any)
		if !ok {
			return nil, &ModelConfigError{Key: "partition_by.range", Msg: "is required with data_type int64: {start: 0, end: 100, interval: 10}"}
		}
		p.Range = &IntRange{}
		for _, f := range []struct {
			key string
			dst *int64
		}{{"start", &p.Range.Start}, {"end", &p.Range.End}, {"interval", &p.Range.Interval}} {
			n, err := wholeNumber(r[f.key])
			if err != nil {
				return nil, &ModelConfigError{Key: "partition_by.range." + f.key, Msg: err.Error()}
			}
			*f.dst = n
		}
		if p.Range.Interval <= 0 {
			return nil, &ModelConfigError{Key: "partition_by.range.interval", Msg: "must be positive"}
		}
		if p.Range.End <= p.Range.Start {
			return nil, &ModelConfigError{Key: "partition_by.range", Msg: "end must be greater than start"}
		}
	default:
		return nil, &ModelConfigError{Key: "partition_by.data_type", Msg: fmt.Sprintf("%q is not supported; use date, timestamp, datetime or int64", p.DataType)}
	}
	return p, nil
}

func wholeNumber(v any) (int64, error) {
	switch x := v.(type) {
	case int:
		return int64(x), nil
	case int64:
		return x, nil
	case float64:
		if x == math.Trunc(x) {
			return int64(x), nil
		}
	case string:
		if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
			return n, nil
		}
	case nil:
		return 0, fmt.Errorf("is required")
	}
	return 0, fmt.Errorf("want a whole number, got %v", v)
}

// Expr is the partitioning expression over column (already qualified, e.g.
// "t.`day`"): what "partition by" takes and what identifies a row's partition.
func (p *PartitionBy) Expr(column string) string {
	switch p.DataType {
	case "int64":
		return fmt.Sprintf("range_bucket(%s, generate_array(%d, %d, %d))", column, p.Range.Start, p.Range.End, p.Range.Interval)
	case "date":
		if p.Granularity == "day" {
			return column
		}
		return "date_trunc(" + column + ", " + p.Granularity + ")"
	default: // timestamp, datetime
		return p.DataType + "_trunc(" + column + ", " + p.Granularity + ")"
	}
}

// KeyType is the type of Expr's values.
func (p *PartitionBy) KeyType() string { return strings.ToUpper(p.DataType) }

// kind is BigQuery's name for the partitioning: DAY, HOUR, MONTH, YEAR or RANGE.
func (p *PartitionBy) kind() string {
	if p.DataType == "int64" {
		return "RANGE"
	}
	return strings.ToUpper(p.Granularity)
}

// TableConfig is what a model's config says about the table BigQuery
// builds: partitioning, clustering and table options.
type TableConfig struct {
	PartitionBy             *PartitionBy
	ClusterBy               []string
	Labels                  map[string]string
	RequirePartitionFilter  bool
	PartitionExpirationDays int64
	KMSKeyName              string
	HoursToExpiration       int64
	Description             string
	// Partitions are insert_overwrite's static partitions: SQL expressions
	// of the partition key's type. Empty means dynamic.
	Partitions []string
}

// ParseTableConfig reads the BigQuery-specific keys of a model's config:
// partition_by, cluster_by (a column or a list of up to four),
// labels, require_partition_filter, partition_expiration_days,
// kms_key_name, hours_to_expiration, partitions. Other keys are ignored.
func ParseTableConfig(cfg map[string]any) (TableConfig, error) {
	var tc TableConfig
	var err error
	if tc.PartitionBy, err = ParsePartitionBy(cfg["partition_by"]); err != nil {
		return TableConfig{}, err
	}
	if tc.ClusterBy, err = stringList(cfg["cluster_by"], "cluster_by"); err != nil {
		return TableConfig{}, err
	}
	if len(tc.ClusterBy) > 4 {
		return TableConfig{}, &ModelConfigError{Key: "cluster_by", Msg: fmt.Sprintf("BigQuery clusters by at most 4 columns, got %d", len(tc.ClusterBy))}
	}
	if v, ok := cfg["labels"]; ok && v != nil {
		m, ok := v.(map[string]any)
		if !ok {
			return TableConfig{}, &ModelConfigError{Key: "labels", Msg: fmt.Sprintf("want a mapping of label to value, got %s", typeName(v))}
		}
		tc.Labels = make(map[string]string, len(m))
		for k, val := range m {
			switch val.(type) {
			case string, bool, int, int64, float64:
				tc.Labels[k] = fmt.Sprint(val)
			case nil:
				tc.Labels[k] = ""
			default:
				return TableConfig{}, &ModelConfigError{Key: "labels." + k, Msg: fmt.Sprintf("want a string, got %s", typeName(val))}
			}
		}
	}
	if v, ok := cfg["require_partition_filter"]; ok && v != nil {
		b, ok := v.(bool)
		if !ok {
			return TableConfig{}, &ModelConfigError{Key: "require_partition_filter", Msg: fmt.Sprintf("want true or false, got %s", typeName(v))}
		}
		tc.RequirePartitionFilter = b
	}
	for _, f := range []struct {
		key string
		dst *int64
	}{{"partition_expiration_days", &tc.PartitionExpirationDays}, {"hours_to_expiration", &tc.HoursToExpiration}} {
		if v, ok := cfg[f.key]; ok && v != nil {
			n, err := wholeNumber(v)
			if err != nil || n <= 0 {
				return TableConfig{}, &ModelConfigError{Key: f.key, Msg: fmt.Sprintf("want a positive whole number, got %v", v)}
			}
			*f.dst = n
		}
	}
	if v, ok := cfg["kms_key_name"]; ok && v != nil {
		s, ok := v.(string)
		if !ok {
			return TableConfig{}, &ModelConfigError{Key: "kms_key_name", Msg: fmt.Sprintf("want a string, got %s", typeName(v))}
		}
		tc.KMSKeyName = s
	}
	if tc.Partitions, err = stringList(cfg["partitions"], "partitions"); err != nil {
		return TableConfig{}, err
	}
	if tc.PartitionBy == nil {
		for _, f := range []struct {
			set bool
			key string
		}{{tc.RequirePartitionFilter, "require_partition_filter"}, {tc.PartitionExpirationDays > 0, "partition_expiration_days"}, {len(tc.Partitions) > 0, "partitions"}} {
			if f.set {
				return TableConfig{}, &ModelConfigError{Key: f.key, Msg: "only applies to a partitioned table; set partition_by too"}
			}
		}
	}
	return tc, nil
}

func stringList(v any, key string) ([]string, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		if strings.TrimSpace(x) == "" {
			return nil, nil
		}
		return []string{strings.TrimSpace(x)}, nil
	case []string:
		return x, nil
	case []any:
		out := make([]string, 0, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok || strings.TrimSpace(s) == "" {
				return nil, &ModelConfigError{Key: fmt.Sprintf("%s[%d]", key, i), Msg: fmt.Sprintf("want a non-empty string, got %v", e)}
			}
			out = append(out, strings.TrimSpace(s))
		}
		return out, nil
	}
	return nil, &ModelConfigError{Key: key, Msg: fmt.Sprintf("want a string or a list of strings, got %s", typeName(v))}
}

// ddlClauses renders the "partition by", "cluster by" and "options(...)"
// clauses of a create table statement, each on its own line, or "".
// extra are more options (name = value), e.g. a staging table's expiration.
func (tc TableConfig) ddlClauses(extra ...string) string {
	var b strings.Builder
	if tc.PartitionBy != nil {
		b.WriteString("\npartition by " + tc.PartitionBy.Expr(quote(tc.PartitionBy.Field)))
	}
	if len(tc.ClusterBy) > 0 {
		cols := make([]string, len(tc.ClusterBy))
		for i, c := range tc.ClusterBy {
			cols[i] = quote(c)
		}
		b.WriteString("\ncluster by " + strings.Join(cols, ", "))
	}
	b.WriteString(optionsClause(tc.options(extra...)))
	return b.String()
}

// options are the table's "name = value" options, sorted by name.
func (tc TableConfig) options(extra ...string) []string {
	opts := slices.Clone(extra)
	if tc.Description != "" {
		opts = append(opts, "description = "+literal(tc.Description))
	}
	if tc.HoursToExpiration > 0 {
		opts = append(opts, fmt.Sprintf("expiration_timestamp = timestamp_add(current_timestamp(), interval %d hour)", tc.HoursToExpiration))
	}
	if tc.KMSKeyName != "" {
		opts = append(opts, "kms_key_name = "+literal(tc.KMSKeyName))
	}
	if l := labelsOption(tc.Labels); l != "" {
		opts = append(opts, l)
	}
	if tc.PartitionExpirationDays > 0 {
		opts = append(opts, "partition_expiration_days = "+itoa(tc.PartitionExpirationDays))
	}
	if tc.RequirePartitionFilter {
		opts = append(opts, "require_partition_filter = true")
	}
	slices.Sort(opts)
	return opts
}

func labelsOption(labels map[string]string) string {
	if len(labels) == 0 {
		return ""
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	pairs := make([]string, len(keys))
	for i, k := range keys {
		pairs[i] = "(" + literal(k) + ", " + literal(labels[k]) + ")"
	}
	return "labels = [" + strings.Join(pairs, ", ") + "]"
}

func optionsClause(opts []string) string {
	if len(opts) == 0 {
		return ""
	}
	return "\noptions(\n  " + strings.Join(opts, ",\n  ") + "\n)"
}
