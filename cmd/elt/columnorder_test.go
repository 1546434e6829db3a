package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestManifestColumnsInDeclaredOrder: manifest.json lists a model's and a
// source's columns in the order the properties declare them, as dbt's
// columns dict keeps it, on a first compile and on one that reuses the
// manifest cache (after another model changed).
func TestManifestColumnsInDeclaredOrder(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select 1 as zeta, 2 as alpha, 3 as mid\n")
	writeFile(t, dir, "models/other.sql", "select 1 as id\n")
	writeFile(t, dir, "models/schema.yml", `version: 2
sources:
  - name: raw
    tables:
      - name: t
        columns:
          - name: yy
          - name: bb
models:
  - name: m
    columns:
      - name: zeta
      - name: alpha
        description: second
      - name: mid
`)
	order := func() {
		t.Helper()
		manifest := mustRead(t, filepath.Join(dir, "target", "manifest.json"))
		for _, c := range []struct{ node, first, second, third string }{
			{`"model.p.m":`, `"zeta":`, `"alpha":`, `"mid":`},
			{`"source.p.raw.t":`, `"yy":`, `"bb":`, ""},
		} {
			i := strings.Index(manifest, c.node)
			if i < 0 {
				t.Fatalf("manifest lacks %s", c.node)
			}
			node := manifest[i:]
			cols := node[strings.Index(node, `"columns":`):]
			a, b := strings.Index(cols, c.first), strings.Index(cols, c.second)
			if a < 0 || b < 0 || a > b {
				t.Errorf("%s columns not in declared order: %.300s", c.node, cols)
			}
			if c.third != "" {
				if d := strings.Index(cols, c.third); d < b {
					t.Errorf("%s columns not in declared order: %.300s", c.node, cols)
				}
			}
		}
	}
	mustElt(t, dir, "compile")
	order()
	writeFile(t, dir, "models/other.sql", "select 2 as id\n")
	mustElt(t, dir, "compile")
	order()
}
