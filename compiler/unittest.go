package compiler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/jinja"
	"github.com/elt-dev/elt/project"
)

// Unit tests (dbt 1.8 `unit_tests:`): the tested model's SQL rendered with
// every ref(), source() and `this` replaced by a CTE holding the given
// rows, so a unit test never reads or writes a real table. The CTEs are
// named as dbt names its fixture nodes (__dbt__cte__<model>,
// __dbt__cte__<source>__<table>).

// unitRender is what a unit test changes in the render of its model.
type unitRender struct {
	test   *project.UnitTest
	inputs map[string]string // "ref:<name>", "source:<src>.<table>", "this" -> CTE name
	vars   map[string]any
	env    map[string]any
	// macros are the overrides of global names; namespaced are those of
	// package-qualified ones ("audit_helper.x", "dbt.x"), by package.
	macros     map[string]any
	namespaced map[string]map[string]any
	built      map[string]map[string]any // namespaces with their overrides, made once
}

// buildUnitTests turns the project's unit tests into nodes of resource
// type unit_test in m.UnitTests, checking what dbt checks at parse time.
func (m *Manifest) buildUnitTests(l *diag.List) {
	m.UnitTests = map[string]*Node{}
	m.unitDefs = map[string]*project.UnitTest{}
	m.disabledUnits = nil
	for _, ut := range m.Project.UnitTests {
		model, versions := m.testedModel(ut)
		if isDisabled(ut.Config) {
			m.disabledUnits = append(m.disabledUnits, DisabledUnitTest{Def: ut, Model: model})
			continue
		}
		if model == nil {
			disabled := false
			for _, n := range m.disabled {
				if n.ResourceType == project.Model && n.Name == ut.Model {
					disabled = true
				}
			}
			if !disabled {
				l.Add(diag.Errorf(ut.File, ut.Pos, "fix model: to name a model of this project",
					"Unable to find model '%s.%s' for unit test '%s'", ut.Package, ut.Model, ut.Name))
			}
			continue
		}
		tested, verr := unitTestVersions(ut, model, versions)
		if verr != nil {
			l.Add(*verr)
			continue
		}
		ok := true
		hasThis := false
		// An input that is no ref, source or this, or names no node, fails
		// the unit test when it runs (unitInput), as dbt's
		// UnitTestManifestLoader finds it only then: the project loads.
		for _, fx := range ut.Given {
			if fx.Input == "this" {
				hasThis = true
			}
		}
		// dbt asks for the override when the model's depends_on.macros
		// holds is_incremental: its own code called it while parsing.
		if slices.Contains(model.DependsOn.Macros, "macro.dbt.is_incremental") {
			inc, isBool := ut.Overrides.Macros["is_incremental"].(bool)
			switch {
			case !isBool:
				l.Add(diag.Errorf(ut.File, ut.Pos, "add overrides: {macros: {is_incremental: true}} (or false)",
					"Boolean override for 'is_incremental' must be provided for unit test '%s' in model '%s'", ut.Name, model.Name))
				ok = false
			case inc && !hasThis:
				l.Add(diag.Errorf(ut.File, ut.Pos, "add a given input `- input: this` with the rows the table holds",
					"Unit test '%s' for incremental model '%s' must have a 'this' input", ut.Name, model.Name))
				ok = false
			}
		}
		if !ok {
			continue
		}
		for _, model := range tested {
			n := &Node{}
			n.UniqueID = ut.UniqueID
			if model.VersionString != "" {
				// dbt: one unit test per tested version, "<test>_v<version>".
				n.UniqueID += "_v" + model.VersionString
				n.Version, n.VersionString = model.Version, model.VersionString
			}
			n.ResourceType = project.UnitTestType
			n.Name = ut.Name
			n.Package = ut.Package
			n.Path = ut.File
			n.OriginalFilePath = ut.File
			n.PatchPath, n.PatchPos = ut.File, ut.Pos
			n.FQN = ut.FQN
			n.Description = ut.Description
			n.Config = copyConfig(ut.Config)
			if m, ok := n.Config["meta"].(map[string]any); ok {
				n.Meta = m
			}
			n.Language = "sql"
			n.RawCode = model.RawCode
			n.DependsOn.Nodes = []string{model.UniqueID}
			n.AttachedNode = model.UniqueID
			n.ShortName = ut.Name
			m.UnitTests[n.UniqueID] = n
			m.unitDefs[n.UniqueID] = ut
		}
	}
}

// testedModel is the enabled model of the unit test's package its model:
// names, its latest version (nil when there is none), and every version
// of it.
func (m *Manifest) testedModel(ut *project.UnitTest) (model *Node, versions []*Node) {
	for _, n := range m.byName[ut.Model] {
		if n.ResourceType != project.Model || n.Package != ut.Package {
			continue
		}
		if versionMatch(n, "") {
			model = n // the latest version, which the inputs are checked against
		}
		if n.VersionString != "" {
			versions = append(versions, n)
		}
	}
	return model, versions
}

// DisabledUnitTest is a unit test its config disables, which dbt's
// UnitTestParser lists under the manifest's disabled (add_disabled):
// Model is the enabled model it names (its latest version), whose id and
// schema dbt gives the entry, or nil.
type DisabledUnitTest struct {
	Def   *project.UnitTest
	Model *Node
}

// DisabledUnitTests are the project's disabled unit tests, in the order
// declared.
func (m *Manifest) DisabledUnitTests() []DisabledUnitTest { return m.disabledUnits }

// unitTestVersions are the models a unit test runs against, as dbt 1.8+
// picks them: every version of a versioned model unless versions:
// excludes some (exclude wins over include) or includes only some; the
// model itself when it is not versioned, where versions: is an error.
func unitTestVersions(ut *project.UnitTest, latest *Node, versions []*Node) ([]*Node, *diag.Diagnostic) {
	v := ut.Versions
	limited := v != nil && (len(v.Include) > 0 || len(v.Exclude) > 0)
	if latest.VersionString == "" {
		if limited {
			d := diag.Errorf(ut.File, v.Pos, "remove versions: from the unit test",
				"Unit test '%s' should not have a versions include or exclude when referencing non-versioned model '%s'", ut.Name, latest.Name)
			return nil, &d
		}
		return []*Node{latest}, nil
	}
	// As dbt's `model.version in versions.include`: Python's ==, so a
	// number matches a number of the same value (2 and 2.0) and a string
	// only the same string ("2" is not the version 2).
	listed := func(list []any, n *Node) bool {
		for _, v := range list {
			if pyVersionEqual(n.Version, v) {
				return true
			}
		}
		return false
	}
	sort.Slice(versions, func(i, j int) bool {
		return project.CompareVersions(versions[i].VersionString, versions[j].VersionString) < 0
	})
	var out []*Node
	for _, n := range versions {
		switch {
		case v != nil && len(v.Exclude) > 0:
			if !listed(v.ExcludeValues, n) {
				out = append(out, n)
			}
		case v != nil && len(v.Include) > 0:
			if listed(v.IncludeValues, n) {
				out = append(out, n)
			}
		default:
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		d := diag.Errorf(ut.File, v.Pos, "list versions the model has in versions:",
			"Unit test '%s' referenced a version of '%s' which was not found.", ut.Name, latest.Name)
		return nil, &d
	}
	return out, nil
}

// pyVersionEqual is Python's a == b for two model versions (str or a
// number).
func pyVersionEqual(a, b any) bool {
	num := func(v any) (float64, bool) {
		switch x := v.(type) {
		case int:
			return float64(x), true
		case int64:
			return float64(x), true
		case float64:
			return x, true
		}
		return 0, false
	}
	if x, ok := num(a); ok {
		y, ok := num(b)
		return ok && x == y
	}
	sa, aok := a.(string)
	sb, bok := b.(string)
	return aok && bok && sa == sb
}

// UnitTestDef is the properties YAML entry of a unit test node.
func (m *Manifest) UnitTestDef(id string) *project.UnitTest { return m.unitDefs[id] }

// UnitTestSQL is a unit test ready to run.
type UnitTestSQL struct {
	// Actual is the tested model's SQL on the given rows.
	Actual string
	// Expect is the expected fixture; for format sql, ExpectSQL is its select.
	Expect    *project.UnitTestFixture
	ExpectSQL string
}

// RenderUnitTest renders unit test id: the model with its inputs replaced
// by fixture CTEs. Column types of the inputs come from the warehouse
// (the real relations, when they exist) or the columns their properties
// YAML declares; columns a fixture leaves out are NULL of that type.
// The compiled SQL is stored in the unit test node's CompiledCode.
func (m *Manifest) RenderUnitTest(ctx context.Context, id string) (*UnitTestSQL, error) {
	n, ut := m.UnitTests[id], m.unitDefs[id]
	if n == nil || ut == nil {
		return nil, fmt.Errorf("unknown unit test %s", id)
	}
	model := m.Nodes[n.AttachedNode]
	if model == nil {
		return nil, fmt.Errorf("unit test %s: model %s is not in the manifest", ut.Name, n.AttachedNode)
	}
	st := m.engine.newState(m, model, true)
	st.ctx = ctx
	u := &unitRender{test: ut, inputs: map[string]string{}, vars: ut.Overrides.Vars, env: ut.Overrides.EnvVars}
	u.splitMacros(ut.Overrides.Macros, m.engine.dbtNamespace())
	st.unit = u
	// is_incremental() is false in a unit test unless overridden, as in
	// dbt (the unit test is not an incremental build of a table).
	inc, _ := ut.Overrides.Macros["is_incremental"].(bool)
	st.incremental = &inc
	var ctes []CTE
	for _, fx := range ut.Given {
		key, name, what, cols, err := m.unitInput(ctx, model, fx)
		var missing *lookupError
		var invalid *invalidInput
		switch {
		case errors.As(err, &invalid):
			// dbt's InvalidUnitTestGivenInput.
			hint := "write input: ref('model'), ref('package', 'model'), ref('model', v=2), source('source_name', 'table_name') or this"
			if invalid.why != "" {
				hint = invalid.why + "; " + hint
			}
			return nil, fmt.Errorf("%s:%d: Unit test given inputs must be either a 'ref', 'source' or 'this' call. Got: '%s'.\n  hint: %s",
				ut.File, fx.Pos.Line, fx.Input, hint)
		case errors.As(err, &missing):
			// dbt's _get_original_input_node's message.
			return nil, fmt.Errorf("%s:%d: Unit test '%s' had an input (%s) which was not found in the manifest: %s\n  hint: %s",
				ut.File, fx.Pos.Line, ut.Name, fx.Input, missing.msg, missing.hint)
		case err != nil:
			return nil, fmt.Errorf("%s: unit test %s: input %s: %w", ut.File, ut.Name, fx.Input, err)
		}
		sql := fx.SQL
		if fx.Format == "sql" {
			// A sql fixture is rendered like a model (dbt makes it a node).
			if sql, err = st.renderString(sql); err != nil {
				return nil, fmt.Errorf("%s: unit test %s: rendering the sql fixture of %s: %w", ut.File, ut.Name, fx.Input, err)
			}
		} else {
			if sql, err = FixtureSQL(fx, cols, what, m.engine.dialect.Quote); err != nil {
				return nil, fmt.Errorf("%s: unit test %s: %w", ut.File, ut.Name, err)
			}
		}
		u.inputs[key] = name
		ctes = append(ctes, CTE{ID: key, SQL: " " + name + " as (\n" + strings.TrimRight(sql, " \n\t;") + "\n)"})
	}
	out, err := m.renderIn(st)
	if err != nil {
		d := m.renderDiag(model, st, err)
		return nil, fmt.Errorf("unit test %s (%s:%d): %s", ut.Name, ut.File, ut.Pos.Line, d.Error())
	}
	actual := injectCTEs(out, ctes)
	n.CompiledCode, n.Compiled = actual, true
	res := &UnitTestSQL{Actual: actual, Expect: ut.Expect}
	if ut.Expect != nil && ut.Expect.Format == "sql" {
		if res.ExpectSQL, err = st.renderString(ut.Expect.SQL); err != nil {
			return nil, fmt.Errorf("%s: unit test %s: rendering the expected sql: %w", ut.File, ut.Name, err)
		}
	}
	return res, nil
}

// invalidInput is a given input that is no ref, source or this call;
// why says what is wrong with a ref's arguments.
type invalidInput struct{ why string }

func (e *invalidInput) Error() string { return "invalid input" }

// unitInput resolves one given input: its key in unitRender.inputs, its
// CTE name, what to call it in messages, and its columns with types.
func (m *Manifest) unitInput(ctx context.Context, model *Node, fx *project.UnitTestFixture) (key, cte, what string, cols []Column, err error) {
	var rel Relation
	var declared []*project.Column
	exists := true
	// stateID is the node whose --defer state relation stands in for rel
	// when rel does not exist (dbt's get_fixture_sql: defer_relation when
	// load_relation(this) is none); sources have none.
	stateID := ""
	switch {
	case fx.Input == "this":
		key, cte, what = "this", cteName(model.Name), "'"+model.Name+"'"
		rel, declared = model.Relation, model.Columns
		stateID = model.UniqueID
	case strings.HasPrefix(fx.Input, "ref("):
		r, rerr := m.givenRef(model, fx.Input)
		if rerr != nil {
			return "", "", "", nil, &invalidInput{why: rerr.Error()}
		}
		target, lerr := m.lookupRef(r, model)
		if lerr != nil {
			return "", "", "", nil, lerr
		}
		key, cte, what = unitRefKey(target), cteName(target.Name), "'"+target.Name+"'"
		rel, declared = target.Relation, target.Columns
		exists = target.RelationName != ""
		stateID = target.UniqueID
	default:
		args := project.QuotedArgs(fx.Input)
		if !strings.HasPrefix(fx.Input, "source(") || len(args) != 2 {
			return "", "", "", nil, &invalidInput{}
		}
		src, lerr := m.lookupSource(args[0], args[1], model)
		if lerr != nil {
			return "", "", "", nil, lerr
		}
		key, cte, what = "source:"+src.SourceName+"."+src.Name, cteName(src.SourceName+"__"+src.Name), "'"+src.SourceName+"."+src.Name+"'"
		rel, declared = Relation{Database: src.Database, Schema: src.Schema, Identifier: src.Identifier}, src.Columns
	}
	if c := m.engine.opts.Catalog; c != nil && exists && rel.Identifier != "" {
		if cols, err = existingColumns(ctx, c, rel, m.stateRelations, stateID); err != nil {
			return "", "", "", nil, err
		}
	}
	if len(cols) == 0 && len(declared) > 0 {
		// The relation is not built yet: its declared columns, and the
		// fixture's other columns untyped (YAML need not list them all).
		seen := map[string]bool{}
		for _, c := range declared {
			cols = append(cols, Column{Name: c.Name, DataType: c.DataType})
			seen[strings.ToLower(c.Name)] = true
		}
		for _, c := range fx.Columns {
			if !seen[strings.ToLower(c)] {
				cols = append(cols, Column{Name: c})
			}
		}
	}
	return key, cte, what, cols, nil
}

// existingColumns are the columns of rel, or, when rel does not exist, of
// the --defer state relation of node stateID (if any); none when neither
// exists. Names are the warehouse's own, so they are quoted in SQL.
func existingColumns(ctx context.Context, c Catalog, rel Relation, stateRels map[string]Relation, stateID string) ([]Column, error) {
	// A relation that cannot be looked up counts as missing: the
	// fixture then falls back to declared columns or its own.
	kind, err := c.RelationKind(ctx, rel)
	if err != nil {
		return nil, nil
	}
	if kind == "" {
		st, ok := stateRels[stateID]
		if !ok || stateID == "" {
			return nil, nil
		}
		if kind, err = c.RelationKind(ctx, st); err != nil || kind == "" {
			return nil, nil
		}
		rel = st
	}
	cols, err := c.Columns(ctx, rel)
	if err != nil {
		return nil, err
	}
	for i := range cols {
		cols[i].Quoted = true
	}
	return cols, nil
}

// FixtureSQL is dbt's get_fixture_sql: one select per row joined by union
// all, every value cast to its column's type, the columns a row leaves out
// NULL of their type; no rows gives a typed empty select. cols are the
// relation's columns (empty when unknown: then the rows' own columns,
// uncast); those read from the warehouse are named with quote, as dbt
// names them. what names the fixture in errors.
func FixtureSQL(fx *project.UnitTestFixture, cols []Column, what string, quote func(string) string) (string, error) {
	if len(cols) == 0 {
		for _, c := range fx.Columns {
			cols = append(cols, Column{Name: c})
		}
	}
	if len(cols) == 0 {
		return "", fmt.Errorf("cannot tell the columns of %s: the relation does not exist and its properties YAML declares no columns (build it first, declare its columns, or give rows)", what)
	}
	byName := map[string]int{}
	names := make([]string, len(cols))
	for i, c := range cols {
		byName[strings.ToLower(c.Name)] = i
		names[i] = strings.ToLower(c.Name)
	}
	var b strings.Builder
	for ri, row := range fx.Rows {
		vals := make([]string, len(cols))
		for i, c := range cols {
			vals[i] = castSQL("null", c.DataType)
		}
		for _, k := range sortedKeys(row) {
			i, ok := byName[strings.ToLower(k)]
			if !ok {
				// dbt's format_row, the columns as Python prints a list.
				return "", fmt.Errorf("Invalid column name: '%s' in unit test fixture for %s.\nAccepted columns for %s are: %s", strings.ToLower(k), what, what, jinja.Repr(names))
			}
			typ := cols[i].DataType
			if _, isString := row[k].(string); isString && strings.Contains(typ, "varying") {
				// dbt's format_row casts a string to the type without its
				// length, so a narrow varchar does not truncate it.
				typ, _, _ = strings.Cut(typ, "(")
			}
			vals[i] = castSQL(literalSQL(row[k]), typ)
		}
		if ri > 0 {
			b.WriteString("\nunion all\n")
		}
		b.WriteString("select ")
		for i, c := range cols {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(vals[i] + " as " + c.sqlName(quote))
		}
	}
	if len(fx.Rows) == 0 {
		b.WriteString("select ")
		for i, c := range cols {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(castSQL("null", c.DataType) + " as " + c.sqlName(quote))
		}
		b.WriteString("\nlimit 0")
	}
	return b.String(), nil
}

// sqlName is how SQL names c: quoted when it is the warehouse's name.
func (c Column) sqlName(quote func(string) string) string {
	if c.Quoted && quote != nil {
		return quote(c.Name)
	}
	return c.Name
}

// ExpectedSQL is dbt's get_expected_sql: the expected rows with only the
// columns they name (all of actual's when there are no rows), cast to the
// model's output types. actual are the model's output columns, in order;
// it returns the columns compared, as SQL names them (quoted where the
// name is the warehouse's).
func ExpectedSQL(fx *project.UnitTestFixture, actual []Column, quote func(string) string) (string, []string, error) {
	byName := make(map[string]Column, len(actual))
	names := make([]string, len(actual))
	for i, c := range actual {
		byName[strings.ToLower(c.Name)] = c
		names[i] = strings.ToLower(c.Name)
	}
	if len(fx.Columns) == 0 {
		sql, err := FixtureSQL(fx, actual, "expected output", quote)
		compared := make([]string, len(actual))
		for i, c := range actual {
			compared[i] = c.sqlName(quote)
		}
		return sql, compared, err
	}
	var cols []Column
	var compared []string
	for _, name := range fx.Columns {
		c, ok := byName[strings.ToLower(name)]
		if !ok {
			if len(actual) > 0 {
				return "", nil, fmt.Errorf("Invalid column name: '%s' in unit test fixture for expected output.\nAccepted columns for expected output are: %s", strings.ToLower(name), jinja.Repr(names))
			}
			c = Column{Name: name}
		}
		cols = append(cols, c)
		compared = append(compared, c.sqlName(quote))
	}
	sql, err := FixtureSQL(fx, cols, "expected output", quote)
	return sql, compared, err
}

func castSQL(value, typ string) string {
	if typ == "" {
		return value
	}
	return "cast(" + value + " as " + typ + ")"
}

// literalSQL writes a YAML value as a SQL literal: strings quoted, numbers
// and booleans as written, lists and mappings as JSON text.
func literalSQL(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	case bool:
		return strconv.FormatBool(v)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "'" + strings.ReplaceAll(fmt.Sprint(v), "'", "''") + "'"
	}
	return "'" + strings.ReplaceAll(string(b), "'", "''") + "'"
}

// unitRef is ref() inside a unit test: the input's CTE.
func (st *renderState) unitRef(r Ref) (any, error) {
	target, lerr := st.m.lookupRef(r, st.node)
	if lerr != nil {
		return nil, st.fail(lerr.hint, "%s", lerr.msg)
	}
	name, ok := st.unit.inputs[unitRefKey(target)]
	if !ok && target.ResourceType == project.Seed {
		// dbt: a seed without a given input is its own input.
		rel := relationOf(target)
		rel.dialect = st.engine.dialect
		return &rel, nil
	}
	if !ok {
		call := "ref('" + r.Name + "')"
		if target.VersionString != "" {
			call = fmt.Sprintf("ref('%s', v=%s)", r.Name, target.VersionString)
		}
		return nil, st.fail(fmt.Sprintf("add `- input: %s` to the unit test's given: (rows: [] for none); a given ref() without v is the latest version", call),
			"unit test '%s': model '%s' reads %s, which is not among the given inputs", st.unit.test.Name, st.node.Name, call)
	}
	return &relationValue{Identifier: name, rendered: name}, nil
}

// unitRefKey is the key of a ref()'d node among a unit test's inputs:
// each version of a model is its own input, as in dbt, where a given
// ref('m') stands for m's latest version only.
func unitRefKey(target *Node) string {
	return "ref:" + target.UniqueID
}

// givenRef reads a given input's ref() call as the model's own ref()
// reads its arguments: ref('m'), ref('pkg', 'm'), v= or version=.
func (m *Manifest) givenRef(model *Node, input string) (Ref, error) {
	st := m.engine.newState(m, model, false)
	if _, err := st.renderString("{{ " + input + " }}"); err != nil {
		return Ref{}, fmt.Errorf("reading %s: %w", input, err)
	}
	if len(st.refs) != 1 {
		return Ref{}, fmt.Errorf("%s is not one ref() call", input)
	}
	return st.refs[0], nil
}

// unitSource is source() inside a unit test: the input's CTE.
func (st *renderState) unitSource(s, t string) (any, error) {
	src, lerr := st.m.lookupSource(s, t, st.node)
	if lerr != nil {
		return nil, st.fail(lerr.hint, "%s", lerr.msg)
	}
	name, ok := st.unit.inputs["source:"+src.SourceName+"."+src.Name]
	if !ok {
		return nil, st.fail(fmt.Sprintf("add `- input: source('%s', '%s')` to the unit test's given: (rows: [] for none)", s, t),
			"unit test '%s': model '%s' reads source('%s', '%s'), which is not among the given inputs", st.unit.test.Name, st.node.Name, s, t)
	}
	return &relationValue{Identifier: name, rendered: name}, nil
}

// unitLookup serves the unit test's overrides: `this` as its input and
// overridden macros as functions returning the given value.
func (st *renderState) unitLookup(name string) (any, bool) {
	if name == "this" {
		if cte, ok := st.unit.inputs["this"]; ok {
			return &relationValue{Identifier: cte, rendered: cte}, true
		}
		return nil, false
	}
	if name == "is_incremental" {
		return nil, false // answered by st.incremental
	}
	if v, ok := st.unit.macros[name]; ok {
		return st.globalOverride(name, v)
	}
	if over, ok := st.unit.namespaced[name]; ok {
		if ns, done := st.unit.built[name]; done {
			return ns, true
		}
		e := st.engine
		ns := map[string]any{}
		switch {
		case name == "dbt":
			ns = e.dbtNamespace()
		case name == e.proj.Config.Name:
			for k, def := range e.rootMacros() {
				ns[k] = def.fn
			}
		default:
			for k, def := range e.packageMacros[name] {
				ns[k] = def.fn
			}
		}
		for k, v := range over {
			ns[k] = overrideFunc(v)
		}
		if st.unit.built == nil {
			st.unit.built = map[string]map[string]any{}
		}
		st.unit.built[name] = ns
		return ns, true
	}
	return nil, false
}

// globalOverride is the unit test's override of a global name, as dbt's
// runtime unit test context makes it: a macro becomes a function
// returning the value; any other context member (invocation_id, say) is
// replaced by the value itself; a name the context does not have stays
// undefined.
func (st *renderState) globalOverride(name string, v any) (any, bool) {
	if st.isMacroName(name) {
		return overrideFunc(v), true
	}
	if _, ok := st.engine.env.Global(name); ok {
		return templateValue(v), true
	}
	if _, ok := st.ownLookup(name); ok {
		return templateValue(v), true
	}
	return nil, false
}

// isMacroName reports whether name is a macro in the render's context:
// the project's or a package's, or one of dbt's own.
func (st *renderState) isMacroName(name string) bool {
	if _, ok := st.engine.macros[name]; ok {
		return true
	}
	if _, ok := st.pkgMacros[name]; ok {
		return true
	}
	_, ok := st.engine.dbtNamespace()[name]
	return ok
}

// overrideFunc is an overridden macro: called with any arguments, it
// returns the override's value, as dbt's UnitTestMacroGenerator does.
func overrideFunc(v any) jinja.Func {
	return jinja.Func(func(*jinja.State, []any, jinja.Kwargs) (any, error) { return templateValue(v), nil })
}

// splitMacros sorts macro overrides into global and package-qualified
// ones, propagating between a dbt macro's global and dbt.<name> forms as
// dbt does.
func (u *unitRender) splitMacros(overrides map[string]any, dbtNS map[string]any) {
	u.macros = map[string]any{}
	u.namespaced = map[string]map[string]any{}
	addNS := func(pkg, name string, v any) {
		if u.namespaced[pkg] == nil {
			u.namespaced[pkg] = map[string]any{}
		}
		u.namespaced[pkg][name] = v
	}
	for key, v := range overrides {
		if pkg, name, ok := strings.Cut(key, "."); ok {
			addNS(pkg, name, v)
			if pkg == "dbt" {
				u.macros[name] = v
			}
			continue
		}
		u.macros[key] = v
		if _, inDBT := dbtNS[key]; inDBT {
			addNS("dbt", key, v)
		}
	}
}

// varOverride is the unit test's vars: override of var(name).
func (u *unitRender) varOverride(name string) (any, bool) {
	if u == nil {
		return nil, false
	}
	v, ok := u.vars[name]
	return v, ok
}

// envOverride is the unit test's env_vars: override of env_var(name).
func (u *unitRender) envOverride(name string) (any, bool) {
	if u == nil {
		return nil, false
	}
	v, ok := u.env[name]
	if ok && v != nil {
		return fmt.Sprint(v), true
	}
	return nil, ok
}
