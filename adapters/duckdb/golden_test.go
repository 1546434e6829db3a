package duckdb

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/adaptertest"
)

// TestGolden compares the SQL the adapter runs with testdata/golden/*.sql;
// go test ./adapters/duckdb -run TestGolden -update rewrites them.
func TestGolden(t *testing.T) {
	adaptertest.RunGolden(t, func(t *testing.T, trace func(string)) adapters.Adapter {
		a, err := Open(context.Background(), Config{Path: filepath.Join(t.TempDir(), "golden.duckdb"), Trace: trace})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return a
	}, filepath.Join("testdata", "golden"))
}
