package postgres

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/elt-dev/elt/adapters"
)

// A session's statements share one connection: a temporary table it
// creates is there for its next statement, and not for another session.
func TestSession(t *testing.T) {
	a := openConfig(t, testConfig(t))
	defer a.Close()
	ctx := context.Background()
	one, releaseOne, err := a.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer releaseOne()
	two, releaseTwo, err := a.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer releaseTwo()
	if err := a.Exec(one, "create temporary table staged as select 42 as x"); err != nil {
		t.Fatal(err)
	}
	res, err := a.Query(one, "select x from staged")
	if err != nil || len(res.Rows) != 1 || fmt.Sprint(res.Rows[0][0]) != "42" {
		t.Fatalf("the session does not see its temporary table: %v %v", res, err)
	}
	if _, err := a.Query(two, "select x from staged"); err == nil || !strings.Contains(err.Error(), "staged") {
		t.Errorf("another session sees the temporary table: %v", err)
	}
	// Its columns, by a name without a schema as dbt-postgres'
	// make_temp_relation leaves it, on that session alone.
	cols, err := a.Columns(one, adapters.Relation{Identifier: "staged"})
	if err != nil || len(cols) != 1 || cols[0].Name != "x" || cols[0].DataType != "integer" {
		t.Errorf("the session's temporary table's columns: %+v, %v", cols, err)
	}
	if cols, err := a.Columns(two, adapters.Relation{Identifier: "staged"}); err != nil || len(cols) != 0 {
		t.Errorf("another session's columns of the temporary table: %+v, %v", cols, err)
	}
}
