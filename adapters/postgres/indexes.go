package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/elt-dev/elt/adapters"
)

// Index is one entry of dbt-postgres's indexes config.
type Index = adapters.Index

// ParseIndexes reads the indexes config: a list of {columns, unique,
// type}.
func ParseIndexes(v any) ([]Index, error) { return adapters.ParseIndexes(v, true) }

// indexStatements are dbt-postgres's create index statements for rel. As
// in dbt-postgres, the index's name is the md5 of its columns, the
// relation, unique, type and the time, so that a rebuilt table never
// meets the name of an index on the table it replaces; columns go in as
// written.
func indexStatements(rel adapters.Relation, ixs []Index, now time.Time) []string {
	rendered := Dialect{}.RenderRelation(rel)
	var out []string
	for _, ix := range ixs {
		typ := "None"
		if ix.Type != "" {
			typ = ix.Type
		}
		var b strings.Builder
		b.WriteString("create ")
		if ix.Unique {
			b.WriteString("unique ")
		}
		fmt.Fprintf(&b, "index if not exists %q on %s ", adapters.IndexName(ix, rendered, []string{typ}, now), rendered)
		if ix.Type != "" {
			fmt.Fprintf(&b, "using %s ", ix.Type)
		}
		fmt.Fprintf(&b, "(%s)", strings.Join(ix.Columns, ", "))
		out = append(out, b.String())
	}
	return out
}

var _ adapters.IndexCreator = (*Adapter)(nil)

// CreateIndexes creates on rel the indexes config's indexes key lists,
// as dbt-postgres's create_indexes does.
func (a *Adapter) CreateIndexes(ctx context.Context, rel adapters.Relation, config map[string]any) error {
	ixs, err := ParseIndexes(config["indexes"])
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
