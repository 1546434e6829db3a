package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/runner"
)

// stateManifestNode is what elt clone reads of a node in the --state
// manifest: where that run built it.
type stateManifestNode struct {
	ResourceType string         `json:"resource_type"`
	Database     *string        `json:"database"`
	Schema       string         `json:"schema"`
	Alias        string         `json:"alias"`
	Name         string         `json:"name"`
	Config       map[string]any `json:"config"`
}

func newCloneCmd(f *flags, env environment, stdout, stderr io.Writer) *cobra.Command {
	c := &cobra.Command{
		Use:   "clone",
		Short: "Clone the selected nodes' relations from the --state manifest's run into the target",
		Long: "For each selected model, seed and snapshot in the --state manifest, create in the target a\n" +
			"clone of the relation that run built: a zero-copy table clone on Snowflake and BigQuery,\n" +
			"a view selecting from it elsewhere. Relations that already exist in the target are left\n" +
			"alone unless --full-refresh, as dbt clone does.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cloneCommand(cmd.Context(), f, env, stdout, f.state)
		},
	}
	c.Flags().StringArrayVarP(&f.selectors, "select", "s", nil, "nodes to clone (dbt selection syntax)")
	addModelsFlags(c.Flags(), &f.selectors)
	c.Flags().StringArrayVar(&f.excludes, "exclude", nil, "nodes to exclude")
	c.Flags().StringVar(&f.state, "state", "", "folder holding the manifest.json of the run to clone from (state: selectors compare with it)")
	addDeferFlags(c.Flags(), f) // clone reads the --state run's relations anyway
	c.Flags().BoolVar(&f.fullRefresh, "full-refresh", false, "replace relations that already exist in the target")
	c.Flags().StringSliceVar(&f.resourceTypes, "resource-type", nil, "only these resource types (model, seed, snapshot)")
	c.Flags().StringSliceVar(&f.excludeResourceTypes, "exclude-resource-type", nil, "leave these resource types out")
	return c
}

// readStateManifest reads manifest.json under dir.
func readStateManifest(dir string) (map[string]stateManifestNode, error) {
	path := filepath.Join(dir, "manifest.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--state: %w (point --state at the target folder of an earlier run)", err)
	}
	var m struct {
		Nodes map[string]stateManifestNode `json:"nodes"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("--state: %s is not a dbt manifest: %w", path, err)
	}
	return m.Nodes, nil
}

// cloneSQL creates target as a clone of from: zero-copy where the
// warehouse has it (Snowflake, BigQuery), a view elsewhere.
func cloneSQL(d adapters.Dialect, target, from adapters.Relation, stateMaterialized string) string {
	switch d.Type() {
	case "snowflake", "bigquery":
		if stateMaterialized == "view" {
			break // only tables clone
		}
		return "create or replace table " + d.RenderRelation(target) + " clone " + d.RenderRelation(from)
	}
	return "create view " + d.RenderRelation(target) + " as select * from " + d.RenderRelation(from)
}

func cloneCommand(ctx context.Context, f *flags, env environment, stdout io.Writer, state string) error {
	if strings.TrimSpace(state) == "" {
		return usageErr(fmt.Errorf("elt clone needs --state, the folder of an earlier run's manifest.json"))
	}
	if !filepath.IsAbs(state) {
		state = filepath.Join(env.workDir, state) // as every --state: from the working directory
	}
	stateNodes, err := readStateManifest(state)
	if err != nil {
		return usageErr(err)
	}
	s, err := load(ctx, f, env, stdout, true)
	if err != nil {
		return err
	}
	defer s.close()
	// dbt's clone: models, seeds and snapshots, narrowed by
	// --resource-type and --exclude-resource-type.
	kinds := []string{"model", "seed", "snapshot"}
	if len(f.resourceTypes) > 0 {
		kinds = slices.DeleteFunc(slices.Clone(kinds), func(k string) bool { return !slices.Contains(f.resourceTypes, k) })
	}
	kinds = withoutResourceTypes(kinds, f.excludeResourceTypes)
	ids, err := s.selectIDs(ctx, kinds)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		// dbt's clone is a graph task: with no node selected it says
		// NothingToDo (an error under --warn-error) and writes an empty
		// run_results.json (task/runnable.py).
		return s.nothingToDo(time.Since(s.startedAt), "clone")
	}
	if err := s.connect(ctx); err != nil {
		return err
	}
	var jobs []cloneJob
	for _, id := range ids {
		n := s.manifest.Nodes[id]
		sn, ok := stateNodes[id]
		if !ok || fmt.Sprint(sn.Config["materialized"]) == "ephemeral" || n.Config["materialized"] == "ephemeral" {
			continue
		}
		from := adapters.Relation{Schema: sn.Schema, Identifier: sn.Alias}
		if sn.Database != nil {
			from.Database = *sn.Database
		}
		if from.Identifier == "" {
			from.Identifier = sn.Name
		}
		target := adapters.Relation{Database: n.Relation.Database, Schema: n.Relation.Schema, Identifier: n.Relation.Identifier}
		jobs = append(jobs, cloneJob{id: id, from: from, target: target, materialized: fmt.Sprint(sn.Config["materialized"])})
	}
	results, err := cloneAll(ctx, s.adapter, jobs, f.fullRefresh, stdout)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	// As dbt's clone: run_results.json, a result a node.
	failed := 0
	rr := make([]runner.Result, len(results))
	for i, r := range results {
		rr[i] = r
		rr[i].Node = s.manifest.Nodes[r.UniqueID]
		if r.Status == runner.Error {
			failed++
		}
	}
	if err := s.writeRunResults(rr, nil, nil, nil, time.Since(s.startedAt), "clone"); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if failed > 0 {
		return &exitError{code: exitFailed, err: fmt.Errorf("%d clone(s) failed", failed)}
	}
	return nil
}

// cloneJob is one relation to clone: the node, the relation the state
// run built (from) and the node's relation in the target.
type cloneJob struct {
	id           string
	from, target adapters.Relation
	materialized string // in the state run
}

// cloneAll clones each job's relation into its target, in order, and
// returns a result a job, as dbt's clone task records them: success with
// the statement's response, success "No-op" for a target that exists,
// error with the warehouse's message. Whether each target exists is asked
// before any is created: a statement the adapter runs for elt clone
// (create schema, create view) can change the catalog in ways the
// adapter does not follow, so a question after it reads the catalog
// again, which on DuckDB lists every relation (2,000 clones took 30 s,
// three quarters of it there). A target created by an earlier job of the
// same call is asked again.
func cloneAll(ctx context.Context, a adapters.Adapter, jobs []cloneJob, fullRefresh bool, stdout io.Writer) (results []runner.Result, err error) {
	d := a.Dialect()
	self := func(j cloneJob) bool { return strings.EqualFold(d.RenderRelation(j.from), d.RenderRelation(j.target)) }
	kinds := make([]adapters.RelationKind, len(jobs))
	for i, j := range jobs {
		if self(j) {
			continue
		}
		if kinds[i], err = a.RelationKind(ctx, j.target); err != nil {
			return nil, err
		}
	}
	created, schemas := map[string]bool{}, map[string]bool{}
	for i, j := range jobs {
		res := runner.Result{UniqueID: j.id, Status: runner.Success, ThreadID: "Thread-1 (worker)", StartedAt: time.Now()}
		done := func(status runner.Status, msg string) {
			res.Status, res.Message, res.CompletedAt = status, msg, time.Now()
			results = append(results, res)
		}
		name := d.RenderRelation(j.target)
		if self(j) {
			fmt.Fprintf(stdout, "SKIP %s: the state relation is the target relation\n", j.id)
			done(runner.Success, "No-op")
			continue
		}
		kind := kinds[i]
		if created[strings.ToLower(name)] {
			if kind, err = a.RelationKind(ctx, j.target); err != nil {
				return nil, err
			}
		}
		if kind != adapters.KindNone && !fullRefresh {
			fmt.Fprintf(stdout, "OK %s: %s already exists (No-op; --full-refresh replaces it)\n", j.id, name)
			done(runner.Success, "No-op")
			continue
		}
		var cerr error
		schema := strings.ToLower(j.target.Database + "\x00" + j.target.Schema)
		if !schemas[schema] {
			if cerr = a.CreateSchema(ctx, j.target.Database, j.target.Schema); cerr == nil {
				schemas[schema] = true
			}
		}
		if cerr == nil && kind != adapters.KindNone {
			cerr = a.Exec(ctx, "drop "+string(kind)+" "+name)
		}
		if cerr == nil {
			cerr = a.Exec(ctx, cloneSQL(d, j.target, j.from, j.materialized))
		}
		if cerr != nil {
			fmt.Fprintf(stdout, "ERROR %s: %v\n", j.id, cerr)
			done(runner.Error, cerr.Error())
			continue
		}
		created[strings.ToLower(name)] = true
		fmt.Fprintf(stdout, "OK %s: cloned %s into %s\n", j.id, d.RenderRelation(j.from), name)
		done(runner.Success, "OK")
	}
	return results, nil
}
