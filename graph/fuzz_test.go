package graph

import (
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/internal/diag"
)

// FuzzSelect parses fuzzed --select and --exclude expressions and evaluates
// them against the shop fixture. Either Select fails with diagnostics that
// say what to do, or its result is a set of the graph's ids in topological
// order that obeys the algebra of the syntax:
//
//   - selecting the same thing twice gives the same result;
//   - excluding only removes: the result is within the selection without
//     --exclude, and excluding the selection itself (at least one term)
//     leaves nothing;
//   - with eager indirect selection (the default), space-separated terms
//     select the union of what each selects alone, and a term's
//     comma-separated criteria the intersection.
//
// scripts/fuzz.sh runs it; `go test` runs its seed corpus.
func FuzzSelect(f *testing.F) {
	for _, sel := range []string{
		"orders", "stg_*", "shop.staging.*", "fqn:shop.marts.finance.revenue", "marts", "*",
		"path:models/staging", "models/staging/", "./models/marts/finance", "path:models/*/finance",
		"file:orders.sql", "revenue.sql", "file:*.csv", "tag:nightly", "tag:pi*", "package:util",
		"resource_type:seed", "config.materialized:table", "config.meta.owner:finance", "config.full_refresh:False",
		"group:plat*", "access:public", "source:raw", "source:raw.orders+", "source:shop.raw.*",
		"test_name:not_null", "test_type:generic", "test_type:singular", "exposure:dashboard",
		"+orders", "orders+", "+orders+", "2+revenue", "revenue+1", "1+stg_orders+1", "@stg_customers",
		"orders customers", "tag:nightly,config.materialized:view", "tag:pii,+orders stg_orders+",
		"[!s]*", "file:[a-c]*.sql", "path:models/[", "state:modified", "config:x", "1234567890123+orders",
	} {
		f.Add(sel, "", uint8(0))
	}
	f.Add("marts", "tag:pii", uint8(0))
	f.Add("+revenue", "stg_orders", uint8(2))
	f.Add("orders customers", "relationships_orders_customer_id", uint8(3))
	f.Add("tag:nightly", "", uint8(4))

	g := shop(f)
	modes := []string{"", IndirectEager, IndirectCautious, IndirectBuildable, IndirectEmpty, "sometimes"}
	f.Fuzz(func(t *testing.T, sel, exclude string, modeIndex uint8) {
		if len(sel)+len(exclude) > 4<<10 {
			t.Skip("selection longer than 4 KiB")
		}
		mode := modes[int(modeIndex)%len(modes)]
		opts := SelectOptions{Select: []string{sel}, Exclude: []string{exclude}, IndirectSelection: mode}
		var got Selection
		var err error
		withLimits(t, func() { got, err = g.Select(opts) })
		again, err2 := g.Select(opts)
		if errText(err) != errText(err2) || !slices.Equal(got.IDs, again.IDs) {
			t.Fatalf("selecting twice differs: %v %v / %v %v", got.IDs, err, again.IDs, err2)
		}
		if err != nil {
			checkSelectError(t, err)
			return
		}
		if mode == "sometimes" {
			t.Fatalf("unknown indirect selection mode accepted")
		}
		checkSelection(t, g, got)
		terms := len(strings.Fields(sel)) + len(strings.Fields(exclude))
		if len(got.Warnings) > terms {
			t.Errorf("%d warnings for %d terms: %v", len(got.Warnings), terms, got.Warnings)
		}

		all := mustSelect(t, g, SelectOptions{Select: []string{sel}, IndirectSelection: mode})
		if missing := minus(got.IDs, all); len(missing) > 0 {
			t.Errorf("--exclude added %v to the selection", missing)
		}
		if len(strings.Fields(sel)) == 0 {
			return // no --select term means every node; the rest is about terms
		}
		if self := mustSelect(t, g, SelectOptions{Select: []string{sel}, Exclude: []string{sel}, IndirectSelection: mode}); len(self) > 0 {
			t.Errorf("excluding the selection itself leaves %v", self)
		}

		if mode != "" && mode != IndirectEager {
			return
		}
		fields := strings.Fields(sel)
		if len(fields) > 8 {
			return // keep executions fast; the algebra needs no long inputs
		}
		var union []string
		for _, term := range fields {
			one := mustSelect(t, g, SelectOptions{Select: []string{term}})
			union = append(union, one...)
			parts := strings.Split(term, ",")
			if len(parts) < 2 {
				continue
			}
			// An empty criterion matches no node, as dbt's (an empty
			// --select alone is no selection, so it is not asked).
			one1 := func(part string) []string {
				v := strings.TrimPrefix(part, "@")
				if i := strings.IndexByte(v, '+'); i >= 0 && strings.Trim(v[:i], "0123456789") == "" {
					v = v[i+1:]
				}
				if i := strings.LastIndexByte(v, '+'); i >= 0 && strings.Trim(v[i+1:], "0123456789") == "" {
					v = v[:i]
				}
				if i := strings.IndexByte(v, ':'); i > 0 && isMethodName(v[:i]) {
					v = v[i+1:]
				}
				if v == "" {
					return nil
				}
				return mustSelect(t, g, SelectOptions{Select: []string{part}})
			}
			inter := one1(parts[0])
			for _, part := range parts[1:] {
				inter = intersect(inter, one1(part))
			}
			if !sameSet(one, inter) {
				t.Errorf("term %q selects %v, the intersection of its criteria %v", term, one, inter)
			}
		}
		if len(fields) > 0 && !sameSet(all, union) {
			t.Errorf("%q selects %v, the union of its terms %v", sel, all, union)
		}
	})
}

// checkSelectError checks that a failed Select explains itself.
func checkSelectError(t *testing.T, err error) {
	t.Helper()
	list, ok := diag.AsList(err)
	if !ok || len(list) == 0 {
		t.Fatalf("Select error is not a list of diagnostics: %T %v", err, err)
	}
	for _, d := range list {
		if d.Severity != diag.Error || d.Summary == "" || d.Hint == "" {
			t.Errorf("diagnostic without severity error, summary or hint: %#v", d)
		}
	}
}

// checkSelection checks that ids are distinct nodes of g in topological order.
func checkSelection(t *testing.T, g *Graph, s Selection) {
	t.Helper()
	pos := map[string]int{}
	for k, id := range s.IDs {
		if _, ok := g.Node(id); !ok {
			t.Fatalf("selected %q, which is not a node", id)
		}
		if _, dup := pos[id]; dup {
			t.Fatalf("selected %q twice", id)
		}
		pos[id] = k
	}
	for _, id := range s.IDs {
		for _, p := range g.Parents(id) {
			if k, ok := pos[p]; ok && k > pos[id] {
				t.Errorf("%s comes before its parent %s", id, p)
			}
		}
	}
	for _, w := range s.Warnings {
		if w.Severity != diag.Warning {
			t.Errorf("an error among the warnings: %v", w)
		}
	}
}

func mustSelect(t *testing.T, g *Graph, opts SelectOptions) []string {
	t.Helper()
	s, err := g.Select(opts)
	if err != nil {
		t.Fatalf("Select(%+v) failed although the whole expression parsed: %v", opts, err)
	}
	return s.IDs
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func sameSet(a, b []string) bool { return len(minus(a, b)) == 0 && len(minus(b, a)) == 0 }

// fuzzMaxAlloc is the most one Select may allocate. Its work is linear in
// the expression and the graph, so this is far above any real need.
const fuzzMaxAlloc = 256 << 20

// fuzzMaxTime is the longest one Select may run; a hang panics, from
// another goroutine, which makes the fuzzing engine record the input.
const fuzzMaxTime = 5 * time.Second

// withLimits runs fn and fails t when it allocated more than fuzzMaxAlloc,
// or panics when it runs longer than fuzzMaxTime.
func withLimits(t *testing.T, fn func()) {
	t.Helper()
	name := t.Name()
	hang := time.AfterFunc(fuzzMaxTime, func() { panic(name + ": one execution ran for more than " + fuzzMaxTime.String()) })
	defer hang.Stop()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	fn()
	runtime.ReadMemStats(&ms)
	if used := ms.TotalAlloc - before; used > fuzzMaxAlloc {
		t.Fatalf("one execution allocated %d MiB (limit %d MiB)", used>>20, fuzzMaxAlloc>>20)
	}
}
