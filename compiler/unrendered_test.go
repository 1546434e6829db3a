package compiler

import (
	"reflect"
	"testing"
)

func TestConfigCallExpressions(t *testing.T) {
	tests := []struct {
		raw  string
		want map[string]string
	}{
		{"select 1", nil},
		{"{{ config(materialized='table', tags=['a', 'b'], enabled=true, batch=2) }}\nselect 1", map[string]string{}},
		{"{{ config(\n  materialized = 'table',\n  schema=env_var('DBT_SCHEMA',\n 'x'),\n  alias=var('a') ~ '_v2') }}\nselect 1",
			map[string]string{"schema": "env_var('DBT_SCHEMA', 'x')", "alias": "var('a') ~ '_v2'"}},
		{"{% set x = 1 %}{{ my.config(a=b) }}{{ config(unique_key=target.name) }}", map[string]string{"unique_key": "target.name"}},
		{"{{ config(meta={'owner': env_var('OWNER')}, full_refresh=none) }}", map[string]string{"meta": "{'owner': env_var('OWNER')}"}},
		{"-- a comment naming config(x=y) outside any tag\nselect 1", nil},
	}
	for _, tt := range tests {
		if got := configCallExpressions(tt.raw); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q:\n want %v\n got %v", tt.raw, tt.want, got)
		}
	}
}
