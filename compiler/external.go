package compiler

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/lazyre"
	"github.com/elt-dev/elt/jinja"
	"github.com/elt-dev/elt/project"
)

// Sources read in place from files, as dbt-duckdb does (its
// DuckDBRelation.create_from_source and SourceConfig): a source table whose
// meta or config sets external_location renders, wherever source() is
// called, as that location formatted with the table's fields, instead of
// as database.schema.identifier.

// externalSourceDialect is implemented by a dialect whose sources may be
// files (DuckDB's): only there is external_location acted on. Elsewhere it
// is ordinary meta, as dbt-postgres and the others treat it.
type externalSourceDialect interface{ ExternalSources() bool }

func (e *engine) externalSources() bool {
	d, ok := e.dialect.(externalSourceDialect)
	return ok && d.ExternalSources()
}

// sourceConfigFields are dbt's SourceConfig fields. dbt-duckdb reads the
// other keys of a source's config (config.extra) over its meta.
var sourceConfigFields = map[string]bool{
	"enabled": true, "event_time": true, "freshness": true, "loaded_at_field": true,
	"loaded_at_query": true, "meta": true, "tags": true,
}

// externalSourceFields is dbt-duckdb's SourceConfig.as_dict(): name,
// identifier, schema, database and tags, then the table's meta (the
// source's merged with the table's), then its config's extra keys, later
// ones replacing earlier ones.
func externalSourceFields(s *project.SourceTable) map[string]any {
	tags := make([]any, len(s.Tags))
	for i, t := range s.Tags {
		tags[i] = t
	}
	var db any = s.Database
	if s.Database == "" {
		db = nil
	}
	out := map[string]any{"name": s.Name, "identifier": s.Identifier, "schema": s.Schema, "database": db, "tags": tags}
	for k, v := range s.Meta {
		out[k] = v
	}
	for k, v := range s.Config {
		if !sourceConfigFields[k] {
			out[k] = v
		}
	}
	return out
}

// externalSource is how a source table renders when it is a file: ok is
// false when it is an ordinary relation. The error names what dbt-duckdb
// would have raised, at the table's entry in its properties YAML.
func (e *engine) externalSource(s *project.SourceTable) (string, bool, *diag.Diagnostic) {
	fields := externalSourceFields(s)
	fail := func(hint, format string, args ...any) (string, bool, *diag.Diagnostic) {
		d := diag.Errorf(s.OriginalFilePath, s.Pos, hint, "source %s.%s: "+format, append([]any{s.SourceName, s.Name}, args...)...)
		return "", false, &d
	}
	if p, ok := fields["plugin"]; ok {
		return fail("read the data with external_location (a file path or a read_* call), or load it into the database before the run",
			"elt does not support dbt-duckdb plugins (plugin: %v): they are Python code run by dbt-duckdb", p)
	}
	raw, ok := fields["external_location"]
	if !ok {
		return "", false, nil
	}
	tmpl, ok := raw.(string)
	if !ok {
		return fail("write external_location as a string", "external_location must be a string, not %T", raw)
	}
	formatter := "newstyle"
	if f, ok := fields["formatter"]; ok {
		formatter = fmt.Sprint(f)
	}
	var loc string
	var err error
	switch formatter {
	case "newstyle":
		loc, err = e.env.FormatMap(tmpl, fields)
	case "oldstyle":
		loc, err = e.env.PercentFormat(tmpl, fields)
	case "template":
		loc, err = templateSubstitute(tmpl, fields)
	default:
		return fail("use formatter: newstyle (the default, {name}), oldstyle (%(name)s) or template (${name})",
			"formatter %q is not one of newstyle, oldstyle, template", formatter)
	}
	if err != nil {
		hint := "each {field} must be name, identifier, schema, database, tags or a key of the table's meta or config; write a literal brace as {{ or }}"
		switch formatter {
		case "oldstyle":
			hint = "each %(field)s must be name, identifier, schema, database, tags or a key of the table's meta or config; write a literal % as %%"
		case "template":
			hint = "each ${field} must be name, identifier, schema, database, tags or a key of the table's meta or config; write a literal $ as $$"
		}
		var je *jinja.Error
		if errors.As(err, &je) {
			err = fmt.Errorf("%s: %s", je.Kind, je.Msg)
		}
		return fail(hint, "formatting external_location %q (%s): %v", tmpl, formatter, err)
	}
	// As dbt-duckdb: a function call, or a location already quoted, is
	// used as written; anything else is a path, quoted as a string.
	if !strings.Contains(loc, "(") && !strings.HasPrefix(loc, "'") {
		loc = "'" + loc + "'"
	}
	return loc, true, nil
}

// templatePattern is Python's string.Template pattern: $$, $name, ${name}
// (names are ASCII, case-insensitive [_a-z][_a-z0-9]*), or an invalid $.
var templatePattern = lazyre.New(`\$(?:(\$)|([_a-zA-Z][_a-zA-Z0-9]*)|\{([_a-zA-Z][_a-zA-Z0-9]*)\}|())`)

// templateSubstitute is Python's string.Template(tmpl).substitute(mapping).
func templateSubstitute(tmpl string, mapping map[string]any) (string, error) {
	var b strings.Builder
	last := 0
	for _, m := range templatePattern().FindAllStringSubmatchIndex(tmpl, -1) {
		b.WriteString(tmpl[last:m[0]])
		last = m[1]
		switch {
		case m[2] >= 0:
			b.WriteByte('$')
		case m[4] >= 0 || m[6] >= 0:
			name := ""
			if m[4] >= 0 {
				name = tmpl[m[4]:m[5]]
			} else {
				name = tmpl[m[6]:m[7]]
			}
			v, ok := mapping[name]
			if !ok {
				return "", fmt.Errorf("KeyError: '%s'", name)
			}
			s, err := jinja.Str(v)
			if err != nil {
				return "", err
			}
			b.WriteString(s)
		default:
			line, col := templateLineCol(tmpl[:m[1]])
			return "", fmt.Errorf("ValueError: Invalid placeholder in string: line %d, col %d", line, col)
		}
	}
	b.WriteString(tmpl[last:])
	return b.String(), nil
}

// templateLineCol is where string.Template reports an invalid
// placeholder: upTo is the template up to and including its $; Python
// counts upTo's lines and reports the length of the last one as the column.
func templateLineCol(upTo string) (line, col int) {
	line, lastStart := 1, 0
	for i := 0; i < len(upTo); i++ {
		switch upTo[i] {
		case '\r':
			if i+1 < len(upTo) && upTo[i+1] == '\n' {
				i++
			}
			fallthrough
		case '\n':
			line++
			lastStart = i + 1
		}
	}
	return line, utf8.RuneCountInString(upTo[lastStart:])
}

// Models written to files, as dbt-duckdb's external materialization does
// (materializations/external.sql, utils/external_location.sql,
// render_write_options in adapters.sql, and DuckDBAdapter's
// external_root, external_write_options and external_read_location). The
// adapter writes the file and the view; the compiler works out where and
// how, since the project may override the external_location macro.

// externalMacroSQL are dbt-duckdb's overridable helpers, written for elt: a
// project macro of the same name replaces them, as in dbt-duckdb.
const externalMacroSQL = `{%- macro external_location(relation, config) -%}
  {%- if config.get('options', {}).get('partition_by') is none -%}
    {{- adapter.external_root() }}/{{ relation.identifier }}.{{ config.get('format', 'parquet') }}
  {%- else -%}
    {{- adapter.external_root() }}/{{ relation.identifier }}
  {%- endif -%}
{%- endmacro -%}

{% macro render_write_options(config) -%}
  {%- set options = config.get('options', {}) -%}
  {%- if options is not mapping -%}
    {%- do exceptions.raise_compiler_error("The options argument must be a dictionary") -%}
  {%- endif -%}
  {%- for k in options -%}
    {%- do options.update({k: render(options[k])}) -%}
  {%- endfor -%}
  {%- if config.get('format') -%}
    {%- do options.update({'format': render(config.get('format'))}) -%}
  {%- endif -%}
  {%- if config.get('delimiter') -%}
    {%- do options.update({'delimiter': render(config.get('delimiter'))}) -%}
  {%- endif -%}
  {%- do return(options) -%}
{%- endmacro %}
`

// ExternalPlan is where and how an external model is written and read back.
type ExternalPlan struct {
	// Location is the file (or, with partition_by, the directory) the
	// rows are written to, as the project names it: relative paths are
	// relative to the working directory, as in dbt-duckdb.
	Location string
	// Format is parquet, csv or json: the reader of the view.
	Format string
	// WriteOptions are COPY's options, e.g. "format parquet, partition_by (p)".
	WriteOptions string
	// ReadLocation is the path or glob the view reads.
	ReadLocation string
	// Reader is what the view selects from, e.g.
	// read_parquet('out/m.parquet', union_by_name=False).
	Reader string
	// SingleFile: COPY writes one file at Location (no partition_by and no
	// per_thread_output), which may be written aside and renamed into place.
	SingleFile bool
}

var externalFormats = []string{"csv", "parquet", "json"}

// External works out an external model's plan, rendering in its context
// (this, config) as dbt-duckdb's materialization does.
func (m *Manifest) External(ctx context.Context, id string) (ExternalPlan, error) {
	n := m.Nodes[id]
	if n == nil {
		return ExternalPlan{}, fmt.Errorf("no node %s", id)
	}
	st := m.engine.newState(m, n, true)
	st.ctx = ctx
	p, err := st.externalPlan(n.Config, st.thisValue(), &st.configObj)
	if err != nil {
		d := m.engine.errorDiag(n.OriginalFilePath, 0, err)
		d.File = n.OriginalFilePath
		return ExternalPlan{}, d
	}
	return p, nil
}

// externalPlan follows dbt-duckdb's external materialization: the location
// (config location, else the external_location macro), the write options
// (the render_write_options macro, then adapter.external_write_options),
// the format, and the read location and reader of the view.
func (st *renderState) externalPlan(cfg project.Config, this *relationValue, config any) (ExternalPlan, error) {
	var p ExternalPlan
	var loc any
	if v, ok := cfg["location"]; ok && v != nil {
		loc = templateValue(v)
	} else {
		v, err := st.invoke("external_location", []any{this, config}, nil)
		if err != nil {
			return p, err
		}
		loc = v
	}
	s, err := jinja.Str(loc)
	if err != nil {
		return p, err
	}
	if p.Location, err = st.renderValue(s); err != nil {
		return p, err
	}
	v, err := st.invoke("render_write_options", []any{config}, nil)
	if err != nil {
		return p, err
	}
	opts, err := optionsDict(v)
	if err != nil {
		return p, err
	}
	if f, ok := cfg["format"]; ok && f != nil && f != "" {
		p.Format = fmt.Sprint(f)
		if !slices.Contains(externalFormats, p.Format) {
			return p, &jinjaError{msg: fmt.Sprintf("Invalid format: %s. Allowed formats are: %s", p.Format, strings.Join(externalFormats, ", ")),
				hint: "set format to csv, parquet or json"}
		}
	} else {
		p.Format = "parquet"
		if i := strings.LastIndexByte(p.Location, '.'); i >= 0 {
			if f := strings.ToLower(p.Location[i+1:]); slices.Contains(externalFormats, f) {
				p.Format = f
			}
		}
	}
	if p.WriteOptions, err = externalWriteOptions(p.Location, opts); err != nil {
		return p, err
	}
	p.ReadLocation = externalReadLocation(p.Location, opts)
	p.SingleFile = !optionTrue(opts, "partition_by") && !optionTrue(opts, "per_thread_output")

	defaults := map[string]map[string]any{
		"parquet": {"union_by_name": false},
		"json":    {"auto_detect": true},
		"csv":     {"auto_detect": true},
	}
	readOpts := defaults[p.Format]
	if v, ok := cfg[p.Format+"_read_options"]; ok && v != nil {
		m, ok := v.(map[string]any)
		if !ok {
			return p, &jinjaError{msg: fmt.Sprintf("%s_read_options must be a mapping, not %T", p.Format, v)}
		}
		readOpts = m
	}
	var b strings.Builder
	b.WriteString("read_" + p.Format + "('" + p.ReadLocation + "'")
	for _, k := range sortedKeys(readOpts) {
		b.WriteString(", " + k + "=")
		if s, ok := readOpts[k].(string); ok {
			b.WriteString("'" + s + "'")
		} else {
			s, err := jinja.Str(templateValue(readOpts[k]))
			if err != nil {
				return p, err
			}
			b.WriteString(s)
		}
	}
	b.WriteString(")")
	p.Reader = b.String()
	return p, nil
}

// renderValue is dbt's render(): s rendered as a template in this context.
func (st *renderState) renderValue(s string) (string, error) {
	if !strings.Contains(s, "{{") && !strings.Contains(s, "{%") && !strings.Contains(s, "{#") {
		return s, nil
	}
	return st.renderString(s)
}

// fnRender is dbt's render(string).
func fnRender(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	v, ok := argAt(args, kw, 0, "string")
	if !ok {
		return nil, st.fail("call render('text with {{ jinja }}')", "render() needs a string")
	}
	str, isStr := v.(string)
	if !isStr {
		return v, nil
	}
	return st.renderValue(str)
}

// optionsDict is the mapping render_write_options returned.
func optionsDict(v any) (*jinja.Dict, error) {
	switch x := v.(type) {
	case *jinja.Dict:
		return x, nil
	case map[string]any:
		d := jinja.NewDict()
		for _, k := range sortedKeys(x) {
			d.Set(k, templateValue(x[k]))
		}
		return d, nil
	}
	return nil, &jinjaError{msg: "The options argument must be a dictionary"}
}

func optionString(opts *jinja.Dict, key string) (string, bool) {
	v, ok := opts.Get(key)
	if !ok {
		return "", false
	}
	s, err := jinja.Str(v)
	return s, err == nil
}

func optionTrue(opts *jinja.Dict, key string) bool {
	v, ok := opts.Get(key)
	if !ok {
		return false
	}
	t, _ := jinja.Truth(v)
	return t
}

// pyExt is Python's os.path.splitext(path)[1]: the last dot of the base
// name and what follows, unless the dot only starts the name.
func pyExt(path string) string {
	base := path[strings.LastIndexByte(path, '/')+1:]
	i := strings.LastIndexByte(base, '.')
	if i <= 0 || strings.Trim(base[:i], ".") == "" {
		return ""
	}
	return base[i:]
}

// externalWriteOptions is dbt-duckdb's adapter.external_write_options: it
// fills in opts' format (from the location's extension, csv when a
// delimiter is set, else parquet), a csv header, and partition_by's
// parentheses, and renders the COPY options. opts is updated, as
// dbt-duckdb's dictionary is, for externalReadLocation.
func externalWriteOptions(location string, opts *jinja.Dict) (string, error) {
	if _, ok := opts.Get("format"); !ok {
		switch ext := strings.ToLower(pyExt(location)); {
		case ext != "":
			opts.Set("format", ext[1:])
		case hasKey(opts, "delimiter"):
			opts.Set("format", "csv")
		default:
			opts.Set("format", "parquet")
		}
	}
	if f, _ := optionString(opts, "format"); f == "csv" && !hasKey(opts, "header") {
		opts.Set("header", int64(1))
	}
	if v, ok := opts.Get("partition_by"); ok {
		// A YAML list of columns is written as DuckDB's (a, b); dbt-duckdb
		// would pass the list's Python text, which DuckDB rejects.
		if items, isList := listItems(v); isList {
			parts := make([]string, len(items))
			for i, it := range items {
				parts[i], _ = jinja.Str(it)
			}
			opts.Set("partition_by", "("+strings.Join(parts, ", ")+")")
		} else if s, _ := jinja.Str(v); strings.Contains(s, ",") && !strings.HasPrefix(s, "(") {
			opts.Set("partition_by", "("+s+")")
		}
	}
	vals := opts.Values()
	out := make([]string, 0, opts.Len())
	for i, k := range opts.Keys() {
		ks, _ := jinja.Str(k)
		vs, err := jinja.Str(vals[i])
		if err != nil {
			return "", err
		}
		switch strings.ToLower(ks) {
		case "delimiter", "quote", "escape", "null":
			if !strings.HasPrefix(vs, "'") {
				vs = "'" + vs + "'"
			}
		}
		out = append(out, ks+" "+vs)
	}
	return strings.Join(out, ", "), nil
}

// externalReadLocation is dbt-duckdb's adapter.external_read_location:
// with partition_by or per_thread_output, a glob with one level per
// partition column under the location, ending in the format.
func externalReadLocation(location string, opts *jinja.Dict) string {
	if !optionTrue(opts, "partition_by") && !optionTrue(opts, "per_thread_output") {
		return location
	}
	globs := []string{location, "*"}
	if optionTrue(opts, "partition_by") {
		pb, _ := optionString(opts, "partition_by")
		for range strings.Split(pb, ",") {
			globs = append(globs, "*")
		}
	}
	format := "parquet"
	if f, ok := optionString(opts, "format"); ok {
		format = f
	}
	return strings.Join(globs, "/") + "." + format
}

func hasKey(d *jinja.Dict, k string) bool {
	_, ok := d.Get(k)
	return ok
}

func listItems(v any) ([]any, bool) {
	switch x := v.(type) {
	case *jinja.List:
		return x.Items, true
	case []any:
		return x, true
	case jinja.Tuple:
		return x, true
	}
	return nil, false
}

// externalRoot is dbt-duckdb's adapter.external_root(): the profile's
// external_root. Unset, dbt-duckdb writes to the working directory; elt
// writes to the project's target path, so that nothing it writes unasked
// lands outside the project.
func (e *engine) externalRoot() string {
	if v, ok := e.target.Fields["external_root"]; ok && v != nil {
		if s := fmt.Sprint(v); s != "" {
			return s
		}
	}
	tp := e.proj.Config.TargetPath
	if tp == "" {
		tp = "target"
	}
	if filepath.IsAbs(tp) || e.proj.Root == "" {
		return filepath.ToSlash(tp)
	}
	return filepath.ToSlash(filepath.Join(e.proj.Root, tp))
}

// fnRegisterUpstreamExternalModels is dbt-duckdb's
// register_upstream_external_models(), for on-run-start: for every external
// model that a selected node depends on but that is not selected itself, it
// creates the model's schema and a view over the model's files, so that a
// partial run's refs resolve (in a fresh in-memory database, say). It
// renders to nothing.
func fnRegisterUpstreamExternalModels(s *jinja.State, _ []any, _ jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	if !st.execute {
		return "", nil
	}
	m := st.m
	selected := make(map[string]bool, len(m.selected))
	for _, id := range m.selected {
		selected[id] = true
	}
	seen := map[string]bool{}
	schemas := map[string]bool{}
	for _, id := range m.selected {
		n := m.Nodes[id]
		if n == nil {
			continue
		}
		for _, up := range n.DependsOn.Nodes {
			if seen[up] || selected[up] {
				continue
			}
			seen[up] = true
			u := m.Nodes[up]
			if u == nil || (u.ResourceType != project.Model && u.ResourceType != project.Seed) || u.Config["materialized"] != "external" {
				continue
			}
			ust := st.engine.newState(m, u, true)
			ust.ctx = st.ctx
			rel := st.engine.dialect.RenderRelation(u.Relation)
			uRel := relationOf(u)
			p, err := ust.externalPlan(u.Config, &uRel, u.Config)
			if err != nil {
				return nil, st.fail("", "register_upstream_external_models: %s: %v", u.UniqueID, err)
			}
			if !schemas[u.Relation.Schema] {
				schema := st.engine.dialect.RenderRelation(Relation{Database: u.Relation.Database, Schema: u.Relation.Schema})
				if _, err := st.query("create schema if not exists " + schema); err != nil {
					return nil, err
				}
				schemas[u.Relation.Schema] = true
			}
			// An empty model's files hold one row of nulls (see
			// adapters.ExternalWriter); the view filters it out, as the
			// materialization's view does. dbt-duckdb's version of this
			// macro lets that row through.
			sample, err := st.query("select * from '" + p.ReadLocation + "' limit 2")
			if err != nil {
				return nil, err
			}
			filter := ""
			if len(sample.rows) == 1 && allNil(sample.rows[0]) {
				conds := make([]string, len(sample.columns))
				for i, c := range sample.columns {
					conds[i] = st.engine.dialect.Quote(c) + " is not null"
				}
				filter = "\n  where " + strings.Join(conds, " and ")
			}
			if _, err := st.query("create or replace view " + rel + " as (\n  select * from '" + p.ReadLocation + "'" + filter + "\n)"); err != nil {
				return nil, err
			}
		}
	}
	return "", nil
}

func allNil(row []any) bool {
	for _, v := range row {
		if v != nil {
			return false
		}
	}
	return true
}

// IsExternalSource reports whether the source renders as files
// (external_location); SourceRelations then holds its location.
func (m *Manifest) IsExternalSource(id string) bool { return m.externalSources[id] }
