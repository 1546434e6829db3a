package lineage

import (
	"fmt"
	"sort"
	"strings"

	"github.com/elt-dev/elt/internal/digest"
)

// Reuse keeps the models BuildReusing resolved, for a later build of the
// same project (the static checks keep them in target/ between commands).
type Reuse interface {
	// Previous is the result stored for the node by an earlier build, nil
	// when there is none. own is the digest of the node's definition now:
	// a result whose Own differs is of no use, and a store that keeps the
	// digests apart from the results may answer nil without reading them.
	// BuildReusing checks that what it returns still holds.
	Previous(n *Node, own Digest) *Result
	// Store records the node's result in this build, new or reused.
	Store(n *Node, r *Result)
}

// Result is a model as a later BuildReusing needs it to skip the model:
// what it was resolved from and what it resolved to.
type Result struct {
	// Own is the digest of the model's own definition (name, dialect,
	// SQL, extra columns, the names of its inputs); Inputs the digest of
	// what its inputs resolved to when it was resolved (their relations,
	// columns and column types, and whether any types were known).
	Own, Inputs Digest
	// Model is the resolved model without column edges.
	Model *Model
	// Types are the model's column types, one per column ("" when unknown).
	Types []string
}

// Digest is a digest.Key in a Result. It is stored (by gob, in the check
// cache) as one byte string: gob writes a byte array element by element.
type Digest digest.Key

// MarshalBinary returns the sum's bytes.
func (d Digest) MarshalBinary() ([]byte, error) { return d[:], nil }

// UnmarshalBinary sets the sum from its bytes.
func (d *Digest) UnmarshalBinary(b []byte) error {
	if len(b) != len(d) {
		return fmt.Errorf("lineage: a digest of %d bytes, want %d", len(b), len(d))
	}
	copy(d[:], b)
	return nil
}

// ownDigest is the digest of what a model's resolve depends on in the
// model itself.
func ownDigest(n *Node, buf *digest.Buf) Digest {
	b := (*buf)[:0]
	b.Str(n.Name, n.Dialect, n.SQL)
	// Its own relation, where the SQL may name it: a read of it is no
	// upstream.
	b.Str(mentionedSelf(n))
	b.List(n.ExtraColumns)
	b.List(n.DependsOn)
	// A model's own types, if it is given any, are its columns' types
	// before what it copies from upstream.
	b.List(givenTypes(n))
	*buf = b
	return Digest(digest.Sum(b))
}

// inputsDigest is the digest of what a model's resolve reads of its
// inputs, which are resolved already: how the SQL names each, its columns
// and its column types (types propagate through copied columns, and type
// mismatches depend on them).
func (p *Project) inputsDigest(n *Node, typed bool, buf *digest.Buf) Digest {
	b := (*buf)[:0]
	b.Flag(typed)
	for _, dep := range n.DependsOn {
		d := p.Nodes[dep]
		b.Str(d.Name, d.Relation)
		b.Flag(d.Ephemeral)
		b.List(p.columns(d))
		b.List(p.nodeTypes(d))
	}
	*buf = b
	return Digest(digest.Sum(b))
}

// nodeTypes are a node's known column types as column, type pairs: a
// seed's or source's as given, a model's per output column.
func (p *Project) nodeTypes(d *Node) []string {
	if d.SQL == "" {
		return givenTypes(d)
	}
	var out []string
	m := p.Models[d.Name]
	if m == nil {
		return nil
	}
	for _, c := range m.Columns {
		out = append(out, c.Name, p.ColumnType(d.Name, c.Name))
	}
	return out
}

// givenTypes are the types the caller gave a node, as column, type pairs.
func givenTypes(n *Node) []string {
	keys := make([]string, 0, len(n.Types))
	for c, t := range n.Types {
		if t != "" {
			keys = append(keys, c)
		}
	}
	sort.Strings(keys)
	out := make([]string, 0, 2*len(keys))
	for _, c := range keys {
		out = append(out, c, n.Types[c])
	}
	return out
}

// result is what a resolved model leaves for a later build.
func (p *Project) result(n *Node, m *Model, own, inputs Digest) *Result {
	// m's columns carry no edges any more (BuildReusing drops them before
	// storing a result): the result shares them, one list per model.
	kept := *m
	types := make([]string, len(m.Columns))
	for i, c := range m.Columns {
		types[i] = p.ColumnType(n.Name, c.Name)
	}
	return &Result{Own: own, Inputs: inputs, Model: &kept, Types: types}
}

// install puts a reused model into the project, as resolving it would.
func (p *Project) install(n *Node, r *Result) {
	m := *r.Model
	p.Models[n.Name] = &m
	for i, c := range m.Columns {
		if i < len(r.Types) && r.Types[i] != "" {
			p.types[colKey{lowerName(n.Name), lowerName(c.Name)}] = r.Types[i]
		}
	}
	for _, u := range m.Upstream {
		p.readers[u] = append(p.readers[u], n.Name)
	}
}

// mentionedSelf is n's own relation when its SQL holds the relation's
// name (in any case, as a whole word), else "": only then can Input.Self
// change what the SQL resolves to.
func mentionedSelf(n *Node) string {
	if n.Ephemeral || n.Relation == "" {
		return ""
	}
	parts := splitRelation(n.Relation)
	if len(parts) == 0 {
		return ""
	}
	name := parts[len(parts)-1]
	sql := n.SQL
	for i := 0; i+len(name) <= len(sql); i++ {
		if strings.EqualFold(sql[i:i+len(name)], name) &&
			(i == 0 || !identByte(sql[i-1])) && (i+len(name) == len(sql) || !identByte(sql[i+len(name)])) {
			return n.Relation
		}
	}
	return ""
}

// identByte says whether c may continue an unquoted identifier.
func identByte(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
