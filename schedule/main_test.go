package schedule

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/elt-dev/elt/history"
)

// TestMain lets the test binary play two programs in child processes:
//
//   - with ELT_SCHEDULE_TEST_COMMAND=1, a stand-in for an elt command:
//     it appends "start <unix nanos>" to the file in its vars' "log", sleeps
//     vars' "sleep", appends "end", and fails while the log holds fewer
//     than vars' "fail_first"+1 starts; with vars' "ids", it appends
//     the job run id it was given (EnvJobRunID) to that file. The scheduler's own tests are about
//     timing, so they run this small real process instead of a project
//     build; cmd/elt's tests run the real elt.
//   - with ELT_SCHEDULE_TEST_SERVE=1, a scheduler replica (Serve) over the
//     jobs.yml in its working directory and the history store in
//     ELT_HISTORY_URL, until SIGTERM.
func TestMain(m *testing.M) {
	switch {
	case os.Getenv("ELT_SCHEDULE_TEST_COMMAND") == "1":
		os.Exit(standInCommand(os.Args[1:]))
	case os.Getenv("ELT_SCHEDULE_TEST_SERVE") == "1":
		os.Exit(standInServe())
	}
	os.Exit(m.Run())
}

type standInVars struct {
	Log       string `json:"log"`
	Sleep     string `json:"sleep"`
	FailFirst int    `json:"fail_first"`
	// IDs, when set, is a file the command appends its job run id to.
	IDs string `json:"ids"`
}

func standInCommand(args []string) int {
	var v standInVars
	for i, a := range args {
		if a == "--vars" && i+1 < len(args) {
			if err := json.Unmarshal([]byte(args[i+1]), &v); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 2
			}
		}
	}
	appendLine := func(s string) int {
		f, err := os.OpenFile(v.Log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 0
		}
		defer f.Close()
		fmt.Fprintf(f, "%s %d\n", s, time.Now().UnixNano())
		b, _ := os.ReadFile(v.Log)
		return strings.Count(string(b), "start ")
	}
	if v.IDs != "" {
		f, err := os.OpenFile(v.IDs, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			fmt.Fprintln(f, os.Getenv(EnvJobRunID))
			f.Close()
		}
	}
	starts := appendLine("start")
	if d, err := time.ParseDuration(v.Sleep); err == nil {
		time.Sleep(d)
	}
	appendLine("end")
	if starts <= v.FailFirst {
		fmt.Println("stand-in command failing on purpose")
		return 1
	}
	fmt.Println("stand-in command done")
	return 0
}

func standInServe() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	dir, _ := os.Getwd()
	jobs, err := Load(ctx, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	st, err := history.Open(ctx, history.Config{URL: os.Getenv(history.EnvURL), Path: filepath.Join(dir, "history.db"), Schema: os.Getenv("ELT_TEST_HISTORY_SCHEMA"), Migrations: Migrations()})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer st.Close()
	s, err := New(Options{Jobs: jobs, Runs: NewRuns(st), Runner: standInRunner(dir), Heartbeat: 300 * time.Millisecond, Log: os.Stdout})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := s.Serve(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// standInRunner runs the stand-in command in child processes.
func standInRunner(dir string) *ProcessRunner {
	return &ProcessRunner{Program: os.Args[0], Dir: dir, Env: []string{"ELT_SCHEDULE_TEST_COMMAND=1", "ELT_SCHEDULE_TEST_SERVE="}, KillGrace: 2 * time.Second}
}
