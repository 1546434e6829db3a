package duckdb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/elt-dev/elt/adapters"
)

// indexStatements are dbt-duckdb's create index statements (1.10.1,
// duckdb__get_create_index_sql) for rel: the index's name is the md5 of
// its columns, the relation, unique and the time, so that a rebuilt table
// never meets the name of an index on the table it replaces; columns go
// in as written.
func indexStatements(rel adapters.Relation, ixs []adapters.Index, now time.Time) []string {
	rendered := Dialect{}.RenderRelation(rel)
	var out []string
	for _, ix := range ixs {
		var b strings.Builder
		b.WriteString("create ")
		if ix.Unique {
			b.WriteString("unique ")
		}
		fmt.Fprintf(&b, "index %q on %s (%s)", adapters.IndexName(ix, rendered, nil, now), rendered, strings.Join(ix.Columns, ", "))
		out = append(out, b.String())
	}
	return out
}

// parseIndexes reads a node's indexes config as dbt-duckdb's
// DuckDBIndexConfig: columns and unique (DuckDB has one kind of index).
func parseIndexes(config map[string]any) ([]adapters.Index, error) {
	return adapters.ParseIndexes(config["indexes"], false)
}

var _ adapters.IndexCreator = (*Adapter)(nil)

// CreateIndexes creates on rel the indexes its config lists, as
// dbt-duckdb's create_indexes does.
func (a *Adapter) CreateIndexes(ctx context.Context, rel adapters.Relation, config map[string]any) error {
	ixs, err := parseIndexes(config)
	if err != nil {
		return err
	}
	for _, stmt := range indexStatements(a.qualify(rel), ixs, time.Now()) {
		if err := a.Exec(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}
