package tests

import (
	"embed"
	"io/fs"
	"sort"

	"github.com/elt-dev/elt/project"
)

// builtinFS holds the generic test definitions. The embedded paths are the
// paths reported to the compiler, so an error in a built-in test names
// "elt_builtin/tests/<name>.sql".
//
//go:embed elt_builtin/tests/*.sql
var builtinFS embed.FS

// BuiltinMacros returns the built-in generic tests as macro files holding
// {% test %} blocks, sorted by path. The compiler loads them before project
// macros (compiler.Options.ExtraMacros), so a project's own
// {% test not_null(...) %} overrides the built-in one, as in dbt.
// Each call returns fresh values; callers may keep or modify them.
func BuiltinMacros() []*project.File {
	paths, err := fs.Glob(builtinFS, "elt_builtin/tests/*.sql")
	if err != nil {
		// The pattern is a constant and valid, so Glob cannot fail.
		panic(err)
	}
	sort.Strings(paths)
	files := make([]*project.File, 0, len(paths))
	for _, p := range paths {
		b, err := builtinFS.ReadFile(p)
		if err != nil {
			panic(err) // embedded at build time, listed just above
		}
		files = append(files, &project.File{Path: p, Contents: string(b)})
	}
	return files
}
