package adapters

import "context"

// MetadataFreshness is an adapter that reads when a table was last
// modified from the warehouse's metadata: dbt's
// Capability.TableLastModifiedMetadata, used by source freshness for a
// source with neither loaded_at_field nor loaded_at_query. DuckDB and
// Postgres have no such metadata in dbt, so their adapters do not
// implement it and such a source is a runtime error, as in dbt.
type MetadataFreshness interface {
	// LastModifiedSQL is the query dbt's get_relation_last_modified
	// issues for rel: one row of schema, identifier, last_modified and
	// snapshotted_at.
	LastModifiedSQL(ctx context.Context, rel Relation) (string, error)
}
