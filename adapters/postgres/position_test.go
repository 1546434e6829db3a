package postgres

import (
	"errors"
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
