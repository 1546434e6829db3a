package compiler

import (
	"context"
	"strings"
	"testing"
)

func TestMaterializedViewChecks(t *testing.T) {
	cases := []struct {
		target, model, want string
	}{
		{"duckdb", "\n{{ config(materialized='materialized_view') }} select 1 as a",
			"models/m.sql:2: model m: DuckDB has no materialized views"},
		{"snowflake", "{{ config(materialized='materialized_view') }} select 1 as a",
			"models/m.sql:1: model m: materialized='materialized_view' is not supported on Snowflake"},
		{"postgres", "{{ config(materialized='dynamic_table') }} select 1 as a",
			"models/m.sql:1: model m: dynamic tables exist only on Snowflake, not on postgres"},
		{"bigquery", "{{ config(materialized='materialized_view') }} select 1 as a", ""},
		{"sqlserver", "{{ config(materialized='materialized_view') }} select 1 as a",
			`models/m.sql:1: model m: elt does not support materialized="materialized_view" on sqlserver yet`},
		{"postgres", "{{ config(materialized='materialized_view', on_configuration_change='ignore') }} select 1 as a",
			`models/m.sql:1: model m: on_configuration_change "ignore" is not valid`},
		{"postgres", "{{ config(materialized='materialized_view', indexes=[{'columns': ['a']}]) }} select 1 as a", ""},
		{"postgres", "{{ config(materialized='materialized_view', on_configuration_change='fail') }} select 1 as a", ""},
		{"postgres", "\n\n{{ config(materialized='incremental', indexes=[{'columns': ['a'], 'unique': true}]) }} select 1 as a", ""},
		{"postgres", "\n\n{{ config(materialized='view', indexes=[{'columns': ['a'], 'unique': true}]) }} select 1 as a",
			"models/m.sql:3: model m: elt creates indexes (indexes) on tables it builds (table and incremental models, seeds, snapshots), not on view models"},
		{"postgres", "{{ config(materialized='table', indexes=[{'columns': ['a'], 'unique': true}]) }} select 1 as a", ""},
		{"postgres", "{{ config(materialized='table', indexes=[]) }} select 1 as a", ""},
		{"duckdb", "{{ config(materialized='table', indexes=[{'columns': ['a']}]) }} select 1 as a", ""},
		{"duckdb", "{{ config(materialized='view', indexes=[{'columns': ['a']}]) }} select 1 as a",
			"models/m.sql:1: model m: elt creates indexes (indexes) on tables it builds (table and incremental models, seeds, snapshots), not on view models"},
		// dbt-duckdb's merge configs elt's merge does not act on.
		{"duckdb", "{{ config(materialized='incremental', unique_key='a', merge_update_condition='x > 1') }} select 1 as a",
			"models/m.sql:1: model m: elt does not support dbt-duckdb's merge_update_condition yet"},
		{"duckdb", "{{ config(materialized='incremental', unique_key='a', merge_clauses={'when_matched': []}) }} select 1 as a",
			"models/m.sql:1: model m: elt does not support dbt-duckdb's merge_clauses yet"},
		{"postgres", "{{ config(materialized='incremental', unique_key='a', merge_clauses={'when_matched': []}) }} select 1 as a", ""},
		{"snowflake", "{{ config(materialized='dynamic_table', target_lag='1 hour') }} select 1 as a",
			"models/m.sql:1: model m: a dynamic table needs snowflake_warehouse"},
		{"snowflake", "{{ config(materialized='dynamic_table', target_lag='1 hour', snowflake_warehouse='wh') }} select 1 as a", ""},
	}
	for _, c := range cases {
		t.Run(c.target+"/"+c.want, func(t *testing.T) {
			p := newProject(map[string]string{"models/m.sql": c.model})
			p.Target.Type = c.target
			_, err := Parse(context.Background(), p, testOptions())
			if c.want == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v lacks %q", err, c.want)
			}
		})
	}
}
