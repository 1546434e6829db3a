package project

import (
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
)

// The property keys elt reads in each kind of properties YAML entry. A key
// outside its set stops the load at the key's line: nothing a project
// declares is silently ignored. testdata/dbt_keys lists the keys dbt
// documents; TestDocumentedKeys checks every one is read or rejected.
var (
	// models:, seeds:, snapshots:, analyses: and data_tests: (singular
	// tests) entries.
	nodePropertyKeys = keySet(nodeKeys)
	// models:, seeds: and snapshots: entries also take quote_columns (dbt's
	// UnparsedNodeUpdate); analyses and singular tests do not.
	quotableNodePropertyKeys = keySet(nodeKeys + " quote_columns")
	columnPropertyKeys       = keySet("name description data_type meta tags quote constraints tests data_tests config granularity doc_blocks")
	columnConfigKeys         = keySet("meta tags quality")
	sourcePropertyKeys       = keySet("name description database project schema dataset loader loaded_at_field loaded_at_query meta quoting freshness tags config tables overrides")
	sourceTablePropertyKeys  = keySet("name description identifier loaded_at_field loaded_at_query freshness meta quoting tags config columns tests data_tests external")
	macroPropertyKeys        = keySet("name description docs meta config arguments")
	macroConfigKeys          = keySet("docs meta")
	macroArgumentKeys        = keySet("name type description")
)

const nodeKeys = "name description columns config meta docs tags access group " +
	"deprecation_date latest_version versions tests data_tests constraints time_spine doc_blocks"

// checkPropertyKeys reports each key of the mapping n that is not in
// allowed, at the key's line.
func (l *loader) checkPropertyKeys(file string, n *yaml.Node, what string, allowed map[string]bool) {
	var buf pairBuf
	for _, p := range pairsIn(buf[:], n) {
		if allowed[p.Key] {
			continue
		}
		l.diags.Add(diag.Errorf(file, posOf(p.KeyNode), "remove it, or use one of: "+keyList(allowed),
			"%s: unknown key %q (elt does not support it)", what, p.Key))
	}
}

// MacroProperties are a macros: entry of properties YAML, for the manifest.
type MacroProperties struct {
	Name        string
	Package     string
	Description string
	Meta        map[string]any
	Docs        map[string]any
	Arguments   []map[string]any // name, type as written; description with doc() rendered
	File        string
	Pos         diag.Pos
}

// parseMacroProperties reads the macros: entries of one properties file.
func (l *loader) parseMacroProperties(file string, entries []*yaml.Node) {
	for _, e := range entries {
		name, ok := l.entryName(file, "macros", e)
		if !ok {
			continue
		}
		what := "macro " + strconv.Quote(name)
		l.checkPropertyKeys(file, e, what, macroPropertyKeys)
		mp := &MacroProperties{Name: name, Package: l.cur.name, File: file, Pos: posOf(e)}
		for _, p := range pairs(e) {
			switch p.Key {
			case "description":
				s, _ := stringOf(p.Val)
				mp.Description = l.resolveDocs(file, posOf(p.Val), s)
			case "meta", "docs":
				l.macroMapping(file, p, mp)
			case "config":
				if !isMapping(p.Val) {
					if !isNull(p.Val) {
						l.diags.Add(diag.Errorf(file, posOf(p.Val), "write config: {meta: ..., docs: ...}", "%s: config must be a mapping, not %s", what, kindName(p.Val)))
					}
					continue
				}
				l.checkPropertyKeys(file, p.Val, what+" config", macroConfigKeys)
				for _, c := range pairs(p.Val) {
					l.macroMapping(file, c, mp)
				}
			case "arguments":
				if isNull(p.Val) {
					continue
				}
				if !isSequence(p.Val) {
					l.diags.Add(diag.Errorf(file, posOf(p.Val), "write arguments: as a list of `- name:` entries", "%s: arguments must be a list, not %s", what, kindName(p.Val)))
					continue
				}
				for _, a := range deref(p.Val).Content {
					argName, ok := l.entryName(file, "arguments", a)
					if !ok {
						continue
					}
					l.checkPropertyKeys(file, a, fmt.Sprintf("%s argument %q", what, argName), macroArgumentKeys)
					m, _ := toValue(a, nil, nil).(map[string]any)
					l.resolveArgumentDocs(file, a, m)
					mp.Arguments = append(mp.Arguments, m)
				}
			}
		}
		key := mp.Package + "." + name
		if l.proj.MacroProperties == nil {
			l.proj.MacroProperties = map[string]*MacroProperties{}
		}
		if prev, dup := l.proj.MacroProperties[key]; dup {
			l.diags.Add(diag.Errorf(file, mp.Pos, "keep one entry and remove the other",
				"macro %q is described twice: %s:%d and %s:%d", name, prev.File, prev.Pos.Line, file, mp.Pos.Line))
			continue
		}
		l.proj.MacroProperties[key] = mp
	}
}

func (l *loader) macroMapping(file string, p pair, mp *MacroProperties) {
	m, ok := toValue(p.Val, nil, nil).(map[string]any)
	if !ok {
		if !isNull(p.Val) {
			l.diags.Add(diag.Errorf(file, posOf(p.Val), "write it as a mapping", "%s must be a mapping, not %s", p.Key, kindName(p.Val)))
		}
		return
	}
	if p.Key == "meta" {
		mp.Meta = mergeDict(mp.Meta, m)
	} else {
		mp.Docs = mergeDict(mp.Docs, m)
	}
}

// resolveArgumentDocs renders a macro argument's description as dbt's
// _process_docs_for_macro does for every argument: doc() calls and any
// other Jinja in it.
func (l *loader) resolveArgumentDocs(file string, a *yaml.Node, m map[string]any) {
	for _, p := range pairs(a) {
		if p.Key != "description" {
			continue
		}
		if s, ok := m["description"].(string); ok {
			m["description"] = l.resolveDocs(file, posOf(p.Val), s)
		}
	}
}
