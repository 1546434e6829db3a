package project

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/jinja"
)

// UnitTest is one entry of properties YAML `unit_tests:` (dbt 1.8): the
// model's SQL run on fixed input rows and compared with expected rows.
type UnitTest struct {
	UniqueID    string // "unit_test.<package>.<model>.<name>"
	Name        string
	Model       string // the tested model's name
	Description string
	Package     string
	File        string   // the properties YAML, relative to Root
	Pos         diag.Pos // where the entry starts
	FQN         []string // [package, folders of File below its resource path..., model, name]
	Given       []*UnitTestFixture
	Expect      *UnitTestFixture
	Overrides   UnitTestOverrides
	Config      Config // tags, meta, enabled
	// Versions limits a unit test on a versioned model to some of its
	// versions (dbt 1.8 versions: {include: [...], exclude: [...]}); nil
	// tests every version.
	Versions *UnitTestVersions
	// Checksum is dbt's build_unit_test_checksum of the entry.
	Checksum string
	// overridesRepr is overrides: as Python prints dbt's
	// UnitTestOverrides ("None" when not given), for the checksum.
	overridesRepr string
}

// UnitTestVersions is a unit test's versions: block; versions are their
// text ("2", "1.5"), as a model's VersionString. IncludeValues and
// ExcludeValues are the same lists with the YAML types kept (2, 1.5,
// "2"), as dbt holds them (NodeVersion is str | float, and mashumaro
// passes any value through its str arm); nil when not given.
type UnitTestVersions struct {
	Include, Exclude             []string
	IncludeValues, ExcludeValues []any
	Pos                          diag.Pos
}

// UnitTestFixture is one given input or the expected output.
type UnitTestFixture struct {
	// Input is how the model reads it: "ref('orders')", "source('raw',
	// 'orders')" or "this"; "" for expect.
	Input string
	// Format is "dict", "csv" or "sql".
	Format string
	// Rows are the rows of dict and csv fixtures (csv values are strings,
	// an empty field is nil), in order; Columns lists their keys in the
	// order first written.
	Rows    []map[string]any
	Columns []string
	// SQL is the select of a sql fixture.
	SQL string
	// Fixture is the fixture file's name when the rows come from
	// tests/fixtures/<name>.csv or .sql.
	Fixture string
	// FromSeed: a dict input with neither rows nor fixture reads the rows
	// of the seed it refs, as dbt does.
	FromSeed bool
	Pos      diag.Pos
	// rowReprs are Rows as Python prints each row's dict (keys in the
	// order written), for the checksum.
	rowReprs []string
}

// UnitTestOverrides replace macros, vars and env vars while the model renders.
type UnitTestOverrides struct {
	Macros  map[string]any
	Vars    map[string]any
	EnvVars map[string]any
}

// UnitTestType is dbt's resource_type for unit tests.
const UnitTestType ResourceType = "unit_test"

var (
	unitTestKeys  = map[string]bool{"name": true, "model": true, "description": true, "given": true, "expect": true, "overrides": true, "config": true, "versions": true}
	givenKeys     = map[string]bool{"input": true, "rows": true, "format": true, "fixture": true}
	expectKeys    = map[string]bool{"rows": true, "format": true, "fixture": true}
	overrideKeys  = map[string]bool{"macros": true, "vars": true, "env_vars": true}
	unitConfigKey = map[string]bool{"tags": true, "meta": true, "enabled": true}
)

// parseUnitTests reads a unit_tests: list of one properties YAML file.
func (l *loader) parseUnitTests(file string, entries []*yaml.Node) {
	for _, e := range entries {
		name, ok := l.entryName(file, "unit_tests", e)
		if !ok || !l.checkResourceName(file, posOf(e), "unit test", name) {
			continue
		}
		if ut := l.parseUnitTest(file, name, e); ut != nil {
			for _, prev := range l.proj.UnitTests {
				if prev.UniqueID == ut.UniqueID {
					l.diags.Add(diag.Errorf(file, ut.Pos, "rename one of them",
						"unit test %q of model %q is declared twice: %s:%d and %s:%d", name, ut.Model, prev.File, prev.Pos.Line, file, ut.Pos.Line))
					ut = nil
					break
				}
			}
			if ut != nil {
				l.proj.UnitTests = append(l.proj.UnitTests, ut)
			}
		}
	}
}

func (l *loader) unknownKey(file string, k pair, what string, known map[string]bool) {
	keys := make([]string, 0, len(known))
	for key := range known {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	l.diags.Add(diag.Errorf(file, posOf(k.KeyNode), "use one of: "+strings.Join(keys, ", "),
		"unknown key %q in %s", k.Key, what))
}

func (l *loader) parseUnitTest(file, name string, e *yaml.Node) *UnitTest {
	ut := &UnitTest{Name: name, Package: l.cur.name, File: file, Pos: posOf(e), Config: Config{}, overridesRepr: "None"}
	what := fmt.Sprintf("unit test %q", name)
	ok := true
	var expectSeen bool
	for _, p := range pairs(e) {
		if !unitTestKeys[p.Key] {
			l.unknownKey(file, p, what, unitTestKeys)
			ok = false
			continue
		}
		switch p.Key {
		case "model":
			s, _ := stringOf(p.Val)
			ut.Model = strings.TrimSpace(s)
		case "description":
			s, _ := stringOf(p.Val)
			ut.Description = l.resolveDocs(file, posOf(p.Val), s)
		case "given":
			if !isSequence(p.Val) {
				l.diags.Add(diag.Errorf(file, posOf(p.Val), "write given: as a list of `- input: ref('...')` entries",
					"%s: given must be a list, not %s", what, kindName(p.Val)))
				ok = false
				continue
			}
			for _, g := range deref(p.Val).Content {
				fx := l.parseFixture(file, what, g, true)
				if fx == nil {
					ok = false
					continue
				}
				ut.Given = append(ut.Given, fx)
			}
		case "expect":
			expectSeen = true
			ut.Expect = l.parseFixture(file, what, p.Val, false)
			if ut.Expect == nil {
				ok = false
			}
		case "overrides":
			if !l.parseOverrides(file, what, p.Val, &ut.Overrides, &ut.overridesRepr) {
				ok = false
			}
		case "config":
			if isNull(p.Val) {
				continue
			}
			if !isMapping(p.Val) {
				l.diags.Add(diag.Errorf(file, posOf(p.Val), "write config: as a mapping (tags, meta, enabled)",
					"%s: config must be a mapping, not %s", what, kindName(p.Val)))
				ok = false
				continue
			}
			for _, c := range pairs(p.Val) {
				if !unitConfigKey[c.Key] {
					l.unknownKey(file, c, what+" config", unitConfigKey)
					ok = false
				}
			}
			ut.Config = l.propsConfig(file, p.Val)
		case "versions":
			if isNull(p.Val) {
				continue
			}
			v, vok := l.parseUnitTestVersions(file, what, p.Val)
			ut.Versions = v
			ok = ok && vok
		}
	}
	if ut.Model == "" {
		l.diags.Add(diag.Errorf(file, ut.Pos, "add `model: <model name>` to the unit test", "%s has no model", what))
		ok = false
	}
	if !expectSeen {
		l.diags.Add(diag.Errorf(file, ut.Pos, "add `expect: {rows: [...]}` to the unit test", "%s has no expect", what))
		ok = false
	}
	if !ok {
		return nil
	}
	ut.UniqueID = string(UnitTestType) + "." + ut.Package + "." + ut.Model + "." + ut.Name
	ut.FQN = unitTestFQN(ut.Package, file, l.cur.dir, ut.Model, ut.Name)
	markTreeUse(l.proj.Config.Trees, UnitTestType, ut.FQN, l.treeUsed)
	cfg := MergeConfig(TreeConfig(l.cur.cfg, UnitTestType, ut.FQN), ut.Config)
	ut.Config = cfg
	return ut
}

// unitTestFQN is dbt's: the package, the folders of the YAML file below
// its resource folder, the model and the test.
func unitTestFQN(pkg, file, dir string, model, name string) []string {
	rel := strings.TrimPrefix(file, dir+"/")
	parts := strings.Split(path.Dir(rel), "/")
	fqn := []string{pkg}
	if len(parts) > 1 {
		fqn = append(fqn, parts[1:]...)
	}
	return append(fqn, model, name)
}

func (l *loader) parseOverrides(file, what string, n *yaml.Node, o *UnitTestOverrides, repr *string) bool {
	if isNull(n) {
		return true
	}
	reprs := map[string]string{"macros": "{}", "vars": "{}", "env_vars": "{}"}
	defer func() {
		*repr = "UnitTestOverrides(macros=" + reprs["macros"] + ", vars=" + reprs["vars"] + ", env_vars=" + reprs["env_vars"] + ")"
	}()
	if !isMapping(n) {
		l.diags.Add(diag.Errorf(file, posOf(n), "write overrides: as a mapping with macros:, vars: or env_vars:",
			"%s: overrides must be a mapping, not %s", what, kindName(n)))
		return false
	}
	ok := true
	for _, p := range pairs(n) {
		if !overrideKeys[p.Key] {
			l.unknownKey(file, p, what+" overrides", overrideKeys)
			ok = false
			continue
		}
		if isNull(p.Val) {
			continue
		}
		m, isMap := toValue(p.Val, nil, nil).(map[string]any)
		if !isMap {
			l.diags.Add(diag.Errorf(file, posOf(p.Val), "write it as a mapping of names to values",
				"%s: overrides %s must be a mapping, not %s", what, p.Key, kindName(p.Val)))
			ok = false
			continue
		}
		reprs[p.Key] = pyReprNode(p.Val)
		switch p.Key {
		case "macros":
			o.Macros = m
		case "vars":
			o.Vars = m
		case "env_vars":
			o.EnvVars = m
		}
	}
	return ok
}

// parseFixture reads one given: entry (input true) or the expect: mapping.
func (l *loader) parseFixture(file, what string, n *yaml.Node, input bool) *UnitTestFixture {
	section, keys := "expect", expectKeys
	if input {
		section, keys = "given", givenKeys
	}
	if !isMapping(n) {
		l.diags.Add(diag.Errorf(file, posOf(n), "write it as a mapping with rows: (and input: for given)",
			"%s: %s entry must be a mapping, not %s", what, section, kindName(n)))
		return nil
	}
	fx := &UnitTestFixture{Format: "dict", Pos: posOf(n)}
	var rows *yaml.Node
	ok := true
	for _, p := range pairs(n) {
		if !keys[p.Key] {
			l.unknownKey(file, p, what+" "+section, keys)
			ok = false
			continue
		}
		switch p.Key {
		case "input":
			s, _ := stringOf(p.Val)
			fx.Input = strings.TrimSpace(s)
		case "format":
			s, _ := stringOf(p.Val)
			switch s {
			case "dict", "csv", "sql":
				fx.Format = s
			default:
				l.diags.Add(diag.Errorf(file, posOf(p.Val), "use format: dict, csv or sql",
					"%s: unknown fixture format %q", what, s))
				ok = false
			}
		case "rows":
			rows = p.Val
		case "fixture":
			fx.Fixture, _ = stringOf(p.Val)
		}
	}
	if input && fx.Input == "" {
		l.diags.Add(diag.Errorf(file, fx.Pos, "add input: ref('model'), source('src', 'table') or this",
			"%s: a given entry has no input", what))
		ok = false
	}
	// An input that is no ref, source or this fails its unit test when it
	// runs (compiler), as dbt's InvalidUnitTestGivenInput.
	if !ok {
		return nil
	}
	pos := fx.Pos
	if rows != nil {
		pos = posOf(rows)
	}
	if rows != nil && fx.Fixture != "" {
		l.diags.Add(diag.Errorf(file, pos, "keep either rows: or fixture:", "%s: %s has both rows and fixture", what, section))
		return nil
	}
	switch fx.Format {
	case "dict":
		if fx.Fixture != "" {
			l.diags.Add(diag.Errorf(file, fx.Pos, "use format: csv or sql with a fixture file",
				"%s: fixture files need format csv or sql, not dict", what))
			return nil
		}
		// rows: null is no rows either: dbt's _validate_and_normalize_rows
		// reads the seed when rows is None.
		if rows == nil || isNull(rows) {
			if !input {
				l.diags.Add(diag.Errorf(file, fx.Pos, "add rows: (a list of mappings, or [] for none)", "%s: expect has no rows", what))
				return nil
			}
			fx.FromSeed = true
			return fx
		}
		if !isSequence(rows) {
			l.diags.Add(diag.Errorf(file, pos, "write rows: as a list of mappings such as - {id: 1, name: a}",
				"%s has %s rows which do not match format dict: rows must be a list, not %s", what, section, kindName(rows)))
			return nil
		}
		for _, r := range deref(rows).Content {
			if !isMapping(r) {
				l.diags.Add(diag.Errorf(file, posOf(r), "write each row as a mapping such as {id: 1, name: a}",
					"%s: a %s row must be a mapping, not %s", what, section, kindName(r)))
				return nil
			}
			row := map[string]any{}
			for _, c := range pairs(r) {
				row[c.Key] = toValue(c.Val, nil, nil)
				fx.addColumn(c.Key)
			}
			fx.Rows = append(fx.Rows, row)
			fx.rowReprs = append(fx.rowReprs, pyReprNode(r))
		}
	case "csv":
		text, from, ok := l.fixtureText(file, what, section, fx, rows, ".csv")
		if !ok {
			return nil
		}
		if err := fx.readCSV(text, true); err != nil {
			l.diags.Add(diag.Errorf(from.file, from.pos, "fix the CSV (a header line, then one line per row)",
				"%s: %s CSV: %v", what, section, err))
			return nil
		}
	case "sql":
		text, _, ok := l.fixtureText(file, what, section, fx, rows, ".sql")
		if !ok {
			return nil
		}
		fx.SQL = text
	}
	return fx
}

func (fx *UnitTestFixture) addColumn(name string) {
	for _, c := range fx.Columns {
		if strings.EqualFold(c, name) {
			return
		}
	}
	fx.Columns = append(fx.Columns, name)
}

type fixtureSite struct {
	file string
	pos  diag.Pos
}

// fixtureText is a csv or sql fixture's text: rows: written inline as a
// string, or the file tests/fixtures/<fixture>.<ext> (any folder below a
// test path's fixtures/).
func (l *loader) fixtureText(file, what, section string, fx *UnitTestFixture, rows *yaml.Node, ext string) (string, fixtureSite, bool) {
	if fx.Fixture == "" {
		s, isScalar := stringOf(rows)
		if rows == nil || !isScalar || deref(rows).Tag != "!!str" {
			l.diags.Add(diag.Errorf(file, fx.Pos, fmt.Sprintf("write rows: as a %s string (rows: |), or name a fixture file with fixture:", strings.TrimPrefix(ext, ".")),
				"%s has %s rows or fixtures which do not match format %s: expected a string", what, section, fx.Format))
			return "", fixtureSite{}, false
		}
		return s, fixtureSite{file, posOf(rows)}, true
	}
	rel, data, err := l.findFixture(fx.Fixture, ext)
	if err != nil {
		hint := fmt.Sprintf("create %s/fixtures/%s%s, or fix the name", l.testPath(), fx.Fixture, ext)
		var dup *duplicateFixture
		var missing *missingFixture
		switch {
		case errors.As(err, &dup):
			hint = "rename one of them"
		case errors.As(err, &missing):
			// dbt's message.
			l.diags.Add(diag.Errorf(file, fx.Pos, hint,
				"File not found for fixture '%s' in unit tests in %s", missing.name, file))
			return "", fixtureSite{}, false
		}
		l.diags.Add(diag.Errorf(file, fx.Pos, hint, "%s: %v", what, err))
		return "", fixtureSite{}, false
	}
	// dbt reads a fixture file as bytes, decoded and stripped
	// (read_files.load_source_file), so a sql fixture's rows in the
	// manifest have no surrounding blanks and a csv one keeps its "\r\n".
	return jinja.Strip(string(data)), fixtureSite{rel, diag.Pos{Line: 1}}, true
}

// duplicateFixture is two fixture files of one name, which dbt refuses
// (DuplicateResourceNameError: one fixture.<package>.<name>).
type duplicateFixture struct {
	name  string
	paths []string
}

func (e *duplicateFixture) Error() string {
	return fmt.Sprintf("found two fixtures named %q: %s and %s", e.name, e.paths[0], e.paths[1])
}

func (l *loader) testPath() string {
	if l.cur.cfg != nil && len(l.cur.cfg.TestPaths) > 0 {
		return l.cur.cfg.TestPaths[0]
	}
	return "tests"
}

// findFixture finds name+ext under the fixtures/ folder of the current
// project's test paths.
func (l *loader) findFixture(name, ext string) (string, []byte, error) {
	paths := []string{"tests"}
	if l.cur.cfg != nil && len(l.cur.cfg.TestPaths) > 0 {
		paths = l.cur.cfg.TestPaths
	}
	// Every fixtures/ folder is searched: two files of the name are
	// dbt's DuplicateResourceNameError (one fixture.<package>.<name>).
	var found []string
	for _, tp := range paths {
		dir := path.Join(tp, "fixtures")
		if l.cur.dir != "" {
			dir = path.Join(l.cur.dir, dir)
		}
		_ = filepath.WalkDir(filepath.Join(l.root, filepath.FromSlash(dir)), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && d.Name() == name+ext {
				found = append(found, p)
			}
			return nil
		})
	}
	rels := make([]string, len(found))
	for i, p := range found {
		rel, _ := filepath.Rel(l.root, p)
		rels[i] = filepath.ToSlash(rel)
	}
	switch len(found) {
	case 0:
	case 1:
		data, err := os.ReadFile(found[0])
		if err != nil {
			return "", nil, fmt.Errorf("fixture %q: %w", name, err)
		}
		return rels[0], data, nil
	default:
		return "", nil, &duplicateFixture{name: name, paths: rels[:2]}
	}
	return "", nil, &missingFixture{name: name, looked: fmt.Sprintf("%s%s under the fixtures/ folder of %s", name, ext, strings.Join(paths, ", "))}
}

// missingFixture is a fixture no file holds, which dbt's _get_fixture
// refuses with a ParsingError.
type missingFixture struct{ name, looked string }

func (e *missingFixture) Error() string {
	return fmt.Sprintf("file not found for fixture %q (looked for %s)", e.name, e.looked)
}

// readCSV reads a header line and rows as dbt's csv.DictReader does:
// nothing trimmed (" a" stays " a", a header " id" names column " id"),
// quotes as Python's csv reads them, blank lines skipped, a short row's
// missing values NULL. An empty field is NULL when emptyIsNull (a csv
// fixture, as dbt's _validate_and_normalize_rows makes it), else an empty
// string (a seed's rows, which dbt reads with csv.DictReader into a dict
// fixture and leaves as they are).
func (fx *UnitTestFixture) readCSV(text string, emptyIsNull bool) error {
	header, rows, err := pyCSVDicts(text)
	if err != nil {
		return err
	}
	for _, h := range header {
		fx.addColumn(h)
	}
	for _, rec := range rows {
		row := make(map[string]any, len(header))
		for i, h := range header {
			switch {
			case rec[i] != nil && (*rec[i] != "" || !emptyIsNull):
				row[h] = *rec[i]
			default:
				row[h] = nil
			}
		}
		fx.Rows = append(fx.Rows, row)
		fx.rowReprs = append(fx.rowReprs, csvRowRepr(header, row))
	}
	return nil
}

// resolveSeedFixtures fills the rows of dict inputs that give none from
// the seed they ref, as dbt does.
func (l *loader) resolveSeedFixtures() {
	for _, ut := range l.proj.UnitTests {
		for _, fx := range ut.Given {
			if !fx.FromSeed {
				continue
			}
			name := refName(fx.Input)
			// ref('package', 'seed') reads that package's seed (dbt's
			// _load_rows_from_seed).
			pkg := ut.Package
			if args := QuotedArgs(fx.Input); len(args) == 2 {
				pkg = args[0]
			}
			seed := l.refable[pkg+"."+name]
			if seed == nil || seed.ResourceType != Seed {
				// dbt's messages, the seed paths as Python prints a list.
				where := "directories: " + pyStrList(l.seedPaths(pkg))
				if pkg != ut.Package {
					where = "'" + pkg + "' package"
				}
				l.diags.Add(diag.Errorf(ut.File, fx.Pos, "give rows: (or [] for none), or ref a seed to read its rows",
					"Unable to find seed '%s.%s' for unit tests in %s", pkg, name, where))
				continue
			}
			data, ok := l.seedData[seed.UniqueID]
			if !ok {
				var err error
				if data, err = os.ReadFile(filepath.Join(l.root, filepath.FromSlash(seed.OriginalFilePath))); err != nil {
					l.diags.Add(diag.Errorf(ut.File, fx.Pos, "check the seed file", "unit test %q: reading %s: %v", ut.Name, seed.OriginalFilePath, err))
					continue
				}
			}
			// dbt opens the seed in text mode: universal newlines, no strip.
			if err := fx.readCSV(universalNewlines(string(data)), false); err != nil {
				l.diags.Add(diag.Errorf(seed.OriginalFilePath, diag.Pos{Line: 1}, "fix the CSV", "unit test %q: %v", ut.Name, err))
			}
			// Values read from a seed are strings, an empty one too, in a
			// dict fixture (dbt's _load_rows_from_seed).
			fx.FromSeed = false
		}
	}
}

// seedPaths are the seed-paths of the project or installed package named pkg.
func (l *loader) seedPaths(pkg string) []string {
	cfg := l.proj.Config
	for _, p := range l.proj.Packages {
		if p.Name == pkg && p.Config != nil {
			cfg = p.Config
		}
	}
	if cfg == nil || len(cfg.SeedPaths) == 0 {
		return []string{"seeds"}
	}
	return cfg.SeedPaths
}

// pyStrList is a list of strings as Python's repr prints it: ['a', 'b'].
func pyStrList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = "'" + strings.ReplaceAll(s, "'", "\\'") + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// refName is the model name of "ref('x')" or "ref('pkg', 'x')" (the last
// quoted argument), "" when it is not a ref.
func refName(input string) string {
	args := QuotedArgs(input)
	if !strings.HasPrefix(strings.TrimSpace(input), "ref(") || len(args) == 0 {
		return ""
	}
	return args[len(args)-1]
}

// QuotedArgs lists the quoted string arguments of a call such as
// "source('raw', 'orders')".
func QuotedArgs(call string) []string {
	var out []string
	for i := 0; i < len(call); i++ {
		q := call[i]
		if q != '\'' && q != '"' {
			continue
		}
		j := strings.IndexByte(call[i+1:], q)
		if j < 0 {
			break
		}
		out = append(out, call[i+1:i+1+j])
		i += j + 1
	}
	return out
}

// parseUnitTestVersions reads versions: {include: [1, 2]} or {exclude: [1]}.
func (l *loader) parseUnitTestVersions(file, what string, n *yaml.Node) (*UnitTestVersions, bool) {
	if !isMapping(n) {
		l.diags.Add(diag.Errorf(file, posOf(n), "write versions: {include: [2]} or versions: {exclude: [1]}",
			"%s: versions must be a mapping, not %s", what, kindName(n)))
		return nil, false
	}
	v := &UnitTestVersions{Pos: posOf(n)}
	ok := true
	for _, p := range pairs(n) {
		var dst *[]string
		var values *[]any
		switch p.Key {
		case "include":
			dst, values = &v.Include, &v.IncludeValues
		case "exclude":
			dst, values = &v.Exclude, &v.ExcludeValues
		default:
			l.unknownKey(file, p, what+" versions", map[string]bool{"include": true, "exclude": true})
			ok = false
			continue
		}
		if isNull(p.Val) {
			continue
		}
		*values = []any{}
		if !isSequence(p.Val) {
			l.diags.Add(diag.Errorf(file, posOf(p.Val), fmt.Sprintf("write %s: [1, 2]", p.Key),
				"%s: versions %s must be a list of versions, not %s", what, p.Key, kindName(p.Val)))
			ok = false
			continue
		}
		for _, item := range deref(p.Val).Content {
			s, isScalar := stringOf(item)
			// NodeVersion is str | float: dbt's schema validation refuses
			// a boolean or a null.
			if tag := deref(item).Tag; isScalar && (tag == "!!bool" || tag == "!!null") {
				isScalar = false
			}
			if !isScalar || s == "" {
				l.diags.Add(diag.Errorf(file, posOf(item), "list versions as numbers or strings, e.g. [1, 2]",
					"%s: versions %s lists %s, not a version", what, p.Key, kindName(item)))
				ok = false
				continue
			}
			*dst = append(*dst, s)
			*values = append(*values, scalarValue(deref(item)))
		}
	}
	if len(v.Include) > 0 && len(v.Exclude) > 0 {
		// As dbt's UnparsedUnitTest.validate.
		l.diags.Add(diag.Errorf(file, posOf(n), "keep include or exclude, not both",
			"%s: Unit tests can not both include and exclude versions.", what))
		ok = false
	}
	return v, ok
}
