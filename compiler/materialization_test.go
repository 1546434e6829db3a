package compiler

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/elt-dev/elt/internal/diag"
)

// A materialization block is the macro dbt makes of it, named
// materialization_<name>_<adapter>, at the line it is written; the lines
// after it keep their numbers.
func TestMaterializationBlockParsed(t *testing.T) {
	p := newProject(map[string]string{
		"macros/mat.sql": "{% materialization custom, adapter='duckdb' %}\n{{ return({'relations': []}) }}\n{% endmaterialization %}\n" +
			"{%- materialization other,\n   default,\n   supported_languages=['sql', 'python'] -%}\nx\n{%- endmaterialization -%}\n" +
			"{% macro after() %}ok{% endmacro %}\n",
		"models/a.sql": "{{ config(materialized='custom') }}\nselect '{{ after() }}' as v\n",
	})
	m, err := Parse(context.Background(), p, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Warnings) != 0 {
		t.Errorf("warnings: %v", m.Warnings)
	}
	for id, line := range map[string]int{
		"macro.shop.materialization_custom_duckdb": 1,
		"macro.shop.materialization_other_default": 4,
		"macro.shop.after":                         9,
	} {
		if mac := m.Macros[id]; mac == nil || mac.Line != line {
			t.Errorf("%s: want line %d, got %+v", id, line, mac)
		}
	}
	if got := m.Macros["macro.shop.materialization_other_default"].Arguments; len(got) != 1 || got[0] != "supported_languages" {
		t.Errorf("arguments: %v", got)
	}
	blocks := m.engine.materializations["other"]
	if len(blocks) != 1 || strings.Join(blocks[0].Languages, ",") != "sql,python" || blocks[0].Adapter != "default" {
		t.Errorf("other: %+v", blocks)
	}
	if file, ok := m.CustomMaterialization(m.Nodes["model.shop.a"]); !ok || file != "macros/mat.sql" {
		t.Errorf("model a: want the project's block, got %q %v", file, ok)
	}
}

func TestMaterializationHeaderErrors(t *testing.T) {
	cases := []struct{ header, want string }{
		{"{% materialization custom, adapter=duckdb %}", "adapter must be a quoted adapter name"},
		{"{% materialization custom, colour='red' %}", "materialization 'custom' received unknown argument 'colour'"},
		{"{% materialization 'custom' %}", "is not a materialization name"},
		{"{% materialization custom, supported_languages='sql' %}", "supported_languages must be a list"},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			p := newProject(map[string]string{
				"macros/mat.sql": "\n\n" + c.header + "\nx\n{% endmaterialization %}\n",
				"models/a.sql":   "select 1",
			})
			_, err := Parse(context.Background(), p, testOptions())
			d := firstDiag(t, err)
			if d.File != "macros/mat.sql" || d.Pos.Line != 3 || !strings.Contains(d.Summary, c.want) {
				t.Errorf("want macros/mat.sql:3 %q, got %s:%d %q", c.want, d.File, d.Pos.Line, d.Summary)
			}
		})
	}
}

func firstDiag(t *testing.T, err error) diag.Diagnostic {
	t.Helper()
	l, ok := diag.AsList(err)
	if !ok || len(l) == 0 {
		t.Fatalf("want positioned errors, got %v", err)
	}
	return l[0]
}

// Which block a model gets follows dbt's find_materialization_macro_by_name.
func TestMaterializationPrecedence(t *testing.T) {
	block := func(name, adapter string) string {
		a := "default"
		if adapter != "" {
			a = "adapter='" + adapter + "'"
		}
		return "{% materialization " + name + ", " + a + " %}{{ return({'relations': []}) }}{% endmaterialization %}\n"
	}
	cases := []struct {
		name       string
		root, pkg  string
		flags      map[string]any
		mat        string
		wantFile   string // "" : elt's built-in
		wantErr    string
		wantBlocks int
	}{
		{name: "project default block", root: block("swap", ""), mat: "swap", wantFile: "macros/m.sql"},
		{name: "adapter-specific beats default, both in the project", root: block("swap", "") + block("swap", "duckdb"), mat: "swap", wantFile: "macros/m.sql#duckdb"},
		{name: "a package's adapter-specific block beats the project's default", root: block("swap", ""), pkg: block("swap", "duckdb"), mat: "swap", wantFile: "dbt_packages/mats/macros/m.sql#duckdb"},
		{name: "the project beats a package at the same specificity", root: block("swap", ""), pkg: block("swap", ""), mat: "swap", wantFile: "macros/m.sql"},
		{name: "a package's block", pkg: block("swap", ""), mat: "swap", wantFile: "dbt_packages/mats/macros/m.sql"},
		{name: "another adapter's block does not count", root: block("swap", "postgres"), mat: "swap", wantErr: `materialization "swap" is not available for duckdb`},
		{name: "project overrides view (default on duckdb)", root: block("view", ""), mat: "view", wantFile: "macros/m.sql"},
		{name: "project overrides table for duckdb", root: block("table", "duckdb"), mat: "table", wantFile: "macros/m.sql#duckdb"},
		{name: "dbt-duckdb's own table beats a project's default table", root: block("table", ""), mat: "table", wantFile: ""},
		{name: "a package cannot replace a built-in", pkg: block("view", ""), mat: "view", wantFile: ""},
		{name: "unless the project's flags allow it", pkg: block("view", ""), mat: "view", flags: map[string]any{"require_explicit_package_overrides_for_builtin_materializations": false}, wantFile: "dbt_packages/mats/macros/m.sql"},
		{name: "built-in", mat: "incremental", wantFile: ""},
		{name: "nowhere", mat: "nope", wantErr: `materialization "nope" is not available for duckdb`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{"models/a.sql": "{{ config(materialized='" + c.mat + "') }}\nselect 1 as id"}
			if c.root != "" {
				files["macros/m.sql"] = c.root
			}
			p := newProject(files)
			p.Config.Flags = c.flags
			if c.pkg != "" {
				withPackage(p, "mats", map[string]string{"macros/m.sql": c.pkg})
			}
			m, err := Parse(context.Background(), p, testOptions())
			if c.wantErr != "" {
				d := firstDiag(t, err)
				if d.File != "models/a.sql" || d.Pos.Line != 1 || !strings.Contains(d.Summary, c.wantErr) {
					t.Errorf("want models/a.sql:1 %q, got %s:%d %q (hint %q)", c.wantErr, d.File, d.Pos.Line, d.Summary, d.Hint)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			block, ok, err := m.engine.materializationFor(c.mat)
			if err != nil || !ok {
				t.Fatalf("resolve %s: %v %v", c.mat, ok, err)
			}
			got := ""
			if block != nil {
				got = block.File
				if block.Adapter != "default" {
					got += "#" + block.Adapter
				}
			}
			if got != c.wantFile {
				t.Errorf("want %q, got %q", c.wantFile, got)
			}
		})
	}
}

func TestMaterializationLoadErrors(t *testing.T) {
	t.Run("two packages at the same precedence", func(t *testing.T) {
		p := newProject(map[string]string{"models/a.sql": "{{ config(materialized='swap') }}\nselect 1"})
		withPackage(p, "one", map[string]string{"macros/m.sql": "{% materialization swap, default %}x{% endmaterialization %}"})
		withPackage(p, "two", map[string]string{"macros/m.sql": "{% materialization swap, default %}x{% endmaterialization %}"})
		_, err := Parse(context.Background(), p, testOptions())
		d := firstDiag(t, err)
		if d.File != "models/a.sql" || !strings.Contains(d.Summary, "defined by two packages, one (dbt_packages/one/macros/m.sql:1) and two") {
			t.Errorf("got %s:%d %q", d.File, d.Pos.Line, d.Summary)
		}
	})
	t.Run("a project's seed materialization", func(t *testing.T) {
		p := newProject(map[string]string{
			"macros/m.sql": "\n{% materialization seed, default %}x{% endmaterialization %}",
			"models/a.sql": "select 1",
		})
		_, err := Parse(context.Background(), p, testOptions())
		d := firstDiag(t, err)
		if d.File != "macros/m.sql" || d.Pos.Line != 2 || !strings.Contains(d.Summary, "not yet the seed materialization") {
			t.Errorf("got %s:%d %q", d.File, d.Pos.Line, d.Summary)
		}
	})
	t.Run("language not supported", func(t *testing.T) {
		// No load error: dbt raises it when the model runs.
		p := newProject(map[string]string{
			"macros/m.sql": "{% materialization swap, default, supported_languages=['python'] %}x{% endmaterialization %}",
			"models/a.sql": "{{ config(materialized='swap') }}\nselect 1",
		})
		m, err := Parse(context.Background(), p, testOptions())
		if err != nil {
			t.Fatal(err)
		}
		err = m.MaterializationLanguageError(m.Nodes["model.shop.a"])
		if err == nil || err.Error() != `Materialization "materialization_swap_default" only supports languages ['python']; got "sql"` {
			t.Errorf("got %v", err)
		}
	})
}

// recordingHost is a MaterializationHost that records what it was asked.
type recordingHost struct{ calls []string }

func (h *recordingHost) ApplyGrants(_ context.Context, rel Relation, grants map[string]any, revoke bool) error {
	h.calls = append(h.calls, "grants "+rel.Identifier+" "+strings.Join(sortedKeys(grants), ",")+" revoke="+map[bool]string{true: "yes", false: "no"}[revoke])
	return nil
}

func (h *recordingHost) PersistDocs(_ context.Context, rel Relation, forRel, forCols bool) error {
	h.calls = append(h.calls, "docs "+rel.Identifier)
	return nil
}

func (h *recordingHost) CreateIndexes(_ context.Context, rel Relation) error {
	h.calls = append(h.calls, "indexes "+rel.Identifier)
	return nil
}

const swapBlock = `{% materialization swap, default %}
  {%- set existing = load_relation(this) -%}
  {%- set target_relation = this.incorporate(type='table') -%}
  {%- set tmp = make_intermediate_relation(target_relation) -%}
  {%- set backup = make_backup_relation(target_relation, 'table' if existing is none else existing.type) -%}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks) }}
  {% call statement('main') -%}
    {{ get_create_table_as_sql(False, tmp, sql) }}
  {%- endcall %}
  {% do create_indexes(tmp) %}
  {% if existing is not none %}{{ adapter.rename_relation(existing, backup) }}{% endif %}
  {{ adapter.rename_relation(tmp, target_relation) }}
  {{ run_hooks(post_hooks) }}
  {% do apply_grants(target_relation, config.get('grants'), should_revoke=should_revoke(existing)) %}
  {% do persist_docs(target_relation, model) %}
  {{ adapter.commit() }}
  {{ drop_relation_if_exists(backup) }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
`

// RunMaterialization runs a block on DuckDB: the table is built under a
// temporary name and renamed into place, hooks run in dbt's order, and
// grants and docs go to the host.
func TestRunMaterializationDuckDB(t *testing.T) {
	ctx := context.Background()
	db := openDuckDB(t)
	var calls atomic.Int64
	opts := testOptions()
	opts.Query = duckQuery(db, &calls)
	opts.Catalog = &duckCatalog{db: db}
	p := newProject(map[string]string{
		"macros/swap.sql": swapBlock,
		"models/a.sql": "{{ config(materialized='swap', grants={'select': ['reporter']}, " +
			"pre_hook=[{'sql': 'create table if not exists log (step varchar)', 'transaction': False}, \"insert into log values ('pre')\"], " +
			"post_hook=[\"insert into log values ('post ' || (select count(*) from {{ this }}))\", {'sql': \"insert into log values ('after commit')\", 'transaction': False}]) }}\n" +
			"select 1 as id union all select 2",
	})
	m, err := Parse(ctx, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(ctx, nil); err != nil {
		t.Fatal(err)
	}
	for run := 1; run <= 2; run++ {
		host := &recordingHost{}
		out, err := m.RunMaterialization(ctx, "model.shop.a", host)
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if len(out.Relations) != 1 || out.Relations[0] != (Relation{Database: "warehouse", Schema: "main", Identifier: "a"}) || out.Message != "OK" {
			t.Errorf("run %d: result %+v", run, out)
		}
		wantGrants := "grants a select revoke=" + map[int]string{1: "no", 2: "yes"}[run]
		if strings.Join(host.calls, ";") != "indexes a__dbt_tmp;"+wantGrants+";docs a" {
			t.Errorf("run %d: host calls %v", run, host.calls)
		}
	}
	if got := queryStrings(t, db, "select step from log"); got != "pre,post 2,after commit,pre,post 2,after commit" {
		t.Errorf("hooks ran as %s", got)
	}
	if got := queryStrings(t, db, "select table_name || ':' || table_type from information_schema.tables where table_name like 'a%' order by 1"); got != "a:BASE TABLE" {
		t.Errorf("relations left: %s", got)
	}
	if got := queryStrings(t, db, "select id::varchar from a order by id"); got != "1,2" {
		t.Errorf("rows: %s", got)
	}
}

func queryStrings(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return strings.Join(out, ",")
}

// A block that returns nothing, or not {'relations': [...]}, or never
// runs statement('main'), fails the model with dbt's message at the block.
func TestRunMaterializationBadReturn(t *testing.T) {
	// dbt, the message of the CompilationError it raises (task/run.py
	// _materialization_relations), "" when it is no CompilationError.
	cases := []struct{ body, want, dbt string }{
		{"{% call statement('main') %}select 1{% endcall %}", "did not explicitly return a list of relations",
			`The materialization ("bad") did not explicitly return a list of relations to add to the cache.`},
		{"{% call statement('main') %}select 1{% endcall %}{{ return({'tables': [this]}) }}", `"relations" not found, got keys: ['tables']`,
			`Invalid return value from materialization, "relations" not found, got keys: ['tables']`},
		{"{% call statement('main') %}select 1{% endcall %}{{ return({'relations': this}) }}", `"relations" not a list`, ""},
		{"{% call statement('main') %}select 1{% endcall %}{{ return({'relations': ['a']}) }}", `"relations" contains non-Relation: a`,
			`Invalid return value from materialization, "relations" contains non-Relation: a`},
		{"{% call statement('main') %}select 1{% endcall %}{{ return([this]) }}", `expected a dict with key "relations"`, ""},
		{"{{ return({'relations': [this]}) }}", "main is not being called during running model", ""},
		{"\n\n{{ exceptions.raise_compiler_error('no way') }}", "no way", "no way"},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			ctx := context.Background()
			db := openDuckDB(t)
			var calls atomic.Int64
			opts := testOptions()
			opts.Query = duckQuery(db, &calls)
			opts.Catalog = &duckCatalog{db: db}
			m, err := Parse(ctx, newProject(map[string]string{
				"macros/bad.sql": "\n{% materialization bad, default %}" + c.body + "{% endmaterialization %}",
				"models/a.sql":   "{{ config(materialized='bad') }}\nselect 1",
			}), opts)
			if err != nil {
				t.Fatal(err)
			}
			_, err = m.RunMaterialization(ctx, "model.shop.a", &recordingHost{})
			var d diag.Diagnostic
			if !errors.As(err, &d) {
				t.Fatalf("want a diagnostic, got %v", err)
			}
			wantLine := 2 // the block's first line: a bad return value
			if strings.HasPrefix(c.body, "\n") {
				wantLine = 4 // the line that failed
			}
			if d.File != "macros/bad.sql" || d.Pos.Line != wantLine || !strings.Contains(d.Summary, c.want) || !strings.Contains(d.Summary, "model a") {
				t.Errorf("want macros/bad.sql:%d %q, got %s:%d %q", wantLine, c.want, d.File, d.Pos.Line, d.Summary)
			}
			if msg, ok := DbtMessage(err); c.dbt != "" && (!ok || msg != c.dbt) {
				t.Errorf("dbt's message: got %v %q, want %q", ok, msg, c.dbt)
			}
			var kinded interface{ DbtErrorKind() string }
			if c.want == "main is not being called during running model" &&
				(!errors.As(err, &kinded) || kinded.DbtErrorKind() != "Runtime" || kinded.(error).Error() != c.want) {
				t.Errorf("want dbt's DbtRuntimeError %q, got %v", c.want, kinded)
			}
		})
	}
}

// The relation helpers and DDL macros render as dbt's do.
func TestMaterializationContextHelpers(t *testing.T) {
	ctx := context.Background()
	db := openDuckDB(t)
	var calls atomic.Int64
	opts := testOptions()
	opts.Query = duckQuery(db, &calls)
	opts.Catalog = &duckCatalog{db: db}
	opts.FullRefresh = true
	m, err := Parse(ctx, newProject(map[string]string{"models/a.sql": `{{ config(materialized='table') }}
{%- set tmp = make_temp_relation(this) -%}
{{ make_intermediate_relation(this) }}|{{ make_backup_relation(this, 'view') }}|{{ make_backup_relation(this, 'view').type }}|{{ tmp.schema }}{{ tmp.database }}|{{ tmp.identifier.startswith('a__dbt_tmp') }}|{{ should_full_refresh() }}
{{ create_table_as(True, tmp, 'select 1') | trim }}
{{ get_create_view_as_sql(this, 'select 2') | trim }}`}), opts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.RenderNode(ctx, "model.shop.a")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if lines[0] != `"warehouse"."main"."a__dbt_tmp"|"warehouse"."main"."a__dbt_backup"|view||True|True` {
		t.Errorf("relations: %q", lines[0])
	}
	joined := strings.Join(strings.Fields(strings.Join(lines[1:], " ")), " ")
	if !strings.HasPrefix(joined, `create temporary table "a__dbt_tmp`) || !strings.Contains(joined, `as ( select 1 ); create view "warehouse"."main"."a" as ( select 2 );`) {
		t.Errorf("DDL: %q", joined)
	}
}

// TestConfigFindingsOfEveryModel: the configs are checked on every core in
// chunks of models, and a materialization is looked up once per name in
// each; every model that names a missing one still gets its own finding,
// at its config() line.
func TestConfigFindingsOfEveryModel(t *testing.T) {
	files := map[string]string{}
	var want []string
	for i := range 2500 {
		name := fmt.Sprintf("m_%04d", i)
		sql := "select 1 as id"
		if i%97 == 5 {
			sql = fmt.Sprintf("{{ config(materialized='nope_%d') }}\nselect 1 as id", i%3)
			want = append(want, "models/"+name+".sql")
		}
		files["models/"+name+".sql"] = sql
	}
	_, err := Parse(context.Background(), newProject(files), testOptions())
	l, ok := diag.AsList(err)
	if !ok {
		t.Fatalf("want positioned errors, got %v", err)
	}
	var got []string
	for _, d := range l {
		if strings.Contains(d.Summary, "is not available for duckdb") {
			got = append(got, d.File)
			if d.Pos.Line != 1 {
				t.Errorf("%s: finding at line %d, want 1", d.File, d.Pos.Line)
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings in files %v, want %v", got, want)
	}
}
