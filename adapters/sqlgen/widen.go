package sqlgen

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/elt-dev/elt/adapters"
)

// defaultStringSize is the length dbt gives a string column that has
// none (text, varchar without a length): dbt-adapters' Column.string_size.
const defaultStringSize = 256

// stringSize is the length of a string column type, as dbt reads it for
// widening: ok is false for a type that is no string (arrays included).
// A string type without a length counts as defaultStringSize.
func stringSize(dataType string) (size int, ok bool) {
	typ := strings.ToLower(strings.TrimSpace(dataType))
	base, args, hasArgs := strings.Cut(typ, "(")
	base = strings.TrimSpace(base)
	switch base {
	case "text", "character varying", "varchar", "character", "bpchar":
	default:
		return 0, false
	}
	if !hasArgs {
		return defaultStringSize, true
	}
	n, rest, closed := strings.Cut(args, ")")
	if !closed || strings.TrimSpace(rest) != "" {
		return 0, false // an array, or something unknown
	}
	size, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil {
		return 0, false
	}
	return size, true
}

// isStringType says whether dataType is one of the string types dbt
// widens.
func isStringType(dataType string) bool {
	_, ok := stringSize(dataType)
	return ok
}

// expandStringColumns widens target's string columns that are shorter
// than the column of the same name in from, as dbt's
// adapter.expand_target_column_types does before an incremental model's
// rows are written (unless its contract is enforced) and before a
// snapshot's changes are merged: only string types are widened, to
// character varying(n), and a column's new type is made as dbt's
// default__alter_column_type makes it (a new column, a copy, the old one
// dropped with cascade, the new one renamed), so the widened column moves
// to the end of the table as in dbt. It says whether it altered target.
func expandStringColumns(ctx context.Context, tx Tx, target adapters.Relation, from, targetCols []adapters.Column) (bool, error) {
	d := dialect{}
	rendered := d.RenderRelation(target)
	expanded := false
	for _, s := range from {
		t, found := exactColumn(targetCols, s.Name)
		if !found {
			continue
		}
		have, targetIsString := stringSize(t.DataType)
		want, sourceIsString := stringSize(s.DataType)
		if !targetIsString || !sourceIsString || want <= have {
			continue
		}
		tmp := d.Quote(t.Name + "__dbt_alter")
		newType := fmt.Sprintf("character varying(%d)", want)
		for _, q := range []string{
			"alter table " + rendered + " add column " + tmp + " " + newType,
			"update " + rendered + " set " + tmp + " = " + d.Quote(t.Name),
			"alter table " + rendered + " drop column " + d.Quote(t.Name) + " cascade",
			"alter table " + rendered + " rename column " + tmp + " to " + d.Quote(t.Name),
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return expanded, fmt.Errorf("widening column %s from %s to %s: %w", t.Name, t.DataType, newType, err)
			}
		}
		expanded = true
	}
	return expanded, nil
}

// expandStringColumns widens the target's string columns to the new
// rows' (see the function of the same name) and reads the target's
// columns again when it did.
func (r *incrementalRun) expandStringColumns() error {
	expanded, err := expandStringColumns(r.ctx, r.tx, r.target, r.stageCols, r.targetCols)
	if err != nil || !expanded {
		return err
	}
	r.targetCols, err = r.tx.TableColumns(r.ctx, r.target)
	return err
}

// exactColumn finds the column spelled exactly name: dbt matches the two
// relations' columns by name as the warehouse reports it.
func exactColumn(cols []adapters.Column, name string) (adapters.Column, bool) {
	for _, c := range cols {
		if c.Name == name {
			return c, true
		}
	}
	return adapters.Column{}, false
}
