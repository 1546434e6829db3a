package main

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// editModel is one model of editProject: what its file and its entry in
// the properties YAML say.
type editModel struct {
	name, folder string
	refs         []string // models of lower index: no cycles
	constant     int      // a literal in the SQL: edits of the same size
	materialized string   // in config(): "", view, table or ephemeral
	alias        string
	schema       string
	tags         []string
	disabled     bool
	macro        bool // calls the project's macro
	pkgMacro     bool // calls the installed package's macro
	readsVar     bool
	readsEnv     bool
	macroTag     bool   // config(tags=[model_tag()]): a macro in the parse
	macroRef     bool   // refs what the project's base_ref() macro refs
	readsSource  bool   // source('raw', 'events')
	readsThis    bool   // {{ this }}
	docDescribed bool   // its description is {{ doc('shared') }}
	dimRef       string // "", "latest" (ref('dim')) or "v1" (ref('dim', v=1))
	// properties YAML
	described  string
	yamlTags   []string
	yamlMat    string // config: materialized in the YAML
	testID     bool   // not_null on id
	testUnique bool
	accepted   []string // accepted_values on kind
	severity   string   // of the not_null test: "", warn or error
}

// editProject is a small project held as data: random edits change it
// and files writes what changed.
type editProject struct {
	models       []*editModel
	rate         int    // a var in dbt_project.yml
	macroBody    string // the project's macro
	pkgBody      string // the package's macro
	tagBody      string // model_tag()
	baseRef      string // the model base_ref() refs: m00 or m01
	sourceSchema string // the raw source's schema
	sourceTable  string // its events table's identifier
	docText      string // the shared docs block
	customAlias  bool   // a generate_alias_name override
	// dim is a versioned model (versions 1 and 2 in the YAML).
	dimLatest    int
	dimConstant  int
	exposed      string // the model the exposure depends on
	unitRows     int    // rows the unit test on m00 expects
	incShift     int    // what the incremental model adds to m00's id
	customSchema bool   // a generate_schema_name override
	folderMat    string // +materialized of the marts folder
	folderTags   []string
	seedRows     int
	snapshotMin  int // the snapshot's where clause
	next         int // the next model's number
	// broken is a model disabled while others ref it, which fails the
	// compile: enabled again by the next edit.
	broken *editModel
}

func newEditProject(r *rand.Rand) *editProject {
	p := &editProject{rate: 2, macroBody: "({{ col }} / 100)", pkgBody: "{{ col }} * 100", tagBody: "blue", baseRef: "m00", seedRows: 2,
		sourceSchema: "raw", sourceTable: "events", docText: "Shared text.", dimLatest: 2, exposed: "m00", unitRows: 1}
	for range 8 {
		p.addModel(r)
	}
	return p
}

func (p *editProject) addModel(r *rand.Rand) *editModel {
	m := &editModel{name: fmt.Sprintf("m%02d", p.next), folder: []string{"staging", "marts"}[r.IntN(2)], constant: r.IntN(9)}
	p.next++
	for _, o := range p.models {
		if !o.disabled && r.IntN(3) == 0 && len(m.refs) < 3 {
			m.refs = append(m.refs, o.name)
		}
	}
	p.models = append(p.models, m)
	return m
}

func (p *editProject) model(name string) *editModel {
	for _, m := range p.models {
		if m.name == name {
			return m
		}
	}
	return nil
}

// refd reports whether another model refs name.
func (p *editProject) refd(name string) bool {
	for _, m := range p.models {
		if slices.Contains(m.refs, name) {
			return true
		}
	}
	return false
}

func quoted(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = "'" + s + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func (m *editModel) sql() string {
	var b strings.Builder
	var cfg []string
	if m.materialized != "" {
		cfg = append(cfg, "materialized='"+m.materialized+"'")
	}
	if m.alias != "" {
		cfg = append(cfg, "alias='"+m.alias+"'")
	}
	if m.schema != "" {
		cfg = append(cfg, "schema='"+m.schema+"'")
	}
	tags := make([]string, 0, len(m.tags)+1)
	for _, t := range m.tags {
		tags = append(tags, "'"+t+"'")
	}
	if m.macroTag {
		tags = append(tags, "model_tag()")
	}
	if len(tags) > 0 {
		cfg = append(cfg, "tags=["+strings.Join(tags, ", ")+"]")
	}
	if m.disabled {
		cfg = append(cfg, "enabled=false")
	}
	if len(cfg) > 0 {
		fmt.Fprintf(&b, "{{ config(%s) }}\n", strings.Join(cfg, ", "))
	}
	fmt.Fprintf(&b, "select %d as id, 'k%d' as kind", m.constant, m.constant)
	for _, c := range []struct {
		on     bool
		column string
	}{
		{m.macro, "{{ cents('id') }} as c"},
		{m.pkgMacro, "{{ pkg.pkg_money('id') }} as p"},
		{m.readsVar, "{{ var('rate') }} as r"},
		{m.readsEnv, "'{{ env_var('ELT_TEST_EDIT_REGION', 'eu') }}' as region"},
		{m.readsThis, "'{{ this }}' as self"},
		{m.readsSource, "(select count(*) from {{ source('raw', 'events') }}) as events"},
		{m.dimRef == "latest", "(select count(*) from {{ ref('dim') }}) as dims"},
		{m.dimRef == "v1", "(select count(*) from {{ ref('dim', v=1) }}) as dims"},
	} {
		if c.on {
			b.WriteString(", " + c.column)
		}
	}
	if len(m.refs) > 0 {
		fmt.Fprintf(&b, "\nfrom {{ ref('%s') }}", m.refs[0])
		for _, r := range m.refs[1:] {
			fmt.Fprintf(&b, "\ncross join (select 1 as one from {{ ref('%s') }}) as %s", r, r)
		}
	}
	if m.macroRef {
		b.WriteString("\n" + []string{"from", "cross join"}[min(1, len(m.refs))] + " (select 1 as one from {{ base_ref() }}) as base")
	}
	b.WriteString("\n")
	return b.String()
}

// files is the project's files by path.
func (p *editProject) files() map[string]string {
	f := map[string]string{}
	var proj strings.Builder
	fmt.Fprintf(&proj, "name: shop\nversion: \"1.0\"\nprofile: shop\nvars:\n  rate: %d\n", p.rate)
	// The source's tables, under each name an edit gives them.
	proj.WriteString("on-run-start:\n")
	for _, schema := range []string{"raw", "landing"} {
		fmt.Fprintf(&proj, "  - \"create schema if not exists {{ target.database }}.%s\"\n", schema)
		for _, table := range []string{"events", "events_v2"} {
			fmt.Fprintf(&proj, "  - \"create table if not exists {{ target.database }}.%s.%s as select 1 as id\"\n", schema, table)
		}
	}
	proj.WriteString("models:\n  shop:\n    +materialized: view\n    marts:\n")
	if p.folderMat != "" {
		fmt.Fprintf(&proj, "      +materialized: %s\n", p.folderMat)
	}
	if len(p.folderTags) > 0 {
		fmt.Fprintf(&proj, "      +tags: %s\n", quoted(p.folderTags))
	}
	proj.WriteString("      +meta: {owner: marts}\n")
	f["dbt_project.yml"] = proj.String()
	f["profiles.yml"] = "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: shop.duckdb\n      schema: main\n" +
		"    prod:\n      type: duckdb\n      path: shop.duckdb\n      schema: prod\n"
	f["macros/money.sql"] = "{% macro cents(col) -%}" + p.macroBody + "{%- endmacro %}\n"
	f["macros/parse.sql"] = "{% macro model_tag() %}{{ return('" + p.tagBody + "') }}{% endmacro %}\n" +
		"{% macro base_ref() %}{{ return(ref('" + p.baseRef + "')) }}{% endmacro %}\n"
	if p.customAlias {
		f["macros/alias.sql"] = "{% macro generate_alias_name(custom_alias_name=none, node=none) -%}\n" +
			"{%- if custom_alias_name -%}{{ custom_alias_name | trim }}{%- else -%}x_{{ node.name }}{%- endif -%}\n{%- endmacro %}\n"
	}
	f["models/sources.yml"] = fmt.Sprintf("version: 2\nsources:\n  - name: raw\n    schema: %s\n    tables:\n      - name: events\n        identifier: %s\n", p.sourceSchema, p.sourceTable)
	f["models/docs.md"] = "{% docs shared %}\n" + p.docText + "\n{% enddocs %}\n"
	if p.customSchema {
		f["macros/schema.sql"] = "{% macro generate_schema_name(custom_schema_name, node) -%}\n" +
			"{%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}\n{%- endmacro %}\n"
	}
	f["dbt_packages/pkg/dbt_project.yml"] = "name: pkg\nversion: \"1.0\"\n"
	f["dbt_packages/pkg/macros/money.sql"] = "{% macro pkg_money(col) -%}" + p.pkgBody + "{%- endmacro %}\n"
	var seed strings.Builder
	seed.WriteString("id,kind\n")
	for i := range p.seedRows {
		fmt.Fprintf(&seed, "%d,k%d\n", i, i)
	}
	f["seeds/s.csv"] = seed.String()
	f["snapshots/snap.sql"] = "{% snapshot snap %}\n{{ config(target_schema='snaps', unique_key='id', strategy='check', check_cols='all') }}\n" +
		fmt.Sprintf("select * from {{ ref('s') }} where id >= %d\n{%% endsnapshot %%}\n", p.snapshotMin)
	props := map[string]*strings.Builder{}
	for _, m := range p.models {
		f["models/"+m.folder+"/"+m.name+".sql"] = m.sql()
		if m.described == "" && !m.docDescribed && len(m.yamlTags) == 0 && m.yamlMat == "" && !m.testID && !m.testUnique && len(m.accepted) == 0 {
			continue
		}
		b := props[m.folder]
		if b == nil {
			b = &strings.Builder{}
			b.WriteString("version: 2\nmodels:\n")
			props[m.folder] = b
		}
		fmt.Fprintf(b, "  - name: %s\n", m.name)
		switch {
		case m.docDescribed:
			b.WriteString("    description: \"{{ doc('shared') }}\"\n")
		case m.described != "":
			fmt.Fprintf(b, "    description: %q\n", m.described)
		}
		if len(m.yamlTags) > 0 || m.yamlMat != "" {
			b.WriteString("    config:\n")
			if len(m.yamlTags) > 0 {
				fmt.Fprintf(b, "      tags: %s\n", quoted(m.yamlTags))
			}
			if m.yamlMat != "" {
				fmt.Fprintf(b, "      materialized: %s\n", m.yamlMat)
			}
		}
		if m.testID || m.testUnique || len(m.accepted) > 0 {
			b.WriteString("    columns:\n")
			if m.testID || m.testUnique {
				b.WriteString("      - name: id\n        data_tests:\n")
				if m.testID {
					if m.severity != "" {
						fmt.Fprintf(b, "          - not_null:\n              config:\n                severity: %s\n", m.severity)
					} else {
						b.WriteString("          - not_null\n")
					}
				}
				if m.testUnique {
					b.WriteString("          - unique\n")
				}
			}
			if len(m.accepted) > 0 {
				fmt.Fprintf(b, "      - name: kind\n        data_tests:\n          - accepted_values:\n              values: %s\n", quoted(m.accepted))
			}
		}
	}
	for folder, b := range props {
		f["models/"+folder+"/_props.yml"] = b.String()
	}
	// An incremental model: its render before a run reads whether its
	// table exists, which a cached render cannot know.
	f["models/inc.sql"] = fmt.Sprintf("{{ config(materialized='incremental', unique_key='id') }}\n"+
		"select id + %d as id, kind from {{ ref('m00') }}\n"+
		"{%% if is_incremental() %%}where id + %d > (select coalesce(max(id), -1) from {{ this }}){%% endif %%}\n", p.incShift, p.incShift)
	// A model that asks the warehouse for m00's columns: its render is
	// never cached, and runs again before it is built.
	f["models/cols.sql"] = "{% set cols = adapter.get_columns_in_relation(ref('m00')) %}\n" +
		"select {% for c in cols %}{{ c.name }}{% if not loop.last %}, {% endif %}{% else %}1 as nothing{% endfor %}\n" +
		"from {{ ref('m00') }}\n"
	f["models/dim_v1.sql"] = "select 1 as id\n"
	f["models/dim_v2.sql"] = fmt.Sprintf("select %d as id, 'x' as extra\n", p.dimConstant)
	// The unit test passes when it expects one row (m00 selects one),
	// and fails otherwise.
	var unit strings.Builder
	unit.WriteString("  - name: m00_rows\n    model: m00\n    given:\n")
	m00 := p.model("m00")
	var given []string
	if m00.readsSource {
		given = append(given, "source('raw', 'events')")
	}
	switch m00.dimRef {
	case "latest":
		given = append(given, "ref('dim')")
	case "v1":
		given = append(given, "ref('dim', v=1)")
	}
	for _, g := range given {
		fmt.Fprintf(&unit, "      - input: %s\n        rows: [{id: 1}]\n", g)
	}
	if len(given) == 0 {
		unit.WriteString("      []\n")
	}
	unit.WriteString("    expect:\n      rows:\n")
	for range p.unitRows {
		fmt.Fprintf(&unit, "        - {id: %d}\n", m00.constant)
	}
	f["models/dim.yml"] = fmt.Sprintf(`version: 2
models:
  - name: dim
    latest_version: %d
    versions:
      - v: 1
      - v: 2
exposures:
  - name: weekly
    type: dashboard
    owner: {email: data@example.com}
    depends_on: [ref('%s')]
unit_tests:
`, p.dimLatest, p.exposed) + unit.String()
	return f
}

// edit changes the project at random and says how.
func (p *editProject) edit(r *rand.Rand) string {
	if b := p.broken; b != nil {
		p.broken, b.disabled = nil, false
		return b.name + ": enabled again"
	}
	m := p.models[r.IntN(len(p.models))]
	switch r.IntN(29) {
	case 0, 1, 2:
		// The same size: a file whose size and modification time may
		// not tell it changed.
		m.constant = (m.constant + 1 + r.IntN(8)) % 10
		return m.name + ": constant " + fmt.Sprint(m.constant)
	case 3:
		i := slices.Index(p.models, m)
		m.refs = nil
		for _, o := range p.models[:i] {
			if !o.disabled && r.IntN(3) == 0 && len(m.refs) < 3 {
				m.refs = append(m.refs, o.name)
			}
		}
		return fmt.Sprintf("%s: refs %v", m.name, m.refs)
	case 4:
		m.materialized = []string{"", "view", "table", "ephemeral"}[r.IntN(4)]
		return m.name + ": materialized " + m.materialized
	case 5:
		m.alias = []string{"", m.name + "_tbl", "other_" + m.name}[r.IntN(3)]
		return m.name + ": alias " + m.alias
	case 6:
		m.schema = []string{"", "analytics", "reporting"}[r.IntN(3)]
		return m.name + ": schema " + m.schema
	case 7:
		m.tags = [][]string{nil, {"daily"}, {"daily", "pii"}}[r.IntN(3)]
		return fmt.Sprintf("%s: tags %v", m.name, m.tags)
	case 8:
		switch {
		case m.name == "m00" || m.name == "m01":
			// base_ref() refs them.
		case m.disabled:
			m.disabled = false
		case !p.refd(m.name):
			m.disabled = true
		case r.IntN(3) == 0:
			// Disabling a model others ref fails the compile, with and
			// without the caches alike, until it is enabled again.
			m.disabled, p.broken = true, m
		}
		return fmt.Sprintf("%s: disabled %t", m.name, m.disabled)
	case 9:
		m.macro, m.pkgMacro = r.IntN(2) == 0, r.IntN(2) == 0
		m.readsVar, m.readsEnv = r.IntN(2) == 0, r.IntN(2) == 0
		m.macroTag = r.IntN(2) == 0
		m.macroRef = r.IntN(2) == 0 && slices.Index(p.models, m) >= 2
		return fmt.Sprintf("%s: macro %t, package macro %t, var %t, env %t, macro tag %t, macro ref %t", m.name, m.macro, m.pkgMacro, m.readsVar, m.readsEnv, m.macroTag, m.macroRef)
	case 10:
		if r.IntN(2) == 0 {
			m.yamlTags = [][]string{nil, {"yaml"}, {"yaml", "daily"}}[r.IntN(3)]
			return fmt.Sprintf("%s: YAML tags %v", m.name, m.yamlTags)
		}
		m.described = []string{"", "Orders.", "Orders, described again.", "Customers."}[r.IntN(4)]
		return fmt.Sprintf("%s: description %q", m.name, m.described)
	case 11:
		m.yamlMat = []string{"", "table", "view"}[r.IntN(3)]
		return m.name + ": YAML materialized " + m.yamlMat
	case 12:
		m.testID, m.testUnique = r.IntN(2) == 0, r.IntN(2) == 0
		m.severity = []string{"", "warn", "error"}[r.IntN(3)]
		m.accepted = [][]string{nil, {"k1", "k2"}, {"k1", "k2", "k3"}}[r.IntN(3)]
		return fmt.Sprintf("%s: tests not_null %t (%s), unique %t, accepted %v", m.name, m.testID, m.severity, m.testUnique, m.accepted)
	case 13:
		p.macroBody = []string{"({{ col }} / 100)", "({{ col }} / 1000)", "round({{ col }} / 100, 2)"}[r.IntN(3)]
		p.tagBody = []string{"blue", "green"}[r.IntN(2)]
		p.baseRef = []string{"m00", "m01"}[r.IntN(2)]
		return fmt.Sprintf("macros: cents %s, model_tag %s, base_ref %s", p.macroBody, p.tagBody, p.baseRef)
	case 14:
		p.pkgBody = []string{"{{ col }} * 100", "{{ col }} * 10", "{{ col }} * 100 + 0"}[r.IntN(3)]
		return "package macro: " + p.pkgBody
	case 15:
		p.customSchema = !p.customSchema
		return fmt.Sprintf("generate_schema_name override %t", p.customSchema)
	case 16:
		p.rate = 1 + r.IntN(9)
		return fmt.Sprintf("var rate %d", p.rate)
	case 17:
		p.folderMat = []string{"", "table", "view"}[r.IntN(3)]
		p.folderTags = [][]string{nil, {"mart"}, {"mart", "daily"}}[r.IntN(3)]
		return fmt.Sprintf("marts folder: materialized %q, tags %v", p.folderMat, p.folderTags)
	case 18:
		p.seedRows = 1 + r.IntN(4)
		p.snapshotMin = r.IntN(3)
		return fmt.Sprintf("seed rows %d, snapshot from id %d", p.seedRows, p.snapshotMin)
	case 19:
		n := p.addModel(r)
		return fmt.Sprintf("added %s (refs %v)", n.name, n.refs)
	case 20:
		if p.refd(m.name) || len(p.models) < 4 || m.name == "m00" || m.name == "m01" {
			return "nothing removed"
		}
		p.models = slices.DeleteFunc(p.models, func(o *editModel) bool { return o == m })
		return "removed " + m.name
	case 22:
		m.readsSource, m.readsThis, m.docDescribed = r.IntN(2) == 0, r.IntN(2) == 0, r.IntN(2) == 0
		return fmt.Sprintf("%s: source %t, this %t, doc description %t", m.name, m.readsSource, m.readsThis, m.docDescribed)
	case 23:
		p.sourceSchema = []string{"raw", "landing"}[r.IntN(2)]
		p.sourceTable = []string{"events", "events_v2"}[r.IntN(2)]
		return fmt.Sprintf("source schema %s, identifier %s", p.sourceSchema, p.sourceTable)
	case 24:
		p.docText = []string{"Shared text.", "Shared text, edited.", "Other words."}[r.IntN(3)]
		p.customAlias = r.IntN(2) == 0
		return fmt.Sprintf("docs block %q, generate_alias_name override %t", p.docText, p.customAlias)
	case 25:
		m.dimRef = []string{"", "latest", "v1"}[r.IntN(3)]
		return m.name + ": dim ref " + m.dimRef
	case 26:
		p.dimLatest, p.dimConstant = 1+r.IntN(2), r.IntN(5)
		return fmt.Sprintf("dim: latest version %d, constant %d", p.dimLatest, p.dimConstant)
	case 27:
		p.exposed = []string{"m00", "m01"}[r.IntN(2)]
		p.unitRows = []int{1, 1, 2}[r.IntN(3)]
		p.incShift = r.IntN(3)
		return fmt.Sprintf("exposure on %s, unit test expects %d rows, incremental shift %d", p.exposed, p.unitRows, p.incShift)
	default:
		m.folder = map[string]string{"staging": "marts", "marts": "staging"}[m.folder]
		return m.name + ": moved to " + m.folder
	}
}

// sync writes the files that differ from what dir holds and removes the
// project files it no longer has; touch rewrites one unchanged file.
func syncEditProject(t *testing.T, dir string, files map[string]string, touch string) {
	t.Helper()
	for _, top := range []string{"models", "macros", "seeds", "snapshots"} {
		root := filepath.Join(dir, top)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			if _, ok := files[filepath.ToSlash(rel)]; !ok {
				return os.Remove(p)
			}
			return nil
		})
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	for rel, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if old, err := os.ReadFile(p); err == nil && string(old) == body && rel != touch {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCachesRandomEdits: after every step of random edits to a project
// (model SQL, config() calls, properties YAML, tests, macros, a package's
// macro, vars, env vars, the target, folder configs, seeds, models added,
// removed and moved, files rewritten unchanged), elt compile, compile -s
// and ls with the load, render, check and manifest caches give what they
// give without any cache (--no-partial-parse in a fresh target): the same
// exit code, manifest, compiled files and output.
func TestCachesRandomEdits(t *testing.T) {
	seeds := []uint64{1, 2, 3, 4, 5, 6, 7, 8}
	steps := 40
	if testing.Short() {
		seeds, steps = seeds[:1], 15
	}
	// ELT_TEST_EDIT_SEEDS=N tries seeds 1 to N, for a longer search.
	if n, err := strconv.Atoi(os.Getenv("ELT_TEST_EDIT_SEEDS")); err == nil && n > 0 {
		seeds = seeds[:0]
		for i := range n {
			seeds = append(seeds, uint64(i+1))
		}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) { randomEdits(t, seed, steps) })
	}
}

func randomEdits(t *testing.T, seed uint64, steps int) {
	r := rand.New(rand.NewPCG(seed, 7))
	dir := t.TempDir()
	p := newEditProject(r)
	env := map[string]string{"ELT_TEST_EDIT_REGION": "eu"}
	target := "dev"
	var history []string
	compared, failed, builds := 0, 0, 0
	defer func() {
		t.Logf("seed %d: %d steps, %d failed alike, %d files compared, %d builds", seed, steps, failed, compared, builds)
	}()
	// mirror is the project again, built without the caches: its DuckDB
	// file sees the same builds as dir's.
	mirror := t.TempDir()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("seed %d, after the steps\n  %s\n%s", seed, strings.Join(history, "\n  "), fmt.Sprintf(format, args...))
	}
	for step := range steps {
		var what []string
		for range 1 + r.IntN(3) {
			what = append(what, p.edit(r))
		}
		switch r.IntN(10) {
		case 0:
			target = map[string]string{"dev": "prod", "prod": "dev"}[target]
			what = append(what, "target "+target)
		case 1:
			env["ELT_TEST_EDIT_REGION"] = []string{"eu", "us", "ap"}[r.IntN(3)]
			what = append(what, "env region "+env["ELT_TEST_EDIT_REGION"])
		}
		files := p.files()
		touch := ""
		if r.IntN(4) == 0 {
			names := slices.Sorted(func(yield func(string) bool) {
				for k := range files {
					if !yield(k) {
						return
					}
				}
			})
			touch = names[r.IntN(len(names))]
			what = append(what, "rewrote "+touch+" unchanged")
		}
		syncEditProject(t, dir, files, touch)
		if r.IntN(12) == 0 {
			// A build, against a DuckDB file that has seen the same
			// builds without the caches.
			what = append(what, "build")
			history = append(history, fmt.Sprintf("%d: %s; elt build --target %s", step, strings.Join(what, "; "), target))
			syncEditProject(t, mirror, files, "")
			if msg := compareBuilds(t, dir, mirror, env, target); msg != "" {
				fail("%s", msg)
			}
			builds++
			continue
		}
		args := []string{"compile"}
		switch k := r.IntN(10); {
		case k < 3:
			var enabled []string
			for _, m := range p.models {
				if !m.disabled {
					enabled = append(enabled, m.name)
				}
			}
			if len(enabled) > 0 {
				args = append(args, "-s", enabled[r.IntN(len(enabled))]+[]string{"", "+"}[r.IntN(2)])
			}
		case k < 5:
			args = []string{"ls", "--resource-type", "model", "--resource-type", "test", "--output", "json"}
		}
		if args[0] == "compile" && r.IntN(3) > 0 {
			args = append(args, "--no-check")
		}
		if r.IntN(5) == 0 {
			args = append(args, "--vars", fmt.Sprintf("{rate: %d}", 10+r.IntN(3)))
		}
		args = append(args, "--target", target)
		history = append(history, fmt.Sprintf("%d: %s; elt %s", step, strings.Join(what, "; "), strings.Join(args, " ")))

		got := eltWith(t, dir, env, args...)
		gotFiles := targetFiles(t, dir)
		// The same project without any cache, in a target of its own.
		live, aside := filepath.Join(dir, "target"), filepath.Join(dir, "target.cached")
		if err := os.Rename(live, aside); err != nil {
			t.Fatal(err)
		}
		want := eltWith(t, dir, env, append(args, "--no-partial-parse")...)
		wantFiles := targetFiles(t, dir)
		if err := os.RemoveAll(live); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(aside, live); err != nil {
			t.Fatal(err)
		}

		if got.code != want.code {
			fail("elt %s: exit %d with the caches, %d without\nwith:\n%s%s\nwithout:\n%s%s", strings.Join(args, " "), got.code, want.code, got.stdout, got.stderr, want.stdout, want.stderr)
		}
		if got.code != 0 {
			if g, w := errorLines(got.stderr), errorLines(want.stderr); g != w {
				fail("elt %s: with the caches:\n%s\nwithout:\n%s", strings.Join(args, " "), g, w)
			}
			failed++
			if os.Getenv("ELT_TEST_EDIT_DEBUG") != "" {
				t.Logf("step %d failed alike: %s", step, errorLines(got.stderr))
			}
			continue
		}
		if args[0] == "ls" {
			if got.stdout != want.stdout {
				fail("elt ls:\n%s", firstDifference(got.stdout, want.stdout))
			}
			continue
		}
		// The project holds what the edits aim at: a check on the
		// generator, not on elt.
		for _, id := range []string{`"model.shop.dim.v2"`, `"exposure.shop.weekly"`, `"unit_test.shop.m00.m00_rows"`, `"source.shop.raw.events"`} {
			if !strings.Contains(wantFiles["manifest.json"], id) {
				fail("no %s in the manifest", id)
			}
		}
		compared += len(wantFiles)
		for name, w := range wantFiles {
			if g, ok := gotFiles[name]; !ok {
				fail("%s: written without the caches only", name)
			} else if g != w {
				fail("%s differs:\n%s", name, firstDifference(g, w))
			}
		}
	}
}

// targetFiles are target/manifest.json, its volatile fields blanked, and
// the compiled files, or none when there is no manifest. The compiled
// files of earlier compiles stay, as in dbt: the caller compares the
// files a compile without the caches writes.
func targetFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "target", "manifest.json")); err != nil {
		return map[string]string{}
	}
	return targetSnapshot(t, dir)
}

// errorLines is a failure's stderr without its timing (the time a log
// line starts with) and blank lines.
func errorLines(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = logTime.ReplaceAllString(l, ""); strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// logTime is the time a log line starts with.
var logTime = regexp.MustCompile(`^[0-9]{2}:[0-9]{2}:[0-9]{2}  `)

// firstDifference shows where got and want first differ, with some of
// what surrounds it.
func firstDifference(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-300)
	excerpt := func(s string) string { return s[min(from, len(s)):min(i+300, len(s))] }
	return fmt.Sprintf("at byte %d of %d (%d without the caches)\nwith the caches:\n%s\nwithout:\n%s", i, len(got), len(want), excerpt(got), excerpt(want))
}

// tempNames are the random parts of the temporary relations' names, and
// runTimes the times a snapshot stamps its rows with.
var (
	tempNames = regexp.MustCompile(`elt_tmp_[0-9a-f]+`)
	runTimes  = regexp.MustCompile(`timestamp '[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+'`)
)

// compareBuilds runs elt build in dir with the caches and in mirror
// without, each against its own DuckDB file, and says how they differ:
// the exit code, each node's status and failures in run_results.json, and
// the SQL each wrote under target/run.
func compareBuilds(t *testing.T, dir, mirror string, env map[string]string, target string) string {
	t.Helper()
	type built struct {
		res     cliResult
		results map[string]rrEntry
		run     map[string]string
	}
	build := func(d string, extra ...string) built {
		if err := os.RemoveAll(filepath.Join(d, "target", "run")); err != nil {
			t.Fatal(err)
		}
		os.Remove(filepath.Join(d, "target", "run_results.json"))
		b := built{res: eltWith(t, d, env, append([]string{"build", "--target", target}, extra...)...)}
		if _, err := os.Stat(filepath.Join(d, "target", "run_results.json")); err == nil {
			b.results = readRunResults(t, filepath.Join(d, "target", "run_results.json"))
		}
		b.run = treeFiles(t, filepath.Join(d, "target", "run"))
		for rel, body := range b.run {
			// A seed's load names its file: the project's own folder; a
			// snapshot's temporary tables have random names, and its rows
			// the time it ran.
			body = tempNames.ReplaceAllString(body, "elt_tmp_X")
			body = runTimes.ReplaceAllString(body, "timestamp 'T'")
			b.run[rel] = strings.ReplaceAll(body, d, "<project>")
		}
		return b
	}
	got, want := build(dir), build(mirror, "--no-partial-parse")
	switch {
	case got.res.code != want.res.code:
		return fmt.Sprintf("elt build: exit %d with the caches, %d without\nwith:\n%s%s\nwithout:\n%s%s",
			got.res.code, want.res.code, got.res.stdout, got.res.stderr, want.res.stdout, want.res.stderr)
	case len(got.results) != len(want.results) || len(got.run) != len(want.run):
		return fmt.Sprintf("elt build: %d results and %d run files with the caches, %d and %d without",
			len(got.results), len(got.run), len(want.results), len(want.run))
	}
	if os.Getenv("ELT_TEST_EDIT_DEBUG") != "" {
		statuses := map[string]int{}
		for _, w := range want.results {
			statuses[w.Status]++
		}
		t.Logf("build: exit %d, %v", want.res.code, statuses)
		for _, l := range strings.Split(want.res.stdout+want.res.stderr, "\n") {
			if strings.Contains(l, "ERROR") || strings.Contains(l, "Error") {
				t.Logf("  %s", l)
			}
		}
	}
	for name, w := range want.results {
		if g := got.results[name]; g.Status != w.Status || g.Failures != w.Failures {
			return fmt.Sprintf("elt build: %s %s (%d failures) with the caches, %s (%d) without", name, g.Status, g.Failures, w.Status, w.Failures)
		}
	}
	for name, w := range want.run {
		if g := got.run[name]; g != w {
			return fmt.Sprintf("target/run/%s differs:\n%s", name, firstDifference(g, w))
		}
	}
	return ""
}
