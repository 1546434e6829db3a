package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/lazyre"
	"github.com/elt-dev/elt/jinja"
	"github.com/elt-dev/elt/loaders"
	"github.com/elt-dev/elt/project"
	"github.com/elt-dev/elt/runner"
)

func compileCommand(ctx context.Context, f *flags, env environment, stdout, stderr io.Writer) error {
	if f.compileOutput != "text" && f.compileOutput != "json" {
		return usageErr(fmt.Errorf("--output must be text or json, not %q", f.compileOutput))
	}
	inline := strings.TrimSpace(f.inline) != ""
	// As dbt's flags: --inline excludes --select and --selector (an
	// --exclude has nothing to leave out and is allowed).
	if inline && (len(f.selectors) > 0 || f.selector != "") {
		return usageErr(fmt.Errorf("pass either --inline or --select/--selector to compile, not both"))
	}
	// dbt's compile options that default to a value (params.py
	// show_output_format, compile_inject_ephemeral_ctes), and --inline.
	f.commandArgs = map[string]any{"output": f.compileOutput, "compile_inject_ephemeral_ctes": true}
	if inline {
		f.commandArgs["inline"] = f.inline
	}
	s, err := loadChecking(ctx, f, env, stdout)
	if err != nil {
		return err
	}
	defer s.close()
	// As dbt's compile, a runnable task: its version, what the project
	// holds and the threads, before anything compiles.
	s.logVersion()
	s.logFoundStats()
	if s.proj.Target != nil {
		// The selection is not made yet: no node count.
		s.logConcurrency(s.threads(), 0)
	}
	// As dbt compile does, a render that queries the warehouse (run_query,
	// dbt_utils.star's adapter.get_columns_in_relation, is_incremental())
	// gets an answer: the first such call connects. A project that asks
	// nothing never does; --no-introspect forbids it.
	s.renderConnect = connectOnDemand
	if !f.introspect || f.noIntrospect {
		s.renderConnect = connectForbidden
	}
	if inline {
		// As dbt compile --inline: the query alone is compiled and
		// printed, and run_results.json holds its one result (dbt's
		// sql_operation node).
		n, err := s.manifest.CompileInline(ctx, f.inline)
		if err != nil {
			return usageErr(err)
		}
		s.logCompiledNode(n, true)
		if err := s.writeRunResults(compileResults(s.manifest, nil, time.Now(), n), nil, nil, nil, time.Since(s.startedAt), "compile"); err != nil {
			return &exitError{code: exitFailed, err: err}
		}
		return nil
	}
	// As dbt's compile, whose selection takes EXECUTABLE_NODE_TYPES: the
	// project hooks' operation nodes are compiled too (target/compiled,
	// manifest.json, run_results.json).
	ids, err := s.selectIDs(ctx, []string{"model", "test", "snapshot", "seed", "analysis", string(operation)})
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		// As dbt's compile, a runnable task: nothing selected is
		// NothingToDo, the manifest and an empty run_results.json.
		return s.nothingToDo(time.Since(s.startedAt), "compile")
	}
	s.manifest.SetSelected(ids)
	if err := s.applyDefer(ctx, ids); err != nil {
		return err
	}
	// The DAG served the selection; compiling and the artifacts read the
	// manifest. Let it go (a tenth of the heap of a large project).
	s.graph = nil
	// The manifest is written after compiling, so it carries compiled_code,
	// and also when compiling fails, so it still describes the project.
	s.compileStart = time.Now()
	warned := len(s.manifest.Warnings)
	compileErr := s.manifest.Compile(ctx, ids)
	s.logCompileWarnings(warned)
	s.compileEnd = time.Now()
	var nodeErrs *diag.Errors
	if compileErr != nil {
		if !errors.As(compileErr, &nodeErrs) || ctx.Err() != nil {
			if err := s.writeManifest(); err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			return usageErr(compileErr)
		}
		// As dbt's compile, a task of nodes: a node that fails to render
		// is that node's error; the others are compiled, checked and
		// written, and the command fails. dbt's compile raises on its
		// first node error (raise_on_first_error, runnable.py
		// _raise_next_tick): an unhandled error, exit 2.
		ids = compiledIDs(s.manifest, ids)
	}
	// The manifest, the compiled files, the render cache and the static
	// checks read the compiled manifest and write files of their own: at
	// once. Writing is mostly system calls and the checks mostly DuckDB's
	// parser, so they overlap well. The files are written whatever the
	// checks find.
	if _, err := s.targetFS(); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	manifestDone := make(chan error, 1)
	go func() { manifestDone <- s.writeManifest() }()
	resultsDone := make(chan error, 1)
	go func() {
		// As dbt's compile: run_results.json when every node compiled (a
		// node's error ends dbt's compile before it writes one).
		if nodeErrs != nil {
			resultsDone <- nil
			return
		}
		resultIDs := ids
		if len(f.selectors) == 0 {
			resultIDs = withoutEphemeral(s.manifest, ids)
		}
		resultsDone <- s.writeRunResults(compileResults(s.manifest, resultIDs, s.compileEnd), nil, nil, nil, time.Since(s.startedAt), "compile")
	}()
	checkDone := make(chan error, 1)
	go func() {
		// The static checks read nodes that build or test relations,
		// not the hooks' statements.
		failed, err := s.preCheck(ctx, slices.DeleteFunc(slices.Clone(ids), func(id string) bool {
			return s.manifest.Nodes[id] != nil && s.manifest.Nodes[id].ResourceType == operation
		}))
		// As dbt's compile, which runs no SQL: what would fail a node
		// when it runs is a warning here (elt check fails on it).
		for _, id := range slices.Sorted(maps.Keys(failed)) {
			for _, d := range failed[id] {
				d.Severity = diag.Warning
				s.log.warn("CheckFinding", d.Error(), map[string]any{"node": id})
			}
		}
		checkDone <- err
	}()
	err = s.writeCompiled(ctx)
	if err == nil {
		err = s.saveRenderCache()
	}
	merr := <-manifestDone
	cerr := <-checkDone
	rerr := <-resultsDone
	if merr != nil {
		return &exitError{code: exitFailed, err: merr}
	}
	if rerr != nil {
		return &exitError{code: exitFailed, err: rerr}
	}
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if cerr != nil {
		return cerr
	}
	var compiled []*compiler.Node
	for _, id := range ids {
		if n := s.manifest.Nodes[id]; n != nil && n.ResourceType != project.Seed {
			compiled = append(compiled, n)
		}
	}
	s.log.debug("CompileComplete", fmt.Sprintf("Compiled %d %s into %s", len(compiled), plural(len(compiled), "node", "nodes"),
		filepath.ToSlash(filepath.Join(s.proj.Config.TargetPath, "compiled"))), map[string]any{"count": len(compiled)})
	// As dbt's compile: with a selection, the SQL of each compiled node
	// whose name is part of the first --select value ("orders" of
	// orders+, not its tests).
	if len(f.selectors) > 0 {
		for _, n := range compiled {
			if strings.Contains(f.selectors[0], n.Name) {
				s.logCompiledNode(n, false)
			}
		}
	}
	if nodeErrs != nil {
		return usageErr(nodeErrs)
	}
	return nil
}

// compileResults are run_results.json's entries of a compile, as dbt's
// CompileRunner gives them: each selected node succeeded, with no message
// and an empty adapter response; its execute step is empty, at the end of
// the compile (elt compiles nodes concurrently, not each on a thread).
func compileResults(m *compiler.Manifest, ids []string, end time.Time, extra ...*compiler.Node) []runner.Result {
	out := make([]runner.Result, 0, len(ids)+len(extra))
	for _, id := range ids {
		if n := m.Nodes[id]; n != nil {
			extra = append(extra, n)
		}
	}
	for _, n := range extra {
		out = append(out, runner.Result{UniqueID: n.UniqueID, Node: n, Status: runner.Success, ThreadID: "Thread-1 (worker)", StartedAt: end, CompletedAt: end})
	}
	return out
}

// withoutEphemeral are ids but the ephemeral models: dbt's runnable task
// keeps no result of one (runnable.py _handle_result), and its compile
// adds them back only with --select (compile.py _handle_result).
func withoutEphemeral(m *compiler.Manifest, ids []string) []string {
	return slices.DeleteFunc(slices.Clone(ids), func(id string) bool {
		n := m.Nodes[id]
		return n != nil && n.ResourceType == project.Model && n.Config["materialized"] == "ephemeral"
	})
}

// compiledIDs are those of ids whose nodes compiled (a seed has nothing
// to compile), after a compile in which others failed.
func compiledIDs(m *compiler.Manifest, ids []string) []string {
	var out []string
	for _, id := range ids {
		if n := m.Nodes[id]; n != nil && (n.Compiled || n.ResourceType == project.Seed) {
			out = append(out, id)
		}
	}
	return out
}

// logCompiledNode prints a node's compiled SQL as dbt compile does for one
// selected node or --inline: after "Compiled node 'x' is:", or with
// --output json as {"node": "x", "compiled": "..."} ("node" left out for
// an inline query).
func (s *session) logCompiledNode(n *compiler.Node, inline bool) {
	data := map[string]any{"compiled": n.CompiledCode}
	msg := "Compiled inline node is:\n" + n.CompiledCode
	if !inline {
		data["unique_id"] = n.UniqueID
		msg = "Compiled node '" + n.Name + "' is:\n" + n.CompiledCode
	}
	if s.f.compileOutput == "json" {
		// As dbt prints it: Python's json.dumps(..., indent=2), so
		// non-ASCII characters are \u escapes, and "node" comes first.
		out := jinja.NewDict()
		if !inline {
			out.Set("node", n.Name)
		}
		out.Set("compiled", n.CompiledCode)
		msg, _ = jinja.DumpJSON(out, jinja.JSONOptions{Indent: 2}) // strings only: cannot fail
	} else if s.f.quiet {
		msg = n.CompiledCode // dbt's quiet CompiledNode: the SQL alone
	}
	s.log.print("CompiledNode", msg, data)
}

func lsCommand(ctx context.Context, f *flags, env environment, stdout, stderr io.Writer) error {
	switch f.output {
	case "selector", "name", "path", "json":
	default:
		return usageErr(fmt.Errorf("--output must be selector, name, path or json, not %q", f.output))
	}
	// The list goes to stdout; warnings go to stderr so the list stays machine-readable.
	s, err := load(ctx, f, env, stderr, false)
	if err != nil {
		return err
	}
	// Loaders are nodes of the DAG too (roots, before their sources).
	byID, err := s.addLoaders(ctx)
	if err != nil {
		return err
	}
	// dbt's default list leaves analyses out; --resource-type all (or
	// analysis) lists them. elt lists its loaders too.
	defaults := []string{"model", "seed", "snapshot", "test", "unit_test", "source", "exposure",
		"metric", "semantic_model", "saved_query", "loader"}
	var kinds []string
	for _, k := range f.resourceTypes {
		switch k {
		case "all":
			kinds = append(kinds, append(defaults, "analysis")...)
		case "default":
			kinds = append(kinds, defaults...)
		default:
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		kinds = defaults
	}
	kinds = withoutResourceTypes(kinds, f.excludeResourceTypes)
	ids, err := s.selectIDsWithEmpty(ctx, kinds)
	// As dbt's list (@requires.manifest, write=True): the parsed manifest
	// is written, as parse writes it, also when the selection fails. It is
	// written after the state comparison read --state, as elt's other
	// commands write it, and beside the listing; the cache keeps it cheap.
	manifestDone := make(chan error, 1)
	go func() { manifestDone <- s.writeManifest() }()
	if err != nil {
		if merr := <-manifestDone; merr != nil {
			s.log.warn("ManifestNotWritten", merr.Error(), nil)
		}
		return err
	}
	sort.Strings(ids)
	if len(ids) == 0 {
		// dbt's list task: warn_or_error(NoNodesSelected()).
		s.log.warn("NoNodesSelected", "No nodes selected!", nil)
	}
	listErr := s.printLs(stdout, ids, byID, f)
	if listErr == nil {
		// Like dbt ls (partial_parse.msgpack), keep the renders for the next
		// command; a target that cannot be written does not fail a listing.
		if err := s.saveRenderCache(); err != nil {
			s.log.warn("RenderCacheNotSaved", err.Error(), nil)
		}
	}
	merr := <-manifestDone
	if listErr != nil {
		return listErr
	}
	if merr != nil {
		return &exitError{code: exitFailed, err: merr}
	}
	return nil
}

// printLs writes the listing of ids to stdout, one line each.
func (s *session) printLs(stdout io.Writer, ids []string, byID map[string]*loaders.Loader, f *flags) error {
	// Written in chunks of whole lines (one write per line was a system
	// call per node); each chunk is scrubbed of secrets as a whole, so a
	// chunk never splits a line.
	var out []byte
	var js *lsJSON
	if f.output == "json" {
		js = s.newLSJSON(f.outputKeys)
	}
	for _, id := range ids {
		switch l, ok := byID[id]; {
		case ok:
			out = append(append(out, loaderLsLine(l, id, s.proj.Config.Name, f.output)...), '\n')
		case js != nil:
			reasons, withReasons := s.modifiedReasons(id)
			line, err := js.line(id, reasons, withReasons)
			if err != nil {
				return err
			}
			out = append(append(out, line...), '\n')
		default:
			out = append(append(out, s.lsLine(id, f.output)...), '\n')
		}
		if len(out) >= 64<<10 {
			_, _ = stdout.Write(out) // as Fprintln's errors were: a closed pipe ends the listing
			out = out[:0]
		}
	}
	if len(out) > 0 {
		_, _ = stdout.Write(out)
	}
	return nil
}

func loaderLsLine(l *loaders.Loader, id, pkg, output string) string {
	switch output {
	case "name":
		return l.Name
	case "path":
		return l.File
	case "json":
		b, _ := json.Marshal(map[string]any{
			"name": l.Name, "resource_type": "loader", "package_name": pkg, "unique_id": id,
			"original_file_path": l.File, "connector": l.Connector,
			"lands": map[string]string{"source": l.Source, "table": l.Table},
		})
		return string(b)
	}
	return "loader:" + l.Name
}

// lsLine is id's line of elt ls: its selector, name or path as dbt's
// list prints them (JSON is lsJSON's).
func (s *session) lsLine(id, output string) string {
	if line, ok := s.resourceLsLine(id, output); ok {
		return line
	}
	if src, ok := s.manifest.Sources[id]; ok {
		switch output {
		case "name":
			return src.SourceName + "." + src.Name
		case "path":
			return src.OriginalFilePath
		}
		// As dbt: a source is found by package, source and table.
		return "source:" + src.Package + "." + src.SourceName + "." + src.Name
	}
	n := s.manifest.Nodes[id]
	ut, isUnit := s.manifest.UnitTests[id]
	if isUnit {
		n = ut
		if output == "selector" {
			// As dbt: package and versioned name.
			name := n.Name
			if n.VersionString != "" {
				name += "_v" + n.VersionString
			}
			return "unit_test:" + n.Package + "." + name
		}
	}
	switch output {
	case "name":
		// A versioned model's search name, as dbt's: name.vN.
		if n.VersionString != "" && !isUnit {
			return n.Name + ".v" + n.VersionString
		}
		return n.Name
	case "path":
		return n.OriginalFilePath
	}
	return strings.Join(n.FQN, ".")
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func debugCommand(ctx context.Context, f *flags, env environment, stdout, stderr io.Writer) error {
	p, err := project.Load(ctx, project.Options{
		ProjectDir: f.projectDir, WorkDir: env.workDir, ProfilesDir: f.profilesDir, HomeDir: env.homeDir,
		Target: f.target, Profile: f.profile, Env: env.lookupEnv, TargetPath: f.targetPath, Flags: f.projectFlags,
		YAMLGlobals: compiler.YAMLGlobals(time.Now(), ""),
	})
	if f.dbtOnly.configDir {
		// As dbt debug --config-dir: where profiles.yml is read from, and
		// nothing checked.
		dir := filepath.Join(env.homeDir, ".dbt")
		if err == nil && p.Target != nil && p.Target.File != "" {
			dir = filepath.Dir(p.Target.File)
			if !filepath.IsAbs(dir) {
				dir = filepath.Join(p.Root, dir)
			}
		}
		fmt.Fprintf(stdout, "To view your profiles.yml file, run:\n\nxdg-open %s\n", dir)
		return nil
	}
	fmt.Fprintf(stdout, "elt version: %s (dbt-core %s compatible)\n", version, dbtVersion)
	if err != nil {
		fmt.Fprintln(stdout, "Configuration:")
		fmt.Fprintln(stdout, "  project or profile: ERROR")
		return usageErr(err)
	}
	t := p.Target
	// dbt's debug says where it read its files from (task/debug.py), the
	// lines a CI log is searched for.
	profilesFile := t.File
	if !filepath.IsAbs(profilesFile) {
		profilesFile = filepath.Join(p.Root, profilesFile)
	}
	fmt.Fprintf(stdout, "Using profiles dir at %s\n", filepath.Dir(profilesFile))
	fmt.Fprintf(stdout, "Using profiles.yml file at %s\n", profilesFile)
	fmt.Fprintf(stdout, "Using dbt_project.yml file at %s\n", filepath.Join(p.Root, "dbt_project.yml"))
	fmt.Fprintf(stdout, "adapter type: %s\n", t.Type)
	fmt.Fprintln(stdout, "Configuration:")
	fmt.Fprintf(stdout, "  dbt_project.yml file [OK found and valid] %s\n", filepath.Join(p.Root, "dbt_project.yml"))
	fmt.Fprintf(stdout, "  profiles.yml file [OK found and valid] %s\n", t.File)
	fmt.Fprintln(stdout, "Connection:")
	fmt.Fprintf(stdout, "  profile: %s\n  target: %s\n  type: %s\n  database: %s\n  schema: %s\n  threads: %d\n", t.ProfileName, t.Name, t.Type, t.Database, t.Schema, t.Threads)
	if path, ok := t.Fields["path"]; ok {
		fmt.Fprintf(stdout, "  path: %v\n", path)
	}
	start := time.Now()
	a, err := openAdapter(ctx, p, env.workDir, t.Threads)
	if err == nil {
		_, err = a.Query(ctx, "select 1")
		_ = a.Close()
	}
	if err != nil {
		fmt.Fprintf(stdout, "  Connection test: [ERROR]\n")
		return &exitError{code: exitFailed, err: err}
	}
	fmt.Fprintf(stdout, "  Connection test: [OK connection ok] (%.2fs)\n", time.Since(start).Seconds())
	fmt.Fprintln(stdout, "All checks passed!")
	return nil
}

func cleanCommand(ctx context.Context, f *flags, env environment, stdout, stderr io.Writer) error {
	// As dbt's clean, which unsets the profile: profiles.yml is not read.
	p, err := project.Load(ctx, project.Options{
		ProjectDir: f.projectDir, WorkDir: env.workDir, HomeDir: env.homeDir, Env: env.lookupEnv,
		NoProfile: true, TargetPath: f.targetPath, Flags: f.projectFlags,
		YAMLGlobals: compiler.YAMLGlobals(time.Now(), ""),
	})
	if err != nil {
		return usageErr(err)
	}
	targets := p.Config.CleanTargets
	if len(targets) == 0 {
		tp := p.Config.TargetPath
		if tp == "" {
			tp = "target"
		}
		targets = []string{tp}
	}
	// Every entry is checked before anything is deleted, so a bad entry
	// late in the list cannot leave the earlier ones half done.
	rels := make([]string, len(targets))
	// outside are the entries outside the project that
	// --no-clean-project-files-only lets clean delete (absolute paths).
	outside := make([]string, len(targets))
	outsideOK := f.cleanProjectFilesOnly.set && !f.cleanProjectFilesOnly.value
	var bad, holding []string
	for i, t := range targets {
		rel, ok := insideProject(p.Root, t)
		switch {
		case ok:
			rels[i] = rel
		case !outsideOK:
			bad = append(bad, fmt.Sprintf("%q", t))
		case holdsProject(p.Root, t):
			// dbt would delete it; elt never deletes the project itself.
			holding = append(holding, fmt.Sprintf("%q", t))
		default:
			outside[i] = cleanTargetPath(p.Root, t)
		}
	}
	if len(holding) > 0 {
		return usageErr(diag.List{diag.Errorf("dbt_project.yml", p.Config.KeyPos["clean-targets"],
			"list folders elt writes, such as target; nothing was deleted",
			"clean-targets %s %s %s the project folder %s or a folder holding it", plural(len(holding), "entry", "entries"),
			strings.Join(holding, ", "), plural(len(holding), "is", "are"), p.Root)}.Err())
	}
	if len(bad) > 0 {
		return usageErr(diag.List{diag.Errorf("dbt_project.yml", p.Config.KeyPos["clean-targets"],
			"list only folders inside the project, such as target, or pass --no-clean-project-files-only; nothing was deleted",
			"clean-targets %s %s %s outside the project folder %s, or the folder itself",
			plural(len(bad), "entry", "entries"), strings.Join(bad, ", "), plural(len(bad), "is", "are"), p.Root)}.Err())
	}
	// As dbt's clean: the project's source paths are never cleaned (nor,
	// here, a folder holding one).
	var sources []string
	c := p.Config
	for _, list := range [][]string{c.ModelPaths, c.SeedPaths, c.SnapshotPaths, c.AnalysisPaths, c.MacroPaths, c.TestPaths} {
		for _, sp := range list {
			sources = append(sources, filepath.Clean(filepath.FromSlash(sp)))
		}
	}
	var protected []string
	for i, rel := range rels {
		if rel == "" {
			continue // outside the project: no source path is there
		}
		for _, sp := range sources {
			if sp == rel || strings.HasPrefix(sp, rel+string(filepath.Separator)) {
				protected = append(protected, fmt.Sprintf("%q", targets[i]))
				break
			}
		}
	}
	if len(protected) > 0 {
		return usageErr(diag.List{diag.Errorf("dbt_project.yml", p.Config.KeyPos["clean-targets"],
			"list only folders elt writes, such as target and dbt_packages; nothing was deleted",
			"elt will not clean the project's source paths: clean-targets %s %s",
			strings.Join(protected, ", "), plural(len(protected), "holds source files (model, seed, snapshot, analysis, macro or test paths)", "hold source files (model, seed, snapshot, analysis, macro or test paths)"))}.Err())
	}
	for i, rel := range rels {
		path, shown := filepath.Join(p.Root, rel), filepath.ToSlash(rel)
		if rel == "" {
			path, shown = outside[i], outside[i]
		}
		if err := os.RemoveAll(path); err != nil {
			return &exitError{code: exitFailed, err: fmt.Errorf("clean %s: %w", shown, err)}
		}
		fmt.Fprintf(stdout, "Cleaned %s/\n", strings.TrimSuffix(shown, "/"))
	}
	fmt.Fprintln(stdout, "Finished cleaning all paths.")
	return nil
}

// insideProject resolves a clean-targets entry (relative to the project,
// or absolute) and reports its path relative to root when it lies strictly
// inside the project. Symbolic links are resolved first, so a link inside
// the project that points elsewhere does not count as inside.
func insideProject(root, entry string) (string, bool) {
	abs := entry
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(root, abs)
	}
	abs = filepath.Clean(abs)
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", false
	}
	realAbs := abs
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		realAbs = r
	} else if r, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		realAbs = filepath.Join(r, filepath.Base(abs)) // not there yet: its folder decides
	}
	rel, err := filepath.Rel(realRoot, realAbs)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return rel, true
}

// cleanTargetPath is a clean-targets entry as an absolute, clean path
// (relative entries are relative to the project folder).
func cleanTargetPath(root, entry string) string {
	if !filepath.IsAbs(entry) {
		entry = filepath.Join(root, entry)
	}
	return filepath.Clean(entry)
}

// holdsProject says whether a clean-targets entry is the project folder
// or a folder holding it (the filesystem root included), symbolic links
// resolved, so that deleting it would delete the project.
func holdsProject(root, entry string) bool {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return true // unsure: refuse
	}
	target := cleanTargetPath(root, entry)
	if r, err := filepath.EvalSymlinks(target); err == nil {
		target = r
	}
	rel, err := filepath.Rel(target, realRoot)
	return err == nil && (rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))))
}

//go:embed all:starter
var starter embed.FS

var projectNameRE = lazyre.New(`^[A-Za-z_][A-Za-z0-9_]*$`)

func initCommand(f *flags, env environment, stdout io.Writer, name string) error {
	if !projectNameRE().MatchString(name) {
		return usageErr(fmt.Errorf("project name %q must start with a letter or underscore and hold only letters, digits and underscores", name))
	}
	dir := filepath.Join(env.workDir, name)
	if f.projectDir != "" {
		dir = f.projectDir
	}
	if _, err := os.Stat(dir); err == nil {
		return usageErr(fmt.Errorf("%s already exists; choose another name or remove it", dir))
	}
	err := fs.WalkDir(starter, "starter", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(path, "starter"), "/")
		out := filepath.Join(dir, filepath.FromSlash(strings.TrimSuffix(rel, ".tmpl")))
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		b, err := starter.ReadFile(path)
		if err != nil {
			return err
		}
		text := strings.ReplaceAll(string(b), "__PROJECT__", name)
		return os.WriteFile(out, []byte(text), 0o644)
	})
	if err != nil {
		return &exitError{code: exitFailed, err: fmt.Errorf("init: %w", err)}
	}
	fmt.Fprintf(stdout, "Created project %s in %s\n\nNext:\n  cd %s\n  elt build\n", name, dir, name)
	return nil
}

// loadProjectOnly reads the project without needing a profile, for commands
// that never connect.
func loadProjectOnly(ctx context.Context, f *flags, env environment) (*project.Project, error) {
	p, err := project.Load(ctx, project.Options{
		ProjectDir: f.projectDir, WorkDir: env.workDir, ProfilesDir: f.profilesDir, HomeDir: env.homeDir,
		Env: env.lookupEnv, SkipProfile: true, TargetPath: f.targetPath, Flags: f.projectFlags,
		YAMLGlobals: compiler.YAMLGlobals(time.Now(), ""),
	})
	if err != nil {
		return nil, usageErr(err)
	}
	return p, nil
}
