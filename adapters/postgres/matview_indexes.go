package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/elt-dev/elt/adapters"
)

// indexKey is what dbt-postgres compares to tell whether a materialized
// view's index is the one the config asks for (PostgresIndexConfig): the
// set of its columns in lower case, unique and the method (btree when
// unset). The index's name does not count.
type indexKey struct {
	columns string // sorted, comma-separated
	unique  bool
	method  string
}

func keyOf(columns []string, unique bool, method string) indexKey {
	cols := make([]string, 0, len(columns))
	for _, c := range columns {
		if c = strings.ToLower(c); !slices.Contains(cols, c) {
			cols = append(cols, c)
		}
	}
	slices.Sort(cols)
	if method == "" {
		method = "btree"
	}
	return indexKey{columns: strings.Join(cols, ","), unique: unique, method: strings.ToLower(method)}
}

// existingIndex is an index on a materialized view, as dbt-postgres's
// postgres__get_show_indexes_sql reads it.
type existingIndex struct {
	name string
	key  indexKey
}

func materializedViewIndexes(ctx context.Context, tx pgx.Tx, rel adapters.Relation) ([]existingIndex, error) {
	rows, err := tx.Query(ctx, `select i.relname, m.amname, ix.indisunique, array_agg(a.attname::text)
	from pg_catalog.pg_index ix
	join pg_catalog.pg_class i on i.oid = ix.indexrelid
	join pg_catalog.pg_am m on m.oid = i.relam
	join pg_catalog.pg_class t on t.oid = ix.indrelid
	join pg_catalog.pg_namespace n on n.oid = t.relnamespace
	join pg_catalog.pg_attribute a on a.attrelid = t.oid and a.attnum = any(ix.indkey)
	where t.relname = $2 and n.nspname = $1 and t.relkind in ('r', 'm')
	group by 1, 2, 3
	order by 1, 2, 3`, rel.Schema, rel.Identifier)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []existingIndex
	for rows.Next() {
		var ix existingIndex
		var method string
		var unique bool
		var cols []string
		if err := rows.Scan(&ix.name, &method, &unique, &cols); err != nil {
			return nil, err
		}
		ix.key = keyOf(cols, unique, method)
		out = append(out, ix)
	}
	return out, rows.Err()
}

// changeIndexes brings an existing materialized view up to date, as
// dbt's materialized_view materialization with dbt-postgres: when its
// indexes are those the config lists, it is refreshed. Otherwise, by
// on_configuration_change: apply drops the indexes the config no longer
// lists and creates the new ones (without refreshing the data, as
// postgres__get_alter_materialized_view_as_sql); continue leaves it as it
// is, with a warning; fail stops the model.
func changeIndexes(ctx context.Context, tx pgx.Tx, rel adapters.Relation, ixs []Index, onChange string) (adapters.RunResult, error) {
	d := Dialect{}
	existing, err := materializedViewIndexes(ctx, tx, rel)
	if err != nil {
		return adapters.RunResult{}, fmt.Errorf("read the indexes: %w", err)
	}
	want := map[indexKey]bool{}
	for _, ix := range ixs {
		want[keyOf(ix.Columns, ix.Unique, ix.Type)] = true
	}
	have := map[indexKey]bool{}
	var drops []string
	for _, ix := range existing {
		have[ix.key] = true
		if !want[ix.key] {
			drops = append(drops, "drop index if exists "+d.Quote(rel.Schema)+"."+d.Quote(ix.name))
		}
	}
	var creates []Index
	for _, ix := range ixs {
		if k := keyOf(ix.Columns, ix.Unique, ix.Type); !have[k] {
			have[k] = true // the config may list one twice
			creates = append(creates, ix)
		}
	}
	if len(drops) == 0 && len(creates) == 0 {
		if _, err := tx.Exec(ctx, "refresh materialized view "+d.RenderRelation(rel)); err != nil {
			return adapters.RunResult{}, err
		}
		return adapters.RunResult{Message: "REFRESH MATERIALIZED VIEW", RowsAffected: -1}, nil
	}
	changed := "Configuration changes were identified and `on_configuration_change` was set to `" + onChange + "` for `" + d.RenderRelation(rel) + "`"
	switch onChange {
	case "continue":
		return adapters.RunResult{Message: "skip " + d.RenderRelation(rel), Code: "skip", RowsAffected: -1,
			Warnings: []adapters.Warning{materializedViewWarning(changed)}}, nil
	case "fail":
		return adapters.RunResult{}, fmt.Errorf("%s", changed)
	}
	res := adapters.RunResult{RowsAffected: -1}
	for _, stmt := range append(drops, indexStatements(rel, creates, time.Now())...) {
		tag, err := tx.Exec(ctx, adapters.CommentSQL(ctx, stmt))
		if err != nil {
			return adapters.RunResult{}, err
		}
		res.Message = tag.String()
	}
	return res, nil
}

// materializedViewWarning is a configuration change left unapplied
// (on_configuration_change: continue).
type materializedViewWarning string

func (w materializedViewWarning) Event() string  { return "ConfigurationChangeNotApplied" }
func (w materializedViewWarning) String() string { return string(w) }
