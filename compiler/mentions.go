package compiler

import (
	"slices"
	"strings"
	"sync"

	"github.com/elt-dev/elt/project"
)

// mentionIndex says, for an invocation whose macro table changed (a macro
// added, removed or renamed), which stored renders may have read a name
// that now resolves to another macro or none: a render is stale when a
// changed name is a whole word of what it read (its node's raw code,
// config and test arguments, the sources of the macros it called, and the
// vars when one of those names `var`: a var holding Jinja is rendered
// when read), or is the name of a macro it called. For a dispatched
// macro's name (`duckdb__x`, `default__x`) what follows each "__" counts
// too, so that a new `duckdb__x` reaches the renders that dispatched
// `x`. A name a render computes before looking it up is not seen: elt's
// templates have no `context` to look one up by, and dispatch records the
// macro it resolved, whose name holds what it dispatched.
type mentionIndex struct {
	keys   []string // the changed names and what follows each "__" in them
	state  macroState
	macros sync.Map // macro id -> macroMention
	// goHit: a changed name is one elt calls from Go while a node renders
	// (goMacroNames), which every render may do.
	goHit bool
	// varsHit reports (once) whether a var's text names a changed key.
	varsHit func() bool
}

// macroMention is what a macro's source says to mentionIndex: whether it
// names a changed key, and whether it names var.
type macroMention struct{ hit, readsVars bool }

func newMentionIndex(changed []string, m macroState) *mentionIndex {
	x := &mentionIndex{state: m}
	seen := map[string]bool{}
	for _, n := range changed {
		for _, k := range dispatchKeys(n) {
			if !seen[k] {
				seen[k] = true
				x.keys = append(x.keys, k)
			}
		}
	}
	x.goHit = anyWord(goMacroNames, x.keys)
	x.varsHit = sync.OnceValue(func() bool {
		for _, v := range m.vars {
			if mentions(v, x.keys) {
				return true
			}
		}
		return false
	})
	return x
}

// stale reports whether node's render, which called the macros ids, may
// have read a changed name.
func (x *mentionIndex) stale(node string, ids []string) bool {
	if x.goHit || x.state.node == nil || x.state.source == nil {
		return true
	}
	raw, config, kwargs := x.state.node(node)
	if anyWord(raw, x.keys) || mentions(config, x.keys) || mentions(kwargs, x.keys) {
		return true
	}
	readsVars := hasWord(raw, "var")
	for _, id := range ids {
		v, ok := x.macros.Load(id)
		if !ok {
			v, _ = x.macros.LoadOrStore(id, x.reach(id))
		}
		mm := v.(macroMention)
		if mm.hit {
			return true
		}
		readsVars = readsVars || mm.readsVars
	}
	return readsVars && x.varsHit()
}

// reach is what the macro id and the macros it may call, at any depth
// (macroState.calls), say to the index: whether one of them is named by
// a changed key or names one in its source, and whether one reads var. A
// render records the project's and packages' macros it ran but a
// built-in only when its own code calls it, so a built-in that a package
// macro calls (dbt.hash, which calls type_string) is found here.
func (x *mentionIndex) reach(id string) macroMention {
	var mm macroMention
	seen := map[string]bool{id: true}
	queue := []string{id}
	for len(queue) > 0 && !mm.hit {
		cur := queue[0]
		queue = queue[1:]
		for _, k := range dispatchKeys(cur[strings.LastIndexByte(cur, '.')+1:]) {
			if slices.Contains(x.keys, k) {
				return macroMention{hit: true}
			}
		}
		src := x.state.source(cur)
		mm.hit = anyWord(src, x.keys)
		mm.readsVars = mm.readsVars || hasWord(src, "var")
		if x.state.calls == nil {
			continue
		}
		for _, next := range x.state.calls(cur) {
			if !seen[next] {
				seen[next] = true
				queue = append(queue, next)
			}
		}
	}
	return mm
}

// dispatchKeys are name and what follows each "__" in it.
func dispatchKeys(name string) []string {
	keys := []string{name}
	for i := strings.Index(name, "__"); i >= 0; {
		rest := name[i+2:]
		if rest != "" {
			keys = append(keys, rest)
		}
		j := strings.Index(rest, "__")
		if j < 0 {
			break
		}
		i += 2 + j
	}
	return keys
}

// mentions reports whether a config, test arguments or vars value names
// one of keys: in a key or a string, at any depth.
func mentions(v any, keys []string) bool {
	switch x := v.(type) {
	case string:
		return anyWord(x, keys)
	case map[string]any:
		for k, e := range x {
			if anyWord(k, keys) || mentions(e, keys) {
				return true
			}
		}
	case project.Config:
		return mentions(map[string]any(x), keys)
	case []any:
		for _, e := range x {
			if mentions(e, keys) {
				return true
			}
		}
	case []string:
		for _, e := range x {
			if anyWord(e, keys) {
				return true
			}
		}
	}
	return false
}

// anyWord reports whether one of keys is a whole word of s.
func anyWord(s string, keys []string) bool {
	for _, k := range keys {
		if hasWord(s, k) {
			return true
		}
	}
	return false
}

// hasWord reports whether w is a whole word of s: found with no letter,
// digit or underscore on either side (in strings and comments too).
func hasWord(s, w string) bool {
	if w == "" {
		return false
	}
	for from := 0; ; {
		i := strings.Index(s[from:], w)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(w)
		if (i == 0 || !isIdentByte(s[i-1])) && (end == len(s) || !isIdentByte(s[end])) {
			return true
		}
		from = i + 1
	}
}
