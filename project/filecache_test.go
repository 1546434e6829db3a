package project

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/sharedtest"
)

// cacheProject has a file of every kind Load reads, YAML values that read
// env_var() and var(), and properties YAML that warns (a key written twice,
// an unknown top-level key), so that warnings and their positions are
// compared too.
func cacheProject(t testing.TB) string {
	t.Helper()
	return newProject(t, map[string]string{
		"dbt_project.yml":      baseProject + "vars:\n  greeting: hello\nmodels:\n  shop:\n    +materialized: view\n",
		"models/orders.sql":    "select 1 as id, {{ var('greeting') }} as g",
		"models/customers.sql": "select 2 as id",
		"models/schema.yml": `version: 2
models:
  - name: orders
    description: first
    description: last wins
    config:
      meta:
        owner: "{{ env_var('ORDERS_OWNER', 'nobody') }}"
    columns:
      - name: id
        data_tests: [unique, not_null]
  - name: customers
    config:
      tags: ["{{ var('greeting') }}"]
sources:
  - name: raw
    tables:
      - name: payments
unknown_key: 1
`,
		"macros/cents.sql":          "{% macro cents(x) %}{{ x }} * 100{% endmacro %}",
		"seeds/countries.csv":       "code,name\nde,Germany\n",
		"snapshots/snap.sql":        "{% snapshot snap %}{{ config(unique_key='id', strategy='check', check_cols='all') }}select 1 as id{% endsnapshot %}",
		"models/docs.md":            "{% docs orders %}Orders.{% enddocs %}",
		"tests/assert_positive.sql": "select * from {{ ref('orders') }} where id < 0",
	})
}

func cachedLoad(t testing.TB, dir string, env func(string) (string, bool)) (*Project, FileCacheStats) {
	t.Helper()
	c := NewFileCache("test")
	p, err := loadDir(t, dir, Options{Env: env, FileCache: c})
	if err != nil {
		t.Fatal(err)
	}
	return p, c.Stats()
}

func plainLoad(t testing.TB, dir string, env func(string) (string, bool)) *Project {
	t.Helper()
	p, err := loadDir(t, dir, Options{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// sameProject fails unless a and b are the same project, warnings included.
func sameProject(t testing.TB, what string, a, b *Project) {
	t.Helper()
	if !reflect.DeepEqual(a, b) {
		for id, n := range a.Nodes {
			if !reflect.DeepEqual(n, b.Nodes[id]) {
				t.Errorf("%s: node %s differs:\n got %+v\nwant %+v", what, id, b.Nodes[id], n)
			}
		}
		t.Fatalf("%s: the project differs from one loaded without the cache\nwarnings: %v\nwant:     %v", what, b.Warnings, a.Warnings)
	}
}

func TestFileCacheReusesUnchangedFiles(t *testing.T) {
	dir := cacheProject(t)
	sharedtest.AgeFiles(t, dir, time.Hour)
	env := envOf("ORDERS_OWNER", "ann")
	want := plainLoad(t, dir, env)
	if len(want.Warnings) < 2 {
		t.Fatalf("the project should warn (key written twice, unknown key), got %v", want.Warnings)
	}

	first, st := cachedLoad(t, dir, env)
	sameProject(t, "first load", want, first)
	if st.Reused != 0 || st.Read != 8 || st.TreesParsed != 1 {
		t.Errorf("first load: %+v; want 8 files read, 1 tree parsed", st)
	}
	if _, err := os.Stat(filepath.Join(dir, "target", FileCacheName)); err != nil {
		t.Fatalf("the cache was not saved: %v", err)
	}
	second, st := cachedLoad(t, dir, env)
	sameProject(t, "second load", want, second)
	if st != (FileCacheStats{Reused: 8, TreesReused: 1}) {
		t.Errorf("second load: %+v; want every file and tree from the cache", st)
	}
	// Nothing changed: the cache file is not written again.
	fi, _ := os.Stat(filepath.Join(dir, "target", FileCacheName))
	third, _ := cachedLoad(t, dir, env)
	sameProject(t, "third load", want, third)
	if fi2, _ := os.Stat(filepath.Join(dir, "target", FileCacheName)); !fi2.ModTime().Equal(fi.ModTime()) {
		t.Error("the cache was written again though nothing changed")
	}
}

// TestFileCacheSeesChanges: after any edit, a Load with the cache finds
// what a Load without it finds.
func TestFileCacheSeesChanges(t *testing.T) {
	cases := []struct {
		name  string
		file  string // rewritten with contents; "" edits nothing
		with  string
		env   []string
		check func(t *testing.T, p *Project)
	}{
		{name: "properties file", file: "models/schema.yml", with: "version: 2\nmodels:\n  - name: orders\n    description: changed\n",
			check: func(t *testing.T, p *Project) {
				if d := p.Nodes["model.shop.orders"].Description; d != "changed" {
					t.Errorf("description %q", d)
				}
			}},
		{name: "model file", file: "models/orders.sql", with: "select 42 as id",
			check: func(t *testing.T, p *Project) {
				if c := p.Nodes["model.shop.orders"].RawCode; c != "select 42 as id" {
					t.Errorf("raw code %q", c)
				}
			}},
		{name: "dbt_project.yml", file: "dbt_project.yml", with: baseProject + "vars:\n  greeting: bye\nmodels:\n  shop:\n    +materialized: table\n",
			check: func(t *testing.T, p *Project) {
				n := p.Nodes["model.shop.orders"]
				if n.Config["materialized"] != "table" {
					t.Errorf("materialized %v", n.Config["materialized"])
				}
				if tags := p.Nodes["model.shop.customers"].Config["tags"]; !reflect.DeepEqual(tags, []any{"bye"}) && !reflect.DeepEqual(tags, []string{"bye"}) {
					t.Errorf("tags %#v", tags)
				}
			}},
		{name: "macro file", file: "macros/cents.sql", with: "{% macro cents(x) %}{{ x }} * 1000{% endmacro %}",
			check: func(t *testing.T, p *Project) {
				if len(p.MacroFiles) != 1 || !strings.Contains(p.MacroFiles[0].Contents, "1000") {
					t.Errorf("macro files %+v", p.MacroFiles)
				}
			}},
		{name: "seed file", file: "seeds/countries.csv", with: "code,label\nfr,France\n",
			check: func(t *testing.T, p *Project) {
				if p.Nodes["seed.shop.countries"].Checksum == "" {
					t.Error("no checksum")
				}
			}},
		{name: "env var read by properties YAML", env: []string{"ORDERS_OWNER", "bob"},
			check: func(t *testing.T, p *Project) {
				if m, _ := p.Nodes["model.shop.orders"].Config["meta"].(map[string]any); m["owner"] != "bob" {
					t.Errorf("meta %#v", p.Nodes["model.shop.orders"].Config["meta"])
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := cacheProject(t)
			sharedtest.AgeFiles(t, dir, time.Hour)
			before := plainLoad(t, dir, envOf())
			cachedLoad(t, dir, envOf())
			cachedLoad(t, dir, envOf())
			if tc.file != "" {
				writeFiles(t, dir, map[string]string{tc.file: tc.with})
				// Old enough for its stat to be trusted: the change is
				// seen because the stat differs, not because it is recent.
				old := time.Now().Add(-30 * time.Minute)
				if err := os.Chtimes(filepath.Join(dir, tc.file), old, old); err != nil {
					t.Fatal(err)
				}
			}
			env := envOf(tc.env...)
			want := plainLoad(t, dir, env)
			if reflect.DeepEqual(want, before) {
				t.Fatal("the edit changes nothing: the case tests nothing")
			}
			got, st := cachedLoad(t, dir, env)
			sameProject(t, "after the edit", want, got)
			tc.check(t, got)
			if tc.file != "" && tc.file != "dbt_project.yml" && st.Read != 1 {
				t.Errorf("stats %+v; want only the edited file read", st)
			}
			again, st := cachedLoad(t, dir, env)
			sameProject(t, "the load after", want, again)
			if st.Read != 0 {
				t.Errorf("stats %+v; want nothing read", st)
			}
		})
	}
}

// TestFileCacheSameSizeSameModTime: a file rewritten with contents of the
// same size whose modification time is then put back is still seen: its
// change time moved.
func TestFileCacheSameSizeSameModTime(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the change time is compared on Linux only")
	}
	dir := cacheProject(t)
	sharedtest.AgeFiles(t, dir, time.Hour)
	cachedLoad(t, dir, envOf())
	f := filepath.Join(dir, "models", "customers.sql")
	fi, err := os.Stat(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f, []byte("select 3 as id"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(f, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	p, st := cachedLoad(t, dir, envOf())
	if c := p.Nodes["model.shop.customers"].RawCode; c != "select 3 as id" {
		t.Errorf("raw code %q from a stale cache", c)
	}
	if st.Read != 1 {
		t.Errorf("stats %+v; want the rewritten file read", st)
	}
}

// TestFileCacheRecentFilesRead: a file changed within racyMargin of the
// Load that took its stat is read again, since a change in the same
// timestamp tick would keep its stat.
func TestFileCacheRecentFilesRead(t *testing.T) {
	dir := cacheProject(t)
	// Modified "now" as far as any Load can tell, however slow the
	// machine: a time ahead of the clock is always too recent.
	sharedtest.AgeFiles(t, dir, -time.Hour)
	cachedLoad(t, dir, envOf())
	_, st := cachedLoad(t, dir, envOf())
	if st.Reused != 0 || st.Read != 8 {
		t.Errorf("stats %+v; want every recent file read again", st)
	}
	if st.TreesReused != 1 {
		t.Errorf("stats %+v; the same contents should still reuse the parsed YAML", st)
	}
}

func TestFileCacheDamaged(t *testing.T) {
	dir := cacheProject(t)
	sharedtest.AgeFiles(t, dir, time.Hour)
	want := plainLoad(t, dir, envOf())
	cachedLoad(t, dir, envOf())
	path := filepath.Join(dir, "target", FileCacheName)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// A file's contents changed in place, the length kept: what a crash
	// can leave of a file written without a sync (blocks of other data).
	// Without the trailer the stat of customers.sql vouched for the text.
	at := strings.Index(string(data), "select 2 as id")
	if at < 0 {
		t.Fatal("the cache does not hold customers.sql's text")
	}
	changed := append([]byte{}, data...)
	changed[at+len("select ")] = '3'
	for _, damaged := range [][]byte{data[:len(data)/2], data[:len(fileCacheMagic)+3], []byte("garbage"), append(append([]byte{}, data...), 0), changed} {
		if err := os.WriteFile(path, damaged, 0o644); err != nil {
			t.Fatal(err)
		}
		got, st := cachedLoad(t, dir, envOf())
		sameProject(t, "damaged cache", want, got)
		if st.Reused != 0 || st.Read != 8 {
			t.Errorf("stats %+v; a damaged cache must not be used", st)
		}
	}
	// Another key (another build of elt): not used either.
	c := NewFileCache("another build")
	if _, err := loadDir(t, dir, Options{Env: envOf(), FileCache: c}); err != nil {
		t.Fatal(err)
	}
	if st := c.Stats(); st.Reused != 0 {
		t.Errorf("stats %+v; a cache of another key must not be used", st)
	}
}

// TestFileCacheErrorsUnchanged: a project error reads the same, at the
// same position, with and without the cache.
func TestFileCacheErrorsUnchanged(t *testing.T) {
	dir := newProject(t, map[string]string{
		"models/a.sql":   "select 1",
		"models/ok.yml":  "version: 2\nmodels:\n  - name: a\n    description: fine\n",
		"models/bad.yml": "version: 2\nmodels:\n  - name: a\n    columns: {\n",
	})
	sharedtest.AgeFiles(t, dir, time.Hour)
	_, want := loadDir(t, dir, Options{})
	if want == nil {
		t.Fatal("want an error")
	}
	for i := range 3 {
		_, err := loadDir(t, dir, Options{FileCache: NewFileCache("test")})
		if err == nil || err.Error() != want.Error() {
			t.Fatalf("load %d: error %v, want %v", i, err, want)
		}
	}
}

// TestYAMLTreeRoundTrip: a decoded tree is the tree yaml.v3 parsed, node
// for node (positions, styles, tags and comments).
func TestYAMLTreeRoundTrip(t *testing.T) {
	docs := []string{
		cacheProject(t) + "/models/schema.yml",
	}
	_ = filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
			docs = append(docs, p)
		}
		return nil
	})
	inline := []string{
		"# head\nkey: value # line\n\n# foot\nlist:\n  - 'single'\n  - \"double\"\n  - |\n    literal\n  - >\n    folded\nflow: {a: 1, b: [x, y]}\ntagged: !!str 12\nempty:\nanchored: &a {x: 1}\n",
		"- 1\n- 2.5\n- true\n- null\n- ~\n- 0x1F\n",
	}
	check := func(name string, src []byte) {
		root, d := parseYAML(name, src)
		if d != nil || root == nil {
			return
		}
		tree, ok := encodeYAML(root)
		if !ok {
			return
		}
		got, err := decodeYAML(string(tree))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, root) {
			t.Errorf("%s: decoded tree differs from the parsed one", name)
		}
		// Any cut of the tree is an error, not a panic or a wrong tree.
		for _, n := range []int{0, 1, len(tree) / 2, len(tree) - 1} {
			if _, err := decodeYAML(string(tree[:n])); err == nil {
				t.Errorf("%s: a tree cut at %d decoded", name, n)
			}
		}
	}
	for _, p := range docs {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		check(p, src)
	}
	for i, s := range inline {
		check(string(rune('a'+i)), []byte(s))
	}
	// A tree with an alias is not kept.
	root, _ := parseYAML("x", []byte("a: &x {k: 1}\nb: *x\n"))
	if _, ok := encodeYAML(root); ok {
		t.Error("a tree with an alias was encoded")
	}
	var empty yaml.Node
	if _, ok := encodeYAML(&empty); !ok {
		t.Error("an empty node should encode")
	}
}

// TestFileCacheLags: in a project of more than 1,024 files, a few files
// changed, added or removed leave the stored cache as it is (up to 1/512
// of its entries may lag); each Load still finds what a Load without the
// cache finds, reading the lagging files again. More, and it is written.
func TestFileCacheLags(t *testing.T) {
	files := map[string]string{}
	for i := range 1100 {
		files[fmt.Sprintf("models/m_%04d.sql", i)] = fmt.Sprintf("select %d as id\n", i)
	}
	dir := newProject(t, files)
	sharedtest.AgeFiles(t, dir, time.Hour)
	env := envOf()
	stored := filepath.Join(dir, "target", FileCacheName)
	if _, st := cachedLoad(t, dir, env); st.Read == 0 {
		t.Fatalf("first load: %+v", st)
	}
	before, err := os.Stat(stored)
	if err != nil {
		t.Fatal(err)
	}
	kept := func(what string) bool {
		t.Helper()
		fi, err := os.Stat(stored)
		if err != nil {
			t.Fatal(err)
		}
		return os.SameFile(fi, before) && fi.ModTime().Equal(before.ModTime())
	}
	steps := []struct {
		what    string
		edit    func()
		read    int  // files the Load reads (not from the cache)
		written bool // the cache is written
	}{
		{"one file edited", func() { writeFiles(t, dir, map[string]string{"models/m_0001.sql": "select 1 as id, 2 as b\n"}) }, 1, false},
		{"nothing more", func() {}, 1, false},
		{"one file removed", func() { os.Remove(filepath.Join(dir, "models/m_0002.sql")) }, 1, false},
		{"one file added", func() { writeFiles(t, dir, map[string]string{"models/new.sql": "select 3 as id\n"}) }, 2, true},
		{"nothing after the write", func() {}, 2, false}, // the two still newer than the racy margin
	}
	for _, s := range steps {
		s.edit()
		got, st := cachedLoad(t, dir, env)
		sameProject(t, s.what, plainLoad(t, dir, env), got)
		if st.Read != s.read {
			t.Errorf("%s: %+v; want %d files read", s.what, st, s.read)
		}
		if w := !kept(s.what); w != s.written {
			t.Errorf("%s: cache written %v, want %v", s.what, w, s.written)
		}
		if s.written {
			if before, err = os.Stat(stored); err != nil {
				t.Fatal(err)
			}
		}
	}
}
