package compiler

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/secrets"
	"github.com/elt-dev/elt/jinja"
	"github.com/elt-dev/elt/project"
)

// renderState is everything one render of one node needs and captures.
// A render runs on one goroutine; states are never shared.
type renderState struct {
	engine  *engine
	m       *Manifest
	node    *Node // nil for CallMacro
	execute bool
	this    *relationValue // nil without a node; see thisValue
	extra   map[string]any // names a caller adds (on-run-end results...)
	// contextSet are the names context.update() set during the render.
	contextSet map[string]any
	// graphCopy is the graph a render made ahead of a run reads (graphValue).
	graphCopy *jinja.Dict
	// hold claims the graph's lock for a run-time render (graphHold); nil
	// for renders that need none (parse, ahead of a run).
	hold *graphHold
	// pkgMacros are the macros of the installed package the node belongs
	// to (nil for the root project's nodes): unqualified names find them first.
	pkgMacros map[string]*macroDef
	ctx       context.Context // for run_query and statement

	// Set by RenderBatch: the batch window (refs and sources with an
	// event_time are filtered to it) and is_incremental()'s answer.
	batch       *batchWindow
	incremental *bool
	// unit is set when rendering a unit test's model (unittest.go).
	unit *unitRender

	// host is set while a materialization block runs (RunMaterialization):
	// apply_grants and persist_docs act through it.
	host MaterializationHost

	// statement('name') and store_result results for load_result('name').
	results map[string]*queryResult
	// runFile is set while a materialization block runs: write() keeps
	// the node's run SQL there.
	runFile *runFile

	// Captured in parse mode.
	refs    []Ref
	sources [][2]string
	metrics [][]string // metric() calls: [name] or [package, name]
	// inColumnsMacro: a project's get_columns_in_relation is running for
	// adapter.get_columns_in_relation (fnGetColumns).
	inColumnsMacro bool
	// strictVars: a var nothing sets fails even while parsing (the
	// generate_*_name macros).
	strictVars bool
	inFile     project.Config
	macros     []string        // unique ids of the macros called, first call first
	macroSet   map[string]bool // set of macros once it is long
	// dependsOn are the macros the node's own code called (outside any
	// macro), first call first: dbt's depends_on.macros, which records a
	// call only at depth 0 of its macro stack.
	dependsOn []string
	// macroDepth is how many macro calls the render is inside: a
	// built-in macro one calls (a dispatched implementation) is not the
	// node's dependency, as dbt records only the macros its code calls.
	macroDepth int

	warnings diag.List
	// introspected: the render asked the warehouse (run_query, statement,
	// adapter.get_relation, get_columns_in_relation...), so its result
	// may change once upstream nodes are built.
	introspected bool
	// volatile: the render read something that may differ between two
	// invocations over the same files (run_started_at, graph, log()...),
	// so RenderCache must not keep it.
	volatile bool
	// envReads are the env_var() lookups, for RenderCache, and the
	// target's when the render read it (noteTarget).
	envReads   []envRead
	targetRead bool

	// The node's objects, allocated with the state.
	configObj configValue
	modelObj  nodeView
	thisObj   relationValue
}

// jinjaError is an error raised by an elt builtin (unknown ref, missing var,
// raise_compiler_error); the render reports it with the node's file:line.
type jinjaError struct {
	msg, hint string
	line      int // 0: the line of the call, from the engine
}

func (e *jinjaError) Error() string { return e.msg }

// notFound is the error of a ref or source that finds nothing when the
// node renders: dbt's runtime resolvers raise TargetNotFoundError, as its
// parse does.
func (st *renderState) notFound(lerr *lookupError) error {
	if st.node == nil {
		return st.fail(lerr.hint, "%s", lerr.msg)
	}
	return st.fail(lerr.hint, "%s", lerr.notFound(st.node))
}

func (st *renderState) fail(hint, format string, args ...any) error {
	return &jinjaError{msg: fmt.Sprintf(format, args...), hint: hint}
}

// useMacro records that the render called the macro id: a parse render's
// are its node's depends_on.macros, and the render cache checks a stored
// render of either kind against the macro files it called.
func (st *renderState) useMacro(id string) {
	if st.macroSet == nil {
		// Most nodes call a handful of macros: a scan beats a map.
		for _, m := range st.macros {
			if m == id {
				return
			}
		}
		st.macros = append(st.macros, id)
		if len(st.macros) > 16 {
			st.macroSet = make(map[string]bool, 2*len(st.macros))
			for _, m := range st.macros {
				st.macroSet[m] = true
			}
		}
		return
	}
	if !st.macroSet[id] {
		st.macroSet[id] = true
		st.macros = append(st.macros, id)
	}
}

// dependOn records that the node's own code called the macro id (dbt's
// MacroGenerator.track_call at depth 0).
func (st *renderState) dependOn(id string) {
	if !slices.Contains(st.dependsOn, id) {
		st.dependsOn = append(st.dependsOn, id)
	}
}

func (st *renderState) file() string {
	if st.node == nil {
		return ""
	}
	return st.node.OriginalFilePath
}

// lineOf finds the line of the first call fn('arg' in the node's raw code,
// so errors found after rendering (an unknown ref) point where the user
// wrote the call.
func (st *renderState) lineOf(fn string, args ...string) int {
	if st.node == nil || st.node.RawCode == "" {
		return 0
	}
	var b strings.Builder
	b.WriteString(`\b` + regexp.QuoteMeta(fn) + `\s*\(`)
	for i, a := range args {
		if i > 0 {
			b.WriteString(`\s*,`)
		}
		b.WriteString(`\s*['"]` + regexp.QuoteMeta(a) + `['"]`)
	}
	re, err := regexp.Compile(b.String())
	if err != nil {
		return 0
	}
	loc := re.FindStringIndex(st.node.RawCode)
	if loc == nil {
		return 0
	}
	return diag.LineCol(st.node.RawCode, loc[0]).Line + st.engine.lineShift(st.node)
}

// newState prepares the names of one render. What every render shares
// (builtins, macros, target...) is in the engine's globals, never written.
func (e *engine) newState(m *Manifest, n *Node, execute bool) *renderState {
	st := &renderState{engine: e, m: m, node: n, execute: execute, ctx: context.Background()}
	st.configObj.st = st
	if n != nil && n.Package != "" && n.Package != e.proj.Config.Name {
		// A package's node sees its own package's macros first (dbt's
		// local namespace), then the root project's.
		st.pkgMacros = e.packageMacros[n.Package]
	}
	if n != nil {
		st.modelObj = nodeView{n: n, st: st}
	}
	return st
}

// thisValue is `this`, made the first time it is asked for (most renders
// never do); nil without a node.
func (st *renderState) thisValue() *relationValue {
	if st.this == nil && st.node != nil {
		n := st.node
		if n.RelationName != "" || st.execute {
			st.thisObj = relationOf(n)
			st.thisObj.dialect, st.thisObj.quoting = st.engine.dialect, st.engine.quoting
			if isEphemeral(n) && n.Relation.Identifier != "" {
				// dbt's this is the node's relation, an ephemeral
				// model's too (a ref to it is the CTE).
				r := Relation{Database: n.Relation.Database, Schema: n.Relation.Schema, Identifier: n.Relation.Identifier}
				st.thisObj.Database, st.thisObj.Schema, st.thisObj.Identifier = r.Database, r.Schema, r.Identifier
				st.thisObj.rendered = st.engine.renderNodeRelation(r)
			}
			if st.thisObj.rendered == "" && n.ResourceType == project.Test {
				// dbt's this of a test is the relation it would store
				// its failures in, whether or not it stores them.
				if rel, err := st.m.testRelation(n); err == nil {
					st.thisObj.Database, st.thisObj.Schema, st.thisObj.Identifier = rel.Database, rel.Schema, rel.Identifier
					st.thisObj.rendered = st.engine.renderNodeRelation(rel)
				}
			}
		} else {
			st.thisObj = relationValue{Identifier: n.Name, rendered: n.Name}
		}
		st.this = &st.thisObj
	}
	return st.this
}

var _ jinja.Globals = (*renderState)(nil)

// Lookup makes the state the jinja.Globals of its templates and macros.
func (st *renderState) Lookup(name string) (any, bool) { return st.lookup(name) }

var _ jinja.PolicyGlobals = (*renderState)(nil)

// UndefinedPolicy is dbt's: while parsing (execute false) an undefined
// value chains and may be called, so that {{ results.DATE[0] }} of a
// query not run yet renders nothing and a call into a package that is
// not installed fails the node only when it compiles (dbt's
// create_undefined); when executing it is Jinja2's default.
func (st *renderState) UndefinedPolicy() jinja.UndefinedPolicy {
	if !st.execute {
		return jinja.Absorbing
	}
	return jinja.Lenient
}

// lookup resolves the render's own names (this, model, config, execute,
// and the extra names of hooks): the globals of its templates and macros.
func (st *renderState) lookup(name string) (any, bool) {
	if st.unit != nil {
		if v, ok := st.unitLookup(name); ok {
			return v, true
		}
	}
	return st.ownLookup(name)
}

// ownLookup resolves the render's own names, without a unit test's
// overrides.
func (st *renderState) ownLookup(name string) (any, bool) {
	switch name {
	case stateName:
		return st, true
	case "execute":
		return st.execute, true
	case "graph":
		st.volatile = true // it shows every node
		return st.graphValue(), true
	case "config":
		return &st.configObj, true
	case "builtins":
		// dbt's builtins: ref, source, metric and config under a name a
		// project's macros that shadow them can still call them by.
		return map[string]any{"ref": builtinRef{st.engine, st}, "source": jinja.Func(fnSource), "metric": jinja.Func(fnMetric), "config": &st.configObj}, true
	case "model":
		if st.node != nil {
			return &st.modelObj, true
		}
	case "this":
		if this := st.thisValue(); this != nil {
			return this, true
		}
	case "schema", "database":
		// dbt's model context: the node's schema and database once they
		// are known, else (while parsing, or with no node) the target's.
		st.noteTarget()
		if n := st.node; n != nil {
			if v := map[string]string{"schema": n.Relation.Schema, "database": n.Relation.Database}[name]; v != "" {
				return v, true
			}
		}
		if t := st.engine.target; t != nil {
			return map[string]string{"schema": t.Schema, "database": t.Database}[name], true
		}
	case "selected_resources":
		st.volatile = true
		return toAnyList(st.m.selected), true
	case "target":
		// A shared global, found after this: noted so that the render is
		// reused only with the same target (another target's schema or
		// name may change what it captures).
		st.noteTarget()
	case "run_started_at", "invocation_id", "modules", "flags", "invocation_args_dict", "dbt_metadata_envs":
		// Shared globals, found after this: noted here because they
		// differ between invocations (modules.datetime.now(), the
		// command and its flags).
		st.volatile = true
	case "thread_id":
		st.volatile = true
		return threadID(st.ctx), true
	case "context":
		// It reaches every name, the volatile ones among them.
		st.volatile = true
		return contextValue{st}, true
	}
	if st.extra != nil {
		if v, ok := st.extra[name]; ok {
			return v, ok
		}
	}
	if d, ok := st.pkgMacros[name]; ok {
		return d.fn, true
	}
	return nil, false
}

// render executes a parsed template in this state.
func (st *renderState) render(tpl *jinja.Template) (string, error) {
	return tpl.RenderWith(st.ctx, st)
}

// invoke calls a macro by name from Go.
func (st *renderState) invoke(name string, args []any, kwargs map[string]any) (any, error) {
	def, ok := st.engine.macroNamed(name)
	if !ok {
		return nil, fmt.Errorf("macro %q is not defined", name)
	}
	var kw jinja.Kwargs
	if len(kwargs) > 0 {
		kw = jinja.NewDict()
		for _, k := range sortedKeys(kwargs) {
			kw.Set(k, templateValue(kwargs[k]))
		}
	}
	for i, a := range args {
		args[i] = templateValue(a)
	}
	return st.callMacro(def, nil, args, kw)
}

// relationValue is what ref(), source() and this return: it prints as the
// rendered relation and has dbt's Relation attributes.
type relationValue struct {
	Database, Schema, Identifier string
	rendered                     string
	// Type is "table", "view"... when known (adapter.get_relation,
	// api.Relation.create(type=...)).
	Type string
	// dialect re-renders the relation for include(); nil: include() keeps
	// the relation as it is.
	dialect  Dialect
	filtered bool // a microbatch window subquery: include() keeps it whole
	// omit are the parts (database, schema, identifier) include() left
	// out of the rendering.
	omit [3]bool
	// quoting is the relation's quote policy where it departs from the
	// dialect's (a node's: engine.quoting; a source's: its own over
	// that), which include() keeps.
	quoting quotePolicy
	// external: a source read from files (external_location); it prints
	// as the location, include() keeps it, and its columns are described
	// from the files.
	external bool
	// limit and timeFilter are dbt's relation fields of the same names:
	// --empty reads a ref as limit 0, a microbatch batch reads its inputs
	// filtered to the window. rendered holds the subqueries they make;
	// path is the relation's own rendering beneath them (render()).
	limit      *int64
	timeFilter *eventTimeFilter
	path       string
}

// eventTimeFilter is dbt's EventTimeFilter: an input of a microbatch
// batch read from start (inclusive) to end (exclusive) of field_name.
type eventTimeFilter struct {
	field      string
	start, end time.Time
}

func (f *eventTimeFilter) GetAttr(name string) (any, bool) {
	switch name {
	case "field_name":
		return f.field, true
	case "start":
		return &timeValue{t: f.start}, true
	case "end":
		return &timeValue{t: f.end}, true
	}
	return nil, false
}

// plain is the relation's rendering without its limit and time filter:
// dbt's relation.render().
func (r *relationValue) plain() string {
	if r.limit == nil && r.timeFilter == nil {
		return r.rendered
	}
	return r.path
}

// withFilters is r with its limit and time filter set to these, its
// rendering rebuilt as dbt's str(relation): the limit's subquery, then the
// time filter's around it.
func (r *relationValue) withFilters(limit *int64, tf *eventTimeFilter) *relationValue {
	out := *r
	out.path = r.plain()
	out.limit, out.timeFilter = limit, tf
	s := out.path
	if limit != nil {
		if *limit == 0 {
			s = "(select * from " + s + " where false limit 0)"
		} else {
			s = fmt.Sprintf("(select * from %s limit %d)", s, *limit)
		}
		if a, ok := r.dialect.(SubqueryAliaser); ok && a.RequireSubqueryAlias() {
			s += " _dbt_limit_subq_" + r.Identifier
		}
	}
	if tf != nil {
		s = fmt.Sprintf("(select * from %s where %s >= '%s' and %s < '%s') %s",
			s, tf.field, batchLiteral(tf.start), tf.field, batchLiteral(tf.end), filterAlias(r.Identifier))
	}
	out.rendered = s
	out.filtered = limit != nil || tf != nil
	return &out
}

// replace is dbt's relation.replace(**fields) (dataclasses.replace): a
// copy with path, type, limit or event_time_filter replaced.
func (r *relationValue) replace(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	if len(args) > 0 {
		return nil, fmt.Errorf("relation.replace() takes keyword arguments only (path=, type=, limit=, event_time_filter=)")
	}
	out := r
	limit, tf := r.limit, r.timeFilter
	if kw != nil {
		for _, k := range kw.Keys() {
			v, _ := kw.Get(k)
			if _, undef := v.(*jinja.Undefined); undef {
				v = nil
			}
			switch k {
			case "path", "type":
				a := jinja.NewDict()
				a.Set(k, v)
				inc, err := out.plainRelation().incorporate(s, nil, a)
				if err != nil {
					return nil, err
				}
				out = inc.(*relationValue)
			case "limit":
				limit = nil
				if v != nil {
					n, ok := v.(int64)
					if !ok {
						return nil, fmt.Errorf("relation.replace(limit=%v): limit must be a whole number or None", v)
					}
					limit = &n
				}
			case "event_time_filter":
				tf = nil
				if v != nil {
					f, ok := v.(*eventTimeFilter)
					if !ok {
						return nil, fmt.Errorf("relation.replace(event_time_filter=...): pass another relation's event_time_filter or None")
					}
					tf = f
				}
			default:
				return nil, fmt.Errorf("relation.replace(%s=...): elt's relations can replace path, type, limit and event_time_filter only", k)
			}
		}
	}
	return out.withFilters(limit, tf), nil
}

// plainRelation is r without its limit and time filter.
func (r *relationValue) plainRelation() *relationValue {
	if r.limit == nil && r.timeFilter == nil {
		return r
	}
	out := *r
	out.rendered, out.limit, out.timeFilter, out.filtered, out.path = r.path, nil, nil, false, ""
	return &out
}

func (r *relationValue) String() string { return r.rendered }

// IsMapping makes `relation is mapping` true: dbt's relations are Python
// Mappings, which dbt_utils' _is_relation checks.
func (r *relationValue) IsMapping() bool { return true }

// GetItem is relation['metadata'] and the relation's fields by key.
func (r *relationValue) GetItem(key any) (any, bool) {
	k, ok := key.(string)
	if !ok {
		return nil, false
	}
	if k == "metadata" {
		// dbt: {"type": "<Adapter>Relation"}, what _is_relation checks.
		return map[string]any{"type": "Relation"}, true
	}
	switch k {
	case "database", "schema", "identifier", "type":
		return r.GetAttr(k)
	}
	return nil, false
}

func (r *relationValue) GetAttr(name string) (any, bool) {
	switch name {
	case "get":
		return getMethod(r.GetItem), true
	case "database":
		return r.Database, true
	case "schema":
		return r.Schema, true
	case "identifier", "name", "table":
		return r.Identifier, true
	case "render":
		return jinja.Func(func(*jinja.State, []any, jinja.Kwargs) (any, error) { return r.plain(), nil }), true
	case "replace":
		return jinja.Func(r.replace), true
	case "limit":
		if r.limit == nil {
			return nil, true
		}
		return *r.limit, true
	case "event_time_filter":
		if r.timeFilter == nil {
			return nil, true
		}
		return r.timeFilter, true
	case "include":
		return jinja.Func(r.include), true
	case "incorporate":
		return jinja.Func(r.incorporate), true
	case "replace_path":
		// dbt's replace_path(**parts) is incorporate(path=parts).
		return jinja.Func(func(s *jinja.State, _ []any, kw jinja.Kwargs) (any, error) {
			path := jinja.NewDict()
			if kw != nil {
				for _, k := range kw.Keys() {
					v, _ := kw.Get(k)
					path.Set(k, v)
				}
			}
			args := jinja.NewDict()
			args.Set("path", path)
			return r.incorporate(s, nil, args)
		}), true
	case "information_schema":
		return jinja.Func(r.informationSchema), true
	case "without_identifier":
		return jinja.Func(func(s *jinja.State, _ []any, _ jinja.Kwargs) (any, error) {
			kw := jinja.NewDict()
			kw.Set("identifier", false)
			return r.include(s, nil, kw)
		}), true
	case "quote":
		return jinja.Func(func(*jinja.State, []any, jinja.Kwargs) (any, error) { return r, nil }), true
	case "type":
		if r.Type == "" {
			return nil, true
		}
		return r.Type, true
	case "is_table":
		return r.Type == "table", true
	case "is_view":
		return r.Type == "view", true
	case "is_materialized_view":
		return r.Type == "materialized_view", true
	case "is_cte":
		return strings.HasPrefix(r.Identifier, "__dbt__cte__"), true
	}
	return nil, false
}

func relationOf(n *Node) relationValue {
	if n.RelationName == "" && isEphemeral(n) {
		name := cteName(ephemeralIdentifier(n))
		return relationValue{Identifier: name, rendered: name}
	}
	return relationValue{Database: n.Relation.Database, Schema: n.Relation.Schema, Identifier: n.Relation.Identifier, rendered: n.RelationName}
}

func cteName(name string) string { return "__dbt__cte__" + name }

// ephemeralIdentifier is what an ephemeral model's CTE is named after, as
// dbt names it after the model's identifier: its alias when set, else its
// name.
func ephemeralIdentifier(n *Node) string {
	if a, ok := n.Config["alias"].(string); ok && strings.TrimSpace(a) != "" {
		return strings.TrimSpace(a)
	}
	return n.Name
}

// nodeView exposes a node to Jinja as dbt's `model` / `node` object.
type nodeView struct {
	n  *Node
	st *renderState
}

func (v *nodeView) String() string { return v.n.UniqueID }

func (v *nodeView) GetItem(key any) (any, bool) {
	if s, ok := key.(string); ok {
		return v.GetAttr(s)
	}
	return nil, false
}

// IsMapping: dbt's model is a dict (`model is mapping`).
func (v *nodeView) IsMapping() bool { return true }

// JSONValue is the node's dict, as tojson writes dbt's model: the keys
// nodeView answers.
func (v *nodeView) JSONValue() (any, error) {
	d := jinja.NewDict()
	for _, k := range nodeViewKeys {
		if val, ok := v.GetAttr(k); ok {
			d.Set(k, val)
		}
	}
	return d, nil
}

func (v *nodeView) GetAttr(name string) (any, bool) {
	n := v.n
	switch name {
	case "name":
		return n.Name, true
	case "unique_id":
		return n.UniqueID, true
	case "resource_type":
		return string(n.ResourceType), true
	case "package_name":
		return n.Package, true
	case "path":
		return n.Path, true
	case "original_file_path":
		return n.OriginalFilePath, true
	case "fqn":
		return toAnyList(n.FQN), true
	case "raw_code", "raw_sql":
		return n.RawCode, true
	case "config":
		return modelConfig(n.ResourceType, v.st.currentConfig()), true
	case "tags":
		if t := v.st.currentConfig()["tags"]; t != nil {
			return t, true
		}
		return jinja.NewList(), true // dbt's node.tags is a list, empty when none is set
	case "alias":
		return n.Relation.Identifier, true
	case "schema":
		return n.Relation.Schema, true
	case "database":
		return n.Relation.Database, true
	case "description":
		return n.Description, true
	case "meta":
		return n.Meta, true
	case "version":
		return n.Version, true
	case "latest_version":
		return n.LatestVersion, true
	case "is_latest_version":
		return n.IsLatestVersion(), true
	case "deprecation_date":
		if n.DeprecationDate == "" {
			return nil, true
		}
		return n.DeprecationDate, true
	case "batch":
		// dbt's model.batch is None outside a microbatch batch; an empty
		// mapping is just as falsy and lets an unguarded
		// model.batch.event_time_start render empty at parse time.
		if v.st.batch == nil {
			return map[string]any{}, true
		}
		return v.st.batch.jinja(), true
	case "relation_name":
		return n.RelationName, true
	case "depends_on":
		return map[string]any{"nodes": toAnyList(n.DependsOn.Nodes), "macros": toAnyList(n.DependsOn.Macros)}, true
	case "refs":
		out := []any{}
		for _, r := range n.Refs {
			out = append(out, map[string]any{"name": r.Name, "package": r.Package})
		}
		return out, true
	case "compiled_code", "compiled_sql":
		return n.CompiledCode, true
	case "columns":
		// As dbt's model dict (to_dict(omit_none=True)): each column's
		// whole entry, meta, tags, config and constraints among them,
		// without data_type, quote and granularity where they are None.
		return modelColumns(n.Columns), true
	case "test_metadata":
		// A generic test's, as dbt's node dict (to_dict(omit_none=True))
		// has them: absent where None.
		if t := n.TestMetadata; t != nil {
			return map[string]any{"name": t.Name, "kwargs": t.Kwargs, "namespace": nilIfEmpty(t.Namespace)}, true
		}
	case "column_name":
		if n.TestMetadata != nil && n.ColumnName != "" {
			return n.ColumnName, true
		}
	case "attached_node":
		if n.TestMetadata != nil && n.AttachedNode != "" {
			return n.AttachedNode, true
		}
	case "access", "checksum", "contract", "docs", "group", "language", "patch_path", "unrendered_config",
		"constraints", "sources", "metrics", "doc_blocks", "primary_key":
		// The rest of dbt's node dict, as the graph holds it.
		if v.st.m != nil {
			if val, ok := v.st.m.graphNode(n).Get(name); ok {
				return val, true
			}
		}
	case "file_key_name":
		if n.TestMetadata != nil && v.st.m != nil {
			if k := v.st.m.FileKeyName(n); k != "" {
				return k, true
			}
		}
	case "get":
		return jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			if len(args) == 0 {
				return nil, nil
			}
			key, _ := jinja.Str(args[0])
			if val, ok := v.GetAttr(key); ok {
				return val, nil
			}
			if len(args) > 1 {
				return args[1], nil
			}
			return nil, nil
		}), true
	case "keys", "items", "values":
		// dbt's model is a dict.
		return jinja.Func(func(_ *jinja.State, _ []any, _ jinja.Kwargs) (any, error) {
			var out []any
			for _, k := range nodeViewKeys {
				val, ok := v.GetAttr(k)
				if !ok {
					continue
				}
				switch name {
				case "keys":
					out = append(out, k)
				case "values":
					out = append(out, val)
				default:
					out = append(out, []any{k, val})
				}
			}
			return out, nil
		}), true
	}
	return nil, false
}

// nodeViewKeys are the keys of a node's dict that nodeView answers, in
// order, for keys(), values() and items().
var nodeViewKeys = []string{"access", "alias", "attached_node", "batch", "checksum", "column_name", "columns", "compiled_code", "config",
	"constraints", "contract", "database", "depends_on", "deprecation_date", "description", "doc_blocks", "docs", "file_key_name",
	"fqn", "group", "language", "latest_version", "meta", "metrics", "name", "original_file_path", "package_name", "patch_path",
	"path", "primary_key", "raw_code", "refs", "relation_name", "resource_type", "schema", "sources", "tags", "test_metadata",
	"unique_id", "unrendered_config", "version"}

// FileKeyName is a generic test's file_key_name: the properties-YAML key
// it was declared under ("models.orders", "seeds.countries",
// "sources.raw"), or "" when unknown.
func (m *Manifest) FileKeyName(n *Node) string {
	kind, _, ok := strings.Cut(n.AttachedNode, ".")
	if !ok {
		// A source's test has no attached node (as in dbt): its key is
		// the source's, which its model argument names.
		if n.TestMetadata != nil {
			model, _ := n.TestMetadata.Kwargs["model"].(string)
			if rest, ok := strings.CutPrefix(model, sourceTestModelPrefix); ok {
				if name, _, ok := strings.Cut(rest, "'"); ok {
					return "sources." + name
				}
			}
		}
		return ""
	}
	name := ""
	if s, ok := m.Sources[n.AttachedNode]; ok {
		name = s.SourceName
	} else if a, ok := m.Nodes[n.AttachedNode]; ok {
		name = a.Name
	}
	if name == "" {
		return ""
	}
	return kind + "s." + name
}

// currentConfig is the node's config as far as known: during parse the
// project config merged with in-file config() calls seen so far.
func (st *renderState) currentConfig() project.Config {
	if st.node == nil {
		return project.Config{}
	}
	if st.execute || len(st.inFile) == 0 {
		return st.node.Config
	}
	if st.node.RootConfig != nil {
		// A package's node: its own config, then config() calls, then the
		// root project's dbt_project.yml.
		return mergeConfig(mergeConfig(st.node.ownConfig, st.inFile), st.node.RootConfig)
	}
	return mergeConfig(st.node.Config, st.inFile)
}

// configGet is config.get(key, default) while executing: the node's
// value, else its kind's default for a key it declares, else default.
func (st *renderState) configGet(key string, args []any, kw jinja.Kwargs) any {
	if (key == "store_failures" || key == "store_failures_as") && st.node != nil && st.node.ResourceType == project.Test {
		// As dbt's finalized TestConfig: each settles the other.
		if v := NodeConfig(&Node{Node: project.Node{ResourceType: project.Test, Config: st.currentConfig()}})[key]; v != nil {
			return templateValue(v)
		}
	}
	if v, ok := st.currentConfig()[key]; ok && v != nil {
		return templateValue(v)
	}
	if key == "snapshot_table_column_names" && st.node != nil && st.node.ResourceType == project.Snapshot {
		return snapshotTableColumnNames(st.currentConfig())
	}
	if v, ok := st.configDefault(key); ok {
		// dbt's config object answers a key its kind declares with the
		// field's value, its default when unset (tags [], on_schema_change
		// 'ignore', unique_key None), and the default argument only for
		// other keys.
		return templateValue(v)
	}
	if d, ok := argAt(args, kw, 1, "default"); ok {
		return d
	}
	return nil
}

// fnValidateAny is dbt's validation.any(*values): a validator that
// accepts a value equal to one of them and raises otherwise.
func fnValidateAny(_ *jinja.State, allowed []any, _ jinja.Kwargs) (any, error) {
	allowed = append([]any(nil), allowed...)
	return jinja.Func(func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
		var v any
		if len(args) > 0 {
			v = args[0]
		}
		names := make([]string, len(allowed))
		for i, a := range allowed {
			if jinja.Equal(v, a) {
				return nil, nil
			}
			names[i], _ = jinja.Str(a)
		}
		str, _ := jinja.Str(v)
		return nil, errors.New(`Expected value "` + str + `" to be one of ` + strings.Join(names, ","))
	}), nil
}

// configValue is config(): callable, with .get, .require and .set.
type configValue struct{ st *renderState }

// Call is config(key=value, ...) or config({...}): recorded while parsing,
// nothing when executing.
func (c *configValue) Call(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st := c.st
	if st.execute {
		return "", nil
	}
	add := make(project.Config, kw.Len())
	written := map[string]bool{}
	for _, a := range args {
		if m, ok := configGo(a).(map[string]any); ok {
			for k, v := range m {
				written[k] = true
				add[normaliseKey(k)] = v
			}
		}
	}
	for k, v := range kw.All() {
		ks, _ := jinja.Str(k)
		written[ks] = true
		add[normaliseKey(ks)] = configGo(v)
	}
	if err := conflictingHookKeys(written); err != nil {
		return nil, err
	}
	if len(st.inFile) == 0 {
		st.inFile = mergeOwned(st.inFile, add)
	} else {
		// dbt's _add_config_call: grants keep their "+" across calls.
		st.inFile = project.MergeConfigCalls(st.inFile, add)
	}
	return "", nil
}

// conflictingHookKeys stops a config() call that sets a hook under both
// its names, as dbt's ParseConfigObject does (ConflictingConfigKeysError):
// one of the two would be dropped.
func conflictingHookKeys(written map[string]bool) error {
	for _, key := range []string{"pre_hook", "post_hook"} {
		dashed := strings.ReplaceAll(key, "_", "-")
		if written[key] && written[dashed] {
			return &jinjaError{
				msg:  fmt.Sprintf("Invalid config, has conflicting keys %q and %q", key, dashed),
				hint: fmt.Sprintf("set the hook under one name, %s or %s", key, dashed),
			}
		}
	}
	return nil
}

func (c *configValue) String() string { return "" }

// configDefault is the default of a config key the rendered node's kind
// declares (dbt's NodeConfig fields: DefaultConfig), nil included; ok is
// false for other keys, and with no node (a macro run alone).
func (st *renderState) configDefault(key string) (any, bool) {
	if st.node == nil {
		return nil, false
	}
	switch key {
	case "pre_hook":
		key = "pre-hook"
	case "post_hook":
		key = "post-hook"
	}
	v, ok := configDefaults()[st.node.ResourceType][key]
	return v, ok
}

// configDefaults are DefaultConfig's maps of the kinds that have one,
// built once and only read.
var configDefaults = sync.OnceValue(func() map[project.ResourceType]map[string]any {
	out := map[project.ResourceType]map[string]any{}
	for _, k := range []project.ResourceType{project.Model, project.Seed, project.Snapshot, project.Test, project.Analysis} {
		out[k] = DefaultConfig(k)
	}
	return out
})

func (c *configValue) GetAttr(name string) (any, bool) {
	st := c.st
	switch name {
	case "get":
		return jinja.Func(func(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			key, ok := argString(args, kw, 0, "name")
			if !ok {
				return nil, st.fail("", "config.get() needs a key")
			}
			if !st.execute {
				// dbt's parse-time config object: every key reads as
				// "", whatever the default ('unit-test' in
				// config.get('tags', {}) is false while parsing).
				return "", nil
			}
			v := st.configGet(key, args, kw)
			// As dbt's: a validator checks the value when a default is
			// given (validation.any(...)).
			if validator, ok := argAt(args, kw, 2, "validator"); ok && validator != nil {
				if d, ok := argAt(args, kw, 1, "default"); ok && d != nil {
					if _, err := s.Call(validator, []any{v}, nil); err != nil {
						return nil, err
					}
				}
			}
			return v, nil
		}), true
	case "require":
		return jinja.Func(func(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			key, ok := argString(args, kw, 0, "name")
			if !ok {
				return nil, st.fail("", "config.require() needs a key")
			}
			if !st.execute {
				return "", nil
			}
			v, ok := st.currentConfig()[key]
			if !ok || v == nil {
				if v, ok = st.configDefault(key); !ok { // as dbt's: a declared key is never missing
					return nil, st.fail("set it in config() or dbt_project.yml", "required config %q was not set", key)
				}
			}
			v = templateValue(v)
			if validator, ok := argAt(args, kw, 1, "validator"); ok && validator != nil {
				if _, err := s.Call(validator, []any{v}, nil); err != nil {
					return nil, err
				}
			}
			return v, nil
		}), true
	case "set":
		return jinja.Func(func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
			if len(args) == 2 && !st.execute {
				if st.inFile == nil {
					st.inFile = project.Config{}
				}
				key, _ := jinja.Str(args[0])
				st.inFile[key] = configGo(args[1])
			}
			return "", nil
		}), true
	}
	return nil, false
}

// contextValue is dbt's context: the render's context as a dict, which
// macros read names from (context.get('x'), context['x']) and keep state
// in for the rest of the render (context.update({...})), as
// dbt-unit-testing does.
type contextValue struct{ st *renderState }

func (c contextValue) String() string { return "{...}" }

// GetItem is context[name]: a name context.update set, else the name as
// the render resolves it.
func (c contextValue) GetItem(key any) (any, bool) {
	name, ok := key.(string)
	if !ok {
		return nil, false
	}
	if v, ok := c.st.contextSet[name]; ok {
		return v, true
	}
	if v, ok := c.st.lookup(name); ok {
		return v, true
	}
	return c.st.engine.env.Global(name)
}

func (c contextValue) GetAttr(name string) (any, bool) {
	switch name {
	case "get":
		return getMethod(c.GetItem), true
	case "update":
		return jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			if c.st.contextSet == nil {
				c.st.contextSet = map[string]any{}
			}
			for _, a := range args {
				d, ok := a.(*jinja.Dict)
				if !ok {
					return nil, c.st.fail("pass a dict: context.update({'name': value})", "context.update() takes a dict, not %s", jinja.Repr(a))
				}
				for k, v := range d.All() {
					if ks, ok := k.(string); ok {
						c.st.contextSet[ks] = v
					}
				}
			}
			for k, v := range kw.All() {
				if ks, ok := k.(string); ok {
					c.st.contextSet[ks] = v
				}
			}
			return nil, nil
		}), true
	}
	return nil, false
}

// getMethod is a mapping's get(key, default=None) over its item lookup.
func getMethod(item func(key any) (any, bool)) jinja.Func {
	return func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
		key, _ := argAt(args, kw, 0, "key")
		if v, ok := item(key); ok {
			return v, nil
		}
		def, _ := argAt(args, kw, 1, "default")
		return def, nil
	}
}

func normaliseKey(k string) string { return project.ConfigKey(k) }

// toGo turns a template value into plain Go values (map[string]any,
// []any, int, float64, string, bool, nil) for configs and callers:
// relations as their rendered names, nodes as their ids, dates as text.
func toGo(v any) any { return plainGo(v, false) }

// configGo is toGo for a config() value: a datetime is its isoformat(),
// as dbt's configs serialise one (microbatch's begin).
func configGo(v any) any { return plainGo(v, true) }

func plainGo(v any, isoTimes bool) any {
	return jinja.Plain(v, func(x any) (any, bool) {
		switch x := x.(type) {
		case *relationValue:
			return x.rendered, true
		case *nodeView:
			return x.n.UniqueID, true
		case []string:
			return toAnyList(x), true
		case *timeValue:
			if isoTimes {
				return x.isoformat("T", "auto"), true
			}
			return fmt.Sprint(x), true
		case *dateValue, *timedeltaValue:
			return fmt.Sprint(x), true
		}
		return nil, false
	})
}

func toAnyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// dbtMacro makes a Go function stand for dbt's macro of the same name: a
// call from the node's own code is one of its depends_on.macros, and what
// the function runs (a call block's body) runs inside the macro, as in dbt.
func dbtMacro(name string, fn func(*jinja.State, []any, jinja.Kwargs) (any, error)) jinja.Func {
	id := "macro.dbt." + name
	return func(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
		st := stateOf(s)
		if st == nil {
			return fn(s, args, kw)
		}
		if st.macroDepth == 0 {
			st.dependOn(id)
		}
		st.macroDepth++
		defer func() { st.macroDepth-- }()
		return fn(s, args, kw)
	}
}

// buildGlobals fills the shared, read-only globals: dbt's builtins and
// every macro by name.
func (e *engine) buildGlobals() {
	g := map[string]any{
		"ref":                               jinja.Func(fnRef),
		"source":                            jinja.Func(fnSource),
		"metric":                            jinja.Func(fnMetric),
		"var":                               varObject{},
		"env_var":                           jinja.Func(fnEnvVar),
		"log":                               jinja.Func(fnLog),
		"validation":                        map[string]any{"any": jinja.Func(fnValidateAny)},
		"print":                             jinja.Func(fnPrint),
		"return":                            jinja.Func(fnReturn),
		"render":                            jinja.Func(fnRender),
		"register_upstream_external_models": jinja.Func(fnRegisterUpstreamExternalModels),
		"get_where_subquery":                jinja.Func(fnWhereSubquery),
		"load_result":                       jinja.Func(fnLoadResult),
		"store_result":                      jinja.Func(fnStoreResult),
		"store_raw_result":                  jinja.Func(fnStoreRawResult),
		"write":                             jinja.Func(fnWrite),
		"dbt_version":                       DBTVersion,
		"project_name":                      e.proj.Config.Name,
		"invocation_id":                     e.opts.InvocationID,
		"target":                            e.targetMap(),
		"__elt_apply_grants":                jinja.Func(fnApplyGrants),
		"__elt_contract_columns":            jinja.Func(fnContractColumns),
		"__elt_contract_column_names":       jinja.Func(fnContractColumnNames),
		"__elt_materialization_test":        jinja.Func(fnMaterializationTest),
		"modules":                           modulesObject(&e.regexps),
		"flags":                             e.flagsObject(),
		"__elt_store_failures_flag":         e.opts.StoreFailures,
		"invocation_args_dict":              e.opts.Invocation.argsDict(),
		"dbt_metadata_envs":                 e.opts.Invocation.metadataEnvs(),
		"adapter_macro":                     jinja.Func(fnAdapterMacro),
	}
	for name, fn := range valueFunctions() {
		g[name] = fn
	}
	for name, fn := range goDBTMacros() {
		g[name] = fn
	}
	started := e.opts.RunStartedAt
	if started.IsZero() {
		started = time.Now()
	}
	g["run_started_at"] = &timeValue{t: started.UTC()}
	g["exceptions"] = map[string]any{
		"raise_compiler_error":     jinja.Func(fnRaise),
		"raise_not_implemented":    jinja.Func(fnRaise),
		"raise_fail_fast_error":    jinja.Func(fnRaise),
		"warn":                     jinja.Func(fnWarn),
		"raise_database_error":     jinja.Func(fnRaise),
		"raise_dependency_error":   jinja.Func(fnRaise),
		"column_type_missing":      jinja.Func(fnRaise),
		"relation_wrong_type":      jinja.Func(fnRaise),
		"raise_contract_error":     jinja.Func(fnRaise),
		"raise_ambiguous_alias":    jinja.Func(fnRaise),
		"missing_materialization":  jinja.Func(fnRaise),
		"raise_duplicate_resource": jinja.Func(fnRaise),
	}
	dialect := e.dialect
	g["adapter"] = map[string]any{
		"behavior": e.behavior(),
		"quote": jinja.Func(func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
			if len(args) == 0 {
				return "", nil
			}
			s, _ := jinja.Str(args[0])
			return dialect.Quote(s), nil
		}),
		"type":                         jinja.Func(func(*jinja.State, []any, jinja.Kwargs) (any, error) { return dialect.Type(), nil }),
		"dispatch":                     jinja.Func(fnDispatch),
		"get_relation":                 jinja.Func(fnGetRelation),
		"get_columns_in_relation":      jinja.Func(fnGetColumns),
		"get_column_schema_from_query": jinja.Func(fnColumnSchema),
		"get_hard_deletes_behavior":    jinja.Func(fnHardDeletesBehavior),
		"standardize_grants_dict":      jinja.Func(fnStandardizeGrantsDict),
		"get_columns_in_table":         jinja.Func(e.fnGetColumnsInTable),
		// dbt's adapter keeps a cache of relations that a
		// materialization tells of what it built, dropped or renamed;
		// elt keeps none, so there is nothing to tell (each returns '').
		"cache_added":   jinja.Func(fnNoRelationCache),
		"cache_dropped": jinja.Func(fnNoRelationCache),
		"cache_renamed": jinja.Func(fnNoRelationCache),
		"load_relation": jinja.Func(fnLoadRelation),
		// Commits a materialization block's transaction (transaction.go);
		// elsewhere each statement is committed as it runs.
		"commit": jinja.Func(func(s *jinja.State, _ []any, _ jinja.Kwargs) (any, error) {
			if st := stateOf(s); st != nil {
				if err := st.commit(); err != nil {
					return nil, &jinjaError{msg: fmt.Sprintf("adapter.commit: %v", err)}
				}
			}
			return "", nil
		}),
		// dbt-duckdb's adapter methods for external models (external.go).
		"external_root": jinja.Func(func(s *jinja.State, _ []any, _ jinja.Kwargs) (any, error) {
			stateOf(s).noteTarget() // the target's external_root
			return e.externalRoot(), nil
		}),
		"external_write_options": jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			loc, _ := argString(args, kw, 0, "write_location")
			v, _ := argAt(args, kw, 1, "rendered_options")
			opts, err := optionsDict(v)
			if err != nil {
				return nil, err
			}
			return externalWriteOptions(loc, opts)
		}),
		"external_read_location": jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			loc, _ := argString(args, kw, 0, "write_location")
			v, _ := argAt(args, kw, 1, "rendered_options")
			opts, err := optionsDict(v)
			if err != nil {
				return nil, err
			}
			return externalReadLocation(loc, opts), nil
		}),
	}
	for name, fn := range e.adapterOps() {
		g["adapter"].(map[string]any)[name] = fn
	}
	if e.dialect.Type() == "duckdb" {
		for name, fn := range e.duckdbAdapterMethods() {
			g["adapter"].(map[string]any)[name] = fn
		}
	}
	g["adapter"].(map[string]any)["config"] = e.adapterConfig()
	relationClass := map[string]any{"create": jinja.Func(e.createRelation), "scd_args": jinja.Func(fnScdArgs)}
	g["api"] = map[string]any{
		"Relation": relationClass,
		"Column":   apiColumn{e: e},
	}
	// adapter.Relation is the same class as api.Relation, as in dbt.
	g["adapter"].(map[string]any)["Relation"] = relationClass
	// dbt's other model-context members: column is adapter.Column, env the
	// target, sql_now the adapter's date_function() (also on adapter),
	// defer_relation None in a node's own render.
	g["column"] = apiColumn{e: e}
	g["env"] = g["target"]
	now := dateFunction(e.dialect.Type())
	g["sql_now"] = now
	g["adapter"].(map[string]any)["date_function"] = jinja.Func(func(*jinja.State, []any, jinja.Kwargs) (any, error) { return now, nil })
	g["defer_relation"] = nil
	g["diff_of_two_dicts"] = jinja.Func(fnDiffOfTwoDicts)
	g["try_or_compiler_error"] = jinja.Func(fnTryOrCompilerError)
	for name, def := range e.macros {
		g[name] = def.fn
	}
	g["dbt"] = e.dbtNamespace()
	// Package namespaces (dbt_utils.star) and the root project's own come
	// after every other name, as in dbt.
	namespaces := map[string]map[string]*macroDef{e.proj.Config.Name: e.rootMacros()}
	for pkg, defs := range e.packageMacros {
		namespaces[pkg] = defs
	}
	for pkg, defs := range namespaces {
		if _, taken := g[pkg]; taken {
			continue
		}
		ns := make(map[string]any, len(defs))
		for name, def := range defs {
			ns[name] = def.fn
		}
		g[pkg] = ns
	}
	for name, v := range g {
		e.env.AddGlobal(name, v)
	}
}

func (e *engine) targetMap() map[string]any {
	t := e.target
	out := map[string]any{}
	for k, v := range t.Fields {
		if !project.IsSecretKey(k) {
			out[k] = v
		}
	}
	out["name"] = t.Name
	out["target_name"] = t.Name
	out["schema"] = t.Schema
	out["type"] = t.Type
	if t.Type == "" {
		out["type"] = e.dialect.Type()
	}
	out["threads"] = t.Threads
	out["database"] = t.Database
	out["profile_name"] = t.ProfileName
	return out
}

// argAt is argument i, or the keyword argument kw.
func argAt(args []any, kwargs jinja.Kwargs, i int, kw string) (any, bool) {
	if i < len(args) {
		return args[i], true
	}
	if kw != "" {
		return kwargs.Get(kw)
	}
	return nil, false
}

// argString is argument i (or keyword kw) as Python's str() prints it.
func argString(args []any, kwargs jinja.Kwargs, i int, kw string) (string, bool) {
	v, ok := argAt(args, kwargs, i, kw)
	if !ok {
		return "", false
	}
	s, err := jinja.Str(v)
	if err != nil {
		return "", false
	}
	return s, true
}

// argBool is argument i (or keyword kw) as Python's bool().
func argBool(args []any, kwargs jinja.Kwargs, i int, kw string, def bool) bool {
	v, ok := argAt(args, kwargs, i, kw)
	if !ok {
		return def
	}
	b, _ := jinja.Truth(v)
	return b
}

// renderStateOf is stateOf for the builtins: a builtin always runs in a
// render elt started.
func renderStateOf(s *jinja.State) (*renderState, error) {
	st := stateOf(s)
	if st == nil {
		return nil, fmt.Errorf("called outside a render of elt")
	}
	return st, nil
}

func fnRef(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	var r Ref
	switch len(args) {
	case 1:
		r.Name, _ = jinja.Str(args[0])
	case 2:
		r.Package, _ = jinja.Str(args[0])
		r.Name, _ = jinja.Str(args[1])
	default:
		return nil, st.fail("call ref('model') or ref('package', 'model')", "ref() takes 1 or 2 arguments, got %d", len(args))
	}
	if kw.Len() > 0 {
		// As dbt: version, else v; a false value (None) is no version.
		for _, k := range []string{"version", "v"} {
			v, ok := kw.Get(k)
			if t, err := jinja.Truth(v); ok && err == nil && t {
				r.Version, _ = jinja.Str(v)
				r.VersionText = !isNumber(v)
				break
			}
		}
	}
	if !st.execute {
		st.refs = append(st.refs, r)
		return &relationValue{Identifier: r.Name, rendered: r.Name}, nil
	}
	if st.unit != nil {
		return st.unitRef(r)
	}
	target, lerr := st.m.lookupRef(r, st.node)
	if lerr != nil {
		return nil, st.notFound(lerr)
	}
	if r.Version == "" && target.VersionString != "" && st.node != nil {
		st.noteNewerVersion(target)
	}
	rel := relationOf(target)
	if d, ok := st.m.deferred[target.UniqueID]; ok {
		rel = relationValue{Database: d.Database, Schema: d.Schema, Identifier: d.Identifier, rendered: st.engine.renderNodeRelation(d)}
	}
	rel.dialect, rel.quoting = st.engine.dialect, st.engine.quoting
	return st.eventTimeFilter(st.limitEmpty(&rel), target.Config), nil
}

// noteNewerVersion fires dbt's UnpinnedRefNewVersionAvailable
// (contracts/graph/manifest.py RefableLookup.find): an unpinned ref,
// resolved while a node compiles, reached a model's latest version while
// a greater (prerelease) version of it exists.
func (st *renderState) noteNewerVersion(target *Node) {
	notice := st.engine.opts.Notice
	if notice == nil {
		return
	}
	greatest := ""
	for _, n := range st.m.byName[target.Name] {
		if n.Package == target.Package && n.VersionString != "" && (greatest == "" || project.CompareVersions(n.VersionString, greatest) > 0) {
			greatest = n.VersionString
		}
	}
	if greatest == "" || project.CompareVersions(greatest, target.LatestVersionText()) <= 0 {
		return
	}
	// As log(): a cached render would not fire it, and a render ahead of
	// a run is rendered again before the node runs, which fires it once.
	st.volatile = true
	if st.m.graph.ahead.Load() {
		return
	}
	name, pkg, v := target.Name, target.Package, target.VersionString
	notice("UnpinnedRefNewVersionAvailable", fmt.Sprintf("While compiling '%s':\n"+
		"Found an unpinned reference to versioned model '%s' in project '%s'.\n"+
		"Resolving to latest version: %s.v%s\n"+
		"A prerelease version %s is available. It has not yet been marked 'latest' by its maintainer.\n"+
		"When that happens, this reference will resolve to %s.v%s instead.\n\n"+
		"  Try out v%s: {{ ref('%s', '%s', v='%s') }}\n"+
		"  Pin to  v%s: {{ ref('%s', '%s', v='%s') }}\n",
		st.node.Name, name, pkg, name, v, greatest, name, greatest, greatest, pkg, name, greatest, v, pkg, name, v))
}

// limitEmpty renders a relation read by ref() or source() under --empty
// as dbt's render_limited does with limit 0.
func (st *renderState) limitEmpty(rel *relationValue) *relationValue {
	if !st.engine.opts.Empty {
		return rel
	}
	zero := int64(0)
	out := *rel
	out.dialect = st.engine.dialect
	return out.withFilters(&zero, rel.timeFilter)
}

func fnSource(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	if len(args) != 2 {
		return nil, st.fail("call source('source_name', 'table_name')", "source() takes 2 arguments, got %d", len(args))
	}
	sn, _ := jinja.Str(args[0])
	tn, _ := jinja.Str(args[1])
	if !st.execute {
		st.sources = append(st.sources, [2]string{sn, tn})
		return &relationValue{Schema: sn, Identifier: tn, rendered: sn + "." + tn}, nil
	}
	if st.unit != nil {
		return st.unitSource(sn, tn)
	}
	src, lerr := st.m.lookupSource(sn, tn, st.node)
	if lerr != nil {
		return nil, st.notFound(lerr)
	}
	rel := &relationValue{Database: src.Database, Schema: src.Schema, Identifier: src.Identifier, rendered: st.m.sourceRead(src), dialect: st.engine.dialect,
		quoting: st.engine.sourceReadQuoting(src), external: st.m.externalSources[src.UniqueID]}
	return st.eventTimeFilter(st.limitEmpty(rel), src.Config), nil
}

func fnVar(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	name, ok := argString(args, kw, 0, "name")
	if !ok {
		return nil, st.fail("", "var() needs a name")
	}
	if v, ok := st.unit.varOverride(name); ok {
		return templateValue(v), nil
	}
	v, found := st.engine.lookupVar(name, st.node)
	st.noteVar(name)
	if found {
		// As dbt: a string var holding Jinja is rendered when it is read,
		// in the reading node's context.
		if s, isStr := v.(string); isStr && (strings.Contains(s, "{{") || strings.Contains(s, "{%")) {
			out, err := st.renderString(s)
			if err != nil {
				return nil, st.fail("fix the Jinja in the var's value", "rendering var('%s'): %v", name, err)
			}
			return out, nil
		}
		return templateValue(v), nil
	}
	if d, ok := argAt(args, kw, 1, "default"); ok {
		return d, nil
	}
	if !st.execute && st.unit == nil && !st.strictVars {
		// dbt's parser reads a var nothing sets as None (ParseVar): a
		// node that needs it fails when it compiles, not a disabled one
		// when the project is parsed.
		return nil, nil
	}
	return nil, st.fail("pass it with --vars '{"+name+": ...}', declare it under vars: in dbt_project.yml, or give var() a default",
		"Required var '%s' not found in config", name)
}

// varObject is dbt's `var`: called, a var's value (fnVar);
// var.has_var(name) says whether the node's context sets the var.
type varObject struct{}

func (varObject) Call(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	return fnVar(s, args, kw)
}

func (varObject) GetAttr(name string) (any, bool) {
	if name == "has_var" {
		return jinja.Func(fnHasVar), true
	}
	return nil, false
}

func fnHasVar(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	name, ok := argString(args, kw, 0, "var_name")
	if !ok {
		return nil, st.fail("", "var.has_var() needs a name")
	}
	if _, ok := st.unit.varOverride(name); ok {
		return true, nil
	}
	_, found := st.engine.lookupVar(name, st.node)
	st.noteVar(name)
	return found, nil
}

// lookupVar applies dbt's precedence for the node's package: --vars, then
// the root project's vars (scoped to the package, then global), then, for
// a node of an installed package, that package's own dbt_project.yml vars
// (scoped, then global). A macro runs in the calling node's context, so a
// dbt_utils macro called from a root model reads the root project's vars,
// as in dbt.
func (e *engine) lookupVar(name string, n *Node) (any, bool) {
	if v, ok := e.opts.Vars[name]; ok {
		return v, true
	}
	pkg := e.proj.Config.Name
	if n != nil && n.Package != "" {
		pkg = n.Package
	}
	scoped := func(vars map[string]any) (any, bool) {
		if scope, ok := vars[pkg].(map[string]any); ok {
			if v, ok := scope[name]; ok {
				return v, true
			}
		}
		v, ok := vars[name]
		return v, ok
	}
	if v, ok := scoped(e.proj.Config.Vars); ok {
		return v, true
	}
	if pkg != e.proj.Config.Name {
		for _, p := range e.proj.Packages {
			if p.Name == pkg && p.Config != nil {
				return scoped(p.Config.Vars)
			}
		}
	}
	return nil, false
}

// targetReadName names the target among a render's env reads, and
// varReadPrefix a var() read: no env var's name holds a NUL.
const (
	targetReadName = "\x00target"
	varReadPrefix  = "\x00var:"
)

// noteVar records that the render read var name (found or not), for the
// render cache: a digest of the value, compared again as an env var read
// (Manifest.envSame), so that another --vars renders again only the
// renders that read a var it changed. A var holding Jinja is rendered in
// the render's own state, which records what that reads.
func (st *renderState) noteVar(name string) {
	key := varReadPrefix + name
	for _, r := range st.envReads {
		if r.Name == key {
			return
		}
	}
	v, found := st.engine.varKey(name, st.node)
	st.envReads = append(st.envReads, envRead{Name: key, Value: v, Set: found})
}

// varKey is a digest of the value var name has for node n's package (its
// type and Go syntax; maps print with their keys sorted), or false when
// the var is not set. It is computed once per package and name: most
// renders of a project read the same few vars.
func (e *engine) varKey(name string, n *Node) (string, bool) {
	pkg := e.proj.Config.Name
	if n != nil && n.Package != "" {
		pkg = n.Package
	}
	memo := pkg + "\x00" + name
	if k, ok := e.varKeys.Load(memo); ok {
		return k.(string), k.(string) != ""
	}
	key := ""
	if v, ok := e.lookupVar(name, n); ok {
		sum := sha256.Sum256([]byte(fmt.Sprintf("%T %#v", v, v)))
		key = hex.EncodeToString(sum[:16])
	}
	e.varKeys.Store(memo, key)
	return key, key != ""
}

// noteTarget records that the render read the target: the render cache
// compares it, as an env var read, with targetKey when it reuses the
// render. Nothing else of a render depends on the target but the
// relations and configs its keys already hold, and the adapter's type
// (the render cache's own key).
func (st *renderState) noteTarget() {
	if st == nil || st.targetRead {
		return
	}
	st.targetRead = true
	st.envReads = append(st.envReads, envRead{Name: targetReadName, Value: st.engine.targetKey, Set: true})
}

func fnEnvVar(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	name, ok := argString(args, kw, 0, "var")
	if !ok {
		return nil, st.fail("", "env_var() needs a name")
	}
	if secrets.IsSecretEnv(name) {
		// As dbt: a secret read here would land in compiled SQL, the
		// manifest and the warehouse.
		return nil, st.fail("read secrets only in profiles.yml (or packages.yml)",
			"Secret env vars are allowed only in profiles.yml or packages.yml: env_var('%s')", name)
	}
	if v, ok := st.unit.envOverride(name); ok {
		return v, nil
	}
	if st.engine.opts.Env != nil {
		v, ok := st.engine.opts.Env(name)
		st.envReads = append(st.envReads, envRead{Name: name, Value: v, Set: ok})
		if ok {
			return v, nil
		}
	} else {
		st.envReads = append(st.envReads, envRead{Name: name})
	}
	if d, ok := argAt(args, kw, 1, "default"); ok {
		return d, nil
	}
	return nil, st.fail("set the environment variable or give env_var() a default",
		"Env var required but not provided: '%s'", name)
}

func fnIsIncremental(s *jinja.State, _ []any, _ jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	if st.execute {
		st.volatile = true // it asks about the warehouse
	}
	if st.execute && st.incremental != nil {
		return *st.incremental, nil
	}
	if !st.execute || st.node == nil || st.engine.opts.IsIncremental == nil {
		return false, nil
	}
	return st.engine.opts.IsIncremental(st.ctx, st.node)
}

func fnLog(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	return sendMessage(s, args, func(o *Options) func(string) {
		if o.Log != nil && !argBool(args, kw, 1, "info", false) {
			// dbt's JinjaLogDebug; the render is not kept, as one that
			// logs, even when the debug level is not shown.
			if o.LogDebug != nil {
				return o.LogDebug
			}
			return func(string) {}
		}
		return o.Log
	})
}

// sendMessage gives a log() or print() message to the sink sinkOf picks
// from the options, while executing (nothing at parse time, or when the
// sink is nil). It returns "", what both render as.
func sendMessage(s *jinja.State, args []any, sinkOf func(*Options) func(string)) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	if len(args) == 0 || !st.execute {
		return "", nil
	}
	if st.m != nil && st.m.graph.ahead.Load() {
		// A render ahead of a run: the node is rendered again just
		// before it runs (volatile), and that render sends it, once, as
		// dbt's only render of it does.
		st.volatile = true
		return "", nil
	}
	sink := sinkOf(&st.engine.opts)
	if sink == nil {
		return "", nil
	}
	st.volatile = true // a cached render would not send it
	msg, _ := jinja.Str(args[0])
	sink(msg)
	return "", nil
}

// fnPrint is dbt's print(msg): msg on standard output, also under
// --quiet. As log() here, only while executing (a render at parse time
// prints nothing).
func fnPrint(s *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
	return sendMessage(s, args, func(o *Options) func(string) { return o.Print })
}

// fnReturn is dbt's return(value): the macro being called yields value.
func fnReturn(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
	var v any
	if len(args) > 0 {
		v = args[0]
	}
	return nil, jinja.ReturnValue(v)
}

// dateFunction is the adapter's date_function(): dbt-duckdb's and
// dbt-postgres' now(), Snowflake's and BigQuery's CURRENT_TIMESTAMP().
func dateFunction(dialect string) string {
	switch dialect {
	case "snowflake", "bigquery":
		return "CURRENT_TIMESTAMP()"
	}
	return "now()"
}

// fnDiffOfTwoDicts is dbt's diff_of_two_dicts(a, b): a's lists less the
// strings b has under the same key, both compared without case; keys and
// values keep a's case, and a key left with nothing is dropped.
func fnDiffOfTwoDicts(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	a, _ := argAt(args, kw, 0, "dict_a")
	b, _ := argAt(args, kw, 1, "dict_b")
	// A node's config (its grants) reaches templates as a Go map.
	asDict := func(v any) (*jinja.Dict, bool) {
		if m, ok := v.(map[string]any); ok {
			d := jinja.NewDict()
			for _, k := range sortedKeys(m) {
				d.Set(k, m[k])
			}
			return d, true
		}
		d, ok := v.(*jinja.Dict)
		return d, ok
	}
	da, ok1 := asDict(a)
	db, ok2 := asDict(b)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("diff_of_two_dicts() takes two dicts of lists of strings")
	}
	fold := func(v any) string { s, _ := jinja.Str(v); return strings.ToLower(s) }
	lowered := map[string]map[string]bool{}
	for k, v := range db.All() {
		set := map[string]bool{}
		items, _ := listItems(v)
		for _, x := range items {
			set[fold(x)] = true
		}
		lowered[fold(k)] = set
	}
	out := jinja.NewDict()
	for k, v := range da.All() {
		have, ok := lowered[fold(k)]
		if !ok {
			out.Set(k, v)
			continue
		}
		var diff []any
		items, _ := listItems(v)
		for _, x := range items {
			if !have[fold(x)] {
				diff = append(diff, x)
			}
		}
		if len(diff) > 0 {
			out.Set(k, jinja.NewList(diff...))
		}
	}
	return out, nil
}

// fnTryOrCompilerError is dbt's try_or_compiler_error(message, func,
// *args, **kwargs): func's result, or a compiler error with the message
// when it fails.
func fnTryOrCompilerError(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	if len(args) < 2 {
		return nil, fmt.Errorf("try_or_compiler_error() takes a message and a function")
	}
	msg, _ := jinja.Str(args[0])
	v, err := s.Call(args[1], args[2:], kw)
	if err != nil {
		return nil, &jinjaError{msg: msg}
	}
	return v, nil
}

func fnRaise(s *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
	msg := ""
	if len(args) > 0 {
		msg, _ = jinja.Str(args[0])
	}
	return nil, &jinjaError{msg: msg}
}

// fnAdapterMacro is adapter_macro, which dbt 0.18 replaced with
// adapter.dispatch: dbt keeps the name to refuse every call with its
// message (context/providers.py adapter_macro).
func fnAdapterMacro(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	name, _ := argString(args, kw, 0, "name")
	return nil, &jinjaError{
		msg:  `The "adapter_macro" macro has been deprecated. Instead, use the ` + "`adapter.dispatch`" + ` method to find a macro and call the result.  For more information, see: https://docs.getdbt.com/reference/dbt-jinja-functions/dispatch) adapter_macro was called for: ` + name,
		hint: "call adapter.dispatch('" + name + "')(...) instead",
	}
}

func fnWarn(s *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	// Parse renders too: it warns when executing, once (see sendMessage).
	if len(args) == 0 || !st.execute {
		return "", nil
	}
	st.volatile = true
	if st.m != nil && st.m.graph.ahead.Load() || st.engine.opts.Warn == nil {
		return "", nil
	}
	msg, _ := jinja.Str(args[0])
	if err := st.engine.opts.Warn(msg); err != nil {
		return nil, st.fail("remove the warning, or run without --warn-error", "%v", err)
	}
	return "", nil
}

func fnMD5(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
	if len(args) == 0 {
		return "", nil
	}
	s, _ := jinja.Str(args[0])
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:]), nil
}

// fnWhereSubquery is dbt's get_where_subquery(relation): the relation, or
// (select * from relation where <where>) dbt_subquery when the test has
// a `where` config.
func fnWhereSubquery(s *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	if len(args) == 0 {
		return "", nil
	}
	if n := st.node; n != nil && n.TestMetadata != nil && st.macroDepth == 0 && !st.engine.staticGenericTest(n) {
		// dbt's get_where_subquery is a macro the test's arguments call,
		// one of its dependencies (not for not_null and unique, whose
		// arguments dbt does not render at parse time).
		if !st.execute {
			st.dependOn("macro.dbt.get_where_subquery")
		}
		// The render cache finds no macro file for it (elt runs it in
		// Go), so such a test renders again whenever a macro file
		// changes or is added: the dbt built-ins its test macro reaches
		// (dbt.hash, then a type_string a new file may override) are not
		// among the macros a render records.
		st.useMacro("macro.dbt.get_where_subquery")
	}
	rel := args[0]
	where, _ := st.currentConfig()["where"].(string)
	if where == "" {
		return rel, nil
	}
	if strings.Contains(where, "{{") || strings.Contains(where, "{%") {
		out, err := st.renderString(where)
		if err != nil {
			return nil, st.fail("", "rendering the where config: %v", err)
		}
		where = out
	}
	rs, _ := jinja.Str(rel)
	return fmt.Sprintf("(select * from %s where %s) dbt_subquery", rs, where), nil
}

// dbtFilters are dbt's extra Jinja filters as SQL and macros see them (its
// TEXT_FILTERS): as_bool, as_number, as_native and as_text give their input
// unchanged (only YAML values convert, through project's native markers),
// and is_list tells a list.
func dbtFilters() map[string]jinja.FilterFunc {
	same := func(_ *jinja.State, in any, _ []any, _ jinja.Kwargs) (any, error) { return in, nil }
	return map[string]jinja.FilterFunc{
		"as_bool":   same,
		"as_number": same,
		"as_text":   same,
		"as_native": same,
		"is_list":   isListFilter,
	}
}

// dbtNativeFilters are the filters of dbt's native environment, where
// generic tests' arguments render (project.NativeFilters).
func dbtNativeFilters() map[string]jinja.FilterFunc { return project.NativeFilters() }

// isListFilter is dbt's is_list filter: isinstance(value, list).
func isListFilter(_ *jinja.State, in any, _ []any, _ jinja.Kwargs) (any, error) {
	return jinja.IsList(in), nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// builtinRef is builtins.ref: ref itself and, as dbt's ref object has,
// its config: the invocation's runtime config, of which elt gives what
// packages read: adapter.config's keys, each project's version by name
// (builtins.ref.config.dependencies['elementary'].version), the
// project's vars: block as written (vars.to_dict()), the invocation's
// --vars (cli_vars) and model_paths.
type builtinRef struct {
	e  *engine
	st *renderState
}

func (r builtinRef) Call(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	return fnRef(s, args, kw)
}

func (r builtinRef) GetAttr(name string) (any, bool) {
	if name != "config" {
		return nil, false
	}
	if r.st != nil {
		// It shows the invocation's vars and target: no render that
		// reads it is kept.
		r.st.volatile = true
	}
	root := r.e.proj.Config
	deps := map[string]any{root.Name: map[string]any{"project_name": root.Name, "version": root.Version}}
	for _, p := range r.e.proj.Packages {
		deps[p.Name] = map[string]any{"project_name": p.Name, "version": p.Config.Version}
	}
	cfg := r.e.adapterConfig()
	cfg["dependencies"] = deps
	// The project's vars: block as written (dbt's VarProvider, read with
	// to_dict()) and the invocation's --vars.
	vars := map[string]any{}
	for k, v := range root.Vars {
		vars[k] = v
	}
	cfg["vars"] = ObjectValue(vars)
	cliVars := map[string]any{}
	for k, v := range r.e.opts.Vars {
		cliVars[k] = v
	}
	cfg["cli_vars"] = cliVars
	cfg["model_paths"] = toAnyList(root.ModelPaths)
	return cfg, true
}

// adapterConfig is adapter.config, dbt's RuntimeConfig, as far as
// packages read it: the project's quoting: (adapter.config.quoting.database),
// its name, and the target's name, profile and threads.
func (e *engine) adapterConfig() map[string]any {
	quoting := map[string]any{}
	cfg := map[string]any{"quoting": quoting}
	if e.proj != nil && e.proj.Config != nil {
		for k, v := range e.proj.Config.Quoting {
			quoting[k] = v
		}
		cfg["project_name"] = e.proj.Config.Name
	}
	if t := e.target; t != nil {
		cfg["target_name"], cfg["profile_name"], cfg["threads"] = t.Name, t.ProfileName, int64(t.Threads)
	}
	return cfg
}

// staticGenericTest reports whether n is dbt's own not_null or unique
// test, which dbt parses without rendering.
func (e *engine) staticGenericTest(n *Node) bool {
	if name := n.TestMetadata.Name; name != "not_null" && name != "unique" {
		return false
	}
	def, ok := e.testMacro(n.TestMetadata.Namespace, "test_"+n.TestMetadata.Name)
	return ok && internalPackages[def.meta.Package]
}

// TypeName is the class of the adapter's relation as dbt's adapters name
// it (DuckDBRelation, PostgresRelation...), for the messages that name it.
func (r *relationValue) TypeName() string {
	if r.dialect == nil {
		return "BaseRelation"
	}
	switch t := r.dialect.Type(); t {
	case "duckdb":
		return "DuckDBRelation"
	case "postgres":
		return "PostgresRelation"
	case "snowflake":
		return "SnowflakeRelation"
	case "bigquery":
		return "BigQueryRelation"
	default:
		return "BaseRelation"
	}
}
