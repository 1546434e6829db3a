package jinja

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// TestKeptMacroTemplateFreesOthers checks that a macro template kept for
// good does not keep alive the syntax trees of templates parsed before
// it. The pooled parser hands out every template's nodes from shared slab
// chunks: a chunk holds the last nodes of one template (its roots) and
// the first of the next, so a reference from the kept template into its
// own syntax tree would reach, chunk after chunk, every template the
// parser had handled.
func TestKeptMacroTemplateFreesOthers(t *testing.T) {
	env := New(Options{})
	heap := func() int64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapAlloc)
	}
	// Each throwaway template has some hundred nodes of many kinds.
	var b strings.Builder
	for i := range 40 {
		fmt.Fprintf(&b, "{%% if x > %d %%}{{ f(a.b, [1, 2], k=%q) | upper ~ 'y' }}{%% endif %%}\n", i, "v")
	}
	src := b.String()
	before := heap()
	// On one goroutine and with no collection between them (which would
	// empty the pool), the parses share one parser.
	tpls := make([]*Template, 300)
	var err error
	for i := range tpls {
		if tpls[i], err = env.Parse(fmt.Sprintf("t%d.sql", i), src); err != nil {
			t.Fatal(err)
		}
	}
	kept, err := env.Parse("kept.sql", "{% macro m(a, b=1) %}{{ f(a.b, [1, 2], k='v') | upper ~ b }}{% if a > 1 %}x{% endif %}{% endmacro %}")
	if err != nil {
		t.Fatal(err)
	}
	grown := heap() - before
	runtime.KeepAlive(tpls)
	tpls = nil
	retained := heap() - before
	runtime.KeepAlive(kept)
	t.Logf("300 templates and the kept one: %d KiB; the kept one alone: %d KiB", grown>>10, retained>>10)
	if grown < 1<<20 {
		t.Fatalf("300 templates took %d KiB: the measure is broken", grown>>10)
	}
	if retained > grown/4 {
		t.Errorf("after dropping 300 templates of %d KiB in all, %d KiB are still live: the kept macro template holds them", grown>>10, retained>>10)
	}
}
