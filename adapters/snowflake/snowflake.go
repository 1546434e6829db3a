package snowflake

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"time"

	sf "github.com/snowflakedb/gosnowflake"

	"github.com/elt-dev/elt/adapters"
	// Before gosnowflake's init: no native library written to /tmp.
	_ "github.com/elt-dev/elt/internal/sfminicore"
)

// Driver registers Snowflake with cmd/elt, with dbt-snowflake's default
// quoting (none).
func Driver() adapters.Driver { return DriverWithQuoting(Quoting{}) }

// DriverWithQuoting is Driver with a project's quoting config, so that the
// dialect used to compile (Driver.Dialect) and the adapter's agree. A
// "quoting" mapping in the target's fields overrides it.
func DriverWithQuoting(q Quoting) adapters.Driver {
	return adapters.Driver{
		Type:    "snowflake",
		Dialect: Dialect{Quoting: q},
		Fields:  profileFields,
		Open: func(ctx context.Context, t adapters.Target) (adapters.Adapter, error) {
			return openTarget(ctx, t, q)
		},
	}
}

func openTarget(ctx context.Context, t adapters.Target, q Quoting) (adapters.Adapter, error) {
	fields := t.Fields
	if _, ok := fields["database"]; !ok && t.Database != "" {
		fields = withField(fields, "database", t.Database)
	}
	if _, ok := fields["schema"]; !ok && t.Schema != "" {
		fields = withField(fields, "schema", t.Schema)
	}
	cfg, err := ConfigFromFields(fields)
	if err != nil {
		return nil, fmt.Errorf("profile %q target %q: %w", t.Profile, t.Name, err)
	}
	if _, ok := fields["quoting"]; !ok {
		cfg.Quoting = q
	}
	if cfg.Threads == 0 {
		cfg.Threads = t.Threads
	}
	a, err := Open(ctx, cfg)
	if err != nil {
		var ce *ConnectError
		if errors.As(err, &ce) {
			ce.Profile, ce.Target = t.Profile, t.Name
			return nil, ce
		}
		return nil, fmt.Errorf("profile %q target %q: %w", t.Profile, t.Name, err)
	}
	return a, nil
}

func withField(fields map[string]any, k string, v any) map[string]any {
	out := make(map[string]any, len(fields)+1)
	for key, val := range fields {
		out[key] = val
	}
	out[k] = v
	return out
}

// Adapter is a Snowflake connection pool opened by Open. It is safe for
// concurrent use; each operation runs on one session of its own.
type Adapter struct {
	cfg     Config
	db      *sql.DB
	planner Planner
}

var (
	_ adapters.Adapter       = (*Adapter)(nil)
	_ adapters.Incrementaler = (*Adapter)(nil)
	_ adapters.Snapshotter   = (*Adapter)(nil)
)

// driverConfig is the gosnowflake configuration for cfg. It reads the
// private key, so a bad key fails here, before any network.
func driverConfig(cfg Config) (sf.Config, error) {
	sc := sf.Config{
		Account:     cfg.Account,
		User:        cfg.User,
		Password:    cfg.Password,
		Database:    cfg.Database,
		Schema:      cfg.Schema,
		Warehouse:   cfg.Warehouse,
		Role:        cfg.Role,
		Host:        cfg.Host,
		Port:        cfg.Port,
		Protocol:    cfg.Protocol,
		Token:       cfg.Token,
		Application: "elt",
		Params:      map[string]*string{},
		// A bad database, schema, warehouse or role fails the login, with a
		// message naming it, rather than the first query.
		ValidateDefaultParameters: sf.ConfigBoolTrue,
		DisableOCSPChecks:         cfg.InsecureMode,
		LoginTimeout:              cfg.LoginTimeout,
	}
	// dbt accepts the legacy "locator.region[.cloud]" form: the host is
	// that plus the domain, the account name its first part.
	if i := strings.IndexByte(cfg.Account, '.'); i > 0 {
		if sc.Host == "" {
			sc.Host = cfg.Account + ".snowflakecomputing.com"
		}
		sc.Account = cfg.Account[:i]
	}
	switch cfg.authKind() {
	case "snowflake":
		sc.Authenticator = sf.AuthTypeSnowflake
	case "snowflake_jwt":
		sc.Authenticator = sf.AuthTypeJwt
		key, err := cfg.privateKey()
		if err != nil {
			return sf.Config{}, err
		}
		sc.PrivateKey = key
	case "externalbrowser":
		sc.Authenticator = sf.AuthTypeExternalBrowser
	case "oauth":
		sc.Authenticator = sf.AuthTypeOAuth
	case "username_password_mfa":
		sc.Authenticator = sf.AuthTypeUsernamePasswordMFA
	case "programmatic_access_token":
		sc.Authenticator = sf.AuthTypePat
	case "okta":
		u, err := url.Parse(cfg.Authenticator)
		if err != nil {
			return sf.Config{}, fmt.Errorf("authenticator is not an Okta URL")
		}
		sc.Authenticator, sc.OktaURL = sf.AuthTypeOkta, u
	}
	if cfg.QueryTag != "" {
		tag := cfg.QueryTag
		sc.Params["query_tag"] = &tag
	}
	if cfg.ClientSessionKeepAlive {
		yes := "true"
		sc.Params["client_session_keep_alive"] = &yes
	}
	return sc, nil
}

// Open connects and checks the session with a round trip, retrying a
// failed connection connect_retries times (never a rejected login). A
// failure is a *ConnectError.
// quietDriverLog silences gosnowflake's own logger once per process.
var quietDriverLog sync.Once

func Open(ctx context.Context, cfg Config) (*Adapter, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Threads < 1 {
		cfg.Threads = 1
	}
	sc, err := driverConfig(cfg)
	if err != nil {
		return nil, connectError("", "", cfg, err)
	}
	quietDriverLog.Do(func() {
		// gosnowflake logs its own errors to stderr through a process-wide
		// logger; elt reports every error itself, once, in words.
		_ = sf.GetLogger().SetLogLevel("off")
		sf.GetLogger().SetOutput(io.Discard)
	})
	db := sql.OpenDB(sf.NewConnector(sf.SnowflakeDriver{}, sc))
	// One session per running model, plus one for catalog look-ups.
	db.SetMaxOpenConns(cfg.Threads + 1)
	db.SetMaxIdleConns(cfg.Threads + 1)
	for attempt := 0; ; attempt++ {
		pingCtx, cancel := ctx, context.CancelFunc(func() {})
		if cfg.ConnectTimeout > 0 {
			pingCtx, cancel = context.WithTimeout(ctx, cfg.ConnectTimeout)
		}
		err = db.PingContext(pingCtx)
		cancel()
		if err == nil || attempt >= cfg.ConnectRetries || !retryable(err) || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(attempt+1) * time.Second):
		}
	}
	if err != nil {
		db.Close()
		return nil, connectError("", "", cfg, err)
	}
	return &Adapter{cfg: cfg, db: db, planner: Planner{Dialect: Dialect{Quoting: cfg.Quoting}, QueryTag: cfg.QueryTag}}, nil
}

// trace passes sql to Config.Trace, when set, and to the node's statement log.
func (a *Adapter) trace(ctx context.Context, sql string) {
	if a.cfg.Trace != nil {
		a.cfg.Trace(sql)
	}
	adapters.LogStatement(ctx, sql)
}

// Config is the configuration the adapter was opened with.
func (a *Adapter) Config() Config { return a.cfg }

// Database is the target's database, for three-part names.
func (a *Adapter) Database() string { return a.cfg.Database }

// Dialect returns Snowflake's quoting and naming with the target's quoting.
func (a *Adapter) Dialect() adapters.Dialect { return a.planner.Dialect }

// Planner is the adapter's statement planner.
func (a *Adapter) Planner() Planner { return a.planner }

// Exec runs one or more statements (a hook may hold several).
func (a *Adapter) Exec(ctx context.Context, query string) error {
	mctx, err := sf.WithMultiStatement(ctx, 0)
	if err != nil {
		return fmt.Errorf("snowflake: exec: %w", err)
	}
	a.trace(ctx, query)
	if _, err := a.db.ExecContext(mctx, adapters.CommentSQL(ctx, query)); err != nil {
		return fmt.Errorf("snowflake: exec: %w", adapters.ContextError(ctx, err))
	}
	return nil
}

// Query runs a query and holds its rows in memory as plain Go values (see
// goValue). Column names are as Snowflake reports them, except that names
// it upper-cased from unquoted identifiers come back in lower case (see
// displayName).
func (a *Adapter) Query(ctx context.Context, query string) (*adapters.Result, error) {
	res, err := a.queryAll(ctx, a.db, query)
	if err != nil {
		return nil, fmt.Errorf("snowflake: query: %w", err)
	}
	for i, c := range res.Columns {
		res.Columns[i] = displayName(c)
	}
	return res, nil
}

// displayName turns a name Snowflake upper-cased (ORDER_ID, stored for an
// unquoted order_id) into the lower case the user most likely wrote, the
// case every other adapter reports. Names that were quoted with lower-case
// letters ("Full Name") are kept as they are.
func displayName(name string) string {
	if isPlainIdent(name) && name == strings.ToUpper(name) {
		return strings.ToLower(name)
	}
	return name
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (a *Adapter) queryAll(ctx context.Context, q queryer, query string) (*adapters.Result, error) {
	a.trace(ctx, query)
	return queryAll(ctx, q, query)
}

func queryAll(ctx context.Context, q queryer, query string) (*adapters.Result, error) {
	rows, err := q.QueryContext(ctx, adapters.CommentSQL(ctx, query))
	if err != nil {
		return nil, adapters.ContextError(ctx, err)
	}
	return adapters.ReadRows(ctx, rows, func(v any, col *sql.ColumnType) any {
		_, scale, _ := col.DecimalSize()
		return goValue(v, col.DatabaseTypeName(), scale)
	})
}

// qualify fills in the target's database and schema where rel leaves them
// empty, so temporary names and renames stay in the intended schema.
func (a *Adapter) qualify(rel adapters.Relation) adapters.Relation {
	if rel.Database == "" {
		rel.Database = a.cfg.Database
	}
	if rel.Schema == "" {
		rel.Schema = a.cfg.Schema
	}
	return rel
}

// Columns lists a table's or view's columns in order from the information
// schema, with full types (NUMBER(38,0), VARCHAR(16777216), ...). A relation
// that does not exist has no columns. Names are reported as Query reports
// them.
func (a *Adapter) Columns(ctx context.Context, rel adapters.Relation) ([]adapters.Column, error) {
	rel = a.qualify(rel)
	cols, err := a.catalogColumns(ctx, a.db, rel)
	if err != nil {
		return nil, fmt.Errorf("snowflake: columns of %s: %w", a.planner.Dialect.RenderRelation(rel), err)
	}
	for i := range cols {
		cols[i].Name = displayName(cols[i].Name)
	}
	return cols, nil
}

func (a *Adapter) catalogColumns(ctx context.Context, q queryer, rel adapters.Relation) ([]adapters.Column, error) {
	query := a.planner.ColumnsQuery(rel)
	a.trace(ctx, query)
	rows, err := q.QueryContext(ctx, adapters.CommentSQL(ctx, query))
	if err != nil {
		return nil, adapters.ContextError(ctx, err)
	}
	defer rows.Close()
	cols := []adapters.Column{}
	for rows.Next() {
		var c columnRow
		if err := rows.Scan(c.dest()...); err != nil {
			return nil, err
		}
		cols = append(cols, c.column())
	}
	return cols, adapters.ContextError(ctx, rows.Err())
}

// columnRow is one row of columnFields as it is scanned.
type columnRow struct {
	col                               adapters.Column
	dataType                          string
	charLen, prec, scale, dtPrec, pos sql.NullInt64
}

func (r *columnRow) dest() []any {
	return []any{&r.col.Name, &r.dataType, &r.charLen, &r.prec, &r.scale, &r.dtPrec, &r.pos, &r.col.Comment}
}

// column is the row's column, its full type written as "describe table"
// writes it.
func (r *columnRow) column() adapters.Column {
	c := r.col
	c.DataType = columnType(r.dataType, nullInt(r.charLen), nullInt(r.prec), nullInt(r.scale), nullInt(r.dtPrec))
	c.Index = int(r.pos.Int64)
	return c
}

func nullInt(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}

// describe lists a table's columns with their exact stored names, as
// "describe table" does; it sees the session's temporary tables.
func (a *Adapter) describe(ctx context.Context, q queryer, rel adapters.Relation) ([]adapters.Column, error) {
	res, err := a.queryAll(ctx, q, a.planner.DescribeQuery(rel))
	if err != nil {
		return nil, err
	}
	nameIdx, typeIdx, commentIdx := -1, -1, -1
	for i, c := range res.Columns {
		switch strings.ToLower(c) {
		case "name":
			nameIdx = i
		case "type":
			typeIdx = i
		case "comment":
			commentIdx = i
		}
	}
	if nameIdx < 0 || typeIdx < 0 {
		return nil, fmt.Errorf("describe table: unexpected columns %v", res.Columns)
	}
	return describedColumns(res.Rows, nameIdx, typeIdx, commentIdx), nil
}

func describedColumns(rows [][]any, nameIdx, typeIdx, commentIdx int) []adapters.Column {
	cols := make([]adapters.Column, 0, len(rows))
	for i, r := range rows {
		c := adapters.Column{Name: fmt.Sprint(r[nameIdx]), DataType: fmt.Sprint(r[typeIdx]), Index: i + 1}
		if commentIdx >= 0 && r[commentIdx] != nil {
			c.Comment = fmt.Sprint(r[commentIdx])
		}
		cols = append(cols, c)
	}
	return cols
}

// RelationKind says whether rel is a table, a view or absent.
func (a *Adapter) RelationKind(ctx context.Context, rel adapters.Relation) (adapters.RelationKind, error) {
	rel = a.qualify(rel)
	kind, err := a.relationKind(ctx, a.db, rel)
	if err != nil {
		return adapters.KindNone, fmt.Errorf("snowflake: relation kind of %s: %w", a.planner.Dialect.RenderRelation(rel), err)
	}
	return kind, nil
}

func (a *Adapter) relationKind(ctx context.Context, q queryer, rel adapters.Relation) (adapters.RelationKind, error) {
	res, err := a.queryAll(ctx, q, a.planner.RelationKindQuery(rel))
	if err != nil {
		return adapters.KindNone, err
	}
	for _, r := range res.Rows {
		if s, ok := r[0].(string); ok {
			if k := relationKind(s); k != adapters.KindNone && !strings.Contains(strings.ToUpper(s), "TEMPORARY") {
				return k, nil
			}
		}
	}
	return adapters.KindNone, nil
}

// CreateSchema creates database.schema unless it exists.
func (a *Adapter) CreateSchema(ctx context.Context, database, schema string) error {
	if database == "" {
		database = a.cfg.Database
	}
	q := a.planner.CreateSchema(database, schema)
	a.trace(ctx, q)
	if _, err := a.db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("snowflake: %s: %w", q, adapters.ContextError(ctx, err))
	}
	return nil
}

// Close closes the connection pool, ending the sessions.
func (a *Adapter) Close() error {
	if err := a.db.Close(); err != nil {
		return fmt.Errorf("snowflake: close: %w", err)
	}
	return nil
}

// suffix is unique per call, so concurrent runs and retries never collide.
func suffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}
