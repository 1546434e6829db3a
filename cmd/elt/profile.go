package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/history"
	"github.com/elt-dev/elt/internal/par"
	"github.com/elt-dev/elt/project"
	"github.com/elt-dev/elt/quality"
)

func newProfileCmd(f *flags, env environment, stdout, stderr io.Writer) *cobra.Command {
	var output string // this command's own: --output of other commands has other defaults
	c := &cobra.Command{
		Use:   "profile",
		Short: "Profile the selected models, seeds, snapshots and sources inside the warehouse and record the profiles in the run history",
		Long: "Profile each selected relation in one pass inside the warehouse: row count and, per column,\n" +
			"nulls, distinct values, min, max, mean, standard deviation, quantiles, string lengths, top\n" +
			"values and the inferred semantic type (email, url, uuid, ip, phone, ISO date or time held as\n" +
			"text, number held as text, boolean-like) with the share of values matching it.\n" +
			"With --output json the profiles are printed as JSON on stdout and the log goes to stderr.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return profileCommand(cmd.Context(), f, env, stdout, stderr, output)
		},
	}
	c.Flags().StringArrayVarP(&f.selectors, "select", "s", nil, "nodes to profile (dbt selection syntax; default: every model, seed, snapshot and source)")
	c.Flags().StringArrayVar(&f.excludes, "exclude", nil, "nodes to exclude")
	c.Flags().StringVarP(&output, "output", "o", "text", "output: text (tables) or json")
	c.Flags().BoolVar(&f.noHistory, "no-history", false, "do not record the profiles in the run history (also: ELT_NO_HISTORY=1)")
	return c
}

// profileTarget is one relation to profile.
type profileTarget struct {
	uniqueID string
	rel      adapters.Relation
}

func profileCommand(ctx context.Context, f *flags, env environment, stdout, stderr io.Writer, output string) error {
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
	if err := s.connect(ctx); err != nil {
		return err
	}
	defer s.close()
	ids, err := s.selectIDs(ctx, []string{"model", "seed", "snapshot", "source"})
	if err != nil {
		return err
	}
	targets := s.profileTargets(ids)
	if len(targets) == 0 {
		s.log.warn("NothingToDo", "Nothing to profile: the selection has no models, seeds, snapshots or sources with a relation", nil)
	}
	hist := s.openHistory(ctx)
	if hist != nil {
		defer hist.Close()
	}
	s.recordStart(ctx, hist, "profile")
	prof := quality.Profiler{Adapter: s.adapter}
	rels := make([]adapters.Relation, len(targets))
	for i, t := range targets {
		rels[i] = t.rel
	}
	// Each relation's row estimate (exact or approximate aggregates) in
	// one read of the catalog; when it cannot be read, each profile reads
	// its own.
	if est, err := quality.EstimateRows(ctx, s.adapter, rels); err == nil {
		prof.Estimates = est
	} else {
		s.log.debug("ProfileEstimates", s.env.secrets.Scrub(err.Error()), nil)
	}
	// The relations are profiled on the target's threads, as a run builds
	// models; what each gave is logged, recorded and printed in order, as
	// soon as it and those before it are done.
	type outcome struct {
		missing bool
		p       *quality.RelationProfile
		err     error
		done    chan struct{}
	}
	outs := make([]outcome, len(targets))
	for i := range outs {
		outs[i].done = make(chan struct{})
	}
	go par.ForCtx(ctx, s.threads(), len(targets), 1, func(i int) {
		o := &outs[i]
		defer close(o.done)
		kind, err := s.adapter.RelationKind(ctx, targets[i].rel)
		if err == nil && kind == adapters.KindNone {
			o.missing = true
			return
		}
		o.p, o.err = prof.Profile(ctx, targets[i].rel)
	})
	var profiles []*quality.RelationProfile
	failed := 0
	for i, t := range targets {
		select {
		case <-outs[i].done:
		case <-ctx.Done():
			return &exitError{code: exitFailed, err: ctx.Err()}
		}
		if outs[i].missing {
			s.log.warn("ProfileSkipped", fmt.Sprintf("%s: %s does not exist yet; build it first", t.uniqueID, s.adapter.Dialect().RenderRelation(t.rel)), map[string]any{"unique_id": t.uniqueID})
			continue
		}
		p, err := outs[i].p, outs[i].err
		if err != nil {
			failed++
			s.log.errorf("ProfileFailed", fmt.Sprintf("%s: %v", t.uniqueID, s.env.secrets.Scrub(err.Error())), map[string]any{"unique_id": t.uniqueID})
			continue
		}
		p.UniqueID = t.uniqueID
		profiles = append(profiles, p)
		s.recordProfile(ctx, hist, p)
		if output == "text" {
			fmt.Fprint(stdout, renderProfile(p))
		}
	}
	if output == "json" {
		b, _ := json.MarshalIndent(map[string]any{"invocation_id": s.invocationID, "profiles": nonNilProfiles(profiles)}, "", "  ")
		fmt.Fprintln(stdout, string(b))
	}
	code := exitOK
	if failed > 0 {
		code = exitFailed
	}
	s.recordEnd(ctx, hist, "profile", nil, code)
	if code != exitOK {
		return &exitError{code: code}
	}
	return nil
}

func nonNilProfiles(p []*quality.RelationProfile) []*quality.RelationProfile {
	if p == nil {
		return []*quality.RelationProfile{}
	}
	return p
}

// profileTargets are the selected nodes that have a relation, sorted.
func (s *session) profileTargets(ids []string) []profileTarget {
	var out []profileTarget
	for _, id := range ids {
		if n, ok := s.manifest.Nodes[id]; ok {
			if n.Relation.Identifier == "" || configString(n.Config, "materialized") == "ephemeral" || n.ResourceType == project.Test {
				continue
			}
			out = append(out, profileTarget{id, adapters.Relation{Database: n.Relation.Database, Schema: n.Relation.Schema, Identifier: n.Relation.Identifier}})
			continue
		}
		if src, ok := s.manifest.Sources[id]; ok {
			out = append(out, profileTarget{id, adapters.Relation{Database: src.Database, Schema: src.Schema, Identifier: src.Identifier}})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].uniqueID < out[j].uniqueID })
	return out
}

func (s *session) recordProfile(ctx context.Context, st *history.Store, p *quality.RelationProfile) {
	if st == nil {
		return
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), historyWriteTimeout)
	defer cancel()
	body, err := json.Marshal(p)
	if err == nil {
		err = st.RecordProfile(wctx, history.Profile{InvocationID: s.invocationID, UniqueID: p.UniqueID, Relation: p.Relation, JSON: body, MeasuredAt: p.MeasuredAt})
	}
	if err == nil {
		err = st.RecordMetrics(wctx, p.Metrics(s.invocationID, p.UniqueID))
	}
	if err != nil {
		s.log.warn("HistoryWriteFailed", fmt.Sprintf("run history: %v", err), nil)
	}
}

// renderProfile draws a relation's profile as a table, one row a column.
func renderProfile(p *quality.RelationProfile) string {
	var b strings.Builder
	approx := ""
	if p.Approximate {
		approx = ", distinct counts and quantiles approximate"
	}
	fmt.Fprintf(&b, "\n%s (%s): %d rows%s, profiled in %s\n", p.UniqueID, p.Relation, p.RowCount, approx, (time.Duration(p.Seconds * float64(time.Second))).Round(time.Millisecond))
	cols := []string{"column", "type", "nulls", "distinct", "min", "max", "mean", "stddev", "p5 / p50 / p95", "length", "semantic", "top values"}
	var rows [][]any
	for _, c := range p.Columns {
		row := []any{c.Name, strings.ToLower(c.DataType), pct(c.NullRate), strconv.FormatInt(c.DistinctCount, 10), short(c.Min), short(c.Max), num(c.Mean), num(c.Stddev), "", "", "", ""}
		if len(c.Quantiles) > 0 {
			row[8] = fmt.Sprintf("%s / %s / %s", fnum(c.Quantiles["p5"]), fnum(c.Quantiles["p50"]), fnum(c.Quantiles["p95"]))
		}
		if c.LengthMin != nil {
			row[9] = fmt.Sprintf("%d-%d (%.1f)", *c.LengthMin, *c.LengthMax, *c.LengthMean)
		}
		if c.SemanticType != "" && c.SemanticType != "text" {
			row[10] = fmt.Sprintf("%s %s", c.SemanticType, pct(c.SemanticShare))
		} else if c.TrueCount != nil && p.RowCount > c.NullCount {
			row[10] = fmt.Sprintf("%s true", pct(float64(*c.TrueCount)/float64(p.RowCount-c.NullCount)))
		}
		var tops []string
		for _, tv := range c.TopValues {
			v := "null"
			if tv.Value != nil {
				v = short(*tv.Value)
			}
			tops = append(tops, fmt.Sprintf("%s (%d)", v, tv.Count))
			if len(tops) == 3 {
				break
			}
		}
		row[11] = strings.Join(tops, ", ")
		rows = append(rows, row)
	}
	b.WriteString(showTable(cols, rows))
	return b.String()
}

func pct(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + "%" }

func num(f *float64) string {
	if f == nil {
		return ""
	}
	return fnum(*f)
}

func fnum(f float64) string { return strconv.FormatFloat(f, 'g', 6, 64) }

func short(v any) string {
	if v == nil {
		return ""
	}
	s := fmt.Sprint(v)
	if f, ok := v.(float64); ok {
		s = fnum(f)
	}
	if r := []rune(s); len(r) > 24 {
		return string(r[:23]) + "…"
	}
	return s
}

// latestProfiles reads the latest stored profile of every node from the
// run history, for the docs site. A history that is off or not created
// yet gives none (docs generate does not create one); one that cannot be
// read gives none after a warning.
func (s *session) latestProfiles(ctx context.Context) map[string]json.RawMessage {
	if s.f.noHistory {
		return nil
	}
	cfg, enabled, err := historyConfig(s.proj, s.proj.Target, s.env.lookupEnv)
	if err != nil || !enabled {
		return nil
	}
	if cfg.URL == "" {
		if _, err := os.Stat(cfg.Path); err != nil {
			return nil
		}
	}
	st := s.openHistory(ctx)
	if st == nil {
		return nil
	}
	defer st.Close()
	profs, err := st.LatestProfiles(ctx)
	if err != nil {
		s.log.warn("HistoryReadFailed", fmt.Sprintf("docs site: profiles from the run history: %v", err), nil)
		return nil
	}
	out := make(map[string]json.RawMessage, len(profs))
	for _, p := range profs {
		out[p.UniqueID] = p.JSON
	}
	return out
}
