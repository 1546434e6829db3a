// Package runner executes a selection of compiled nodes against a warehouse
// adapter: seeds, models and tests in dependency order, in parallel, with a
// line of progress per node. It decides what each node does when it runs;
// the order, parallelism and skipping belong to package graph.
//
// It does not parse, select or render artifacts: cmd/elt wires those.
package runner
