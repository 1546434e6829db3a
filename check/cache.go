package check

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/elt-dev/elt/internal/digest"
	"github.com/elt-dev/elt/internal/trailer"
	"github.com/elt-dev/elt/lineage"
	"github.com/elt-dev/elt/lineage/sqlmodel"
)

// cacheVersion changes whenever what the cache stores changes shape; a
// cache of another version is ignored.
const cacheVersion = "elt-check-cache-6"

// Cache keeps what a check found for the next check of the same project,
// so that an unchanged project is not checked again and a changed one
// re-resolves only the models whose SQL changed and the models whose
// inputs' columns or types changed with them (lineage.BuildReusing).
//
// Two levels: the findings of the whole check, kept under a digest of
// everything the check reads (every node's SQL, files, columns, types,
// selection, known relations); and every model's lineage result, kept
// under digests of its own SQL and of what its inputs resolved to.
// Findings are always computed from fresh or validated results, so a
// cache never hides a finding a cold check would report.
//
// The key given to ReadCache names what fixes the parsers (elt's
// version and build); a cache of another key is ignored. A Cache is for
// one RunCached.
type Cache struct {
	key string
	// stored reads what follows the stored header, on demand: the index,
	// then the models' results. A check of an unchanged project needs
	// only the header, and one whose models all changed (compile -s of
	// one model) only the index.
	stored *bufio.Reader
	header cacheHeader
	index  cacheIndex
	// recent are the results stored apart from the others by checks that
	// left those unread (see keepUnread); they override them.
	recent  [2]map[string]*lineage.Result
	indexed bool // the index and recent results were read (or there are none)
	loaded  bool // the results were read (or there are none)
	prev    [2]map[string]*lineage.Result
	mu      sync.Mutex
	next    [2]map[string]*lineage.Result
	changed bool
	stats   CacheStats
	// seeds are the seed types asked for or kept by this check, by key;
	// storedSeeds indexes the header's by key once one is asked for.
	seeds, storedSeeds map[string]SeedTypes
}

// cacheIndex is the stored results' builds, names and Own digests, in
// the order of the results: sorted by build, then name.
type cacheIndex struct {
	raw     []byte // as stored, for a Save that keeps the results as they are
	entries []indexEntry
}

type indexEntry struct {
	build int
	name  string
	own   lineage.Digest
}

// find returns the Own digest stored for build and name.
func (x *cacheIndex) find(build int, name string) (lineage.Digest, bool) {
	i, ok := slices.BinarySearchFunc(x.entries, indexEntry{build: build, name: name}, compareIndexEntries)
	if !ok {
		return lineage.Digest{}, false
	}
	return x.entries[i].own, true
}

func compareIndexEntries(a, b indexEntry) int {
	if a.build != b.build {
		return a.build - b.build
	}
	return strings.Compare(a.name, b.name)
}

// SeedTypes are a seed file's header and inferred column types, kept
// under a key that changes with the file (its stamp and delimiter):
// inferring them reads the whole file.
type SeedTypes struct {
	Key           string
	Header, Types []string
}

// cacheHeader starts the stored cache; Entries cacheEntry values follow.
type cacheHeader struct {
	Version     string
	Key         string
	Fingerprint digest.Key
	Findings    []Finding
	Entries     int
	Seeds       []SeedTypes
}

// cacheEntry is one model's result in one of the check's lineage builds
// (0: sources' declared columns not taken as all their columns; 1: taken).
type cacheEntry struct {
	Build  int
	Name   string
	Result *lineage.Result
}

// CacheStats says how much of a check the cache saved.
type CacheStats struct {
	// Unchanged is set when the whole check was answered from the cache.
	Unchanged bool
	// Reused and Resolved count models (per lineage build) taken from
	// the cache and resolved again; Parsed counts the statements parsed.
	Reused, Resolved, Parsed int
	// SeedsReused and SeedsInferred count seeds whose types came from
	// the cache and were inferred from the file.
	SeedsReused, SeedsInferred int
	// ResultsRead is set when the stored models' results were read: some
	// model's own definition matched a stored one, or many models were
	// resolved anew and the cache is written again with them.
	ResultsRead bool
}

// NewCache is an empty cache: a check with it stores what it finds.
func NewCache(key string) *Cache {
	return &Cache{key: key, indexed: true, loaded: true, next: [2]map[string]*lineage.Result{{}, {}}, recent: [2]map[string]*lineage.Result{{}, {}}}
}

// cacheMagic starts a stored cache. The header follows (a gob value,
// its length first), then the index (its length first; a count, then
// each entry's build, name and Own digest), the recent results (a gob
// list of cacheEntry values, its length first), then the results (a gob
// stream of cacheEntry values, in the index's order). Each of the four
// ends with its trailer (internal/trailer): a section or results whose
// trailer does not match are not used.
const cacheMagic = "elt check cache\n"

// maxSection bounds the length a damaged header or index may claim.
const maxSection = 1 << 30

// ReadCache reads the header of a cache an earlier check wrote with Save;
// the rest of r is read only if the check needs it, so r must stay
// readable until Save returns. A cache of another key or version, or
// one that cannot be read, is an empty cache, not an error.
func ReadCache(key string, r io.Reader) *Cache {
	c := NewCache(key)
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReader(r)
	}
	magic := make([]byte, len(cacheMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != cacheMagic {
		return c
	}
	raw, err := readSection(br)
	if err != nil {
		return c
	}
	var h cacheHeader
	if err := gob.NewDecoder(bytes.NewReader(raw)).Decode(&h); err != nil || h.Version != cacheVersion || h.Key != key || h.Entries < 0 {
		return c
	}
	c.stored, c.header = br, h
	c.indexed, c.loaded = false, false
	return c
}

// readSection reads a length and that many bytes.
func readSection(r *bufio.Reader) ([]byte, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, err
	}
	if n > maxSection {
		return nil, errors.New("check: cache section too long")
	}
	// Read as it comes: a damaged length in a short file does not
	// allocate what it claims.
	b, err := io.ReadAll(io.LimitReader(r, int64(n)))
	if err != nil {
		return nil, err
	}
	if uint64(len(b)) != n {
		return nil, io.ErrUnexpectedEOF
	}
	body, sealed := trailer.OpenBytes(b)
	if !sealed {
		return nil, errors.New("check: damaged cache section")
	}
	return body, nil
}

// readIndex reads the stored index and recent results; damaged ones are
// a cache without results.
func (c *Cache) readIndex() {
	if c.indexed {
		return
	}
	c.indexed = true
	raw, err := readSection(c.stored)
	var entries []indexEntry
	if err == nil {
		entries, err = decodeIndex(raw, c.header.Entries)
	}
	var recent []cacheEntry
	if err == nil {
		var rb []byte
		if rb, err = readSection(c.stored); err == nil {
			err = gob.NewDecoder(bytes.NewReader(rb)).Decode(&recent)
		}
	}
	for _, e := range recent {
		if err == nil && (e.Build < 0 || e.Build > 1 || e.Result == nil || e.Result.Model == nil) {
			err = errors.New("check: damaged recent result")
		}
	}
	if err != nil {
		c.stored, c.loaded = nil, true
		c.prev = [2]map[string]*lineage.Result{{}, {}}
		return
	}
	c.index = cacheIndex{raw: raw, entries: entries}
	for _, e := range recent {
		c.recent[e.Build][e.Name] = e.Result
	}
}

func decodeIndex(raw []byte, want int) ([]indexEntry, error) {
	bad := errors.New("check: damaged cache index")
	count, n := binary.Uvarint(raw)
	if n <= 0 || count != uint64(want) || count > uint64(len(raw)) {
		return nil, bad
	}
	raw = raw[n:]
	entries := make([]indexEntry, count)
	for i := range entries {
		if len(raw) < 1 || raw[0] > 1 {
			return nil, bad
		}
		e := &entries[i]
		e.build = int(raw[0])
		l, n := binary.Uvarint(raw[1:])
		if n <= 0 || l > uint64(len(raw)) || 1+n+int(l)+len(e.own) > len(raw) {
			return nil, bad
		}
		raw = raw[1+n:]
		e.name = string(raw[:l])
		copy(e.own[:], raw[l:])
		raw = raw[int(l)+len(e.own):]
		if i > 0 && compareIndexEntries(entries[i-1], *e) >= 0 {
			return nil, bad
		}
	}
	if len(raw) != 0 {
		return nil, bad
	}
	return entries, nil
}

// load reads the stored models' results; damaged ones are none.
func (c *Cache) load() {
	if c.loaded {
		return
	}
	c.readIndex()
	if c.loaded { // the index was damaged
		return
	}
	c.loaded = true
	c.stats.ResultsRead = true
	prev := [2]map[string]*lineage.Result{make(map[string]*lineage.Result, len(c.index.entries)), {}}
	results := trailer.NewReader(c.stored)
	dec := gob.NewDecoder(results)
	for _, x := range c.index.entries {
		var e cacheEntry
		if err := dec.Decode(&e); err != nil || e.Build != x.build || e.Name != x.name || e.Result == nil || e.Result.Model == nil {
			prev = [2]map[string]*lineage.Result{{}, {}}
			break
		}
		prev[e.Build][e.Name] = e.Result
	}
	if !results.Check() {
		prev = [2]map[string]*lineage.Result{{}, {}}
	}
	c.stored = nil
	c.prev = prev
}

// previous is the result stored for build and name, if its Own digest
// is own: a recent one, or one found in the index, the results read
// only when one may be reused. c.mu is held.
func (c *Cache) previous(build int, name string, own lineage.Digest) *lineage.Result {
	c.readIndex()
	if r := c.recent[build][name]; r != nil && r.Own == own {
		return r
	}
	if !c.loaded {
		if d, ok := c.index.find(build, name); !ok || d != own {
			return nil
		}
		c.load()
	}
	return c.prev[build][name]
}

// isStored reports whether r is a result the cache holds for build and
// name. c.mu is held.
func (c *Cache) isStored(build int, name string, r *lineage.Result) bool {
	return r == c.recent[build][name] || r == c.prev[build][name]
}

// unreadKeeps reports whether Save may keep the stored results unread:
// they were not read, and this check's results with the recent ones are
// few enough to store apart.
func (c *Cache) unreadKeeps() bool {
	if c.loaded {
		return false
	}
	n := 0
	for b := range c.next {
		n += len(c.next[b])
		for name := range c.recent[b] {
			if _, ok := c.next[b][name]; !ok {
				n++
			}
		}
	}
	return n <= keepUnread
}

// Stats reports how much of the check the cache saved.
func (c *Cache) Stats() CacheStats { return c.stats }

// Changed reports whether Save would write something new.
func (c *Cache) Changed() bool { return c.changed }

// Seed returns the seed types kept under key by an earlier check, and
// keeps them for the next one.
func (c *Cache) Seed(key string) (SeedTypes, bool) {
	if c.storedSeeds == nil {
		c.storedSeeds = make(map[string]SeedTypes, len(c.header.Seeds))
		for _, st := range c.header.Seeds {
			c.storedSeeds[st.Key] = st
		}
	}
	st, ok := c.storedSeeds[key]
	if ok {
		c.keepSeed(st)
		c.stats.SeedsReused++
	}
	return st, ok
}

// KeepSeed keeps a seed's types, inferred by this check, for the next.
func (c *Cache) KeepSeed(st SeedTypes) {
	c.keepSeed(st)
	c.stats.SeedsInferred++
	c.changed = true
}

func (c *Cache) keepSeed(st SeedTypes) {
	if c.seeds == nil {
		c.seeds = map[string]SeedTypes{}
	}
	c.seeds[st.Key] = st
}

// Save writes the cache for the next check.
func (c *Cache) Save(w io.Writer) error {
	h := c.header
	h.Version, h.Key = cacheVersion, c.key
	h.Seeds = make([]SeedTypes, 0, len(c.seeds))
	for _, st := range c.seeds {
		h.Seeds = append(h.Seeds, st)
	}
	sort.Slice(h.Seeds, func(i, j int) bool { return h.Seeds[i].Key < h.Seeds[j].Key })
	if !c.loaded {
		c.readIndex()
	}
	if !c.loaded {
		// The stored results were not read: they are kept as stored, and
		// this check's results, with the recent ones it did not replace,
		// are stored apart.
		recent := [2]map[string]*lineage.Result{maps.Clone(c.recent[0]), maps.Clone(c.recent[1])}
		for b := range c.next {
			maps.Copy(recent[b], c.next[b])
		}
		if err := writeHead(w, h, c.index.raw, sortedEntries(recent)); err != nil {
			return err
		}
		if _, err := io.Copy(w, c.stored); err != nil {
			return fmt.Errorf("check: write cache: %w", err)
		}
		return nil
	}
	entries := sortedEntries(c.next)
	h.Entries = len(entries)
	index := binary.AppendUvarint(nil, uint64(len(entries)))
	for _, e := range entries {
		index = append(index, byte(e.Build))
		index = binary.AppendUvarint(index, uint64(len(e.Name)))
		index = append(index, e.Name...)
		index = append(index, e.Result.Own[:]...)
	}
	if err := writeHead(w, h, index, []cacheEntry{}); err != nil {
		return err
	}
	results := trailer.NewWriter(w)
	enc := gob.NewEncoder(results)
	for _, e := range entries {
		if err := enc.Encode(e); err != nil {
			return fmt.Errorf("check: write cache: %w", err)
		}
	}
	if err := results.Seal(); err != nil {
		return fmt.Errorf("check: write cache: %w", err)
	}
	return nil
}

// sortedEntries are the results of both builds as stored: by build, then
// name (the index's order).
func sortedEntries(results [2]map[string]*lineage.Result) []cacheEntry {
	entries := []cacheEntry{}
	for b := range results {
		for _, name := range slices.Sorted(maps.Keys(results[b])) {
			entries = append(entries, cacheEntry{Build: b, Name: name, Result: results[b][name]})
		}
	}
	return entries
}

// writeHead writes the magic, the header, the index and the recent
// results.
func writeHead(w io.Writer, h cacheHeader, index []byte, recent []cacheEntry) error {
	var hb, rb bytes.Buffer
	if err := gob.NewEncoder(&hb).Encode(h); err != nil {
		return fmt.Errorf("check: write cache: %w", err)
	}
	if err := gob.NewEncoder(&rb).Encode(recent); err != nil {
		return fmt.Errorf("check: write cache: %w", err)
	}
	// Each section ends with its trailer: a damaged one is not believed.
	b := []byte(cacheMagic)
	for _, section := range [][]byte{hb.Bytes(), index, rb.Bytes()} {
		t := trailer.Of(section)
		b = binary.AppendUvarint(b, uint64(len(section)+len(t)))
		b = append(append(b, section...), t[:]...)
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("check: write cache: %w", err)
	}
	return nil
}

// RunCached is Run with a cache: an unchanged project's findings come
// from it, and a changed project's unchanged models are not parsed or
// resolved again. The findings are Run's. Parsers are asked for only when
// something is parsed, and asked once.
func RunCached(ctx context.Context, parsers func() lineage.Parsers, in Input, c *Cache) ([]Finding, error) {
	fp := fingerprint(c.key, in)
	if c.stored != nil && c.header.Fingerprint == fp {
		c.stats.Unchanged = true
		return append([]Finding(nil), c.header.Findings...), nil
	}
	var once sync.Once
	var ps lineage.Parsers
	var parsed atomic.Int64
	get := func(n int) lineage.Parsers {
		parsed.Add(int64(n))
		once.Do(func() { ps = parsers() })
		return ps
	}
	lazy := lineage.Parsers{DuckDB: lazyParser{get: get}, Postgres: lazyParser{get: get, postgres: true}}
	out, err := run(ctx, lazy, in, c)
	c.stats.Parsed = int(parsed.Load())
	if err != nil {
		return nil, err
	}
	if !c.loaded && !c.unreadKeeps() {
		// Too many results to store apart from the others.
		c.load()
	}
	if c.loaded {
		// Models not resolved this time (their SQL waits for the run)
		// keep their results while they are in the project: a stale one
		// is never used, since its digests no longer match.
		present := make(map[string]bool, len(in.Nodes)+len(in.Others))
		for _, n := range in.Nodes {
			present[n.Name] = true
		}
		for _, o := range in.Others {
			present[o.Name] = true
		}
		for b := range c.prev {
			// A recent result is newer than the one stored with the others.
			for _, l := range []map[string]*lineage.Result{c.recent[b], c.prev[b]} {
				for name, r := range l {
					if _, ok := c.next[b][name]; !ok && present[name] {
						c.next[b][name] = r
					}
				}
			}
		}
	}
	c.header.Fingerprint, c.header.Findings = fp, append([]Finding(nil), out...)
	c.changed = true
	return out, nil
}

// keepUnread is how many results a check that read none of the stored
// ones (no model's own definition matched: compile -s of one changed
// model, the rest not compiled) may store apart, with the recent ones
// it did not replace, keeping the stored ones as they are instead of
// reading and writing them all again. More, and they are all read and
// written together.
const keepUnread = 64

// lazyParser asks for the parsers on its first parse: a check whose
// models are all reused opens no parser.
type lazyParser struct {
	get      func(statements int) lineage.Parsers
	postgres bool
}

func (p lazyParser) inner(statements int) lineage.Parser {
	ps := p.get(statements)
	if p.postgres {
		return ps.Postgres
	}
	return ps.DuckDB
}

func (p lazyParser) Parse(ctx context.Context, sql string) (sqlmodel.Query, error) {
	inner := p.inner(1)
	if inner == nil {
		return nil, errNoParser
	}
	return inner.Parse(ctx, sql)
}

func (p lazyParser) ParseBatch(ctx context.Context, sqls []string) ([]sqlmodel.Query, []error) {
	qs, errs := make([]sqlmodel.Query, len(sqls)), make([]error, len(sqls))
	switch inner := p.inner(len(sqls)).(type) {
	case lineage.BatchParser:
		return inner.ParseBatch(ctx, sqls)
	case nil:
		for i := range errs {
			errs[i] = errNoParser
		}
	default:
		for i, sql := range sqls {
			qs[i], errs[i] = inner.Parse(ctx, sql)
		}
	}
	return qs, errs
}

var errNoParser = errors.New("check: no SQL parser")

// reuse is the cache as one lineage build sees it.
type reuse struct {
	c     *Cache
	build int
}

func (r reuse) Previous(n *lineage.Node, own lineage.Digest) *lineage.Result {
	r.c.mu.Lock()
	defer r.c.mu.Unlock()
	return r.c.previous(r.build, n.Name, own)
}

func (r reuse) Store(n *lineage.Node, res *lineage.Result) {
	r.c.mu.Lock()
	defer r.c.mu.Unlock()
	if r.c.isStored(r.build, n.Name, res) {
		r.c.stats.Reused++
	} else {
		r.c.stats.Resolved++
	}
	r.c.next[r.build][n.Name] = res
}

// fingerprint is the digest of everything a check reads.
func fingerprint(key string, in Input) digest.Key {
	h := digest.NewHasher()
	// Written through a buffer: most fields are short, and a hash write
	// of a few bytes costs more than copying them.
	var b digest.Buf
	b.Str(cacheVersion, key)
	b.List(in.KnownRelations)
	b.Num(len(in.Nodes))
	var keys, types []string
	for _, n := range in.Nodes {
		b.Str(n.Name, n.Relation, n.SQL, n.Dialect, n.Kind, n.File, n.RawSQL)
		b.List(n.Columns)
		b.List(n.ExtraColumns)
		b.List(n.DependsOn)
		keys, types = keys[:0], types[:0]
		for c := range n.Types {
			keys = append(keys, c)
		}
		sort.Strings(keys)
		for _, c := range keys {
			types = append(types, c, n.Types[c])
		}
		b.List(types)
		b.Num(n.RawLine)
		flags := 0
		for i, f := range []bool{n.Ephemeral, n.Check, n.DeclaredColumns, n.Types == nil} {
			if f {
				flags |= 1 << i
			}
		}
		b.Num(flags)
		if len(b) > 1<<16 {
			h.Write(b)
			b = b[:0]
		}
	}
	b.Num(len(in.Others))
	for _, o := range in.Others {
		b.Str(o.Name, o.Kind, o.Relation)
		if len(b) > 1<<16 {
			h.Write(b)
			b = b[:0]
		}
	}
	h.Write(b)
	return h.Key()
}
