package deps

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
)

// Kind is where a package comes from.
type Kind int

const (
	KindHub Kind = iota
	KindGit
	KindLocal
	KindTarball
	KindPrivate
)

func (k Kind) String() string {
	return [...]string{"hub", "git", "local", "tarball", "private"}[k]
}

// Origin says where a requirement was written: a file of the root project,
// a file of an installed package, or a hub release's metadata.
type Origin struct {
	File   string   // as shown to the user, e.g. "packages.yml" or "dbt_packages/dbt_date/packages.yml"
	Pos    diag.Pos // zero when unknown (hub metadata)
	Parent string   // "" for the root project, else the package that asked for it, e.g. "calogica/dbt_date@0.10.0"
}

func (o Origin) String() string {
	loc := o.File
	if !o.Pos.IsZero() {
		loc = fmt.Sprintf("%s:%d:%d", o.File, o.Pos.Line, o.Pos.Column)
	}
	if o.Parent != "" {
		return fmt.Sprintf("required by %s, in %s", o.Parent, loc)
	}
	return loc
}

// Requirement is one entry of a packages list, rendered, with what dbt
// needs from it and where it was written.
type Requirement struct {
	Kind Kind

	Package           string   // hub: namespace/name
	Versions          []string // hub: exact versions or bounds
	InstallPrerelease bool

	Git          string // git: the rendered URL (may hold a secret: never print it)
	GitShown     string // git: the URL as written, for messages and the lock file
	Revision     string
	HasRevision  bool
	WarnUnpinned bool
	Subdirectory string

	Local string

	Tarball      string // rendered URL
	TarballShown string // as written
	Name         string // tarball: the package name to install as

	Private  string // private: org/repo
	Provider string

	// hashDict is dbt's PackageSpec.to_dict() of this entry, the input of
	// the lock file's sha1_hash.
	hashDict map[string]any

	Origin Origin
	keyPos map[string]diag.Pos
}

// posOf returns the position of key's value, or of the entry.
func (r *Requirement) posOf(key string) diag.Pos {
	if p, ok := r.keyPos[key]; ok {
		return p
	}
	return r.Origin.Pos
}

// where names the place of key's value (or of the entry) and who asked.
func (r *Requirement) where(key string) string {
	o := r.Origin
	o.Pos = r.posOf(key)
	return o.String()
}

// display is how the requirement is named in messages, without secrets.
func (r *Requirement) display() string {
	switch r.Kind {
	case KindHub:
		return r.Package
	case KindGit:
		if r.Subdirectory != "" {
			return r.GitShown + "/" + r.Subdirectory
		}
		return r.GitShown
	case KindLocal:
		return r.Local
	case KindTarball:
		return r.TarballShown
	default:
		return r.Private
	}
}

// value is a YAML value as Python's yaml.safe_load would give it: string,
// int, float64, bool, nil, []any or map[string]any.
func nodeValue(n *yaml.Node) any {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return nodeValue(n.Content[0])
	case yaml.AliasNode:
		return nodeValue(n.Alias)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			out = append(out, nodeValue(c))
		}
		return out
	case yaml.MappingNode:
		out := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			out[n.Content[i].Value] = nodeValue(n.Content[i+1])
		}
		return out
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return n.Value
	}
	switch x := v.(type) {
	case time.Time:
		if n.Tag == "!!timestamp" && len(n.Value) == 10 {
			return x.Format("2006-01-02")
		}
		return x.Format(time.RFC3339)
	case int64:
		return int(x)
	case uint64:
		return int(x)
	}
	return v
}

func posOfNode(n *yaml.Node) diag.Pos { return diag.Pos{Line: n.Line, Column: n.Column} }

// mapping returns the key/value pairs of a mapping node in order.
func mapping(n *yaml.Node) [][2]*yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	var out [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, [2]*yaml.Node{n.Content[i], n.Content[i+1]})
	}
	return out
}

// allowedKeys are the keys of each kind of entry, as dbt's package
// contracts have them: every kind takes name (which dbt deps writes into
// each entry of package-lock.yml); a tarball needs it.
var allowedKeys = map[Kind][]string{
	KindHub:     {"package", "version", "install_prerelease", "name"},
	KindGit:     {"git", "revision", "warn-unpinned", "subdirectory", "name"},
	KindLocal:   {"local", "name"},
	KindTarball: {"tarball", "name"},
	KindPrivate: {"private", "provider", "revision", "warn-unpinned", "subdirectory", "name"},
}

// entrySource is one packages-list entry to parse: its raw value and where
// each key sits.
type entrySource struct {
	raw    map[string]any
	pos    diag.Pos
	keyPos map[string]diag.Pos
	// offsetPos maps a byte offset inside a key's plain scalar to a position.
	origin Origin
}

// parseEntry validates one entry as dbt's PackageConfig does and renders
// its values. rnd may be nil (hub metadata is not rendered).
func parseEntry(src entrySource, rnd *renderer) (*Requirement, diag.List) {
	var diags diag.List
	file := src.origin.File
	fail := func(key, hint, format string, args ...any) {
		p := src.pos
		if key != "" {
			if kp, ok := src.keyPos[key]; ok {
				p = kp
			}
		}
		d := diag.Errorf(file, p, hint, format, args...)
		if src.origin.Parent != "" {
			d.Summary += " (in package " + src.origin.Parent + ")"
		}
		diags.Add(d)
	}
	r := &Requirement{Origin: src.origin, keyPos: src.keyPos, WarnUnpinned: true}
	r.Origin.Pos = src.pos
	var kinds []Kind
	for _, k := range []struct {
		key  string
		kind Kind
	}{{"local", KindLocal}, {"tarball", KindTarball}, {"git", KindGit}, {"package", KindHub}, {"private", KindPrivate}} {
		if _, ok := src.raw[k.key]; ok {
			kinds = append(kinds, k.kind)
		}
	}
	if len(kinds) != 1 {
		if len(kinds) == 0 {
			fail("", "write one of package: (hub), git:, local:, tarball: (with name:) or private:", "package entry says neither package, git, local, tarball nor private")
		} else {
			fail("", "split it into one entry per package", "package entry mixes sources %s", kindList(kinds))
		}
		return nil, diags
	}
	r.Kind = kinds[0]
	allowed := allowedKeys[r.Kind]
	var keys []string
	for k := range src.raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if contains(allowed, k) || k == "unrendered" {
			continue
		}
		hint := fmt.Sprintf("a %s package takes only %s", r.Kind, strings.Join(allowed, ", "))
		switch k {
		case "install-prerelease":
			hint = "dbt's key is install_prerelease (with an underscore)"
		case "warn_unpinned":
			hint = "dbt's key is warn-unpinned (with a hyphen)"
		case "version":
			if r.Kind == KindGit || r.Kind == KindPrivate {
				hint = "git packages are pinned with revision: (a tag, branch or commit)"
			}
		}
		fail(k, hint, "unknown key %q in a %s package", k, r.Kind)
	}
	// Render every string, keeping the raw values for the lock hash.
	rendered := map[string]any{}
	for _, k := range keys {
		v, err := renderValue(src.raw[k], rnd)
		if err != nil {
			fail(k, renderHint(err), "%s: %v", k, err)
			continue
		}
		rendered[k] = v
	}
	if diags.HasErrors() {
		return nil, diags
	}
	str := func(key string, required bool) (string, bool) {
		v, ok := rendered[key]
		if !ok || v == nil {
			if required {
				fail("", "", "%s is a required property", key)
			}
			return "", false
		}
		s, isStr := v.(string)
		if !isStr {
			fail(key, "quote the value", "%s must be a string, not %s", key, pyType(v))
			return "", false
		}
		return s, true
	}
	boolean := func(key string) (any, bool) {
		v, ok := rendered[key]
		if !ok {
			return nil, false
		}
		if v == nil {
			return nil, true
		}
		b, isBool := v.(bool)
		if !isBool {
			fail(key, "write true or false", "%s must be true or false, not %s", key, pyType(v))
			return nil, false
		}
		return b, true
	}
	rawVersion := func(key string, v any) (any, bool) {
		switch x := v.(type) {
		case string:
			return x, true
		case float64:
			return x, true
		case int:
			return strconv.Itoa(x), true
		}
		fail(key, "write a version such as 1.3.3 or a list of bounds such as [\">=1.0.0\", \"<2.0.0\"]", "%s must be a string or a number, not %s", key, pyType(v))
		return nil, false
	}
	hash := map[string]any{"unrendered": src.raw}
	switch r.Kind {
	case KindHub:
		r.Package, _ = str("package", true)
		if diags.HasErrors() {
			return nil, diags
		}
		if r.Package == "" {
			fail("package", "name the package, e.g. dbt-labs/dbt_utils", "a hub package is missing the value; it is a required property")
			return nil, diags
		}
		if !strings.Contains(r.Package, "/") {
			fail("package", "write the namespace too, e.g. dbt-labs/dbt_utils", "%s was not found in the package index: packages on the index require a namespace", r.Package)
			return nil, diags
		}
		v := rendered["version"]
		if v == nil || v == "" || isEmptyList(v) {
			fail("package", "add version: with an exact version or a range, e.g. version: [\">=1.0.0\", \"<2.0.0\"]", "%s is missing the version: when installing from the hub, version is a required property", r.Package)
			return nil, diags
		}
		var hv any
		if list, ok := v.([]any); ok {
			var out []any
			for _, item := range list {
				x, ok := rawVersion("version", item)
				if !ok {
					return nil, diags
				}
				out = append(out, x)
				r.Versions = append(r.Versions, pyStr(x))
			}
			hv = out
		} else {
			x, ok := rawVersion("version", v)
			if !ok {
				return nil, diags
			}
			hv = x
			r.Versions = []string{pyStr(x)}
		}
		for _, s := range r.Versions {
			if _, err := parseVersion(s); err != nil {
				fail("version", "use versions such as 1.3.3, >=1.0.0 or <2.0.0", "%v", err)
				return nil, diags
			}
		}
		var ip any = false
		if b, ok := boolean("install_prerelease"); ok {
			ip = b
		}
		r.InstallPrerelease = ip == true
		hash["package"], hash["version"], hash["install_prerelease"] = r.Package, hv, ip
	case KindGit, KindPrivate:
		key := "git"
		if r.Kind == KindPrivate {
			key = "private"
		}
		s, _ := str(key, true)
		if diags.HasErrors() {
			return nil, diags
		}
		if s == "" {
			fail(key, "give the repository URL", "a %s package is missing the value; it is a required property", r.Kind)
			return nil, diags
		}
		hash[key] = s
		if r.Kind == KindGit {
			r.Git = s
			r.GitShown = s
			if raw, ok := src.raw["git"].(string); ok && rnd != nil {
				r.GitShown = raw
			}
		} else {
			r.Private = s
			if p, ok := str("provider", false); ok {
				r.Provider = p
				hash["provider"] = p
			} else {
				hash["provider"] = nil
			}
		}
		hash["revision"] = nil
		if v, ok := rendered["revision"]; ok && v != nil {
			x, ok := rawVersion("revision", v)
			if !ok {
				return nil, diags
			}
			hash["revision"] = x
			r.Revision, r.HasRevision = pyStr(x), true
		}
		hash["warn-unpinned"] = nil
		if b, ok := boolean("warn-unpinned"); ok {
			hash["warn-unpinned"] = b
			if b == false {
				r.WarnUnpinned = false
			}
		}
		hash["subdirectory"] = nil
		if sub, ok := str("subdirectory", false); ok {
			r.Subdirectory = sub
			hash["subdirectory"] = sub
		}
	case KindLocal:
		s, _ := str("local", true)
		if diags.HasErrors() {
			return nil, diags
		}
		if s == "" {
			fail("local", "give the package folder, relative to the project", "a local package is missing the value; it is a required property")
			return nil, diags
		}
		r.Local = s
		hash["local"] = s
	case KindTarball:
		s, _ := str("tarball", true)
		name, _ := str("name", true)
		if diags.HasErrors() {
			return nil, diags
		}
		r.Tarball, r.TarballShown, r.Name = s, s, name
		if raw, ok := src.raw["tarball"].(string); ok && rnd != nil {
			r.TarballShown = raw
		}
		if !validPackageName(name) {
			fail("name", "use letters, digits and underscores, e.g. name: dbt_utils", "tarball package name %q is not a valid package folder name", name)
			return nil, diags
		}
		hash["tarball"], hash["name"] = s, name
	}
	if diags.HasErrors() {
		return nil, diags
	}
	r.hashDict = hash
	return r, nil
}

func isEmptyList(v any) bool {
	l, ok := v.([]any)
	return ok && len(l) == 0
}

func kindList(ks []Kind) string {
	var s []string
	for _, k := range ks {
		s = append(s, k.String())
	}
	return strings.Join(s, ", ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// validPackageName accepts names that are safe as one folder name.
func validPackageName(s string) bool {
	if s == "" || s == "." || s == ".." || len(s) > 255 {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c == '-' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func pyType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int, float64:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	}
	return fmt.Sprintf("%T", v)
}

func renderValue(v any, rnd *renderer) (any, error) {
	if rnd == nil {
		return v, nil
	}
	switch x := v.(type) {
	case string:
		return rnd.render(x)
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			r, err := renderValue(item, rnd)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		out := map[string]any{}
		for k, item := range x {
			r, err := renderValue(item, rnd)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	}
	return v, nil
}

func renderHint(err error) string {
	if re, ok := err.(*renderError); ok {
		return re.hint
	}
	return ""
}

// parsePackagesFile reads a packages list from a YAML document: the
// `packages:` key of packages.yml, dependencies.yml or package-lock.yml.
// lock says which keys besides packages are allowed.
func parsePackagesNode(doc *yaml.Node, origin Origin, rnd *renderer, extraKeys ...string) ([]*Requirement, diag.List) {
	var diags diag.List
	var list *yaml.Node
	for _, kv := range mapping(doc) {
		k, v := kv[0], kv[1]
		switch {
		case k.Value == "packages":
			list = v
		case contains(extraKeys, k.Value):
		default:
			diags.Add(diag.Errorf(origin.File, posOfNode(k), "the file holds a packages: list and nothing else", "unknown key %q in %s", k.Value, origin.File))
		}
	}
	if list == nil || (list.Kind == yaml.ScalarNode && list.Tag == "!!null") {
		return nil, diags
	}
	if list.Kind != yaml.SequenceNode {
		diags.Add(diag.Errorf(origin.File, posOfNode(list), "write packages: as a list of entries, each starting with -", "packages: must be a list"))
		return nil, diags
	}
	var reqs []*Requirement
	for _, item := range list.Content {
		if item.Kind == yaml.AliasNode {
			item = item.Alias
		}
		if item.Kind != yaml.MappingNode {
			diags.Add(diag.Errorf(origin.File, posOfNode(item), "write each package as a mapping, e.g. - package: dbt-labs/dbt_utils", "package entry must be a mapping"))
			continue
		}
		src := entrySource{raw: map[string]any{}, pos: posOfNode(item), keyPos: map[string]diag.Pos{}, origin: origin}
		for _, kv := range mapping(item) {
			src.raw[kv[0].Value] = nodeValue(kv[1])
			src.keyPos[kv[0].Value] = posOfNode(kv[1])
		}
		r, d := parseEntry(src, rnd)
		diags = append(diags, d...)
		if r != nil {
			reqs = append(reqs, r)
		}
	}
	return reqs, diags
}
