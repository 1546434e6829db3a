package compiler

import (
	"strings"
	"testing"

	"github.com/elt-dev/elt/project"
)

func TestFixtureSQL(t *testing.T) {
	fx := &project.UnitTestFixture{
		Rows:    []map[string]any{{"id": 1, "name": "O'Hara"}, {"ID": 2, "tags": []any{"a"}}},
		Columns: []string{"id", "name", "tags"},
	}
	cols := []Column{{Name: "id", DataType: "INTEGER"}, {Name: "name", DataType: "VARCHAR"}, {Name: "tags", DataType: "JSON"}, {Name: "extra", DataType: "DATE"}}
	got, err := FixtureSQL(fx, cols, "'x'", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "select cast(1 as INTEGER) as id, cast('O''Hara' as VARCHAR) as name, cast(null as JSON) as tags, cast(null as DATE) as extra\n" +
		"union all\n" +
		"select cast(2 as INTEGER) as id, cast(null as VARCHAR) as name, cast('[\"a\"]' as JSON) as tags, cast(null as DATE) as extra"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// No rows: a typed empty select.
	got, _ = FixtureSQL(&project.UnitTestFixture{}, cols[:1], "'x'", nil)
	if got != "select cast(null as INTEGER) as id\nlimit 0" {
		t.Errorf("empty fixture: %s", got)
	}
	// A column the relation does not have is refused, naming the ones it has.
	_, err = FixtureSQL(&project.UnitTestFixture{Rows: []map[string]any{{"idd": 1}}}, cols, "'orders'", nil)
	if err == nil || !strings.Contains(err.Error(), "Invalid column name: 'idd' in unit test fixture for 'orders'.\nAccepted columns for 'orders' are: ['id', 'name', 'tags', 'extra']") {
		t.Errorf("err = %v", err)
	}
	// Unknown columns: the rows' own, uncast.
	got, _ = FixtureSQL(&project.UnitTestFixture{Rows: []map[string]any{{"a": true}}, Columns: []string{"a"}}, nil, "'x'", nil)
	if got != "select true as a" {
		t.Errorf("untyped fixture: %s", got)
	}
}

func TestExpectedSQL(t *testing.T) {
	actual := []Column{{Name: "id", DataType: "BIGINT"}, {Name: "total", DataType: "DOUBLE"}}
	sql, cols, err := ExpectedSQL(&project.UnitTestFixture{Rows: []map[string]any{{"total": 2.5}}, Columns: []string{"total"}}, actual, nil)
	if err != nil || sql != "select cast(2.5 as DOUBLE) as total" || strings.Join(cols, ",") != "total" {
		t.Errorf("ExpectedSQL = %q %v %v", sql, cols, err)
	}
	sql, cols, _ = ExpectedSQL(&project.UnitTestFixture{}, actual, nil)
	if sql != "select cast(null as BIGINT) as id, cast(null as DOUBLE) as total\nlimit 0" || strings.Join(cols, ",") != "id,total" {
		t.Errorf("no expected rows: %q %v", sql, cols)
	}
	// Names read from the warehouse are quoted, as dbt's column.quoted:
	// the expected row names its column in any case.
	quote := func(s string) string { return `"` + s + `"` }
	actual = []Column{{Name: "Order Id", DataType: "BIGINT", Quoted: true}, {Name: "select", DataType: "DOUBLE", Quoted: true}}
	sql, cols, err = ExpectedSQL(&project.UnitTestFixture{Rows: []map[string]any{{"order id": 1, "SELECT": 2.5}}, Columns: []string{"order id", "SELECT"}}, actual, quote)
	if err != nil || sql != `select cast(1 as BIGINT) as "Order Id", cast(2.5 as DOUBLE) as "select"` || strings.Join(cols, ",") != `"Order Id","select"` {
		t.Errorf("quoted: %q %v %v", sql, cols, err)
	}
}
