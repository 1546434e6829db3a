package loaders

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/duckdb"
	"github.com/elt-dev/elt/internal/diag"
)

// parseOne reads one loader from YAML text, failing the test on any diagnostic.
func parseOne(t testing.TB, src string, env map[string]string) *Loader {
	t.Helper()
	var diags diag.List
	ls := parseFile("loaders/test.yml", []byte(src), func(k string) (string, bool) { v, ok := env[k]; return v, ok }, &diags)
	if diags.HasErrors() || len(ls) != 1 {
		t.Fatalf("parse: %v (%d loaders)", diags.Err(), len(ls))
	}
	return ls[0]
}

func openDuck(t testing.TB, path string) *duckdb.Adapter {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "w.duckdb")
	}
	a, err := duckdb.Open(context.Background(), duckdb.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func duckRel(a *duckdb.Adapter, table string) adapters.Relation {
	return adapters.Relation{Database: a.Config().Database, Schema: "raw", Identifier: table}
}

func queryInt(t testing.TB, a adapters.Adapter, sql string) int64 {
	t.Helper()
	r, err := a.Query(context.Background(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return num(r.Rows[0][0])
}

// keyFor is the primary_key line a loader of disposition disp takes: only
// merge reads one.
func keyFor(disp string) string {
	if disp == string(Merge) {
		return "    primary_key: id\n"
	}
	return ""
}
