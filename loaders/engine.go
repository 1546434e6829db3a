package loaders

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/secrets"
)

// Page is one page or batch of records from a connector.
type Page struct {
	Records []Record
	// Columns, when known (a CSV header, a table's columns), orders new
	// columns; otherwise they are added in name order.
	Columns []string
	// Untyped says the values came as text (CSV) and their types are
	// inferred from their contents.
	Untyped bool
	// Rejects are records the connector could not parse.
	Rejects []Reject
	// Checkpoint is where to resume after this page ("" when the
	// connector cannot resume).
	Checkpoint string
	// Cursor, when the connector knows it, is the page's highest cursor
	// value in the source's own order (a database's collation and types),
	// kept for the next load as it is; "" lets the engine find the
	// highest value itself (cursorLess).
	Cursor string
	// Requests is how many HTTP requests (retries included) the page took.
	Requests int
}

// Reject is a record that did not land, with why.
type Reject struct {
	Reason string
	Raw    string
}

// State is what earlier loads left for this one.
type State struct {
	// Cursor is the highest value of the connector's cursor field landed
	// so far ("" on the first load).
	Cursor string
	// Checkpoint is where an interrupted load stopped ("" to start over).
	Checkpoint string
}

// Connector reads a source page by page.
type Connector interface {
	// CursorField names the field whose highest landed value is kept for
	// the next load ("" when the connector is not incremental).
	CursorField() string
	// Resumable says Page.Checkpoint lets a load continue where it
	// stopped; loads that cannot resume are landed in one transaction.
	Resumable() bool
	// Extract calls emit with each page, in order, from st.
	Extract(ctx context.Context, st State, emit func(Page) error) error
}

// NativeReader is a connector the target warehouse can read itself
// (DuckDB's read_csv, read_parquet, read_json).
type NativeReader interface {
	// NativeSQL returns a table expression for the target type, or ok
	// false when the target cannot read it. cleanup removes temporary
	// files.
	NativeSQL(ctx context.Context, targetType string) (expr string, ok bool, cleanup func(), err error)
}

// Progress is reported after each committed page and at the end.
type Progress struct {
	Loader   string
	LoadID   string
	Rows     int64
	Pages    int64
	Rejected int64
	Elapsed  time.Duration
}

// Result is one loader's outcome.
type Result struct {
	Loader   string
	LoadID   string
	Status   string // "success" or "error"
	Rows     int64  // rows landed by this load (resumed loads: in total)
	Pages    int64
	Rejected int64
	Cursor   string
	Resumed  bool
	Elapsed  time.Duration
	Err      error
}

// RunOptions are what Run needs besides the loader.
type RunOptions struct {
	Now      func() time.Time // time.Now when nil
	Progress func(Progress)   // called after each committed page; may be nil
	// CommitRows is how many rows a resumable load lands before it
	// commits them with its checkpoint (default 20,000; pages are never
	// split, and at least every 2 seconds a commit happens too).
	CommitRows int64
	// Prepared says that Prepare has made the loader's schema and state
	// tables in this invocation, so Run does not make them again.
	Prepared bool
	// Secrets are the invocation's secret values, scrubbed from the error
	// Run returns and writes to _elt_loads (the loader's own credentials,
	// Loader.SecretValues, are scrubbed even when nil).
	Secrets *secrets.Set
}

const (
	loadsTable    = "_elt_loads"
	rejectedTable = "_elt_rejected"
	colLoadedAt   = "_elt_loaded_at"
	colLoadID     = "_elt_load_id"
)

// Run lands one loader into rel through a, which must implement
// adapters.Bulk.
func Run(ctx context.Context, a adapters.Adapter, l *Loader, rel adapters.Relation, opts RunOptions) Result {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	start := opts.Now()
	res := Result{Loader: l.Name, Status: "error"}
	e := &engine{a: a, l: l, rel: rel, opts: opts, start: start, d: a.Dialect()}
	err := e.run(ctx, &res)
	res.Elapsed = opts.Now().Sub(start)
	if err != nil {
		// An error may quote what a source answered, and a source may
		// echo the credential it was sent: scrub it before it is shown
		// or stored.
		own := &secrets.Set{}
		own.Add(l.SecretValues()...)
		scrub := func(s string) string { return opts.Secrets.Scrub(own.Scrub(s)) }
		res.Err = &scrubbedError{msg: scrub(fmt.Sprintf("loader %s: %v", l.Name, err)), err: err}
		if e.loadID != "" {
			msg := strings.ReplaceAll(scrub(err.Error()), "'", "''")
			_ = a.Exec(context.WithoutCancel(ctx), fmt.Sprintf("update %s set status = 'error', finished_at = %s, error_message = '%s' where load_id = '%s'",
				e.loadsRel(), e.ts(opts.Now()), msg, e.loadID))
		}
		return res
	}
	res.Status = "success"
	return res
}

// scrubbedError is an error whose text has the secrets masked; errors.Is
// and errors.As still see the error it wraps.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

type engine struct {
	a      adapters.Adapter
	d      adapters.Dialect
	l      *Loader
	rel    adapters.Relation
	opts   RunOptions
	start  time.Time
	loadID string
	sch    schema
	exists bool
	// write is the table pages are appended to (rel, or a staging table).
	write adapters.Relation
	// rows, pages, rejected and cursor as committed so far.
	rows, pages, rejected int64
	cursor                string
	// children land nested arrays (nested_arrays: table), by path.
	children map[string]*engine
	isChild  bool
	nested   bool
}

func (e *engine) bulk() (adapters.Bulk, error) {
	b, ok := e.a.(adapters.Bulk)
	if !ok {
		return nil, fmt.Errorf("the %s adapter cannot land data (no bulk load path)", e.d.Type())
	}
	return b, nil
}

func (e *engine) q(s string) string { return e.d.Quote(s) }
func (e *engine) r(rel adapters.Relation) string {
	return e.d.RenderRelation(rel)
}
func (e *engine) loadsRel() string {
	return e.r(adapters.Relation{Database: e.rel.Database, Schema: e.rel.Schema, Identifier: loadsTable})
}
func (e *engine) rejectedRel() adapters.Relation {
	return adapters.Relation{Database: e.rel.Database, Schema: e.rel.Schema, Identifier: rejectedTable}
}
func (e *engine) ts(t time.Time) string {
	return "'" + t.UTC().Format("2006-01-02 15:04:05.999999") + "+00'::timestamptz"
}
func lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
func litOrNull(s string) string {
	if s == "" {
		return "null"
	}
	return lit(s)
}

func newLoadID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Prepare creates rel's schema and the load state tables in it
// (_elt_loads, _elt_rejected) unless they exist. Run does too; loaders
// that run at once must have their schemas prepared first, one schema at
// a time, since two transactions creating the same table conflict.
func Prepare(ctx context.Context, a adapters.Adapter, rel adapters.Relation) error {
	e := &engine{a: a, rel: rel, d: a.Dialect()}
	if err := a.CreateSchema(ctx, rel.Database, rel.Schema); err != nil {
		return err
	}
	if err := a.Exec(ctx, fmt.Sprintf(`create table if not exists %s (load_id text, loader text, started_at timestamptz, finished_at timestamptz, status text, row_count bigint, pages bigint, rejected bigint, cursor_value text, checkpoint text, error_message text)`, e.loadsRel())); err != nil {
		return err
	}
	return a.Exec(ctx, fmt.Sprintf(`create table if not exists %s (load_id text, loader text, rejected_at timestamptz, reason text, record text)`, e.r(e.rejectedRel())))
}

func (e *engine) run(ctx context.Context, res *Result) error {
	if _, err := e.bulk(); err != nil {
		return err
	}
	if !e.opts.Prepared {
		if err := Prepare(ctx, e.a, e.rel); err != nil {
			return err
		}
	}
	st, err := e.resumeState(ctx, res)
	if err != nil {
		return err
	}
	if !res.Resumed {
		e.loadID = newLoadID()
		if err := e.a.Exec(ctx, fmt.Sprintf("insert into %s (load_id, loader, started_at, status, row_count, pages, rejected, cursor_value) values (%s, %s, %s, 'running', 0, 0, 0, %s)",
			e.loadsRel(), lit(e.loadID), lit(e.l.Name), e.ts(e.start), litOrNull(st.Cursor))); err != nil {
			return err
		}
	}
	res.LoadID = e.loadID
	e.cursor = st.Cursor
	if n, ok := e.l.Conn.(Nester); ok {
		e.nested = n.NestedTables()
	}
	if err := e.readSchema(ctx); err != nil {
		return err
	}
	if nr, ok := e.l.Conn.(NativeReader); ok {
		expr, ok, cleanup, err := nr.NativeSQL(ctx, e.d.Type())
		if err != nil {
			return err
		}
		if ok {
			defer cleanup()
			if setup, ok := e.l.Conn.(interface{ NativeSetup() ([]string, error) }); ok {
				stmts, err := setup.NativeSetup()
				if err != nil {
					return err
				}
				for _, s := range stmts {
					if err := e.a.Exec(ctx, s); err != nil {
						// The statement holds a secret: name only what failed.
						msg := strings.SplitN(err.Error(), "\n", 2)[0]
						if strings.Contains(msg, "httpfs") {
							msg += " (s3:// and gs:// paths need DuckDB's httpfs extension installed in DuckDB's extension directory; elt never downloads one)"
						}
						return fmt.Errorf("object storage credentials: %s", msg)
					}
				}
			}
			err = e.runNative(ctx, expr)
			e.fill(res)
			return err
		}
	}
	if e.l.Conn.Resumable() && e.l.Disposition != Replace {
		err = e.runPaged(ctx, st)
	} else {
		err = e.runSingle(ctx, st)
	}
	e.fill(res)
	return err
}

func (e *engine) fill(res *Result) {
	res.Rows, res.Pages, res.Rejected, res.Cursor = e.rows, e.pages, e.rejected, e.cursor
}

// resumeState reads the cursor earlier loads reached and, when the last
// load of this loader stopped part way, its checkpoint and counts.
func (e *engine) resumeState(ctx context.Context, res *Result) (State, error) {
	r, err := e.a.Query(ctx, fmt.Sprintf("select load_id, status, cursor_value, checkpoint, row_count, pages, rejected from %s where loader = %s order by started_at desc limit 1",
		e.loadsRel(), lit(e.l.Name)))
	if err != nil {
		return State{}, err
	}
	var st State
	if len(r.Rows) == 0 {
		return st, nil
	}
	row := r.Rows[0]
	st.Cursor = str(row[2])
	if cp := str(row[3]); cp != "" && str(row[1]) != "success" && e.l.Conn.Resumable() && e.l.Disposition != Replace {
		st.Checkpoint = cp
		e.loadID = str(row[0])
		e.rows, e.pages, e.rejected = num(row[4]), num(row[5]), num(row[6])
		res.Resumed = true
		if err := e.a.Exec(ctx, fmt.Sprintf("update %s set status = 'running', error_message = null where load_id = %s", e.loadsRel(), lit(e.loadID))); err != nil {
			return st, err
		}
	}
	return st, nil
}

func str(v any) string {
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

func num(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case float64:
		return int64(x)
	}
	n, _ := strconv.ParseInt(str(v), 10, 64)
	return n
}

func (e *engine) readSchema(ctx context.Context) error {
	kindOfRel, err := e.a.RelationKind(ctx, e.rel)
	if err != nil {
		return err
	}
	e.exists = kindOfRel == adapters.KindTable
	if kindOfRel == adapters.KindView {
		return fmt.Errorf("%s is a view; a loader lands tables", e.r(e.rel))
	}
	e.sch = schema{}
	if !e.exists {
		return nil
	}
	cols, err := e.a.Columns(ctx, e.rel)
	if err != nil {
		return err
	}
	for _, c := range cols {
		if c.Name == colLoadedAt || c.Name == colLoadID {
			continue
		}
		e.sch.add(column{name: c.Name, kind: kindOfType(c.DataType)})
	}
	return nil
}

// Pages are committed together with the load's counts, cursor and
// checkpoint once commitRows rows or commitEvery have gone by, so a crash
// loses at most that much work, and never lands a row twice.
const (
	commitRows  = 20000
	commitEvery = 2 * time.Second
)

// runPaged commits pages in transactions that also hold the load's
// counts, cursor and checkpoint.
func (e *engine) runPaged(ctx context.Context, st State) error {
	b, _ := e.bulk()
	e.write = e.rel
	var tx adapters.BulkTx
	var pending int64
	var since time.Time
	defer func() {
		if tx != nil {
			_ = tx.Rollback(ctx)
		}
	}()
	commit := func(checkpoint string) error {
		if err := tx.Exec(ctx, e.stateUpdate(checkpoint)); err != nil {
			return err
		}
		err := tx.Commit(ctx)
		tx, pending = nil, 0
		return err
	}
	var lastCheckpoint string
	err := e.l.Conn.Extract(ctx, st, func(p Page) error {
		if tx == nil {
			var err error
			if tx, err = b.BeginBulk(ctx); err != nil {
				return err
			}
			since = time.Now()
		}
		before := e.rows
		if err := e.landPage(ctx, tx, p); err != nil {
			return err
		}
		pending += e.rows - before + 1
		lastCheckpoint = p.Checkpoint
		limit := e.opts.CommitRows
		if limit <= 0 {
			limit = commitRows
		}
		if pending >= limit || time.Since(since) >= commitEvery {
			if err := commit(p.Checkpoint); err != nil {
				return err
			}
		}
		e.report()
		return nil
	})
	if err != nil {
		return err
	}
	if tx != nil {
		if err := commit(lastCheckpoint); err != nil {
			return err
		}
	}
	return e.a.Exec(ctx, e.finish())
}

// runSingle lands the whole load in one transaction: replace builds a new
// table and swaps it in; other dispositions commit all pages at once.
func (e *engine) runSingle(ctx context.Context, st State) error {
	b, _ := e.bulk()
	tx, err := b.BeginBulk(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	e.write = e.rel
	if e.l.Disposition == Replace {
		e.write = adapters.Relation{Database: e.rel.Database, Schema: e.rel.Schema, Identifier: e.rel.Identifier + "__elt_new"}
		if err := tx.Exec(ctx, "drop table if exists "+e.r(e.write)); err != nil {
			return err
		}
		// The new table starts with the old one's columns, so the
		// contract judges new data against what consumers know.
		e.exists = false
		if len(e.sch.cols) > 0 {
			if err := e.createTable(ctx, tx, e.write); err != nil {
				return err
			}
			e.exists = true
		}
	}
	err = e.l.Conn.Extract(ctx, st, func(p Page) error {
		if err := e.landPage(ctx, tx, p); err != nil {
			return err
		}
		e.report()
		return nil
	})
	if err != nil {
		return err
	}
	if !e.exists {
		if err := e.createTable(ctx, tx, e.write); err != nil {
			return err
		}
	}
	if e.l.Disposition == Replace {
		if err := e.swap(ctx, tx); err != nil {
			return err
		}
		if e.nested {
			if err := e.swapChildren(ctx, tx); err != nil {
				return err
			}
		}
	}
	if err := tx.Exec(ctx, e.stateUpdate("")); err != nil {
		return err
	}
	if err := tx.Exec(ctx, e.finish()); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func (e *engine) swap(ctx context.Context, tx adapters.BulkTx) error {
	if err := tx.Exec(ctx, "drop table if exists "+e.r(e.rel)); err != nil {
		return err
	}
	return tx.Exec(ctx, fmt.Sprintf("alter table %s rename to %s", e.r(e.write), e.q(e.rel.Identifier)))
}

func (e *engine) report() {
	if e.opts.Progress != nil {
		e.opts.Progress(Progress{Loader: e.l.Name, LoadID: e.loadID, Rows: e.rows, Pages: e.pages, Rejected: e.rejected, Elapsed: e.opts.Now().Sub(e.start)})
	}
}

func (e *engine) stateUpdate(checkpoint string) string {
	return fmt.Sprintf("update %s set row_count = %d, pages = %d, rejected = %d, cursor_value = %s, checkpoint = %s where load_id = %s",
		e.loadsRel(), e.rows, e.pages, e.rejected, litOrNull(e.cursor), litOrNull(checkpoint), lit(e.loadID))
}

func (e *engine) finish() string {
	return fmt.Sprintf("update %s set status = 'success', finished_at = %s, checkpoint = null where load_id = %s",
		e.loadsRel(), e.ts(e.opts.Now()), lit(e.loadID))
}

func (e *engine) createTable(ctx context.Context, tx adapters.BulkTx, rel adapters.Relation) error {
	var cols []string
	for _, c := range e.sch.cols {
		cols = append(cols, e.q(c.name)+" "+c.kind.typeName())
	}
	cols = append(cols, e.q(colLoadedAt)+" timestamptz", e.q(colLoadID)+" text")
	return tx.Exec(ctx, fmt.Sprintf("create table %s (%s)", e.r(rel), strings.Join(cols, ", ")))
}

// landPage fits a page to the table (contract), writes its rows and its
// rejects, and advances the counts and cursor in memory; the caller
// commits.
func (e *engine) landPage(ctx context.Context, tx adapters.BulkTx, p Page) error {
	recs := make([]Record, len(p.Records))
	var kids []childRecord
	for i, r := range p.Records {
		if e.nested && !e.isChild {
			r = unnest(r, fmt.Sprintf("%s.%d.%d", e.loadID, e.pages, i), "", &kids)
		}
		recs[i] = flatten(r, p.Untyped)
	}
	rows, rejects, ddl, err := e.fit(recs, p.Columns)
	if err != nil {
		return err
	}
	rejects = append(p.Rejects, rejects...)
	if e.rejected+int64(len(rejects)) > int64(e.l.MaxRejected) {
		// Keep the rejects that crossed the limit, for the user to look at.
		if err := e.writeRejects(ctx, nil, rejects); err != nil {
			return err
		}
		return fmt.Errorf("%d rows rejected, more than max_rejected (%d); first: %s (see %s)",
			e.rejected+int64(len(rejects)), e.l.MaxRejected, rejects[0].Reason, e.r(e.rejectedRel()))
	}
	if !e.exists {
		if err := e.createTable(ctx, tx, e.write); err != nil {
			return err
		}
		e.exists = true
	} else {
		for _, s := range ddl {
			if err := tx.Exec(ctx, s); err != nil {
				return err
			}
		}
	}
	if len(rows) > 0 {
		if e.l.Disposition == Merge {
			rows = e.dedupe(rows)
			if err := e.merge(ctx, tx, rows); err != nil {
				return err
			}
		} else if _, err := tx.Append(ctx, e.write, e.appendColumns(), &adapters.SliceRows{Rows: rows}); err != nil {
			return err
		}
	}
	if err := e.writeRejects(ctx, tx, rejects); err != nil {
		return err
	}
	if len(kids) > 0 {
		if err := e.landChildren(ctx, tx, kids); err != nil {
			return err
		}
	}
	e.rows += int64(len(rows))
	e.rejected += int64(len(rejects))
	e.pages++
	if f := e.l.Conn.CursorField(); f != "" && !e.isChild {
		if p.Cursor != "" {
			e.cursor = p.Cursor
		} else {
			e.advanceCursor(p.Records, recs, f)
		}
	}
	return nil
}

func (e *engine) appendColumns() []string {
	return append(e.sch.names(), colLoadedAt, colLoadID)
}

// advanceCursor keeps the highest cursor value landed. raw are the
// records as the connector gave them (a JSON number keeps its exact
// text there), flat the same records flattened.
func (e *engine) advanceCursor(raw, flat []Record, field string) {
	col := normalizeName(field)
	for i, r := range flat {
		var vs string
		if n, ok := raw[i][field].(json.Number); ok {
			vs = n.String()
		} else {
			v, ok := r[col]
			if !ok || v == nil {
				continue
			}
			s, _ := convert(v, kText)
			vs = s.(string)
		}
		if e.cursor == "" || cursorLess(e.cursor, vs) {
			e.cursor = vs
		}
	}
}

// cursorLess orders two cursor values as the source does when the
// engine compares them itself: integers and decimals exactly (never as
// float64, which makes 2^53 + 1 equal to 2^53), timestamps as times (an
// RFC 3339 time without a fraction, as many APIs write a whole second,
// is not after the same second with one), the rest as text.
func cursorLess(a, b string) bool {
	if x, ok := exactNumber(a); ok {
		if y, ok := exactNumber(b); ok {
			return x.Cmp(y) < 0
		}
	}
	if x, ok := cursorTime(a); ok {
		if y, ok := cursorTime(b); ok {
			return x.Before(y)
		}
	}
	return a < b
}

// exactNumber reads a decimal number (an integer, 12.50, 1e+21) exactly.
func exactNumber(s string) (*big.Rat, bool) {
	if s == "" || strings.ContainsAny(s, "/_xXpP") || strings.TrimSpace(s) != s {
		return nil, false // big.Rat reads fractions and other bases too
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 && len(strings.TrimLeft(s[i+1:], "+-")) > 3 {
		return nil, false // 1e999999999 would take all memory to expand
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// cursorTime reads an RFC 3339 timestamp, with or without a fraction,
// with a T or a space between date and time.
func cursorTime(s string) (time.Time, bool) {
	if len(s) < len("2006-01-02T15:04:05Z") {
		return time.Time{}, false
	}
	if s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// fit applies the schema contract to a page: it decides new columns and
// type changes (as DDL), and turns each record into a row of the table's
// columns plus the load columns, or a reject.
func (e *engine) fit(recs []Record, hint []string) ([][]any, []Reject, []string, error) {
	var ddl []string
	// First pass: what the page needs from the schema.
	newCols := map[string]kind{}
	var order []string
	widened := map[string]kind{}
	for _, r := range recs {
		unknown := false
		for k, v := range r {
			i, ok := e.sch.lookup(k)
			if !ok {
				unknown = true
				continue
			}
			have := e.sch.cols[i].kind
			if w, ok := widened[k]; ok {
				have = w
			}
			if _, fits := convert(v, have); !fits {
				widened[k] = widen(have, kindOf(v))
			}
		}
		if !unknown {
			continue
		}
		// New columns are ordered (hint first, then by name), so the
		// table's column order does not depend on map order.
		for _, k := range sortedKeys(r, hint) {
			if _, ok := e.sch.lookup(k); ok {
				continue
			}
			vk := kindOf(r[k])
			if _, seen := newCols[k]; !seen {
				order = append(order, k)
				newCols[k] = kNull
			}
			newCols[k] = widen(newCols[k], vk)
		}
	}
	switch e.l.Contract {
	case Evolve:
		for _, k := range order {
			c := column{name: k, kind: newCols[k]}
			if c.kind == kNull {
				c.kind = kText
			}
			if e.exists {
				ddl = append(ddl, fmt.Sprintf("alter table %s add column %s %s", e.r(e.write), e.q(k), c.kind.typeName()))
			}
			e.sch.add(c)
		}
		for _, c := range e.sch.cols {
			if w, ok := widened[c.name]; ok {
				i, _ := e.sch.lookup(c.name)
				e.sch.cols[i].kind = w
				if e.exists {
					ddl = append(ddl, fmt.Sprintf("alter table %s alter column %s type %s using %s::%s", e.r(e.write), e.q(c.name), w.typeName(), e.q(c.name), w.typeName()))
				}
			}
		}
	case Freeze:
		if !e.exists && len(e.sch.cols) == 0 {
			// The first load of a frozen table defines it.
			for _, k := range order {
				c := column{name: k, kind: newCols[k]}
				if c.kind == kNull {
					c.kind = kText
				}
				e.sch.add(c)
			}
			break
		}
		if len(order) > 0 {
			return nil, nil, nil, fmt.Errorf("schema_contract freeze: new column %q is not in %s", order[0], e.r(e.rel))
		}
		for _, c := range e.sch.cols {
			if w, ok := widened[c.name]; ok {
				return nil, nil, nil, fmt.Errorf("schema_contract freeze: column %q is %s, and a value needs %s", c.name, c.kind.typeName(), w.typeName())
			}
		}
	default:
		if !e.exists && len(e.sch.cols) == 0 {
			for _, k := range order {
				c := column{name: k, kind: newCols[k]}
				if c.kind == kNull {
					c.kind = kText
				}
				e.sch.add(c)
			}
		}
	}
	now := e.opts.Now().UTC()
	rows := make([][]any, 0, len(recs))
	var rejects []Reject
	for _, r := range recs {
		row := make([]any, len(e.sch.cols)+2)
		reason := ""
		for k, v := range r {
			i, ok := e.sch.lookup(k)
			if !ok {
				if e.l.Contract == DiscardRow && v != nil {
					reason = fmt.Sprintf("new column %q (schema_contract discard_row)", k)
					break
				}
				continue // discard_value drops it
			}
			cv, fits := convert(v, e.sch.cols[i].kind)
			if !fits {
				if e.l.Contract == DiscardRow {
					reason = fmt.Sprintf("column %q: value %v does not fit %s (schema_contract discard_row)", k, v, e.sch.cols[i].kind.typeName())
					break
				}
				cv = nil
			}
			row[i] = cv
		}
		if reason != "" {
			raw, _ := json.Marshal(r)
			rejects = append(rejects, Reject{Reason: reason, Raw: string(raw)})
			continue
		}
		row[len(row)-2] = now
		row[len(row)-1] = e.loadID
		rows = append(rows, row)
	}
	return rows, rejects, ddl, nil
}

func (e *engine) writeRejects(ctx context.Context, tx adapters.BulkTx, rejects []Reject) error {
	if len(rejects) == 0 {
		return nil
	}
	now := e.opts.Now().UTC()
	rows := make([][]any, len(rejects))
	for i, r := range rejects {
		rows[i] = []any{e.loadID, e.l.Name, now, r.Reason, r.Raw}
	}
	own := tx == nil
	if own {
		b, _ := e.bulk()
		var err error
		if tx, err = b.BeginBulk(ctx); err != nil {
			return err
		}
		defer tx.Rollback(ctx)
	}
	if _, err := tx.Append(ctx, e.rejectedRel(), []string{"load_id", "loader", "rejected_at", "reason", "record"}, &adapters.SliceRows{Rows: rows}); err != nil {
		return err
	}
	if own {
		return tx.Commit(ctx)
	}
	return nil
}

// dedupe keeps the last row of each primary key in a page.
func (e *engine) dedupe(rows [][]any) [][]any {
	var idx []int
	for _, k := range e.l.PrimaryKey {
		if i, ok := e.sch.lookup(normalizeName(k)); ok {
			idx = append(idx, i)
		}
	}
	last := map[string]int{}
	for n, r := range rows {
		var key strings.Builder
		for _, i := range idx {
			fmt.Fprintf(&key, "%v\x00", r[i])
		}
		last[key.String()] = n
	}
	if len(last) == len(rows) {
		return rows
	}
	out := make([][]any, 0, len(last))
	for n, r := range rows {
		var key strings.Builder
		for _, i := range idx {
			fmt.Fprintf(&key, "%v\x00", r[i])
		}
		if last[key.String()] == n {
			out = append(out, r)
		}
	}
	return out
}

// checkPrimaryKey stops a merge whose primary_key names a column the
// data does not have (cols), at primary_key's line, before any row lands:
// the first load as much as the ones after it.
func (e *engine) checkPrimaryKey(cols []string) error {
	for _, k := range e.l.PrimaryKey {
		if !slices.Contains(cols, normalizeName(k)) {
			return diag.List{diag.Errorf(e.l.File, e.l.PrimaryKeyPos, "name the columns that identify a row, e.g. primary_key: id",
				"primary_key column %q is not in the data of loader %s (its columns: %s)", k, e.l.Name, strings.Join(cols, ", "))}.Err()
		}
	}
	return nil
}

// merge upserts a page: rows go to a staging table, rows of the target
// with the same key are deleted, and the staged rows inserted, all in the
// page's transaction.
func (e *engine) merge(ctx context.Context, tx adapters.BulkTx, rows [][]any) error {
	if err := e.checkPrimaryKey(e.sch.names()); err != nil {
		return err
	}
	stage := adapters.Relation{Database: e.rel.Database, Schema: e.rel.Schema, Identifier: e.rel.Identifier + "__elt_stage"}
	if err := tx.Exec(ctx, "drop table if exists "+e.r(stage)); err != nil {
		return err
	}
	if err := tx.Exec(ctx, fmt.Sprintf("create table %s as select * from %s where 1 = 0", e.r(stage), e.r(e.write))); err != nil {
		return err
	}
	if _, err := tx.Append(ctx, stage, e.appendColumns(), &adapters.SliceRows{Rows: rows}); err != nil {
		return err
	}
	var conds []string
	for _, k := range e.l.PrimaryKey {
		c := e.q(normalizeName(k))
		conds = append(conds, "t."+c+" = s."+c)
	}
	if e.nested {
		if err := e.deleteChildrenOf(ctx, tx, e.r(stage), conds); err != nil {
			return err
		}
	}
	if err := tx.Exec(ctx, fmt.Sprintf("delete from %s as t using %s as s where %s", e.r(e.write), e.r(stage), strings.Join(conds, " and "))); err != nil {
		return err
	}
	cols := make([]string, 0, len(e.sch.cols)+2)
	for _, c := range e.appendColumns() {
		cols = append(cols, e.q(c))
	}
	list := strings.Join(cols, ", ")
	if err := tx.Exec(ctx, fmt.Sprintf("insert into %s (%s) select %s from %s", e.r(e.write), list, list, e.r(stage))); err != nil {
		return err
	}
	return tx.Exec(ctx, "drop table "+e.r(stage))
}
