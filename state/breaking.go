package state

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// BreakingChange is a change to an enforced model contract that breaks
// the model's consumers, as dbt-core's same_contract reports it: a
// warning for an unversioned model, an error for a versioned one (which
// should get a new version instead).
type BreakingChange struct {
	UniqueID string
	Name     string   // the model's name
	File     string   // original_file_path of the model
	Changes  []string // dbt's breaking_changes: "Columns were removed: ...", ...
	Error    bool     // the model is versioned
}

// String is dbt's message: UnversionedBreakingChange's for an unversioned
// model (without its warning tag), ContractBreakingChangeError's for a
// versioned one.
func (b BreakingChange) String() string {
	reasons := strings.Join(b.Changes, "\n  - ")
	if b.Error {
		return "While comparing to previous project state, dbt detected a breaking change to an enforced contract." +
			"\n  - " + reasons + "\n" +
			"Consider making an additive (non-breaking) change instead, if possible.\n" +
			"Otherwise, create a new model version: https://docs.getdbt.com/docs/collaborate/govern/model-versions"
	}
	return fmt.Sprintf("Breaking change to contracted, unversioned model %s (%s)", b.Name, b.File) +
		"\nWhile comparing to previous project state, dbt detected a breaking change to an unversioned model." +
		"\n  - " + reasons + "\n"
}

// BreakingChanges lists the breaking contract changes between the two
// manifests: enforced contracts whose columns were removed or changed
// type, whose enforcement was turned off or whose materialization no
// longer enforces constraints, and contracted models that were deleted,
// renamed or disabled. dbt reports them when state:modified (or
// .contract) is used.
func (c *Comparison) BreakingChanges() []BreakingChange {
	var out []BreakingChange
	ids := make([]string, 0, len(c.prev.Nodes))
	for id := range c.prev.Nodes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		old := c.prev.Nodes[id]
		if old.ResourceType != "model" || old.Contract == nil || !old.Contract.Enforced {
			continue
		}
		n, ok := c.cur.Nodes[id]
		if !ok && pastDeprecation(old.DeprecationDate, time.Now()) {
			// As dbt's same_contract_removed: a node past its
			// deprecation_date is retired, not broken.
			continue
		}
		if !ok {
			what := "was deleted or renamed"
			if c.cur.Disabled[id] {
				what = "was disabled"
			}
			out = append(out, BreakingChange{UniqueID: id, Name: old.Name, File: old.OriginalFilePath,
				Changes: []string{fmt.Sprintf("Contracted model '%s' %s.", id, what)}, Error: old.Version != nil})
			continue
		}
		if n.ResourceType != "model" || sameContract(n, old) {
			continue
		}
		// The lists of dbt's same_contract, in its order.
		var removed, retyped, columnConstraints, modelConstraints []string
		var changes []string
		if n.Contract == nil || !n.Contract.Enforced {
			changes = append(changes, "Contract enforcement was removed: Previously, this model had an enforced contract. It is no longer configured to enforce its contract, and this is a breaking change.")
		}
		names := make([]string, 0, len(old.Columns))
		for k := range old.Columns {
			names = append(names, k)
		}
		sort.Strings(names)
		hasColumnConstraints := false
		for _, k := range names {
			oc := old.Columns[k]
			if len(oc.Constraints) > 0 {
				hasColumnConstraints = true
			}
			nc, ok := n.Columns[k]
			if !ok {
				removed = append(removed, oc.Name)
				continue
			}
			if !equal(oc.DataType, nc.DataType) {
				retyped = append(retyped, fmt.Sprintf("%s (%s -> %s)", oc.Name, typeName(oc.DataType), typeName(nc.DataType)))
			}
			if enforcesConstraints(old) {
				for _, m := range c.removedConstraints(oc.Constraints, nc.Constraints) {
					columnConstraints = append(columnConstraints, constraintLabel(m)+" constraint on column "+k)
				}
			}
		}
		if enforcesConstraints(old) {
			for _, m := range c.removedConstraints(old.Constraints, n.Constraints) {
				modelConstraints = append(modelConstraints, constraintLabel(m)+" constraint on columns "+pyStringList(m["columns"]))
			}
		}
		changes = appendList(changes, "Columns were removed: ", removed)
		changes = appendList(changes, "Columns with data_type changes: ", retyped)
		changes = appendList(changes, "Enforced column level constraints were removed: ", columnConstraints)
		changes = appendList(changes, "Enforced model level constraints were removed: ", modelConstraints)
		if enforcesConstraints(old) && !enforcesConstraints(n) && (len(old.Constraints) > 0 || hasColumnConstraints) {
			changes = append(changes, fmt.Sprintf("Materialization changed with enforced constraints: \n    - %v -> %v",
				old.Config["materialized"], n.Config["materialized"]))
		}
		if len(changes) > 0 {
			out = append(out, BreakingChange{UniqueID: id, Name: n.Name, File: n.OriginalFilePath, Changes: changes, Error: n.Version != nil})
		}
	}
	return out
}

// appendList adds dbt's "<title>\n    - a\n    - b" entry when items is not empty.
func appendList(changes []string, title string, items []string) []string {
	if len(items) == 0 {
		return changes
	}
	return append(changes, title+"\n    - "+strings.Join(items, "\n    - "))
}

// removedConstraints are the constraints of was that now lacks and the
// warehouse enforces, as dbt's same_contract finds them (a constraint is
// removed when no constraint of now equals it).
func (c *Comparison) removedConstraints(was, now []any) []map[string]any {
	var out []map[string]any
	for _, old := range was {
		m, _ := old.(map[string]any)
		typ, _ := m["type"].(string)
		if !enforcedConstraint(c.cur.AdapterType, typ) {
			continue
		}
		kept := false
		for _, x := range now {
			if equal(old, x) {
				kept = true
				break
			}
		}
		if !kept {
			out = append(out, m)
		}
	}
	return out
}

// constraintLabel is how dbt names a removed constraint: its name, or its
// type when it has none, in single quotes.
func constraintLabel(m map[string]any) string {
	if name, ok := m["name"].(string); ok {
		return "'" + name + "'"
	}
	typ, _ := m["type"].(string)
	return "'" + typ + "'"
}

// pyStringList is Python's repr of a list of strings, as dbt prints a
// model-level constraint's columns: ['a', 'b'].
func pyStringList(v any) string {
	items, _ := v.([]any)
	parts := make([]string, 0, len(items))
	for _, it := range items {
		parts = append(parts, fmt.Sprintf("'%v'", it))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// enforcedConstraint is the adapter's CONSTRAINT_SUPPORT: dbt-duckdb and
// dbt-postgres enforce every type; Snowflake and BigQuery only not_null;
// dbt's base adapter not_null and foreign_key.
func enforcedConstraint(adapter, typ string) bool {
	switch adapter {
	case "duckdb", "postgres":
		return typ == "check" || typ == "not_null" || typ == "unique" || typ == "primary_key" || typ == "foreign_key"
	case "snowflake", "bigquery":
		return typ == "not_null"
	}
	return typ == "not_null" || typ == "foreign_key"
}

func enforcesConstraints(n *Node) bool {
	m, _ := n.Config["materialized"].(string)
	return m == "table" || m == "incremental"
}

func typeName(t *string) string {
	if t == nil {
		return "None"
	}
	return *t
}

// pastDeprecation reports whether a manifest's deprecation_date (ISO
// 8601, with or without a time and zone; a date without a zone is local
// time, as dbt reads it) is before now, as dbt's is_past_deprecation_date.
func pastDeprecation(date *string, now time.Time) bool {
	if date == nil || *date == "" {
		return false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999-07:00",
		"2006-01-02 15:04:05.999999999", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, *date, time.Local); err == nil {
			return t.Before(now)
		}
	}
	return false
}
