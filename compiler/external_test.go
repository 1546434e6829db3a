package compiler

import (
	"context"
	"strings"
	"testing"

	"github.com/elt-dev/elt/jinja"
	"github.com/elt-dev/elt/project"
)

// fileDialect is testDialect whose sources may be files, as DuckDB's.
type fileDialect struct{ testDialect }

func (fileDialect) ExternalSources() bool { return true }

// The expected values below are what dbt-duckdb's Python gives for the same
// inputs (str.format_map, %, string.Template, and its
// external_write_options / external_read_location).

func TestExternalSourceRendering(t *testing.T) {
	cases := []struct {
		name   string
		meta   map[string]any
		config project.Config
		tags   []string
		want   string // rendered source, or the error's text
	}{
		{"path is quoted", map[string]any{"external_location": "data/{name}.csv"}, nil, nil, "'data/orders.csv'"},
		{"call is kept", nil, project.Config{"external_location": "read_json('data/{identifier}/*.json')"}, nil, "read_json('data/orders_v2/*.json')"},
		{"quoted is kept", map[string]any{"external_location": "'x/{schema}.parquet'"}, nil, nil, "'x/raw.parquet'"},
		{"config wins over meta", map[string]any{"external_location": "meta.csv"}, project.Config{"external_location": "config.csv"}, nil, "'config.csv'"},
		{"meta and config keys", map[string]any{"dir": "m"}, project.Config{"external_location": "{dir}/{part}.csv", "part": 3}, nil, "'m/3.csv'"},
		{"database and tags", nil, project.Config{"external_location": "{database}/{tags[0]}/{tags}.csv"}, []string{"a", "b"}, "'warehouse/a/['a', 'b'].csv'"},
		{"format spec", nil, project.Config{"external_location": "{name:>8}|{{x}}"}, nil, "'  orders|{x}'"},
		{"oldstyle", nil, project.Config{"external_location": "read_csv('d/%(name)s.csv', types={'a': 'DATE'})", "formatter": "oldstyle"}, nil, "read_csv('d/orders.csv', types={'a': 'DATE'})"},
		{"template", nil, project.Config{"external_location": "$name/${identifier}_$$.csv", "formatter": "template"}, nil, "'orders/orders_v2_$.csv'"},
		{"missing field", nil, project.Config{"external_location": "{nope}.csv"}, nil, `formatting external_location "{nope}.csv" (newstyle): KeyError: 'nope'`},
		{"missing template field", nil, project.Config{"external_location": "${nope}", "formatter": "template"}, nil, "KeyError: 'nope'"},
		{"bad template", nil, project.Config{"external_location": "a\nb$ c", "formatter": "template"}, nil, "Invalid placeholder in string: line 2, col 2"},
		{"unknown formatter", nil, project.Config{"external_location": "x", "formatter": "fstring"}, nil, `formatter "fstring" is not one of newstyle, oldstyle, template`},
		{"plugin", nil, project.Config{"plugin": "excel"}, nil, "elt does not support dbt-duckdb plugins (plugin: excel)"},
		{"not a string", nil, project.Config{"external_location": 3}, nil, "external_location must be a string"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newProject(map[string]string{"models/m.sql": "select * from {{ source('raw', 'orders') }}"})
			addSource(p, "raw", "orders")
			s := p.Sources["source.shop.raw.orders"]
			s.Identifier, s.Meta, s.Config, s.Tags = "orders_v2", c.meta, c.config, c.tags
			s.Pos.Line = 4
			opts := testOptions()
			opts.Dialect = fileDialect{}
			m, err := Parse(context.Background(), p, opts)
			if err != nil {
				if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "models/sources.yml:4") {
					t.Fatalf("error %q; want it to hold %q at models/sources.yml:4", err, c.want)
				}
				return
			}
			if err := m.Compile(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
			if got := m.Nodes["model.shop.m"].CompiledCode; got != "select * from "+c.want {
				t.Errorf("compiled %q, want the source as %q", got, c.want)
			}
			if deps := m.Nodes["model.shop.m"].DependsOn.Nodes; len(deps) != 1 || deps[0] != "source.shop.raw.orders" {
				t.Errorf("depends_on %v", deps)
			}
		})
	}
}

// TestExternalLocationIgnoredElsewhere: on a warehouse whose sources are
// never files, external_location is only meta, as with dbt-postgres.
func TestExternalLocationIgnoredElsewhere(t *testing.T) {
	p := newProject(map[string]string{"models/m.sql": "select * from {{ source('raw', 'orders') }}"})
	addSource(p, "raw", "orders")
	p.Sources["source.shop.raw.orders"].Meta = map[string]any{"external_location": "x.csv"}
	m, err := Parse(context.Background(), p, testOptions())
	if err == nil {
		err = m.Compile(context.Background(), nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Nodes["model.shop.m"].CompiledCode; got != `select * from "warehouse"."raw"."orders"` {
		t.Errorf("compiled %q", got)
	}
}

func dictOf(kv ...any) *jinja.Dict {
	d := jinja.NewDict()
	for i := 0; i+1 < len(kv); i += 2 {
		d.Set(kv[i], kv[i+1])
	}
	return d
}

func TestExternalWriteOptions(t *testing.T) {
	cases := []struct {
		location   string
		opts       *jinja.Dict
		write      string
		read       string
		singleFile bool
	}{
		{"out/m.parquet", dictOf(), "format parquet", "out/m.parquet", true},
		{"out/m.CSV", dictOf(), "format csv, header 1", "out/m.CSV", true},
		{"out/m", dictOf("delimiter", "|"), "delimiter '|', format csv, header 1", "out/m", true},
		{"out/.hidden", dictOf(), "format parquet", "out/.hidden", true},
		{"out/m", dictOf("format", "csv", "header", int64(0), "quote", "'\"'"), "format csv, header 0, quote '\"'", "out/m", true},
		{"out/m", dictOf("partition_by", "a, b", "format", "parquet"), "partition_by (a, b), format parquet", "out/m/*/*/*.parquet", false},
		{"out/m", dictOf("partition_by", "(a,b)"), "partition_by (a,b), format parquet", "out/m/*/*/*.parquet", false},
		{"out/m", dictOf("partition_by", jinja.NewList("a", "b")), "partition_by (a, b), format parquet", "out/m/*/*/*.parquet", false},
		{"out/m.json", dictOf("per_thread_output", true), "per_thread_output True, format json", "out/m.json/*.json", false},
	}
	for _, c := range cases {
		write, err := externalWriteOptions(c.location, c.opts)
		if err != nil {
			t.Fatal(err)
		}
		if write != c.write {
			t.Errorf("%s: write options %q, want %q", c.location, write, c.write)
		}
		if read := externalReadLocation(c.location, c.opts); read != c.read {
			t.Errorf("%s: read location %q, want %q", c.location, read, c.read)
		}
		if single := !optionTrue(c.opts, "partition_by") && !optionTrue(c.opts, "per_thread_output"); single != c.singleFile {
			t.Errorf("%s: single file %v", c.location, single)
		}
	}
}

// TestExternalPlan: the location, format and reader an external model gets
// from its config, the overridable external_location macro and the
// profile's external_root.
func TestExternalPlan(t *testing.T) {
	cases := []struct {
		name, model, macros string
		fields              map[string]any
		want                ExternalPlan
		err                 string
	}{
		{name: "defaults under the target path", model: "{{ config(materialized='external') }} select 1 as a",
			want: ExternalPlan{Location: "/proj/target/m.parquet", Format: "parquet", WriteOptions: "format parquet",
				ReadLocation: "/proj/target/m.parquet", Reader: "read_parquet('/proj/target/m.parquet', union_by_name=False)", SingleFile: true}},
		{name: "external_root and csv", model: "{{ config(materialized='external', format='csv', delimiter=';') }} select 1 as a",
			fields: map[string]any{"external_root": "out"},
			want: ExternalPlan{Location: "out/m.csv", Format: "csv", WriteOptions: "format csv, delimiter ';', header 1",
				ReadLocation: "out/m.csv", Reader: "read_csv('out/m.csv', auto_detect=True)", SingleFile: true}},
		{name: "partitioned", model: "{{ config(materialized='external', options={'partition_by': 'p', 'overwrite': true}) }} select 1 as p",
			fields: map[string]any{"external_root": "out"},
			want: ExternalPlan{Location: "out/m", Format: "parquet", WriteOptions: "overwrite True, partition_by p, format parquet",
				ReadLocation: "out/m/*/*.parquet", Reader: "read_parquet('out/m/*/*.parquet', union_by_name=False)"}},
		{name: "location with jinja and read options", model: "{{ config(materialized='external', location='{{ target.name }}/x.json', json_read_options={'format': 'newline_delimited'}) }} select 1 as a",
			want: ExternalPlan{Location: "dev/x.json", Format: "json", WriteOptions: "format json",
				ReadLocation: "dev/x.json", Reader: "read_json('dev/x.json', format='newline_delimited')", SingleFile: true}},
		{name: "project overrides external_location", model: "{{ config(materialized='external') }} select 1 as a",
			macros: "{% macro external_location(relation, config) %}custom/{{ relation.schema }}/{{ relation.identifier }}.csv{% endmacro %}",
			want: ExternalPlan{Location: "custom/main/m.csv", Format: "csv", WriteOptions: "format csv, header 1",
				ReadLocation: "custom/main/m.csv", Reader: "read_csv('custom/main/m.csv', auto_detect=True)", SingleFile: true}},
		{name: "bad format", model: "{{ config(materialized='external', format='xlsx') }} select 1 as a",
			err: "Invalid format: xlsx. Allowed formats are: csv, parquet, json"},
		{name: "options not a mapping", model: "{{ config(materialized='external', location='x.parquet', options='x') }} select 1 as a",
			err: "The options argument must be a dictionary"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{"models/m.sql": c.model}
			if c.macros != "" {
				files["macros/x.sql"] = c.macros
			}
			p := newProject(files)
			p.Root = "/proj"
			p.Config.TargetPath = "target"
			p.Target.Fields = c.fields
			opts := testOptions()
			opts.Dialect = fileDialect{}
			m, err := Parse(context.Background(), p, opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.External(context.Background(), "model.shop.m")
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), "models/m.sql") {
					t.Fatalf("error %v, want %q in models/m.sql", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("plan\n got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestExternalUnsupportedConfigs(t *testing.T) {
	p := newProject(map[string]string{
		"models/g.sql": "\n{{ config(materialized='external', glue_register=true) }} select 1 as a",
		"models/p.sql": "{{ config(materialized='external', plugin='excel') }} select 1 as a",
	})
	_, err := Parse(context.Background(), p, testOptions())
	for _, want := range []string{
		"models/g.sql:2: model g: elt does not register external files with AWS Glue (glue_register)",
		"models/p.sql:1: model p: elt does not support dbt-duckdb plugins (plugin: excel)",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}
