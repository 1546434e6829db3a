package postgres

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestPositioned(t *testing.T) {
	q := "create table x as (\nselect\n    id,\n    nmé\nfrom y\n)"
	err := positioned(&pgconn.PgError{Severity: "ERROR", Message: `column "nmé" does not exist`, Position: 40}, q)
	want := "ERROR: column \"nmé\" does not exist (SQLSTATE )\n\nLINE 4:     nmé"
	if err.Error() != want {
		t.Errorf("got %q\nwant %q", err.Error(), want)
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		t.Error("the server error must stay reachable with errors.As")
	}
	plain := errors.New("no position")
	if positioned(plain, q) != plain {
		t.Error("errors without a position pass through")
	}
}

// TestWarehouseErrorAsLibpq: the message dbt-postgres raises is libpq's
// report without its severity; these are psql's, of the same statements,
// from PostgreSQL 16 (a long line is cut to 60 columns around the caret).
func TestWarehouseErrorAsLibpq(t *testing.T) {
	cases := []struct{ query, at, want string }{
		{"select 1 as a, 2 as b, 3 as c, 4 as d, 5 as e, 6 as f, 7 as g, 8 as h, 9 as i, 10 as j, 11 as k frm, 12 as l, 13 as m, 14 as n, 15 as o, 16 as p;", "frm",
			"syntax error at or near \"frm\"\nLINE 1: ... 6 as f, 7 as g, 8 as h, 9 as i, 10 as j, 11 as k frm, 12 as...\n                                                             ^"},
		{"select 1 as a frm, 2 as b, 3 as c, 4 as d, 5 as e, 6 as f, 7 as g, 8 as h, 9 as i, 10 as j, 11 as k, 12 as l, 13 as m, 14 as n, 15 as o, 16 as p;", "frm",
			"syntax error at or near \"frm\"\nLINE 1: select 1 as a frm, 2 as b, 3 as c, 4 as d, 5 as e, 6 as f, 7...\n                      ^"},
		{"select 1 as a, 2 as b, 3 as c, 4 as d, 5 as e, 6 as f, 7 as g, 8 as h, 9 as i, 10 as j, 11 as k, 12 as l, 13 as m, 14 as n, 15 as o, 16 as p frm;", "frm",
			"syntax error at or near \"frm\"\nLINE 1: ...j, 11 as k, 12 as l, 13 as m, 14 as n, 15 as o, 16 as p frm;\n                                                                   ^"},
		{"create view v as (\n\tselect nme from (select 1 as name) t\n)", "nme",
			"column \"nme\" does not exist\nLINE 2:  select nme from (select 1 as name) t\n                ^\nHINT:  Perhaps you meant to reference the column \"t.name\"."},
	}
	for _, c := range cases {
		pe := &pgconn.PgError{Severity: "ERROR", Message: `syntax error at or near "frm"`, Position: int32(strings.Index(c.query, c.at) + 1)}
		if c.at == "nme" {
			pe.Message, pe.Hint = `column "nme" does not exist`, `Perhaps you meant to reference the column "t.name".`
		}
		got, ok := (&Adapter{}).WarehouseError(fmt.Errorf("postgres: exec: %w", positioned(pe, c.query)))
		if !ok || got.Kind != "Database" || got.Msg != c.want {
			t.Errorf("got %v %q\nwant %q", ok, got, c.want)
		}
	}
}
