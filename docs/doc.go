// Package docs writes elt's artifacts in dbt's published JSON schemas, so
// tools that read dbt artifacts read ours unchanged:
//
//   - target/manifest.json, schema https://schemas.getdbt.com/dbt/manifest/v12.json
//   - target/run_results.json, schema https://schemas.getdbt.com/dbt/run-results/v6.json
//   - target/catalog.json, schema https://schemas.getdbt.com/dbt/catalog/v1.json, from what
//     the warehouse reported (adapters.RelationInfo), matched to unique ids by CatalogRelations
//   - target/lineage.json, elt's own (see Lineage), rendering what package lineage resolved
//
// It renders what package compiler produced (nodes, relations, dependencies,
// parent and child maps), what the warehouse reported and what package
// lineage resolved; it does not recompute lineage, open a connection or
// read the project folder. Every object carries only the keys dbt's
// schema allows there (the schemas forbid additional properties on most
// objects), so elt-specific facts such as elt's own version are not written.
//
// Output is deterministic for the same input: maps are written with sorted
// keys and every list is in a fixed order. Files are written compactly and
// atomically (a temporary file in the same directory, then a rename), so a
// reader never sees half an artifact.
//
// Later parts of this package: the static docs site.
package docs
