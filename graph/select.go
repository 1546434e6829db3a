package graph

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
)

// Indirect selection modes (dbt's --indirect-selection): which tests come
// along with the nodes they test.
const (
	// IndirectEager selects a test when any of its parents is selected (the default).
	IndirectEager = "eager"
	// IndirectCautious selects a test only when all its parents are selected.
	IndirectCautious = "cautious"
	// IndirectBuildable selects a test when each parent is selected or is an ancestor of a selected node.
	IndirectBuildable = "buildable"
	// IndirectEmpty selects no test that was not selected itself.
	IndirectEmpty = "empty"
)

// SelectOptions are the selection flags of a command.
type SelectOptions struct {
	// Select and Exclude are --select and --exclude arguments. Each element
	// holds space-separated terms whose union is taken; within a term,
	// commas intersect criteria ("tag:nightly,staging"). No Select term
	// means every node.
	Select, Exclude []string
	// ResourceTypes keeps only nodes of these types, after everything else
	// (--resource-type). Nil keeps all.
	ResourceTypes []string
	// IndirectSelection is one of the Indirect* modes; "" means eager.
	// Exclusions are always expanded eagerly, as in dbt: excluding a model
	// excludes every test that touches it, but no test of other models.
	IndirectSelection string
	// State answers state:, result: and source_status: (an earlier run's
	// artifacts, --state). Nil: those methods are refused with a hint.
	State StateMethods
	// Spec, when set, is a named selector from selectors.yml (--selector
	// or a default: true selector); Select and Exclude are then ignored.
	Spec *Spec
}

// StateMethods answers the selector methods that read an earlier run's
// artifacts; package state implements it.
type StateMethods interface {
	// Matcher returns a test on node ids for method:value, or an error
	// saying which values are accepted or which artifact is missing.
	Matcher(method, value string) (func(id string) bool, error)
}

// Selection is the result of Select.
type Selection struct {
	IDs []string // selected ids, in topological order (ties by id)
	// Warnings name each --select or --exclude term that matched nothing,
	// for the caller to print.
	Warnings diag.List
}

// SelectorMethods lists the selector methods Select understands, for help text.
func SelectorMethods() []string { return append([]string(nil), methods...) }

var methods = []string{
	"fqn", "path", "file", "tag", "package", "resource_type", "config.<key>",
	"source", "test_name", "test_type", "exposure", "metric", "semantic_model",
	"saved_query", "unit_test", "group", "access", "version", "state", "result", "source_status",
}

// knownResourceTypes are dbt's resource types, to catch typos in resource_type:.
var knownResourceTypes = map[string]bool{
	"model": true, "analysis": true, "test": true, "snapshot": true, "operation": true, "seed": true,
	"rpc": true, "sql_operation": true, "doc": true, "source": true, "macro": true, "exposure": true,
	"metric": true, "group": true, "saved_query": true, "semantic_model": true, "unit_test": true,
	"fragment": true, "function": true,
	"loader": true, // elt's own: a loader lands a source's raw data
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// stateMethodNeeds says what each method reading an earlier run needs,
// for the error when --state is missing.
var stateMethodNeeds = map[string]string{
	"state":         "the manifest.json of an earlier run",
	"result":        "the run_results.json of an earlier run",
	"source_status": "the sources.json of an earlier `elt source freshness`",
}

// Select resolves dbt's node selection syntax against g. Syntax errors and
// unknown methods come back together as a *diag.Errors; a term that matches
// nothing is not an error but a warning in the Selection.
func (g *Graph) Select(opts SelectOptions) (Selection, error) {
	mode := opts.IndirectSelection
	if mode == "" {
		mode = IndirectEager
	}
	var problems diag.List
	switch mode {
	case IndirectEager, IndirectCautious, IndirectBuildable, IndirectEmpty:
	default:
		problems.Add(diag.Errorf("", diag.Pos{}, "use one of eager, cautious, buildable, empty",
			"unknown indirect selection mode %q", opts.IndirectSelection))
	}
	s := &selector{g: g, state: opts.State}
	if opts.Spec != nil {
		if problems.HasErrors() {
			return Selection{}, problems.Err()
		}
		return s.selectSpec(opts, mode)
	}
	include := s.parseTerms(opts.Select, "--select", &problems)
	exclude := s.parseTerms(opts.Exclude, "--exclude", &problems)
	if problems.HasErrors() {
		return Selection{}, problems.Err()
	}

	var warnings diag.List
	var selected bundle
	if len(include) == 0 {
		selected = bundle{direct: s.all(true), indirect: s.all(false)}
	} else {
		selected = s.union(include, mode, "--select", &warnings)
	}
	result := selected.direct
	if len(exclude) > 0 {
		excluded := s.union(exclude, IndirectEager, "--exclude", &warnings)
		diff := bundle{direct: s.all(false), indirect: s.all(false)}
		for i := range diff.direct {
			diff.direct[i] = selected.direct[i] && !excluded.direct[i]
			diff.indirect[i] = (selected.direct[i] || selected.indirect[i]) && !(excluded.direct[i] || excluded.indirect[i])
		}
		result = s.incorporate(diff, mode)
	}

	return Selection{IDs: s.finish(result, opts.ResourceTypes), Warnings: warnings}, nil
}

// finish keeps the resource types asked for and orders the ids.
func (s *selector) finish(result []bool, resourceTypes []string) []string {
	g := s.g
	if resourceTypes != nil {
		keep := map[string]bool{}
		for _, t := range resourceTypes {
			keep[t] = true
		}
		for i, ok := range result {
			if ok && !keep[g.nodes[i].ResourceType] {
				result[i] = false
			}
		}
	}
	var ids []string
	for _, i := range g.order {
		if result[i] {
			ids = append(ids, g.nodes[i].ID)
		}
	}
	return ids
}

// term is one space-separated selection term: criteria to intersect.
type term struct {
	raw      string
	criteria []criterion
}

// criterion is one comma-separated part: "2+tag:nightly+".
type criterion struct {
	raw              string
	childrensParents bool // @
	parents          bool
	parentsDepth     int
	children         bool
	childrenDepth    int
	match            func(i int) bool
}

func (s *selector) parseTerms(args []string, flag string, problems *diag.List) []term {
	var terms []term
	for _, arg := range args {
		for _, raw := range strings.Fields(arg) {
			t := term{raw: raw}
			ok := true
			for _, part := range strings.Split(raw, ",") {
				c, err := s.parseCriterion(part)
				if err != nil {
					d := *err
					d.Summary = fmt.Sprintf("%s %q: %s", flag, raw, d.Summary)
					problems.Add(d)
					ok = false
					continue
				}
				t.criteria = append(t.criteria, c)
			}
			if ok {
				terms = append(terms, t)
			}
		}
	}
	return terms
}

func (sel *selector) parseCriterion(raw string) (criterion, *diag.Diagnostic) {
	fail := func(hint, format string, args ...any) (criterion, *diag.Diagnostic) {
		d := diag.Errorf("", diag.Pos{}, hint, format, args...)
		return criterion{}, &d
	}
	c := criterion{raw: raw, parentsDepth: Unlimited, childrenDepth: Unlimited}
	s := raw
	if strings.HasPrefix(s, "@") {
		c.childrensParents = true
		s = s[1:]
	}
	depth := func(digits string) (int, bool) {
		if digits == "" {
			return Unlimited, true
		}
		n, err := strconv.Atoi(digits)
		return n, err == nil && n <= math.MaxInt32
	}
	j := 0
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j < len(s) && s[j] == '+' {
		d, ok := depth(s[:j])
		if !ok {
			return fail("use a small number of edges, like 2+name", "depth %q is too large", s[:j])
		}
		c.parents, c.parentsDepth = true, d
		s = s[j+1:]
	}
	k := len(s)
	for k > 0 && isDigit(s[k-1]) {
		k--
	}
	if k > 0 && s[k-1] == '+' {
		d, ok := depth(s[k:])
		if !ok {
			return fail("use a small number of edges, like name+2", "depth %q is too large", s[k:])
		}
		c.children, c.childrenDepth = true, d
		s = s[:k-1]
	}
	if c.childrensParents && c.parents {
		return fail("use @name for the name, its descendants and their ancestors, or +name+ for ancestors and descendants",
			"@ cannot be combined with a leading +")
	}

	method, args, value := "", []string(nil), s
	if i := strings.IndexByte(s, ':'); i > 0 && isMethodName(s[:i]) {
		parts := strings.Split(s[:i], ".")
		method, args, value = parts[0], parts[1:], s[i+1:]
	}
	if value == "" {
		// As dbt's: an empty part ("tag:a," or two spaces) or an empty
		// value matches no node.
		c.match = func(int) bool { return false }
		return c, nil
	}
	if method == "" {
		method = defaultMethod(value)
	}
	match, err := sel.methodMatcher(method, args, value)
	if err != nil {
		return criterion{}, err
	}
	c.match = match
	return c, nil
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

func isMethodName(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b == '_' || b == '.' || isDigit(b) || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z') {
			return false
		}
	}
	return s != ""
}

// defaultMethod is the method of a selector written without one, as dbt
// picks it: a path when it has a slash, a file name when it ends in a model
// or seed extension, else a dotted fully qualified name.
func defaultMethod(value string) string {
	lower := strings.ToLower(value)
	switch {
	case strings.ContainsAny(value, `/\`):
		return "path"
	case strings.HasSuffix(lower, ".sql"), strings.HasSuffix(lower, ".py"), strings.HasSuffix(lower, ".csv"):
		return "file"
	default:
		return "fqn"
	}
}

// methodMatcher compiles one method:value into a test on node indexes.
func (sel *selector) methodMatcher(method string, args []string, value string) (func(int) bool, *diag.Diagnostic) {
	g := sel.g
	fail := func(hint, format string, a ...any) (func(int) bool, *diag.Diagnostic) {
		d := diag.Errorf("", diag.Pos{}, hint, format, a...)
		return nil, &d
	}
	if len(args) > 0 && method != "config" {
		return fail("only config takes a dotted key, as in config.materialized:table",
			"unknown selector method %q", method+"."+strings.Join(args, "."))
	}
	nodes := g.nodes
	pattern := compileGlob(value)
	switch method {
	case "fqn":
		f := newFQNSelector(value)
		return func(i int) bool { return f.match(g, i) }, nil
	case "path":
		p := newPathSelector(value)
		return func(i int) bool { return p.match(nodes[i].Path) || p.matchFile(nodes[i].PatchPath) }, nil
	case "file":
		return func(i int) bool {
			base := baseName(nodes[i].Path)
			return base != "" && (pattern.match(base) || pattern.match(stem(base)))
		}, nil
	case "tag":
		return func(i int) bool { return pattern.matchAny(nodes[i].Tags) }, nil
	case "package":
		return func(i int) bool { return pattern.match(nodes[i].Package) }, nil
	case "resource_type":
		if !knownResourceTypes[value] {
			return fail("resource types: "+strings.Join(sortedKeys(knownResourceTypes), ", "),
				"unknown resource type %q", value)
		}
		return func(i int) bool { return nodes[i].ResourceType == value }, nil
	case "config":
		if len(args) == 0 {
			return fail("name the key, as in config.materialized:table or config.meta.owner:finance",
				"config needs a key")
		}
		if len(args) == 1 && args[0] == "severity" {
			// As dbt: a test's severity compares without case.
			return func(i int) bool {
				c, _ := nodes[i].configValue("severity")
				v, ok := c.(string)
				return ok && strings.EqualFold(v, value)
			}, nil
		}
		return func(i int) bool { return configMatch(&nodes[i], args, value) }, nil
	case "test_name":
		return func(i int) bool {
			n := &nodes[i]
			if n.ResourceType == "unit_test" {
				// As dbt: a unit test by its name.
				return pattern.match(n.Name)
			}
			if n.ResourceType != "test" || n.TestName == "" {
				return false
			}
			return pattern.match(n.TestName) || n.TestNamespace != "" && pattern.match(n.TestNamespace+"."+n.TestName)
		}, nil
	case "test_type":
		var want func(n *Node) bool
		switch value {
		case "generic", "schema": // "schema" is dbt's old name
			want = func(n *Node) bool { return n.ResourceType == "test" && n.TestName != "" }
		case "singular":
			want = func(n *Node) bool { return n.ResourceType == "test" && n.TestName == "" }
		case "data":
			want = func(n *Node) bool { return n.ResourceType == "test" }
		case "unit":
			want = func(n *Node) bool { return n.ResourceType == "unit_test" }
		default:
			return fail("use test_type:generic, singular, data or unit", "unknown test type %q", value)
		}
		return func(i int) bool { return want(&nodes[i]) }, nil
	case "source":
		parts := strings.Split(value, ".")
		if len(parts) > 3 {
			return fail("use source:<source>, source:<source>.<table> or source:<package>.<source>.<table>",
				"source selector %q has too many parts", value)
		}
		pkg, src, table := compileGlob("*"), compileGlob("*"), compileGlob("*")
		switch len(parts) {
		case 1:
			src = compileGlob(parts[0])
		case 2:
			src, table = compileGlob(parts[0]), compileGlob(parts[1])
		case 3:
			pkg, src, table = compileGlob(parts[0]), compileGlob(parts[1]), compileGlob(parts[2])
		}
		return func(i int) bool {
			n := &nodes[i]
			return n.ResourceType == "source" && pkg.match(n.Package) && src.match(sourceName(n)) && table.match(n.Name)
		}, nil
	case "exposure", "metric", "semantic_model", "saved_query", "unit_test":
		parts := strings.Split(value, ".")
		if len(parts) > 2 {
			return fail(fmt.Sprintf("use %s:<name> or %s:<package>.<name>", method, method),
				"%s selector %q has too many parts", method, value)
		}
		pkg, name := compileGlob("*"), compileGlob(parts[len(parts)-1])
		if len(parts) == 2 {
			pkg = compileGlob(parts[0])
		}
		return func(i int) bool {
			n := &nodes[i]
			return n.ResourceType == method && pkg.match(n.Package) && name.match(n.Name)
		}, nil
	case "group":
		return func(i int) bool {
			// As dbt: semantic models and saved queries have a group but
			// are not found by it.
			switch nodes[i].ResourceType {
			case "semantic_model", "saved_query":
				return false
			}
			c, _ := nodes[i].configValue("group")
			v, ok := c.(string)
			return ok && pattern.match(v)
		}, nil
	case "access":
		return func(i int) bool {
			c, _ := nodes[i].configValue("access")
			v, ok := c.(string)
			return ok && v == value
		}, nil
	case "version":
		switch value {
		case "latest", "prerelease", "old":
			return func(i int) bool { return nodes[i].VersionKind == value }, nil
		case "none":
			return func(i int) bool { return nodes[i].ResourceType == "model" && nodes[i].Version == "" }, nil
		}
		return fail(`use version:latest, version:prerelease, version:old or version:none`,
			"invalid version type selector %q: expected one of: \"latest\", \"prerelease\", \"old\", or \"none\"", value)
	}
	if needs, ok := stateMethodNeeds[method]; ok {
		if sel.state == nil {
			hint := "pass --state DIR, the target folder of an earlier run (it needs " + needs + ")"
			if method == "state" {
				// dbt's text (selector_methods.py StateSelectorMethod).
				return fail(hint, "Got a state selector method, but no comparison manifest: selector method %q needs --state", method)
			}
			return fail(hint, "selector method %q needs --state", method)
		}
		test, err := sel.state.Matcher(method, value)
		if err != nil {
			return fail("", "%v", err)
		}
		return func(i int) bool { return test(nodes[i].ID) }, nil
	}
	return fail("selector methods: "+strings.Join(methods, ", "), "unknown selector method %q", method)
}

// fqnSelector is dbt's fully-qualified-name method: the node's name, or a
// dotted prefix of its fqn ("shop", "shop.staging", "staging.stg_orders"),
// with or without the package, where a part with a wildcard matches the
// rest of the fqn ("shop.staging.*", "*.finance.*").
type fqnSelector struct {
	raw   string
	parts []string
	slurp int  // index of the first part with a wildcard, or -1
	rest  glob // parts[slurp:] joined
}

func newFQNSelector(raw string) fqnSelector {
	f := fqnSelector{raw: raw, parts: strings.Split(raw, "."), slurp: -1}
	for k, part := range f.parts {
		if hasWildcard(part) {
			f.slurp = k
			f.rest = compileGlob(strings.Join(f.parts[k:], "."))
			break
		}
	}
	return f
}

// match tests node i. As in dbt, every node but a source is matched by
// its fqn: exposures, metrics, semantic models and saved queries too.
func (f fqnSelector) match(g *Graph, i int) bool {
	n := &g.nodes[i]
	if n.ResourceType == "source" {
		return false
	}
	if n.Name == f.raw {
		return true
	}
	// As dbt: a version of a model by its last two fqn parts, joined by
	// "." or "_": "dim_customers.v2", "dim_customers_v2" (and any prefix
	// before them).
	if n.Version != "" {
		last := f.parts
		if len(last) > 2 {
			last = last[len(last)-2:]
		}
		if n.Name+"_v"+n.Version == strings.Join(last, "_") {
			return true
		}
	}
	// A single pattern like "stg_*" also matches names. dbt matches it only
	// against the whole dotted fqn, where it selects nothing; users write it
	// for names, so elt does what they mean.
	if f.slurp == 0 && len(f.parts) == 1 && f.rest.match(n.Name) {
		return true
	}
	flat := g.flatFQN[i]
	if f.matchFlat(flat) {
		return true
	}
	// Without the package: "staging.stg_orders" matches shop.staging.stg_orders.
	return len(flat) > 1 && f.matchFlat(flat[1:])
}

func (f fqnSelector) matchFlat(flat []string) bool {
	// (The leaf is matched by name in match: a model named
	// "alternative.users" is not "users", as in dbt's is_selected_node.)
	if len(flat) == 0 || len(flat) < len(f.parts) {
		return false
	}
	for k, part := range f.parts {
		if k == f.slurp {
			return f.rest.match(strings.Join(flat[k:], "."))
		}
		if flat[k] != part {
			return false
		}
	}
	return true
}

// configMatch follows keys through nested maps and compares the value with
// want as dbt does: strings exactly, booleans case-insensitively, numbers by
// their printed form, and a list when any element matches.
func configMatch(n *Node, keys []string, want string) bool {
	v, ok := n.configValue(keys[0])
	if !ok {
		return false
	}
	for _, k := range keys[1:] {
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		if v, ok = m[k]; !ok {
			return false
		}
	}
	return valueMatch(v, want)
}

func valueMatch(v any, want string) bool {
	switch v := v.(type) {
	case nil:
		return false
	case string:
		return v == want
	case bool:
		return strings.EqualFold(strconv.FormatBool(v), want)
	case []any:
		for _, e := range v {
			if valueMatch(e, want) {
				return true
			}
		}
		return false
	case []string:
		for _, e := range v {
			if e == want {
				return true
			}
		}
		return false
	case map[string]any:
		return false
	default:
		return fmt.Sprint(v) == want
	}
}

// sourceName is the source a source node belongs to: the third part of
// "source.<package>.<source>.<table>", else the next-to-last fqn part.
func sourceName(n *Node) string {
	if parts := strings.SplitN(n.ID, ".", 4); len(parts) == 4 && parts[0] == "source" {
		return parts[2]
	}
	if len(n.FQN) >= 2 {
		return n.FQN[len(n.FQN)-2]
	}
	return ""
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

func stem(base string) string {
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		return base[:i]
	}
	return base
}

// bundle is dbt's pair of sets while combining selectors: nodes selected,
// and tests waiting for the rest of their parents (cautious, buildable).
type bundle struct{ direct, indirect []bool }

type selector struct {
	g     *Graph
	state StateMethods
}

func (s *selector) all(v bool) []bool {
	out := make([]bool, len(s.g.nodes))
	if v {
		for i := range out {
			out[i] = true
		}
	}
	return out
}

// union combines terms; each term that selects nothing adds a warning.
func (s *selector) union(terms []term, mode, flag string, warnings *diag.List) bundle {
	out := bundle{direct: s.all(false), indirect: s.all(false)}
	for _, t := range terms {
		b := s.intersection(t, mode)
		empty := true
		for i := range out.direct {
			if b.direct[i] {
				out.direct[i], empty = true, false
			}
			out.indirect[i] = out.indirect[i] || b.direct[i] || b.indirect[i]
		}
		if empty {
			// dbt's NoNodesForSelectionCriteria text; the hint is elt's.
			warnings.Add(diag.Warnf("", diag.Pos{},
				fmt.Sprintf("check the spelling of this %s term: names, paths, tags and fqn patterns are case-sensitive", flag),
				"The selection criterion '%s' does not match any enabled nodes", t.raw))
		}
	}
	out.direct = s.incorporate(out, mode)
	return out
}

func (s *selector) intersection(t term, mode string) bundle {
	var out bundle
	for k, c := range t.criteria {
		b := s.criterion(c, mode)
		if k == 0 {
			out = b
			for i := range out.indirect {
				out.indirect[i] = out.indirect[i] || out.direct[i]
			}
			continue
		}
		for i := range out.direct {
			out.direct[i] = out.direct[i] && b.direct[i]
			out.indirect[i] = out.indirect[i] && (b.direct[i] || b.indirect[i])
		}
	}
	out.direct = s.incorporate(out, mode)
	return out
}

// criterion selects by method, applies the graph operators, then adds tests
// by indirect selection.
func (s *selector) criterion(c criterion, mode string) bundle {
	g := s.g
	selected := s.all(false)
	var matched []int
	for i := range g.nodes {
		if c.match(i) {
			selected[i] = true
			matched = append(matched, i)
		}
	}
	if c.childrensParents {
		// @: the nodes, their descendants, and every ancestor of those.
		down := s.all(false)
		g.reach(matched, g.children, Unlimited, down)
		g.reach(trueIndexes(down), g.parents, Unlimited, selected)
	}
	if c.parents {
		g.reach(matched, g.parents, c.parentsDepth, selected)
	}
	if c.children {
		g.reach(matched, g.children, c.childrenDepth, selected)
	}
	return s.expand(selected, mode)
}

// expand adds the tests attached to selected nodes, by mode.
func (s *selector) expand(selected []bool, mode string) bundle {
	g := s.g
	out := bundle{direct: append([]bool(nil), selected...), indirect: s.all(false)}
	if mode == IndirectEmpty {
		return out
	}
	var buildable []bool
	if mode == IndirectBuildable {
		buildable = s.selectedAndAncestors(selected)
	}
	for i, ok := range selected {
		if !ok {
			continue
		}
		for _, t := range g.testsOf[i] {
			switch {
			case mode == IndirectEager, s.allIn(g.testParents[t], selected):
				out.direct[t] = true
			case mode == IndirectBuildable && s.allIn(g.testParents[t], buildable):
				out.direct[t] = true
			default:
				out.indirect[t] = true
			}
		}
	}
	return out
}

// incorporate returns b.direct plus the waiting tests whose parents are now
// all selected (cautious) or selected or upstream of the selection (buildable).
func (s *selector) incorporate(b bundle, mode string) []bool {
	if mode != IndirectCautious && mode != IndirectBuildable {
		return b.direct
	}
	g := s.g
	out := append([]bool(nil), b.direct...)
	have := b.direct
	if mode == IndirectBuildable {
		have = s.selectedAndAncestors(b.direct)
	}
	for t, waiting := range b.indirect {
		if waiting && !out[t] && isTestType(g.nodes[t].ResourceType) && s.allIn(g.testParents[t], have) {
			out[t] = true
		}
	}
	return out
}

// selectedAndAncestors is the selection, its ancestors, and every source
// (a test on a source is buildable whenever the source is upstream).
func (s *selector) selectedAndAncestors(selected []bool) []bool {
	g := s.g
	out := append([]bool(nil), selected...)
	g.reach(trueIndexes(selected), g.parents, Unlimited, out)
	for i := range g.nodes {
		if g.nodes[i].ResourceType == "source" {
			out[i] = true
		}
	}
	return out
}

func (s *selector) allIn(ids []int, set []bool) bool {
	for _, i := range ids {
		if !set[i] {
			return false
		}
	}
	return true
}
