package snowflake

import (
	"context"

	"github.com/elt-dev/elt/adapters"
)

var _ adapters.MetadataFreshness = (*Adapter)(nil)

// LastModifiedSQL is dbt-snowflake's snowflake__get_relation_last_modified
// for one relation: last_altered from the database's information_schema.
func (a *Adapter) LastModifiedSQL(_ context.Context, rel adapters.Relation) (string, error) {
	return LastModifiedSQL(a.planner.Dialect, rel), nil
}

// LastModifiedSQL renders the metadata freshness query for rel.
func LastModifiedSQL(d Dialect, rel adapters.Relation) string {
	infoSchema := "INFORMATION_SCHEMA"
	if rel.Database != "" {
		infoSchema = d.RenderRelation(adapters.Relation{Database: rel.Database}) + "." + infoSchema
	}
	return "select table_schema as schema,\n" +
		"       table_name as identifier,\n" +
		"       last_altered as last_modified,\n" +
		"       convert_timezone('UTC', current_timestamp()) as snapshotted_at\n" +
		"from " + infoSchema + ".tables\n" +
		"where ((upper(table_schema) = upper(" + literal(rel.Schema) + ") and\n" +
		"        upper(table_name) = upper(" + literal(rel.Identifier) + ")))"
}
