package snowflake

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

// updating is -update. adaptertest defines the flag for every adapter's
// golden tests (a test binary may define it only once); it is defined here
// only if adaptertest ever stops.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files in testdata/golden")
	}
}

// The suffix every golden plan uses for temporary names.
const goldenSuffix = "0123456789ab"

// golden compares got with testdata/golden/<name>.sql, rewriting it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".sql")
	if updating() {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the plan (go test -update rewrites it)\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

// script writes plan sections as one SQL file: each statement with a
// comment saying which section and why.
type script struct{ b strings.Builder }

func (s *script) comment(format string, args ...any) {
	fmt.Fprintf(&s.b, "-- "+format+"\n", args...)
}

func (s *script) stmts(section string, stmts []Statement) {
	for _, st := range stmts {
		counts := ""
		if st.Counts {
			counts = " [rows affected]"
		}
		s.comment("%s: %s%s", section, st.Purpose, counts)
		s.b.WriteString(st.SQL + ";\n\n")
	}
}

func (s *script) query(section, sql string) {
	if sql == "" {
		return
	}
	s.comment("%s", section)
	s.b.WriteString(sql + ";\n\n")
}

func (s *script) err(err error) {
	s.comment("error: %v", err)
}

func (s *script) String() string { return strings.TrimRight(s.b.String(), "\n") + "\n" }

var (
	goldenRel = adapters.Relation{Database: "analytics", Schema: "dbt_ann", Identifier: "orders"}
	profile   = Planner{Dialect: Dialect{}}
)

func col(name, typ string) adapters.Column { return adapters.Column{Name: name, DataType: typ} }

func TestGoldenModels(t *testing.T) {
	tagged := Planner{Dialect: Dialect{}, QueryTag: "elt_profile"}
	body := "select id, status from analytics.dbt_ann.stg_orders;"
	cases := []struct {
		name     string
		p        Planner
		m        adapters.Model
		existing adapters.RelationKind
	}{
		{"table_transient_default", profile, adapters.Model{Materialized: "table"}, adapters.KindNone},
		{"table_replace_existing", profile, adapters.Model{Materialized: "table"}, adapters.KindTable},
		{"table_permanent", profile, adapters.Model{Materialized: "table", Config: map[string]any{"transient": false}}, adapters.KindTable},
		{"table_permanent_env_string", profile, adapters.Model{Materialized: "table", Config: map[string]any{"transient": "False"}}, adapters.KindNone},
		{"table_copy_grants", profile, adapters.Model{Materialized: "table", Config: map[string]any{"copy_grants": true}}, adapters.KindTable},
		{"table_cluster_by", profile, adapters.Model{Materialized: "table", Config: map[string]any{"cluster_by": []any{"order_date", "status"}}}, adapters.KindNone},
		{"table_over_view", profile, adapters.Model{Materialized: "table", Config: map[string]any{"copy_grants": true}}, adapters.KindView},
		{"table_query_tag", tagged, adapters.Model{Materialized: "table", Config: map[string]any{"query_tag": "orders_nightly"}}, adapters.KindTable},
		{"table_query_tag_no_profile_tag", profile, adapters.Model{Materialized: "table", Config: map[string]any{"query_tag": "it's tagged"}}, adapters.KindTable},
		{"view_default", profile, adapters.Model{Materialized: "view"}, adapters.KindNone},
		{"view_copy_grants_secure", profile, adapters.Model{Materialized: "view", Config: map[string]any{"copy_grants": true, "secure": true}}, adapters.KindView},
		{"view_over_table", profile, adapters.Model{Materialized: "view"}, adapters.KindTable},
		{"view_query_tag", tagged, adapters.Model{Materialized: "view", Config: map[string]any{"query_tag": "views"}}, adapters.KindView},
		{"quoting_off", profile, adapters.Model{Materialized: "table", Relation: adapters.Relation{Database: "Analytics", Schema: "dbt ann", Identifier: "select"}}, adapters.KindNone},
		{"quoting_on", Planner{Dialect: Dialect{Quoting: Quoting{Database: true, Schema: true, Identifier: true}}},
			adapters.Model{Materialized: "table", Relation: adapters.Relation{Database: "Analytics", Schema: "dbt_ann", Identifier: "Orders"}}, adapters.KindView},
		{"quoting_identifier_only", Planner{Dialect: Dialect{Quoting: Quoting{Identifier: true}}},
			adapters.Model{Materialized: "view", Relation: adapters.Relation{Database: "analytics", Schema: "dbt_ann", Identifier: "Orders"}}, adapters.KindNone},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := c.m
			m.SQL = body
			if m.Relation == (adapters.Relation{}) {
				m.Relation = goldenRel
			}
			var plan ModelPlan
			var err error
			if m.Materialized == "table" {
				plan, err = c.p.Table(m, c.existing, goldenSuffix)
			} else {
				plan, err = c.p.View(m, c.existing, goldenSuffix)
			}
			var s script
			s.comment("%s %s, existing: %q", m.Materialized, c.p.Dialect.RenderRelation(m.Relation), c.existing)
			if err != nil {
				s.err(err)
			}
			s.stmts("build", plan.Build)
			s.query("count rows", plan.CountRows)
			s.stmts("cleanup", plan.Cleanup)
			golden(t, c.name, s.String())
		})
	}
}

func TestGoldenCatalog(t *testing.T) {
	for _, c := range []struct {
		name string
		d    Dialect
	}{{"catalog_quoting_off", Dialect{}}, {"catalog_quoting_on", Dialect{Quoting: Quoting{Database: true, Schema: true, Identifier: true}}}} {
		t.Run(c.name, func(t *testing.T) {
			p := Planner{Dialect: c.d}
			rel := adapters.Relation{Database: "Analytics", Schema: "dbt_ann", Identifier: "Orders"}
			var s script
			s.query("columns", p.ColumnsQuery(rel))
			s.query("relation kind", p.RelationKindQuery(rel))
			s.query("relation kind, current database and schema", p.RelationKindQuery(adapters.Relation{Identifier: "orders"}))
			s.query("describe", p.DescribeQuery(rel))
			s.query("create schema", p.CreateSchema("Analytics", "dbt_ann_staging"))
			golden(t, c.name, s.String())
		})
	}
}

const customersCSV = "id,Full Name,score,joined,active,code,seen_at\n" +
	"1,Ann,1.5,2024-01-02,true,007,2024-01-02 10:00:00\n" +
	"2,,2.25,2024-01-03,false,10,2024-01-03T11:30:00\n" +
	"3,\"Smith, Jo\",,,true,,\n" +
	"4,O'Brien \\ back,-3e2,2024-02-29,False,12,\n"

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestGoldenSeeds(t *testing.T) {
	path := writeFile(t, "customers.csv", customersCSV)
	rel := adapters.Relation{Database: "analytics", Schema: "dbt_ann", Identifier: "customers"}
	existing := []adapters.Column{col("ID", "NUMBER(38,0)"), col("Full Name", "VARCHAR(16777216)"), col("SCORE", "FLOAT"),
		col("JOINED", "DATE"), col("ACTIVE", "BOOLEAN"), col("CODE", "VARCHAR(16777216)"), col("SEEN_AT", "TIMESTAMP_NTZ(9)")}
	cases := []struct {
		name string
		seed adapters.Seed
		kind adapters.RelationKind
		cols []adapters.Column
	}{
		{"seed_create", adapters.Seed{}, adapters.KindNone, nil},
		{"seed_full_refresh_swap", adapters.Seed{FullRefresh: true}, adapters.KindTable, existing},
		{"seed_reload_in_place", adapters.Seed{}, adapters.KindTable, existing},
		{"seed_over_view", adapters.Seed{}, adapters.KindView, nil},
		{"seed_column_types_quote_columns", adapters.Seed{QuoteColumns: true, ColumnTypes: map[string]string{"code": "varchar(3)", "score": "number(10,2)"}}, adapters.KindNone, nil},
		{"seed_reload_columns_differ", adapters.Seed{}, adapters.KindTable, existing[:3]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := c.seed
			s.Relation, s.Path = rel, path
			data, err := ReadSeed(path, "")
			if err != nil {
				t.Fatal(err)
			}
			plan, err := profile.Seed(s, data, c.kind, c.cols, goldenSuffix)
			var sc script
			sc.comment("seed %s from customers.csv, existing: %q, full refresh: %v", profile.Dialect.RenderRelation(rel), c.kind, s.FullRefresh)
			if err != nil {
				sc.errText(strings.ReplaceAll(err.Error(), path, "customers.csv"))
			}
			sc.stmts("load", plan.Statements)
			sc.stmts("cleanup", plan.Cleanup)
			golden(t, c.name, sc.String())
		})
	}
}

// errString lets script.err take text (paths made stable).
type errString string

func (e errString) Error() string { return string(e) }

func (s *script) errText(msg string) { s.err(errString(msg)) }

func TestGoldenIncremental(t *testing.T) {
	target := []adapters.Column{col("ID", "NUMBER(38,0)"), col("STATUS", "VARCHAR(16777216)"), col("AMOUNT", "NUMBER(10,2)"), col("UPDATED_AT", "TIMESTAMP_NTZ(9)")}
	same := target
	withNew := append(append([]adapters.Column{}, target...), col("CHANNEL", "VARCHAR(16777216)"))
	changed := []adapters.Column{col("ID", "NUMBER(38,0)"), col("STATUS", "VARCHAR(16777216)"), col("AMOUNT", "FLOAT"), col("CHANNEL", "VARCHAR(10)")}
	narrower := []adapters.Column{col("ID", "NUMBER(3,0)"), col("STATUS", "VARCHAR(5)"), col("AMOUNT", "NUMBER(12,2)"), col("UPDATED_AT", "TIMESTAMP_NTZ(9)")}
	narrowTarget := []adapters.Column{col("ID", "NUMBER(1,0)"), col("STATUS", "VARCHAR(3)"), col("AMOUNT", "NUMBER(10,2)"), col("UPDATED_AT", "TIMESTAMP_NTZ(9)")}
	day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name           string
		inc            adapters.Incremental
		target, source []adapters.Column
	}{
		{"incremental_append", adapters.Incremental{Strategy: "append"}, target, same},
		{"incremental_default_strategy_is_merge", adapters.Incremental{UniqueKey: []string{"id"}}, target, same},
		{"incremental_merge", adapters.Incremental{Strategy: "merge", UniqueKey: []string{"id"}}, target, same},
		{"incremental_merge_without_key_appends", adapters.Incremental{Strategy: "merge"}, target, same},
		{"incremental_merge_update_columns", adapters.Incremental{Strategy: "merge", UniqueKey: []string{"id"}, MergeUpdateColumns: []string{"status"}}, target, same},
		{"incremental_merge_exclude_columns", adapters.Incremental{Strategy: "merge", UniqueKey: []string{"id"}, MergeExcludeColumns: []string{"updated_at"}}, target, same},
		{"incremental_merge_unknown_update_column", adapters.Incremental{Strategy: "merge", UniqueKey: []string{"id"}, MergeUpdateColumns: []string{"nope"}}, target, same},
		{"incremental_delete_insert", adapters.Incremental{Strategy: "delete+insert", UniqueKey: []string{"id", "status"}}, target, same},
		{"incremental_microbatch", adapters.Incremental{Strategy: "microbatch", EventTime: "updated_at", BatchStart: day, BatchEnd: day.AddDate(0, 0, 1)}, target, same},
		{"incremental_microbatch_tz", adapters.Incremental{Strategy: "microbatch", EventTime: "updated_at", BatchStart: day, BatchEnd: day.AddDate(0, 0, 1)},
			[]adapters.Column{col("ID", "NUMBER(38,0)"), col("UPDATED_AT", "TIMESTAMP_TZ(9)")}, []adapters.Column{col("ID", "NUMBER(38,0)"), col("UPDATED_AT", "TIMESTAMP_TZ(9)")}},
		{"incremental_query_tag", adapters.Incremental{Strategy: "append", Config: map[string]any{"query_tag": "increments"}}, target, same},
		{"on_schema_change_ignore", adapters.Incremental{Strategy: "merge", UniqueKey: []string{"id"}, OnSchemaChange: "ignore"}, target, withNew},
		{"on_schema_change_fail", adapters.Incremental{Strategy: "merge", UniqueKey: []string{"id"}, OnSchemaChange: "fail"}, target, changed},
		{"on_schema_change_append_new_columns", adapters.Incremental{Strategy: "merge", UniqueKey: []string{"id"}, OnSchemaChange: "append_new_columns"}, target, withNew},
		{"on_schema_change_sync_all_columns", adapters.Incremental{Strategy: "merge", UniqueKey: []string{"id"}, OnSchemaChange: "sync_all_columns"}, target, changed},
		{"incremental_narrower_types_fit", adapters.Incremental{Strategy: "append", OnSchemaChange: "fail"}, target, narrower},
		{"incremental_widen_columns", adapters.Incremental{Strategy: "append", OnSchemaChange: "fail"}, narrowTarget, narrower},
		{"incremental_key_not_in_model", adapters.Incremental{Strategy: "merge", UniqueKey: []string{"order_id"}}, target, same},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inc := c.inc
			inc.UniqueID = "model.shop.orders"
			inc.Relation = goldenRel
			inc.SQL = "select * from analytics.dbt_ann.stg_orders where updated_at > (select max(updated_at) from analytics.dbt_ann.orders)"
			p := Planner{Dialect: Dialect{}, QueryTag: "elt_profile"}
			var s script
			inc, err := ResolveIncremental(inc)
			if err != nil {
				s.err(err)
				golden(t, c.name, s.String())
				return
			}
			s.comment("incremental %s: strategy %s, unique_key %v, on_schema_change %s", p.Dialect.RenderRelation(inc.Relation), inc.Strategy, inc.UniqueKey, inc.OnSchemaChange)
			s.comment("target columns: %s", columnsText(c.target))
			s.comment("new rows' columns: %s", columnsText(c.source))
			s.b.WriteString("\n")
			stage, stageStmts, err := p.IncrementalStage(inc, goldenSuffix)
			if err != nil {
				t.Fatal(err)
			}
			s.stmts("stage", stageStmts)
			plan, err := p.Incremental(inc, stage, c.target, c.source, goldenSuffix)
			if err != nil {
				s.err(err)
			}
			if len(plan.KeyChecks) > 0 {
				s.query("key checks: counts", plan.KeyCounts)
			}
			for _, kc := range plan.KeyChecks {
				what := map[adapters.UniqueKeyProblem]string{adapters.KeyNull: "NULL keys", adapters.KeyRepeated: "repeated keys"}[kc.Problem]
				s.query("key check, "+what+": samples", kc.Samples)
			}
			s.stmts("schema change", plan.SchemaChanges)
			s.stmts("apply", plan.Apply)
			s.stmts("cleanup", plan.Cleanup)
			if plan.Verb != "" {
				s.comment("result: %s <rows affected>", plan.Verb)
			}
			golden(t, c.name, s.String())
		})
	}
}

func columnsText(cols []adapters.Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c.Name + " " + c.DataType
	}
	return strings.Join(parts, ", ")
}

func TestGoldenSnapshots(t *testing.T) {
	src := []adapters.Column{col("ID", "NUMBER(38,0)"), col("STATUS", "VARCHAR(16777216)"), col("UPDATED_AT", "TIMESTAMP_NTZ(9)")}
	meta := []adapters.Column{col("DBT_SCD_ID", "VARCHAR(32)"), col("DBT_UPDATED_AT", "TIMESTAMP_NTZ(9)"), col("DBT_VALID_FROM", "TIMESTAMP_NTZ(9)"), col("DBT_VALID_TO", "TIMESTAMP_NTZ(9)")}
	target := append(append([]adapters.Column{}, src...), meta...)
	targetDeleted := append(append([]adapters.Column{}, target...), col("DBT_IS_DELETED", "VARCHAR(16777216)"))
	withChannel := append(append([]adapters.Column{}, src...), col("CHANNEL", "VARCHAR(16777216)"))
	timestamp := adapters.Snapshot{Strategy: "timestamp", UniqueKey: []string{"id"}, UpdatedAt: "updated_at"}
	check := adapters.Snapshot{Strategy: "check", UniqueKey: []string{"id"}, CheckCols: []string{"status"}}
	with := func(s adapters.Snapshot, f func(*adapters.Snapshot)) adapters.Snapshot { f(&s); return s }
	custom := adapters.SnapshotColumns{ScdID: "scd_id", UpdatedAt: "updated_ts", ValidFrom: "valid_from", ValidTo: "valid_to", IsDeleted: "is_deleted"}
	customTarget := append(append([]adapters.Column{}, src...), col("SCD_ID", "VARCHAR(32)"), col("UPDATED_TS", "TIMESTAMP_NTZ(9)"), col("VALID_FROM", "TIMESTAMP_NTZ(9)"), col("VALID_TO", "TIMESTAMP_NTZ(9)"))
	cases := []struct {
		name    string
		snap    adapters.Snapshot
		source  []adapters.Column
		kind    adapters.RelationKind
		targetC []adapters.Column
	}{
		{"snapshot_timestamp_create", timestamp, src, adapters.KindNone, nil},
		{"snapshot_timestamp_update", timestamp, src, adapters.KindTable, target},
		{"snapshot_check_cols_update", check, src, adapters.KindTable, target},
		{"snapshot_check_all_with_updated_at", with(check, func(s *adapters.Snapshot) { s.CheckCols, s.CheckAll, s.UpdatedAt = nil, true, "updated_at" }), src, adapters.KindTable, target},
		{"snapshot_check_create", check, src, adapters.KindNone, nil},
		{"snapshot_hard_deletes_invalidate", with(timestamp, func(s *adapters.Snapshot) { s.HardDeletes = "invalidate" }), src, adapters.KindTable, target},
		{"snapshot_hard_deletes_new_record_create", with(timestamp, func(s *adapters.Snapshot) { s.HardDeletes = "new_record" }), src, adapters.KindNone, nil},
		{"snapshot_hard_deletes_new_record", with(timestamp, func(s *adapters.Snapshot) { s.HardDeletes = "new_record" }), src, adapters.KindTable, targetDeleted},
		{"snapshot_switch_to_new_record", with(check, func(s *adapters.Snapshot) { s.HardDeletes = "new_record" }), src, adapters.KindTable, target},
		{"snapshot_valid_to_current_create", with(timestamp, func(s *adapters.Snapshot) { s.ValidToCurrent = "to_timestamp_ntz('9999-12-31')" }), src, adapters.KindNone, nil},
		{"snapshot_valid_to_current_update", with(timestamp, func(s *adapters.Snapshot) {
			s.ValidToCurrent, s.HardDeletes = "to_timestamp_ntz('9999-12-31')", "invalidate"
		}), src, adapters.KindTable, target},
		{"snapshot_custom_meta_columns", with(timestamp, func(s *adapters.Snapshot) { s.Columns = custom }), src, adapters.KindTable, customTarget},
		{"snapshot_new_source_column", timestamp, withChannel, adapters.KindTable, target},
		{"snapshot_composite_key", with(check, func(s *adapters.Snapshot) {
			s.UniqueKey = []string{"id", "status"}
			s.CheckCols = []string{"updated_at"}
		}), src, adapters.KindTable, target},
		// enable_truthy_nulls_equals_macro: a list key matches NULL with
		// NULL, a NULL first column re-inserts and deletes (dbt's
		// unique_key_is_null).
		{"snapshot_list_key_truthy_nulls", with(check, func(s *adapters.Snapshot) {
			s.UniqueKey, s.UniqueKeyList, s.NullKeysMatch = []string{"id", "status"}, true, true
			s.CheckCols = []string{"updated_at"}
			s.HardDeletes = adapters.HardDeletesInvalidate
		}), src, adapters.KindTable, target},
		{"snapshot_meta_column_in_source", timestamp, append(append([]adapters.Column{}, src...), col("DBT_VALID_TO", "DATE")), adapters.KindNone, nil},
		{"snapshot_not_a_snapshot_table", timestamp, src, adapters.KindTable, src},
		{"snapshot_target_without_updated_at", timestamp, src, adapters.KindTable, append(append([]adapters.Column{}, src...), col("DBT_SCD_ID", "VARCHAR(32)"), col("DBT_VALID_FROM", "TIMESTAMP_NTZ(9)"), col("DBT_VALID_TO", "TIMESTAMP_NTZ(9)"))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := c.snap
			s.UniqueID = "snapshot.shop.orders_snapshot"
			s.Relation = adapters.Relation{Database: "analytics", Schema: "snapshots", Identifier: "orders_snapshot"}
			s.SQL = "select * from analytics.dbt_ann.orders"
			s.Now = time.Date(2024, 2, 1, 6, 30, 0, 0, time.UTC)
			s, err := s.Normalize()
			if err != nil {
				t.Fatal(err)
			}
			var sc script
			sc.comment("snapshot %s: strategy %s, unique_key %v, hard_deletes %s, existing: %q", profile.Dialect.RenderRelation(s.Relation), s.Strategy, s.UniqueKey, s.HardDeletes, c.kind)
			sc.comment("source columns: %s", columnsText(c.source))
			if c.targetC != nil {
				sc.comment("target columns: %s", columnsText(c.targetC))
			}
			sc.b.WriteString("\n")
			srcRel, create := profile.SnapshotSource(s, goldenSuffix)
			sc.stmts("source", []Statement{create})
			plan, err := profile.Snapshot(s, srcRel, c.source, c.kind, c.targetC, goldenSuffix)
			if err != nil {
				sc.err(err)
			}
			sc.query("duplicate keys", plan.DuplicateKeys)
			sc.stmts("create", plan.Create)
			sc.stmts("schema change", plan.SchemaChanges)
			sc.stmts("stage", plan.Stage)
			sc.query("counts: new, changed, deleted", plan.Counts)
			sc.stmts("apply", plan.Apply)
			sc.stmts("cleanup", plan.Cleanup)
			golden(t, c.name, sc.String())
		})
	}
}
