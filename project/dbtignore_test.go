package project

import (
	"strings"
	"testing"
)

// TestIgnoreSpecAsPathspec: .dbtignore patterns match as Python
// pathspec's gitwildmatch (0.12) matches them, which dbt uses.
func TestIgnoreSpecAsPathspec(t *testing.T) {
	for _, tc := range []struct {
		lines   string
		ignored []string
		kept    []string
	}{
		{"models/ignore*.sql", []string{"models/ignore_1.sql", "models/ignore.sql"}, []string{"models/sub/ignore_1.sql", "models/keep.sql", "x/models/ignore.sql"}},
		{"ignore_folder", []string{"models/ignore_folder/a.sql", "ignore_folder/b/c.sql", "ignore_folder"}, []string{"models/ignore_folder2/a.sql"}},
		{"/models/a.sql", []string{"models/a.sql"}, []string{"x/models/a.sql"}},
		{"*.csv", []string{"seeds/a.csv", "a.csv"}, []string{"seeds/a.csv.sql"}},
		{"tmp/", []string{"models/tmp/x.sql", "tmp/x.sql"}, []string{"models/tmp"}},
		{"models/**/b.sql", []string{"models/b.sql", "models/x/y/b.sql"}, []string{"models/x/c.sql"}},
		{"**/", []string{"models/a.sql"}, []string{"a.sql"}},
		{"**", []string{"models/a.sql", "a.sql"}, nil},
		{"*.sql\n!keep.sql", []string{"models/a.sql"}, []string{"models/keep.sql"}},
		{"# comment\n\n  \n/\n", nil, []string{"models/a.sql", "# comment"}},
		{`\#a.sql`, []string{"models/#a.sql"}, []string{"models/a.sql"}},
		{`\!a.sql`, []string{"models/!a.sql"}, []string{"models/a.sql"}},
		{"[!a]b.sql", []string{"models/cb.sql"}, []string{"models/ab.sql"}},
		{"[a-c]?.sql", []string{"models/bx.sql"}, []string{"models/dx.sql", "models/b.sql"}},
		{"models/*", []string{"models/a.sql", "models/x/b.sql"}, []string{"models"}},
		{"a.sql  ", []string{"models/a.sql"}, nil},
		{"*.SQL", nil, []string{"models/a.sql"}},
	} {
		spec := &ignoreSpec{}
		for _, line := range strings.Split(tc.lines, "\n") {
			p, err := parseIgnorePattern(line)
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			if p != nil {
				spec.patterns = append(spec.patterns, *p)
			}
		}
		for _, f := range tc.ignored {
			if !spec.ignores(f) {
				t.Errorf("%q: %s kept, want ignored", tc.lines, f)
			}
		}
		for _, f := range tc.kept {
			if spec.ignores(f) {
				t.Errorf("%q: %s ignored, want kept", tc.lines, f)
			}
		}
	}
}

// TestDbtIgnoreAsDBT: each project's own .dbtignore leaves the files it
// names out of every resource path, matched against paths relative to
// that project (dbt's read_files.py reads it at each project's root); the
// root's does not reach a package's files. A pattern dbt cannot read
// stops the load at its line.
func TestDbtIgnoreAsDBT(t *testing.T) {
	p := mustLoad(t, map[string]string{
		".dbtignore":                           "models/ignore*.sql\nignore_folder\n*.csv\nmacros/wip.sql\n",
		"models/keep.sql":                      "select 1 as id",
		"models/ignore_me.sql":                 "select 1 as id",
		"models/ignore_folder/broken.sql":      "this is not sql {{",
		"models/ignore_folder/broken.yml":      "models: [",
		"seeds/codes.csv":                      "code\n1\n",
		"macros/wip.sql":                       "{% macro broken( %}",
		"dbt_packages/pkg/dbt_project.yml":     "name: pkg\nversion: '1.0'\nconfig-version: 2\n",
		"dbt_packages/pkg/.dbtignore":          "models/skip.sql\n",
		"dbt_packages/pkg/models/skip.sql":     "not sql {{",
		"dbt_packages/pkg/models/ignore_p.sql": "select 2 as id",
		"dbt_packages/pkg/seeds/p.csv":         "code\n1\n",
	})
	var got []string
	for id := range p.Nodes {
		got = append(got, id)
	}
	want := map[string]bool{"model.shop.keep": true, "model.pkg.ignore_p": true, "seed.pkg.p": true}
	for _, id := range got {
		if !want[id] {
			t.Errorf("node %s loaded, want it ignored", id)
		}
		delete(want, id)
	}
	for id := range want {
		t.Errorf("node %s missing", id)
	}

	dir := newProject(t, map[string]string{".dbtignore": "# ok\nmodels/a\\\n", "models/a.sql": "select 1"})
	_, err := loadDir(t, dir, Options{})
	d, ok := findDiag(diagList(t, err), "invalid pattern")
	if !ok || d.File != ".dbtignore" || d.Pos.Line != 2 {
		t.Errorf("bad pattern: %+v (found %v), want .dbtignore line 2", d, ok)
	}
}
