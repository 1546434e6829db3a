package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/elt-dev/elt/history"
	"github.com/elt-dev/elt/quality"
)

func newQualityCmd(f *flags, env environment, stdout, stderr io.Writer) *cobra.Command {
	var output string // this command's own: --output of other commands has other defaults
	c := &cobra.Command{
		Use:   "quality",
		Short: "Show quality scores, the latest anomalies and each metric's trend, from the run history",
		Long: "Show, from the run history, the quality score of the project and of each selected node with\n" +
			"its dimensions (completeness, accuracy, uniqueness, timeliness, consistency), the quality checks\n" +
			"that failed in their latest run, and each recorded metric's trend as a sparkline, with insights\n" +
			"and recommendations. Nothing runs in the warehouse. With --output json the report is JSON.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return qualityCommand(cmd.Context(), f, env, stdout, stderr, output)
		},
	}
	c.Flags().StringArrayVarP(&f.selectors, "select", "s", nil, "nodes to report on (dbt selection syntax; default: all)")
	c.Flags().StringArrayVar(&f.excludes, "exclude", nil, "nodes to exclude")
	c.Flags().StringVarP(&output, "output", "o", "text", "output: text or json")
	return c
}

// qualityReport is what elt quality shows.
type qualityReport struct {
	Project   scoreLine         `json:"project"`
	Nodes     []scoreLine       `json:"nodes"`
	Anomalies []anomalyLine     `json:"anomalies"`
	Metrics   []metricLine      `json:"metrics"`
	Insights  []quality.Insight `json:"insights"`
}

type scoreLine struct {
	UniqueID   string             `json:"unique_id"`
	Score      *float64           `json:"score"`
	Dimensions map[string]float64 `json:"dimensions"`
	History    []float64          `json:"history"`
	Sparkline  string             `json:"sparkline"`
	Trend      string             `json:"trend"`
}

type anomalyLine struct {
	Check   string    `json:"check"`
	Status  string    `json:"status"`
	Message string    `json:"message"`
	At      time.Time `json:"at"`
}

type metricLine struct {
	UniqueID  string    `json:"unique_id"`
	Column    string    `json:"column,omitempty"`
	Metric    string    `json:"metric"`
	Values    []float64 `json:"values"`
	Sparkline string    `json:"sparkline"`
	Trend     string    `json:"trend"`
}

// trendRuns is how many past runs the report's trends look at.
const trendRuns = 30

func qualityCommand(ctx context.Context, f *flags, env environment, stdout, stderr io.Writer, output string) error {
	if output != "text" && output != "json" {
		return usageErr(fmt.Errorf("--output must be text or json, not %q", output))
	}
	logOut := stdout
	if output == "json" {
		logOut = stderr
	}
	s, err := load(ctx, f, env, logOut, true)
	if err != nil {
		return err
	}
	defer s.close()
	st := s.openHistory(ctx)
	if st == nil {
		return &exitError{code: exitFailed, err: errors.New("elt quality reads the run history, which is off or cannot be opened; run elt build with history on first")}
	}
	defer st.Close()
	ids, err := s.selectIDs(ctx, []string{"model", "seed", "snapshot", "source"})
	if err != nil {
		return err
	}
	rep, err := buildQualityReport(ctx, st, quality.ProjectSubject(s.proj.Config.Name), ids)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if output == "json" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		fmt.Fprintln(stdout, string(b))
		return nil
	}
	fmt.Fprint(stdout, renderQualityReport(rep))
	return nil
}

func buildQualityReport(ctx context.Context, st *history.Store, projectID string, ids []string) (*qualityReport, error) {
	rep := &qualityReport{Nodes: []scoreLine{}, Anomalies: []anomalyLine{}, Metrics: []metricLine{}, Insights: []quality.Insight{}}
	scoreOf := func(id string) (scoreLine, error) {
		line := scoreLine{UniqueID: id, Dimensions: map[string]float64{}, History: []float64{}}
		pts, err := st.Series(ctx, history.SeriesQuery{UniqueID: id, Metric: MetricScore, Limit: trendRuns})
		if err != nil || len(pts) == 0 {
			return line, err
		}
		for _, p := range pts {
			line.History = append(line.History, p.Value)
		}
		last := line.History[len(line.History)-1]
		line.Score, line.Sparkline = &last, quality.Sparkline(line.History)
		in := quality.InsightOf(id, MetricScore, line.History)
		line.Trend = in.Direction
		if in.Text != "" {
			rep.Insights = append(rep.Insights, in)
		}
		for _, d := range quality.AllDimensions {
			dp, err := st.Series(ctx, history.SeriesQuery{UniqueID: id, Metric: MetricScore + "_" + d, Limit: 1})
			if err != nil {
				return line, err
			}
			if len(dp) == 1 && dp[0].InvocationID == pts[len(pts)-1].InvocationID {
				line.Dimensions[d] = dp[0].Value
			}
		}
		return line, nil
	}
	var err error
	if rep.Project, err = scoreOf(projectID); err != nil {
		return nil, err
	}
	sort.Strings(ids)
	for _, id := range ids {
		line, err := scoreOf(id)
		if err != nil {
			return nil, err
		}
		if line.Score != nil {
			rep.Nodes = append(rep.Nodes, line)
		}
	}
	if len(ids) == 0 {
		return rep, nil
	}
	keys, err := st.MetricKeys(ctx, ids...)
	if err != nil {
		return nil, err
	}
	seenCheck := map[string]bool{}
	for _, k := range keys {
		if strings.HasPrefix(k.Metric, MetricScore) || (strings.HasPrefix(k.Metric, "quantile_") && k.Metric != "quantile_p50") {
			continue
		}
		pts, err := st.Series(ctx, history.SeriesQuery{UniqueID: k.UniqueID, Column: k.Column, Metric: k.Metric, Limit: trendRuns})
		if err != nil {
			return nil, err
		}
		var vals []float64
		for _, p := range pts {
			vals = append(vals, p.Value)
		}
		subject := shortID(k.UniqueID)
		if k.Column != "" && k.Metric != quality.MetricFreshnessLag {
			subject += "." + k.Column
		}
		in := quality.InsightOf(subject, k.Metric, vals)
		rep.Metrics = append(rep.Metrics, metricLine{UniqueID: k.UniqueID, Column: k.Column, Metric: k.Metric, Values: vals, Sparkline: quality.Sparkline(vals), Trend: in.Direction})
		if in.Text != "" {
			rep.Insights = append(rep.Insights, in)
		}
		// The latest outcome of the check on this metric, if it is one.
		metric := k.Metric
		if metric == "quantile_p50" {
			metric = quality.MetricDrift // recorded by the column's drift check
		}
		check := quality.Check{UniqueID: k.UniqueID, Metric: metric, Column: k.Column}.ID()
		if seenCheck[check] {
			continue
		}
		seenCheck[check] = true
		last, err := st.NodeHistory(ctx, check, 1)
		if err != nil {
			return nil, err
		}
		if len(last) == 1 && last[0].Status != "pass" {
			rep.Anomalies = append(rep.Anomalies, anomalyLine{Check: check, Status: last[0].Status, Message: last[0].Message, At: last[0].StartedAt})
		}
	}
	return rep, nil
}

// shortID is a unique id without its resource type and package:
// model.shop.orders → orders.
func shortID(id string) string {
	parts := strings.Split(id, ".")
	if len(parts) >= 3 {
		return strings.Join(parts[2:], ".")
	}
	return id
}

func renderQualityReport(rep *qualityReport) string {
	var b strings.Builder
	dims := func(m map[string]float64) string {
		var out []string
		for _, d := range quality.AllDimensions {
			if v, ok := m[d]; ok {
				out = append(out, fmt.Sprintf("%s %.1f", d, v))
			}
		}
		return strings.Join(out, ", ")
	}
	if rep.Project.Score == nil {
		b.WriteString("No quality scores yet: elt build records them.\n")
	} else {
		fmt.Fprintf(&b, "Project quality %.1f  %s  %s  (%s)\n", *rep.Project.Score, rep.Project.Sparkline, rep.Project.Trend, dims(rep.Project.Dimensions))
	}
	if len(rep.Nodes) > 0 {
		var rows [][]any
		for _, n := range rep.Nodes {
			rows = append(rows, []any{shortID(n.UniqueID), fmt.Sprintf("%.1f", *n.Score), n.Sparkline, n.Trend, dims(n.Dimensions)})
		}
		b.WriteString("\n" + showTable([]string{"node", "score", "history", "trend", "dimensions"}, rows))
	}
	if len(rep.Anomalies) > 0 {
		b.WriteString("\nLatest anomalies and failed checks:\n")
		for _, a := range rep.Anomalies {
			fmt.Fprintf(&b, "  %s %s (%s)\n", strings.ToUpper(a.Status), a.Message, a.At.Format("2006-01-02 15:04"))
		}
	}
	if len(rep.Metrics) > 0 {
		var rows [][]any
		for _, m := range rep.Metrics {
			subject := shortID(m.UniqueID)
			if m.Column != "" {
				subject += "." + m.Column
			}
			last := ""
			if len(m.Values) > 0 {
				last = fnum(m.Values[len(m.Values)-1])
			}
			rows = append(rows, []any{subject, m.Metric, m.Sparkline, last, m.Trend})
		}
		b.WriteString("\n" + showTable([]string{"metric of", "metric", "history", "latest", "trend"}, rows))
	}
	if len(rep.Insights) > 0 {
		b.WriteString("\nInsights:\n")
		for _, in := range rep.Insights {
			fmt.Fprintf(&b, "  - %s\n", in.Text)
			if in.Recommendation != "" {
				fmt.Fprintf(&b, "    → %s\n", in.Recommendation)
			}
		}
	}
	return b.String()
}
