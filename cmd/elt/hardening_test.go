package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// treeHashes maps every file below root, except those under skip (relative,
// slash-separated folders), to the hash of its contents.
func treeHashes(t *testing.T, root string, skip ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		for _, s := range skip {
			if rel == s || strings.HasPrefix(rel, s+"/") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		if d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[rel] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameTree reports files added, removed or changed between two treeHashes.
func sameTree(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	for f, h := range after {
		if before[f] != h {
			t.Errorf("%s: %s was written", what, f)
		}
	}
	for f := range before {
		if _, ok := after[f]; !ok {
			t.Errorf("%s: %s was removed", what, f)
		}
	}
}

// TestHardening holds a regression case for every defect and weak spot of
// the bad-input probe: the exit code, the message with its file:line, and
// that nothing outside target/ changed — the project's files, the DuckDB
// file (built once before the bad input is added) and a folder beside the
// project that a bad name might aim at.
func TestHardening(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, dir string)
		args  []string
		code  int
		want  []string // substrings of stdout+stderr
		// wantRe are regular expressions the output must match (positions).
		wantRe []string
		absent []string // substrings, matched without case, that must not appear
		after  func(t *testing.T, dir string, res cliResult)
	}{
		{
			name: "path traversal through a test name (compile)",
			setup: func(t *testing.T, dir string) {
				appendFile(t, dir, "models/example/schema.yml", "    data_tests:\n      - not_null:\n          column_name: city\n          name: "+strings.Repeat("../", 12)+"victim/notes\n")
			},
			args: []string{"compile"}, code: 2,
			want: []string{"models/example/schema.yml:22:17", `invalid test name "../../`, "hint:"},
		},
		{
			name: "path traversal through a test name (build)",
			setup: func(t *testing.T, dir string) {
				appendFile(t, dir, "models/example/schema.yml", "    data_tests:\n      - not_null:\n          column_name: city\n          name: ../../victim/notes\n")
			},
			code: 2, want: []string{"models/example/schema.yml:22:17", "invalid test name"},
		},
		{
			name: "YAML alias bomb",
			setup: func(t *testing.T, dir string) {
				var b strings.Builder
				b.WriteString("version: 2\nmodels:\n  - name: people\n    config:\n      meta:\n        l0: &a0 [x, x, x, x, x, x, x, x, x]\n")
				for i := 1; i <= 9; i++ {
					refs := strings.TrimSuffix(strings.Repeat("*a"+strconv.Itoa(i-1)+", ", 9), ", ")
					b.WriteString("        l" + strconv.Itoa(i) + ": &a" + strconv.Itoa(i) + " [" + refs + "]\n")
				}
				writeFile(t, dir, "models/example/bomb.yml", b.String())
			},
			args: []string{"compile"}, code: 2,
			want: []string{"models/example/bomb.yml:12:", "YAML aliases expand to more than"},
		},
		{
			name: "secret env var in a model",
			setup: func(t *testing.T, dir string) {
				t.Setenv("DBT_ENV_SECRET_TOKEN", "tok-ABC-123")
				writeFile(t, dir, "models/example/leak.sql", "-- a model\nselect '{{ env_var(\"DBT_ENV_SECRET_TOKEN\") }}' as token\n")
			},
			code: 2, want: []string{"models/example/leak.sql:2", "Secret env vars are allowed only in profiles.yml or packages.yml"},
			absent: []string{"tok-ABC-123"},
			after: func(t *testing.T, dir string, _ cliResult) {
				noFileHolds(t, filepath.Join(dir, "target"), "tok-ABC-123")
			},
		},
		{
			name: "secret env var in dbt_project.yml",
			setup: func(t *testing.T, dir string) {
				t.Setenv("DBT_ENV_SECRET_TOKEN", "tok-ABC-123")
				appendFile(t, dir, "dbt_project.yml", "      +meta:\n        token: \"{{ env_var('DBT_ENV_SECRET_TOKEN') }}\"\n")
			},
			code: 2, want: []string{"dbt_project.yml:", "Secret env vars are allowed only in profiles.yml"},
			absent: []string{"tok-ABC-123"},
		},
		{
			name: "secret in a profile setting is scrubbed whatever its case",
			setup: func(t *testing.T, dir string) {
				t.Setenv("DBT_ENV_SECRET_KEY", "MySecretValue")
				appendFile(t, dir, "profiles.yml", "      settings:\n        default_order: \"{{ env_var('DBT_ENV_SECRET_KEY') }}\"\n")
			},
			code: 1, want: []string{"*****"}, absent: []string{"mysecretvalue"},
		},
		{
			name: "duplicate profile key: the last one is used and the warning says so",
			setup: func(t *testing.T, dir string) {
				replaceIn(t, dir, "dbt_project.yml", "profile: demo\n", "profile: elsewhere\nprofile: demo\n")
			},
			args: []string{"compile"}, code: 0,
			want: []string{"dbt_project.yml:5:1: warning: profile is set twice (first at line 4); the value at line 5 is used"},
		},
		{
			name: "duplicate profile key: a missing last profile is reported at its line",
			setup: func(t *testing.T, dir string) {
				replaceIn(t, dir, "dbt_project.yml", "profile: demo\n", "profile: demo\nprofile: elsewhere\n")
			},
			args: []string{"compile"}, code: 2,
			want: []string{`dbt_project.yml:5:1: profile "elsewhere" not found in profiles.yml`, "available profiles in profiles.yml: demo"},
		},
		{
			name: "quote: true reaches the generic tests",
			setup: func(t *testing.T, dir string) {
				writeFile(t, dir, "models/example/grp.sql", "select 1 as \"group\", 'a' as \"Order\"\n")
				writeFile(t, dir, "models/example/grp.yml", "version: 2\nmodels:\n  - name: grp\n    columns:\n      - name: group\n        quote: true\n        data_tests: [not_null, unique, {accepted_values: {values: [1]}}]\n      - name: Order\n        quote: true\n        data_tests: [not_null]\n")
			},
			args: []string{"build", "-s", "grp+"}, code: 0,
			want: []string{"PASS not_null_grp__group_", "PASS unique_grp__group_", "PASS not_null_grp__Order_", "PASS=5"},
			after: func(t *testing.T, dir string, _ cliResult) {
				// As dbt's test node: column_name is the quoted name too.
				for id, n := range readManifest(t, dir)["nodes"].(map[string]any) {
					node := n.(map[string]any)
					if node["name"] != "not_null_grp__Order_" {
						continue
					}
					kwargs := node["test_metadata"].(map[string]any)["kwargs"].(map[string]any)
					if node["column_name"] != `"Order"` || kwargs["column_name"] != `"Order"` {
						t.Errorf("%s: column_name %v, kwargs.column_name %v; want both \"Order\" quoted", id, node["column_name"], kwargs["column_name"])
					}
					return
				}
				t.Error("no not_null_grp__Order_ test in manifest.json")
			},
		},
		{
			name: "no materialized set: a view, named as one everywhere",
			setup: func(t *testing.T, dir string) {
				writeFile(t, dir, "models/plain/plain.sql", "select 42 as answer\n")
			},
			args: []string{"run", "-s", "plain"}, code: 0,
			want:   []string{"START sql view model main.plain", "OK created sql view model main.plain", "Finished running 1 view model"},
			absent: []string{"<nil>"},
			after: func(t *testing.T, dir string, _ cliResult) {
				b, err := os.ReadFile(filepath.Join(dir, "target/run/demo/models/plain/plain.sql"))
				if err != nil {
					t.Fatal(err)
				}
				run := string(b)
				// The run's schemas are made before on-run-start, as dbt
				// makes them, not among the node's statements.
				want := "create or replace view \"demo\".\"main\".\"plain\" as (\nselect 42 as answer\n);\n"
				if run != want {
					t.Errorf("target/run does not hold the statements that ran:\n%s\nwant:\n%s", run, want)
				}
			},
		},
		{
			name: "clean refuses a path outside the project before deleting anything",
			setup: func(t *testing.T, dir string) {
				replaceIn(t, dir, "dbt_project.yml", `clean-targets: ["target"]`, `clean-targets: ["target", "`+filepath.Join(filepath.Dir(dir), "victim")+`"]`)
			},
			args: []string{"clean"}, code: 2,
			want: []string{"dbt_project.yml:12:1: clean-targets entry", "is outside the project folder", "nothing was deleted"},
			after: func(t *testing.T, dir string, _ cliResult) {
				if _, err := os.Stat(filepath.Join(dir, "target")); err != nil {
					t.Error("target/ was deleted although the list was refused")
				}
			},
		},
		{
			// As dbt's clean: source paths are never cleaned.
			name: "clean refuses the project's source paths before deleting anything",
			setup: func(t *testing.T, dir string) {
				replaceIn(t, dir, "dbt_project.yml", `clean-targets: ["target"]`, `clean-targets: ["target", "models/", "seeds"]`)
			},
			args: []string{"clean"}, code: 2,
			want: []string{"dbt_project.yml:12:1: elt will not clean the project's source paths", `"models/", "seeds"`, "nothing was deleted"},
			after: func(t *testing.T, dir string, _ cliResult) {
				for _, d := range []string{"target", "models", "seeds"} {
					if _, err := os.Stat(filepath.Join(dir, d)); err != nil {
						t.Errorf("%s/ was deleted although the list was refused", d)
					}
				}
			},
		},
		{
			// dbt's clean --no-clean-project-files-only (task/clean.py):
			// clean-targets outside the project are deleted too.
			name: "clean --no-clean-project-files-only deletes a path outside the project",
			setup: func(t *testing.T, dir string) {
				writeFile(t, filepath.Dir(dir), "outside/x.log", "x")
				replaceIn(t, dir, "dbt_project.yml", `clean-targets: ["target"]`, `clean-targets: ["target", "`+filepath.Join(filepath.Dir(dir), "outside")+`"]`)
			},
			args: []string{"clean", "--no-clean-project-files-only"}, code: 0, want: []string{"Cleaned target/"},
			after: func(t *testing.T, dir string, res cliResult) {
				outside := filepath.Join(filepath.Dir(dir), "outside")
				if _, err := os.Stat(outside); err == nil {
					t.Errorf("%s is still there", outside)
				}
				if !strings.Contains(res.stdout, "Cleaned "+filepath.ToSlash(outside)+"/") {
					t.Errorf("no Cleaned line for %s:\n%s", outside, res.stdout)
				}
			},
		},
		{
			// dbt would delete it; elt never deletes the project itself.
			name: "clean --no-clean-project-files-only refuses a folder holding the project",
			setup: func(t *testing.T, dir string) {
				replaceIn(t, dir, "dbt_project.yml", `clean-targets: ["target"]`, `clean-targets: ["target", ".."]`)
			},
			args: []string{"clean", "--no-clean-project-files-only"}, code: 2,
			want: []string{"dbt_project.yml:12:1: clean-targets entry \"..\" is the project folder", "nothing was deleted"},
			after: func(t *testing.T, dir string, _ cliResult) {
				if _, err := os.Stat(filepath.Join(dir, "target")); err != nil {
					t.Error("target/ was deleted although the list was refused")
				}
			},
		},
		{
			name: "clean deletes an absolute path inside the project",
			setup: func(t *testing.T, dir string) {
				writeFile(t, dir, "logs/x.log", "x")
				replaceIn(t, dir, "dbt_project.yml", `clean-targets: ["target"]`, `clean-targets: ["target", "`+filepath.Join(dir, "logs")+`"]`)
			},
			args: []string{"clean"}, code: 0, want: []string{"Cleaned target/", "Cleaned logs/"},
			after: func(t *testing.T, dir string, _ cliResult) {
				for _, d := range []string{"target", "logs"} {
					if _, err := os.Stat(filepath.Join(dir, d)); err == nil {
						t.Errorf("%s/ is still there", d)
					}
				}
			},
		},
		// Weak spots: checked when the project loads, with positions.
		{
			name: "bad test severity",
			setup: func(t *testing.T, dir string) {
				replaceIn(t, dir, "models/example/schema.yml", "          - unique\n          - not_null\n  - name: people_per_city", "          - unique:\n              config: {severity: fatal}\n          - not_null\n  - name: people_per_city")
			},
			args: []string{"compile"}, code: 2,
			want: []string{"models/example/schema.yml:10:", `severity must be warn or error, not "fatal"`},
		},
		{
			name: "snapshot without a strategy",
			setup: func(t *testing.T, dir string) {
				writeFile(t, dir, "snapshots/s.sql", "-- history\n{% snapshot people_history %}\n{{ config(unique_key='id') }}\nselect * from {{ ref('people') }}\n{% endsnapshot %}\n")
			},
			args: []string{"compile"}, code: 2,
			want: []string{"snapshots/s.sql:3: snapshot people_history: strategy is required"},
		},
		{
			name: "tests: and data_tests: on one column",
			setup: func(t *testing.T, dir string) {
				replaceIn(t, dir, "models/example/schema.yml", "      - name: city\n        data_tests:", "      - name: city\n        tests: [not_null]\n        data_tests:")
			},
			args: []string{"compile"}, code: 2,
			want: []string{"models/example/schema.yml:17:9", `column "city" has both tests: and data_tests: (the other at line 16)`},
		},
		{
			name: "unknown key in a profile target",
			setup: func(t *testing.T, dir string) {
				appendFile(t, dir, "profiles.yml", "      extentions: [httpfs]\n")
			},
			args: []string{"compile"}, code: 2,
			want: []string{`profiles.yml:10:7: target "dev": duckdb does not support the profile key "extentions"`, "did you mean extensions?"},
		},
		{
			name: "unknown adapter type",
			setup: func(t *testing.T, dir string) {
				replaceIn(t, dir, "profiles.yml", "type: duckdb", "type: duckbd")
			},
			args: []string{"compile"}, code: 2,
			want: []string{`profiles.yml:5:7: adapter type "duckbd" of target "dev" is not supported`},
		},
		{
			name: "profile not found points at dbt_project.yml",
			setup: func(t *testing.T, dir string) {
				replaceIn(t, dir, "dbt_project.yml", "profile: demo", "profile: nope")
			},
			args: []string{"compile"}, code: 2,
			want: []string{`dbt_project.yml:4:1: profile "nope" not found in profiles.yml`},
		},
		{
			name:  "--threads 0",
			setup: func(t *testing.T, dir string) {},
			args:  []string{"build", "--threads", "0"}, code: 2,
			want: []string{"--threads must be a whole number of at least 1, not 0"},
		},
		{
			name:  "--threads negative",
			setup: func(t *testing.T, dir string) {},
			args:  []string{"run", "--threads=-3"}, code: 2,
			want: []string{"--threads must be a whole number of at least 1, not -3"},
		},
		{
			name:  "empty seed file",
			setup: func(t *testing.T, dir string) { writeFile(t, dir, "seeds/empty.csv", "") },
			args:  []string{"seed"}, code: 2,
			want: []string{"seeds/empty.csv:1: seed empty is empty"},
		},
		{
			name:  "seed header names differing only in case",
			setup: func(t *testing.T, dir string) { writeFile(t, dir, "seeds/dup.csv", "id,name,,ID\n1,a,b,c\n") },
			args:  []string{"seed"}, code: 2,
			want: []string{`seeds/dup.csv:1:10: seed dup: columns 1 and 4 are both named "ID" but for case`},
		},
		{
			name: "bad row after a very long field is reported on its own line",
			setup: func(t *testing.T, dir string) {
				writeFile(t, dir, "seeds/long.csv", "id,txt\n1,\""+strings.Repeat("x", 300_000)+"\"\n2,\"two\nlines\"\n3,a,b\n")
			},
			args: []string{"seed", "-s", "long"}, code: 1,
			want: []string{"seeds/long.csv:5: row has 3 fields, the header has 2"},
		},
		{
			name: "unclosed {{",
			setup: func(t *testing.T, dir string) {
				writeFile(t, dir, "models/example/unclosed.sql", "select 1 as a,\n  {{ ref('people') \n")
			},
			args: []string{"compile"}, code: 2,
			wantRe: []string{`models/example/unclosed\.sql:2(:\d+)?: `},
		},
		{
			name: "a file that is not a DuckDB database",
			setup: func(t *testing.T, dir string) {
				writeFile(t, dir, "other.db", "SQLite format 3\x00 and then some bytes")
				t.Setenv("ELT_DB_PATH", "other.db")
			},
			code: 1, want: []string{"other.db: the file is not a DuckDB database (it is a SQLite database)"},
			absent: []string{"Failed to download", "http://", "https://"},
		},
		{
			name: "vars holding Jinja are rendered when read",
			setup: func(t *testing.T, dir string) {
				t.Setenv("HARDENING_REGION", "eu-west")
				appendFile(t, dir, "dbt_project.yml", "vars:\n  region: \"{{ env_var('HARDENING_REGION') }}\"\n")
				writeFile(t, dir, "models/example/region.sql", "select '{{ var(\"region\") }}' as region\n")
			},
			args: []string{"compile", "-s", "region"}, code: 0,
			want: []string{"select 'eu-west' as region"},
		},
		{
			name:  "run-operation --args that is not a dictionary",
			setup: func(t *testing.T, dir string) {},
			args:  []string{"run-operation", "upper_city", "--args", "{unclosed"}, code: 2,
			want:   []string{"--args: not a YAML or JSON dictionary", "example: --args '{key: value}'"},
			absent: []string{"--vars"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := starterProject(t)
			victim := filepath.Join(filepath.Dir(dir), "victim")
			writeFile(t, victim, "notes.sql", "keep me\n")
			if res := elt(t, dir, "build"); res.code != 0 {
				t.Fatalf("the starter project does not build:\n%s%s", res.stdout, res.stderr)
			}
			tc.setup(t, dir)
			// target/ and the run history (.elt/, which records failed runs
			// too) are elt's own to write.
			before := treeHashes(t, filepath.Dir(dir), filepath.Base(dir)+"/target", filepath.Base(dir)+"/.elt")
			args := tc.args
			if args == nil {
				args = []string{"build"}
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			alloc := ms.TotalAlloc
			res := elt(t, dir, args...)
			runtime.ReadMemStats(&ms)
			if used := ms.TotalAlloc - alloc; used > 512<<20 {
				t.Errorf("the command allocated %d MiB", used>>20)
			}
			all := res.stdout + res.stderr
			if res.code != tc.code {
				t.Errorf("exit code: got %d, want %d\n%s", res.code, tc.code, all)
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %q:\n%s", w, all)
				}
			}
			for _, re := range tc.wantRe {
				if !regexp.MustCompile(re).MatchString(all) {
					t.Errorf("output does not match %s:\n%s", re, all)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(strings.ToLower(all), strings.ToLower(a)) {
					t.Errorf("output holds %q:\n%s", a, all)
				}
			}
			if strings.Contains(all, "panic") || strings.Contains(all, "goroutine ") {
				t.Errorf("output shows a crash:\n%s", all)
			}
			after := treeHashes(t, filepath.Dir(dir), filepath.Base(dir)+"/target", filepath.Base(dir)+"/.elt")
			if tc.code != 0 {
				// A refused input changes nothing outside target/: not the
				// project, not the database, not the folder beside it.
				sameTree(t, "after a refused input", before, after)
			} else {
				sameTree(t, "beside the project", only(before, "victim/"), only(after, "victim/"))
			}
			if tc.after != nil {
				tc.after(t, dir, res)
			}
		})
	}
}

func only(m map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	return out
}

func appendFile(t *testing.T, dir, rel, content string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, rel))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, rel, string(b)+content)
}

func replaceIn(t *testing.T, dir, rel, old, new string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, rel))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s does not hold %q", rel, old)
	}
	writeFile(t, dir, rel, strings.Replace(string(b), old, new, 1))
}

// noFileHolds fails when any file below dir contains s.
func noFileHolds(t *testing.T, dir, s string) {
	t.Helper()
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), s) {
			t.Errorf("%s holds %q", p, s)
		}
		return nil
	})
}
