package compiler

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/project"
)

// postgresDialect is testDialect that calls itself postgres, to render the
// postgres variants of dispatched macros.
type postgresDialect struct{ testDialect }

func (postgresDialect) Type() string { return "postgres" }

// crossDBCases are models using dbt's cross-database macros and what the
// DuckDB variant returns when run. Each model is "select ... as v".
var crossDBCases = []struct {
	name, sql, want string
}{
	{"dateadd_day", `select {{ dbt.dateadd('day', 1, "date '2024-01-31'") }} as v`, "2024-02-01"},
	{"dateadd_month_back", `select {{ dateadd(datepart='month', interval=-1, from_date_or_timestamp="date '2024-03-31'") }} as v`, "2024-02-29"},
	{"dateadd_column", `select {{ dateadd('hour', 'n', 'ts') }} as v from (select timestamp '2024-01-01 10:00:00' as ts, 3 as n)`, "2024-01-01 13:00:00"},
	{"datediff_month", `select {{ datediff("'2024-01-01'", "'2024-03-01'", 'month') }} as v`, "2"},
	{"datediff_day", `select {{ dbt.datediff("date '2024-01-01'", "date '2024-01-08'", 'day') }} as v`, "7"},
	{"datediff_hour", `select {{ datediff("timestamp '2024-01-01 10:59:00'", "timestamp '2024-01-01 12:00:00'", 'hour') }} as v`, "2"},
	{"date_trunc", `select cast({{ date_trunc('month', "date '2024-05-17'") }} as date) as v`, "2024-05-01"},
	{"last_day", `select {{ last_day("date '2024-02-10'", 'month') }} as v`, "2024-02-29"},
	{"last_day_year", `select {{ dbt.last_day("date '2023-06-10'", 'year') }} as v`, "2023-12-31"},
	{"current_timestamp", `select {{ current_timestamp() }} is not null as v`, "true"},
	{"split_part", `select {{ split_part("'a-b-c'", "'-'", 2) }} as v`, "b"},
	{"concat", `select {{ dbt.concat(["'a'", "x", "'c'"]) }} as v from (select 'b' as x)`, "abc"},
	{"hash", `select {{ hash("'abc'") }} as v`, "900150983cd24fb0d6963f7d28e17f72"},
	// dbt-duckdb has no safe_cast of its own: dbt's default is a plain
	// cast, so a bad value fails on DuckDB as it does under dbt-duckdb.
	{"safe_cast_bad", `select {{ safe_cast("'oops'", dbt.type_int()) }} is null as v`, "error: Could not convert string 'oops'"},
	{"safe_cast_good", `select {{ safe_cast("'42'", type_bigint()) }} + 1 as v`, "43"},
	{"cast_bool_to_text", `select {{ cast_bool_to_text('1 = 1') }} as v`, "true"},
	{"replace", `select {{ replace("'a-b'", "'-'", "'+'") }} as v`, "a+b"},
	{"right", `select {{ right("'abcdef'", 2) }} as v`, "ef"},
	{"length", `select {{ length("'abcd'") }} as v`, "4"},
	{"position", `select {{ position("'c'", "'abcd'") }} as v`, "3"},
	{"escape_single_quotes", `select '{{ escape_single_quotes("it's") }}' as v`, "it's"},
	{"string_literal", `select {{ string_literal('hello') }} as v`, "hello"},
	{"any_value", `select {{ any_value('x') }} as v from (values (5), (5)) t(x)`, "5"},
	{"bool_or", `select {{ bool_or('x > 2') }} as v from (values (1), (3)) t(x)`, "true"},
	{"listagg", `select {{ listagg('x', "','", 'order by x desc') }} as v from (values ('a'), ('c'), ('b')) t(x)`, "c,b,a"},
	{"listagg_limit", `select {{ dbt.listagg(measure='x', delimiter_text="'|'", order_by_clause='order by x', limit_num=2) }} as v from (values ('a'), ('c'), ('b')) t(x)`, "a|b"},
	{"listagg_default", `select length({{ listagg('x') }}) as v from (values ('a'), ('b')) t(x)`, "3"},
	{"except", `select count(*) as v from (select 1 {{ except() }} select 2)`, "1"},
	{"intersect", `select count(*) as v from (select 1 {{ dbt.intersect() }} select 2)`, "0"},
	{"types", `select cast(1.5 as {{ type_float() }}) + cast(2 as {{ type_int() }}) + cast(0.25 as {{ type_numeric() }}) as v`, "3.75"},
	{"type_string", `select cast(12 as {{ dbt.type_string() }}) || cast(true as {{ type_boolean() }}) as v`, "12true"},
	{"type_timestamp", `select cast('2024-01-02 03:04:05' as {{ type_timestamp() }}) as v`, "2024-01-02 03:04:05"},
	{"arrays", `select len({{ array_concat(array_append(array_construct([1, 2]), 3), dbt.array_construct([4])) }}) as v`, "4"},
	{"array_empty", `select len({{ array_construct() }}) as v`, "0"},
	{"cast", `select {{ dbt.cast("'7'", api.Column.translate_type('integer')) }} + 1 as v`, "8"},
	{"cast_date", `select {{ cast("'2024-02-29'", 'date') }} as v`, "2024-02-29"},
	{"date", `select {{ dbt.date(2024, 2, 29) }} as v`, "2024-02-29"},
	{"current_timestamp_backcompat", `select {{ dbt.current_timestamp_backcompat() }} <= now() as v`, "true"},
	{"current_timestamp_in_utc_backcompat", `select {{ current_timestamp_in_utc_backcompat() }} is not null as v`, "true"},
}

// crossDBProject holds one model per case.
func crossDBProject() *project.Project {
	files := map[string]string{}
	for _, c := range crossDBCases {
		files["models/"+c.name+".sql"] = c.sql
	}
	return newProject(files)
}

func TestCrossDatabaseMacrosRender(t *testing.T) {
	for _, tc := range []struct {
		golden  string
		dialect Dialect
	}{
		{"crossdb/duckdb.sql", testDialect{}},
		{"crossdb/postgres.sql", postgresDialect{}},
	} {
		t.Run(tc.dialect.Type(), func(t *testing.T) {
			p := crossDBProject()
			p.Target.Type = tc.dialect.Type()
			opts := testOptions()
			opts.Dialect = tc.dialect
			_, got := compileProject(t, p, opts)
			golden(t, tc.golden, got)
		})
	}
}

// TestCrossDatabaseMacrosRun runs every DuckDB variant on a real DuckDB.
func TestCrossDatabaseMacrosRun(t *testing.T) {
	ctx := context.Background()
	m, err := Parse(ctx, crossDBProject(), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(ctx, nil); err != nil {
		t.Fatal(err)
	}
	db := openDuckDB(t)
	for _, c := range crossDBCases {
		t.Run(c.name, func(t *testing.T) {
			sql := m.Nodes["model.shop."+c.name].CompiledCode
			var v any
			err := db.QueryRowContext(ctx, sql).Scan(&v)
			if want, ok := strings.CutPrefix(c.want, "error: "); ok {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("%s: want an error with %q, got %v", sql, want, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
			if got := sqlText(v); got != c.want {
				t.Errorf("%s\nwant %q, got %q", sql, c.want, got)
			}
		})
	}
}

// sqlText prints a scanned value: dates without a midnight time.
func sqlText(v any) string {
	switch x := v.(type) {
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 {
			return x.Format("2006-01-02")
		}
		return x.Format("2006-01-02 15:04:05")
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

func TestDispatchOverrides(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		macros   string
		dispatch []project.Dispatch
		model    string
		want     string
		wantErr  string
	}{
		{
			name:   "adapter variant in the project wins for bare and dbt. calls",
			macros: `{% macro duckdb__dateadd(datepart, interval, from_date_or_timestamp) %}my_add({{ from_date_or_timestamp }}){% endmacro %}`,
			model:  `{{ dateadd('day', 1, 'd') }} {{ dbt.dateadd('day', 1, 'd') }}`,
			want:   `my_add(d) my_add(d)`,
		},
		{
			name:   "project default__ comes before the built-in adapter variant",
			macros: `{% macro default__hash(field) %}sha256({{ field }}){% endmacro %}`,
			model:  `{{ hash('x') }}`,
			want:   `sha256(x)`,
		},
		{
			name:   "a project macro of the same name replaces bare calls only",
			macros: `{% macro dateadd(datepart, interval, from_date_or_timestamp) %}mine{% endmacro %}`,
			model:  `{{ dateadd('day', 1, 'd') }} {{ dbt.dateadd('day', 1, 'd') }}`,
			want:   `mine (d + cast(1 as bigint) * interval 1 day)`,
		},
		{
			name:     "a dispatch search order without the project ignores its variants",
			macros:   `{% macro duckdb__dateadd(datepart, interval, from_date_or_timestamp) %}my_add{% endmacro %}`,
			dispatch: []project.Dispatch{{MacroNamespace: "dbt", SearchOrder: []string{"dbt"}}},
			model:    `{{ dateadd('day', 1, 'd') }}`,
			want:     `(d + cast(1 as bigint) * interval 1 day)`,
		},
		{
			name:   "dispatch without a namespace finds project and built-in macros",
			macros: `{% macro default__shout(x) %}{{ x | upper }}{% endmacro %}`,
			model:  `{{ adapter.dispatch('shout')('hi') }} {{ adapter.dispatch('type_string')() }} {{ adapter.dispatch('type_string', macro_namespace='dbt')() }}`,
			want:   `HI TEXT TEXT`,
		},
		{
			name:  "dbt namespace has the naming macros and is_incremental",
			model: `{{ dbt.generate_schema_name('x') }} {{ dbt.is_incremental() }}`,
			want:  `main_x False`,
		},
		{
			name:    "no implementation",
			model:   `{{ adapter.dispatch('nothing_here', 'dbt')() }}`,
			wantErr: "In dispatch: No macro named 'nothing_here' found within namespace: 'dbt'\n    Searched for: 'shop.duckdb__nothing_here', 'shop.default__nothing_here', 'dbt.duckdb__nothing_here', 'dbt.default__nothing_here'",
		},
		{
			// dbt looks the names up unqualified without a namespace
			// (macros/test_macros.py TestAdapterMacroNoDestination).
			name:    "no implementation, no namespace",
			model:   `{{ adapter.dispatch('nothing_here')() }}`,
			wantErr: "In dispatch: No macro named 'nothing_here' found within namespace: 'None'\n    Searched for: 'duckdb__nothing_here', 'default__nothing_here'",
		},
		{
			name:    "dotted name",
			model:   `{{ adapter.dispatch('dbt.dateadd')() }}`,
			wantErr: `In adapter.dispatch, got a macro name of "dbt.dateadd", but "." is not a valid macro name component. Did you mean ` + "`" + `adapter.dispatch("dateadd", macro_namespace="dbt")` + "`?",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"models/m.sql": tc.model}
			if tc.macros != "" {
				files["macros/over.sql"] = tc.macros
			}
			p := newProject(files)
			p.Config.Dispatch = tc.dispatch
			m, err := Parse(ctx, p, testOptions())
			if err == nil {
				err = m.Compile(ctx, nil)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want error containing %q, got %v", tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Nodes["model.shop.m"].CompiledCode; got != tc.want {
				t.Errorf("want %q, got %q", tc.want, got)
			}
		})
	}
}
