package state

import (
	"fmt"
	"strings"
)

// Methods answers the selector methods that need an earlier run: state:,
// result: and source_status:. graph.Select calls Matcher through its
// StateMethods interface.
type Methods struct {
	Previous *Previous
	// Comparison of the current manifest with Previous.Manifest.
	Comparison *Comparison
	// CurrentSources is this project's target/sources.json, for
	// source_status:; nil when there is none.
	CurrentSources *Freshness
	// ContractsChecked is set once a selector compared contracts
	// (state:modified, state:unmodified, state:modified.contract): dbt
	// reports breaking contract changes then.
	ContractsChecked bool
	// SeedsCompared is set once a selector compared seed contents
	// (state:modified, state:unmodified, state:modified.body): dbt warns
	// about seeds over 1 MiB then (SeedNode.same_seeds).
	SeedsCompared bool
}

// NewMethods compares the current manifest with the previous run's.
func NewMethods(prev *Previous, current *Manifest, currentSources *Freshness) *Methods {
	return &Methods{Previous: prev, Comparison: Compare(prev.Manifest, current), CurrentSources: currentSources}
}

// ResultStatuses are the statuses result: selects on, as run_results.json writes them.
var ResultStatuses = []string{"success", "error", "fail", "warn", "skipped", "pass", "runtime error"}

// Matcher returns the test on node ids for method:value.
func (m *Methods) Matcher(method, value string) (func(id string) bool, error) {
	switch method {
	case "state":
		if !ValidSelector(value) {
			return nil, fmt.Errorf("state:%s is not a state check; use one of: %s", value, strings.Join(Selectors, ", "))
		}
		switch value {
		case "modified", "unmodified", "modified.contract":
			m.ContractsChecked = true
		}
		switch value {
		case "modified", "unmodified", "modified.body":
			m.SeedsCompared = true
		}
		return func(id string) bool { return m.Comparison.Check(value, id) }, nil
	case "result":
		if m.Previous.Results == nil {
			return nil, fmt.Errorf("result:%s needs run_results.json in the --state folder %s; copy it there from the earlier run's target folder", value, m.Previous.Dir)
		}
		return func(id string) bool { return m.Previous.Results[id] == value }, nil
	case "source_status":
		if value != "fresher" {
			return nil, fmt.Errorf("source_status:%s is not a source status; use source_status:fresher (or fresher+)", value)
		}
		if m.Previous.Sources == nil {
			return nil, fmt.Errorf("source_status:fresher needs sources.json in the --state folder %s; run `elt source freshness` in the earlier run and keep its target/sources.json", m.Previous.Dir)
		}
		if m.CurrentSources == nil {
			return nil, fmt.Errorf("source_status:fresher needs this run's target/sources.json; run `elt source freshness` first")
		}
		fresher := Fresher(m.Previous.Sources, m.CurrentSources)
		return func(id string) bool { return fresher[id] }, nil
	}
	return nil, fmt.Errorf("selector method %q does not read the --state artifacts", method)
}

// Fresher lists the sources whose newest load is later now than in the
// previous run, or that the previous run did not check, leaving out any
// whose check ended in a runtime error, as dbt's source_status:fresher.
func Fresher(prev, cur *Freshness) map[string]bool {
	out := map[string]bool{}
	for id, t := range cur.MaxLoadedAt {
		before, ok := prev.MaxLoadedAt[id]
		if !ok || t.After(before) {
			out[id] = true
		}
	}
	// dbt reads the runtime errors of both sets from the current results.
	for id := range cur.RuntimeError {
		delete(out, id)
	}
	return out
}
