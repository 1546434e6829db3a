package docs

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"
	"unsafe"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/internal/digest"
	"github.com/elt-dev/elt/project"
)

// keyWriter serializes what a manifest entry is made of into one byte
// string whose digest.Sum is the entry's key in the manifest cache: equal keys
// mean equal JSON. Every value is written with its type and length, so two
// different inputs never serialize alike.
type keyWriter struct {
	buf digest.Buf
	// ok turns false at a value the writer cannot serialize exactly (a
	// type it does not know): the entry is then encoded afresh every time.
	ok bool
	// compiledFrom is where nodeKey began writing what compiling adds.
	compiledFrom int
	// shared holds what sharedMap wrote for each config map it met, by
	// the map's identity (see sharedMap).
	shared map[unsafe.Pointer][]byte
}

func (w *keyWriter) reset() { w.buf, w.ok = w.buf[:0], true }

func (w *keyWriter) sum() digest.Key { return digest.Sum(w.buf) }

func (w *keyWriter) tag(c byte) { w.buf = append(w.buf, c) }

func (w *keyWriter) uint(u uint64) { w.buf = binary.AppendUvarint(w.buf, u) }

func (w *keyWriter) int(i int64) { w.buf = binary.AppendVarint(w.buf, i) }

func (w *keyWriter) str(s string) { w.buf.Str(s) }

func (w *keyWriter) bool(b bool) { w.buf.Flag(b) }

// strs writes a list of strings; nil and empty are told apart.
func (w *keyWriter) strs(l []string) { w.buf.List(l) }

func (w *keyWriter) strPtr(p *string) {
	if p == nil {
		w.tag('-')
		return
	}
	w.tag('p')
	w.str(*p)
}

func (w *keyWriter) boolPtr(p *bool) {
	if p == nil {
		w.tag('-')
		return
	}
	w.tag('p')
	w.bool(*p)
}

// value writes a YAML-decoded or config value: the types encoding/json
// writes by their content alone, maps in key order. Anything else makes
// the entry uncacheable.
func (w *keyWriter) value(v any) {
	if !w.ok {
		return
	}
	switch t := v.(type) {
	case nil:
		w.tag('n')
	case string:
		w.tag('s')
		w.str(t)
	case bool:
		w.tag('b')
		w.bool(t)
	case int:
		w.tag('i')
		w.int(int64(t))
	case int64:
		w.tag('I')
		w.int(t)
	case int32:
		w.tag('j')
		w.int(int64(t))
	case uint64:
		w.tag('u')
		w.uint(t)
	case float64:
		w.tag('f')
		w.uint(math.Float64bits(t))
	case float32:
		w.tag('F')
		w.uint(uint64(math.Float32bits(t)))
	case []any:
		if t == nil {
			w.tag('-')
			return
		}
		w.tag('l')
		w.uint(uint64(len(t)))
		for _, e := range t {
			w.value(e)
		}
	case []string:
		w.tag('S')
		w.strs(t)
	case map[string]any:
		w.tag('m')
		w.stringMap(t)
	case project.Config:
		w.tag('c')
		w.stringMap(t)
	case map[string]string:
		w.tag('M')
		w.uint(uint64(len(t)))
		for _, k := range keysSorted(t) {
			w.str(k)
			w.str(t[k])
		}
	case Hook:
		w.tag('h')
		w.hook(t)
	case []Hook:
		w.tag('H')
		w.uint(uint64(len(t)))
		for _, h := range t {
			w.hook(h)
		}
	case time.Time:
		// encoding/json writes it by MarshalJSON, below; named here so the
		// common case skips the interface check.
		w.marshaler(t)
	case json.Marshaler:
		w.marshaler(t)
	default:
		// map[any]any among others: its keys become strings by fmt.Sprint,
		// and two keys may become one. Not worth a key of its own.
		w.ok = false
	}
}

func (w *keyWriter) marshaler(m json.Marshaler) {
	b, err := m.MarshalJSON()
	if err != nil {
		w.ok = false
		return
	}
	w.tag('J')
	w.str(fmt.Sprintf("%T", m))
	w.str(string(b))
}

func (w *keyWriter) hook(h Hook) {
	w.str(h.SQL)
	w.bool(h.Transaction)
	if h.Index == nil {
		w.tag('-')
	} else {
		w.int(int64(*h.Index))
	}
}

func (w *keyWriter) stringMap(m map[string]any) {
	if m == nil {
		w.tag('-')
		return
	}
	w.uint(uint64(len(m)))
	// Sorted on the stack: most maps here are a config's few keys.
	var arr [40]string
	keys := arr[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		w.str(k)
		w.value(m[k])
	}
}

// maxShared bounds the maps a keyWriter remembers.
const maxShared = 4096

// sharedMap writes m as stringMap does. The compiler gives the nodes whose
// configs are equal one config map (a folder's models, say), which is not
// changed while the manifest is built: the bytes written for a map are
// remembered by its identity and copied for every other node that holds
// it, instead of its keys being sorted and written again.
func (w *keyWriter) sharedMap(m map[string]any) {
	if len(m) < 4 {
		w.stringMap(m)
		return
	}
	id := mapID(m)
	if b, ok := w.shared[id]; ok {
		w.buf = append(w.buf, b...)
		return
	}
	start := len(w.buf)
	w.stringMap(m)
	if w.ok && len(w.shared) < maxShared {
		if w.shared == nil {
			w.shared = map[unsafe.Pointer][]byte{}
		}
		w.shared[id] = slices.Clone(w.buf[start:])
	}
}

func keysSorted[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// contextKey is what every cached entry depends on besides its own node:
// the cache's format, elt's build (its encoder and builder), and what the
// builder reads from the project and target for every node. A change to
// any of it drops the whole cache.
func (b *builder) contextKey(build string) digest.Key {
	w := &keyWriter{ok: true}
	w.str("elt manifest cache 1")
	w.str(build)
	w.str(ManifestSchemaURL)
	w.str(b.root)
	w.str(b.targetPath())
	w.bool(b.target != nil)
	if b.target != nil {
		w.str(b.target.Schema)
		w.str(b.target.Database)
	}
	if p := b.m.Project; p != nil {
		// pkgRel's packages, in the order it searches them.
		w.uint(uint64(len(p.Packages)))
		for _, pkg := range p.Packages {
			w.str(pkg.Name)
			w.str(pkg.Dir)
		}
	}
	return w.sum()
}

// nodeKey writes everything builder.node reads for n except created_at,
// which the cache splices in: every field of compiler.Node and of its
// project.Node (TestNodeKeyCoversEveryField keeps it so), and what the
// builder looks up elsewhere for n. A field added to either struct must be
// added here; one the builder does not read is still written, which costs
// a miss when it changes, never a stale entry.
func (b *builder) nodeKey(w *keyWriter, n *compiler.Node) {
	w.reset()
	p := &n.Node
	w.str(p.UniqueID)
	w.str(string(p.ResourceType))
	w.str(p.Name)
	w.str(p.Package)
	w.str(p.PackageDir)
	w.str(p.Path)
	w.str(p.OriginalFilePath)
	w.strs(p.FQN)
	w.str(p.RawCode)
	w.int(int64(p.RawCodeOffset))
	w.int(int64(p.RawCodeLine))
	w.int(int64(p.RawCodeColumn))
	w.str(p.Language)
	w.tag('C')
	w.sharedMap(p.Config)
	w.tag('U')
	w.sharedMap(p.UnrenderedConfig)
	w.tag('R')
	w.sharedMap(p.RootConfig)
	w.tag('r')
	w.sharedMap(p.RootUnrendered)
	w.str(p.Description)
	w.strs(p.DocBlocks)
	w.strs(n.PrimaryKey)
	if g, ok := b.testGroup(n); ok {
		w.tag('g')
		w.strPtr(g)
	}
	w.columns(p.Columns)
	w.stringMap(p.Meta)
	w.stringMap(p.Docs)
	w.str(p.PatchPath)
	w.int(int64(p.PatchPos.Line))
	w.int(int64(p.PatchPos.Column))
	w.bool(p.PropsEnable)
	w.str(p.Checksum)
	w.str(p.ChecksumName)
	if p.SeedColumnTypes == nil {
		w.tag('-')
	} else {
		w.value(p.SeedColumnTypes)
	}
	w.value(p.Constraints)
	w.value(p.Version)
	w.value(p.LatestVersion)
	w.str(p.VersionString)
	w.str(p.DeprecationDate)
	if ts := p.TimeSpine; ts == nil {
		w.tag('-')
	} else {
		w.tag('t')
		// Where time_spine: is written reaches no JSON, but the key
		// holds every field (TestNodeKeyCoversEveryField).
		w.int(int64(ts.Pos.Line))
		w.int(int64(ts.Pos.Column))
		w.str(ts.StandardGranularityColumn)
		w.uint(uint64(len(ts.CustomGranularities)))
		for _, cg := range ts.CustomGranularities {
			w.str(cg.Name)
			w.str(cg.ColumnName)
		}
	}
	if h := p.RunHook; h == nil {
		w.tag('-')
	} else {
		w.tag('h')
		w.str(h.Type)
		w.int(int64(h.Index))
	}
	w.int(int64(n.RunIndex))

	w.str(n.Relation.Database)
	w.str(n.Relation.Schema)
	w.str(n.Relation.Identifier)
	w.str(n.RelationName)
	w.uint(uint64(len(n.Refs)))
	for _, r := range n.Refs {
		w.str(r.Package)
		w.str(r.Name)
		w.str(r.Version)
		w.bool(r.VersionText)
	}
	w.uint(uint64(len(n.SourceRefs)))
	for _, s := range n.SourceRefs {
		w.str(s[0])
		w.str(s[1])
	}
	w.uint(uint64(len(n.MetricRefs)))
	for _, c := range n.MetricRefs {
		w.strs(c)
	}
	w.strs(n.DependsOn.Nodes)
	w.strs(n.DependsOn.Macros)
	if tm := n.TestMetadata; tm == nil {
		w.tag('-')
	} else {
		w.tag('t')
		w.str(tm.Name)
		w.str(tm.Namespace)
		w.stringMap(tm.Kwargs)
	}
	w.str(n.ColumnName)
	w.str(n.AttachedNode)
	w.str(n.ShortName)
	w.bool(n.Introspected)

	// What the builder finds elsewhere for n: the name under which a
	// generic test's attached node is declared (file_key_name), and the
	// patch path relative to its package.
	if n.TestMetadata != nil && n.AttachedNode != "" {
		if s, ok := b.m.Sources[n.AttachedNode]; ok {
			w.tag('s')
			w.str(s.SourceName)
		} else if a, ok := b.m.Nodes[n.AttachedNode]; ok {
			w.tag('n')
			w.str(a.Name)
		} else {
			w.tag('-')
		}
	} else {
		w.tag('-')
	}
	w.str(b.pkgRel(n.Package, n.PatchPath))

	// What compiling adds comes last, so that the key of the node as it
	// was before compiling (uncompiledSum) shares everything else.
	w.compiledFrom = len(w.buf)
	if n.ResourceType == project.Seed {
		// builder.node writes a seed without compiled keys: whether it
		// was compiled changes nothing.
		return
	}
	w.str(n.CompiledCode)
	w.uint(uint64(len(n.ExtraCTEs)))
	for _, c := range n.ExtraCTEs {
		w.str(c.ID)
		w.str(c.SQL)
	}
	w.bool(n.Compiled)
	// A compiled model's foreign keys' to: are relations (foreignKeyTo;
	// written whether or not compiled: a stale map only misses the cache).
	fkTo := n.ForeignKeyTo
	tos := make([]string, 0, len(fkTo))
	for to := range fkTo {
		tos = append(tos, to)
	}
	sort.Strings(tos)
	w.uint(uint64(len(tos)))
	for _, to := range tos {
		w.str(to)
		w.str(fkTo[to])
	}
}

// uncompiledSum is, after nodeKey of a compiled node, the key the same
// node has when it is not compiled (Compiled false, no compiled code, no
// CTEs): what compile -s makes of every node it does not select. The
// writer's JSON for it is the compiled node's with the compiled keys
// replaced (see uncompiledJSON). It overwrites the buffer.
func (w *keyWriter) uncompiledSum() digest.Key {
	w.buf = w.buf[:w.compiledFrom]
	w.str("")
	w.uint(0)
	w.bool(false)
	w.uint(0) // no foreign key to: rewritten
	return w.sum()
}

func (w *keyWriter) columns(cols []*project.Column) {
	if cols == nil {
		w.tag('-')
		return
	}
	w.uint(uint64(len(cols)))
	for _, c := range cols {
		w.str(c.Name)
		w.str(c.Description)
		w.str(c.DataType)
		w.stringMap(c.Meta)
		w.strs(c.Tags)
		w.boolPtr(c.Quote)
		w.value(c.Constraints)
		w.stringMap(c.Quality)
		w.str(c.Granularity)
		w.stringMap(c.ConfigMeta)
		w.strs(c.ConfigTags)
		w.strs(c.DocBlocks)
	}
}
