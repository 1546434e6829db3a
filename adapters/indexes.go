package adapters

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Index is one entry of an indexes config: dbt-postgres's {columns,
// unique, type}, dbt-duckdb's {columns, unique}.
type Index struct {
	Columns []string
	Unique  bool
	Type    string // "" for Postgres's default (btree)
}

// ParseIndexes reads an indexes config: a list of {columns, unique} and,
// where the warehouse has index methods (withType), type. It says what is
// wrong with a malformed one.
func ParseIndexes(v any, withType bool) ([]Index, error) {
	keys := "columns and unique"
	if withType {
		keys = "columns, unique and type"
	}
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
			return nil, fmt.Errorf("indexes[%d] must be a mapping with %s", i, keys)
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
				if !withType {
					return nil, fmt.Errorf("indexes[%d]: unknown key %q (%s are the keys; this warehouse has one kind of index)", i, k, keys)
				}
				s, ok := val.(string)
				if !ok && val != nil {
					return nil, fmt.Errorf("indexes[%d].type must be an index method such as btree, hash, gist or gin", i)
				}
				ix.Type = s
			default:
				return nil, fmt.Errorf("indexes[%d]: unknown key %q (%s are the keys)", i, k, keys)
			}
		}
		if len(ix.Columns) == 0 {
			return nil, fmt.Errorf("indexes[%d] needs columns", i)
		}
		out = append(out, ix)
	}
	return out, nil
}

// IndexName is the name dbt-postgres and dbt-duckdb give an index (their
// IndexConfig.render): the md5 of its columns, the relation as rendered,
// unique as Python writes it, the adapter's further fields (Postgres's
// type) and the time, joined by "_", so that a rebuilt table never meets
// the name of an index on the table it replaces.
func IndexName(ix Index, rendered string, extra []string, now time.Time) string {
	unique := "False"
	if ix.Unique {
		unique = "True"
	}
	parts := append(append(append([]string{}, ix.Columns...), rendered, unique), extra...)
	parts = append(parts, now.UTC().Format("2006-01-02T15:04:05.000000"))
	sum := md5.Sum([]byte(strings.Join(parts, "_")))
	return hex.EncodeToString(sum[:])
}
