package compiler

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/elt-dev/elt/jinja"
)

// internalPackages name elt's built-in macros in a dispatch search order:
// dbt's own namespace, and "elt" for the same macros under our name.
var internalPackages = map[string]bool{"dbt": true, "elt": true}

// dbtNamespace is the `dbt` object: every built-in macro (the project
// cannot override what dbt.<name> calls, as in dbt) and the Go builtins
// that are macros in dbt's own package.
func (e *engine) dbtNamespace() map[string]any {
	ns := map[string]any{}
	for name, def := range e.builtins {
		ns[name] = def.fn
	}
	ns["get_where_subquery"] = jinja.Func(fnWhereSubquery)
	// dbt's macros that elt runs in Go, under dbt. as well.
	for name, fn := range goDBTMacros() {
		if _, ok := ns[name]; !ok || name == "is_incremental" || name == "run_query" || name == "statement" {
			ns[name] = fn
		}
	}
	return ns
}

// isGoDBTMacro reports whether name is one of dbt's macros elt runs in Go.
func isGoDBTMacro(name string) bool {
	switch name {
	case "is_incremental", "run_query", "statement", "load_relation", "load_cached_relation",
		"persist_docs", "create_indexes", "get_where_subquery":
		return true
	}
	return false
}

// goDBTMacros are the macros of dbt's own package that elt runs in Go
// (get_where_subquery records itself, fnWhereSubquery), each standing for
// its macro in depends_on (dbtMacro).
func goDBTMacros() map[string]jinja.Func {
	out := map[string]jinja.Func{}
	for name, fn := range map[string]func(*jinja.State, []any, jinja.Kwargs) (any, error){
		"is_incremental": fnIsIncremental, "run_query": fnRunQuery, "statement": fnStatement,
		"load_relation": fnLoadRelation, "load_cached_relation": fnLoadRelation,
		"persist_docs": fnPersistDocs, "create_indexes": fnCreateIndexes,
	} {
		out[name] = dbtMacro(name, fn)
	}
	return out
}

// goMacroParams are the parameters dbt declares for its macros that elt
// runs in Go (goDBTMacros and get_where_subquery).
func goMacroParams() map[string][]string {
	return map[string][]string{
		"is_incremental":       nil,
		"run_query":            {"sql"},
		"statement":            {"name=None", "fetch_result=False", "auto_begin=True", "language='sql'"},
		"load_relation":        {"relation"},
		"load_cached_relation": {"relation"},
		"persist_docs":         {"relation", "model", "for_relation=true", "for_columns=true"},
		"create_indexes":       {"relation"},
		"get_where_subquery":   {"relation"},
	}
}

// goMacroFile is the file the manifest gives dbt's macros elt runs in Go.
const goMacroFile = "elt/go_macros.sql"

// goMacroEntries are manifest macros standing for dbt's macros elt runs
// in Go, so that each depends_on.macros entry naming one (a node calling
// is_incremental(), a test's get_where_subquery) names a macro of the
// manifest, as in dbt's. Their macro_sql says where the work is done.
func goMacroEntries() []*Macro {
	params := goMacroParams()
	out := make([]*Macro, 0, len(params))
	for _, name := range slices.Sorted(maps.Keys(params)) {
		var args []string
		for _, p := range params[name] {
			a, _, _ := strings.Cut(p, "=")
			args = append(args, a)
		}
		out = append(out, &Macro{
			UniqueID: "macro.dbt." + name, Name: name, Package: "dbt", OriginalFilePath: goMacroFile, Line: 1,
			MacroSQL:  fmt.Sprintf("{%% macro %s(%s) %%}{# elt runs this macro in Go #}{%% endmacro %%}", name, strings.Join(params[name], ", ")),
			Arguments: args,
		})
	}
	return out
}

// configuredOrder is the project's dispatch: search_order for namespace,
// if it has one.
func (e *engine) configuredOrder(namespace string) ([]string, bool) {
	for _, d := range e.proj.Config.Dispatch {
		if d.MacroNamespace == namespace && len(d.SearchOrder) > 0 {
			return d.SearchOrder, true
		}
	}
	return nil, false
}

// searchOrder is where adapter.dispatch looks for a macro, package by
// package: the project's dispatch config for the namespace if it has one,
// else the root project first, then the namespace itself (dbt's documented
// default). With no namespace, the root project then dbt's internal macros
// (fnDispatch puts a package's node's own package first).
func (e *engine) searchOrder(namespace string) []string {
	if order, ok := e.configuredOrder(namespace); ok {
		return order
	}
	root := e.proj.Config.Name
	if namespace == "" || namespace == root {
		return []string{root, "dbt"}
	}
	return []string{root, namespace}
}

// dispatchesByName reports whether adapter.dispatch with namespace looks
// its candidates up by name alone, as dbt does when the namespace is None
// or names neither a dispatch config nor a package it knows (a package's
// macros dispatching to themselves as 'macros', say).
func (e *engine) dispatchesByName(namespace string) bool {
	if namespace == "" {
		return true
	}
	if _, ok := e.configuredOrder(namespace); ok {
		return false
	}
	_, installed := e.packageMacros[namespace]
	return !installed && !internalPackages[namespace] && namespace != e.proj.Config.Name
}

// rootMacros are the root project's own macros by name.
func (e *engine) rootMacros() map[string]*macroDef {
	out := map[string]*macroDef{}
	for name, def := range e.macros {
		if def.meta.Package == e.proj.Config.Name {
			out[name] = def
		}
	}
	return out
}

// lookupQualified finds pkg.name as a call or a generic test names it: an
// installed package's macro, the root project's, or a builtin (dbt.name).
func (e *engine) lookupQualified(pkg, name string) (*macroDef, bool) {
	if own, installed := e.packageMacros[pkg]; installed {
		def, ok := own[name]
		return def, ok
	}
	if internalPackages[pkg] {
		def, ok := e.builtins[name]
		return def, ok
	}
	if pkg == e.proj.Config.Name {
		def, ok := e.macros[name]
		return def, ok && def.meta.Package == pkg
	}
	return nil, false
}

// macroNamed finds a macro by name as run-operation names it: "name"
// (the project's, else a builtin) or "package.name".
func (e *engine) macroNamed(name string) (*macroDef, bool) {
	if pkg, rest, dotted := strings.Cut(name, "."); dotted {
		return e.lookupQualified(pkg, rest)
	}
	def, ok := e.macros[name]
	return def, ok
}

// lookupIn finds the macro name defined by package pkg.
func (e *engine) lookupIn(pkg, name string) (*macroDef, bool) {
	if internalPackages[pkg] {
		def, ok := e.builtins[name]
		return def, ok
	}
	if own, installed := e.packageMacros[pkg]; installed {
		def, ok := own[name]
		return def, ok
	}
	def, ok := e.macros[name]
	if !ok {
		return nil, false
	}
	// A package that is not installed (dbt_utils without dbt_packages/) is
	// taken to be whatever the project defines under that name, so a
	// vendored copy of a package's macros still works.
	if pkg == e.proj.Config.Name && def.meta.Package != pkg {
		return nil, false
	}
	return def, true
}

// fnDispatch is adapter.dispatch(macro_name, macro_namespace=None): for
// each package of the search order, <target type>__name then default__name;
// without a namespace, <target type>__name in each package first.
func fnDispatch(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	st, err := renderStateOf(s)
	if err != nil {
		return nil, err
	}
	name, ok := argString(args, kw, 0, "macro_name")
	if !ok {
		return nil, st.fail("", "adapter.dispatch() needs a macro name")
	}
	if pkg, rest, found := strings.Cut(name, "."); found {
		return nil, st.fail("write adapter.dispatch('"+rest+"', macro_namespace='"+pkg+"')",
			"In adapter.dispatch, got a macro name of \"%s\", but \".\" is not a valid macro name component. Did you mean `adapter.dispatch(\"%s\", macro_namespace=\"%s\")`?", name, rest, pkg)
	}
	namespace := ""
	if v, ok := argAt(args, kw, 1, "macro_namespace"); ok && v != nil {
		if _, undef := v.(*jinja.Undefined); !undef {
			namespace, _ = jinja.Str(v)
		}
	}
	e := st.engine
	prefixes := []string{e.dialect.Type(), "default"}
	var tried []string
	find := func(pkg, prefix string) (*macroDef, bool) {
		cand := prefix + "__" + name
		tried = append(tried, pkg+"."+cand)
		return e.lookupIn(pkg, cand)
	}
	if e.dispatchesByName(namespace) {
		// dbt looks each name up in the render's macro namespace: the
		// node's own package (a package's node), the root project, then
		// dbt's internal macros; <target type>__name in all of them
		// before default__name.
		order := e.searchOrder("")
		if st.pkgMacros != nil {
			order = append([]string{st.node.Package}, order...)
		}
		if n := st.node; n != nil && n.TestMetadata != nil {
			// A generic test's render finds the macros of its test's
			// package first (dbt's TestMacroNamespace holds what the
			// test macro calls): a package test dispatching by name
			// reaches its own default__ implementation.
			if def, ok := e.testMacro(n.TestMetadata.Namespace, "test_"+n.TestMetadata.Name); ok &&
				!internalPackages[def.meta.Package] && def.meta.Package != e.proj.Config.Name && !slices.Contains(order, def.meta.Package) {
				order = append([]string{def.meta.Package}, order...)
			}
		}
		for _, prefix := range prefixes {
			for _, pkg := range order {
				if def, ok := find(pkg, prefix); ok {
					return def.fn, nil
				}
			}
		}
	} else {
		for _, pkg := range e.searchOrder(namespace) {
			for _, prefix := range prefixes {
				if def, ok := find(pkg, prefix); ok {
					return def.fn, nil
				}
			}
		}
	}
	// dbt's message (context/providers.py dispatch): the namespace as
	// Python prints it, and the names it tried, unqualified when it
	// looked them up by name.
	shown := "None"
	if namespace != "" {
		shown = namespace
	}
	var searched []string
	if e.dispatchesByName(namespace) {
		for _, prefix := range prefixes {
			searched = append(searched, "'"+prefix+"__"+name+"'")
		}
	} else {
		for _, t := range tried {
			searched = append(searched, "'"+t+"'")
		}
	}
	return nil, st.fail("define default__"+name+" in your macros",
		"In dispatch: No macro named '%s' found within namespace: '%s'\n    Searched for: %s", name, shown, strings.Join(searched, ", "))
}
