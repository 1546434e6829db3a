// Package site writes the static docs site of `elt docs generate`: an
// index.html beside the project's artifacts, the bundled front-end (built
// from web/ by scripts/build-site.sh and embedded here), and a data file
// holding the project as the site shows it.
//
// The site works opened from disk: the data is a script (data.js), not a
// JSON file a page would have to fetch, since browsers refuse fetches of
// file:// addresses. Nothing is loaded from the network.
package site

import (
	"bytes"
	"embed"
	"fmt"
	"html"
	"io"
	"io/fs"
	"regexp"

	"github.com/elt-dev/elt/internal/lazyre"
	"github.com/elt-dev/elt/internal/targetfs"
)

//go:embed assets
var assets embed.FS

// AssetDir is where, under the target path, the site keeps its files
// other than index.html. It is not "assets", which dbt projects use for
// their own asset-paths.
const AssetDir = "elt-docs"

// Write writes index.html, the bundle and data.js for d into dir.
func Write(dir *targetfs.Dir, d *Data) error {
	files := []struct{ src, dst string }{
		{"assets/index.html", "index.html"},
		{"assets/app.js", AssetDir + "/app.js"},
		{"assets/app.css", AssetDir + "/app.css"},
		{"assets/THIRD_PARTY_LICENSES.txt", AssetDir + "/THIRD_PARTY_LICENSES.txt"},
	}
	for _, f := range files {
		b, err := fs.ReadFile(assets, f.src)
		if err != nil {
			return fmt.Errorf("docs site: embedded %s: %w", f.src, err)
		}
		if err := dir.WriteFile(f.dst, b); err != nil {
			return fmt.Errorf("docs site: write %s: %w", f.dst, err)
		}
	}
	if err := dir.WriteAtomic(AssetDir+"/data.js", func(w io.Writer) error { return d.writeScript(w) }); err != nil {
		return fmt.Errorf("docs site: write %s/data.js: %w", AssetDir, err)
	}
	return nil
}

// WriteStatic writes name into dir: the site in one HTML file, as dbt docs
// generate --static writes static_index.html, with the stylesheet, the
// data and the bundle inside it (and the bundled packages' licenses), so
// the one file can be mailed or hosted on its own.
func WriteStatic(dir *targetfs.Dir, name string, d *Data) error {
	embedded := map[string][]byte{}
	for _, src := range []string{"index.html", "app.css", "app.js", "THIRD_PARTY_LICENSES.txt"} {
		b, err := fs.ReadFile(assets, "assets/"+src)
		if err != nil {
			return fmt.Errorf("docs site: embedded %s: %w", src, err)
		}
		embedded[src] = b
	}
	index, css, app, licenses := embedded["index.html"], embedded["app.css"], embedded["app.js"], embedded["THIRD_PARTY_LICENSES.txt"]
	if bytes.Contains(app, []byte("<!--")) && openingScript().Match(app) {
		// The HTML parser would read the inline script's end differently
		// (its "double escaped" state); the bundle must not need that.
		return fmt.Errorf("docs site: %s: the bundle holds <!-- and <script, which cannot be inlined", name)
	}
	var data bytes.Buffer
	if err := d.writeScript(&data); err != nil {
		return err
	}
	for _, r := range []struct{ tag, with string }{
		{`<link rel="stylesheet" href="` + AssetDir + `/app.css">`, "<style>\n" + string(inert(css, "style")) + "</style>"},
		{`<script src="` + AssetDir + `/data.js"></script>`, "<script>" + data.String() + "</script>"},
		{`<script src="` + AssetDir + `/app.js"></script>`, "<script>" + string(inert(app, "script")) + "</script>"},
		{"</body>", `<template id="third-party-licenses"><pre>` + html.EscapeString(string(licenses)) + "</pre></template>\n</body>"},
	} {
		if bytes.Count(index, []byte(r.tag)) != 1 {
			return fmt.Errorf("docs site: %s: index.html does not hold %s once", name, r.tag)
		}
		index = bytes.Replace(index, []byte(r.tag), []byte(r.with), 1)
	}
	if err := dir.WriteFile(name, index); err != nil {
		return fmt.Errorf("docs site: write %s: %w", name, err)
	}
	return nil
}

// openingScript finds a <script tag in a script.
var openingScript = lazyre.New(`(?i)<script`)

// closingTags finds what would end an inline <script> or <style> early.
var closingTags = map[string]*regexp.Regexp{
	"script": regexp.MustCompile(`(?i)</(script)`),
	"style":  regexp.MustCompile(`(?i)</(style)`),
}

// inert makes text safe inside an inline <tag> element: a closing tag in
// it (in a string or comment of the script) becomes <\/tag, which means the
// same there.
func inert(text []byte, tag string) []byte {
	return closingTags[tag].ReplaceAll(text, []byte(`<\/$1`))
}
