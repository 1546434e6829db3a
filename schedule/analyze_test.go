package schedule

import (
	"strings"
	"testing"
	"time"
)

func TestAnalyze(t *testing.T) {
	at := func(s float64) time.Time { return time.Unix(1000, 0).Add(time.Duration(s * float64(time.Second))) }
	run := func(scale float64) []NodeTiming {
		return []NodeTiming{
			{UniqueID: "model.p.stg", StartedAt: at(0), EndedAt: at(0.1 * scale)},
			{UniqueID: "model.p.big", StartedAt: at(0.1 * scale), EndedAt: at(4 * scale), DependsOn: []string{"model.p.stg"}},
			{UniqueID: "model.p.a", StartedAt: at(4 * scale), EndedAt: at(5 * scale), DependsOn: []string{"model.p.big", "model.p.stg"}},
			{UniqueID: "model.p.orphan", StartedAt: at(0.1 * scale), EndedAt: at(2.1 * scale), DependsOn: []string{"model.p.stg"}},
		}
	}
	nodes := map[string]AnalyzeNode{
		"model.p.stg":    {UniqueID: "model.p.stg", Materialized: "view", Readers: []string{"model.p.big", "model.p.a", "model.p.orphan"}, ViewQuery: 300 * time.Millisecond},
		"model.p.big":    {UniqueID: "model.p.big", Materialized: "table", Readers: []string{"model.p.a"}},
		"model.p.a":      {UniqueID: "model.p.a", Materialized: "table", Readers: []string{"exposure.p.dash"}},
		"model.p.orphan": {UniqueID: "model.p.orphan", Materialized: "table"},
	}
	a := Analyze([][]NodeTiming{run(1), run(2)}, nodes, 2)
	if a.Runs != 2 || len(a.Slowest) != 2 || a.Slowest[0].UniqueID != "model.p.big" || a.Slowest[0].Mean != 5850*time.Millisecond || a.Slowest[0].Max != 7800*time.Millisecond {
		t.Errorf("slowest %+v", a.Slowest)
	}
	var path []string
	for _, n := range a.CriticalPath {
		path = append(path, n.UniqueID)
	}
	if strings.Join(path, ",") != "model.p.stg,model.p.big,model.p.a" || a.CriticalTime != 5*time.Second {
		t.Errorf("critical path %v in %s", path, a.CriticalTime)
	}
	if len(a.Suggestions) != 2 {
		t.Fatalf("suggestions %+v", a.Suggestions)
	}
	if s := a.Suggestions[0]; s.UniqueID != "model.p.orphan" || s.To != "view" || s.Saving != 3*time.Second {
		t.Errorf("first suggestion %+v", s)
	}
	if s := a.Suggestions[1]; s.UniqueID != "model.p.stg" || s.To != "table" || s.Saving != 600*time.Millisecond || !strings.Contains(s.Reason, "read by 3 models") {
		t.Errorf("second suggestion %+v", s)
	}
}
