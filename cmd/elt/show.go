package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/jinja"
	"github.com/elt-dev/elt/project"
	"github.com/elt-dev/elt/runner"
)

// showOptions are the flags of elt show.
type showOptions struct {
	inline       string
	inlineDirect string
	limit        int
	output       string
}

func newShowCmd(f *flags, env environment, stdout, stderr io.Writer) *cobra.Command {
	var o showOptions
	c := &cobra.Command{
		Use:   "show",
		Short: "Compile a node (or an --inline query), run it with a limit and print the rows; only a seed is written (loaded, as dbt's show does)",
		Long: "Compile the selected node, or the SQL given with --inline, run it wrapped with a limit\n" +
			"and print the first rows, as dbt show does. A model is compiled from its SQL (its refs\n" +
			"resolved, ephemeral models inlined) rather than read from its built relation. A seed\n" +
			"is loaded, as dbt's show does, and all its rows are printed.\n" +
			"With --output json the rows are printed as {\"node\": name, \"show\": [rows]} on stdout\n" +
			"and the log lines go to stderr.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return showCommand(cmd.Context(), f, env, stdout, stderr, o)
		},
	}
	c.Flags().StringArrayVarP(&f.selectors, "select", "s", nil, "the node to preview (dbt selection syntax)")
	c.Flags().StringArrayVar(&f.excludes, "exclude", nil, "nodes to exclude")
	addModelsFlags(c.Flags(), &f.selectors)
	addDeferFlags(c.Flags(), f)
	c.Flags().StringVar(&o.inline, "inline", "", "a SQL query to preview, with Jinja (ref, source, var...) as in a model")
	c.Flags().StringVar(&o.inlineDirect, "inline-direct", "", "a SQL query sent to the warehouse as it is: no Jinja, nothing of the project compiled (dbt's hidden flag)")
	c.Flags().IntVar(&o.limit, "limit", 5, "rows to fetch and print; -1 for all")
	c.Flags().StringVarP(&o.output, "output", "o", "text", "output: text (a table) or json")
	return c
}

func showCommand(ctx context.Context, f *flags, env environment, stdout, stderr io.Writer, o showOptions) error {
	if o.output != "text" && o.output != "json" {
		return usageErr(fmt.Errorf("--output must be text or json, not %q", o.output))
	}
	direct := strings.TrimSpace(o.inlineDirect) != ""
	if direct && (len(f.selectors) > 0 || strings.TrimSpace(o.inline) != "") {
		return usageErr(fmt.Errorf("pass --inline-direct alone to show, without --select or --inline"))
	}
	inline := strings.TrimSpace(o.inline) != ""
	if !inline && !direct && len(f.selectors) == 0 && f.selector == "" {
		return usageErr(fmt.Errorf("Either --select or --inline must be passed to show")) // dbt's text (task/show.py)
	}
	if inline && (len(f.selectors) > 0 || f.selector != "") {
		return usageErr(fmt.Errorf("pass either --select or --inline to show, not both"))
	}
	// dbt's show options that default to a value (params.py show_limit,
	// show_output_format), and --inline or --inline-direct.
	f.commandArgs = map[string]any{"limit": o.limit, "output": o.output}
	if inline {
		f.commandArgs["inline"] = o.inline
	}
	if direct {
		f.commandArgs["inline_direct"] = o.inlineDirect
	}
	logTo := stdout
	if o.output == "json" {
		// stdout holds the rows alone, so that they can be piped into jq.
		logTo = stderr
	}
	s, err := load(ctx, f, env, logTo, true)
	if err != nil {
		return err
	}
	defer s.close()
	s.logVersion()
	if direct {
		return s.showDirect(ctx, stdout, o)
	}
	// As dbt's show (setup_manifest, write=True) unless --inline-direct:
	// the parsed manifest is written before anything runs.
	if err := s.writeManifest(); err != nil {
		return &exitError{code: exitFailed, err: err}
	}

	var nodes, seeds []*compiler.Node
	var ids []string
	if !inline {
		// Only what is named: no tests come along by indirect selection.
		f.indirect = "empty"
		if ids, err = s.selectIDs(ctx, []string{"model", "snapshot", "test", "analysis", "seed"}); err != nil {
			return err
		}
		if len(ids) == 0 {
			return usageErr(fmt.Errorf("--select %s matches no model, snapshot, test, analysis or seed to show", strings.Join(f.selectors, " ")))
		}
		for _, id := range ids {
			n := s.manifest.Nodes[id]
			if n.ResourceType == project.Seed {
				seeds = append(seeds, n)
				continue
			}
			if n.Language == "python" {
				return usageErr(fmt.Errorf("%s: show does not support Python models (%s)", n.OriginalFilePath, n.UniqueID))
			}
			nodes = append(nodes, n)
		}
	}
	if err := s.connect(ctx); err != nil {
		return err
	}
	if err := s.applyDefer(ctx, ids); err != nil {
		return err
	}
	if !inline {
		s.manifest.SetSelected(ids)
		// is_incremental() answers as it would in a run, as dbt compiles.
		if s.incremental, err = runner.IncrementalTargets(ctx, s.adapter, s.manifest, ids, false); err != nil {
			return &exitError{code: exitFailed, err: err}
		}
		if err := s.manifest.Compile(ctx, ids); err != nil {
			return usageErr(err)
		}
	} else {
		n, err := s.manifest.CompileInline(ctx, o.inline)
		if err != nil {
			return usageErr(err)
		}
		nodes = []*compiler.Node{n}
	}
	// As dbt's ShowTask, which runs a seed with its SeedRunner: the seed
	// is loaded, then all its rows are shown (no limit applies to them).
	seedResults, err := s.showSeeds(ctx, stdout, seeds, o.output)
	if err != nil {
		return err
	}
	var limit *int
	if o.limit >= 0 {
		limit = &o.limit
	}
	ran := make([]*compiler.Node, len(nodes))
	for i, n := range nodes {
		// dbt's ShowRunner: get_show_sql builds the query, and every row
		// it returns is shown.
		sql, err := s.manifest.ShowSQL(ctx, n, limit)
		if err != nil {
			return &exitError{code: exitFailed, err: fmt.Errorf("%s: %s: %w", n.OriginalFilePath, n.UniqueID, err)}
		}
		res, err := s.adapter.Query(ctx, sql)
		if err != nil {
			return &exitError{code: exitFailed, err: fmt.Errorf("%s: %s: %w", n.OriginalFilePath, n.UniqueID, err)}
		}
		s.printShow(stdout, n, inline, o.output, res.Columns, res.Types, res.Rows)
		// dbt's ShowRunner sets the node's compiled_code to the query it
		// ran.
		shown := *n
		shown.CompiledCode = sql
		ran[i] = &shown
	}
	// As dbt's show, a task of nodes: run_results.json holds what it ran.
	results := append(seedResults, compileResults(s.manifest, nil, time.Now(), ran...)...)
	if err := s.writeRunResults(results, nil, nil, nil, time.Since(s.startedAt), "show"); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	return nil
}

// showSeeds loads the seeds as dbt's show does (its SeedRunner, with the
// seed's start and result lines) and prints each one's rows, read back
// from the relation just loaded. A seed that fails to load ends show.
func (s *session) showSeeds(ctx context.Context, stdout io.Writer, seeds []*compiler.Node, output string) ([]runner.Result, error) {
	if len(seeds) == 0 {
		return nil, nil
	}
	ids := make([]string, len(seeds))
	for i, n := range seeds {
		ids[i] = n.UniqueID
	}
	r := runner.New(s.manifest, s.graph, s.adapter, runner.Options{Threads: s.threads(), OnEvent: s.printEvent})
	if err := r.CreateSchemas(ctx, ids); err != nil {
		return nil, &exitError{code: exitFailed, err: err}
	}
	results := r.Run(ctx, ids)
	for _, res := range results {
		if res.Status != runner.Success {
			return results, &exitError{code: exitFailed, err: fmt.Errorf("%s: %s", res.UniqueID, res.Message)}
		}
	}
	d := s.adapter.Dialect()
	for _, n := range seeds {
		rel := adapters.Relation{Database: n.Relation.Database, Schema: n.Relation.Schema, Identifier: n.Relation.Identifier}
		res, err := s.adapter.Query(ctx, "select * from "+d.RenderRelation(rel))
		if err != nil {
			return results, &exitError{code: exitFailed, err: fmt.Errorf("%s: %s: %w", n.OriginalFilePath, n.UniqueID, err)}
		}
		s.printShow(stdout, n, false, output, res.Columns, res.Types, res.Rows)
	}
	return results, nil
}

// showDirect is dbt's ShowTaskDirect: the --inline-direct query is sent as
// it is, without templating, and at most --limit of its rows are printed
// as an inline node's, named direct-query.
func (s *session) showDirect(ctx context.Context, stdout io.Writer, o showOptions) error {
	if err := s.connect(ctx); err != nil {
		return err
	}
	res, err := s.adapter.Query(ctx, o.inlineDirect)
	if err != nil {
		return &exitError{code: exitFailed, err: fmt.Errorf("--inline-direct: %w", err)}
	}
	rows := res.Rows
	if o.limit >= 0 && len(rows) > o.limit {
		rows = rows[:o.limit]
	}
	n := &compiler.Node{Node: project.Node{Name: "direct-query", UniqueID: "direct-query"}}
	s.printShow(stdout, n, true, o.output, res.Columns, res.Types, rows)
	return nil
}

// printShow prints one preview: in text a table after "Previewing node
// 'x':", in JSON dbt's {"node": ..., "show": [...]} (no "node" for an
// inline query, as in dbt).
func (s *session) printShow(stdout io.Writer, n *compiler.Node, inline bool, output string, cols, types []string, rows [][]any) {
	name := n.Name
	if n.VersionString != "" {
		name += ".v" + n.VersionString // as dbt's ShowTask names a versioned model
	}
	if output == "json" {
		out := map[string]any{"show": showJSONRows(cols, rows)}
		if !inline {
			out["node"] = name
		}
		b, _ := json.MarshalIndent(out, "", "  ")
		fmt.Fprintln(stdout, string(b))
		return
	}
	title := fmt.Sprintf("Previewing node '%s':", name)
	if inline {
		title = "Previewing inline node:"
	}
	// dbt's show prints agate's print_table(max_rows=None).
	table := strings.TrimSuffix(compiler.FormatTable(cols, types, rows), "\n")
	msg := title + "\n" + table
	if s.f.quiet {
		msg = table // dbt's quiet ShowNode: the rows alone
	}
	s.log.print("ShowNode", msg, map[string]any{
		"node_name": name, "unique_id": n.UniqueID, "is_inline": inline, "output_format": "text",
		"preview": showJSONRows(cols, rows),
	})
}

// showJSONRows turns rows into objects keyed by column name, values as
// JSON has them (numbers, strings, booleans, null; times as ISO text).
func showJSONRows(cols []string, rows [][]any) []orderedRow {
	out := make([]orderedRow, len(rows))
	for i, r := range rows {
		out[i] = orderedRow{cols: cols, vals: r}
	}
	return out
}

// orderedRow marshals as a JSON object with its columns in query order.
type orderedRow struct {
	cols []string
	vals []any
}

func (r orderedRow) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, c := range r.cols {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(c)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(jsonValue(r.vals[i]))
		if err != nil {
			v, _ = json.Marshal(fmt.Sprint(r.vals[i]))
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// jsonValue is a value as dbt's show prints it in JSON. Numbers that are
// not integers (floats, decimals) are agate Numbers there, which print as
// Python floats (3.0, 1e+20); integers stay integers (dbt's Integer type).
func jsonValue(v any) any {
	switch x := v.(type) {
	case float64:
		return pyJSONFloat(x)
	case float32:
		return pyJSONFloat(float64(x))
	case time.Time:
		return formatShowValue(x)
	case []byte:
		return string(x)
	case *big.Int:
		return json.Number(x.String())
	case *big.Float:
		f, _ := x.Float64()
		return pyJSONFloat(f)
	}
	return v
}

// pyJSONFloat is a float as Python's json module writes it (its repr).
// NaN and the infinities, which Python writes as bare words JSON has not,
// are strings here, so that the output stays JSON.
func pyJSONFloat(f float64) any {
	s := jinja.JSONFloat(f)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return s
	}
	return json.RawMessage(s)
}

// formatShowValue prints a value for the text table: NULL as empty, a
// midnight UTC time as a date, other times as date and time.
func formatShowValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		if x.Location() == time.UTC && x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format("2006-01-02")
		}
		if x.Nanosecond() != 0 {
			return x.Format("2006-01-02 15:04:05.999999")
		}
		return x.Format("2006-01-02 15:04:05")
	case []byte:
		return string(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	}
	return fmt.Sprint(v)
}

func isNumber(v any) bool {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, *big.Int, *big.Float:
		return true
	}
	return false
}

// showTable draws rows as dbt's agate table does: a header, a rule of
// dashes, numbers aligned right and text left.
func showTable(cols []string, rows [][]any) string {
	cells := make([][]string, len(rows))
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = utf8.RuneCountInString(c)
	}
	numeric := make([]bool, len(cols))
	for i := range cols {
		numeric[i] = len(rows) > 0
	}
	for r, row := range rows {
		cells[r] = make([]string, len(cols))
		for i := range cols {
			var v any
			if i < len(row) {
				v = row[i]
			}
			cells[r][i] = formatShowValue(v)
			widths[i] = max(widths[i], utf8.RuneCountInString(cells[r][i]))
			if v != nil && !isNumber(v) {
				numeric[i] = false
			}
		}
	}
	pad := func(s string, w int, right bool) string {
		gap := strings.Repeat(" ", w-utf8.RuneCountInString(s))
		if right {
			return gap + s
		}
		return s + gap
	}
	var b strings.Builder
	line := func(vals []string, right func(i int) bool) {
		b.WriteString("|")
		for i, v := range vals {
			b.WriteString(" " + pad(v, widths[i], right(i)) + " |")
		}
		b.WriteString("\n")
	}
	line(cols, func(int) bool { return false })
	rule := make([]string, len(cols))
	for i := range cols {
		rule[i] = strings.Repeat("-", widths[i])
	}
	line(rule, func(int) bool { return false })
	for _, r := range cells {
		line(r, func(i int) bool { return numeric[i] })
	}
	return b.String()
}
