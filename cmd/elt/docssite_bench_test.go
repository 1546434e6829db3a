package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/elt-dev/elt/internal/browsertest"
)

// writeSiteBenchProject writes a project of n nodes: seeds, then models
// in layers each reading one or two models of the layer before, every
// model and column described in properties files.
func writeSiteBenchProject(tb testing.TB, dir string, n int) {
	tb.Helper()
	write := func(name, text string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	write("dbt_project.yml", "name: big\nversion: '1.0'\nprofile: big\n")
	write("profiles.yml", "big:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: big.duckdb\n      schema: main\n")
	seeds := n / 50
	for i := range seeds {
		write(fmt.Sprintf("seeds/s%03d.csv", i), "id,v,label\n1,2,a\n2,3,b\n")
	}
	const layers = 10
	models := n - seeds
	perLayer := models / layers
	var props strings.Builder
	props.WriteString("version: 2\nmodels:\n")
	for i := range models {
		layer := i / perLayer
		name := fmt.Sprintf("m%05d", i)
		var sql string
		if layer == 0 {
			sql = fmt.Sprintf("select id, v, v * 2 as w, label from {{ ref('s%03d') }} where id > 0", i%seeds)
		} else {
			a := (layer-1)*perLayer + (i*7)%perLayer
			b := (layer-1)*perLayer + (i*13+5)%perLayer
			sql = fmt.Sprintf("select p.id, p.v + %d as v, sum(q.w) as w, max(p.label) as label\nfrom {{ ref('m%05d') }} p\njoin {{ ref('m%05d') }} q on p.id = q.id\ngroup by 1, 2", i, a, b)
		}
		write(fmt.Sprintf("models/layer%02d/%s.sql", min(layer, layers-1), name), sql)
		fmt.Fprintf(&props, "  - name: %s\n    description: Model %d of layer %d, summing w by id.\n    columns:\n", name, i, layer)
		for _, c := range []string{"id", "v", "w", "label"} {
			fmt.Fprintf(&props, "      - name: %s\n        description: The %s of %s.\n", c, c, name)
		}
	}
	write("models/properties.yml", props.String())
}

// BenchmarkDocsSite5k opens the docs site of a 5,000-node project in
// headless Chromium, from disk, and reports the first contentful paint,
// the time until the tree and search are ready, a search as you type, the
// whole DAG and a column lineage view. Run it with
//
//	go test ./cmd/elt -run '^$' -bench DocsSite5k -benchtime 3x
func BenchmarkDocsSite5k(b *testing.B) {
	dir := b.TempDir()
	writeSiteBenchProject(b, dir, 5000)
	var out, errb bytes.Buffer
	env := environment{lookupEnv: os.LookupEnv, workDir: dir, homeDir: b.TempDir()}
	t0 := time.Now()
	if code := runWith(context.Background(), []string{"docs", "generate"}, &out, &errb, env); code != 0 {
		b.Fatalf("docs generate: exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	gen := time.Since(t0)
	st, err := os.Stat(filepath.Join(dir, "target", "elt-docs", "data.js"))
	if err != nil {
		b.Fatal(err)
	}
	ctx := browsertest.New(b, 1400, 900, 10*time.Minute)
	index := fileURL(filepath.Join(dir, "target", "index.html"), "")
	run := func(js string) float64 {
		b.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[float64](js, chromedp.EvalAwaitPromise))
		if err != nil {
			b.Fatalf("%s: %v", js, err)
		}
		return v
	}
	var fcp, ready, search, dag, lin []float64
	b.ResetTimer()
	for range b.N {
		if err := chromedp.Do(ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(index),
			chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`))); err != nil {
			b.Fatal(err)
		}
		fcp = append(fcp, run(`performance.getEntriesByName('first-contentful-paint')[0].startTime`))
		ready = append(ready, run(`performance.getEntriesByName('elt-ready')[0].startTime`))
		if os.Getenv("ELT_BENCH_VERBOSE") != "" {
			v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({nav: performance.getEntriesByType('navigation').map(e => [e.responseEnd, e.domInteractive, e.domContentLoadedEventEnd, e.loadEventEnd]), res: performance.getEntriesByType('resource').map(e => [e.name.split('/').pop(), e.startTime, e.responseEnd]), marks: performance.getEntriesByType('mark').map(e => [e.name, e.startTime]), paint: performance.getEntriesByType('paint').map(e => [e.name, e.startTime])})`))
			b.Log(v)
		}
		// A search as you type: from the input event to the results painted.
		search = append(search, run(`new Promise(done => {
			const input = document.getElementById('search');
			const t = performance.now();
			input.value = 'm0421';
			input.dispatchEvent(new Event('input'));
			requestAnimationFrame(() => requestAnimationFrame(() => {
				if (!document.querySelector('#search-results li.result')) throw new Error('no results');
				done(performance.now() - t);
			}));
		})`))
		// The whole DAG, laid out and drawn.
		dag = append(dag, run(`new Promise(done => {
			const t = performance.now();
			location.hash = '#!/dag';
			const wait = () => document.querySelectorAll('#dag-svg g.dnode').length >= 4900
				? requestAnimationFrame(() => done(performance.now() - t)) : setTimeout(wait, 5);
			wait();
		})`))
		// The column lineage view of a model in the last layer.
		lin = append(lin, run(`new Promise(done => {
			const t = performance.now();
			location.hash = '#!/lineage/model.big.m04899?col=w';
			const wait = () => document.querySelector('#lineage-svg g.lcol.selected')
				? requestAnimationFrame(() => done(performance.now() - t)) : setTimeout(wait, 5);
			wait();
		})`))
	}
	b.StopTimer()
	// Medians: one slow page load on a busy machine would skew a mean.
	b.ReportMetric(median(fcp), "first-paint-ms")
	b.ReportMetric(median(ready), "ready-ms")
	b.ReportMetric(median(search), "search-ms")
	b.ReportMetric(median(dag), "whole-dag-ms")
	b.ReportMetric(median(lin), "lineage-view-ms")
	b.Logf("per load (ms): first paint %v, ready %v, search %v, whole DAG %v, lineage view %v", fcp, ready, search, dag, lin)
	b.ReportMetric(float64(st.Size())/1e6, "data-MB")
	b.ReportMetric(gen.Seconds(), "docs-generate-s")
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
