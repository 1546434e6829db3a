package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/docs"
	"github.com/elt-dev/elt/graph"
	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/project"
	"github.com/elt-dev/elt/state"
)

// selectorsFile is dbt's file of named selectors, at the project root.
const selectorsFile = project.SelectorsFile

// prepareState reads the --state folder once and compares its manifest
// with this project's, for the state:, result: and source_status: methods.
func (s *session) prepareState(ctx context.Context) error {
	if s.f.state == "" || s.stateMethods != nil {
		return nil
	}
	prev, err := state.Read(ctx, s.resolve(s.f.state))
	if err != nil {
		return usageErr(err)
	}
	current, err := s.stateManifest()
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	var currentSources *state.Freshness
	file := filepath.Join(s.targetDir(), "sources.json")
	if data, err := os.ReadFile(file); err == nil {
		if currentSources, err = state.ParseSources(file, data); err != nil {
			return usageErr(err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return &exitError{code: exitFailed, err: err}
	}
	s.previous = prev
	s.stateMethods = state.NewMethods(prev, current, currentSources)
	return nil
}

// resolve makes a --state style path absolute: relative to the working
// directory, as in dbt.
func (s *session) resolve(dir string) string {
	if filepath.IsAbs(dir) {
		return dir
	}
	return filepath.Join(s.env.workDir, dir)
}

// stateManifest is this project's manifest as manifest.json would hold
// it, read back the way the --state manifest is, so both sides of every
// comparison have one shape.
func (s *session) stateManifest() (*state.Manifest, error) {
	data, err := json.Marshal(docs.BuildManifest(s.manifest, s.meta()))
	if err != nil {
		return nil, fmt.Errorf("state: encode the current manifest: %w", err)
	}
	m, err := state.ParseManifest("the current manifest", data)
	if err != nil {
		return nil, err
	}
	m.CompareMoreUnrendered = s.proj.Config.CompareMoreUnrendered()
	return m, nil
}

// modifiedReasons says why a node counts as state:modified, for elt ls;
// ok is false without --state.
func (s *session) modifiedReasons(id string) ([]string, bool) {
	if s.stateMethods == nil {
		return nil, false
	}
	r := s.stateMethods.Comparison.Reasons(id)
	if r == nil {
		r = []string{}
	}
	return r, true
}

// reportLargeSeeds warns about seeds over 1 MiB once a selector compared
// seed contents, as dbt's SeedNode.same_seeds does through warn_or_error:
// --warn-error and --warn-error-options make them errors.
func (s *session) reportLargeSeeds() error {
	m := s.stateMethods
	if m == nil || !m.SeedsCompared || s.largeSeedsReported {
		return nil
	}
	s.largeSeedsReported = true
	for _, w := range m.Comparison.SeedWarnings() {
		if err := s.warnOrError(w.Event, w.Message, nil); err != nil {
			return err
		}
	}
	return nil
}

// reportBreakingContracts warns about breaking changes to the contracts of
// unversioned models and refuses them on versioned ones, as dbt does once a
// selector compared contracts with the state.
func (s *session) reportBreakingContracts() error {
	m := s.stateMethods
	if m == nil || !m.ContractsChecked || s.contractsReported {
		return nil
	}
	s.contractsReported = true
	var errs diag.List
	for _, b := range m.Comparison.BreakingChanges() {
		if b.Error {
			errs.Add(diag.Errorf(b.File, diag.Pos{}, "",
				"%s", b.String()))
			continue
		}
		// dbt fires it through warn_or_error (same_contract): an error
		// under --warn-error.
		if err := s.warnOrError("UnversionedBreakingChange", "[WARNING]: "+b.String(), map[string]any{"unique_id": b.UniqueID, "changes": b.Changes}); err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return usageErr(errs.Err())
	}
	return nil
}

// selectorSpec is the named selector to use: --selector, else the
// selectors.yml selector marked default: true when neither --select nor
// --exclude is given, else nil.
func (s *session) selectorSpec() (*graph.Spec, error) {
	if s.f.selector == "" && (len(s.f.selectors) > 0 || len(s.f.excludes) > 0) {
		return nil, nil
	}
	if s.proj.Selectors == nil {
		if s.f.selector != "" {
			return nil, usageErr(fmt.Errorf("--selector %s: the project has no %s; define named selectors there (dbt's YAML selectors)", s.f.selector, selectorsFile))
		}
		return nil, nil
	}
	sels, err := graph.ParseSelectorsNode(s.proj.Selectors.File, s.proj.Selectors.Root)
	if err != nil {
		return nil, usageErr(err)
	}
	name := s.f.selector
	if name == "" {
		name = sels.Default
		if name == "" {
			return nil, nil
		}
		s.log.info("DefaultSelector", fmt.Sprintf("Using the default selector %s from %s", name, selectorsFile), map[string]any{"name": name})
	}
	spec, ok := sels.Specs[name]
	if !ok {
		hint := "the selectors are: " + strings.Join(sels.SortedNames(), ", ")
		if len(sels.Names) == 0 {
			hint = "define it under selectors: in " + selectorsFile
		}
		return nil, usageErr(diag.List{diag.Errorf(selectorsFile, diag.Pos{}, hint, "--selector %s: no selector of that name", name)}.Err())
	}
	return spec, nil
}

// applyDefer makes refs to nodes that are not selected resolve to the
// relations of the --state manifest, as dbt's --defer: with --favor-state
// always, otherwise only when the relation does not exist in this
// environment. ids are the selected nodes, which are built before their
// children and so are never deferred. Every node the state also holds
// gets its state relation for unit tests' input columns, as dbt's
// defer_relation.
func (s *session) applyDefer(ctx context.Context, ids []string) error {
	if !s.f.deferFlag {
		return nil
	}
	var deferTo *state.Manifest
	switch {
	case s.f.deferState != "":
		prev, err := state.Read(ctx, s.resolve(s.f.deferState))
		if err != nil {
			return usageErr(fmt.Errorf("--defer-state: %w", err))
		}
		deferTo = prev.Manifest
	case s.f.state != "":
		if err := s.prepareState(ctx); err != nil {
			return err
		}
		deferTo = s.previous.Manifest
	default:
		return usageErr(fmt.Errorf("--defer needs --state DIR (or --defer-state DIR), the target folder of the run to defer to (e.g. production's manifest.json)"))
	}
	selected := make(map[string]bool, len(ids))
	for _, id := range ids {
		selected[id] = true
	}
	rels := map[string]compiler.Relation{}
	stateRels := map[string]compiler.Relation{}
	for id, n := range s.manifest.Nodes {
		old, ok := deferTo.Nodes[id]
		if !ok || !refable(project.ResourceType(old.ResourceType)) || old.Config["materialized"] == "ephemeral" {
			continue
		}
		rel := compiler.Relation{Schema: old.Schema, Identifier: old.Alias}
		if old.Database != nil {
			rel.Database = *old.Database
		}
		if rel.Identifier == "" {
			rel.Identifier = old.Name
		}
		stateRels[id] = rel
		if selected[id] || !refable(n.ResourceType) || n.Config["materialized"] == "ephemeral" {
			continue
		}
		if !s.f.favorState {
			if s.adapter == nil {
				if err := s.connect(ctx); err != nil {
					return err
				}
			}
			cur := adapters.Relation{Database: n.Relation.Database, Schema: n.Relation.Schema, Identifier: n.Relation.Identifier}
			kind, err := s.adapter.RelationKind(ctx, cur)
			if err != nil {
				return &exitError{code: exitFailed, err: fmt.Errorf("--defer: look up %s: %w", n.RelationName, err)}
			}
			if kind != adapters.KindNone {
				continue
			}
		}
		rels[id] = rel
	}
	s.manifest.SetDeferred(rels)
	s.manifest.SetStateRelations(stateRels)
	if len(rels) > 0 {
		from := s.f.deferState
		if from == "" {
			from = s.f.state
		}
		s.log.info("DeferRelations", fmt.Sprintf("Deferring %d %s to the relations of %s", len(rels), plural(len(rels), "node", "nodes"), from),
			map[string]any{"count": len(rels), "state": from})
	}
	return nil
}

// refable are the resource types ref() can name.
func refable(t project.ResourceType) bool {
	return t == project.Model || t == project.Seed || t == project.Snapshot
}
