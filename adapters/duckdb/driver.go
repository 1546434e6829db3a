package duckdb

import (
	"context"
	"fmt"
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
	// Relative paths are relative to the working directory, as in dbt-duckdb.
	if cfg.Path != "" && cfg.Path != ":memory:" && !filepath.IsAbs(cfg.Path) && !strings.Contains(cfg.Path, "://") && t.WorkDir != "" {
		cfg.Path = filepath.Join(t.WorkDir, cfg.Path)
	}
	cfg.WorkDir = t.WorkDir
	if cfg.Threads == 0 {
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

// profileFields are the target keys ConfigFromFields reads.
var profileFields = []string{
	"path", "database", "schema", "threads", "settings", "extensions", "external_root", "attach",
}

// checkFields validates a target without connecting.
func checkFields(fields map[string]any) error {
	_, err := ConfigFromFields(fields)
	return err
}

// unsupportedFields are dbt-duckdb's profile keys elt does not act on.
var unsupportedFields = map[string]string{
	"plugins":                 "elt does not run dbt-duckdb's plugins, which are Python code",
	"module_paths":            "elt does not run Python modules",
	"filesystems":             "elt does not support fsspec filesystems, which are Python",
	"secrets":                 "elt does not support DuckDB secrets (secrets:)",
	"use_credential_provider": "elt does not support DuckDB secrets or credential providers",
	"remote":                  "elt does not support remote (Buena Vista) DuckDB servers",
	"retries":                 "elt does not retry DuckDB queries (retries:)",
	"config_options":          "elt does not pass connection-time config_options; use settings: for what can be SET",
	"disable_transactions":    "elt always builds relations in transactions",
	"keep_open":               "elt opens the database once per command",
	"is_ducklake":             "elt does not support DuckLake",
}
