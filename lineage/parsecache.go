package lineage

import (
	"context"
	"crypto/sha256"
	"encoding/gob"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/elt-dev/elt/lineage/sqlmodel"
)

// parseCacheVersion changes whenever the stored query model changes shape;
// a cache of another version is ignored.
const parseCacheVersion = "elt-parse-cache-1"

// ParseCache keeps the query models of SQL parsed by an earlier invocation,
// by the SQL's hash, so that a model whose compiled SQL did not change is
// not parsed again. Parsing every model (DuckDB's json_serialize_sql and
// decoding its tree) is most of what the static checks cost.
//
// A parse depends only on the parser and the SQL text: the parser is
// named in each entry's hash, and the key given to NewParseCache (elt's
// version and build, which fix the parsers) must match the stored one.
// A statement the parser rejects is kept too (its *sqlmodel.ParseError);
// any other failure (a cancelled context, a broken parser) is not.
//
// A ParseCache is safe for concurrent use.
type ParseCache struct {
	key string
	// unread is set when the stored cache was left unread (see
	// NewParseCache): it is then not written either.
	unread bool
	old    map[[32]byte]*parseEntry
	mu     sync.Mutex
	next   map[[32]byte]*parseEntry

	hits, misses atomic.Int64
}

// parseEntry is one parse: its query or its parse error.
type parseEntry struct {
	Sum   [32]byte
	Query sqlmodel.Query
	Err   *sqlmodel.ParseError
}

// parseCacheHeader starts the stored cache; Entries parseEntry values
// follow, one gob value each, on one encoder (types are sent once).
type parseCacheHeader struct {
	Version string
	Key     string
	Entries int
}

func init() {
	// Every concrete type behind sqlmodel's Query, Table and Expr.
	for _, v := range []any{
		&sqlmodel.Select{}, &sqlmodel.SetOp{}, &sqlmodel.Values{},
		&sqlmodel.BaseTable{}, &sqlmodel.Subquery{}, &sqlmodel.Join{}, &sqlmodel.UnsupportedTable{},
		&sqlmodel.ColumnRef{}, &sqlmodel.Literal{}, &sqlmodel.Call{}, &sqlmodel.SubqueryExpr{},
		&sqlmodel.Unsupported{}, &sqlmodel.Ordinal{},
	} {
		gob.Register(v)
	}
}

// NewParseCache reads a cache an earlier invocation wrote with Save (r may
// be nil: no earlier cache). A cache of another key or version, or one
// that cannot be read (a truncated file), is an empty cache, not an error.
//
// parses is how many statements the caller is about to parse. When they
// are few next to the stored entries (a check of one selected model in a
// large project), reading every entry would cost more than parsing them:
// the cache is then left unread, and Save is not to be called (Changed
// reports false), so the file stays for the next full check.
func NewParseCache(key string, r io.Reader, parses int) *ParseCache {
	c := &ParseCache{key: key, next: map[[32]byte]*parseEntry{}}
	if r == nil {
		return c
	}
	dec := gob.NewDecoder(r)
	var h parseCacheHeader
	if err := dec.Decode(&h); err != nil || h.Version != parseCacheVersion || h.Key != key {
		return c
	}
	// Decoding an entry costs about a tenth of parsing its SQL.
	if parses*10 < h.Entries {
		c.unread = true
		return c
	}
	old := make(map[[32]byte]*parseEntry, min(max(h.Entries, 0), 1<<20)) // a damaged count must not allocate
	for range h.Entries {
		var e parseEntry
		if err := dec.Decode(&e); err != nil || (e.Query == nil) == (e.Err == nil) {
			return c
		}
		old[e.Sum] = &e
	}
	c.old = old
	return c
}

// Parsers wraps each of p's parsers with the cache; a nil parser stays nil.
func (c *ParseCache) Parsers(p Parsers) Parsers {
	if p.DuckDB != nil {
		p.DuckDB = &cachedParser{cache: c, name: "duckdb", inner: p.DuckDB}
	}
	if p.Postgres != nil {
		p.Postgres = &cachedParser{cache: c, name: "postgres", inner: p.Postgres}
	}
	return p
}

// ParseCacheStats counts the parses a cache saved and the ones it did not.
type ParseCacheStats struct{ Hits, Misses int }

// Stats reports how often the cache was used.
func (c *ParseCache) Stats() ParseCacheStats {
	return ParseCacheStats{Hits: int(c.hits.Load()), Misses: int(c.misses.Load())}
}

// Changed reports whether Save would write something other than what was
// read: a parse was missed, or (unless keepUnused) an entry was not used.
// It is false for a cache left unread.
func (c *ParseCache) Changed(keepUnused bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.unread {
		return false
	}
	if c.misses.Load() > 0 {
		return true
	}
	return !keepUnused && len(c.next) != len(c.old)
}

// Save writes the parses used by this invocation, and with keepUnused the
// earlier invocation's that were not used (a check of a few selected
// models keeps the rest of the project's parses for the next full one).
func (c *ParseCache) Save(w io.Writer, keepUnused bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	entries := make([]*parseEntry, 0, len(c.next))
	for _, e := range c.next {
		entries = append(entries, e)
	}
	if keepUnused {
		for sum, e := range c.old {
			if _, ok := c.next[sum]; !ok {
				entries = append(entries, e)
			}
		}
	}
	enc := gob.NewEncoder(w)
	if err := enc.Encode(parseCacheHeader{Version: parseCacheVersion, Key: c.key, Entries: len(entries)}); err != nil {
		return fmt.Errorf("lineage: write parse cache: %w", err)
	}
	for _, e := range entries {
		if err := enc.Encode(e); err != nil {
			return fmt.Errorf("lineage: write parse cache: %w", err)
		}
	}
	return nil
}

// cachedParser is one parser behind the cache.
type cachedParser struct {
	cache *ParseCache
	name  string
	inner Parser
}

func (p *cachedParser) Parse(ctx context.Context, sql string) (sqlmodel.Query, error) {
	h := sha256.New()
	io.WriteString(h, p.name)
	h.Write([]byte{0})
	io.WriteString(h, sql)
	var sum [32]byte
	h.Sum(sum[:0])
	c := p.cache
	c.mu.Lock()
	e := c.next[sum]
	if e == nil {
		if e = c.old[sum]; e != nil {
			c.next[sum] = e
		}
	}
	c.mu.Unlock()
	if e != nil {
		c.hits.Add(1)
		// The resolver only reads a query model, so one can be shared.
		if e.Err != nil {
			return nil, &sqlmodel.ParseError{Message: e.Err.Message, Pos: e.Err.Pos}
		}
		return e.Query, nil
	}
	c.misses.Add(1)
	q, err := p.inner.Parse(ctx, sql)
	// Only the parser's own verdict on the SQL is kept, not an error
	// wrapping one (that may say something about this invocation).
	pe, _ := err.(*sqlmodel.ParseError)
	switch {
	case err == nil && q != nil:
		e = &parseEntry{Sum: sum, Query: q}
	case pe != nil:
		e = &parseEntry{Sum: sum, Err: &sqlmodel.ParseError{Message: pe.Message, Pos: pe.Pos}}
	default:
		return q, err
	}
	c.mu.Lock()
	c.next[sum] = e
	c.mu.Unlock()
	return q, err
}
