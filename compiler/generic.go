package compiler

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/lazyre"
	"github.com/elt-dev/elt/jinja"
	"github.com/elt-dev/elt/project"
)

// buildGenericTests creates one test node per generic test declaration
// and returns their ids.
func (m *Manifest) buildGenericTests(ctx context.Context, l *diag.List) []string {
	p := m.Project
	if len(p.GenericTests) == 0 {
		return nil
	}
	nodesByName := make(map[kindName]*Node, len(m.Nodes))
	for _, n := range m.Nodes {
		if refable(n) {
			nodesByName[kindName{n.Package, n.ResourceType, n.Name, n.VersionString}] = n
		}
	}
	// Each declaration's node is built on its own (reading the nodes and
	// the project only); the nodes are then added in the declarations'
	// order, which decides which of two duplicates is reported.
	// The folders of each properties file, once per file rather than
	// once per test.
	folders := map[testFile][]string{}
	for _, d := range p.GenericTests {
		k := testFile{d.Package, d.File}
		if _, ok := folders[k]; ok {
			continue
		}
		if _, pkgDir, own, ok := testProject(p, d); ok {
			folders[k] = ymlFolders(own, strings.TrimPrefix(d.File, pkgDir+"/"))
		}
	}
	b := &testBuild{nodesByName: nodesByName, sources: make(map[sourceKey]*project.SourceTable, len(p.Sources))}
	for _, s := range p.Sources {
		b.sources[sourceKey{s.Package, s.SourceName, s.Name}] = s // the last of duplicates, as a scan finds it
	}
	built := make([]*Node, len(p.GenericTests))
	errs := make([]*diag.Diagnostic, len(p.GenericTests))
	m.parallel(ctx, len(p.GenericTests), func(i int) {
		d := p.GenericTests[i]
		built[i], errs[i] = m.buildGenericTest(d, b, folders[testFile{d.Package, d.File}])
	})
	var added []string
	for i, d := range p.GenericTests {
		if errs[i] != nil {
			l.Add(*errs[i])
			continue
		}
		n := built[i]
		if n == nil {
			continue
		}
		id := n.UniqueID
		if isDisabled(n.Config) {
			// As dbt, a disabled test is kept among the disabled nodes:
			// its model's primary_key still counts it.
			if _, ok := m.disabled[id]; !ok && m.Nodes[id] == nil {
				m.disabled[id] = n
			}
			continue
		}
		if prev, ok := m.Nodes[id]; ok {
			l.Add(diag.Errorf(d.File, d.Pos, "give one of them a name:", "%s: %s:%d and %s:%d",
				project.DuplicateName(project.Test, project.Test, n.Name), prev.PatchPath, prev.PatchPos.Line, d.File, d.Pos.Line))
			continue
		}
		m.Nodes[id] = n
		added = append(added, id)
	}
	return added
}

// testFile is a properties file of a package ("": the root project's).
type testFile struct{ pkg, file string }

// testBuild is what the generic tests of one Parse are built from, beside
// the project: its refable nodes and source tables by name, and the
// configs tests share.
type testBuild struct {
	nodesByName map[kindName]*Node
	sources     map[sourceKey]*project.SourceTable

	// configs are the configs of the root project's tests without a
	// config of their own, by the dbt_project.yml tree levels their fqn
	// reaches: all that decides them. Most tests of a project have one of
	// a few, and each test's own pair of maps was a sixth of the heap
	// that Parse peaks at.
	configs project.TreeConfigs
}

// sourceKey names a source table: package, source and table.
type sourceKey struct{ pkg, source, table string }

// sharedConfigs returns the configs of a test of the root project own,
// with fqn and no config of its own: dbt's test defaults over what the
// tree gives, shared with every other such test whose fqn reaches the
// same tree levels; ok is false when they hold something other than
// scalars and lists of scalars, left to each test as internConfigs
// leaves them.
func (b *testBuild) sharedConfigs(own *project.ProjectConfig, fqn []string) (cfg, unrendered project.Config, ok bool) {
	cfg, unrendered = b.configs.Get(own, project.Test, fqn, func(c, u project.Config) (project.Config, project.Config) {
		if c = withTestDefaults(c); !plainConfig(c) || !plainConfig(u) {
			return nil, nil
		}
		return c, u
	})
	return cfg, unrendered, cfg != nil
}

// testProject is the project whose properties YAML declares d, which its
// test belongs to: its name, folder (relative to the root project; "" for
// the root project) and config; ok is false when the package is not
// installed.
func testProject(p *project.Project, d *project.TestDecl) (pkg, pkgDir string, own *project.ProjectConfig, ok bool) {
	pkg, own = p.Config.Name, p.Config
	if d.Package != "" && d.Package != pkg {
		pk := packageNamed(p, d.Package)
		if pk == nil {
			return "", "", nil, false
		}
		pkg, pkgDir, own = pk.Name, pk.Dir, pk.Config
	}
	return pkg, pkgDir, own, true
}

// kindName finds a refable node by package, resource type, name and
// version (a versioned model's).
type kindName struct {
	pkg  string
	kind project.ResourceType
	name string
	v    string
}

// buildGenericTest builds the node of one generic test declaration (its
// config may disable it): nil when it is attached to a disabled node, or
// the problem.
//
// folders are the folders of d's file below its resource path (ymlFolders).
func (m *Manifest) buildGenericTest(d *project.TestDecl, b *testBuild, folders []string) (*Node, *diag.Diagnostic) {
	p := m.Project
	fail := func(format string, args ...any) (*Node, *diag.Diagnostic) {
		e := diag.Errorf(d.File, d.Pos, "", format, args...)
		return nil, &e
	}
	// A test belongs to the project whose properties YAML declares
	// it, and attaches to that project's node or source.
	pkg, pkgDir, own, ok := testProject(p, d)
	if !ok {
		return nil, nil
	}
	var attached *Node
	var src *project.SourceTable
	if d.AttachedKind == project.Source {
		if src = b.sources[sourceKey{pkg, d.SourceName, d.AttachedName}]; src == nil {
			return fail("test %s is attached to unknown source table %s.%s", d.TestName, d.SourceName, d.AttachedName)
		}
	} else {
		owner := pkg
		if d.AttachedPackage != "" {
			owner = d.AttachedPackage
		}
		attached = b.nodesByName[kindName{owner, d.AttachedKind, d.AttachedName, d.AttachedVersion}]
		if attached == nil {
			if disabledNamed(m.disabled, d.AttachedName) {
				return nil, nil // tests on disabled nodes are disabled too
			}
			return fail("test %s is attached to unknown %s %q", d.TestName, d.AttachedKind, d.AttachedName)
		}
	}
	shortTest := d.TestName
	if i := strings.LastIndex(shortTest, "."); i >= 0 {
		shortTest = shortTest[i+1:]
	}
	kwargs := map[string]any{}
	for k, v := range d.Args {
		kwargs[k] = v
	}
	columnName := d.ColumnName
	if columnName != "" {
		if d.ColumnQuote {
			// As dbt-core: a column with quote: true reaches every
			// generic test (built-in or from a package) already quoted,
			// and is the test's column_name so.
			columnName = m.engine.dialect.Quote(columnName)
		}
		kwargs["column_name"] = columnName
	}
	var modelExpr string
	if src != nil {
		modelExpr = sourceTestModelPrefix + src.SourceName + "', '" + src.Name + "')) }}"
	} else if d.AttachedVersion != "" {
		modelExpr = "{{ get_where_subquery(ref('" + attached.Name + "', version='" + d.AttachedVersion + "')) }}"
	} else {
		modelExpr = "{{ get_where_subquery(ref('" + attached.Name + "')) }}"
	}
	kwargs["model"] = modelExpr

	target := d.AttachedName
	if src != nil {
		target = d.SourceName + "_" + d.AttachedName
	} else if d.AttachedVersion != "" {
		target += "_v" + d.AttachedVersion
	}
	name, short := genericTestName(d.Namespace, shortTest, target, src != nil, kwargs)
	if d.Name != "" {
		name, short = d.Name, d.Name
	}
	fqn := make([]string, 0, len(folders)+2)
	fqn = append(fqn, pkg)
	fqn = append(fqn, folders...)
	fqn = append(fqn, name)
	id := "test." + pkg + "." + name + "." + testHash(name, d.Namespace, shortTest, kwargs)
	var cfg, unrendered, rootCfg, ownCfg project.Config
	var shared bool
	if pkgDir == "" && len(d.Config) == 0 {
		cfg, unrendered, shared = b.sharedConfigs(own, fqn)
	}
	if !shared {
		// Sized for withTestDefaults' keys.
		cfg = project.TreeConfigOver(own, project.Test, fqn, false, d.Config, len(testDefaults))
		unrendered = project.TreeConfigOver(own, project.Test, fqn, true, d.Config, 0)
		if pkgDir != "" {
			rootCfg = p.TreeConfig(project.Test, fqn)
			if p != nil {
				unrendered = project.UpdateConfig(unrendered, project.TreeUnrenderedConfig(p.Config, project.Test, fqn))
			}
			ownCfg = withTestDefaults(cfg)
			cfg = mergeConfig(cfg, rootCfg)
		}
		cfg = withTestDefaults(cfg)
	}
	hashedAlias := short != name && cfg["alias"] == nil && d.Config["alias"] == nil
	if hashedAlias {
		// As dbt: a name too long for a relation gives its hashed short
		// name as the test's alias (its store_failures table), which its
		// raw code's config() call sets, so unrendered_config has it too.
		cfg = maps.Clone(cfg)
		cfg["alias"] = short
		unrendered = maps.Clone(unrendered)
		unrendered["alias"] = short
		shared = false
	}
	n := &Node{
		Node: project.Node{
			UniqueID:         id,
			ResourceType:     project.Test,
			Name:             name,
			Package:          pkg,
			PackageDir:       pkgDir,
			Path:             short + ".sql",
			OriginalFilePath: d.File,
			FQN:              fqn,
			RawCode:          genericTestRawCode(d, shortTest, hashedAlias, short),
			Language:         "sql",
			Config:           cfg,
			UnrenderedConfig: unrendered,
			RootConfig:       rootCfg,
			Description:      d.Description,
			PatchPath:        d.File,
			PatchPos:         d.Pos,
		},
		ownConfig:      ownCfg,
		sharedConfig:   shared,
		configInterned: shared,
		ShortName:      short,
		ColumnName:     columnName,
		TestMetadata: &TestMetadata{
			Name:      shortTest,
			Namespace: d.Namespace,
			Kwargs:    kwargs,
		},
	}
	if attached != nil {
		n.AttachedNode = attached.UniqueID
	}
	return n, nil
}

// testConfigArgs are the test configs dbt takes from a test's arguments
// and its config:, in the order its raw code's config() call lists them
// (generic_test_builders.py CONFIG_ARGS).
var testConfigArgs = []string{"severity", "tags", "enabled", "where", "limit", "warn_if", "error_if", "fail_calc",
	"store_failures", "store_failures_as", "meta", "database", "schema", "alias"}

// genericTestRawCode is a generic test's raw_code as dbt builds it
// (build_raw_code): its macro called with the test's kwargs, namespaced
// when the test is, then a config() call with the configs the test
// declares (those of testConfigArgs in that order, then the rest), strings
// double-quoted and other values as Python prints them, and the hashed
// alias of a test whose name is too long. Only the manifest, the graph and
// state comparison read it: the test renders through its macro.
func genericTestRawCode(d *project.TestDecl, test string, hashedAlias bool, alias string) string {
	macro := "test_" + test
	if d.Namespace != "" {
		macro = d.Namespace + "." + macro
	}
	var b strings.Builder
	b.WriteString("{{ " + macro + "(**_dbt_generic_test_kwargs) }}")
	var parts []string
	add := func(k string, v any) {
		if v == nil {
			return
		}
		if s, ok := v.(string); ok {
			parts = append(parts, k+`="`+strings.ReplaceAll(s, `"`, `\"`)+`"`)
			return
		}
		str, err := jinja.Str(v)
		if err != nil {
			str = fmt.Sprint(v)
		}
		parts = append(parts, k+"="+str)
	}
	for _, k := range testConfigArgs {
		add(k, d.Config[k])
	}
	var rest []string
	for k := range d.Config {
		if !slices.Contains(testConfigArgs, k) {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		add(k, d.Config[k])
	}
	if hashedAlias {
		add("alias", alias)
	}
	if len(parts) > 0 {
		b.WriteString("{{ config(" + strings.Join(parts, ",") + ") }}")
	}
	return b.String()
}

// sourceTestModelPrefix starts the model argument of a source's generic
// test, its source name next (Manifest.FileKeyName reads it there).
const sourceTestModelPrefix = "{{ get_where_subquery(source('"

func disabledNamed(disabled map[string]*Node, name string) bool {
	for _, n := range disabled {
		if n.Name == name {
			return true
		}
	}
	return false
}

// ymlFolders are the folders of a properties file below its resource path:
// models/staging/schema.yml -> [staging].
func ymlFolders(c *project.ProjectConfig, file string) []string {
	dir := path.Dir(file)
	var roots []string
	for _, list := range [][]string{c.ModelPaths, c.SeedPaths, c.SnapshotPaths, c.TestPaths, c.AnalysisPaths} {
		roots = append(roots, list...)
	}
	if len(roots) == 0 {
		roots = []string{"models", "seeds", "snapshots", "tests", "analyses"}
	}
	for _, r := range roots {
		r = strings.Trim(r, "/")
		if dir == r {
			return nil
		}
		if strings.HasPrefix(dir, r+"/") {
			return strings.Split(dir[len(r)+1:], "/")
		}
	}
	if dir == "." {
		return nil
	}
	return strings.Split(dir, "/")
}

var nonIdent = lazyre.New(`[^0-9a-zA-Z_]+`)

// genericTestName synthesises dbt's test name: <test>_<target>_<args...>,
// args sorted by name (model excluded), each flattened and cleaned. Names of
// 64 characters or more keep their full name but get a short file name:
// the first 30 characters of the identifier and the md5 of the full name.
func genericTestName(namespace, test, target string, source bool, kwargs map[string]any) (name, short string) {
	testType := test
	if namespace != "" {
		testType = namespace + "_" + test
	}
	identifier := testType + "_" + target
	if source {
		identifier = "source_" + identifier
	}
	keys := make([]string, 0, len(kwargs))
	for k := range kwargs {
		if k != "model" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var flat []string
	for _, k := range keys {
		switch v := kwargs[k].(type) {
		case map[string]any:
			for _, kk := range sortedKeys(v) { // Python keeps insertion order; YAML maps arrive unordered here
				flat = append(flat, pyStr(v[kk]))
			}
		case []any:
			for _, part := range v {
				flat = append(flat, pyStr(part))
			}
		default:
			flat = append(flat, pyStr(v))
		}
	}
	for i, f := range flat {
		if !isIdentChars(f) {
			flat[i] = nonIdent().ReplaceAllString(f, "_")
		}
	}
	full := identifier + "_" + strings.Join(flat, "__")
	if len(full) >= 64 {
		sum := md5.Sum([]byte(full))
		trunc := identifier
		if len(trunc) > 30 {
			trunc = trunc[:30]
		}
		return full, trunc + "_" + hex.EncodeToString(sum[:])
	}
	return full, full
}

// isIdentChars reports whether s holds nothing nonIdent would replace.
func isIdentChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_') {
			return false
		}
	}
	return true
}

// pyStr prints a value the way Python's str() does.
func pyStr(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	s, err := jinja.Str(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return s
}

// jinjaExprRe is dbt's pattern of a test argument that is a call to
// evaluate (add_rendered_test_kwargs): ref(), source(), var(), env_var()
// or doc() alone, as "{{ ... }}" would render it natively.
var jinjaExprRe = lazyre.New(`^\s*(env_var|ref|var|source|doc)\s*\(.+\)\s*$`)

// renderGenericTest calls test_<name> with the declaration's kwargs: model
// is the attached relation (wrapped by the where config), ref()/source()
// strings are evaluated and strings containing {{ are rendered.
func (st *renderState) renderGenericTest() (string, error) {
	n := st.node
	md := n.TestMetadata
	macro := "test_" + md.Name
	def, ok := st.engine.testMacro(md.Namespace, macro)
	if !ok {
		if md.Namespace != "" {
			hint := "install the package " + md.Namespace + " (packages.yml, then elt deps)"
			if _, installed := st.engine.packageMacros[md.Namespace]; installed || md.Namespace == st.engine.proj.Config.Name {
				hint = "check the test's name against the package's tests"
			}
			return "", &jinjaError{
				msg:  fmt.Sprintf("test '%s.%s' is not defined (no macro %s.%s)", md.Namespace, md.Name, md.Namespace, macro),
				hint: hint,
				line: n.PatchPos.Line,
			}
		}
		return "", &jinjaError{
			msg:  fmt.Sprintf("test '%s' is not defined (no macro %s)", md.Name, macro),
			hint: "define it with {% test " + md.Name + "(model, column_name) %} in a macros or tests/generic file",
			line: n.PatchPos.Line,
		}
	}
	// dbt records the test's macro before it renders the arguments
	// (render_test_update), whatever they call.
	st.dependOn(def.meta.UniqueID)
	// The arguments are rendered before model, as dbt renders them (the
	// declaration's arguments, then the model it adds): the refs they
	// make, and so the test's depends_on, come in dbt's order.
	keys := sortedKeys(md.Kwargs)
	if i := slices.Index(keys, "model"); i >= 0 {
		keys = append(slices.Delete(keys, i, i+1), "model")
	}
	kw := jinja.NewDict()
	for _, k := range keys {
		v := md.Kwargs[k]
		var val any
		var err error
		switch k {
		case "model":
			val, err = st.testModel(v)
		case "column_name":
			// dbt renders every argument natively but the column's name.
			val, err = st.testArg(v, false)
		default:
			val, err = st.testArg(v, true)
		}
		if err != nil {
			return "", err
		}
		kw.Set(k, templateValue(val))
	}
	out, err := st.callMacro(def, nil, nil, kw)
	if err != nil {
		return "", err
	}
	return jinja.Str(out)
}

// testMacro finds the macro of a generic test as dbt does: in the named
// package when the test is written namespace.name, else the root
// project's, then an installed package's (in name order), then a builtin.
func (e *engine) testMacro(namespace, macro string) (*macroDef, bool) {
	if namespace != "" {
		return e.lookupQualified(namespace, macro)
	}
	if def, ok := e.macros[macro]; ok && def.meta.Package == e.proj.Config.Name {
		return def, true
	}
	for _, pkg := range e.proj.Packages {
		if def, ok := e.packageMacros[pkg.Name][macro]; ok {
			return def, true
		}
	}
	def, ok := e.macros[macro]
	return def, ok
}

// testModel evaluates the model kwarg: the relation itself (as in dbt, so
// a test macro may call adapter.get_columns_in_relation(model)), or a
// subquery string when the test has a where config.
func (st *renderState) testModel(v any) (any, error) {
	s, _ := v.(string)
	if expr, ok := strings.CutPrefix(s, "{{ "); ok {
		if expr, ok = strings.CutSuffix(expr, " }}"); ok {
			val, err := st.evalExpr(expr)
			if err != nil {
				return nil, st.testArgError(err)
			}
			if _, isStr := val.(string); isStr {
				return strings.TrimSpace(val.(string)), nil
			}
			return val, nil
		}
	}
	out, err := st.renderString(s)
	if err != nil {
		return nil, st.testArgError(err)
	}
	return strings.TrimSpace(out), nil
}

func (st *renderState) testArg(v any, native bool) (any, error) {
	switch x := v.(type) {
	case string:
		if strings.Contains(x, "(") && jinjaExprRe().MatchString(x) { // the pattern needs a "(": most arguments have none
			// compare_model: ref('orders') reaches the test macro as the
			// relation itself, as in dbt, so it can be introspected.
			v, err := st.evalExpr(x)
			if err != nil {
				return nil, st.testArgError(err)
			}
			return v, nil
		}
		if !strings.Contains(x, "{{") && !strings.Contains(x, "{%") {
			return x, nil
		}
		var out any
		var err error
		if native {
			// As dbt's add_rendered_test_kwargs: "{{ var('model_types') }}"
			// is the list the var holds, not its text.
			out, err = st.renderNativeString(x)
		} else {
			out, err = st.renderString(x)
		}
		if err != nil {
			return nil, st.testArgError(err)
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			var err error
			if out[i], err = st.testArg(e, native); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			var err error
			if out[k], err = st.testArg(e, native); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return v, nil
}

// testArgError reports a test argument that failed to render at the
// test's declaration.
func (st *renderState) testArgError(err error) error {
	out := &jinjaError{msg: err.Error(), line: st.node.PatchPos.Line}
	var je *jinjaError
	var e *jinja.Error
	if errors.As(err, &je) {
		out.msg, out.hint = je.msg, je.hint
	} else if errors.As(err, &e) {
		out.msg = e.Msg
	}
	return out
}

// renderString renders a small template in this state, caching its parse.
// evalExpr evaluates a Jinja expression to its value (not its string)
// in this render's context.
func (st *renderState) evalExpr(expr string) (any, error) {
	if i, args, ok := modelExprShape(expr); ok {
		// A test's model expression as buildGenericTests writes it: one
		// template for every test of this shape, the names passed in.
		e := st.engine
		tpl := e.shapeTpls[i].Load()
		if tpl == nil {
			sh := &modelExprShapes[i]
			t, err := e.env.Parse("<string>", "{% macro __elt_value("+sh.params+") %}{{ return("+sh.expr+") }}{% endmacro %}")
			if err != nil {
				return nil, err
			}
			e.shapeTpls[i].Store(t)
			tpl = t
		}
		return tpl.Macros()[0].CallWith(nil, st, args, nil)
	}
	return st.evalTemplate("{% macro __elt_value() %}{{ return("+expr+") }}{% endmacro %}", nil)
}

// evalTemplate calls the one macro of the template src (parsed once)
// with args and returns its value.
func (st *renderState) evalTemplate(src string, args []any) (any, error) {
	e := st.engine
	var tpl *jinja.Template
	if v, ok := e.strCache.Load(src); ok {
		tpl = v.(*jinja.Template)
	} else {
		t, err := e.env.Parse("<string>", src)
		if err != nil {
			return nil, err
		}
		e.strCache.Store(src, t)
		tpl = t
	}
	return tpl.Macros()[0].CallWith(nil, st, args, nil)
}

// exprShape is a model expression of a generic test with its quoted names
// taken out: expr calls the same functions with params instead.
type exprShape struct {
	prefix, middle, suffix string // around the quoted names as written
	params, expr           string
}

// modelExprShapes are the model expressions buildGenericTests writes.
var modelExprShapes = [...]exprShape{
	{prefix: "get_where_subquery(ref('", suffix: "'))",
		params: "__elt_a", expr: "get_where_subquery(ref(__elt_a))"},
	{prefix: "get_where_subquery(ref('", middle: "', version='", suffix: "'))",
		params: "__elt_a, __elt_b", expr: "get_where_subquery(ref(__elt_a, version=__elt_b))"},
	{prefix: "get_where_subquery(source('", middle: "', '", suffix: "'))",
		params: "__elt_a, __elt_b", expr: "get_where_subquery(source(__elt_a, __elt_b))"},
}

// modelExprShape matches expr against modelExprShapes: the shape's index and the
// names, when each is a plain quoted string (no quote or backslash in
// it), so that passing it as an argument is the same as writing it.
func modelExprShape(expr string) (int, []any, bool) {
	for i := range modelExprShapes {
		sh := &modelExprShapes[i]
		rest, ok := strings.CutPrefix(expr, sh.prefix)
		if !ok {
			continue
		}
		if rest, ok = strings.CutSuffix(rest, sh.suffix); !ok {
			continue
		}
		var arr [2]string
		names := arr[:1]
		if sh.middle == "" {
			arr[0] = rest
		} else {
			a, b, ok := strings.Cut(rest, sh.middle)
			if !ok {
				continue
			}
			arr[0], arr[1], names = a, b, arr[:2]
		}
		args := make([]any, len(names))
		for j, n := range names {
			if strings.ContainsAny(n, `'\`) {
				args = nil // another shape, or no shape
				break
			}
			args[j] = n
		}
		if args != nil {
			return i, args, true
		}
	}
	return 0, nil, false
}

func (st *renderState) renderString(src string) (string, error) {
	tpl, err := st.engine.stringTemplate(src)
	if err != nil {
		return "", err
	}
	return st.render(tpl)
}

// renderNativeString renders src as dbt renders a generic test's
// arguments (add_rendered_test_kwargs, native=True): in dbt's native
// environment, whose as_* filters make markers, joined by
// quotedNativeConcat.
func (st *renderState) renderNativeString(src string) (any, error) {
	tpl, err := st.engine.nativeTemplate(src)
	if err != nil {
		return nil, err
	}
	parts, err := tpl.RenderPartsWith(st.ctx, st)
	if err != nil {
		return nil, err
	}
	return project.QuotedNativeConcat(parts)
}

// nativeTemplate is src parsed in the native environment, once for the
// engine.
func (e *engine) nativeTemplate(src string) (*jinja.Template, error) {
	if v, ok := e.nativeCache.Load(src); ok {
		return v.(*jinja.Template), nil
	}
	e.nativeOnce.Do(func() { e.nativeEnv = e.env.Derive(dbtNativeFilters()) })
	t, err := e.nativeEnv.Parse("<string>", src)
	if err != nil {
		return nil, err
	}
	e.nativeCache.Store(src, t)
	return t, nil
}

// stringTemplate is src parsed, once for the engine.
func (e *engine) stringTemplate(src string) (*jinja.Template, error) {
	if v, ok := e.strCache.Load(src); ok {
		return v.(*jinja.Template), nil
	}
	t, err := e.env.Parse("<string>", src)
	if err != nil {
		return nil, err
	}
	e.strCache.Store(src, t)
	return t, nil
}

// packageNamed is the installed package name, or nil.
func packageNamed(p *project.Project, name string) *project.Package {
	for _, pk := range p.Packages {
		if pk.Name == name {
			return pk
		}
	}
	return nil
}

// testHash is the last part of a generic test's unique id, as dbt makes
// it: the last 10 hex digits of md5(name + repr(metadata)), where metadata
// is {namespace, name, kwargs} with every dict sorted by key and every
// scalar turned into its Python str(). Two tests whose names are the same
// (arguments that differ only in punctuation) get different ids.
func testHash(name, namespace, test string, kwargs map[string]any) string {
	// repr(get_hashable_md({"kwargs": ..., "name": ..., "namespace": ...})),
	// written directly: the keys in this order are already sorted.
	var arr [256]byte
	b := append(arr[:0], name...)
	b = append(b, "{'kwargs': "...)
	b = appendHashableMD(b, kwargs)
	b = append(b, ", 'name': "...)
	b = appendStrRepr(b, test)
	b = append(b, ", 'namespace': "...)
	if namespace != "" {
		b = appendStrRepr(b, namespace)
	} else {
		b = append(b, "'None'"...) // str(None), then its repr
	}
	b = append(b, '}')
	sum := md5.Sum(b)
	var h [32]byte
	hex.Encode(h[:], sum[:])
	return string(h[len(h)-10:])
}

// appendHashableMD appends repr(v) of dbt's get_hashable_md(v): dicts
// with sorted keys, lists kept, everything else as its Python str().
func appendHashableMD(b []byte, v any) []byte {
	switch x := v.(type) {
	case map[string]any:
		b = append(b, '{')
		var arr [16]string // a test's few arguments, sorted on the stack
		keys := arr[:0]
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendStrRepr(b, k)
			b = append(b, ": "...)
			b = appendHashableMD(b, x[k])
		}
		return append(b, '}')
	case []any:
		b = append(b, '[')
		for i, it := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendHashableMD(b, it)
		}
		return append(b, ']')
	default:
		return appendStrRepr(b, pyStr(v))
	}
}

// appendStrRepr appends Python's repr() of the string s. Most strings
// here (names, column names, the {{ get_where_subquery(ref('x')) }} of
// every test's model) are printable ASCII without a backslash, whose
// repr is the string in single quotes, or in double quotes when it holds
// a single quote and no double one; the others take jinja.Repr's full
// rules.
func appendStrRepr(b []byte, s string) []byte {
	single, double := false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e || c == '\\':
			return append(b, jinja.Repr(s)...)
		case c == '\'':
			single = true
		case c == '"':
			double = true
		}
	}
	q := byte('\'')
	if single {
		if double {
			return append(b, jinja.Repr(s)...)
		}
		q = '"'
	}
	b = append(b, q)
	b = append(b, s...)
	return append(b, q)
}
