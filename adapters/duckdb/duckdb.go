package duckdb

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	duckdbdriver "github.com/duckdb/duckdb-go/v2"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/internal/lazyre"
)

const memoryPath = ":memory:"

// Config is a DuckDB target, as read from profiles.yml.
type Config struct {
	Path     string            // database file, or ":memory:" (also when empty)
	Database string            // catalog name: the file's base name without extension, "memory" for :memory:
	Schema   string            // default schema, "main" when empty
	Threads  int               // how many models run at once; sizes the connection pool
	Settings map[string]string // applied with SET on every connection
	// Options are dbt-duckdb's config_options: DuckDB configuration given
	// when the database is opened (startup-only ones too, such as
	// allow_unsigned_extensions), where settings are SET on each
	// connection.
	Options map[string]string
	// Extensions are loaded on every connection. Only those built into
	// elt's DuckDB or already installed in DuckDB's extension directory
	// can be: elt never downloads one (see initConn).
	Extensions []string
	// Attach are other databases attached on every connection, as
	// dbt-duckdb's attach: does.
	Attach []Attachment
	// WorkDir is the directory elt was started in: relative file paths in
	// SQL (sources' external_location, external models' locations) and
	// attached databases resolve against it, as DuckDB resolves them
	// against its process's directory in dbt-duckdb. Empty: the process's.
	WorkDir string
	// Trace, when set, is called with every statement the adapter runs
	// (and begin, commit, rollback), before it runs. It must be safe for
	// concurrent use.
	Trace func(sql string)
}

// Adapter is a DuckDB database opened by Open. It is safe for concurrent use.
type Adapter struct {
	cfg Config
	db  *sql.DB
	// schemaMu serialises create schema: two threads creating the same
	// schema at once make DuckDB fail one with a write-write conflict,
	// even with "if not exists".
	schemaMu sync.Mutex
	// kinds spares each build a scan of the whole catalog.
	kinds kindCache
	// fullSeedSniff makes seeds detect types from every row at once, as
	// the sampled load falls back to; tests set it to compare the two.
	fullSeedSniff bool
	// seedBuffer, when set, is the read_csv buffer_size of every seed's
	// load, whatever the file's size (see largeSeedBytes); tests set it to
	// load small files in several buffers, as large files load.
	seedBuffer int64
}

var (
	_ adapters.Adapter   = (*Adapter)(nil)
	_ adapters.Describer = (*Adapter)(nil)
)

// ConfigFromFields reads a profiles.yml target's keys: path, database,
// schema, threads, settings, extensions and attach. Other keys (type,
// external_root, which the compiler reads, ...) are ignored. A database
// that is given must match the one the path implies, as in dbt-duckdb,
// since DuckDB names the catalog after the file, or be an attached
// database's alias. A field at fault is reported as *adapters.FieldError.
func ConfigFromFields(fields map[string]any) (Config, error) {
	var cfg Config
	var err error
	if cfg.Path, err = stringField(fields, "path"); err != nil {
		return Config{}, err
	}
	if cfg.Database, err = stringField(fields, "database"); err != nil {
		return Config{}, err
	}
	if cfg.Schema, err = stringField(fields, "schema"); err != nil {
		return Config{}, err
	}
	if v, ok := fields["threads"]; ok && v != nil {
		switch n := v.(type) {
		case int:
			cfg.Threads = n
		case int64:
			cfg.Threads = int(n)
		case float64:
			if n != float64(int(n)) {
				return Config{}, &adapters.FieldError{Field: "threads", Msg: fmt.Sprintf("want a whole number, got %v", n)}
			}
			cfg.Threads = int(n)
		default:
			return Config{}, &adapters.FieldError{Field: "threads", Msg: fmt.Sprintf("want a number, got %T", v)}
		}
		if cfg.Threads < 1 {
			return Config{}, &adapters.FieldError{Field: "threads", Msg: fmt.Sprintf("want at least 1, got %d", cfg.Threads)}
		}
	}
	if cfg.Settings, err = scalarMap(fields, "settings", "setting"); err != nil {
		return Config{}, err
	}
	if v, ok := fields["extensions"]; ok && v != nil {
		list, ok := v.([]any)
		if !ok {
			return Config{}, &adapters.FieldError{Field: "extensions", Msg: fmt.Sprintf("want a list, got %T", v)}
		}
		for i, e := range list {
			switch e := e.(type) {
			case string:
				cfg.Extensions = append(cfg.Extensions, e)
			case map[string]any: // dbt-duckdb also accepts {name: ..., repo: ...}
				name, ok := e["name"].(string)
				if !ok || name == "" {
					return Config{}, &adapters.FieldError{Field: fmt.Sprintf("extensions[%d]", i), Msg: "want a name", Hint: "write {name: h3, repo: community}, or just the name"}
				}
				for k := range e {
					if k != "name" && k != "repo" {
						return Config{}, &adapters.FieldError{Field: fmt.Sprintf("extensions[%d].%s", i, k), Msg: "an extension has only name and repo", Hint: "remove it"}
					}
				}
				cfg.Extensions = append(cfg.Extensions, name)
			default:
				return Config{}, &adapters.FieldError{Field: fmt.Sprintf("extensions[%d]", i), Msg: fmt.Sprintf("want a string, got %T", e)}
			}
		}
	}
	if cfg.Attach, err = attachmentsFromField(fields["attach"]); err != nil {
		return Config{}, err
	}
	if cfg.Options, err = scalarMap(fields, "config_options", "DuckDB option"); err != nil {
		return Config{}, err
	}
	// keep_open (dbt-duckdb keeps the database open between uses) and
	// disable_transactions (it builds without BEGIN and COMMIT) change
	// no result: elt opens the database once per command, and its
	// transactions only keep a failed build from leaving half a relation.
	for _, k := range []string{"keep_open", "disable_transactions"} {
		if v, ok := fields[k]; ok && v != nil {
			if _, ok := v.(bool); !ok {
				return Config{}, &adapters.FieldError{Field: k, Msg: fmt.Sprintf("want true or false, got %T", v)}
			}
		}
	}
	// dbt-duckdb's Python extension points, accepted when empty.
	for k, why := range map[string]string{
		"plugins":      "elt does not run dbt-duckdb's plugins, which are Python code",
		"module_paths": "elt does not run Python modules",
		"filesystems":  "elt does not support fsspec filesystems, which are Python",
	} {
		if v, ok := fields[k]; ok && v != nil {
			if list, ok := v.([]any); !ok || len(list) > 0 {
				return Config{}, &adapters.FieldError{Field: k, Msg: why, Hint: "remove " + k + " (an empty list is accepted)"}
			}
		}
	}
	return cfg.withDefaults()
}

// scalarMap reads a target key holding a mapping of names to strings,
// numbers or booleans (settings, config_options) as text; nil when unset.
// what names a key in the error ("want a mapping of setting to value").
func scalarMap(fields map[string]any, key, what string) (map[string]string, error) {
	v, ok := fields[key]
	if !ok || v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &adapters.FieldError{Field: key, Msg: fmt.Sprintf("want a mapping of %s to value, got %T", what, v)}
	}
	out := make(map[string]string, len(m))
	for k, val := range m {
		switch val.(type) {
		case string, bool, int, int64, float64:
			out[k] = fmt.Sprint(val)
		default:
			return nil, &adapters.FieldError{Field: key + "." + k, Msg: fmt.Sprintf("want a string, number or boolean, got %T", val)}
		}
	}
	return out, nil
}

func stringField(fields map[string]any, key string) (string, error) {
	v, ok := fields[key]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", &adapters.FieldError{Field: key, Msg: fmt.Sprintf("want a string, got %T", v)}
	}
	return s, nil
}

// withDefaults fills in the path, catalog name, schema and threads.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Path == "" {
		cfg.Path = memoryPath
	}
	implied := catalogName(cfg.Path)
	switch {
	case cfg.Database == "":
		cfg.Database = implied
	case strings.EqualFold(cfg.Database, implied):
	case cfg.attached(cfg.Database):
		// As dbt-duckdb: the target database may be an attached one,
		// named by its alias; models are built there.
	default:
		return Config{}, &adapters.FieldError{Field: "database",
			Msg:  fmt.Sprintf("database %q does not match path %q: DuckDB names the database %q after the file", cfg.Database, cfg.Path, implied),
			Hint: fmt.Sprintf("remove database, set it to %q, or to the alias of a database under attach:", implied)}
	}
	if cfg.Schema == "" {
		cfg.Schema = "main"
	}
	if cfg.Threads < 1 {
		cfg.Threads = 1
	}
	return cfg, nil
}

// catalogName is the name DuckDB gives the database at path.
func catalogName(path string) string {
	if path == memoryPath {
		return "memory"
	}
	base := filepath.Base(path)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

var settingName = lazyre.New(`^[A-Za-z_][A-Za-z0-9_.]*$`)

// Open opens (creating if needed) the database in cfg and connects to it, so
// that a file held by another process is reported here, as an error wrapping
// adapters.ErrDatabaseLocked.
func Open(ctx context.Context, cfg Config) (*Adapter, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	for k := range cfg.Settings {
		if !settingName().MatchString(k) {
			return nil, fmt.Errorf("duckdb: open %s: setting name %q is not a DuckDB setting name", cfg.Path, k)
		}
	}
	if cfg.Path != memoryPath {
		if dir := filepath.Dir(cfg.Path); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("duckdb: open %s: %w", cfg.Path, err)
			}
		}
	}

	// The DSN carries no options: settings are applied per connection with
	// SET, after extensions are loaded, since extension settings (s3_region,
	// ...) only exist once their extension is.
	dsn := cfg.Path
	if dsn == memoryPath {
		dsn = ""
	}
	if len(cfg.Options) > 0 {
		// config_options are configuration at open, which DuckDB reads
		// from the DSN's query.
		q := url.Values{}
		for k, v := range cfg.Options {
			if !settingName().MatchString(k) {
				return nil, fmt.Errorf("duckdb: open %s: config_options name %q is not a DuckDB option name", cfg.Path, k)
			}
			q.Set(k, v)
		}
		dsn += "?" + q.Encode()
	}
	// A file that is not DuckDB's (a SQLite file, say) is refused before
	// DuckDB opens it: DuckDB would otherwise download a scanner extension
	// to read it. initConn turns extension auto-install and auto-load off
	// before anything else.
	if kind := notDuckDB(cfg.Path); kind != "" {
		return nil, fmt.Errorf("duckdb: open %s: the file is not a DuckDB database (%s); point the profile's path: at a DuckDB file, or at a new file name for elt to create", cfg.Path, kind)
	}
	connector, err := duckdbdriver.NewConnector(dsn, func(conn driver.ExecerContext) error {
		return initConn(conn, cfg)
	})
	if err != nil {
		return nil, openError(cfg.Path, err)
	}
	db := sql.OpenDB(traceConnector{Connector: connector, trace: cfg.Trace}) // closes the connector when db is closed
	// A running node holds a connection (its session) and may take one
	// more beside it (catalog look-ups); one more for the run's own.
	db.SetMaxOpenConns(2*cfg.Threads + 1)
	db.SetMaxIdleConns(2*cfg.Threads + 1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, openError(cfg.Path, err)
	}

	// DuckDB names the catalog itself; make sure we agree with it, or every
	// rendered relation would point at a database that does not exist.
	var current string
	if err := db.QueryRowContext(ctx, "select current_database()").Scan(&current); err != nil {
		db.Close()
		return nil, openError(cfg.Path, err)
	}
	if !strings.EqualFold(current, catalogName(cfg.Path)) {
		db.Close()
		return nil, fmt.Errorf("duckdb: open %s: DuckDB names this database %q, not %q", cfg.Path, current, catalogName(cfg.Path))
	}
	return &Adapter{cfg: cfg, db: db}, nil
}

func initConn(conn driver.ExecerContext, cfg Config) error {
	ctx := context.Background()
	exec := func(q string) error {
		_, err := conn.ExecContext(ctx, q, nil)
		return err
	}
	// No extension is fetched from the network or loaded behind the
	// profile's back: only the extensions: list below is loaded, and only
	// from what is built in or already installed.
	for _, q := range []string{"set autoinstall_known_extensions = false", "set autoload_known_extensions = false"} {
		if err := exec(q); err != nil {
			return fmt.Errorf("duckdb: %s: %w", q, err)
		}
	}
	for i, ext := range cfg.Extensions {
		if err := loadExtension(ctx, conn, i, ext); err != nil {
			return err
		}
	}
	for i, at := range cfg.Attach {
		if err := attach(ctx, conn, i, at, cfg.WorkDir); err != nil {
			return err
		}
	}
	if cfg.WorkDir != "" {
		// Relative paths that DuckDB reads resolve against the working
		// directory elt was given, which in-process callers may set apart
		// from the process's. A settings: entry may still replace it.
		if err := exec("set file_search_path = " + literal(cfg.WorkDir)); err != nil {
			return fmt.Errorf("duckdb: set file_search_path: %w", err)
		}
	}
	keys := make([]string, 0, len(cfg.Settings))
	for k := range cfg.Settings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := cfg.Settings[k]
		if err := exec(fmt.Sprintf("set %s = %s", k, literal(v))); err != nil {
			// Settings often hold secrets (s3_secret_access_key): never echo the value.
			msg := err.Error()
			if len(v) >= 4 {
				msg = strings.ReplaceAll(msg, v, "***")
			}
			return fmt.Errorf("duckdb: setting %s: %s", k, msg)
		}
	}
	return nil
}

// openError classifies a failure to open: a lock held by another process
// becomes adapters.ErrDatabaseLocked with a hint.
func openError(path string, err error) error {
	msg := err.Error()
	var de *duckdbdriver.Error
	if errors.As(err, &de) {
		msg = de.Msg
	}
	if strings.Contains(msg, "Could not set lock on file") || strings.Contains(msg, "Conflicting lock is held") {
		return fmt.Errorf("duckdb: open %s: %w: another elt or duckdb process has the file open; wait for it or close it (%s)",
			path, adapters.ErrDatabaseLocked, firstLine(msg))
	}
	return fmt.Errorf("duckdb: open %s: %w", path, err)
}

// notDuckDB describes the file at path when it exists, is not empty and
// lacks DuckDB's header magic ("DUCK" at byte 8); "" otherwise.
func notDuckDB(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	head := make([]byte, 16)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case n == 0:
		return ""
	case n >= 12 && string(head[8:12]) == "DUCK":
		return ""
	case bytes.HasPrefix(head, []byte("SQLite format 3")):
		return "it is a SQLite database"
	}
	return "it has no DuckDB header"
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Config is the configuration the adapter was opened with, defaults filled in.
func (a *Adapter) Config() Config { return a.cfg }

// Database is the catalog name of the open database, e.g. "shop" for
// shop.duckdb. The conformance suite uses it to build three-part names.
func (a *Adapter) Database() string { return a.cfg.Database }

// Dialect returns DuckDB's quoting and naming.
func (a *Adapter) Dialect() adapters.Dialect { return Dialect{} }

// Exec runs one or more statements.
func (a *Adapter) Exec(ctx context.Context, query string) (err error) {
	// A hook or an operation may create, drop or replace relations.
	defer a.followKinds(ctx, query)(&err)
	if c := sessionConn(ctx); c != nil {
		_, err = c.ExecContext(ctx, query)
	} else {
		_, err = a.db.ExecContext(ctx, query)
	}
	if err != nil {
		return fmt.Errorf("duckdb: exec: %w", adapters.ContextError(ctx, err))
	}
	return nil
}

var _ adapters.Sessioner = (*Adapter)(nil)

type sessionKey struct{}

// Session pins one connection of the pool for the statements run with the
// returned context (DuckDB's temporary tables and SET live on one
// connection). Within a session it is that session.
func (a *Adapter) Session(ctx context.Context) (context.Context, func(), error) {
	if sessionConn(ctx) != nil {
		return ctx, func() {}, nil
	}
	c, err := a.db.Conn(ctx)
	if err != nil {
		return ctx, func() {}, fmt.Errorf("duckdb: session: %w", adapters.ContextError(ctx, err))
	}
	return context.WithValue(ctx, sessionKey{}, c), func() { release(c) }, nil
}

// release closes a session's connection rather than giving it back to
// the pool: dbt closes a node's connection (dbt-duckdb: its cursor) when
// the node ends, and a hook phase's or an operation's, so the temporary
// tables, SET values and open transaction made there are gone for the
// next. The pool opens a new connection (initConn) when one is needed.
func release(c *sql.Conn) {
	_ = c.Raw(func(any) error { return driver.ErrBadConn })
	_ = c.Close()
}

func sessionConn(ctx context.Context) *sql.Conn {
	c, _ := ctx.Value(sessionKey{}).(*sql.Conn)
	return c
}

// Query runs a query and holds its rows in memory, as plain Go values (see
// goValue).
func (a *Adapter) Query(ctx context.Context, query string) (_ *adapters.Result, err error) {
	defer a.followKinds(ctx, query)(&err)
	var q queryer = a.db
	if c := sessionConn(ctx); c != nil {
		q = c
	}
	res, err := queryAll(ctx, q, query)
	if err != nil {
		return nil, fmt.Errorf("duckdb: query: %w", err)
	}
	return res, nil
}

// followKinds returns what to do with the cached relation kinds once
// query has run (see kindChangeOf), given its error. A statement on the
// pool commits as it runs, so the relation it names is recorded; on a
// session's connection, which may hold a transaction open, anything but
// a statement that keeps the kinds forgets them.
func (a *Adapter) followKinds(ctx context.Context, query string) func(*error) {
	ch := kindChangeOf(query)
	if ch.op == changeKeep {
		return func(*error) {}
	}
	if sessionConn(ctx) != nil {
		ch.op = changeForget
	}
	return func(err *error) { a.kinds.apply(ch, *err) }
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func queryAll(ctx context.Context, q queryer, query string, args ...any) (*adapters.Result, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, adapters.ContextError(ctx, err)
	}
	return adapters.ReadRows(ctx, rows, func(v any, col *sql.ColumnType) any {
		return goValue(v, col.DatabaseTypeName())
	})
}

// Close checkpoints the database file and closes the connection pool.
func (a *Adapter) Close() error {
	if a.cfg.Path != memoryPath {
		// A failed checkpoint loses nothing: the write-ahead log is replayed
		// on the next open, and DuckDB checkpoints again when the last
		// connection to the file closes. So it is not worth failing Close.
		_, _ = a.db.ExecContext(context.Background(), "checkpoint")
	}
	if err := a.db.Close(); err != nil {
		return fmt.Errorf("duckdb: close %s: %w", a.cfg.Path, err)
	}
	return nil
}
