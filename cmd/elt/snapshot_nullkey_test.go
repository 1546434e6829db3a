package main

import (
	"strings"
	"testing"
)

// nullKeySnapshot is a snapshot of three rows that never change: id 1,
// a row whose id is NULL, and id 2 whose name is NULL.
func nullKeySnapshot(name, config string) string {
	return "{% snapshot " + name + " %}\n{{ config(" + config + ") }}\n" +
		"select 1 as id, 'a' as name, cast('2016-01-01' as timestamp) as updated_at\n" +
		"union all select cast(null as integer), 'n', cast('2016-01-01' as timestamp)\n" +
		"union all select 2, cast(null as varchar), cast('2016-01-01' as timestamp)\n{% endsnapshot %}\n"
}

// TestSnapshotNullUniqueKeyAsDBT: dbt's snapshot_staging_table joins the
// source rows to the current versions with = on each unique_key column
// (unique_key_join_on; equals for a list, plain = with the behaviour flag
// enable_truthy_nulls_equals_macro off), so a row with a NULL in its key
// matches nothing: the insertions CTE inserts it again on every run, the
// updates CTE never closes it, and with hard deletes the deletes CTE finds
// every current version with a NULL key "deleted" (no source row matches
// it) and closes it, new_record also recording a deletion row. Three runs
// over an unchanged source.
func TestSnapshotNullUniqueKeyAsDBT(t *testing.T) {
	onBothWarehouses(t, "snap_null_key", func(t *testing.T, dir, warehouse string) {
		ts := "strategy='timestamp', updated_at='updated_at'"
		check := "strategy='check', check_cols=['name']"
		single := "unique_key='id', "
		list := "unique_key=['id', 'name'], "
		cases := []struct{ name, config, want string }{
			// Not matched, never closed: one current version per run.
			{"s_ts", single + ts, "1 a current False|2 - current False|null n current False x3"},
			{"s_check", single + check, "1 a current False|2 - current False|null n current False x3"},
			{"s_list_ts", list + ts, "1 a current False|2 - current False x3|null n current False x3"},
			{"s_list_check", list + check, "1 a current False|2 - current False x3|null n current False x3"},
			// Each run closes the current NULL-key versions as deleted and
			// inserts the source's row again.
			{"s_ts_inv", single + ts + ", hard_deletes='invalidate'", "1 a current False|2 - current False|null n closed False x2|null n current False"},
			{"s_list_check_inv", list + check + ", hard_deletes='invalidate'", "1 a current False|2 - closed False x2|2 - current False|null n closed False x2|null n current False"},
			// new_record: a deletion row per closed version; a current
			// deletion row is not deleted again, so each stays current.
			{"s_ts_new", single + ts + ", hard_deletes='new_record'",
				"1 a current False|2 - current False|null n closed False x2|null n current False|null n current True x2"},
			{"s_list_new", list + check + ", hard_deletes='new_record'",
				"1 a current False|2 - closed False x2|2 - current False|2 - current True x2|null n closed False x2|null n current False|null n current True x2"},
		}
		for _, c := range cases {
			writeFile(t, dir, "snapshots/"+c.name+".sql", nullKeySnapshot(c.name, c.config))
		}
		// The same rows from a seed, whose empty id cell is NULL.
		writeFile(t, dir, "seeds/people.csv", "id,name,updated_at\n1,a,2016-01-01\n,n,2016-01-01\n2,,2016-01-01\n")
		seeded := "unique_key='id', " + ts + ", hard_deletes='invalidate'"
		writeFile(t, dir, "snapshots/s_seed.sql", "{% snapshot s_seed %}\n{{ config("+seeded+") }}\nselect * from {{ ref('people') }}\n{% endsnapshot %}\n")
		cases = append(cases, struct{ name, config, want string }{"s_seed", seeded, "1 a current False|2 - current False|null n closed False x2|null n current False"})
		mustElt(t, dir, "seed")
		for range 3 {
			mustElt(t, dir, "snapshot")
		}
		for _, c := range cases {
			checkNullKeyRows(t, dir, c.name, c.config, c.want)
		}
	})
}

// checkNullKeyRows checks snapshot name's rows, each as "id name
// current|closed is_deleted", with " xN" for N like rows.
func checkNullKeyRows(t *testing.T, dir, name, config, want string) {
	t.Helper()
	deleted := "'False'"
	if strings.Contains(config, "new_record") {
		deleted = "dbt_is_deleted"
	}
	q := `select string_agg(v || case when n > 1 then ' x' || cast(n as varchar) else '' end, '|' order by v) as v from (` +
		`select v, count(*) as n from (select coalesce(cast(id as varchar), 'null') || ' ' || coalesce(name, '-') || ' ' || ` +
		`case when dbt_valid_to is null then 'current' else 'closed' end || ' ' || ` + deleted + ` as v from {{ ref('` + name + `') }}) r group by v) g`
	out := mustElt(t, dir, "show", "--inline", q, "--output", "json").stdout
	if !strings.Contains(out, `"`+want+`"`) {
		t.Errorf("%s: want %s\n%s", name, want, out)
	}
}

// TestSnapshotNullListKeyTruthyNullsAsDBT: with the behaviour flag
// enable_truthy_nulls_equals_macro, dbt's equals matches NULL with NULL,
// so a list unique_key's rows match whatever their NULLs (a string key
// is still joined with =). But dbt's insertions CTE takes a current
// version whose first key column is NULL for a missing match
// (unique_key_is_null), so a source row whose first key column is NULL
// is inserted again for each current version it matches, and its deletes
// CTE finds such versions deleted (with hard deletes) for the same
// reason. With new_record, a current deletion row it matches is also
// closed by the updates CTE (at the source row's updated_at). Three runs
// over an unchanged source.
func TestSnapshotNullListKeyTruthyNullsAsDBT(t *testing.T) {
	onBothWarehouses(t, "snap_null_key_truthy", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\nflags:\n  enable_truthy_nulls_equals_macro: true\n")
		ts := "strategy='timestamp', updated_at='updated_at'"
		list := "unique_key=['id', 'name'], "
		cases := []struct{ name, config, want string }{
			{"s_single", "unique_key='id', " + ts, "1 a current False|2 - current False|null n current False x3"},
			// Run 2 matches version 1, run 3 versions 1 and 2.
			{"s_list", list + ts, "1 a current False|2 - current False|null n current False x4"},
			{"s_list_check", list + "strategy='check', check_cols=['updated_at']", "1 a current False|2 - current False|null n current False x4"},
			{"s_list_inv", list + ts + ", hard_deletes='invalidate'", "1 a current False|2 - current False|null n closed False x2|null n current False"},
			{"s_list_new", list + ts + ", hard_deletes='new_record'", "1 a current False|2 - current False|null n closed False x2|null n closed True|null n current False x2|null n current True"},
		}
		for _, c := range cases {
			writeFile(t, dir, "snapshots/"+c.name+".sql", nullKeySnapshot(c.name, c.config))
		}
		for range 3 {
			mustElt(t, dir, "snapshot")
		}
		for _, c := range cases {
			checkNullKeyRows(t, dir, c.name, c.config, c.want)
		}
	})
}

// TestSnapshotCheckNullsAsDBT: dbt's snapshot_check_strategy counts a
// check column as changed when the values differ (!=) or exactly one is
// NULL, so a change from NULL to a value and from a value to NULL makes a
// new version and NULL to NULL does not. Two runs, with check_cols a list
// and all.
func TestSnapshotCheckNullsAsDBT(t *testing.T) {
	onBothWarehouses(t, "snap_check_nulls", func(t *testing.T, dir, warehouse string) {
		src := func(name, config string) string {
			return "{% snapshot " + name + " %}\n{{ config(" + config + ") }}\n" +
				"{% if var('second') %}select 1 as id, 'a' as v union all select 2, null union all select 3, null union all select 4, 'y'\n" +
				"{% else %}select 1 as id, cast(null as varchar) as v union all select 2, 'x' union all select 3, null union all select 4, 'y'{% endif %}\n{% endsnapshot %}\n"
		}
		names := []string{"s_cols", "s_all"}
		writeFile(t, dir, "snapshots/s_cols.sql", src("s_cols", "unique_key='id', strategy='check', check_cols=['v']"))
		writeFile(t, dir, "snapshots/s_all.sql", src("s_all", "unique_key='id', strategy='check', check_cols='all'"))
		mustElt(t, dir, "snapshot", "--vars", "{second: false}")
		mustElt(t, dir, "snapshot", "--vars", "{second: true}")
		want := "1 - closed|1 a current|2 - current|2 x closed|3 - current|4 y current"
		for _, name := range names {
			q := `select string_agg(v, '|' order by v) as v from (select cast(id as varchar) || ' ' || coalesce(v, '-') || ' ' || ` +
				`case when dbt_valid_to is null then 'current' else 'closed' end as v from {{ ref('` + name + `') }}) r`
			out := mustElt(t, dir, "show", "--inline", q, "--output", "json").stdout
			if !strings.Contains(out, `"`+want+`"`) {
				t.Errorf("%s: want %s\n%s", name, want, out)
			}
		}
	})
}

// TestSnapshotNullKeysAreNoDuplicates: rows whose unique_key is NULL match
// no version under dbt's = join (each run inserts them again), so however
// many there are they are no repeated key, and the duplicate-key warning
// (which says versions multiply) names only keys that hold values.
func TestSnapshotNullKeysAreNoDuplicates(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "seeds/customers.csv", "id,email,updated_at\n,a@x.org,2024-01-01 00:00:00\n,b@x.org,2024-01-01 00:00:00\n1,c@x.org,2024-01-01 00:00:00\n")
	writeFile(t, dir, "snapshots/customers_snap.sql", "{% snapshot customers_snap %}\n{{ config(unique_key='id', strategy='timestamp', updated_at='updated_at') }}\nselect * from {{ ref('customers') }}\n{% endsnapshot %}\n")
	mustElt(t, dir, "seed")
	res := mustElt(t, dir, "snapshot")
	wantNone(t, res.stdout, "is not unique in the source")
	writeFile(t, dir, "seeds/customers.csv", "id,email,updated_at\n,a@x.org,2024-01-01 00:00:00\n1,c@x.org,2024-01-01 00:00:00\n1,d@x.org,2024-01-01 00:00:00\n")
	mustElt(t, dir, "seed")
	res = mustElt(t, dir, "snapshot")
	wantAll(t, res.stdout, "unique_key (id) is not unique in the source, e.g. id=1 (2 rows)")
	wantNone(t, res.stdout, "id=NULL")
}
