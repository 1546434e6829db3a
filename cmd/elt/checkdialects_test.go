package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateCheckGoldens = flag.Bool("update-check-goldens", false, "rewrite cmd/elt/testdata/check_dialects/*.json")

// TestCheckSnowflakeBigQuery: elt check on Snowflake and BigQuery targets
// works from the compiled SQL, without a warehouse: DuckDB's parser reads
// it (BigQuery's backquoted names, "string" literals and # comments are
// rewritten in place), findings are warnings that say why, and a model it
// cannot read gets a positioned warning that it was not checked. The
// findings are compared with goldens.
func TestCheckSnowflakeBigQuery(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", `p:
  target: sf
  outputs:
    sf:
      type: snowflake
      account: acct
      user: u
      password: x
      database: analytics
      warehouse: wh
      schema: dbt
      role: r
    bq:
      type: bigquery
      method: oauth
      project: proj
      dataset: ds
`)
	writeFile(t, dir, "seeds/people.csv", "id,name\n1,a\n")
	writeFile(t, dir, "models/typo.sql", "select id,\n  nmae\nfrom {{ ref('people') }}\n")
	writeFile(t, dir, "models/joined.sql", "select p.id, t.id as typo_id\nfrom {{ ref('people') }} p\njoin {{ ref('typo') }} t on p.id = t.id\nwhere p.name = \"a\" # BigQuery: a string and a comment\n")
	writeFile(t, dir, "models/ambiguous.sql", "select id\nfrom {{ ref('people') }} p\njoin {{ ref('typo') }} t on p.id = t.id\n")
	writeFile(t, dir, "models/flatten.sql", "select f.value:name::string as n\nfrom {{ ref('people') }},\n  lateral flatten(input => parse_json('[1]')) f\n")
	for _, target := range []string{"sf", "bq"} {
		t.Run(target, func(t *testing.T) {
			res := elt(t, dir, "check", "--target", target, "--output", "json")
			if res.code != 1 {
				t.Fatalf("want exit 1 (findings), got %d\n%s%s", res.code, res.stdout, res.stderr)
			}
			golden := filepath.Join("testdata", "check_dialects", target+".json")
			if *updateCheckGoldens {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(res.stdout), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update-check-goldens to write it)", err)
			}
			if res.stdout != string(want) {
				t.Errorf("findings for %s differ from %s:\nwant\n%s\ngot\n%s", target, golden, want, res.stdout)
			}
			if strings.Contains(res.stdout, `"severity": "error"`) {
				t.Errorf("a finding in %s SQL read with DuckDB's parser is an error, not a warning", target)
			}
		})
	}
	// The BigQuery model joined.sql is read once rewritten: no finding.
	res := elt(t, dir, "check", "--target", "bq", "--select", "joined")
	if res.code != 0 {
		t.Errorf("joined.sql on BigQuery: want no findings, got exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// TestCheckBigQueryIdioms: BigQuery SQL that DuckDB's parser reads
// otherwise gives no finding: a date part written bare (DATE_TRUNC(d,
// MONTH)) is no column, a "string" holding a ' is a string, not a
// column, FROM t, t.array_column is no relation, and QUALIFY takes a
// select alias where two FROM items have the name (cal-itp's warehouse).
func TestCheckBigQueryIdioms(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", "p:\n  target: bq\n  outputs:\n    bq:\n      type: bigquery\n      method: oauth\n      project: proj\n      dataset: ds\n")
	writeFile(t, dir, "seeds/people.csv", "id,born\n1,2020-01-02\n")
	writeFile(t, dir, "models/dates.sql", "select date_trunc(born, MONTH) as m, last_day(born, MONTH) as l, date_diff(born, born, DAY) as n,\n"+
		"  case when id = 1 then \"Didn't run\" else \"Pass\" end as s\nfrom {{ ref('people') }}\n")
	writeFile(t, dir, "models/typo.sql", "select date_trunc(born, MONTH) as m, nmae\nfrom {{ ref('people') }}\n")
	// FROM t, t.array_column: BigQuery's implicit UNNEST, no relation.
	writeFile(t, dir, "models/arrays.sql", "with p as (select id, [1, 2] as kids from {{ ref('people') }})\n"+
		"select p.id, kid as kid_id\nfrom p,\n  p.kids as kid\n")
	// QUALIFY reads a name two FROM items have as the select item's
	// alias of that name.
	writeFile(t, dir, "models/latest.sql", "select p.id as id, p.born\nfrom {{ ref('people') }} p join {{ ref('arrays') }} a on p.id = a.id\n"+
		"qualify row_number() over (partition by id order by p.born desc) = 1\n")
	res := elt(t, dir, "check", "--select", "dates arrays latest")
	if res.code != 0 {
		t.Errorf("want no findings, got exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	// An unknown column is still found next to a date part.
	res = elt(t, dir, "check", "--select", "typo")
	if res.code != 1 || !strings.Contains(res.stdout, "nmae") || strings.Contains(res.stdout, "MONTH") {
		t.Errorf("want the one finding nmae, got exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// TestBigQueryPythonModelKeys: dbt-bigquery's profile keys for Python
// models are refused with their reason (elt runs no Python models), not
// as unknown keys (cal-itp's profile sets them).
func TestBigQueryPythonModelKeys(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\n")
	writeFile(t, dir, "profiles.yml", "p:\n  target: bq\n  outputs:\n    bq:\n      type: bigquery\n      method: oauth\n      project: proj\n      dataset: ds\n      gcs_bucket: b\n      dataproc_region: us-west2\n")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	res := elt(t, dir, "parse")
	if res.code == 0 {
		t.Fatalf("want the keys refused, got exit 0\n%s", res.stdout)
	}
	out := res.stdout + res.stderr
	wantAll(t, out, `profiles.yml:9:7: target "bq": gcs_bucket is not supported: it configures dbt-bigquery's Python models (Dataproc), which elt does not run`,
		`profiles.yml:10:7: target "bq": dataproc_region is not supported`)
}
