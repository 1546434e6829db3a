package compiler

import (
	"fmt"
	"slices"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/project"
)

// Model contracts (dbt's contract: {enforced: true}): the declared columns,
// types and constraints of a model, checked here at parse time and by the
// runner against the model's SQL before it runs.

// Contract is a model's enforced contract, as declared.
type Contract struct {
	Columns     []ContractColumn
	Constraints []Constraint // model-level
	// AliasTypes is contract.alias_types (default true): data types such
	// as string are translated to the warehouse's name.
	AliasTypes bool
}

// ContractColumn is one declared column.
type ContractColumn struct {
	Name        string
	Quote       bool
	DataType    string
	Constraints []Constraint
}

// Constraint is one declared constraint.
type Constraint struct {
	Type       string // not_null, unique, primary_key, foreign_key, check, custom
	Name       string
	Expression string
	Columns    []string
	// To is the rendered relation of foreign_key's to: ref()/source(); ToColumns its columns.
	To        string
	ToColumns []string
	// WarnUnenforced and WarnUnsupported (default true) say whether to
	// warn when the warehouse does not enforce or support the constraint.
	WarnUnenforced, WarnUnsupported bool
}

var constraintTypes = map[string]bool{"not_null": true, "unique": true, "primary_key": true, "foreign_key": true, "check": true, "custom": true}

var constraintKeys = map[string]bool{"type": true, "name": true, "expression": true, "columns": true, "to": true, "to_columns": true, "warn_unenforced": true, "warn_unsupported": true}

// ContractEnforced says whether n's config enforces a contract.
func ContractEnforced(n *Node) bool {
	c, _ := n.Config["contract"].(map[string]any)
	b, _ := c["enforced"].(bool)
	return b
}

// validateContracts reports, as dbt does at parse time, contracts that
// cannot be enforced: on resources or materializations without contract
// support, bad constraints, and incremental models whose on_schema_change
// would let the table drift. A column without data_type fails the model
// when it runs, as in dbt (runner.checkContract).
func (m *Manifest) validateContracts(l *diag.List) {
	for _, n := range m.nodes {
		if n.ResourceType != project.Model {
			continue
		}
		file, pos := n.OriginalFilePath, diag.Pos{Line: 1}
		if n.PatchPath != "" {
			file, pos = n.PatchPath, n.PatchPos
		}
		validatePrimaryKeys(l, n, file, pos)
		if n.Config["contract"] == nil {
			continue
		}
		if cfg, ok := n.Config["contract"].(map[string]any); !ok {
			l.Add(diag.Errorf(file, pos, "write contract: {enforced: true}", "model %s: contract must be a mapping, not %v", n.Name, n.Config["contract"]))
			continue
		} else {
			bad := false
			for k, v := range cfg {
				_, isBool := v.(bool)
				if (k != "enforced" && k != "alias_types") || !isBool {
					l.Add(diag.Errorf(file, pos, "contract takes enforced: true|false and alias_types: true|false",
						"model %s: contract: %s: %v is not supported", n.Name, k, v))
					bad = true
				}
			}
			if bad || !ContractEnforced(n) {
				continue
			}
		}
		// dbt's _validate_constraint_prerequisites, run when properties
		// YAML patches the model: its columns come from there, and a
		// contract is for SQL models only.
		var prereq []string
		hint := "remove contract: {enforced: true}, or rewrite the model in SQL"
		if n.PatchPath != "" && len(n.Columns) == 0 {
			prereq = append(prereq, "Constraints must be defined in a `yml` schema configuration file like `schema.yml`.")
			hint = "declare the model's columns and their data_type in its properties YAML, or remove contract: {enforced: true}"
		}
		if isPython(n) {
			prereq = append(prereq, "Language Error: Expected 'sql' but found 'python'")
		}
		if len(prereq) > 0 {
			l.Add(diag.Errorf(file, pos, hint, "Contract enforcement failed for: (%s)\n%s", n.OriginalFilePath, strings.Join(prereq, "\n")))
			continue
		}
		mat := fmt.Sprint(n.Config["materialized"])
		switch {
		case mat == "ephemeral" || mat == "materialized_view":
			l.Add(diag.Errorf(file, pos, "materialize the model as table, view or incremental, or remove the contract",
				"model %s: contracts are not supported for %s models", n.Name, mat))
			continue
		case mat == "incremental":
			osc, _ := n.Config["on_schema_change"].(string)
			if osc == "" {
				osc = "ignore"
			}
			if osc != "append_new_columns" && osc != "fail" {
				l.Add(diag.Errorf(file, pos, "set on_schema_change: append_new_columns or fail",
					"model %s: Invalid value for on_schema_change: %s. Models materialized as incremental with contracts enabled "+
						"must set on_schema_change to 'append_new_columns' or 'fail'", n.Name, osc))
			}
		}
		if mat != "table" && mat != "incremental" && anyWarnUnsupported(n) {
			// dbt's _validate_constraint_prerequisites: only tables and
			// incremental models (materialization_enforces_constraints)
			// get constraints.
			l.Add(diag.Warnf(file, pos, "set warn_unsupported: false on the constraints to silence this",
				"Constraint types are not supported for %s materializations and will be ignored.  "+
					"Set 'warn_unsupported: false' on this constraint to ignore this warning.", mat).AsEvent("UnsupportedConstraintMaterialization"))
		}
		if _, err := m.ContractOf(n); err != nil {
			l.Add(diag.Errorf(file, pos, "fix the constraint (type: not_null, unique, primary_key, foreign_key, check or custom)", "model %s: %v", n.Name, err))
		}
	}
}

// anyWarnUnsupported says whether one of n's column or model constraints
// has warn_unsupported true (its default).
func anyWarnUnsupported(n *Node) bool {
	warns := func(raw any) bool {
		mp, _ := raw.(map[string]any)
		b, ok := mp["warn_unsupported"].(bool)
		return !ok || b
	}
	for _, col := range n.Columns {
		if slices.ContainsFunc(col.Constraints, warns) {
			return true
		}
	}
	return slices.ContainsFunc(n.Constraints, warns)
}

// validatePrimaryKeys reports, as dbt's _validate_pk_constraints does at
// parse time for every model (contract or not), a primary key declared on
// more than one column, or on columns and at the model level both.
func validatePrimaryKeys(l *diag.List, n *Node, file string, pos diag.Pos) {
	isPK := func(raw any) bool {
		mp, _ := raw.(map[string]any)
		t, _ := mp["type"].(string)
		return t == "primary_key"
	}
	var pkCols []string
	for _, col := range n.Columns {
		for _, raw := range col.Constraints {
			if isPK(raw) {
				pkCols = append(pkCols, "'"+col.Name+"'")
			}
		}
	}
	var errs []string
	if len(pkCols) > 1 {
		errs = append(errs, fmt.Sprintf("Found %d columns ([%s]) with primary key constraints defined. "+
			"Primary keys for multiple columns must be defined as a model level constraint.", len(pkCols), strings.Join(pkCols, ", ")))
	}
	if len(pkCols) > 0 && slices.ContainsFunc(n.Constraints, isPK) {
		errs = append(errs, "Primary key constraints defined at the model level and the columns level. "+
			"Primary keys can be defined at the model level or the column level, not both.")
	}
	if len(errs) > 0 {
		l.Add(diag.Errorf(file, pos, "declare one primary key: a model-level constraint with columns: [...] for several columns",
			"Primary key constraint error: (%s)\n%s", n.OriginalFilePath, strings.Join(errs, "\n")))
	}
}

// ContractOf reads n's declared columns and constraints, resolving a
// foreign key's to: ref('x') or source('s', 't') to its relation.
func (m *Manifest) ContractOf(n *Node) (*Contract, error) {
	c := &Contract{AliasTypes: true}
	if cfg, ok := n.Config["contract"].(map[string]any); ok {
		if b, ok := cfg["alias_types"].(bool); ok {
			c.AliasTypes = b
		}
	}
	for _, col := range n.Columns {
		cc := ContractColumn{Name: col.Name, DataType: col.DataType, Quote: col.Quote != nil && *col.Quote}
		for _, raw := range col.Constraints {
			k, err := m.constraintOf(n, raw, false)
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", col.Name, err)
			}
			cc.Constraints = append(cc.Constraints, k)
		}
		c.Columns = append(c.Columns, cc)
	}
	for _, raw := range n.Constraints {
		k, err := m.constraintOf(n, raw, true)
		if err != nil {
			return nil, err
		}
		c.Constraints = append(c.Constraints, k)
	}
	return c, nil
}

func (m *Manifest) constraintOf(n *Node, raw any, modelLevel bool) (Constraint, error) {
	k := Constraint{WarnUnenforced: true, WarnUnsupported: true}
	mp, ok := raw.(map[string]any)
	if !ok {
		return k, fmt.Errorf("a constraint must be a mapping such as {type: not_null}, not %v", raw)
	}
	for key := range mp {
		if !constraintKeys[key] {
			return k, fmt.Errorf("unknown constraint key %q (keys: type, name, expression, columns, to, to_columns, warn_unenforced, warn_unsupported)", key)
		}
	}
	k.Type, _ = mp["type"].(string)
	if !constraintTypes[k.Type] {
		return k, fmt.Errorf("unknown constraint type %q", k.Type)
	}
	k.Name, _ = mp["name"].(string)
	if e, ok := mp["expression"]; ok && e != nil {
		k.Expression = fmt.Sprint(e)
	}
	k.Columns = stringsOf(mp["columns"])
	k.ToColumns = stringsOf(mp["to_columns"])
	if b, ok := mp["warn_unenforced"].(bool); ok {
		k.WarnUnenforced = b
	}
	if b, ok := mp["warn_unsupported"].(bool); ok {
		k.WarnUnsupported = b
	}
	switch k.Type {
	case "check", "custom":
		if k.Expression == "" {
			return k, fmt.Errorf("a %s constraint needs an expression", k.Type)
		}
	case "foreign_key":
		to, _ := mp["to"].(string)
		if to == "" && k.Expression == "" {
			return k, fmt.Errorf("a foreign_key constraint needs to: ref('model') and to_columns:, or an expression")
		}
		if to != "" {
			rel, err := m.relationExpr(n, to)
			if err != nil {
				return k, fmt.Errorf("foreign_key to %s: %w", to, err)
			}
			k.To = rel
		}
	}
	if modelLevel && len(k.Columns) == 0 && (k.Type == "not_null" || k.Type == "unique" || k.Type == "primary_key" || k.Type == "foreign_key") {
		return k, fmt.Errorf("a model-level %s constraint needs columns: [...]", k.Type)
	}
	return k, nil
}

// relationExpr renders "ref('x')" or "source('s', 't')" as a relation, as
// dbt's _compile_relation_for_foreign_key_constraint_to does.
func (m *Manifest) relationExpr(n *Node, expr string) (string, error) {
	call, err := project.ParseRelationCall(expr)
	if err != nil {
		return "", fmt.Errorf("write to: ref('model') or source('source', 'table')")
	}
	if call.Source {
		src, lerr := m.lookupSource(call.Package, call.Name, n)
		if lerr != nil {
			return "", fmt.Errorf("%s", lerr.msg)
		}
		return m.SourceRelations[src.UniqueID], nil
	}
	target, lerr := m.lookupRef(Ref{Package: call.Package, Name: call.Name, Version: call.Version}, n)
	if lerr != nil {
		return "", fmt.Errorf("%s", lerr.msg)
	}
	if target.RelationName == "" && target.Relation.Identifier != "" {
		// An ephemeral model: dbt's create_from names it all the same.
		return m.engine.renderNodeRelation(target.Relation), nil
	}
	return target.RelationName, nil
}

// foreignKeyTargets maps each foreign_key to: of model n (model-level and
// column-level) to the relation it names, as dbt's compile_node rewrites
// constraint.to for the compiled node (core/dbt/compilation.py:631-637);
// nil when n has none.
func (m *Manifest) foreignKeyTargets(n *Node) map[string]string {
	var out map[string]string
	eachForeignKeyTo(n, func(to string) {
		if _, done := out[to]; done {
			return
		}
		if rel, err := m.relationExpr(n, to); err == nil && rel != "" {
			if out == nil {
				out = map[string]string{}
			}
			out[to] = rel
		}
	})
	return out
}

// eachForeignKeyTo calls f with the to: of each foreign_key constraint of
// model n, model-level and column-level.
func eachForeignKeyTo(n *Node, f func(to string)) {
	if n.ResourceType != project.Model {
		return
	}
	visit := func(list []any) {
		for _, raw := range list {
			mp, ok := raw.(map[string]any)
			if !ok || mp["type"] != "foreign_key" {
				continue
			}
			if to, _ := mp["to"].(string); to != "" {
				f(to)
			}
		}
	}
	visit(n.Constraints)
	for _, c := range n.Columns {
		visit(c.Constraints)
	}
}

func stringsOf(v any) []string {
	switch v := v.(type) {
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			out = append(out, fmt.Sprint(x))
		}
		return out
	case []string:
		return v
	case string:
		return []string{v}
	}
	return nil
}

// addConstraintRefs makes a foreign key's to: ref('x') or source('s', 't')
// a dependency of its model, as dbt 1.9 does, so the referenced table is
// built first.
func addConstraintRefs(nodes []*Node) {
	for _, n := range nodes {
		eachForeignKeyTo(n, func(to string) {
			call, err := project.ParseRelationCall(to)
			switch {
			case err != nil:
				// The parse refused it already (checkForeignKeyTo).
			case call.Source:
				n.SourceRefs = append(n.SourceRefs, [2]string{call.Package, call.Name})
			default:
				n.Refs = append(n.Refs, Ref{Package: call.Package, Name: call.Name, Version: call.Version})
			}
		})
	}
}
