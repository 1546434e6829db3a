package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/elt-dev/elt/adapters/postgres"
	"github.com/elt-dev/elt/check"
	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/docs"
	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/lineage"
	"github.com/elt-dev/elt/lineage/duckdbparse"
	"github.com/elt-dev/elt/lineage/pgparse"
	"github.com/elt-dev/elt/lineage/sqlmodel"
	"github.com/elt-dev/elt/project"
)

func newCheckCmd(f *flags, env environment, stdout, stderr io.Writer) *cobra.Command {
	var output string
	c := &cobra.Command{
		Use:   "check",
		Short: "Find unknown columns and relations, ambiguous columns and type mismatches in the selected models without querying the warehouse",
		Long: "Compile the project and check every selected model's SQL against the known columns of\n" +
			"seeds (CSV header and inferred types), sources (declared columns, else target/catalog.json)\n" +
			"and upstream models (their resolved output columns). Each finding is file:line:col with a\n" +
			"hint. Exits 1 when there are findings. elt compile, run and build run the same checks\n" +
			"first (--no-check skips them).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return checkCommand(cmd.Context(), f, env, stdout, stderr, output)
		},
	}
	c.Flags().StringArrayVarP(&f.selectors, "select", "s", nil, "nodes to check (dbt selection syntax)")
	c.Flags().StringArrayVar(&f.excludes, "exclude", nil, "nodes not to check")
	addModelsFlags(c.Flags(), &f.selectors)
	// For state: selectors (--select state:modified+ in CI); DBT_STATE too.
	c.Flags().StringVar(&f.state, "state", "", "folder holding an earlier run's manifest.json, for state: and result: selectors")
	c.Flags().StringVarP(&output, "output", "o", "text", "output: text or json")
	return c
}

func checkCommand(ctx context.Context, f *flags, env environment, stdout, stderr io.Writer, output string) error {
	if output != "text" && output != "json" {
		return usageErr(fmt.Errorf("--output must be text or json, not %q", output))
	}
	// Findings go to stdout; logs to stderr, so JSON stays readable.
	s, err := loadChecking(ctx, f, env, stderr)
	if err != nil {
		return err
	}
	defer s.close()
	s.annotationsTo = stdout
	ids, err := s.selectIDs(ctx, []string{"model", "snapshot"})
	if err != nil {
		return err
	}
	// Every model is compiled: a selected model's upstream columns come
	// from its parents' SQL.
	var all []string
	for id, n := range s.manifest.Nodes {
		if n.ResourceType == project.Model || n.ResourceType == project.Snapshot {
			all = append(all, id)
		}
	}
	sort.Strings(all)
	// A model whose SQL depends on the warehouse (dbt_utils.star,
	// run_query) cannot be rendered without it: it is left unchecked.
	if err := s.manifest.CompileBeforeRun(ctx, all); err != nil {
		return usageErr(err)
	}
	findings, err := s.check(ctx, ids)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if output == "json" {
		if findings == nil {
			findings = []check.Finding{}
		}
		b, err := json.MarshalIndent(findings, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, string(b))
	} else {
		for _, fd := range findings {
			fmt.Fprintln(stdout, fd.Diagnostic().Error())
		}
		if len(findings) == 0 {
			s.log.info("CheckPassed", fmt.Sprintf("Checked %d %s: no problems found", len(ids), plural(len(ids), "node", "nodes")), map[string]any{"count": len(ids)})
		}
	}
	if len(findings) > 0 {
		s.annotateFindings(findings)
		return &exitError{code: exitFailed, err: errAnnotated{fmt.Errorf("check: %d %s", len(findings), plural(len(findings), "problem", "problems"))}}
	}
	return nil
}

// preCheck runs the static checks over the selected models before
// compile, run or build goes on. Warnings are printed. What the checks
// find wrong fails only its node, as the warehouse would when the node
// runs, and not the command: failed holds each such node's findings
// (run and build fail the node with them, running nothing, and
// skip its children; compile prints them as warnings, as dbt's compile
// runs no SQL and succeeds). A finding that names no selected node stops
// the command as before.
func (s *session) preCheck(ctx context.Context, ids []string) (failed map[string]diag.List, err error) {
	if s.f.noCheck {
		return nil, nil
	}
	findings, err := s.check(ctx, ids)
	if err != nil {
		// The checks are a safety net: when they cannot run, the warehouse
		// still reports what is wrong.
		s.log.warn("CheckSkipped", "static checks skipped: "+err.Error(), nil)
		return nil, nil
	}
	// A finding names its node as the checks do (lineageNames); the
	// names are looked up only when a finding is an error.
	var byName map[string]string
	selected := make(map[string]bool, len(ids))
	for _, id := range ids {
		selected[id] = true
	}
	var stop diag.List
	perNode := map[string]*diag.List{}
	gh := s.github()
	for _, fd := range findings {
		d := fd.Diagnostic()
		d.Hint = strings.TrimSpace(d.Hint + "\n  (static check " + string(fd.Kind) + "; --no-check skips the checks)")
		if d.Severity == diag.Warning {
			s.log.warn("CheckWarning", d.Error(), map[string]any{"kind": string(fd.Kind), "file": fd.File, "line": fd.Line, "column": fd.Column})
			gh.Diagnostic("elt check: "+string(fd.Kind), fd.Diagnostic())
			continue
		}
		if byName == nil {
			byName = map[string]string{}
			for id, name := range lineageNames(s.manifest) {
				byName[name] = id
			}
		}
		id := byName[fd.Node]
		if !selected[id] {
			stop.Add(d) // printed and annotated with the command's error
			continue
		}
		gh.Diagnostic("elt check: "+string(fd.Kind), fd.Diagnostic())
		l := perNode[id]
		if l == nil {
			l = &diag.List{}
			perNode[id] = l
		}
		l.Add(d)
	}
	if err := stop.Err(); err != nil {
		return nil, &exitError{code: exitFailed, err: err}
	}
	failed = make(map[string]diag.List, len(perNode))
	for id, l := range perNode {
		failed[id] = *l
	}
	return failed, nil
}

// check builds the check input from the compiled manifest and runs it over
// the selected models and snapshots. Nodes not compiled (their render
// waits for the run) have unknown columns, so they and their readers are
// not checked.
func (s *session) check(ctx context.Context, ids []string) ([]check.Finding, error) {
	start := time.Now()
	s.log.debug("CheckStarted", fmt.Sprintf("static checks of %d %s", len(ids), plural(len(ids), "node", "nodes")), map[string]any{"count": len(ids)})
	defer func() {
		s.log.debug("CheckFinished", fmt.Sprintf("static checks took %s", time.Since(start).Round(time.Millisecond)), map[string]any{"seconds": time.Since(start).Seconds()})
	}()
	selected := map[string]bool{}
	for _, id := range ids {
		selected[id] = true
	}
	duck := s.checkParser
	if duck == nil {
		duck = &lazyDuckDB{}
		if _, err := os.Stat(filepath.Join(s.targetDir(), checkCacheFile)); err != nil {
			// No check cache: every model is parsed, so DuckDB opens while
			// the check's input is gathered.
			go duck.open()
		}
	}
	// Closed once the checks are done: a run does not hold it.
	defer duck.Close()
	catalog := s.readCatalog()
	key := version + "\x00" + compiler.DBTVersion + "\x00" + executableStamp()
	results := check.NewCache(key)
	if fh, err := os.Open(filepath.Join(s.targetDir(), checkCacheFile)); err == nil {
		// Read while the check runs: only what it needs is read.
		defer fh.Close()
		results = check.ReadCache(key, bufio.NewReaderSize(fh, 1<<16))
	}

	names := lineageNames(s.manifest)
	reads := s.checkReads(selected, names)
	in := check.Input{}
	for _, t := range catalogTables(catalog) {
		in.KnownRelations = append(in.KnownRelations, t)
	}
	for _, id := range sortedKeys(names) {
		if n := s.manifest.Nodes[id]; n != nil && n.ResourceType != project.Seed && !reads[id] {
			// Nothing checked reads it: only its name and relation count.
			in.Others = append(in.Others, check.Other{Name: names[id], Kind: string(n.ResourceType), Relation: s.manifest.RefRelationName(n)})
			continue
		}
		cn := &check.Node{Node: lineage.Node{Name: names[id]}}
		if src, ok := s.manifest.Sources[id]; ok {
			cn.Kind, cn.File = "source", src.OriginalFilePath
			cn.Relation = s.manifest.SourceRelations[id]
			if len(src.Columns) > 0 {
				cn.DeclaredColumns = true
				cn.Types = map[string]string{}
				for _, c := range src.Columns {
					cn.Columns = append(cn.Columns, c.Name)
					if c.DataType != "" {
						cn.Types[c.Name] = c.DataType
					}
				}
			} else if t, ok := catalog.Sources[id]; ok {
				cn.Columns, cn.Types = catalogColumns(t)
			}
			in.Nodes = append(in.Nodes, cn)
			continue
		}
		n := s.manifest.Nodes[id]
		cn.Kind, cn.File = string(n.ResourceType), n.OriginalFilePath
		// What its readers' SQL names it by: under --defer, the relation
		// of the state's run.
		cn.Relation = s.manifest.RefRelationName(n)
		cn.Ephemeral = n.ResourceType == project.Model && configString(n.Config, "materialized") == "ephemeral"
		switch n.ResourceType {
		case project.Seed:
			cn.Columns, cn.Types = s.seedTypes(n, results)
		default:
			if !checkedSQL(s.manifest, n) {
				// Its columns are unknown (or its SQL may change once its
				// upstream is built): readers are not checked on them.
				// What it reads does not matter (and may be in Others).
				in.Nodes = append(in.Nodes, cn)
				continue
			}
			cn.SQL, cn.Dialect = n.CompiledCode, s.proj.Target.Type
			cn.RawSQL, cn.RawLine = n.RawCode, n.RawCodeLine
			cn.Check = selected[id] && n.Package == s.proj.Config.Name
			if n.ResourceType == project.Snapshot {
				cn.ExtraColumns = snapshotColumns
			}
		}
		for _, dep := range n.DependsOn.Nodes {
			if name, ok := names[dep]; ok {
				cn.DependsOn = append(cn.DependsOn, name)
			}
		}
		in.Nodes = append(in.Nodes, cn)
	}
	// DuckDB is opened only when something is parsed.
	parsers := func() lineage.Parsers { return lineage.Parsers{DuckDB: duck, Postgres: pgparse.Parser{}} }
	findings, err := check.RunCached(ctx, parsers, in, results)
	if err != nil {
		return nil, err
	}
	if err := duck.openErr(); err != nil && results.Stats().Parsed > 0 {
		// Every parse failed for want of a parser: nothing was checked, and
		// the cache must not keep those failures.
		return nil, fmt.Errorf("open DuckDB's SQL parser: %w", err)
	}
	if ctx.Err() != nil {
		return findings, nil
	}
	st := results.Stats()
	s.log.debug("CheckCacheStats", fmt.Sprintf("check cache: project unchanged %t, stored results read %t, %d models reused, %d resolved, %d statements parsed, seed types: %d reused, %d inferred",
		st.Unchanged, st.ResultsRead, st.Reused, st.Resolved, st.Parsed, st.SeedsReused, st.SeedsInferred),
		map[string]any{"unchanged": st.Unchanged, "results_read": st.ResultsRead, "reused": st.Reused, "resolved": st.Resolved, "parsed": st.Parsed, "seeds_reused": st.SeedsReused, "seeds_inferred": st.SeedsInferred})
	if results.Changed() {
		dir, err := s.targetFS()
		if err == nil {
			err = dir.WriteAtomic(checkCacheFile, results.Save)
			// The parse cache of earlier versions is not read any more.
			_ = os.Remove(filepath.Join(s.targetDir(), "elt_parse_cache.bin"))
		}
		if err != nil {
			s.log.debug("CheckCacheNotSaved", "check cache not saved: "+err.Error(), nil)
		}
	}
	return findings, nil
}

// checkedSQL reports whether the checks read n's compiled SQL: a model's
// columns come from it. Other nodes have unknown columns (or SQL that may
// change once their upstream is built, or that a project's
// materialization rewrites before it runs, as insert_by_period replaces
// its __PERIOD_FILTER__, or a DuckDB table_function's, whose parameters
// its SQL reads).
func checkedSQL(m *compiler.Manifest, n *compiler.Node) bool {
	if n.ResourceType == project.Seed || n.Language == "python" || !n.Compiled || n.CompiledCode == "" || n.Introspected {
		return false
	}
	if n.Config["materialized"] == "table_function" {
		return false // its parameters are names the checks do not know
	}
	_, custom := m.CustomMaterialization(n)
	return !custom
}

// checkReads are the nodes a check of the selected models and snapshots
// (those of names) reads (check.Reads).
func (s *session) checkReads(selected map[string]bool, names map[string]string) map[string]bool {
	roots := make([]string, 0, len(selected))
	for id := range selected {
		if _, ok := names[id]; ok {
			roots = append(roots, id)
		}
	}
	return check.Reads(roots, func(id string) []string {
		if n := s.manifest.Nodes[id]; n != nil {
			return n.DependsOn.Nodes
		}
		return nil
	}, func(id string) bool {
		n := s.manifest.Nodes[id]
		return n != nil && checkedSQL(s.manifest, n)
	})
}

// checkCacheFile is where the static checks keep their findings and every
// model's resolved columns for the next invocation (check.Cache).
const checkCacheFile = "elt_check_cache.bin"

// DuckDB's parser, and the check's handle on it, parse in batches.
var (
	_ lineage.BatchParser = (*duckdbparse.Parser)(nil)
	_ lineage.BatchParser = (*lazyDuckDB)(nil)
)

// lazyDuckDB opens DuckDB's parser on the first parse, so that a check
// served from the check cache does not start DuckDB at all.
type lazyDuckDB struct {
	once sync.Once
	p    *duckdbparse.Parser
	err  error
	// opened is set once p and err are: an open begun ahead, on another
	// goroutine (session.checkParser), may still be under way.
	opened atomic.Bool
}

// open opens the parser unless it was opened already.
func (l *lazyDuckDB) open() {
	l.once.Do(func() {
		l.p, l.err = duckdbparse.New()
		l.opened.Store(true)
	})
}

// openErr is why the parser could not be opened, once an open has
// finished; nil before, and without waiting for one under way.
func (l *lazyDuckDB) openErr() error {
	if !l.opened.Load() {
		return nil
	}
	return l.err
}

func (l *lazyDuckDB) Parse(ctx context.Context, sql string) (sqlmodel.Query, error) {
	l.open()
	if l.err != nil {
		return nil, l.err
	}
	return l.p.Parse(ctx, sql)
}

func (l *lazyDuckDB) ParseBatch(ctx context.Context, sqls []string) ([]sqlmodel.Query, []error) {
	l.open()
	if l.err != nil {
		errs := make([]error, len(sqls))
		for i := range errs {
			errs[i] = l.err
		}
		return make([]sqlmodel.Query, len(sqls)), errs
	}
	return l.p.ParseBatch(ctx, sqls)
}

// Close closes the parser if it was opened, waiting for an open under
// way; it is not safe to call during a Parse. A second Close does nothing.
func (l *lazyDuckDB) Close() error {
	l.once.Do(func() {}) // no parser is opened after Close
	if p := l.p; p != nil {
		l.p, l.err = nil, errParserClosed
		return p.Close()
	}
	return nil
}

// errParserClosed is what a parse after Close gets.
var errParserClosed = errors.New("the SQL parser is closed")

// readCatalog reads target/catalog.json when elt docs generate wrote one;
// an empty catalog otherwise.
func (s *session) readCatalog() docs.Catalog {
	var c docs.Catalog
	b, err := os.ReadFile(filepath.Join(s.targetDir(), "catalog.json"))
	if err != nil {
		return c
	}
	if err := json.Unmarshal(b, &c); err != nil {
		s.log.warn("CheckCatalog", "target/catalog.json cannot be read ("+err.Error()+"); checks use declared columns only", nil)
		return docs.Catalog{}
	}
	return c
}

func catalogTables(c docs.Catalog) []string {
	var out []string
	for _, group := range []map[string]docs.CatalogTable{c.Nodes, c.Sources} {
		for _, t := range group {
			name := t.Metadata.Schema + "." + t.Metadata.Name
			if t.Metadata.Database != nil && *t.Metadata.Database != "" {
				name = *t.Metadata.Database + "." + name
			}
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func catalogColumns(t docs.CatalogTable) ([]string, map[string]string) {
	cols := make([]docs.ColumnMetadata, 0, len(t.Columns))
	for _, c := range t.Columns {
		cols = append(cols, c)
	}
	sort.Slice(cols, func(i, j int) bool { return cols[i].Index < cols[j].Index })
	names := make([]string, len(cols))
	types := map[string]string{}
	for i, c := range cols {
		names[i] = c.Name
		types[c.Name] = c.Type
	}
	return names, types
}

// seedTypes are a seed's columns and their types: inferred from the CSV
// as a seed load infers them, with column_types taking precedence.
func (s *session) seedTypes(n *compiler.Node, cache *check.Cache) ([]string, map[string]string) {
	path := filepath.Join(s.proj.Root, filepath.FromSlash(n.OriginalFilePath))
	comma := ','
	if d := configString(n.Config, "delimiter"); len([]rune(d)) == 1 {
		comma = []rune(d)[0]
	}
	// Inferring the types reads the whole file: they are kept in the
	// check cache while the file's stamp is unchanged.
	stamp, stable := project.FileStamp(path)
	key := stamp + "\x00" + string(comma)
	kept, ok := check.SeedTypes{}, false
	if stable {
		kept, ok = cache.Seed(key)
	}
	header, types := kept.Header, kept.Types
	if !ok {
		var err error
		if header, types, err = postgres.InferSeed(path, comma); err != nil {
			return s.seedColumns(n), nil
		}
		if stable {
			cache.KeepSeed(check.SeedTypes{Key: key, Header: header, Types: types})
		}
	}
	if q, ok := n.Config["quote_columns"].(bool); ok && !q {
		// As the load names them: written into SQL as they are, so
		// whitespace around a name goes and "from" is from.
		header = slices.Clone(header)
		for i, h := range header {
			h = strings.TrimSpace(h)
			if len(h) >= 2 && h[0] == '"' && h[len(h)-1] == '"' {
				h = strings.ReplaceAll(h[1:len(h)-1], `""`, `"`)
			}
			header[i] = h
		}
	}
	out := map[string]string{}
	for i, h := range header {
		out[h] = types[i]
	}
	if ct, ok := n.Config["column_types"].(map[string]any); ok {
		for k, v := range ct {
			if t, ok := v.(string); ok {
				out[k] = t
			}
		}
	}
	return header, out
}

// annotateFindings prints findings as GitHub Actions annotations when running there.
func (s *session) annotateFindings(findings []check.Finding) {
	gh := s.github()
	for _, fd := range findings {
		gh.Diagnostic("elt check: "+string(fd.Kind), fd.Diagnostic())
	}
}
