package compiler

import (
	"fmt"
	"regexp"
	"time"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// dbt's `modules` object: the parts of Python's datetime and re that dbt
// projects commonly call. gonja's + and - do not reach custom values, so
// datetime arithmetic (dt + timedelta) is not supported.

// datetimeClass and dateClass are callables with attributes, like Python
// classes: modules.datetime.datetime(2024, 1, 1) and
// modules.datetime.datetime.now(). gonja calls any func of this shape and
// asks AttributeGetter for attributes.
type datetimeClass func(*exec.VarArgs) *exec.Value
type dateClass func(*exec.VarArgs) *exec.Value

func (datetimeClass) GetAttribute(name string) (*exec.Value, bool) {
	switch name {
	case "now":
		return exec.AsValue(func(*exec.VarArgs) *exec.Value { return exec.AsValue(&timeValue{time.Now()}) }), true
	case "utcnow":
		return exec.AsValue(func(*exec.VarArgs) *exec.Value { return exec.AsValue(&timeValue{time.Now().UTC()}) }), true
	case "strptime":
		return exec.AsValue(func(va *exec.VarArgs) *exec.Value {
			if len(va.Args) < 2 {
				return exec.AsValue(fmt.Errorf("datetime.strptime(date_string, format) takes 2 arguments"))
			}
			t, err := time.Parse(goLayout(va.Args[1].String()), va.Args[0].String())
			if err != nil {
				return exec.AsValue(fmt.Errorf("datetime.strptime: %v", err))
			}
			return exec.AsValue(&timeValue{t})
		}), true
	}
	return exec.AsValue(nil), false
}

func (dateClass) GetAttribute(name string) (*exec.Value, bool) {
	if name == "today" {
		return exec.AsValue(func(*exec.VarArgs) *exec.Value {
			y, m, d := time.Now().Date()
			return exec.AsValue(&dateValue{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)})
		}), true
	}
	return exec.AsValue(nil), false
}

// intArgs reads Python-style int arguments by position or keyword.
func intArgs(va *exec.VarArgs, names []string, defaults []int) []int {
	out := append([]int(nil), defaults...)
	for i, n := range names {
		if i < len(va.Args) {
			out[i] = va.Args[i].Integer()
		} else if v, ok := va.KwArgs[n]; ok {
			out[i] = v.Integer()
		}
	}
	return out
}

func newDatetime(va *exec.VarArgs) *exec.Value {
	a := intArgs(va, []string{"year", "month", "day", "hour", "minute", "second", "microsecond"}, []int{0, 1, 1, 0, 0, 0, 0})
	t := time.Date(a[0], time.Month(a[1]), a[2], a[3], a[4], a[5], a[6]*1000, time.UTC)
	return exec.AsValue(&timeValue{t})
}

func newDate(va *exec.VarArgs) *exec.Value {
	a := intArgs(va, []string{"year", "month", "day"}, []int{0, 1, 1})
	return exec.AsValue(&dateValue{time.Date(a[0], time.Month(a[1]), a[2], 0, 0, 0, 0, time.UTC)})
}

// dateValue is a Python date: prints as 2024-01-31.
type dateValue struct{ t time.Time }

func (d *dateValue) String() string { return d.t.Format("2006-01-02") }

func (d *dateValue) GetAttribute(name string) (*exec.Value, bool) {
	switch name {
	case "isoformat":
		return exec.AsValue(func(*exec.VarArgs) *exec.Value { return exec.AsValue(d.String()) }), true
	case "hour", "minute", "second", "timestamp":
		return exec.AsValue(nil), false
	}
	return (&timeValue{d.t}).GetAttribute(name)
}

// timedeltaValue is a Python timedelta: prints as "1 day, 2:00:00".
type timedeltaValue struct{ d time.Duration }

func newTimedelta(va *exec.VarArgs) *exec.Value {
	var d time.Duration
	units := []struct {
		name string
		unit time.Duration
	}{{"days", 24 * time.Hour}, {"seconds", time.Second}, {"microseconds", time.Microsecond},
		{"milliseconds", time.Millisecond}, {"minutes", time.Minute}, {"hours", time.Hour}, {"weeks", 7 * 24 * time.Hour}}
	for i, u := range units {
		var v *exec.Value
		if i < len(va.Args) {
			v = va.Args[i]
		} else if kv, ok := va.KwArgs[u.name]; ok {
			v = kv
		}
		if v != nil {
			d += time.Duration(v.Float() * float64(u.unit))
		}
	}
	return exec.AsValue(&timedeltaValue{d})
}

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

func (td *timedeltaValue) GetAttribute(name string) (*exec.Value, bool) {
	switch name {
	case "days":
		days := int(td.d / (24 * time.Hour))
		if td.d < 0 && td.d%(24*time.Hour) != 0 {
			days--
		}
		return exec.AsValue(days), true
	case "total_seconds":
		return exec.AsValue(func(*exec.VarArgs) *exec.Value { return exec.AsValue(td.d.Seconds()) }), true
	}
	return exec.AsValue(nil), false
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
	compile := func(va *exec.VarArgs) (*regexp.Regexp, error) {
		if len(va.Args) == 0 {
			return nil, fmt.Errorf("re: needs a pattern")
		}
		return regexp.Compile(va.Args[0].String())
	}
	matcher := func(anchored bool) func(*exec.VarArgs) *exec.Value {
		return func(va *exec.VarArgs) *exec.Value {
			re, err := compile(va)
			if err != nil || len(va.Args) < 2 {
				return exec.AsValue(fmt.Errorf("re: %v", err))
			}
			s := va.Args[1].String()
			loc := re.FindStringSubmatchIndex(s)
			if loc == nil || (anchored && loc[0] != 0) {
				return exec.AsValue(nil)
			}
			return exec.AsValue(&reMatch{s: s, loc: loc})
		}
	}
	return map[string]any{
		"search": matcher(false),
		"match":  matcher(true),
		"findall": func(va *exec.VarArgs) *exec.Value {
			re, err := compile(va)
			if err != nil || len(va.Args) < 2 {
				return exec.AsValue(fmt.Errorf("re.findall: %v", err))
			}
			var out []any
			for _, m := range re.FindAllStringSubmatch(va.Args[1].String(), -1) {
				switch len(m) {
				case 1:
					out = append(out, m[0])
				case 2:
					out = append(out, m[1])
				default:
					out = append(out, toAnyList(m[1:]))
				}
			}
			return exec.AsValue(out)
		},
		"sub": func(va *exec.VarArgs) *exec.Value {
			re, err := compile(va)
			if err != nil || len(va.Args) < 3 {
				return exec.AsValue(fmt.Errorf("re.sub(pattern, repl, string): %v", err))
			}
			// Python's \1 group references become Go's ${1}.
			repl := regexp.MustCompile(`\\(\d+)`).ReplaceAllString(va.Args[1].String(), `$${$1}`)
			return exec.AsValue(re.ReplaceAllString(va.Args[2].String(), repl))
		},
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

func (m *reMatch) GetAttribute(name string) (*exec.Value, bool) {
	switch name {
	case "group":
		return exec.AsValue(func(va *exec.VarArgs) *exec.Value {
			i := 0
			if len(va.Args) > 0 {
				i = va.Args[0].Integer()
			}
			return exec.AsValue(m.group(i))
		}), true
	case "groups":
		return exec.AsValue(func(*exec.VarArgs) *exec.Value {
			var out []any
			for i := 1; 2*i < len(m.loc); i++ {
				out = append(out, m.group(i))
			}
			return exec.AsValue(out)
		}), true
	case "start":
		return exec.AsValue(func(*exec.VarArgs) *exec.Value { return exec.AsValue(m.loc[0]) }), true
	case "end":
		return exec.AsValue(func(*exec.VarArgs) *exec.Value { return exec.AsValue(m.loc[1]) }), true
	}
	return exec.AsValue(nil), false
}

func (m *reMatch) String() string {
	return fmt.Sprintf("<re.Match object; span=(%d, %d)>", m.loc[0], m.loc[1])
}

// modulesObject is dbt's `modules`.
func modulesObject() map[string]any {
	return map[string]any{
		"datetime": map[string]any{
			"datetime":  datetimeClass(newDatetime),
			"date":      dateClass(newDate),
			"timedelta": newTimedelta,
		},
		"re": reModule(),
	}
}
