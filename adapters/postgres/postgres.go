package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/elt-dev/elt/adapters"
)

// Config is a Postgres target, with dbt-postgres's profiles.yml keys.
type Config struct {
	Host     string // default "localhost"
	Port     int    // default 5432
	User     string
	Password string // never appears in errors or logs
	DBName   string // the database; also accepted as "database" in profiles.yml
	Schema   string // default schema of the target; default "public"
	Threads  int    // how many models run at once; sizes the pool (Threads + 1)
	// SSLMode is libpq's sslmode (disable, allow, prefer, require,
	// verify-ca, verify-full); empty is libpq's default, prefer.
	SSLMode                      string
	SSLCert, SSLKey, SSLRootCert string
	SearchPath                   string // set on every connection when not empty
	KeepalivesIdle               int    // seconds; TCP keep-alive period, 0 for the system's default
	ConnectTimeout               int    // seconds; default 10, as dbt-postgres
	Role                         string // SET ROLE on every connection when not empty
	ApplicationName              string // default "elt"
	// Trace, when set, is called with every statement the adapter runs
	// (COPY included), before it runs. It must be safe for concurrent use.
	Trace func(sql string)
}

// Adapter is a Postgres database opened by Open. It is safe for concurrent use.
type Adapter struct {
	cfg  Config
	pool *pgxpool.Pool
	// label names the profile and target in errors the user must act on
	// (permissions); "postgres" when opened directly.
	label string
}

var (
	_ adapters.Adapter   = (*Adapter)(nil)
	_ adapters.Describer = (*Adapter)(nil)
)

// ConfigFromFields reads a profiles.yml target's keys: host, port, user,
// password (or pass), dbname (or database), schema, threads, sslmode,
// sslcert, sslkey, sslrootcert, search_path, keepalives_idle,
// connect_timeout, role and application_name. Other keys (type, retries, ...)
// are ignored.
func ConfigFromFields(fields map[string]any) (Config, error) {
	var cfg Config
	str := func(dst *string, keys ...string) error {
		for _, k := range keys {
			v, ok := fields[k]
			if !ok || v == nil {
				continue
			}
			switch x := v.(type) {
			case string:
				*dst = x
			case int, int64, float64:
				// YAML reads password: 1234 as a number.
				*dst = fmt.Sprint(x)
			default:
				return fmt.Errorf("postgres: profile field %s: want a string, got %T", k, v)
			}
			return nil
		}
		return nil
	}
	num := func(dst *int, key string) error {
		v, ok := fields[key]
		if !ok || v == nil {
			return nil
		}
		switch n := v.(type) {
		case int:
			*dst = n
		case int64:
			*dst = int(n)
		case float64:
			if n != float64(int(n)) {
				return fmt.Errorf("postgres: profile field %s: want a whole number, got %v", key, n)
			}
			*dst = int(n)
		case string:
			i, err := strconv.Atoi(strings.TrimSpace(n))
			if err != nil {
				return fmt.Errorf("postgres: profile field %s: want a whole number, got %q", key, n)
			}
			*dst = i
		default:
			return fmt.Errorf("postgres: profile field %s: want a number, got %T", key, v)
		}
		if *dst < 0 {
			return fmt.Errorf("postgres: profile field %s: want a positive number, got %d", key, *dst)
		}
		return nil
	}
	for _, f := range []error{
		str(&cfg.Host, "host"),
		str(&cfg.User, "user", "username"),
		str(&cfg.Password, "password", "pass"),
		str(&cfg.DBName, "dbname", "database"),
		str(&cfg.Schema, "schema"),
		str(&cfg.SSLMode, "sslmode"),
		str(&cfg.SSLCert, "sslcert"),
		str(&cfg.SSLKey, "sslkey"),
		str(&cfg.SSLRootCert, "sslrootcert"),
		str(&cfg.SearchPath, "search_path"),
		str(&cfg.Role, "role"),
		str(&cfg.ApplicationName, "application_name"),
		num(&cfg.Port, "port"),
		num(&cfg.Threads, "threads"),
		num(&cfg.KeepalivesIdle, "keepalives_idle"),
		num(&cfg.ConnectTimeout, "connect_timeout"),
	} {
		if f != nil {
			return Config{}, f
		}
	}
	if cfg.Port > 65535 {
		return Config{}, fmt.Errorf("postgres: profile field port: %d is not a port number", cfg.Port)
	}
	// dbt-postgres accepts both spellings of the database; when both are
	// given they must agree.
	if a, b := fields["dbname"], fields["database"]; a != nil && b != nil && fmt.Sprint(a) != fmt.Sprint(b) {
		return Config{}, fmt.Errorf("postgres: profile fields dbname %q and database %q differ; keep one", fmt.Sprint(a), fmt.Sprint(b))
	}
	return cfg.withDefaults(), nil
}

func (cfg Config) withDefaults() Config {
	if cfg.Host == "" {
		cfg.Host = "localhost"
	}
	if cfg.Port == 0 {
		cfg.Port = 5432
	}
	if cfg.Schema == "" {
		cfg.Schema = "public"
	}
	if cfg.Threads < 1 {
		cfg.Threads = 1
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10
	}
	if cfg.ApplicationName == "" {
		cfg.ApplicationName = "elt"
	}
	return cfg
}

// connString renders every setting but the password as a libpq keyword/value
// string, so that nothing pgx echoes from it can hold a secret.
func (cfg Config) connString() string {
	var b strings.Builder
	kv := func(k, v string) {
		if v == "" {
			return
		}
		v = strings.ReplaceAll(v, `\`, `\\`)
		v = strings.ReplaceAll(v, `'`, `\'`)
		fmt.Fprintf(&b, "%s='%s' ", k, v)
	}
	kv("host", cfg.Host)
	kv("port", strconv.Itoa(cfg.Port))
	kv("user", cfg.User)
	kv("dbname", cfg.DBName)
	kv("sslmode", cfg.SSLMode)
	kv("sslcert", cfg.SSLCert)
	kv("sslkey", cfg.SSLKey)
	kv("sslrootcert", cfg.SSLRootCert)
	kv("connect_timeout", strconv.Itoa(cfg.ConnectTimeout))
	kv("application_name", cfg.ApplicationName)
	return strings.TrimSpace(b.String())
}

// Open connects to the database in cfg and checks the connection with a
// round trip (and SET ROLE, when a role is set). Connection failures are
// *ConnectError values with one-line messages that name no secret.
func Open(ctx context.Context, cfg Config) (*Adapter, error) {
	cfg = cfg.withDefaults()
	pcfg, err := pgxpool.ParseConfig(cfg.connString())
	if err != nil {
		msg := err.Error()
		if inner := errors.Unwrap(err); inner != nil {
			msg = inner.Error() // without the connection string
		}
		return nil, &ConnectError{Prefix: "postgres", Reason: "invalid connection settings: " + msg, Hint: "check host, port, sslmode and the other keys in profiles.yml"}
	}
	cc := pcfg.ConnConfig
	// Set after parsing: the password never passes through a string pgx
	// might quote in an error.
	if cfg.Password != "" {
		cc.Password = cfg.Password
	}
	// Plain simple-protocol statements: no server-side prepared statements,
	// which a rebuilt table would invalidate ("cached plan must not change
	// result type"), and several statements per Exec work.
	cc.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	if cfg.SearchPath != "" {
		cc.RuntimeParams["search_path"] = cfg.SearchPath
	}
	if cfg.KeepalivesIdle > 0 {
		dialer := &net.Dialer{KeepAlive: time.Duration(cfg.KeepalivesIdle) * time.Second, Timeout: time.Duration(cfg.ConnectTimeout) * time.Second}
		cc.DialFunc = dialer.DialContext
	}
	cc.Tracer = tracer{cfg.Trace}
	if cfg.Role != "" {
		role := cfg.Role
		pcfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
			_, err := c.Exec(ctx, "set role "+Dialect{}.Quote(role))
			return err
		}
	}
	// A running node holds a connection (its session) and may take one
	// more beside it (catalog look-ups); one more for the run's own.
	pcfg.MaxConns = int32(2*cfg.Threads + 1)
	pcfg.MinConns = 0

	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, connectError(ctx, cfg, err)
	}
	// Acquire runs AfterConnect (SET ROLE), so a bad role fails here too.
	conn, err := pool.Acquire(ctx)
	if err == nil {
		err = conn.Ping(ctx)
		conn.Release()
	}
	if err != nil {
		pool.Close()
		return nil, connectError(ctx, cfg, err)
	}
	return &Adapter{cfg: cfg, pool: pool, label: "postgres"}, nil
}

// tracer hands every statement pgx runs to Config.Trace (when set) and to
// the node's statement log.
type tracer struct{ fn func(string) }

func (t tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if t.fn != nil {
		t.fn(data.SQL)
	}
	if len(data.Args) == 0 { // with arguments: a catalog look-up, not the node's work
		adapters.LogStatement(ctx, adapters.UncommentSQL(ctx, data.SQL))
	}
	return ctx
}

func (tracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// trace records a statement pgx does not see as a query (COPY).
func (a *Adapter) trace(ctx context.Context, sql string) {
	if a.cfg.Trace != nil {
		a.cfg.Trace(sql)
	}
	adapters.LogStatement(ctx, sql)
}

// Config is the configuration the adapter was opened with, defaults filled
// in (the password included: do not print it).
func (a *Adapter) Config() Config { return a.cfg }

// Database is the database the adapter is connected to. The conformance
// suite uses it to build three-part names.
func (a *Adapter) Database() string { return a.cfg.DBName }

// Dialect returns PostgreSQL's quoting and naming.
func (a *Adapter) Dialect() adapters.Dialect { return Dialect{} }

// Exec runs one or more statements (simple protocol) in autocommit.
func (a *Adapter) Exec(ctx context.Context, query string) error {
	sent := adapters.CommentSQL(ctx, query)
	if _, err := a.querier(ctx).Exec(ctx, sent); err != nil {
		return fmt.Errorf("postgres: exec: %w", positioned(adapters.ContextError(ctx, err), sent))
	}
	return nil
}

// Query runs a query and holds its rows in memory, as plain Go values (see
// goValue).
func (a *Adapter) Query(ctx context.Context, query string) (*adapters.Result, error) {
	sent := adapters.CommentSQL(ctx, query)
	res, err := queryAll(ctx, a.querier(ctx), sent)
	if err != nil {
		return nil, fmt.Errorf("postgres: query: %w", positioned(err, sent))
	}
	return res, nil
}

var _ adapters.Sessioner = (*Adapter)(nil)

type sessionKey struct{}

// Session pins one connection of the pool for the statements run with the
// returned context (PostgreSQL's temporary tables and SET live on one
// session). Within a session it is that session.
func (a *Adapter) Session(ctx context.Context) (context.Context, func(), error) {
	if _, ok := ctx.Value(sessionKey{}).(*pgxpool.Conn); ok {
		return ctx, func() {}, nil
	}
	c, err := a.pool.Acquire(ctx)
	if err != nil {
		return ctx, func() {}, fmt.Errorf("postgres: session: %w", adapters.ContextError(ctx, err))
	}
	return context.WithValue(ctx, sessionKey{}, c), func() { a.release(c) }, nil
}

// release gives a session's connection back to the pool as a new
// connection would be: dbt closes a node's connection when the node ends
// (and a hook phase's or an operation's), so the temporary tables and SET
// values made there are gone for the next. DISCARD ALL drops them and the
// profile's role is set again; a connection that cannot be reset (a
// transaction left open, a failure) is closed instead.
func (a *Adapter) release(c *pgxpool.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pc := c.Conn().PgConn()
	if pc.TxStatus() == 'I' && !pc.IsBusy() {
		// On the wire connection, past pgx's tracer: not the node's statements.
		err := pc.Exec(ctx, "discard all").Close()
		if err == nil && a.cfg.Role != "" {
			err = pc.Exec(ctx, "set role "+Dialect{}.Quote(a.cfg.Role)).Close()
		}
		if err == nil {
			c.Release()
			return
		}
	}
	_ = c.Conn().Close(ctx)
	c.Release()
}

// querier is the session's connection when ctx has one, else the pool.
func (a *Adapter) querier(ctx context.Context) querier {
	if c, ok := ctx.Value(sessionKey{}).(*pgxpool.Conn); ok {
		return c
	}
	return a.pool
}

// querier is what a pool and a transaction share.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// queryAll runs query, one statement or several (simple protocol), and
// holds the last statement's rows in memory, as plain Go values (see
// goValue), with its command tag: what psycopg2's cursor gives after
// executing a string of several statements (libpq keeps the last
// result), and so what dbt-postgres's get_response and fetchall read (a
// model's sql_header before its create table ... as says SELECT n, not
// SET). pgx's Query would stop at the first statement's.
func queryAll(ctx context.Context, q querier, query string) (*adapters.Result, error) {
	var res *adapters.Result
	err := onConn(ctx, q, func(c *pgx.Conn) (err error) {
		res, err = lastResult(ctx, c, query)
		return err
	})
	return res, err
}

// onConn runs fn on q's connection: a session's, a transaction's, or one
// the pool lends for the call.
func onConn(ctx context.Context, q querier, fn func(*pgx.Conn) error) error {
	switch x := q.(type) {
	case *pgxpool.Conn:
		return fn(x.Conn())
	case pgx.Tx:
		return fn(x.Conn())
	case *pgxpool.Pool:
		c, err := x.Acquire(ctx)
		if err != nil {
			return adapters.ContextError(ctx, err)
		}
		defer c.Release()
		return fn(c.Conn())
	}
	return fmt.Errorf("postgres: no connection in %T", q)
}

// lastResult runs query on c, reading every statement's result and
// keeping the last. The connection's tracer sees it as it sees a Query.
func lastResult(ctx context.Context, c *pgx.Conn, query string) (res *adapters.Result, err error) {
	if t := c.Config().Tracer; t != nil {
		ctx = t.TraceQueryStart(ctx, c, pgx.TraceQueryStartData{SQL: query})
		defer func() {
			end := pgx.TraceQueryEndData{Err: err}
			if res != nil {
				end.CommandTag = pgconn.NewCommandTag(res.Status)
			}
			t.TraceQueryEnd(ctx, c, end)
		}()
	}
	mrr := c.PgConn().Exec(ctx, query)
	for mrr.NextResult() {
		r, err := readResult(c.TypeMap(), mrr.ResultReader())
		if err != nil {
			_ = mrr.Close()
			return nil, adapters.ContextError(ctx, err)
		}
		res = r
	}
	if err := mrr.Close(); err != nil {
		return nil, adapters.ContextError(ctx, err)
	}
	if res == nil { // no statement at all
		res = &adapters.Result{Columns: []string{}, Types: []string{}, Rows: [][]any{}}
	}
	return res, nil
}

// readResult reads one statement's result: its columns, rows and command
// tag (complete once the rows are read).
func readResult(tm *pgtype.Map, rr *pgconn.ResultReader) (*adapters.Result, error) {
	rows := pgx.RowsFromResultReader(tm, rr)
	defer rows.Close()
	fields := rows.FieldDescriptions()
	res := &adapters.Result{Columns: make([]string, len(fields)), Types: make([]string, len(fields)), Rows: [][]any{}}
	for i, f := range fields {
		res.Columns[i] = f.Name
		if t, ok := tm.TypeForOID(f.DataTypeOID); ok {
			res.Types[i] = strings.ToUpper(t.Name)
		}
	}
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, err
		}
		for i, v := range vals {
			vals[i] = goValue(v)
		}
		res.Rows = append(res.Rows, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	tag := rows.CommandTag()
	res.Status, res.RowsAffected = tag.String(), tag.RowsAffected()
	return res, nil
}

// inTx runs fn in a transaction, committing only if fn succeeds. Within
// a session the transaction is on its connection, so it sees what the
// node's hooks set there, unless a transaction is open on it already (a
// materialization block's): its commit is the block's to make, so fn
// runs on another connection, as before sessions.
func (a *Adapter) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	var begin func(context.Context) (pgx.Tx, error) = a.pool.Begin
	if c, ok := ctx.Value(sessionKey{}).(*pgxpool.Conn); ok && c.Conn().PgConn().TxStatus() == 'I' {
		begin = c.Begin
	}
	tx, err := begin(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		// The context may be cancelled: roll back regardless (pgx closes
		// the connection if it cannot).
		if rbErr := tx.Rollback(context.WithoutCancel(ctx)); rbErr != nil && !errors.Is(rbErr, pgx.ErrTxClosed) && ctx.Err() == nil {
			return errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		return err
	}
	return tx.Commit(ctx)
}

// Close closes the connection pool.
func (a *Adapter) Close() error {
	a.pool.Close()
	return nil
}
