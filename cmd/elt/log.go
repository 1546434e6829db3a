package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/elt-dev/elt/internal/lazyre"
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
	file         *logFile
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

// logFile is dbt.log: every event at or above its level, in its own
// format, whatever the console shows.
type logFile struct {
	w     io.Writer // scrubs secrets
	json  bool
	level int
	close func() error
}

// event writes one event. name is a dbt-like event name (e.g. "LogModelResult"),
// msg the human text, data extra machine-readable fields.
func (l *logger) event(level, name, msg string, data map[string]any) {
	l.emit(level, name, msg, data, true)
}

// emit writes an event to the console (when console and its level is
// shown) and to dbt.log (when its level is logged there).
func (l *logger) emit(level, name, msg string, data map[string]any, console bool) {
	l.emitAs(level, name, msg, data, console && levelRank[level] >= l.level, false)
}

// print writes what a command exists to show (a compiled node's SQL, a
// preview's rows), as dbt's print events (CompiledNode, ShowNode): on the
// console at every log level but none, --quiet included, and as text
// without the time in front of its lines; dbt.log gets it as an info event.
func (l *logger) print(name, msg string, data map[string]any) {
	l.emitAs("info", name, msg, data, l.level < levelRank["none"], true)
}

func (l *logger) emitAs(level, name, msg string, data map[string]any, console, bare bool) {
	toFile := l.file != nil && levelRank[level] >= l.file.level
	if !console && !toFile {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := l.now()
	if console {
		if bare && !l.json {
			fmt.Fprintln(l.w, msg)
		} else {
			l.write(l.w, l.json, level, name, msg, data, ts, "15:04:05")
		}
	}
	if toFile {
		l.write(l.file.w, l.file.json, level, name, ansiRe().ReplaceAllString(msg, ""), data, ts, "15:04:05.000000")
	}
}

var ansiRe = lazyre.New("\x1b\\[[0-9;]*m")

func (l *logger) write(w io.Writer, asJSON bool, level, name, msg string, data map[string]any, ts time.Time, clock string) {
	if asJSON {
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
		fmt.Fprintln(w, string(b))
		return
	}
	for _, line := range strings.Split(msg, "\n") {
		if w == l.w {
			fmt.Fprintf(w, "%s  %s\n", ts.Format(clock), line)
		} else {
			// dbt.log's text lines carry the level, as dbt's do.
			fmt.Fprintf(w, "%s [%-5s]: %s\n", ts.Format(clock), level, line)
		}
	}
}

func (l *logger) info(name, msg string, data map[string]any) { l.event("info", name, msg, data) }

// debug writes an event for machines only: in JSON logs, as text only
// with log_level debug, and always to dbt.log (debug level by default).
func (l *logger) debug(name, msg string, data map[string]any) {
	l.emit("debug", name, msg, data, l.json || l.debugText)
}

// closeFile closes dbt.log, if one is open.
func (l *logger) closeFile() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.file != nil {
		_ = l.file.close()
		l.file = nil
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
