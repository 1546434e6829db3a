package compiler

import (
	"context"
	"strings"

	"github.com/elt-dev/elt/internal/asciifold"
	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/jinja"
	"github.com/elt-dev/elt/project"
)

// resolveRelations names every model, seed and snapshot (dbt's
// generate_database_name / generate_schema_name / generate_alias_name) and
// every source. Ephemeral models and tests have no relation.
func (m *Manifest) resolveRelations(ctx context.Context, l *diag.List, ids []string, nodes []*Node) {
	e := m.engine
	for id, s := range m.Sources {
		db, schema, ident := s.Database, s.Schema, s.Identifier
		if db == "" {
			db = e.target.Database
		}
		if schema == "" {
			schema = s.SourceName
		}
		if ident == "" {
			ident = s.Name
		}
		s.Database, s.Schema, s.Identifier = db, schema, ident
		m.SourceRelations[id] = renderQuoted(e.dialect, Relation{db, schema, ident}, e.sourceQuoting(s))
		if !e.externalSources() {
			continue
		}
		loc, ok, d := e.externalSource(s)
		if d != nil {
			l.Add(*d)
		}
		if ok {
			m.SourceRelations[id] = loc
			if m.externalSources == nil {
				m.externalSources = map[string]bool{}
			}
			m.externalSources[id] = true
		}
	}
	errs := make([]error, len(ids))
	m.parallel(ctx, len(ids), func(i int) {
		n := nodes[i]
		if n.ResourceType == project.Test {
			// As dbt: a data test has the relation its failures would be
			// stored in (schema from its config, dbt_test__audit unless
			// set), for the manifest and `this`; a relation name only
			// when it stores them (its store_failures, else the flag).
			if rel, err := m.testRelation(n); err == nil {
				n.Relation = rel
				if storesFailures(n.Config, e.opts.StoreFailures) {
					n.RelationName = e.renderNodeRelation(rel)
				}
			}
			return
		}
		if !refable(n) {
			return
		}
		if isEphemeral(n) {
			// No relation is built, but the node has dbt's database,
			// schema and alias all the same (this, the manifest); refs
			// to it are its CTE (RelationName stays empty).
			if rel, err := m.relationFor(n); err == nil {
				n.Relation = rel
			}
			return
		}
		// A name longer than the warehouse keeps fails its node when it
		// runs (runner), as in dbt-postgres, not the whole project here.
		rel, err := m.relationFor(n)
		if err != nil {
			errs[i] = err
			return
		}
		n.Relation = rel
		n.RelationName = e.renderNodeRelation(rel)
	})
	// As dbt's resource uniqueness check: two nodes may not build the same
	// relation (one would silently replace the other's table).
	built := make(map[string]*Node, len(nodes))
	for i, n := range nodes {
		if errs[i] != nil || n.RelationName == "" || !refable(n) {
			continue
		}
		if first, dup := built[n.RelationName]; dup {
			a, b := first, n
			if b.UniqueID < a.UniqueID {
				a, b = b, a
			}
			// dbt's AmbiguousAliasError (parser/manifest.py
			// _check_resource_uniqueness names the relation as rendered).
			l.Add(diag.Errorf(b.OriginalFilePath, diag.Pos{}, "give one of them another alias (config alias=...) or schema",
				"dbt found two resources with the database representation \"%s\". dbt cannot create two resources with identical database representations: %s (%s) and %s (%s)",
				n.RelationName, a.UniqueID, a.OriginalFilePath, b.UniqueID, b.OriginalFilePath))
			continue
		}
		built[n.RelationName] = n
	}
	for i, err := range errs {
		if err != nil {
			n := nodes[i]
			l.Add(diag.Errorf(n.OriginalFilePath, diag.Pos{}, "check your generate_*_name macros", "naming the relation of %s: %v", n.UniqueID, err))
		}
	}
}

// sourceQuoting is the quote policy of a source's relation_name (and of
// the relation freshness and a foreign key's to: name): its own quoting:
// (the source's merged with the table's, dbt's
// source.quoting.merged(table.quoting)) over the project's, as
// BaseRelation.create_from(root_project, source) lays the node's
// quoting_dict over the project's quoting.
func (e *engine) sourceQuoting(s *project.SourceTable) quotePolicy {
	return e.quoting.withOwn(s.Quoting)
}

// sourceReadQuoting is the quote policy of source() in SQL: its own
// quoting: over the adapter's default only. dbt's RuntimeSourceResolver
// passes create_from an empty quoting in place of the project's ("Source
// quoting does _not_ respect global configs in dbt_project.yml").
// Snowflake's dialect renders with the project's quoting, so its default
// (no part quoted) is spelled out.
func (e *engine) sourceReadQuoting(s *project.SourceTable) quotePolicy {
	var def quotePolicy
	if e.dialect.Type() == "snowflake" {
		def = quotePolicy{quoteNever, quoteNever, quoteNever}
	}
	return def.withOwn(s.Quoting)
}

// sourceRead is how source() prints src in SQL (sourceReadQuoting), or
// its location when it is a file read in place.
func (m *Manifest) sourceRead(src *project.SourceTable) string {
	if m.externalSources[src.UniqueID] {
		return m.SourceRelations[src.UniqueID]
	}
	return renderQuoted(m.engine.dialect, Relation{src.Database, src.Schema, src.Identifier}, m.engine.sourceReadQuoting(src))
}

func configString(c project.Config, key string) (string, bool) {
	v, ok := c[key]
	if !ok || v == nil {
		return "", false
	}
	s, ok := v.(string)
	if !ok {
		return "", false
	}
	return s, true
}

// testRelation is the relation a test stores its failures in, as dbt
// names it: its schema config, by default dbt_test__audit, through
// generate_schema_name; its alias config or its name.
func (m *Manifest) testRelation(n *Node) (rel Relation, err error) {
	if rel.Database, err = m.generateName(n, "generate_database_name", "database"); err != nil {
		return rel, err
	}
	if rel.Schema, err = m.generateNameOr(n, "generate_schema_name", "schema", "dbt_test__audit"); err != nil {
		return rel, err
	}
	if rel.Identifier, err = m.generateName(n, "generate_alias_name", "alias"); err != nil {
		return rel, err
	}
	m.foldUnquoted(&rel)
	return rel, nil
}

func (m *Manifest) relationFor(n *Node) (Relation, error) {
	var rel Relation
	var err error
	c := n.Config
	if n.ResourceType == project.Snapshot {
		if s, ok := configString(c, "target_schema"); ok {
			rel.Schema = s
		}
		if s, ok := configString(c, "target_database"); ok {
			rel.Database = s
		}
	}
	if rel.Database == "" {
		if rel.Database, err = m.generateName(n, "generate_database_name", "database"); err != nil {
			return rel, err
		}
	}
	if rel.Schema == "" {
		if rel.Schema, err = m.generateName(n, "generate_schema_name", "schema"); err != nil {
			return rel, err
		}
	}
	if rel.Identifier, err = m.generateName(n, "generate_alias_name", "alias"); err != nil {
		return rel, err
	}
	m.foldUnquoted(&rel)
	return rel, nil
}

// foldUnquoted folds the parts of rel the project's quoting: leaves
// unquoted on PostgreSQL: dbt renders such a part unquoted, which
// PostgreSQL folds to lower case (MODEL.sql builds model).
func (m *Manifest) foldUnquoted(rel *Relation) {
	if len(m.engine.proj.Config.Quoting) == 0 || m.engine.dialect.Type() != "postgres" {
		return
	}
	for key, p := range map[string]*string{"database": &rel.Database, "schema": &rel.Schema, "identifier": &rel.Identifier} {
		if q, ok := m.engine.proj.Config.Quoting[key].(bool); ok && !q {
			*p = asciifold.Lower(*p)
		}
	}
}

// generateName calls the naming macro (the node's package's own, else the
// root project's or dbt's), or computes the built-in result in Go when
// neither the package nor the project overrides it (30,000 macro calls for 10,000
// models would dominate parse time otherwise).
func (m *Manifest) generateName(n *Node, macro, key string) (string, error) {
	return m.generateNameOr(n, macro, key, "")
}

// generateNameOr is generateName with def standing for the config key
// when the node's config does not set it ("": nothing does): a test's
// schema is dbt_test__audit unless set.
func (m *Manifest) generateNameOr(n *Node, macro, key, def string) (string, error) {
	e := m.engine
	custom, has := configString(n.Config, key)
	if !has && def != "" {
		custom, has = def, true
	}
	// A package's node is named by its package's own naming macro when
	// the package defines one, before the root project's or dbt's
	// (dbt's RelationUpdate: find_generate_macro_by_name with
	// imported_package).
	pkgMacro, own := e.packageMacros[n.Package][macro]
	if !own && !e.customNaming[macro] {
		t := e.target
		switch key {
		case "database":
			if !has {
				return t.Database, nil
			}
			return strings.TrimSpace(custom), nil
		case "schema":
			if !has {
				return t.Schema, nil
			}
			return t.Schema + "_" + strings.TrimSpace(custom), nil
		default:
			if has && custom != "" {
				return strings.TrimSpace(custom), nil
			}
			if n.VersionString != "" {
				return n.Name + "_v" + strings.ReplaceAll(n.VersionString, ".", "_"), nil
			}
			return n.Name, nil
		}
	}
	st := e.newState(m, n, false)
	// As dbt's naming macros: a var nothing sets is an error here, not
	// the parser's None (the name would be "None").
	st.strictVars = true
	var arg any
	if has {
		arg = custom
	}
	args := []any{arg, &nodeView{n: n, st: st}}
	var v any
	var err error
	if own {
		for i, a := range args {
			args[i] = templateValue(a)
		}
		v, err = st.callMacro(pkgMacro, nil, args, nil)
	} else {
		v, err = st.invoke(macro, args, nil)
	}
	if err != nil {
		return "", err
	}
	out, err := jinja.Str(v)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(out), nil
}

// storesFailures is dbt's should_store_failures for a test, which gives
// it a relation_name: its store_failures as dbt settles it (a
// store_failures_as other than ephemeral, else store_failures), else,
// when neither is set, the --store-failures flag.
func storesFailures(c project.Config, flag bool) bool {
	if as := c["store_failures_as"]; as != nil {
		return as != "ephemeral"
	}
	if b, ok := configBool(c["store_failures"]); ok {
		return b
	}
	return flag
}
