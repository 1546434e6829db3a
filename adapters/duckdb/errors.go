package duckdb

import (
	"errors"

	duckdbdriver "github.com/duckdb/duckdb-go/v2"

	"github.com/elt-dev/elt/adapters"
)

var _ adapters.WarehouseErrorer = (*Adapter)(nil)

// WarehouseError finds DuckDB's error in err's chain. dbt-duckdb's
// exception_handler raises every DuckDB error as a DbtRuntimeError of its
// message, so it is a "Runtime" error there.
func (a *Adapter) WarehouseError(err error) (adapters.WarehouseError, bool) {
	var de *duckdbdriver.Error
	if !errors.As(err, &de) {
		return adapters.WarehouseError{}, false
	}
	return adapters.WarehouseError{Kind: "Runtime", Msg: de.Msg}, true
}
