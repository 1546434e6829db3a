// Package adaptertest is the conformance suite every warehouse adapter
// runs from its own tests: materializing tables and views, atomic replace,
// catalog look-ups, quoting, seeds and query values.
//
// It only talks to the adapter through adapters.Adapter and portable SQL
// (plus information_schema.tables to look for leftover temporary tables).
// It does not start warehouses: the caller's open function provides one.
package adaptertest
