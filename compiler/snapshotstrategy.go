package compiler

import (
	"context"
	"fmt"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/jinja"
)

// builtinSnapshotStrategies are the snapshot strategies elt builds in Go
// when no project macro replaces them.
var builtinSnapshotStrategies = map[string]bool{"timestamp": true, "check": true}

// snapshotStrategyLookup is what dbt's strategy_dispatch finds for a
// snapshot's strategy: a macro to call, or dbt's own strategy (elt's Go),
// or the compilation error it raises.
type snapshotStrategyLookup struct {
	def     *macroDef // the macro to call; nil for dbt's own strategy
	builtin string    // dbt's own strategy: "timestamp" or "check"
	err     string    // dbt's message when neither is found
}

// lookupSnapshotStrategy resolves strategy as dbt's strategy_dispatch
// does in node n's context: "pkg.name" is snapshot_<name>_strategy of
// package pkg (the root project and "dbt" are packages too), a bare name
// is looked up in the node's package, then the root project, then dbt's
// macros. A project's snapshot_timestamp_strategy thus replaces dbt's.
func (m *Manifest) lookupSnapshotStrategy(n *Node, strategy string) snapshotStrategyLookup {
	e := m.engine
	pkg, name, namespaced := strings.Cut(strategy, ".")
	if !namespaced {
		name = strategy
	}
	macro := "snapshot_" + name + "_strategy"
	builtin := func() snapshotStrategyLookup {
		if builtinSnapshotStrategies[name] {
			return snapshotStrategyLookup{builtin: name}
		}
		in := "None"
		if namespaced {
			in = pkg
		}
		return snapshotStrategyLookup{err: fmt.Sprintf("The specified strategy macro '%s' was not found in package '%s'", name, in)}
	}
	found := func(def *macroDef, ok bool) snapshotStrategyLookup {
		if !ok || internalPackages[def.meta.Package] {
			return builtin()
		}
		return snapshotStrategyLookup{def: def}
	}
	if !namespaced {
		if def, ok := e.packageMacros[n.Package][macro]; ok && n.Package != e.proj.Config.Name {
			return snapshotStrategyLookup{def: def}
		}
		def, ok := e.macros[macro]
		return found(def, ok)
	}
	switch {
	case pkg == "dbt":
		return builtin()
	case pkg == e.proj.Config.Name:
		def, ok := e.macros[macro]
		return found(def, ok && def.meta.Package == pkg)
	}
	own, installed := e.packageMacros[pkg]
	if !installed {
		return snapshotStrategyLookup{err: fmt.Sprintf("Could not find package '%s', called with '%s'", pkg, strategy)}
	}
	def, ok := own[macro]
	return found(def, ok)
}

// CustomSnapshotStrategy reports whether snapshot id's strategy is a
// macro to call (SnapshotStrategy) rather than dbt's timestamp or check
// strategy, which elt builds in Go: a strategy of the project's or a
// package's, or a project macro that replaces dbt's.
func (m *Manifest) CustomSnapshotStrategy(id string) bool {
	n, ok := m.Nodes[id]
	if !ok {
		return false
	}
	return m.lookupSnapshotStrategy(n, snapshotStrategyName(n)).def != nil
}

// SnapshotStrategyError is the CompilationError dbt's snapshot
// materialization raises, through strategy_dispatch, when snapshot id's
// strategy names a macro or package that is not there; nil otherwise.
// dbt raises it when the snapshot runs, so it fails that node alone.
func (m *Manifest) SnapshotStrategyError(id string) error {
	n, ok := m.Nodes[id]
	if !ok {
		return nil
	}
	if found := m.lookupSnapshotStrategy(n, snapshotStrategyName(n)); found.err != "" {
		return compilationErrorf("%s", found.err)
	}
	return nil
}

func snapshotStrategyName(n *Node) string {
	s, _ := n.Config["strategy"].(string)
	return s
}

// SnapshotStrategy is what a snapshot strategy macro returns: the SQL
// the snapshot materialization builds the table with.
type SnapshotStrategy struct {
	// UniqueKey are the key's expressions (one, or the entries of a list).
	UniqueKey []string
	// UniqueKeyList: the dict's unique_key is a list.
	UniqueKeyList bool
	// UpdatedAt is the expression, over the source rows, of a new
	// version's dbt_updated_at and dbt_valid_from.
	UpdatedAt string
	// RowChanged compares a current version (alias snapshotted_data)
	// with its source row (alias source_data).
	RowChanged string
	// ScdID is the expression, over the source rows, of dbt_scd_id.
	ScdID string
	// HardDeletes is the dict's hard_deletes ("" when it has none, which
	// the materialization treats as ignore).
	HardDeletes string
}

// Aliases of the current versions and the source rows in a strategy's
// row_changed, the names dbt's snapshot materialization passes.
const (
	SnapshottedAlias = "snapshotted_data"
	SourceAlias      = "source_data"
)

// SnapshotStrategy calls snapshot id's strategy macro as dbt's snapshot
// materialization does: (model, "snapshotted_data", "source_data",
// model['config'], target_exists), in the node's context, with
// execute=true.
func (m *Manifest) SnapshotStrategy(ctx context.Context, id string, targetExists bool) (SnapshotStrategy, error) {
	n, ok := m.Nodes[id]
	if !ok {
		return SnapshotStrategy{}, diag.Errorf("", diag.Pos{}, "", "snapshot strategy: unknown node %s", id)
	}
	name := snapshotStrategyName(n)
	found := m.lookupSnapshotStrategy(n, name)
	if found.def == nil {
		msg := found.err
		if msg == "" {
			msg = fmt.Sprintf("strategy %q is built in, not a macro", name)
		}
		file, pos := ConfigSite(n)
		return SnapshotStrategy{}, diag.Errorf(file, pos, "", "%s", msg)
	}
	st := m.engine.newState(m, n, true)
	st.ctx = ctx
	model := &st.modelObj
	cfg, _ := model.GetAttr("config")
	args := []any{model, SnapshottedAlias, SourceAlias, cfg, targetExists}
	v, err := st.callMacro(found.def, nil, args, nil)
	if err != nil {
		return SnapshotStrategy{}, m.engine.macroError(found.def, found.def.meta.Name, err)
	}
	return snapshotStrategyOf(found.def, toGo(v))
}

// snapshotStrategyOf reads the dict a strategy macro returned.
func snapshotStrategyOf(def *macroDef, v any) (SnapshotStrategy, error) {
	fail := func(format string, args ...any) (SnapshotStrategy, error) {
		return SnapshotStrategy{}, diag.Errorf(def.meta.OriginalFilePath, diag.Pos{Line: def.meta.Line},
			"return a dict with unique_key, updated_at, row_changed and scd_id, as dbt's snapshot_timestamp_strategy does",
			"snapshot strategy macro %s: %s", def.meta.Name, fmt.Sprintf(format, args...))
	}
	d, ok := v.(map[string]any)
	if !ok {
		return fail("returned %s, not a dict", jinja.Repr(v))
	}
	text := func(key string) (string, bool) {
		x, ok := d[key]
		if !ok || x == nil {
			return "", false
		}
		return macroText(x), true
	}
	var s SnapshotStrategy
	switch k := d["unique_key"].(type) {
	case []any:
		s.UniqueKeyList = true
		for _, x := range k {
			s.UniqueKey = append(s.UniqueKey, macroText(x))
		}
	case nil:
	default:
		s.UniqueKey = []string{macroText(k)}
	}
	if len(s.UniqueKey) == 0 {
		return fail("the dict has no unique_key")
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"updated_at", &s.UpdatedAt}, {"row_changed", &s.RowChanged}, {"scd_id", &s.ScdID}} {
		t, ok := text(f.key)
		if !ok || strings.TrimSpace(t) == "" {
			return fail("the dict has no %s", f.key)
		}
		*f.dst = t
	}
	s.HardDeletes, _ = text("hard_deletes")
	return s, nil
}

// snapshotTableColumnNames is a snapshot config's
// snapshot_table_column_names, as dbt's SnapshotConfig derives it: the
// meta columns' names, snapshot_meta_column_names' where set.
func snapshotTableColumnNames(c map[string]any) *jinja.Dict {
	set, _ := c["snapshot_meta_column_names"].(map[string]any)
	out := jinja.NewDict()
	for _, k := range []string{"dbt_valid_from", "dbt_valid_to", "dbt_scd_id", "dbt_updated_at", "dbt_is_deleted"} {
		name := k
		if v, ok := set[k].(string); ok && v != "" {
			name = v
		}
		out.Set(k, name)
	}
	return out
}

// fnScdArgs is api.Relation.scd_args(primary_key, updated_at): the key's
// entries (one, or each of a list), then updated_at.
func fnScdArgs(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	key, _ := argAt(args, kw, 0, "primary_key")
	updatedAt, _ := argAt(args, kw, 1, "updated_at")
	out := jinja.NewList()
	if l, ok := key.(*jinja.List); ok {
		out.Items = append(out.Items, l.Items...)
	} else {
		out.Items = append(out.Items, key)
	}
	out.Items = append(out.Items, updatedAt)
	return out, nil
}

// fnHardDeletesBehavior is adapter.get_hard_deletes_behavior(config):
// "invalidate", "new_record" or "ignore" from hard_deletes or the legacy
// invalidate_hard_deletes, which may not both be set.
func fnHardDeletesBehavior(s *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	config, _ := argAt(args, kw, 0, "config")
	get := func(key string) (any, error) {
		switch c := config.(type) {
		case interface{ GetAttr(string) (any, bool) }: // the config object
			if getter, ok := c.GetAttr("get"); ok {
				return s.Call(getter, []any{key, nil}, nil)
			}
		case *jinja.Dict:
			v, _ := c.Get(key)
			return v, nil
		}
		return nil, &jinjaError{msg: "adapter.get_hard_deletes_behavior() takes the config, not " + jinja.Repr(config)}
	}
	invalidate, err := get("invalidate_hard_deletes")
	if err != nil {
		return nil, err
	}
	hardDeletes, err := get("hard_deletes")
	if err != nil {
		return nil, err
	}
	if invalidate != nil && hardDeletes != nil {
		return nil, &jinjaError{msg: "You cannot set both the invalidate_hard_deletes and hard_deletes config properties on the same snapshot."}
	}
	switch {
	case truthy(invalidate) || hardDeletes == "invalidate":
		return "invalidate", nil
	case hardDeletes == "new_record":
		return "new_record", nil
	case hardDeletes == nil || hardDeletes == "ignore":
		return "ignore", nil
	}
	return nil, &jinjaError{msg: "Invalid setting for property hard_deletes."}
}

func truthy(v any) bool {
	t, _ := jinja.Truth(v)
	return t
}
