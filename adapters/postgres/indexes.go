package postgres

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/elt-dev/elt/adapters"
)

// Index is one entry of dbt-postgres's indexes config.
type Index struct {
	Columns []string
	Unique  bool
	Type    string // "" for Postgres's default (btree)
}

// ParseIndexes reads the indexes config: a list of {columns, unique,
// type}. It says what is wrong with a malformed one.
func ParseIndexes(v any) ([]Index, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("indexes must be a list of {columns: [...], unique: true|false, type: ...}, not %T", v)
	}
	var out []Index
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("indexes[%d] must be a mapping with columns, unique and type", i)
		}
		var ix Index
		for k, val := range m {
			switch k {
			case "columns":
				cols, ok := val.([]any)
				if !ok || len(cols) == 0 {
					return nil, fmt.Errorf("indexes[%d].columns must be a non-empty list of column names", i)
				}
				for _, c := range cols {
					s, ok := c.(string)
					if !ok || s == "" {
						return nil, fmt.Errorf("indexes[%d].columns must hold column names, not %v", i, c)
					}
					ix.Columns = append(ix.Columns, s)
				}
			case "unique":
				b, ok := val.(bool)
				if !ok && val != nil {
					return nil, fmt.Errorf("indexes[%d].unique must be true or false", i)
				}
				ix.Unique = b
			case "type":
				s, ok := val.(string)
				if !ok && val != nil {
					return nil, fmt.Errorf("indexes[%d].type must be an index method such as btree, hash, gist or gin", i)
				}
				ix.Type = s
			default:
				return nil, fmt.Errorf("indexes[%d]: unknown key %q (columns, unique and type are the keys)", i, k)
			}
		}
		if len(ix.Columns) == 0 {
			return nil, fmt.Errorf("indexes[%d] needs columns", i)
		}
		out = append(out, ix)
	}
	return out, nil
}

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
		unique := "False"
		if ix.Unique {
			unique = "True"
		}
		parts := append(append([]string{}, ix.Columns...), rendered, unique, typ, now.UTC().Format("2006-01-02T15:04:05.000000"))
		sum := md5.Sum([]byte(strings.Join(parts, "_")))
		var b strings.Builder
		b.WriteString("create ")
		if ix.Unique {
			b.WriteString("unique ")
		}
		fmt.Fprintf(&b, "index if not exists %q on %s ", hex.EncodeToString(sum[:]), rendered)
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
