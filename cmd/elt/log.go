package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// logger prints progress as dbt-style text lines or, with --log-format json,
// one JSON event per line shaped like dbt's structured logs.
type logger struct {
	mu           sync.Mutex
	w            io.Writer
	json         bool
	color        bool
	invocationID string
	now          func() time.Time
	width        int  // dbt's printer_width: where result lines end
	level        int  // the least severe level written (levelRank)
	debugText    bool // log_level debug: debug events also as text
}

// levelRank orders dbt's log levels; "none" is above every event.
var levelRank = map[string]int{"debug": 0, "info": 1, "warn": 2, "error": 3, "none": 4}

func newLogger(w io.Writer, format string, invocationID string) *logger {
	return &logger{w: w, json: format == "json", color: !isJSON(format) && isTerminal(w), invocationID: invocationID, now: time.Now,
		width: 80, level: levelRank["debug"]}
}

func isJSON(format string) bool { return format == "json" }

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	if err != nil {
		return false
	}
	return st.Mode()&os.ModeCharDevice != 0
}

const (
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiRed    = "\x1b[31m"
	ansiReset  = "\x1b[0m"
)

func (l *logger) paint(color, s string) string {
	if !l.color || color == "" {
		return s
	}
	return color + s + ansiReset
}

// event writes one event. name is a dbt-like event name (e.g. "LogModelResult"),
// msg the human text, data extra machine-readable fields.
func (l *logger) event(level, name, msg string, data map[string]any) {
	if levelRank[level] < l.level {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := l.now()
	if l.json {
		if data == nil {
			data = map[string]any{}
		}
		rec := map[string]any{
			"info": map[string]any{
				"name":          name,
				"level":         level,
				"msg":           msg,
				"ts":            ts.UTC().Format(time.RFC3339Nano),
				"invocation_id": l.invocationID,
				"pid":           os.Getpid(),
			},
			"data": data,
		}
		b, err := json.Marshal(rec)
		if err != nil {
			b = []byte(fmt.Sprintf(`{"info":{"name":"LogError","level":"error","msg":%q}}`, err.Error()))
		}
		fmt.Fprintln(l.w, string(b))
		return
	}
	for _, line := range strings.Split(msg, "\n") {
		fmt.Fprintf(l.w, "%s  %s\n", ts.Format("15:04:05"), line)
	}
}

func (l *logger) info(name, msg string, data map[string]any) { l.event("info", name, msg, data) }

// debug writes an event for machines only: in JSON logs, and as text
// only with log_level debug.
func (l *logger) debug(name, msg string, data map[string]any) {
	if l.json || l.debugText {
		l.event("debug", name, msg, data)
	}
}
func (l *logger) warn(name, msg string, data map[string]any)   { l.event("warn", name, msg, data) }
func (l *logger) errorf(name, msg string, data map[string]any) { l.event("error", name, msg, data) }

// dots pads "left" with dots up to width, then appends "right", as dbt's lines do.
func dots(left, right string, width int) string {
	n := width - len(left) - len(right)
	if n < 3 {
		n = 3
	}
	return left + " " + strings.Repeat(".", n) + " " + right
}
