package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/lineage"
	"github.com/elt-dev/elt/project"
	"github.com/elt-dev/elt/runner"
	"github.com/elt-dev/elt/schedule/openlineage"
)

// lineageEvents emits an OpenLineage START and COMPLETE or FAIL event for
// every node of a run, when OPENLINEAGE_URL or OPENLINEAGE_FILE asks for
// them. Each node is a job (named by its unique id) whose run's parent is
// the elt invocation.
type lineageEvents struct {
	s       *session
	em      *openlineage.Emitter
	ctx     context.Context
	dsNS    string
	mu      sync.Mutex
	runIDs  map[string]string
	columns *lineage.Project
	names   map[string]string // lineage name -> unique id
	warned  bool
}

func (s *session) newLineageEvents(ctx context.Context) *lineageEvents {
	em := openlineage.FromEnv(s.env.lookupEnv, "")
	if em == nil {
		return nil
	}
	le := &lineageEvents{s: s, em: em, ctx: ctx, dsNS: datasetNamespace(s.proj), runIDs: map[string]string{}}
	// Column lineage is computed before the run, not during it: the
	// runner renders nodes again as it goes, and the two must not meet.
	proj, names, err := s.projectLineage(ctx)
	if err != nil {
		s.log.warn("OpenLineageColumns", "OpenLineage events will carry no schema or column lineage: "+err.Error(), nil)
	} else {
		le.columns, le.names = proj, names
	}
	return le
}

// datasetNamespace names the warehouse as OpenLineage's naming spec does.
func datasetNamespace(p *project.Project) string {
	t := p.Target
	field := func(k string) string { return fmt.Sprint(t.Fields[k]) }
	switch t.Type {
	case "postgres":
		port := field("port")
		if t.Fields["port"] == nil {
			port = "5432"
		}
		return "postgres://" + field("host") + ":" + port
	case "snowflake":
		return "snowflake://" + strings.ToLower(field("account"))
	case "bigquery":
		return "bigquery"
	case "duckdb":
		path := field("path")
		if t.Fields["path"] == nil || path == ":memory:" {
			return "duckdb://memory"
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(p.Root, path)
		}
		return "duckdb://" + filepath.ToSlash(path)
	}
	return t.Type
}

func relName(r compiler.Relation) string {
	var parts []string
	for _, p := range []string{r.Database, r.Schema, r.Identifier} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ".")
}

// dataset is the OpenLineage dataset of a node or source, "" when it has none.
func (le *lineageEvents) dataset(id string) string {
	if n := le.s.manifest.Nodes[id]; n != nil && n.RelationName != "" {
		return relName(n.Relation)
	}
	if src := le.s.manifest.Sources[id]; src != nil {
		return relName(compiler.Relation{Database: src.Database, Schema: src.Schema, Identifier: src.Identifier})
	}
	return ""
}

func (le *lineageEvents) onEvent(e runner.Event) {
	if e.Kind != runner.NodeStart && e.Kind != runner.NodeFinish {
		return // a microbatch model's batch: the model is the job
	}
	n := e.Node
	switch n.ResourceType {
	case project.Model, project.Seed, project.Snapshot, project.Test:
	default:
		return
	}
	le.mu.Lock()
	runID, ok := le.runIDs[n.UniqueID]
	if !ok {
		runID = openlineage.NewRunID()
		le.runIDs[n.UniqueID] = runID
	}
	le.mu.Unlock()
	ns := le.em.Namespace
	run := openlineage.Run{RunID: runID, Facets: map[string]any{
		"parent": openlineage.ParentFacet(le.s.invocationID, ns, le.s.proj.Config.Name),
	}}
	now := time.Now()
	typ := openlineage.Start
	if e.Kind != runner.NodeStart {
		now = e.Result.CompletedAt
		typ = openlineage.Complete
		switch e.Result.Status {
		case runner.Success, runner.Pass, runner.Warn:
		default:
			typ = openlineage.Fail
			run.Facets["errorMessage"] = openlineage.ErrorFacet(le.s.env.secrets.Scrub(e.Result.Message))
		}
		if e.Result.Status == runner.Skipped || e.Result.Status == runner.Cancelled {
			return // it never started: no run to end
		}
	}
	ev := openlineage.NewEvent(typ, now, run, openlineage.Job{Namespace: ns, Name: n.UniqueID})
	for _, dep := range n.DependsOn.Nodes {
		if name := le.dataset(dep); name != "" {
			ev.Inputs = append(ev.Inputs, openlineage.Dataset{Namespace: le.dsNS, Name: name})
		}
	}
	if n.ResourceType != project.Test && n.RelationName != "" {
		out := openlineage.Dataset{Namespace: le.dsNS, Name: relName(n.Relation)}
		if typ == openlineage.Complete {
			out.Facets = le.outputFacets(n)
		}
		ev.Outputs = append(ev.Outputs, out)
	}
	if err := le.em.Emit(le.ctx, ev); err != nil {
		le.mu.Lock()
		defer le.mu.Unlock()
		if !le.warned {
			le.warned = true
			le.s.log.warn("OpenLineageError", "OpenLineage events are not getting through: "+err.Error(), nil)
		}
	}
}

// outputFacets are the schema and column lineage of a node just built,
// from the project's column lineage.
func (le *lineageEvents) outputFacets(n *compiler.Node) map[string]any {
	if le.columns == nil {
		return nil
	}
	name := ""
	for ln, id := range le.names {
		if id == n.UniqueID {
			name = ln
		}
	}
	cols := le.columns.Columns(name)
	if len(cols) == 0 {
		return nil
	}
	var fields []openlineage.Field
	types := map[string]string{}
	for _, c := range n.Columns {
		if c.DataType != "" {
			types[strings.ToLower(c.Name)] = c.DataType
		}
	}
	colLineage := map[string][]openlineage.InputField{}
	for _, c := range cols {
		fields = append(fields, openlineage.Field{Name: c, Type: types[strings.ToLower(c)]})
		var in []openlineage.InputField
		for _, r := range le.columns.Upstream(name, c, 1) {
			if r.Column == "" {
				continue
			}
			ds := le.dataset(le.names[r.Node])
			if ds == "" {
				continue
			}
			in = append(in, openlineage.InputField{Namespace: le.dsNS, Name: ds, Field: r.Column, Transformations: []openlineage.Transformation{transformation(r.Type)}})
		}
		sort.Slice(in, func(i, j int) bool { return in[i].Name+"."+in[i].Field < in[j].Name+"."+in[j].Field })
		colLineage[c] = in
	}
	return map[string]any{
		"schema":        openlineage.SchemaFacet(fields),
		"columnLineage": openlineage.ColumnLineageFacet(colLineage),
	}
}

// transformation maps elt's edge types to OpenLineage's.
func transformation(t lineage.EdgeType) openlineage.Transformation {
	switch t {
	case lineage.Identity:
		return openlineage.Transformation{Type: "DIRECT", Subtype: "IDENTITY"}
	case lineage.Transformation:
		return openlineage.Transformation{Type: "DIRECT", Subtype: "TRANSFORMATION"}
	case lineage.Aggregation:
		return openlineage.Transformation{Type: "DIRECT", Subtype: "AGGREGATION"}
	}
	return openlineage.Transformation{Type: "INDIRECT"}
}
