package bigquery

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters"
)

// updating is -update: rewrite testdata/golden/*.sql from the planner's
// output. The flag itself is adaptertest's (imported by the live tests),
// which defines it once for every adapter's golden tests.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// Relations and columns the cases share.
var (
	target  = adapters.Relation{Database: "proj", Schema: "analytics", Identifier: "orders"}
	tmp     = adapters.Relation{Database: "proj", Schema: "analytics", Identifier: "orders__elt_tmp_0001"}
	stage   = adapters.Relation{Database: "proj", Schema: "analytics", Identifier: "orders__elt_tmp_0002"}
	snapRel = adapters.Relation{Database: "proj", Schema: "snapshots", Identifier: "orders_snapshot"}
	snapSrc = adapters.Relation{Database: "proj", Schema: "snapshots", Identifier: "orders_snapshot__elt_tmp_0001"}
	snapChg = adapters.Relation{Database: "proj", Schema: "snapshots", Identifier: "orders_snapshot__elt_tmp_0002"}

	modelSQL = "select id, customer, amount, ordered_at, ordered_on from `proj`.`raw`.`orders`\n"
	now      = time.Date(2024, 2, 1, 12, 30, 0, 0, time.UTC)
)

func cols(spec ...string) []adapters.Column {
	out := make([]adapters.Column, len(spec))
	for i, s := range spec {
		name, typ, _ := strings.Cut(s, " ")
		out[i] = adapters.Column{Name: name, DataType: typ, Index: i + 1}
	}
	return out
}

var (
	orderCols  = cols("id INT64", "customer STRING", "amount NUMERIC", "ordered_at TIMESTAMP", "ordered_on DATE")
	sourceCols = cols("id INT64", "status STRING", "updated_at TIMESTAMP")
	snapCols   = cols("id INT64", "status STRING", "updated_at TIMESTAMP", "dbt_scd_id STRING", "dbt_updated_at TIMESTAMP", "dbt_valid_from TIMESTAMP", "dbt_valid_to TIMESTAMP")
)

func section(b *strings.Builder, title string, stmts ...string) {
	for _, s := range stmts {
		fmt.Fprintf(b, "-- %s\n%s;\n\n", title, s)
	}
}

func tableCase(config map[string]any, existing TableFacts) func() (string, error) {
	return func() (string, error) {
		tc, err := ParseTableConfig(config)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		section(&b, "build", PlanTable(target, tmp, modelSQL, tc, existing)...)
		return b.String(), nil
	}
}

func viewCase(config map[string]any, existing TableFacts) func() (string, error) {
	return func() (string, error) {
		tc, err := ParseTableConfig(config)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		section(&b, "build", PlanView(target, modelSQL, tc, existing)...)
		return b.String(), nil
	}
}

// incrementalCase plans inc against a target with targetCols and new rows with stageCols.
func incrementalCase(inc adapters.Incremental, targetCols, stageCols []adapters.Column) func() (string, error) {
	return func() (string, error) {
		inc.UniqueID, inc.Relation = "model.shop.orders", target
		if inc.SQL == "" {
			inc.SQL = modelSQL
		}
		tc, err := ParseTableConfig(inc.Config)
		if err != nil {
			return "", err
		}
		inc, err := ResolveIncremental(inc, tc)
		if err != nil {
			return "", err
		}
		plan, err := PlanIncremental(inc, tc, IncrementalFacts{Target: target, Stage: stage, TargetColumns: targetCols, StageColumns: stageCols})
		if err != nil {
			return "", err
		}
		var b strings.Builder
		section(&b, "stage the new rows", PlanStage(stage, target, inc.SQL, tc))
		if len(plan.KeyChecks) > 0 {
			section(&b, "checks: counts", plan.KeyCounts)
		}
		for _, kc := range plan.KeyChecks {
			what := map[adapters.UniqueKeyProblem]string{adapters.KeyNull: "NULL keys", adapters.KeyRepeated: "repeated keys"}[kc.Problem]
			section(&b, "check "+what+": samples", kc.Samples)
		}
		section(&b, "on_schema_change "+inc.OnSchemaChange, plan.SchemaChanges...)
		if !plan.RowsFromDML {
			section(&b, "rows inserted", CountSQL(stage))
		}
		section(&b, "apply ("+plan.Verb+")", plan.Apply)
		section(&b, "clean up", DropSQL(stage))
		return b.String(), nil
	}
}

func snapshotCase(s adapters.Snapshot, srcCols []adapters.Column, kind adapters.RelationKind, targetCols []adapters.Column) func() (string, error) {
	return func() (string, error) {
		s.UniqueID, s.Relation = "snapshot.shop.orders_snapshot", snapRel
		if s.SQL == "" {
			s.SQL = "select * from `proj`.`raw`.`orders`"
		}
		s.Now = now
		s, err := s.Normalize()
		if err != nil {
			return "", err
		}
		facts := SnapshotFacts{Target: snapRel, Source: snapSrc, Changes: snapChg, SourceColumns: srcCols, TargetKind: kind, TargetColumns: targetCols}
		plan, err := PlanSnapshot(s, facts)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		section(&b, "stage the source", PlanStage(snapSrc, snapRel, s.SQL, TableConfig{}))
		section(&b, "check unique_key", DuplicateKeyQuery(snapSrc, plan.Key, s.UniqueKeyList && s.NullKeysMatch))
		if plan.Create != "" {
			section(&b, "first run", plan.Create)
		} else {
			section(&b, "schema changes", plan.SchemaChanges...)
			section(&b, "stage the changes", plan.Stage)
			section(&b, "count new, changed, deleted", plan.Counts)
			section(&b, "write the changes", plan.Merge)
			section(&b, "clean up", DropSQL(snapChg))
		}
		section(&b, "clean up", DropSQL(snapSrc))
		return b.String(), nil
	}
}

func seedCase(csvText string, s adapters.Seed, existing TableFacts, existingCols []adapters.Column) func() (string, error) {
	return func() (string, error) {
		s.Path = "seeds/orders.csv"
		data, err := parseSeed(s.Path, strings.NewReader(csvText), s.Delimiter)
		if err != nil {
			return "", err
		}
		plan, err := PlanSeed(s, target, tmp, data, existing, existingCols)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		section(&b, "before", plan.Before...)
		schema := make([]string, len(plan.Load.Schema))
		for i, c := range plan.Load.Schema {
			schema[i] = quote(c.Name) + " " + c.DataType
		}
		kept := ""
		if plan.Load.Destination == target {
			kept = " (the table's own)"
		}
		fmt.Fprintf(&b, "-- load job into %s (CSV, WRITE_TRUNCATE, CREATE_IF_NEEDED), %d rows\n-- schema%s: %s\n", render(plan.Load.Destination), plan.Rows, kept, strings.Join(schema, ", "))
		for _, line := range strings.Split(strings.TrimRight(string(plan.Load.CSV), "\n"), "\n") {
			if line != "" {
				b.WriteString("--   " + line + "\n")
			}
		}
		b.WriteString("\n")
		section(&b, "after", plan.After...)
		return b.String(), nil
	}
}

func goldenCases() map[string]func() (string, error) {
	table := TableFacts{Kind: adapters.KindTable}
	view := TableFacts{Kind: adapters.KindView}
	dayPartition := map[string]any{"field": "ordered_on", "data_type": "date"}
	withSchema := func(osc string) adapters.Incremental {
		return adapters.Incremental{Strategy: "merge", UniqueKey: []string{"id"}, OnSchemaChange: osc}
	}
	// The target has id, customer, amount NUMERIC, legacy; the new rows drop
	// legacy, add channel, and change amount to FLOAT64 and customer to INT64.
	oscTarget := cols("id INT64", "customer STRING", "amount NUMERIC", "legacy STRING")
	oscStage := cols("id INT64", "customer INT64", "amount FLOAT64", "channel STRING")
	snapCheck := adapters.Snapshot{Strategy: "check", UniqueKey: []string{"id"}, CheckCols: []string{"status"}}
	snapTS := adapters.Snapshot{Strategy: "timestamp", UniqueKey: []string{"id"}, UpdatedAt: "updated_at"}
	withDeletes := func(s adapters.Snapshot, mode string) adapters.Snapshot { s.HardDeletes = mode; return s }
	snapNewRecordCols := append(cols(snapCols[0].Name+" INT64"), append(snapCols[1:], adapters.Column{Name: "dbt_is_deleted", DataType: "STRING"})...)
	const customersCSV = "id,Full Name,score,joined,active,code,seen_at\n1,Ann,1.5,2024-01-02,true,007,2024-01-02 10:00:00\n2,,2.25,2024-01-03,false,10,2024-01-03T11:30:00\n3,\"Smith, Jo\",,,true,,\n"

	freshnessRel := adapters.Relation{Database: "my-project", Schema: "jaffle", Identifier: "orders"}
	return map[string]func() (string, error){
		// Source freshness from metadata (bigquery__get_relation_last_modified).
		"freshness_metadata":             func() (string, error) { return LastModifiedSQL(freshnessRel, "US") + "\n", nil },
		"freshness_metadata_no_location": func() (string, error) { return LastModifiedSQL(freshnessRel, "") + "\n", nil },
		// Tables.
		"table":                          tableCase(nil, TableFacts{}),
		"table_replace_existing":         tableCase(nil, table),
		"table_over_view":                tableCase(nil, view),
		"table_partition_date_day":       tableCase(map[string]any{"partition_by": dayPartition}, TableFacts{}),
		"table_partition_date_month":     tableCase(map[string]any{"partition_by": map[string]any{"field": "ordered_on", "data_type": "date", "granularity": "month"}}, TableFacts{}),
		"table_partition_timestamp_hour": tableCase(map[string]any{"partition_by": map[string]any{"field": "ordered_at", "data_type": "timestamp", "granularity": "hour"}}, TableFacts{}),
		"table_partition_datetime_year":  tableCase(map[string]any{"partition_by": map[string]any{"field": "ordered_at", "data_type": "datetime", "granularity": "year"}}, TableFacts{}),
		"table_partition_int64_range":    tableCase(map[string]any{"partition_by": map[string]any{"field": "id", "data_type": "int64", "range": map[string]any{"start": 0, "end": 1000, "interval": 10}}}, TableFacts{}),
		"table_partition_unchanged":      tableCase(map[string]any{"partition_by": dayPartition}, TableFacts{Kind: adapters.KindTable, PartitionField: "ordered_on", PartitionKind: "DAY"}),
		"table_partition_changed":        tableCase(map[string]any{"partition_by": map[string]any{"field": "ordered_at", "data_type": "timestamp"}}, TableFacts{Kind: adapters.KindTable, PartitionField: "ordered_on", PartitionKind: "DAY"}),
		"table_cluster_by_string":        tableCase(map[string]any{"cluster_by": "customer"}, TableFacts{}),
		"table_cluster_by_list":          tableCase(map[string]any{"partition_by": dayPartition, "cluster_by": []any{"customer", "id"}}, TableFacts{}),
		"table_options": tableCase(map[string]any{
			"partition_by": dayPartition, "labels": map[string]any{"team": "finance", "tier": 1},
			"require_partition_filter": true, "partition_expiration_days": 90, "kms_key_name": "projects/p/locations/us/keyRings/r/cryptoKeys/k",
			"hours_to_expiration": 6,
		}, TableFacts{}),
		"table_bad_partition_data_type":            tableCase(map[string]any{"partition_by": map[string]any{"field": "id", "data_type": "string"}}, TableFacts{}),
		"table_bad_granularity":                    tableCase(map[string]any{"partition_by": map[string]any{"field": "ordered_on", "data_type": "date", "granularity": "hour"}}, TableFacts{}),
		"table_int64_without_range":                tableCase(map[string]any{"partition_by": map[string]any{"field": "id", "data_type": "int64"}}, TableFacts{}),
		"table_too_many_cluster_columns":           tableCase(map[string]any{"cluster_by": []any{"a", "b", "c", "d", "e"}}, TableFacts{}),
		"table_partition_filter_without_partition": tableCase(map[string]any{"require_partition_filter": true}, TableFacts{}),

		// Views.
		"view":            viewCase(nil, TableFacts{}),
		"view_over_table": viewCase(nil, table),
		"view_labels":     viewCase(map[string]any{"labels": map[string]any{"team": "finance"}}, view),

		// Incremental strategies.
		"incremental_append":                incrementalCase(adapters.Incremental{Strategy: "append"}, orderCols, orderCols),
		"incremental_merge":                 incrementalCase(adapters.Incremental{Strategy: "merge", UniqueKey: []string{"id"}}, orderCols, orderCols),
		"incremental_merge_composite_key":   incrementalCase(adapters.Incremental{Strategy: "merge", UniqueKey: []string{"customer", "id"}}, orderCols, orderCols),
		"incremental_merge_update_columns":  incrementalCase(adapters.Incremental{Strategy: "merge", UniqueKey: []string{"id"}, MergeUpdateColumns: []string{"amount"}}, orderCols, orderCols),
		"incremental_merge_exclude_columns": incrementalCase(adapters.Incremental{Strategy: "merge", UniqueKey: []string{"id"}, MergeExcludeColumns: []string{"ordered_at", "ordered_on"}}, orderCols, orderCols),
		"incremental_merge_without_key":     incrementalCase(adapters.Incremental{Strategy: "merge"}, orderCols, orderCols),
		"incremental_merge_casts_types":     incrementalCase(adapters.Incremental{Strategy: "merge", UniqueKey: []string{"id"}}, cols("id INT64", "amount INT64"), cols("id INT64", "amount STRING")),
		"incremental_delete_insert":         incrementalCase(adapters.Incremental{Strategy: "delete+insert", UniqueKey: []string{"id"}}, orderCols, orderCols),
		"incremental_default_strategy":      incrementalCase(adapters.Incremental{UniqueKey: []string{"id"}}, orderCols, orderCols),
		"incremental_microbatch_timestamp":  incrementalCase(adapters.Incremental{Strategy: "microbatch", EventTime: "ordered_at", BatchStart: now.Truncate(24 * time.Hour), BatchEnd: now.Truncate(24 * time.Hour).Add(24 * time.Hour)}, orderCols, orderCols),
		"incremental_microbatch_date":       incrementalCase(adapters.Incremental{Strategy: "microbatch", EventTime: "ordered_on", BatchStart: now.Truncate(time.Hour), BatchEnd: now.Truncate(time.Hour).Add(time.Hour)}, orderCols, orderCols),
		"incremental_insert_overwrite_static": incrementalCase(adapters.Incremental{Strategy: "insert_overwrite", Config: map[string]any{
			"partition_by": dayPartition, "partitions": []any{"date('2024-02-01')", "date_sub(current_date(), interval 1 day)"}}}, orderCols, orderCols),
		"incremental_insert_overwrite_static_int64": incrementalCase(adapters.Incremental{Strategy: "insert_overwrite", Config: map[string]any{
			"partition_by": map[string]any{"field": "id", "data_type": "int64", "range": map[string]any{"start": 0, "end": 100, "interval": 10}}, "partitions": []any{"0", "10"}}}, orderCols, orderCols),
		"incremental_insert_overwrite_dynamic": incrementalCase(adapters.Incremental{Strategy: "insert_overwrite", Config: map[string]any{
			"partition_by": map[string]any{"field": "ordered_at", "data_type": "timestamp", "granularity": "day"}}}, orderCols, orderCols),
		"incremental_insert_overwrite_dynamic_max_partition": incrementalCase(adapters.Incremental{Strategy: "insert_overwrite",
			SQL:    modelSQL + "where ordered_on >= _dbt_max_partition\n",
			Config: map[string]any{"partition_by": dayPartition, "cluster_by": "customer"}}, orderCols, orderCols),
		"incremental_insert_overwrite_without_partition_by": incrementalCase(adapters.Incremental{Strategy: "insert_overwrite"}, orderCols, orderCols),
		"incremental_unknown_strategy":                      incrementalCase(adapters.Incremental{Strategy: "upsert"}, orderCols, orderCols),
		"incremental_key_not_in_model":                      incrementalCase(adapters.Incremental{Strategy: "merge", UniqueKey: []string{"order_id"}}, orderCols, orderCols),
		"incremental_microbatch_bad_column_type":            incrementalCase(adapters.Incremental{Strategy: "microbatch", EventTime: "customer", BatchStart: now, BatchEnd: now.Add(time.Hour)}, orderCols, orderCols),

		// on_schema_change.
		"on_schema_change_ignore":             incrementalCase(withSchema("ignore"), oscTarget, oscStage),
		"on_schema_change_fail":               incrementalCase(withSchema("fail"), oscTarget, oscStage),
		"on_schema_change_append_new_columns": incrementalCase(withSchema("append_new_columns"), oscTarget, oscStage),
		"on_schema_change_sync_all_columns": incrementalCase(adapters.Incremental{Strategy: "merge", UniqueKey: []string{"id"}, OnSchemaChange: "sync_all_columns",
			Config: map[string]any{"cluster_by": "id", "labels": map[string]any{"team": "finance"}}}, oscTarget, oscStage),

		// Snapshots.
		"snapshot_timestamp_first_run":       snapshotCase(snapTS, sourceCols, adapters.KindNone, nil),
		"snapshot_timestamp":                 snapshotCase(snapTS, sourceCols, adapters.KindTable, snapCols),
		"snapshot_check":                     snapshotCase(snapCheck, sourceCols, adapters.KindTable, snapCols),
		"snapshot_check_all_with_updated_at": snapshotCase(adapters.Snapshot{Strategy: "check", UniqueKey: []string{"id"}, CheckAll: true, UpdatedAt: "updated_at"}, sourceCols, adapters.KindTable, snapCols),
		"snapshot_check_first_run":           snapshotCase(snapCheck, sourceCols, adapters.KindNone, nil),
		"snapshot_hard_deletes_invalidate":   snapshotCase(withDeletes(snapTS, "invalidate"), sourceCols, adapters.KindTable, snapCols),
		"snapshot_hard_deletes_new_record":   snapshotCase(withDeletes(snapTS, "new_record"), sourceCols, adapters.KindTable, snapNewRecordCols),
		"snapshot_new_record_first_run":      snapshotCase(withDeletes(snapCheck, "new_record"), sourceCols, adapters.KindNone, nil),
		"snapshot_switch_to_new_record":      snapshotCase(withDeletes(snapCheck, "new_record"), sourceCols, adapters.KindTable, snapCols),
		"snapshot_valid_to_current":          snapshotCase(adapters.Snapshot{Strategy: "timestamp", UniqueKey: []string{"id"}, UpdatedAt: "updated_at", ValidToCurrent: "timestamp '9999-12-31 00:00:00+00'"}, sourceCols, adapters.KindTable, snapCols),
		"snapshot_composite_key_new_column":  snapshotCase(adapters.Snapshot{Strategy: "check", UniqueKey: []string{"id", "status"}, CheckCols: []string{"channel"}}, cols("id INT64", "status STRING", "updated_at TIMESTAMP", "channel STRING"), adapters.KindTable, snapCols),
		// enable_truthy_nulls_equals_macro: a list key matches NULL with
		// NULL, a NULL first column re-inserts and deletes (dbt's
		// unique_key_is_null).
		"snapshot_list_key_truthy_nulls": snapshotCase(adapters.Snapshot{Strategy: "check", UniqueKey: []string{"id", "status"}, UniqueKeyList: true, NullKeysMatch: true, CheckCols: []string{"updated_at"}, HardDeletes: "invalidate"},
			sourceCols, adapters.KindTable, snapCols),
		"snapshot_meta_column_names": snapshotCase(adapters.Snapshot{Strategy: "timestamp", UniqueKey: []string{"id"}, UpdatedAt: "updated_at", HardDeletes: "new_record",
			Columns: adapters.SnapshotColumns{ScdID: "scd_id", UpdatedAt: "modified", ValidFrom: "valid_from", ValidTo: "valid_to", IsDeleted: "is_deleted"}},
			sourceCols, adapters.KindNone, nil),
		"snapshot_datetime_updated_at":  snapshotCase(withDeletes(snapTS, "invalidate"), cols("id INT64", "status STRING", "updated_at DATETIME"), adapters.KindNone, nil),
		"snapshot_missing_updated_at":   snapshotCase(adapters.Snapshot{Strategy: "timestamp", UniqueKey: []string{"id"}, UpdatedAt: "modified"}, sourceCols, adapters.KindNone, nil),
		"snapshot_not_a_snapshot_table": snapshotCase(snapTS, sourceCols, adapters.KindTable, sourceCols),
		"snapshot_target_without_updated_at": snapshotCase(snapTS, sourceCols, adapters.KindTable,
			cols("id INT64", "status STRING", "updated_at TIMESTAMP", "dbt_scd_id STRING", "dbt_valid_from TIMESTAMP", "dbt_valid_to TIMESTAMP")),

		// Seeds.
		"seed_new":                seedCase(customersCSV, adapters.Seed{}, TableFacts{}, nil),
		"seed_column_types":       seedCase(customersCSV, adapters.Seed{ColumnTypes: map[string]string{"code": "varchar", "score": "numeric"}}, TableFacts{}, nil),
		"seed_reload":             seedCase("id,name\n1,a\n2,\"b, c\"\n", adapters.Seed{}, table, cols("id INT64", "name STRING")),
		"seed_full_refresh":       seedCase("id,name\n1,a\n", adapters.Seed{FullRefresh: true}, table, nil),
		"seed_over_view":          seedCase("id;name\n1;a\n", adapters.Seed{Delimiter: ";"}, view, nil),
		"seed_reload_new_columns": seedCase("id,name,extra\n1,a,x\n", adapters.Seed{}, table, cols("id INT64", "name STRING")),
		"seed_ragged_row":         seedCase("id,name\n1,a\n2,b,extra\n", adapters.Seed{}, TableFacts{}, nil),
		"seed_unterminated_quote": seedCase("id,name\n1,\"a\n2,b\n", adapters.Seed{}, TableFacts{}, nil),
		"seed_bad_value":          seedCase("id,name\n1,a\nx,b\n", adapters.Seed{ColumnTypes: map[string]string{"id": "integer"}}, TableFacts{}, nil),

		// Catalog.
		"catalog": func() (string, error) {
			var b strings.Builder
			section(&b, "columns (@table is the identifier)", ColumnsQuery("proj", "analytics"))
			section(&b, "every table and view of a dataset (DescribeMany)", CatalogTablesQuery("proj", "analytics"))
			section(&b, "their columns (DescribeMany)", CatalogColumnsQuery("proj", "analytics"))
			section(&b, "create dataset", CreateSchemaSQL("proj", "analytics", ""))
			section(&b, "create dataset in a location", CreateSchemaSQL("proj", "analytics_eu", "EU"))
			section(&b, "quoting", render(adapters.Relation{Database: "my-project", Schema: "data set", Identifier: "we`ird\\name"}))
			return b.String(), nil
		},
	}
}

// TestGolden compares every plan with testdata/golden/<case>.sql; an
// error is written there as "-- error: ...". Run with -update to rewrite.
func TestGolden(t *testing.T) {
	dir := filepath.Join("testdata", "golden")
	cases := goldenCases()
	for name, c := range matViewCases() {
		cases[name] = c
	}
	if updating() {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, plan := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := plan()
			if err != nil {
				got = "-- error: " + err.Error() + "\n"
			}
			path := filepath.Join(dir, name+".sql")
			if updating() {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update to write it)", err)
			}
			if string(want) != got {
				t.Errorf("%s differs from the plan (run with -update to accept):\n--- want\n%s\n--- got\n%s", path, want, got)
			}
		})
	}
	// No golden file without a case.
	files, _ := filepath.Glob(filepath.Join(dir, "*.sql"))
	for _, f := range files {
		if _, ok := cases[strings.TrimSuffix(filepath.Base(f), ".sql")]; !ok {
			t.Errorf("%s has no case in goldenCases", f)
		}
	}
}
