package datadiff

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/duckdb"
	"github.com/elt-dev/elt/adapters/postgres"
)

type warehouse struct {
	adapters.Adapter
	schema   string // where the test tables are
	database string
}

func openDuckDB(t testing.TB) warehouse {
	t.Helper()
	a, err := duckdb.Open(context.Background(), duckdb.Config{Path: ":memory:", Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return warehouse{Adapter: a, schema: "main", database: "memory"}
}

func openPostgres(t testing.TB) warehouse {
	t.Helper()
	raw := os.Getenv("ELT_TEST_POSTGRES_URL")
	if raw == "" {
		t.Skip("set ELT_TEST_POSTGRES_URL (scripts/postgres.sh start prints it) to run the Postgres tests")
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	cfg := postgres.Config{Host: u.Hostname(), User: u.User.Username(), DBName: u.Path[1:], Threads: 1, SSLMode: "disable"}
	cfg.Password, _ = u.User.Password()
	if p := u.Port(); p != "" {
		cfg.Port, _ = strconv.Atoi(p)
	}
	a, err := postgres.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	schema := fmt.Sprintf("datadiff_%d", time.Now().UnixNano())
	ctx := context.Background()
	if err := a.Exec(ctx, "create schema "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a.Exec(context.Background(), "drop schema "+schema+" cascade")
		a.Close()
	})
	return warehouse{Adapter: a, schema: schema, database: cfg.DBName}
}

func (w warehouse) rel(name string) adapters.Relation {
	return adapters.Relation{Database: w.database, Schema: w.schema, Identifier: name}
}

func (w warehouse) exec(t testing.TB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		s = strings.ReplaceAll(s, "S.", w.schema+".")
		if err := w.Exec(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestDiff(t *testing.T) {
	for name, open := range map[string]func(testing.TB) warehouse{"duckdb": openDuckDB, "postgres": openPostgres} {
		t.Run(name, func(t *testing.T) {
			w := open(t)
			// a and b share ids 1-5; 6 is only in a, 7 only in b. Row 2
			// differs in amount, 3 in status (a NULL against a value), 4 in
			// both; 5 has NULL status on both sides, which is no difference.
			// "Weird Col" needs quoting; "note" is only in b.
			w.exec(t,
				`create table S.a (id integer, status varchar(20), amount numeric(10,2), "Weird Col" integer)`,
				`insert into S.a values (1,'paid',10.00,1),(2,'paid',20.00,1),(3,null,30.00,1),(4,'open',40.00,1),(5,null,50.00,1),(6,'paid',60.00,1)`,
				`create table S.b (id integer, status varchar(20), amount numeric(10,2), "Weird Col" integer, note varchar(10))`,
				`insert into S.b values (1,'paid',10.00,1,'x'),(2,'paid',21.00,1,'x'),(3,'paid',30.00,1,'x'),(4,'void',41.00,1,'x'),(5,null,50.00,1,'x'),(7,'paid',70.00,1,'x')`,
			)
			res, err := Diff(context.Background(), w, Options{A: w.rel("a"), B: w.rel("b"), Key: []string{"id"}, Sample: 10})
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprintf("rows %d/%d only %d/%d matched %d differing %d dups %d/%d cols-only %v/%v",
				res.RowsA, res.RowsB, res.OnlyA, res.OnlyB, res.Matched, res.Differing, res.DuplicateKeysA, res.DuplicateKeysB, res.ColumnsOnlyA, res.ColumnsOnlyB)
			if want := "rows 6/6 only 1/1 matched 5 differing 3 dups 0/0 cols-only []/[note]"; got != want {
				t.Errorf("summary:\n got %s\nwant %s", got, want)
			}
			var cols []string
			for _, c := range res.Columns {
				cols = append(cols, fmt.Sprintf("%s=%d", c.Name, c.Differences))
			}
			if g, w := strings.Join(cols, " "), "status=2 amount=2 Weird Col=0"; g != w {
				t.Errorf("columns: got %s, want %s", g, w)
			}
			var sample []string
			for _, s := range res.Sample {
				sample = append(sample, fmt.Sprintf("%s %v %v", s.Kind, s.Key, s.Differing))
			}
			if g, w := strings.Join(sample, "; "), "differs [2] [amount]; differs [3] [status]; differs [4] [status amount]; only_in_a [6] []; only_in_b [7] []"; g != w {
				t.Errorf("sample:\n got %s\nwant %s", g, w)
			}
			if res.Same() {
				t.Error("Same() on relations that differ")
			}
			// The JSON carries the same numbers.
			b, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), `"only_in_a":1,"only_in_b":1,"matched":5,"differing":3`) {
				t.Errorf("json: %s", b)
			}

			// A relation against itself: the same.
			same, err := Diff(context.Background(), w, Options{A: w.rel("a"), B: w.rel("a"), Key: []string{"id"}, Sample: 5})
			if err != nil {
				t.Fatal(err)
			}
			if !same.Same() || len(same.Sample) != 0 || same.Matched != 6 {
				t.Errorf("a against a: %+v", same)
			}
		})
	}
}

func TestDiffDuplicateKeysAndNullKeys(t *testing.T) {
	for name, open := range map[string]func(testing.TB) warehouse{"duckdb": openDuckDB, "postgres": openPostgres} {
		t.Run(name, func(t *testing.T) {
			w := open(t)
			// id 1 twice in a, id 2 twice in b; a NULL key on each side never matches.
			w.exec(t,
				`create table S.a (id integer, k2 varchar(5), v integer)`,
				`insert into S.a values (1,'x',1),(1,'x',1),(2,'x',2),(null,'x',3)`,
				`create table S.b (id integer, k2 varchar(5), v integer)`,
				`insert into S.b values (1,'x',1),(2,'x',2),(2,'x',9),(null,'x',3)`,
			)
			res, err := Diff(context.Background(), w, Options{A: w.rel("a"), B: w.rel("b"), Key: []string{"id", "k2"}, Sample: 3})
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprintf("rows %d/%d dups %d/%d only %d/%d matched %d differing %d", res.RowsA, res.RowsB, res.DuplicateKeysA, res.DuplicateKeysB, res.OnlyA, res.OnlyB, res.Matched, res.Differing)
			// Joined: id 1 pairs 2x1, id 2 pairs 1x2 (one pair differs).
			if want := "rows 4/4 dups 1/1 only 1/1 matched 4 differing 1"; got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
			var buf strings.Builder
			if err := WriteText(&buf, res); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(buf.String(), "warning: 1 key value appears more than once in a") {
				t.Errorf("text output lacks the duplicate warning:\n%s", buf.String())
			}
		})
	}
}

func TestDiffBadInput(t *testing.T) {
	w := openDuckDB(t)
	w.exec(t, `create table S.a (id integer, v integer)`, `create table S.b (id2 integer, v integer)`)
	cases := []struct {
		opts Options
		want string
	}{
		{Options{A: w.rel("a"), B: w.rel("b")}, "no key"},
		{Options{A: w.rel("a"), B: w.rel("b"), Key: []string{"id"}}, `"memory"."main"."b" has no column id (it has: id2, v)`},
		{Options{A: w.rel("a"), B: w.rel("nope"), Key: []string{"id"}}, `"memory"."main"."nope" does not exist`},
	}
	for _, c := range cases {
		_, err := Diff(context.Background(), w, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
}

// BenchmarkDiffMillion diffs two 1M-row tables that differ in 1% of rows,
// on DuckDB, and prints the time one diff takes.
func BenchmarkDiffMillion(b *testing.B) {
	w := openDuckDB(b)
	w.exec(b,
		`create table S.a as select i as id, i % 97 as v, 'name ' || i as name from range(1000000) t(i)`,
		`create table S.b as select i as id, case when i % 100 = 0 then -1 else i % 97 end as v, 'name ' || i as name from range(1000000) t(i)`,
	)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		res, err := Diff(context.Background(), w, Options{A: w.rel("a"), B: w.rel("b"), Key: []string{"id"}, Sample: 5})
		if err != nil {
			b.Fatal(err)
		}
		if res.Differing != 10000 || res.RowsA != 1000000 {
			b.Fatalf("differing %d rows %d", res.Differing, res.RowsA)
		}
		b.Logf("1M rows diffed in %v", time.Since(start))
	}
}
