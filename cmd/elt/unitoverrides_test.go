package main

import "testing"

// A unit test's overrides: macros: of a context member that is not a
// macro replaces the member itself, as dbt's runtime unit test context
// does: invocation_id: 123 makes {{ invocation_id }} render 123, while an
// overridden macro is still a function returning the value.
func TestUnitTestOverrideOfContextValue(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/a.sql", "select 1 as id")
	writeFile(t, dir, "macros/label.sql", "{% macro label() %}'real'{% endmacro %}")
	writeFile(t, dir, "models/m.sql", "select id, {{ dbt.string_literal(invocation_id) }} as inv, '{{ invocation_id }}' as inv2, {{ label() }} as label from {{ ref('a') }}")
	writeFile(t, dir, "models/ut.yml", `unit_tests:
  - name: t
    model: m
    given:
      - input: ref('a')
        rows: [{id: 1}]
    overrides:
      macros:
        invocation_id: 123
        label: "'fake'"
    expect:
      rows: [{id: 1, inv: '123', inv2: '123', label: fake}]
`)
	res := mustElt(t, dir, "build")
	wantAll(t, res.stdout, "PASS m::t")
}
