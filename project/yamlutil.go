package project

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/yamlsafe"
)

// parseYAML parses src into its document node, its plain scalars resolved
// as dbt's YAML loader does (yamlsafe.Resolve11). A syntax error becomes a
// diagnostic at the line yaml.v3 reports (it gives no column). An empty file
// yields a nil node and no error.
func parseYAML(file string, src []byte) (*yaml.Node, *diag.Diagnostic) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		line, col, msg, reported := yamlsafe.SyntaxError(src, err)
		if reported != 0 && line != reported {
			msg = fmt.Sprintf("%s (in the block starting at line %d)", msg, reported)
		}
		pos := diag.Pos{Line: line, Column: col}
		// yaml.v3 reports tabs used for indentation with an opaque message.
		hint := "fix the YAML syntax near this line (check indentation and quoting; values starting with '{' or '*' need quotes)"
		if bytes.Contains(src, []byte("\t")) && strings.Contains(msg, "found character that cannot start any token") {
			hint = "YAML does not allow tabs for indentation; use spaces"
		}
		d := diag.Errorf(file, pos, hint, "invalid YAML: %s", msg)
		return nil, &d
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, nil
	}
	if d := checkAliasExpansion(file, &doc); d != nil {
		return nil, d
	}
	// dbt reads its YAML files with PyYAML (YAML 1.1): enabled: no is false.
	yamlsafe.Resolve11(&doc)
	n := doc.Content[0]
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, nil
	}
	return n, nil
}

// parseYAMLFile parses one of the project's YAML files, reporting a syntax
// error or an alias bomb (ok false) and warning of keys written twice.
func (l *loader) parseYAMLFile(file string, src []byte) (*yaml.Node, bool) {
	root, d := parseYAML(file, src)
	if d != nil {
		l.diags.Add(*d)
		return nil, false
	}
	for _, w := range yamlsafe.DuplicateKeys(file, root) {
		l.diags.Add(w)
	}
	return root, true
}

// checkAliasExpansion reports a file whose aliases expand beyond what
// yamlsafe allows, naming the innermost node whose expansion crosses it.
func checkAliasExpansion(file string, doc *yaml.Node) *diag.Diagnostic {
	culprit, limit, tooLarge := yamlsafe.TooLarge(doc)
	if !tooLarge {
		return nil
	}
	pos := diag.Pos{Line: 1}
	if culprit != nil {
		pos = posOf(culprit)
	}
	d := diag.Errorf(file, pos, "use fewer nested aliases (&anchor / *alias): write the values out or reuse them one level deep",
		"YAML aliases expand to more than %d values; elt refuses files that could exhaust memory", limit)
	return &d
}

func posOf(n *yaml.Node) diag.Pos {
	if n == nil {
		return diag.Pos{}
	}
	return diag.Pos{Line: n.Line, Column: n.Column}
}

// deref follows YAML aliases.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// pair is one key/value of a YAML mapping.
type pair struct {
	Key     string
	KeyNode *yaml.Node
	Val     *yaml.Node
}

// pairs lists a mapping's entries in order, expanding "<<" merge keys the way
// YAML loaders do: keys written in the mapping win over merged ones. A key
// written twice keeps its first place and takes its last value, as dbt's
// YAML loader (PyYAML) does; yamlsafe.DuplicateKeys tells the user.
func pairs(n *yaml.Node) []pair { return pairsIn(nil, n) }

// pairBuf is room for the pairs of most mappings, for pairsIn on the
// caller's stack: reading an entry's keys allocates nothing.
type pairBuf [smallMapping]pair

// pairsIn is pairs(n) appended to buf[:0].
func pairsIn(buf []pair, n *yaml.Node) []pair {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	out := buf[:0]
	if cap(out) < len(n.Content)/2 {
		out = make([]pair, 0, len(n.Content)/2)
	}
	var merged []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if isMergeKey(k) {
			v = deref(v)
			switch v.Kind {
			case yaml.MappingNode:
				merged = append(merged, pairs(v)...)
			case yaml.SequenceNode:
				for _, item := range v.Content {
					merged = append(merged, pairs(item)...)
				}
			}
			continue
		}
		out = append(out, pair{Key: k.Value, KeyNode: k, Val: v})
	}
	out = lastValueWins(out)
	if len(merged) > 0 {
		seen := make(map[string]bool, len(out))
		for _, p := range out {
			seen[p.Key] = true
		}
		for _, p := range merged {
			if !seen[p.Key] {
				seen[p.Key] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// isMergeKey reports whether k is a "<<" merge key (plain or tagged).
func isMergeKey(k *yaml.Node) bool {
	return k.Tag == "!!merge" || (k.Kind == yaml.ScalarNode && k.Value == "<<" && k.Style == 0)
}

// pairValue is the value pairs(n) gives key, found without building the
// list: the last value written for key in n itself, else (only when n
// has merge keys) what pairs finds.
func pairValue(n *yaml.Node, key string) (*yaml.Node, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, false
	}
	var val *yaml.Node
	merges := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if isMergeKey(k) {
			merges = true
			continue
		}
		if k.Value == key {
			val = n.Content[i+1]
		}
	}
	if val != nil || !merges {
		return val, val != nil
	}
	for _, p := range pairs(n) {
		if p.Key == key {
			return p.Val, true
		}
	}
	return nil, false
}

// lastValueWins folds repeated keys into the first entry, with the value
// and key position of the last one.
func lastValueWins(ps []pair) []pair {
	if len(ps) < 2 {
		return ps
	}
	if len(ps) <= smallMapping {
		// Most mappings are small and have no repeated key: compare keys
		// directly instead of building a map for every mapping read.
		dup := false
		for i := 1; i < len(ps) && !dup; i++ {
			for j := 0; j < i; j++ {
				if ps[i].Key == ps[j].Key {
					dup = true
					break
				}
			}
		}
		if !dup {
			return ps
		}
	}
	var first map[string]int
	out := ps[:0:0]
	for _, p := range ps {
		if first == nil {
			first = make(map[string]int, len(ps))
		}
		if i, dup := first[p.Key]; dup {
			out[i].Val, out[i].KeyNode = p.Val, p.KeyNode
			continue
		}
		first[p.Key] = len(out)
		out = append(out, p)
	}
	return out
}

// smallMapping is the size up to which lastValueWins looks for repeated
// keys by comparing every pair, which costs less than a map.
const smallMapping = 16

func isMapping(n *yaml.Node) bool  { n = deref(n); return n != nil && n.Kind == yaml.MappingNode }
func isSequence(n *yaml.Node) bool { n = deref(n); return n != nil && n.Kind == yaml.SequenceNode }
func isNull(n *yaml.Node) bool {
	n = deref(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// scalarValue converts a scalar node to a Go value: string, int, float64, bool or nil.
func scalarValue(n *yaml.Node) any {
	switch n.Tag {
	case "!!str", "":
		return n.Value
	case "!!null":
		return nil
	case "!!bool":
		switch strings.ToLower(n.Value) {
		case "true", "yes", "on", "y":
			return true
		}
		return false
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return int(i)
		}
	case "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return f
		}
	}
	var v any
	if err := n.Decode(&v); err == nil {
		return v
	}
	return n.Value
}

// valueRenderer renders one string scalar; keypath is the path of keys from
// the document root. It returns the value unchanged when nothing is to render.
type valueRenderer func(s string, n *yaml.Node, keypath []string) any

// toValue converts a node to plain Go values (map[string]any, []any, scalars).
// When render is non-nil it is applied to every string scalar.
func toValue(n *yaml.Node, keypath []string, render valueRenderer) any {
	n = deref(n)
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		ps := pairs(n)
		m := make(map[string]any, len(ps))
		for _, p := range ps {
			m[p.Key] = toValue(p.Val, appendPath(keypath, p.Key), render)
		}
		return m
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, c := range n.Content {
			s[i] = toValue(c, keypath, render)
		}
		return s
	case yaml.ScalarNode:
		v := scalarValue(n)
		if s, ok := v.(string); ok && render != nil {
			return render(s, n, keypath)
		}
		return v
	}
	return nil
}

func appendPath(path []string, key string) []string {
	out := make([]string, len(path)+1)
	copy(out, path)
	out[len(path)] = key
	return out
}

// stringOf returns a scalar's text ("" for null or non-scalars) and whether it was a scalar.
func stringOf(n *yaml.Node) (string, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return "", false
	}
	if n.Tag == "!!null" {
		return "", true
	}
	return n.Value, true
}

// stringList reads a string or a list of strings.
func stringList(n *yaml.Node) ([]string, bool) {
	n = deref(n)
	if n == nil || isNull(n) {
		return nil, true
	}
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}, true
	}
	if n.Kind != yaml.SequenceNode {
		return nil, false
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		s, ok := stringOf(c)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func kindName(n *yaml.Node) string {
	n = deref(n)
	switch {
	case n == nil:
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Tag == "!!null":
		return "null"
	}
	return "a " + strings.TrimPrefix(n.Tag, "!!")
}
