package project

import (
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/lazyre"
	"github.com/elt-dev/elt/internal/textdist"
)

const projectFile = "dbt_project.yml"

// projectKeys are the top-level keys dbt accepts in dbt_project.yml. dbt
// rejects any other key ("Additional properties are not allowed").
var projectKeys = map[string]bool{
	"name": true, "version": true, "config-version": true, "profile": true, "project-root": true,
	"model-paths": true, "seed-paths": true, "test-paths": true, "analysis-paths": true,
	"macro-paths": true, "snapshot-paths": true, "docs-paths": true, "asset-paths": true,
	"function-paths": true, "target-path": true, "log-path": true, "packages-install-path": true,
	"clean-targets": true, "query-comment": true, "require-dbt-version": true, "flags": true,
	"dbt-cloud": true, "quoting": true, "dispatch": true, "restrict-access": true,
	"on-run-start": true, "on-run-end": true, "vars": true,
	"models": true, "seeds": true, "snapshots": true, "sources": true, "tests": true,
	"data_tests": true, "unit_tests": true, "metrics": true, "semantic-models": true,
	"saved-queries": true, "exposures": true, "functions": true, "analyses": true,
	// elt's own: where loader YAML files live (package loaders reads it
	// from Raw and KeyPos); dbt has no loaders.
	"loader-paths": true,
}

// removedProjectKeys are keys dbt 1.0 renamed; dbt stops with an error
// naming the new key for modules-path.
// Of them, dbt 1.10 still reads source-paths and data-paths as the new
// keys, with a deprecation warning.
var deprecatedPaths = map[string]bool{"source-paths": true, "data-paths": true}

var removedProjectKeys = map[string]string{
	"source-paths": "model-paths",
	"data-paths":   "seed-paths",
	"modules-path": "packages-install-path",
}

var identRe = lazyre.New(`^[A-Za-z_][A-Za-z0-9_]*$`)

// checkTestsAndDataTests follows dbt's project contract: the deprecated
// tests: block and data_tests: may not both hold configs.
func (l *loader) checkTestsAndDataTests(file string, cfg *ProjectConfig) {
	tests, _ := cfg.Raw["tests"].(map[string]any)
	dataTests, _ := cfg.Raw["data_tests"].(map[string]any)
	if len(tests) == 0 || len(dataTests) == 0 {
		return
	}
	l.diags.Add(diag.Errorf(file, cfg.KeyPos["tests"], "move the configs under tests: into data_tests: and remove tests:",
		"invalid project config: cannot have both 'tests' and 'data_tests' defined"))
}

// quoteValue shows a value in an error: strings quoted, the rest as written.
func quoteValue(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return pyStr(v)
}

// semverRe is the pattern dbt's project schema gives a string version
// (major.minor, optionally .patch, prerelease and build parts).
var semverRe = lazyre.New(`^(0|[1-9]\d*)\.(0|[1-9]\d*)(\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?)?$`)

// validProjectVersion follows dbt's project schema: version is absent, a
// number, or a string in semantic-version form.
func validProjectVersion(v any) bool {
	switch x := v.(type) {
	case nil, int, int64, float64:
		return true
	case string:
		return semverRe().MatchString(x)
	}
	return false
}

// shouldRenderProjectKey follows dbt: run hooks, query-comment and vars are
// kept raw, and so are model-level hooks anywhere in the config trees.
func shouldRenderProjectKey(keypath []string) bool {
	if len(keypath) == 0 {
		return true
	}
	switch keypath[0] {
	case "on-run-start", "on-run-end", "query-comment", "vars":
		return false
	}
	if _, ok := treeKeys[keypath[0]]; ok {
		for _, k := range keypath[1:] {
			switch strings.TrimLeft(k, "+ ") {
			case "pre-hook", "post-hook", "pre_hook", "post_hook":
				return false
			}
		}
	}
	return true
}

// renderYAMLString renders one string scalar with j, reporting failures at
// the scalar's position. lenient keeps the raw text when the template uses
// something only the compiler can render (a macro, say).
func (l *loader) renderYAMLString(j *yamlJinja, file, s string, n *yaml.Node, lenient bool) any {
	if !hasJinja(s) {
		return s
	}
	v, err := j.render(s)
	if err == nil {
		return v
	}
	je, _ := asJinjaError(err)
	if je != nil && je.Unsupported && lenient {
		return s
	}
	hint := ""
	if je != nil {
		hint = je.Hint
	}
	// The value itself is not quoted: in profiles.yml it may be a secret.
	l.diags.Add(diag.Errorf(file, posOf(n), hint, "cannot render this value: %s", err.Error()))
	return s
}

// projectValue converts a dbt_project.yml node to a plain value, rendering
// the Jinja dbt renders there.
func (l *loader) projectValue(file string, n *yaml.Node, keypath []string) any {
	return toValue(n, keypath, func(s string, node *yaml.Node, kp []string) any {
		if !shouldRenderProjectKey(kp) {
			return s
		}
		return l.renderYAMLString(l.projectJinja, file, s, node, false)
	})
}

// readProjectFile parses dbt_project.yml and returns its root mapping.
func (l *loader) readProjectFile() *yaml.Node {
	src, err := readFile(l.root, projectFile)
	if err != nil {
		l.diags.Add(diag.Errorf(projectFile, diag.Pos{}, "check the file's permissions", "cannot read %s: %v", projectFile, err))
		return nil
	}
	l.addProjectFile(projectFile, src)
	n, ok := l.parseYAMLFile(projectFile, src)
	if !ok {
		return nil
	}
	l.projectFileParsed(projectFile, n)
	if n == nil || !isMapping(n) {
		pos := posOf(n)
		if n == nil { // empty, or only comments
			pos = diag.Pos{Line: 1, Column: 1}
		}
		l.diags.Add(diag.Errorf(projectFile, pos, "start the file with `name: my_project`",
			"%s must be a mapping of keys such as name and profile, not %s", projectFile, kindName(n)))
		return nil
	}
	return n
}

// profileName reads `profile:` before the profile is known, so it is
// rendered without `target`, as dbt does.
func (l *loader) profileName(root *yaml.Node) string {
	for _, p := range pairs(root) {
		if p.Key == "profile" {
			l.profilePos = posOf(p.KeyNode)
			v := toValue(p.Val, nil, func(s string, n *yaml.Node, _ []string) any {
				return l.renderYAMLString(l.projectJinja, projectFile, s, n, false)
			})
			if v == nil {
				return ""
			}
			return fmt.Sprint(v)
		}
	}
	return ""
}

// parseProjectConfig reads every key of the root project's dbt_project.yml.
func (l *loader) parseProjectConfig(root *yaml.Node) *ProjectConfig {
	return l.parseProjectConfigFile(projectFile, root)
}

// parseProjectConfigFile reads every key of the dbt_project.yml at file
// (relative to the root project: an installed package's is under
// dbt_packages/), reporting problems at their position in that file.
func (l *loader) parseProjectConfigFile(file string, root *yaml.Node) *ProjectConfig {
	cfg := &ProjectConfig{
		ConfigVersion:       2,
		TargetPath:          "target",
		PackagesInstallPath: "dbt_packages",
		Raw:                 map[string]any{},
		Trees:               map[string]*ConfigTree{},
	}
	var namePos diag.Pos
	seen := map[string]*yaml.Node{}
	paths := map[string]*[]string{
		"model-paths": &cfg.ModelPaths, "seed-paths": &cfg.SeedPaths, "test-paths": &cfg.TestPaths,
		"macro-paths": &cfg.MacroPaths, "snapshot-paths": &cfg.SnapshotPaths,
		"analysis-paths": &cfg.AnalysisPaths, "docs-paths": &cfg.DocsPaths, "asset-paths": &cfg.AssetPaths,
		"clean-targets": &cfg.CleanTargets,
	}
	for _, p := range pairs(root) {
		key, pos := p.Key, posOf(p.KeyNode)
		seen[key] = p.KeyNode
		if cfg.KeyPos == nil {
			cfg.KeyPos = map[string]diag.Pos{}
		}
		cfg.KeyPos[key] = posOf(p.KeyNode)
		if newKey, ok := removedProjectKeys[key]; ok {
			if !deprecatedPaths[key] {
				l.diags.Add(diag.Errorf(file, pos, fmt.Sprintf("rename %s to %s", key, newKey),
					"the %s config has been renamed to %s", key, newKey))
				continue
			}
			// dbt still reads these as the new key, with a deprecation,
			// unless the new key is there too.
			if hasKey(root, newKey) {
				l.diags.Add(diag.Errorf(file, pos, fmt.Sprintf("remove %s and keep %s", key, newKey),
					"%s and %s cannot both be defined: %s has been renamed to %s", key, newKey, key, newKey))
				continue
			}
			l.diags.Add(diag.Warnf(file, pos, fmt.Sprintf("rename %s to %s", key, newKey),
				"the %s config has been renamed to %s; elt reads it as %s, as dbt does (deprecation project-config-%s)", key, newKey, newKey, key))
			key = newKey
			seen[key] = p.KeyNode
			cfg.KeyPos[key] = pos
		}
		if !projectKeys[key] {
			hint := "remove it, or check the spelling against https://docs.getdbt.com/reference/dbt_project.yml"
			if s := suggestKey(key); s != "" {
				hint = fmt.Sprintf("did you mean %s?", s)
			}
			l.diags.Add(diag.Errorf(file, pos, hint, "unknown key %q in %s", key, file))
			continue
		}
		if _, ok := treeKeys[key]; ok {
			cfg.Trees[key] = l.parseConfigTree(file, p.Val, []string{key})
			cfg.Raw[key] = toValue(p.Val, nil, nil)
			continue
		}
		v := l.projectValue(file, p.Val, []string{key})
		cfg.Raw[key] = v
		if _, isPaths := paths[key]; (isPaths || key == "log-path" || key == "target-path" || key == "packages-install-path") && isNull(p.Val) {
			// As dbt's ProjectContract, whose paths are Optional: null
			// is the default (config/project.py value_or, flag_or).
			delete(seen, key)
			continue
		}
		if dst, ok := paths[key]; ok {
			list, ok := stringList(p.Val)
			if !ok || (!isSequence(p.Val) && key != "clean-targets") {
				l.diags.Add(diag.Errorf(file, posOf(p.Val), fmt.Sprintf("write %s: [\"dir\"]", key),
					"%s must be a list of folder names, not %s", key, kindName(p.Val)))
				continue
			}
			*dst = renderedStrings(v, list)
			if key != "asset-paths" && key != "clean-targets" {
				*dst = l.pathsInside(file, key, p.Val, *dst)
			}
			continue
		}
		switch key {
		case "name":
			namePos = posOf(p.Val)
			s, ok := v.(string)
			if !ok {
				l.diags.Add(diag.Errorf(file, namePos, "write name: my_project", "name must be a string, not %s", kindName(p.Val)))
				continue
			}
			cfg.Name = s
		case "version":
			if !validProjectVersion(v) {
				l.diags.Add(diag.Errorf(file, posOf(p.Val), "write a version such as version: '1.0.0' or version: 1.0, or remove the key",
					"invalid version %s: it must be a number or a semantic version such as 1.0.0", quoteValue(v)))
				continue
			}
			if v != nil {
				cfg.Version = fmt.Sprint(v)
			}
		case "dbt-cloud":
			if _, ok := v.(map[string]any); !ok && v != nil {
				l.diags.Add(diag.Errorf(file, posOf(p.Val), "write dbt-cloud as a mapping, e.g. dbt-cloud: {project-id: 123}, or remove the key",
					"dbt-cloud must be a mapping, not %s", kindName(p.Val)))
			}
		case "config-version":
			if i, ok := v.(int); !ok || i != 2 {
				l.diags.Add(diag.Errorf(file, posOf(p.Val), "set config-version: 2 or remove the key",
					"invalid config-version %v: only version 2 is supported", pyStr(v)))
			}
		case "profile":
			if v != nil {
				cfg.Profile = fmt.Sprint(v)
			}
		case "log-path":
			s, ok := v.(string)
			if !ok || s == "" {
				l.diags.Add(diag.Errorf(file, posOf(p.Val), "write log-path: logs", "log-path must be a folder name, not %s", kindName(p.Val)))
				continue
			}
			if c := path.Clean(filepath.ToSlash(s)); c == ".." || strings.HasPrefix(c, "../") || path.IsAbs(c) || filepath.IsAbs(s) {
				l.diags.Add(diag.Errorf(file, posOf(p.Val), "write log-path as a folder inside the project, e.g. log-path: logs",
					"log-path %q is outside the project folder: elt writes dbt.log only inside the project", s))
				continue
			}
			cfg.LogPath = s
		case "target-path", "packages-install-path":
			s, ok := v.(string)
			if !ok {
				l.diags.Add(diag.Errorf(file, posOf(p.Val), fmt.Sprintf("write %s: folder", key), "%s must be a folder name, not %s", key, kindName(p.Val)))
				continue
			}
			if key == "target-path" {
				cfg.TargetPath = s
			} else {
				cfg.PackagesInstallPath = s
			}
		case "vars":
			if isNull(p.Val) {
				continue
			}
			m, ok := v.(map[string]any)
			if !ok {
				l.diags.Add(diag.Errorf(file, posOf(p.Val), "write vars as a mapping of names to values", "vars must be a mapping, not %s", kindName(p.Val)))
				continue
			}
			cfg.Vars = m
		case "on-run-start", "on-run-end":
			hooks, ok := hookList(v)
			if !ok {
				l.diags.Add(diag.Errorf(file, posOf(p.Val), "write a SQL statement or a list of them", "%s must be a string or a list of strings, not %s", key, kindName(p.Val)))
				continue
			}
			if key == "on-run-start" {
				cfg.OnRunStart = hooks
			} else {
				cfg.OnRunEnd = hooks
			}
		case "require-dbt-version":
			list, ok := stringList(p.Val)
			if !ok {
				l.diags.Add(diag.Errorf(file, posOf(p.Val), `write require-dbt-version: ">=1.5.0"`, "require-dbt-version must be a version range or a list of them"))
				continue
			}
			cfg.RequireDbtVersion = renderedStrings(v, list)
		case "quoting":
			if m, ok := v.(map[string]any); ok {
				cfg.Quoting = m
			} else if v != nil {
				l.diags.Add(diag.Errorf(file, posOf(p.Val), "write quoting: {database: true, schema: true, identifier: true}", "quoting must be a mapping, not %s", kindName(p.Val)))
			}
		case "flags":
			if m, ok := v.(map[string]any); ok {
				cfg.Flags = m
				if file == projectFile { // dbt reads only the root project's flags
					l.checkFlags(file, p.Val, m)
				}
			} else if v != nil {
				l.diags.Add(diag.Errorf(file, posOf(p.Val), "write flags as a mapping of flag names to values", "flags must be a mapping, not %s", kindName(p.Val)))
			}
		case "query-comment":
			l.checkQueryComment(file, p.Val)
			cfg.QueryComment = v
		case "dispatch":
			cfg.Dispatch = l.parseDispatch(file, p.Val)
		}
	}
	l.checkTestsAndDataTests(file, cfg)
	if cfg.Name == "" {
		if _, ok := seen["name"]; !ok {
			l.diags.Add(diag.Errorf(file, diag.Pos{Line: 1, Column: 1}, "add `name: my_project` at the top of dbt_project.yml",
				"%s has no name", file))
		}
	} else if !identRe().MatchString(cfg.Name) {
		l.diags.Add(diag.Errorf(file, namePos, "use only letters, digits and underscores, not starting with a digit",
			"invalid project name %q", cfg.Name))
	}
	for key, def := range map[string]string{
		"model-paths": "models", "seed-paths": "seeds", "test-paths": "tests",
		"macro-paths": "macros", "snapshot-paths": "snapshots", "analysis-paths": "analyses",
	} {
		if _, set := seen[key]; !set {
			*paths[key] = []string{def}
		}
	}
	if _, set := seen["docs-paths"]; !set {
		var all []string
		for _, list := range [][]string{cfg.ModelPaths, cfg.SeedPaths, cfg.TestPaths, cfg.MacroPaths, cfg.SnapshotPaths, cfg.AnalysisPaths} {
			all = append(all, list...)
		}
		cfg.DocsPaths = dedupe(all)
	}
	return cfg
}

// pathsInside drops, and reports at its list item, each resource path that
// leads outside the project folder: elt only reads files inside it.
func (l *loader) pathsInside(file, key string, n *yaml.Node, list []string) []string {
	items := deref(n).Content
	out := list[:0:0]
	for i, d := range list {
		if filepath.IsAbs(d) {
			// dbt joins a path to the project folder, which keeps an
			// absolute one: one inside the project is that folder.
			if rel, err := filepath.Rel(l.root, d); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				d = filepath.ToSlash(rel)
			}
		}
		c := path.Clean(filepath.ToSlash(d))
		if c == ".." || strings.HasPrefix(c, "../") || path.IsAbs(c) || filepath.IsAbs(d) {
			pos := posOf(n)
			if isSequence(n) && i < len(items) {
				pos = posOf(items[i])
			}
			l.diags.Add(diag.Errorf(file, pos, fmt.Sprintf("%s lists folders inside the project", key),
				"path %q is outside the project folder", d))
			continue
		}
		out = append(out, d)
	}
	return out
}

// renderedStrings prefers the rendered list v, falling back to the raw strings.
func renderedStrings(v any, raw []string) []string {
	switch v := v.(type) {
	case []any:
		out := make([]string, len(v))
		for i, x := range v {
			out[i] = fmt.Sprint(x)
		}
		return out
	case string:
		return []string{v}
	}
	return raw
}

func hookList(v any) ([]string, bool) {
	switch v := v.(type) {
	case nil:
		return nil, true
	case string:
		return []string{v}, true
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			s, ok := hookSQL(x)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	case map[string]any:
		if s, ok := hookSQL(v); ok {
			return []string{s}, true
		}
	}
	return nil, false
}

// hookSQL reads one run hook: a SQL string, or a {sql: ..., transaction: ...}
// mapping (the transaction flag does not apply to on-run-start/end).
func hookSQL(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case map[string]any:
		s, ok := x["sql"].(string)
		return s, ok
	}
	return "", false
}

func (l *loader) parseDispatch(file string, n *yaml.Node) []Dispatch {
	if isNull(n) {
		return nil
	}
	if !isSequence(n) {
		l.diags.Add(diag.Errorf(file, posOf(n), "write dispatch: [{macro_namespace: pkg, search_order: [my_project, pkg]}]", "dispatch must be a list, not %s", kindName(n)))
		return nil
	}
	var out []Dispatch
	for _, item := range deref(n).Content {
		var d Dispatch
		for _, p := range pairs(item) {
			switch p.Key {
			case "macro_namespace":
				d.MacroNamespace, _ = stringOf(p.Val)
			case "search_order":
				d.SearchOrder, _ = stringList(p.Val)
			default:
				l.diags.Add(diag.Errorf(file, posOf(p.KeyNode), "dispatch entries take macro_namespace and search_order", "unknown dispatch key %q", p.Key))
			}
		}
		if d.MacroNamespace == "" {
			l.diags.Add(diag.Errorf(file, posOf(item), "add macro_namespace: <package>", "dispatch entry has no macro_namespace"))
			continue
		}
		out = append(out, d)
	}
	return out
}

// suggestKey finds the accepted key a misspelt one most likely meant.
func suggestKey(key string) string {
	norm := func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(strings.ToLower(s), "_", "-"), " ", "")
	}
	want := norm(key)
	keys := make([]string, 0, len(projectKeys))
	for k := range projectKeys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	best, bestDist := "", 3
	for _, k := range keys {
		if norm(k) == want {
			return k
		}
		if d := textdist.Levenshtein(norm(k), want); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

func dedupe(list []string) []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(list))
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// checkQueryComment reports a query-comment that is not null, a string or
// a mapping of comment, append and job-label, as dbt documents it. elt
// adds no BigQuery job labels, so job-label: true is refused.
func (l *loader) checkQueryComment(file string, n *yaml.Node) {
	n = deref(n)
	if isNull(n) || n.Kind == yaml.ScalarNode && n.Tag != "!!bool" && n.Tag != "!!int" && n.Tag != "!!float" {
		return
	}
	hint := `write query-comment: "a comment", or {comment: "...", append: true}`
	if n.Kind != yaml.MappingNode {
		l.diags.Add(diag.Errorf(file, posOf(n), hint, "query-comment must be a string or a mapping, not %s", kindName(n)))
		return
	}
	for _, p := range pairs(n) {
		val := deref(p.Val)
		switch p.Key {
		case "comment":
			if !isNull(val) && (val.Kind != yaml.ScalarNode || val.Tag != "!!str") {
				l.diags.Add(diag.Errorf(file, posOf(val), hint, "query-comment.comment must be a string, not %s", kindName(val)))
			}
		case "append", "job-label":
			if val.Kind != yaml.ScalarNode || val.Tag != "!!bool" {
				l.diags.Add(diag.Errorf(file, posOf(val), "write "+p.Key+": true or false", "query-comment.%s must be true or false, not %s", p.Key, kindName(val)))
				continue
			}
			if p.Key == "job-label" && val.Value != "false" && val.Value != "False" && val.Value != "FALSE" {
				l.diags.Add(diag.Errorf(file, posOf(val), "remove job-label (or set it to false); the comment itself is still added to every statement",
					"elt does not support query-comment job-label: it adds no BigQuery job labels"))
			}
		default:
			l.diags.Add(diag.Errorf(file, posOf(p.KeyNode), "use comment, append or job-label", "unknown key %q in query-comment", p.Key))
		}
	}
}
