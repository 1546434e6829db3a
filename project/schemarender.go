package project

import (
	"bytes"
	"strings"

	"gopkg.in/yaml.v3"
)

// This file renders an entry of properties YAML (one item of models:,
// sources:, exposures: ...) before it is read, as dbt's schema parser
// renders each entry it reads: every string value is rendered natively
// with the properties context (env_var, var, target, project_name ...),
// except the keys dbt renders later (descriptions when docs are
// processed, tests when they are built, hooks and loaded_at_query when
// they run, metric and saved query filters in MetricFlow). Mapping keys
// are never rendered, nor are values that are not strings.

// keyStep is one step of the path to a value inside an entry: a mapping
// key, or an index into a list (dbt's keypath holds the key's text or the
// list index, so an index never equals a key).
type keyStep struct {
	key     string
	isIndex bool
}

// is reports whether the step is the mapping key k.
func (s keyStep) is(k string) bool { return !s.isIndex && s.key == k }

// isAny reports whether the step is one of the mapping keys ks.
func (s keyStep) isAny(ks ...string) bool {
	for _, k := range ks {
		if s.is(k) {
			return true
		}
	}
	return false
}

// schemaLateKey reports whether the value at kp (relative to an entry or
// to a source's table) is rendered later, not with the entry: dbt's
// SchemaYamlRenderer._is_norender_key.
func schemaLateKey(kp []keyStep) bool {
	late := func(s keyStep) bool { return s.isAny("tests", "data_tests", "description", "loaded_at_query") }
	switch {
	case len(kp) >= 1 && late(kp[0]):
		return true // the entry's description and tests
	case len(kp) == 2 && late(kp[1]):
		return true // e.g. a macro argument's description
	case len(kp) >= 2 && kp[0].is("config") && kp[1].isAny("pre_hook", "post_hook", "loaded_at_query"):
		return true
	case len(kp) == 5 && kp[4].is("description"):
		return true // versions: a version's column's description
	case len(kp) >= 3 && kp[0].is("versions") && kp[2].isAny("tests", "data_tests", "description"),
		len(kp) >= 5 && kp[0].is("versions") && kp[2].is("columns") && kp[4].isAny("tests", "data_tests", "description"):
		// A version's tests and descriptions, and its columns', are
		// rendered later with the full context (ref() in a version's
		// test): dbt 1.10 rendered them with the entry and failed on
		// what the entry's context lacks, fixed in dbt 1.11 (#12805).
		return true
	case len(kp) >= 3 && kp[0].isAny("columns", "dimensions", "measures", "entities") &&
		kp[2].isAny("tests", "data_tests", "description"):
		return true
	}
	return false
}

// schemaRendersKey reports whether dbt renders the value at kp of an
// entry of the section (models, sources, metrics ...) when it reads the
// entry: dbt's SchemaYamlRenderer.should_render_keypath.
func schemaRendersKey(section string, kp []keyStep) bool {
	if len(kp) == 0 {
		return true
	}
	switch section {
	case "sources":
		switch {
		case kp[0].isAny("description", "loaded_at_query"):
			return false
		case len(kp) >= 2 && kp[0].is("config") && kp[1].is("loaded_at_query"):
			return false
		case kp[0].is("tables"):
			return len(kp) < 2 || !schemaLateKey(kp[2:])
		}
		return true
	case "macros":
		if kp[0].is("arguments") {
			return !schemaLateKey(kp[1:])
		}
	case "metrics":
		last := len(kp) - 1
		if kp[last].is("filter") || last > 0 && kp[last-1].is("filter") {
			return false
		}
	case "saved_queries":
		if kp[0].is("query_params") && len(kp) > 1 && kp[1].is("where") {
			return false
		}
	}
	return !schemaLateKey(kp)
}

// schemaLenientKey reports whether a value at kp whose template uses a
// name the loader does not know (a macro, say) is kept as written for
// the compiler rather than reported: config values, a column's
// data_type, and a source's names and relation parts, which elt rendered
// that way before entries were rendered whole.
func schemaLenientKey(section string, kp []keyStep) bool {
	if len(kp) == 0 {
		return false
	}
	for _, s := range kp {
		if s.isAny("config", "external") {
			return true
		}
	}
	last := kp[len(kp)-1]
	if last.is("data_type") {
		return true
	}
	return section == "sources" && last.isAny("name", "database", "project", "schema", "dataset",
		"identifier", "loader", "loaded_at_field")
}

// mayHoldJinja reports whether a YAML file may have a value that
// rendering changes: one with no "{{", "{%" or "{#", no backslash (a
// double-quoted escape could spell a brace or a newline) and no block
// scalar (| or >, whose text ends in a newline Jinja drops) has none, and
// its entries need no walk.
func (f *diskFile) mayHoldJinja() bool {
	if f.fromCache && f.data == nil {
		s := f.text
		return strings.Contains(s, "{{") || strings.Contains(s, "{%") || strings.Contains(s, "{#") || strings.ContainsAny(s, "\\|>")
	}
	b := f.data
	return bytes.Contains(b, []byte("{{")) || bytes.Contains(b, []byte("{%")) || bytes.Contains(b, []byte("{#")) || bytes.ContainsAny(b, "\\|>")
}

// entryRenderer renders the entries of one section of one file.
type entryRenderer struct {
	l       *loader
	file    string
	section string
	kp      []keyStep
}

// renderEntry returns entry e of section (a top-level key of properties
// YAML) with its values rendered as dbt renders them, reporting failures
// at the value. Nodes with nothing to render are shared with e, which is
// never changed (the FileCache keeps the parsed trees); e itself is
// returned when nothing renders. unrenderedNode gives back a copied
// node's original.
func (l *loader) renderEntry(file, section string, e *yaml.Node) *yaml.Node {
	r := entryRenderer{l: l, file: file, section: section}
	return r.entry(e)
}

func (r *entryRenderer) entry(e *yaml.Node) *yaml.Node {
	if !isMapping(e) {
		return e // reported as it is read
	}
	r.kp = r.kp[:0]
	return r.node(e)
}

// renderEntries is renderEntry of each entry; entries itself when none
// changes.
func (l *loader) renderEntries(file, section string, entries []*yaml.Node) []*yaml.Node {
	r := entryRenderer{l: l, file: file, section: section}
	out := entries
	for i, e := range entries {
		if r := r.entry(e); r != e {
			if &out[0] == &entries[0] {
				out = append([]*yaml.Node(nil), entries...)
			}
			out[i] = r
		}
	}
	return out
}

// unrenderedNode is the node of the properties YAML as written that n, a
// node of a rendered entry, was copied from; n itself when it was not
// copied.
func (l *loader) unrenderedNode(n *yaml.Node) *yaml.Node {
	if raw, ok := l.rawNodes[n]; ok {
		return raw
	}
	return n
}

// copied records that c is a rendered copy of n.
func (r *entryRenderer) copied(c, n *yaml.Node) *yaml.Node {
	if r.l.rawNodes == nil {
		r.l.rawNodes = map[*yaml.Node]*yaml.Node{}
	}
	r.l.rawNodes[c] = n
	return c
}

func (r *entryRenderer) node(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.AliasNode:
		// Each use of an anchor is rendered at its own path, as dbt
		// renders the values YAML loading gave.
		t := deref(n)
		if out := r.node(t); out != t {
			return out
		}
		return n
	case yaml.ScalarNode:
		return r.scalar(n)
	case yaml.SequenceNode:
		var content []*yaml.Node
		for i, c := range n.Content {
			r.kp = append(r.kp, keyStep{isIndex: true})
			out := r.node(c)
			r.kp = r.kp[:len(r.kp)-1]
			content = changed(content, n.Content, i, c, out)
		}
		return r.container(n, content)
	case yaml.MappingNode:
		var content []*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			var out *yaml.Node
			if isMergeKey(k) {
				// A merge's keys are this mapping's keys.
				out = r.node(v)
			} else {
				r.kp = append(r.kp, keyStep{key: k.Value})
				out = r.node(v)
				r.kp = r.kp[:len(r.kp)-1]
			}
			content = changed(content, n.Content, i+1, v, out)
		}
		return r.container(n, content)
	}
	return n
}

// changed records child i of orig rendered as out: content stays nil
// until a child changes, then holds a copy of orig's children.
func changed(content, orig []*yaml.Node, i int, in, out *yaml.Node) []*yaml.Node {
	if out == in {
		return content
	}
	if content == nil {
		content = append([]*yaml.Node(nil), orig...)
	}
	content[i] = out
	return content
}

// container is n with content as its children, n itself when none changed.
func (r *entryRenderer) container(n *yaml.Node, content []*yaml.Node) *yaml.Node {
	if content == nil {
		return n
	}
	c := *n
	c.Content = content
	return r.copied(&c, n)
}

func (r *entryRenderer) scalar(n *yaml.Node) *yaml.Node {
	if n.Tag != "!!str" && n.Tag != "" || !schemaRendersKey(r.section, r.kp) {
		return n
	}
	if !hasJinja(n.Value) {
		// dbt renders it all the same (natively, as text): Jinja's
		// lexer ends its lines with \n and drops one final newline, so
		// a block scalar's (meta: {note: |\n  text\n}) is "text".
		v := plainTemplateText(n.Value)
		if v == n.Value {
			return n
		}
		c := *n
		c.Value = v
		return r.copied(&c, n)
	}
	lenient := schemaLenientKey(r.section, r.kp)
	v := r.l.renderYAMLString(r.l.propsJinja, r.file, n.Value, n, lenient)
	if s, ok := v.(string); ok && s == n.Value {
		return n
	}
	c := *n
	c.Anchor = ""
	setScalar(&c, v)
	return r.copied(&c, n)
}

// plainTemplateText is what Jinja renders of s, a text with no Jinja
// syntax: its \r\n and \r are \n, and one final newline is dropped
// (keep_trailing_newline is off).
func plainTemplateText(s string) string {
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	return strings.TrimSuffix(s, "\n")
}
