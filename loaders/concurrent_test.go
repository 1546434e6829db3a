package loaders

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/elt-dev/elt/adapters"
)

// landAtOnce prepares the raw schema, then runs n files loaders, each
// landing its own table with a disposition of its own, four at a time
// (as elt load does on four threads), twice; every load must succeed and
// every table hold what its loads landed.
func landAtOnce(t *testing.T, a adapters.Adapter, database string, n int) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	rel := func(i int) adapters.Relation {
		return adapters.Relation{Database: database, Schema: "raw", Identifier: fmt.Sprintf("c%d", i)}
	}
	if err := Prepare(ctx, a, rel(0)); err != nil {
		t.Fatal(err)
	}
	ls := make([]*Loader, n)
	for i := range n {
		path := filepath.Join(dir, fmt.Sprintf("c%d.csv", i))
		content := "id,v\n"
		for r := range 20 {
			content += fmt.Sprintf("%d,%d\n", r, r*i)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		disp := []string{"replace", "merge", "append"}[i%3]
		ls[i] = parseOne(t, fmt.Sprintf("loaders:\n  - name: c%d\n    connector: files\n    lands: {source: raw, table: c%d}\n    write_disposition: %s\n%s    options:\n      path: %s\n", i, i, disp, keyFor(disp), path), nil)
	}
	for round := range 2 {
		errs := make([]error, n)
		var wg sync.WaitGroup
		next := make(chan int)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					errs[i] = Run(ctx, a, ls[i], rel(i), RunOptions{}).Err
				}
			}()
		}
		for i := range n {
			next <- i
		}
		close(next)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d, loader c%d: %v", round, i, err)
			}
		}
	}
	for i := range n {
		want := int64(20)
		if i%3 == 2 { // append, twice
			want = 40
		}
		if got := queryInt(t, a, fmt.Sprintf("select count(*) from %s where v = id * %d", a.Dialect().RenderRelation(rel(i)), i)); got != want {
			t.Errorf("c%d: %d rows, want %d", i, got, want)
		}
	}
	if got := queryInt(t, a, fmt.Sprintf("select count(*) from %s.raw._elt_loads where status = 'success'", a.Dialect().Quote(database))); got != int64(2*n) {
		t.Errorf("%d successful loads recorded, want %d", got, 2*n)
	}
}

// Loaders landing different tables at once, on DuckDB: no write
// conflicts once the schema's state tables exist.
func TestLoadsAtOnceIntoDuckDB(t *testing.T) {
	a := openDuck(t, "")
	landAtOnce(t, a, a.Config().Database, 24)
}

// The same on Postgres, with a pool smaller than the loaders running at
// once (threads: 1 gives two connections): loaders wait for one, none
// holds one while it waits for another.
func TestLoadsAtOnceIntoPostgres(t *testing.T) {
	dsn := pgURL(t)
	pgExec(t, dsn, "drop schema if exists raw cascade")
	a := openPG(t, dsn)
	landAtOnce(t, a, a.Database(), 12)
}
