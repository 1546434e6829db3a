package runner

import (
	"context"
	"fmt"
	"strings"

	"github.com/elt-dev/elt/adapters"
)

// snapshotGetTime is dbt's snapshot_get_time() on the warehouses where
// elt checks a snapshot's timestamp type: dbt-postgres's and dbt-duckdb's,
// both a timestamp without a time zone.
var snapshotGetTime = map[string]string{
	"postgres": "now()::timestamp without time zone",
	"duckdb":   "now()::timestamp",
}

// snapshotTimestampWarning is dbt's SnapshotTimestampWarning (Q043).
type snapshotTimestampWarning struct{ snapshotTime, updatedAt string }

func (snapshotTimestampWarning) Event() string { return "SnapshotTimestampWarning" }
func (w snapshotTimestampWarning) String() string {
	return fmt.Sprintf("Data type of snapshot table timestamp columns (%s) doesn't match derived column 'updated_at' (%s). Please update snapshot config 'updated_at'.",
		w.snapshotTime, w.updatedAt)
}

// snapshotTimeTypes is dbt's check_time_data_types, which its snapshot
// materialization runs on every run: when the type of the snapshot's
// dbt_updated_at (the strategy's updated_at over the snapshot's select)
// is not the type of snapshot_get_time(), it warns. The check strategy
// without updated_at uses snapshot_get_time() itself, so it never warns.
//
// A query that fails here gives no warning: the snapshot's own run
// reports the error.
func (r *Runner) snapshotTimeTypes(ctx context.Context, req adapters.Snapshot) adapters.Warning {
	now, ok := snapshotGetTime[r.a.Dialect().Type()]
	if !ok {
		return nil
	}
	updatedAt := req.UpdatedAt
	if req.Custom != nil {
		updatedAt = req.Custom.UpdatedAt
	}
	if strings.TrimSpace(updatedAt) == "" {
		return nil
	}
	timeType, err := r.queryColumnType(ctx, "select "+now+" as dbt_snapshot_time")
	if err != nil {
		return nil
	}
	updatedType, err := r.queryColumnType(ctx, "select "+updatedAt+" as dbt_updated_at from (\n"+req.SQL+"\n) as sbq")
	if err != nil || timeType == "" || updatedType == "" || timeType == updatedType {
		return nil
	}
	return snapshotTimestampWarning{snapshotTime: timeType, updatedAt: updatedType}
}

// queryColumnType is the type of sql's one column as dbt's
// get_column_schema_from_query names it: DuckDB's DESCRIBE name, or on
// PostgreSQL psycopg2's name for the type's oid.
func (r *Runner) queryColumnType(ctx context.Context, sql string) (string, error) {
	cols, err := adapters.DescribeQuery(ctx, r.a, sql)
	if err != nil || len(cols) == 0 {
		return "", err
	}
	t := cols[0].DataType
	if r.a.Dialect().Type() == "postgres" {
		base, _, _ := strings.Cut(strings.ToLower(t), "(")
		if name, ok := psycopg2TypeNames[strings.TrimSpace(base)]; ok {
			return name, nil
		}
	}
	return strings.ToUpper(t), nil
}

// psycopg2TypeNames are psycopg2's typecaster names of PostgreSQL's
// types (psycopg2.extensions.string_types), which dbt-postgres's
// data_type_code_to_name gives.
var psycopg2TypeNames = map[string]string{
	"timestamp without time zone": "DATETIME",
	"timestamp with time zone":    "DATETIMETZ",
	"date":                        "DATE",
	"time without time zone":      "TIME",
	"time with time zone":         "TIME",
	"interval":                    "INTERVAL",
	"integer":                     "INTEGER",
	"smallint":                    "INTEGER",
	"bigint":                      "LONGINTEGER",
	"numeric":                     "DECIMAL",
	"real":                        "FLOAT",
	"double precision":            "FLOAT",
	"boolean":                     "BOOLEAN",
	"text":                        "STRING",
	"character varying":           "STRING",
	"character":                   "STRING",
}
