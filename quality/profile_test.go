package quality

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/duckdb"
	"github.com/elt-dev/elt/adapters/postgres"
)

// genColumn is one generated column: its SQL type per dialect and its
// values (nil: NULL) as SQL literals and as Go values to check against.
type genColumn struct {
	name     string
	duckType string
	pgType   string
	kind     Kind
	nums     []*float64 // numeric and boolean (1/0) columns
	texts    []*string  // text, date and timestamp columns (as text)
	// semantic is the type the generator made the values (text only), and
	// how many non-null values it made that way.
	semantic string
	matching int
}

func ptrF(f float64) *float64 { return &f }
func ptrS(s string) *string   { return &s }

// generate builds n rows of every column kind from a fixed seed.
func generate(n int) []*genColumn {
	r := rand.New(rand.NewPCG(7, 11))
	cols := []*genColumn{
		{name: "id", duckType: "INTEGER", pgType: "INTEGER", kind: KindNumeric},
		{name: "amount", duckType: "DOUBLE", pgType: "DOUBLE PRECISION", kind: KindNumeric},
		{name: "qty", duckType: "BIGINT", pgType: "BIGINT", kind: KindNumeric},
		{name: "price", duckType: "DECIMAL(10,2)", pgType: "NUMERIC(10,2)", kind: KindNumeric},
		{name: "active", duckType: "BOOLEAN", pgType: "BOOLEAN", kind: KindBoolean},
		{name: "day", duckType: "DATE", pgType: "DATE", kind: KindDate},
		{name: "ts", duckType: "TIMESTAMP", pgType: "TIMESTAMP", kind: KindTimestamp},
		{name: "category", duckType: "VARCHAR", pgType: "VARCHAR", kind: KindText, semantic: "text"},
		{name: "email", duckType: "VARCHAR", pgType: "TEXT", kind: KindText, semantic: "email"},
		{name: "site", duckType: "VARCHAR", pgType: "TEXT", kind: KindText, semantic: "url"},
		{name: "uid", duckType: "VARCHAR", pgType: "TEXT", kind: KindText, semantic: "uuid"},
		{name: "ip", duckType: "VARCHAR", pgType: "TEXT", kind: KindText, semantic: "ip"},
		{name: "phone", duckType: "VARCHAR", pgType: "TEXT", kind: KindText, semantic: "phone"},
		{name: "d_text", duckType: "VARCHAR", pgType: "TEXT", kind: KindText, semantic: "iso_date"},
		{name: "ts_text", duckType: "VARCHAR", pgType: "TEXT", kind: KindText, semantic: "iso_datetime"},
		{name: "num_text", duckType: "VARCHAR", pgType: "TEXT", kind: KindText, semantic: "number"},
		{name: "yes_no", duckType: "VARCHAR", pgType: "TEXT", kind: KindText, semantic: "boolean"},
		{name: "mostly_email", duckType: "VARCHAR", pgType: "TEXT", kind: KindText, semantic: "email"},
	}
	day0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	categories := []string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta"}
	for i := range n {
		null := func(p float64) bool { return r.Float64() < p }
		for _, c := range cols {
			switch c.name {
			case "id":
				c.nums = append(c.nums, ptrF(float64(i+1)))
			case "amount":
				if null(0.1) {
					c.nums = append(c.nums, nil)
				} else {
					c.nums = append(c.nums, ptrF(math.Round(r.NormFloat64()*250+1000)/8)) // exact in binary
				}
			case "qty":
				c.nums = append(c.nums, ptrF(float64(r.IntN(10))))
			case "price":
				if null(0.05) {
					c.nums = append(c.nums, nil)
				} else {
					c.nums = append(c.nums, ptrF(float64(r.IntN(100000))/100))
				}
			case "active":
				switch {
				case null(0.2):
					c.nums = append(c.nums, nil)
				case r.IntN(3) == 0:
					c.nums = append(c.nums, ptrF(1))
				default:
					c.nums = append(c.nums, ptrF(0))
				}
			case "day":
				c.texts = append(c.texts, ptrS(day0.AddDate(0, 0, r.IntN(365)).Format("2006-01-02")))
			case "ts":
				if null(0.1) {
					c.texts = append(c.texts, nil)
				} else {
					c.texts = append(c.texts, ptrS(day0.Add(time.Duration(r.IntN(365*24*3600))*time.Second).Format("2006-01-02 15:04:05")))
				}
			case "category":
				// Skewed, so that every top-5 count differs.
				k := int(math.Floor(math.Sqrt(float64(r.IntN(49)))))
				c.texts = append(c.texts, ptrS(categories[6-k]))
			case "email":
				c.texts, c.matching = append(c.texts, ptrS(fmt.Sprintf("user%d@example%d.com", r.IntN(500), r.IntN(3)))), c.matching+1
			case "site":
				c.texts, c.matching = append(c.texts, ptrS(fmt.Sprintf("https://shop.example.org/p/%d?q=%d", i, r.IntN(9)))), c.matching+1
			case "uid":
				c.texts, c.matching = append(c.texts, ptrS(fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", r.Uint32(), r.IntN(1<<16), r.IntN(1<<12), r.IntN(1<<12), r.Int64N(1<<48)))), c.matching+1
			case "ip":
				c.texts, c.matching = append(c.texts, ptrS(fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), r.IntN(256)))), c.matching+1
			case "phone":
				c.texts, c.matching = append(c.texts, ptrS(fmt.Sprintf("+1 (%03d) %03d-%04d", 200+r.IntN(700), r.IntN(1000), r.IntN(10000)))), c.matching+1
			case "d_text":
				c.texts, c.matching = append(c.texts, ptrS(day0.AddDate(0, 0, r.IntN(900)).Format("2006-01-02"))), c.matching+1
			case "ts_text":
				c.texts, c.matching = append(c.texts, ptrS(day0.Add(time.Duration(r.IntN(1e8))*time.Second).Format(time.RFC3339))), c.matching+1
			case "num_text":
				if null(0.3) {
					c.texts = append(c.texts, nil)
				} else {
					c.texts, c.matching = append(c.texts, ptrS(strconv.FormatFloat(r.NormFloat64()*1e4, 'f', r.IntN(4), 64))), c.matching+1
				}
			case "yes_no":
				c.texts, c.matching = append(c.texts, ptrS([]string{"yes", "no", "Y", "N"}[r.IntN(4)])), c.matching+1
			case "mostly_email":
				if i%20 == 0 {
					c.texts = append(c.texts, ptrS(fmt.Sprintf("call me at extension %d", i)))
				} else {
					c.texts, c.matching = append(c.texts, ptrS(fmt.Sprintf("p%d@mail.example.net", i))), c.matching+1
				}
			}
		}
	}
	return cols
}

func sqlLit(c *genColumn, i int) string {
	if c.nums != nil {
		v := c.nums[i]
		if v == nil {
			return "NULL"
		}
		if c.kind == KindBoolean {
			return strconv.FormatBool(*v == 1)
		}
		return strconv.FormatFloat(*v, 'f', -1, 64)
	}
	v := c.texts[i]
	if v == nil {
		return "NULL"
	}
	lit := "'" + strings.ReplaceAll(*v, "'", "''") + "'"
	switch c.kind {
	case KindDate:
		return "DATE " + lit
	case KindTimestamp:
		return "TIMESTAMP " + lit
	}
	return lit
}

// loadTable creates the table and inserts the generated rows.
func loadTable(t testing.TB, ctx context.Context, a adapters.Adapter, rel string, cols []*genColumn, n int, pg bool) {
	t.Helper()
	var defs []string
	for _, c := range cols {
		typ := c.duckType
		if pg {
			typ = c.pgType
		}
		defs = append(defs, c.name+" "+typ)
	}
	if err := a.Exec(ctx, "CREATE TABLE "+rel+" ("+strings.Join(defs, ", ")+")"); err != nil {
		t.Fatal(err)
	}
	for start := 0; start < n; start += 500 {
		var tuples []string
		for i := start; i < min(start+500, n); i++ {
			var vals []string
			for _, c := range cols {
				vals = append(vals, sqlLit(c, i))
			}
			tuples = append(tuples, "("+strings.Join(vals, ", ")+")")
		}
		if err := a.Exec(ctx, "INSERT INTO "+rel+" VALUES "+strings.Join(tuples, ",\n")); err != nil {
			t.Fatal(err)
		}
	}
}

// quantileCont is the linear-interpolation quantile (quantile_cont,
// percentile_cont) of sorted values.
func quantileCont(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	lo := math.Floor(pos)
	hi := math.Ceil(pos)
	return sorted[int(lo)] + (pos-lo)*(sorted[int(hi)]-sorted[int(lo)])
}

func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// checkProfile compares a profile with values computed here from the
// generated data.
func checkProfile(t *testing.T, got *RelationProfile, cols []*genColumn, n int) {
	t.Helper()
	if got.RowCount != int64(n) {
		t.Errorf("row count: want %d, got %d", n, got.RowCount)
	}
	if len(got.Columns) != len(cols) {
		t.Fatalf("want %d columns, got %d", len(cols), len(got.Columns))
	}
	for i, c := range cols {
		cp := got.Columns[i]
		errorf := func(format string, args ...any) { t.Errorf(c.name+": "+format, args...) }
		if cp.Kind != c.kind {
			errorf("kind: want %s, got %s (%s)", c.kind, cp.Kind, cp.DataType)
		}
		var nulls int
		distinct := map[string]int{}
		var nums []float64
		var texts []string
		for j := range n {
			if c.nums != nil {
				if c.nums[j] == nil {
					nulls++
					continue
				}
				nums = append(nums, *c.nums[j])
				distinct[strconv.FormatFloat(*c.nums[j], 'g', -1, 64)]++
			} else {
				if c.texts[j] == nil {
					nulls++
					continue
				}
				texts = append(texts, *c.texts[j])
				distinct[*c.texts[j]]++
			}
		}
		if cp.NullCount != int64(nulls) || !near(cp.NullRate, float64(nulls)/float64(n)) {
			errorf("nulls: want %d (%.4f), got %d (%.4f)", nulls, float64(nulls)/float64(n), cp.NullCount, cp.NullRate)
		}
		if cp.DistinctCount != int64(len(distinct)) {
			errorf("distinct: want %d, got %d", len(distinct), cp.DistinctCount)
		}
		switch c.kind {
		case KindNumeric:
			sort.Float64s(nums)
			var sum float64
			for _, v := range nums {
				sum += v
			}
			mean := sum / float64(len(nums))
			var ss float64
			for _, v := range nums {
				ss += (v - mean) * (v - mean)
			}
			sd := math.Sqrt(ss / float64(len(nums)-1))
			if cp.Min != nums[0] || cp.Max != nums[len(nums)-1] {
				errorf("min/max: want %v/%v, got %v/%v", nums[0], nums[len(nums)-1], cp.Min, cp.Max)
			}
			if cp.Mean == nil || !near(*cp.Mean, mean) || cp.Stddev == nil || math.Abs(*cp.Stddev-sd) > 1e-6*sd {
				errorf("mean/stddev: want %v/%v, got %v/%v", mean, sd, deref(cp.Mean), deref(cp.Stddev))
			}
			for _, ql := range quantileLevels {
				if want := quantileCont(nums, ql.level); !near(cp.Quantiles[ql.name], want) {
					errorf("%s: want %v, got %v", ql.name, want, cp.Quantiles[ql.name])
				}
			}
		case KindBoolean:
			var trues int64
			for _, v := range nums {
				if v == 1 {
					trues++
				}
			}
			if cp.TrueCount == nil || *cp.TrueCount != trues {
				errorf("true count: want %d, got %v", trues, cp.TrueCount)
			}
		case KindDate, KindTimestamp:
			sort.Strings(texts)
			wantMin, wantMax := texts[0], texts[len(texts)-1]
			if c.kind == KindTimestamp {
				wantMin, wantMax = strings.Replace(wantMin, " ", "T", 1)+"Z", strings.Replace(wantMax, " ", "T", 1)+"Z"
			}
			gotMin, gotMax := normTime(fmt.Sprint(cp.Min)), normTime(fmt.Sprint(cp.Max))
			if gotMin != normTime(wantMin) || gotMax != normTime(wantMax) {
				errorf("min/max: want %s/%s, got %v/%v", wantMin, wantMax, cp.Min, cp.Max)
			}
		case KindText:
			sort.Strings(texts)
			if cp.Min != texts[0] || cp.Max != texts[len(texts)-1] {
				errorf("min/max: want %q/%q, got %v/%v", texts[0], texts[len(texts)-1], cp.Min, cp.Max)
			}
			lmin, lmax, lsum := math.MaxInt, 0, 0
			for _, s := range texts {
				lmin, lmax, lsum = min(lmin, len(s)), max(lmax, len(s)), lsum+len(s)
			}
			if cp.LengthMin == nil || *cp.LengthMin != int64(lmin) || *cp.LengthMax != int64(lmax) || !near(*cp.LengthMean, float64(lsum)/float64(len(texts))) {
				errorf("lengths: want %d/%d/%v, got %v/%v/%v", lmin, lmax, float64(lsum)/float64(len(texts)), deref(cp.LengthMin), deref(cp.LengthMax), deref(cp.LengthMean))
			}
			if c.semantic != "text" {
				share := float64(c.matching) / float64(len(texts))
				if cp.SemanticType != c.semantic || !near(cp.SemanticShares[c.semantic], share) {
					errorf("semantic type: want %s (%.3f), got %s (%.3f); shares %v", c.semantic, share, cp.SemanticType, cp.SemanticShares[c.semantic], cp.SemanticShares)
				}
			} else if cp.SemanticType != "text" {
				errorf("semantic type: want text, got %s (%v)", cp.SemanticType, cp.SemanticShares)
			}
		}
		// Top values: the columns with at most TopKMaxDistinct values.
		if len(distinct) <= 10000 && len(distinct) > 0 {
			type vc struct {
				v string
				n int
			}
			var all []vc
			for v, k := range distinct {
				all = append(all, vc{v, k})
			}
			if nulls > 0 {
				all = append(all, vc{"<null>", nulls})
			}
			sort.Slice(all, func(a, b int) bool { return all[a].n > all[b].n })
			if len(cp.TopValues) != min(5, len(all)) {
				errorf("top values: want %d, got %d", min(5, len(all)), len(cp.TopValues))
				continue
			}
			for k, tv := range cp.TopValues {
				if tv.Count != int64(all[k].n) {
					errorf("top value %d: want count %d (%s), got %d", k, all[k].n, all[k].v, tv.Count)
				}
				if c.name == "category" {
					if tv.Value == nil || *tv.Value != all[k].v {
						errorf("top value %d: want %s, got %v", k, all[k].v, tv.Value)
					}
				}
			}
		}
	}
}

func normTime(s string) string {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Format(time.RFC3339)
		}
	}
	return s
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func openDuckDB(t testing.TB, path string) adapters.Adapter {
	t.Helper()
	a, err := duckdb.Open(context.Background(), duckdb.Config{Path: path, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func TestProfileDuckDB(t *testing.T) {
	const n = 3000
	ctx := context.Background()
	a := openDuckDB(t, filepath.Join(t.TempDir(), "p.duckdb"))
	cols := generate(n)
	loadTable(t, ctx, a, "main.gen", cols, n, false)
	got, err := Profiler{Adapter: a}.Profile(ctx, adapters.Relation{Database: "p", Schema: "main", Identifier: "gen"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Approximate {
		t.Fatal("3,000 rows: want exact aggregates")
	}
	checkProfile(t, got, cols, n)
}

// openPostgres connects to the server in ELT_TEST_POSTGRES_URL (or skips)
// and makes a schema for the test, dropped after it.
func openPostgres(t *testing.T) (adapters.Adapter, string) {
	t.Helper()
	raw := os.Getenv("ELT_TEST_POSTGRES_URL")
	if raw == "" {
		t.Skip("set ELT_TEST_POSTGRES_URL (scripts/postgres.sh start prints it) to run the Postgres quality tests")
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	cfg := postgres.Config{Host: u.Hostname(), User: u.User.Username(), DBName: strings.TrimPrefix(u.Path, "/"), SSLMode: "disable", Threads: 1}
	cfg.Password, _ = u.User.Password()
	cfg.Port, _ = strconv.Atoi(u.Port())
	ctx := context.Background()
	a, err := postgres.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	schema := fmt.Sprintf("quality_test_%d", time.Now().UnixNano())
	if err := a.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		a.Close()
	})
	return a, schema
}

func TestProfilePostgres(t *testing.T) {
	a, schema := openPostgres(t)
	ctx := context.Background()
	cfg := struct{ DBName string }{"elt_test"}
	if u, err := url.Parse(os.Getenv("ELT_TEST_POSTGRES_URL")); err == nil {
		cfg.DBName = strings.TrimPrefix(u.Path, "/")
	}
	const n = 3000
	cols := generate(n)
	loadTable(t, ctx, a, schema+".gen", cols, n, true)
	got, err := Profiler{Adapter: a}.Profile(ctx, adapters.Relation{Database: cfg.DBName, Schema: schema, Identifier: "gen"})
	if err != nil {
		t.Fatal(err)
	}
	checkProfile(t, got, cols, n)
}

// TestProfileRowEstimates: with the row estimates read for all relations
// at once (EstimateRows), profiling reads DuckDB's catalog of tables
// nowhere else, and each profile is the one Profile makes alone: the same
// choice of exact or approximate aggregates, the same statistics.
func TestProfileRowEstimates(t *testing.T) {
	ctx := context.Background()
	var scans atomic.Int64
	a, err := duckdb.Open(ctx, duckdb.Config{Path: filepath.Join(t.TempDir(), "p.duckdb"), Threads: 2, Trace: func(sql string) {
		if strings.Contains(sql, "duckdb_tables()") {
			scans.Add(1)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	const n = 3000
	cols := generate(n)
	loadTable(t, ctx, a, "main.gen", cols, n, false)
	rels := []adapters.Relation{{Database: "p", Schema: "main", Identifier: "gen"}}
	for i := range 4 {
		name := fmt.Sprintf("small_%d", i)
		if err := a.Exec(ctx, fmt.Sprintf("create table main.%s as select range as id, range %% 3 as k from range(%d)", name, 10+i)); err != nil {
			t.Fatal(err)
		}
		rels = append(rels, adapters.Relation{Database: "p", Schema: "main", Identifier: name})
	}
	if err := a.Exec(ctx, "create view main.gen_v as select * from main.gen"); err != nil {
		t.Fatal(err)
	}
	rels = append(rels, adapters.Relation{Database: "p", Schema: "main", Identifier: "gen_v"})
	// Above 1,000 rows the aggregates are approximate: gen by its
	// estimate, the view (no estimate) by its count.
	opts := ProfileOptions{ApproxAbove: 1000}

	scans.Store(0)
	var alone []*RelationProfile
	for _, rel := range rels {
		p, err := Profiler{Adapter: a, Options: opts}.Profile(ctx, rel)
		if err != nil {
			t.Fatal(err)
		}
		alone = append(alone, p)
	}
	// One read per relation, and one of the schema's relation kinds, which
	// the adapter keeps (the first Columns reads it).
	if got := scans.Load(); got != int64(len(rels))+1 {
		t.Errorf("profiles without estimates: %d reads of duckdb_tables(), want one per relation (%d) and one for the schema", got, len(rels))
	}

	scans.Store(0)
	est, err := EstimateRows(ctx, a, rels)
	if err != nil {
		t.Fatal(err)
	}
	if got := scans.Load(); got != 1 {
		t.Errorf("EstimateRows: %d reads of duckdb_tables(), want 1", got)
	}
	if est[rels[0]] != n || est[rels[1]] != 10 || est[rels[4]] != 13 {
		t.Errorf("estimates %v: want gen %d, small_0 10, small_3 13", est, n)
	}
	if _, ok := est[rels[5]]; ok {
		t.Errorf("the view has an estimate (%d); want none (it is counted)", est[rels[5]])
	}
	scans.Store(0)
	for i, rel := range rels {
		p, err := Profiler{Adapter: a, Options: opts, Estimates: est}.Profile(ctx, rel)
		if err != nil {
			t.Fatal(err)
		}
		want := alone[i]
		if p.Approximate != want.Approximate || p.RowCount != want.RowCount || !reflect.DeepEqual(p.Columns, want.Columns) {
			t.Errorf("%s with estimates: approximate %v, %d rows, columns %+v; alone: %v, %d rows, %+v",
				rel.Identifier, p.Approximate, p.RowCount, p.Columns, want.Approximate, want.RowCount, want.Columns)
		}
	}
	if got := scans.Load(); got != 0 {
		t.Errorf("profiles with estimates: %d reads of duckdb_tables(), want none", got)
	}
	if !alone[0].Approximate || !alone[5].Approximate || alone[1].Approximate {
		t.Errorf("approximate: gen %v, view %v, small_0 %v; want true, true, false", alone[0].Approximate, alone[5].Approximate, alone[1].Approximate)
	}
}
