package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/docs"
	"github.com/elt-dev/elt/docs/site"
	"github.com/elt-dev/elt/internal/targetfs"
)

func newDocsCmd(f *flags, env environment, stdout, stderr io.Writer) *cobra.Command {
	c := &cobra.Command{
		Use:   "docs",
		Short: "Generate the project's documentation artifacts",
		Args:  cobra.NoArgs,
	}
	gen := &cobra.Command{
		Use:   "generate",
		Short: "Compile the project and write target/manifest.json, catalog.json, lineage.json and the docs site (index.html)",
		Long: "Compile the project and write, in the target path:\n" +
			"  manifest.json  the compiled project, as dbt writes it\n" +
			"  catalog.json   every model, seed, snapshot and source relation that exists in the\n" +
			"                 warehouse, with its columns, types and statistics (dbt's catalog v1)\n" +
			"  lineage.json   every model column with the upstream columns it reads and how:\n" +
			"                 identity, transformation, aggregation, indirect or table\n" +
			"  index.html     the docs site (with elt-docs/): open it from disk or run elt docs serve",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return docsGenerateCommand(cmd.Context(), f, env, stdout, stderr)
		},
	}
	gen.Flags().StringArrayVarP(&f.selectors, "select", "s", nil, "only these nodes and sources in catalog.json (dbt selection syntax)")
	addModelsFlags(gen.Flags(), &f.selectors)
	addDeferFlags(gen.Flags(), f)
	gen.Flags().StringArrayVar(&f.excludes, "exclude", nil, "leave these out of catalog.json")
	gen.Flags().StringVar(&f.selector, "selector", "", "a named selector of selectors.yml for catalog.json (replaces --select and --exclude)")
	gen.Flags().BoolVar(&f.docsCompile, "compile", true, "compile the project first and write manifest.json and target/compiled (--no-compile: neither)")
	gen.Flags().BoolVar(&f.docsNoCompile, "no-compile", false, "do not compile: manifest.json and target/compiled are left as they are")
	gen.Flags().BoolVar(&f.emptyCatalog, "empty-catalog", false, "write catalog.json with no relations, without reading the warehouse's catalog")
	gen.Flags().BoolVar(&f.static, "static", false, "also write static_index.html: the docs site in one file, its data and scripts inside")
	c.AddCommand(gen)

	var host string
	var port int
	serve := &cobra.Command{
		Use:   "serve",
		Short: "Serve the docs site elt docs generate wrote, on http://127.0.0.1:8080 by default",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return docsServeCommand(cmd.Context(), f, env, stdout, host, port)
		},
	}
	serve.Flags().StringVar(&host, "host", "127.0.0.1", "address to listen on (0.0.0.0 to let other machines in)")
	serve.Flags().IntVar(&port, "port", 8080, "port to listen on (0: any free port)")
	c.AddCommand(serve)
	return c
}

func docsServeCommand(ctx context.Context, f *flags, env environment, stdout io.Writer, host string, port int) error {
	if port < 0 || port > 65535 {
		return usageErr(fmt.Errorf("--port %d: a port is 0 to 65535", port))
	}
	s, err := load(ctx, f, env, stdout, false)
	if err != nil {
		return err
	}
	defer s.close()
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	err = site.Serve(ctx, addr, s.targetDir(), func(url string) {
		s.log.info("DocsServing", "Serving the docs site at "+url+" (Ctrl-C to stop)", map[string]any{"url": url})
	})
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	return nil
}

func (s *session) copyAssets(dir *targetfs.Dir) error {
	return site.CopyAssets(s.proj.Root, s.proj.Config.AssetPaths, dir)
}

func docsGenerateCommand(ctx context.Context, f *flags, env environment, stdout, stderr io.Writer) error {
	s, err := load(ctx, f, env, stdout, true)
	if err != nil {
		return err
	}
	defer s.close()
	s.logVersion()
	if s.proj.Target == nil {
		return usageErr(fmt.Errorf("no profile found: create profiles.yml next to dbt_project.yml or in ~/.dbt"))
	}
	// A DuckDB file not built yet is not created just to find it empty.
	if s.warehouseExists() {
		if err := s.connect(ctx); err != nil {
			return err
		}
		// As dbt docs generate compiles: is_incremental() is true for an
		// incremental model whose table exists, and run_query and adapter
		// introspection are answered, from this connection.
		s.renderConnect = connectOnDemand
	} else {
		s.log.warn("CatalogEmpty", "the warehouse does not exist yet; catalog.json lists no relations (run elt build first)", nil)
	}

	dir, err := s.targetFS()
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	// As dbt docs generate: compile everything, then write the manifest,
	// also when compiling fails, so it still describes the project. With
	// --no-compile dbt writes neither.
	compile := f.docsCompile && !f.docsNoCompile
	var compileErr error
	if compile && f.deferFlag {
		// As dbt's: refs to nodes not selected resolve to the --state
		// run's relations.
		ids, err := s.selectIDsWithEmpty(ctx, []string{"model", "seed", "snapshot", "source"})
		if err != nil {
			return err
		}
		if err := s.applyDefer(ctx, ids); err != nil {
			return err
		}
	}
	// --select, --exclude, --selector or the default selector of
	// selectors.yml narrow the catalog, and what is compiled, as in dbt.
	narrowed := len(f.selectors) > 0 || len(f.excludes) > 0 || f.selector != "" || s.proj.Selectors != nil
	if compile {
		// As dbt's GenerateTask, a CompileTask: with a selection, the
		// selected executable nodes are compiled (nil: every node).
		var ids []string
		if narrowed {
			if ids, err = s.selectIDs(ctx, []string{"model", "test", "snapshot", "seed", "analysis", string(operation)}); err != nil {
				return err
			}
			s.manifest.SetSelected(ids)
		}
		warned := len(s.manifest.Warnings)
		if !narrowed || len(ids) > 0 {
			compileErr = s.manifest.Compile(ctx, ids)
		}
		s.logCompileWarnings(warned)
	}
	man := docs.BuildManifest(s.manifest, s.meta())
	if compile {
		if s.writeJSON() { // --no-write-json: none, as dbt's compile step
			if err := man.Write(dir, "manifest.json"); err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			if err := docs.WriteSemanticManifest(dir, s.manifest); err != nil {
				return &exitError{code: exitFailed, err: err}
			}
		}
		if compileErr != nil {
			return usageErr(compileErr)
		}
		if err := s.writeCompiled(ctx); err != nil {
			return &exitError{code: exitFailed, err: err}
		}
	}
	if err := s.copyAssets(dir); err != nil {
		return &exitError{code: exitFailed, err: err}
	}

	// The selection narrows the catalog too; the manifest and lineage
	// always cover the whole project.
	var selected map[string]bool
	if narrowed {
		ids, err := s.selectIDsWithEmpty(ctx, []string{"model", "seed", "snapshot", "source"})
		if err != nil {
			return err
		}
		selected = map[string]bool{}
		for _, id := range ids {
			selected[id] = true
		}
	}
	var cat *docs.Catalog
	if f.emptyCatalog {
		// As dbt's --empty-catalog: no relation is looked up.
		cat = docs.BuildCatalog(s.meta(), nil, nil, nil)
	} else {
		cat = s.buildCatalog(ctx, selected, compile)
	}
	if err := ctx.Err(); err != nil {
		return &exitError{code: cancelledExit(ctx)}
	}
	for _, e := range cat.Errors {
		// As dbt's catch_as_completed: warn_or_error(CatalogGenerationError).
		if err := s.warnOrError("CatalogGenerationError", "Encountered an error while generating catalog: "+e, nil); err != nil {
			return err
		}
	}
	if err := docs.WriteCatalog(dir, "catalog.json", cat); err != nil {
		return &exitError{code: exitFailed, err: err}
	}

	proj, ids, err := s.projectLineage(ctx)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	lin := docs.BuildLineage(s.meta(), proj, ids)
	if err := docs.WriteLineage(dir, "lineage.json", lin); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	order := map[string][]string{}
	for name, m := range proj.Models {
		cols := make([]string, len(m.Columns))
		for i, c := range m.Columns {
			cols[i] = c.Name
		}
		if id, ok := ids[name]; ok {
			order[id] = cols
		}
	}
	data := site.Build(man, cat, lin, order)
	data.AddProfiles(s.latestProfiles(ctx))
	if err := site.Write(dir, data); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if f.static {
		if err := site.WriteStatic(dir, "static_index.html", data); err != nil {
			return &exitError{code: exitFailed, err: err}
		}
	}
	if n := len(lin.Warnings); n > 0 {
		s.log.warn("LineageDegraded", fmt.Sprintf("lineage: %d %s fell back to table-level lineage; see warnings in lineage.json", n, plural(n, "construct", "constructs")), map[string]any{"count": n})
	}
	where := filepath.ToSlash(s.proj.Config.TargetPath)
	if where == "" {
		where = "target"
	}
	s.log.info("CatalogWritten", fmt.Sprintf("Catalog written to %s (%d %s, %d %s); lineage to %s; docs site to %s (open it, or run elt docs serve)",
		where+"/catalog.json", len(cat.Nodes), plural(len(cat.Nodes), "node", "nodes"), len(cat.Sources), plural(len(cat.Sources), "source", "sources"), where+"/lineage.json", where+"/index.html"),
		map[string]any{"nodes": len(cat.Nodes), "sources": len(cat.Sources)})
	if len(cat.Errors) > 0 {
		return &exitError{code: exitFailed}
	}
	return nil
}

// buildCatalog describes every relation catalog.json covers, or only the
// selected ones when selected is not nil. Without a connection (the
// warehouse does not exist yet) it lists none. A relation
// that cannot be read is an entry of errors, and the rest are still read.
//
// A project or package that replaces dbt's catalog macro
// (get_catalog_relations, or get_catalog with no compile or more than a
// hundred relations) has it run instead, as dbt's adapter does, and the
// table it returns read into the catalog.
func (s *session) buildCatalog(ctx context.Context, selected map[string]bool, compiled bool) *docs.Catalog {
	nodeRels, sourceRels := docs.CatalogRelations(s.manifest)
	if selected != nil {
		for _, rels := range []map[string]adapters.Relation{nodeRels, sourceRels} {
			for id := range rels {
				if !selected[id] {
					delete(rels, id)
				}
			}
		}
	}
	nodes := map[string]*adapters.RelationInfo{}
	sources := map[string]*adapters.RelationInfo{}
	var errs []string
	if s.adapter != nil {
		// Nodes and sources at once: DuckDB reads its catalog for all of
		// them in two queries (adapters.DescribeMany).
		var ids []string
		var asked []adapters.Relation
		for _, rels := range []map[string]adapters.Relation{nodeRels, sourceRels} {
			for _, id := range sortedKeys(rels) {
				ids = append(ids, id)
				asked = append(asked, rels[id])
			}
		}
		if name := catalogMacroName(compiled, len(asked)); s.manifest.CatalogReplaced(name) {
			found, macroErrs := s.catalogFromMacro(ctx, name, asked)
			errs = append(errs, macroErrs...)
			for i, id := range ids {
				out := nodes
				if _, ok := sourceRels[id]; ok {
					out = sources
				}
				if info, ok := found[keyOf(asked[i])]; ok {
					out[id] = info
				}
			}
			return docs.BuildCatalog(s.meta(), nodes, sources, errs)
		}
		infos, readErrs := adapters.DescribeMany(ctx, s.adapter, asked)
		for i, id := range ids {
			if err := readErrs[i]; err != nil {
				// Artifacts are files others read: no secret may reach them.
				errs = append(errs, s.env.secrets.Scrub(fmt.Sprintf("%s: %v", id, err)))
				continue
			}
			out := nodes
			if _, ok := sourceRels[id]; ok {
				out = sources
			}
			if infos[i] != nil {
				out[id] = infos[i]
			}
		}
	}
	return docs.BuildCatalog(s.meta(), nodes, sources, errs)
}
