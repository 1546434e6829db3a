package duckdb

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/elt-dev/elt/adapters"
)

// kindCache remembers which relations exist, and whether each is a table
// or a view, in the schemas that materializations touch, so that building
// a model does not scan DuckDB's whole catalog: duckdb_tables() lists every
// table of every attached database, which made each node's cost grow with
// the project's size.
//
// A schema is read with one catalog query the first time a materialization
// asks about one of its relations; after that the adapter's own builds keep
// it up to date (Adapter.settle). Anything the adapter cannot follow (a hook
// or run_query executing DDL, a bulk load) forgets every schema, so the
// next look-up reads the catalog again. Only committed state is kept: a
// build updates its relation after its transaction ends.
//
// A schema is read inside the asking transaction (another connection
// could be one more than the pool has), so what it reads is the catalog as
// of that transaction's start. It is kept only if nothing changed since
// then (version), else it answers that one look-up and is thrown away.
type kindCache struct {
	mu      sync.Mutex
	schemas map[string]map[string]adapters.RelationKind // schema key -> lower(identifier) -> kind
	version uint64                                      // counts every set and forget
}

// kindUnknown marks a relation whose kind must be read from the catalog
// again (a build of it failed or made something the adapter cannot name).
const kindUnknown adapters.RelationKind = "unknown"

func schemaKey(rel adapters.Relation) string {
	return strings.ToLower(rel.Database) + "\x00" + strings.ToLower(rel.Schema)
}

// cacheable says whether rel's schema is one kindCache keeps: a fully
// named relation outside DuckDB's connection-private temp catalog.
func cacheable(rel adapters.Relation) bool {
	return rel.Database != "" && rel.Schema != "" && !strings.EqualFold(rel.Database, "temp")
}

// current is the version to pass to kind, read before the transaction
// (or query) that will read the catalog begins.
func (c *kindCache) current() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.version
}

// kind returns rel's kind from the cache, reading rel's schema with one
// query through q when the cache does not hold it yet; since is what
// current said before q's transaction began. ok is false when the cache
// cannot answer and the caller must ask the catalog itself.
func (c *kindCache) kind(ctx context.Context, q queryer, since uint64, rel adapters.Relation) (kind adapters.RelationKind, ok bool, err error) {
	if !cacheable(rel) {
		return "", false, nil
	}
	key := schemaKey(rel)
	c.mu.Lock()
	kinds, loaded := c.schemas[key]
	c.mu.Unlock()
	if !loaded {
		if kinds, err = schemaKinds(ctx, q, rel.Database, rel.Schema); err != nil {
			return "", false, err
		}
		c.mu.Lock()
		if _, loaded := c.schemas[key]; !loaded && c.version == since {
			if c.schemas == nil {
				c.schemas = map[string]map[string]adapters.RelationKind{}
			}
			c.schemas[key] = kinds
		}
		c.mu.Unlock()
	}
	k, found := kinds[strings.ToLower(rel.Identifier)]
	switch {
	case !found:
		return adapters.KindNone, true, nil
	case k == kindUnknown:
		return "", false, nil
	}
	return k, true, nil
}

// set records rel's kind after a build's transaction ended; kindUnknown
// when the build failed or its result is not known. A schema not loaded
// yet is left alone: loading it will read the committed state.
func (c *kindCache) set(rel adapters.Relation, kind adapters.RelationKind) {
	if !cacheable(rel) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.version++
	if kinds, loaded := c.schemas[schemaKey(rel)]; loaded {
		if kind == adapters.KindNone {
			delete(kinds, strings.ToLower(rel.Identifier))
		} else {
			kinds[strings.ToLower(rel.Identifier)] = kind
		}
	}
}

// forget drops everything: something changed the catalog in a way the
// adapter cannot follow.
func (c *kindCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.version++
	c.schemas = nil
}

// schemaKinds reads the kind of every relation in database.schema.
func schemaKinds(ctx context.Context, q queryer, database, schema string) (map[string]adapters.RelationKind, error) {
	rows, err := q.QueryContext(ctx, `
		select lower(table_name), 'table' from duckdb_tables()
		where not temporary and lower(database_name) = lower(?) and lower(schema_name) = lower(?)
		union all
		select lower(view_name), 'view' from duckdb_views()
		where not internal and not temporary and lower(database_name) = lower(?) and lower(schema_name) = lower(?)`,
		database, schema, database, schema)
	if err != nil {
		return nil, fmt.Errorf("read the catalog of %s: %w", Dialect{}.RenderRelation(adapters.Relation{Database: database, Schema: schema}), adapters.ContextError(ctx, err))
	}
	defer rows.Close()
	kinds := map[string]adapters.RelationKind{}
	for rows.Next() {
		var name, kind string
		if err := rows.Scan(&name, &kind); err != nil {
			return nil, err
		}
		if _, dup := kinds[name]; !dup {
			kinds[name] = adapters.RelationKind(kind)
		}
	}
	return kinds, adapters.ContextError(ctx, rows.Err())
}

// settle records what a build left rel as once its transaction ended:
// kind when it succeeded, unknown when it failed (a failed commit leaves
// the catalog uncertain, so it is read again if asked).
func (a *Adapter) settle(rel adapters.Relation, kind adapters.RelationKind, err error) {
	if err != nil || kind == "" {
		kind = kindUnknown
	}
	a.kinds.set(rel, kind)
}

// keepsKinds says whether sql is one statement that cannot create, drop,
// rename or replace a relation, so running it keeps the cached relation
// kinds: a query (SELECT, DESCRIBE, SHOW, ...), or one that changes rows,
// comments or settings (INSERT, UPDATE, DELETE, COMMENT ON, ANALYZE, SET,
// COPY into or out of a table, ...), as projects' hooks and persist_docs
// run after every model. Forgetting the kinds after each such statement
// made the next model read DuckDB's whole catalog again (2,000 table
// models with a COMMENT ON post-hook: 41 s, 70% of it there). Anything
// else, or anything unsure (several statements, CALL, PRAGMA, ATTACH,
// ALTER, a transaction's COMMIT, COPY FROM DATABASE), is not; of CREATE
// and DROP, only an index's.
func keepsKinds(sql string) bool {
	s := skipSpaceAndComments(sql)
	end := strings.TrimRight(s, " \t\r\n;")
	if strings.Contains(end, ";") {
		return false // several statements
	}
	word, rest := firstWord(s)
	switch strings.ToLower(word) {
	case "select", "with", "from", "values", "table", "describe", "show", "summarize",
		"insert", "update", "delete", "merge", "truncate", "comment", "analyze", "vacuum",
		"checkpoint", "set", "reset", "grant", "revoke":
		return true
	case "force":
		next, _ := firstWord(rest)
		return strings.EqualFold(next, "checkpoint")
	case "copy":
		// COPY t FROM 'file', COPY t TO 'file', COPY (query) TO 'file';
		// COPY FROM DATABASE a TO b creates relations.
		next, _ := firstWord(rest)
		return !strings.EqualFold(next, "from")
	case "create", "drop":
		// An index is no relation: CREATE [UNIQUE] INDEX, DROP INDEX.
		next, rest := firstWord(rest)
		if strings.EqualFold(word, "create") && strings.EqualFold(next, "unique") {
			next, _ = firstWord(rest)
		}
		return strings.EqualFold(next, "index")
	}
	return false
}

// firstWord is s's leading run of letters and underscores (after white
// space and comments), and what follows it.
func firstWord(s string) (word, rest string) {
	s = skipSpaceAndComments(s)
	i := strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_')
	})
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// skipSpaceAndComments drops leading white space, -- comments and /* */
// comments (a query comment may come first).
func skipSpaceAndComments(s string) string {
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		switch {
		case strings.HasPrefix(s, "--"):
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return ""
			}
			s = s[i+1:]
		case strings.HasPrefix(s, "/*"):
			i := strings.Index(s[2:], "*/")
			if i < 0 {
				return ""
			}
			s = s[2+i+2:]
		default:
			return s
		}
	}
}
