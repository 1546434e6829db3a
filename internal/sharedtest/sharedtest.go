// Package sharedtest finds, for tests, the public dbt package releases that
// the project's workspace keeps in ../shared/dbt-packages beside the
// repository (CI clones the repository there too). A user's clone has no
// ../shared: tests that need it skip, saying where they looked.
package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

// DBTPackages returns ../shared/dbt-packages beside the repository root
// (the folder holding go.mod), or skips tb.
func DBTPackages(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Skip("no go.mod above the test directory; cannot locate ../shared/dbt-packages")
		}
		dir = parent
	}
	shared := filepath.Join(filepath.Dir(dir), "shared", "dbt-packages")
	if _, err := os.Stat(shared); err != nil {
		tb.Skipf("%s is absent: the dbt package releases these tests use are kept beside the repository in the project's workspace and CI", shared)
	}
	return shared
}
