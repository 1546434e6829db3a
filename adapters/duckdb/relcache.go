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
	key, ident := schemaKey(rel), strings.ToLower(rel.Identifier)
	// A schema's map is looked up under the lock, as set changes it: the
	// builds of other nodes settle into it while this one asks.
	c.mu.Lock()
	kinds, loaded := c.schemas[key]
	k, found := kinds[ident]
	c.mu.Unlock()
	if !loaded {
		// Read into a map of its own, looked up before it is shared.
		if kinds, err = schemaKinds(ctx, q, rel.Database, rel.Schema); err != nil {
			return "", false, err
		}
		k, found = kinds[ident]
		c.mu.Lock()
		if _, loaded := c.schemas[key]; !loaded && c.version == since {
			if c.schemas == nil {
				c.schemas = map[string]map[string]adapters.RelationKind{}
			}
			c.schemas[key] = kinds
		}
		c.mu.Unlock()
	}
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
	c.put(rel, kind, false)
}

// put is set; ifAbsent leaves a relation the cache holds as it is, as
// CREATE ... IF NOT EXISTS does.
func (c *kindCache) put(rel adapters.Relation, kind adapters.RelationKind, ifAbsent bool) {
	if !cacheable(rel) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.version++
	kinds, loaded := c.schemas[schemaKey(rel)]
	if !loaded {
		return
	}
	ident := strings.ToLower(rel.Identifier)
	if _, found := kinds[ident]; found && ifAbsent {
		return
	}
	setEntry(kinds, ident, kind)
}

// setEntry records ident's kind in a schema's map; absent is no entry.
func setEntry(kinds map[string]adapters.RelationKind, ident string, kind adapters.RelationKind) {
	if kind == adapters.KindNone {
		delete(kinds, ident)
	} else {
		kinds[ident] = kind
	}
}

// resolved records the kind the catalog gave for rel, read on the pool
// after current said since, where the cache could not answer (its entry
// was unknown): if nothing changed since, the entry takes it, so the next
// look-up is answered again. Without this an entry left unknown by a
// failed statement sent every later look-up to the catalog.
func (c *kindCache) resolved(rel adapters.Relation, kind adapters.RelationKind, since uint64) {
	if !cacheable(rel) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	kinds, loaded := c.schemas[schemaKey(rel)]
	ident := strings.ToLower(rel.Identifier)
	if !loaded || c.version != since || kinds[ident] != kindUnknown {
		return
	}
	setEntry(kinds, ident, kind)
}

// apply records what a statement that ran outside any transaction of its
// own did (kindChangeOf); err is the statement's.
func (c *kindCache) apply(ch kindChange, err error) {
	switch {
	case ch.op == changeKeep:
	case ch.op == changeForget:
		c.forget()
	case err != nil:
		// A failed statement changes nothing, but what its error leaves
		// unsaid is not worth guessing: the relation is read again.
		c.set(ch.rel, kindUnknown)
		if ch.op == changeRename {
			c.set(ch.to, kindUnknown)
		}
	case ch.op == changeIfAbsent:
		c.put(ch.rel, ch.kind, true)
	case ch.op == changeRename:
		c.set(ch.rel, adapters.KindNone)
		c.set(ch.to, ch.kind)
	default:
		c.set(ch.rel, ch.kind)
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

// kindChange is what running one statement does to the cached relation
// kinds: nothing (keep), one fully named relation's kind set (a CREATE
// or DROP of a table or view), or everything forgotten.
type kindChange struct {
	op   changeOp
	rel  adapters.Relation
	kind adapters.RelationKind // KindNone for a drop
	to   adapters.Relation     // a rename's new name, which becomes kind
}

type changeOp int

const (
	changeForget   changeOp = iota
	changeKeep              // cannot create, drop, rename or replace a relation
	changeSet               // rel is now kind
	changeIfAbsent          // rel is now kind if it was absent (IF NOT EXISTS)
	changeRename            // rel is gone, to is now kind
)

// kindChangeOf says what sql, once it has run and committed, did to the
// relation kinds.
//
// A statement that cannot create, drop, rename or replace a relation keeps
// them (changeKeep): a query (SELECT, DESCRIBE, SHOW, ...), or one that
// changes rows, comments, columns or settings (INSERT, UPDATE, DELETE,
// COMMENT ON, ANALYZE, SET, COPY into or out of a table, ALTER TABLE's
// column and constraint changes, CREATE SCHEMA, CREATE or DROP INDEX), as
// projects' hooks and persist_docs run after every model. Forgetting the
// kinds after each such statement made the next model read DuckDB's whole
// catalog again (2,000 table models with a COMMENT ON post-hook: 41 s, 70%
// of it there).
//
// CREATE [OR REPLACE] TABLE or VIEW [IF NOT EXISTS], DROP TABLE or VIEW
// [IF EXISTS] and ALTER TABLE or VIEW ... RENAME TO of a name with all
// three parts (database, schema, identifier) set that one relation's kind,
// as a loader's and a hook's DDL does: forgetting every kind after each
// made every loader read the whole catalog again (duckdb_tables(), 15 ms a
// call beside 2,000 tables).
//
// Anything else, or anything unsure, forgets them all: several statements,
// CALL, PRAGMA, ATTACH, a transaction's COMMIT, COPY FROM DATABASE, any
// other CREATE or DROP, DROP ... CASCADE, a name of fewer parts.
func kindChangeOf(sql string) kindChange {
	forget := kindChange{op: changeForget}
	keep := kindChange{op: changeKeep}
	s := skipSpaceAndComments(sql)
	end := strings.TrimRight(s, " \t\r\n;")
	if strings.Contains(end, ";") {
		return forget // several statements
	}
	word, rest := firstWord(end)
	switch strings.ToLower(word) {
	case "select", "with", "from", "values", "table", "describe", "show", "summarize",
		"insert", "update", "delete", "merge", "truncate", "comment", "analyze", "vacuum",
		"checkpoint", "set", "reset", "grant", "revoke":
		return keep
	case "force":
		if next, _ := firstWord(rest); strings.EqualFold(next, "checkpoint") {
			return keep
		}
	case "copy":
		// COPY t FROM 'file', COPY t TO 'file', COPY (query) TO 'file';
		// COPY FROM DATABASE a TO b creates relations.
		if next, _ := firstWord(rest); !strings.EqualFold(next, "from") {
			return keep
		}
	case "alter":
		// ALTER TABLE t ADD/DROP/ALTER ... and RENAME COLUMN change
		// columns and constraints, not what t is. ALTER TABLE or VIEW
		// db.s.t RENAME TO u moves t to u.
		next, rest := firstWord(rest)
		isTable, isView := strings.EqualFold(next, "table"), strings.EqualFold(next, "view")
		if !isTable && !isView {
			break
		}
		parts, rest, ok := nameParts(words(rest, "if", "exists"))
		if !ok {
			break
		}
		action, rest := firstWord(rest)
		switch strings.ToLower(action) {
		case "add", "drop", "alter":
			if isTable {
				return keep
			}
		case "rename":
			if _, ok := word2(rest, "column"); ok && isTable {
				return keep
			}
			rest, ok := word2(rest, "to")
			to, after, toOK := nameParts(rest)
			if !ok || !toOK || len(to) != 1 || len(parts) != 3 || strings.TrimSpace(after) != "" {
				break
			}
			kind := adapters.KindTable
			if isView {
				kind = adapters.KindView
			}
			from := adapters.Relation{Database: parts[0], Schema: parts[1], Identifier: parts[2]}
			return kindChange{op: changeRename, rel: from, kind: kind, to: adapters.Relation{Database: parts[0], Schema: parts[1], Identifier: to[0]}}
		}
	case "create":
		next, rest := firstWord(rest)
		orReplace := false
		if strings.EqualFold(next, "or") {
			var r string
			if r, orReplace = word2(rest, "replace"); !orReplace {
				return forget
			}
			next, rest = firstWord(r)
		}
		switch strings.ToLower(next) {
		case "unique":
			// An index is no relation: CREATE [UNIQUE] INDEX.
			if next, _ := firstWord(rest); strings.EqualFold(next, "index") && !orReplace {
				return keep
			}
		case "index", "schema":
			if !orReplace {
				return keep
			}
		case "table", "view":
			kind := adapters.KindTable
			if strings.EqualFold(next, "view") {
				kind = adapters.KindView
			}
			op := changeSet
			if r, ok := word2(rest, "if"); ok {
				if r, ok = word2(r, "not"); !ok {
					return forget
				}
				if rest, ok = word2(r, "exists"); !ok {
					return forget
				}
				op = changeIfAbsent
			}
			if rel, _, ok := relationName(rest); ok {
				return kindChange{op: op, rel: rel, kind: kind}
			}
		}
	case "drop":
		next, rest := firstWord(rest)
		switch strings.ToLower(next) {
		case "index":
			return keep
		case "table", "view":
			// DROP ... CASCADE may drop other relations too.
			rel, after, ok := relationName(words(rest, "if", "exists"))
			if tail := strings.TrimSpace(after); ok && (tail == "" || strings.EqualFold(tail, "restrict")) {
				return kindChange{op: changeSet, rel: rel, kind: adapters.KindNone}
			}
		}
	}
	return forget
}

// word2 is rest after the word w, if w is what rest starts with.
func word2(s, w string) (rest string, ok bool) {
	next, rest := firstWord(s)
	if !strings.EqualFold(next, w) {
		return s, false
	}
	return rest, true
}

// words skips the words ws at the start of s when they are all there
// (IF EXISTS), and returns s as it is otherwise.
func words(s string, ws ...string) string {
	rest := s
	for _, w := range ws {
		var ok bool
		if rest, ok = word2(rest, w); !ok {
			return s
		}
	}
	return rest
}

// relationName reads a database.schema.identifier name at the start of s
// and returns it with what follows. ok is false for anything else, a name
// of fewer parts among them: which relation that means depends on the
// connection's current schema.
func relationName(s string) (rel adapters.Relation, rest string, ok bool) {
	parts, rest, ok := nameParts(s)
	if !ok || len(parts) != 3 {
		return rel, rest, false
	}
	return adapters.Relation{Database: parts[0], Schema: parts[1], Identifier: parts[2]}, rest, true
}

// nameParts reads a dotted name at the start of s (after white space and
// comments), each part plain (letters, digits and underscores, not
// starting with a digit) or double-quoted, which ends at white space, a
// parenthesis, a comment or the end of s.
func nameParts(s string) (parts []string, rest string, ok bool) {
	s = skipSpaceAndComments(s)
	for {
		part, r, ok := identifier(s)
		if !ok {
			return nil, s, false
		}
		parts = append(parts, part)
		if !strings.HasPrefix(r, ".") {
			s = r
			break
		}
		s = r[1:]
	}
	if s != "" && !strings.ContainsRune(" \t\r\n(", rune(s[0])) && !strings.HasPrefix(s, "--") && !strings.HasPrefix(s, "/*") {
		return nil, s, false
	}
	return parts, s, true
}

// identifier reads one plain or double-quoted identifier at the start of s.
func identifier(s string) (name, rest string, ok bool) {
	if strings.HasPrefix(s, `"`) {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			if s[i] != '"' {
				b.WriteByte(s[i])
				continue
			}
			if i+1 < len(s) && s[i+1] == '"' {
				b.WriteByte('"')
				i++
				continue
			}
			return b.String(), s[i+1:], b.Len() > 0
		}
		return "", s, false
	}
	i := 0
	for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || s[i] == '_' || i > 0 && s[i] >= '0' && s[i] <= '9') {
		i++
	}
	return s[:i], s[i:], i > 0
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
