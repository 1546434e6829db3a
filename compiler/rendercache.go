package compiler

import (
	"fmt"
	"io"
	"io/fs"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/digest"
	"github.com/elt-dev/elt/internal/sortedids"
	"github.com/elt-dev/elt/internal/targetfs"
	"github.com/elt-dev/elt/internal/trailer"
	"github.com/elt-dev/elt/project"
)

// RenderCache keeps the results of an earlier invocation's renders so that
// a node whose inputs did not change is not rendered again: its parse
// render (config(), ref(), source() and the macros it called) and its
// compiled SQL.
//
// What a render may depend on, and how each is checked:
//   - everything shared by all nodes (elt's version, dbt_project.yml
//     files and the other files project.Project.Digest holds, packages,
//     the profile and the adapter's type, env_var() reads while
//     loading): the key given to NewRenderCache; any change empties the
//     cache (properties YAML reaches a render through its node's keys,
//     macros through macrosStale);
//   - the node's own source: its RawCode is hashed into its entry's key;
//   - env_var() reads: recorded with their values and compared again;
//   - the target (`target`, adapter.external_root()): a render that reads
//     it records a digest of it, compared as an env var read;
//   - var() reads: each records a digest of the value it found (--vars,
//     the project's or a package's), compared as an env var read;
//   - for compiled SQL, the relations (and materializations) of what the
//     node depends on, its own final config and relation, and --empty;
//   - anything that can differ between two invocations with the same
//     files (run_started_at, invocation_id, modules.datetime, graph,
//     selected_resources, is_incremental(), log(), warnings raised in
//     execute mode, and every question to the warehouse): such a render
//     is never cached and is rendered every time.
//
// A RenderCache is safe for concurrent use by one Parse and Compile.
type RenderCache struct {
	key string
	// old are the stored entries by id (rendercache_codec.go): decoded
	// when its node asks (oldEntry), written back as they are when kept.
	// The map is not changed after NewRenderCacheStored: read without mu.
	old map[string]*cacheSlot
	mu  sync.Mutex
	// next are the entries to save that are not an old entry kept as it
	// was read (cacheSlot.kept): new renders, and old entries changed.
	next map[string]*cacheEntry
	// oldFiles and files are the compiled files written, by path under
	// the target directory: what they held and their stamp after.
	oldFiles map[string]writtenFile
	files    map[string]writtenFile
	// oldOrder and oldFileOrder are the ids of old and the names of
	// oldFiles in the order stored: sorted, unless the file was not
	// written by Save.
	oldOrder, oldFileOrder []string
	// oldMacros are the macros the stored entries were rendered with,
	// macros this invocation's (useMacros); set before any render.
	oldMacros, macros macroState
	// staleMacroFiles are the macro files whose contents differ from the
	// stored ones; tableChanged, that a macro name resolves to another
	// macro (or none) than it did (macrosStale); mentions, which renders
	// may read the names that changed (nil when the stored cache did not
	// say how names resolved: then every render is stale).
	staleMacroFiles map[string]bool
	tableChanged    bool
	mentions        *mentionIndex

	parseHits, parseMisses, execHits, execMisses atomic.Int64
}

// macroState is what the renders may read of the macros: the macro
// table's key (every macro name, in the root project and each package,
// with the macro it resolves to and its file) and each macro file's
// digest.Key, by path; fileOf is each macro's file, by unique id; names
// is the table itself, the unique id each name resolves to by scope and
// name ("scope\x00name": "" the root project, "\x01" elt's built-ins,
// else a package), kept in the cache so that a change to it renders
// again only the renders that may read the names that changed.
type macroState struct {
	table  digest.Key
	files  map[string]digest.Key
	fileOf map[string]string
	names  map[string]string
	// source is a macro's source and node what a node's render reads
	// besides the macros it calls (its raw code, config and test
	// arguments), by unique id, and vars the vars (a var holding Jinja is
	// rendered when read): where mentionIndex looks for the changed
	// names. Set by Parse, not stored.
	source func(id string) string
	node   func(id string) (raw string, config, kwargs any)
	vars   []any
	// calls are the macros a macro's source may call (its static
	// depends_on.macros), by unique id: a render records the built-in
	// macros only its own code calls, so mentionIndex follows these to
	// the built-ins the macros it called reach.
	calls func(id string) []string
}

// useMacros sets this invocation's macros. A stored render, parse or
// compile, is used only if none of the macro files it called from changed
// and no name it may read resolves to another macro than it did
// (macrosStale).
func (c *RenderCache) useMacros(m macroState) {
	c.macros = m
	c.tableChanged = m.table != c.oldMacros.table
	c.mentions = nil
	if c.tableChanged && c.oldMacros.names != nil {
		changed := map[string]bool{}
		for k, id := range m.names {
			if c.oldMacros.names[k] != id {
				changed[k[strings.IndexByte(k, 0)+1:]] = true
			}
		}
		for k := range c.oldMacros.names {
			if _, ok := m.names[k]; !ok {
				changed[k[strings.IndexByte(k, 0)+1:]] = true
			}
		}
		c.mentions = newMentionIndex(sortedKeys(changed), m)
	}
	c.staleMacroFiles = map[string]bool{}
	for name, sum := range m.files {
		if old, ok := c.oldMacros.files[name]; !ok || old != sum {
			c.staleMacroFiles[name] = true
		}
	}
	for name := range c.oldMacros.files {
		if _, ok := m.files[name]; !ok {
			c.staleMacroFiles[name] = true
		}
	}
}

// macrosChanged reports whether any macro file or the table changed.
func (c *RenderCache) macrosChanged() bool { return c.tableChanged || len(c.staleMacroFiles) > 0 }

// macrosStale reports whether node's render, which called the macros ids
// (unique ids), may render otherwise now: a macro file it called from
// changed, or a name it may read resolves to another macro (or none) than
// it did (mentionIndex).
func (c *RenderCache) macrosStale(node string, ids []string) bool {
	if c.tableChanged && (c.mentions == nil || c.mentions.stale(node, ids)) {
		return true
	}
	for _, id := range ids {
		file, ok := c.macros.fileOf[id]
		if !ok || c.staleMacroFiles[file] {
			return true
		}
	}
	return false
}

// cacheSlot is one stored entry: as stored, decoded once its node asks,
// and whether this invocation keeps it as it was read. A node's renders
// touch only its own slot, so no lock is needed: the renders of every
// core ask for theirs at once.
type cacheSlot struct {
	raw     string
	decoded atomic.Pointer[cacheEntry] // damagedEntry when it cannot be read
	kept    atomic.Bool
}

// damagedEntry marks a slot whose entry could not be decoded: a miss.
var damagedEntry = new(cacheEntry)

// cacheEntry is what is kept for one node, by unique id.
type cacheEntry struct {
	ID       string
	ParseKey digest.Key
	Refs     []Ref
	Sources  [][2]string
	Metrics  [][]string // metric() calls
	Macros   []string   // every macro of the project or a package the render ran
	// DependsOn are the macros the node's own code called (depends_on).
	DependsOn []string
	InFile    map[string]any
	Warnings  diag.List
	Env       []envRead

	HasExec      bool
	ExecKey      digest.Key
	Compiled     string
	ExecWarnings diag.List
	ExecEnv      []envRead
	ExecMacros   []string // the macros the compile render called

	// raw is the entry as stored, while it is unchanged since it was read.
	raw string
	// inFileRaw is the stored InFile, decoded by inFile.
	inFileRaw string
	// execRaw is the stored Compiled, ExecWarnings and ExecEnv, until
	// decodeExec reads them.
	execRaw string
}

// envRead is one env_var() lookup of a render and what it found.
type envRead struct {
	Name, Value string
	Set         bool
}

// writtenFile is a file WriteCompiled left holding the content whose
// digest.SumString is Sum, and the file's stamp then.
type writtenFile struct {
	Sum   digest.Key
	Stamp targetfs.Stamp
}

// NewRenderCache reads a cache that an earlier invocation wrote with
// Save (r may be nil: no earlier cache; an *os.File is read without
// growing a buffer step by step). Entries are used only when
// the earlier invocation's key equals key; a cache that cannot be read
// (another version of elt, a truncated file) is an empty cache, not an
// error.
func NewRenderCache(key string, r io.Reader) *RenderCache {
	c := &RenderCache{key: key, next: map[string]*cacheEntry{}, files: map[string]writtenFile{}}
	if r == nil {
		return c
	}
	// Read into one string that every decoded string is a part of.
	var b strings.Builder
	if f, ok := r.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if fi, err := f.Stat(); err == nil {
			b.Grow(int(fi.Size()) + 1)
		}
	}
	if _, err := io.Copy(&b, r); err != nil {
		return c
	}
	return NewRenderCacheFrom(key, b.String())
}

// NewRenderCacheFrom is NewRenderCache over the stored cache read into a
// string ("" when there is none); decoded strings are parts of stored.
func NewRenderCacheFrom(key, stored string) *RenderCache {
	return NewRenderCacheStored(key, DecodeRenderCache(stored))
}

// StoredRenderCache is a stored render cache decoded before the key of
// this invocation is known (it needs the project loaded): its files and
// the index of its entries, whose key is compared by NewRenderCacheStored.
type StoredRenderCache struct {
	key       string
	files     map[string]writtenFile
	fileOrder []string
	entries   map[string]*cacheSlot
	order     []string
	macros    macroState
	err       error
}

// DecodeRenderCache decodes the stored cache read into a string ("" when
// there is none), so that the decoding can overlap loading the project.
func DecodeRenderCache(stored string) *StoredRenderCache {
	if stored == "" {
		return nil
	}
	return decodeCache(stored)
}

// NewRenderCacheStored is NewRenderCacheFrom over a cache decoded by
// DecodeRenderCache (nil: no cache). Entries are used only when the
// stored key is key; the files are used whatever the key, since they
// hold what they hold.
func NewRenderCacheStored(key string, s *StoredRenderCache) *RenderCache {
	c := &RenderCache{key: key, files: map[string]writtenFile{}}
	if s == nil {
		c.next = map[string]*cacheEntry{}
		return c
	}
	c.oldFiles, c.oldFileOrder = s.files, s.fileOrder
	c.oldMacros = s.macros
	if s.err != nil || s.entries == nil || s.key != key {
		c.next = map[string]*cacheEntry{}
		return c
	}
	// Sized for a run that keeps every entry, as most do.
	c.old, c.oldOrder = s.entries, s.order
	c.next = map[string]*cacheEntry{}
	return c
}

// oldEntry returns the stored entry of id, decoded, or nil.
func (c *RenderCache) oldEntry(id string) *cacheEntry {
	slot := c.old[id]
	if slot == nil {
		return nil
	}
	e := slot.decoded.Load()
	if e == nil {
		var err error
		if e, err = decodeEntry(slot.raw); err != nil || e.ID != id {
			e = damagedEntry
		}
		if !slot.decoded.CompareAndSwap(nil, e) {
			e = slot.decoded.Load() // decoded meanwhile by another caller: one entry per id
		}
	}
	if e == damagedEntry {
		return nil
	}
	return e
}

// keep marks the stored entry of id kept for the next invocation as it
// was read.
func (c *RenderCache) keep(id string) {
	if slot := c.old[id]; slot != nil {
		slot.kept.Store(true)
	}
}

// nextLocked is the entry to save for id: one stored or changed this
// invocation, or the stored one kept; nil when there is none. c.mu is held.
func (c *RenderCache) nextLocked(id string) *cacheEntry {
	if e, ok := c.next[id]; ok {
		return e
	}
	if slot := c.old[id]; slot != nil && slot.kept.Load() {
		return c.oldEntry(id)
	}
	return nil
}

// nextIDs are the ids of the entries to save (nextLocked), sorted. c.mu
// is held.
func (c *RenderCache) nextIDs() []string {
	ids := make([]string, 0, len(c.oldOrder)+len(c.next))
	for _, id := range c.oldOrder {
		if _, ok := c.next[id]; ok || c.old[id].kept.Load() {
			ids = append(ids, id)
		}
	}
	if !slices.IsSorted(ids) {
		// A cache not written by Save.
		slices.Sort(ids)
	}
	ids = slices.Compact(ids)
	var added []string
	for id := range c.next {
		if _, ok := c.old[id]; !ok {
			added = append(added, id)
		}
	}
	slices.Sort(added)
	return sortedids.Merge(ids, added)
}

// CacheStats counts the renders a cache saved and the ones it did not.
type CacheStats struct {
	ParseHits, ParseMisses, CompileHits, CompileMisses int
}

// Stats reports how often the cache was used.
func (c *RenderCache) Stats() CacheStats {
	return CacheStats{
		ParseHits: int(c.parseHits.Load()), ParseMisses: int(c.parseMisses.Load()),
		CompileHits: int(c.execHits.Load()), CompileMisses: int(c.execMisses.Load()),
	}
}

// Changed reports whether Save should write the cache: there is no
// stored cache, a macro changed, or more than a small share of the stored
// entries lag behind this invocation (lagShare): renders stored or
// changed, entries dropped, compiled files written or their stamps moved.
// A compile that changed nothing leaves the cache file alone, and so does
// one that changed a few renders of a large project (compile -s after a
// model file changed): writing the cache costs in proportion to all of it
// (10 MB at 20,000 models), while a lagging render is a miss next time,
// rendered again, and a lagging compiled file is written again.
func (c *RenderCache) Changed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.old == nil || c.macrosChanged() {
		return true
	}
	lag := len(c.next)
	for _, slot := range c.old {
		if !slot.kept.Load() {
			lag++
		}
	}
	for name, f := range c.files {
		if o, ok := c.oldFiles[name]; !ok || o != f {
			lag++
		}
	}
	return lag > len(c.old)/lagShare
}

// lagShare is the share of the stored entries that may lag behind an
// invocation before the cache is written again (Changed): 1/lagShare.
const lagShare = 512

// Save writes the renders of this invocation (and the compiled SQL of
// the earlier one for nodes whose parse render is unchanged and that were
// not compiled this time) for the next invocation.
func (c *RenderCache) Save(out io.Writer) error {
	w := trailer.NewWriter(out)
	c.mu.Lock()
	defer c.mu.Unlock()
	macrosChanged := c.macrosChanged()
	// staleExec reports whether a stored entry's compiled SQL was rendered
	// with macros that changed since (it is then not kept).
	staleExec := func(o *cacheEntry) bool {
		return macrosChanged && (o.decodeExec() != nil || c.macrosStale(o.ID, o.ExecMacros))
	}
	for id, e := range c.next {
		if e.HasExec {
			continue
		}
		if o := c.oldEntry(id); o != nil && o.HasExec && o.ParseKey == e.ParseKey && !staleExec(o) {
			e.HasExec, e.ExecKey, e.Compiled, e.ExecWarnings, e.ExecEnv, e.ExecMacros, e.execRaw = true, o.ExecKey, o.Compiled, o.ExecWarnings, o.ExecEnv, o.ExecMacros, o.execRaw
		}
	}
	var enc cacheEncoder
	enc.b = append(enc.b, renderCacheMagic...)
	enc.string(c.key)
	// Every file written this time, and those only written before
	// (compile -s), whose stamp still says whether they hold what they
	// held: in the stored order, with the new ones merged in.
	names := sortedids.Keys(c.oldFiles, c.oldFileOrder, func(name string) bool {
		_, ok := c.oldFiles[name]
		return ok
	})
	var added []string
	for name := range c.files {
		if _, ok := c.oldFiles[name]; !ok {
			added = append(added, name)
		}
	}
	slices.Sort(added)
	names = sortedids.Merge(names, added)
	enc.uint(uint64(len(names)))
	for _, name := range names {
		f, ok := c.files[name]
		if !ok {
			f = c.oldFiles[name]
		}
		enc.string(name)
		enc.sum(f.Sum)
		enc.int(f.Stamp.Size)
		enc.int(f.Stamp.ModTime)
		if len(enc.b) >= 1<<16 {
			// Written as it grows: one buffer of every file's line would
			// be grown, copied and faulted in anew on every save.
			if _, err := w.Write(enc.b); err != nil {
				return fmt.Errorf("compiler: write render cache: %w", err)
			}
			enc.b = enc.b[:0]
		}
	}
	macros := c.macros
	if macros.files == nil {
		macros = c.oldMacros // no Parse used the cache: the stored macros stand
	}
	enc.sum(macros.table)
	enc.uint(uint64(len(macros.files)))
	for _, name := range sortedKeys(macros.files) {
		enc.string(name)
		enc.sum(macros.files[name])
	}
	enc.uint(uint64(len(macros.names)))
	for _, k := range sortedKeys(macros.names) {
		enc.string(k)
		enc.string(macros.names[k])
	}
	ids := c.nextIDs()
	enc.uint(uint64(len(ids)))
	var one cacheEncoder
	for _, id := range ids {
		e := c.nextLocked(id)
		if e.HasExec && c.next[id] == nil && staleExec(e) {
			// A stored entry kept as it was read, whose compiled SQL was
			// rendered with macros that changed since.
			stripped := *e
			stripped.HasExec, stripped.raw = false, ""
			e = &stripped
		}
		if e.raw != "" && e.ID == id {
			// Unchanged since read: written as it was, straight from
			// the string it was read into.
			enc.uint(uint64(len(e.raw)))
			if _, err := w.Write(enc.b); err != nil {
				return fmt.Errorf("compiler: write render cache: %w", err)
			}
			enc.b = enc.b[:0]
			if _, err := io.WriteString(w, e.raw); err != nil {
				return fmt.Errorf("compiler: write render cache: %w", err)
			}
			continue
		}
		e.ID = id
		one.b = one.b[:0]
		one.entry(e)
		enc.uint(uint64(len(one.b)))
		enc.b = append(enc.b, one.b...)
		if len(enc.b) >= 1<<16 {
			if _, err := w.Write(enc.b); err != nil {
				return fmt.Errorf("compiler: write render cache: %w", err)
			}
			enc.b = enc.b[:0]
		}
	}
	if _, err := w.Write(enc.b); err != nil {
		return fmt.Errorf("compiler: write render cache: %w", err)
	}
	if err := w.Seal(); err != nil {
		return fmt.Errorf("compiler: write render cache: %w", err)
	}
	return nil
}

// writeFile writes a compiled file unless the stamp it had when it last
// held the same content says it still does.
func (c *RenderCache) writeFile(dir *targetfs.Dir, name, content string) error {
	sum := digest.SumString(content)
	var prev targetfs.Stamp
	if o, ok := c.oldFiles[name]; ok && o.Sum == sum {
		prev = o.Stamp
	}
	st, _, err := dir.WriteIfStale(name, []byte(content), prev)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.files[name] = writtenFile{Sum: sum, Stamp: st}
	c.mu.Unlock()
	return nil
}

// parseKey is the key of n's parse render: its id, file and source, and
// what a render can read of the node that properties YAML may set (its
// config before the render's config() calls, description, meta, columns,
// versions and relation: the `config`, `model` and `this` it sees).
// Properties YAML files are not in the render cache's own key
// (project.Project.Digest): a render reads them only through its node,
// and through the relations of what it refs (execKey).
func (e *engine) parseKey(n *Node, shared *sharedKeys) digest.Key {
	bp := e.keyBuf()
	b := (*bp)[:0]
	b.parseKey(n, shared)
	sum := b.sum()
	e.putKeyBuf(bp, b)
	return sum
}

// parseKey writes what parseKey hashes; shared, when not nil, remembers
// what it writes for the configs nodes share.
func (b *keyBuf) parseKey(n *Node, shared *sharedKeys) {
	b.str(string(n.ResourceType), n.UniqueID, n.OriginalFilePath, n.RawCode)
	if md := n.TestMetadata; md != nil {
		b.str(md.Name, md.Namespace)
		b.value(md.Kwargs)
	}
	if shared != nil && n.sharedConfig && len(n.Config) >= minSharedKey {
		shared.write(b, n.Config)
	} else {
		b.value(map[string]any(n.Config))
	}
	b.str(n.Description, n.DeprecationDate, n.RelationName)
	b.value(n.Meta)
	b.value(n.Version)
	b.value(n.LatestVersion)
	b.relation(n.Relation)
	b.raw('c', strconv.Itoa(len(n.Columns)))
	for _, c := range n.Columns {
		b.str(c.Name, c.Description, c.DataType)
	}
}

// sharedKeys are the bytes parseKey writes for each config map that
// nodes share (Node.sharedConfig: a folder's models, or the tests of a
// package, hold one map), written once a Parse instead of once a node:
// the keys of a config are sorted as they are written. An entry holds its
// map, so no other map can take that address while the entry is kept;
// a shared config is not changed (a render that changes its node's config
// copies it first).
type sharedKeys struct{ m sync.Map } // map address -> *sharedKey

type sharedKey struct {
	config project.Config
	bytes  []byte
}

// minSharedKey is the least number of keys worth remembering.
const minSharedKey = 4

// write writes cfg as keyBuf.value does.
func (s *sharedKeys) write(b *keyBuf, cfg project.Config) {
	id := reflect.ValueOf(cfg).UnsafePointer()
	if k, ok := s.m.Load(id); ok {
		*b = append(*b, k.(*sharedKey).bytes...)
		return
	}
	start := len(*b)
	b.value(map[string]any(cfg))
	s.m.Store(id, &sharedKey{config: cfg, bytes: slices.Clone((*b)[start:])})
}

// keyBuf is a scratch buffer from the engine's pool.
func (e *engine) keyBuf() *keyBuf {
	if bp, _ := e.keyBufs.Get().(*keyBuf); bp != nil {
		return bp
	}
	return new(keyBuf)
}

// putKeyBuf returns bp to the pool, holding b (its grown contents), unless
// b is a huge model's: that buffer is not kept.
func (e *engine) putKeyBuf(bp *keyBuf, b keyBuf) {
	if cap(b) <= 1<<20 {
		*bp = b
		e.keyBufs.Put(bp)
	}
}

// execKey is the key of n's compiled SQL: its parse key, its final config
// and relation, the relations of what it depends on, --empty (which
// every ref() and source() of a compiled render prints; a parse render's
// ref() and source() print placeholders, so its captures do not depend on
// it) and --store-failures (which should_store_failures() answers when a
// test's config does not say).
func (m *Manifest) execKey(n *Node, pk digest.Key) digest.Key {
	bp := m.engine.keyBuf()
	b := append((*bp)[:0], pk[:]...)
	b.value(m.engine.opts.Empty)
	b.value(m.engine.opts.StoreFailures)
	b.value(map[string]any(n.Config))
	b.relation(n.Relation)
	b.str(n.RelationName)
	for _, dep := range n.DependsOn.Nodes {
		if d, ok := m.Nodes[dep]; ok {
			b.relation(d.Relation)
			b.str(dep, d.RelationName)
			b.value(d.Config["materialized"])
			b.str(d.Name, d.VersionString)
		} else if rel, ok := m.SourceRelations[dep]; ok {
			b.str(dep, rel)
		} else {
			b.str(dep, "?")
		}
	}
	sum := b.sum()
	m.engine.putKeyBuf(bp, b)
	return sum
}

// envSame reports whether every read n's render recorded (env_var(), the
// target, var()) finds the same now.
func (m *Manifest) envSame(n *Node, reads []envRead) bool {
	for _, r := range reads {
		var v string
		var ok bool
		switch {
		case r.Name == targetReadName:
			v, ok = m.engine.targetKey, true
		case strings.HasPrefix(r.Name, varReadPrefix):
			v, ok = m.engine.varKey(r.Name[len(varReadPrefix):], n)
		case m.engine.opts.Env != nil:
			v, ok = m.engine.opts.Env(r.Name)
		}
		if ok != r.Set || v != r.Value {
			return false
		}
	}
	return true
}

// cachedParse returns what n's parse render captured, from the cache;
// ok is false when the cache does not hold it.
func (m *Manifest) cachedParse(n *Node, pk digest.Key) (parseCapture, bool) {
	c := m.engine.opts.Cache
	e := c.oldEntry(n.UniqueID)
	var inFile map[string]any
	var err error
	usable := e != nil && e.ParseKey == pk && m.envSame(n, e.Env) && !c.macrosStale(n.UniqueID, e.Macros)
	if usable {
		inFile, err = e.inFile()
	}
	if !usable || err != nil {
		c.parseMisses.Add(1)
		return parseCapture{}, false
	}
	c.parseHits.Add(1)
	st := parseCapture{
		refs:      append([]Ref(nil), e.Refs...),
		sources:   append([][2]string(nil), e.Sources...),
		metrics:   copyMetricRefs(e.Metrics),
		macros:    append([]string(nil), e.Macros...),
		dependsOn: append([]string(nil), e.DependsOn...),
		warnings:  append(diag.List(nil), e.Warnings...),
	}
	if len(inFile) > 0 {
		if e.InFile != nil {
			inFile = copyValue(inFile).(map[string]any)
		} else {
			st.inFileRaw = e.inFileRaw
		}
		st.inFile = project.Config(inFile)
	}
	c.keep(n.UniqueID)
	// The entry is kept as it is: its compiled SQL too, checked when used.
	return st, true
}

// parseCapture is what a parse render captured for its node: its refs,
// sources, macros called, config() values and warnings, from a render
// or from the cache (without the state of a whole render).
type parseCapture struct {
	refs    []Ref
	sources [][2]string
	metrics [][]string
	macros  []string
	// dependsOn are the macros the node's own code called: depends_on.
	dependsOn []string
	inFile    project.Config
	warnings  diag.List
	// inFileRaw is inFile as the cache stores it, when it came from
	// there: equal strings, equal configs (configMemo).
	inFileRaw string
}

// storeParse records a parse render that succeeded, unless it read
// something that may differ next time.
func (m *Manifest) storeParse(n *Node, pk digest.Key, st *renderState) {
	if st.volatile || st.introspected || !plainValue(map[string]any(st.inFile)) {
		return
	}
	e := &cacheEntry{
		ParseKey:  pk,
		Refs:      append([]Ref(nil), st.refs...),
		Sources:   append([][2]string(nil), st.sources...),
		Metrics:   copyMetricRefs(st.metrics),
		Macros:    append([]string(nil), st.macros...),
		DependsOn: append([]string(nil), st.dependsOn...),
		Warnings:  append(diag.List(nil), st.warnings...),
		Env:       st.envReads,
	}
	if len(st.inFile) > 0 {
		// mergeOwned may keep st.inFile as the node's config: copy it
		// before the node's config changes.
		e.InFile = copyValue(map[string]any(st.inFile)).(map[string]any)
	}
	c := m.engine.opts.Cache
	c.mu.Lock()
	c.next[n.UniqueID] = e
	c.mu.Unlock()
}

// cachedExec returns n's compiled SQL (before ephemeral CTEs are
// injected) and its warnings from the cache.
func (m *Manifest) cachedExec(n *Node) (key digest.Key, sql string, warnings diag.List, ok bool) {
	c := m.engine.opts.Cache
	c.mu.Lock()
	e := c.nextLocked(n.UniqueID)
	c.mu.Unlock()
	if e == nil {
		// The parse render was not cached: nor is the compiled SQL.
		c.execMisses.Add(1)
		return key, "", nil, false
	}
	key = m.execKey(n, e.ParseKey)
	if o := c.oldEntry(n.UniqueID); o != nil && o.HasExec && o.ParseKey == e.ParseKey && o.ExecKey == key {
		c.mu.Lock()
		err := o.decodeExec()
		c.mu.Unlock()
		if err == nil && m.envSame(n, o.ExecEnv) && !c.macrosStale(n.UniqueID, o.ExecMacros) {
			c.execHits.Add(1)
			return key, o.Compiled, append(diag.List(nil), o.ExecWarnings...), true
		}
	}
	c.execMisses.Add(1)
	return key, "", nil, false
}

// storeExec records n's compiled SQL, unless its render read something
// that may differ next time.
func (m *Manifest) storeExec(n *Node, key digest.Key, sql string, st *renderState) {
	if st.volatile || st.introspected {
		return
	}
	c := m.engine.opts.Cache
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.nextLocked(n.UniqueID)
	if e == nil {
		return
	}
	// A fresh entry: the one in next may be the earlier invocation's.
	ne := *e
	ne.raw, ne.execRaw = "", ""
	ne.HasExec, ne.ExecKey, ne.Compiled, ne.ExecWarnings, ne.ExecEnv = true, key, sql, append(diag.List(nil), st.warnings...), st.envReads
	ne.ExecMacros = append([]string(nil), st.macros...)
	c.next[n.UniqueID] = &ne
}

// plainValue reports whether v holds only the types the cache can store.
func plainValue(v any) bool {
	switch x := v.(type) {
	case nil, string, bool, int, int64, float64:
		return true
	case []string:
		return true
	case []any:
		for _, e := range x {
			if !plainValue(e) {
				return false
			}
		}
		return true
	case map[string]any:
		for _, e := range x {
			if !plainValue(e) {
				return false
			}
		}
		return true
	}
	return false
}

// copyValue copies maps and lists deeply, so that a cached value is never
// shared with a node that changes it.
func copyValue(v any) any {
	switch x := v.(type) {
	case []string:
		return append([]string(nil), x...)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = copyValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = copyValue(e)
		}
		return out
	}
	return v
}
