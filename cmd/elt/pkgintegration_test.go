package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// integrationProject is a dbt package's own integration test project
// (integration_tests/ in its release tarball), run as its CI runs it.
type integrationProject struct {
	tarball string   // in ../shared/dbt-packages
	name    string   // the package's name (its folder in dbt_packages/)
	deps    []string // tarballs of the packages it installs from the hub
	depName []string // their names
	steps   [][]string
	// notPassing are the nodes that do not pass on each warehouse, with
	// the reason in a comment: what dbt itself gives there (the package
	// does not support that warehouse, or its data is random).
	notPassing map[string][]string
	// skipped is how many nodes are skipped because a parent failed.
	skipped map[string]int
	// random are tests over random data (rand() in the project's models)
	// that pass or fail by chance, under dbt as under elt.
	random []string
	// compileExclude are left out when the project's compiles with and
	// without the caches are compared (compareCompileCaches), on either
	// warehouse: nodes whose compile fails on DuckDB, and ones that render
	// the current time.
	compileExclude []string
}

var integrationProjects = []integrationProject{
	{
		tarball: "dbt-utils-1.4.1.tar.gz", name: "dbt_utils",
		steps: [][]string{{"build"}},
		notPassing: map[string][]string{
			"postgres": nil,
			// dbt_utils does not support DuckDB (its supported_adapters.env);
			// under dbt-duckdb these fail alike:
			"duckdb": {
				"test_date_spine",                                 // '2018-01-01' + interval: DuckDB will not guess the literal's type
				"test_get_relations_by_pattern",                   // <db>.information_schema.tables does not exist in DuckDB
				"test_get_relations_by_prefix_and_union",          // same
				"assert_equal_test_width_bucket_actual__expected", // float (REAL) → numeric cast is inexact in DuckDB
				"dbt_utils_equality_data_test_equality_floats_a_ref_data_test_equality_floats_b___8", // REAL keeps 7 digits, so precision 8 finds no difference
			},
		},
		skipped: map[string]int{"duckdb": 6},
		// information_schema.tables, and an equality test against the
		// model that did not build.
		compileExclude: []string{"test_date_spine+", "test_get_relations_by_pattern+", "test_get_relations_by_prefix_and_union+"},
	},
	{
		tarball: "dbt-expectations-0.10.9.tar.gz", name: "dbt_expectations",
		deps: []string{"dbt-date-0.21.0.tar.gz"}, depName: []string{"dbt_date"},
		steps:      [][]string{{"build"}},
		notPassing: map[string][]string{"postgres": nil, "duckdb": nil},
		// z-scores of 4 sums of random values: none may exceed 1 sigma.
		random: []string{"dbt_expectations_expect_column_values_to_be_within_n_stdevs_timeseries_data_grouped_row_value__group_id__1"},
	},
	{
		tarball: "dbt-date-0.21.0.tar.gz", name: "dbt_date",
		steps:      [][]string{{"build"}},
		notPassing: map[string][]string{"postgres": nil, "duckdb": nil},
	},
	{
		// codegen's CI: create a source table, then seed, run and test.
		tarball: "dbt-codegen-0.14.1.tar.gz", name: "codegen",
		deps: []string{"dbt-utils-1.4.1.tar.gz"}, depName: []string{"dbt_utils"},
		steps: [][]string{{"run-operation", "create_source_table"}, {"seed", "--full-refresh"}, {"run"}, {"test"}},
		notPassing: map[string][]string{
			"postgres": nil,
			// codegen does not support DuckDB; under dbt-duckdb these fail alike:
			"duckdb": {
				"test_generate_model_yaml", // expects Postgres' type names (text), DuckDB says varchar
				// generate_source lists tables from <db>.information_schema.tables, which DuckDB lacks
				"test_generate_source", "test_generate_source_all_args", "test_generate_source_exclude",
				"test_generate_source_include_database_property", "test_generate_source_include_schema_property",
				"test_generate_source_table_descriptions", "test_generate_source_table_name", "test_generate_source_table_pattern",
			},
		},
		compileExclude: []string{
			"test_generate_source", "test_generate_source_all_args", "test_generate_source_exclude",
			"test_generate_source_include_database_property", "test_generate_source_include_schema_property",
			"test_generate_source_table_descriptions", "test_generate_source_table_name", "test_generate_source_table_pattern",
		},
	},
	{
		tarball: "dbt-audit-helper-0.12.2.tar.gz", name: "audit_helper",
		deps: []string{"dbt-utils-1.4.1.tar.gz"}, depName: []string{"dbt_utils"},
		steps: [][]string{{"build", "--exclude", "tag:skip"}},
		notPassing: map[string][]string{
			// The struct unit tests' SQL fixtures call the project's
			// _basic_json_function, which raises "Unknown adapter
			// 'postgres'" (its parents are tagged skip on Postgres); as in
			// dbt 1.8's build, their model unit_compare_classify_struct is
			// then skipped.
			"postgres": {
				"compare_classify_complex_struct", "compare_classify_complex_struct_different_values", "compare_classify_simple_struct",
				"unit_compare_classify_complex_struct_identical_values_different_order",
				"unit_compare_classify_struct_identical_values_different_order", "unit_compare_classify_struct_removed_key",
			},
			// audit_helper does not support DuckDB:
			"duckdb": {
				"unit_test_struct_model_a", "unit_test_struct_model_b", // the project's macro raises "Unknown adapter 'duckdb'"
				"compare_and_classify_query_results", // count(distinct a, b): not in DuckDB
				// unit_compare_classify's unit tests: count(distinct a, b) again (the model is skipped)
				"compare_classify_all_statuses", "compare_classify_all_statuses_different_column_set", "compare_classify_identical_tables",
				"compare_classify_identical_tables_event_time_filter", "compare_classify_identical_tables_multi_null_pk_dupe_rows",
				"compare_classify_identical_tables_multiple_null_pk", "compare_classify_identical_tables_multiple_pk_cols",
				"compare_classify_identical_tables_single_null_pk", "compare_classify_identical_tables_without_pk_in_cols_list",
				// unit_quick_are_queries_identical's unit tests: raise_compiler_error, not implemented for duckdb (the model is skipped)
				"quick_are_queries_identical_differences", "quick_are_queries_identical_identical_tables",
				"quick_are_queries_identical_identical_tables_event_time_filter", "quick_are_queries_identical_identical_tables_with_null_pks",
			},
		},
		// DuckDB: unit_compare_classify_struct (its parents failed) and its 6
		// unit tests, unit_compare_classify and unit_quick_are_queries_identical
		// (a unit test failed).
		skipped: map[string]int{"duckdb": 9, "postgres": 1},
		// Their compiles raise on DuckDB; compare_and_classify_query_results
		// renders the current time.
		compileExclude: []string{"tag:skip", "unit_test_struct_model_a+", "unit_test_struct_model_b+",
			"unit_quick_are_queries_identical+", "compare_and_classify_query_results"},
	},
}

// TestPackageIntegrationProjects runs the integration test projects of
// the dbt packages in ../shared on DuckDB and, with ELT_TEST_POSTGRES_URL
// set, on Postgres, and checks which nodes pass.
func TestPackageIntegrationProjects(t *testing.T) {
	shared := sharedPackages(t)
	for _, p := range integrationProjects {
		for _, wh := range []string{"duckdb", "postgres"} {
			t.Run(p.name+"/"+wh, func(t *testing.T) {
				if wh == "postgres" {
					// A schema of its own per run: codegen's setup cannot
					// drop a table that a previous run's views read.
					pgEnv(t, fmt.Sprintf("it_%s_%d", p.name, time.Now().UnixNano()%1e9))
				}
				root := t.TempDir()
				unpackTarball(t, filepath.Join(shared, p.tarball), root)
				dir := filepath.Join(root, "integration_tests")
				// What elt deps installs: the package itself (local: ../)
				// and its hub dependencies.
				unpackTarball(t, filepath.Join(shared, p.tarball), filepath.Join(dir, "dbt_packages", p.name))
				for i, d := range p.deps {
					unpackTarball(t, filepath.Join(shared, d), filepath.Join(dir, "dbt_packages", p.depName[i]))
				}
				os.Remove(filepath.Join(dir, "package-lock.yml"))
				profiles := t.TempDir()
				writeFile(t, profiles, "profiles.yml", `integration_tests:
  target: `+wh+`
  outputs:
    duckdb:
      type: duckdb
      path: "`+filepath.ToSlash(filepath.Join(dir, "it.duckdb"))+`"
      threads: 4
    postgres:
      type: postgres
      host: "{{ env_var('ELT_PG_HOST') }}"
      port: "{{ env_var('ELT_PG_PORT') | as_number }}"
      user: "{{ env_var('ELT_PG_USER') }}"
      password: "{{ env_var('ELT_PG_PASSWORD') }}"
      dbname: "{{ env_var('ELT_PG_DBNAME') }}"
      schema: "{{ env_var('ELT_PG_SCHEMA') }}"
      threads: 4
`)
				var out strings.Builder
				results := map[string]rrEntry{}
				for _, step := range p.steps {
					rr := filepath.Join(dir, "target", "run_results.json")
					os.Remove(rr)
					res := elt(t, dir, append(step, "--profiles-dir", profiles)...)
					out.WriteString(res.stdout + res.stderr)
					if step[0] == "run-operation" {
						if res.code != 0 {
							t.Fatalf("%s: exit %d\n%s", strings.Join(step, " "), res.code, tail(out.String(), 40))
						}
						continue
					}
					for k, v := range readRunResults(t, rr) {
						results[k] = v
					}
				}
				var bad []string
				skipped := 0
				for name, r := range results {
					switch r.Status {
					case "success", "pass", "warn":
					case "skipped":
						skipped++
					default:
						if !slices.Contains(p.random, name) {
							bad = append(bad, name)
						}
					}
				}
				if skipped != p.skipped[wh] {
					t.Errorf("%d nodes skipped, want %d", skipped, p.skipped[wh])
				}
				sort.Strings(bad)
				want := append([]string(nil), p.notPassing[wh]...)
				sort.Strings(want)
				if strings.Join(bad, "\n") != strings.Join(want, "\n") {
					t.Errorf("%d nodes; not passing:\n  %s\nwant:\n  %s\n%s", len(results), strings.Join(bad, "\n  "), strings.Join(want, "\n  "), tail(out.String(), 60))
				}
				if len(results) < 30 {
					t.Errorf("only %d nodes ran", len(results))
				}
				compareCompileCaches(t, dir, profiles, p.compileExclude)
			})
		}
	}
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// compareCompileCaches compiles a built project without the caches, then
// with them cold, warm, after one model file changed, after a
// description in a properties YAML file changed and after a macro file
// changed, and checks that
// target/compiled and the manifest are the same byte for byte each time
// (the invocation's id and timestamps aside): the caches hold on the
// Jinja real packages run, not only on elt-bench's projects.
func compareCompileCaches(t *testing.T, dir, profiles string, exclude []string) {
	t.Helper()
	args := []string{"--profiles-dir", profiles}
	if len(exclude) > 0 {
		args = append(append(args, "--exclude"), exclude...)
	}
	same := func(step string, got, want map[string]string) {
		t.Helper()
		var diffs []string
		for name, w := range want {
			if g, ok := got[name]; !ok {
				diffs = append(diffs, name+": missing")
			} else if g != w {
				diffs = append(diffs, name+": differs:\n"+firstDifference(g, w))
			}
		}
		for name := range got {
			if _, ok := want[name]; !ok {
				diffs = append(diffs, name+": written only with the caches")
			}
		}
		sort.Strings(diffs)
		if len(diffs) > 0 {
			t.Errorf("%s: %d of %d files differ from a compile without the caches:\n  %s",
				step, len(diffs), len(want), strings.Join(diffs[:min(len(diffs), 10)], "\n  "))
		}
	}

	want := freshCompile(t, dir, args)
	if len(want) < 20 {
		t.Fatalf("only %d files compiled", len(want))
	}
	os.RemoveAll(filepath.Join(dir, "target"))
	compileStats(t, dir, nil, args...)
	same("cold caches", targetSnapshot(t, dir), want)
	if st := compileStats(t, dir, nil, args...); st.ParseHits == 0 {
		t.Errorf("warm caches: %+v; want renders reused", st)
	}
	same("warm caches", targetSnapshot(t, dir), want)

	// One model changes: the cached compile, then a fresh one of the
	// changed project to compare it with.
	left := map[string]bool{}
	for _, e := range exclude {
		left[strings.TrimSuffix(e, "+")] = true
	}
	var model string
	err := filepath.WalkDir(filepath.Join(dir, "models"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && model == "" && !d.IsDir() && strings.HasSuffix(p, ".sql") && !left[strings.TrimSuffix(d.Name(), ".sql")] {
			model = p
		}
		return err
	})
	if err != nil || model == "" {
		t.Fatalf("no model file (%v)", err)
	}
	body, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(model, append(body, "\n-- changed\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	compileStats(t, dir, nil, args...)
	changed := targetSnapshot(t, dir)
	same("caches after "+filepath.Base(model)+" changed", changed, freshCompile(t, dir, args))

	// A description in a properties YAML file changes: the cached compile
	// renders again what it reaches, not the whole project.
	compileStats(t, dir, nil, args...)
	if yml := editDescription(t, filepath.Join(dir, "models")); yml != "" {
		st := compileStats(t, dir, nil, args...)
		if st.ParseHits == 0 {
			t.Errorf("after a description in %s changed: %+v; want the renders it does not reach reused", yml, st)
		}
		t.Logf("a description in %s changed: %d renders reused, %d rendered again", yml, st.ParseHits, st.ParseMisses)
		same("caches after a description in "+yml+" changed", targetSnapshot(t, dir), freshCompile(t, dir, args))
	}

	// A macro file changes (a comment added): the renders that called its
	// macros, and every compile render, run again; the rest are reused.
	compileStats(t, dir, nil, args...)
	if mac := touchMacroFile(t, filepath.Join(dir, "macros")); mac != "" {
		st := compileStats(t, dir, nil, args...)
		t.Logf("macro file %s changed: %d renders reused, %d rendered again", mac, st.ParseHits, st.ParseMisses)
		same("caches after macro file "+mac+" changed", targetSnapshot(t, dir), freshCompile(t, dir, args))
	}

	// A macro file added: one macro no render names, and an override of
	// dbt's dispatched type_string (which dbt_utils' macros call). The
	// cache renders again only what may read the new names, and the
	// result is a fresh compile's.
	compileStats(t, dir, nil, args...)
	added := filepath.Join(dir, "macros", "elt_cache_added.sql")
	if err := os.MkdirAll(filepath.Dir(added), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(added, []byte("{% macro elt_cache_unused() %}1{% endmacro %}\n"+
		"{% macro duckdb__type_string() %}varchar /* overridden */{% endmacro %}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	st := compileStats(t, dir, nil, args...)
	t.Logf("a macro file added: %d renders reused, %d rendered again", st.ParseHits, st.ParseMisses)
	same("caches after a macro file was added", targetSnapshot(t, dir), freshCompile(t, dir, args))

	// compile -s of that model: the manifest's other nodes uncompiled.
	name := strings.TrimSuffix(filepath.Base(model), ".sql")
	sel := append([]string{"-s", name}, args...)
	want = freshCompile(t, dir, sel)
	compileStats(t, dir, nil, args...)
	// What the full compile wrote is not compile -s's to compare.
	os.RemoveAll(filepath.Join(dir, "target", "compiled"))
	compileStats(t, dir, nil, sel...)
	same("compile -s "+name+" with the caches", targetSnapshot(t, dir), want)
}

// oneLineDescription is a description written on one line.
var oneLineDescription = regexp.MustCompile(`(?m)^(\s+)description:[ \t]*("[^"\n]*"|'[^'\n]*'|[^"'|>\s#][^#\n]*)$`)

// editDescription rewrites the first one-line description of a properties
// YAML file under dir and returns the file's name ("" when none has one).
func editDescription(t *testing.T, dir string) string {
	t.Helper()
	var edited string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || edited != "" || d.IsDir() || !(strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		loc := oneLineDescription.FindSubmatchIndex(b)
		if loc == nil {
			return nil
		}
		out := append(append(append([]byte(nil), b[:loc[4]]...), `"edited by the cache comparison"`...), b[loc[5]:]...)
		edited = filepath.Base(p)
		return os.WriteFile(p, out, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return edited
}

// touchMacroFile adds a Jinja comment to the first .sql file under dir
// and returns its name ("" when there is none).
func touchMacroFile(t *testing.T, dir string) string {
	t.Helper()
	var touched string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || touched != "" || d.IsDir() || !strings.HasSuffix(p, ".sql") {
			if os.IsNotExist(err) {
				return filepath.SkipAll
			}
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		touched = filepath.Base(p)
		return os.WriteFile(p, append(b, "\n{# edited by the cache comparison #}\n"...), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return touched
}

// freshCompile compiles with args and without the caches into an empty
// target directory, and returns what it wrote (targetSnapshot).
func freshCompile(t *testing.T, dir string, args []string) map[string]string {
	t.Helper()
	os.RemoveAll(filepath.Join(dir, "target"))
	res := eltWith(t, dir, nil, append([]string{"compile", "--no-check", "--no-partial-parse"}, args...)...)
	if res.code != 0 {
		t.Fatalf("compile %s without the caches: exit %d\n%s", strings.Join(args, " "), res.code, tail(res.stdout+res.stderr, 30))
	}
	return targetSnapshot(t, dir)
}
