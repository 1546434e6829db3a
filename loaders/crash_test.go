package loaders

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters"
)

// TestCrashChild is the load the crash test kills: it runs only when
// re-executed by TestCrashBetweenPagesThenRerun.
func TestCrashChild(t *testing.T) {
	url, db := os.Getenv("ELT_LOADERS_CRASH_URL"), os.Getenv("ELT_LOADERS_CRASH_DB")
	if url == "" {
		t.Skip("run by TestCrashBetweenPagesThenRerun")
	}
	l := parseOne(t, httpLoaderYAML(url, "/page", "{style: page_number}"), nil)
	a, rel := crashTarget(t, db)
	// Commit every page, so the kill lands between committed pages.
	res := Run(context.Background(), a, l, rel, RunOptions{CommitRows: 1})
	t.Fatalf("the load was not killed: %+v", res)
}

// A load is killed (SIGKILL) while it waits for a page, after several
// pages were committed; the rerun resumes from the committed checkpoint
// and the table holds every row exactly once.
func TestCrashBetweenPagesThenRerun(t *testing.T) {
	t.Run("duckdb", func(t *testing.T) { crashThenRerun(t, filepath.Join(t.TempDir(), "crash.duckdb")) })
	t.Run("postgres", func(t *testing.T) {
		dsn := pgURL(t)
		pgExec(t, dsn, "drop schema if exists raw cascade")
		crashThenRerun(t, "postgres")
	})
}

// crashTarget is the DuckDB file at db, or the test Postgres server when
// db is "postgres".
func crashTarget(t *testing.T, db string) (adapters.Adapter, adapters.Relation) {
	if db == "postgres" {
		a := openPG(t, os.Getenv("ELT_TEST_POSTGRES_URL"))
		return a, adapters.Relation{Database: a.Database(), Schema: "raw", Identifier: "orders"}
	}
	a := openDuck(t, db)
	return a, duckRel(a, "orders")
}

func crashThenRerun(t *testing.T, db string) {
	srv := newAPI(200, false) // 7 rows a page: 29 pages
	killed := make(chan struct{})
	// The child process's requests reach the handler through the kernel,
	// which the race detector cannot see: child is shared under mu.
	var mu sync.Mutex
	var child *exec.Cmd
	srv.onPage = func(page int) {
		mu.Lock()
		defer mu.Unlock()
		if page == 6 && child != nil {
			_ = child.Process.Signal(syscall.SIGKILL)
			close(killed)
			child = nil
			time.Sleep(50 * time.Millisecond)
		}
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "ELT_LOADERS_CRASH_URL="+ts.URL, "ELT_LOADERS_CRASH_DB="+db)
	mu.Lock()
	child = cmd
	err := cmd.Start()
	mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	select {
	case <-killed:
	default:
		t.Fatalf("the child load ended without being killed: %v", err)
	}
	srv.mu.Lock()
	srv.onPage = nil
	srv.mu.Unlock()
	a, rel := crashTarget(t, db)
	// Pages are fetched ahead of the page being landed, so the kill
	// comes while page 3, 4 or 5 is landing: whole pages of 7 rows are
	// committed, never a part of one.
	committed := queryInt(t, a, "select count(*) from raw.orders")
	if committed < 14 || committed > 35 || committed%7 != 0 {
		t.Fatalf("after the kill: want 2 to 5 whole committed pages (multiples of 7 rows), got %d rows", committed)
	}
	if got := queryInt(t, a, "select count(*) from raw._elt_loads where status = 'running' and checkpoint is not null"); got != 1 {
		t.Fatalf("want the killed load left running with a checkpoint, got %d", got)
	}
	srv.resetServed()
	l := parseOne(t, httpLoaderYAML(ts.URL, "/page", "{style: page_number}"), nil)
	res := Run(context.Background(), a, l, rel, RunOptions{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if !res.Resumed {
		t.Fatal("the rerun did not resume the killed load")
	}
	if got := queryInt(t, a, "select count(*) from raw.orders"); got != 200 {
		t.Fatalf("rows: want 200, got %d", got)
	}
	if got := queryInt(t, a, "select count(distinct id) from raw.orders"); got != 200 {
		t.Fatalf("distinct ids: want 200, got %d", got)
	}
	if old := srv.servedOld(int(committed)); old != 0 {
		t.Fatalf("the rerun fetched %d committed rows again", old)
	}
	if got := queryInt(t, a, "select count(*) from raw._elt_loads where status = 'success' and row_count = 200"); got != 1 {
		t.Fatalf("want one successful load of 200 rows, got %d", got)
	}
}
