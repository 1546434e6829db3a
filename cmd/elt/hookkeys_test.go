package main

import "testing"

// config() setting a hook under both its names stops the load at the
// call, as dbt's ConflictingConfigKeysError: one of them would never run.
func TestConfigCallHookUnderBothNames(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/hooks.sql", `{{ config({"post_hook": "select 1 as u",
           "post-hook": "select 1 as d"}) }}
select 1 as id
`)
	res := elt(t, dir, "run")
	if res.code != 2 {
		t.Fatalf("exit %d, want 2\n%s%s", res.code, res.stdout, res.stderr)
	}
	wantAll(t, res.stdout+res.stderr, `models/hooks.sql:1:10: Invalid config, has conflicting keys "post_hook" and "post-hook"`)
}
