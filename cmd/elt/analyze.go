package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/elt-dev/elt/project"
	"github.com/elt-dev/elt/schedule"
)

func newAnalyzeCmd(f *flags, env environment, stdout, stderr io.Writer) *cobra.Command {
	var job, output string
	var runs int
	c := &cobra.Command{
		Use:   "analyze",
		Short: "From the run history: the slowest nodes, the critical path, and materializations worth changing",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return analyzeCommand(cmd.Context(), f, env, stdout, stderr, job, runs, output)
		},
	}
	c.Flags().StringVar(&job, "job", "", "only the runs of this job (default: every job)")
	c.Flags().IntVar(&runs, "runs", 20, "how many recent successful runs to read")
	c.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	return c
}

func analyzeCommand(ctx context.Context, f *flags, env environment, stdout, stderr io.Writer, job string, n int, output string) error {
	if output != "text" && output != "json" {
		return usageErr(fmt.Errorf("--output must be text or json, not %q", output))
	}
	je, err := openJobs(ctx, f, env, stderr)
	if err != nil {
		return err
	}
	defer je.store.Close()
	if job != "" && je.jobs.Get(job) == nil {
		return usageErr(fmt.Errorf("no job named %q in %s (jobs: %s)", job, schedule.FileName, strings.Join(je.jobs.Names(), ", ")))
	}
	history, err := je.runs.History(ctx, job, 1000)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	var runs [][]schedule.NodeTiming
	for _, r := range history {
		if len(runs) >= n {
			break
		}
		if r.Status != schedule.StatusSuccess {
			continue
		}
		nodes, err := je.runs.Nodes(ctx, r.ID)
		if err != nil {
			return &exitError{code: exitFailed, err: err}
		}
		if len(nodes) > 0 {
			runs = append(runs, nodes)
		}
	}
	if len(runs) == 0 {
		fmt.Fprintln(stdout, "No successful job run with recorded nodes yet: run `elt serve` or `elt jobs run NAME` first.")
		return nil
	}
	s, err := load(ctx, f, env, stderr, true)
	if err != nil {
		return err
	}
	nodes := map[string]schedule.AnalyzeNode{}
	for id, node := range s.manifest.Nodes {
		if node.ResourceType != project.Model {
			continue
		}
		an := schedule.AnalyzeNode{UniqueID: id, Materialized: configString(node.Config, "materialized")}
		if an.Materialized == "" {
			an.Materialized = "view" // dbt's default
		}
		for _, child := range s.graph.Children(id) {
			if strings.HasPrefix(child, "model.") || strings.HasPrefix(child, "snapshot.") || strings.HasPrefix(child, "exposure.") {
				an.Readers = append(an.Readers, child)
			}
		}
		nodes[id] = an
	}
	// A view's cost is paid by its readers: measure its query where it
	// has several, once each.
	connected := false
	for id, an := range nodes {
		if an.Materialized != "view" || len(an.Readers) < 2 {
			continue
		}
		if !connected {
			if err := s.connect(ctx); err != nil {
				fmt.Fprintf(stderr, "Warning: cannot time the views (%v); view suggestions are left out\n", err)
				break
			}
			defer s.close()
			connected = true
		}
		start := time.Now()
		if _, err := s.adapter.Query(ctx, "select count(*) from "+s.manifest.Nodes[id].RelationName); err == nil {
			an.ViewQuery = time.Since(start)
			nodes[id] = an
		}
	}
	a := schedule.Analyze(runs, nodes, 10)
	if output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(a)
	}
	secs := func(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }
	fmt.Fprintf(stdout, "From the last %d successful %s:\n\nSlowest nodes\n", a.Runs, plural(a.Runs, "run", "runs"))
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  NODE\tMEAN\tMAX\tRUNS")
	for _, st := range a.Slowest {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\n", st.UniqueID, secs(st.Mean), secs(st.Max), st.Runs)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "\nCritical path of the latest run (%s)\n", secs(a.CriticalTime))
	for _, nt := range a.CriticalPath {
		fmt.Fprintf(stdout, "  %s (%s)\n", nt.UniqueID, secs(nt.EndedAt.Sub(nt.StartedAt)))
	}
	fmt.Fprintln(stdout, "\nSuggestions")
	if len(a.Suggestions) == 0 {
		fmt.Fprintln(stdout, "  none: every materialization fits how it is read")
	}
	for _, sg := range a.Suggestions {
		fmt.Fprintf(stdout, "  %s: %s -> %s, saves about %s per run: %s\n", sg.UniqueID, sg.From, sg.To, secs(sg.Saving), sg.Reason)
	}
	return nil
}
