package duckdbparse

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/elt-dev/elt/lineage/jsontree"
	"github.com/elt-dev/elt/lineage/sqlmodel"
)

// TestSkippedMembersSameModel: the parse tree without its null and empty
// members (what Parse asks DuckDB for) gives the query model, or the parse
// error, that the whole tree gives, for every statement of the lineage
// test cases and a few more.
//
// ParseBatch gives, statement by statement, what Parse gives.
func TestSkippedMembersSameModel(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	whole, err := p.db.Prepare("select json_serialize_sql(?::varchar)::varchar")
	if err != nil {
		t.Fatal(err)
	}
	defer whole.Close()
	files, err := filepath.Glob("../testdata/cases/*.txt")
	if err != nil || len(files) < 100 {
		t.Fatalf("lineage test cases: %d files, %v", len(files), err)
	}
	sqls := []string{
		"select 1; select 2",
		"selec x from t",
		"insert into t values (1)",
		"select '' as e, [] as l, {} as s, null as n, 0 as z, false as f from t where a = '' order by 1",
		"select * exclude (a) replace (b + 1 as b) from t",
		"select columns('a.*') from t",
		"pivot t on k using sum(v)",
		"select * from (values (1, 2), (3, 4)) v(a, b) union all by name select 1 as a, 2 as b",
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		i, j := strings.Index(s, "-- sql --\n"), strings.Index(s, "\n-- want --")
		if i >= 0 && j > i {
			sqls = append(sqls, s[i+len("-- sql --\n"):j])
		}
	}
	ctx := context.Background()
	// ParseBatch gives what Parse gives, statement by statement, and
	// statements DuckDB cannot parse do not make the batch fail.
	var tree sql.RawBytes
	var arena jsontree.Arena
	if err := p.parseBatch(ctx, sqls[:8], make([]sqlmodel.Query, 8), make([]error, 8), &tree, &arena); err != nil {
		t.Errorf("a batch with statements DuckDB cannot parse failed: %v", err)
	}
	batchQ, batchErr := p.ParseBatch(ctx, append(sqls, sqls...))
	for i, sql := range append(sqls, sqls...) {
		q, err := p.Parse(ctx, sql)
		if !reflect.DeepEqual(batchQ[i], q) || !reflect.DeepEqual(batchErr[i], err) {
			t.Errorf("statement %d: %s\nParse: %#v, %v\nParseBatch: %#v, %v", i, sql, q, err, batchQ[i], batchErr[i])
		}
	}
	for _, sql := range sqls {
		var tree string
		if err := whole.QueryRowContext(ctx, sql).Scan(&tree); err != nil {
			t.Fatal(err)
		}
		want, wantErr := FromJSON([]byte(tree))
		got, gotErr := p.Parse(ctx, sql)
		if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotErr, wantErr) {
			t.Errorf("%s\nwhole tree: %#v, %v\nwithout null and empty members: %#v, %v", sql, want, wantErr, got, gotErr)
		}
	}
}

// benchSQL is a model as elt-bench's projects have them.
const benchSQL = `with base as (
    select id, amount, status, created_at from "bench"."main"."m_000012"
    where status <> 'void'
), joined as (
    select b.id, b.amount * 2 as amount_x2, c.status, coalesce(c.created_at, b.created_at) as created_at
    from base as b left join "bench"."main"."m_000007" as c on c.id = b.id
)
select id, sum(amount_x2) as total, max(created_at) as last_at, count(*) as n
from joined group by id`

// BenchmarkParse parses a model as elt-bench's projects have them, with
// the whole parse tree and with the tree Parse asks for.
func BenchmarkParse(b *testing.B) {
	p, err := New()
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	sql := benchSQL
	ctx := context.Background()
	for _, c := range []struct{ name, query string }{
		{"whole", "select json_serialize_sql(?::varchar)::varchar"},
		{"skipped", serializeSQL},
	} {
		b.Run(c.name, func(b *testing.B) {
			stmt, err := p.db.Prepare(c.query)
			if err != nil {
				b.Fatal(err)
			}
			defer stmt.Close()
			size := 0
			for b.Loop() {
				var tree string
				if err := stmt.QueryRowContext(ctx, sql).Scan(&tree); err != nil {
					b.Fatal(err)
				}
				if _, err := FromJSON([]byte(tree)); err != nil {
					b.Fatal(err)
				}
				size = len(tree)
			}
			b.ReportMetric(float64(size), "tree-bytes")
		})
	}
}

// BenchmarkParseBatch parses a model as BenchmarkParse does, BatchSize
// statements per query.
func BenchmarkParseBatch(b *testing.B) {
	p, err := New()
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	sqls := make([]string, BatchSize)
	for i := range sqls {
		sqls[i] = benchSQL
	}
	ctx := context.Background()
	for b.Loop() {
		_, errs := p.ParseBatch(ctx, sqls)
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(sqls)), "ns/statement")
}

// BenchmarkOpen opens DuckDB's parser, as a check that parses anything does.
func BenchmarkOpen(b *testing.B) {
	for b.Loop() {
		p, err := New()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Parse(context.Background(), "select 1 as x"); err != nil {
			b.Fatal(err)
		}
		p.Close()
	}
}
