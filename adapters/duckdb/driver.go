package duckdb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/elt-dev/elt/adapters"
)

// Driver registers DuckDB with cmd/elt.
func Driver() adapters.Driver {
	return adapters.Driver{Type: "duckdb", Dialect: Dialect{}, Open: openTarget, Fields: profileFields, Check: checkFields,
		Unsupported: unsupportedFields}
}

func openTarget(ctx context.Context, t adapters.Target) (adapters.Adapter, error) {
	cfg, err := ConfigFromFields(t.Fields)
	if err != nil {
		return nil, fmt.Errorf("profile %q target %q: %w", t.Profile, t.Name, err)
	}
	cfg.Path = resolvePath(cfg.Path, t.WorkDir)
	cfg.WorkDir = t.WorkDir
	if t.Threads > 0 {
		// The run's threads (--threads wins over the profile's): the pool
		// must hold a session and a look-up for each running node, or
		// nodes wait on each other for ever.
		cfg.Threads = t.Threads
	}
	if cfg.Database == "" {
		cfg.Database = t.Database
	}
	if cfg.Schema == "" {
		cfg.Schema = t.Schema
	}
	a, err := Open(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("profile %q target %q: %w", t.Profile, t.Name, err)
	}
	return a, nil
}

// resolvePath is a profile's path as Open takes it: relative paths are
// relative to the working directory, as in dbt-duckdb.
func resolvePath(path, workDir string) string {
	if path != "" && path != memoryPath && !filepath.IsAbs(path) && !strings.Contains(path, "://") && workDir != "" {
		return filepath.Join(workDir, path)
	}
	return path
}

// OpensLocalFile reports whether opening the target the profile fields
// describe opens a DuckDB file that exists, and does nothing else that
// reaches beyond it: no extension to load (or download), no database to
// attach. Such an open creates no file and needs no network.
func OpensLocalFile(fields map[string]any, workDir string) bool {
	cfg, err := ConfigFromFields(fields)
	// A path with a colon is no local file: :memory:, MotherDuck's md:, a URL.
	if err != nil || len(cfg.Extensions) > 0 || len(cfg.Attach) > 0 || strings.Contains(cfg.Path, ":") {
		return false
	}
	st, err := os.Stat(resolvePath(cfg.Path, workDir))
	return err == nil && st.Mode().IsRegular()
}

// profileFields are the target keys ConfigFromFields reads.
var profileFields = []string{
	"path", "database", "schema", "threads", "settings", "extensions", "external_root", "attach",
	"config_options", "keep_open", "disable_transactions", "plugins", "module_paths", "filesystems",
}

// checkFields validates a target without connecting.
func checkFields(fields map[string]any) error {
	_, err := ConfigFromFields(fields)
	return err
}

// unsupportedFields are dbt-duckdb's profile keys elt does not act on.
var unsupportedFields = map[string]string{
	"secrets":                 "elt does not support DuckDB secrets (secrets:)",
	"use_credential_provider": "elt does not support DuckDB secrets or credential providers",
	"remote":                  "elt does not support remote (Buena Vista) DuckDB servers",
	"retries":                 "elt does not retry DuckDB queries (retries:)",
	"is_ducklake":             "elt does not support DuckLake",
}
