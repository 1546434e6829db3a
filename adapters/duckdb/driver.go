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
	return adapters.Driver{Type: "duckdb", Dialect: Dialect{}, Open: openTarget, Fields: profileFields}
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
	"path", "database", "schema", "threads", "settings", "extensions", "external_root",
}
