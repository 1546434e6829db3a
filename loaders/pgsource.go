package loaders

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// postgresSource lands a table or query of a Postgres database, in
// batches: in full, or incrementally by a cursor column (keyset batches,
// each committed with the cursor it reached, so a load resumes).
type postgresSource struct {
	dsn       func() (string, error)
	table     string
	query     string
	cursorCol string
	batch     int
}

func newPostgresSource(o *Options) Connector {
	p := &postgresSource{}
	p.dsn = o.SecretEnvName("dsn_env")
	if p.dsn == nil {
		o.errAt(nil, "add dsn_env: SOURCE_DATABASE_URL (the environment variable holding a postgres:// URL)", "the postgres connector needs dsn_env")
	}
	p.table = o.String("table", "")
	p.query = o.String("query", "")
	if (p.table == "") == (p.query == "") {
		o.errAt(nil, "write either table: public.orders or query: select ...", "the postgres connector needs exactly one of table and query")
	}
	p.cursorCol = o.String("cursor_column", "")
	p.batch = o.Int("batch_size", 10000)
	if p.batch == 0 {
		p.batch = 10000
	}
	return p
}

func (p *postgresSource) CursorField() string { return p.cursorCol }
func (p *postgresSource) Resumable() bool     { return p.cursorCol != "" }

func (p *postgresSource) from() string {
	if p.query != "" {
		return "(" + p.query + ") as src"
	}
	parts := strings.Split(p.table, ".")
	for i, s := range parts {
		parts[i] = pgx.Identifier{s}.Sanitize()
	}
	return strings.Join(parts, ".") + " as src"
}

func (p *postgresSource) Extract(ctx context.Context, st State, emit func(Page) error) error {
	dsn, err := p.dsn()
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("postgres source: connect: %s", pgErrText(err))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if p.cursorCol == "" {
		return p.full(ctx, conn, emit)
	}
	return p.incremental(ctx, conn, st, emit)
}

func pgErrText(err error) string {
	// pgx may echo the connection string; keep only the reason.
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && strings.Contains(s, "://") {
		return s[i+2:]
	}
	return s
}

// full streams the whole result in batches; the load commits once.
func (p *postgresSource) full(ctx context.Context, conn *pgx.Conn, emit func(Page) error) error {
	rows, err := conn.Query(ctx, "select * from "+p.from())
	if err != nil {
		return fmt.Errorf("postgres source: %w", err)
	}
	defer rows.Close()
	names := fieldNames(rows)
	page := Page{Columns: names}
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return err
		}
		page.Records = append(page.Records, toRecord(names, vals))
		if len(page.Records) >= p.batch {
			if err := emit(page); err != nil {
				return err
			}
			page = Page{Columns: names}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres source: %w", err)
	}
	if len(page.Records) > 0 {
		return emit(page)
	}
	return nil
}

// incremental reads keyset batches ordered by the cursor column: rows
// after the last cursor, batch_size at a time, plus every row tied with
// the batch's last value, so that no row is split across the boundary.
// The batch's last value (its edge) is Postgres's own text of the
// highest value in Postgres's own order (the column's collation, bigint
// and numeric exactly): the page's cursor, and the next batch's start.
func (p *postgresSource) incremental(ctx context.Context, conn *pgx.Conn, st State, emit func(Page) error) error {
	col := pgx.Identifier{p.cursorCol}.Sanitize()
	// The cursor is kept as text; cast it back to the column's type.
	typ, err := p.cursorType(ctx, conn, col)
	if err != nil {
		return err
	}
	// Each row carries its cursor as Postgres writes it, which casts
	// back to the same value; it is taken off before the row lands.
	sel := fmt.Sprintf("select *, %s as %s from %s", cursorTextExpr(col, typ), pgx.Identifier{cursorTextCol}.Sanitize(), p.from())
	last := st.Cursor
	for {
		var rows pgx.Rows
		if last == "" {
			rows, err = conn.Query(ctx, fmt.Sprintf("%s where %s is not null order by %s limit %d", sel, col, col, p.batch))
		} else {
			rows, err = conn.Query(ctx, fmt.Sprintf("%s where %s > $1::text::%s order by %s limit %d", sel, col, typ, col, p.batch), last)
		}
		if err != nil {
			return fmt.Errorf("postgres source: %w", err)
		}
		page, err := collect(rows)
		if err != nil {
			return err
		}
		if len(page.Records) == 0 {
			return nil
		}
		edge := str(page.Records[len(page.Records)-1][cursorTextCol])
		if len(page.Records) == p.batch {
			rows, err = conn.Query(ctx, fmt.Sprintf("%s where %s = $1::text::%s", sel, col, typ), edge)
			if err != nil {
				return fmt.Errorf("postgres source: %w", err)
			}
			ties, err := collect(rows)
			if err != nil {
				return err
			}
			// Drop the ties already in the page, then add them all.
			kept := page.Records[:0]
			for _, r := range page.Records {
				if str(r[cursorTextCol]) != edge {
					kept = append(kept, r)
				}
			}
			page.Records = append(kept, ties.Records...)
		}
		for _, r := range page.Records {
			delete(r, cursorTextCol)
		}
		page.Columns = slices.DeleteFunc(page.Columns, func(c string) bool { return c == cursorTextCol })
		page.Cursor = edge
		b, _ := json.Marshal(map[string]string{"after": edge})
		page.Checkpoint = string(b)
		if err := emit(page); err != nil {
			return err
		}
		last = edge
	}
}

// cursorTextExpr is the SQL writing the cursor column as the text kept in
// _elt_loads.cursor_value: times as a fixed-width UTC RFC 3339 time
// (2024-01-01T00:00:59.000000000Z, the same whatever the session's time
// zone or DateStyle), anything else as Postgres writes it.
func cursorTextExpr(col, typ string) string {
	const layout = `'YYYY-MM-DD"T"HH24:MI:SS.US"000Z"'`
	switch typ {
	case "timestamp with time zone":
		return fmt.Sprintf("to_char((%s) at time zone 'UTC', %s)", col, layout)
	case "timestamp without time zone", "date":
		return fmt.Sprintf("to_char((%s)::timestamp, %s)", col, layout)
	}
	return fmt.Sprintf("(%s)::text", col)
}

// cursorTextCol is the column the cursor's text is read into: a name no
// source table is likely to have.
const cursorTextCol = "_elt_cursor_text"

func (p *postgresSource) cursorType(ctx context.Context, conn *pgx.Conn, col string) (string, error) {
	var typ string
	err := conn.QueryRow(ctx, fmt.Sprintf("select pg_typeof(%s)::text from %s limit 1", col, p.from())).Scan(&typ)
	if err == pgx.ErrNoRows {
		return "text", nil
	}
	if err != nil {
		return "", fmt.Errorf("postgres source: cursor_column %s: %w", p.cursorCol, err)
	}
	return typ, nil
}

func fieldNames(rows pgx.Rows) []string {
	fd := rows.FieldDescriptions()
	names := make([]string, len(fd))
	for i, f := range fd {
		names[i] = f.Name
	}
	return names
}

func collect(rows pgx.Rows) (Page, error) {
	defer rows.Close()
	names := fieldNames(rows)
	page := Page{Columns: names}
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return page, err
		}
		page.Records = append(page.Records, toRecord(names, vals))
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("postgres source: %w", err)
	}
	return page, nil
}

// toRecord turns pgx values into plain values loaders know.
func toRecord(names []string, vals []any) Record {
	r := make(Record, len(names))
	for i, v := range vals {
		r[names[i]] = plain(v)
	}
	return r
}

func plain(v any) any {
	switch x := v.(type) {
	case nil, bool, int64, float64, string, time.Time:
		return x
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case int8:
		return int64(x)
	case float32:
		return float64(x)
	case pgtype.Numeric:
		if f, err := x.Float64Value(); err == nil && f.Valid {
			if x.Exp >= 0 && x.Int != nil && x.Int.IsInt64() {
				return new(big.Int).Mul(x.Int, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(x.Exp)), nil)).Int64()
			}
			return f.Float64
		}
		return nil
	case [16]byte:
		return fmt.Sprintf("%x-%x-%x-%x-%x", x[0:4], x[4:6], x[6:8], x[8:10], x[10:16])
	case []byte:
		return string(x)
	case map[string]any, []any:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return fmt.Sprint(v)
}
