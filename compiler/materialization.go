package compiler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/lazyre"
	"github.com/elt-dev/elt/jinja"
	"github.com/elt-dev/elt/project"
)

// Custom materializations: {% materialization name, adapter='x' %} blocks
// in the project's and packages' macro files. As in dbt, a block is a
// macro named materialization_<name>_<adapter> ("default" when no adapter
// is given) taking supported_languages; a model whose materialized config
// names it runs it at execution time (RunMaterialization), with the
// model's runtime context. Which block (or which of elt's own
// materializations) a model gets follows dbt-core's
// find_materialization_macro_by_name: the adapter's own beats default,
// then the root project beats packages beats the built-ins, and a package
// may not replace a built-in one unless the project's flags allow it.

// matBlock is one materialization block.
type matBlock struct {
	Name      string   // the materialization ("insert_only")
	Adapter   string   // "duckdb", "postgres"... or "default"
	Languages []string // supported_languages; ["sql"] when not given
	Package   string
	File      string
	Line      int
	def       *macroDef
}

// MacroName is dbt's name of the block's macro.
func (b *matBlock) MacroName() string { return "materialization_" + b.Name + "_" + b.Adapter }

// matHeader is what a block's opening tag declares, and where.
type matHeader struct {
	name, adapter string
	languages     []string
	line          int
}

var (
	matTagRe    = lazyre.New(`(?s)\{%(-?)\s*materialization\s+(.*?)\s*(-?)%\}`)
	matEndTagRe = lazyre.New(`\{%(-?)\s*endmaterialization\s*(-?)%\}`)
	identRe     = lazyre.New(`^[A-Za-z_][A-Za-z0-9_]*$`)
	quotedRe    = lazyre.New(`^(?:'([^']*)'|"([^"]*)")$`)
)

// rewriteMaterializations turns each materialization block of src into
// the macro dbt makes of it, keeping every line where it was, and returns
// the blocks' headers. A header elt cannot read is reported through add.
func rewriteMaterializations(file, src string, add func(diag.Diagnostic)) (string, []matHeader) {
	var headers []matHeader
	var b strings.Builder
	last := 0
	for _, loc := range matTagRe().FindAllStringSubmatchIndex(src, -1) {
		b.WriteString(src[last:loc[0]])
		last = loc[1]
		tag := src[loc[0]:loc[1]]
		line := diag.LineCol(src, loc[0]).Line
		h, err := parseMatHeader(src[loc[4]:loc[5]])
		if err != nil {
			add(diag.Errorf(file, diag.Pos{Line: line}, "write it as {% materialization name, adapter='duckdb' %} or {% materialization name, default %}",
				"materialization block: %v", err))
			h = matHeader{name: "invalid_" + fmt.Sprint(line), adapter: "default", languages: []string{"sql"}}
		} else {
			h.line = line
			headers = append(headers, h)
		}
		langs := make([]string, len(h.languages))
		for i, l := range h.languages {
			langs[i] = "'" + l + "'"
		}
		fmt.Fprintf(&b, "{%%%s macro materialization_%s_%s(supported_languages=[%s])%s %s%%}",
			src[loc[2]:loc[3]], h.name, h.adapter, strings.Join(langs, ", "),
			strings.Repeat("\n", strings.Count(tag, "\n")), src[loc[6]:loc[7]])
	}
	b.WriteString(src[last:])
	return matEndTagRe().ReplaceAllString(b.String(), "{%$1 endmacro $2%}"), headers
}

// parseMatHeader reads "name, adapter='x', supported_languages=['sql']"
// as dbt's MaterializationExtension does.
func parseMatHeader(args string) (matHeader, error) {
	parts := splitTopLevel(args)
	h := matHeader{adapter: "default", languages: []string{"sql"}}
	if len(parts) == 0 || !identRe().MatchString(parts[0]) {
		return h, fmt.Errorf("%q is not a materialization name", strings.TrimSpace(args))
	}
	h.name = parts[0]
	for _, p := range parts[1:] {
		key, val, hasVal := strings.Cut(p, "=")
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		switch {
		case key == "default" && !hasVal:
		case key == "adapter" && hasVal:
			m := quotedRe().FindStringSubmatch(val)
			if m == nil || !identRe().MatchString(m[1]+m[2]) {
				return h, fmt.Errorf("materialization %s: adapter must be a quoted adapter name, not %s", h.name, val)
			}
			h.adapter = m[1] + m[2]
		case key == "supported_languages" && hasVal:
			langs, ok := parseStringList(val)
			if !ok {
				return h, fmt.Errorf("materialization %s: supported_languages must be a list of quoted names, not %s", h.name, val)
			}
			h.languages = langs
		default:
			return h, fmt.Errorf("materialization '%s' received unknown argument '%s'", h.name, key)
		}
	}
	return h, nil
}

// splitTopLevel splits s at the commas outside brackets and quotes, each
// part trimmed; it stops at a closing bracket it did not see open, so it
// also reads a call's arguments from just after its "(".
func splitTopLevel(s string) []string {
	var out []string
	depth, start, end := 0, 0, len(s)
	var quote byte
scan:
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			if depth == 0 {
				end = i
				break scan
			}
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	if rest := strings.TrimSpace(s[start:end]); rest != "" || len(out) > 0 {
		out = append(out, rest)
	}
	return out
}

// parseStringList reads ['a', "b"].
func parseStringList(s string) ([]string, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		return nil, false
	}
	out := []string{}
	for _, p := range splitTopLevel(s[1 : len(s)-1]) {
		if p == "" {
			continue
		}
		m := quotedRe().FindStringSubmatch(p)
		if m == nil || !identRe().MatchString(m[1]+m[2]) {
			return nil, false
		}
		out = append(out, m[1]+m[2])
	}
	return out, true
}

// registerMaterializations records the blocks of one macro file of pkg,
// whose macros are in defs, by materialization name.
func (e *engine) registerMaterializations(file string, pkg string, headers []matHeader, defs map[string]*macroDef) {
	for _, h := range headers {
		b := &matBlock{Name: h.name, Adapter: h.adapter, Languages: h.languages, Package: pkg, File: file, Line: h.line}
		def, ok := defs[b.MacroName()]
		if !ok || def.meta.OriginalFilePath != file {
			continue // a duplicate, already reported as such
		}
		b.def = def
		if e.materializations == nil {
			e.materializations = map[string][]*matBlock{}
		}
		e.materializations[h.name] = append(e.materializations[h.name], b)
	}
}

// builtinMaterializations are the materializations dbt's adapters ship,
// by adapter type ("default": dbt-adapters' global project). They take
// part in the precedence as dbt's "core" candidates; elt runs its own Go
// implementation of the ones it has.
var builtinMaterializations = map[string][]string{
	"default":   {"clone", "incremental", "materialized_view", "seed", "snapshot", "table", "test", "unit", "view"},
	"duckdb":    {"external", "incremental", "table", "table_function"},
	"snowflake": {"dynamic_table", "incremental", "seed", "snapshot", "table", "test", "view"},
	"bigquery":  {"copy", "incremental", "materialized_view", "table", "view"},
}

// dbt's Locality: where a candidate comes from.
const (
	localityCore = iota + 1
	localityImported
	localityRoot
)

type matCandidate struct {
	specificity int // 0: the adapter's own; 1: default
	locality    int
	block       *matBlock // nil for a built-in
}

// materializationFor resolves a materialization name for the target's
// adapter: the winning project or package block, or nil when one of
// elt's built-ins wins. ok is false when nothing defines it.
func (e *engine) materializationFor(name string) (block *matBlock, ok bool, err error) {
	adapterTypes := []string{e.adapterType(), "default"}
	if adapterTypes[0] == "default" {
		adapterTypes = adapterTypes[:1]
	}
	var cands []matCandidate
	hasCore := false
	for spec, typ := range adapterTypes {
		for _, m := range builtinMaterializations[typ] {
			if m == strings.ToLower(name) {
				cands = append(cands, matCandidate{specificity: spec, locality: localityCore})
				hasCore = true
			}
		}
		for _, b := range e.materializations[name] {
			if b.Adapter != typ {
				continue
			}
			loc := localityImported
			if b.Package == e.proj.Config.Name {
				loc = localityRoot
			}
			cands = append(cands, matCandidate{specificity: spec, locality: loc, block: b})
		}
	}
	if len(cands) == 0 {
		return nil, false, nil
	}
	// Best first: the adapter's own before default, then root, imported, core.
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].specificity != cands[j].specificity {
			return cands[i].specificity < cands[j].specificity
		}
		return cands[i].locality > cands[j].locality
	})
	if len(cands) > 1 && cands[0].specificity == cands[1].specificity && cands[0].locality == cands[1].locality && cands[0].block != nil && cands[1].block != nil {
		a, b := cands[0].block, cands[1].block
		return nil, true, fmt.Errorf("materialization %s for %s is defined by two packages, %s (%s:%d) and %s (%s:%d)",
			name, a.Adapter, a.Package, a.File, a.Line, b.Package, b.File, b.Line)
	}
	best := cands[0]
	if best.locality == localityImported && hasCore && e.packageOverridesNeedExplicit() {
		// dbt 1.8+: a package cannot replace a built-in materialization
		// (require_explicit_package_overrides_for_builtin_materializations).
		for _, c := range cands {
			if c.locality != localityImported {
				best = c
				break
			}
		}
	}
	return best.block, true, nil
}

// adapterType is dbt's adapter.type(): the target's type.
func (e *engine) adapterType() string {
	if e.target != nil && e.target.Type != "" {
		return e.target.Type
	}
	return e.dialect.Type()
}

// packageOverridesNeedExplicit is dbt's behaviour flag
// require_explicit_package_overrides_for_builtin_materializations (true
// unless the project's flags: turn it off).
func (e *engine) packageOverridesNeedExplicit() bool {
	v, ok := e.proj.Config.Flags["require_explicit_package_overrides_for_builtin_materializations"].(bool)
	return !ok || v
}

// materializedOf is the model's materialized config (view when unset).
func materializedOf(n *Node) string {
	if s, ok := n.Config["materialized"].(string); ok && s != "" {
		return s
	}
	return "view"
}

// matFound is what materializationFor found for one materialization:
// validateConfigs asks once per name rather than once per model.
type matFound struct {
	block *matBlock
	ok    bool
	err   error
}

// validateMaterialization checks, at load time, that the materialization
// a model names exists for the target's adapter, as dbt checks when it
// runs the model. found holds what was found for each materialization
// name so far. (Whether it supports the model's language is checked when
// the model runs, as dbt does: MaterializationLanguageError.)
func (m *Manifest) validateMaterialization(l *diag.List, n *Node, found map[string]matFound) {
	mat := materializedOf(n)
	if strings.EqualFold(mat, "ephemeral") {
		return
	}
	f, seen := found[mat]
	if !seen {
		f.block, f.ok, f.err = m.engine.materializationFor(mat)
		found[mat] = f
	}
	ok, err := f.ok, f.err
	// Where the config is, found only for a finding: it reads the code.
	file, pos := "", diag.Pos{}
	if err != nil || !ok {
		file, pos = ConfigSite(n)
	}
	switch {
	case err != nil:
		l.Add(diag.Errorf(file, pos, "remove one of the packages, or define the materialization in the project (it wins over packages)",
			"model %s: %v", n.Name, err))
		return
	case !ok:
		l.Add(diag.Errorf(file, pos, fmt.Sprintf("define it in macros/ with {%% materialization %s, default %%} ... {%% endmaterialization %%}, or use table, view, incremental or ephemeral", mat),
			"model %s: materialization %q is not available for %s", n.Name, mat, m.engine.adapterType()))
	}
}

// MaterializationLanguageError is the DbtValidationError dbt's
// ModelRunner.execute raises (task/run.py) when the materialization block
// model n runs does not list n's language in its supported_languages;
// nil otherwise. dbt raises it when the model runs, so it fails that
// model alone.
func (m *Manifest) MaterializationLanguageError(n *Node) error {
	if n.ResourceType != project.Model || strings.EqualFold(materializedOf(n), "ephemeral") {
		return nil
	}
	block, ok, err := m.engine.materializationFor(materializedOf(n))
	if err != nil || !ok || block == nil {
		return nil
	}
	lang := n.Language
	if lang == "" {
		lang = "sql"
	}
	if slices.Contains(block.Languages, lang) {
		return nil
	}
	quoted := make([]string, len(block.Languages))
	for i, s := range block.Languages {
		quoted[i] = "'" + s + "'"
	}
	return fmt.Errorf("Materialization %q only supports languages [%s]; got %q", block.MacroName(), strings.Join(quoted, ", "), lang)
}

// validateMaterializationOverrides refuses the project's blocks that
// would replace how seeds, snapshots and unit tests are built: elt runs
// blocks for models and data tests only, and ignoring the block would
// build them differently from what the project says.
func (m *Manifest) validateMaterializationOverrides(l *diag.List) {
	for _, name := range []string{"seed", "snapshot", "unit"} {
		block, _, err := m.engine.materializationFor(name)
		if err != nil || block == nil {
			continue
		}
		l.Add(diag.Errorf(block.File, diag.Pos{Line: block.Line}, "remove the block; elt builds "+name+"s itself",
			"materialization %s: elt runs project and package materializations for models and data tests only, not yet the %s materialization", block.MacroName(), name))
	}
}

// CustomMaterialization says whether the model runs a project's or a
// package's materialization block rather than one of elt's own, and
// names the block's file.
func (m *Manifest) CustomMaterialization(n *Node) (file string, ok bool) {
	return m.blockFile(n, project.Model)
}

// TestMaterialization says whether the data test n runs a project's
// {% materialization test %} block (or a package's, where dbt lets a
// package replace a built-in one) rather than elt's own, and names the
// block's file. The block runs the test through
// dbt.materialization_test_default() (DataTestHost) or its own
// statement('main').
func (m *Manifest) TestMaterialization(n *Node) (file string, ok bool) {
	return m.blockFile(n, project.Test)
}

// blockFile is the file of the materialization block n runs, when n is
// of kind and its materialization is a block.
func (m *Manifest) blockFile(n *Node, kind project.ResourceType) (string, bool) {
	if n.ResourceType != kind {
		return "", false
	}
	block, _, err := m.engine.materializationFor(materializedOf(n))
	if err != nil || block == nil {
		return "", false
	}
	return block.File, true
}

// MaterializationHost is what a materialization block reaches in the
// runner: the grants, docs and indexes elt applies in Go, so a block's
// apply_grants, persist_docs and create_indexes do what elt's own
// materializations do.
type MaterializationHost interface {
	// ApplyGrants applies grants (privilege -> grantee or grantees) to
	// rel; shouldRevoke: revoke what the relation has and grants no
	// longer lists.
	ApplyGrants(ctx context.Context, rel Relation, grants map[string]any, shouldRevoke bool) error
	// PersistDocs writes the model's descriptions as comments on rel.
	PersistDocs(ctx context.Context, rel Relation, forRelation, forColumns bool) error
	// CreateIndexes creates the model's indexes config on rel where the
	// warehouse has indexes (Postgres), and does nothing elsewhere.
	CreateIndexes(ctx context.Context, rel Relation) error
}

// MaterializationResult is what a block's run produced.
type MaterializationResult struct {
	Relations []Relation // what it returned in {'relations': [...]}
	// Message is the response of statement('main'), as dbt reports it.
	Message      string
	RowsAffected int64
	// AdapterResponse, when not nil, is run_results.json's
	// adapter_response for the node: main's result was stored
	// (noop_statement, store_result), and dbt writes its response's
	// fields that are not None ({} for a response that is not an
	// AdapterResponse).
	AdapterResponse map[string]any
	// RunSQL, when RunSQLWritten, is what the block's write() wrote last
	// (noop_statement('main') writes its SQL): the node's target/run file,
	// as dbt's. Otherwise that file holds the statements the block ran.
	RunSQL        string
	RunSQLWritten bool
	// MainColumns and MainRows are what a data test's statement('main')
	// fetched: its verdict row. Nil for other nodes.
	MainColumns []string
	MainRows    [][]any
}

// RunMaterialization runs the materialization block model id names, with
// dbt's runtime model context (model, this, config, sql, compiled_code,
// pre_hooks, post_hooks, database, schema, statement, load_result,
// adapter...). Statements run through Options.Query with ctx. The block
// must return {'relations': [...]} and run a statement named 'main'.
func (m *Manifest) RunMaterialization(ctx context.Context, id string, host MaterializationHost) (MaterializationResult, error) {
	n, ok := m.Nodes[id]
	if !ok {
		return MaterializationResult{}, diag.Errorf("", diag.Pos{}, "", "run materialization: unknown node %s", id)
	}
	return m.runMaterialization(ctx, n, nil, false, host)
}

// RunMaterializationBatch runs the block of microbatch model id for its
// batch [start, end), as dbt's microbatch runner calls the model's
// materialization once per batch: sql and compiled_code are the batch's
// SQL (sql), model.batch is the batch, and the model's pre-hooks are in
// the first batch's pre_hooks only, its post-hooks in the last's. After
// the first batch, the table is there to add to: is_incremental() is
// true and should_full_refresh() false (dbt's
// build_jinja_context_for_batch with incremental_batch).
func (m *Manifest) RunMaterializationBatch(ctx context.Context, id string, host MaterializationHost, start, end time.Time, sql string, first, last bool) (MaterializationResult, error) {
	n, ok := m.Nodes[id]
	if !ok {
		return MaterializationResult{}, diag.Errorf("", diag.Pos{}, "", "run materialization: unknown node %s", id)
	}
	node, w := inBatch(n, start, end)
	node.CompiledCode = sql
	if !first {
		node.Config["pre_hook"] = nil
	}
	if !last {
		node.Config["post_hook"] = nil
	}
	return m.runMaterialization(ctx, node, w, !first, host)
}

// runMaterialization runs n's block, in batch w's context when w is not
// nil; incrementalBatch: a later batch of a microbatch model.
func (m *Manifest) runMaterialization(ctx context.Context, n *Node, w *batchWindow, incrementalBatch bool, host MaterializationHost) (MaterializationResult, error) {
	var out MaterializationResult
	mat := materializedOf(n)
	block, ok, err := m.engine.materializationFor(mat)
	if err != nil || !ok || block == nil {
		file, pos := ConfigSite(n)
		if err == nil {
			err = fmt.Errorf("materialization %q is not a project or package materialization for %s", mat, m.engine.adapterType())
		}
		return out, diag.Errorf(file, pos, "", "model %s: %v", n.Name, err)
	}
	st := m.engine.newState(m, n, true)
	st.ctx = ctx
	st.host = host
	st.batch = w
	st.runFile = &runFile{}
	st.extra = map[string]any{}
	for k, v := range map[string]any{
		"sql":           n.CompiledCode,
		"compiled_code": n.CompiledCode,
		"pre_hooks":     hookList(n.Config["pre_hook"]),
		"post_hooks":    hookList(n.Config["post_hook"]),
		"database":      m.engine.target.Database,
		"schema":        m.engine.target.Schema,
	} {
		st.extra[k] = templateValue(v)
	}
	if incrementalBatch {
		yes := true
		st.incremental = &yes
		st.extra["should_full_refresh"] = jinja.Func(func(*jinja.State, []any, jinja.Kwargs) (any, error) { return false, nil })
	}
	fail := func(err error) error {
		d := diag.Errorf(block.File, diag.Pos{Line: block.Line}, "end the block with {{ return({'relations': [target_relation]}) }}",
			"model %s: materialization %s: %v", n.Name, block.MacroName(), err)
		d.Err = err
		return d
	}
	// The block is called from a one-line template, so that an error in it
	// carries the line it happened at.
	var v any
	st.extra["__elt_materialization"] = block.def.fn
	st.extra["__elt_keep"] = jinja.Func(func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
		if len(args) > 0 {
			v = args[0]
		}
		return "", nil
	})
	if _, err := st.renderString(`{%- do __elt_keep(__elt_materialization()) -%}`); err != nil {
		d := m.engine.errorDiag(block.File, 0, err)
		d.File, d.Pos = block.File, blockErrorPos(err, block)
		// The one-line template is elt's, not the user's: no need to name it.
		d.Summary = strings.Replace(d.Summary, "<string>:1 → ", "", 1)
		d.Summary = fmt.Sprintf("model %s: materialization %s: %s", n.Name, block.MacroName(), d.Summary)
		d.Err = err // DbtMessage words it as dbt does
		return out, d
	}
	rels, err := materializationRelations(v, mat)
	if err != nil {
		return out, fail(err)
	}
	out.Relations = rels
	res, ok := st.results["main"]
	if !ok {
		d := diag.Errorf(block.File, diag.Pos{Line: block.Line}, "run the model's SQL in {% call statement('main') %} ... {% endcall %}, or report what the block did with {% call noop_statement('main', message) %} ... {% endcall %}",
			"model %s: materialization %s: main is not being called during running model", n.Name, block.MacroName())
		d.Err = &runtimeError{msg: "main is not being called during running model"} // dbt's DbtRuntimeError (task/run.py)
		return out, d
	}
	out.RunSQL, out.RunSQLWritten = st.runFile.sql, st.runFile.written
	if n.ResourceType == project.Test {
		out.MainColumns, out.MainRows = res.columns, res.rows
	}
	if !res.stored {
		out.Message = "OK"
		out.RowsAffected = int64(len(res.rows))
		if res.status != "" {
			// The warehouse's status of main, as dbt-postgres reports it.
			r := statementResponse(res)
			out.Message, out.RowsAffected, out.AdapterResponse = res.status, res.rowsAffected, r
		}
		return out, nil
	}
	// dbt's run result: message str(response), adapter_response its
	// to_dict(omit_none=True) when it is an AdapterResponse.
	out.AdapterResponse = map[string]any{}
	if r, ok := res.response.(*adapterResponse); ok {
		out.AdapterResponse = r.dict()
		out.RowsAffected = r.rowsAffectedInt()
	}
	msg, err := jinja.Str(res.response)
	if err != nil {
		return out, fail(fmt.Errorf("main's response: %w", err))
	}
	out.Message = msg
	return out, nil
}

// blockErrorPos is where in the block's file err happened: the innermost
// position in that file (the failing line, or the call into another
// file's macro that failed), else the block's first line.
func blockErrorPos(err error, block *matBlock) diag.Pos {
	var je *jinja.Error
	if errors.As(err, &je) {
		if je.Name == block.File {
			return diag.Pos{Line: je.Line, Column: je.Col}
		}
		for i := len(je.Stack) - 1; i >= 0; i-- {
			if f := je.Stack[i]; f.Name == block.File {
				return diag.Pos{Line: f.Line, Column: f.Col}
			}
		}
	}
	return diag.Pos{Line: block.Line}
}

// materializationRelations checks a block's return value as dbt's
// _materialization_relations does (task/run.py), with its
// CompilationError's messages; mat is the model's materialization.
func materializationRelations(v any, mat string) ([]Relation, error) {
	var rels any
	switch x := v.(type) {
	case string, nil:
		return nil, compilationErrorf("The materialization (\"%s\") did not explicitly return a list of relations to add to the cache.", mat)
	case *jinja.Dict:
		r, ok := x.Get("relations")
		if !ok {
			return nil, compilationErrorf("Invalid return value from materialization, \"relations\" not found, got keys: %s", jinja.Repr(dictKeys(x)))
		}
		rels = r
	case map[string]any:
		r, ok := x["relations"]
		if !ok {
			return nil, compilationErrorf("Invalid return value from materialization, \"relations\" not found, got keys: %s", jinja.Repr(sortedKeys(x)))
		}
		rels = r
	default:
		s, _ := jinja.Str(v)
		return nil, compilationErrorf("Invalid return value from materialization, expected a dict with key \"relations\", got: %s", s)
	}
	var items []any
	switch x := rels.(type) {
	case *jinja.List:
		items = x.Items
	case []any:
		items = x
	default:
		s, _ := jinja.Str(rels)
		return nil, compilationErrorf("Invalid return value from materialization, \"relations\" not a list, got: %s", s)
	}
	out := make([]Relation, 0, len(items))
	for _, it := range items {
		r, ok := it.(*relationValue)
		if !ok {
			s, _ := jinja.Str(it)
			return nil, compilationErrorf("Invalid return value from materialization, \"relations\" contains non-Relation: %s", s)
		}
		out = append(out, Relation{Database: r.Database, Schema: r.Schema, Identifier: r.Identifier})
	}
	return out, nil
}

func dictKeys(d *jinja.Dict) []string {
	var out []string
	for k := range d.All() {
		s, _ := jinja.Str(k)
		out = append(out, s)
	}
	return out
}

// hookList is pre_hooks / post_hooks as dbt passes them to a
// materialization: one {sql, transaction, index} per hook, in order
// (transaction true unless the hook says otherwise).
func hookList(v any) []any {
	list := project.ListItems(v)
	out := make([]any, 0, len(list))
	for i, h := range list {
		hook := map[string]any{"sql": "", "transaction": true, "index": i}
		switch x := h.(type) {
		case string:
			hook["sql"] = x
		case map[string]any:
			if s, ok := x["sql"].(string); ok {
				hook["sql"] = s
			}
			if t, ok := x["transaction"].(bool); ok {
				hook["transaction"] = t
			}
		}
		out = append(out, hook)
	}
	return out
}
