package docs

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"sync/atomic"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/internal/digest"
	"github.com/elt-dev/elt/internal/targetfs"
	"github.com/elt-dev/elt/internal/trailer"
	"github.com/elt-dev/elt/project"
)

// ManifestCache says where the manifest cache is and which build of elt
// may use it. The cache is an index of the manifest an earlier invocation
// wrote: for each node, a digest of everything its JSON is made of and
// where that JSON lies in the file. A node whose digest is unchanged is
// copied from the old file as it is there, by the kernel where it can,
// instead of being built and encoded again. Such a node keeps its
// created_at, as dbt's partial parsing keeps it for a node it does not
// parse again; otherwise the output is byte for byte a fresh encode's.
type ManifestCache struct {
	// Build names elt's version and build: an index written by another
	// build (another encoder, another builder) is not used.
	Build string
	// Index is the index file's name in the target directory.
	Index string
	// Spare names the file the manifest is written into and then
	// exchanged with (targetfs.WriteSwap), the previous manifest becoming
	// the next write's spare; "" is the index's name with ".spare".
	Spare string
	// Keep names a second spare; "" is the index's name with ".keep". A
	// write that leaves compiled nodes uncompiled (compile -s after a
	// compile) swaps its manifest with the compiled one as usual, which
	// becomes the spare; the index then says where each such node's
	// compiled JSON lies in the spare, and until a write needs none of it,
	// the writes go to Keep instead, so that a later compile of every node
	// copies that JSON rather than encoding it again.
	Keep string
}

func (c ManifestCache) spare() string {
	if c.Spare != "" {
		return c.Spare
	}
	return c.Index + ".spare"
}

func (c ManifestCache) keep() string {
	if c.Keep != "" {
		return c.Keep
	}
	return c.Index + ".keep"
}

// ManifestCacheStats says what one cached write did.
type ManifestCacheStats struct {
	Reused  int // nodes copied from the earlier manifest
	Encoded int // nodes built and encoded
	// Copies is how many ranges of the earlier manifest were copied into
	// the new one by the writer (runs of reused nodes); reused nodes
	// written otherwise were read and written.
	Copies int
	// Kept is how many of the reused nodes were copied from the compiled
	// manifest kept in the spare (ManifestCache.Keep).
	Kept int
	// Dropped says why no entry of the earlier manifest could be used
	// ("" when the index was read).
	Dropped string
	// IndexError is why the index of this manifest could not be written;
	// the manifest was.
	IndexError error
}

// WriteManifestCached is WriteManifest reusing the JSON of nodes that did
// not change since the manifest the index describes, and leaving an index
// of this manifest for the next write. A missing, damaged or foreign
// index, or a manifest file changed since, costs a full encode, never a
// wrong manifest.
func WriteManifestCached(dir *targetfs.Dir, name string, m *compiler.Manifest, meta Metadata, c ManifestCache) (ManifestCacheStats, error) {
	b := newBuilder(m, meta)
	r := &nodeReuse{b: b, context: b.contextKey(c.Build)}
	r.stats.Dropped = r.openOld(dir, name, c.Index)
	if r.old != nil {
		defer r.old.Close()
	}
	into := c.spare()
	if r.openKept(dir, c.spare()) {
		// The spare holds compiled JSON the index points at: held open
		// (WriteSwap leaves a file held for reading alone) and not
		// written into.
		defer r.kept.Close()
		into = c.keep()
	}
	out := b.build(r)
	out.cache = r
	info, err := dir.WriteSwap(name, into, out.writeTo)
	if err != nil {
		return r.statsNow(), fmt.Errorf("docs: write manifest %s: %w", name, err)
	}
	r.manifestSize, r.manifestTime = info.Size(), info.ModTime().UnixNano()
	st := r.statsNow()
	if err := dir.WriteAtomic(c.Index, r.writeIndex); err != nil {
		// The manifest is written; without a new index the next write
		// finds the old one, whose entries no longer match, and encodes.
		st.IndexError = fmt.Errorf("docs: write manifest cache %s: %w", c.Index, err)
	}
	return st, nil
}

// indexMagic starts an index file; the digit is the layout's version.
const indexMagic = "elt manifest index 6\n"

// keySize is the length of a key in the index.
const keySize = len(digest.Key{})

// nodeReuse is one cached write's state: the earlier manifest and its
// index, then this write's index entries.
type nodeReuse struct {
	context digest.Key
	// manifestSize and manifestTime (its modification time, in
	// nanoseconds) are the manifest written, for the index: a manifest
	// changed since is not the one it indexes.
	manifestSize, manifestTime int64
	copies                     int
	b                          *builder
	old                        *os.File // the earlier manifest
	oldSize                    int64
	entries                    indexEntries
	reused                     atomic.Int64
	encoded                    atomic.Int64
	keptReused                 atomic.Int64
	stats                      ManifestCacheStats
	// written are this write's entries, in the order of the nodes map's
	// sorted keys; ids are those keys.
	ids     []string
	written []indexEntry
	// kept is the spare holding compiled JSON this write's index entries
	// point at (keptID), open; nil when there is none or it changed.
	// oldTime is the earlier manifest's modification time, in
	// nanoseconds: the spare's identity once this write swapped them.
	kept     *os.File
	keptSize int64
	keptID   fileID
	oldTime  int64
	// writtenKept are, by written entry, where the node's compiled JSON
	// lies in the spare, or nil: carried over from the earlier index
	// while the same spare is kept, or the earlier manifest's entry of a
	// node this write leaves uncompiled, when it starts keeping.
	writtenKept []*indexEntry
}

// fileID is a file's size and modification time, in nanoseconds.
type fileID struct{ size, mtime int64 }

// indexEntry is one node in the index: its key and where its JSON lies
// in the manifest.
type indexEntry struct {
	key    digest.Key
	off, n int
	ok     bool // written: the entry is indexed
	// A compiled node's entry also serves the node uncompiled: under
	// uncompiled, its JSON with the keys at seg replaced by uncompiledJSON.
	hasUncompiled bool
	uncompiled    digest.Key
	seg           [2]int
}

// valid reports whether the entry's positions fit together.
func (e *indexEntry) valid(size int64) bool {
	if e.off < 0 || e.n < 0 || int64(e.off)+int64(e.n) > size {
		return false
	}
	return !e.hasUncompiled || (0 <= e.seg[0] && e.seg[0] <= e.seg[1] && e.seg[1] <= e.n)
}

// indexEntries are an index's entries in unique id order, as written:
// looked up by binary search, without building a map of them. kept, when
// not nil, says for each entry where its node's compiled JSON lies in the
// spare whose identity is keptID (or nil).
type indexEntries struct {
	ids     []string
	entries []indexEntry
	kept    []*indexEntry
	keptID  fileID
}

// find returns id's entry. at is where the last id looked up was found
// (-1: none): ids looked up in ascending order are mostly each the next
// one, found without a search.
func (x indexEntries) find(id string, at *int) (*indexEntry, bool) {
	i := *at + 1
	if i <= 0 || i >= len(x.ids) || x.ids[i] != id {
		var ok bool
		if i, ok = slices.BinarySearch(x.ids, id); !ok {
			return nil, false
		}
	}
	*at = i
	return &x.entries[i], true
}

// cachedNode is a node of a manifest written with the cache: a node to
// build and encode, or the place of its earlier JSON, read when it is
// written. A node to encode is built in its chunk of the write, so only
// the chunks in flight hold built nodes. A write's cachedNodes are one
// slice (made by builder.build), and each points at its earlier entry
// rather than holding a copy: at 100,000 models they held 54 MB, one
// 256-byte allocation each, while the manifest was written beside the
// checks.
type cachedNode struct {
	encode bool
	node   *compiler.Node
	old    *indexEntry // in nodeReuse.entries; unless encode
	// uncompile: old is the node compiled, to be written uncompiled.
	uncompile bool
	key       digest.Key
	keyed     bool // key is every input of the node's JSON
	// uncompiled is the key of the node uncompiled, when it is compiled.
	hasUncompiled bool
	uncompiled    digest.Key
	// kept is where the node's JSON lies in the kept spare, to be copied
	// from there; oldKept the earlier entry's compiled JSON in it.
	kept, oldKept *indexEntry
}

// Common is nil: the node is built only when it is written.
func (c *cachedNode) Common() *NodeBase { return nil }

func (r *nodeReuse) statsNow() ManifestCacheStats {
	st := r.stats
	st.Reused, st.Encoded, st.Copies, st.Kept = int(r.reused.Load()), int(r.encoded.Load()), r.copies, int(r.keptReused.Load())
	return st
}

// node returns n, as c, to be copied from the earlier manifest when its
// key is unchanged, else n built afresh.
func (r *nodeReuse) node(b *builder, kw *keyWriter, n *compiler.Node, at *int, c *cachedNode) Node {
	b.nodeKey(kw, n)
	*c = cachedNode{node: n, keyed: kw.ok}
	if kw.ok {
		c.key = kw.sum()
		// A compiled model whose foreign keys' to: became relations
		// differs from its uncompiled self outside the compiled keys.
		if n.Compiled && n.ResourceType != project.Seed && len(n.ForeignKeyTo) == 0 {
			c.hasUncompiled, c.uncompiled = true, kw.uncompiledSum()
		}
		if e, ok := r.entries.find(n.UniqueID, at); ok {
			var kept *indexEntry
			if r.kept != nil && r.entries.kept != nil {
				kept = r.entries.kept[*at]
			}
			switch {
			case e.key == c.key:
				c.old, c.oldKept = e, kept
				return c
			case e.hasUncompiled && e.uncompiled == c.key:
				c.old, c.uncompile = e, true
				return c
			case kept != nil && kept.key == c.key:
				c.kept = kept
				return c
			}
		}
	}
	c.encode = true
	r.encoded.Add(1)
	return c
}

// cachedNodes writes the nodes map of a cached write: each node copied
// from the earlier manifest, or encoded, in parallel chunks, and recorded
// for the next write's index. A run of nodes copied, which lay one after
// the other in the earlier manifest, is one copy.
func (s *jsonStream) cachedNodes(nodes map[string]Node, r *nodeReuse, order *keyOrder) {
	keys := sortedKeysBy(order, nodes)
	r.ids = keys
	r.written = make([]indexEntry, len(keys))
	if r.old != nil {
		r.writtenKept = make([]*indexEntry, len(keys))
	}
	s.old, s.kept = r.old, r.kept
	s.raw("{")
	s.parallelChunks(len(keys), func(c int, at int64) {
		for i := c * streamChunk; i < min(len(keys), (c+1)*streamChunk); i++ {
			r.written[i].off += int(at)
		}
	}, func(enc *json.Encoder, out *chunkOut, from, to int) error {
		buf := &out.buf
		cns := make([]*cachedNode, to-from)
		for i := range cns {
			cns[i], _ = nodes[keys[from+i]].(*cachedNode)
		}
		// A node written uncompiled is its earlier JSON in two pieces:
		// a chunk holding any is read whole, as two copies per node by
		// the kernel took longer than the nodes' bytes did.
		olds := r.readOld(cns, &out.scratch)
		var memo *shareMemo // made at the chunk's first node to encode
		for i := from; i < to; i++ {
			keyAt := buf.Len()
			entryKey(buf, i, keys[i])
			start := out.pos() // where the node's JSON begins, in the chunk
			e := &r.written[i]
			cn := cns[i-from]
			if cn == nil {
				if err := encodeTrimmed(enc, buf, nodes[keys[i]]); err != nil {
					return err
				}
				continue
			}
			if a := cn.kept; a != nil && a.valid(r.keptSize) {
				// Compiled JSON kept in the spare: copied from there,
				// with the key before it when it follows the last copy.
				if k := buf.Len() - keyAt; out.follows(true, keyAt, k, int64(a.off)) {
					buf.Truncate(keyAt)
					out.copyFrom(true, int64(a.off-k), int64(k))
				}
				out.copyFrom(true, int64(a.off), int64(a.n))
				e.hasUncompiled, e.uncompiled, e.seg = a.hasUncompiled, a.uncompiled, a.seg
				e.ok, e.key = true, cn.key
				e.off, e.n = int(start), int(out.pos()-start)
				r.reused.Add(1)
				r.keptReused.Add(1)
				continue
			}
			if o := cn.old; o != nil && o.valid(r.oldSize) && (olds == nil || olds[i-from] != nil) {
				switch {
				case olds != nil && cn.uncompile:
					old := olds[i-from]
					buf.Write(old[:o.seg[0]])
					buf.WriteString(uncompiledJSON)
					buf.Write(old[o.seg[1]:])
				case olds != nil:
					buf.Write(olds[i-from])
					if o.hasUncompiled {
						e.hasUncompiled, e.uncompiled, e.seg = true, o.uncompiled, o.seg
					}
				default:
					// A node that followed the last one copied in the
					// earlier manifest too: the key between them there is
					// this one, and the copy goes on through it.
					if k := buf.Len() - keyAt; out.follows(false, keyAt, k, int64(o.off)) {
						buf.Truncate(keyAt)
						out.copyOld(int64(o.off-k), int64(k))
					}
					out.copyOld(int64(o.off), int64(o.n))
					if o.hasUncompiled {
						e.hasUncompiled, e.uncompiled, e.seg = true, o.uncompiled, o.seg
					}
				}
				e.ok = true
				r.reused.Add(1)
				switch {
				case r.kept != nil:
					// Keeping the same spare: its entries carry over.
					r.writtenKept[i] = cn.oldKept
				case cn.uncompile:
					// Left uncompiled: its compiled JSON is the earlier
					// manifest's, the spare once this write swaps them.
					r.writtenKept[i] = o
				}
			} else {
				if !cn.encode {
					// Its place in the earlier manifest is not in the file.
					r.encoded.Add(1)
				}
				if memo == nil {
					memo = &shareMemo{}
				}
				bufStart := buf.Len()
				seg, err := encodeNodeShared(enc, buf, r.b.nodeShared(cn.node, memo), memo)
				if err != nil {
					return err
				}
				if cn.hasUncompiled && seg[0] >= 0 {
					// What a compiled node's entry serves uncompiled needs
					// its compiled keys' place.
					e.hasUncompiled, e.uncompiled = true, cn.uncompiled
					e.seg = [2]int{seg[0] - bufStart, seg[1] - bufStart}
				}
				e.ok = cn.keyed
			}
			e.key = cn.key
			e.off = int(start)
			e.n = int(out.pos() - start)
		}
		return nil
	})
	s.raw("}")
	s.old, s.kept = nil, nil
}

// readOld reads the earlier JSON of the nodes to be copied, when any of
// them is to be written uncompiled (else nil): one read of the span they
// lie in (they are in the same order there), or a read each when the span
// is much larger than they are. olds[i] is nil for a node to encode, or
// whose bytes could not be read.
func (r *nodeReuse) readOld(nodes []*cachedNode, scratch *[]byte) [][]byte {
	lo, hi, sum, uncompile := int64(-1), int64(0), int64(0), false
	for _, c := range nodes {
		if c == nil || c.encode || c.old == nil || !c.old.valid(r.oldSize) {
			continue
		}
		e := c.old
		uncompile = uncompile || c.uncompile
		if lo < 0 || int64(e.off) < lo {
			lo = int64(e.off)
		}
		hi = max(hi, int64(e.off+e.n))
		sum += int64(e.n)
	}
	if !uncompile {
		return nil
	}
	olds := make([][]byte, len(nodes))
	span := hi - lo
	whole := span <= 2*sum+1<<20
	if !whole {
		span = sum
	}
	if int64(cap(*scratch)) < span {
		*scratch = make([]byte, span)
	}
	buf := (*scratch)[:span]
	if whole {
		if _, err := r.old.ReadAt(buf, lo); err != nil {
			return olds
		}
	}
	at := int64(0)
	for i, c := range nodes {
		if c == nil || c.encode || c.old == nil || !c.old.valid(r.oldSize) {
			continue
		}
		e := c.old
		if whole {
			olds[i] = buf[int64(e.off)-lo : int64(e.off)-lo+int64(e.n)]
			continue
		}
		js := buf[at : at+int64(e.n)]
		at += int64(e.n)
		if _, err := r.old.ReadAt(js, int64(e.off)); err == nil {
			olds[i] = js
		}
	}
	return olds
}

// openOld reads the index and opens the manifest it describes; it
// returns why neither can be used, or "".
func (r *nodeReuse) openOld(dir *targetfs.Dir, name, index string) string {
	idx, err := dir.ReadFile(index)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "no index"
		}
		return err.Error()
	}
	size, mtime, entries, why := decodeIndex(idx, r.context)
	if why != "" {
		return why
	}
	r.oldTime = mtime
	old, err := dir.Open(name)
	if err != nil {
		return "manifest: " + err.Error()
	}
	if !targetfs.HoldForReading(old) {
		// Another process's manifest write took it as its spare.
		old.Close()
		return "the manifest is being rewritten"
	}
	fi, err := old.Stat()
	if err != nil || fi.Size() != int64(size) || fi.ModTime().UnixNano() != mtime || !fi.Mode().IsRegular() {
		old.Close()
		return "the manifest changed since the index was written"
	}
	r.old, r.oldSize, r.entries = old, fi.Size(), entries
	return ""
}

// openKept opens the spare when the index says it keeps compiled JSON and
// it is still the file the index describes; it reports whether it did.
func (r *nodeReuse) openKept(dir *targetfs.Dir, spare string) bool {
	if r.old == nil || r.entries.kept == nil {
		return false
	}
	f, err := dir.Open(spare)
	if err != nil {
		return false
	}
	if !targetfs.HoldForReading(f) {
		f.Close()
		return false
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || (fileID{fi.Size(), fi.ModTime().UnixNano()}) != r.entries.keptID {
		f.Close()
		return false
	}
	r.kept, r.keptSize, r.keptID = f, fi.Size(), r.entries.keptID
	return true
}

// writeIndex writes the index of the manifest just written.
func (r *nodeReuse) writeIndex(w io.Writer) error {
	n := 0
	for _, e := range r.written {
		if e.ok {
			n++
		}
	}
	// Written as it is encoded, a chunk at a time: built whole it grew,
	// a copy at a time, to 24 MB at 100,000 models (85 MB allocated), as
	// the manifest's write ended beside the checks and the compiled files.
	tw := trailer.NewWriter(w)
	buf := make([]byte, 0, indexChunk+256)
	buf = append(buf, indexMagic...)
	buf = append(buf, r.context[:]...)
	buf = binary.AppendUvarint(buf, uint64(r.manifestSize))
	buf = binary.LittleEndian.AppendUint64(buf, uint64(r.manifestTime))
	// The spare keeping compiled JSON: the one kept, or else the earlier
	// manifest, which this write swapped into the spare (if it did not,
	// the spare is another file, and the next write finds it so).
	kept := false
	for i, e := range r.written {
		kept = kept || e.ok && r.writtenKept != nil && r.writtenKept[i] != nil
	}
	if kept {
		id := r.keptID
		if r.kept == nil {
			id = fileID{r.oldSize, r.oldTime}
		}
		buf = append(buf, 1)
		buf = binary.AppendUvarint(buf, uint64(id.size))
		buf = binary.LittleEndian.AppendUint64(buf, uint64(id.mtime))
	} else {
		buf = append(buf, 0)
	}
	buf = binary.AppendUvarint(buf, uint64(n))
	for i, e := range r.written {
		if !e.ok {
			continue
		}
		buf = binary.AppendUvarint(buf, uint64(len(r.ids[i])))
		buf = append(buf, r.ids[i]...)
		buf = appendEntry(buf, &e)
		if kept {
			if k := r.writtenKept[i]; k != nil {
				buf = append(buf, 1)
				buf = appendEntry(buf, k)
			} else {
				buf = append(buf, 0)
			}
		}
		if len(buf) >= indexChunk {
			if _, err := tw.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	if _, err := tw.Write(buf); err != nil {
		return err
	}
	return tw.Seal()
}

// appendEntry appends e's key, place and uncompiled form to an index.
func appendEntry(buf []byte, e *indexEntry) []byte {
	buf = append(buf, e.key[:]...)
	buf = binary.AppendUvarint(buf, uint64(e.off))
	buf = binary.AppendUvarint(buf, uint64(e.n))
	if !e.hasUncompiled {
		return append(buf, 0)
	}
	buf = append(buf, 1)
	buf = append(buf, e.uncompiled[:]...)
	buf = binary.AppendUvarint(buf, uint64(e.seg[0]))
	return binary.AppendUvarint(buf, uint64(e.seg[1]))
}

// indexChunk is how much of the index writeIndex encodes before writing
// it: 1,500 writes at 100,000 models; the tests' 600 models write about
// 60 KB in four.
const indexChunk = 16 << 10

// decodeIndex reads an index written for context: the manifest's size,
// its modification time and the entries by unique id, or why it cannot be
// used.
func decodeIndex(idx []byte, context digest.Key) (size int, mtime int64, entries indexEntries, why string) {
	if len(idx) < len(indexMagic)+keySize+trailer.Size || string(idx[:len(indexMagic)]) != indexMagic {
		return 0, 0, entries, "not an index of this version"
	}
	body, sealed := trailer.OpenBytes(idx)
	if !sealed {
		return 0, 0, entries, "damaged index"
	}
	p := body[len(indexMagic):]
	if !bytes.Equal(p[:keySize], context[:]) {
		return 0, 0, entries, "elt's build, the target or the packages changed"
	}
	p = p[keySize:]
	damaged := func() (int, int64, indexEntries, string) { return 0, 0, indexEntries{}, "damaged index" }
	uv := func() (int, bool) {
		v, k := binary.Uvarint(p)
		if k <= 0 || v > 1<<50 {
			return 0, false
		}
		p = p[k:]
		return int(v), true
	}
	size, ok := uv()
	if !ok || len(p) < 8 {
		return damaged()
	}
	mtime = int64(binary.LittleEndian.Uint64(p))
	p = p[8:]
	if len(p) < 1 || p[0] > 1 {
		return damaged()
	}
	kept := p[0] == 1
	p = p[1:]
	if kept {
		ksize, ok := uv()
		if !ok || len(p) < 8 {
			return damaged()
		}
		entries.keptID = fileID{int64(ksize), int64(binary.LittleEndian.Uint64(p))}
		p = p[8:]
	}
	count, ok := uv()
	if !ok || count > len(p) {
		return damaged()
	}
	// The ids are strings of their own: the index is dropped once read.
	all := string(p)
	base := len(body) - len(p)
	entries.ids, entries.entries = make([]string, 0, count), make([]indexEntry, 0, count)
	var keptSlab []indexEntry // the kept entries, one allocation
	if kept {
		entries.kept = make([]*indexEntry, 0, count)
		keptSlab = make([]indexEntry, 0, count)
	}
	entry := func(e *indexEntry) bool {
		if len(p) < keySize {
			return false
		}
		copy(e.key[:], p[:keySize])
		p = p[keySize:]
		for _, v := range []*int{&e.off, &e.n} {
			if *v, ok = uv(); !ok {
				return false
			}
		}
		if len(p) < 1 {
			return false
		}
		has := p[0]
		p = p[1:]
		switch has {
		case 0:
		case 1:
			if len(p) < keySize {
				return false
			}
			e.hasUncompiled = true
			copy(e.uncompiled[:], p[:keySize])
			p = p[keySize:]
			for _, v := range []*int{&e.seg[0], &e.seg[1]} {
				if *v, ok = uv(); !ok {
					return false
				}
			}
		default:
			return false
		}
		return true
	}
	for range count {
		l, ok := uv()
		if !ok || l+keySize > len(p) {
			return damaged()
		}
		start := len(body) - len(p) - base
		id := all[start : start+l]
		p = p[l:]
		if n := len(entries.ids); n > 0 && entries.ids[n-1] >= id {
			return damaged() // written in order, each id once
		}
		var e indexEntry
		if !entry(&e) {
			return damaged()
		}
		if kept {
			if len(p) < 1 || p[0] > 1 {
				return damaged()
			}
			has := p[0] == 1
			p = p[1:]
			var k *indexEntry
			if has {
				keptSlab = append(keptSlab, indexEntry{}) // within its capacity: pointers stay
				k = &keptSlab[len(keptSlab)-1]
				if !entry(k) {
					return damaged()
				}
			}
			entries.kept = append(entries.kept, k)
		}
		entries.ids = append(entries.ids, id)
		entries.entries = append(entries.entries, e)
	}
	if len(p) != 0 {
		return damaged()
	}
	return size, mtime, entries, ""
}
