package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/bigquery"
	"github.com/elt-dev/elt/adapters/duckdb"
	"github.com/elt-dev/elt/adapters/postgres"
	"github.com/elt-dev/elt/adapters/snowflake"
	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/graph"
	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/par"
	"github.com/elt-dev/elt/internal/secrets"
	"github.com/elt-dev/elt/internal/targetfs"
	"github.com/elt-dev/elt/internal/textdist"
	"github.com/elt-dev/elt/internal/yamlsafe"
	"github.com/elt-dev/elt/project"
	"github.com/elt-dev/elt/report/ghactions"
	"github.com/elt-dev/elt/runner"
	"github.com/elt-dev/elt/state"
	"github.com/elt-dev/elt/tests"
)

// session is one invocation's loaded project, manifest and (optionally) connection.
type session struct {
	f   *flags
	env environment
	log *logger
	// invocation is what templates learn of the command (flags,
	// invocation_args_dict), whose args run_results.json records too.
	templateInv compiler.Invocation
	// nodeStarts are when each node's NodeStart event was reported (by
	// unique id, time.Time), for the node_started_at of its later events.
	nodeStarts   sync.Map
	invocationID string
	startedAt    time.Time
	// graphSummaryWritten: target/graph_summary.json is written once.
	graphSummaryWritten bool
	// seedShow are seed --show's samples, printed after the stat line.
	seedShow []seedSample
	// sample is --sample's window (run and build), nil without it.
	sample  *compiler.TimeWindow
	proj    *project.Project
	dialect compilerDialect
	adapter adapters.Adapter // nil until connect
	// ahead, when loadConnecting started opening the adapter while the
	// project parses, delivers it to connect.
	ahead chan openedAdapter
	// adapterClosed, once closeAdapterEarly started closing the adapter,
	// is closed when it is closed.
	adapterClosed chan struct{}
	manifest      *compiler.Manifest
	graph         *graph.Graph
	// checkParser, when loadChecking opened it ahead, is the static
	// checks' SQL parser; nil: the checks open theirs when they parse.
	checkParser *lazyDuckDB
	// projectLoaded is when project.Load returned, for elt parse's timing.
	projectLoaded time.Time
	// compileStart and compileEnd bound the up-front compile, for run_results timing.
	compileStart, compileEnd time.Time
	// incremental answers is_incremental() per model id; filled after connecting.
	incremental map[string]bool
	// target is the target directory, opened on first write; every file
	// the session writes goes through it and so stays beneath it.
	target   *targetfs.Dir
	targetMu sync.Mutex // guards target's first open (targetFS)
	// cache keeps renders across invocations (compile, ls); nil when
	// not used.
	cache *compiler.RenderCache
	// lineageNoCatalog is set once elt lineage has tried the warehouse for
	// a source's columns, so it tries and warns once.
	lineageNoCatalog bool
	// previous and stateMethods are the --state run's artifacts and their
	// comparison with this project, once prepareState has read them.
	previous          *state.Previous
	stateMethods      *state.Methods
	contractsReported bool
	// largeSeedsReported: the seeds over 1 MiB were reported once.
	largeSeedsReported bool
	// annotationsTo is where GitHub Actions annotations go; nil: the log's writer.
	annotationsTo io.Writer
	// renderConnect is what a render's question to the warehouse does
	// while the session has no connection; connMu guards the connect that
	// connectOnDemand makes.
	renderConnect renderConnect
	connMu        sync.Mutex
	connTried     bool
	connErr       error
}

// renderConnect says whether a render's question to the warehouse
// (run_query, adapter introspection, is_incremental()) may connect.
type renderConnect int

const (
	// connectRefused: the command does not connect for a render; one
	// that connected up front answers from that connection.
	connectRefused renderConnect = iota
	// connectOnDemand: the first question connects, as under dbt compile.
	connectOnDemand
	// connectForbidden: elt compile --no-introspect.
	connectForbidden
)

// github is the GitHub Actions annotation printer; nil outside GitHub Actions.
func (s *session) github() *ghactions.Printer {
	w := s.annotationsTo
	if w == nil {
		w = s.log.w
	}
	root := ""
	if s.proj != nil {
		root = s.proj.Root
	}
	return ghactions.NewPrinter(w, root, s.env.lookupEnv)
}

// targetFS opens the target directory for writing on first use.
func (s *session) targetFS() (*targetfs.Dir, error) {
	// ls writes the manifest beside saving the render cache: both open it.
	s.targetMu.Lock()
	defer s.targetMu.Unlock()
	if s.target == nil {
		d, err := targetfs.Open(s.targetDir())
		if err != nil {
			return nil, err
		}
		s.target = d
	}
	return s.target, nil
}

// templateFile writes a file a template asks for (agate's
// Table.to_json, as re_data writes its overview): path as Python opens it,
// from the working directory. As every file elt writes, it must be under
// the target path.
func (s *session) templateFile(path string, data []byte) error {
	d, err := s.targetFS()
	if err != nil {
		return err
	}
	abs := path
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(s.env.workDir, abs)
	}
	rel, err := filepath.Rel(d.Path(), filepath.Clean(abs))
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("%s is not under the target path %s, where elt writes every file; give a path inside it", path, d.Path())
	}
	return d.WriteFile(filepath.ToSlash(rel), data)
}

func (s *session) isIncremental(n *compiler.Node) bool { return s.incremental[n.UniqueID] }

// renderIncremental answers is_incremental() in a render: from what
// connecting found for a command that connected up front, else (elt
// compile) by asking the warehouse whether an incremental model's table
// exists, as dbt compile does, connecting then.
func (s *session) renderIncremental(ctx context.Context, n *compiler.Node) (bool, error) {
	if s.renderConnect != connectOnDemand {
		return s.isIncremental(n), nil
	}
	if !runner.MayBeIncremental(n, s.f.fullRefresh) {
		return false, nil
	}
	a, err := s.liveAdapter(ctx, "is_incremental()")
	if err != nil {
		return false, err
	}
	return runner.IsIncremental(ctx, a, n, s.f.fullRefresh)
}

// query serves run_query() and statement blocks once connected.
func (s *session) query(ctx context.Context, sql string) (*compiler.QueryResult, error) {
	a, err := s.liveAdapter(ctx, "run_query")
	if err != nil {
		return nil, err
	}
	res, err := a.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	temporalValues(s.proj.Target.Type, res)
	return &compiler.QueryResult{Columns: res.Columns, Types: res.Types, Rows: res.Rows, Status: res.Status, RowsAffected: res.RowsAffected}, nil
}

// temporalValues gives dates and timestamps without a time zone the
// values Python's drivers give dbt: a date prints as 2024-01-31, a
// timestamp without a zone with no offset. Drivers here return both as
// UTC times, like a timestamp with a zone.
func temporalValues(warehouse string, res *adapters.Result) {
	for j, typ := range res.Types {
		var conv func(time.Time) any
		switch {
		case typ == "DATE":
			conv = compiler.DateValue
		case warehouse == "bigquery":
			if typ == "DATETIME" {
				conv = compiler.NaiveTimeValue
			}
		case typ == "TIMESTAMP", typ == "TIMESTAMP_NTZ", typ == "TIMESTAMP_S", typ == "TIMESTAMP_MS", typ == "TIMESTAMP_NS", typ == "DATETIME":
			conv = compiler.NaiveTimeValue
		}
		if conv == nil {
			continue
		}
		for _, row := range res.Rows {
			if t, ok := row[j].(time.Time); ok {
				row[j] = conv(t)
			}
		}
	}
}

func newInvocationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	// A version 4 UUID, as dbt's uuid4(): the version and variant bits.
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// parseDictFlag reads a flag (--vars, --args) holding a YAML or JSON dictionary.
func parseDictFlag(flag, s string) (map[string]any, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var doc yaml.Node
	var v map[string]any
	err := yaml.Unmarshal([]byte(s), &doc)
	if err == nil {
		yamlsafe.Resolve11(&doc)
		readAsPyYAML(&doc)
		err = doc.Decode(&v)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: not a YAML or JSON dictionary: %v (example: %s '{key: value}')", flag, err, flag)
	}
	return v, nil
}

// readAsPyYAML reads --vars as dbt's YAML loader does, beyond the plain
// scalars yamlsafe.Resolve11 reads as YAML 1.1 ({flag: yes} is true): a
// date or time, even tagged !!timestamp, is the text written, which prints
// as dbt's Python date does, rather than a Go time that prints with a
// zone; a key given twice takes its last value.
func readAsPyYAML(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!timestamp" {
		n.Tag = "!!str"
	}
	if n.Kind == yaml.MappingNode {
		last := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Kind == yaml.ScalarNode {
				last[k.Value] = i
			}
		}
		kept := n.Content[:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Kind != yaml.ScalarNode || last[k.Value] == i {
				kept = append(kept, n.Content[i], n.Content[i+1])
			}
		}
		n.Content = kept
	}
	for _, c := range n.Content {
		readAsPyYAML(c)
	}
}

// drivers is the registry of warehouses elt can talk to, built here and
// passed down: no package keeps a global registry. quoting is the project's
// quoting config (dbt_project.yml `quoting:`), which Snowflake's naming follows.
func drivers(quoting map[string]any) map[string]adapters.Driver {
	q := snowflake.Quoting{
		Database:   truthy(quoting["database"]),
		Schema:     truthy(quoting["schema"]),
		Identifier: truthy(quoting["identifier"]),
	}
	out := map[string]adapters.Driver{}
	for _, d := range []adapters.Driver{duckdb.Driver(), postgres.Driver(), snowflake.DriverWithQuoting(q), bigquery.Driver()} {
		out[d.Type] = d
	}
	return out
}

func truthy(v any) bool {
	b, ok := v.(bool)
	return ok && b
}

func supportedTypes() string {
	var names []string
	for name := range drivers(nil) {
		names = append(names, name)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// dialectFor returns the pure naming/quoting part of an adapter by type,
// so commands that never connect can still compile.
func dialectFor(typ string, quoting map[string]any) (compilerDialect, error) {
	d, ok := drivers(quoting)[typ]
	if !ok {
		return compilerDialect{}, fmt.Errorf("adapter type %q is not supported (supported: %s)", typ, supportedTypes())
	}
	return compilerDialect{d.Dialect}, nil
}

// checkTarget refuses, with their profiles.yml lines, an adapter type elt
// does not have and target keys the adapter would not act on.
func checkTarget(t *project.Target, quoting map[string]any) error {
	d, ok := drivers(quoting)[t.Type]
	if !ok {
		pos := t.KeyPos["type"]
		if pos.Line == 0 {
			pos = t.Pos
		}
		return diag.List{diag.Errorf(t.File, pos, "use one of: "+supportedTypes(),
			"adapter type %q of target %q is not supported", t.Type, t.Name)}.Err()
	}
	// The run-history block is elt's, not the adapter's.
	known := map[string]bool{"type": true, historyKey: true}
	for _, f := range d.Fields {
		known[f] = true
	}
	var l diag.List
	for _, k := range slices.Sorted(maps.Keys(t.Fields)) {
		if known[k] {
			continue
		}
		if why, ok := d.Unsupported[k]; ok {
			l.Add(diag.Errorf(t.File, t.KeyPos[k], "remove it; the "+t.Type+" adapter reads: "+strings.Join(d.Fields, ", "),
				"target %q: %s is not supported: %s", t.Name, k, why))
			continue
		}
		hint := "remove it; the " + t.Type + " adapter reads: " + strings.Join(d.Fields, ", ")
		if s := textdist.Closest(k, d.Fields); s != "" {
			hint = "did you mean " + s + "? (or remove it)"
		}
		l.Add(diag.Errorf(t.File, t.KeyPos[k], hint, "target %q: %s does not support the profile key %q", t.Name, t.Type, k))
	}
	if _, _, err := historyConfig(&project.Project{}, t, func(string) (string, bool) { return "", false }); err != nil {
		if dl, ok := diag.AsList(err); ok {
			l = append(l, dl...)
		}
	}
	if len(l) == 0 && d.Check != nil {
		if err := d.Check(withoutHistory(t.Fields)); err != nil {
			if fe := fieldDiag(t, err); fe != nil {
				l.Add(*fe)
			} else {
				l.Add(diag.Errorf(t.File, t.Pos, "", "target %q: %v", t.Name, err))
			}
		}
	}
	return l.Err()
}

// fieldDiag places an adapter's complaint about one profile field at the
// field's line in profiles.yml; nil when err is about no field.
func fieldDiag(t *project.Target, err error) *diag.Diagnostic {
	var fe *adapters.FieldError
	if !errors.As(err, &fe) {
		return nil
	}
	// The nearest recorded position: attach[0].options.x, then
	// attach[0].options, attach[0], attach.
	pos := t.Pos
	for path := fe.Field; path != ""; {
		if p, ok := t.KeyPos[path]; ok && p.Line > 0 {
			pos = p
			break
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	d := diag.Errorf(t.File, pos, fe.Hint, "target %q: %s: %s", t.Name, fe.Field, fe.Msg)
	return &d
}

// openAdapter connects to the target's warehouse, for threads nodes at
// once (its connection pool is sized for them).
func openAdapter(ctx context.Context, p *project.Project, workDir string, threads int) (adapters.Adapter, error) {
	t := p.Target
	d, ok := drivers(p.Config.Quoting)[t.Type]
	if !ok {
		return nil, fmt.Errorf("profile %q target %q: adapter type %q is not supported (supported: %s)", t.ProfileName, t.Name, t.Type, supportedTypes())
	}
	return d.Open(ctx, adapters.Target{
		Profile: t.ProfileName, Name: t.Name, Type: t.Type, Threads: max(threads, 1),
		Database: t.Database, Schema: t.Schema, Fields: withoutHistory(t.Fields), WorkDir: workDir,
	})
}

// load reads the project and parses it into a manifest and graph.
func load(ctx context.Context, f *flags, env environment, stdout io.Writer, needProfile bool) (*session, error) {
	return loadWith(ctx, f, env, stdout, needProfile, false, false)
}

// loadChecking is load for a command that runs the static checks next
// (compile, check): when the parse rendered a node again, its SQL is
// likely to be parsed by the checks, and DuckDB's parser opens while the
// graph is built (see session.checkParser).
func loadChecking(ctx context.Context, f *flags, env environment, stdout io.Writer) (*session, error) {
	return loadWith(ctx, f, env, stdout, true, false, true)
}

// loadConnecting is load for a command that connects next (run, build,
// test, seed, snapshot): a local DuckDB file is opened while the project
// parses (see openAhead), and connect takes it.
func loadConnecting(ctx context.Context, f *flags, env environment, stdout io.Writer, checks bool) (*session, error) {
	return loadWith(ctx, f, env, stdout, true, true, checks)
}

func loadWith(ctx context.Context, f *flags, env environment, stdout io.Writer, needProfile, connectNext, checksNext bool) (_ *session, err error) {
	s := &session{f: f, env: env, invocationID: newInvocationID(), startedAt: time.Now().UTC()}
	s.log = newLogger(stdout, f.logFormat, s.invocationID)
	f.log = s.log
	f.sqlLog = s.logSQLQuery
	if f.noColor {
		s.log.color = false
	}
	if f.quiet {
		s.log.level = levelRank["error"]
	}
	if f.logFormat != "text" && f.logFormat != "json" {
		return nil, usageErr(fmt.Errorf("--log-format must be text or json, not %q", f.logFormat))
	}
	vars, err := parseDictFlag("--vars", f.vars)
	if err != nil {
		return nil, usageErr(err)
	}
	// A var named as a secret environment variable holds a secret too:
	// dbt masks its value in run_results.json's args; elt masks it
	// wherever it prints.
	for k, v := range vars {
		if str, ok := v.(string); ok && secrets.IsSecretEnv(k) && strings.TrimSpace(str) != "" {
			env.secrets.Add(str)
		}
	}
	loadEnv := &envRecorder{lookup: env.lookupEnv}
	opts := project.Options{
		ProjectDir:  f.projectDir,
		WorkDir:     env.workDir,
		ProfilesDir: f.profilesDir,
		HomeDir:     env.homeDir,
		Target:      f.target,
		Profile:     f.profile,
		Vars:        vars,
		Env:         loadEnv.lookupEnv,
		Settings:    env.lookupEnv,
		SkipProfile: !needProfile,
		TargetPath:  f.targetPath,
		// As dbt's commands that parse the project.
		RequirePackages: true,
		FileCache:       loadFileCache(f),
		YAMLGlobals:     compiler.YAMLGlobals(s.startedAt, s.invocationID),
		Flags:           f.projectFlags,
	}
	var ahead *cacheRead
	if f.renderCache && !f.noPartialParse && !f.deferFlag {
		ahead = readRenderCacheAhead(opts)
	}
	p, err := project.Load(ctx, opts)
	if err != nil {
		return nil, usageErr(err)
	}
	s.proj = p
	s.projectLoaded = time.Now()
	if more := projectHugePages(len(p.Nodes)); more > 0 && env.hugePages != nil {
		// A large project: the heap its compile grows past the start-up
		// advice gets huge pages too. Failing that costs only time.
		_, _ = env.hugePages(more)
	}
	applyProjectFlags(s, p)
	if err := openLogFile(s, p); err != nil {
		return nil, usageErr(err)
	}
	defer func() {
		if err != nil {
			s.log.closeFile()
		}
	}()
	if err := checkRequireDBTVersion(p); err != nil {
		return nil, usageErr(err)
	}
	if p.Target != nil {
		env.secrets.Add(p.Target.SecretValues()...)
	}
	for _, r := range f.renamedEnvVars {
		if err := s.warnOrError("EnvironmentVariableRenamed", r.message(), map[string]any{"old_name": r.old, "new_name": r.new}); err != nil {
			return nil, err
		}
	}
	if err := s.logWarnings("ProjectWarning", p.Warnings); err != nil {
		return nil, err
	}
	typ := "duckdb"
	if p.Target != nil {
		typ = p.Target.Type
		if err := checkTarget(p.Target, p.Config.Quoting); err != nil {
			return nil, usageErr(err)
		}
	}
	s.dialect, err = dialectFor(typ, p.Config.Quoting)
	if err != nil {
		return nil, usageErr(err)
	}
	if connectNext {
		s.openAhead(ctx)
		defer func() {
			if err != nil {
				s.dropAhead()
			}
		}()
	}
	if f.dbtOnly.sample != "" {
		if s.sample, err = parseSample(f.dbtOnly.sample, s.startedAt); err != nil {
			return nil, usageErr(err)
		}
	}
	// --defer makes refs resolve to another environment's relations, and
	// --sample filters them, so those renders are not kept (nor reused).
	if f.renderCache && !f.noPartialParse && !f.deferFlag && s.sample == nil {
		s.cache = openRenderCache(p, renderCacheKey(p, loadEnv), ahead)
	}
	s.templateInv = s.templateInvocation(p, vars)
	m, err := compiler.Parse(ctx, p, compiler.Options{
		Cache:         s.cache,
		Dialect:       s.dialect,
		Vars:          vars,
		Env:           env.lookupEnv,
		InvocationID:  s.invocationID,
		RunStartedAt:  s.startedAt,
		ExtraMacros:   tests.BuiltinMacros(),
		IsIncremental: s.renderIncremental,
		Query:         s.query,
		Catalog:       sessionCatalog{s},
		StoreFailures: f.storeFailures,
		FullRefresh:   f.fullRefresh,
		Empty:         f.empty,
		Sample:        s.sample,
		Invocation:    s.templateInv,
		Log:           func(msg string) { s.log.info("JinjaLogInfo", msg, map[string]any{"msg": msg}) },
		LogDebug:      func(msg string) { s.log.debug("JinjaLogDebug", msg, map[string]any{"msg": msg}) },
		Notice:        func(event, msg string) { s.log.info(event, msg, nil) },
		Print:         s.printer(),
		Warn:          func(msg string) error { return s.warnOrError("JinjaLogWarning", msg, map[string]any{"msg": msg}) },
		WriteFile:     s.templateFile,
	})
	if err != nil {
		return nil, usageErr(err)
	}
	s.manifest = m
	if checksNext && !f.noCheck && (s.cache == nil || s.cache.Stats().ParseMisses > 0) {
		// A node rendered again (or all of them, without the render
		// cache): its SQL may be new to the checks, whose parser (an
		// in-memory DuckDB, some 25 ms to open) opens beside the graph's
		// build rather than in the checks.
		s.checkParser = &lazyDuckDB{}
		go s.checkParser.open()
		s.log.debug("CheckParserAhead", "opening the static checks' SQL parser while the graph is built", nil)
		defer func() {
			if err != nil {
				_ = s.checkParser.Close() // a load that failed returns no session to close
			}
		}()
	}
	// Nothing reads the project's nodes past Parse: the manifest holds
	// copies.
	m.ReleaseProjectNodes()
	if err := s.logWarnings("ParseWarning", m.Warnings); err != nil {
		return nil, err
	}
	g, err := graph.New(graphNodes(m))
	if err != nil {
		return nil, usageErr(err)
	}
	s.graph = g
	s.warnFreshnessWithoutField()
	return s, nil
}

func (s *session) connect(ctx context.Context) error {
	if s.proj.Target == nil {
		return usageErr(fmt.Errorf("no profile found: create profiles.yml next to dbt_project.yml or in ~/.dbt"))
	}
	var a adapters.Adapter
	var err error
	if s.ahead != nil {
		opened := <-s.ahead
		s.ahead = nil
		a, err = opened.adapter, opened.err
	} else {
		a, err = openAdapter(ctx, s.proj, s.env.workDir, s.threads())
	}
	if err != nil {
		if d := fieldDiag(s.proj.Target, err); d != nil {
			// A profile field (an extension that would need a download, a
			// database to attach) is at fault: point at its line.
			return &exitError{code: exitFailed, err: diag.List{*d}.Err()}
		}
		return &exitError{code: exitFailed, err: err}
	}
	s.adapter = a
	return nil
}

// openedAdapter is what opening an adapter gave.
type openedAdapter struct {
	adapter adapters.Adapter
	err     error
}

// openAhead starts opening the adapter in the background, for connect to
// take: opening DuckDB (tens of milliseconds) overlaps the parse. Only a
// DuckDB file that exists, with no extensions to load and no databases to
// attach: opening it neither creates a file nor reaches the network, so a
// project that then fails to parse leaves nothing behind and does not wait
// long for it to open (dropAhead closes it).
func (s *session) openAhead(ctx context.Context) {
	if !localDuckDB(s.proj.Target, s.env.workDir) {
		return
	}
	ch := make(chan openedAdapter, 1)
	s.ahead = ch
	go func() {
		a, err := openAdapter(ctx, s.proj, s.env.workDir, s.threads())
		ch <- openedAdapter{a, err}
	}()
}

// dropAhead closes the adapter openAhead opened, for a load that failed.
func (s *session) dropAhead() {
	if s.ahead == nil {
		return
	}
	opened := <-s.ahead
	s.ahead = nil
	if opened.adapter != nil {
		_ = opened.adapter.Close()
	}
}

// localDuckDB reports whether t is a DuckDB database file that exists,
// with no extensions and no attachments (openAhead).
func localDuckDB(t *project.Target, workDir string) bool {
	return t != nil && t.Type == "duckdb" && duckdb.OpensLocalFile(t.Fields, workDir)
}

func (s *session) close() {
	if s.f == nil || !s.f.closesLog || s.f.log != s.log {
		// runWith closes the command's log after its last event.
		s.log.closeFile()
	}
	if s.checkParser != nil {
		_ = s.checkParser.Close()
	}
	if s.adapterClosed != nil {
		<-s.adapterClosed
	} else if s.adapter != nil {
		_ = s.adapter.Close()
	}
	if s.target != nil {
		_ = s.target.Close()
	}
}

// closeAdapterEarly starts closing the adapter in the background, for a
// command that will not use the database again: DuckDB checkpoints its
// write-ahead log into the file when it closes (seconds after a large
// run), and the artifacts written meanwhile (run_results.json,
// target/run, the run history) need only files. close waits for it, so the
// process still ends after the database is closed.
func (s *session) closeAdapterEarly() {
	if s.adapter == nil || s.adapterClosed != nil {
		return
	}
	done := make(chan struct{})
	s.adapterClosed = done
	a := s.adapter
	go func() {
		defer close(done)
		_ = a.Close()
	}()
}

func (s *session) targetDir() string { return targetDir(s.proj) }

// targetDir is the project's target path: relative to the project root
// unless written as an absolute path, as in dbt.
func targetDir(p *project.Project) string {
	tp := p.Config.TargetPath
	if tp == "" {
		tp = "target"
	}
	if filepath.IsAbs(tp) {
		return tp
	}
	return filepath.Join(p.Root, tp)
}

// writeCompiled writes target/compiled for every compiled node.
func (s *session) writeCompiled(ctx context.Context) error {
	dir, err := s.targetFS()
	if err != nil {
		return err
	}
	return s.manifest.WriteCompiled(ctx, dir)
}

// logWarnings logs the load's or the parse's warnings as event. One that
// dbt raises through warn_or_error (its Event) is, as there, an error
// under --warn-error or a warn_error_options naming it (the first such
// ends the command, exit 2), or is silenced.
func (s *session) logWarnings(event string, warnings diag.List) error {
	for _, w := range warnings {
		switch {
		case w.Event == "":
		case s.warnsError(w.Event):
			w.Severity = diag.Error
			return usageErr(w)
		case s.proj.Config.WarnErrorOptions().Silenced(w.Event):
			continue
		}
		name := event
		if w.Event != "" {
			name = w.Event // dbt's event, as its JSON log names it
		}
		s.log.warn(name, w.Error(), nil)
	}
	return nil
}

// graphNodes turns manifest nodes and sources into graph nodes.
func graphNodes(m *compiler.Manifest) []graph.Node {
	sorted := m.SortedNodes()
	out := make([]graph.Node, len(sorted), len(sorted)+len(m.Sources))
	// Each kind's config defaults, one map per kind that its nodes share:
	// config.materialized:seed selects seeds, as dbt's full configs do.
	defaults := map[project.ResourceType]map[string]any{}
	for _, n := range sorted {
		if _, ok := defaults[n.ResourceType]; !ok {
			defaults[n.ResourceType] = compiler.DefaultConfig(n.ResourceType)
		}
	}
	sourceDefaults := compiler.DefaultSourceConfig()
	// In id order, the nodes, unit tests and sources each come sorted and
	// the final sort has only their runs to merge.
	par.For(len(sorted), 512, func(i int) {
		n := sorted[i]
		gn := &out[i]
		*gn = graph.Node{
			ID:             n.UniqueID,
			Name:           n.Name,
			ResourceType:   string(n.ResourceType),
			Package:        n.Package,
			Path:           n.OriginalFilePath,
			FQN:            n.FQN,
			Tags:           tagsOf(n.Config),
			Config:         n.Config,
			ConfigDefaults: defaults[n.ResourceType],
			DependsOn:      n.DependsOn.Nodes,
			Version:        n.VersionString,
		}
		if n.TestMetadata == nil {
			// A generic test is declared in properties YAML, not
			// described by it (dbt's patch_path is None).
			gn.PatchPath = n.PatchPath
		}
		if n.RunHook != nil {
			// As dbt's hook nodes: tagged with their hook type.
			gn.Tags = n.RunHook.Tags(gn.Tags)
		}
		if n.VersionString != "" {
			switch c := project.CompareVersions(n.VersionString, n.LatestVersionText()); {
			case c == 0:
				gn.VersionKind = "latest"
			case c > 0:
				gn.VersionKind = "prerelease"
			default:
				gn.VersionKind = "old"
			}
		}
		if n.ResourceType == project.Test {
			gn.TestOf = append(gn.TestOf, n.DependsOn.Nodes...)
			if n.TestMetadata != nil {
				gn.TestName = n.TestMetadata.Name
				gn.TestNamespace = n.TestMetadata.Namespace
			}
		}
	})
	out = append(out, unitTestGraphNodes(m)...)
	for _, id := range slices.Sorted(maps.Keys(m.Sources)) {
		src := m.Sources[id]
		out = append(out, graph.Node{
			ID:             src.UniqueID,
			Name:           src.Name,
			ResourceType:   "source",
			Package:        src.Package,
			Path:           src.OriginalFilePath,
			FQN:            src.FQN,
			Tags:           src.Tags,
			Config:         src.Config,
			ConfigDefaults: sourceDefaults,
		})
	}
	out = append(out, resourceGraphNodes(m)...)
	sortByID(out)
	return out
}

// sortByID sorts nodes by id, nodes of the same id in the order given.
// The order is found over indexes and then applied by moving each node
// once: sorting the nodes themselves moved every one of these large
// structs many times.
func sortByID(nodes []graph.Node) {
	perm := make([]int32, len(nodes))
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortStableFunc(perm, func(a, b int32) int { return strings.Compare(nodes[a].ID, nodes[b].ID) })
	// nodes[j] becomes the node at perm[j], one cycle of the permutation
	// at a time; perm[j] = j marks j done.
	for i := range perm {
		if int(perm[i]) == i {
			continue
		}
		first := nodes[i]
		j := i
		for {
			k := int(perm[j])
			perm[j] = int32(j)
			if k == i {
				nodes[j] = first
				break
			}
			nodes[j] = nodes[k]
			j = k
		}
	}
}

func tagsOf(c project.Config) []string {
	switch v := c["tags"].(type) {
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, t := range v {
			out = append(out, fmt.Sprint(t))
		}
		return out
	case string:
		return []string{v}
	}
	return nil
}

// selectIDs applies --select/--exclude and the command's resource types.
// As in dbt, a node whose file holds nothing but whitespace is never
// selected (an empty model is no error, and nothing runs for it); only ls
// and docs generate list it (selectIDsWithEmpty).
func (s *session) selectIDs(ctx context.Context, kinds []string) ([]string, error) {
	ids, err := s.selectIDsWithEmpty(ctx, kinds)
	if err != nil || s.manifest == nil {
		return ids, err
	}
	kept := ids[:0]
	for _, id := range ids {
		if n := s.manifest.Nodes[id]; n == nil || n.ResourceType == project.Seed || strings.TrimSpace(n.RawCode) != "" {
			kept = append(kept, id)
		}
	}
	return kept, nil
}

// retrySelection is elt retry's selection (as dbt's retry, the nodes
// the last run left undone): those of the retried ids still in the
// project, of the kinds asked.
func (s *session) retrySelection(kinds []string) []string {
	out := []string{}
	for _, id := range s.f.retryIDs {
		if n := s.manifest.Nodes[id]; n != nil && slices.Contains(kinds, string(n.ResourceType)) {
			out = append(out, id)
		}
	}
	return out
}

// selectIDsWithEmpty is selectIDs keeping nodes with empty files.
func (s *session) selectIDsWithEmpty(ctx context.Context, kinds []string) ([]string, error) {
	s.writeGraphSummary()
	if s.f.retryIDs != nil {
		return s.retrySelection(kinds), nil
	}
	if err := s.prepareState(ctx); err != nil {
		return nil, err
	}
	spec, err := s.selectorSpec()
	if err != nil {
		return nil, err
	}
	opts := graph.SelectOptions{
		Select:            s.f.selectors,
		Exclude:           s.f.excludes,
		ResourceTypes:     kinds,
		IndirectSelection: s.f.indirect,
		Spec:              spec,
	}
	if s.stateMethods != nil {
		opts.State = s.stateMethods
	}
	sel, err := s.graph.Select(opts)
	if err != nil {
		return nil, usageErr(err)
	}
	if err := s.reportLargeSeeds(); err != nil {
		return nil, err
	}
	if err := s.reportBreakingContracts(); err != nil {
		return nil, err
	}
	for _, w := range sel.Warnings {
		// dbt's warn_or_error: under --warn-error the first one stops
		// the command (exit 2).
		msg := w.Summary
		if w.Hint != "" {
			msg += "\n  hint: " + w.Hint
		}
		if err := s.warnOrError("NoNodesForSelectionCriteria", msg, nil); err != nil {
			return nil, err
		}
	}
	if sel.IDs == nil {
		// Nothing selected: not nil, which compiling reads as every node.
		return []string{}, nil
	}
	return sel.IDs, nil
}

// RequireSubqueryAlias says whether --empty's subqueries need an alias, as
// dbt-adapters' require_alias: Postgres does; dbt-duckdb, dbt-snowflake and
// dbt-bigquery turn it off.
func (d compilerDialect) RequireSubqueryAlias() bool { return d.Dialect.Type() == "postgres" }

// compilerDialect lets an adapter's dialect serve the compiler, which has its
// own Relation type so that it never imports adapters.
type compilerDialect struct{ adapters.Dialect }

// ExternalSources passes on whether sources may be files (DuckDB's external_location).
func (d compilerDialect) ExternalSources() bool {
	es, ok := d.Dialect.(interface{ ExternalSources() bool })
	return ok && es.ExternalSources()
}

func (d compilerDialect) RenderRelation(r compiler.Relation) string {
	return d.Dialect.RenderRelation(adapters.Relation{Database: r.Database, Schema: r.Schema, Identifier: r.Identifier})
}

// sessionCatalog serves adapter.get_relation and get_columns_in_relation
// from the session's connection, once it is open.
type sessionCatalog struct{ s *session }

func (c sessionCatalog) adapter(ctx context.Context) (adapters.Adapter, error) {
	return c.s.liveAdapter(ctx, "adapter introspection")
}

// liveAdapter is the session's connection for what a render asks of the
// warehouse (what: run_query, adapter introspection, is_incremental()). A
// command that connects on demand connects on the first such call, once:
// a project that asks nothing of the warehouse compiles without one, and
// one that does gets the warehouse's answers, as under dbt compile. Any
// other command without a connection refuses.
func (s *session) liveAdapter(ctx context.Context, what string) (adapters.Adapter, error) {
	if s.renderConnect != connectOnDemand {
		if s.adapter == nil {
			if s.renderConnect == connectForbidden {
				return nil, fmt.Errorf("%s needs a connection, which --no-introspect forbids", what)
			}
			return nil, fmt.Errorf("%s needs a connection, and this command does not open one", what)
		}
		return s.adapter, nil
	}
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if s.adapter == nil && !s.connTried {
		s.connTried = true
		s.connErr = s.connect(ctx)
	}
	if s.adapter == nil {
		// Each caller's error names what it asked, not what asked first.
		if t := s.proj.Target; t != nil {
			return nil, fmt.Errorf("%s needs a connection to target %q, which failed: %w", what, t.Name, s.connErr)
		}
		return nil, fmt.Errorf("%s needs a connection: %w", what, s.connErr)
	}
	return s.adapter, nil
}

func (c sessionCatalog) RelationKind(ctx context.Context, r compiler.Relation) (string, error) {
	a, err := c.adapter(ctx)
	if err != nil {
		return "", err
	}
	kind, err := a.RelationKind(ctx, adapters.Relation{Database: r.Database, Schema: r.Schema, Identifier: r.Identifier})
	return string(kind), err
}

func (c sessionCatalog) Columns(ctx context.Context, r compiler.Relation) ([]compiler.Column, error) {
	a, err := c.adapter(ctx)
	if err != nil {
		return nil, err
	}
	cols, err := a.Columns(ctx, adapters.Relation{Database: r.Database, Schema: r.Schema, Identifier: r.Identifier})
	if err != nil {
		return nil, err
	}
	out := make([]compiler.Column, len(cols))
	for i, col := range cols {
		out[i] = compiler.Column{Name: col.Name, DataType: col.DataType}
	}
	return out, nil
}

// printer is what {{ print() }} calls: a print event on the console (shown
// under --quiet too), or nothing with --no-print, as in dbt.
func (s *session) printer() func(string) {
	if s.f.noPrint || !s.f.print {
		return nil
	}
	return func(msg string) { s.log.print("PrintEvent", msg, nil) }
}

// threads is how many nodes a command works on at once: --threads, else
// the target's threads, and at least one.
func (s *session) threads() int {
	if s.f.dbt.singleThreaded.set && s.f.dbt.singleThreaded.value {
		return 1 // --single-threaded: one node at a time
	}
	if s.f.threads > 0 {
		return s.f.threads
	}
	return max(s.proj.Target.Threads, 1)
}

// logCompileWarnings logs the manifest's warnings from the from'th on:
// those compiling added (a model that renders to no SQL).
func (s *session) logCompileWarnings(from int) {
	for _, w := range s.manifest.Warnings[min(from, len(s.manifest.Warnings)):] {
		s.log.warn("CompileWarning", w.Error(), nil)
	}
}
