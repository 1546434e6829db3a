package schedule

import (
	"fmt"
	"sort"
	"time"
)

// AnalyzeNode is what the analysis knows of a node of the project.
type AnalyzeNode struct {
	UniqueID     string
	Materialized string   // table, view, incremental, ...
	Readers      []string // nodes and exposures that read it (tests aside)
	// ViewQuery, for a view, is how long selecting from it takes now
	// (measured by the caller); 0 when not measured.
	ViewQuery time.Duration
}

// NodeStat is a node's build time over the runs analysed.
type NodeStat struct {
	UniqueID string        `json:"unique_id"`
	Runs     int           `json:"runs"`
	Mean     time.Duration `json:"mean_ns"`
	Max      time.Duration `json:"max_ns"`
}

// Suggestion is a materialization change with its expected saving per run.
type Suggestion struct {
	UniqueID string        `json:"unique_id"`
	From     string        `json:"from"`
	To       string        `json:"to"`
	Reason   string        `json:"reason"`
	Saving   time.Duration `json:"saving_per_run_ns"`
}

// Analysis is what `elt analyze` reports.
type Analysis struct {
	Runs         int           `json:"runs"`
	Slowest      []NodeStat    `json:"slowest"`
	CriticalPath []NodeTiming  `json:"critical_path"`
	CriticalTime time.Duration `json:"critical_path_ns"`
	Suggestions  []Suggestion  `json:"suggestions"`
}

// Analyze reads the nodes of recent successful attempts (newest first)
// against the project's nodes: the slowest nodes, the latest run's
// critical path, and the materializations worth changing:
//   - a view read by several models recomputes its query in each of them:
//     as a table it is computed once, saving (readers-1) times its query;
//   - a table nobody reads costs its build time each run: as a view it
//     costs nothing until someone reads it.
func Analyze(runs [][]NodeTiming, nodes map[string]AnalyzeNode, top int) Analysis {
	a := Analysis{Runs: len(runs), Slowest: []NodeStat{}, CriticalPath: []NodeTiming{}, Suggestions: []Suggestion{}}
	stats := map[string]*NodeStat{}
	for i, run := range runs {
		for _, n := range run {
			d := n.EndedAt.Sub(n.StartedAt)
			st := stats[n.UniqueID]
			if st == nil {
				st = &NodeStat{UniqueID: n.UniqueID}
				stats[n.UniqueID] = st
			}
			st.Mean += d // a sum until divided below
			st.Max = max(st.Max, d)
			st.Runs++
		}
		if i == 0 {
			path := append([]NodeTiming(nil), run...)
			MarkCriticalPath(path)
			for _, n := range path {
				if n.Critical {
					a.CriticalPath = append(a.CriticalPath, n)
				}
			}
			sort.Slice(a.CriticalPath, func(i, j int) bool { return a.CriticalPath[i].StartedAt.Before(a.CriticalPath[j].StartedAt) })
			if len(a.CriticalPath) > 0 {
				a.CriticalTime = a.CriticalPath[len(a.CriticalPath)-1].EndedAt.Sub(a.CriticalPath[0].StartedAt)
			}
		}
	}
	for _, st := range stats {
		st.Mean /= time.Duration(st.Runs)
		a.Slowest = append(a.Slowest, *st)
	}
	sort.Slice(a.Slowest, func(i, j int) bool {
		if a.Slowest[i].Mean != a.Slowest[j].Mean {
			return a.Slowest[i].Mean > a.Slowest[j].Mean
		}
		return a.Slowest[i].UniqueID < a.Slowest[j].UniqueID
	})
	if top > 0 && len(a.Slowest) > top {
		a.Slowest = a.Slowest[:top]
	}
	ids := make([]string, 0, len(nodes))
	for id := range nodes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		n := nodes[id]
		switch {
		case n.Materialized == "view" && len(n.Readers) >= 2 && n.ViewQuery > 0:
			a.Suggestions = append(a.Suggestions, Suggestion{UniqueID: id, From: "view", To: "table",
				Reason: fmt.Sprintf("read by %d models, each of which computes its query again (%s each)", len(n.Readers), n.ViewQuery.Round(time.Millisecond)),
				Saving: time.Duration(len(n.Readers)-1) * n.ViewQuery})
		case n.Materialized == "table" && len(n.Readers) == 0 && stats[id] != nil:
			a.Suggestions = append(a.Suggestions, Suggestion{UniqueID: id, From: "table", To: "view",
				Reason: "no model, snapshot or exposure reads it, yet it is rebuilt every run",
				Saving: stats[id].Mean})
		}
	}
	sort.SliceStable(a.Suggestions, func(i, j int) bool { return a.Suggestions[i].Saving > a.Suggestions[j].Saving })
	return a
}
