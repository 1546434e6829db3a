package bigquery

import (
	"context"

	"github.com/elt-dev/elt/adapters"
)

var _ adapters.MetadataFreshness = (*Adapter)(nil)

// LastModifiedSQL is dbt-bigquery's bigquery__get_relation_last_modified
// for one relation: storage_last_modified_time from the
// INFORMATION_SCHEMA.TABLE_STORAGE view of the dataset's region. Like
// dbt (adapter.get_dataset_location), it asks BigQuery where the dataset
// is; the profile's location is the fallback.
func (a *Adapter) LastModifiedSQL(ctx context.Context, rel adapters.Relation) (string, error) {
	location := a.cfg.Location
	ds := a.client.DatasetInProject(rel.Database, rel.Schema)
	if md, err := ds.Metadata(ctx); err == nil && md.Location != "" {
		location = md.Location
	}
	return LastModifiedSQL(rel, location), nil
}

// LastModifiedSQL renders the metadata freshness query for rel, whose
// dataset is in location. TABLE_STORAGE needs a region; with none known,
// BigQuery's default location (US) is used, where a dataset elsewhere has
// no row and the check fails saying so.
func LastModifiedSQL(rel adapters.Relation, location string) string {
	if location == "" {
		location = "US"
	}
	view := quote(rel.Database) + "." + quote("region-"+location) + ".INFORMATION_SCHEMA.TABLE_STORAGE"
	return "select table_schema as schema,\n" +
		"  table_name as identifier,\n" +
		"  storage_last_modified_time as last_modified,\n" +
		"  current_timestamp() as snapshotted_at\n" +
		"from " + view + "\n" +
		"where (upper(table_schema) in (upper(" + literal(rel.Schema) + ")))\n" +
		"and ((upper(table_schema) = upper(" + literal(rel.Schema) + ") and\n" +
		"      upper(table_name) = upper(" + literal(rel.Identifier) + ")))"
}
