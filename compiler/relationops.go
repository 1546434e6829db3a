package compiler

import (
	"context"
	"fmt"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/jinja"
)

// relationOps are dbt's adapter methods that elt's Go materializations
// run a project's macro for, where the project or a package replaces
// dbt's: dropping a relation a build replaces, and emptying a seed's
// table before it is loaded again.
var relationOps = map[string]bool{"drop_relation": true, "truncate_relation": true}

// relationOpDialects are the warehouses whose Go builds drop and empty
// relations through adapters.RelationOps.
var relationOpDialects = map[string]bool{"postgres": true, "duckdb": true}

// adapterMethodMacro is the macro an adapter method such as
// adapter.drop_relation runs, found as dbt's adapter finds it by name:
// the root project's, else an installed package's, else dbt's own.
func (e *engine) adapterMethodMacro(name string) (*macroDef, bool) {
	if def, ok := e.macros[name]; ok && def.meta.Package == e.proj.Config.Name {
		return def, true
	}
	for _, pkg := range sortedKeys(e.packageMacros) {
		if def, ok := e.packageMacros[pkg][name]; ok {
			return def, true
		}
	}
	def, ok := e.builtins[name]
	return def, ok
}

// adapterMethodReplaced reports whether adapter.<name> runs a project's
// or package's SQL: its macro is theirs, or dbt's, which dispatches in
// dbt's namespace, finds theirs (<adapter>__name or default__name in the
// root project, or in a package the project's dispatch config searches).
func (e *engine) adapterMethodReplaced(name string) bool {
	def, ok := e.adapterMethodMacro(name)
	if !ok {
		return false
	}
	if !internalPackages[def.meta.Package] {
		return true
	}
	for _, pkg := range e.searchOrder("dbt") {
		if internalPackages[pkg] {
			continue
		}
		for _, prefix := range []string{e.dialect.Type(), "default"} {
			if _, ok := e.lookupIn(pkg, prefix+"__"+name); ok {
				return true
			}
		}
	}
	return false
}

// RelationOpReplaced reports whether the project (or a package) replaces
// how dbt drops a relation (name "drop_relation") or empties a table
// ("truncate_relation") on the target's warehouse, so that the runner
// must run its macro (RunRelationOp) where it would run its own statement.
func (m *Manifest) RelationOpReplaced(name string) bool {
	return relationOps[name] && relationOpDialects[m.engine.dialect.Type()] && m.engine.adapterMethodReplaced(name)
}

// RunRelationOp runs adapter.<name>(rel) as dbt's materializations do,
// for rel of kind ("table", "view", "materialized_view"): the macro's
// statements run through Options.Query with ctx, so on the node's
// connection and in its open transaction.
func (m *Manifest) RunRelationOp(ctx context.Context, name string, rel Relation, kind string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	def, ok := m.engine.adapterMethodMacro(name)
	if !ok {
		return diag.Errorf("", diag.Pos{}, "", "macro %q is not defined", name)
	}
	st := m.engine.newState(m, nil, true)
	st.ctx = ctx
	if _, err := st.callMacro(def, nil, []any{st.newRelation(rel, kind)}, nil); err != nil {
		return m.engine.macroError(def, def.meta.Package+"."+name+" (adapter."+name+")", err)
	}
	return nil
}

// GrantsReplaced reports whether the project or a package replaces dbt's
// apply_grants (its own apply_grants, or a default__ or <adapter>__ one
// dbt's dispatch finds first), so that the runner must run it
// (RunApplyGrants) where it would apply a node's grants itself.
func (m *Manifest) GrantsReplaced() bool { return m.engine.stepReplaced("apply_grants") }

// RunApplyGrants runs apply_grants(rel, grants config, should_revoke) for
// node id, rel of kind ("table", "view"), as dbt's materializations call
// it after building a relation, whatever its grants config (an override
// may add grantees); host applies what reaches elt's own
// default__apply_grants.
func (m *Manifest) RunApplyGrants(ctx context.Context, id string, rel Relation, kind string, host MaterializationHost, shouldRevoke bool) error {
	n, ok := m.Nodes[id]
	if !ok {
		return diag.Errorf("", diag.Pos{}, "", "apply_grants: unknown node %s", id)
	}
	def, ok := m.engine.macros["apply_grants"]
	if !ok {
		return diag.Errorf("", diag.Pos{}, "", "macro %q is not defined", "apply_grants")
	}
	st := m.engine.newState(m, n, true)
	st.ctx = ctx
	st.host = host
	grants := templateValue(n.Config["grants"])
	if grants == nil {
		grants = jinja.NewDict()
	}
	if _, err := st.callMacro(def, nil, []any{st.newRelation(rel, kind), grants, shouldRevoke}, nil); err != nil {
		return m.engine.macroError(def, def.meta.Package+".apply_grants", err)
	}
	return nil
}

// SchemaCreationReplaced reports whether the project or a package
// replaces how dbt creates a schema (create_schema, or a default__ or
// <adapter>__ one dbt's dispatch finds first), so that the runner must
// create a run's schemas with it (RunCreateSchema), as dbt's
// create_schemas calls adapter.create_schema (task/runnable.py).
func (m *Manifest) SchemaCreationReplaced() bool {
	return m.engine.adapterMethodReplaced("create_schema")
}

// RunCreateSchema creates database.schema as dbt's create_schemas does:
// unless the warehouse lists the schema (list_schemas, case-insensitive),
// adapter.create_schema runs the create_schema macro dbt's adapter finds
// by name, with a relation of the schema and no identifier.
func (m *Manifest) RunCreateSchema(ctx context.Context, database, schema string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	def, ok := m.engine.adapterMethodMacro("create_schema")
	if !ok {
		return diag.Errorf("", diag.Pos{}, "", "macro %q is not defined", "create_schema")
	}
	st := m.engine.newState(m, nil, true)
	st.ctx = ctx
	listed, err := st.invoke("list_schemas", []any{database}, nil)
	if err != nil {
		return fmt.Errorf("list schemas of %s: %w", database, err)
	}
	if t, ok := listed.(*agateTable); ok {
		for _, r := range t.rows {
			if len(r.vals) > 0 && strings.EqualFold(fmt.Sprint(r.vals[0]), schema) {
				return nil
			}
		}
	}
	rel := st.newRelation(Relation{Database: database, Schema: schema}, "")
	if _, err := st.callMacro(def, nil, []any{rel}, nil); err != nil {
		return m.engine.macroError(def, def.meta.Package+".create_schema (adapter.create_schema)", err)
	}
	return nil
}
