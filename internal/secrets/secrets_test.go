package secrets

import (
	"bytes"
	"fmt"
	"testing"
)

func TestScrub(t *testing.T) {
	s := FromEnviron([]string{"HOME=/root", "DBT_ENV_SECRET_KEY=MySecretValue", "DBT_ENV_SECRET_SHORT=ab", "DBT_ENV_SECRET_USER=svc_Loader"})
	s.Add("MySecretValue2")
	cases := []struct{ in, want string }{
		{`Binder Error: column "mysecretvalue" not found`, `Binder Error: column "*****" not found`},
		{"MYSECRETVALUE and MySecretValue2", "***** and *****"},
		{`password authentication failed for user "svc_loader"`, `password authentication failed for user "*****"`},
		{"ab is too short to be a secret", "ab is too short to be a secret"},
		{"/root stays", "/root stays"},
	}
	for _, c := range cases {
		if got := s.Scrub(c.in); got != c.want {
			t.Errorf("Scrub(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	var buf bytes.Buffer
	fmt.Fprintf(s.Writer(&buf), "error: %s\n", "mysecretVALUE")
	if buf.String() != "error: *****\n" {
		t.Errorf("writer wrote %q", buf.String())
	}
	s.Add(`pa"ss\word`)
	if got := s.Scrub(`{"msg":"auth failed for pa\"ss\\word"}`); got != `{"msg":"auth failed for *****"}` {
		t.Errorf("JSON-escaped secret not scrubbed: %s", got)
	}
	// A short secret is masked as a word of its own, not inside names.
	s.Add("elt", "#pw!")
	for in, want := range map[string]string{
		"user elt, password elt":                       "user *****, password *****",
		"postgres://elt:elt@127.0.0.1/db":              "postgres://*****:*****@127.0.0.1/db",
		`select 'melted' as belt from orders__elt_tmp`: `select 'melted' as belt from orders__elt_tmp`,
		"x#pw!y and #pw!":                              "x*****y and *****",
	} {
		if got := s.Scrub(in); got != want {
			t.Errorf("Scrub(%q) = %q, want %q", in, got, want)
		}
	}
	var empty *Set
	if empty.Scrub("x") != "x" {
		t.Error("a nil set must leave text alone")
	}
}
