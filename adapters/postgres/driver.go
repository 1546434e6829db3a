package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/elt-dev/elt/adapters"
)

// Driver registers Postgres with cmd/elt.
func Driver() adapters.Driver {
	return adapters.Driver{Type: "postgres", Dialect: Dialect{}, Open: openTarget, Fields: profileFields}
}

func openTarget(ctx context.Context, t adapters.Target) (adapters.Adapter, error) {
	label := fmt.Sprintf("profile %q target %q", t.Profile, t.Name)
	cfg, err := ConfigFromFields(t.Fields)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", label, err)
	}
	if cfg.DBName == "" {
		cfg.DBName = t.Database
	}
	if _, ok := t.Fields["schema"]; !ok && t.Schema != "" {
		cfg.Schema = t.Schema
	}
	if t.Threads > 0 {
		// The run's threads (--threads wins over the profile's) size the
		// pool.
		cfg.Threads = t.Threads
	}
	if cfg.DBName == "" {
		return nil, fmt.Errorf("%s: dbname is required for a postgres target (add dbname: to the target in profiles.yml)", label)
	}
	if cfg.User == "" {
		return nil, fmt.Errorf("%s: user is required for a postgres target (add user: to the target in profiles.yml)", label)
	}
	a, err := Open(ctx, cfg)
	if err != nil {
		var ce *ConnectError
		if errors.As(err, &ce) {
			ce.Prefix = label
			return nil, ce
		}
		return nil, fmt.Errorf("%s: %w", label, err)
	}
	a.label = label
	return a, nil
}

// profileFields are the target keys ConfigFromFields reads.
var profileFields = []string{
	"host", "port", "user", "username", "password", "pass", "dbname", "database", "schema", "threads",
	"sslmode", "sslcert", "sslkey", "sslrootcert", "search_path", "role", "application_name", "keepalives_idle", "connect_timeout",
}
