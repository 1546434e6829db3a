package compiler

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/elt-dev/elt/jinja"
)

// macroDepsState holds each macro's depends_on.macros, computed once per
// process the first time a manifest is written (MacroDependsOn).
type macroDepsState struct {
	once sync.Once
	byID map[string][]string
}

// MacroDependsOn is the macro id's depends_on.macros as dbt's manifest
// has it: the macros its source may call, read from its syntax without
// running it (dbt's ManifestLoader.macro_depends_on and
// statically_extract_macro_calls), each adapter.dispatch adding the
// implementation it resolves to. state:modified.macros follows these
// lists from a node's own macros to the macros they call.
func (m *Manifest) MacroDependsOn(id string) []string {
	if m == nil || m.engine == nil {
		return nil
	}
	return m.engine.macroDependsOn(id)
}

// macroDependsOn is MacroDependsOn of the engine's macros.
func (e *engine) macroDependsOn(id string) []string {
	e.macroDeps.once.Do(func() { e.macroDeps.byID = e.staticMacroDeps() })
	return e.macroDeps.byID[id]
}

// staticMacroDeps computes depends_on.macros of every macro, each macro's
// source parsed once, concurrently.
func (e *engine) staticMacroDeps() map[string][]string {
	var defs []*macroDef
	seen := map[string]bool{}
	add := func(d *macroDef) {
		if !seen[d.meta.UniqueID] {
			seen[d.meta.UniqueID] = true
			defs = append(defs, d)
		}
	}
	for _, name := range sortedKeys(e.builtins) {
		add(e.builtins[name])
	}
	for _, name := range sortedKeys(e.macros) {
		add(e.macros[name])
	}
	for _, pkg := range sortedKeys(e.packageMacros) {
		for _, name := range sortedKeys(e.packageMacros[pkg]) {
			add(e.packageMacros[pkg][name])
		}
	}
	deps := make([][]string, len(defs))
	parallelFor(context.Background(), e.opts.Concurrency, len(defs), func(i int) {
		deps[i] = e.macroCalls(defs[i])
	})
	out := make(map[string][]string, len(defs))
	for i, d := range defs {
		if len(deps[i]) > 0 {
			out[d.meta.UniqueID] = deps[i]
		}
	}
	return out
}

// macroContextNames are the names of dbt's macro-resolving context
// (generate_macro_context): a call to one of them is not a macro call.
var macroContextNames = map[string]bool{
	"source": true, "ref": true, "config": true, // statically_extract_macro_calls' standard calls
	"dbt_version": true, "var": true, "env_var": true, "return": true, "fromjson": true, "tojson": true,
	"fromyaml": true, "toyaml": true, "set": true, "set_strict": true, "zip": true, "zip_strict": true,
	"log": true, "run_started_at": true, "invocation_id": true, "thread_id": true, "modules": true,
	"flags": true, "print": true, "diff_of_two_dicts": true, "local_md5": true, "target": true,
	"project_name": true, "context": true, "builtins": true,
}

// macroCalls lists the macros def's source may call, in dbt's order: its
// call sites in syntax-tree order, a name the macro context defines
// skipped, adapter.dispatch('name', ns) adding name and then the
// implementation it resolves to; each name resolved from def's package
// (pkg.name from pkg), a call to def itself and unknown names dropped.
func (e *engine) macroCalls(def *macroDef) []string {
	src := preprocess(def.meta.OriginalFilePath, def.meta.MacroSQL, nil, nil)
	sites, err := e.env.CallSites(def.meta.OriginalFilePath, src)
	if err != nil {
		return nil
	}
	var names []string
	for _, c := range sites {
		switch {
		case c.Callee == "adapter.dispatch":
			names = append(names, e.staticDispatch(c)...)
		case c.Callee == "" || strings.HasPrefix(c.Callee, "adapter.") || macroContextNames[c.Callee]:
		case !slices.Contains(names, c.Callee):
			names = append(names, c.Callee)
		}
	}
	var out []string
	for _, name := range names {
		if name == def.meta.Name {
			continue
		}
		pkg := def.meta.Package
		if p, rest, dotted := strings.Cut(name, "."); dotted {
			pkg, name = p, rest
		}
		if id := e.macroIDFrom(pkg, name); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// staticDispatch is what dbt reads of an adapter.dispatch call site: the
// macro name, then "pkg.name" of the implementation the dispatch resolves
// to (none when it resolves to nothing, where dbt stops the parse).
func (e *engine) staticDispatch(c jinja.CallSite) []string {
	name, namespace := "", ""
	if len(c.Args) > 0 && c.Args[0].Const {
		name, _ = c.Args[0].Value.(string)
	}
	var out []string
	if name != "" {
		out = append(out, name)
	}
	for _, kw := range c.Kwargs {
		switch {
		case kw.Name == "macro_name" && kw.Const:
			if s, ok := kw.Value.(string); ok {
				name = s
				out = append(out, s)
			}
		case kw.Name == "macro_namespace" && kw.Const:
			namespace, _ = kw.Value.(string)
		}
	}
	if len(c.Args) > 1 && c.Args[1].Const {
		if s, ok := c.Args[1].Value.(string); ok {
			namespace = s
		}
	}
	if name == "" {
		return out
	}
	if def, ok := e.dispatchTarget(name, namespace); ok {
		out = append(out, def.meta.Package+"."+def.meta.Name)
	}
	return out
}

// dispatchTarget resolves adapter.dispatch(name, namespace) as dbt does
// while it reads macros (a TestMacroNamespace over every macro): for each
// package of the search order, <adapter>__name, then default__name.
func (e *engine) dispatchTarget(name, namespace string) (*macroDef, bool) {
	root := e.proj.Config.Name
	var order []string // "" is every package, by name
	switch order2, configured := e.configuredOrder(namespace); {
	case namespace == "":
		order = []string{""}
	case configured:
		order = order2
	case e.isPackage(namespace):
		order = []string{root, namespace}
	default:
		order = []string{namespace}
	}
	for _, pkg := range order {
		for _, prefix := range []string{e.dialect.Type(), "default"} {
			cand := prefix + "__" + name
			var def *macroDef
			switch {
			case pkg == "":
				def = e.macroByName(cand)
			case internalPackages[pkg]:
				def = e.builtins[cand]
			case pkg == root:
				if d, ok := e.macros[cand]; ok && d.meta.Package == root {
					def = d
				}
			default:
				def = e.packageMacros[pkg][cand]
			}
			if def != nil {
				return def, true
			}
		}
	}
	return nil, false
}

// isPackage reports whether pkg is a project dbt loads: the root, an
// installed package or dbt's own.
func (e *engine) isPackage(pkg string) bool {
	_, installed := e.packageMacros[pkg]
	return installed || internalPackages[pkg] || pkg == e.proj.Config.Name
}

// macroByName finds a macro by name alone, as dbt's MacroResolver does:
// the root project's, else an installed package's, else dbt's own.
func (e *engine) macroByName(name string) *macroDef {
	if d, ok := e.macros[name]; ok && d.meta.Package == e.proj.Config.Name {
		return d
	}
	pkgs := make([]string, 0, len(e.packageMacros))
	for p := range e.packageMacros {
		pkgs = append(pkgs, p)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(pkgs)))
	for _, p := range pkgs {
		if d, ok := e.packageMacros[p][name]; ok {
			return d
		}
	}
	return e.builtins[name]
}

// macroIDFrom is dbt's MacroResolver.get_macro_id(pkg, name): the macro of
// that package, else the macro of that name anywhere; "" when none. dbt's
// macros elt runs in Go (goDBTMacros) are dbt's.
func (e *engine) macroIDFrom(pkg, name string) string {
	var def *macroDef
	switch {
	case internalPackages[pkg]:
		def = e.builtins[name]
	case pkg == e.proj.Config.Name:
		if d, ok := e.macros[name]; ok && d.meta.Package == pkg {
			def = d
		}
	default:
		def = e.packageMacros[pkg][name]
	}
	if def == nil {
		def = e.macroByName(name)
	}
	if def != nil {
		return def.meta.UniqueID
	}
	if isGoDBTMacro(name) {
		return "macro.dbt." + name
	}
	return ""
}
