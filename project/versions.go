package project

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
)

// versionKeys are the keys dbt accepts in one entry of a model's versions:.
var versionKeys = map[string]bool{
	"v": true, "defined_in": true, "description": true, "access": true, "config": true,
	"constraints": true, "docs": true, "data_tests": true, "tests": true, "columns": true,
	"deprecation_date": true,
}

// modelVersion is one entry of versions:, read.
type modelVersion struct {
	entry *yaml.Node
	v     any    // as written
	text  string // "2", "1.5"
	pos   diag.Pos
}

// CompareVersions orders two model versions as dbt does: as numbers when
// both are numbers, else as text.
func CompareVersions(a, b string) int {
	fa, errA := strconv.ParseFloat(a, 64)
	fb, errB := strconv.ParseFloat(b, 64)
	if errA == nil && errB == nil {
		switch {
		case fa < fb:
			return -1
		case fa > fb:
			return 1
		}
		return 0
	}
	return strings.Compare(a, b)
}

// VersionText is a version value's text as dbt prints it in names.
func VersionText(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// hasVersions reports whether a models: entry has a versions: key.
func hasVersions(e *yaml.Node) (*yaml.Node, bool) {
	return pairValue(e, "versions")
}

// patchVersioned applies a models: entry with versions: (dbt 1.5+): each
// version is the model file defined_in names (default <name>_v<v>; the
// latest version may also be <name>), renamed to the model's name with
// the version's unique id, fqn and properties.
func (l *loader) patchVersioned(file string, e, list *yaml.Node, name string) {
	what := fmt.Sprintf("model %q", name)
	if !isSequence(list) {
		l.diags.Add(diag.Errorf(file, posOf(list), "write versions: as a list of `- v: <version>` entries",
			"%s: versions must be a list, not %s", what, kindName(list)))
		return
	}
	var versions []modelVersion
	seen := map[string]int{}
	for _, ve := range deref(list).Content {
		if !isMapping(ve) {
			l.diags.Add(diag.Errorf(file, posOf(ve), "each version is a mapping starting with `- v:`",
				"%s: a versions entry must be a mapping, not %s", what, kindName(ve)))
			continue
		}
		mv := modelVersion{entry: ve, pos: posOf(ve)}
		ok := true
		for _, p := range pairs(ve) {
			if !versionKeys[p.Key] {
				l.diags.Add(diag.Errorf(file, posOf(p.KeyNode), "a version accepts "+strings.Join(sortedKeys(versionKeys), ", "),
					"%s: unknown key %q in a versions entry", what, p.Key))
				ok = false
				continue
			}
			if p.Key == "v" {
				if s, scalar := stringOf(p.Val); scalar && s != "" {
					mv.text, mv.v = s, toValue(p.Val, nil, nil)
				}
			}
		}
		if mv.text == "" {
			l.diags.Add(diag.Errorf(file, mv.pos, "add `v:` with the version's number or name",
				"%s: a versions entry has no v", what))
			continue
		}
		for prev, line := range seen {
			if CompareVersions(prev, mv.text) == 0 {
				l.diags.Add(diag.Errorf(file, mv.pos, "give each version its own v",
					"%s: found duplicate version %q in versions (first at line %d)", what, mv.text, line))
				ok = false
			}
		}
		if !ok {
			continue
		}
		seen[mv.text] = mv.pos.Line
		versions = append(versions, mv)
	}
	if len(versions) == 0 {
		return
	}
	latest := versions[0]
	for _, mv := range versions[1:] {
		if CompareVersions(mv.text, latest.text) > 0 {
			latest = mv
		}
	}
	var deprecation string
	for _, p := range pairs(e) {
		switch p.Key {
		case "latest_version":
			s, _ := stringOf(p.Val)
			found := false
			for _, mv := range versions {
				if CompareVersions(mv.text, s) == 0 {
					latest, found = mv, true
				}
			}
			if !found {
				texts := make([]string, len(versions))
				for i, mv := range versions {
					texts[i] = mv.text
				}
				l.diags.Add(diag.Errorf(file, posOf(p.Val), "set latest_version to one of the versions listed, or remove it",
					"%s: latest_version %s is not one of its versions: %s", what, s, strings.Join(texts, ", ")))
				return
			}
		case "deprecation_date":
			deprecation, _ = stringOf(p.Val)
		}
	}
	for _, mv := range versions {
		n := l.versionNode(file, name, mv, mv.text == latest.text)
		if n == nil {
			continue
		}
		if prev, dup := l.patched[n.UniqueID]; dup {
			l.diags.Add(diag.Errorf(file, mv.pos, "keep one entry and remove the other",
				"model %q version %s is described twice: %s:%d and %s:%d", name, mv.text, prev.file, prev.pos.Line, file, mv.pos.Line))
			continue
		}
		l.patched[n.UniqueID] = patchSite{file, mv.pos}
		n.Version, n.VersionString, n.LatestVersion = mv.v, mv.text, latest.v
		n.DeprecationDate = deprecation
		for _, p := range pairs(mv.entry) {
			if p.Key == "deprecation_date" {
				n.DeprecationDate, _ = stringOf(p.Val)
			}
		}
		n.PatchPath, n.PatchPos = file, posOf(e)
		l.checkOneTestsKey(file, mv.entry, fmt.Sprintf("model %q version %s", name, mv.text), false)
		l.patchNode(file, n, l.versionPatch(file, e, mv))
		for _, p := range pairs(mv.entry) {
			if p.Key == "config" {
				l.propsConf[n.UniqueID] = MergeConfig(l.propsConf[n.UniqueID], l.propsConfig(file, p.Val))
				l.propsRaw[n.UniqueID] = MergeConfig(l.propsRaw[n.UniqueID], propsConfigUnrendered(l.unrenderedNode(p.Val)))
			}
		}
	}
}

// versionNode finds the model file of one version and renames its node
// into the versioned model ("model.<pkg>.<name>.v<v>").
func (l *loader) versionNode(file, name string, mv modelVersion, latest bool) *Node {
	definedIn := name + "_v" + mv.text
	explicit := false
	for _, p := range pairs(mv.entry) {
		if p.Key == "defined_in" {
			if s, _ := stringOf(p.Val); s != "" {
				definedIn, explicit = s, true
			}
		}
	}
	key := l.cur.name + "." + definedIn
	n := l.refable[key]
	if n == nil && latest && !explicit {
		key = l.cur.name + "." + name
		n = l.refable[key]
	}
	if n == nil || n.ResourceType != Model || n.Version != nil {
		// dbt declares no node for a version without its file, and
		// says nothing; elt says so.
		l.diags.Add(diag.Warnf(file, mv.pos, fmt.Sprintf("create the model file %s.sql, or set defined_in: to the file that defines it", definedIn),
			"did not find a model file named %q for version %s of model %q; the version is skipped", definedIn, mv.text, name))
		return nil
	}
	delete(l.refable, key)
	delete(l.proj.Nodes, n.UniqueID)
	n.Name = name
	n.UniqueID = string(Model) + "." + n.Package + "." + name + ".v" + mv.text
	fqn := append([]string(nil), n.FQN...)
	fqn[len(fqn)-1] = name
	n.FQN = append(fqn, "v"+mv.text)
	l.refable[l.cur.name+"."+name+".v"+mv.text] = n
	if latest {
		// unit_tests: model: <name> reach the latest version.
		if other := l.refable[l.cur.name+"."+name]; other != nil && other.Version == nil {
			l.diags.Add(diag.Errorf(file, mv.pos, fmt.Sprintf("rename or remove %s, or make it a version with defined_in: %s", other.OriginalFilePath, name),
				"model %q has versions, and %s is another resource named %q", name, other.OriginalFilePath, name))
		}
		l.refable[l.cur.name+"."+name] = n
	}
	l.proj.Nodes[n.UniqueID] = n
	return n
}

// versionPatch is the models: entry as it applies to one version: the
// version's description, docs, constraints, tests and deprecation date
// replace the model's (its config is merged over the model's by
// patchVersioned); its columns
// are its own entries plus the model's columns that include/exclude keep.
func (l *loader) versionPatch(file string, e *yaml.Node, mv modelVersion) *yaml.Node {
	own := map[string]*yaml.Node{}
	for _, p := range pairs(mv.entry) {
		own[p.Key] = p.Val
	}
	own["data_tests"] = versionTests(own["tests"], own["data_tests"])
	delete(own, "tests")
	out := &yaml.Node{Kind: yaml.MappingNode, Line: e.Line, Column: e.Column}
	add := func(k string, v *yaml.Node) {
		out.Content = append(out.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k, Line: v.Line, Column: v.Column}, v)
	}
	for _, p := range pairs(e) {
		switch p.Key {
		case "versions", "latest_version", "name":
		case "description", "docs", "constraints", "access", "deprecation_date":
			if v := own[p.Key]; v != nil {
				add(p.Key, v)
				delete(own, p.Key)
			} else {
				add(p.Key, p.Val)
			}
		case "tests", "data_tests":
			if v := own["data_tests"]; v != nil {
				add("data_tests", v)
				delete(own, "data_tests")
			} else {
				add("data_tests", p.Val)
			}
		case "columns":
			// handled below
		case "config":
			add("config", p.Val)
		default:
			add(p.Key, p.Val)
		}
	}
	for _, k := range []string{"description", "docs", "constraints", "access", "deprecation_date", "data_tests"} {
		if v := own[k]; v != nil {
			add(k, v)
		}
	}
	if cols := l.versionColumns(file, e, mv); cols != nil {
		add("columns", cols)
	}
	return out
}

// versionTests is a version's own tests list, nil when it takes the
// model's: dbt renames a version's tests: to data_tests: only when it is
// not empty (Python's truth), and a data_tests: that is null (or absent)
// leaves the model's tests (unparsed.py get_tests_for_version).
func versionTests(tests, dataTests *yaml.Node) *yaml.Node {
	if tests != nil && yamlTruthy(tests) {
		return tests
	}
	if isNull(dataTests) {
		return nil
	}
	return dataTests
}

// yamlTruthy is Python's truth of a YAML value as dbt loads it.
func yamlTruthy(n *yaml.Node) bool {
	n = deref(n)
	switch {
	case n == nil:
		return false
	case n.Kind == yaml.SequenceNode || n.Kind == yaml.MappingNode:
		return len(n.Content) > 0
	case n.Kind == yaml.ScalarNode:
		return truthy(scalarValue(n))
	}
	return true
}

// versionColumns is the columns: list of one version.
func (l *loader) versionColumns(file string, e *yaml.Node, mv modelVersion) *yaml.Node {
	var top *yaml.Node
	for _, p := range pairs(e) {
		if p.Key == "columns" {
			top = p.Val
		}
	}
	var mine *yaml.Node
	for _, p := range pairs(mv.entry) {
		if p.Key == "columns" {
			mine = p.Val
		}
	}
	if mine == nil {
		return top
	}
	if !isSequence(mine) {
		l.diags.Add(diag.Errorf(file, posOf(mine), "write columns: as a list of `- name:` entries and at most one `- include:` entry",
			"version %s: columns must be a list, not %s", mv.text, kindName(mine)))
		return top
	}
	out := &yaml.Node{Kind: yaml.SequenceNode, Line: mine.Line, Column: mine.Column}
	includeAll, include, exclude := true, map[string]bool{}, map[string]bool{}
	named := map[string]bool{}
	var ieSeen *yaml.Node
	for _, c := range deref(mine).Content {
		var inc, exc *yaml.Node
		isIE := false
		for _, p := range pairs(c) {
			switch p.Key {
			case "include":
				inc, isIE = p.Val, true
			case "exclude":
				exc, isIE = p.Val, true
			}
		}
		if !isIE {
			out.Content = append(out.Content, c)
			for _, p := range pairs(c) {
				if p.Key == "name" {
					s, _ := stringOf(p.Val)
					named[strings.ToLower(s)] = true
				}
			}
			continue
		}
		if ieSeen != nil {
			l.diags.Add(diag.Errorf(file, posOf(c), "merge the two into one `- include: ... exclude: ...` entry",
				"version %s can have at most one include/exclude element (the other at line %d)", mv.text, ieSeen.Line))
			continue
		}
		ieSeen = c
		if inc != nil {
			if s, scalar := stringOf(inc); scalar && deref(inc).Kind == yaml.ScalarNode {
				if s != "all" && s != "*" {
					l.diags.Add(diag.Errorf(file, posOf(inc), "write include: all, include: \"*\", or a list of column names",
						"version %s: include must be one of 'all', '*' or a list of column names, not %q", mv.text, s))
				}
			} else if names, ok := stringList(inc); ok {
				includeAll = false
				for _, s := range names {
					include[strings.ToLower(s)] = true
				}
			} else {
				l.diags.Add(diag.Errorf(file, posOf(inc), "write include: all, or a list of column names",
					"version %s: include must be 'all', '*' or a list, not %s", mv.text, kindName(inc)))
			}
		}
		if exc != nil {
			names, ok := stringList(exc)
			if !ok || deref(exc).Kind != yaml.SequenceNode {
				l.diags.Add(diag.Errorf(file, posOf(exc), "write exclude: as a list of column names",
					"version %s: exclude must be a list, not %s", mv.text, kindName(exc)))
			}
			if !includeAll && len(names) > 0 {
				l.diags.Add(diag.Errorf(file, posOf(exc), "use exclude: only with include: all",
					"version %s: exclude can only be specified if include is 'all' or '*'", mv.text))
			}
			for _, s := range names {
				exclude[strings.ToLower(s)] = true
			}
		}
	}
	if isSequence(top) {
		for _, c := range deref(top).Content {
			var name string
			for _, p := range pairs(c) {
				if p.Key == "name" {
					name, _ = stringOf(p.Val)
				}
			}
			k := strings.ToLower(name)
			if named[k] || exclude[k] || (!includeAll && !include[k]) {
				continue
			}
			out.Content = append(out.Content, c)
		}
	}
	return out
}

// IsLatestVersion reports whether n is the latest version of a versioned
// model.
func (n *Node) IsLatestVersion() bool {
	return n.VersionString != "" && CompareVersions(VersionText(n.LatestVersion), n.VersionString) == 0
}

// LatestVersionText is the text of n's latest version ("" when unversioned).
func (n *Node) LatestVersionText() string { return VersionText(n.LatestVersion) }
