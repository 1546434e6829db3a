package compiler

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/nikolalohinski/gonja/v2/exec"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/secrets"
	"github.com/elt-dev/elt/project"
)

// jfn is the shape of every function elt puts into the Jinja context: it
// receives the evaluator (to find the render state) and the raw arguments.
type jfn = func(*exec.Evaluator, *exec.VarArgs) *exec.Value

// renderState is everything one render of one node needs and captures.
// A render runs on one goroutine; states are never shared.
type renderState struct {
	engine  *engine
	m       *Manifest
	node    *Node // nil for CallMacro
	execute bool
	root    *exec.Context
	ctx     context.Context // for run_query and statement

	// Set by RenderBatch: the batch window (refs and sources with an
	// event_time are filtered to it) and is_incremental()'s answer.
	batch       *batchWindow
	incremental *bool

	// statement('name') results for load_result('name').
	results map[string]*queryResult

	// Captured in parse mode.
	refs     []Ref
	sources  [][2]string
	inFile   project.Config
	macros   []string
	macroSet map[string]bool

	fatal    error // the first error raised by an elt builtin, with its message intact
	warnings diag.List
	depth    int
}

// jinjaError is an error raised by an elt builtin (unknown ref, missing var,
// raise_compiler_error); the render reports it with the node's file:line.
type jinjaError struct {
	msg, hint string
	line      int // 0: take the line from gonja's message
}

func (e *jinjaError) Error() string { return e.msg }

func (st *renderState) fail(line int, hint, format string, args ...any) *exec.Value {
	err := &jinjaError{msg: fmt.Sprintf(format, args...), hint: hint, line: line}
	if st.fatal == nil {
		st.fatal = err
	}
	return exec.AsValue(err)
}

func (st *renderState) useMacro(id string) {
	if st.macroSet == nil {
		st.macroSet = map[string]bool{}
	}
	if !st.macroSet[id] {
		st.macroSet[id] = true
		st.macros = append(st.macros, id)
	}
}

func (st *renderState) file() string {
	if st.node == nil {
		return ""
	}
	return st.node.OriginalFilePath
}

// lineOf finds the line of the first call fn('arg' in the node's raw code,
// so errors from ref(), source() and var() point where the user wrote them.
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

// newState prepares the context of one render. Node-specific values live
// in a child of the shared globals, which are never written.
func (e *engine) newState(m *Manifest, n *Node, execute bool) *renderState {
	st := &renderState{engine: e, m: m, node: n, execute: execute, ctx: context.Background()}
	root := exec.NewContext(e.globals).Inherit()
	root.Set(stateKey, st)
	root.Set("execute", execute)
	root.Set("config", st.configObject())
	if n != nil {
		root.Set("model", &nodeView{n: n, st: st})
		if n.RelationName != "" || execute {
			this := relationOf(n)
			this.dialect = e.dialect
			root.Set("this", this)
		} else {
			root.Set("this", &relationValue{Identifier: n.Name, rendered: n.Name})
		}
	}
	st.root = root
	return st
}

func (st *renderState) evaluator() *exec.Evaluator {
	e := st.engine
	return &exec.Evaluator{
		Config: e.cfg,
		Environment: &exec.Environment{
			Context:           st.root.Inherit(),
			Filters:           e.env.Filters,
			Tests:             e.env.Tests,
			ControlStructures: e.env.ControlStructures,
			Methods:           e.env.Methods,
		},
	}
}

// render executes a parsed template in this state.
func (st *renderState) render(tpl *exec.Template) (string, error) {
	e := st.engine
	var b strings.Builder
	env := &exec.Environment{
		Context:           st.root.Inherit(),
		Filters:           e.env.Filters,
		Tests:             e.env.Tests,
		ControlStructures: e.env.ControlStructures,
		Methods:           e.env.Methods,
	}
	r := exec.NewRenderer(env, &b, e.cfg, nil, tpl)
	if err := r.Execute(); err != nil {
		return "", err
	}
	return b.String(), nil
}

// renderBody executes a node's body from a batch template.
func (st *renderState) renderBody(nt *nodeTemplate) (string, error) {
	e := st.engine
	var b strings.Builder
	r := &exec.Renderer{
		Config: e.cfg,
		Environment: &exec.Environment{
			Context:           st.root.Inherit(),
			Filters:           e.env.Filters,
			Tests:             e.env.Tests,
			ControlStructures: e.env.ControlStructures,
			Methods:           e.env.Methods,
		},
		Template: nt.tpl,
		RootNode: nt.tpl.Root(),
		Output:   &b,
	}
	if err := r.ExecuteWrapper(nt.body.Wrapper); err != nil {
		return "", err
	}
	return b.String(), nil
}

// invoke calls a macro by name from Go.
func (st *renderState) invoke(name string, args []any, kwargs map[string]any) (*exec.Value, error) {
	def, ok := st.engine.macros[name]
	if !ok {
		return nil, fmt.Errorf("macro %q is not defined", name)
	}
	va := exec.NewVarArgs()
	for _, a := range args {
		va.Args = append(va.Args, exec.AsValue(a))
	}
	for k, v := range kwargs {
		va.KwArgs[k] = exec.AsValue(v)
	}
	v := def.fn(st.evaluator(), va)
	if v.IsError() {
		if st.fatal != nil {
			return nil, st.fatal
		}
		return nil, fmt.Errorf("%s", cleanGonjaMessage(v.Error()))
	}
	return v, nil
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
}

func (r *relationValue) String() string { return r.rendered }

func (r *relationValue) GetAttribute(name string) (*exec.Value, bool) {
	switch name {
	case "database":
		return exec.AsValue(r.Database), true
	case "schema":
		return exec.AsValue(r.Schema), true
	case "identifier", "name", "table":
		return exec.AsValue(r.Identifier), true
	case "render":
		return exec.AsValue(func(*exec.VarArgs) *exec.Value { return exec.AsValue(r.rendered) }), true
	case "include":
		return exec.AsValue(r.include), true
	case "incorporate", "quote":
		return exec.AsValue(func(*exec.VarArgs) *exec.Value { return exec.AsValue(r) }), true
	case "type":
		if r.Type == "" {
			return exec.AsValue(nil), true
		}
		return exec.AsValue(r.Type), true
	case "is_table":
		return exec.AsValue(r.Type == "table"), true
	case "is_view":
		return exec.AsValue(r.Type == "view"), true
	case "is_materialized_view":
		return exec.AsValue(r.Type == "materialized_view"), true
	case "is_cte":
		return exec.AsValue(strings.HasPrefix(r.Identifier, "__dbt__cte__")), true
	}
	return exec.AsValue(nil), false
}

func relationOf(n *Node) *relationValue {
	if n.RelationName == "" && isEphemeral(n) {
		name := cteName(n.Name)
		return &relationValue{Identifier: name, rendered: name}
	}
	return &relationValue{Database: n.Relation.Database, Schema: n.Relation.Schema, Identifier: n.Relation.Identifier, rendered: n.RelationName}
}

func cteName(name string) string { return "__dbt__cte__" + name }

// nodeView exposes a node to Jinja as dbt's `model` / `node` object.
type nodeView struct {
	n  *Node
	st *renderState
}

func (v *nodeView) String() string { return v.n.UniqueID }

func (v *nodeView) GetItem(key any) (*exec.Value, bool) {
	if s, ok := key.(string); ok {
		return v.GetAttribute(s)
	}
	return exec.AsValue(nil), false
}

func (v *nodeView) GetAttribute(name string) (*exec.Value, bool) {
	n := v.n
	switch name {
	case "name":
		return exec.AsValue(n.Name), true
	case "unique_id":
		return exec.AsValue(n.UniqueID), true
	case "resource_type":
		return exec.AsValue(string(n.ResourceType)), true
	case "package_name":
		return exec.AsValue(n.Package), true
	case "path":
		return exec.AsValue(n.Path), true
	case "original_file_path":
		return exec.AsValue(n.OriginalFilePath), true
	case "fqn":
		return exec.AsValue(toAnyList(n.FQN)), true
	case "raw_code", "raw_sql":
		return exec.AsValue(n.RawCode), true
	case "config":
		return exec.AsValue(map[string]any(v.st.currentConfig())), true
	case "tags":
		return exec.AsValue(v.st.currentConfig()["tags"]), true
	case "alias":
		return exec.AsValue(n.Relation.Identifier), true
	case "schema":
		return exec.AsValue(n.Relation.Schema), true
	case "database":
		return exec.AsValue(n.Relation.Database), true
	case "description":
		return exec.AsValue(n.Description), true
	case "meta":
		return exec.AsValue(n.Meta), true
	case "version":
		return exec.AsValue(nil), true
	case "batch":
		// dbt's model.batch is None outside a microbatch batch; an empty
		// mapping is just as falsy and lets an unguarded
		// model.batch.event_time_start render empty at parse time.
		if v.st.batch == nil {
			return exec.AsValue(map[string]any{}), true
		}
		return exec.AsValue(v.st.batch.jinja()), true
	case "relation_name":
		return exec.AsValue(n.RelationName), true
	case "depends_on":
		return exec.AsValue(map[string]any{"nodes": toAnyList(n.DependsOn.Nodes), "macros": toAnyList(n.DependsOn.Macros)}), true
	case "refs":
		var out []any
		for _, r := range n.Refs {
			out = append(out, map[string]any{"name": r.Name, "package": r.Package})
		}
		return exec.AsValue(out), true
	case "compiled_code", "compiled_sql":
		return exec.AsValue(n.CompiledCode), true
	case "columns":
		cols := map[string]any{}
		for _, c := range n.Columns {
			cols[c.Name] = map[string]any{"name": c.Name, "description": c.Description, "data_type": c.DataType}
		}
		return exec.AsValue(cols), true
	case "get":
		return exec.AsValue(func(va *exec.VarArgs) *exec.Value {
			if len(va.Args) == 0 {
				return exec.AsValue(nil)
			}
			if val, ok := v.GetAttribute(va.Args[0].String()); ok {
				return val
			}
			if len(va.Args) > 1 {
				return va.Args[1]
			}
			return exec.AsValue(nil)
		}), true
	}
	return exec.AsValue(nil), false
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
	return mergeConfig(st.node.Config, st.inFile)
}

// configFn is config(): callable, with .get and .require attributes.
// Called with a nil evaluator it hands back its render state, which is how
// GetAttribute (which gets no arguments) finds it.
type configFn func(*exec.Evaluator, *exec.VarArgs) *exec.Value

func (c configFn) GetAttribute(name string) (*exec.Value, bool) {
	st, _ := c(nil, nil).Interface().(*renderState)
	if st == nil {
		return exec.AsValue(nil), false
	}
	switch name {
	case "get":
		return exec.AsValue(func(va *exec.VarArgs) *exec.Value {
			if len(va.Args) == 0 {
				return st.fail(0, "", "config.get() needs a key")
			}
			key := va.Args[0].String()
			if v, ok := st.currentConfig()[key]; ok && v != nil {
				return exec.AsValue(v)
			}
			if len(va.Args) > 1 {
				return va.Args[1]
			}
			if d, ok := va.KwArgs["default"]; ok {
				return d
			}
			return exec.AsValue(nil)
		}), true
	case "require":
		return exec.AsValue(func(va *exec.VarArgs) *exec.Value {
			if len(va.Args) == 0 {
				return st.fail(0, "", "config.require() needs a key")
			}
			key := va.Args[0].String()
			if v, ok := st.currentConfig()[key]; ok && v != nil {
				return exec.AsValue(v)
			}
			return st.fail(0, "set it in config() or dbt_project.yml", "required config %q was not set", key)
		}), true
	case "set":
		return exec.AsValue(func(va *exec.VarArgs) *exec.Value {
			if len(va.Args) == 2 && !st.execute {
				if st.inFile == nil {
					st.inFile = project.Config{}
				}
				st.inFile[va.Args[0].String()] = toGo(va.Args[1])
			}
			return exec.AsValue("")
		}), true
	}
	return exec.AsValue(nil), false
}

func (st *renderState) configObject() configFn {
	return func(ev *exec.Evaluator, va *exec.VarArgs) *exec.Value {
		if ev == nil && va == nil {
			return exec.AsValue(st)
		}
		if st.execute {
			return exec.AsValue("")
		}
		add := project.Config{}
		for _, a := range va.Args {
			if m, ok := toGo(a).(map[string]any); ok {
				for k, v := range m {
					add[normaliseKey(k)] = v
				}
			}
		}
		for k, v := range va.KwArgs {
			add[normaliseKey(k)] = toGo(v)
		}
		st.inFile = mergeConfig(st.inFile, add)
		return exec.AsValue("")
	}
}

func normaliseKey(k string) string { return strings.ReplaceAll(k, "-", "_") }

// toGo turns a Jinja value into plain Go values (maps, slices, scalars).
func toGo(v *exec.Value) any {
	if v == nil || v.IsNil() {
		return nil
	}
	switch x := v.Interface().(type) {
	case *relationValue:
		return x.rendered
	case *nodeView:
		return x.n.UniqueID
	case *exec.Dict:
		out := make(map[string]any, len(x.Pairs))
		for _, p := range x.Pairs {
			out[p.Key.String()] = toGo(p.Value)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[k] = toGo(exec.ToValue(val))
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = toGo(exec.ToValue(val))
		}
		return out
	case string, bool, int, int64, float64:
		return x
	}
	if v.IsList() {
		out := make([]any, 0, v.Len())
		for i := 0; i < v.Len(); i++ {
			out = append(out, toGo(v.Index(i)))
		}
		return out
	}
	if v.IsDict() {
		out := map[string]any{}
		for _, p := range v.Items() {
			out[p.Key.String()] = toGo(p.Value)
		}
		return out
	}
	if v.IsError() {
		return v.Error()
	}
	return v.ToGoSimpleType(false)
}

func toAnyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// buildGlobals fills the shared, read-only context: dbt's builtins and
// every macro by name.
func (e *engine) buildGlobals() {
	g := map[string]any{}
	for k, v := range builtinsGlobalContext() {
		g[k] = v
	}
	g["ref"] = jfn(fnRef)
	g["source"] = jfn(fnSource)
	g["var"] = jfn(fnVar)
	g["env_var"] = jfn(fnEnvVar)
	g["is_incremental"] = jfn(fnIsIncremental)
	g["log"] = jfn(fnLog)
	g["print"] = jfn(fnLog)
	g["return"] = jfn(fnReturn)
	g["tojson"] = jfn(fnToJSON)
	g["fromjson"] = jfn(fnFromJSON)
	g["zip"] = jfn(fnZip)
	g["local_md5"] = jfn(fnMD5)
	g["get_where_subquery"] = jfn(fnWhereSubquery)
	g["run_query"] = jfn(fnRunQuery)
	g["statement"] = jfn(fnStatement)
	g["load_result"] = jfn(fnLoadResult)
	g["dbt_version"] = "1.9.0"
	g["project_name"] = e.proj.Config.Name
	g["invocation_id"] = e.opts.InvocationID
	started := e.opts.RunStartedAt
	if started.IsZero() {
		started = time.Now()
	}
	g["run_started_at"] = &timeValue{started.UTC()}
	g["target"] = e.targetMap()
	g["exceptions"] = map[string]any{
		"raise_compiler_error":     jfn(fnRaise),
		"raise_not_implemented":    jfn(fnRaise),
		"raise_fail_fast_error":    jfn(fnRaise),
		"warn":                     jfn(fnWarn),
		"raise_database_error":     jfn(fnRaise),
		"raise_dependency_error":   jfn(fnRaise),
		"column_type_missing":      jfn(fnRaise),
		"relation_wrong_type":      jfn(fnRaise),
		"raise_contract_error":     jfn(fnRaise),
		"raise_ambiguous_alias":    jfn(fnRaise),
		"missing_materialization":  jfn(fnRaise),
		"raise_duplicate_resource": jfn(fnRaise),
	}
	dialect := e.dialect
	g["adapter"] = map[string]any{
		"quote": func(va *exec.VarArgs) *exec.Value {
			if len(va.Args) == 0 {
				return exec.AsValue("")
			}
			return exec.AsValue(dialect.Quote(va.Args[0].String()))
		},
		"type":                    func(*exec.VarArgs) *exec.Value { return exec.AsValue(dialect.Type()) },
		"dispatch":                jfn(fnDispatch),
		"get_relation":            jfn(fnGetRelation),
		"get_columns_in_relation": jfn(fnGetColumns),
		"load_relation":           jfn(fnLoadRelation),
	}
	g["load_relation"] = jfn(fnLoadRelation)
	g["load_cached_relation"] = jfn(fnLoadRelation)
	g["api"] = map[string]any{
		"Relation": map[string]any{"create": e.createRelation},
	}
	g["modules"] = modulesObject()
	for name, def := range e.macros {
		g[name] = def.fn
	}
	g["dbt"] = e.dbtNamespace()
	e.globals = g
}

func builtinsGlobalContext() map[string]any {
	// gonja's own globals (namespace, range, dict, cycler, joiner...).
	out := map[string]any{}
	for _, name := range []string{"namespace", "range", "dict", "cycler", "joiner", "lipsum"} {
		if v, ok := gonjaGlobals().Get(name); ok {
			out[name] = v
		}
	}
	return out
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

func stateFrom(ev *exec.Evaluator) *renderState {
	if ev == nil {
		return nil
	}
	return stateOf(ev.Environment.Context)
}

func argString(va *exec.VarArgs, i int, kw string) (string, bool) {
	if i < len(va.Args) {
		return va.Args[i].String(), true
	}
	if v, ok := va.KwArgs[kw]; ok {
		return v.String(), true
	}
	return "", false
}

func fnRef(ev *exec.Evaluator, va *exec.VarArgs) *exec.Value {
	st := stateFrom(ev)
	var r Ref
	switch len(va.Args) {
	case 1:
		r.Name = va.Args[0].String()
	case 2:
		r.Package, r.Name = va.Args[0].String(), va.Args[1].String()
	default:
		return st.fail(0, "call ref('model') or ref('package', 'model')", "ref() takes 1 or 2 arguments, got %d", len(va.Args))
	}
	for _, k := range []string{"v", "version"} {
		if v, ok := va.KwArgs[k]; ok {
			r.Version = v.String()
		}
	}
	if !st.execute {
		st.refs = append(st.refs, r)
		return exec.AsValue(&relationValue{Identifier: r.Name, rendered: r.Name})
	}
	target, err := st.m.lookupRef(r, st.node)
	if err != nil {
		return st.fail(st.lineOf("ref", r.Name), err.hint, "%s", err.msg)
	}
	rel := relationOf(target)
	rel.dialect = st.engine.dialect
	return exec.AsValue(st.batch.filter(rel, target.Config))
}

func fnSource(ev *exec.Evaluator, va *exec.VarArgs) *exec.Value {
	st := stateFrom(ev)
	if len(va.Args) != 2 {
		return st.fail(0, "call source('source_name', 'table_name')", "source() takes 2 arguments, got %d", len(va.Args))
	}
	s, t := va.Args[0].String(), va.Args[1].String()
	if !st.execute {
		st.sources = append(st.sources, [2]string{s, t})
		return exec.AsValue(&relationValue{Schema: s, Identifier: t, rendered: s + "." + t})
	}
	src, err := st.m.lookupSource(s, t)
	if err != nil {
		return st.fail(st.lineOf("source", s, t), err.hint, "%s", err.msg)
	}
	rel := &relationValue{Database: src.Database, Schema: src.Schema, Identifier: src.Identifier, rendered: st.m.SourceRelations[src.UniqueID], dialect: st.engine.dialect}
	return exec.AsValue(st.batch.filter(rel, src.Config))
}

func fnVar(ev *exec.Evaluator, va *exec.VarArgs) *exec.Value {
	st := stateFrom(ev)
	name, ok := argString(va, 0, "name")
	if !ok {
		return st.fail(0, "", "var() needs a name")
	}
	if v, ok := st.engine.lookupVar(name, st.node); ok {
		// As dbt: a string var holding Jinja is rendered when it is read,
		// in the reading node's context.
		if s, isStr := v.(string); isStr && (strings.Contains(s, "{{") || strings.Contains(s, "{%")) {
			out, err := st.renderString(s)
			if err != nil {
				return st.fail(st.lineOf("var", name), "fix the Jinja in the var's value", "rendering var('%s'): %v", name, err)
			}
			return exec.AsValue(out)
		}
		return exec.AsValue(v)
	}
	if len(va.Args) > 1 {
		return va.Args[1]
	}
	if d, ok := va.KwArgs["default"]; ok {
		return d
	}
	return st.fail(st.lineOf("var", name), "pass it with --vars '{"+name+": ...}', declare it under vars: in dbt_project.yml, or give var() a default",
		"Required var '%s' not found in config", name)
}

// lookupVar applies dbt's precedence: --vars, then the node's package scope
// in dbt_project.yml vars, then global project vars.
func (e *engine) lookupVar(name string, n *Node) (any, bool) {
	if v, ok := e.opts.Vars[name]; ok {
		return v, true
	}
	vars := e.proj.Config.Vars
	pkg := e.proj.Config.Name
	if n != nil && n.Package != "" {
		pkg = n.Package
	}
	if scope, ok := vars[pkg].(map[string]any); ok {
		if v, ok := scope[name]; ok {
			return v, true
		}
	}
	if v, ok := vars[name]; ok {
		return v, true
	}
	return nil, false
}

func fnEnvVar(ev *exec.Evaluator, va *exec.VarArgs) *exec.Value {
	st := stateFrom(ev)
	name, ok := argString(va, 0, "var")
	if !ok {
		return st.fail(0, "", "env_var() needs a name")
	}
	if secrets.IsSecretEnv(name) {
		// As dbt: a secret read here would land in compiled SQL, the
		// manifest and the warehouse.
		return st.fail(st.lineOf("env_var", name), "read secrets only in profiles.yml (or packages.yml)",
			"Secret env vars are allowed only in profiles.yml or packages.yml: env_var('%s')", name)
	}
	if st.engine.opts.Env != nil {
		if v, ok := st.engine.opts.Env(name); ok {
			return exec.AsValue(v)
		}
	}
	if len(va.Args) > 1 {
		return va.Args[1]
	}
	if d, ok := va.KwArgs["default"]; ok {
		return d
	}
	return st.fail(st.lineOf("env_var", name), "set the environment variable or give env_var() a default",
		"Env var required but not provided: '%s'", name)
}

func fnIsIncremental(ev *exec.Evaluator, va *exec.VarArgs) *exec.Value {
	st := stateFrom(ev)
	if st.execute && st.incremental != nil {
		return exec.AsValue(*st.incremental)
	}
	if !st.execute || st.node == nil || st.engine.opts.IsIncremental == nil {
		return exec.AsValue(false)
	}
	return exec.AsValue(st.engine.opts.IsIncremental(st.node))
}

func fnLog(ev *exec.Evaluator, va *exec.VarArgs) *exec.Value {
	st := stateFrom(ev)
	if len(va.Args) == 0 || st.engine.opts.Log == nil || !st.execute {
		return exec.AsValue("")
	}
	info := len(va.Args) > 1 && va.Args[1].IsTrue()
	if v, ok := va.KwArgs["info"]; ok {
		info = v.IsTrue()
	}
	if info {
		st.engine.opts.Log(va.Args[0].String())
	}
	return exec.AsValue("")
}

func fnReturn(ev *exec.Evaluator, va *exec.VarArgs) *exec.Value {
	f, _ := ev.Environment.Context.Get(frameKey)
	frame, _ := f.(*macroFrame)
	if frame == nil {
		return exec.AsValue(returnSignal{})
	}
	frame.returned = true
	if len(va.Args) > 0 {
		frame.value = unwrapValue(va.Args[0])
	}
	// Stop the macro body: the error unwinds to the macro wrapper, which
	// sees frame.returned and hands back the value instead.
	return exec.AsValue(returnSignal{})
}

// unwrapValue keeps gonja dict literals usable (as Go maps) after return().
func unwrapValue(v *exec.Value) any {
	if d, ok := v.Interface().(*exec.Dict); ok {
		return toGo(exec.AsValue(d))
	}
	return v.Interface()
}

func fnRaise(ev *exec.Evaluator, va *exec.VarArgs) *exec.Value {
	st := stateFrom(ev)
	msg := ""
	if len(va.Args) > 0 {
		msg = va.Args[0].String()
	}
	return st.fail(0, "", "%s", msg)
}

func fnWarn(ev *exec.Evaluator, va *exec.VarArgs) *exec.Value {
	st := stateFrom(ev)
	if len(va.Args) > 0 && st.execute { // parse renders too; warn once
		st.warnings.Add(diag.Warnf(st.file(), diag.Pos{}, "", "%s", va.Args[0].String()))
	}
	return exec.AsValue("")
}

func fnToJSON(ev *exec.Evaluator, va *exec.VarArgs) *exec.Value {
	if len(va.Args) == 0 {
		return exec.AsValue("null")
	}
	var b strings.Builder
	if err := pyJSON(&b, toGo(va.Args[0])); err != nil {
		return exec.AsValue(err)
	}
	return exec.AsValue(b.String())
}

func fnFromJSON(ev *exec.Evaluator, va *exec.VarArgs) *exec.Value {
	if len(va.Args) == 0 {
		return exec.AsValue(nil)
	}
	var out any
	if err := json.Unmarshal([]byte(va.Args[0].String()), &out); err != nil {
		if len(va.Args) > 1 {
			return va.Args[1]
		}
		return exec.AsValue(nil)
	}
	return exec.AsValue(jsonNumbers(out))
}

// jsonNumbers turns whole float64s into ints, as Python's json does.
func jsonNumbers(v any) any {
	switch x := v.(type) {
	case float64:
		if x == float64(int64(x)) {
			return int(x)
		}
	case map[string]any:
		for k, val := range x {
			x[k] = jsonNumbers(val)
		}
	case []any:
		for i, val := range x {
			x[i] = jsonNumbers(val)
		}
	}
	return v
}

func fnZip(ev *exec.Evaluator, va *exec.VarArgs) *exec.Value {
	var lists [][]any
	for _, a := range va.Args {
		l, _ := toGo(a).([]any)
		lists = append(lists, l)
	}
	var out []any
	for i := 0; len(lists) > 0; i++ {
		row := make([]any, 0, len(lists))
		for _, l := range lists {
			if i >= len(l) {
				return exec.AsValue(out)
			}
			row = append(row, l[i])
		}
		out = append(out, row)
	}
	return exec.AsValue(out)
}

func fnMD5(ev *exec.Evaluator, va *exec.VarArgs) *exec.Value {
	if len(va.Args) == 0 {
		return exec.AsValue("")
	}
	sum := md5.Sum([]byte(va.Args[0].String()))
	return exec.AsValue(hex.EncodeToString(sum[:]))
}

// fnWhereSubquery is dbt's get_where_subquery(relation): the relation, or
// (select * from relation where <where>) dbt_subquery when the test has
// a `where` config.
func fnWhereSubquery(ev *exec.Evaluator, va *exec.VarArgs) *exec.Value {
	st := stateFrom(ev)
	if len(va.Args) == 0 {
		return exec.AsValue("")
	}
	rel := va.Args[0]
	where, _ := st.currentConfig()["where"].(string)
	if where == "" {
		return rel
	}
	if strings.Contains(where, "{{") || strings.Contains(where, "{%") {
		out, err := st.renderString(where)
		if err != nil {
			return st.fail(0, "", "rendering the where config: %v", err)
		}
		where = out
	}
	return exec.AsValue(fmt.Sprintf("(select * from %s where %s) dbt_subquery", rel.String(), where))
}

// timeValue is run_started_at and modules.datetime values: prints like
// Python's str(datetime) and has strftime/isoformat.
type timeValue struct{ t time.Time }

// String is Python's str(datetime): microseconds only when not zero.
func (tv *timeValue) String() string {
	return pyDatetime(tv.t)
}

func pyDatetime(t time.Time) string {
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02 15:04:05-07:00")
	}
	return t.Format("2006-01-02 15:04:05.000000-07:00")
}

func (tv *timeValue) GetAttribute(name string) (*exec.Value, bool) {
	t := tv.t
	switch name {
	case "strftime":
		return exec.AsValue(func(va *exec.VarArgs) *exec.Value {
			if len(va.Args) == 0 {
				return exec.AsValue("")
			}
			return exec.AsValue(strftime(t, va.Args[0].String()))
		}), true
	case "isoformat":
		return exec.AsValue(func(*exec.VarArgs) *exec.Value {
			return exec.AsValue(t.Format("2006-01-02T15:04:05.000000-07:00"))
		}), true
	case "timestamp":
		return exec.AsValue(func(*exec.VarArgs) *exec.Value { return exec.AsValue(float64(t.UnixNano()) / 1e9) }), true
	case "year":
		return exec.AsValue(t.Year()), true
	case "month":
		return exec.AsValue(int(t.Month())), true
	case "day":
		return exec.AsValue(t.Day()), true
	case "hour":
		return exec.AsValue(t.Hour()), true
	case "minute":
		return exec.AsValue(t.Minute()), true
	case "second":
		return exec.AsValue(t.Second()), true
	}
	return exec.AsValue(nil), false
}

// strftime supports the common Python directives.
func strftime(t time.Time, f string) string {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 == len(f) {
			b.WriteByte(f[i])
			continue
		}
		i++
		switch f[i] {
		case 'Y':
			fmt.Fprintf(&b, "%04d", t.Year())
		case 'y':
			fmt.Fprintf(&b, "%02d", t.Year()%100)
		case 'm':
			fmt.Fprintf(&b, "%02d", int(t.Month()))
		case 'd':
			fmt.Fprintf(&b, "%02d", t.Day())
		case 'H':
			fmt.Fprintf(&b, "%02d", t.Hour())
		case 'I':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			fmt.Fprintf(&b, "%02d", h)
		case 'M':
			fmt.Fprintf(&b, "%02d", t.Minute())
		case 'S':
			fmt.Fprintf(&b, "%02d", t.Second())
		case 'f':
			fmt.Fprintf(&b, "%06d", t.Nanosecond()/1000)
		case 'p':
			b.WriteString(t.Format("PM"))
		case 'j':
			fmt.Fprintf(&b, "%03d", t.YearDay())
		case 'a':
			b.WriteString(t.Format("Mon"))
		case 'A':
			b.WriteString(t.Format("Monday"))
		case 'b':
			b.WriteString(t.Format("Jan"))
		case 'B':
			b.WriteString(t.Format("January"))
		case 'z':
			b.WriteString(t.Format("-0700"))
		case 'Z':
			b.WriteString(t.Format("MST"))
		case 's':
			fmt.Fprintf(&b, "%d", t.Unix())
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(f[i])
		}
	}
	return b.String()
}

// dbtFilters are dbt's extra Jinja filters.
func dbtFilters() map[string]exec.FilterFunction {
	return map[string]exec.FilterFunction{
		"as_bool": func(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
			if in.IsString() {
				return exec.AsValue(strings.EqualFold(strings.TrimSpace(in.String()), "true"))
			}
			return exec.AsValue(in.IsTrue())
		},
		"as_number": func(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
			if in.IsString() {
				if strings.Contains(in.String(), ".") {
					return exec.AsValue(in.Float())
				}
				return exec.AsValue(in.Integer())
			}
			return in
		},
		"as_text": func(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
			return exec.AsValue(in.String())
		},
		"as_native": func(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value { return in },
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// pyJSON writes v as Python's json.dumps does by default (", " and ": "
// separators); map keys are sorted since Go maps have no order.
func pyJSON(b *strings.Builder, v any) error {
	switch x := v.(type) {
	case map[string]any:
		b.WriteByte('{')
		for i, k := range sortedKeys(x) {
			if i > 0 {
				b.WriteString(", ")
			}
			kb, _ := json.Marshal(k)
			b.Write(kb)
			b.WriteString(": ")
			if err := pyJSON(b, x[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := pyJSON(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	default:
		out, err := json.Marshal(x)
		if err != nil {
			return err
		}
		b.Write(out)
	}
	return nil
}
