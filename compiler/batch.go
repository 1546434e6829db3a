package compiler

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/project"
)

// batchWindow is one microbatch: [start, end) in UTC.
type batchWindow struct {
	id         string
	start, end time.Time
}

// Config keys dbt sets on a microbatch model while it renders one batch.
const (
	configBatchStart = "__dbt_internal_microbatch_event_time_start"
	configBatchEnd   = "__dbt_internal_microbatch_event_time_end"
)

// jinja is model.batch: id, event_time_start (inclusive), event_time_end (exclusive).
func (b *batchWindow) jinja() map[string]any {
	return map[string]any{
		"id":               b.id,
		"event_time_start": &timeValue{t: b.start},
		"event_time_end":   &timeValue{t: b.end},
	}
}

// filter returns rel as dbt renders an event_time-filtered input of a
// microbatch batch: a subquery keeping the rows of the window, with a stable
// alias. Relations whose config has no event_time, and renders outside a
// batch (b == nil), are returned unchanged.
func (b *batchWindow) filter(rel *relationValue, cfg project.Config) *relationValue {
	if b == nil {
		return rel
	}
	col, _ := configString(cfg, "event_time")
	if strings.TrimSpace(col) == "" {
		return rel
	}
	return rel.withFilters(rel.limit, &eventTimeFilter{field: col, start: b.start, end: b.end})
}

// eventTimeFilter is rel as dbt's resolve_event_time_filter leaves it:
// filtered to the microbatch batch being rendered (in sample mode, to the
// overlap of the batch and the sample window), else, in sample mode, to
// the sample window when a model or snapshot reads it; unchanged when
// rel's config has no event_time.
func (st *renderState) eventTimeFilter(rel *relationValue, cfg project.Config) *relationValue {
	sample := st.engine.opts.Sample
	if st.batch != nil {
		if sample == nil {
			return st.batch.filter(rel, cfg)
		}
		w := *st.batch
		if sample.Start.After(w.start) {
			w.start = sample.Start.UTC()
		}
		if sample.End.Before(w.end) {
			w.end = sample.End.UTC()
		}
		return w.filter(rel, cfg)
	}
	if sample == nil || !st.execute || st.node == nil || (st.node.ResourceType != project.Model && st.node.ResourceType != project.Snapshot) {
		return rel
	}
	w := &batchWindow{start: sample.Start.UTC(), end: sample.End.UTC()}
	return w.filter(rel, cfg)
}

// batchLiteral formats a batch bound as Python's str() of an aware UTC
// datetime ("2024-01-01 00:00:00+00:00"): DuckDB and Postgres both read it
// as a timestamptz, a timestamp or a date.
func batchLiteral(t time.Time) string { return (&timeValue{t: t.UTC()}).String() }

// filterAlias is the alias of a filtered input: _dbt_et_filter_subq_<identifier>,
// with characters that would need quoting replaced by underscores.
func filterAlias(ident string) string {
	var b strings.Builder
	b.WriteString("_dbt_et_filter_subq_")
	for i := 0; i < len(ident); i++ {
		if isIdentByte(ident[i]) {
			b.WriteByte(ident[i])
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// batchID is dbt's batch id: the start formatted by the model's batch_size
// (yyyymmdd, or yyyymmddhh for hourly batches).
func batchID(start time.Time, batchSize string) string {
	if strings.EqualFold(batchSize, "hour") {
		return start.Format("2006010215")
	}
	return start.Format("20060102")
}

// RenderNode renders one node with execute=true and returns its SQL with
// the ephemeral models it reads injected as CTEs. Unlike Compile it stores
// nothing on the manifest, so it is safe to call concurrently, e.g. to
// re-render a model once is_incremental() is known.
func (m *Manifest) RenderNode(ctx context.Context, id string) (string, error) {
	n, ok := m.Nodes[id]
	if !ok {
		return "", diag.Errorf("", diag.Pos{}, "", "render: unknown node %s", id)
	}
	return m.renderDetached(ctx, n, nil)
}

// RenderBatch renders the microbatch model id for the batch [start, end):
// every ref() to a model, seed or snapshot and every source() whose config
// sets event_time reads only that window, as
// (select * from <relation> where <event_time> >= '<start>' and <event_time> < '<end>') _dbt_et_filter_subq_<identifier>;
// other inputs are read whole. is_incremental() is true unless
// Options.IsIncremental says otherwise for the node; model.batch.id,
// model.batch.event_time_start and model.batch.event_time_end, and the
// config keys __dbt_internal_microbatch_event_time_start/end, hold the
// window. Ephemeral models are injected as CTEs rendered as usual (dbt does
// not filter inside them). Safe to call concurrently.
func (m *Manifest) RenderBatch(ctx context.Context, id string, start, end time.Time) (string, error) {
	n, ok := m.Nodes[id]
	if !ok {
		return "", diag.Errorf("", diag.Pos{}, "", "render batch: unknown node %s", id)
	}
	if !end.After(start) {
		return "", diag.Errorf(n.OriginalFilePath, diag.Pos{}, "", "render batch of %s: the batch end %s is not after its start %s", id, batchLiteral(end), batchLiteral(start))
	}
	batchNode, w := inBatch(n, start, end)
	incremental := true
	if f := m.engine.opts.IsIncremental; f != nil {
		var err error
		if incremental, err = f(ctx, n); err != nil {
			return "", err
		}
	}
	return m.renderDetached(ctx, batchNode, func(st *renderState) {
		st.batch = w
		st.incremental = &incremental
	})
}

// renderDetached renders n (prepared by setup) and the ephemeral models it
// reads, and injects those as CTEs, writing nothing shared.
func (m *Manifest) renderDetached(ctx context.Context, n *Node, setup func(*renderState)) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	hold := m.holdGraph()
	defer hold.release()
	st := m.engine.newState(m, n, true)
	st.ctx, st.hold = ctx, hold
	if setup != nil {
		setup(st)
	}
	out, err := m.renderIn(st)
	if err != nil {
		return "", m.renderDiag(n, st, err)
	}
	pre := map[string]string{}
	var visit func(x *Node) error
	visit = func(x *Node) error {
		for _, dep := range x.DependsOn.Nodes {
			d, ok := m.Nodes[dep]
			if !ok || !isEphemeral(d) {
				continue
			}
			if _, done := pre[dep]; done {
				continue
			}
			est := m.engine.newState(m, d, true)
			est.ctx, est.hold = ctx, hold
			sql, err := m.renderIn(est)
			if err != nil {
				return m.renderDiag(d, est, err)
			}
			pre[dep] = sql
			if err := visit(d); err != nil {
				return err
			}
		}
		return nil
	}
	if err := visit(n); err != nil {
		return "", err
	}
	ctes, _ := m.ephemeralCTEs(n, pre, nil)
	return injectCTEs(out, ctes), nil
}

// Hooks renders the node's pre_hook or post_hook config ("pre_hook" or
// "post_hook"; "pre-hook" and "post-hook" are accepted too) in the node's
// context (this, target, config, macros, run_query...) with execute=true,
// and returns the statements in the order they are written: dbt_project.yml
// levels first, then properties YAML, then the file's config(). Each entry
// is a SQL string or a {sql: ..., transaction: ...} mapping. Hooks that
// render to nothing are dropped.
func (m *Manifest) Hooks(ctx context.Context, id string, which string) ([]string, error) {
	return m.hooks(ctx, id, which, func(bool) bool { return true }, nil)
}

// HooksIn is Hooks for the entries whose transaction flag is
// inTransaction (true unless the entry says transaction: false, as
// before_begin and after_commit make it): dbt runs a node's pre-hooks
// outside its transaction first, then those inside, and its post-hooks
// inside first, then those outside.
func (m *Manifest) HooksIn(ctx context.Context, id string, which string, inTransaction bool) ([]string, error) {
	return m.hooks(ctx, id, which, func(tx bool) bool { return tx == inTransaction }, nil)
}

// BatchHooksIn is HooksIn rendered in one microbatch batch's context
// (model.batch and the batch config keys), as dbt runs a microbatch
// model's pre-hooks with its first batch and its post-hooks with its last.
func (m *Manifest) BatchHooksIn(ctx context.Context, id string, which string, inTransaction bool, start, end time.Time) ([]string, error) {
	n, ok := m.Nodes[id]
	if !ok {
		return nil, diag.Errorf("", diag.Pos{}, "", "hooks: unknown node %s", id)
	}
	_, w := inBatch(n, start, end)
	return m.hooks(ctx, id, which, func(tx bool) bool { return tx == inTransaction }, w)
}

// inBatch is n as it renders in the batch [start, end): a copy carrying
// the batch config keys, so the shared node is never written, and the
// batch's window (model.batch).
func inBatch(n *Node, start, end time.Time) (*Node, *batchWindow) {
	w := &batchWindow{start: start.UTC(), end: end.UTC()}
	size, _ := configString(n.Config, "batch_size")
	w.id = batchID(w.start, size)
	batchNode := *n
	batchNode.Config = copyConfig(n.Config)
	batchNode.Config[configBatchStart] = &timeValue{t: w.start}
	batchNode.Config[configBatchEnd] = &timeValue{t: w.end}
	return &batchNode, w
}

func (m *Manifest) hooks(ctx context.Context, id string, which string, keep func(transaction bool) bool, w *batchWindow) ([]string, error) {
	n, ok := m.Nodes[id]
	if !ok {
		return nil, diag.Errorf("", diag.Pos{}, "", "hooks: unknown node %s", id)
	}
	key := strings.ReplaceAll(which, "-", "_")
	if key != "pre_hook" && key != "post_hook" {
		return nil, fmt.Errorf("compiler: hooks: want pre_hook or post_hook, got %q", which)
	}
	hold := m.holdGraph()
	defer hold.release()
	srcs, err := hookEntries(n, key)
	if err != nil {
		return nil, err
	}
	node := n
	if w != nil {
		node, _ = inBatch(n, w.start, w.end)
	}
	var out []string
	for _, src := range srcs {
		if !keep(src.transaction) {
			continue
		}
		sql, err := m.renderHook(ctx, src.sql, node, hold, w)
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(sql) != "" {
			out = append(out, sql)
		}
	}
	return out, nil
}

// hookEntry is one hook as a node's config lists it.
type hookEntry struct {
	sql         string
	transaction bool
}

// hookSources are the SQL templates of n's pre_hook or post_hook (key),
// as its config lists them: strings, or {sql: ..., transaction: ...}.
func hookSources(n *Node, key string) ([]string, error) {
	entries, err := hookEntries(n, key)
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.sql
	}
	return out, err
}

func hookEntries(n *Node, key string) ([]hookEntry, error) {
	var list []any
	switch x := n.Config[key].(type) {
	case nil:
		return nil, nil
	case []any:
		list = x
	case []string:
		for _, s := range x {
			list = append(list, s)
		}
	default:
		list = []any{x}
	}
	out := make([]hookEntry, 0, len(list))
	for i, e := range list {
		switch x := e.(type) {
		case string:
			// As dbt's get_hook_dict: a string that is the JSON of a
			// mapping (before_begin, after_commit) is that mapping.
			var h struct {
				SQL         *string `json:"sql"`
				Transaction *bool   `json:"transaction"`
			}
			if t := strings.TrimSpace(x); strings.HasPrefix(t, "{") && json.Unmarshal([]byte(t), &h) == nil && h.SQL != nil {
				tx := h.Transaction == nil || *h.Transaction
				out = append(out, hookEntry{sql: *h.SQL, transaction: tx})
				continue
			}
			out = append(out, hookEntry{sql: x, transaction: true})
		case map[string]any:
			s, ok := x["sql"].(string)
			if !ok {
				return nil, diag.Errorf(n.OriginalFilePath, diag.Pos{}, "write the hook as a SQL string or {sql: ..., transaction: true}",
					"%s %d of %s has no sql", key, i+1, n.UniqueID)
			}
			tx := true
			switch t := x["transaction"].(type) {
			case nil:
			case bool:
				tx = t
			default:
				return nil, diag.Errorf(n.OriginalFilePath, diag.Pos{}, "write transaction: true or transaction: false",
					"%s %d of %s: transaction is a %T, not true or false", key, i+1, n.UniqueID, t)
			}
			out = append(out, hookEntry{sql: s, transaction: tx})
		default:
			return nil, diag.Errorf(n.OriginalFilePath, diag.Pos{}, "write the hook as a SQL string or {sql: ..., transaction: true}",
				"%s %d of %s is a %T, not SQL", key, i+1, n.UniqueID, e)
		}
	}
	return out, nil
}

// ProjectHook is one on-run-start or on-run-end entry of a project's
// dbt_project.yml: the root project's or an installed package's.
type ProjectHook struct {
	Package string // the project that declares it
	Index   int    // its position in that project's list
	SQL     string // as written
	File    string // the dbt_project.yml, relative to the root project
	Node    *Node  // its operation node in the manifest
}

// Name is the name of dbt's node for the hook: "<package>-on-run-start-<index>".
func (h ProjectHook) Name(which string) string {
	return fmt.Sprintf("%s-%s-%d", h.Package, which, h.Index)
}

// UniqueID is the unique_id of dbt's node for the hook, as run_results.json
// lists it: "operation.<package>.<package>-on-run-start-<index>".
func (h ProjectHook) UniqueID(which string) string {
	return "operation." + h.Package + "." + h.Name(which)
}

// ProjectHooks lists the on-run-start (or on-run-end) hooks of every
// project, from their enabled operation nodes (a models: config can
// disable one, as in dbt), in dbt's order (task/run.py _hook_keyfunc,
// whose key for the root project sorts before every name): the root
// project first, then installed packages by name, each project's in its
// list's order.
func (m *Manifest) ProjectHooks(which string) []ProjectHook {
	var out []ProjectHook
	for _, n := range m.Nodes {
		if h := n.RunHook; h != nil && h.Type == which && !isDisabled(n.Config) {
			out = append(out, ProjectHook{Package: n.Package, Index: h.Index, SQL: n.RawCode, File: n.OriginalFilePath, Node: n})
		}
	}
	root := m.Project.Config.Name
	slices.SortFunc(out, func(a, b ProjectHook) int {
		if (a.Package == root) != (b.Package == root) {
			if a.Package == root {
				return -1
			}
			return 1
		}
		if c := strings.Compare(a.Package, b.Package); c != 0 {
			return c
		}
		return a.Index - b.Index
	})
	return out
}

// RenderHook renders one project hook with execute=true and extra in the
// context; a package's hook sees its package's macros and vars, as in dbt.
func (m *Manifest) RenderHook(ctx context.Context, h ProjectHook, which string, extra map[string]any) (string, error) {
	hold := m.holdGraph()
	defer hold.release()
	if h.Package == "" || h.Package == m.Project.Config.Name {
		return m.renderWith(ctx, h.SQL, nil, extra, hold)
	}
	op := *h.Node // a copy: the render may take its config for its own
	return m.renderWith(ctx, h.SQL, &op, extra, hold)
}

// RenderProjectHook renders one on-run-start or on-run-end entry of
// dbt_project.yml with execute=true and extra in the context. For
// on-run-end dbt passes results (one per node run, each with status,
// message, node (name, unique_id, resource_type...), execution_time,
// failures, adapter_response), schemas and database_schemas. Values may be
// plain Go maps and slices, or structs whose fields carry `jinja:"name"` tags.
func (m *Manifest) RenderProjectHook(ctx context.Context, sql string, extra map[string]any) (string, error) {
	hold := m.holdGraph()
	defer hold.release()
	return m.renderWith(ctx, sql, nil, extra, hold)
}

// renderWith renders tmpl in the context of node (nil: none) with
// execute=true and extra values set in the context.
func (m *Manifest) renderWith(ctx context.Context, tmpl string, node *Node, extra map[string]any, hold *graphHold) (string, error) {
	return m.renderTemplate(ctx, tmpl, node, extra, hold, nil)
}

// renderHook is renderWith of a node's hook, in batch w's context when w
// is not nil.
func (m *Manifest) renderHook(ctx context.Context, tmpl string, node *Node, hold *graphHold, w *batchWindow) (string, error) {
	return m.renderTemplate(ctx, tmpl, node, nil, hold, w)
}

func (m *Manifest) renderTemplate(ctx context.Context, tmpl string, node *Node, extra map[string]any, hold *graphHold, w *batchWindow) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	st := m.engine.newState(m, node, true)
	st.ctx, st.hold = ctx, hold
	if w != nil {
		st.batch = w
	}
	if len(extra) > 0 {
		st.extra = make(map[string]any, len(extra))
		for k, v := range extra {
			st.extra[k] = templateValue(v)
		}
	}
	out, err := st.renderString(tmpl)
	if err != nil {
		file := ""
		if node != nil {
			file = node.OriginalFilePath
		}
		d := m.engine.errorDiag("<string>", 0, err)
		d.File = file
		if d.Pos.Line > 0 && file != "" {
			d.Pos = diag.Pos{} // the line is the hook's, not the file's
		}
		return "", d
	}
	return out, nil
}
