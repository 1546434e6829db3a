package loaders

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/bigquery"
	"github.com/elt-dev/elt/adapters/snowflake"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/staged")

// Staged bulk loads for Snowflake (PUT + COPY INTO) and BigQuery (a load
// job), pinned by golden files.
func TestStagedPlansGolden(t *testing.T) {
	dir, _ := filepath.Abs(filepath.Join("testdata", "staged"))
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	cases := []struct {
		name    string
		d       adapters.Dialect
		yaml    string
		file    string
		project string
	}{
		{"snowflake_replace_csv", snowflake.Driver().Dialect, "write_disposition: replace\n    options: {path: orders.csv}", "orders.csv", "ANALYTICS"},
		{"snowflake_merge_tsv_latin1", snowflake.Driver().Dialect, "write_disposition: merge\n    primary_key: id\n    options: {path: people.tsv, encoding: latin-1}", "people.tsv", "ANALYTICS"},
		{"bigquery_append_csv", bigquery.Driver().Dialect, "write_disposition: append\n    options: {path: orders.csv}", "orders.csv", "my-project"},
		{"bigquery_merge_tsv", bigquery.Driver().Dialect, "write_disposition: merge\n    primary_key: id\n    schema_contract: freeze\n    options: {path: people.tsv, encoding: latin-1}", "people.tsv", "my-project"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := parseOne(t, "loaders:\n  - name: "+tc.name+"\n    connector: files\n    lands: {source: raw, table: t}\n    "+tc.yaml+"\n", nil)
			rel := adapters.Relation{Database: tc.project, Schema: "raw", Identifier: "t"}
			plan, err := PlanStaged(tc.d, l, rel, "0123abcd", now, []string{filepath.Join(dir, tc.file)})
			if err != nil {
				t.Fatal(err)
			}
			got := strings.ReplaceAll(plan.String(), filepath.ToSlash(dir), "<testdata>")
			golden := filepath.Join("testdata", "staged", tc.name+".sql")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if got != string(want) {
				t.Errorf("plan differs from %s (run with -update after checking):\n--- want\n%s\n--- got\n%s", golden, want, got)
			}
		})
	}
	// Only CSV/TSV files have a staged plan.
	l := parseOne(t, "loaders:\n  - name: x\n    connector: files\n    lands: {source: raw, table: t}\n    options: {path: a.parquet}\n", nil)
	if _, err := PlanStaged(snowflake.Driver().Dialect, l, adapters.Relation{Database: "D", Schema: "raw", Identifier: "t"}, "id", now, []string{"a.parquet"}); err == nil || !strings.Contains(err.Error(), "not parquet") {
		t.Fatalf("want a refusal for parquet, got %v", err)
	}
}
