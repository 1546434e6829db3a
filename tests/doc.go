// Package tests runs dbt's data tests: the built-in generic tests (not_null,
// unique, accepted_values, relationships) as Jinja test blocks the compiler
// loads like any macro file, the query that turns a test's failing rows into
// one verdict row (fail_calc, warn_if, error_if, limit), the severity rules
// that turn that row into pass, warn or fail, and storing failing rows in the
// audit schema (store_failures, store_failures_as).
//
// A data test, generic or singular, is a query that returns the rows that
// break an expectation; an empty result passes.
//
// It does not render Jinja (the compiler turns a test node into CompiledCode),
// decide which tests run (graph) or talk to a warehouse except through an
// adapters.Adapter.
//
// Unit tests (dbt's `unit_tests:`, unit.go) run a model's SQL, rendered by
// the compiler on fixture CTEs, beside the expected rows cast to its output
// types, and compare the two as multisets (RowDiff).
package tests
