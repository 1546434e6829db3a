package compiler

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/elt-dev/elt/jinja"
)

// dbt's `modules` object: the parts of Python's datetime and re that dbt
// projects commonly call, and itertools. The engine's + and - do not reach
// Go values, so datetime arithmetic (dt + timedelta) is not supported;
// use datetime.replace or SQL instead.

// datetimeClass and dateClass are callables with attributes, like Python
// classes: modules.datetime.datetime(2024, 1, 1) and
// modules.datetime.datetime.now().
type datetimeClass struct{}
type dateClass struct{}

func fn0(f func() any) jinja.Func {
	return func(*jinja.State, []any, jinja.Kwargs) (any, error) { return f(), nil }
}

func (datetimeClass) Call(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	a := intArgs(args, kw, []string{"year", "month", "day", "hour", "minute", "second", "microsecond"}, []int{0, 1, 1, 0, 0, 0, 0})
	return &timeValue{time.Date(a[0], time.Month(a[1]), a[2], a[3], a[4], a[5], a[6]*1000, time.UTC)}, nil
}

func (datetimeClass) GetAttr(name string) (any, bool) {
	switch name {
	case "now":
		return fn0(func() any { return &timeValue{time.Now()} }), true
	case "utcnow":
		return fn0(func() any { return &timeValue{time.Now().UTC()} }), true
	case "strptime":
		return jinja.Func(func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
			if len(args) < 2 {
				return nil, fmt.Errorf("datetime.strptime(date_string, format) takes 2 arguments")
			}
			value, _ := jinja.Str(args[0])
			layout, _ := jinja.Str(args[1])
			t, err := time.Parse(goLayout(layout), value)
			if err != nil {
				return nil, fmt.Errorf("datetime.strptime: %v", err)
			}
			return &timeValue{t}, nil
		}), true
	case "fromisoformat":
		return jinja.Func(func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
			if len(args) < 1 {
				return nil, fmt.Errorf("datetime.fromisoformat(date_string) takes 1 argument")
			}
			value, _ := jinja.Str(args[0])
			for _, layout := range []string{"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02"} {
				if t, err := time.Parse(layout, value); err == nil {
					return &timeValue{t}, nil
				}
			}
			return nil, fmt.Errorf("Invalid isoformat string: '%s'", value)
		}), true
	}
	return nil, false
}

func (datetimeClass) String() string { return "<class 'datetime.datetime'>" }

func (dateClass) Call(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	a := intArgs(args, kw, []string{"year", "month", "day"}, []int{0, 1, 1})
	return &dateValue{time.Date(a[0], time.Month(a[1]), a[2], 0, 0, 0, 0, time.UTC)}, nil
}

func (dateClass) GetAttr(name string) (any, bool) {
	if name == "today" {
		return fn0(func() any {
			y, m, d := time.Now().Date()
			return &dateValue{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
		}), true
	}
	return nil, false
}

func (dateClass) String() string { return "<class 'datetime.date'>" }

// intArgs reads Python-style int arguments by position or keyword.
func intArgs(args []any, kw jinja.Kwargs, names []string, defaults []int) []int {
	out := append([]int(nil), defaults...)
	for i, n := range names {
		if v, ok := argAt(args, kw, i, n); ok {
			out[i] = intOf(v)
		}
	}
	return out
}

// dateValue is a Python date: prints as 2024-01-31.
type dateValue struct{ t time.Time }

func (d *dateValue) String() string { return d.t.Format("2006-01-02") }

func (d *dateValue) GetAttr(name string) (any, bool) {
	switch name {
	case "isoformat":
		return fn0(func() any { return d.String() }), true
	case "hour", "minute", "second", "microsecond", "timestamp", "date":
		return nil, false
	case "replace":
		return jinja.Func(func(_ *jinja.State, _ []any, kw jinja.Kwargs) (any, error) {
			return &dateValue{replaceTime(d.t, kw)}, nil
		}), true
	}
	return (&timeValue{d.t}).GetAttr(name)
}

// timedeltaValue is a Python timedelta: prints as "1 day, 2:00:00".
type timedeltaValue struct{ d time.Duration }

type timedeltaClass struct{}

func (timedeltaClass) Call(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	var d time.Duration
	units := []struct {
		name string
		unit time.Duration
	}{{"days", 24 * time.Hour}, {"seconds", time.Second}, {"microseconds", time.Microsecond},
		{"milliseconds", time.Millisecond}, {"minutes", time.Minute}, {"hours", time.Hour}, {"weeks", 7 * 24 * time.Hour}}
	for i, u := range units {
		if v, ok := argAt(args, kw, i, u.name); ok {
			d += time.Duration(floatOf(v) * float64(u.unit))
		}
	}
	return &timedeltaValue{d}, nil
}

func (timedeltaClass) String() string { return "<class 'datetime.timedelta'>" }

func (td *timedeltaValue) String() string {
	days := int(td.d / (24 * time.Hour))
	rest := td.d - time.Duration(days)*24*time.Hour
	if rest < 0 {
		days--
		rest += 24 * time.Hour
	}
	s := fmt.Sprintf("%d:%02d:%02d", int(rest/time.Hour), int(rest/time.Minute)%60, int(rest/time.Second)%60)
	if us := int(rest/time.Microsecond) % 1e6; us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	switch {
	case days == 1 || days == -1:
		return fmt.Sprintf("%d day, %s", days, s)
	case days != 0:
		return fmt.Sprintf("%d days, %s", days, s)
	}
	return s
}

func (td *timedeltaValue) GetAttr(name string) (any, bool) {
	switch name {
	case "days":
		days := int(td.d / (24 * time.Hour))
		if td.d < 0 && td.d%(24*time.Hour) != 0 {
			days--
		}
		return days, true
	case "seconds":
		rest := td.d % (24 * time.Hour)
		if rest < 0 {
			rest += 24 * time.Hour
		}
		return int(rest / time.Second), true
	case "total_seconds":
		return fn0(func() any { return td.d.Seconds() }), true
	}
	return nil, false
}

// goLayout turns the strftime directives strptime needs into a Go layout.
func goLayout(f string) string {
	repl := map[byte]string{'Y': "2006", 'm': "01", 'd': "02", 'H': "15", 'M': "04", 'S': "05",
		'f': "000000", 'y': "06", 'b': "Jan", 'B': "January", 'z': "-0700", 'p': "PM", 'I': "03", 'j': "002"}
	var out []byte
	for i := 0; i < len(f); i++ {
		if f[i] == '%' && i+1 < len(f) {
			if r, ok := repl[f[i+1]]; ok {
				out = append(out, r...)
				i++
				continue
			}
			if f[i+1] == '%' {
				out = append(out, '%')
				i++
				continue
			}
		}
		out = append(out, f[i])
	}
	return string(out)
}

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
		},
		"re":        reModule(),
		"itertools": itertoolsModule(),
	}
}
