package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// writeSyntheticProject writes a deterministic layered dbt project of n
// models into dir: seeds, staging models over a source, then layers whose
// models ref 1-3 models of earlier layers, with config blocks, a macro
// call, a Jinja loop, one properties file per 100 models with generic
// tests, and a singular test. It is a measuring and correctness fixture,
// not a benchmark harness (cmd/elt-bench is).
func writeSyntheticProject(t testing.TB, dir string, n int) {
	t.Helper()
	write := func(rel, body string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("dbt_project.yml", `name: synth
version: "1.0"
profile: synth
vars:
  cutoff: 10
models:
  synth:
    +materialized: view
    mart:
      +materialized: table
`)
	write("profiles.yml", `synth:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: synth.duckdb
      threads: 4
`)
	write("macros/money.sql", `{% macro cents(col, scale=100) -%}
  ({{ col }} / {{ scale }})::numeric(16, 2)
{%- endmacro %}

{% macro pick(cols) -%}
  {%- for c in cols %}{{ c }}{% if not loop.last %}, {% endif %}{% endfor -%}
{%- endmacro %}
`)
	write("seeds/raw_ids.csv", "id,amount\n1,100\n2,250\n")
	write("models/sources.yml", `version: 2
sources:
  - name: raw
    schema: main
    tables:
      - name: events
      - name: users
`)
	layerSize := max(10, n/10)
	var props strings.Builder
	flush := func(i int) {
		if props.Len() == 0 {
			return
		}
		write(fmt.Sprintf("models/props/props_%05d.yml", i/100), "version: 2\nmodels:\n"+props.String())
		props.Reset()
	}
	for i := 0; i < n; i++ {
		name := "m" + strconv.Itoa(i)
		layer := i / layerSize
		folder := "staging"
		if layer > 0 {
			folder = "inter"
		}
		if layer >= 8 {
			folder = "mart"
		}
		var b strings.Builder
		if i%3 == 0 {
			fmt.Fprintf(&b, "{{ config(tags=['t%d', 'layer%d']) }}\n", i%7, layer)
		}
		if layer == 0 {
			src := "events"
			if i%2 == 1 {
				src = "users"
			}
			fmt.Fprintf(&b, "select id, {{ cents('amount') }} as dollars, %d as k\nfrom {{ source('raw', '%s') }}\n", i, src)
			if i == 0 {
				b.Reset()
				b.WriteString("select * from {{ ref('raw_ids') }}\n")
			}
		} else {
			refs := 1 + i%3
			b.WriteString("with\n")
			for r := 0; r < refs; r++ {
				// deterministic upstreams from earlier layers
				up := (i*7919 + r*104729) % (layer * layerSize)
				if r > 0 {
					b.WriteString(",\n")
				}
				fmt.Fprintf(&b, "u%d as (select * from {{ ref('m%d') }})", r, up)
			}
			b.WriteString("\nselect u0.id,\n  {% for c in ['a', 'b', 'c'] %}u0.k + {{ loop.index }} as {{ c }}_{{ var('cutoff') }},\n  {% endfor %}{{ pick(['u0.dollars']) }}\nfrom u0\n")
			for r := 1; r < refs; r++ {
				fmt.Fprintf(&b, "join u%d using (id)\n", r)
			}
			b.WriteString("where u0.k > {{ var('cutoff') }}\n")
		}
		write(fmt.Sprintf("models/%s/l%d/%s.sql", folder, layer, name), b.String())
		fmt.Fprintf(&props, "  - name: %s\n    description: model %d of layer %d\n    columns:\n      - name: id\n        tests:\n          - not_null\n", name, i, layer)
		if i%10 == 0 {
			props.WriteString("          - unique\n")
		}
		if (i+1)%100 == 0 {
			flush(i)
		}
	}
	flush(n - 1)
	write("tests/no_negative.sql", "select * from {{ ref('m0') }} where amount < 0\n")
}

// TestWriteSyntheticProject writes a project for measuring elt by hand:
// ELT_SYNTH_DIR=/tmp/p10k ELT_SYNTH_MODELS=10000 go test ./cmd/elt -run TestWriteSyntheticProject
func TestWriteSyntheticProject(t *testing.T) {
	dir := os.Getenv("ELT_SYNTH_DIR")
	if dir == "" {
		t.Skip("set ELT_SYNTH_DIR (and ELT_SYNTH_MODELS) to write a synthetic project")
	}
	n, err := strconv.Atoi(os.Getenv("ELT_SYNTH_MODELS"))
	if err != nil {
		t.Fatalf("ELT_SYNTH_MODELS: %v", err)
	}
	writeSyntheticProject(t, dir, n)
}
