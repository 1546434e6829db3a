package deps

import (
	"testing"

	"github.com/elt-dev/elt/internal/secrets"
)

// The expected strings below were produced by Python's json/hashlib and
// PyYAML 6 with dbt's dumper (yaml.dump(doc, Dumper=dbtPackageDumper)).

func TestPackagesHashMatchesDBT(t *testing.T) {
	reqs := []*Requirement{
		{hashDict: map[string]any{"package": "dbt-labs/dbt_utils", "version": []any{">=1.0.0", "<2.0.0"}, "install_prerelease": false,
			"unrendered": map[string]any{"package": "dbt-labs/dbt_utils", "version": []any{">=1.0.0", "<2.0.0"}}}},
		{hashDict: map[string]any{"git": "https://github.com/x/y.git", "revision": "1.0.0", "warn-unpinned": nil, "subdirectory": nil,
			"unrendered": map[string]any{"git": "https://github.com/x/y.git", "revision": "1.0.0"}}},
		{hashDict: map[string]any{"local": "../pkgé", "unrendered": map[string]any{"local": "../pkgé"}}},
	}
	if got, want := packagesHash(reqs), "d0ce3abb36c8b6b18804e9b2c8e01215899a36d0"; got != want {
		t.Errorf("hash = %s, want %s", got, want)
	}
}

func TestPyYAMLDump(t *testing.T) {
	doc := map[string]any{"packages": []any{
		map[string]any{"package": "dbt-labs/dbt_utils", "version": "1.3.3"},
		map[string]any{"git": "https://{{env_var('DBT_ENV_SECRET_GIT_TOKEN')}}@github.com/an-org-with-a-long-name/a-repository-with-a-long-name.git", "revision": "0123456789abcdef0123456789abcdef01234567", "subdirectory": "sub dir"},
		map[string]any{"tarball": "https://example.com/a b c d e f g h i j k l m n o p q r s t u v w x y z aa bb cc dd ee ff gg.tar.gz", "name": "x"},
		map[string]any{"local": "1.0"}, map[string]any{"local": "yes"}, map[string]any{"local": "-x"}, map[string]any{"local": "a: b"},
		map[string]any{"local": "it's"}, map[string]any{"local": ""}, map[string]any{"local": "#x"},
	}, "sha1_hash": "d0ce3abb36c8b6b18804e9b2c8e01215899a36d0"}
	want := `packages:
  - package: dbt-labs/dbt_utils
    version: 1.3.3
  - git: https://{{env_var('DBT_ENV_SECRET_GIT_TOKEN')}}@github.com/an-org-with-a-long-name/a-repository-with-a-long-name.git
    revision: 0123456789abcdef0123456789abcdef01234567
    subdirectory: sub dir
  - name: x
    tarball: https://example.com/a b c d e f g h i j k l m n o p q r s t u v w x y
      z aa bb cc dd ee ff gg.tar.gz
  - local: '1.0'
  - local: 'yes'
  - local: -x
  - local: 'a: b'
  - local: it's
  - local: ''
  - local: '#x'
sha1_hash: d0ce3abb36c8b6b18804e9b2c8e01215899a36d0
`
	if got, err := dumpPackagesYAML(doc); err != nil || got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	doc2 := map[string]any{"packages": []any{map[string]any{"package": "a/b", "version": []any{">=1.0.0", "<2.0.0"}}, map[string]any{"local": "x"}},
		"other": map[string]any{"k": []any{}, "j": map[string]any{}}}
	want2 := `other:
  j: {}
  k: []
packages:
  - package: a/b
    version:
      - '>=1.0.0'
      - <2.0.0
  - local: x
`
	if got, err := dumpPackagesYAML(doc2); err != nil || got != want2 {
		t.Errorf("got:\n%s\nwant:\n%s", got, want2)
	}
}

func TestSemverResolution(t *testing.T) {
	avail := []string{"0.9.0", "1.0.0", "1.1.0-b1", "1.1.0", "1.3.3", "1.4.1", "2.0.0"}
	cases := []struct {
		specs      []string
		prerelease bool
		want       string
		conflict   bool
	}{
		{specs: []string{">=1.0.0", "<2.0.0"}, want: "1.4.1"},
		{specs: []string{"1.3.3"}, want: "1.3.3"},
		{specs: []string{">=1.0.0", "<2.0.0", ">=0.9.0", "<1.4.0"}, want: "1.3.3"},
		{specs: []string{">1.0.0", "<=1.1.0"}, want: "1.1.0"},
		{specs: []string{">=1.1.0-a", "<1.1.0-c"}, prerelease: true, want: "1.1.0-b1"},
		// dbt: a stable upper bound excludes prereleases of that version.
		{specs: []string{">=1.1.0-a", "<1.1.0"}, prerelease: true, want: ""},
		{specs: []string{">=2.0.0", "<1.0.0"}, conflict: true},
		{specs: []string{"1.3.3", "1.4.1"}, conflict: true},
	}
	for _, c := range cases {
		var specs []versionSpec
		for _, s := range c.specs {
			v, err := parseVersion(s)
			if err != nil {
				t.Fatal(err)
			}
			specs = append(specs, v)
		}
		rng, err := reduceVersions(specs...)
		if c.conflict {
			if err == nil {
				t.Errorf("%v: want a conflict, got %s", c.specs, rng)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", c.specs, err)
			continue
		}
		if got := resolveToSpecificVersion(rng, filterInstallable(avail, c.prerelease)); got != c.want {
			t.Errorf("%v: got %q, want %q", c.specs, got, c.want)
		}
	}
	for _, c := range []struct {
		req  []string
		want bool
	}{{[]string{">=1.3.0", "<2.0.0"}, true}, {[]string{">=1.10.0"}, false}, {[]string{"<1.9.0"}, false}, {nil, true}, {[]string{">=1.0.0,<2.0.0"}, false}} {
		ok, _ := dbtVersionCompatible("1.9.0", c.req)
		if ok != c.want {
			t.Errorf("require-dbt-version %v: got %v", c.req, ok)
		}
	}
}

func TestRender(t *testing.T) {
	env := map[string]string{"DBT_ENV_SECRET_TOKEN": "tok123", "HOST": "example.com"}
	r := &renderer{env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }, vars: map[string]any{"rev": "1.2.0", "n": 3}, secrets: &secrets.Set{}}
	for _, c := range []struct {
		in   string
		want any
	}{
		{"plain", "plain"},
		{"https://{{ env_var('DBT_ENV_SECRET_TOKEN') }}@{{env_var(\"HOST\")}}/x.git", "https://tok123@example.com/x.git"},
		{"{{ env_var('MISSING', 'dflt') }}", "dflt"},
		{"{{ var('rev') }}", "1.2.0"},
		{"{{ var('n') }}", 3},
		{"{{ var('n') }}.5", 3.5},
		// dbt renders packages.yml with full Jinja, as elt does.
		{"{{ env_var('HOST') | upper }}", "EXAMPLE.COM"},
		{"{% if var('n') > 2 %}big{% endif %}", "big"},
		{"{{ env_var('MISSING', default='kw') }}", "kw"},
	} {
		got, err := r.render(c.in)
		if err != nil || got != c.want {
			t.Errorf("render(%q) = %#v, %v; want %#v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"{{ env_var('MISSING') }}", "{{ var('nope') }}", "{{ target.name }}", "{{ env_var('HOST'", "{% if %}"} {
		if _, err := r.render(bad); err == nil {
			t.Errorf("render(%q): want an error", bad)
		}
	}
	if got := r.secrets.Scrub("a tok123 b"); got != "a ***** b" {
		t.Errorf("scrub = %q", got)
	}
}
