package adapters

import "context"

// Target is what an adapter needs from a resolved profiles.yml target.
// Fields holds every key as written (env_var() already rendered); secrets
// stay in it and must never appear in errors or logs.
type Target struct {
	Profile  string
	Name     string
	Type     string
	Threads  int
	Database string
	Schema   string
	Fields   map[string]any
	// WorkDir resolves relative paths (DuckDB files), as dbt resolves them
	// against the working directory.
	WorkDir string
}

// Driver is one warehouse's entry in the registry cmd/elt builds: its
// dialect (usable without a connection, for compile and ls) and how to
// connect. Every adapter package exports `func Driver() adapters.Driver`.
type Driver struct {
	Type    string
	Dialect Dialect
	// Fields are the profile keys the adapter acts on ("type" aside); any
	// other key in a target is refused when the project loads, so nothing
	// a profile says is silently ignored.
	Fields []string
	// Open connects and verifies the connection (a round trip), so that a
	// wrong password or an unreachable host fails here with a one-line
	// message that names no secret.
	Open func(ctx context.Context, t Target) (Adapter, error)
}
