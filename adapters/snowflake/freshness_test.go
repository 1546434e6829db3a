package snowflake

import (
	"testing"

	"github.com/elt-dev/elt/adapters"
)

// TestGoldenMetadataFreshness: the query source freshness issues for a
// source without loaded_at_field, as dbt-snowflake's
// snowflake__get_relation_last_modified does.
func TestGoldenMetadataFreshness(t *testing.T) {
	rel := adapters.Relation{Database: "raw_db", Schema: "jaffle", Identifier: "orders"}
	golden(t, "freshness_metadata", LastModifiedSQL(Dialect{}, rel)+"\n")
	golden(t, "freshness_metadata_quoted", LastModifiedSQL(Dialect{Quoting: Quoting{Database: true}}, adapters.Relation{Database: "Raw DB", Schema: "it's", Identifier: "Orders"})+"\n")
}
