package schedule

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-co-op/gocron/v2"
	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/yamlsafe"
)

// FileName is the jobs file, at the project root.
const FileName = "jobs.yml"

// Concurrency says what happens when a job's run is due while its previous
// run is still going.
const (
	ConcurrencySkip  = "skip"  // the new run is recorded as skipped
	ConcurrencyQueue = "queue" // the new run waits for the previous one
)

// Catchup says which runs missed while no scheduler ran are made up on start.
const (
	CatchupNone   = "none"
	CatchupLatest = "latest"
	CatchupAll    = "all"
)

// commands are the elt commands a job may run, by their words.
var commands = map[string][]string{
	"build":            {"build"},
	"run":              {"run"},
	"test":             {"test"},
	"load":             {"load"},
	"snapshot":         {"snapshot"},
	"source freshness": {"source", "freshness"},
	"profile":          {"profile"},
}

// commandFlags are the job keys that become command-line options.
var commandFlags = map[string]bool{"select": true, "exclude": true, "target": true, "threads": true, "vars": true, "full_refresh": true, "fail_fast": true}

// flagsOf lists the options each command takes, as elt's CLI defines them.
var flagsOf = map[string]map[string]bool{
	"build":            set("select", "exclude", "target", "threads", "vars", "full_refresh", "fail_fast"),
	"run":              set("select", "exclude", "target", "threads", "vars", "full_refresh", "fail_fast"),
	"snapshot":         set("select", "exclude", "target", "threads", "vars", "fail_fast"),
	"test":             set("select", "exclude", "target", "threads", "vars", "fail_fast"),
	"load":             set("select", "target", "vars"),
	"source freshness": set("select", "exclude", "target", "threads", "vars"),
	"profile":          set("select", "exclude", "target", "threads", "vars"),
}

func set(keys ...string) map[string]bool {
	m := map[string]bool{}
	for _, k := range keys {
		m[k] = true
	}
	return m
}

func sortedSet(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedNodeKeys(m map[string]*yaml.Node) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Job is one entry of jobs.yml.
type Job struct {
	Name string
	Pos  diag.Pos // of the job's entry in jobs.yml
	// Cron is the schedule as written (5 fields, or 6 with seconds first);
	// empty for a job that runs only after others.
	Cron     string
	Timezone string // IANA name; empty: the scheduler's zone (UTC)
	Command  string // a key of commands
	Select   []string
	Exclude  []string
	Target   string
	Threads  int
	Vars     map[string]any
	// FullRefresh and FailFast are the commands' --full-refresh and --fail-fast.
	FullRefresh bool
	FailFast    bool
	Retries     Retries
	Timeout     time.Duration // 0: none
	Concurrency string
	Catchup     string
	After       []string // jobs whose success triggers this one
	Notify      []Notification

	cron gocron.Cron // parsed Cron, in the job's zone
}

// Retries is a job's retry policy: up to Count more attempts after a
// failure, the n-th waiting Backoff*2^(n-1) (at most MaxBackoff), with up
// to half of that wait added or removed at random so that replicas and
// jobs failing together do not retry in step.
type Retries struct {
	Count      int
	Backoff    time.Duration
	MaxBackoff time.Duration
}

// Notification posts a job run's outcome as JSON to Webhook when its
// status is one of On.
type Notification struct {
	On      []string
	Webhook string
}

// notifyStatuses are the outcomes a notification may name.
var notifyStatuses = map[string]bool{StatusSuccess: true, StatusFailed: true, StatusTimeout: true, StatusInterrupted: true, StatusSkipped: true, "retry": true}

// Args is the job's command line for elt, without the program name.
func (j *Job) Args() []string {
	args := append([]string(nil), commands[j.Command]...)
	if len(j.Select) > 0 {
		args = append(args, "--select", strings.Join(j.Select, " "))
	}
	if len(j.Exclude) > 0 {
		args = append(args, "--exclude", strings.Join(j.Exclude, " "))
	}
	if j.Target != "" {
		args = append(args, "--target", j.Target)
	}
	if j.Threads > 0 {
		args = append(args, "--threads", strconv.Itoa(j.Threads))
	}
	if len(j.Vars) > 0 {
		b, _ := json.Marshal(j.Vars)
		args = append(args, "--vars", string(b))
	}
	if j.FullRefresh {
		args = append(args, "--full-refresh")
	}
	if j.FailFast {
		args = append(args, "--fail-fast")
	}
	return args
}

// Next is the job's first scheduled time after t (zero for a job without cron).
func (j *Job) Next(t time.Time) time.Time {
	if j.cron == nil {
		return time.Time{}
	}
	return j.cron.Next(t)
}

// Missed lists the scheduled times strictly after from and at or before to.
func (j *Job) Missed(from, to time.Time) []time.Time {
	var out []time.Time
	for t := j.Next(from); !t.IsZero() && !t.After(to); t = j.Next(t) {
		out = append(out, t)
		if len(out) > 100000 {
			break // a second-level cron over a long downtime: enough
		}
	}
	return out
}

// crontab is the expression gocron receives, with the job's zone.
func (j *Job) crontab() string {
	if j.Timezone == "" {
		return "CRON_TZ=UTC " + j.Cron
	}
	return "CRON_TZ=" + j.Timezone + " " + j.Cron
}

// Jobs are the jobs of a project, in file order.
type Jobs struct {
	List []*Job
	// Warnings are what the file does that works but is likely a
	// mistake (a key written twice: its last value is used).
	Warnings diag.List
	byName   map[string]*Job
}

// Get returns the job named name, or nil.
func (js *Jobs) Get(name string) *Job {
	if js == nil {
		return nil
	}
	return js.byName[name]
}

// Names lists the job names, sorted.
func (js *Jobs) Names() []string {
	var out []string
	for _, j := range js.List {
		out = append(out, j.Name)
	}
	sort.Strings(out)
	return out
}

// Load reads jobs.yml from the project root. A project without the file
// has no jobs (and no error). Every problem found is reported, each with
// its line.
func Load(ctx context.Context, root string) (*Jobs, error) {
	src, err := os.ReadFile(filepath.Join(root, FileName))
	if errors.Is(err, fs.ErrNotExist) {
		return &Jobs{byName: map[string]*Job{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("schedule: read %s: %w", FileName, err)
	}
	return Parse(FileName, src)
}

// Parse reads the jobs in src, the contents of file.
func Parse(file string, src []byte) (*Jobs, error) {
	p := &parser{file: file}
	js := &Jobs{byName: map[string]*Job{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		line, col, msg, _ := yamlsafe.SyntaxError(src, err)
		p.diags.Add(diag.Errorf(file, diag.Pos{Line: line, Column: col}, "fix the YAML syntax", "invalid YAML: %s", msg))
		return nil, p.diags.Err()
	}
	if len(doc.Content) == 0 {
		return js, nil
	}
	if culprit, limit, big := yamlsafe.TooLarge(&doc); big {
		p.errAt(culprit, "remove the aliases", "YAML aliases expand beyond %d nodes", limit)
		return nil, p.diags.Err()
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		p.errAt(root, "start the file with `jobs:`", "%s must be a mapping with a jobs: list", file)
		return nil, p.diags.Err()
	}
	// A key written twice keeps its last value, as in dbt's YAML files,
	// with a warning naming both lines.
	js.Warnings = yamlsafe.DuplicateKeys(file, root)
	for _, kv := range yamlsafe.Pairs(root) {
		k, v := kv[0], kv[1]
		if k.Value != "jobs" {
			p.errAt(k, "the file has only a jobs: list", "unknown key %q in %s", k.Value, file)
			continue
		}
		if v.Kind != yaml.SequenceNode {
			p.errAt(v, "write jobs: as a list of `- name: ...` entries", "jobs must be a list")
			continue
		}
		for _, item := range v.Content {
			j := p.job(item)
			if j == nil {
				continue
			}
			if prev, ok := js.byName[j.Name]; ok {
				p.errAt(item, "give each job its own name", "job %q is already defined on line %d", j.Name, prev.Pos.Line)
				continue
			}
			js.byName[j.Name] = j
			js.List = append(js.List, j)
		}
	}
	p.checkAfter(js)
	if p.diags.HasErrors() {
		return nil, p.diags.Errors().Err()
	}
	return js, nil
}

type parser struct {
	file  string
	diags diag.List
	// afterPos keeps where each after: entry was written, for messages.
	afterPos map[*Job][]*yaml.Node
}

func posOf(n *yaml.Node) diag.Pos { return diag.Pos{Line: n.Line, Column: n.Column} }

func (p *parser) errAt(n *yaml.Node, hint, format string, args ...any) {
	p.diags.Add(diag.Errorf(p.file, posOf(n), hint, format, args...))
}

const jobKeys = "name, cron, timezone, command, select, exclude, target, threads, vars, full_refresh, fail_fast, retries, timeout, concurrency, catchup, after, notify"

func (p *parser) job(n *yaml.Node) *Job {
	if n.Kind != yaml.MappingNode {
		p.errAt(n, "write `- name: nightly`", "each job must be a mapping")
		return nil
	}
	before := len(p.diags.Errors())
	j := &Job{Pos: posOf(n), Concurrency: ConcurrencySkip, Catchup: CatchupNone, Retries: Retries{Backoff: 10 * time.Second, MaxBackoff: 10 * time.Minute}}
	var cronNode, commandNode *yaml.Node
	flagKeys := map[string]*yaml.Node{}
	for _, kv := range yamlsafe.Pairs(n) {
		k, v := kv[0], kv[1]
		if commandFlags[k.Value] {
			flagKeys[k.Value] = k
		}
		switch k.Value {
		case "name":
			j.Name = p.str(v, "name")
			if j.Name != "" && !validName(j.Name) {
				p.errAt(v, "use letters, digits, _ and -", "job name %q has other characters", j.Name)
			}
		case "cron":
			j.Cron, cronNode = strings.TrimSpace(p.str(v, "cron")), v
		case "timezone":
			j.Timezone = p.str(v, "timezone")
			if j.Timezone != "" {
				if _, err := time.LoadLocation(j.Timezone); err != nil {
					p.errAt(v, "use an IANA time zone name such as Europe/Paris or UTC", "unknown time zone %q", j.Timezone)
				}
			}
		case "command":
			j.Command, commandNode = strings.Join(strings.Fields(p.str(v, "command")), " "), v
		case "select":
			j.Select = p.strList(v, "select")
		case "exclude":
			j.Exclude = p.strList(v, "exclude")
		case "target":
			j.Target = p.str(v, "target")
		case "threads":
			j.Threads = p.positiveInt(v, "threads")
		case "vars":
			if v.Kind != yaml.MappingNode {
				p.errAt(v, "write vars: as a mapping, e.g. {start_date: 2024-01-01}", "vars must be a mapping")
				continue
			}
			j.Vars, _ = plainValue(v).(map[string]any)
		case "full_refresh":
			j.FullRefresh = p.boolean(v, "full_refresh")
		case "fail_fast":
			j.FailFast = p.boolean(v, "fail_fast")
		case "retries":
			p.retries(v, &j.Retries)
		case "timeout":
			j.Timeout = p.duration(v, "timeout")
		case "concurrency":
			j.Concurrency = p.oneOf(v, "concurrency", ConcurrencySkip, ConcurrencyQueue)
		case "catchup":
			j.Catchup = p.oneOf(v, "catchup", CatchupNone, CatchupLatest, CatchupAll)
		case "after":
			j.After = p.strList(v, "after")
			if p.afterPos == nil {
				p.afterPos = map[*Job][]*yaml.Node{}
			}
			if v.Kind == yaml.SequenceNode {
				p.afterPos[j] = v.Content
			} else {
				p.afterPos[j] = []*yaml.Node{v}
			}
		case "notify":
			j.Notify = p.notify(v)
		default:
			p.errAt(k, "a job reads: "+jobKeys, "unknown job key %q", k.Value)
		}
	}
	if j.Name == "" {
		p.errAt(n, "add `name: my_job`", "a job needs a name")
	}
	switch {
	case commandNode == nil:
		p.errAt(n, "add e.g. `command: build`", "job %q needs a command", j.Name)
	case commands[j.Command] == nil:
		p.errAt(commandNode, "use one of: build, run, test, load, snapshot, source freshness, profile", "unknown command %q", j.Command)
	default:
		for _, key := range sortedNodeKeys(flagKeys) {
			if !flagsOf[j.Command][key] {
				p.errAt(flagKeys[key], "remove it: elt "+j.Command+" takes "+strings.Join(sortedSet(flagsOf[j.Command]), ", "), "elt %s has no %s option", j.Command, key)
			}
		}
	}
	if j.Cron == "" && len(j.After) == 0 {
		p.errAt(n, "add `cron: \"0 2 * * *\"` or `after: [other_job]`", "job %q has neither a cron schedule nor after:", j.Name)
	}
	if cronNode != nil && j.Cron != "" {
		if f := len(strings.Fields(j.Cron)); f != 5 && f != 6 && !strings.HasPrefix(j.Cron, "@") {
			p.errAt(cronNode, "write 5 fields (minute hour day month weekday) or 6 (seconds first)", "cron %q has %d fields", j.Cron, f)
		} else if strings.HasPrefix(j.Cron, "TZ=") || strings.HasPrefix(j.Cron, "CRON_TZ=") {
			p.errAt(cronNode, "write the zone as `timezone: Europe/Paris`", "cron %q carries a time zone", j.Cron)
		} else if j.Timezone == "" || validZone(j.Timezone) {
			c := gocron.NewDefaultCron(true)
			if err := c.IsValid(j.crontab(), time.UTC, time.Now()); err != nil {
				p.errAt(cronNode, "check the fields: e.g. \"*/5 * * * *\" every five minutes, \"0 0 2 * * *\" at 02:00:00", "cron %q does not parse: %s", j.Cron, cronReason(err))
			}
			j.cron = c
		}
	}
	if len(p.diags.Errors()) > before {
		return nil
	}
	return j
}

func validZone(tz string) bool { _, err := time.LoadLocation(tz); return err == nil }

// cronReason is the parser's own words without gocron's prefix.
func cronReason(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "\n"); i >= 0 {
		msg = msg[i+1:]
	}
	return msg
}

func validName(s string) bool {
	for _, r := range s {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func (p *parser) checkAfter(js *Jobs) {
	for _, j := range js.List {
		nodes := p.afterPos[j]
		for i, name := range j.After {
			n := nodes[min(i, len(nodes)-1)]
			if name == j.Name {
				p.errAt(n, "remove it: a job cannot wait for itself", "job %q lists itself in after:", j.Name)
			} else if js.byName[name] == nil {
				p.errAt(n, "name a job of this file ("+strings.Join(js.Names(), ", ")+")", "after: names %q, which is not a job", name)
			}
		}
	}
	// A cycle of after: would never start.
	state := map[string]int{}
	var visit func(j *Job) bool
	visit = func(j *Job) bool {
		switch state[j.Name] {
		case 1:
			return true
		case 2:
			return false
		}
		state[j.Name] = 1
		for _, a := range j.After {
			if up := js.byName[a]; up != nil && visit(up) {
				return true
			}
		}
		state[j.Name] = 2
		return false
	}
	for _, j := range js.List {
		if state[j.Name] == 0 && visit(j) {
			p.diags.Add(diag.Errorf(p.file, j.Pos, "break the cycle: after: lists jobs that must finish first", "job %q waits for itself through after:", j.Name))
			return
		}
	}
}

func (p *parser) str(v *yaml.Node, key string) string {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		p.errAt(v, "write a plain value", "%s must be a string", key)
		return ""
	}
	return v.Value
}

func (p *parser) strList(v *yaml.Node, key string) []string {
	if v.Kind == yaml.ScalarNode {
		return strings.Fields(p.str(v, key))
	}
	if v.Kind != yaml.SequenceNode {
		p.errAt(v, "write a list, e.g. [tag:nightly]", "%s must be a string or a list of strings", key)
		return nil
	}
	var out []string
	for _, it := range v.Content {
		if s := p.str(it, key); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (p *parser) boolean(v *yaml.Node, key string) bool {
	var b bool
	if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" || v.Decode(&b) != nil {
		p.errAt(v, "write true or false", "%s must be true or false, not %q", key, v.Value)
	}
	return b
}

func (p *parser) positiveInt(v *yaml.Node, key string) int {
	n, err := strconv.Atoi(v.Value)
	if v.Kind != yaml.ScalarNode || v.Tag != "!!int" || err != nil || n < 0 {
		p.errAt(v, "write a whole number", "%s must be a whole number of at least 0, not %q", key, v.Value)
		return 0
	}
	return n
}

func (p *parser) duration(v *yaml.Node, key string) time.Duration {
	d, err := time.ParseDuration(v.Value)
	if v.Kind != yaml.ScalarNode || err != nil || d <= 0 {
		p.errAt(v, "write a duration such as 30s, 10m or 1h30m", "%s must be a positive duration, not %q", key, v.Value)
		return 0
	}
	return d
}

func (p *parser) oneOf(v *yaml.Node, key string, allowed ...string) string {
	s := p.str(v, key)
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	if s != "" {
		p.errAt(v, "use one of: "+strings.Join(allowed, ", "), "%s must be one of %s, not %q", key, strings.Join(allowed, ", "), s)
	}
	return allowed[0]
}

// retries reads `retries: 3` or `retries: {count: 3, backoff: 30s, max_backoff: 10m}`.
func (p *parser) retries(v *yaml.Node, r *Retries) {
	if v.Kind == yaml.ScalarNode {
		r.Count = p.positiveInt(v, "retries")
		return
	}
	if v.Kind != yaml.MappingNode {
		p.errAt(v, "write retries: 3 or retries: {count: 3, backoff: 30s, max_backoff: 10m}", "retries must be a number or a mapping")
		return
	}
	for _, kv := range yamlsafe.Pairs(v) {
		k, val := kv[0], kv[1]
		switch k.Value {
		case "count":
			r.Count = p.positiveInt(val, "retries.count")
		case "backoff":
			r.Backoff = p.duration(val, "retries.backoff")
		case "max_backoff":
			r.MaxBackoff = p.duration(val, "retries.max_backoff")
		default:
			p.errAt(k, "retries reads: count, backoff, max_backoff", "unknown retries key %q", k.Value)
		}
	}
	if r.MaxBackoff < r.Backoff {
		r.MaxBackoff = r.Backoff
	}
}

// notify reads a list of `{on: [failure], webhook: https://...}`.
func (p *parser) notify(v *yaml.Node) []Notification {
	items := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		items = v.Content
	}
	var out []Notification
	for _, it := range items {
		if it.Kind != yaml.MappingNode {
			p.errAt(it, "write notify: [{on: [failure], webhook: https://...}]", "each notification must be a mapping")
			continue
		}
		nt := Notification{On: []string{StatusFailed, StatusTimeout, StatusInterrupted}}
		for _, kv := range yamlsafe.Pairs(it) {
			k, val := kv[0], kv[1]
			switch k.Value {
			case "on":
				nt.On = p.strList(val, "notify.on")
				for _, s := range nt.On {
					if !notifyStatuses[s] {
						p.errAt(val, "use: success, failed, timeout, interrupted, skipped, retry", "notify.on names %q, which is not a run status", s)
					}
				}
			case "webhook":
				nt.Webhook = p.str(val, "notify.webhook")
				if u, err := url.Parse(nt.Webhook); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					p.errAt(val, "write an http:// or https:// URL", "notify.webhook %q is not an http(s) URL", nt.Webhook)
				}
			default:
				p.errAt(k, "a notification reads: on, webhook", "unknown notify key %q", k.Value)
			}
		}
		if nt.Webhook == "" {
			p.errAt(it, "add `webhook: https://...`", "a notification needs a webhook")
		}
		out = append(out, nt)
	}
	return out
}

// plainValue is a YAML value as JSON would carry it. Dates and times stay
// the text they were written as (yaml.v3 would make them time.Time), as
// dbt's --vars reads them.
func plainValue(n *yaml.Node) any {
	switch n.Kind {
	case yaml.AliasNode:
		return plainValue(n.Alias)
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = plainValue(n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		l := []any{}
		for _, c := range n.Content {
			l = append(l, plainValue(c))
		}
		return l
	}
	switch n.Tag {
	case "!!int", "!!float", "!!bool", "!!null":
		var v any
		if n.Decode(&v) == nil {
			return v
		}
	}
	return n.Value
}
