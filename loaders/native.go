package loaders

import (
	"context"
	"fmt"
	"strings"

	"github.com/elt-dev/elt/adapters"
)

// runNative lands a table expression the warehouse reads itself (DuckDB's
// read_csv and friends) in one transaction: the rows are read into a
// staging table with the load columns, fitted to the contract in SQL,
// and then swapped in (replace, or a table's first load) or inserted.
func (e *engine) runNative(ctx context.Context, expr string) error {
	// The bulk read runs on its own, outside the transaction: DuckDB
	// reads fastest that way, and the staging table it fills is not the
	// landed table, so a crash here leaves the table as it was (the next
	// load drops the leftover staging table).
	stage := adapters.Relation{Database: e.rel.Database, Schema: e.rel.Schema, Identifier: e.rel.Identifier + "__elt_new"}
	st := e.r(stage)
	read := fmt.Sprintf("create or replace table %s as select *, %s as %s, %s as %s from %s",
		st, e.ts(e.start), e.q(colLoadedAt), lit(e.loadID), e.q(colLoadID), expr)
	var rejTable string
	if f, ok := e.l.Conn.(*files); ok {
		var scans string
		if rejTable, scans = f.nativeRejects(e.loadID); rejTable != "" {
			// DuckDB keeps malformed rows in temporary tables of the
			// connection that read them: copy them out in the same call.
			read = strings.NewReplacer(rejectsTableMark, rejTable, rejectsScanMark, scans).Replace(read) + fmt.Sprintf(
				"; insert into %s select %s, %s, %s, 'line ' || line || ': ' || string_agg(error_message, '; '), any_value(csv_line) from %s group by file_id, line; drop table %s; drop table %s",
				e.r(e.rejectedRel()), lit(e.loadID), lit(e.l.Name), e.ts(e.start), rejTable, rejTable, scans)
		}
	}
	if err := e.a.Exec(ctx, read); err != nil {
		return err
	}
	if rejTable != "" {
		r, err := e.a.Query(ctx, fmt.Sprintf("select count(*) from %s where load_id = %s", e.r(e.rejectedRel()), lit(e.loadID)))
		if err != nil {
			return err
		}
		e.rejected = num(r.Rows[0][0])
		if e.rejected > int64(e.l.MaxRejected) {
			return fmt.Errorf("%d rows rejected, more than max_rejected (%d) (see %s)", e.rejected, e.l.MaxRejected, e.r(e.rejectedRel()))
		}
	}
	// The staging table's columns, read by name: the load just made it,
	// and nothing else writes it. (information_schema.columns lists every
	// column of the database first: 5 ms a loader beside 2,000 tables.)
	cols, err := e.a.Columns(ctx, stage)
	if err != nil {
		_ = e.a.Exec(context.WithoutCancel(ctx), "drop table if exists "+st)
		return err
	}
	b, _ := e.bulk()
	tx, err := b.BeginBulk(ctx)
	if err != nil {
		_ = e.a.Exec(context.WithoutCancel(ctx), "drop table if exists "+st)
		return err
	}
	defer func() {
		if tx.Rollback(ctx) == nil {
			_ = e.a.Exec(context.WithoutCancel(ctx), "drop table if exists "+st)
		}
	}()
	var got []column
	for _, c := range cols {
		name := c.Name
		if name == colLoadedAt || name == colLoadID {
			continue
		}
		if n := normalizeName(name); n != name {
			if err := tx.Exec(ctx, fmt.Sprintf("alter table %s rename column %s to %s", st, e.q(name), e.q(n))); err != nil {
				return err
			}
			name = n
		}
		got = append(got, column{name: name, kind: kindOfType(c.DataType)})
	}
	if e.l.Disposition == Merge {
		names := make([]string, len(got))
		for i, c := range got {
			names[i] = c.name
		}
		if err := e.checkPrimaryKey(names); err != nil {
			return err
		}
	}
	// What the data needs from the table.
	var newCols []column
	type change struct {
		col  column
		want kind
	}
	var changes []change
	for _, c := range got {
		i, ok := e.sch.lookup(c.name)
		if !ok {
			newCols = append(newCols, c)
			continue
		}
		have := e.sch.cols[i]
		if have.kind != c.kind && widen(have.kind, c.kind) != have.kind {
			changes = append(changes, change{have, widen(have.kind, c.kind)})
		}
	}
	fresh := !e.exists || (e.l.Disposition == Replace && e.l.Contract == Evolve)
	var rejectConds []string
	if !fresh {
		switch e.l.Contract {
		case Freeze:
			if len(newCols) > 0 {
				return fmt.Errorf("schema_contract freeze: new column %q is not in %s", newCols[0].name, e.r(e.rel))
			}
			if len(changes) > 0 {
				return fmt.Errorf("schema_contract freeze: column %q is %s, and the data needs %s", changes[0].col.name, changes[0].col.kind.typeName(), changes[0].want.typeName())
			}
		case Evolve:
			for _, c := range newCols {
				if err := tx.Exec(ctx, fmt.Sprintf("alter table %s add column %s %s", e.r(e.rel), e.q(c.name), c.kind.typeName())); err != nil {
					return err
				}
				e.sch.add(c)
			}
			for _, ch := range changes {
				if err := tx.Exec(ctx, fmt.Sprintf("alter table %s alter column %s type %s using %s::%s", e.r(e.rel), e.q(ch.col.name), ch.want.typeName(), e.q(ch.col.name), ch.want.typeName())); err != nil {
					return err
				}
				i, _ := e.sch.lookup(ch.col.name)
				e.sch.cols[i].kind = ch.want
			}
		case DiscardRow:
			for _, c := range newCols {
				rejectConds = append(rejectConds, fmt.Sprintf("(%s is not null and 'new column %s' is not null)", e.q(c.name), c.name))
			}
			for _, ch := range changes {
				rejectConds = append(rejectConds, fmt.Sprintf("(%s is not null and try_cast(%s as %s) is null)", e.q(ch.col.name), e.q(ch.col.name), ch.col.kind.typeName()))
			}
		}
	}
	if len(rejectConds) > 0 {
		cond := strings.Join(rejectConds, " or ")
		r, err := tx.Query(ctx, fmt.Sprintf("select count(*) from %s where %s", st, cond))
		if err != nil {
			return err
		}
		n := num(r.Rows[0][0])
		if n > 0 {
			if err := tx.Exec(ctx, fmt.Sprintf("insert into %s select %s, %s, %s, 'does not fit the table (schema_contract discard_row)', to_json(s)::text from %s as s where %s",
				e.r(e.rejectedRel()), lit(e.loadID), lit(e.l.Name), e.ts(e.start), st, cond)); err != nil {
				return err
			}
			if err := tx.Exec(ctx, fmt.Sprintf("delete from %s where %s", st, cond)); err != nil {
				return err
			}
			e.rejected += n
			if e.rejected > int64(e.l.MaxRejected) {
				return fmt.Errorf("%d rows rejected, more than max_rejected (%d)", e.rejected, e.l.MaxRejected)
			}
		}
	}
	r, err := tx.Query(ctx, "select count(*) from "+st)
	if err != nil {
		return err
	}
	e.rows = num(r.Rows[0][0])
	e.pages = 1
	if fresh || (e.l.Disposition == Replace) {
		if err := tx.Exec(ctx, "drop table if exists "+e.r(e.rel)); err != nil {
			return err
		}
		if !fresh {
			// Keep the table's columns and types: insert into a copy.
			if err := e.createTable(ctx, tx, e.rel); err != nil {
				return err
			}
			if err := e.insertFrom(ctx, tx, st, got); err != nil {
				return err
			}
			if err := tx.Exec(ctx, "drop table "+st); err != nil {
				return err
			}
		} else if err := tx.Exec(ctx, fmt.Sprintf("alter table %s rename to %s", st, e.q(e.rel.Identifier))); err != nil {
			return err
		}
	} else {
		if e.l.Disposition == Merge {
			var conds []string
			for _, k := range e.l.PrimaryKey {
				c := e.q(normalizeName(k))
				conds = append(conds, "t."+c+" = s."+c)
			}
			if err := tx.Exec(ctx, fmt.Sprintf("delete from %s as t using %s as s where %s", e.r(e.rel), st, strings.Join(conds, " and "))); err != nil {
				return err
			}
		}
		if err := e.insertFrom(ctx, tx, st, got); err != nil {
			return err
		}
		if err := tx.Exec(ctx, "drop table "+st); err != nil {
			return err
		}
	}
	if err := tx.Exec(ctx, e.stateUpdate("")); err != nil {
		return err
	}
	if err := tx.Exec(ctx, e.finish()); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	e.report()
	return nil
}

// insertFrom copies the staged columns the table has into it, casting
// (try_cast: a value that does not fit becomes null, as discard_value
// wants; evolve has widened the table first).
func (e *engine) insertFrom(ctx context.Context, tx adapters.BulkTx, stage string, staged []column) error {
	has := map[string]bool{}
	for _, c := range staged {
		has[c.name] = true
	}
	var cols, sel []string
	for _, c := range e.sch.cols {
		if !has[c.name] {
			continue
		}
		cols = append(cols, e.q(c.name))
		sel = append(sel, fmt.Sprintf("try_cast(%s as %s)", e.q(c.name), c.kind.typeName()))
	}
	cols = append(cols, e.q(colLoadedAt), e.q(colLoadID))
	sel = append(sel, e.q(colLoadedAt), e.q(colLoadID))
	return tx.Exec(ctx, fmt.Sprintf("insert into %s (%s) select %s from %s", e.r(e.rel), strings.Join(cols, ", "), strings.Join(sel, ", "), stage))
}
