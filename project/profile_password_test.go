package project

import "testing"

// TestProfilePasswordNotRendered: a password that does not parse as
// Jinja is kept as written (dbt's SecretRenderer.render_value,
// tests/functional/profiles/test_profiles_yml.py); one that parses is
// rendered; any other key that does not parse is still an error. (A
// password whose template fails to render, a missing env_var say, stays
// an error: TestBadInput.)
func TestProfilePasswordNotRendered(t *testing.T) {
	profiles := func(field string) string {
		return "shop:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      host: h\n      user: u\n      dbname: d\n      schema: s\n      " + field + "\n"
	}
	cases := []struct{ name, field, want string }{
		{"invalid jinja", `password: "no{{jinja{%re{#ndering"`, "no{{jinja{%re{#ndering"},
		{"valid jinja", `password: "{{ 'a' ~ 'b' }}"`, "ab"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := loadDir(t, newProject(t, map[string]string{"profiles.yml": profiles(c.field)}), Options{})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			wantEqual(t, "password", p.Target.Fields["password"], c.want)
		})
	}
	_, err := loadDir(t, newProject(t, map[string]string{"profiles.yml": profiles(`passphrase: "no{{jinja{%re{#ndering"`)}), Options{})
	if _, ok := findDiag(diagList(t, err), "cannot render this value"); !ok {
		t.Errorf("a key other than password that does not render: %v, want a render error", err)
	}
}
