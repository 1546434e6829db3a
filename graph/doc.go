// Package graph holds the dependency graph of a project's nodes (models,
// seeds, snapshots, tests, sources, ...): it rejects unknown parents and
// cycles, resolves dbt's node selection syntax (--select, --exclude,
// --resource-type, --indirect-selection, the named selectors of
// selectors.yml and their normalized form for manifest.json, and the
// state:, result: and source_status: methods through
// a StateMethods the caller passes, which package state implements) and
// walks a set of nodes in dependency order on a bounded number of
// goroutines, skipping whatever is downstream of a failure.
//
// It receives plain node descriptions (Node) and does not import project or
// compiler. It does not know what a node does when it runs: Walk calls a
// function the caller gives it and only looks at the Status it returns.
package graph
