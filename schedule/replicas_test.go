package schedule

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/elt-dev/elt/history"
)

// replica starts a scheduler replica (the test binary in serve mode) in dir.
func replica(t *testing.T, dir, url, schema string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ELT_SCHEDULE_TEST_SERVE=1", history.EnvURL+"="+url, "ELT_TEST_HISTORY_SCHEMA="+schema)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}

// TestReplicasRunEachScheduledRunOnce runs two scheduler replicas against
// one Postgres history, kills one with SIGKILL in the middle of the
// window, and checks that every scheduled run of the window happened, and
// happened once (a run the dead replica was running is retried once, by
// the survivor).
func TestReplicasRunEachScheduledRunOnce(t *testing.T) {
	url := os.Getenv("ELT_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("ELT_TEST_POSTGRES_URL is not set: start a server with `eval \"$(scripts/postgres.sh start)\"` to run the replica test")
	}
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "command.log")
	src := fmt.Sprintf(`jobs:
  - name: tick
    cron: "* * * * * *"
    command: build
    vars: {log: %s, sleep: 300ms}
    concurrency: queue
    retries: {count: 2, backoff: 100ms}
`, log)
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	schema := fmt.Sprintf("elt_sched_ha_%d", time.Now().UnixNano())
	a, outA := replica(t, dir, url, schema)
	b, outB := replica(t, dir, url, schema)
	stopped := false
	defer func() {
		if !stopped {
			_ = a.Process.Kill()
			_ = b.Process.Kill()
			_, _ = a.Process.Wait()
			_, _ = b.Process.Wait()
		}
	}()
	windowStart := time.Now().Add(1500 * time.Millisecond).Truncate(time.Second)
	// Kill the replica that is running a command, in the middle of the
	// window. Which replica claims a run is a race (under load one may win
	// every one), so the victim is whichever is busy, not a fixed one.
	busy := func(out *lockedBuffer) bool {
		s := []byte(out.String())
		return bytes.Count(s, []byte("started\n")) > bytes.Count(s, []byte(" in "))
	}
	time.Sleep(3 * time.Second)
	victim, victimOut, survivor, survivorOut, victimName := a, outA, b, outB, "a"
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if busy(outA) {
			break
		}
		if busy(outB) {
			victim, victimOut, survivor, survivorOut, victimName = b, outB, a, outA, "b"
			break
		}
	}
	_ = victim.Process.Signal(syscall.SIGKILL)
	_ = victim.Wait()
	killedAt := time.Now()
	time.Sleep(4 * time.Second)
	// Under the race detector a run takes about 1.5 s and queues behind
	// the one before it, so the runs of the last 3 s may still be going
	// when the survivor stops: the window ends before them.
	windowEnd := time.Now().Add(-3 * time.Second).Truncate(time.Second)
	_ = survivor.Process.Signal(syscall.SIGTERM)
	_ = survivor.Wait()
	stopped = true
	t.Logf("replica %s (killed at %s):\n%s\nthe other replica:\n%s", victimName, killedAt.Format("15:04:05.000"), victimOut, survivorOut)

	st, err := history.Open(context.Background(), history.Config{URL: url, Schema: schema, Migrations: Migrations()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	runs, err := NewRuns(st).History(context.Background(), "tick", 10000)
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].ID < runs[j].ID })
	bySched := map[time.Time][]JobRun{}
	owners := map[string]int{}
	started := 0
	for _, r := range runs {
		bySched[r.ScheduledAt] = append(bySched[r.ScheduledAt], r)
		owners[r.Owner]++
		if !r.StartedAt.IsZero() {
			started++
		}
	}
	if len(owners) != 2 {
		t.Errorf("runs by owner %v: want both replicas to have run some", owners)
	}
	interrupted := 0
	for sec := windowStart; !sec.After(windowEnd); sec = sec.Add(time.Second) {
		rs := bySched[sec.UTC()]
		successes := 0
		for i, r := range rs {
			if r.Attempt != i+1 {
				t.Errorf("run at %s: attempts %s", sec.Format("15:04:05"), statuses(rs))
			}
			if r.Status == StatusSuccess {
				successes++
			}
			if r.Status == StatusInterrupted {
				interrupted++
			}
		}
		if successes != 1 {
			t.Errorf("run scheduled at %s: %s, want exactly one success", sec.Format("15:04:05"), statuses(rs))
		}
	}
	if interrupted == 0 {
		t.Errorf("no run was interrupted by the kill; the test did not kill a replica mid-run")
	}
	// Every command that ran belongs to one recorded attempt: as many ran
	// as attempts succeeded, plus at most the ones stopped (a command
	// killed in its first milliseconds may not have logged its start).
	starts, _ := (&rig{log: log}).commandEvents(t)
	successes := 0
	for _, r := range runs {
		if r.Status == StatusSuccess {
			successes++
		}
	}
	if len(starts) < successes || len(starts) > started {
		t.Errorf("the command started %d times for %d successful and %d started attempts", len(starts), successes, started)
	}
}
