package compiler

import (
	"fmt"
	"strings"

	"github.com/elt-dev/elt/jinja"
)

// dbt's `modules` object: Python's datetime and pytz (pydatetime.go), re
// (pyre.go) and itertools.

func pyQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "\\'") + "'" }

// itertoolsModule is modules.itertools: the functions that return finite
// lists (chain, product, combinations, permutations, islice...), as lists.
func itertoolsModule() map[string]any {
	lists := func(args []any) ([][]any, error) {
		out := make([][]any, len(args))
		for i, a := range args {
			l, ok := items(a)
			if !ok {
				return nil, fmt.Errorf("'%s' object is not iterable", pyTypeName(a))
			}
			out[i] = l
		}
		return out, nil
	}
	return map[string]any{
		"chain": jinja.Func(func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
			ls, err := lists(args)
			if err != nil {
				return nil, err
			}
			out := jinja.NewList()
			for _, l := range ls {
				out.Items = append(out.Items, l...)
			}
			return out, nil
		}),
		"product": jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			ls, err := lists(args)
			if err != nil {
				return nil, err
			}
			if r, ok := kw.Get("repeat"); ok {
				n := intOf(r)
				base := ls
				ls = nil
				for i := 0; i < n; i++ {
					ls = append(ls, base...)
				}
			}
			rows := [][]any{{}}
			for _, l := range ls {
				var next [][]any
				for _, row := range rows {
					for _, it := range l {
						next = append(next, append(append([]any{}, row...), it))
					}
				}
				rows = next
			}
			return tuples(rows), nil
		}),
		"combinations": jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			pool, r, err := poolArgs(args, kw)
			if err != nil {
				return nil, err
			}
			var rows [][]any
			var pick func(start int, cur []any)
			pick = func(start int, cur []any) {
				if len(cur) == r {
					rows = append(rows, append([]any{}, cur...))
					return
				}
				for i := start; i < len(pool); i++ {
					pick(i+1, append(cur, pool[i]))
				}
			}
			pick(0, nil)
			return tuples(rows), nil
		}),
		"permutations": jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			pool, r, err := poolArgs(args, kw)
			if err != nil {
				return nil, err
			}
			if len(args) < 2 {
				if _, ok := kw.Get("r"); !ok {
					r = len(pool)
				}
			}
			var rows [][]any
			used := make([]bool, len(pool))
			var pick func(cur []any)
			pick = func(cur []any) {
				if len(cur) == r {
					rows = append(rows, append([]any{}, cur...))
					return
				}
				for i := range pool {
					if !used[i] {
						used[i] = true
						pick(append(cur, pool[i]))
						used[i] = false
					}
				}
			}
			pick(nil)
			return tuples(rows), nil
		}),
		"islice": jinja.Func(func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
			if len(args) < 2 {
				return nil, fmt.Errorf("islice(iterable, stop) or islice(iterable, start, stop[, step])")
			}
			l, ok := items(args[0])
			if !ok {
				return nil, fmt.Errorf("'%s' object is not iterable", pyTypeName(args[0]))
			}
			start, stop, step := 0, len(l), 1
			if len(args) == 2 {
				if args[1] != nil {
					stop = intOf(args[1])
				}
			} else {
				start = intOf(args[1])
				if args[2] != nil {
					stop = intOf(args[2])
				}
				if len(args) > 3 {
					step = max(1, intOf(args[3]))
				}
			}
			out := jinja.NewList()
			for i := start; i < min(stop, len(l)); i += step {
				out.Items = append(out.Items, l[i])
			}
			return out, nil
		}),
	}
}

func poolArgs(args []any, kw jinja.Kwargs) ([]any, int, error) {
	it, _ := argAt(args, kw, 0, "iterable")
	pool, ok := items(it)
	if !ok {
		return nil, 0, fmt.Errorf("'%s' object is not iterable", pyTypeName(it))
	}
	r := 0
	if v, ok := argAt(args, kw, 1, "r"); ok {
		r = intOf(v)
	}
	return pool, r, nil
}

func tuples(rows [][]any) *jinja.List {
	out := jinja.NewList()
	for _, r := range rows {
		out.Items = append(out.Items, jinja.Tuple(r))
	}
	return out
}

// modulesObject is dbt's `modules`; re's compiled patterns are cached in
// regexps.
func modulesObject(regexps *reCache) map[string]any {
	return map[string]any{
		"datetime": map[string]any{
			"datetime":  datetimeClass{},
			"date":      dateClass{},
			"time":      timeClass{},
			"timedelta": timedeltaClass{},
			"timezone":  timezoneClass{},
		},
		"pytz":      pytzModule(),
		"re":        reModule(regexps),
		"itertools": itertoolsModule(),
	}
}
