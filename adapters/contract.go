package adapters

import "strings"

// Contract is an enforced model contract (dbt's contract: {enforced: true}):
// the table is created with exactly these columns, in this order, with
// these types, and with the constraints the warehouse enforces, then filled
// from the model's select.
type Contract struct {
	Columns     []ContractColumn
	Constraints []Constraint // model-level: primary_key (a, b), check (...), ...
}

// ContractColumn is one declared column.
type ContractColumn struct {
	Name        string // as it is written in the DDL (quoted when the column says quote: true)
	DataType    string
	Constraints []Constraint
}

// Constraint is one constraint to write into the DDL. Only constraints the
// warehouse enforces are passed; the runner warns about the others.
type Constraint struct {
	Type       string   // not_null, unique, primary_key, foreign_key, check, custom (Expression as written)
	Name       string   // optional constraint name
	Expression string   // check: the condition; foreign_key (legacy): "other_table (id)"
	Columns    []string // model-level: the columns it covers
	To         string   // foreign_key: the referenced relation, rendered
	ToColumns  []string // foreign_key: the referenced columns
}

// ColumnSQL is the constraint written after a column's type.
func (c Constraint) ColumnSQL() string {
	prefix := ""
	if c.Name != "" {
		prefix = "constraint " + c.Name + " "
	}
	switch c.Type {
	case "not_null":
		return prefix + "not null"
	case "unique":
		return prefix + "unique"
	case "primary_key":
		return prefix + "primary key"
	case "check":
		return prefix + "check (" + c.Expression + ")"
	case "foreign_key":
		return prefix + "references " + c.reference()
	case "custom":
		return c.Expression
	}
	return ""
}

// TableSQL is a model-level constraint written after the columns.
func (c Constraint) TableSQL() string {
	prefix := ""
	if c.Name != "" {
		prefix = "constraint " + c.Name + " "
	}
	cols := "(" + strings.Join(c.Columns, ", ") + ")"
	switch c.Type {
	case "unique":
		return prefix + "unique " + cols
	case "primary_key":
		return prefix + "primary key " + cols
	case "check":
		return prefix + "check (" + c.Expression + ")"
	case "foreign_key":
		return prefix + "foreign key " + cols + " references " + c.reference()
	case "custom":
		return c.Expression
	}
	return ""
}

func (c Constraint) reference() string {
	if c.To != "" {
		if len(c.ToColumns) > 0 {
			return c.To + " (" + strings.Join(c.ToColumns, ", ") + ")"
		}
		return c.To
	}
	return c.Expression
}

// CreateTableSQL is the DDL of a contracted table named rel (rendered).
func (c *Contract) CreateTableSQL(rel string) string {
	return "create table " + rel + " " + c.ColumnsSQL()
}

// ColumnsSQL is the parenthesised list of the declared columns with their
// types and constraints, then the model-level constraints: what dbt's
// get_table_columns_and_constraints() renders.
func (c *Contract) ColumnsSQL() string {
	var parts []string
	for _, col := range c.Columns {
		s := "    " + col.Name + " " + col.DataType
		for _, k := range col.Constraints {
			if sql := k.ColumnSQL(); sql != "" {
				s += " " + sql
			}
		}
		parts = append(parts, s)
	}
	for _, k := range c.Constraints {
		if sql := k.TableSQL(); sql != "" {
			parts = append(parts, "    "+sql)
		}
	}
	return "(\n" + strings.Join(parts, ",\n") + "\n)"
}

// ColumnNames are the declared columns' names, in order, as the DDL
// writes them.
func (c *Contract) ColumnNames() []string {
	names := make([]string, len(c.Columns))
	for i, col := range c.Columns {
		names[i] = col.Name
	}
	return names
}

// InsertSQL fills a contracted table from the model's select, taking the
// declared columns in their declared order.
func (c *Contract) InsertSQL(rel, body string) string {
	list := strings.Join(c.ColumnNames(), ", ")
	return "insert into " + rel + " (" + list + ")\nselect " + list + " from (\n" + body + "\n) as model_subq"
}
