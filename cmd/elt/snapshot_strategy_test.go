package main

import (
	"crypto/md5"
	"encoding/hex"
	"strings"
	"testing"
)

// snapshotStrategyMacros are a project's custom snapshot strategy (by
// its config, with the key and updated_at as written), a root project
// replacement of dbt's timestamp strategy, and a package's strategy
// that hashes target_exists into dbt_scd_id and returns hard_deletes.
var snapshotStrategyMacros = map[string]string{
	"macros/newer.sql": `{% macro snapshot_newer_strategy(node, snapshotted_rel, current_rel, config, target_exists) %}
  {% set key = config['unique_key'] %}
  {% set ts = config['updated_at'] %}
  {% do return({
    "unique_key": key,
    "updated_at": ts,
    "row_changed": snapshotted_rel ~ "." ~ ts ~ " < " ~ current_rel ~ "." ~ ts,
    "scd_id": snapshot_hash_arguments([key, ts]),
  }) %}
{% endmacro %}

{% macro snapshot_timestamp_strategy(node, snapshotted_rel, current_rel, model_config, target_exists) %}
  {% do return({
    "unique_key": config.get('unique_key'),
    "updated_at": config.get('updated_at'),
    "row_changed": snapshotted_rel ~ ".dbt_valid_from < " ~ current_rel ~ "." ~ config.get('updated_at'),
    "scd_id": snapshot_hash_arguments([config.get('unique_key'), config.get('updated_at'), "'override'"]),
  }) %}
{% endmacro %}
`,
	"dbt_packages/vendor/dbt_project.yml": "name: vendor\n",
	"dbt_packages/vendor/macros/keyed.sql": `{% macro snapshot_keyed_strategy(node, snapshotted_rel, current_rel, model_config, target_exists) %}
  {% do return({
    "unique_key": [model_config['unique_key']],
    "updated_at": "updated_at",
    "row_changed": "(" ~ snapshotted_rel ~ ".name != " ~ current_rel ~ ".name or " ~ snapshotted_rel ~ ".updated_at < " ~ current_rel ~ ".updated_at)",
    "scd_id": snapshot_hash_arguments([model_config['unique_key'], "updated_at", "'" ~ target_exists ~ "'"]),
    "hard_deletes": "invalidate",
  }) %}
{% endmacro %}
`,
}

// snapshotStrategySource is a snapshot of two rows, the first updated at
// var t1, the second only while var keep2 is true.
func snapshotStrategySource(name, config string) string {
	return "{% snapshot " + name + " %}\n{{ config(" + config + ") }}\n" +
		"select 1 as id, 'a' as name, cast('{{ var(\"t1\") }}' as timestamp) as updated_at\n" +
		"{% if var('keep2') %}union all select 2, 'b', cast('2016-01-01' as timestamp){% endif %}\n{% endsnapshot %}\n"
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestCustomSnapshotStrategyAsDBT: dbt's snapshot materialization calls
// the macro strategy_dispatch finds for the strategy, snapshot_<name>
// _strategy (for "pkg.name" in package pkg), with (model,
// "snapshotted_data", "source_data", model['config'], target_exists), and
// builds the table from the dict it returns: unique_key, updated_at
// (dbt_valid_from), row_changed (written with those aliases), scd_id, and
// hard_deletes (the dict's, not the config's). A root project macro
// snapshot_timestamp_strategy replaces dbt's. Two runs, the second with
// row 1 changed and row 2 gone, give each snapshot's versions.
func TestCustomSnapshotStrategyAsDBT(t *testing.T) {
	onBothWarehouses(t, "snap_custom_strategy", func(t *testing.T, dir, warehouse string) {
		for path, text := range snapshotStrategyMacros {
			writeFile(t, dir, path, text)
		}
		key := `unique_key="id || '-' || name", updated_at='updated_at'`
		writeFile(t, dir, "snapshots/custom.sql", snapshotStrategySource("s_custom", key+", strategy='newer', hard_deletes='invalidate'"))
		writeFile(t, dir, "snapshots/root.sql", snapshotStrategySource("s_root", key+", strategy='p.newer'"))
		writeFile(t, dir, "snapshots/override.sql", snapshotStrategySource("s_override", key+", strategy='timestamp'"))
		writeFile(t, dir, "snapshots/pkg.sql", snapshotStrategySource("s_pkg", "unique_key='id', strategy='vendor.keyed'"))
		mustElt(t, dir, "snapshot", "--vars", "{t1: '2016-07-01', keep2: true}")
		mustElt(t, dir, "snapshot", "--vars", "{t1: '2016-07-02', keep2: false}")

		ts1, ts2, ts0 := "2016-07-01 00:00:00", "2016-07-02 00:00:00", "2016-01-01 00:00:00"
		custom := func(extra string) string {
			return strings.Join([]string{
				"1 " + ts1 + " " + ts2 + " " + md5Hex("1-a|"+ts1+extra),
				"1 " + ts2 + " - " + md5Hex("1-a|"+ts2+extra),
				"2 " + ts0 + " - " + md5Hex("2-b|"+ts0+extra),
			}, ", ")
		}
		want := map[string]string{
			// The dict has no hard_deletes: row 2 stays current, whatever
			// the config says.
			"s_custom":   custom(""),
			"s_root":     custom(""),
			"s_override": custom("|override"),
			// The package's dict invalidates row 2 at the snapshot's time.
			"s_pkg": strings.Join([]string{
				"1 " + ts1 + " " + ts2 + " " + md5Hex("1|"+ts1+"|False"),
				"1 " + ts2 + " - " + md5Hex("1|"+ts2+"|True"),
				"2 " + ts0 + " closed " + md5Hex("2|"+ts0+"|False"),
			}, ", "),
		}
		for name, rows := range want {
			q := `select string_agg(cast(id as varchar) || ' ' || cast(dbt_valid_from as varchar) || ' ' || ` +
				`case when dbt_valid_to is null then '-' when id = 2 then 'closed' else cast(dbt_valid_to as varchar) end || ' ' || dbt_scd_id, ', ' ` +
				`order by id, dbt_valid_from) as v from {{ ref('` + name + `') }}`
			out := mustElt(t, dir, "show", "--inline", q, "--output", "json").stdout
			if !strings.Contains(out, rows) {
				t.Errorf("%s: want %s\n%s", name, rows, out)
			}
		}
	})
}

// builtinStrategyOverrides replace dbt's timestamp and check strategies
// with macros that work as dbt's own, through the helpers dbt's
// strategies call (config.get('snapshot_table_column_names'),
// adapter.get_hard_deletes_behavior, api.Relation.scd_args,
// snapshot_check_all_get_existing_columns, snapshot_hash_arguments),
// except that each hashes a marker into dbt_scd_id.
const builtinStrategyOverrides = `{% macro snapshot_timestamp_strategy(node, snapshotted_rel, current_rel, model_config, target_exists) %}
  {% set key = config.get('unique_key') %}
  {% set ts = config.get('updated_at') %}
  {% set hard = adapter.get_hard_deletes_behavior(config) %}
  {% set columns = config.get('snapshot_table_column_names') or get_snapshot_table_column_names() %}
  {% do return({
    "unique_key": key, "updated_at": ts,
    "row_changed": "(" ~ snapshotted_rel ~ "." ~ columns.dbt_valid_from ~ " < " ~ current_rel ~ "." ~ ts ~ ")",
    "scd_id": snapshot_hash_arguments(api.Relation.scd_args(key, ts) + ["'ts'"]),
    "invalidate_hard_deletes": hard == 'invalidate', "hard_deletes": hard,
  }) %}
{% endmacro %}

{% macro snapshot_check_strategy(node, snapshotted_rel, current_rel, model_config, target_exists) %}
  {% set key = config.get('unique_key') %}
  {% set ts = config.get('updated_at') or snapshot_get_time() %}
  {% set added, cols = snapshot_check_all_get_existing_columns(node, target_exists, config.get('check_cols')) %}
  {% set changed %}({% if added %}{{ get_true_sql() }}{% else %}{% for c in cols %}{{ snapshotted_rel }}.{{ c }} is distinct from {{ current_rel }}.{{ c }}{% if not loop.last %} or {% endif %}{% endfor %}{% endif %}){% endset %}
  {% do return({
    "unique_key": key, "updated_at": ts, "row_changed": changed,
    "scd_id": snapshot_hash_arguments(api.Relation.scd_args(key, ts) + ["'check'"]),
    "hard_deletes": adapter.get_hard_deletes_behavior(config),
  }) %}
{% endmacro %}
`

// TestBuiltinSnapshotStrategyOverrideAsDBT: strategy_dispatch looks
// timestamp and check up as any other strategy, so the root project's
// snapshot_timestamp_strategy and snapshot_check_strategy replace dbt's,
// and dbt's helpers answer them as dbt's do: the renamed meta columns
// (snapshot_meta_column_names), hard_deletes, the check columns the
// table has. Two runs, the second with row 1 changed and row 2 gone.
func TestBuiltinSnapshotStrategyOverrideAsDBT(t *testing.T) {
	onBothWarehouses(t, "snap_strategy_override", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "macros/strategies.sql", builtinStrategyOverrides)
		writeFile(t, dir, "snapshots/ts.sql", snapshotStrategySource("s_ts", "unique_key='id', strategy='timestamp', updated_at='updated_at', "+
			"hard_deletes='invalidate', snapshot_meta_column_names={'dbt_valid_from': 'valid_from', 'dbt_valid_to': 'valid_to'}"))
		writeFile(t, dir, "snapshots/check.sql", snapshotStrategySource("s_check", "unique_key='id', strategy='check', check_cols=['updated_at'], updated_at='updated_at'"))
		mustElt(t, dir, "snapshot", "--vars", "{t1: '2016-07-01', keep2: true}")
		mustElt(t, dir, "snapshot", "--vars", "{t1: '2016-07-02', keep2: false}")

		ts1, ts2, ts0 := "2016-07-01 00:00:00", "2016-07-02 00:00:00", "2016-01-01 00:00:00"
		rows := func(q string) string {
			return mustElt(t, dir, "show", "--inline", q, "--output", "json").stdout
		}
		want := strings.Join([]string{
			"1 " + ts1 + " " + ts2 + " " + md5Hex("1|"+ts1+"|ts"),
			"1 " + ts2 + " - " + md5Hex("1|"+ts2+"|ts"),
			"2 " + ts0 + " closed " + md5Hex("2|"+ts0+"|ts"),
		}, ", ")
		out := rows(`select string_agg(cast(id as varchar) || ' ' || cast(valid_from as varchar) || ' ' || ` +
			`case when valid_to is null then '-' when id = 2 then 'closed' else cast(valid_to as varchar) end || ' ' || dbt_scd_id, ', ' ` +
			`order by id, valid_from) as v from {{ ref('s_ts') }}`)
		if !strings.Contains(out, want) {
			t.Errorf("s_ts: want %s\n%s", want, out)
		}
		// Row 1's check column changed; the deleted row is kept
		// (hard_deletes ignore).
		want = md5Hex("1|"+ts1+"|check") + " " + ts2 + ", " + md5Hex("1|"+ts2+"|check") + " -, " + md5Hex("2|"+ts0+"|check") + " -"
		out = rows(`select string_agg(dbt_scd_id || ' ' || coalesce(cast(dbt_valid_to as varchar), '-'), ', ' order by id, dbt_valid_from) as v from {{ ref('s_check') }}`)
		if !strings.Contains(out, want) {
			t.Errorf("s_check: want %s\n%s", want, out)
		}
	})
}

// TestSnapshotStrategyMacroRefusedOnSnowflakeBigQuery: elt's Snowflake
// and BigQuery snapshot plans build dbt's timestamp and check strategies
// only, so a strategy that is a macro (a custom one, or the project's
// replacement of dbt's) stops the load there, at the snapshot's config,
// naming the macro, rather than being ignored.
func TestSnapshotStrategyMacroRefusedOnSnowflakeBigQuery(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", `p:
  target: sf
  outputs:
    sf: {type: snowflake, account: acct, user: u, password: x, database: analytics, warehouse: wh, schema: dbt, role: r}
    bq: {type: bigquery, method: oauth, project: proj, dataset: ds}
`)
	writeFile(t, dir, "macros/newer.sql", snapshotStrategyMacros["macros/newer.sql"])
	writeFile(t, dir, "snapshots/custom.sql", snapshotStrategySource("s_custom", "unique_key='id', strategy='newer', updated_at='updated_at'"))
	writeFile(t, dir, "snapshots/ts.sql", snapshotStrategySource("s_ts", "unique_key='id', strategy='timestamp', updated_at='updated_at'"))
	for _, target := range []string{"sf", "bq"} {
		t.Run(target, func(t *testing.T) {
			res := elt(t, dir, "parse", "--target", target, "--vars", "{t1: '2016-07-01', keep2: true}")
			wh := map[string]string{"sf": "snowflake", "bq": "bigquery"}[target]
			if res.code != 2 {
				t.Fatalf("want exit 2, got %d\n%s%s", res.code, res.stdout, res.stderr)
			}
			wantAll(t, res.stdout+res.stderr,
				`snapshots/custom.sql:2: snapshot s_custom: elt runs snapshot strategy macros on DuckDB and PostgreSQL only, not on `+wh+`: strategy "newer" is the macro snapshot_newer_strategy (macros/newer.sql:1)`,
				`snapshots/ts.sql:2: snapshot s_ts: elt runs snapshot strategy macros on DuckDB and PostgreSQL only, not on `+wh+`: strategy "timestamp" is the macro snapshot_timestamp_strategy (macros/newer.sql:12)`)
		})
	}
}

// metaColumnsStrategy is a custom strategy whose row_changed is the
// snapshot's config key "changed".
const metaColumnsStrategy = `{% macro snapshot_meta_strategy(node, snapshotted_rel, current_rel, model_config, target_exists) %}
  {% do return({
    "unique_key": config.get('unique_key'),
    "updated_at": "updated_at",
    "row_changed": config.get('changed'),
    "scd_id": snapshot_hash_arguments(["id", "updated_at"]),
  }) %}
{% endmacro %}
`

// TestCustomSnapshotStrategyMetaColumnsAsDBT: dbt's snapshot_staging_table
// gives a strategy's row_changed the dbt_* columns: snapshotted_data is
// the current versions plus dbt_unique_key (dbt_unique_key_<n> for a list
// key); source_data is the source rows plus the key columns, dbt_updated_at
// and dbt_valid_from (the strategy's updated_at) and dbt_valid_to, which
// is the current versions' value (NULL) where the insertions CTE compares
// and updated_at where the updates CTE does. Two runs, row 1 updated in
// the second.
func TestCustomSnapshotStrategyMetaColumnsAsDBT(t *testing.T) {
	onBothWarehouses(t, "snap_strategy_meta", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "macros/meta.sql", metaColumnsStrategy)
		cases := []struct{ name, config, want string }{
			{"s_single", `unique_key='id', changed='snapshotted_data.dbt_unique_key = source_data.dbt_unique_key and snapshotted_data.dbt_valid_from < source_data.dbt_updated_at'`,
				"1 2016-07-01 00:00:00 2016-07-02 00:00:00, 1 2016-07-02 00:00:00 -, 2 2016-01-01 00:00:00 -"},
			{"s_list", `unique_key=['id', 'name'], changed='snapshotted_data.dbt_unique_key_2 = source_data.dbt_unique_key_2 and snapshotted_data.updated_at < source_data.dbt_valid_from'`,
				"1 2016-07-01 00:00:00 2016-07-02 00:00:00, 1 2016-07-02 00:00:00 -, 2 2016-01-01 00:00:00 -"},
			// True for the insertions, false for the updates: every
			// current version gets a new one, and none is closed.
			{"s_valid_to", `unique_key='id', changed='source_data.dbt_valid_to is null'`,
				"1 2016-07-01 00:00:00 -, 1 2016-07-02 00:00:00 -, 2 2016-01-01 00:00:00 -, 2 2016-01-01 00:00:00 -"},
		}
		for _, c := range cases {
			writeFile(t, dir, "snapshots/"+c.name+".sql", snapshotStrategySource(c.name, c.config+", strategy='meta'"))
		}
		mustElt(t, dir, "snapshot", "--vars", "{t1: '2016-07-01', keep2: true}")
		mustElt(t, dir, "snapshot", "--vars", "{t1: '2016-07-02', keep2: true}")
		for _, c := range cases {
			q := `select string_agg(cast(id as varchar) || ' ' || cast(dbt_valid_from as varchar) || ' ' || coalesce(cast(dbt_valid_to as varchar), '-'), ', ' ` +
				`order by id, dbt_valid_from) as v from {{ ref('` + c.name + `') }}`
			out := mustElt(t, dir, "show", "--inline", q, "--output", "json").stdout
			if !strings.Contains(out, `"`+c.want+`"`) {
				t.Errorf("%s: want %s\n%s", c.name, c.want, out)
			}
		}
	})
}
