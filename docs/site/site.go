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
	"embed"
	"fmt"
	"io"
	"io/fs"

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
