package check

import (
	"context"
	"crypto/sha256"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/elt-dev/elt/internal/digest"
	"github.com/elt-dev/elt/lineage"
	"github.com/elt-dev/elt/lineage/sqlmodel"
)

// cacheVersion changes whenever what the cache stores changes shape; a
// cache of another version is ignored.
const cacheVersion = "elt-check-cache-3"

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
	// dec reads the stored models' results, on demand: a check of an
	// unchanged project needs only the header.
	dec     *gob.Decoder
	header  cacheHeader
	loaded  bool
	prev    [2]map[string]*lineage.Result
	mu      sync.Mutex
	next    [2]map[string]*lineage.Result
	changed bool
	stats   CacheStats
	// seeds are the seed types asked for or kept by this check, by key;
	// stored indexes the header's by key once one is asked for.
	seeds, stored map[string]SeedTypes
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
	Fingerprint [32]byte
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
}

// NewCache is an empty cache: a check with it stores what it finds.
func NewCache(key string) *Cache { return &Cache{key: key} }

// ReadCache reads the header of a cache an earlier check wrote with Save;
// the rest of r is read only if the check needs it, so r must stay
// readable until RunCached returns. A cache of another key or version, or
// one that cannot be read, is an empty cache, not an error.
func ReadCache(key string, r io.Reader) *Cache {
	c := NewCache(key)
	dec := gob.NewDecoder(r)
	var h cacheHeader
	if err := dec.Decode(&h); err != nil || h.Version != cacheVersion || h.Key != key || h.Entries < 0 {
		return c
	}
	c.dec, c.header = dec, h
	return c
}

// load reads the stored models' results; a damaged cache is an empty one.
func (c *Cache) load() {
	if c.loaded {
		return
	}
	c.loaded = true
	// A damaged count must not allocate much.
	size := min(c.header.Entries, 1<<20)
	prev := [2]map[string]*lineage.Result{make(map[string]*lineage.Result, size), {}}
	if c.dec != nil {
		for range c.header.Entries {
			var e cacheEntry
			if err := c.dec.Decode(&e); err != nil || e.Build < 0 || e.Build > 1 || e.Result == nil || e.Result.Model == nil {
				prev = [2]map[string]*lineage.Result{{}, {}}
				break
			}
			prev[e.Build][e.Name] = e.Result
		}
	}
	c.dec = nil
	c.prev = prev
	c.next = [2]map[string]*lineage.Result{make(map[string]*lineage.Result, len(prev[0])), make(map[string]*lineage.Result, len(prev[1]))}
}

// Stats reports how much of the check the cache saved.
func (c *Cache) Stats() CacheStats { return c.stats }

// Changed reports whether Save would write something new.
func (c *Cache) Changed() bool { return c.changed }

// Seed returns the seed types kept under key by an earlier check, and
// keeps them for the next one.
func (c *Cache) Seed(key string) (SeedTypes, bool) {
	if c.stored == nil {
		c.stored = make(map[string]SeedTypes, len(c.header.Seeds))
		for _, st := range c.header.Seeds {
			c.stored[st.Key] = st
		}
	}
	st, ok := c.stored[key]
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
	if !c.loaded {
		// Only seed types changed: the models' results are the stored ones.
		c.load()
		for b := range c.prev {
			for name, r := range c.prev[b] {
				c.next[b][name] = r
			}
		}
	}
	var entries []cacheEntry
	for b := range c.next {
		names := make([]string, 0, len(c.next[b]))
		for name := range c.next[b] {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			entries = append(entries, cacheEntry{Build: b, Name: name, Result: c.next[b][name]})
		}
	}
	h := c.header
	h.Version, h.Key, h.Entries = cacheVersion, c.key, len(entries)
	h.Seeds = make([]SeedTypes, 0, len(c.seeds))
	for _, st := range c.seeds {
		h.Seeds = append(h.Seeds, st)
	}
	sort.Slice(h.Seeds, func(i, j int) bool { return h.Seeds[i].Key < h.Seeds[j].Key })
	enc := gob.NewEncoder(w)
	if err := enc.Encode(h); err != nil {
		return fmt.Errorf("check: write cache: %w", err)
	}
	for _, e := range entries {
		if err := enc.Encode(e); err != nil {
			return fmt.Errorf("check: write cache: %w", err)
		}
	}
	return nil
}

// RunCached is Run with a cache: an unchanged project's findings come
// from it, and a changed project's unchanged models are not parsed or
// resolved again. The findings are Run's. Parsers are asked for only when
// something is parsed, and asked once.
func RunCached(ctx context.Context, parsers func() lineage.Parsers, in Input, c *Cache) ([]Finding, error) {
	fp := fingerprint(c.key, in)
	if c.dec != nil && c.header.Fingerprint == fp {
		c.stats.Unchanged = true
		return append([]Finding(nil), c.header.Findings...), nil
	}
	c.load()
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
	// Models not resolved this time (their SQL waits for the run) keep
	// their results while they are in the project: a stale one is never
	// used, since its digests no longer match.
	present := make(map[string]bool, len(in.Nodes))
	for _, n := range in.Nodes {
		present[n.Name] = true
	}
	for b := range c.prev {
		for name, r := range c.prev[b] {
			if _, ok := c.next[b][name]; !ok && present[name] {
				c.next[b][name] = r
			}
		}
	}
	c.header.Fingerprint, c.header.Findings = fp, append([]Finding(nil), out...)
	c.changed = true
	return out, nil
}

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

func (r reuse) Previous(n *lineage.Node) *lineage.Result {
	r.c.mu.Lock()
	defer r.c.mu.Unlock()
	return r.c.prev[r.build][n.Name]
}

func (r reuse) Store(n *lineage.Node, res *lineage.Result) {
	r.c.mu.Lock()
	defer r.c.mu.Unlock()
	if r.c.prev[r.build][n.Name] == res {
		r.c.stats.Reused++
	} else {
		r.c.stats.Resolved++
	}
	r.c.next[r.build][n.Name] = res
}

// fingerprint is the digest of everything a check reads.
func fingerprint(key string, in Input) [32]byte {
	h := sha256.New()
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
	h.Write(b)
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}
