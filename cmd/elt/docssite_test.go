package main

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/elt-dev/elt/internal/browsertest"
)

// screenshotDir is where the browser tests leave their screenshots for
// people to look at: the repository's target/ folder, which git ignores.
func screenshotDir(t testing.TB) string {
	dir, err := filepath.Abs(filepath.Join("..", "..", "target", "docs-screenshots"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func fileURL(path, fragment string) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), Fragment: fragment}
	return u.String()
}

// TestDocsSiteInChromium builds the example shop, generates its docs site
// and uses it in real headless Chromium, opened from disk: search for a
// model, open it, read its columns and compiled SQL, open the DAG, and
// trace a column in the lineage view.
func TestDocsSiteInChromium(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, "../../examples/shop", dir)
	os.Remove(filepath.Join(dir, "shop.duckdb"))
	if r := elt(t, dir, "build"); r.code != 0 {
		t.Fatalf("build: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := elt(t, dir, "docs", "generate"); r.code != 0 {
		t.Fatalf("docs generate: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, f := range []string{"index.html", "elt-docs/app.js", "elt-docs/app.css", "elt-docs/data.js", "elt-docs/THIRD_PARTY_LICENSES.txt"} {
		if _, err := os.Stat(filepath.Join(dir, "target", f)); err != nil {
			t.Fatalf("docs generate did not write target/%s: %v", f, err)
		}
	}
	// What the page must show, from the artifacts beside it.
	var man struct {
		Nodes map[string]struct {
			CompiledCode string `json:"compiled_code"`
		}
		ParentMap map[string][]string `json:"parent_map"`
		ChildMap  map[string][]string `json:"child_map"`
	}
	readJSON(t, filepath.Join(dir, "target", "manifest.json"), &man)
	var cat struct {
		Nodes map[string]struct {
			Columns map[string]struct {
				Name  string
				Index int
			}
		}
	}
	readJSON(t, filepath.Join(dir, "target", "catalog.json"), &cat)
	const model = "model.shop.fct_orders"
	var wantCols []string
	{
		cols := cat.Nodes[model].Columns
		type c struct {
			name string
			i    int
		}
		var l []c
		for _, v := range cols {
			l = append(l, c{v.Name, v.Index})
		}
		sort.Slice(l, func(a, b int) bool { return l[a].i < l[b].i })
		for _, v := range l {
			wantCols = append(wantCols, v.name)
		}
	}
	if len(wantCols) == 0 {
		t.Fatal("catalog.json has no columns for fct_orders")
	}
	// The upstream columns of fct_orders.order_total, as elt lineage gives them.
	lin := elt(t, dir, "lineage", "fct_orders.order_total", "--upstream", "--output", "json")
	if lin.code != 0 {
		t.Fatalf("lineage: %s", lin.stderr)
	}
	var trace struct {
		Upstream []struct{ Node, Column, Type string }
	}
	if err := json.Unmarshal([]byte(lin.stdout), &trace); err != nil {
		t.Fatal(err)
	}
	var wantUp, wantUpTyped []string
	for _, e := range trace.Upstream {
		wantUp = append(wantUp, e.Node+"."+e.Column)
		wantUpTyped = append(wantUpTyped, e.Node+"."+e.Column+" "+e.Type)
	}
	sort.Strings(wantUp)

	ctx := browsertest.New(t, 1400, 900, 2*time.Minute)
	shots := screenshotDir(t)
	shot := func(name string) {
		t.Helper()
		b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(js string) []string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		return v
	}

	// Open the site from disk and search for the model.
	do("open the site", chromedp.Navigate(fileURL(filepath.Join(dir, "target", "index.html"), "")),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`)))
	do("search", chromedp.SendKeys(chromedp.CSS("#search"), "fct_ord"),
		chromedp.WaitVisible(chromedp.CSS(`#search-results li.result[data-id="`+model+`"] a`)))
	// Results render on the next frame after each key: let the last one land.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('#search').value === 'fct_ord' && new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)); err != nil {
		t.Fatal(err)
	}
	if got := eval(`[...document.querySelectorAll('#search-results li.result')].map(li => li.dataset.id)`); len(got) == 0 || got[0] != model {
		t.Fatalf("search results for fct_ord: %v, want %s first", got, model)
	}
	do("open the result", chromedp.Click(chromedp.CSS(`#search-results li.result[data-id="`+model+`"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`article.node-page[data-id="`+model+`"]`)))

	// Its columns, in the warehouse's order, and its compiled SQL.
	if got := eval(`[...document.querySelectorAll('table.columns > tbody > tr')].map(tr => tr.dataset.col)`); !slices.Equal(got, wantCols) {
		t.Errorf("columns on the model page:\n got %v\nwant %v", got, wantCols)
	}
	// Descriptions are Markdown: the status column's table is a table.
	if got := eval(`[...document.querySelectorAll('tr[data-col="status"] .cdesc table th')].map(th => th.textContent)`); !slices.Equal(got, []string{"status", "meaning"}) {
		t.Errorf("the Markdown table in status's description renders as headers %v", got)
	}
	if got := eval(`[document.querySelector('.tabs button.active').dataset.tab, document.querySelector('.code-box code').textContent]`); got[0] != "compiled" || got[1] != man.Nodes[model].CompiledCode {
		t.Errorf("code shown: tab %q, text:\n%s\nwant the compiled SQL:\n%s", got[0], got[1], man.Nodes[model].CompiledCode)
	}
	if got := eval(`[...document.querySelectorAll('.code-box code span.hljs-keyword')].slice(0, 1).map(s => s.textContent.toLowerCase())`); len(got) == 0 {
		t.Error("the compiled SQL is not highlighted")
	}
	if got := eval(`[...document.querySelectorAll('tr[data-col="order_id"] .test-tag')].map(s => s.textContent).sort()`); !slices.Equal(got, []string{"not_null", "unique"}) {
		t.Errorf("tests of fct_orders.order_id: %v", got)
	}
	shot("model-page.png")

	// The DAG, focused on the model two levels up and down.
	do("open the DAG", chromedp.Click(chromedp.CSS("#open-dag")),
		chromedp.WaitVisible(chromedp.CSS(`#dag-svg g.dnode[data-id="`+model+`"]`)))
	gotDag := eval(`[...document.querySelectorAll('#dag-svg g.dnode')].map(g => g.dataset.id).sort()`)
	// 2+fct_orders+2 by the manifest's parent and child maps, tests left out
	// as the site's DAG leaves them out.
	wantDag := neighbours(man.ParentMap, man.ChildMap, model, 2)
	if len(wantDag) < 8 {
		t.Fatalf("the shop's fct_orders has too small a neighbourhood for this test: %v", wantDag)
	}
	if !slices.Equal(gotDag, wantDag) {
		t.Errorf("DAG for 2+fct_orders+2:\n got %v\nwant %v", gotDag, wantDag)
	}
	do("choose the model in the DAG", chromedp.Click(chromedp.CSS(`#dag-svg g.dnode[data-id="`+model+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#dag-panel")))
	// Choosing it lights what it reads and what reads it, transitively.
	var wantLit []string
	for _, id := range wantDag {
		if id == model || reaches(man.ParentMap, model, id) || reaches(man.ChildMap, model, id) {
			wantLit = append(wantLit, id)
		}
	}
	if got := eval(`[...document.querySelectorAll('#dag-svg g.dnode.lit')].map(g => g.dataset.id).sort()`); !slices.Equal(got, wantLit) {
		t.Errorf("choosing fct_orders lit:\n got %v\nwant %v", got, wantLit)
	}
	shot("dag.png")

	// Focus on it with one level of parents and children.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.getElementById('dag-depth').value = '1', true)`)); err != nil {
		t.Fatal(err)
	}
	do("focus with one level", chromedp.Click(chromedp.CSS(`#dag-svg g.dnode[data-id="`+model+`"]`)),
		chromedp.Click(chromedp.CSS("#dag-focus")), chromedp.WaitVisible(chromedp.CSS(`#dag-svg g.dnode[data-id="`+model+`"]`)),
		void(chromedp.Poll[bool](`document.getElementById('dag-select').value === '1+fct_orders+1'`)))
	if got, want := eval(`[...document.querySelectorAll('#dag-svg g.dnode')].map(g => g.dataset.id).sort()`), neighbours(man.ParentMap, man.ChildMap, model, 1); !slices.Equal(got, want) {
		t.Errorf("DAG for 1+fct_orders+1:\n got %v\nwant %v", got, want)
	}

	// A selection typed into the DAG's --select box.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.getElementById('dag-select').value = '', true)`)); err != nil {
		t.Fatal(err)
	}
	// stg_orders is in the focused graph already: wait for the new graph
	// itself (raw_orders drawn, fct_orders gone), not for one of its nodes.
	do("select in the DAG", chromedp.SendKeys(chromedp.CSS("#dag-select"), "+stg_orders"), chromedp.Click(chromedp.CSS("#dag-update")),
		void(chromedp.Poll[bool](`!!document.querySelector('#dag-svg g.dnode[data-id="seed.shop.raw_orders"]') && !document.querySelector('#dag-svg g.dnode[data-id="`+model+`"]')`)))
	if got := eval(`[...document.querySelectorAll('#dag-svg g.dnode')].map(g => g.dataset.id).sort()`); !slices.Equal(got, []string{"model.shop.stg_orders", "seed.shop.raw_orders"}) {
		t.Errorf("DAG for +stg_orders: %v", got)
	}

	// The column lineage view: choose fct_orders.order_total.
	do("open the lineage view", chromedp.Navigate(fileURL(filepath.Join(dir, "target", "index.html"), "!/lineage/"+model)),
		chromedp.WaitVisible(chromedp.CSS(`#lineage-svg g.lcol[data-node="`+model+`"][data-col="order_total"]`)))
	do("choose a column", chromedp.Click(chromedp.CSS(`#lineage-svg g.lcol[data-node="`+model+`"][data-col="order_total"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#lineage-svg g.lcol.selected`)))
	gotUp := eval(`[...document.querySelectorAll('#lineage-svg g.lcol.up')].map(g => g.dataset.node.split('.').pop() + '.' + g.dataset.col).sort()`)
	if !slices.Equal(gotUp, wantUp) {
		t.Errorf("highlighted upstream columns:\n got %v\nwant %v", gotUp, wantUp)
	}
	for _, want := range []string{"raw_order_items.quantity", "raw_order_items.unit_price_cents", "int_order_totals.items_total_cents"} {
		if !slices.Contains(gotUp, want) {
			t.Errorf("%s is not highlighted upstream of fct_orders.order_total", want)
		}
	}
	// The panel lists them nearest first with their types, as elt lineage does.
	if got := eval(`[...document.querySelectorAll('#lineage-panel li[data-dir="up"]')].map(li => li.dataset.node.split('.').pop() + '.' + li.dataset.col + ' ' + li.querySelector('.lg').textContent)`); !slices.Equal(got, wantUpTyped) {
		t.Errorf("upstream list in the panel:\n got %v\nwant %v", got, wantUpTyped)
	}
	if got := eval(`[...document.querySelectorAll('#lineage-svg g.lcol.down')].map(g => g.dataset.node.split('.').pop() + '.' + g.dataset.col)`); !slices.Equal(got, []string{"daily_revenue.revenue"}) {
		t.Errorf("highlighted downstream columns: %v", got)
	}
	types := eval(`[...new Set([...document.querySelectorAll('#lineage-svg path.ledge')].map(p => p.getAttribute('class').replace('ledge e-', '')))].sort()`)
	if !slices.Equal(types, []string{"aggregation", "identity", "indirect", "transformation"}) {
		t.Errorf("edge types drawn: %v", types)
	}
	shot("lineage.png")

	// Versioned models go by name.v<version> in search, as dbt selects
	// them, and rank above their tests.
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`new Promise(done => {
		const input = document.getElementById('search');
		input.value = 'dim_products';
		input.dispatchEvent(new Event('input'));
		requestAnimationFrame(() => requestAnimationFrame(() =>
			done([...document.querySelectorAll('#search-results li.result .rname')].slice(0, 2).map(e => e.textContent).sort())));
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"dim_products.v1", "dim_products.v2"}; !slices.Equal(got, want) {
		t.Errorf("search for dim_products: %v, want %v", got, want)
	}
	t.Logf("screenshots in %s", shots)
}

// void drops an action's value, to run it among steps.
func void[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}

// neighbours is node and its parents and children up to depth levels
// away, tests left out, sorted.
func neighbours(parents, children map[string][]string, node string, depth int) []string {
	out := []string{node}
	for _, m := range []map[string][]string{parents, children} {
		frontier := []string{node}
		for range depth {
			var next []string
			for _, n := range frontier {
				for _, p := range m[n] {
					if !strings.HasPrefix(p, "test.") && !slices.Contains(out, p) {
						out = append(out, p)
						next = append(next, p)
					}
				}
			}
			frontier = next
		}
	}
	sort.Strings(out)
	return out
}

// reaches reports whether to is reachable from from along edges.
func reaches(edges map[string][]string, from, to string) bool {
	seen := map[string]bool{}
	stack := []string{from}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, m := range edges[n] {
			if m == to {
				return true
			}
			if !seen[m] {
				seen[m] = true
				stack = append(stack, m)
			}
		}
	}
	return false
}
