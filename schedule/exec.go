package schedule

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Outcome is how one attempt of a job's command ended.
type Outcome struct {
	ExitCode int
	// Err is set when the command did not succeed: a non-zero exit, a
	// timeout, a stop, or a failure to start.
	Err error
	// MaxRSS is the child's peak resident memory in bytes (0 when unknown).
	MaxRSS int64
	// Output is the end of what the command printed.
	Output string
}

// Runner runs a job's command once, for one attempt of a job run.
type Runner interface {
	Run(ctx context.Context, j *Job, run JobRun) Outcome
}

// EnvJobRunID is the environment variable that tells an elt child process
// the job run (job_runs.id) it runs for; elt records it with its
// invocation in the run history, which is how the scheduler finds the
// nodes of each job run, even when several jobs run at once.
const EnvJobRunID = "ELT_JOB_RUN_ID"

// ProcessRunner runs each command as a child process of elt: Program with
// Prefix, then the job's arguments, in Dir. When ctx ends (a timeout, or
// the scheduler stopping) the child gets SIGTERM, which elt answers by
// cancelling its queries and writing its artifacts, and SIGKILL after
// KillGrace. On Linux a child also dies with the scheduler, so that a
// scheduler killed outright leaves no build running unwatched.
type ProcessRunner struct {
	Program   string
	Prefix    []string
	Dir       string
	Env       []string // added to the scheduler's environment
	Output    io.Writer
	KillGrace time.Duration
}

// outputTail is how much of a command's output is kept with its run.
const outputTail = 4096

// Run implements Runner.
func (p *ProcessRunner) Run(ctx context.Context, j *Job, run JobRun) Outcome {
	args := append(append([]string(nil), p.Prefix...), j.Args()...)
	cmd := exec.Command(p.Program, args...)
	cmd.Dir = p.Dir
	cmd.Env = append(append(os.Environ(), p.Env...), EnvJobRunID+"="+strconv.FormatInt(run.ID, 10))
	tail := &tailBuffer{max: outputTail}
	var w io.Writer = tail
	if p.Output != nil {
		w = io.MultiWriter(tail, &prefixWriter{w: p.Output, prefix: "[" + j.Name + "] "})
	}
	cmd.Stdout, cmd.Stderr = w, w
	setProcAttrs(cmd)
	if err := cmd.Start(); err != nil {
		return Outcome{ExitCode: -1, Err: fmt.Errorf("start %s: %w", p.Program, err)}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	grace := p.KillGrace
	if grace <= 0 {
		grace = 10 * time.Second
	}
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		terminate(cmd)
		select {
		case err = <-done:
		case <-time.After(grace):
			kill(cmd)
			err = <-done
		}
		err = fmt.Errorf("%w (the command was stopped)", context.Cause(ctx))
	}
	out := Outcome{Output: tail.String(), MaxRSS: maxRSS(cmd)}
	if cmd.ProcessState != nil {
		out.ExitCode = cmd.ProcessState.ExitCode()
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("elt %s exited with code %d", strings.Join(j.Args(), " "), out.ExitCode)
		}
		out.Err = err
	}
	return out
}

// tailBuffer keeps the last max bytes written.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// prefixWriter writes each line with a prefix (the job's name), so that
// the output of jobs running at once can be told apart.
type prefixWriter struct {
	mu      sync.Mutex
	w       io.Writer
	prefix  string
	midLine bool
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []byte
	for _, c := range b {
		if !p.midLine {
			out = append(out, p.prefix...)
			p.midLine = true
		}
		out = append(out, c)
		if c == '\n' {
			p.midLine = false
		}
	}
	if _, err := p.w.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}
