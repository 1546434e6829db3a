package deps

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/yamlsafe"
)

// addPackage is `dbt deps --add-package NAME@VERSION [--source hub|git|local]`:
// it edits the packages file as dbt does, which rewrites the whole file
// with PyYAML (keys sorted, comments dropped) after removing every entry
// that mentions NAME.
func (in *installer) addPackage() error {
	spec := in.opts.AddPackage
	source := in.opts.Source
	if source == "" {
		source = "hub"
	}
	if source != "hub" && source != "git" && source != "local" {
		return diag.Errorf("", diag.Pos{}, "use --source hub, git or local", "--source must be one of hub, git or local, not %q", source)
	}
	// dbt splits on "@" and takes the whole value as the name when there
	// is not exactly one "@" (so git@host URLs have no version).
	name, version := spec, ""
	if parts := strings.Split(spec, "@"); len(parts) == 2 {
		name, version = parts[0], parts[1]
	}
	if version == "" && source != "local" {
		return diag.Errorf("", diag.Pos{}, "write --add-package NAME@VERSION, e.g. dbt-labs/dbt_utils@1.3.3 (a version range is written >=1.0.0,<2.0.0)",
			"version is required in --add-package when the source is %s", source)
	}
	if name == "" {
		return diag.Errorf("", diag.Pos{}, "write --add-package NAME@VERSION", "--add-package needs a package name")
	}
	// dbt edits the file packages were found in: dependencies.yml when it
	// holds them, else packages.yml (created when missing).
	file := packagesFile
	if b, err := os.ReadFile(filepath.Join(in.opts.ProjectRoot, dependenciesFile)); err == nil {
		if doc, err := parseYAML(dependenciesFile, b); err == nil {
			for _, kv := range mapping(doc) {
				if kv[0].Value == "packages" {
					file = dependenciesFile
				}
			}
		}
	}
	path := filepath.Join(in.opts.ProjectRoot, file)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		b = []byte("packages: []\n")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return &InstallError{Err: err}
		}
		in.event("info", "Formatting", "Created packages.yml", nil)
	} else if err != nil {
		return &InstallError{Err: err}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return diag.Errorf(file, diag.Pos{}, "fix the YAML syntax", "not valid YAML: %v", err)
	}
	yamlsafe.Resolve11(&doc) // the entries kept are written back as dbt reads them
	data, _ := nodeValue(&doc).(map[string]any)
	if data == nil {
		data = map[string]any{}
	}
	list, _ := data["packages"].([]any)
	var kept []any
	for _, item := range list {
		if entry, ok := item.(map[string]any); ok && mentions(entry, name) {
			in.event("info", "DepsFoundDuplicatePackage", "Found duplicate package in packages.yml, removing: "+pyRepr(entry), nil)
			continue
		}
		kept = append(kept, item)
	}
	entry := map[string]any{}
	switch source {
	case "hub":
		entry["package"] = name
	default:
		entry[source] = name
	}
	if version != "" {
		key := "version"
		if source == "git" {
			key = "revision"
		}
		if strings.Contains(version, ",") {
			var parts []any
			for _, v := range strings.Split(version, ",") {
				parts = append(parts, v)
			}
			entry[key] = parts
		} else {
			entry[key] = version
		}
	}
	data["packages"] = append(kept, entry)
	text, err := dumpPackagesYAML(data)
	if err == nil {
		err = os.WriteFile(path, []byte(text), 0o644)
	}
	if err != nil {
		return &InstallError{Err: err}
	}
	shownVersion := version
	if shownVersion == "" {
		shownVersion = "None"
	}
	in.event("info", "DepsAddPackage", fmt.Sprintf("Added new package %s@%s to %s", name, shownVersion, path), nil)
	return nil
}

// mentions is dbt's duplicate test: NAME occurs in any value of the entry
// (as a substring of a string, or as an item of a list).
func mentions(entry map[string]any, name string) bool {
	for _, v := range entry {
		switch x := v.(type) {
		case string:
			if strings.Contains(x, name) {
				return true
			}
		case []any:
			for _, item := range x {
				if s, ok := item.(string); ok && s == name {
					return true
				}
			}
		}
	}
	return false
}

// pyRepr is Python's repr() of a YAML value, for dbt's messages.
func pyRepr(v any) string {
	switch x := v.(type) {
	case string:
		return "'" + strings.ReplaceAll(x, "'", "\\'") + "'"
	case []any:
		var parts []string
		for _, item := range x {
			parts = append(parts, pyRepr(item))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, pyRepr(k)+": "+pyRepr(x[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return pyStr(v)
}
