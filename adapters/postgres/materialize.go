package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/elt-dev/elt/adapters"
)

// Materialize builds a model as a table or a view.
//
// PostgreSQL's DDL is transactional, so the whole build is one transaction:
// the new relation is created under a unique temporary name in the target's
// schema, the old relation (table or view) is dropped and the new one
// renamed into place, then the transaction commits. Other connections keep
// reading the old relation until the commit (they wait on its lock while
// the swap commits, never see it missing); any failure rolls everything
// back, the temporary relation included.
//
// The old relation is dropped with CASCADE, as dbt-postgres drops its
// backup relation: views that depend on a rebuilt table (and that are not
// rebuilt in the same run) go with it. Without CASCADE, PostgreSQL refuses
// to drop a table a view depends on, so any project with a view over a
// table could never rebuild that table.
func (a *Adapter) Materialize(ctx context.Context, m adapters.Model) (res adapters.RunResult, err error) {
	d := Dialect{}
	rel := a.qualify(m.Relation)
	defer func() {
		if err != nil {
			err = fmt.Errorf("postgres: materialize %s: %w", d.RenderRelation(rel), ctxErr(ctx, err))
		}
	}()
	body := trimStatement(m.SQL)
	if body == "" {
		return adapters.RunResult{}, errors.New("empty SQL")
	}
	switch m.Materialized {
	case "table":
		var rows int64
		err := a.inTx(ctx, func(tx pgx.Tx) error {
			var err error
			rows, err = replaceRelation(ctx, tx, rel, func(tmp string) string {
				return "create table " + tmp + " as (\n" + body + "\n)"
			})
			return err
		})
		if err != nil {
			return adapters.RunResult{}, err
		}
		return adapters.RunResult{Message: "OK", RowsAffected: rows}, nil
	case "view":
		err := a.inTx(ctx, func(tx pgx.Tx) error {
			_, err := replaceRelation(ctx, tx, rel, func(tmp string) string {
				return "create view " + tmp + " as (\n" + body + "\n)"
			})
			return err
		})
		if err != nil {
			return adapters.RunResult{}, err
		}
		return adapters.RunResult{Message: "OK", RowsAffected: -1}, nil
	default:
		return adapters.RunResult{}, fmt.Errorf("materialization %q is not supported (want table or view)", m.Materialized)
	}
}

// qualify fills in the adapter's database and schema where rel leaves them
// empty, so temporary names and renames stay in the intended schema.
func (a *Adapter) qualify(rel adapters.Relation) adapters.Relation {
	if rel.Database == "" {
		rel.Database = a.cfg.DBName
	}
	if rel.Schema == "" {
		rel.Schema = a.cfg.Schema
	}
	return rel
}

// replaceRelation creates a relation with build(tmpName) under a unique
// temporary name next to rel, drops whatever rel is (CASCADE), and renames
// the new relation to rel. It must run inside a transaction. It returns the
// rows the build statement reported (CREATE TABLE AS says how many).
func replaceRelation(ctx context.Context, tx pgx.Tx, rel adapters.Relation, build func(tmp string) string) (int64, error) {
	d := Dialect{}
	tmp := rel
	tmp.Identifier = tempName(rel.Identifier)
	tag, err := tx.Exec(ctx, build(d.RenderRelation(tmp)))
	if err != nil {
		return 0, err
	}
	if err := dropExisting(ctx, tx, rel); err != nil {
		return 0, err
	}
	// ALTER TABLE ... RENAME renames views too.
	if _, err := tx.Exec(ctx, "alter table "+d.RenderRelation(tmp)+" rename to "+d.Quote(rel.Identifier)); err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// dropExisting drops rel, whatever kind of relation it is, if it exists.
func dropExisting(ctx context.Context, tx pgx.Tx, rel adapters.Relation) error {
	_, keyword, err := relationKind(ctx, tx, rel)
	if err != nil || keyword == "" {
		return err
	}
	_, err = tx.Exec(ctx, "drop "+keyword+" "+Dialect{}.RenderRelation(rel)+" cascade")
	return err
}

// maxIdentLen is PostgreSQL's identifier limit in bytes (NAMEDATALEN - 1);
// longer names are silently truncated.
const maxIdentLen = 63

const tempSuffix = "__elt_tmp_"

// tempName is unique per call, so concurrent runs and retries never
// collide. The identifier is shortened so that the random part survives
// PostgreSQL's 63-byte limit.
func tempName(ident string) string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	suffix := tempSuffix + hex.EncodeToString(b[:])
	if max := maxIdentLen - len(suffix); len(ident) > max {
		ident = ident[:max]
		for !utf8.ValidString(ident) {
			ident = ident[:len(ident)-1]
		}
	}
	return ident + suffix
}

// trimStatement drops trailing semicolons and blank space, so a model that
// ends in ";" can still be wrapped in create ... as ( ... ).
func trimStatement(sql string) string {
	return strings.TrimRight(strings.TrimSpace(sql), "; \t\r\n")
}
