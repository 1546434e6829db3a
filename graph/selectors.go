package graph

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/yamlsafe"
)

// SpecKind says what a Spec node does.
type SpecKind int

// The kinds of Spec nodes, as dbt's SelectionCriteria, SelectionUnion,
// SelectionIntersection and SelectionDifference.
const (
	SpecCriterion SpecKind = iota
	SpecUnion
	SpecIntersection
	SpecDifference // the first component minus the union of the others
)

// Spec is a selection written as a tree, as selectors.yml definitions are.
type Spec struct {
	Kind       SpecKind
	Components []*Spec
	// A criterion is either Term, written in the --select syntax
	// ("tag:nightly+", "a,b"), or a method with its value and graph
	// operators.
	Term             string
	Method           string // "tag", "config.materialized", "state"...
	Value            string
	Parents          bool
	ParentsDepth     int
	Children         bool
	ChildrenDepth    int
	ChildrensParents bool
	// Indirect is the criterion's indirect_selection; "" means the command's.
	Indirect string
	// File and Pos say where the definition is written, for errors.
	File string
	Pos  diag.Pos
}

// Selectors are the named selectors of a selectors.yml.
type Selectors struct {
	Names   []string // in file order
	Specs   map[string]*Spec
	Default string // the selector with default: true, or ""
}

// selectorKeys are the keys of one entry of selectors:.
var selectorKeys = []string{"name", "description", "definition", "default"}

// criterionKeys are the keys of a method/value definition.
var criterionKeys = []string{"method", "value", "children", "parents", "childrens_parents", "children_depth", "parents_depth", "indirect_selection", "exclude"}

// ParseSelectors reads a selectors.yml; file is its path relative to the
// project, for errors. Every problem is reported at its line, together.
func ParseSelectors(file string, src []byte) (*Selectors, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, diag.List{diag.Errorf(file, diag.Pos{}, "fix the YAML syntax", "cannot parse %s: %v", file, err)}.Err()
	}
	yamlsafe.Resolve11(&doc) // as project.Load's parse: dbt reads YAML 1.1
	return ParseSelectorsNode(file, &doc)
}

// ParseSelectorsNode reads the selectors of a parsed selectors.yml (its
// document or top-level node), as project.Load renders it.
func ParseSelectorsNode(file string, root *yaml.Node) (*Selectors, error) {
	p := &selectorParser{file: file, out: &Selectors{Specs: map[string]*Spec{}}}
	if root != nil && root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return p.out, nil
		}
		root = root.Content[0]
	}
	if root == nil {
		return p.out, nil
	}
	root = expandAliases(root, map[*yaml.Node]*yaml.Node{})
	if root.Kind != yaml.MappingNode {
		p.errAt(root, "write `selectors:` followed by a list of named selectors", "%s must be a mapping with a selectors: key", file)
		return nil, p.problems.Err()
	}
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "selectors" {
			p.errAt(k, "the only top-level key is selectors:", "unknown key %q in %s", k.Value, file)
			continue
		}
		list = v
	}
	if list == nil {
		if !p.problems.HasErrors() {
			p.errAt(root, "write `selectors:` followed by a list of named selectors", "%s has no selectors: key", file)
		}
		return nil, p.problems.Err()
	}
	if list.Kind != yaml.SequenceNode {
		p.errAt(list, "write each selector as a list item: `- name: nightly`", "selectors: must be a list")
		return nil, p.problems.Err()
	}
	for _, item := range list.Content {
		p.selector(item)
	}
	if p.problems.HasErrors() {
		return nil, p.problems.Err()
	}
	return p.out, nil
}

type selectorParser struct {
	file     string
	out      *Selectors
	problems diag.List
}

func posOf(n *yaml.Node) diag.Pos { return diag.Pos{Line: n.Line, Column: n.Column} }

func (p *selectorParser) errAt(n *yaml.Node, hint, format string, args ...any) {
	p.problems.Add(diag.Errorf(p.file, posOf(n), hint, format, args...))
}

func (p *selectorParser) selector(item *yaml.Node) {
	if item.Kind != yaml.MappingNode {
		p.errAt(item, "write a mapping with name: and definition:", "a selector must be a mapping")
		return
	}
	var name string
	var def, dflt *yaml.Node
	for i := 0; i+1 < len(item.Content); i += 2 {
		k, v := item.Content[i], item.Content[i+1]
		switch k.Value {
		case "name":
			name = v.Value
		case "description":
		case "definition":
			def = v
		case "default":
			dflt = v
		default:
			p.errAt(k, "a selector's keys are: "+strings.Join(selectorKeys, ", "), "unknown key %q in a selector", k.Value)
		}
	}
	if name == "" {
		p.errAt(item, "give the selector a name:", "a selector has no name")
		return
	}
	if _, dup := p.out.Specs[name]; dup {
		p.errAt(item, "rename one of them", "two selectors are named %q", name)
		return
	}
	if def == nil {
		p.errAt(item, "add definition:, e.g. `definition: tag:nightly`", "selector %q has no definition", name)
		return
	}
	spec := p.definition(def, true)
	if spec == nil {
		return
	}
	if dflt != nil {
		b, err := strconv.ParseBool(strings.TrimSpace(dflt.Value))
		if dflt.Kind != yaml.ScalarNode || err != nil {
			p.errAt(dflt, "write default: true or default: false", "selector %q: default must be true or false, not %q", name, dflt.Value)
		} else if b {
			if p.out.Default != "" {
				p.errAt(dflt, "mark only one selector default: true",
					"selectors %q and %q are both default: true", p.out.Default, name)
			}
			p.out.Default = name
		}
	}
	p.out.Names = append(p.out.Names, name)
	p.out.Specs[name] = spec
}

// definition parses a definition: a string in --select syntax, a
// union/intersection list, or a method/value mapping (dbt's
// parse_from_definition).
func (p *selectorParser) definition(n *yaml.Node, root bool) *Spec {
	switch n.Kind {
	case yaml.ScalarNode:
		if strings.TrimSpace(n.Value) == "" {
			p.errAt(n, "write a selector such as tag:nightly", "empty selector definition")
			return nil
		}
		return &Spec{Kind: SpecCriterion, Term: n.Value, File: p.file, Pos: posOf(n)}
	case yaml.MappingNode:
	default:
		p.errAt(n, "write a string like tag:nightly, a method/value mapping, or union:/intersection: lists",
			"a selector definition must be a string or a mapping, not a list")
		return nil
	}
	keys := map[string]*yaml.Node{}
	var order []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		keys[n.Content[i].Value] = n.Content[i+1]
		order = append(order, n.Content[i])
	}
	for _, op := range []string{"union", "intersection"} {
		v, ok := keys[op]
		if !ok {
			continue
		}
		if root && len(keys) > 1 {
			p.errAt(n, "keep only the "+op+": key at the top of the definition",
				"only a single union or intersection key is allowed at the top of a definition")
			return nil
		}
		return p.setOp(op, v)
	}
	if m, ok := keys["method"]; ok && m.Value == "selector" {
		v, ok := keys["value"]
		if !ok {
			p.errAt(n, "name the selector: value: <name>", "method: selector needs a value")
			return nil
		}
		spec, ok := p.out.Specs[v.Value]
		if !ok {
			p.errAt(v, "define the selector earlier in the file (selectors can use only those above them)",
				"existing selector definition for %q not found", v.Value)
			return nil
		}
		return spec
	}
	var crit *Spec
	var exclude *yaml.Node
	if _, hasMethod := keys["method"]; hasMethod {
		if _, hasValue := keys["value"]; !hasValue {
			p.errAt(n, "add value:, as in {method: tag, value: nightly}", "a method definition needs a value")
			return nil
		}
		crit = &Spec{Kind: SpecCriterion, File: p.file, Pos: posOf(n), ParentsDepth: Unlimited, ChildrenDepth: Unlimited}
		for _, k := range order {
			v := keys[k.Value]
			switch k.Value {
			case "method":
				crit.Method = v.Value
			case "value":
				crit.Value = v.Value
			case "parents", "children", "childrens_parents":
				b, err := strconv.ParseBool(v.Value)
				if err != nil || v.Kind != yaml.ScalarNode {
					p.errAt(v, "write true or false", "%s must be true or false, not %q", k.Value, v.Value)
					continue
				}
				switch k.Value {
				case "parents":
					crit.Parents = b
				case "children":
					crit.Children = b
				default:
					crit.ChildrensParents = b
				}
			case "parents_depth", "children_depth":
				d, err := strconv.Atoi(v.Value)
				if err != nil || d < 0 {
					p.errAt(v, "write a whole number of edges, like 2", "%s must be a whole number, not %q", k.Value, v.Value)
					continue
				}
				if k.Value == "parents_depth" {
					crit.ParentsDepth = d
				} else {
					crit.ChildrenDepth = d
				}
			case "indirect_selection":
				switch v.Value {
				case IndirectEager, IndirectCautious, IndirectBuildable, IndirectEmpty:
					crit.Indirect = v.Value
				default:
					p.errAt(v, "use one of eager, cautious, buildable, empty", "unknown indirect_selection %q", v.Value)
				}
			case "exclude":
				exclude = v
			default:
				p.errAt(k, "a method definition's keys are: "+strings.Join(criterionKeys, ", "), "unknown key %q in a selector definition", k.Value)
			}
		}
		if crit.ChildrensParents && crit.Parents {
			p.errAt(n, "use childrens_parents or parents, not both", "childrens_parents cannot be combined with parents")
		}
	} else if len(order) == 1 && order[0].Value != "exclude" {
		// {tag: nightly}: the key is the method.
		k, v := order[0], keys[order[0].Value]
		if v.Kind != yaml.ScalarNode {
			p.errAt(v, "write {"+k.Value+": value} with a single value", "the value of %q must be a string", k.Value)
			return nil
		}
		crit = &Spec{Kind: SpecCriterion, Method: k.Value, Value: v.Value, File: p.file, Pos: posOf(k), ParentsDepth: Unlimited, ChildrenDepth: Unlimited}
	} else {
		names := make([]string, len(order))
		for i, k := range order {
			names[i] = k.Value
		}
		p.errAt(n, "write either one key ({tag: nightly}) or method: and value: keys, or union:/intersection:",
			"expected either 1 key or else method and value keys, but got %s", strings.Join(names, ", "))
		return nil
	}
	if exclude == nil {
		return crit
	}
	ex := p.exclusions(exclude)
	if ex == nil {
		return nil
	}
	return &Spec{Kind: SpecDifference, Components: []*Spec{crit, ex}, File: p.file, Pos: posOf(n)}
}

// setOp parses a union: or intersection: list, where one item may be
// {exclude: [...]}, subtracted from the result.
func (p *selectorParser) setOp(op string, list *yaml.Node) *Spec {
	if list.Kind != yaml.SequenceNode {
		p.errAt(list, "write "+op+": followed by a list", "invalid value for key %q: expected a list", op)
		return nil
	}
	kind := SpecUnion
	if op == "intersection" {
		kind = SpecIntersection
	}
	out := &Spec{Kind: kind, File: p.file, Pos: posOf(list)}
	var exclude *Spec
	ok := true
	for _, item := range list.Content {
		if item.Kind == yaml.MappingNode && hasKey(item, "exclude") {
			if exclude != nil {
				p.errAt(item, "put every exclusion in one exclude: list", "you cannot provide multiple exclude arguments to the same %s", op)
				ok = false
				continue
			}
			var v *yaml.Node
			for i := 0; i+1 < len(item.Content); i += 2 {
				if item.Content[i].Value == "exclude" {
					v = item.Content[i+1]
				}
			}
			if exclude = p.exclusions(v); exclude == nil {
				ok = false
			}
			continue
		}
		c := p.definition(item, false)
		if c == nil {
			ok = false
			continue
		}
		out.Components = append(out.Components, c)
	}
	if !ok {
		return nil
	}
	if exclude == nil {
		return out
	}
	return &Spec{Kind: SpecDifference, Components: []*Spec{out, exclude}, File: p.file, Pos: posOf(list)}
}

func (p *selectorParser) exclusions(list *yaml.Node) *Spec {
	if list.Kind != yaml.SequenceNode {
		p.errAt(list, "write exclude: followed by a list", "invalid value for key \"exclude\": expected a list")
		return nil
	}
	out := &Spec{Kind: SpecUnion, File: p.file, Pos: posOf(list)}
	for _, item := range list.Content {
		c := p.definition(item, false)
		if c == nil {
			return nil
		}
		out.Components = append(out.Components, c)
	}
	if len(out.Components) == 1 {
		return out.Components[0]
	}
	return out
}

// expandAliases returns n with every alias replaced by the node it names
// and every `<<: *anchor` merge key expanded (keys written in the mapping
// win), as YAML loaders do: dbt's docs suggest anchors to share parts of
// selector definitions. The file's nodes are not modified.
func expandAliases(n *yaml.Node, done map[*yaml.Node]*yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if out, ok := done[n]; ok {
		return out
	}
	if n.Kind != yaml.MappingNode && n.Kind != yaml.SequenceNode && n.Kind != yaml.DocumentNode {
		return n
	}
	out := *n
	done[n] = &out
	out.Content = nil
	if n.Kind != yaml.MappingNode {
		for _, c := range n.Content {
			out.Content = append(out.Content, expandAliases(c, done))
		}
		return &out
	}
	written := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != "<<" {
			written[n.Content[i].Value] = true
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], expandAliases(n.Content[i+1], done)
		if k.Value != "<<" || k.Tag == "!!str" && k.Style != 0 {
			out.Content = append(out.Content, k, v)
			continue
		}
		merged := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			merged = v.Content
		}
		for _, m := range merged {
			if m.Kind != yaml.MappingNode {
				continue
			}
			for j := 0; j+1 < len(m.Content); j += 2 {
				if !written[m.Content[j].Value] {
					written[m.Content[j].Value] = true
					out.Content = append(out.Content, m.Content[j], m.Content[j+1])
				}
			}
		}
	}
	return &out
}

func hasKey(n *yaml.Node, key string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return true
		}
	}
	return false
}

// selectSpec resolves a named selector.
func (s *selector) selectSpec(opts SelectOptions, mode string) (Selection, error) {
	var problems diag.List
	b := s.evalSpec(opts.Spec, mode, &problems)
	if problems.HasErrors() {
		return Selection{}, problems.Err()
	}
	return Selection{IDs: s.finish(s.incorporate(b, mode), opts.ResourceTypes)}, nil
}

func (s *selector) evalSpec(sp *Spec, mode string, problems *diag.List) bundle {
	empty := bundle{direct: s.all(false), indirect: s.all(false)}
	switch sp.Kind {
	case SpecCriterion:
		m := mode
		if sp.Indirect != "" {
			m = sp.Indirect
		}
		var local diag.List
		var b bundle
		if sp.Term != "" {
			terms := s.parseTerms([]string{sp.Term}, "selector", &local)
			b = s.union(terms, m, "selector", &diag.List{})
		} else {
			method, args := sp.Method, []string(nil)
			if parts := strings.Split(method, "."); len(parts) > 1 {
				method, args = parts[0], parts[1:]
			}
			match, err := s.methodMatcher(method, args, sp.Value)
			if err != nil {
				local.Add(*err)
			} else {
				b = s.criterion(criterion{
					raw: fmt.Sprintf("%s:%s", sp.Method, sp.Value), match: match,
					parents: sp.Parents, parentsDepth: sp.ParentsDepth,
					children: sp.Children, childrenDepth: sp.ChildrenDepth,
					childrensParents: sp.ChildrensParents,
				}, m)
			}
		}
		if len(local) > 0 {
			for _, d := range local {
				d.File, d.Pos = sp.File, sp.Pos
				problems.Add(d)
			}
			return empty
		}
		return b
	case SpecUnion:
		out := empty
		for _, c := range sp.Components {
			b := s.evalSpec(c, mode, problems)
			for i := range out.direct {
				out.direct[i] = out.direct[i] || b.direct[i]
				out.indirect[i] = out.indirect[i] || b.direct[i] || b.indirect[i]
			}
		}
		out.direct = s.incorporate(out, mode)
		return out
	case SpecIntersection:
		var out bundle
		for k, c := range sp.Components {
			b := s.evalSpec(c, mode, problems)
			if k == 0 {
				out = b
				for i := range out.indirect {
					out.indirect[i] = out.indirect[i] || out.direct[i]
				}
				continue
			}
			for i := range out.direct {
				out.direct[i] = out.direct[i] && b.direct[i]
				out.indirect[i] = out.indirect[i] && (b.direct[i] || b.indirect[i])
			}
		}
		if out.direct == nil {
			return empty
		}
		out.direct = s.incorporate(out, mode)
		return out
	case SpecDifference:
		if len(sp.Components) == 0 {
			return empty
		}
		first := s.evalSpec(sp.Components[0], mode, problems)
		excluded := empty
		for _, c := range sp.Components[1:] {
			b := s.evalSpec(c, IndirectEager, problems)
			for i := range excluded.direct {
				excluded.direct[i] = excluded.direct[i] || b.direct[i]
				excluded.indirect[i] = excluded.indirect[i] || b.indirect[i]
			}
		}
		diff := bundle{direct: s.all(false), indirect: s.all(false)}
		for i := range diff.direct {
			diff.direct[i] = first.direct[i] && !excluded.direct[i]
			diff.indirect[i] = (first.direct[i] || first.indirect[i]) && !(excluded.direct[i] || excluded.indirect[i])
		}
		diff.direct = s.incorporate(diff, mode)
		return diff
	}
	return empty
}

// SortedNames lists the selector names, sorted, for hints.
func (s *Selectors) SortedNames() []string {
	out := append([]string(nil), s.Names...)
	sort.Strings(out)
	return out
}
