// Package state reads the artifacts of an earlier run (dbt's --state
// folder: manifest.json, run_results.json, sources.json) and compares the
// earlier manifest with the current one the way dbt-core does for its
// state:, result: and source_status: selector methods, saying why each node
// counts as modified.
//
// It reads and compares JSON artifacts only: it does not parse projects,
// select nodes (graph does, through the Methods type here) or run anything.
package state
