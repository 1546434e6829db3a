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
	// Unsupported are profile keys the warehouse's dbt adapter reads that
	// elt does not support, with why; they are refused as unknown keys
	// are, with the reason.
	Unsupported map[string]string
	// Check, when set, validates a target's fields without connecting, so
	// that a malformed or unsupported field is reported when the project
	// loads, before anything runs. Its errors are *FieldError where a
	// field is at fault.
	Check func(fields map[string]any) error
	// Open connects and verifies the connection (a round trip), so that a
	// wrong password or an unreachable host fails here with a one-line
	// message that names no secret.
	Open func(ctx context.Context, t Target) (Adapter, error)
}

// FieldError is a problem with one profile field. Field names it as a
// path into the target: "extensions[1]", "attach[0].type", "threads", so
// that cmd/elt can point at its line in profiles.yml. The message names no
// secret.
type FieldError struct {
	Field string
	Msg   string
	Hint  string // what to do; may be empty
}

func (e *FieldError) Error() string {
	if e.Hint == "" {
		return "profile field " + e.Field + ": " + e.Msg
	}
	return "profile field " + e.Field + ": " + e.Msg + " (" + e.Hint + ")"
}
