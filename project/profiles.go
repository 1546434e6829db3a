package project

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
)

const profilesFile = "profiles.yml"

// findProfiles returns the profiles.yml to use, in dbt's order: --profiles-dir,
// then DBT_PROFILES_DIR (either one, when set, is the only place looked at),
// then the project folder, the working directory and ~/.dbt. It returns "" when
// none exists, with the places it looked.
func (l *loader) findProfiles() (string, []string) {
	explicit := l.opts.ProfilesDir
	if explicit == "" {
		if v, ok := l.lookupSetting("DBT_PROFILES_DIR"); ok && v != "" {
			explicit = v
		}
	}
	var dirs []string
	if explicit != "" {
		dirs = []string{l.absPath(explicit)}
	} else {
		dirs = append(dirs, l.root)
		if l.opts.WorkDir != "" {
			dirs = append(dirs, l.absPath(l.opts.WorkDir))
		}
		if l.opts.HomeDir != "" {
			dirs = append(dirs, filepath.Join(l.opts.HomeDir, ".dbt"))
		}
	}
	var looked []string
	for _, d := range dirs {
		p := filepath.Join(d, profilesFile)
		looked = append(looked, p)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, looked
		}
	}
	return "", looked
}

// displayPath names a file relative to the project root when it is inside it.
func (l *loader) displayPath(abs string) string {
	if rel, err := filepath.Rel(l.root, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(abs)
}

func (l *loader) absPath(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	base := l.opts.WorkDir
	if base == "" {
		base = l.root
	}
	return filepath.Join(base, p)
}

// loadTarget resolves profile and target from profiles.yml.
func (l *loader) loadTarget(profileName string) *Target {
	path, looked := l.findProfiles()
	if path == "" {
		if l.opts.SkipProfile {
			return nil
		}
		l.diags.Add(diag.Errorf("", diag.Pos{},
			"create profiles.yml in the project folder or ~/.dbt, or pass --profiles-dir",
			"profiles.yml not found (looked in %s)", strings.Join(looked, ", ")))
		return nil
	}
	file := l.displayPath(path)
	if l.opts.Profile != "" {
		profileName = l.opts.Profile
	}
	if profileName == "" {
		if l.opts.SkipProfile {
			return nil
		}
		l.diags.Add(diag.Errorf(projectFile, diag.Pos{Line: 1, Column: 1},
			"add `profile: <name>` to dbt_project.yml or pass --profile",
			"no profile is named: dbt_project.yml has no profile key"))
		return nil
	}
	src, err := os.ReadFile(path)
	if err != nil {
		l.diags.Add(diag.Errorf(file, diag.Pos{}, "check the file's permissions", "cannot read profiles.yml: %v", err))
		return nil
	}
	root, ok := l.parseYAMLFile(file, src)
	if !ok {
		return nil
	}
	var profileNode *yaml.Node
	var names []string
	for _, p := range pairs(root) {
		if p.Key == "config" { // dbt's legacy global config block, not a profile
			continue
		}
		names = append(names, p.Key)
		if p.Key == profileName {
			profileNode = p.Val
		}
	}
	if profileNode == nil {
		// Point where the name was written: dbt_project.yml's profile:
		// line, or (for --profile) the profiles the file does have.
		if pos := l.profilePos; l.opts.Profile == "" && pos.Line > 0 {
			l.diags.Add(diag.Errorf(projectFile, pos, availableHint("profiles in "+file, names),
				"profile %q not found in %s", profileName, file))
			return nil
		}
		pos := posOf(root)
		if pos.Line == 0 {
			pos = diag.Pos{Line: 1, Column: 1}
		}
		l.diags.Add(diag.Errorf(file, pos, availableHint("profiles", names),
			"profile %q not found in %s", profileName, file))
		return nil
	}
	if !isMapping(profileNode) {
		l.diags.Add(diag.Errorf(file, posOf(profileNode), "a profile is a mapping with target: and outputs:",
			"profile %q must be a mapping, not %s", profileName, kindName(profileNode)))
		return nil
	}
	j := l.profileJinja
	targetName := "default"
	var outputs *yaml.Node
	var outputsPos diag.Pos
	for _, p := range pairs(profileNode) {
		switch p.Key {
		case "target":
			s, _ := stringOf(p.Val)
			targetName = fmt.Sprint(l.renderYAMLString(j, file, s, p.Val, false))
		case "outputs":
			outputs, outputsPos = p.Val, posOf(p.KeyNode)
		}
	}
	if l.opts.Target != "" {
		targetName = l.opts.Target
	}
	if outputs == nil || !isMapping(outputs) {
		l.diags.Add(diag.Errorf(file, posOf(profileNode), "add outputs: {dev: {type: duckdb, ...}} to the profile",
			"profile %q has no outputs", profileName))
		return nil
	}
	var outNode *yaml.Node
	var targets []string
	for _, p := range pairs(outputs) {
		targets = append(targets, p.Key)
		if p.Key == targetName {
			outNode = p.Val
		}
	}
	if outNode == nil {
		l.diags.Add(diag.Errorf(file, outputsPos, availableHint("targets", targets),
			"target %q not found in profile %q in %s", targetName, profileName, file))
		return nil
	}
	fields, _ := toValue(outNode, nil, func(s string, n *yaml.Node, keypath []string) any {
		if slices.Contains(keypath, "password") && !j.parses(s) {
			// dbt's SecretRenderer.render_value: a password may hold
			// "{{", "{%" or "{#" without being a template.
			return s
		}
		return l.renderYAMLString(j, file, s, n, false)
	}).(map[string]any)
	if fields == nil {
		l.diags.Add(diag.Errorf(file, posOf(outNode), "a target is a mapping with type: and connection fields",
			"target %q must be a mapping, not %s", targetName, kindName(outNode)))
		return nil
	}
	t := &Target{ProfileName: profileName, Name: targetName, Fields: fields, File: file, Threads: 1,
		Pos: posOf(outNode), KeyPos: map[string]diag.Pos{}}
	for _, p := range pairs(outNode) {
		t.KeyPos[p.Key] = posOf(p.KeyNode)
		recordPositions(t.KeyPos, p.Key, p.Val)
	}
	t.Type, _ = fields["type"].(string)
	if t.Type == "" {
		l.diags.Add(diag.Errorf(file, posOf(outNode), "add type: duckdb (or postgres, snowflake, bigquery...)",
			"target %q of profile %q has no type", targetName, profileName))
	}
	if v, ok := fields["threads"]; ok && v != nil {
		n, ok := intValue(v)
		if !ok || n < 1 {
			l.diags.Add(diag.Errorf(file, posOf(outNode), "set threads to a whole number of at least 1",
				"target %q: threads must be a positive integer", targetName))
		} else {
			t.Threads = n
		}
	}
	str := func(keys ...string) string {
		for _, k := range keys {
			if v, ok := fields[k]; ok && v != nil {
				return fmt.Sprint(v)
			}
		}
		return ""
	}
	switch t.Type {
	case "duckdb":
		path := str("path")
		if path == "" {
			path = ":memory:"
		}
		t.Database = duckdbDatabase(path)
		if db := str("database"); db != "" {
			t.Database = db
		}
		t.Schema = str("schema")
		if t.Schema == "" {
			t.Schema = "main"
		}
	case "bigquery":
		t.Database = str("project", "database", "dbname")
		t.Schema = str("dataset", "schema")
	default:
		t.Database = str("dbname", "database")
		t.Schema = str("schema", "dataset")
	}
	return t
}

// duckdbDatabase is the catalog name DuckDB gives a database file: its base
// name without extension; "memory" for :memory:, the name after "md:" for MotherDuck.
func duckdbDatabase(path string) string {
	if path == ":memory:" || path == "" {
		return "memory"
	}
	if rest, ok := strings.CutPrefix(path, "md:"); ok {
		name, _, _ := strings.Cut(rest, "?")
		if name == "" {
			return "my_db"
		}
		return name
	}
	base := filepath.Base(filepath.FromSlash(path))
	if ext := filepath.Ext(base); ext != "" {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

func intValue(v any) (int, bool) {
	switch v := v.(type) {
	case int:
		return v, true
	case float64:
		if v == float64(int(v)) {
			return int(v), true
		}
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(v))
		return n, err == nil
	}
	return 0, false
}

func availableHint(what string, names []string) string {
	if len(names) == 0 {
		return fmt.Sprintf("no %s are defined there", what)
	}
	return fmt.Sprintf("available %s: %s", what, strings.Join(names, ", "))
}

// targetContext is what `target` shows in dbt_project.yml Jinja. Secrets are left out.
func targetContext(t *Target) map[string]any {
	if t == nil {
		// Loading without a profile (ls, parse): target.* renders empty
		// rather than failing, so conditional configs still load.
		return map[string]any{"name": "", "target_name": "", "profile_name": "", "type": "", "schema": "", "database": "", "threads": 1}
	}
	m := make(map[string]any, len(t.Fields)+6)
	for k, v := range t.Fields {
		if isSecretKey(k) {
			continue
		}
		m[k] = v
	}
	m["name"] = t.Name
	m["target_name"] = t.Name
	m["profile_name"] = t.ProfileName
	m["type"] = t.Type
	m["schema"] = t.Schema
	m["database"] = t.Database
	m["threads"] = t.Threads
	return m
}

// SecretValues lists the values of the target's secret fields (passwords,
// tokens, keys; nested settings included), for scrubbing from output.
func (t *Target) SecretValues() []string {
	var out []string
	var walk func(k string, v any)
	walk = func(k string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for kk, vv := range v {
				walk(kk, vv)
			}
		case string:
			if IsSecretKey(k) {
				out = append(out, v)
			}
		}
	}
	for k, v := range t.Fields {
		walk(k, v)
	}
	return out
}

// IsSecretKey reports whether a profile field of this name holds a secret.
func IsSecretKey(k string) bool { return isSecretKey(k) }

func isSecretKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range []string{"password", "secret", "token", "private_key", "keyfile", "passphrase", "pass"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// recordPositions records where each value inside a target field is
// written, under paths such as "attach[0]", "attach[0].path" or
// "settings.threads", so that an adapter's complaint about one entry
// points at its line.
func recordPositions(pos map[string]diag.Pos, path string, n *yaml.Node) {
	n = deref(n)
	if n == nil {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		for _, p := range pairs(n) {
			key := path + "." + p.Key
			pos[key] = posOf(p.KeyNode)
			recordPositions(pos, key, p.Val)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			key := path + "[" + strconv.Itoa(i) + "]"
			pos[key] = posOf(item)
			recordPositions(pos, key, item)
		}
	}
}
