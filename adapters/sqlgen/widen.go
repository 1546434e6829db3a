package sqlgen

import (
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

// expandStringColumns widens the target's string columns that are
// shorter than the new rows' column of the same name, as dbt's
// adapter.expand_target_column_types does before an incremental model's
// rows are written (unless its contract is enforced): only string types
// are widened, to character varying(n), and a column's new type is made
// as dbt's default__alter_column_type makes it (a new column, a copy,
// the old one dropped with cascade, the new one renamed), so the widened
// column moves to the end of the table as in dbt.
func (r *incrementalRun) expandStringColumns() error {
	d := dialect{}
	target := d.RenderRelation(r.target)
	expanded := false
	for _, s := range r.stageCols {
		t, found := exactColumn(r.targetCols, s.Name)
		if !found {
			continue
		}
		have, targetIsString := stringSize(t.DataType)
		want, stageIsString := stringSize(s.DataType)
		if !targetIsString || !stageIsString || want <= have {
			continue
		}
		tmp := d.Quote(t.Name + "__dbt_alter")
		newType := fmt.Sprintf("character varying(%d)", want)
		for _, q := range []string{
			"alter table " + target + " add column " + tmp + " " + newType,
			"update " + target + " set " + tmp + " = " + d.Quote(t.Name),
			"alter table " + target + " drop column " + d.Quote(t.Name) + " cascade",
			"alter table " + target + " rename column " + tmp + " to " + d.Quote(t.Name),
		} {
			if _, err := r.exec(q); err != nil {
				return fmt.Errorf("widening column %s from %s to %s: %w", t.Name, t.DataType, newType, err)
			}
		}
		expanded = true
	}
	if !expanded {
		return nil
	}
	var err error
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
