package runner

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/internal/lazyre"
)

// enforcedConstraints are the constraint types each warehouse enforces in
// a table's DDL, as its dbt adapter declares them. DuckDB's foreign keys
// are left out: a referenced table could no longer be rebuilt (DuckDB
// refuses to drop a table another one references). Warehouses not listed
// enforce none that elt writes.
var enforcedConstraints = map[string]map[string]bool{
	"duckdb":   {"not_null": true, "unique": true, "primary_key": true, "check": true, "custom": true},
	"postgres": {"not_null": true, "unique": true, "primary_key": true, "check": true, "foreign_key": true, "custom": true},
}

// typeLabels are dbt's data type aliases (Column.TYPE_LABELS), applied to
// a contract's data_type unless alias_types is false.
var typeLabels = map[string]string{"STRING": "TEXT", "TIMESTAMP": "TIMESTAMP", "FLOAT": "FLOAT", "INTEGER": "INT"}

// contractWarning is a constraint the warehouse does not enforce.
type contractWarning struct{ event, msg string }

func (w contractWarning) Event() string  { return w.event }
func (w contractWarning) String() string { return w.msg }

// checkContract compares the model's output columns and types with its
// contract before it runs, failing with dbt's table of mismatches, and
// returns the contract to create the table with (nil for views and for
// incremental runs that add to the table, which get the check alone) and
// warnings for the constraints that will not be enforced.
func (r *Runner) checkContract(ctx context.Context, n *compiler.Node, mat string) (*adapters.Contract, []adapters.Warning, error) {
	c, err := r.m.ContractOf(n)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", n.OriginalFilePath, err)
	}
	if len(c.Columns) == 0 {
		// dbt's assert_columns_equivalent checks this first
		// (raise_contract_error with no columns: ContractError's message).
		return nil, nil, located(n, compilationErrorf("This model has an enforced contract, and its 'columns' specification is missing"))
	}
	// dbt's get_empty_schema_sql raises ColumnTypeMissingError when the
	// model runs (a compile error of this model, not of the project).
	var untyped []string
	for _, col := range c.Columns {
		if strings.TrimSpace(col.DataType) == "" {
			untyped = append(untyped, "'"+col.Name+"'")
		}
	}
	if len(untyped) > 0 {
		return nil, nil, located(n, compilationErrorf("Contracted models require data_type to be defined for each column. "+
			"Please ensure that the column name and data_type are defined within the YAML configuration for the [%s] column(s).",
			strings.Join(untyped, ", ")))
	}
	actual, err := adapters.DescribeQuery(ctx, r.a, n.CompiledCode)
	if err != nil {
		return nil, nil, located(n, fmt.Errorf("reading the model's columns for its contract: %w", err))
	}
	declared := make([]string, len(c.Columns))
	for i, col := range c.Columns {
		declared[i] = col.DataType
		if c.AliasTypes {
			if t, ok := typeLabels[strings.ToUpper(strings.TrimSpace(col.DataType))]; ok {
				declared[i] = t
			}
		}
	}
	canonical, err := r.canonicalTypes(ctx, declared)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: a contract data_type is not a type %s knows: %w", n.OriginalFilePath, r.a.Dialect().Type(), err)
	}
	if table := contractMismatches(r.a.Dialect().Type(), c, declared, canonical, actual); table != "" {
		return nil, nil, located(n, compilationErrorf("This model has an enforced contract that failed.\nPlease ensure the name, data_type, and number of columns in your contract match the columns in your model's definition.\n\n%s", table))
	}
	typ := r.a.Dialect().Type()
	var warnings []adapters.Warning
	// dbt's default__get_empty_schema_sql warns of numeric columns
	// without precision and scale, through exceptions.warn.
	var naked []string
	for _, col := range c.Columns {
		switch strings.ToLower(strings.TrimSpace(col.DataType)) {
		case "numeric", "decimal", "number":
			naked = append(naked, "'"+col.Name+"'")
		}
	}
	if len(naked) > 0 {
		msg := "Detected columns with numeric type and unspecified precision/scale, this can lead to unintended rounding: [" + strings.Join(naked, ", ") + "]`"
		ok, err := r.m.JinjaWarn(msg)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", n.OriginalFilePath, err)
		}
		if !ok {
			warnings = append(warnings, contractWarning{"JinjaLogWarning", msg})
		}
	}
	enforced := enforcedConstraints[typ]
	// The table is created now: a table, or an incremental model's first
	// build (later runs add to the table, which has its constraints).
	creates := mat == "table" || mat == "incremental" && !r.isIncremental(n) && !r.batched(n)
	if mat == "incremental" && !creates {
		return nil, warnings, nil
	}
	if !creates {
		enforced = nil
	}
	warn := func(k compiler.Constraint, where string) {
		// A view's constraints are warned of once at parse, as dbt's
		// UnsupportedConstraintMaterialization (compiler.validateContracts).
		switch {
		case mat == "view":
		case !creates && mat != "view" && k.WarnUnenforced:
			warnings = append(warnings, contractWarning{"ConstraintNotEnforced",
				fmt.Sprintf("constraint %s%s is not applied to the %s model: elt writes constraints when it creates a table; the columns and types are checked", k.Type, where, mat)})
		case creates && k.WarnUnenforced:
			warnings = append(warnings, contractWarning{"ConstraintNotEnforced",
				fmt.Sprintf("The constraint type %s%s is not enforced by %s, so it is not written into this model's DDL. Set 'warn_unenforced: false' on this constraint to ignore this warning.", k.Type, where, typ)})
		}
	}
	out := &adapters.Contract{}
	d := r.a.Dialect()
	for i, col := range c.Columns {
		name := col.Name
		if col.Quote {
			name = d.Quote(col.Name)
		}
		ac := adapters.ContractColumn{Name: name, DataType: declared[i]}
		for _, k := range col.Constraints {
			if !enforced[k.Type] {
				warn(k, " on column "+col.Name)
				continue
			}
			ac.Constraints = append(ac.Constraints, toAdapterConstraint(k))
		}
		out.Columns = append(out.Columns, ac)
	}
	for _, k := range c.Constraints {
		if !enforced[k.Type] {
			warn(k, " ("+strings.Join(k.Columns, ", ")+")")
			continue
		}
		out.Constraints = append(out.Constraints, toAdapterConstraint(k))
	}
	if !creates {
		return nil, warnings, nil
	}
	return out, warnings, nil
}

func toAdapterConstraint(k compiler.Constraint) adapters.Constraint {
	return adapters.Constraint{Type: k.Type, Name: k.Name, Expression: k.Expression, Columns: k.Columns, To: k.To, ToColumns: k.ToColumns}
}

// canonicalTypes asks the warehouse how it names each declared type, so
// that "int" and "INTEGER" compare equal. Without a QueryDescriber the
// types are compared as written.
func (r *Runner) canonicalTypes(ctx context.Context, types []string) ([]string, error) {
	if _, ok := r.a.(adapters.QueryDescriber); !ok || len(types) == 0 {
		return types, nil
	}
	parts := make([]string, len(types))
	for i, t := range types {
		parts[i] = fmt.Sprintf("cast(null as %s) as c%d", t, i)
	}
	cols, err := adapters.DescribeQuery(ctx, r.a, "select "+strings.Join(parts, ", "))
	if err != nil {
		return nil, err
	}
	out := make([]string, len(types))
	for i := range types {
		if i < len(cols) {
			out[i] = cols[i].DataType
		}
	}
	return out, nil
}

var typeParams = lazyre.New(`\s*\(.*\)\s*`)

// sameType compares base types: dbt does not check size, precision or
// scale. On PostgreSQL dbt compares the type names psycopg2 gives each
// type (dbt-postgres' data_type_code_to_name): one for every string type
// (text, varchar(n), char(n)), one for smallint and integer, one for real
// and double precision.
func sameType(warehouse, a, b string) bool {
	norm := func(s string) string {
		t := strings.ToLower(strings.TrimSpace(typeParams().ReplaceAllString(s, " ")))
		if warehouse == "postgres" {
			t = strings.ReplaceAll(t, " []", "[]")
			base, array := strings.CutSuffix(t, "[]")
			if c, ok := psycopgClass[base]; ok {
				if array {
					return c + "array"
				}
				return c
			}
		}
		return t
	}
	return norm(a) == norm(b)
}

// psycopgClass is the psycopg2 typecaster name of each PostgreSQL type
// (as format_type writes it, without its modifiers) that shares its
// name with another; a type not listed keeps its own name, as psycopg2's
// "unknown type_code" does.
var psycopgClass = map[string]string{
	"smallint": "integer", "integer": "integer", "int2": "integer", "int4": "integer", "int": "integer",
	"bigint": "longinteger", "int8": "longinteger",
	"real": "float", "double precision": "float", "float4": "float", "float8": "float",
	"numeric": "decimal", "decimal": "decimal",
	"text": "string", "character varying": "string", "varchar": "string", "character": "string",
	"char": "string", "bpchar": "string", "name": "string", `"char"`: "string",
	"boolean": "boolean", "bool": "boolean",
	"timestamp without time zone": "datetime", "timestamp": "datetime",
	"timestamp with time zone": "datetimetz", "timestamptz": "datetimetz",
	"time without time zone": "time", "time with time zone": "time", "time": "time", "timetz": "time",
	"bytea":     "binary",
	"oid":       "rowid",
	"int4range": "type", "numrange": "type", "int8range": "type",
}

// contractMismatches is dbt's table of contract mismatches, "" when the
// model matches its contract.
func contractMismatches(warehouse string, c *compiler.Contract, declared, canonical []string, actual []adapters.Column) string {
	type row struct{ name, definition, contract, reason string }
	// A contract type as dbt shows it: the warehouse's name for it (dbt
	// reads it back from an empty query casting null to it).
	shown := func(i int) string {
		if i < len(canonical) && canonical[i] != "" {
			return canonical[i]
		}
		return declared[i]
	}
	var rows []row
	byName := map[string]int{}
	for i, col := range c.Columns {
		byName[strings.ToLower(col.Name)] = i
	}
	seen := map[int]bool{}
	for _, a := range actual {
		i, ok := byName[strings.ToLower(a.Name)]
		if !ok {
			rows = append(rows, row{a.Name, a.DataType, "", "missing in contract"})
			continue
		}
		seen[i] = true
		if a.DataType != "" && !sameType(warehouse, a.DataType, canonical[i]) {
			rows = append(rows, row{a.Name, a.DataType, shown(i), "data type mismatch"})
		}
	}
	for i, col := range c.Columns {
		if !seen[i] {
			rows = append(rows, row{col.Name, "", shown(i), "missing in definition"})
		}
	}
	if len(rows) == 0 {
		return ""
	}
	// dbt's ContractError sorts its rows by column name (get_mismatches).
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].name < rows[j].name })
	table := [][]string{{"column_name", "definition_type", "contract_type", "mismatch_reason"}}
	for _, r := range rows {
		table = append(table, []string{r.name, r.definition, r.contract, r.reason})
	}
	widths := make([]int, 4)
	for _, r := range table {
		for i, c := range r {
			if len(c) > widths[i] {
				widths[i] = len(c)
			}
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for i, c := range cells {
			b.WriteString(" " + c + strings.Repeat(" ", widths[i]-len(c)) + " |")
		}
		b.WriteString("\n")
	}
	line(table[0])
	dashes := make([]string, 4)
	for i, w := range widths {
		dashes[i] = strings.Repeat("-", w)
	}
	line(dashes)
	for _, r := range table[1:] {
		line(r)
	}
	return strings.TrimRight(b.String(), "\n")
}
