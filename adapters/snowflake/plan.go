package snowflake

import (
	"errors"
	"fmt"
	"strings"

	"github.com/elt-dev/elt/adapters"
)

// Statement is one SQL statement of a plan and why it runs.
type Statement struct {
	Purpose string
	SQL     string
	// Counts marks a statement whose affected rows are the run's
	// RowsAffected (inserts, merges).
	Counts bool
}

// Planner turns requests into statements. It is pure: everything it needs
// from the warehouse (a relation's kind, its columns) is passed in, and
// temporary names come from the caller's suffix, so the same input always
// gives the same SQL.
type Planner struct {
	Dialect Dialect
	// QueryTag is the profile's query_tag, restored after a model that sets
	// its own ("" unsets the tag).
	QueryTag string
}

// ModelPlan builds a table or a view.
type ModelPlan struct {
	Build []Statement // in order, on one session
	// CountRows, for tables, counts the new table's rows after Build.
	CountRows string
	// Cleanup always runs afterwards, also after a failure: it drops a
	// temporary relation that may be left and restores the query tag.
	Cleanup []Statement
}

// ModelOptions are the Snowflake-specific configs of a model.
type ModelOptions struct {
	Transient  bool     // transient (default true, as in dbt-snowflake)
	CopyGrants bool     // copy_grants
	Secure     bool     // secure (views)
	ClusterBy  []string // cluster_by (tables): expressions
	QueryTag   string   // query_tag for this model's statements
}

// ModelOptionsFromConfig reads a model's config map: transient,
// copy_grants, secure, cluster_by (a string or a list) and query_tag.
// Booleans may be strings ("false"), as env_var() renders them.
func ModelOptionsFromConfig(cfg map[string]any) (ModelOptions, error) {
	o := ModelOptions{Transient: true}
	var err error
	if o.Transient, err = configBool(cfg, "transient", true); err != nil {
		return o, err
	}
	if o.CopyGrants, err = configBool(cfg, "copy_grants", false); err != nil {
		return o, err
	}
	if o.Secure, err = configBool(cfg, "secure", false); err != nil {
		return o, err
	}
	switch v := cfg["cluster_by"].(type) {
	case nil:
	case string:
		if strings.TrimSpace(v) != "" {
			o.ClusterBy = []string{v}
		}
	case []string:
		o.ClusterBy = v
	case []any:
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return o, fmt.Errorf("config cluster_by: want a list of expressions, got a %T in it", e)
			}
			o.ClusterBy = append(o.ClusterBy, s)
		}
	default:
		return o, fmt.Errorf("config cluster_by: want an expression or a list of them, got %T", v)
	}
	switch v := cfg["query_tag"].(type) {
	case nil:
	case string:
		o.QueryTag = v
	default:
		return o, fmt.Errorf("config query_tag: want a string, got %T", v)
	}
	return o, nil
}

func configBool(cfg map[string]any, key string, def bool) (bool, error) {
	v, ok := cfg[key]
	if !ok || v == nil {
		return def, nil
	}
	b, err := parseBool(v)
	if err != nil {
		return def, fmt.Errorf("config %s: %w", key, err)
	}
	return b, nil
}

// Table plans a table build.
//
// Snowflake's "create or replace table ... as select" is atomic: the old
// table stays, with its rows, until the new one is complete, and a failing
// select leaves it untouched. That is our atomic-replace rule in one
// statement, so no temporary name is needed when the target is a table or
// absent. A view in the way cannot be replaced by a table in one statement:
// the table is built under a temporary name first (so a failing select
// leaves the view), then the view is dropped and the table renamed.
func (p Planner) Table(m adapters.Model, existing adapters.RelationKind, suffix string) (ModelPlan, error) {
	d := p.Dialect
	body := trimStatement(m.SQL)
	if body == "" {
		return ModelPlan{}, errors.New("empty SQL")
	}
	o, err := ModelOptionsFromConfig(m.Config)
	if err != nil {
		return ModelPlan{}, err
	}
	var plan ModelPlan
	p.tagModel(&plan.Build, &plan.Cleanup, o.QueryTag)
	target := d.RenderRelation(m.Relation)
	create := func(name string) string {
		q := "create or replace "
		if o.Transient {
			q += "transient "
		}
		q += "table " + name
		if len(o.ClusterBy) > 0 {
			q += " cluster by (" + strings.Join(o.ClusterBy, ", ") + ")"
		}
		if o.CopyGrants {
			q += " copy grants"
		}
		q += " as (\n"
		if len(o.ClusterBy) > 0 {
			// Rows are written in cluster order, as dbt-snowflake does, so
			// the table starts well clustered.
			q += "select * from (\n" + body + "\n) order by (" + strings.Join(o.ClusterBy, ", ") + ")"
		} else {
			q += body
		}
		return q + "\n)"
	}
	if existing == adapters.KindView {
		tmp := tempRelation(m.Relation, suffix)
		plan.Build = append(plan.Build,
			Statement{Purpose: "build the table under a temporary name", SQL: create(d.RenderRelation(tmp))},
			Statement{Purpose: "drop the view it replaces", SQL: "drop view if exists " + target},
			Statement{Purpose: "move the new table into place", SQL: "alter table " + d.RenderRelation(tmp) + " rename to " + target},
		)
		plan.Cleanup = append([]Statement{{Purpose: "drop the temporary table if it is left", SQL: "drop table if exists " + d.RenderRelation(tmp)}}, plan.Cleanup...)
	} else {
		plan.Build = append(plan.Build, Statement{Purpose: "build the table (create or replace is atomic)", SQL: create(target)})
	}
	plan.CountRows = "select count(*) from " + target
	return plan, nil
}

// View plans a view build. A view replaces a view in one statement. A table
// in the way is replaced by way of a temporary view: creating it checks the
// select first, so a failing one leaves the table.
func (p Planner) View(m adapters.Model, existing adapters.RelationKind, suffix string) (ModelPlan, error) {
	d := p.Dialect
	body := trimStatement(m.SQL)
	if body == "" {
		return ModelPlan{}, errors.New("empty SQL")
	}
	o, err := ModelOptionsFromConfig(m.Config)
	if err != nil {
		return ModelPlan{}, err
	}
	var plan ModelPlan
	p.tagModel(&plan.Build, &plan.Cleanup, o.QueryTag)
	target := d.RenderRelation(m.Relation)
	create := func(name string, copyGrants bool) string {
		q := "create or replace "
		if o.Secure {
			q += "secure "
		}
		q += "view " + name
		if copyGrants {
			q += " copy grants"
		}
		return q + " as (\n" + body + "\n)"
	}
	if existing == adapters.KindTable {
		tmp := tempRelation(m.Relation, suffix)
		plan.Build = append(plan.Build,
			Statement{Purpose: "create the view under a temporary name", SQL: create(d.RenderRelation(tmp), false)},
			Statement{Purpose: "drop the table it replaces", SQL: "drop table if exists " + target},
			Statement{Purpose: "move the new view into place", SQL: "alter view " + d.RenderRelation(tmp) + " rename to " + target},
		)
		plan.Cleanup = append([]Statement{{Purpose: "drop the temporary view if it is left", SQL: "drop view if exists " + d.RenderRelation(tmp)}}, plan.Cleanup...)
		return plan, nil
	}
	plan.Build = append(plan.Build, Statement{Purpose: "create or replace the view", SQL: create(target, o.CopyGrants)})
	return plan, nil
}

// tagModel sets a model's query_tag for its statements and restores the
// profile's afterwards.
func (p Planner) tagModel(build, cleanup *[]Statement, tag string) {
	if tag == "" {
		return
	}
	*build = append(*build, Statement{Purpose: "tag this model's queries", SQL: "alter session set query_tag = " + literal(tag)})
	*cleanup = append(*cleanup, p.restoreTag())
}

func (p Planner) restoreTag() Statement {
	if p.QueryTag == "" {
		return Statement{Purpose: "remove the model's query tag", SQL: "alter session unset query_tag"}
	}
	return Statement{Purpose: "restore the profile's query tag", SQL: "alter session set query_tag = " + literal(p.QueryTag)}
}

// tempRelation is a name next to rel, unique per suffix. It contains "tmp"
// so that leftovers are easy to spot.
func tempRelation(rel adapters.Relation, suffix string) adapters.Relation {
	rel.Identifier += "__elt_tmp_" + suffix
	return rel
}

// CreateSchema is the statement creating database.schema unless it exists.
func (p Planner) CreateSchema(database, schema string) string {
	return "create schema if not exists " + p.Dialect.RenderRelation(adapters.Relation{Database: database, Schema: schema})
}

// informationSchema is database.information_schema (the current
// database's when database is empty).
func (p Planner) informationSchema(database string) string {
	if database == "" {
		return "information_schema"
	}
	return p.Dialect.RenderRelation(adapters.Relation{Database: database}) + ".information_schema"
}

// columnFields are what the columns queries read of a column (columnRow).
const columnFields = "column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, datetime_precision, ordinal_position, coalesce(comment, '')"

// ColumnsQuery lists rel's columns in order: name, data_type, then what
// columnType needs to write the full type, and the comment.
func (p Planner) ColumnsQuery(rel adapters.Relation) string {
	s := p.Dialect.storedRelation(rel)
	return "select " + columnFields + "\n" +
		"from " + p.informationSchema(rel.Database) + ".columns\n" +
		"where table_schema = " + schemaFilter(s.Schema) + " and table_name = " + literal(s.Identifier) + "\n" +
		"order by ordinal_position"
}

// RelationKindQuery returns rel's table_type, or no row.
func (p Planner) RelationKindQuery(rel adapters.Relation) string {
	s := p.Dialect.storedRelation(rel)
	return "select table_type\nfrom " + p.informationSchema(rel.Database) + ".tables\n" +
		"where table_schema = " + schemaFilter(s.Schema) + " and table_name = " + literal(s.Identifier)
}

func schemaFilter(schema string) string {
	if schema == "" {
		return "current_schema()"
	}
	return literal(schema)
}

// DescribeQuery lists a table's columns with their full types; unlike the
// information schema it sees this session's temporary tables.
func (p Planner) DescribeQuery(rel adapters.Relation) string {
	return "describe table " + p.Dialect.RenderRelation(rel)
}

// relationKind maps information_schema.tables.table_type.
func relationKind(tableType string) adapters.RelationKind {
	switch strings.ToUpper(tableType) {
	case "VIEW", "MATERIALIZED VIEW":
		return adapters.KindView
	case "":
		return adapters.KindNone
	default: // BASE TABLE, EXTERNAL TABLE, DYNAMIC TABLE, ...
		return adapters.KindTable
	}
}

// columnType writes a column's full type from information_schema.columns
// the way "describe table" writes it (NUMBER(38,0), VARCHAR(16777216),
// TIMESTAMP_NTZ(9)), so columns from either source compare equal.
func columnType(dataType string, charLen, precision, scale, dtPrecision *int64) string {
	t := strings.ToUpper(dataType)
	n := func(p *int64) string { return fmt.Sprint(*p) }
	switch t {
	case "TEXT", "VARCHAR", "STRING":
		if charLen != nil {
			return "VARCHAR(" + n(charLen) + ")"
		}
		return "VARCHAR"
	case "BINARY":
		if charLen != nil {
			return "BINARY(" + n(charLen) + ")"
		}
	case "NUMBER", "DECIMAL", "NUMERIC":
		if precision != nil && scale != nil {
			return "NUMBER(" + n(precision) + "," + n(scale) + ")"
		}
		return "NUMBER"
	case "TIMESTAMP_NTZ", "TIMESTAMP_LTZ", "TIMESTAMP_TZ", "TIME":
		if dtPrecision != nil {
			return t + "(" + n(dtPrecision) + ")"
		}
	}
	return t
}

// trimStatement drops trailing semicolons and blank space, so a model that
// ends in ";" can still be wrapped in create ... as ( ... ).
func trimStatement(sql string) string {
	return strings.TrimRight(strings.TrimSpace(sql), "; \t\r\n")
}
