package main

import (
	"context"
	"io"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/duckdb"
)

// closeTimer is a real adapter whose Close takes a while longer and is
// counted, so that a close that does not wait for it is seen.
type closeTimer struct {
	adapters.Adapter
	calls  atomic.Int32
	closed atomic.Bool
}

func (c *closeTimer) Close() error {
	time.Sleep(100 * time.Millisecond)
	err := c.Adapter.Close()
	c.calls.Add(1)
	c.closed.Store(true)
	return err
}

// TestCloseWaitsForEarlyClose: once closeAdapterEarly started closing the
// adapter, session.close returns only after it is closed, and the adapter
// is closed once.
func TestCloseWaitsForEarlyClose(t *testing.T) {
	a, err := duckdb.Open(context.Background(), duckdb.Config{Path: filepath.Join(t.TempDir(), "shop.duckdb")})
	if err != nil {
		t.Fatal(err)
	}
	ct := &closeTimer{Adapter: a}
	s := &session{log: newLogger(io.Discard, "text", "test"), adapter: ct}
	s.closeAdapterEarly()
	s.closeAdapterEarly() // a second call starts nothing more
	s.close()
	if !ct.closed.Load() {
		t.Fatal("close returned before the adapter was closed")
	}
	if n := ct.calls.Load(); n != 1 {
		t.Errorf("the adapter was closed %d times, want once", n)
	}
}
