package loaders

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/elt-dev/elt/adapters"
)

// Nested arrays can land in child tables instead of as JSON text
// (nested_arrays: table): the array at field items of table orders lands
// in orders__items, one row per element, with _elt_parent_row_id (the
// parent row's _elt_row_id) and _elt_list_idx. Objects in elements are
// flattened, scalars land in a value column, arrays nest further
// (orders__items__parts).

// Nester is a connector whose records' arrays may land in child tables.
type Nester interface {
	NestedTables() bool
}

const (
	colRowID       = "_elt_row_id"
	colParentRowID = "_elt_parent_row_id"
	colListIdx     = "_elt_list_idx"
)

// childRecord is one element of a nested array, for the child table named
// by its path ("items", "items__parts").
type childRecord struct {
	path string
	rec  Record
}

// unnest moves the arrays of rec (already given its row id) into child
// records, recursively, and returns rec without them.
func unnest(rec Record, rowID string, path string, out *[]childRecord) Record {
	flat := Record{}
	var arrays []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			name := normalizeName(k)
			if prefix != "" {
				name = prefix + "__" + name
			}
			switch x := v.(type) {
			case map[string]any:
				walk(name, x)
			case []any:
				arrays = append(arrays, name)
				flat[name] = x
			default:
				flat[name] = v
			}
		}
	}
	walk("", rec)
	sort.Strings(arrays)
	for _, name := range arrays {
		list := flat[name].([]any)
		delete(flat, name)
		childPath := name
		if path != "" {
			childPath = path + "__" + name
		}
		for i, el := range list {
			id := rowID + "." + name + "." + strconv.Itoa(i)
			var child Record
			if m, ok := el.(map[string]any); ok {
				child = Record{}
				for k, v := range m {
					child[k] = v
				}
			} else {
				child = Record{"value": el}
			}
			child = unnest(child, id, childPath, out)
			child[colRowID] = id
			child[colParentRowID] = rowID
			child[colListIdx] = int64(i)
			*out = append(*out, childRecord{path: childPath, rec: child})
		}
	}
	flat[colRowID] = rowID
	return flat
}

// child returns the engine landing the child table at path, creating it
// on first use.
func (e *engine) child(ctx context.Context, tx adapters.BulkTx, path string) (*engine, error) {
	if c, ok := e.children[path]; ok {
		return c, nil
	}
	l := *e.l
	l.Disposition = Append
	l.PrimaryKey = nil
	c := &engine{a: e.a, d: e.d, l: &l, opts: e.opts, start: e.start, loadID: e.loadID, isChild: true,
		rel: adapters.Relation{Database: e.rel.Database, Schema: e.rel.Schema, Identifier: e.rel.Identifier + "__" + path}}
	if err := c.readSchema(ctx); err != nil {
		return nil, err
	}
	c.write = c.rel
	if e.write != e.rel { // replace: build the child table anew beside the parent's
		c.write = adapters.Relation{Database: c.rel.Database, Schema: c.rel.Schema, Identifier: c.rel.Identifier + "__elt_new"}
		if err := tx.Exec(ctx, "drop table if exists "+c.r(c.write)); err != nil {
			return nil, err
		}
		c.exists = false
		if len(c.sch.cols) > 0 {
			if err := c.createTable(ctx, tx, c.write); err != nil {
				return nil, err
			}
			c.exists = true
		}
	}
	if e.children == nil {
		e.children = map[string]*engine{}
	}
	e.children[path] = c
	return c, nil
}

// landChildren lands a page's child records, grouped by table.
func (e *engine) landChildren(ctx context.Context, tx adapters.BulkTx, kids []childRecord) error {
	byPath := map[string][]Record{}
	var paths []string
	for _, k := range kids {
		if _, ok := byPath[k.path]; !ok {
			paths = append(paths, k.path)
		}
		byPath[k.path] = append(byPath[k.path], k.rec)
	}
	sort.Strings(paths)
	for _, p := range paths {
		c, err := e.child(ctx, tx, p)
		if err != nil {
			return err
		}
		before := c.rejected
		if err := c.landPage(ctx, tx, Page{Records: byPath[p]}); err != nil {
			return fmt.Errorf("child table %s: %w", c.r(c.rel), err)
		}
		e.rejected += c.rejected - before
	}
	return nil
}

// existingChildren lists the child tables earlier loads made (for merge
// and replace, which must also clear their rows).
func (e *engine) existingChildren(ctx context.Context, q func(context.Context, string) (*adapters.Result, error)) ([]string, error) {
	pattern := strings.ReplaceAll(strings.ReplaceAll(e.rel.Identifier, "_", `\_`), "%", `\%`) + `\_\_%`
	res, err := q(ctx, fmt.Sprintf(`select table_name from information_schema.tables where table_schema = %s and table_name like %s escape '\' and table_name not like '%%\_\_elt\_%%' escape '\'`,
		lit(e.rel.Schema), lit(pattern)))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range res.Rows {
		out = append(out, strings.TrimPrefix(str(r[0]), e.rel.Identifier+"__"))
	}
	sort.Strings(out)
	return out, nil
}

// deleteChildrenOf deletes, before a merge replaces parent rows, the
// child rows of the parents whose keys are in stage: every level, since
// grandchildren's row ids start with their parent's.
func (e *engine) deleteChildrenOf(ctx context.Context, tx adapters.BulkTx, stage string, conds []string) error {
	paths, err := e.existingChildren(ctx, tx.Query)
	if err != nil {
		return err
	}
	for _, p := range paths {
		child := e.r(adapters.Relation{Database: e.rel.Database, Schema: e.rel.Schema, Identifier: e.rel.Identifier + "__" + p})
		// Row ids nest: a child of row R has ids R.<field>.<i>, so one
		// prefix test reaches every level.
		if err := tx.Exec(ctx, fmt.Sprintf("delete from %s as c where exists (select 1 from %s as t, %s as s where %s and starts_with(c.%s, t.%s || '.'))",
			child, e.r(e.write), stage, strings.Join(conds, " and "), e.q(colRowID), e.q(colRowID))); err != nil {
			return err
		}
	}
	return nil
}

// swapChildren swaps in the child tables a replace load built, and drops
// the ones earlier loads made that this one did not.
func (e *engine) swapChildren(ctx context.Context, tx adapters.BulkTx) error {
	old, err := e.existingChildren(ctx, tx.Query)
	if err != nil {
		return err
	}
	for _, p := range old {
		if _, ok := e.children[p]; ok {
			continue
		}
		rel := adapters.Relation{Database: e.rel.Database, Schema: e.rel.Schema, Identifier: e.rel.Identifier + "__" + p}
		if err := tx.Exec(ctx, "drop table if exists "+e.r(rel)); err != nil {
			return err
		}
	}
	for _, c := range e.children {
		if !c.exists {
			continue
		}
		if err := c.swap(ctx, tx); err != nil {
			return err
		}
	}
	return nil
}
