package loaders

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/postgres"
)

const pgSkip = "set ELT_TEST_POSTGRES_URL (scripts/postgres.sh start prints it) to run the Postgres loader tests"

func pgURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("ELT_TEST_POSTGRES_URL")
	if u == "" {
		t.Skip(pgSkip)
	}
	return u
}

func pgExec(t *testing.T, dsn string, sqls ...string) {
	t.Helper()
	c, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	for _, s := range sqls {
		if _, err := c.Exec(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func openPG(t *testing.T, dsn string) *postgres.Adapter {
	t.Helper()
	u, _ := url.Parse(dsn)
	cfg := postgres.Config{Host: u.Hostname(), User: u.User.Username(), DBName: u.Path[1:], SSLMode: "disable", Threads: 1}
	cfg.Password, _ = u.User.Password()
	cfg.Port, _ = strconv.Atoi(u.Port())
	a, err := postgres.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func pgSourceYAML(extra string) string {
	return `loaders:
  - name: pg_orders
    connector: postgres
    lands: {source: raw, table: pg_orders}
    write_disposition: append
    options:
      dsn_env: SRC_URL
      table: src.orders
      batch_size: 100
` + extra
}

// Full and incremental table loads from the real Postgres server, landed
// both in DuckDB (Appender) and in Postgres itself (COPY).
func TestPostgresSourceFullAndIncremental(t *testing.T) {
	dsn := pgURL(t)
	ctx := context.Background()
	pgExec(t, dsn, "drop schema if exists src cascade", "drop schema if exists raw cascade", "create schema src",
		"create table src.orders (id int primary key, amount numeric(10,2), note text, updated_at timestamptz, meta jsonb)",
		// 250 rows, updated_at with ties (5 rows per second) to test batch edges.
		"insert into src.orders select i, i * 1.5, 'n' || i, timestamptz '2024-01-01' + ((i - 1) / 5) * interval '1 second', jsonb_build_object('k', i) from generate_series(1, 250) i")
	env := map[string]string{"SRC_URL": dsn}
	targets := []struct {
		name string
		a    adapters.Adapter
		rel  adapters.Relation
	}{}
	duck := openDuck(t, "")
	targets = append(targets, struct {
		name string
		a    adapters.Adapter
		rel  adapters.Relation
	}{"duckdb", duck, duckRel(duck, "pg_orders")})
	pga := openPG(t, dsn)
	targets = append(targets, struct {
		name string
		a    adapters.Adapter
		rel  adapters.Relation
	}{"postgres", pga, adapters.Relation{Database: pga.Database(), Schema: "raw", Identifier: "pg_orders"}})
	for _, tg := range targets {
		t.Run("full/"+tg.name, func(t *testing.T) {
			pgExec(t, dsn, "delete from src.orders where id > 250")
			l := parseOne(t, pgSourceYAML(""), env)
			l.Disposition = Replace
			res := Run(ctx, tg.a, l, tg.rel, RunOptions{})
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			rel := tg.a.Dialect().RenderRelation(tg.rel)
			if got := queryInt(t, tg.a, "select count(distinct id) from "+rel); got != 250 || res.Rows != 250 {
				t.Fatalf("want 250 rows, got %d (result %d)", got, res.Rows)
			}
			if got := queryInt(t, tg.a, "select count(*) from "+rel+" where amount = id * 1.5 and note = 'n' || id"); got != 250 {
				t.Fatalf("values: want 250 matching rows, got %d", got)
			}
			// Replace again: still 250 (swapped, not appended).
			if res := Run(ctx, tg.a, l, tg.rel, RunOptions{}); res.Err != nil {
				t.Fatal(res.Err)
			}
			if got := queryInt(t, tg.a, "select count(*) from "+rel); got != 250 {
				t.Fatalf("after a second replace: want 250 rows, got %d", got)
			}
		})
		t.Run("incremental/"+tg.name, func(t *testing.T) {
			pgExec(t, dsn, "delete from src.orders where id > 250")
			rel := tg.a.Dialect().RenderRelation(tg.rel)
			_ = tg.a.Exec(ctx, "drop table if exists "+rel)
			_ = tg.a.Exec(ctx, "delete from "+tg.a.Dialect().RenderRelation(adapters.Relation{Database: tg.rel.Database, Schema: "raw", Identifier: "_elt_loads"}))
			l := parseOne(t, pgSourceYAML("      cursor_column: updated_at\n"), env)
			res := Run(ctx, tg.a, l, tg.rel, RunOptions{})
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if got := queryInt(t, tg.a, "select count(*) from "+rel); got != 250 {
				t.Fatalf("first load: want 250 rows, got %d", got)
			}
			if res.Pages < 3 {
				t.Fatalf("want the load in batches of 100, got %d pages", res.Pages)
			}
			pgExec(t, dsn, "insert into src.orders select i, i * 1.5, 'n' || i, timestamptz '2024-01-01' + ((i - 1) / 5) * interval '1 second', null from generate_series(251, 300) i")
			res = Run(ctx, tg.a, l, tg.rel, RunOptions{})
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if res.Rows != 50 {
				t.Fatalf("the incremental load landed %d rows, want only the 50 new ones", res.Rows)
			}
			if got := queryInt(t, tg.a, "select count(*) from "+rel); got != 300 {
				t.Fatalf("after the incremental load: want 300 rows, got %d", got)
			}
			if got := queryInt(t, tg.a, "select count(distinct id) from "+rel); got != 300 {
				t.Fatalf("distinct ids: want 300, got %d", got)
			}
			want := "2024-01-01T00:00:59.000000000Z"
			r, _ := tg.a.Query(ctx, fmt.Sprintf("select cursor_value from %s where loader = 'pg_orders' order by started_at desc limit 1", tg.a.Dialect().RenderRelation(adapters.Relation{Database: tg.rel.Database, Schema: "raw", Identifier: "_elt_loads"})))
			if got := str(r.Rows[0][0]); got != want {
				t.Fatalf("cursor: want %s, got %s", want, got)
			}
		})
	}
}

// Files land in Postgres by COPY, streamed in pages: CSV (with a
// delimiter, quotes and latin-1 text), NDJSON with a bad line rejected,
// and a JSON array.
func TestFilesIntoPostgres(t *testing.T) {
	dsn := pgURL(t)
	ctx := context.Background()
	pgExec(t, dsn, "drop schema if exists raw cascade")
	a := openPG(t, dsn)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := dir + "/" + name
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// "Zoë" in latin-1 is 5a 6f eb.
	write("a.csv", []byte("id|name|price\n1|\"Ann|A\"|1.5\n2|Zo\xeb|2\n"))
	write("b.csv", []byte("id|name|price\n3|Cy|\n"))
	nd := write("o.ndjson", []byte("{\"id\": 1, \"ship\": {\"city\": \"Lyon\"}}\nnot json\n{\"id\": 2, \"items\": [1, 2]}\n"))
	js := write("o.json", []byte(`[{"id": 1, "ok": true}, {"id": 2, "ok": false}]`))
	// Parquet, written by DuckDB, with typed and nested columns.
	pq := dir + "/p.parquet"
	duck, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = duck.Exec(fmt.Sprintf(`copy (select range::int as id, range * 1.5 as price, (range * 2.25)::decimal(10, 2) as amount,
		timestamp '2024-01-01 00:00:00' + to_days(range::int) as at, range %% 2 = 0 as even, 'p' || range as name, [range, range + 1] as pair
		from range(2500)) to '%s' (format parquet)`, pq))
	duck.Close()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, yaml string
		checks     []string
	}{
		{"csv", fmt.Sprintf("path: %s/*.csv\n      delimiter: \"|\"\n      encoding: latin-1\n      page_size: 2", dir), []string{
			"select count(*) = 3 from raw.t",
			"select count(*) = 1 from raw.t where name = 'Ann|A' and price = 1.5",
			"select count(*) = 1 from raw.t where name = 'Zoë'",
			"select count(*) = 1 from raw.t where id = 3 and price is null",
			"select data_type = 'double precision' from information_schema.columns where table_schema = 'raw' and table_name = 't' and column_name = 'price'",
		}},
		{"ndjson", "path: " + nd, []string{
			"select count(*) = 2 from raw.t",
			"select count(*) = 1 from raw.t where ship__city = 'Lyon'",
			"select count(*) = 1 from raw.t where items = '[1,2]'",
			"select count(*) = 1 from raw._elt_rejected where record = 'not json'",
		}},
		{"json", "path: " + js, []string{"select count(*) = 1 from raw.t where id = 2 and not ok"}},
		{"parquet", "path: " + pq + "\n      page_size: 1000", []string{
			"select count(*) = 2500 and count(distinct id) = 2500 from raw.t",
			"select count(*) = 1 from raw.t where id = 3 and price = 4.5 and amount = 6.75 and at = timestamptz '2024-01-04 00:00:00+00' and not even and name = 'p3' and pair = '[3,4]'",
			"select string_agg(column_name || ':' || data_type, ',' order by column_name) = 'amount:double precision,at:timestamp with time zone,even:boolean,id:bigint,name:text,pair:text,price:double precision' from information_schema.columns where table_schema = 'raw' and table_name = 't' and column_name not like '\\_elt%'",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pgExec(t, dsn, "drop schema if exists raw cascade")
			l := parseOne(t, "loaders:\n  - name: f\n    connector: files\n    lands: {source: raw, table: t}\n    max_rejected: 1\n    options:\n      "+tc.yaml+"\n", nil)
			res := Run(ctx, a, l, adapters.Relation{Database: a.Database(), Schema: "raw", Identifier: "t"}, RunOptions{})
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			for _, q := range tc.checks {
				r, err := a.Query(ctx, q)
				if err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				if r.Rows[0][0] != true {
					t.Errorf("%s: false", q)
				}
			}
		})
	}
}

// The cursor kept for the next load is the highest value in Postgres's
// own order: a collation that is not byte order, bigints above 2^53,
// digits in a text column, numerics past float64's precision, timestamps
// with and without a fraction. Three loads of an unchanged source land
// each row once; a row added past the cursor lands on the next load.
func TestPostgresSourceCursorInSourceOrder(t *testing.T) {
	dsn := pgURL(t)
	ctx := context.Background()
	pgExec(t, dsn, "drop schema if exists cursor_order cascade", "create schema cursor_order",
		`create table cursor_order.t_txt (k text collate "en-US-x-icu", v int)`,
		"insert into cursor_order.t_txt values ('a', 1), ('B', 2), ('c', 3), ('D', 4)",
		"create table cursor_order.t_big (id bigint, v int)",
		"insert into cursor_order.t_big values (9007199254740992, 1), (9007199254740993, 2)",
		"create table cursor_order.t_code (code text, v int)",
		"insert into cursor_order.t_code values ('10', 1), ('9', 2)",
		"create table cursor_order.t_num (n numeric(30, 3), v int)",
		"insert into cursor_order.t_num values (12345678901234567.125, 1), (12345678901234567.250, 2)",
		"create table cursor_order.t_ts (ts timestamptz, v int)",
		"insert into cursor_order.t_ts values ('2024-01-01 00:00:00.5+00', 1), ('2024-01-01 00:00:00+00', 2), ('2024-01-01 00:00:01+00', 3)")
	env := map[string]string{"SRC_URL": dsn}
	cases := []struct {
		table, column string
		rows          int64
		cursor        string
		insert        string // one row past the cursor
	}{
		{"t_txt", "k", 4, "D", "insert into cursor_order.t_txt values ('e', 5)"},
		{"t_big", "id", 2, "9007199254740993", "insert into cursor_order.t_big values (9007199254740994, 3)"},
		{"t_code", "code", 2, "9", "insert into cursor_order.t_code values ('99', 3)"},
		{"t_num", "n", 2, "12345678901234567.250", "insert into cursor_order.t_num values (12345678901234567.375, 3)"},
		{"t_ts", "ts", 3, "2024-01-01T00:00:01.000000000Z", "insert into cursor_order.t_ts values ('2024-01-01 00:00:01.000001+00', 4)"},
	}
	a := openDuck(t, "")
	for _, tc := range cases {
		t.Run(tc.table, func(t *testing.T) {
			for _, batch := range []int{1, 100} {
				rel := duckRel(a, fmt.Sprintf("%s_%d", tc.table, batch))
				l := parseOne(t, fmt.Sprintf(`loaders:
  - name: %s_%d
    connector: postgres
    lands: {source: raw, table: %s}
    options:
      dsn_env: SRC_URL
      table: cursor_order.%s
      cursor_column: %s
      batch_size: %d
`, tc.table, batch, rel.Identifier, tc.table, tc.column, batch), env)
				for load := 1; load <= 3; load++ {
					res := Run(ctx, a, l, rel, RunOptions{})
					if res.Err != nil {
						t.Fatal(res.Err)
					}
					if got := queryInt(t, a, "select count(*) from "+a.Dialect().RenderRelation(rel)); got != tc.rows || res.Cursor != tc.cursor {
						t.Fatalf("batch %d, load %d: %d rows, cursor %q; want %d rows, cursor %q", batch, load, got, res.Cursor, tc.rows, tc.cursor)
					}
				}
			}
		})
		pgExec(t, dsn, tc.insert)
		t.Run(tc.table+"/new row", func(t *testing.T) {
			for _, batch := range []int{1, 100} {
				rel := duckRel(a, fmt.Sprintf("%s_%d", tc.table, batch))
				l := parseOne(t, fmt.Sprintf("loaders:\n  - name: %s_%d\n    connector: postgres\n    lands: {source: raw, table: %s}\n    options:\n      dsn_env: SRC_URL\n      table: cursor_order.%s\n      cursor_column: %s\n      batch_size: %d\n",
					tc.table, batch, rel.Identifier, tc.table, tc.column, batch), env)
				res := Run(ctx, a, l, rel, RunOptions{})
				if res.Err != nil || res.Rows != 1 {
					t.Fatalf("batch %d: want the one new row, got %d rows (%v)", batch, res.Rows, res.Err)
				}
			}
		})
	}
}
