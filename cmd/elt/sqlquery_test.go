package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDebugLogsSQLQueryAsDBT: as dbt's SQLQuery event (dbt-adapters
// sql/connections.py add_query), each statement sent for a node is logged
// at debug level, "On <node id>: <sql>" with its query comment: on the
// console with --debug, in dbt.log always, a secret var scrubbed.
func TestDebugLogsSQLQueryAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select 'regular_variable' as v, '{{ var(\"DBT_ENV_SECRET_pw\") }}' as s\n")
	vars := "{DBT_ENV_SECRET_pw: hunter2secret}"
	res := mustElt(t, dir, "--debug", "run", "--vars", vars)
	if !strings.Contains(res.stdout, "On model.p.m: /* ") || !strings.Contains(res.stdout, "select 'regular_variable' as v") {
		t.Fatalf("--debug output lacks the model's statement:\n%s", res.stdout)
	}
	if strings.Contains(res.stdout, "hunter2secret") {
		t.Fatalf("the secret is in the --debug output:\n%s", res.stdout)
	}
	res = mustElt(t, dir, "run", "--vars", vars, "--log-path", "logs")
	if strings.Contains(res.stdout, "On model.p.m") {
		t.Fatalf("statements on the console without --debug:\n%s", res.stdout)
	}
	b, err := os.ReadFile(filepath.Join(dir, "logs", "dbt.log"))
	if err != nil {
		t.Fatal(err)
	}
	if log := string(b); !strings.Contains(log, "[debug]: On model.p.m: /* ") || !strings.Contains(log, "'regular_variable'") || strings.Contains(log, "hunter2secret") {
		t.Fatalf("dbt.log: want the statement, scrubbed:\n%s", log)
	}
}
