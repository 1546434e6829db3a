package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoRegexpCompiledAtStart: no package of the module compiles a
// regular expression into a package-level variable. Go initializes every
// linked package before main, so each such regexp was compiled at every
// start of every command, used or not: the module's 72 of them cost 14 ms
// of `elt --version`'s 69 ms here. They are compiled on first use instead
// (internal/lazyre).
func TestNoRegexpCompiledAtStart(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && (d.Name() == "testdata" || d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files++
		for _, decl := range f.Decls {
			g, ok := decl.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, v := range vs.Values {
					if compilesRegexp(v) {
						t.Errorf("%s: %s compiles a regexp at start-up: declare it with lazyre.New, compiled on first use",
							fset.Position(v.Pos()), vs.Names[i].Name)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("looked at %d Go files below %s: not the module", files, root)
	}
}

// compilesRegexp reports whether e is a call of regexp's Compile or
// MustCompile (or their POSIX forms).
func compilesRegexp(e ast.Expr) bool {
	c, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	return ok && x.Name == "regexp" && strings.Contains(sel.Sel.Name, "Compile")
}
