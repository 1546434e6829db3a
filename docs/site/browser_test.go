package site

import (
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/elt-dev/elt/internal/browsertest"
)

// TestDescriptionsCannotRunScript renders descriptions carrying HTML and
// javascript: links in real Chromium and checks that none of it runs.
func TestDescriptionsCannotRunScript(t *testing.T) {
	target, dir := tempTarget(t)
	man := sampleManifest()
	m := man.Nodes["model.p.m"].Common()
	m.Description = "**bold** <img src=x onerror=\"window.pwned=1\"> [click](javascript:window.pwned=2) [ok](https://example.com/a)\n\n<script>window.pwned=3</script>"
	m.Columns["ID"].Description = "<svg onload=\"window.pwned=4\"></svg> ![i](javascript:window.pwned=5)"
	if err := Write(dir, Build(man, nil, nil, nil)); err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t, 1000, 700, time.Minute)
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(target, "index.html")), Fragment: "!/node/model.p.m"}
	if err := chromedp.Do(ctx, chromedp.Navigate(u.String()), chromedp.WaitVisible(chromedp.CSS(`article.node-page`))); err != nil {
		t.Fatal(err)
	}
	// Give an onerror or onload a moment to fire, were there one.
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`new Promise(r => setTimeout(() => r([
		String(window.pwned),
		String(document.querySelectorAll('.md img, .md script, .md svg, .md a[href^="javascript"]').length),
		document.querySelector('.desc strong') ? document.querySelector('.desc strong').textContent : '',
		[...document.querySelectorAll('.desc a')].map(a => a.getAttribute('href')).join(' '),
	]), 300))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != "undefined" || got[1] != "0" {
		t.Errorf("a description ran or placed markup: window.pwned=%s, %s dangerous elements", got[0], got[1])
	}
	if got[2] != "bold" || got[3] != "https://example.com/a" {
		t.Errorf("Markdown not rendered: strong %q, links %q", got[2], got[3])
	}
}

// TestStaticIndexAlone opens static_index.html in real Chromium from a
// folder holding nothing else: the page, its data and its scripts are all
// in the one file, and a closing tag in a description stays text.
func TestStaticIndexAlone(t *testing.T) {
	target, dir := tempTarget(t)
	man := sampleManifest()
	man.Nodes["model.p.m"].Common().Description = "ends </script> and </style> here"
	if err := WriteStatic(dir, "static_index.html", Build(man, nil, nil, nil)); err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t, 1000, 700, time.Minute)
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(target, "static_index.html")), Fragment: "!/node/model.p.m"}
	if err := chromedp.Do(ctx, chromedp.Navigate(u.String()), chromedp.WaitVisible(chromedp.CSS(`article.node-page`))); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[
		document.querySelector('.desc') ? document.querySelector('.desc').textContent.trim() : '',
		getComputedStyle(document.getElementById('top')).display,
		String(document.querySelectorAll('script[src], link[href]').length),
		String(document.getElementById('third-party-licenses').content.textContent.includes('@dagrejs/dagre')),
	]`))
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != "ends </script> and </style> here" {
		t.Errorf("description = %q", got[0])
	}
	if got[1] == "" || got[1] == "inline" {
		t.Errorf("the stylesheet did not apply: header display %q", got[1])
	}
	if got[2] != "0" || got[3] != "true" {
		t.Errorf("%s elements load a file; licenses kept: %s", got[2], got[3])
	}
}
