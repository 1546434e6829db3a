package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/lineage"
	"github.com/elt-dev/elt/lineage/duckdbparse"
	"github.com/elt-dev/elt/lineage/pgparse"
	"github.com/elt-dev/elt/project"
)

type lineageFlags struct {
	upstream, downstream bool
	depth                int
	// output is its own field: flags.output is ls's, whose default differs,
	// and a flag's default is written when the flag is defined.
	output string
}

func newLineageCmd(f *flags, env environment, stdout, stderr io.Writer) *cobra.Command {
	lf := &lineageFlags{}
	c := &cobra.Command{
		Use:   "lineage NODE[.COLUMN]",
		Short: "Show column-level lineage: what a column reads, through the whole DAG, and what reads it",
		Long: "Show column-level lineage. With NODE.COLUMN, every upstream and downstream column reached,\n" +
			"nearest first, with how it is used: identity (copied), transformation, aggregation, or\n" +
			"indirect (it filters, joins, groups, orders or partitions the rows). With NODE alone, the\n" +
			"node's columns with what each reads directly. A model that cannot be parsed, or a column\n" +
			"that cannot be resolved, falls back to table-level lineage (type \"table\") with a warning.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return lineageCommand(cmd.Context(), f, lf, env, stdout, stderr, args[0])
		},
	}
	c.Flags().BoolVar(&lf.upstream, "upstream", false, "only what the column reads")
	c.Flags().BoolVar(&lf.downstream, "downstream", false, "only what reads the column")
	c.Flags().IntVar(&lf.depth, "depth", 0, "follow at most N hops (default: the whole DAG)")
	c.Flags().StringVarP(&lf.output, "output", "o", "text", "output: text or json")
	return c
}

// lineageOutput is `elt lineage MODEL.COLUMN --output json`.
// A direction not asked for is left out; one asked for is always there,
// [] when nothing was reached.
type lineageOutput struct {
	Column     string             `json:"column"`
	Upstream   *[]lineage.Reached `json:"upstream,omitempty"`
	Downstream *[]lineage.Reached `json:"downstream,omitempty"`
}

func lineageCommand(ctx context.Context, f *flags, lf *lineageFlags, env environment, stdout, stderr io.Writer, target string) error {
	if lf.output != "text" && lf.output != "json" {
		return usageErr(fmt.Errorf("--output must be text or json, not %q", lf.output))
	}
	if lf.depth < 0 {
		return usageErr(fmt.Errorf("--depth must be at least 1, not %d", lf.depth))
	}
	if !lf.upstream && !lf.downstream {
		lf.upstream, lf.downstream = true, true
	}
	// Lineage goes to stdout; warnings and logs to stderr, so JSON stays readable.
	s, err := load(ctx, f, env, stderr, true)
	if err != nil {
		return err
	}
	defer s.close()
	proj, _, err := s.projectLineage(ctx)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	node, column, err := splitLineageTarget(proj, target)
	if err != nil {
		return usageErr(err)
	}
	// Warnings of the models the answer passes through, once each.
	warned := map[string]bool{}
	warnFor := func(name string) {
		m := proj.Models[name]
		if m == nil || warned[name] {
			return
		}
		warned[name] = true
		for _, w := range m.Warnings {
			s.log.warn("LineageDegraded", "lineage: "+w.String(), map[string]any{"node": w.Node, "line": w.Line, "construct": w.Construct})
		}
	}
	warnFor(node)
	if column == "" {
		return printNodeColumns(stdout, lf.output, proj, node)
	}
	out := lineageOutput{Column: node + "." + column}
	var up, down []lineage.Reached
	if lf.upstream {
		up = nonNilReached(proj.Upstream(node, column, lf.depth))
		out.Upstream = &up
	}
	if lf.downstream {
		down = nonNilReached(proj.Downstream(node, column, lf.depth))
		out.Downstream = &down
	}
	for _, r := range append(append([]lineage.Reached(nil), up...), down...) {
		warnFor(r.Node)
	}
	if lf.output == "json" {
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, string(b))
		return nil
	}
	fmt.Fprintln(stdout, out.Column)
	for _, dir := range []struct {
		name string
		list []lineage.Reached
		on   bool
	}{{"upstream", up, lf.upstream}, {"downstream", down, lf.downstream}} {
		if !dir.on {
			continue
		}
		fmt.Fprintf(stdout, "%s:\n", dir.name)
		if len(dir.list) == 0 {
			fmt.Fprintln(stdout, "  (none)")
		}
		for _, r := range dir.list {
			name := r.Node
			if r.Column != "" {
				name += "." + r.Column
			}
			fmt.Fprintf(stdout, "  %d  %-40s %s\n", r.Depth, name, r.Type)
		}
	}
	return nil
}

func nonNilReached(r []lineage.Reached) []lineage.Reached {
	if r == nil {
		return []lineage.Reached{}
	}
	return r
}

// splitLineageTarget reads NODE or NODE.COLUMN; source names hold a dot
// themselves (source_name.table), so the longest node name that fits wins.
func splitLineageTarget(p *lineage.Project, target string) (node, column string, err error) {
	if p.Nodes[target] != nil {
		return target, "", nil
	}
	i := strings.LastIndex(target, ".")
	if i < 0 || p.Nodes[target[:i]] == nil {
		return "", "", fmt.Errorf("lineage: no model, seed, snapshot or source named %q (write NODE or NODE.COLUMN)", strings.SplitN(target, ".", 2)[0])
	}
	node = target[:i]
	cols := p.Columns(node)
	if cols == nil {
		return "", "", fmt.Errorf("lineage: the columns of %s are unknown (see the warnings above)", node)
	}
	col, ok := p.Column(node, target[i+1:])
	if !ok {
		return "", "", fmt.Errorf("lineage: %s has no column %q (it has: %s)", node, target[i+1:], strings.Join(cols, ", "))
	}
	return node, col, nil
}

func printNodeColumns(w io.Writer, output string, p *lineage.Project, node string) error {
	m := p.Models[node]
	if output == "json" {
		var v any = m
		if m == nil {
			v = map[string]any{"node": node, "columns": p.Columns(node)}
		}
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintln(w, string(b))
		return nil
	}
	fmt.Fprintln(w, node)
	if m == nil {
		for _, c := range p.Columns(node) {
			fmt.Fprintf(w, "  %s\n", c)
		}
		return nil
	}
	for _, c := range m.Columns {
		var from []string
		for _, e := range c.Edges {
			from = append(from, fmt.Sprintf("%s.%s (%s)", e.Node, e.Column, e.Type))
		}
		if c.Degraded {
			from = append(from, "table-level: "+strings.Join(m.Upstream, ", "))
		}
		if len(from) == 0 {
			from = []string{"(no upstream column)"}
		}
		fmt.Fprintf(w, "  %-24s <- %s\n", c.Name, strings.Join(from, ", "))
	}
	if !m.ColumnsKnown {
		fmt.Fprintf(w, "  (the column list is incomplete; reads: %s)\n", strings.Join(m.Upstream, ", "))
	}
	return nil
}

// snapshotColumns are the columns a snapshot adds to its query's.
var snapshotColumns = []string{"dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to"}

// projectLineage compiles the project's models and snapshots and resolves
// their column lineage. Seeds' columns come from their CSV headers;
// sources' from their properties YAML, else the warehouse catalog. ids maps
// the names lineage gives nodes back to their unique ids (uniqueIDs).
func (s *session) projectLineage(ctx context.Context) (proj *lineage.Project, uniqueIDs map[string]string, err error) {
	var ids []string
	for id, n := range s.manifest.Nodes {
		if n.ResourceType == project.Model || n.ResourceType == project.Snapshot {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	failed := map[string]bool{}
	if err := s.manifest.Compile(ctx, ids); err != nil {
		if ctx.Err() != nil {
			return nil, nil, err
		}
		// A model that cannot compile offline (its render asks the
		// warehouse: dbt_utils.star, run_query) is compiled again with a
		// connection opened for it, as docs generate compiles, when the
		// warehouse exists; one that still cannot degrades to table-level
		// lineage, with a warning naming it, rather than failing every
		// model's.
		for _, id := range ids {
			if s.manifest.Nodes[id].Compiled {
				continue
			}
			err := s.manifest.Compile(ctx, []string{id})
			if err != nil && ctx.Err() == nil && s.renderConnect == connectRefused && s.adapter == nil && s.warehouseExists() {
				s.renderConnect = connectOnDemand
				err = s.manifest.Compile(ctx, []string{id})
				s.renderConnect = connectRefused
			}
			if err != nil {
				if ctx.Err() != nil {
					return nil, nil, err
				}
				failed[id] = true
				s.log.warn("LineageNotCompiled", fmt.Sprintf("lineage: %s not compiled, its columns are unknown: %v", id, err), map[string]any{"unique_id": id})
			}
		}
	}
	dialect := s.proj.Target.Type
	duck, err := duckdbparse.New()
	if err != nil {
		return nil, nil, err
	}
	defer duck.Close()
	parsers := lineage.Parsers{DuckDB: duck, Postgres: pgparse.Parser{}}

	names := lineageNames(s.manifest)
	var nodes []*lineage.Node
	for _, id := range sortedKeys(names) {
		ln := &lineage.Node{Name: names[id]}
		if src, ok := s.manifest.Sources[id]; ok {
			ln.Relation = s.manifest.SourceRelations[id]
			ln.Columns = s.sourceColumns(ctx, src, ln.Relation)
			nodes = append(nodes, ln)
			continue
		}
		n := s.manifest.Nodes[id]
		ln.Relation = n.RelationName
		ln.Ephemeral = n.ResourceType == project.Model && configString(n.Config, "materialized") == "ephemeral"
		switch n.ResourceType {
		case project.Seed:
			ln.Columns = s.seedColumns(n)
		default:
			if n.Language == "python" || failed[id] {
				break // columns unknown; readers of it degrade
			}
			ln.SQL, ln.Dialect = n.CompiledCode, dialect
			if n.ResourceType == project.Snapshot {
				ln.ExtraColumns = snapshotColumns
			}
		}
		for _, dep := range n.DependsOn.Nodes {
			if name, ok := names[dep]; ok {
				ln.DependsOn = append(ln.DependsOn, name)
			}
		}
		nodes = append(nodes, ln)
	}
	byName := make(map[string]string, len(names))
	for id, name := range names {
		byName[name] = id
	}
	proj, err = lineage.Build(ctx, parsers, nodes)
	return proj, byName, err
}

// lineageNames names every model, seed, snapshot and source for lineage,
// by unique id: a node's name, a source's source_name.table.
func lineageNames(m *compiler.Manifest) map[string]string {
	names := map[string]string{}
	for id, n := range m.Nodes {
		switch n.ResourceType {
		case project.Model, project.Seed, project.Snapshot:
			names[id] = n.Name
		}
	}
	for id, src := range m.Sources {
		names[id] = src.SourceName + "." + src.Name
	}
	// Two packages may each have a node of the same name: those go by
	// their unique ids instead, which never clash.
	count := map[string]int{}
	for _, name := range names {
		count[name]++
	}
	for id, name := range names {
		if count[name] > 1 {
			names[id] = id
		}
	}
	return names
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// seedColumns reads a seed's CSV header; nil when it cannot be read.
func (s *session) seedColumns(n *compiler.Node) []string {
	path := filepath.Join(s.proj.Root, filepath.FromSlash(n.OriginalFilePath))
	fh, err := os.Open(path)
	if err != nil {
		s.log.warn("LineageDegraded", fmt.Sprintf("lineage: seed %s: %v; its columns are unknown", n.Name, err), nil)
		return nil
	}
	defer fh.Close()
	r := csv.NewReader(fh)
	if d := configString(n.Config, "delimiter"); len([]rune(d)) == 1 {
		r.Comma = []rune(d)[0]
	}
	header, err := r.Read()
	if err != nil {
		s.log.warn("LineageDegraded", fmt.Sprintf("lineage: seed %s: header: %v; its columns are unknown", n.Name, err), nil)
		return nil
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	return header
}

// sourceColumns are a source's declared columns, else the warehouse's;
// nil when neither is known.
func (s *session) sourceColumns(ctx context.Context, src *project.SourceTable, rel string) []string {
	if len(src.Columns) > 0 {
		out := make([]string, 0, len(src.Columns))
		for _, c := range src.Columns {
			out = append(out, c.Name)
		}
		return out
	}
	if s.adapter == nil && !s.lineageNoCatalog {
		s.lineageNoCatalog = true // one attempt, one warning
		if !s.warehouseExists() {
			s.log.warn("LineageDegraded", fmt.Sprintf("lineage: source %s.%s declares no columns and the warehouse does not exist yet; its columns are unknown", src.SourceName, src.Name), nil)
			return nil
		}
		if err := s.connect(ctx); err != nil {
			s.log.warn("LineageDegraded", fmt.Sprintf("lineage: source %s.%s declares no columns and the warehouse cannot be read (%v); its columns are unknown", src.SourceName, src.Name, err), nil)
			return nil
		}
	}
	if s.adapter == nil {
		return nil
	}
	cols, err := (sessionCatalog{s}).Columns(ctx, compiler.Relation{Database: src.Database, Schema: src.Schema, Identifier: src.Identifier})
	if err != nil || len(cols) == 0 {
		return nil
	}
	out := make([]string, 0, len(cols))
	for _, c := range cols {
		out = append(out, c.Name)
	}
	return out
}

func configString(c project.Config, key string) string {
	v, _ := c[key].(string)
	return v
}

// warehouseExists is false for a DuckDB file not built yet, which
// connecting would create as a side effect of asking for lineage.
func (s *session) warehouseExists() bool {
	t := s.proj.Target
	if t == nil {
		return false
	}
	if t.Type != "duckdb" {
		return true
	}
	path, _ := t.Fields["path"].(string)
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "md:") {
		return false
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(s.env.workDir, path)
	}
	_, err := os.Stat(path)
	return err == nil
}
