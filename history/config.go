package history

import (
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// DefaultPath is where the SQLite history lives, relative to the project
// root. It is outside target/ so that `elt clean` does not wipe the history.
const DefaultPath = ".elt/history.db"

// EnvURL names the environment variable that points elt at a shared
// Postgres history; it wins over the profile's history block.
const EnvURL = "ELT_HISTORY_URL"

// EnvDisable, set to a true value (1, true, yes), turns history off, as
// --no-history does.
const EnvDisable = "ELT_NO_HISTORY"

// Config says which store to open.
type Config struct {
	// URL of a Postgres server (postgres:// or postgresql://). Empty means
	// SQLite at Path.
	URL string
	// Schema, for Postgres, holds the history tables; created when missing.
	// Empty: the connection's search_path.
	Schema string
	// Path of the SQLite file, absolute or relative to the working
	// directory. Resolve fills it in from the project root.
	Path string
	// Migrations of other components (e.g. the scheduler's job tables),
	// applied after the store's own.
	Migrations []Migration
}

// Driver is "postgres" or "sqlite".
func (c Config) Driver() string {
	if c.URL != "" {
		return "postgres"
	}
	return "sqlite"
}

// FieldError is a problem with one key of the profile's history block.
// Field is the key ("url", "path", ...), so the caller can point at its line.
type FieldError struct {
	Field string
	Msg   string
	Hint  string
}

func (e *FieldError) Error() string { return "history." + e.Field + ": " + e.Msg }

// Resolve builds the Config for a project from the profile target's history
// block (nil when there is none) and the environment. enabled is false when
// history is turned off (ELT_NO_HISTORY, or enabled: false in the block).
//
// The block's keys are:
//
//	history:
//	  url: postgres://...     # a shared Postgres store (ELT_HISTORY_URL wins)
//	  schema: elt_history     # Postgres schema for the tables
//	  path: .elt/history.db   # SQLite file, relative to the project root
//	  enabled: true
func Resolve(projectRoot string, block map[string]any, lookupEnv func(string) (string, bool)) (cfg Config, enabled bool, err error) {
	if v, ok := lookupEnv(EnvDisable); ok && truthy(v) {
		return Config{}, false, nil
	}
	rel := DefaultPath
	for _, k := range sortedKeys(block) {
		v := block[k]
		switch k {
		case "enabled":
			b, ok := v.(bool)
			if !ok {
				return Config{}, false, &FieldError{Field: k, Msg: fmt.Sprintf("must be true or false, not %v", v), Hint: "write enabled: false to turn history off"}
			}
			if !b {
				return Config{}, false, nil
			}
		case "url":
			s, _ := v.(string)
			if !strings.HasPrefix(s, "postgres://") && !strings.HasPrefix(s, "postgresql://") {
				return Config{}, false, &FieldError{Field: k, Msg: "must be a postgres:// or postgresql:// URL", Hint: "leave url out to keep the history in a SQLite file under the project"}
			}
			cfg.URL = s
		case "schema":
			s, ok := v.(string)
			if !ok || s == "" {
				return Config{}, false, &FieldError{Field: k, Msg: "must be a schema name", Hint: "e.g. schema: elt_history"}
			}
			cfg.Schema = s
		case "path":
			s, _ := v.(string)
			c := path.Clean(filepath.ToSlash(s))
			if s == "" || filepath.IsAbs(s) || path.IsAbs(c) || c == ".." || strings.HasPrefix(c, "../") {
				return Config{}, false, &FieldError{Field: k, Msg: fmt.Sprintf("%q must be a file path inside the project", s), Hint: "elt writes only inside the project: use a relative path such as " + DefaultPath}
			}
			if c == "target" || strings.HasPrefix(c, "target/") {
				return Config{}, false, &FieldError{Field: k, Msg: fmt.Sprintf("%q is under target/, which elt clean deletes", s), Hint: "use a path outside target/, such as " + DefaultPath}
			}
			rel = c
		default:
			return Config{}, false, &FieldError{Field: k, Msg: "is not a history setting", Hint: "the history block reads: url, schema, path, enabled"}
		}
	}
	if v, ok := lookupEnv(EnvURL); ok && v != "" {
		cfg.URL = v
	}
	if cfg.URL == "" {
		cfg.Path = filepath.Join(projectRoot, filepath.FromSlash(rel))
	}
	return cfg, true, nil
}

func truthy(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
