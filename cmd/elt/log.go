package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/docs"
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
	// extra is dbt's info.extra: the DBT_ENV_CUSTOM_ENV_ variables,
	// without the prefix.
	extra map[string]string
}

// levelRank orders dbt's log levels; "none" is above every event.
var levelRank = map[string]int{"debug": 0, "info": 1, "warn": 2, "error": 3, "none": 4}

func newLogger(w io.Writer, format string, invocationID string) *logger {
	return &logger{w: w, json: format == "json", color: !isJSON(format) && isTerminal(w), invocationID: invocationID, now: time.Now,
		width: 80, level: levelRank["debug"], extra: docs.CustomEnv(os.Environ())}
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
	l.emitAs(level, name, msg, "", data, console && levelRank[level] >= l.level, false)
}

// nodeEvent is event for a node's event, which dbt fires on the worker
// thread that runs the node (info.thread); thread "" is the main thread.
func (l *logger) nodeEvent(level, name, msg, thread string, data map[string]any) {
	console := levelRank[level] >= l.level
	if level == "debug" {
		console = console && (l.json || l.debugText)
	}
	l.emitAs(level, name, msg, thread, data, console, false)
}

// print writes what a command exists to show (a compiled node's SQL, a
// preview's rows), as dbt's print events (CompiledNode, ShowNode): on the
// console at every log level but none, --quiet included, and as text
// without the time in front of its lines; dbt.log gets it as an info event.
func (l *logger) print(name, msg string, data map[string]any) {
	l.emitAs("info", name, msg, "", data, l.level < levelRank["none"], true)
}

func (l *logger) emitAs(level, name, msg, thread string, data map[string]any, console, bare bool) {
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
			l.write(l.w, l.json, level, name, msg, thread, data, ts, "15:04:05")
		}
	}
	if toFile {
		l.write(l.file.w, l.file.json, level, name, ansiRe().ReplaceAllString(msg, ""), thread, data, ts, "15:04:05.000000")
	}
}

var ansiRe = lazyre.New("\x1b\\[[0-9;]*m")

func (l *logger) write(w io.Writer, asJSON bool, level, name, msg, thread string, data map[string]any, ts time.Time, clock string) {
	if asJSON {
		if data == nil {
			data = map[string]any{}
		}
		if name == "Formatting" {
			// dbt's Formatting event (a blank line) carries its text.
			data = map[string]any{"msg": msg}
		}
		if thread == "" {
			thread = mainThread
		}
		extra := l.extra
		if extra == nil {
			extra = map[string]string{}
		}
		// dbt's EventInfo (dbt_common base_types.msg_from_base_event).
		rec := map[string]any{
			"info": map[string]any{
				"name":          name,
				"code":          eventCodes[name],
				"level":         level,
				"msg":           msg,
				"ts":            protoTimestamp(ts),
				"invocation_id": l.invocationID,
				"pid":           os.Getpid(),
				"thread":        thread,
				"category":      "",
				"extra":         extra,
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

// commandCompleted is dbt's CommandCompleted, the last event of every
// command (cli/requires.py): the command, whether it succeeded, when (the
// message's clock is local time, as dbt's) and after how long.
func (l *logger) commandCompleted(command string, success bool, elapsed time.Duration) {
	at := l.now()
	status := "failed"
	if success {
		status = "succeeded"
	}
	l.debug("CommandCompleted", fmt.Sprintf("Command `%s` %s at %s after %.2f seconds", command, status, at.Format("15:04:05.000000"), elapsed.Seconds()),
		map[string]any{"command": command, "success": success, "completed_at": protoTimestamp(at), "elapsed": float32(elapsed.Seconds())})
}

// wantsNodeDebug says whether a node's debug event is written anywhere
// (the console or dbt.log), so that its data need not be built when not.
func (l *logger) wantsNodeDebug() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	console := levelRank["debug"] >= l.level && (l.json || l.debugText)
	return console || l.file != nil && levelRank["debug"] >= l.file.level
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

// mainThread is the name of Python's main thread, which dbt gives the
// events it fires outside a node's worker thread.
const mainThread = "MainThread"

// protoTimestamp formats t as protobuf's JSON form of a Timestamp, which
// dbt's events carry: UTC, with 0, 3, 6 or 9 fractional digits. dbt's
// times have microseconds.
func protoTimestamp(t time.Time) string {
	t = t.UTC().Truncate(time.Microsecond)
	ns := t.Nanosecond()
	switch {
	case ns == 0:
		return t.Format("2006-01-02T15:04:05Z")
	case ns%1e6 == 0:
		return t.Format("2006-01-02T15:04:05.000Z")
	default:
		return t.Format("2006-01-02T15:04:05.000000Z")
	}
}

// eventCodes are dbt's codes of the events elt fires under dbt's names
// (dbt-core events/types.py, dbt_common and dbt-adapters events/types.py);
// elt's own events have none.
var eventCodes = map[string]string{
	"MainReportVersion": "A001", "MainReportArgs": "A002",
	"ParsePerfInfoPath": "I010", "SeedIncreased": "I052", "SeedExceedsLimitSamePath": "I053", "SeedExceedsLimitAndPathChanged": "I054", "JinjaLogWarning": "I061", "JinjaLogInfo": "I062", "UnpinnedRefNewVersionAvailable": "I064",
	"JinjaLogDebug": "I063", "UnversionedBreakingChange": "I071", "FreshnessConfigProblem": "I073",
	"NoNodesForSelectionCriteria": "M030", "ArtifactWritten": "P001",
	"RunningOperationCaughtError": "Q001", "CompileComplete": "Q002", "FreshnessCheckComplete": "Q003",
	"LogTestResult": "Q007", "LogStartLine": "Q011", "LogModelResult": "Q012", "LogSnapshotResult": "Q015",
	"LogSeedResult": "Q016", "LogFreshnessResult": "Q018", "LogNodeNoOpResult": "Q019", "LogCancelLine": "Q022",
	"DefaultSelector": "Q023", "NodeStart": "Q024", "SQLQuery": "E016", "NodeFinished": "Q025", "ConcurrencyLine": "Q027",
	"LogHookStartLine": "Q032", "LogHookEndLine": "Q033", "SkippingDetails": "Q034", "NothingToDo": "Q035",
	"EndRunResult": "Q037", "NoNodesSelected": "Q038", "CommandCompleted": "Q039", "ShowNode": "Q041",
	"CompiledNode": "Q042", "LogStartBatch": "Q045", "LogBatchResult": "Q046",
	"GenericExceptionOnRun": "W004", "FoundStats": "W006",
	"MainEncounteredError": "Z002", "Formatting": "Z017", "RunResultWarning": "Z021", "RunResultWarningMessage": "Z046", "RunResultFailure": "Z022",
	"StatsLine": "Z023", "RunResultError": "Z024", "RunResultErrorNoMessage": "Z025", "SQLCompiledPath": "Z026",
	"CheckNodeTestFailure": "Z027", "EndOfRunSummary": "Z030", "Note": "Z050", "PrintEvent": "Z052",
	"FinishedRunningStats": "E047", "CatalogWritten": "E042",
}

// dots is dbt's format_fancy_output_line: "left " padded with dots to
// width characters, a space and "right" (the status, which may be
// colored). A hook's line (truncate) is cut to width characters, its
// last three dots.
func dots(left, right string, width int) string {
	return fancyLine(left, right, width, false)
}

func fancyLine(left, right string, width int, truncate bool) string {
	prefix := left + " "
	if n := width - utf8.RuneCountInString(prefix); n > 0 {
		prefix += strings.Repeat(".", n)
	}
	if truncate {
		if r := []rune(prefix); len(r) > width-3 {
			prefix = string(r[:width-3]) + "..."
		}
	}
	return prefix + " " + right
}

// logSQLQuery is dbt's SQLQuery event (dbt-adapters sql/connections.py
// add_query): each statement sent to the warehouse, with its query
// comment, at debug level, "On <connection>: <sql>", with the node's
// node_info when a node sent it. Secrets are scrubbed where the log is
// written, as in every event.
func (s *session) logSQLQuery(ctx context.Context, sql string) {
	if !s.log.wantsNodeDebug() {
		return
	}
	name := adapters.ConnectionName(ctx)
	if name == "" {
		name = "master" // dbt's connection outside nodes and operations
	}
	data := map[string]any{"conn_name": name, "sql": sql}
	if s.manifest != nil {
		if n := s.manifest.Nodes[name]; n != nil {
			data["node_info"] = nodeInfo(n, "executing", s.nodeStart(name), time.Time{})
		}
	}
	s.log.nodeEvent("debug", "SQLQuery", "On "+name+": "+sql, compiler.ThreadID(ctx), data)
}
