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
	File     string   // original_file_path of the model
	Changes  []string // "column id was removed", ...
	Error    bool     // the model is versioned
}

func (b BreakingChange) String() string {
	kind := "unversioned model"
	if b.Error {
		kind = "versioned model"
	}
	return fmt.Sprintf("breaking change to the contract of %s %s: %s", kind, b.UniqueID, strings.Join(b.Changes, "; "))
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
			out = append(out, BreakingChange{UniqueID: id, File: old.OriginalFilePath,
				Changes: []string{fmt.Sprintf("contracted model '%s' %s", id, what)}, Error: old.Version != nil})
			continue
		}
		if n.ResourceType != "model" || sameContract(n, old) {
			continue
		}
		var changes []string
		if n.Contract == nil || !n.Contract.Enforced {
			changes = append(changes, "contract enforcement was removed")
		}
		names := make([]string, 0, len(old.Columns))
		for k := range old.Columns {
			names = append(names, k)
		}
		sort.Strings(names)
		columnConstraints := false
		for _, k := range names {
			oc := old.Columns[k]
			if len(oc.Constraints) > 0 {
				columnConstraints = true
			}
			nc, ok := n.Columns[k]
			if !ok {
				changes = append(changes, fmt.Sprintf("column %s was removed", oc.Name))
				continue
			}
			if !equal(oc.DataType, nc.DataType) {
				changes = append(changes, fmt.Sprintf("column %s changed type from %s to %s", oc.Name, typeName(oc.DataType), typeName(nc.DataType)))
			}
			if enforcesConstraints(old) {
				for _, typ := range c.removedConstraints(oc.Constraints, nc.Constraints) {
					changes = append(changes, fmt.Sprintf("enforced %s constraint of column %s was removed", typ, oc.Name))
				}
			}
		}
		if enforcesConstraints(old) {
			for _, typ := range c.removedConstraints(old.Constraints, n.Constraints) {
				changes = append(changes, fmt.Sprintf("enforced model-level %s constraint was removed", typ))
			}
		}
		if enforcesConstraints(old) && !enforcesConstraints(n) && (len(old.Constraints) > 0 || columnConstraints) {
			changes = append(changes, fmt.Sprintf("materialization changed from %v to %v, which does not enforce constraints",
				old.Config["materialized"], n.Config["materialized"]))
		}
		if len(changes) > 0 {
			out = append(out, BreakingChange{UniqueID: id, File: n.OriginalFilePath, Changes: changes, Error: n.Version != nil})
		}
	}
	return out
}

// removedConstraints are the types of the constraints of was that now
// lacks and the warehouse enforces, as dbt's same_contract finds them
// (a constraint is removed when no constraint of now equals it).
func (c *Comparison) removedConstraints(was, now []any) []string {
	var out []string
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
			out = append(out, typ)
		}
	}
	return out
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
