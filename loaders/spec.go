package loaders

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/yamlsafe"
	"github.com/elt-dev/elt/project"
)

// Disposition says how a load writes into its table.
type Disposition string

const (
	Replace Disposition = "replace" // build a new table and swap it in atomically
	Append  Disposition = "append"  // add the rows
	Merge   Disposition = "merge"   // upsert on primary_key
)

// Contract says what a load does with data that does not fit the table.
type Contract string

const (
	Evolve       Contract = "evolve"        // add new columns, widen types
	Freeze       Contract = "freeze"        // fail the load
	DiscardRow   Contract = "discard_row"   // reject the row
	DiscardValue Contract = "discard_value" // drop the value (null), drop new columns
)

// Loader is one declared loader.
type Loader struct {
	Name        string
	Connector   string
	File        string // relative to the project root, slash-separated
	Pos         diag.Pos
	Source      string // lands.source
	Table       string // lands.table
	SourceID    string // "source.<package>.<source>.<table>"
	Disposition Disposition
	PrimaryKey  []string
	// PrimaryKeyPos is where primary_key is written, for the errors of
	// a key the data does not have.
	PrimaryKeyPos diag.Pos
	Contract      Contract
	MaxRejected   int
	// Conn is the configured connector.
	Conn Connector

	// secretEnv names the environment variables the loader reads a
	// credential from (token_env, password_env, dsn_env, ...), read from
	// env when the loader runs.
	secretEnv []string
	env       Env
}

// SecretValues returns the credentials the loader reads from the
// environment (the values of token_env, password_env, value_env, dsn_env
// and the object storage keys, and the password inside a DSN), for the
// invocation to scrub from everything it prints or writes.
func (l *Loader) SecretValues() []string {
	var out []string
	for _, name := range l.secretEnv {
		v, ok := lookupEnv(l.env, name)
		if !ok || v == "" {
			continue
		}
		out = append(out, v)
		out = append(out, dsnPasswords(v)...)
	}
	return out
}

// dsnPasswords finds the password of a connection string, URL
// (postgres://user:pass@host/db) or key/value (host=h password=pass), so
// that an error quoting it alone is scrubbed too.
func dsnPasswords(v string) []string {
	if u, err := url.Parse(v); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			return []string{pw}
		}
		return nil
	}
	var out []string
	for _, f := range strings.Fields(v) {
		if k, val, ok := strings.Cut(f, "="); ok && strings.EqualFold(k, "password") {
			if val = strings.Trim(val, "'"); val != "" {
				out = append(out, val)
			}
		}
	}
	return out
}

// Shares names what l sets up for the whole database while it runs, which
// loaders running at once must not both set: "object storage" for a files
// loader reading s3:// or gs:// paths (the credentials DuckDB reads them
// with are a temporary secret of the database); "" for anything else.
func (l *Loader) Shares() string {
	if f, ok := l.Conn.(*files); ok {
		for _, p := range f.paths {
			if strings.HasPrefix(p, "s3://") || strings.HasPrefix(p, "gs://") {
				return "object storage"
			}
		}
	}
	return ""
}

// ID is the loader's unique id, as the DAG names it.
func (l *Loader) ID(pkg string) string { return "loader." + pkg + "." + l.Name }

// Selected reports whether a --select value picks l: its name,
// "loader:<name>", or "source:<source>" / "source:<source>.<table>" for
// the source it lands.
func (l *Loader) Selected(sel string) bool {
	switch {
	case sel == l.Name, sel == "loader:"+l.Name:
		return true
	case strings.HasPrefix(sel, "source:"):
		s := strings.TrimPrefix(sel, "source:")
		return s == l.Source || s == l.Source+"."+l.Table
	}
	return false
}

// Env looks up environment variables (os.LookupEnv in production).
type Env func(string) (string, bool)

var loaderKeys = []string{"name", "connector", "description", "lands", "write_disposition", "primary_key", "schema_contract", "max_rejected", "options"}

// Discover reads every loader file of p (YAML files under loader-paths,
// default ["loaders"]) and checks each loader against the declared
// sources. All problems are returned at once, positioned; warnings (a key
// written twice) come with the loaders.
func Discover(ctx context.Context, p *project.Project, env Env) ([]*Loader, diag.List, error) {
	var diags diag.List
	dirs := []string{"loaders"}
	if v, ok := p.Config.Raw["loader-paths"]; ok {
		list, ok := v.([]any)
		dirs = nil
		for _, e := range list {
			s, isStr := e.(string)
			if !isStr {
				ok = false
				break
			}
			dirs = append(dirs, s)
		}
		if !ok {
			diags.Add(diag.Errorf("dbt_project.yml", p.Config.KeyPos["loader-paths"], `write loader-paths: ["loaders"]`, "loader-paths must be a list of folder names"))
			return nil, nil, diags.Err()
		}
	}
	var found []string
	for _, d := range dirs {
		if d == "" || filepath.IsAbs(d) || strings.HasPrefix(path.Clean(filepath.ToSlash(d)), "..") {
			diags.Add(diag.Errorf("dbt_project.yml", p.Config.KeyPos["loader-paths"], "list folders inside the project", "loader-paths entry %q is outside the project", d))
			continue
		}
		root := filepath.Join(p.Root, d)
		_ = filepath.WalkDir(root, func(fp string, de os.DirEntry, err error) error {
			if err != nil || de.IsDir() {
				return nil
			}
			if ext := filepath.Ext(fp); ext == ".yml" || ext == ".yaml" {
				rel, _ := filepath.Rel(p.Root, fp)
				found = append(found, filepath.ToSlash(rel))
			}
			return nil
		})
	}
	sort.Strings(found)
	var out []*Loader
	seen := map[string]*Loader{}
	for _, f := range found {
		src, err := os.ReadFile(filepath.Join(p.Root, filepath.FromSlash(f)))
		if err != nil {
			diags.Add(diag.Errorf(f, diag.Pos{}, "check the file's permissions", "cannot read %s: %v", f, err))
			continue
		}
		for _, l := range parseFile(f, src, env, &diags) {
			if fc, ok := l.Conn.(*files); ok {
				fc.SetRoot(p.Root)
			}
			if prev, dup := seen[l.Name]; dup {
				diags.Add(diag.Errorf(f, l.Pos, "rename one of them", "loader %q is also declared at %s:%d", l.Name, prev.File, prev.Pos.Line))
				continue
			}
			seen[l.Name] = l
			out = append(out, l)
		}
	}
	// Each loader lands a declared source table.
	landed := map[string]*Loader{}
	for _, l := range out {
		if l.Source == "" {
			continue
		}
		id := "source." + p.Config.Name + "." + l.Source + "." + l.Table
		if _, ok := p.Sources[id]; !ok {
			diags.Add(diag.Errorf(l.File, l.Pos, fmt.Sprintf("declare it in a properties file under models/:\n  sources:\n    - name: %s\n      tables:\n        - name: %s", l.Source, l.Table),
				"loader %q lands source %s.%s, which no properties file declares", l.Name, l.Source, l.Table))
			continue
		}
		if prev, ok := landed[id]; ok {
			diags.Add(diag.Errorf(l.File, l.Pos, "land each source table with one loader", "loader %q lands %s.%s, which loader %q already lands", l.Name, l.Source, l.Table, prev.Name))
			continue
		}
		landed[id] = l
		l.SourceID = id
	}
	if diags.HasErrors() {
		return nil, nil, diags.Errors().Err()
	}
	return out, diags.Warnings(), nil
}

// parseFile reads one loader file: a mapping with a `loaders:` list.
func parseFile(file string, src []byte, env Env, diags *diag.List) []*Loader {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		line, col, msg, _ := yamlsafe.SyntaxError(src, err)
		diags.Add(diag.Errorf(file, diag.Pos{Line: line, Column: col}, "fix the YAML syntax", "invalid YAML: %s", msg))
		return nil
	}
	if len(doc.Content) == 0 {
		return nil
	}
	if culprit, limit, big := yamlsafe.TooLarge(&doc); big {
		diags.Add(diag.Errorf(file, posOf(culprit), "remove the aliases", "YAML aliases expand beyond %d nodes", limit))
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		diags.Add(diag.Errorf(file, posOf(root), "start the file with `loaders:`", "a loader file must be a mapping with a loaders: list"))
		return nil
	}
	// A key written twice keeps its last value, as in dbt's YAML files,
	// with a warning naming both lines.
	for _, w := range yamlsafe.DuplicateKeys(file, root) {
		diags.Add(w)
	}
	var out []*Loader
	for _, kv := range yamlsafe.Pairs(root) {
		k, v := kv[0], kv[1]
		if k.Value != "loaders" {
			diags.Add(diag.Errorf(file, posOf(k), "a loader file has only a loaders: list", "unknown key %q in a loader file", k.Value))
			continue
		}
		if v.Kind != yaml.SequenceNode {
			diags.Add(diag.Errorf(file, posOf(v), "write loaders: as a list of `- name: ...` entries", "loaders must be a list"))
			continue
		}
		for _, item := range v.Content {
			if l := parseLoader(file, item, env, diags); l != nil {
				out = append(out, l)
			}
		}
	}
	return out
}

func parseLoader(file string, n *yaml.Node, env Env, diags *diag.List) *Loader {
	if n.Kind != yaml.MappingNode {
		diags.Add(diag.Errorf(file, posOf(n), "write `- name: my_loader`", "each loader must be a mapping"))
		return nil
	}
	before := len(diags.Errors())
	l := &Loader{File: file, Pos: posOf(n), Disposition: Append, Contract: Evolve}
	var optsNode *yaml.Node
	var connPos diag.Pos
	for _, kv := range yamlsafe.Pairs(n) {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "name":
			l.Name = v.Value
			if !identOK(l.Name) {
				diags.Add(diag.Errorf(file, posOf(v), "use letters, digits and underscores", "loader name %q is not a valid name", l.Name))
			}
		case "description":
		case "connector":
			l.Connector, connPos = v.Value, posOf(v)
		case "lands":
			parseLands(file, l, v, diags)
		case "write_disposition":
			switch d := Disposition(v.Value); d {
			case Replace, Append, Merge:
				l.Disposition = d
			default:
				diags.Add(diag.Errorf(file, posOf(v), "use replace, append or merge", "unknown write_disposition %q", v.Value))
			}
		case "primary_key":
			l.PrimaryKeyPos = posOf(v)
			if v.Kind == yaml.ScalarNode {
				l.PrimaryKey = []string{v.Value}
			} else if v.Kind == yaml.SequenceNode {
				for _, c := range v.Content {
					l.PrimaryKey = append(l.PrimaryKey, c.Value)
				}
			} else {
				diags.Add(diag.Errorf(file, posOf(v), "write primary_key: id, or [a, b]", "primary_key must be a column name or a list of them"))
			}
		case "schema_contract":
			switch c := Contract(v.Value); c {
			case Evolve, Freeze, DiscardRow, DiscardValue:
				l.Contract = c
			default:
				diags.Add(diag.Errorf(file, posOf(v), "use evolve, freeze, discard_row or discard_value", "unknown schema_contract %q", v.Value))
			}
		case "max_rejected":
			m, err := strconv.Atoi(v.Value)
			if err != nil || m < 0 {
				diags.Add(diag.Errorf(file, posOf(v), "write a whole number such as 0 or 100", "max_rejected must be a whole number of at least 0, not %q", v.Value))
			}
			l.MaxRejected = m
		case "options":
			optsNode = v
		default:
			diags.Add(diag.Errorf(file, posOf(k), "known keys: "+strings.Join(loaderKeys, ", "), "unknown key %q in loader", k.Value))
		}
	}
	if l.Name == "" {
		diags.Add(diag.Errorf(file, l.Pos, "add name: my_loader", "a loader needs a name"))
	}
	if l.Source == "" {
		diags.Add(diag.Errorf(file, l.Pos, "add lands: {source: raw, table: orders}", "loader %q needs lands: {source, table}", l.Name))
	}
	if l.Disposition == Merge && len(l.PrimaryKey) == 0 {
		diags.Add(diag.Errorf(file, l.Pos, "add primary_key: id", "loader %q merges but has no primary_key", l.Name))
	}
	if l.Disposition != Merge && l.PrimaryKey != nil {
		// Only merge reads the key: elsewhere it would do nothing.
		diags.Add(diag.Errorf(file, l.PrimaryKeyPos, "remove primary_key, or write write_disposition: merge to upsert on it",
			"primary_key is used only by write_disposition: merge, and loader %q has write_disposition: %s", l.Name, l.Disposition))
	}
	for _, k := range l.PrimaryKey {
		if k == "" {
			diags.Add(diag.Errorf(file, l.PrimaryKeyPos, "write primary_key: id, or [a, b]", "primary_key names an empty column"))
			break
		}
	}
	opts := &Options{file: file, diags: diags, env: env, secretEnv: &l.secretEnv}
	l.env = env
	if optsNode != nil {
		if optsNode.Kind != yaml.MappingNode {
			diags.Add(diag.Errorf(file, posOf(optsNode), "write options: as a mapping", "options must be a mapping"))
			return nil
		}
		opts.node = optsNode
	} else {
		opts.node = &yaml.Node{Kind: yaml.MappingNode, Line: l.Pos.Line, Column: l.Pos.Column}
	}
	switch l.Connector {
	case "files":
		l.Conn = newFiles(opts)
	case "http":
		l.Conn = newHTTP(opts)
	case "postgres":
		l.Conn = newPostgresSource(opts)
	case "":
		diags.Add(diag.Errorf(file, l.Pos, "add connector: files, http or postgres", "loader %q needs a connector", l.Name))
	default:
		diags.Add(diag.Errorf(file, connPos, "use files, http or postgres", "unknown connector %q", l.Connector))
	}
	if f, ok := l.Conn.(*files); ok {
		f.storeRejects = l.MaxRejected > 0
	}
	opts.checkUnknown()
	if len(diags.Errors()) > before {
		return nil
	}
	return l
}

func parseLands(file string, l *Loader, v *yaml.Node, diags *diag.List) {
	if v.Kind != yaml.MappingNode {
		diags.Add(diag.Errorf(file, posOf(v), "write lands: {source: raw, table: orders}", "lands must be a mapping"))
		return
	}
	for _, kv := range yamlsafe.Pairs(v) {
		k, val := kv[0], kv[1]
		switch k.Value {
		case "source":
			l.Source = val.Value
		case "table":
			l.Table = val.Value
		default:
			diags.Add(diag.Errorf(file, posOf(k), "lands has only source and table", "unknown key %q in lands", k.Value))
		}
	}
	if l.Source == "" || l.Table == "" {
		diags.Add(diag.Errorf(file, posOf(v), "write lands: {source: raw, table: orders}", "lands needs both source and table"))
		l.Source = "-" // reported here; not again as missing
	}
}

func identOK(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func posOf(n *yaml.Node) diag.Pos {
	if n == nil {
		return diag.Pos{}
	}
	return diag.Pos{Line: n.Line, Column: n.Column}
}

// Options reads a connector's options with positions: every key read is
// marked used, and the rest are reported as unknown, so nothing written
// is silently ignored.
type Options struct {
	file  string
	node  *yaml.Node
	diags *diag.List
	env   Env
	used  map[string]bool
	subs  []*Options
	// secretEnv collects the names of the variables read as credentials
	// (shared by an Options and its Sub options).
	secretEnv *[]string
}

func (o *Options) get(key string) *yaml.Node {
	if o.used == nil {
		o.used = map[string]bool{}
	}
	o.used[key] = true
	// The last value of a key written twice, as Pairs and dbt keep.
	for i := len(o.node.Content) - 2; i >= 0; i -= 2 {
		if o.node.Content[i].Value == key {
			return o.node.Content[i+1]
		}
	}
	return nil
}

func (o *Options) errAt(n *yaml.Node, hint, format string, args ...any) {
	if n == nil {
		n = o.node
	}
	o.diags.Add(diag.Errorf(o.file, posOf(n), hint, format, args...))
}

// Sub reads a nested mapping option as its own Options.
func (o *Options) Sub(key string) *Options {
	n := o.get(key)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		o.errAt(n, "write "+key+": as a mapping", "option %s must be a mapping", key)
		return nil
	}
	sub := &Options{file: o.file, node: n, diags: o.diags, env: o.env, used: map[string]bool{}, secretEnv: o.secretEnv}
	o.subs = append(o.subs, sub)
	return sub
}

func (o *Options) String(key, def string) string {
	n := o.get(key)
	if n == nil {
		return def
	}
	if n.Kind != yaml.ScalarNode {
		o.errAt(n, "write a single value", "option %s must be a string", key)
		return def
	}
	return n.Value
}

func (o *Options) Int(key string, def int) int {
	n := o.get(key)
	if n == nil {
		return def
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil || v < 0 {
		o.errAt(n, "write a whole number", "option %s must be a whole number, not %q", key, n.Value)
		return def
	}
	return v
}

// PositiveInt reads a whole number of at least 1 (a count of attempts:
// 0 would mean never trying).
func (o *Options) PositiveInt(key string, def int) int {
	n := o.get(key)
	if n == nil {
		return def
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil || v < 1 {
		o.errAt(n, fmt.Sprintf("write a whole number of at least 1, or leave %s out for the default %d", key, def), "option %s must be a whole number of at least 1, not %q", key, n.Value)
		return def
	}
	return v
}

func (o *Options) Float(key string, def float64) float64 {
	n := o.get(key)
	if n == nil {
		return def
	}
	v, err := strconv.ParseFloat(n.Value, 64)
	if err != nil || v < 0 {
		o.errAt(n, "write a number", "option %s must be a number, not %q", key, n.Value)
		return def
	}
	return v
}

func (o *Options) Bool(key string, def bool) bool {
	n := o.get(key)
	if n == nil {
		return def
	}
	v, err := strconv.ParseBool(n.Value)
	if err != nil {
		o.errAt(n, "write true or false", "option %s must be true or false, not %q", key, n.Value)
		return def
	}
	return v
}

func (o *Options) Duration(key string, def time.Duration) time.Duration {
	n := o.get(key)
	if n == nil {
		return def
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil || v < 0 {
		o.errAt(n, "write a duration such as 500ms or 10s", "option %s must be a duration, not %q", key, n.Value)
		return def
	}
	return v
}

// PositiveDuration reads a duration longer than zero (a timeout: 0s would
// end every request before it starts).
func (o *Options) PositiveDuration(key string, def time.Duration) time.Duration {
	n := o.get(key)
	if n == nil {
		return def
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil || v <= 0 {
		o.errAt(n, fmt.Sprintf("write a duration such as 500ms or 10s, or leave %s out for the default %s", key, def), "option %s must be a duration longer than 0s, not %q", key, n.Value)
		return def
	}
	return v
}

// Map reads a mapping of strings (params, headers).
func (o *Options) Map(key string) map[string]string {
	n := o.get(key)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		o.errAt(n, "write "+key+": {name: value}", "option %s must be a mapping of names to values", key)
		return nil
	}
	out := map[string]string{}
	for _, kv := range yamlsafe.Pairs(n) {
		out[kv[0].Value] = kv[1].Value
	}
	return out
}

// OneOf reads a string that must be one of allowed.
func (o *Options) OneOf(key, def string, allowed ...string) string {
	n := o.get(key)
	if n == nil {
		return def
	}
	for _, a := range allowed {
		if n.Value == a {
			return a
		}
	}
	o.errAt(n, "use one of: "+strings.Join(allowed, ", "), "option %s cannot be %q", key, n.Value)
	return def
}

// EnvName reads an option naming an environment variable (a secret is
// never written in the file) and returns a function that reads it at run
// time, failing with the option's position when it is unset.
func (o *Options) EnvName(key string) func() (string, error) {
	n := o.get(key)
	if n == nil {
		return nil
	}
	name, file, pos, env := n.Value, o.file, posOf(n), o.env
	return func() (string, error) {
		if env != nil {
			if v, ok := env(name); ok {
				return v, nil
			}
		}
		return "", diag.List{diag.Errorf(file, pos, "export "+name+" before running elt load", "environment variable %s (option %s) is not set", name, key)}.Err()
	}
}

// SecretEnvName is EnvName for a credential: the variable's value is a
// secret of the invocation (Loader.SecretValues), scrubbed from what elt
// prints and writes.
func (o *Options) SecretEnvName(key string) func() (string, error) {
	read := o.EnvName(key)
	if read != nil {
		o.secretName(o.get(key).Value)
	}
	return read
}

// secretName marks an environment variable as holding a credential.
func (o *Options) secretName(name string) {
	if o.secretEnv != nil {
		*o.secretEnv = append(*o.secretEnv, name)
	}
}

func (o *Options) has(key string) bool {
	for i := 0; i+1 < len(o.node.Content); i += 2 {
		if o.node.Content[i].Value == key {
			return true
		}
	}
	return false
}

// checkUnknown reports every option no connector read, recursively for Sub options it read.
func (o *Options) checkUnknown() {
	for _, kv := range yamlsafe.Pairs(o.node) {
		k := kv[0]
		if !o.used[k.Value] {
			known := make([]string, 0, len(o.used))
			for u := range o.used {
				known = append(known, u)
			}
			sort.Strings(known)
			o.errAt(k, "known options here: "+strings.Join(known, ", "), "unknown option %q", k.Value)
		}
	}
	for _, s := range o.subs {
		s.checkUnknown()
	}
}
