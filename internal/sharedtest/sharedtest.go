// Package sharedtest holds what the tests of several packages use: the
// public dbt package releases that the project's workspace keeps in
// ../shared/dbt-packages beside the repository (CI clones the repository
// there too; a user's clone has none, and tests that need it skip, saying
// where they looked), and files aged for the load cache.
package sharedtest

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// AgeFiles sets the modification time of every file under dir to age
// before now: old enough (for a positive age) that the load cache trusts
// their stats, as it trusts no stat taken within its racy margin.
func AgeFiles(tb testing.TB, dir string, age time.Duration) {
	tb.Helper()
	old := time.Now().Add(-age)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return os.Chtimes(p, old, old)
	})
	if err != nil {
		tb.Fatal(err)
	}
}

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
