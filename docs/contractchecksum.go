package docs

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/elt-dev/elt/jinja"
	"github.com/elt-dev/elt/project"
)

// contractChecksum is dbt's contract.checksum of a model whose contract is
// enforced (ModelNode.build_contract_checksum): the sha256 of each declared
// column, by name, as "|" + name + data_type + its constraints (Python's
// str() of dbt's constraint objects), then, for a materialization that
// enforces constraints (table, incremental), the materialization and the
// model-level constraints. nil when the contract is not enforced.
func contractChecksum(enforced bool, materialized string, cols []*project.Column, modelConstraints []any) *string {
	if !enforced {
		return nil
	}
	byName := make(map[string]*project.Column, len(cols))
	for _, c := range cols {
		byName[c.Name] = c
	}
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		c := byName[name]
		b.WriteString("|")
		b.WriteString(name)
		if c.DataType == "" {
			b.WriteString("None")
		} else {
			b.WriteString(c.DataType)
		}
		b.WriteString(constraintsRepr(constraintsJSON(c.Constraints, false, nil), false))
	}
	if materialized == "table" || materialized == "incremental" {
		b.WriteString(materialized)
		b.WriteString(constraintsRepr(constraintsJSON(modelConstraints, true, nil), true))
	}
	sum := sha256.Sum256([]byte(b.String()))
	s := hex.EncodeToString(sum[:])
	return &s
}

// constraintsRepr is Python's str() of a list of dbt-common's
// ColumnLevelConstraint (or ModelLevelConstraint) dataclasses, from their
// manifest form.
func constraintsRepr(list []any, modelLevel bool) string {
	cls := "ColumnLevelConstraint"
	if modelLevel {
		cls = "ModelLevelConstraint"
	}
	parts := make([]string, 0, len(list))
	for _, raw := range list {
		c, _ := raw.(map[string]any)
		typ := fmt.Sprint(c["type"])
		s := fmt.Sprintf("%s(type=<ConstraintType.%s: %s>, name=%s, expression=%s, warn_unenforced=%s, warn_unsupported=%s, to=%s, to_columns=%s",
			cls, typ, jinja.Repr(typ), jinja.Repr(c["name"]), jinja.Repr(c["expression"]),
			jinja.Repr(c["warn_unenforced"]), jinja.Repr(c["warn_unsupported"]), jinja.Repr(c["to"]), jinja.Repr(c["to_columns"]))
		if modelLevel {
			s += ", columns=" + jinja.Repr(c["columns"])
		}
		parts = append(parts, s+")")
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
