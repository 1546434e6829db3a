// Package benchgen writes deterministic synthetic dbt-format projects for
// benchmarks: a layered DAG of models (1-3 refs each, Jinja loops, macro
// calls, config blocks), one properties file with data tests per 100
// models, and a few seeds. The same options always write the same bytes.
//
// It does not run anything: cmd/elt-bench measures elt on what it writes.
package benchgen

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// LayerWidth is how many models share one layer of the DAG; a model refs
// only models of the layer below, so up to LayerWidth models can run at once.
const LayerWidth = 100

// SeedRows is how many rows each generated seed holds.
const SeedRows = 10

// Options say what to generate.
type Options struct {
	Models       int    // number of models, at least 1
	Seeds        int    // number of seeds (0 means 4)
	Materialized string // "table" or "view" (default "view")
	Database     string // the DuckDB file profiles.yml points at (default "bench.duckdb", relative to the project)
}

// ProjectName is the generated project's name (and profile's).
const ProjectName = "bench"

// ModelName is the name of model i (0-based).
func ModelName(i int) string { return fmt.Sprintf("m_%06d", i) }

// SeedName is the name of seed i (0-based).
func SeedName(i int) string { return fmt.Sprintf("seed_%02d", i) }

// Parents are the models that model i refs: 1-3 models of the layer below,
// chosen by a fixed hash of i. Models of the first layer ref no model.
func Parents(i int) []int {
	layer := i / LayerWidth
	if layer == 0 {
		return nil
	}
	below := (layer - 1) * LayerWidth
	n := 1 + int(mix(uint64(i))%3)
	out := make([]int, 0, n)
	for k := 0; len(out) < n; k++ {
		p := below + int(mix(uint64(i)*7+uint64(k)+1)%LayerWidth)
		dup := false
		for _, q := range out {
			dup = dup || q == p
		}
		if !dup {
			out = append(out, p)
		}
	}
	return out
}

// mix is SplitMix64's finalizer: a fixed, well-spread hash.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Write writes the project into dir, which it creates if needed. Existing
// files with other names are left alone.
func Write(dir string, opt Options) error {
	if opt.Models < 1 {
		return fmt.Errorf("benchgen: %d models: want at least 1", opt.Models)
	}
	if opt.Seeds <= 0 {
		opt.Seeds = 4
	}
	if opt.Materialized == "" {
		opt.Materialized = "view"
	}
	if opt.Materialized != "view" && opt.Materialized != "table" {
		return fmt.Errorf("benchgen: materialized %q: want table or view", opt.Materialized)
	}
	if opt.Database == "" {
		opt.Database = "bench.duckdb"
	}
	files := map[string][]byte{
		"dbt_project.yml":  []byte(projectFile(opt)),
		"profiles.yml":     []byte(profilesFile(opt)),
		"macros/bench.sql": []byte(macrosFile),
	}
	for s := range opt.Seeds {
		files["seeds/"+SeedName(s)+".csv"] = seedFile(s)
	}
	var props bytes.Buffer
	for i := range opt.Models {
		layer := i / LayerWidth
		files[modelPath(i)] = []byte(modelFile(i, opt))
		if i%LayerWidth == 0 {
			props.Reset()
			props.WriteString("version: 2\n\nmodels:\n")
		}
		writeModelProps(&props, i)
		if i%LayerWidth == LayerWidth-1 || i == opt.Models-1 {
			files[fmt.Sprintf("models/layer_%04d/_layer_%04d.yml", layer, layer)] = bytes.Clone(props.Bytes())
		}
	}
	for name, data := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("benchgen: %w", err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return fmt.Errorf("benchgen: %w", err)
		}
	}
	return nil
}

// ModelPath is model i's file, relative to the project.
func ModelPath(i int) string { return modelPath(i) }

func modelPath(i int) string {
	return fmt.Sprintf("models/layer_%04d/%s.sql", i/LayerWidth, ModelName(i))
}

func projectFile(opt Options) string {
	return fmt.Sprintf(`name: %s
version: "1.0.0"
config-version: 2
profile: %s

model-paths: ["models"]
seed-paths: ["seeds"]
macro-paths: ["macros"]

vars:
  bench_modulus: 1000003

models:
  %s:
    +materialized: %s
`, ProjectName, ProjectName, ProjectName, opt.Materialized)
}

func profilesFile(opt Options) string {
	return fmt.Sprintf(`%s:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: %q
      threads: 4
`, ProjectName, opt.Database)
}

// The macros: one with a loop over its arguments, one that calls another.
const macrosFile = `{% macro bench_sum(col, n) -%}
{%- for k in range(1, n + 1) -%}
coalesce(src_{{ k }}.{{ col }}, 0){{ " + " if not loop.last }}
{%- endfor -%}
{%- endmacro %}

{% macro bench_mod(expr) -%}
({{ expr }}) % {{ var('bench_modulus') }}
{%- endmacro %}
`

func seedFile(s int) []byte {
	var b strings.Builder
	b.WriteString("id,amount,label\n")
	for r := range SeedRows {
		fmt.Fprintf(&b, "%d,%d,s%d_r%d\n", r, (r*31+s*7)%97, s, r)
	}
	return []byte(b.String())
}

// modelFile is model i's SQL: every model yields (id, amount) over ids
// 0..9. A first-layer model reads a seed or generates its rows; any other
// joins its parents in a Jinja loop.
func modelFile(i int, opt Options) string {
	var b strings.Builder
	layer := i / LayerWidth
	fmt.Fprintf(&b, "{{ config(materialized='%s', tags=['layer_%d']) }}\n", opt.Materialized, layer)
	parents := Parents(i)
	if len(parents) == 0 {
		if i%2 == 0 {
			fmt.Fprintf(&b, "select id, amount from {{ ref('%s') }}\n", SeedName((i/2)%max(opt.Seeds, 1)))
		} else {
			fmt.Fprintf(&b, "select range::integer as id, ((range * %d) %% 101)::integer as amount\nfrom range(%d)\n", i%13+1, SeedRows)
		}
		return b.String()
	}
	names := make([]string, len(parents))
	for k, p := range parents {
		names[k] = "'" + ModelName(p) + "'"
	}
	fmt.Fprintf(&b, "{%%- set parents = [%s] %%}\n", strings.Join(names, ", "))
	b.WriteString(`with
{%- for p in parents %}
src_{{ loop.index }} as (select id, amount from {{ ref(p) }}){{ "," if not loop.last }}
{%- endfor %}
select src_1.id, {{ bench_mod(bench_sum('amount', parents | length)) }} as amount
from src_1
{%- for p in parents[1:] %}
left join src_{{ loop.index + 1 }} using (id)
{%- endfor %}
`)
	return b.String()
}

// writeModelProps describes model i: a description, and data tests on id
// (not_null always, unique on every tenth model).
func writeModelProps(b *bytes.Buffer, i int) {
	fmt.Fprintf(b, "  - name: %s\n    description: \"Synthetic model %d.\"\n    columns:\n      - name: id\n        data_tests:\n          - not_null\n", ModelName(i), i)
	if i%10 == 0 {
		b.WriteString("          - unique\n")
	}
}

// WriteCSV writes a CSV file of about size bytes (at least one row) for
// seed benchmarks: an integer id, a decimal amount, a date, a timestamp, a
// boolean and a text label, in rows that differ deterministically.
func WriteCSV(path string, size int64) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("benchgen: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("benchgen: %w", cerr)
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	n, err := w.WriteString("id,amount,day,updated_at,active,label\n")
	if err != nil {
		return fmt.Errorf("benchgen: %w", err)
	}
	written := int64(n)
	var line []byte
	for r := int64(0); r == 0 || written < size; r++ {
		h := mix(uint64(r))
		line = line[:0]
		line = strconv.AppendInt(line, r, 10)
		line = append(line, ',')
		line = strconv.AppendInt(line, int64(h%1000000), 10)
		line = append(line, '.')
		line = append(line, byte('0'+h/7%10), byte('0'+h/70%10))
		line = fmt.Appendf(line, ",20%02d-%02d-%02d,20%02d-%02d-%02d %02d:%02d:%02d,",
			h/11%30, h/13%12+1, h/17%28+1, h/19%30, h/23%12+1, h/29%28+1, h/31%24, h/37%60, h/41%60)
		if h&1 == 0 {
			line = append(line, "true,"...)
		} else {
			line = append(line, "false,"...)
		}
		line = append(line, "label_"...)
		line = strconv.AppendUint(line, h%50000, 36)
		line = append(line, '\n')
		n, err := w.Write(line)
		if err != nil {
			return fmt.Errorf("benchgen: %w", err)
		}
		written += int64(n)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("benchgen: %w", err)
	}
	return nil
}
