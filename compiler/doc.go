// Package compiler turns a loaded project into a Manifest: it owns the Jinja
// environment (ref, source, config, var, env_var, this, target, macros,
// return(), adapter.dispatch...), parses every node once to learn its config
// and dependencies, names relations the way dbt does (overridable
// generate_*_name macros), builds generic test nodes, and renders compiled
// SQL with ephemeral models inlined as CTEs. Templates are parsed once by
// package jinja; macros run with jinja's Macro.Call in the calling node's
// context, and dbt's additions (tojson, fromyaml, modules...) live here.
// modules.re is Python's re translated onto Go's regexp (pyre*.go); a
// pattern or input it cannot answer as Python would fails with
// NotImplementedError instead of answering differently.
//
// It never opens a database connection: what it needs from a warehouse
// (quoting, relation rendering) comes through the Dialect interface.
package compiler
