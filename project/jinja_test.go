package project

import (
	"strings"
	"testing"
)

func TestRenderYAMLValues(t *testing.T) {
	j := &yamlJinja{
		env:    envOf("HOST", "db.local", "PORT", "5432", "FLAG", "True", "EMPTY", ""),
		vars:   map[string]any{"schema_suffix": "x", "n": 3},
		varOK:  true,
		target: map[string]any{"name": "dev", "schema": "main"},
	}
	tests := []struct {
		src  string
		want any
	}{
		{"plain", "plain"},
		{"{{ env_var('HOST') }}", "db.local"},
		{`{{ env_var("MISSING", "fallback") }}`, "fallback"},
		{"{{ env_var('PORT') }}", "5432"},
		{"{{ env_var('PORT') | as_number }}", 5432},
		{"{{ env_var('PORT') | int }}", 5432},
		{"{{ env_var('FLAG') | as_bool }}", true},
		// As dbt's as_bool: the text is read as a Python literal, so a
		// lowercase true is no boolean (TestRenderYAMLValueErrors).
		{"{{ env_var('EMPTY', 'x') }}", ""},
		{"host={{ env_var('HOST') }}:{{ env_var('PORT') }}", "host=db.local:5432"},
		{"{{ var('schema_suffix') }}", "x"},
		{"{{ var('n') }}", 3},
		{"{{ var('missing', 'd') }}", "d"},
		{"{{ 'view' if target.name == 'dev' else 'table' }}", "view"},
		{"{{ target.name == 'prod' }}", false},
		{"{% if target.name == 'prod' %}prod{% elif target.name == 'dev' %}dev{% else %}other{% endif %}", "dev"},
		{"{{ target.schema ~ '_' ~ var('schema_suffix') }}", "main_x"},
		{"{{ target.name | upper }}", "DEV"},
		{"{{ target.missing | default('d') }}", "d"},
		// An output Jinja2 folds at compile time is yielded as its text
		// by the native code generator, and dbt keeps a lone str.
		{"{{ 1 + 2 * 3 }}", "7"},
		{"{{ [1, 2] }}", "[1, 2]"},
		{"{{ 'a' in ['a', 'b'] and not false }}", "True"},
		{"{# comment #}x", "x"},
		{"  {{- 'a' -}}  ", "a"},
		{"{{ env_var('HOST').upper() }}", "DB.LOCAL"},
		// Jinja2's default Undefined, as dbt renders YAML: a missing
		// attribute is false and prints as nothing.
		{"{% if target.missing %}a{% else %}b{% endif %}", "b"},
		{"[{{ target.missing }}]", "[]"},
		{"{% for x in target.missing %}{{ x }}{% endfor %}done", "done"},
		// dbt's markers are str subclasses: a filter binds tighter than
		// == and in, so as_bool applies to the right operand, which the
		// operators then read as a string (Snowplow's packages).
		{"{{ target.name == 'dev' | as_bool() }}", true},
		{"{{ target.name == 'prod' | as_bool() }}", false},
		{"{{ target.name in ['ci', 'dev'] | as_bool() }}", true},
		{"{{ target.name in ['prod'] | as_bool() }}", false},
		{"{{ env_var('PORT') | as_number | length }}", 4},
		{"{{ (env_var('PORT') | as_number) ~ '1' }}", "54321"},
		{"{{ env_var('PORT') | as_number | upper }}", "5432"},
		{"{% set p = env_var('PORT') | as_number %}{{ p }}", 5432},
		{"{{ [1] | is_list }} {{ 'a' | is_list }}", "True False"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			got, err := j.render(tt.src)
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			wantEqual(t, "value", got, tt.want)
		})
	}
}

func TestRenderYAMLValueErrors(t *testing.T) {
	j := &yamlJinja{env: envOf(), varOK: true}
	tests := []struct {
		src, want   string
		unsupported bool
	}{
		{"{{ env_var('NOPE') }}", "Env var required but not provided: 'NOPE'", false},
		{"{{ var('nope') }}", "Required var 'nope' not found", false},
		{"{{ my_macro() }}", "'my_macro' is not available", true},
		{"{{ 'x' ", "unclosed Jinja tag", false},
		{"{% if true %}x", "without {% endif %}", false},
		{"{{ 'abc' | as_number }}", "Could not convert value 'abc' into type 'number'", false},
		{"{{ 'true' | as_bool }}", "Could not convert value 'true' into type 'bool'", false},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, err := j.render(tt.src)
			if err == nil {
				t.Fatal("render succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			je, _ := asJinjaError(err)
			if je == nil || je.Unsupported != tt.unsupported {
				t.Errorf("unsupported = %v, want %v", je != nil && je.Unsupported, tt.unsupported)
			}
		})
	}
}

// TestRenderYAMLNative: what package jinja adds over the former YAML-only
// evaluator, and dbt's native rules (one expression keeps its type; a
// marker filter converts text; several outputs make a string).
func TestRenderYAMLNative(t *testing.T) {
	j := &yamlJinja{env: envOf("PORT", "5432", "RATE", "0.5", "LIST", "[1, 'a']", "DBT_ENV_SECRET_PW", "s3cret"), varOK: true,
		target: map[string]any{"name": "dev", "threads": 4}}
	tests := []struct {
		src  string
		want any
	}{
		{"{{ env_var('RATE') | as_number }}", 0.5},
		{"{{ env_var('LIST') | as_native }}", []any{1, "a"}},
		{"{{ env_var('PORT') | as_text }}", "5432"},
		{"{{ target.threads }}", 4},
		{"{{ target.threads }} threads", "4 threads"},
		{"{% for x in [1, 2] %}{{ x }}{% endfor %}", "12"},
		{"{{ {'a': 1} }}", "{'a': 1}"}, // folded, so its text (dbt)
		{"{{ none }}", "None"},
		{"{{ env_var('PORT') | int + 1 }}", 5433},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			got, err := j.render(tt.src)
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			wantEqual(t, "value", got, tt.want)
		})
	}
	// Secrets only where secretsOK (profiles.yml).
	if _, err := j.render("{{ env_var('DBT_ENV_SECRET_PW') }}"); err == nil || !strings.Contains(err.Error(), "only in profiles.yml") {
		t.Errorf("secret outside profiles.yml: got %v", err)
	}
	j.secretsOK = true
	if got, err := j.render("{{ env_var('DBT_ENV_SECRET_PW') }}"); err != nil || got != "s3cret" {
		t.Errorf("secret in profiles.yml: got %v, %v", got, err)
	}
}
