package check

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/textdist"
	"github.com/elt-dev/elt/lineage"
)

// Node is one node of the project as check needs it.
type Node struct {
	lineage.Node
	// Kind is what the node is: "model", "snapshot", "seed" or "source"; hints use it.
	Kind string
	// File is the node's source file, relative to the project root and
	// slash-separated; RawSQL is that file's text (models and snapshots).
	File   string
	RawSQL string
	// RawLine is the number of lines of File before RawSQL (a snapshot block's body).
	RawLine int
	// Check says whether the node's own SQL is checked (it was selected).
	Check bool
	// DeclaredColumns is set for a source whose columns come from its
	// properties YAML. dbt does not require every column to be declared,
	// so a column missing from that list is only a warning.
	DeclaredColumns bool
}

// Input is the project to check.
type Input struct {
	Nodes []*Node
	// Others are the project's nodes that no checked node reads: not
	// directly, and not through a model whose SQL is in Nodes. They
	// change no model's columns; they only exist (their relations are
	// known) and have names a hint may suggest. A caller checking a few
	// models of a large project passes most nodes here, which costs a
	// fraction of a Node each. Run's findings are the same as with every
	// node in Nodes.
	Others []Other
	// KnownRelations are relations that exist although no ref or source
	// names them (from catalog.json, or other nodes' relations), written
	// as the SQL would name them, e.g. "db"."main"."raw_orders" or main.t.
	KnownRelations []string
}

// Other is a node of Input.Others: its name, kind (as Node.Kind) and
// relation.
type Other struct {
	Name, Kind, Relation string
}

// Finding is one problem in one node's file.
type Finding struct {
	Kind lineage.ProblemKind `json:"kind"`
	// Severity is "error", or "warning" for what holds only if a source's
	// declared columns are all its columns.
	Severity string `json:"severity"`
	Node     string `json:"node"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Message  string `json:"message"`
	Hint     string `json:"hint,omitempty"`
}

// Diagnostic is the finding as a positioned error.
func (f Finding) Diagnostic() diag.Diagnostic {
	sev := diag.Error
	if f.Severity == "warning" {
		sev = diag.Warning
	}
	return diag.Diagnostic{Severity: sev, File: f.File, Pos: diag.Pos{Line: f.Line, Column: f.Column}, Summary: f.Message, Hint: f.Hint}
}

// Run resolves the lineage of every node and returns the problems of the
// nodes marked Check, ordered by file and position.
func Run(ctx context.Context, parsers lineage.Parsers, in Input) ([]Finding, error) {
	return run(ctx, parsers, in, nil)
}

// run is Run, reusing the models' results kept in c when c is not nil.
func run(ctx context.Context, parsers lineage.Parsers, in Input, c *Cache) ([]Finding, error) {
	partial := false
	for _, n := range in.Nodes {
		partial = partial || n.DeclaredColumns
	}
	if partial {
		// Both builds parse the same SQL: the second takes the first's parses.
		parsers = remember(parsers)
	}
	build := func(lenient bool) (*lineage.Project, error) {
		var r lineage.Reuse
		if c != nil {
			r = reuse{c: c, build: 0}
			if !lenient {
				r = reuse{c: c, build: 1}
			}
		}
		nodes := make([]*lineage.Node, 0, len(in.Nodes))
		for _, n := range in.Nodes {
			if lenient && n.DeclaredColumns {
				ln := n.Node
				ln.Columns = nil
				nodes = append(nodes, &ln)
				continue
			}
			nodes = append(nodes, &n.Node) // read only
		}
		p, err := lineage.BuildReusing(ctx, parsers, nodes, r)
		if err != nil {
			return nil, fmt.Errorf("check: %w", err)
		}
		return p, nil
	}
	// Errors hold whatever columns sources have beyond the declared ones;
	// warnings are what holds only if the declared columns are all.
	proj, err := build(true)
	if err != nil {
		return nil, err
	}
	strict := proj
	if partial {
		if strict, err = build(false); err != nil {
			return nil, err
		}
	}
	// Every node's name and relation are read only for a finding: made
	// then.
	var byName map[string]*Node
	names := func() map[string]*Node {
		if byName == nil {
			byName = make(map[string]*Node, len(in.Nodes)+len(in.Others))
			for _, o := range in.Others {
				byName[o.Name] = &Node{Node: lineage.Node{Name: o.Name, Relation: o.Relation}, Kind: o.Kind}
			}
			for _, n := range in.Nodes {
				byName[n.Name] = n
			}
		}
		return byName
	}
	var known *relationSet
	isKnown := func(name string) bool {
		if known == nil {
			known = newRelationSet(in.KnownRelations)
			for _, n := range in.Nodes {
				if n.Relation != "" {
					known.add(n.Relation)
				}
			}
			for _, o := range in.Others {
				if o.Relation != "" {
					known.add(o.Relation)
				}
			}
		}
		return known.has(name)
	}
	var out []Finding
	for _, n := range in.Nodes {
		m, sm := proj.Models[n.Name], strict.Models[n.Name]
		if !n.Check || m == nil {
			continue
		}
		native := nativeParser(n.Dialect)
		if !native {
			if f, ok := unparsed(n, m); ok {
				out = append(out, f)
				continue
			}
		}
		seen := map[problemKey]bool{}
		for i, list := range [][]lineage.Problem{m.Problems, sm.Problems} {
			for _, p := range list {
				if seen[keyOf(p)] || p.Kind == lineage.UnknownRelation && (systemRelation(p.Name) || filePath(p.Name) || isKnown(p.Name)) {
					continue
				}
				seen[keyOf(p)] = true
				f := finding(n, p, names())
				// A relation the project does not know may still exist in
				// the warehouse (made by a hook or another tool): without
				// querying it, that is a warning, not an error.
				if i == 1 || p.Kind == lineage.UnknownRelation {
					f.Severity = "warning"
				}
				if !native {
					// DuckDB's parser read this SQL, but the warehouse
					// resolves names and types by its own rules: a
					// warning it has the last word on.
					f.Severity = "warning"
					f.Hint = strings.TrimSpace(f.Hint + " (" + dialectCaveat(n.Dialect) + ")")
				}
				out = append(out, f)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return out, nil
}

type problemKey struct {
	kind lineage.ProblemKind
	pos  int
	name string
}

func keyOf(p lineage.Problem) problemKey { return problemKey{p.Kind, p.Pos, p.Name} }

func finding(n *Node, p lineage.Problem, byName map[string]*Node) Finding {
	f := Finding{Kind: p.Kind, Severity: "error", Node: n.Name, File: n.File, Message: p.Message}
	pos := mapPosition(n.RawSQL, n.SQL, p.Pos)
	f.Line, f.Column = pos.Line, pos.Column
	if f.Line > 0 {
		f.Line += n.RawLine
	}
	last := p.Name
	if i := strings.LastIndexByte(last, '.'); i >= 0 {
		last = last[i+1:]
	}
	switch p.Kind {
	case lineage.UnknownColumn:
		cands := append([]string(nil), p.Candidates...)
		sort.Strings(cands)
		if c := textdist.Closest(strings.ToLower(last), lowerAll(cands)); c != "" {
			f.Hint = "did you mean " + originalCase(c, cands) + "?"
		}
		if up := byName[p.Node]; up != nil {
			why := fmt.Sprintf("%s %s does not output %s", up.Kind, up.Name, last)
			switch {
			case up.Kind == "model" || up.Kind == "snapshot":
				why += "; was it removed or renamed there? Read a column it has, or add it back upstream"
			case up.DeclaredColumns:
				why += "; if the table has it, declare it under the source's columns in " + up.File
			}
			if f.Hint != "" {
				f.Hint += " (" + why + ")"
			} else {
				f.Hint = why
			}
		}
		if f.Hint == "" && len(cands) > 0 {
			f.Hint = "columns in scope: " + strings.Join(dedupe(cands), ", ")
		}
	case lineage.AmbiguousColumn:
		f.Hint = "qualify it with the relation it comes from, e.g. " + firstOr(p.Candidates, "t") + "." + last
	case lineage.UnknownRelation:
		f.Hint = "read it with {{ ref('...') }} or {{ source('...', '...') }} so elt knows it and builds in order"
		if up := byName[strings.ToLower(last)]; up != nil {
			switch up.Kind {
			case "model", "seed", "snapshot":
				f.Hint = fmt.Sprintf("did you mean {{ ref('%s') }}?", up.Name)
			}
		} else if c := closestNode(last, byName); c != "" {
			f.Hint = fmt.Sprintf("did you mean {{ ref('%s') }}?", c)
		}
	case lineage.TypeMismatch:
		f.Hint = "cast one side, e.g. cast(... as varchar), or compare with a value of the column's type"
	}
	return f
}

func closestNode(name string, byName map[string]*Node) string {
	var cands []string
	for n, node := range byName {
		if node.Kind == "model" || node.Kind == "seed" || node.Kind == "snapshot" {
			cands = append(cands, n)
		}
	}
	sort.Strings(cands)
	return textdist.Closest(strings.ToLower(name), cands)
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}

func lowerAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.ToLower(v)
	}
	return out
}

func originalCase(lower string, cands []string) string {
	for _, c := range cands {
		if strings.ToLower(c) == lower {
			return c
		}
	}
	return lower
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[strings.ToLower(v)] {
			seen[strings.ToLower(v)] = true
			out = append(out, v)
		}
	}
	return out
}

// Unchecked is the kind of the warning for a model whose SQL could not be
// checked at all: its dialect's SQL is read with DuckDB's parser, which
// could not read it.
const Unchecked lineage.ProblemKind = "unchecked"

// unparsed is the warning for a model of a dialect without a parser of
// its own (Snowflake, BigQuery) whose SQL DuckDB's parser could not read:
// none of the checks ran on it. It is placed where the parser stopped.
func unparsed(n *Node, m *lineage.Model) (Finding, bool) {
	for _, w := range m.Warnings {
		if w.Construct != "parse error" && w.Construct != "dialect" {
			continue
		}
		f := Finding{Kind: Unchecked, Severity: "warning", Node: n.Name, File: n.File,
			Message: fmt.Sprintf("%s SQL not checked: %s", n.Dialect, strings.TrimSuffix(w.Message, "; table-level lineage only")),
			Hint:    "elt reads " + n.Dialect + " SQL with DuckDB's parser; where it cannot, unknown columns, relations and type mismatches are left to the warehouse to report"}
		pos := diag.Pos{Line: 1, Column: 1}
		if w.Pos >= 0 {
			if p := mapPosition(n.RawSQL, n.SQL, w.Pos); p.Line > 0 {
				pos = p
			}
		}
		f.Line, f.Column = pos.Line, pos.Column
		if f.Line > 0 {
			f.Line += n.RawLine
		}
		return f, true
	}
	return Finding{}, false
}

// dialectCaveat says why a finding in a dialect without a parser of its
// own is only a warning.
func dialectCaveat(dialect string) string {
	return dialect + " SQL is read with DuckDB's parser and " + dialect + " resolves names and types by its own rules, so this is a warning"
}

// nativeParser reports whether the dialect's SQL is parsed by its own
// parser. Other dialects (Snowflake, BigQuery) are read with DuckDB's:
// their findings are warnings, and a model DuckDB cannot read gets an
// Unchecked warning.
func nativeParser(dialect string) bool {
	switch dialect {
	case "duckdb", "postgres", "redshift":
		return true
	}
	return false
}

// filePath is a file DuckDB reads by its path in FROM ('data/x.csv',
// 's3://b/x.parquet'): an external source, or a file read on purpose.
func filePath(name string) bool {
	if strings.ContainsAny(name, "/\\") {
		return true
	}
	for _, ext := range []string{".csv", ".tsv", ".parquet", ".json", ".jsonl", ".ndjson", ".gz", ".zst", ".xlsx"} {
		if strings.HasSuffix(strings.ToLower(name), ext) {
			return true
		}
	}
	return false
}

// systemRelation is a catalog relation every warehouse has.
func systemRelation(name string) bool {
	parts := splitName(name)
	for _, p := range parts {
		switch p {
		case "information_schema", "pg_catalog":
			return true
		}
	}
	last := parts[len(parts)-1]
	return strings.HasPrefix(last, "duckdb_") || strings.HasPrefix(last, "pg_")
}

// relationSet matches relation names by their trailing parts, the way SQL
// resolves a partly qualified name.
type relationSet struct{ names [][]string }

func newRelationSet(names []string) *relationSet {
	s := &relationSet{}
	for _, n := range names {
		s.add(n)
	}
	return s
}

func (s *relationSet) add(name string) { s.names = append(s.names, splitName(name)) }

func (s *relationSet) has(name string) bool {
	want := splitName(name)
	for _, parts := range s.names {
		if len(parts) < len(want) {
			continue
		}
		tail := parts[len(parts)-len(want):]
		same := true
		for i := range want {
			same = same && tail[i] == want[i]
		}
		if same {
			return true
		}
	}
	return false
}

// splitName splits "db"."schema"."name" or db.schema.name into lower-case parts.
func splitName(s string) []string {
	var parts []string
	var b strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'' && !quoted:
			// a quoted file path, as an external source renders
		case c == '"' || c == '`':
			quoted = !quoted
		case c == '.' && !quoted:
			parts = append(parts, strings.ToLower(b.String()))
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	return append(parts, strings.ToLower(b.String()))
}
