package jinja_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elt-dev/elt/internal/benchgen"
	"github.com/elt-dev/elt/jinja"
)

// layeredProject writes elt-bench's synthetic project (internal/benchgen)
// and returns its macros file and one model of its fourth layer: refs in
// a Jinja loop, macro calls and a config block. A 10,000-model project
// parses ten thousand such models.
func layeredProject(b *testing.B) (macros, model string) {
	dir := b.TempDir()
	if err := benchgen.Write(dir, benchgen.Options{Models: 400}); err != nil {
		b.Fatal(err)
	}
	read := func(rel string) string {
		src, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			b.Fatal(err)
		}
		return string(src)
	}
	return read("macros/bench.sql"), read(benchgen.ModelPath(304))
}

func layeredEnv(b *testing.B, layeredMacros string) *jinja.Env {
	env := jinja.New(jinja.Options{})
	env.AddGlobal("config", jinja.Func(func(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) { return "", nil }))
	env.AddGlobal("ref", jinja.Func(func(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
		name, _ := args[0].(string)
		return `"warehouse"."main"."` + name + `"`, nil
	}))
	env.AddGlobal("var", jinja.Func(func(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) { return int64(1000003), nil }))
	macros, err := env.Parse("macros/bench.sql", layeredMacros)
	if err != nil {
		b.Fatal(err)
	}
	for _, m := range macros.Macros() {
		env.AddGlobal(m.Name, jinja.Func(func(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			return m.CallWith(s, nil, args, kw)
		}))
	}
	return env
}

// BenchmarkLayeredModelParse is the parse (lexer, parser and compile to
// closures) of one model of elt-bench's project.
func BenchmarkLayeredModelParse(b *testing.B) {
	layeredMacros, layeredModel := layeredProject(b)
	env := layeredEnv(b, layeredMacros)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := env.Parse("models/m_000304.sql", layeredModel); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLayeredModelRender renders the parsed model.
func BenchmarkLayeredModelRender(b *testing.B) {
	layeredMacros, layeredModel := layeredProject(b)
	env := layeredEnv(b, layeredMacros)
	tpl, err := env.Parse("models/m_000304.sql", layeredModel)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := tpl.Render(nil)
		if err != nil || !strings.Contains(out, `left join src_3 using (id)`) {
			b.Fatalf("%v\n%s", err, out)
		}
	}
}
