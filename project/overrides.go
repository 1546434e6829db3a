package project

import (
	"sort"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
)

// Source overrides (dbt's `overrides:`): a root project's sources entry
//
//	sources:
//	  - name: stripe            # the package's source name
//	    overrides: stripe_source # the package that declares it
//	    schema: raw_stripe
//	    tables:
//	      - name: payments
//	        identifier: stripe_payments
//
// patches the package's source instead of declaring one: each key it sets
// replaces the package's value, source-level and, for a table of the same
// name, table-level (dbt's SourcePatcher).

type sourceOverride struct {
	file string
	node *yaml.Node
	used bool
}

// overrideOf reads an entry's overrides: key; ok false when it has none.
func overrideOf(e *yaml.Node) (*yaml.Node, bool) {
	for _, p := range pairs(e) {
		if p.Key == "overrides" {
			return p.Val, true
		}
	}
	return nil, false
}

// recordOverride keeps a root project's overriding sources entry for the
// package it names.
func (l *loader) recordOverride(file string, e *yaml.Node, pkgNode *yaml.Node) {
	name, ok := l.entryName(file, "sources", e)
	if !ok {
		return
	}
	pkg, _ := stringOf(pkgNode)
	if l.cur.pkg != nil {
		l.diags.Add(diag.Errorf(file, posOf(pkgNode), "move the override to the root project's properties YAML",
			"source %q: overrides: is only read in the root project", name))
		return
	}
	if pkg == "" || l.packageConfig(pkg) == nil {
		l.diags.Add(diag.Errorf(file, posOf(pkgNode), "name an installed package (elt deps installs them)",
			"source %q overrides package %q, which is not installed", name, pkg))
		return
	}
	key := [2]string{pkg, name}
	if prev, dup := l.overrides[key]; dup {
		l.diags.Add(diag.Errorf(file, posOf(e), "keep one override",
			"dbt found two schema.yml entries for the same source named %s in package %s. Sources may only be overridden a single time. "+
				"To fix this, remove the sources entry named %s from one of these files: %s:%d, %s", name, pkg, name, prev.file, posOf(prev.node).Line, file))
		return
	}
	if l.overrides == nil {
		l.overrides = map[[2]string]*sourceOverride{}
	}
	l.overrides[key] = &sourceOverride{file: file, node: e}
}

// applyOverride returns the package's sources entry e patched by the root
// project's override of it, if there is one.
func (l *loader) applyOverride(srcName string, e *yaml.Node) *yaml.Node {
	ov := l.overrides[[2]string{l.cur.name, srcName}]
	if ov == nil {
		return e
	}
	ov.used = true
	merged := patchMapping(e, ov.node, map[string]bool{"name": true, "overrides": true, "tables": true})
	var origTables, ovTables *yaml.Node
	for _, p := range pairs(e) {
		if p.Key == "tables" {
			origTables = p.Val
		}
	}
	for _, p := range pairs(ov.node) {
		if p.Key == "tables" {
			ovTables = p.Val
		}
	}
	if origTables != nil && isSequence(origTables) {
		byName := map[string]*yaml.Node{}
		if ovTables != nil && isSequence(ovTables) {
			for _, t := range deref(ovTables).Content {
				for _, p := range pairs(t) {
					if p.Key == "name" {
						if s, ok := stringOf(p.Val); ok {
							byName[s] = t
						}
					}
				}
			}
		}
		tables := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: deref(origTables).Line, Column: deref(origTables).Column}
		for _, t := range deref(origTables).Content {
			name := ""
			for _, p := range pairs(t) {
				if p.Key == "name" {
					name, _ = stringOf(p.Val)
				}
			}
			if o := byName[name]; o != nil {
				t = patchMapping(t, o, map[string]bool{"name": true})
			}
			tables.Content = append(tables.Content, t)
		}
		setKey(merged, "tables", tables)
	}
	return merged
}

// patchMapping is a copy of base whose keys are replaced by patch's
// (shallow, as Python's dict.update), except the keys in keep.
func patchMapping(base, patch *yaml.Node, keep map[string]bool) *yaml.Node {
	b := deref(base)
	out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: b.Line, Column: b.Column}
	seen := map[string]bool{}
	over := map[string]pair{}
	for _, p := range pairs(patch) {
		if !keep[p.Key] {
			over[p.Key] = p
		}
	}
	for _, p := range pairs(base) {
		seen[p.Key] = true
		if o, ok := over[p.Key]; ok {
			out.Content = append(out.Content, o.KeyNode, o.Val)
			continue
		}
		out.Content = append(out.Content, p.KeyNode, p.Val)
	}
	keys := make([]string, 0, len(over))
	for k := range over {
		if !seen[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		out.Content = append(out.Content, over[k].KeyNode, over[k].Val)
	}
	return out
}

// setKey replaces (or adds) key's value in mapping m.
func setKey(m *yaml.Node, key string, val *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = val
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, val)
}

// warnUnusedOverrides reports overrides whose package has no such source,
// as dbt warns about them.
func (l *loader) warnUnusedOverrides() {
	keys := make([][2]string, 0, len(l.overrides))
	for k := range l.overrides {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+"."+keys[i][1] < keys[j][0]+"."+keys[j][1] })
	for _, k := range keys {
		if ov := l.overrides[k]; !ov.used {
			l.diags.Add(diag.Warnf(ov.file, posOf(ov.node), "fix the source or package name",
				"source override %q for package %q matches no source of that package; it is not used", k[1], k[0]))
		}
	}
}
