package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/graph"
	"github.com/elt-dev/elt/internal/par"
	"github.com/elt-dev/elt/loaders"
)

func newLoadCmd(f *flags, env environment, stdout, stderr io.Writer) *cobra.Command {
	c := &cobra.Command{
		Use:   "load",
		Short: "Land raw data with the project's loaders (loaders/*.yml) into their source tables",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return loadCommand(cmd.Context(), f, env, stdout)
		},
	}
	c.Flags().StringArrayVarP(&f.selectors, "select", "s", nil, "loaders to run: a loader name, loader:NAME, or source:SOURCE[.TABLE]")
	c.Flags().IntVar(&f.threads, "threads", 0, "loaders run at once (default: the profile's threads); loaders of the same table run one after another")
	return c
}

func loadCommand(ctx context.Context, f *flags, env environment, stdout io.Writer) error {
	s, err := load(ctx, f, env, stdout, true)
	if err != nil {
		return err
	}
	all, err := s.discoverLoaders(ctx)
	if err != nil {
		return err
	}
	var chosen []*loaders.Loader
	for _, l := range all {
		if len(f.selectors) == 0 {
			chosen = append(chosen, l)
			continue
		}
		for _, sel := range f.selectors {
			if l.Selected(sel) {
				chosen = append(chosen, l)
				break
			}
		}
	}
	if len(chosen) == 0 {
		s.log.warn("NothingToLoad", "No loaders to run: none is declared under loaders/, or --select matched none.", nil)
		return nil
	}
	if err := s.connect(ctx); err != nil {
		return err
	}
	defer s.close()
	failed := s.runLoaders(ctx, chosen)
	if failed > 0 {
		return &exitError{code: exitFailed, err: fmt.Errorf("%d %s failed", failed, plural(failed, "loader", "loaders"))}
	}
	return nil
}

// discoverLoaders reads the project's loaders, logs their files'
// warnings, and makes the credentials
// they read from the environment secrets of the invocation, so that no
// output, log or artifact shows them.
func (s *session) discoverLoaders(ctx context.Context) ([]*loaders.Loader, error) {
	all, warnings, err := loaders.Discover(ctx, s.proj, s.env.lookupEnv)
	if err != nil {
		return nil, usageErr(err)
	}
	for _, w := range warnings {
		s.log.warn("ProjectWarning", w.Error(), nil)
	}
	for _, l := range all {
		s.env.secrets.Add(l.SecretValues()...)
	}
	return all, nil
}

// runLoaders runs loaders on the target's threads (--threads), printing
// a line as each starts and as it ends, then a summary, and returns how
// many failed. Loaders that land the same table run one after another, in
// their order. The load state tables of each schema are made first, one
// schema at a time: loaders creating them at once would conflict.
func (s *session) runLoaders(ctx context.Context, chosen []*loaders.Loader) int {
	start := time.Now()
	rels := make([]adapters.Relation, len(chosen))
	// prepared: whether each schema's state tables were made; a loader
	// whose schema failed prepares it again in Run and reports why.
	prepared := map[[2]string]bool{}
	keys := make([][]string, len(chosen))
	for i, l := range chosen {
		src := s.manifest.Sources[l.SourceID]
		rels[i] = adapters.Relation{Database: src.Database, Schema: src.Schema, Identifier: src.Identifier}
		schema := [2]string{rels[i].Database, rels[i].Schema}
		if _, done := prepared[schema]; !done {
			prepared[schema] = loaders.Prepare(ctx, s.adapter, rels[i]) == nil
		}
		keys[i] = []string{"table " + strings.ToLower(s.adapter.Dialect().RenderRelation(rels[i]))}
		if shared := l.Shares(); shared != "" {
			keys[i] = append(keys[i], "shares "+shared)
		}
	}
	chains := chainsOf(keys)
	var (
		mu     sync.Mutex
		total  int64
		failed int
	)
	runOne := func(i int) {
		l, rel := chosen[i], rels[i]
		prefix := fmt.Sprintf("%d of %d", i+1, len(chosen))
		s.log.info("LoaderStart", fmt.Sprintf("%s START load %s into %s", prefix, l.Name, s.adapter.Dialect().RenderRelation(rel)),
			map[string]any{"loader": l.Name, "connector": l.Connector, "relation": s.adapter.Dialect().RenderRelation(rel)})
		var lastLine time.Time
		res := loaders.Run(ctx, s.adapter, l, rel, loaders.RunOptions{Prepared: prepared[[2]string{rel.Database, rel.Schema}], Secrets: s.env.secrets, Progress: func(p loaders.Progress) {
			// One line a second at most: a million-row load stays readable.
			if time.Since(lastLine) < time.Second {
				return
			}
			lastLine = time.Now()
			s.log.info("LoaderProgress", fmt.Sprintf("  %s: %d rows, %d pages, %.0f rows/s", l.Name, p.Rows, p.Pages, rate(p.Rows, p.Elapsed)),
				map[string]any{"loader": l.Name, "load_id": p.LoadID, "rows": p.Rows, "pages": p.Pages, "rejected": p.Rejected, "rows_per_second": rate(p.Rows, p.Elapsed)})
		}})
		data := map[string]any{"loader": l.Name, "load_id": res.LoadID, "status": res.Status, "rows": res.Rows, "pages": res.Pages,
			"rejected": res.Rejected, "cursor": res.Cursor, "resumed": res.Resumed, "execution_time": res.Elapsed.Seconds(), "rows_per_second": rate(res.Rows, res.Elapsed)}
		msg := fmt.Sprintf("%d rows, %d pages, %d rejected, %.0f rows/s in %.2fs", res.Rows, res.Pages, res.Rejected, rate(res.Rows, res.Elapsed), res.Elapsed.Seconds())
		if res.Resumed {
			msg += " (resumed)"
		}
		mu.Lock()
		defer mu.Unlock()
		if res.Err != nil {
			failed++
			data["error"] = res.Err.Error()
			s.log.errorf("LoaderResult", dots(prefix+" ERROR loading "+l.Name, "[ERROR]", s.log.width)+"\n  "+res.Err.Error(), data)
			return
		}
		total += res.Rows
		s.log.info("LoaderResult", dots(prefix+" OK loaded "+l.Name, "["+msg+"]", s.log.width), data)
	}
	// A thread takes a whole chain at a time.
	par.ForOn(s.threads(), len(chains), 1, func() struct{} { return struct{}{} }, func(_ struct{}, c int) {
		for _, i := range chains[c] {
			runOne(i)
		}
	})
	elapsed := time.Since(start)
	s.log.info("LoadSummary", fmt.Sprintf("Finished %d %s: %d rows in %.2fs. PASS=%d ERROR=%d", len(chosen), plural(len(chosen), "loader", "loaders"),
		total, elapsed.Seconds(), len(chosen)-failed, failed),
		map[string]any{"loaders": len(chosen), "rows": total, "errors": failed, "elapsed": elapsed.Seconds()})
	return failed
}

// chainsOf groups items (loaders) into chains that must run one after
// another: items sharing any key (their table, what they set up for the
// whole database) are in one chain, in their order. Chains come in the
// order of their first items.
func chainsOf(keys [][]string) [][]int {
	chainOf := map[string]int{}
	var chains [][]int
	for i, ks := range keys {
		c := -1
		for _, k := range ks {
			at, ok := chainOf[k]
			switch {
			case !ok || at == c:
			case c < 0:
				c = at
			default:
				// The item joins two chains: they become one.
				chains[c] = append(chains[c], chains[at]...)
				slices.Sort(chains[c])
				for k2, at2 := range chainOf {
					if at2 == at {
						chainOf[k2] = c
					}
				}
				chains[at] = nil
			}
		}
		if c < 0 {
			c = len(chains)
			chains = append(chains, nil)
		}
		chains[c] = append(chains[c], i)
		for _, k := range ks {
			chainOf[k] = c
		}
	}
	return slices.DeleteFunc(chains, func(c []int) bool { return len(c) == 0 })
}

// addLoaders puts the project's loaders into the session's graph, each
// as the parent of the source it lands (loader -> source -> models), so
// that elt build --select +mart selects them. It returns them by id.
func (s *session) addLoaders(ctx context.Context) (map[string]*loaders.Loader, error) {
	all, err := s.discoverLoaders(ctx)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, nil
	}
	byID := map[string]*loaders.Loader{}
	bySource := map[string]string{}
	nodes := graphNodes(s.manifest)
	for _, l := range all {
		id := l.ID(s.proj.Config.Name)
		byID[id] = l
		bySource[l.SourceID] = id
		nodes = append(nodes, graph.Node{ID: id, Name: l.Name, ResourceType: "loader", Package: s.proj.Config.Name,
			Path: l.File, FQN: []string{s.proj.Config.Name, l.Name}})
	}
	for i := range nodes {
		if id, ok := bySource[nodes[i].ID]; ok {
			nodes[i].DependsOn = append(nodes[i].DependsOn, id)
		}
	}
	g, err := graph.New(nodes)
	if err != nil {
		return nil, usageErr(err)
	}
	s.graph = g
	return byID, nil
}

// buildLoaders runs the selected loaders before anything else and returns
// the other ids. A failed loader stops the build: models would read
// stale or partial raw data.
func (s *session) buildLoaders(ctx context.Context, ids []string, byID map[string]*loaders.Loader) ([]string, error) {
	var chosen []*loaders.Loader
	rest := ids[:0:0]
	for _, id := range ids {
		if l, ok := byID[id]; ok {
			chosen = append(chosen, l)
			continue
		}
		rest = append(rest, id)
	}
	if len(chosen) == 0 {
		return rest, nil
	}
	if failed := s.runLoaders(ctx, chosen); failed > 0 {
		return nil, &exitError{code: exitFailed, err: fmt.Errorf("%d %s failed; nothing else was built", failed, plural(failed, "loader", "loaders"))}
	}
	return rest, nil
}

func rate(rows int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(rows) / d.Seconds()
}
