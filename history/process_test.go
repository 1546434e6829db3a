package history

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestTwoProcessesWriting runs this test binary twice as writers against
// one new SQLite file: separate processes, so the file locks (not Go's
// mutexes) are what keep them apart.
func TestTwoProcessesWriting(t *testing.T) {
	if os.Getenv("ELT_HISTORY_CHILD") != "" {
		t.Skip("child process")
	}
	path := filepath.Join(t.TempDir(), "shared.db")
	const perWriter = 60
	var cmds []*exec.Cmd
	for w := range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHistoryChildWriter$", "-test.count=1")
		cmd.Env = append(os.Environ(), "ELT_HISTORY_CHILD="+path, fmt.Sprintf("ELT_HISTORY_CHILD_NAME=p%d", w), fmt.Sprintf("ELT_HISTORY_CHILD_N=%d", perWriter))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("writer process: %v", err)
		}
	}
	s := mustOpen(t, Config{Path: path})
	var n, m int
	s.DB().QueryRow(`SELECT count(*) FROM invocations`).Scan(&n)
	s.DB().QueryRow(`SELECT count(*) FROM node_results`).Scan(&m)
	if n != 2*perWriter || m != 2*perWriter {
		t.Fatalf("want %d invocations and node results, got %d and %d", 2*perWriter, n, m)
	}
}

// TestHistoryChildWriter is the writer process of TestTwoProcessesWriting.
func TestHistoryChildWriter(t *testing.T) {
	path := os.Getenv("ELT_HISTORY_CHILD")
	if path == "" {
		t.Skip("run by TestTwoProcessesWriting")
	}
	name := os.Getenv("ELT_HISTORY_CHILD_NAME")
	var n int
	fmt.Sscan(os.Getenv("ELT_HISTORY_CHILD_N"), &n)
	ctx := context.Background()
	s, err := Open(ctx, Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range n {
		id := fmt.Sprintf("%s-%d", name, i)
		if err := s.RecordInvocation(ctx, Invocation{ID: id, Command: "build", StartedAt: time.Now(), Status: "success"}); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordNodeResult(ctx, NodeResult{InvocationID: id, UniqueID: "model.p.a", Status: "success", StartedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
}
