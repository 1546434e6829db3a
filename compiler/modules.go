package compiler

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/elt-dev/elt/jinja"
)

// dbt's `modules` object: Python's datetime and pytz (pydatetime.go), the
// parts of re that dbt projects commonly call, and itertools.

// reModule is modules.re with Go's regexp (RE2 syntax: no backreferences
// or lookaround). search/match return a match object or None.
func reModule() map[string]any {
	compile := func(args []any) (*regexp.Regexp, error) {
		if len(args) == 0 {
			return nil, fmt.Errorf("re: needs a pattern")
		}
		p, _ := jinja.Str(args[0])
		return regexp.Compile(p)
	}
	str := func(args []any, i int) string {
		if i >= len(args) {
			return ""
		}
		s, _ := jinja.Str(args[i])
		return s
	}
	matcher := func(anchored, full bool) jinja.Func {
		return func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
			re, err := compile(args)
			if err != nil {
				return nil, fmt.Errorf("re: %v", err)
			}
			if len(args) < 2 {
				return nil, fmt.Errorf("re: needs a pattern and a string")
			}
			s := str(args, 1)
			loc := re.FindStringSubmatchIndex(s)
			if loc == nil || (anchored && loc[0] != 0) || (full && loc[1] != len(s)) {
				return nil, nil
			}
			return &reMatch{s: s, loc: loc}, nil
		}
	}
	return map[string]any{
		"search":    matcher(false, false),
		"match":     matcher(true, false),
		"fullmatch": matcher(true, true),
		"findall": jinja.Func(func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
			re, err := compile(args)
			if err != nil || len(args) < 2 {
				return nil, fmt.Errorf("re.findall(pattern, string): %v", err)
			}
			out := jinja.NewList()
			for _, m := range re.FindAllStringSubmatch(str(args, 1), -1) {
				switch len(m) {
				case 1:
					out.Items = append(out.Items, m[0])
				case 2:
					out.Items = append(out.Items, m[1])
				default:
					t := make(jinja.Tuple, len(m)-1)
					for i, g := range m[1:] {
						t[i] = g
					}
					out.Items = append(out.Items, t)
				}
			}
			return out, nil
		}),
		"sub": jinja.Func(func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
			re, err := compile(args)
			if err != nil || len(args) < 3 {
				return nil, fmt.Errorf("re.sub(pattern, repl, string): %v", err)
			}
			// Python's \1 group references become Go's ${1}.
			repl := regexp.MustCompile(`\\(\d+)`).ReplaceAllString(strings.ReplaceAll(str(args, 1), "$", "$$"), `$${$1}`)
			return re.ReplaceAllString(str(args, 2), repl), nil
		}),
		"split": jinja.Func(func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
			re, err := compile(args)
			if err != nil || len(args) < 2 {
				return nil, fmt.Errorf("re.split(pattern, string): %v", err)
			}
			return jinja.NewList(toAnyList(re.Split(str(args, 1), -1))...), nil
		}),
		"escape": jinja.Func(func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
			return regexp.QuoteMeta(str(args, 0)), nil
		}),
		"compile": jinja.Func(func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
			if _, err := compile(args); err != nil {
				return nil, fmt.Errorf("re.compile: %v", err)
			}
			return str(args, 0), nil // a pattern string works wherever re takes a pattern
		}),
	}
}

// reMatch is a match object: group(n), groups(), start(), end().
type reMatch struct {
	s   string
	loc []int
}

func (m *reMatch) group(i int) any {
	if 2*i+1 >= len(m.loc) || m.loc[2*i] < 0 {
		return nil
	}
	return m.s[m.loc[2*i]:m.loc[2*i+1]]
}

func (m *reMatch) GetAttr(name string) (any, bool) {
	switch name {
	case "group":
		return jinja.Func(func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
			if len(args) <= 1 {
				i := 0
				if len(args) == 1 {
					i = intOf(args[0])
				}
				return m.group(i), nil
			}
			t := make(jinja.Tuple, len(args))
			for j, a := range args {
				t[j] = m.group(intOf(a))
			}
			return t, nil
		}), true
	case "groups":
		return fn0(func() any {
			t := jinja.Tuple{}
			for i := 1; 2*i < len(m.loc); i++ {
				t = append(t, m.group(i))
			}
			return t
		}), true
	case "start":
		return fn0(func() any { return m.loc[0] }), true
	case "end":
		return fn0(func() any { return m.loc[1] }), true
	case "string":
		return m.s, true
	}
	return nil, false
}

func (m *reMatch) String() string {
	return fmt.Sprintf("<re.Match object; span=(%d, %d), match=%s>", m.loc[0], m.loc[1], pyQuote(m.s[m.loc[0]:m.loc[1]]))
}

func pyQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "\\'") + "'" }

// itertoolsModule is modules.itertools: the functions that return finite
// lists (chain, product, combinations, permutations, islice...), as lists.
func itertoolsModule() map[string]any {
	lists := func(args []any) ([][]any, error) {
		out := make([][]any, len(args))
		for i, a := range args {
			l, ok := items(a)
			if !ok {
				return nil, fmt.Errorf("'%T' object is not iterable", a)
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
				return nil, fmt.Errorf("'%T' object is not iterable", args[0])
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
		return nil, 0, fmt.Errorf("'%T' object is not iterable", it)
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

// modulesObject is dbt's `modules`.
func modulesObject() map[string]any {
	return map[string]any{
		"datetime": map[string]any{
			"datetime":  datetimeClass{},
			"date":      dateClass{},
			"timedelta": timedeltaClass{},
			"timezone":  timezoneClass{},
		},
		"pytz":      pytzModule(),
		"re":        reModule(),
		"itertools": itertoolsModule(),
	}
}
