package project

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/mapfile"
	"github.com/elt-dev/elt/internal/targetfs"
	"github.com/elt-dev/elt/internal/trailer"
)

// FileCacheName is the file in the target directory where Load keeps what
// it read from each project file, for the next invocation (beside the
// render cache; dbt keeps partial_parse.msgpack there).
const FileCacheName = "elt_load_cache.bin"

// fileCacheMagic starts the stored cache; it changes whenever the layout
// does, or what its trees hold (5: plain scalars resolved as YAML 1.1; 6:
// seedSum holds the stripped checksum of any file). A
// file of another layout is ignored, and so is one whose trailer
// (internal/trailer) is not the checksum of its contents.
const fileCacheMagic = "elt-load-cache-6\n"

// racyMargin is how much older than the invocation that took a file's
// stat the file's modification time must be for the stat alone to vouch
// for its contents. A file changed again within the timestamp granularity
// of its file system after its stat was taken would keep the same stat; a
// file that recent is read and hashed again instead (as git does with
// "racily clean" index entries).
const racyMargin = 2 * time.Second

// FileCache keeps, for every project file Load read, what Load made of it:
// its contents, checksums and, for a properties YAML file, its parsed
// tree. An entry is reused while the file's stat (size, modification and
// change time, inode) is the one recorded, so a later Load opens none of
// the files that did not change and parses none of their YAML, as dbt's
// partial parsing does. What is kept depends on nothing but each file's
// bytes (YAML values are rendered after the cache), so a changed stat is
// the only thing that invalidates an entry; the key given to NewFileCache
// names elt's build, whose YAML parser produced the trees.
//
// A FileCache serves one Load.
type FileCache struct {
	key string

	// str is the stored cache, read into one string: every string
	// decoded from it (file contents, YAML values) is a part of it, not a
	// copy.
	str     string
	statAt  int64 // Unix nanoseconds when the stored stats were taken
	old     map[string]*fileEntry
	started int64 // when this Load started, for the next one's statAt

	mu   sync.Mutex
	next map[string]*fileEntry
	// changed says the stored cache is unusable (missing, damaged, of
	// another build): it is written whatever changed. lagFiles and
	// lagBytes count the files read because their stored entries no
	// longer vouch for them, and their sizes (lagging).
	changed            bool
	lagFiles, lagBytes int64

	reused, read, treesReused, treesParsed atomic.Int64
}

// FileCacheStats counts what a Load took from the cache and what it read.
type FileCacheStats struct {
	Reused, Read             int // files whose stat vouched for the stored contents, files read
	TreesReused, TreesParsed int // properties YAML files decoded from the cache, parsed
}

// Stats reports how much of the Load the cache saved.
func (c *FileCache) Stats() FileCacheStats {
	return FileCacheStats{
		Reused: int(c.reused.Load()), Read: int(c.read.Load()),
		TreesReused: int(c.treesReused.Load()), TreesParsed: int(c.treesParsed.Load()),
	}
}

// fileStat is what says a file did not change since it was read.
type fileStat struct {
	size, mtime, ctime int64
	ino, dev           uint64
}

// fileEntry is what is kept for one file, by path relative to the root.
type fileEntry struct {
	stat         fileStat
	sum, seedSum string
	// text is the contents when read from the stored cache, data when
	// read from the file.
	text string
	data []byte
	// tree is the encoded YAML tree (encodeYAML) when read from the
	// stored cache, newTree when encoded by this Load; both empty when
	// none is kept.
	tree    string
	newTree []byte
}

// NewFileCache returns an empty cache for one Load; key names elt's build.
// Load reads the stored cache from the target directory once it knows
// where that is, and writes it back when anything changed.
func NewFileCache(key string) *FileCache {
	return &FileCache{key: key, next: map[string]*fileEntry{}}
}

// open reads the cache stored in dir; a missing, damaged or foreign file
// is an empty cache.
func (c *FileCache) open(dir string) {
	c.started = time.Now().UnixNano()
	str, err := mapfile.ReadString(filepath.Join(dir, FileCacheName))
	if err != nil {
		c.changed = true
		return
	}
	body, sealed := trailer.Open(str)
	if !sealed {
		c.changed = true
		return
	}
	c.str = body
	old, statAt, err := c.decodeIndex()
	if err != nil {
		c.str, c.changed = "", true
		return
	}
	c.old, c.statAt = old, statAt
	if len(c.next) == 0 {
		// Room for every entry kept last time, which most loads keep again.
		c.next = make(map[string]*fileEntry, len(old))
	}
}

// cacheReader reads the stored cache's layout: uvarints and
// length-prefixed strings.
type cacheReader struct {
	c   *FileCache
	off int
	err error
}

var errDamaged = errors.New("damaged file cache")

func (r *cacheReader) uint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := uvarint(r.c.str[r.off:])
	if n <= 0 {
		r.err = errDamaged
		return 0
	}
	r.off += n
	return v
}

func (r *cacheReader) int() int64 { return int64(r.uint()) }

// span returns the offsets of the next length-prefixed bytes.
func (r *cacheReader) span() (int, int) {
	n := r.uint()
	if r.err != nil || n > uint64(len(r.c.str)-r.off) {
		r.err = errDamaged
		return r.off, r.off
	}
	a := r.off
	r.off += int(n)
	return a, r.off
}

func (r *cacheReader) string() string {
	a, b := r.span()
	return r.c.str[a:b]
}

// decodeIndex reads every entry but leaves the YAML trees encoded.
func (c *FileCache) decodeIndex() (map[string]*fileEntry, int64, error) {
	if len(c.str) < len(fileCacheMagic) || c.str[:len(fileCacheMagic)] != fileCacheMagic {
		return nil, 0, errDamaged
	}
	r := &cacheReader{c: c, off: len(fileCacheMagic)}
	if r.string() != c.key {
		return nil, 0, errDamaged
	}
	statAt := r.int()
	count := r.uint()
	if r.err != nil || count > uint64(len(c.str)) {
		return nil, 0, errDamaged
	}
	old := make(map[string]*fileEntry, count)
	for range count {
		rel := r.string()
		e := &fileEntry{}
		e.stat.size, e.stat.mtime, e.stat.ctime = r.int(), r.int(), r.int()
		e.stat.ino, e.stat.dev = r.uint(), r.uint()
		e.sum, e.seedSum = r.string(), r.string()
		e.text = r.string()
		e.tree = r.string()
		if r.err != nil {
			return nil, 0, r.err
		}
		old[rel] = e
	}
	if r.off != len(c.str) {
		return nil, 0, errDamaged
	}
	return old, statAt, nil
}

// lookup returns the stored entry of rel when st says the file still holds
// what was read, or nil.
func (c *FileCache) lookup(rel string, st fileStat) *fileEntry {
	e := c.old[rel]
	if e == nil || e.stat != st || st.mtime >= c.statAt-int64(racyMargin) {
		return nil
	}
	return e
}

// keep records what Load used for rel this time: a stored entry reused,
// or the file as read now (with the stat taken before reading it).
func (c *FileCache) keep(rel string, e *fileEntry, reused bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.next[rel] = e
	if reused {
		c.reused.Add(1)
		return
	}
	c.read.Add(1)
	o := c.old[rel]
	switch {
	case o == nil || o.sum != e.sum || o.seedSum != e.seedSum || o.stat != e.stat:
		c.lag(e.stat.size)
	case e.stat.mtime < c.started-int64(racyMargin):
		// Read again only because its stat was too recent to vouch for
		// it last time; stored now, the stat will do next time.
		c.lag(e.stat.size)
	}
	if o != nil && o.sum == e.sum && e.tree == "" {
		e.tree = o.tree
	}
}

// treeFor returns the parsed tree stored for rel when its contents are
// still those whose checksum is sum.
func (c *FileCache) treeFor(rel, sum string) (*yaml.Node, bool) {
	c.mu.Lock()
	e := c.next[rel]
	c.mu.Unlock()
	if e == nil || e.sum != sum || e.tree == "" {
		return nil, false
	}
	root, err := decodeYAML(e.tree)
	if err != nil {
		return nil, false
	}
	c.treesReused.Add(1)
	return root, true
}

// keepTree records the parsed tree of rel, read with checksum sum.
func (c *FileCache) keepTree(rel, sum string, root *yaml.Node) {
	c.treesParsed.Add(1)
	tree, ok := encodeYAML(root)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.next[rel]; e != nil && e.sum == sum && e.tree == "" && e.newTree == nil {
		e.newTree = tree
		c.lag(int64(len(tree)))
	}
}

// lag counts a file whose stored entry is not the one to keep. c.mu is
// held.
func (c *FileCache) lag(size int64) {
	c.lagFiles++
	c.lagBytes += size
}

// lagShare is the share of the stored cache (in entries and in bytes)
// that may lag behind the files before save writes it again: 1/lagShare.
// Writing the cache costs in proportion to all of it (16 MB at 20,000
// models, every time one model file changed); a lagging entry costs the
// next Load a read and a checksum of that file (and a parse, for
// properties YAML) until the cache is written. A small project is
// written on every change.
const lagShare = 512

// changedSince reports whether save should write the cache: something
// differs from what was read, and either the stored cache cannot be used
// or more than a small share of it lags behind the files (lagShare). A
// file changed, added or removed since is read again by the next Load
// while its entry lags, which finds what writing it would have.
func (c *FileCache) changedSince() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.changed || c.old == nil {
		return c.changed || len(c.next) != len(c.old)
	}
	removed := int64(0)
	for rel := range c.old {
		if c.next[rel] == nil {
			removed++
		}
	}
	lag := c.lagFiles + removed
	if lag == 0 {
		return false
	}
	return lag > int64(len(c.old))/lagShare || c.lagBytes > int64(len(c.str))/lagShare
}

// save writes the entries of this Load into dir when they differ from the
// stored ones.
func (c *FileCache) save(dir string) error {
	if !c.changedSince() {
		return nil
	}
	td, err := targetfs.Open(dir)
	if err != nil {
		return err
	}
	defer td.Close()
	return td.WriteAtomic(FileCacheName, func(w io.Writer) error { return c.write(w) })
}

func (c *FileCache) write(out io.Writer) error {
	w := trailer.NewWriter(out)
	c.mu.Lock()
	defer c.mu.Unlock()
	var b []byte
	putUint := func(v uint64) { b = binary.AppendUvarint(b, v) }
	putBytes := func(s []byte) { putUint(uint64(len(s))); b = append(b, s...) }
	putString := func(s string) { putUint(uint64(len(s))); b = append(b, s...) }
	b = append(b, fileCacheMagic...)
	putString(c.key)
	putUint(uint64(c.started))
	putUint(uint64(len(c.next)))
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("project: write file cache: %w", err)
	}
	for rel, e := range c.next {
		b = b[:0]
		putString(rel)
		putUint(uint64(e.stat.size))
		putUint(uint64(e.stat.mtime))
		putUint(uint64(e.stat.ctime))
		putUint(e.stat.ino)
		putUint(e.stat.dev)
		putString(e.sum)
		putString(e.seedSum)
		if e.data != nil {
			putBytes(e.data)
		} else {
			putString(e.text)
		}
		if e.newTree != nil {
			putBytes(e.newTree)
		} else {
			putString(e.tree)
		}
		if _, err := w.Write(b); err != nil {
			return fmt.Errorf("project: write file cache: %w", err)
		}
	}
	if err := w.Seal(); err != nil {
		return fmt.Errorf("project: write file cache: %w", err)
	}
	return nil
}

// ---- YAML trees ----

// A tree is laid out as the number of nodes and of child links, then the
// nodes in preorder. A node is a header byte (its kind, and which of
// style, anchor and comments follow: most nodes have none), its style when
// set, line, column, tag (a code for the common ones), value, the anchor
// and comments it has, and for a document, sequence or mapping its number
// of children.
const (
	treeHasStyle byte = 1 << (iota + 3)
	treeHasAnchor
	treeHasHead
	treeHasLine
	treeHasFoot
)

// treeKinds are the node kinds by their code in the header's low bits.
var treeKinds = [...]yaml.Kind{0, yaml.DocumentNode, yaml.SequenceNode, yaml.MappingNode, yaml.ScalarNode}

// treeTags are the tags written as a code (1 and up); 0 is a tag written out.
var treeTags = [...]string{"", "!!str", "!!map", "!!seq", "!!int", "!!bool", "!!null", "!!float", "!!timestamp", "!!binary", "!!merge"}

// encodeYAML lays out a parsed YAML tree; a tree holding an alias is not
// kept (ok false): aliases point across the tree and are rare in
// properties files.
func encodeYAML(root *yaml.Node) (_ []byte, ok bool) {
	if root == nil {
		return nil, false
	}
	var b []byte
	putUint := func(v uint64) { b = binary.AppendUvarint(b, v) }
	putString := func(s string) { putUint(uint64(len(s))); b = append(b, s...) }
	nodes, links := 0, 0
	var count func(n *yaml.Node) bool
	count = func(n *yaml.Node) bool {
		if n == nil || n.Kind == yaml.AliasNode || n.Alias != nil {
			return false
		}
		nodes++
		links += len(n.Content)
		for _, c := range n.Content {
			if !count(c) {
				return false
			}
		}
		return true
	}
	if !count(root) {
		return nil, false
	}
	putUint(uint64(nodes))
	putUint(uint64(links))
	var walk func(n *yaml.Node) bool
	walk = func(n *yaml.Node) bool {
		kind := -1
		for i, k := range treeKinds {
			if n.Kind == k {
				kind = i
			}
		}
		if kind < 0 || (n.Kind == yaml.ScalarNode || n.Kind == 0) && len(n.Content) > 0 {
			return false
		}
		h := byte(kind)
		if n.Style != 0 {
			h |= treeHasStyle
		}
		if n.Anchor != "" {
			h |= treeHasAnchor
		}
		if n.HeadComment != "" {
			h |= treeHasHead
		}
		if n.LineComment != "" {
			h |= treeHasLine
		}
		if n.FootComment != "" {
			h |= treeHasFoot
		}
		b = append(b, h)
		if n.Style != 0 {
			putUint(uint64(n.Style))
		}
		putUint(uint64(n.Line))
		putUint(uint64(n.Column))
		tag := 0
		for i, t := range treeTags {
			if i > 0 && n.Tag == t {
				tag = i
			}
		}
		putUint(uint64(tag))
		if tag == 0 {
			putString(n.Tag)
		}
		putString(n.Value)
		for _, opt := range []struct {
			bit byte
			s   string
		}{{treeHasAnchor, n.Anchor}, {treeHasHead, n.HeadComment}, {treeHasLine, n.LineComment}, {treeHasFoot, n.FootComment}} {
			if h&opt.bit != 0 {
				putString(opt.s)
			}
		}
		if n.Kind != yaml.ScalarNode && n.Kind != 0 {
			putUint(uint64(len(n.Content)))
		}
		for _, c := range n.Content {
			if !walk(c) {
				return false
			}
		}
		return true
	}
	if !walk(root) {
		return nil, false
	}
	return b, true
}

// treeDecoder reads a tree laid out by encodeYAML.
type treeDecoder struct {
	s     string
	off   int
	bad   bool
	nodes []yaml.Node
	links []*yaml.Node
}

func (d *treeDecoder) uint() uint64 {
	if d.off < len(d.s) {
		if b := d.s[d.off]; b < 0x80 {
			d.off++
			return uint64(b)
		}
	}
	v, n := uvarint(d.s[min(d.off, len(d.s)):])
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.off += n
	return v
}

func (d *treeDecoder) string() string {
	n := d.uint()
	if n > uint64(len(d.s)-d.off) {
		d.bad = true
		return ""
	}
	s := d.s[d.off : d.off+int(n)]
	d.off += int(n)
	return s
}

func (d *treeDecoder) node() *yaml.Node {
	if d.bad || len(d.nodes) == cap(d.nodes) || d.off >= len(d.s) {
		d.bad = true
		return nil
	}
	d.nodes = append(d.nodes, yaml.Node{})
	n := &d.nodes[len(d.nodes)-1]
	h := d.s[d.off]
	d.off++
	if int(h&7) >= len(treeKinds) {
		d.bad = true
		return nil
	}
	n.Kind = treeKinds[h&7]
	if h&treeHasStyle != 0 {
		n.Style = yaml.Style(d.uint())
	}
	n.Line = int(d.uint())
	n.Column = int(d.uint())
	if tag := d.uint(); tag == 0 {
		n.Tag = d.string()
	} else if tag < uint64(len(treeTags)) {
		n.Tag = treeTags[tag]
	} else {
		d.bad = true
	}
	n.Value = d.string()
	if h&treeHasAnchor != 0 {
		n.Anchor = d.string()
	}
	if h&treeHasHead != 0 {
		n.HeadComment = d.string()
	}
	if h&treeHasLine != 0 {
		n.LineComment = d.string()
	}
	if h&treeHasFoot != 0 {
		n.FootComment = d.string()
	}
	if n.Kind == yaml.ScalarNode || n.Kind == 0 {
		return n
	}
	count := d.uint()
	if d.bad || count > uint64(len(d.links)) {
		d.bad = true
		return nil
	}
	if count > 0 {
		n.Content = d.links[:count:count]
		d.links = d.links[count:]
		for i := range n.Content {
			if n.Content[i] = d.node(); d.bad {
				return nil
			}
		}
	}
	return n
}

// decodeYAML rebuilds a tree encoded by encodeYAML. Its strings are parts
// of tree, so decoding allocates two blocks: the nodes and their child
// lists.
func decodeYAML(tree string) (*yaml.Node, error) {
	d := &treeDecoder{s: tree}
	// Every node takes at least 5 bytes and every link one, which bounds
	// the blocks of a damaged tree.
	nodeCount, linkCount := d.uint(), d.uint()
	if d.bad || nodeCount > uint64(len(tree)/5+1) || linkCount > uint64(len(tree)) {
		return nil, errDamaged
	}
	d.nodes = make([]yaml.Node, 0, nodeCount)
	d.links = make([]*yaml.Node, linkCount)
	root := d.node()
	if d.bad || d.off != len(tree) || len(d.nodes) != cap(d.nodes) || len(d.links) != 0 {
		return nil, errDamaged
	}
	return root, nil
}

// uvarint is binary.Uvarint over a string.
func uvarint(s string) (uint64, int) {
	var v uint64
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		b := s[i]
		if b < 0x80 {
			if i == binary.MaxVarintLen64-1 && b > 1 {
				return 0, -(i + 1)
			}
			return v | uint64(b)<<(7*i), i + 1
		}
		v |= uint64(b&0x7f) << (7 * i)
	}
	return 0, 0
}
