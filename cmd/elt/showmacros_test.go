package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestShowMacrosAsDBT: as dbt's show (task/show.py renders get_show_sql,
// whose get_limit_subquery_sql dispatches get_limit_sql), a project's
// version of any of the three builds the query show runs, for a selected
// model and an inline query, with a --limit and with none (-1), on
// DuckDB and Postgres; every row the query returns is shown.
func TestShowMacrosAsDBT(t *testing.T) {
	onBothWarehouses(t, "show_macros", func(t *testing.T, dir, warehouse string) {
		writeFile(t, dir, "models/nums.sql", "select n from (values (1), (2), (3), (4), (5), (6), (7), (8), (9), (10)) as t(n)\n")
		// Shown, never run: its header is passed to get_show_sql.
		writeFile(t, dir, "models/headed.sql", "{{ config(sql_header='-- hdr') }}\nselect n from {{ ref('nums') }}\n")
		mustElt(t, dir, "run", "-s", "nums")
		const inline = "select n from {{ ref('nums') }}"
		cases := []struct {
			name, macros string
			args         []string
			want         string // the rows, one n (or columns joined by |) a line
		}{
			// The adapter's get_limit_sql, found by dispatch: twice the limit.
			{"get_limit_sql", "{% macro " + warehouse + "__get_limit_sql(sql, limit) %}select * from ({{ sql }}) as q order by n" +
				"{% if limit is not none %} limit {{ limit * 2 }}{% endif %}{% endmacro %}",
				[]string{"-s", "nums", "--limit", "3"}, "1\n2\n3\n4\n5\n6"},
			{"get_limit_sql", "", []string{"-s", "nums", "--limit", "-1"}, "1\n2\n3\n4\n5\n6\n7\n8\n9\n10"},
			{"get_limit_sql", "", []string{"--inline", inline, "--limit", "1"}, "1\n2"},
			// get_limit_subquery_sql, called by name from dbt's get_show_sql.
			{"get_limit_subquery_sql", "{% macro get_limit_subquery_sql(sql, limit) %}select * from ({{ sql }}) as q where n > 5 order by n" +
				"{% if limit is not none %} limit {{ limit }}{% endif %}{% endmacro %}",
				[]string{"-s", "nums", "--limit", "2"}, "6\n7"},
			{"get_limit_subquery_sql", "", []string{"--inline", inline, "--limit", "-1"}, "6\n7\n8\n9\n10"},
			// get_show_sql itself, given the compiled code, the sql_header
			// and the limit (None for -1).
			{"get_show_sql", "{% macro get_show_sql(compiled_code, sql_header, limit) %}select count(*) as total, " +
				"'{{ limit }}' as lim, '{{ sql_header }}' as header from ({{ compiled_code }}) as q{% endmacro %}",
				[]string{"-s", "headed", "--limit", "4"}, "10|4|-- hdr"},
			{"get_show_sql", "", []string{"--inline", inline, "--limit", "-1"}, "10|None|None"},
		}
		for _, c := range cases {
			if c.macros != "" {
				writeFile(t, dir, "macros/show.sql", c.macros+"\n")
			}
			args := append([]string{"show", "--output", "json"}, c.args...)
			res := mustElt(t, dir, args...)
			// The load warns that data tests do not call the limit macros
			// (TestIgnoredOverridesWarn); show warns of nothing else.
			for _, line := range strings.Split(res.stderr+res.stdout, "\n") {
				if strings.Contains(line, "warning") && !strings.Contains(line, "show calls but its data tests do not") {
					t.Errorf("%s: elt %v warns: %s", c.name, c.args, line)
				}
			}
			var got struct {
				Show []orderedJSONRow `json:"show"`
			}
			if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
				t.Fatalf("%s: elt %v: %v\n%s", c.name, c.args, err, res.stdout)
			}
			var lines []string
			for _, r := range got.Show {
				lines = append(lines, string(r))
			}
			if g := strings.Join(lines, "\n"); g != c.want {
				t.Errorf("%s: elt show %v shows\n%s\nwant\n%s", c.name, c.args, g, c.want)
			}
		}
	})
}

// orderedJSONRow is a row of show's JSON output, its values in column
// order joined by |.
type orderedJSONRow string

func (r *orderedJSONRow) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	var vals []string
	for dec.More() {
		if _, err := dec.Token(); err != nil { // the column's name
			return err
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return err
		}
		vals = append(vals, fmt.Sprint(v))
	}
	*r = orderedJSONRow(strings.Join(vals, "|"))
	return nil
}
