package duckdb

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	duckdbdriver "github.com/duckdb/duckdb-go/v2"

	"github.com/elt-dev/elt/adapters"
)

// Attachment is one entry of the profile's attach: list, as dbt-duckdb
// reads it (credentials.py's Attachment): another database attached to
// every connection, named by its alias or, without one, by its file name.
type Attachment struct {
	Path     string
	Type     string // "" or duckdb; others need their extension loaded
	Alias    string
	ReadOnly bool
	// Options are ATTACH's other options, by name as written.
	Options map[string]any
	// IsDucklake marks a DuckLake catalog whose path does not say ducklake:.
	IsDucklake bool
}

var attachKeys = []string{"path", "type", "alias", "secret", "read_only", "options", "is_ducklake"}

// attachmentsFromField reads attach:, refusing what elt cannot do with a
// FieldError naming the entry.
func attachmentsFromField(v any) ([]Attachment, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, &adapters.FieldError{Field: "attach", Msg: fmt.Sprintf("want a list of databases to attach, got %T", v),
			Hint: "write attach: as a list of entries such as {path: other.duckdb, alias: other, read_only: true}"}
	}
	out := make([]Attachment, 0, len(list))
	for i, item := range list {
		field := fmt.Sprintf("attach[%d]", i)
		m, ok := item.(map[string]any)
		if !ok {
			return nil, &adapters.FieldError{Field: field, Msg: fmt.Sprintf("want a mapping with path:, got %T", item)}
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			known := false
			for _, a := range attachKeys {
				known = known || k == a
			}
			if !known {
				return nil, &adapters.FieldError{Field: field + "." + k, Msg: fmt.Sprintf("an attach entry has no key %q", k),
					Hint: "use " + strings.Join(attachKeys, ", ")}
			}
		}
		var a Attachment
		str := func(key string) (string, error) {
			v, ok := m[key]
			if !ok || v == nil {
				return "", nil
			}
			s, ok := v.(string)
			if !ok {
				return "", &adapters.FieldError{Field: field + "." + key, Msg: fmt.Sprintf("want a string, got %T", v)}
			}
			return s, nil
		}
		var err error
		if a.Path, err = str("path"); err != nil {
			return nil, err
		}
		if a.Path == "" {
			return nil, &adapters.FieldError{Field: field, Msg: "an attach entry needs a path", Hint: "add path: with the database file to attach"}
		}
		if a.Type, err = str("type"); err != nil {
			return nil, err
		}
		if a.Alias, err = str("alias"); err != nil {
			return nil, err
		}
		if a.ReadOnly, err = boolField(m, "read_only", field); err != nil {
			return nil, err
		}
		if a.IsDucklake, err = boolField(m, "is_ducklake", field); err != nil {
			return nil, err
		}
		if v, ok := m["options"]; ok && v != nil {
			if a.Options, ok = v.(map[string]any); !ok {
				return nil, &adapters.FieldError{Field: field + ".options", Msg: fmt.Sprintf("want a mapping of ATTACH options, got %T", v)}
			}
			// As dbt-duckdb: an option is given once, directly or in options.
			for _, k := range []string{"type", "secret", "read_only"} {
				if _, both := a.Options[k]; both && m[k] != nil && m[k] != false && m[k] != "" {
					return nil, &adapters.FieldError{Field: field + ".options." + k, Msg: k + " is given both directly and under options",
						Hint: "give each option in one place only"}
				}
			}
		}
		if s, ok := m["secret"]; ok && s != nil {
			return nil, &adapters.FieldError{Field: field + ".secret", Msg: "elt does not support DuckDB secrets (secret:)",
				Hint: "attach a local file, or one DuckDB reaches without a secret"}
		}
		if s, ok := a.Options["secret"]; ok && s != nil {
			return nil, &adapters.FieldError{Field: field + ".options.secret", Msg: "elt does not support DuckDB secrets (secret:)",
				Hint: "attach a local file, or one DuckDB reaches without a secret"}
		}
		out = append(out, a)
	}
	return out, nil
}

func boolField(m map[string]any, key, field string) (bool, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return false, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, &adapters.FieldError{Field: field + "." + key, Msg: fmt.Sprintf("want true or false, got %v", v)}
	}
	return b, nil
}

// attached reports whether name is the alias (or the file's name) of an
// attached database.
func (cfg Config) attached(name string) bool {
	for _, a := range cfg.Attach {
		if strings.EqualFold(a.name(), name) {
			return true
		}
	}
	return false
}

// name is what DuckDB calls the attached database.
func (a Attachment) name() string {
	if a.Alias != "" {
		return a.Alias
	}
	p := a.Path
	if i := strings.Index(p, "://"); i >= 0 {
		p = p[i+3:]
	} else if i := strings.IndexByte(p, ':'); i > 1 { // ducklake:x.ddb, md:db
		p = p[i+1:]
	}
	p, _, _ = strings.Cut(p, "?")
	return catalogName(p)
}

// typeExtensions are the extensions DuckDB attaches other databases with.
var typeExtensions = map[string]string{
	"sqlite": "sqlite_scanner", "sqlite3": "sqlite_scanner", "postgres": "postgres_scanner",
	"postgresql": "postgres_scanner", "mysql": "mysql_scanner", "ducklake": "ducklake", "motherduck": "motherduck",
}

// requiredExtension is the extension attaching a needs and the field
// that asks for it; "" when plain DuckDB does.
func (a Attachment) requiredExtension() (ext, field string) {
	typ := strings.ToLower(a.Type)
	if typ == "" {
		if t, ok := a.Options["type"].(string); ok {
			typ = strings.ToLower(t)
		}
	}
	if typ != "" && typ != "duckdb" {
		if e, ok := typeExtensions[typ]; ok {
			return e, "type"
		}
		return typ, "type"
	}
	lower := strings.ToLower(a.Path)
	switch {
	case a.IsDucklake || strings.HasPrefix(lower, "ducklake:"):
		return "ducklake", "path"
	case strings.HasPrefix(lower, "md:") || strings.HasPrefix(lower, "motherduck:"):
		return "motherduck", "path"
	}
	if scheme, _, ok := strings.Cut(lower, "://"); ok {
		if e, ok := remoteExtensions[scheme]; ok {
			return e, "path"
		}
	}
	return "", ""
}

// attachSQL is dbt-duckdb's Attachment.to_sql, with the path resolved
// against the working directory and the alias quoted.
func (a Attachment) attachSQL(workDir string) string {
	path := a.Path
	if isLocalPath(path) && !strings.Contains(path, ":") && !filepath.IsAbs(path) && workDir != "" {
		path = filepath.Join(workDir, path)
	}
	q := "attach if not exists " + literal(path)
	if a.Alias != "" {
		q += " as " + Dialect{}.Quote(a.Alias)
	}
	var opts []string
	if a.Type != "" {
		opts = append(opts, "TYPE "+a.Type)
	} else if t, ok := a.Options["type"]; ok && t != nil {
		opts = append(opts, fmt.Sprintf("TYPE %v", t))
	}
	if a.ReadOnly {
		opts = append(opts, "READ_ONLY")
	} else if ro, ok := a.Options["read_only"].(bool); ok && ro {
		opts = append(opts, "READ_ONLY")
	}
	keys := make([]string, 0, len(a.Options))
	for k := range a.Options {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch k {
		case "type", "secret", "read_only":
			continue
		}
		switch v := a.Options[k].(type) {
		case nil:
		case bool:
			if v {
				opts = append(opts, strings.ToUpper(k))
			}
		case string:
			s := strings.TrimSpace(v)
			if len(s) >= 2 && ((s[0] == '\'' && s[len(s)-1] == '\'') || (s[0] == '"' && s[len(s)-1] == '"')) {
				opts = append(opts, strings.ToUpper(k)+" "+v)
			} else {
				opts = append(opts, strings.ToUpper(k)+" "+literal(v))
			}
		default:
			opts = append(opts, fmt.Sprintf("%s %v", strings.ToUpper(k), v))
		}
	}
	if len(opts) > 0 {
		q += " (" + strings.Join(opts, ", ") + ")"
	}
	return q
}

// attach attaches one database on a new connection. What it needs must be
// loaded already: elt downloads nothing.
func attach(ctx context.Context, conn driver.ExecerContext, i int, a Attachment, workDir string) error {
	field := fmt.Sprintf("attach[%d]", i)
	if ext, f := a.requiredExtension(); ext != "" {
		st, err := extensionState(ctx, conn, ext)
		if err != nil {
			return err
		}
		if !st.loaded {
			return &adapters.FieldError{Field: field + "." + f,
				Msg:  fmt.Sprintf("attaching %s needs DuckDB's %s extension, which is not built into elt and not loaded; elt never downloads extensions", a.Path, ext),
				Hint: fmt.Sprintf("attach a DuckDB file instead, or install %s once (duckdb -c \"install %s\") and list it under extensions:", ext, ext)}
		}
	}
	if _, err := conn.ExecContext(ctx, a.attachSQL(workDir), nil); err != nil {
		return &adapters.FieldError{Field: field, Msg: fmt.Sprintf("attach %s: %s", a.Path, firstLine(errorMessage(err)))}
	}
	return nil
}

type extState struct {
	name              string
	known             bool // DuckDB knows the extension (built in, installed or in its repository)
	installed, loaded bool
}

// extensionState looks name (or an alias of it) up in duckdb_extensions().
func extensionState(ctx context.Context, conn driver.ExecerContext, name string) (extState, error) {
	q, ok := conn.(driver.QueryerContext)
	if !ok {
		return extState{}, errors.New("duckdb: the connection cannot run queries")
	}
	rows, err := q.QueryContext(ctx, "select extension_name, installed, loaded from duckdb_extensions() where extension_name = lower($1) or list_contains(aliases, lower($1))",
		[]driver.NamedValue{{Ordinal: 1, Value: name}})
	if err != nil {
		return extState{}, fmt.Errorf("duckdb: look up extension %s: %w", name, err)
	}
	defer rows.Close()
	dest := make([]driver.Value, 3)
	if err := rows.Next(dest); err != nil {
		if errors.Is(err, io.EOF) {
			return extState{name: name}, nil
		}
		return extState{}, err
	}
	st := extState{known: true}
	st.name, _ = dest[0].(string)
	st.installed, _ = dest[1].(bool)
	st.loaded, _ = dest[2].(bool)
	return st, nil
}

// loadExtension loads the profile's extensions[i]: it is loaded already
// (built in), or installed in DuckDB's extension directory and loaded
// from there. Anything else would need a download, which elt never does.
func loadExtension(ctx context.Context, conn driver.ExecerContext, i int, name string) error {
	field := fmt.Sprintf("extensions[%d]", i)
	st, err := extensionState(ctx, conn, name)
	if err != nil {
		return err
	}
	switch {
	case st.loaded:
		return nil
	case st.installed:
		if _, err := conn.ExecContext(ctx, "load "+Dialect{}.Quote(st.name), nil); err != nil {
			return &adapters.FieldError{Field: field, Msg: fmt.Sprintf("load extension %s: %s", name, firstLine(errorMessage(err)))}
		}
		return nil
	}
	return &adapters.FieldError{Field: field,
		Msg: fmt.Sprintf("extension %s is not built into elt and not installed in DuckDB's extension directory, and elt never downloads extensions at run time", name),
		Hint: fmt.Sprintf("remove it (built in: %s), or install it once with DuckDB's own tools (duckdb -c \"install %s\") so that it loads offline",
			builtinExtensions(ctx, conn), name)}
}

// errorMessage is DuckDB's message without the driver's prefixes.
func errorMessage(err error) string {
	var de *duckdbdriver.Error
	if errors.As(err, &de) {
		return de.Msg
	}
	return err.Error()
}

// builtinExtensions lists the extensions compiled into elt's DuckDB.
func builtinExtensions(ctx context.Context, conn driver.ExecerContext) string {
	q, ok := conn.(driver.QueryerContext)
	if !ok {
		return ""
	}
	rows, err := q.QueryContext(ctx, "select string_agg(extension_name, ', ' order by extension_name) from duckdb_extensions() where install_path = '(BUILT-IN)'", nil)
	if err != nil {
		return ""
	}
	defer rows.Close()
	dest := make([]driver.Value, 1)
	if rows.Next(dest) != nil {
		return ""
	}
	s, _ := dest[0].(string)
	return s
}
