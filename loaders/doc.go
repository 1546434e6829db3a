// Package loaders lands raw data from files, HTTP APIs and databases into
// a project's source tables, incrementally and safely: every page or
// batch of rows is committed in the same transaction as the cursor that
// describes it, so a load killed between pages resumes without losing or
// duplicating rows.
//
// Loaders are declared in YAML files under loaders/ (dbt_project.yml's
// loader-paths may move it). Each names a connector (files, http,
// postgres), its options, the declared source table it lands
// (lands: {source, table}), a write disposition (replace, append,
// merge), a schema contract (evolve, freeze, discard_row,
// discard_value) and max_rejected.
//
// It lands data and keeps load state; it does not transform data beyond
// flattening nested objects into columns.
package loaders
