package compiler

import (
	"fmt"
	"math"
	"strings"
	"time"
	_ "time/tzdata" // pytz's zones on machines without /usr/share/zoneinfo

	"github.com/elt-dev/elt/jinja"
)

// Python's datetime module (datetime, date, timedelta, timezone) and pytz,
// as dbt exposes them in `modules`. Values print, compare and do
// arithmetic as Python's do; the engine's operators reach them through
// jinja.Arith and jinja.Comparer.

// tzInfo is a tzinfo object. pytz zones are, like pytz's, one object per
// offset: pytz.timezone(name) is the zone's first (local mean time)
// offset, and localize/astimezone/now pick the offset in force.
type tzInfo struct {
	zone   string         // pytz zone name; "" for datetime.timezone
	loc    *time.Location // pytz zones; nil for fixed offsets
	offset int            // seconds east of UTC
	abbr   string         // tzname()
}

func (z *tzInfo) String() string {
	if z.zone != "" {
		return z.zone
	}
	return z.abbr
}

func (z *tzInfo) fixed() *time.Location { return time.FixedZone(z.abbr, z.offset) }

// at is the zone's tzinfo for the instant u (pytz's fromutc).
func (z *tzInfo) at(u time.Time) *tzInfo {
	if z.loc == nil {
		return z
	}
	abbr, off := u.In(z.loc).Zone()
	// pytz rounds offsets to whole minutes.
	return &tzInfo{zone: z.zone, loc: z.loc, offset: floorDiv(off+30, 60) * 60, abbr: abbr}
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// localize is pytz's tz.localize(naive, is_dst=False): the offset in
// force at that wall time, the standard one when it is ambiguous and the
// one before the gap when it does not exist.
func (z *tzInfo) localize(wall time.Time) *tzInfo {
	if z.loc == nil {
		return z
	}
	var found []*tzInfo
	for _, probe := range []time.Duration{-24 * time.Hour, 24 * time.Hour} {
		cand := z.at(wall.Add(probe))
		c := z.at(wall.Add(-time.Duration(cand.offset) * time.Second))
		if c.offset == cand.offset && (len(found) == 0 || found[0].offset != c.offset || found[0].abbr != c.abbr) {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return z.at(wall.Add(-6 * time.Hour).Add(-time.Duration(z.at(wall.Add(-6*time.Hour)).offset) * time.Second))
	case 1:
		return found[0]
	}
	for _, c := range found {
		u := wall.Add(-time.Duration(c.offset) * time.Second)
		if !u.In(z.loc).IsDST() {
			return c
		}
	}
	return found[0]
}

func (z *tzInfo) GetAttr(name string) (any, bool) {
	switch name {
	case "zone":
		if z.zone == "" {
			return nil, false
		}
		return z.zone, true
	case "localize":
		return jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			v, _ := argAt(args, kw, 0, "dt")
			dt, ok := v.(*timeValue)
			if !ok {
				return nil, fmt.Errorf("localize: expected a datetime, got %T", v)
			}
			if !dt.naive {
				return nil, fmt.Errorf("ValueError: Not naive datetime (tzinfo is already set)")
			}
			return awareWall(dt.t, z.localize(dt.t)), nil
		}), true
	case "normalize":
		return jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			v, _ := argAt(args, kw, 0, "dt")
			dt, ok := v.(*timeValue)
			if !ok || dt.naive {
				return nil, fmt.Errorf("ValueError: Naive time - no tzinfo set")
			}
			return dt.astimezone(z), nil
		}), true
	case "utcoffset", "tzname", "dst":
		return jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			v, _ := argAt(args, kw, 0, "dt")
			inst := z
			if dt, ok := v.(*timeValue); ok && z.loc != nil {
				if dt.naive {
					inst = z.localize(dt.t)
				} else {
					inst = z.at(dt.t)
				}
			}
			switch name {
			case "utcoffset":
				return &timedeltaValue{int64(inst.offset) * 1e6}, nil
			case "tzname":
				return inst.abbr, nil
			}
			if inst.loc != nil {
				u := time.Unix(0, 0)
				if dt, ok := v.(*timeValue); ok {
					u = dt.t
				}
				if u.In(inst.loc).IsDST() {
					_, std := u.AddDate(0, -6, 0).In(inst.loc).Zone()
					return &timedeltaValue{int64(inst.offset-std) * 1e6}, nil
				}
			}
			return &timedeltaValue{}, nil
		}), true
	}
	return nil, false
}

// loadZone is pytz.timezone(name).
func loadZone(name string) (*tzInfo, error) {
	if strings.EqualFold(name, "UTC") {
		return pytzUTC(), nil
	}
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("UnknownTimeZoneError: %s", pyQuote(name))
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("UnknownTimeZoneError: %s", pyQuote(name))
	}
	// The zone's first offset, as pytz gives for dates before its records.
	return (&tzInfo{zone: name, loc: loc}).at(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)), nil
}

func pytzUTC() *tzInfo { return &tzInfo{zone: "UTC", abbr: "UTC"} }

func pytzModule() map[string]any {
	return map[string]any{
		"timezone": jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			v, _ := argAt(args, kw, 0, "zone")
			s, _ := jinja.Str(v)
			return loadZone(s)
		}),
		"utc": pytzUTC(),
		"UTC": pytzUTC(),
	}
}

// timezoneClass is datetime.timezone: timezone.utc, timezone(timedelta(hours=5)).
type timezoneClass struct{}

func (timezoneClass) String() string { return "<class 'datetime.timezone'>" }

func (timezoneClass) GetAttr(name string) (any, bool) {
	if name == "utc" {
		return &tzInfo{abbr: "UTC"}, true
	}
	return nil, false
}

func (timezoneClass) Call(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	v, _ := argAt(args, kw, 0, "offset")
	td, ok := v.(*timedeltaValue)
	if !ok {
		return nil, fmt.Errorf("TypeError: timezone() argument 1 must be datetime.timedelta")
	}
	off := int(td.us / 1e6)
	name := "UTC" + fmtOffset(off, ":")
	if off == 0 {
		name = "UTC"
	}
	if n, ok := argAt(args, kw, 1, "name"); ok {
		name, _ = jinja.Str(n)
	}
	return &tzInfo{offset: off, abbr: name}, nil
}

func fmtOffset(off int, sep string) string {
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	s := fmt.Sprintf("%c%02d%s%02d", sign, off/3600, sep, off/60%60)
	if off%60 != 0 {
		s += fmt.Sprintf("%s%02d", sep, off%60)
	}
	return s
}

// timeValue is a Python datetime. t holds the wall clock (in t's
// location) and, when aware, the instant; naive values are kept in UTC.
// tz is the tzinfo object; aware values without one (run_started_at,
// database values) use t's location.
type timeValue struct {
	t     time.Time
	tz    *tzInfo
	naive bool
}

func naiveTime(t time.Time) *timeValue {
	y, m, d := t.Date()
	h, mi, s := t.Clock()
	return &timeValue{t: time.Date(y, m, d, h, mi, s, t.Nanosecond()/1000*1000, time.UTC), naive: true}
}

// awareWall is the wall clock of wall (read in any location) with tzinfo z.
func awareWall(wall time.Time, z *tzInfo) *timeValue {
	y, m, d := wall.Date()
	h, mi, s := wall.Clock()
	return &timeValue{t: time.Date(y, m, d, h, mi, s, wall.Nanosecond(), z.fixed()), tz: z}
}

// withTZ is the datetime with tzinfo z (nil: naive) and the same wall clock.
func withTZ(wall time.Time, z *tzInfo) *timeValue {
	if z == nil {
		return naiveTime(wall)
	}
	return awareWall(wall, z)
}

func (tv *timeValue) tzinfo() *tzInfo {
	if tv.naive {
		return nil
	}
	if tv.tz != nil {
		return tv.tz
	}
	abbr, off := tv.t.Zone()
	if off == 0 {
		return &tzInfo{abbr: "UTC"}
	}
	return &tzInfo{offset: off, abbr: abbr}
}

// instant is the point in time; naive values count as local time, as
// Python's timestamp() and astimezone() take them.
func (tv *timeValue) instant() time.Time {
	if tv.naive {
		y, m, d := tv.t.Date()
		h, mi, s := tv.t.Clock()
		return time.Date(y, m, d, h, mi, s, tv.t.Nanosecond(), time.Local)
	}
	return tv.t
}

func (tv *timeValue) astimezone(z *tzInfo) *timeValue {
	u := tv.instant()
	inst := z.at(u)
	return &timeValue{t: u.In(inst.fixed()), tz: inst}
}

// String is Python's str(datetime).
func (tv *timeValue) String() string { return tv.isoformat(" ", "auto") }

// YAMLTimestamp is how PyYAML's safe_dump writes a datetime (toyaml).
func (tv *timeValue) YAMLTimestamp() string { return tv.isoformat(" ", "auto") }

// isoTimeOfDay is the time part of Python's isoformat(timespec=...):
// hours, minutes, seconds, milliseconds, microseconds, or "auto"
// (microseconds only when there are some).
func isoTimeOfDay(t time.Time, timespec string) string {
	us := t.Nanosecond() / 1000
	s := fmt.Sprintf("%02d", t.Hour())
	switch timespec {
	case "hours":
	case "minutes":
		s += fmt.Sprintf(":%02d", t.Minute())
	case "seconds":
		s += fmt.Sprintf(":%02d:%02d", t.Minute(), t.Second())
	case "milliseconds":
		s += fmt.Sprintf(":%02d:%02d.%03d", t.Minute(), t.Second(), us/1000)
	default:
		s += fmt.Sprintf(":%02d:%02d", t.Minute(), t.Second())
		if us != 0 || timespec == "microseconds" {
			s += fmt.Sprintf(".%06d", us)
		}
	}
	return s
}

func (tv *timeValue) isoformat(sep, timespec string) string {
	t := tv.t
	y, m, d := t.Date()
	s := fmt.Sprintf("%04d-%02d-%02d%s", y, int(m), d, sep) + isoTimeOfDay(t, timespec)
	if !tv.naive {
		_, off := t.Zone()
		s += fmtOffset(off, ":")
	}
	return s
}

func (tv *timeValue) GetAttr(name string) (any, bool) {
	t := tv.t
	switch name {
	case "strftime":
		return jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			f, _ := argAt(args, kw, 0, "format")
			s, _ := jinja.Str(f)
			return strftime(t, s, tv.naive), nil
		}), true
	case "isoformat":
		return jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			sep, spec := "T", "auto"
			if v, ok := argAt(args, kw, 0, "sep"); ok {
				sep, _ = jinja.Str(v)
			}
			if v, ok := argAt(args, kw, 1, "timespec"); ok {
				spec, _ = jinja.Str(v)
			}
			return tv.isoformat(sep, spec), nil
		}), true
	case "timestamp":
		return fn0(func() any { return float64(tv.instant().UnixMicro()) / 1e6 }), true
	case "year":
		return t.Year(), true
	case "month":
		return int(t.Month()), true
	case "day":
		return t.Day(), true
	case "hour":
		return t.Hour(), true
	case "minute":
		return t.Minute(), true
	case "second":
		return t.Second(), true
	case "microsecond":
		return t.Nanosecond() / 1000, true
	case "tzinfo":
		if z := tv.tzinfo(); z != nil {
			return z, true
		}
		return nil, true
	case "date":
		return fn0(func() any { return newDate(t.Date()) }), true
	case "time":
		return fn0(func() any { return clockOf(t, nil) }), true
	case "timetz":
		return fn0(func() any { return clockOf(t, tv.tzinfo()) }), true
	case "weekday":
		return fn0(func() any { return (int(t.Weekday()) + 6) % 7 }), true
	case "isoweekday":
		return fn0(func() any { return (int(t.Weekday())+6)%7 + 1 }), true
	case "utcoffset", "tzname":
		return fn0(func() any {
			if tv.naive {
				return nil
			}
			abbr, off := t.Zone()
			if name == "tzname" {
				return tv.tzinfo().abbr
			}
			_ = abbr
			return &timedeltaValue{int64(off) * 1e6}
		}), true
	case "astimezone":
		return jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			v, _ := argAt(args, kw, 0, "tz")
			z, ok := v.(*tzInfo)
			if !ok {
				if v != nil {
					return nil, fmt.Errorf("TypeError: tzinfo argument must be None or of a tzinfo subclass, not type '%T'", v)
				}
				_, off := tv.instant().Local().Zone()
				z = &tzInfo{offset: off, abbr: tv.instant().Local().Format("MST")}
			}
			return tv.astimezone(z), nil
		}), true
	case "replace":
		return jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			a := intArgs(args, kw, dtFields, []int{t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond() / 1000})
			wall, err := pyDate(a)
			if err != nil {
				return nil, err
			}
			z := tv.tzinfo()
			if v, ok := argAt(args, kw, 7, "tzinfo"); ok {
				if z, ok = v.(*tzInfo); !ok && v != nil {
					return nil, fmt.Errorf("TypeError: tzinfo argument must be None or of a tzinfo subclass, not type '%T'", v)
				}
			}
			return withTZ(wall, z), nil
		}), true
	}
	return nil, false
}

func (tv *timeValue) BinaryOp(op string, other any, right bool) (any, bool, error) {
	switch o := other.(type) {
	case *timedeltaValue:
		if op == "+" || (op == "-" && !right) {
			us := o.us
			if op == "-" {
				us = -us
			}
			return &timeValue{t: addMicro(tv.t, us), tz: tv.tz, naive: tv.naive}, true, nil
		}
	case *timeValue:
		if op == "-" && !right {
			if tv.naive != o.naive {
				return nil, false, fmt.Errorf("TypeError: can't subtract offset-naive and offset-aware datetimes")
			}
			return &timedeltaValue{tv.t.UnixMicro() - o.t.UnixMicro()}, true, nil
		}
	}
	return nil, false, nil
}

func (tv *timeValue) Compare(other any) (int, bool) {
	o, ok := other.(*timeValue)
	if !ok || o.naive != tv.naive {
		return 0, false
	}
	return tv.t.Compare(o.t), true
}

// addMicro adds us microseconds without time.Duration's 292-year limit.
func addMicro(t time.Time, us int64) time.Time {
	const day = 86400e6
	days := us / day
	return t.AddDate(0, 0, int(days)).Add(time.Duration(us-days*day) * time.Microsecond)
}

var dtFields = []string{"year", "month", "day", "hour", "minute", "second", "microsecond"}

// pyDate checks datetime's field ranges as Python does.
func pyDate(a []int) (time.Time, error) {
	for i, lim := range [][2]int{{1, 9999}, {1, 12}, {1, 31}, {0, 23}, {0, 59}, {0, 59}, {0, 999999}} {
		if i >= len(a) {
			break
		}
		if a[i] < lim[0] || a[i] > lim[1] {
			if i == 0 {
				return time.Time{}, fmt.Errorf("ValueError: year %d is out of range", a[0])
			}
			if i == 2 {
				return time.Time{}, fmt.Errorf("ValueError: day is out of range for month")
			}
			return time.Time{}, fmt.Errorf("ValueError: %s must be in %d..%d", dtFields[i], lim[0], lim[1])
		}
	}
	for len(a) < 7 {
		a = append(a, 0)
	}
	t := time.Date(a[0], time.Month(a[1]), a[2], a[3], a[4], a[5], a[6]*1000, time.UTC)
	if t.Day() != a[2] {
		return time.Time{}, fmt.Errorf("ValueError: day is out of range for month")
	}
	return t, nil
}

// datetimeClass and dateClass are callables with attributes, like Python
// classes: modules.datetime.datetime(2024, 1, 1) and
// modules.datetime.datetime.now().
type datetimeClass struct{}
type dateClass struct{}

func fn0(f func() any) jinja.Func {
	return func(*jinja.State, []any, jinja.Kwargs) (any, error) { return f(), nil }
}

func (datetimeClass) Call(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	if len(args) < 3 {
		for i, n := range dtFields[:3] {
			if _, ok := argAt(args, kw, i, n); !ok {
				return nil, fmt.Errorf("TypeError: function missing required argument '%s' (pos %d)", n, i+1)
			}
		}
	}
	wall, err := pyDate(intArgs(args, kw, dtFields, []int{0, 1, 1, 0, 0, 0, 0}))
	if err != nil {
		return nil, err
	}
	z, err := tzArg(args, kw, 7, "tzinfo")
	if err != nil {
		return nil, err
	}
	return withTZ(wall, z), nil
}

func tzArg(args []any, kw jinja.Kwargs, i int, name string) (*tzInfo, error) {
	v, ok := argAt(args, kw, i, name)
	if !ok || v == nil {
		return nil, nil
	}
	z, ok := v.(*tzInfo)
	if !ok {
		return nil, fmt.Errorf("TypeError: tzinfo argument must be None or of a tzinfo subclass, not type '%T'", v)
	}
	return z, nil
}

// nowIn is datetime.now(tz): naive local time without tz.
func nowIn(now time.Time, z *tzInfo) *timeValue {
	if z == nil {
		return naiveTime(now.Local())
	}
	return (&timeValue{t: now}).astimezone(z)
}

func (datetimeClass) GetAttr(name string) (any, bool) {
	switch name {
	case "now":
		return jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			z, err := tzArg(args, kw, 0, "tz")
			if err != nil {
				return nil, err
			}
			return nowIn(time.Now(), z), nil
		}), true
	case "today":
		return fn0(func() any { return naiveTime(time.Now().Local()) }), true
	case "utcnow":
		return fn0(func() any { return naiveTime(time.Now().UTC()) }), true
	case "fromtimestamp", "utcfromtimestamp":
		return jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			v, _ := argAt(args, kw, 0, "timestamp")
			u := time.UnixMicro(int64(math.RoundToEven(floatOf(v) * 1e6)))
			if name == "utcfromtimestamp" {
				return naiveTime(u.UTC()), nil
			}
			z, err := tzArg(args, kw, 1, "tz")
			if err != nil {
				return nil, err
			}
			return nowIn(u, z), nil
		}), true
	case "strptime":
		return jinja.Func(func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
			if len(args) < 2 {
				return nil, fmt.Errorf("TypeError: strptime() takes exactly 2 arguments (%d given)", len(args))
			}
			value, _ := jinja.Str(args[0])
			layout, _ := jinja.Str(args[1])
			return strptime(value, layout)
		}), true
	case "combine":
		return jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) { return combine(args, kw) }), true
	case "fromisoformat":
		return jinja.Func(func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
			if len(args) < 1 {
				return nil, fmt.Errorf("TypeError: fromisoformat() takes exactly one argument (0 given)")
			}
			value, _ := jinja.Str(args[0])
			return fromisoformat(value)
		}), true
	}
	return nil, false
}

func (datetimeClass) String() string { return "<class 'datetime.datetime'>" }

func (dateClass) Call(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	a := intArgs(args, kw, []string{"year", "month", "day"}, []int{0, 1, 1})
	t, err := pyDate(a)
	if err != nil {
		return nil, err
	}
	return &dateValue{t}, nil
}

func (dateClass) GetAttr(name string) (any, bool) {
	switch name {
	case "today":
		return fn0(func() any { return newDate(time.Now().Date()) }), true
	case "fromisoformat":
		return jinja.Func(func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
			s := ""
			if len(args) > 0 {
				s, _ = jinja.Str(args[0])
			}
			if t, n, ok := isoDate(s); ok && n == len(s) {
				return &dateValue{t}, nil
			}
			return nil, fmt.Errorf("ValueError: Invalid isoformat string: %s", pyQuote(s))
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

// dateValue is a Python date: prints as 2024-01-31. t is midnight UTC.
type dateValue struct{ t time.Time }

func newDate(y int, m time.Month, d int) *dateValue {
	return &dateValue{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// YAMLTimestamp is how PyYAML's safe_dump writes a date (toyaml).
func (d *dateValue) YAMLTimestamp() string { return d.String() }

func (d *dateValue) String() string {
	y, m, dd := d.t.Date()
	return fmt.Sprintf("%04d-%02d-%02d", y, int(m), dd)
}

func (d *dateValue) GetAttr(name string) (any, bool) {
	switch name {
	case "isoformat":
		return fn0(func() any { return d.String() }), true
	case "hour", "minute", "second", "microsecond", "timestamp", "date", "time", "timetz", "tzinfo", "astimezone", "utcoffset", "tzname":
		return nil, false
	case "replace":
		return jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			y, m, dd := d.t.Date()
			t, err := pyDate(intArgs(args, kw, dtFields[:3], []int{y, int(m), dd}))
			if err != nil {
				return nil, err
			}
			return &dateValue{t}, nil
		}), true
	case "toordinal":
		return fn0(func() any { return int(d.t.Sub(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)).Hours()/24) + 1 }), true
	}
	return naiveTime(d.t).GetAttr(name)
}

func (d *dateValue) BinaryOp(op string, other any, right bool) (any, bool, error) {
	switch o := other.(type) {
	case *timedeltaValue:
		if op == "+" || (op == "-" && !right) {
			days := o.days()
			if op == "-" {
				days = -o.days()
			}
			return &dateValue{d.t.AddDate(0, 0, int(days))}, true, nil
		}
	case *dateValue:
		if op == "-" && !right {
			return &timedeltaValue{d.t.UnixMicro() - o.t.UnixMicro()}, true, nil
		}
	}
	return nil, false, nil
}

func (d *dateValue) Compare(other any) (int, bool) {
	o, ok := other.(*dateValue)
	if !ok {
		return 0, false
	}
	return d.t.Compare(o.t), true
}

// timedeltaValue is a Python timedelta, in microseconds: prints as
// "1 day, 2:00:00".
type timedeltaValue struct{ us int64 }

type timedeltaClass struct{}

func (timedeltaClass) Call(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	var exact int64
	var frac float64
	units := []struct {
		name string
		us   int64
	}{{"days", 86400e6}, {"seconds", 1e6}, {"microseconds", 1}, {"milliseconds", 1e3}, {"minutes", 60e6}, {"hours", 3600e6}, {"weeks", 7 * 86400e6}}
	for i, u := range units {
		v, ok := argAt(args, kw, i, u.name)
		if !ok {
			continue
		}
		switch x := v.(type) {
		case float64:
			frac += x * float64(u.us)
		default:
			exact += int64(intOf(v)) * u.us
		}
	}
	return &timedeltaValue{exact + int64(math.RoundToEven(frac))}, nil
}

func (timedeltaClass) String() string { return "<class 'datetime.timedelta'>" }

func (td *timedeltaValue) days() int64 {
	const day = 86400e6
	d := td.us / day
	if td.us%day < 0 {
		d--
	}
	return d
}

func (td *timedeltaValue) String() string {
	days := td.days()
	rest := td.us - days*86400e6
	secs := rest / 1e6
	s := fmt.Sprintf("%d:%02d:%02d", secs/3600, secs/60%60, secs%60)
	if us := rest % 1e6; us != 0 {
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
	rest := td.us - td.days()*86400e6
	switch name {
	case "days":
		return int(td.days()), true
	case "seconds":
		return int(rest / 1e6), true
	case "microseconds":
		return int(rest % 1e6), true
	case "total_seconds":
		return fn0(func() any { return float64(td.us) / 1e6 }), true
	}
	return nil, false
}

func (td *timedeltaValue) BinaryOp(op string, other any, right bool) (any, bool, error) {
	if o, ok := other.(*timedeltaValue); ok {
		a, b := td.us, o.us
		if right {
			a, b = b, a
		}
		switch op {
		case "+":
			return &timedeltaValue{a + b}, true, nil
		case "-":
			return &timedeltaValue{a - b}, true, nil
		case "/":
			if b == 0 {
				return nil, false, fmt.Errorf("ZeroDivisionError: division by zero")
			}
			return float64(a) / float64(b), true, nil
		case "//", "%":
			if b == 0 {
				return nil, false, fmt.Errorf("ZeroDivisionError: integer division or modulo by zero")
			}
			q := a / b
			if a%b != 0 && (a < 0) != (b < 0) {
				q--
			}
			if op == "//" {
				return q, true, nil
			}
			return &timedeltaValue{a - q*b}, true, nil
		}
		return nil, false, nil
	}
	var n float64
	isInt := false
	switch x := other.(type) {
	case int64:
		n, isInt = float64(x), true
	case int:
		n, isInt = float64(x), true
	case float64:
		n = x
	default:
		return nil, false, nil
	}
	switch {
	case op == "*" && isInt:
		return &timedeltaValue{td.us * int64(n)}, true, nil
	case op == "*":
		return &timedeltaValue{int64(math.RoundToEven(float64(td.us) * n))}, true, nil
	case (op == "/" || op == "//") && !right:
		if n == 0 {
			return nil, false, fmt.Errorf("ZeroDivisionError: division by zero")
		}
		if op == "//" && isInt {
			q := td.us / int64(n)
			if td.us%int64(n) != 0 && (td.us < 0) != (n < 0) {
				q--
			}
			return &timedeltaValue{q}, true, nil
		}
		return &timedeltaValue{int64(math.RoundToEven(float64(td.us) / n))}, true, nil
	}
	return nil, false, nil
}

func (td *timedeltaValue) Compare(other any) (int, bool) {
	o, ok := other.(*timedeltaValue)
	if !ok {
		return 0, false
	}
	switch {
	case td.us < o.us:
		return -1, true
	case td.us > o.us:
		return 1, true
	}
	return 0, true
}

// strftime is Python's strftime for the common directives; naive values
// have empty %z and %Z.
func strftime(t time.Time, f string, naive bool) string {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 == len(f) {
			b.WriteByte(f[i])
			continue
		}
		i++
		switch f[i] {
		case 'Y':
			fmt.Fprintf(&b, "%04d", t.Year())
		case 'y':
			fmt.Fprintf(&b, "%02d", t.Year()%100)
		case 'm':
			fmt.Fprintf(&b, "%02d", int(t.Month()))
		case 'd':
			fmt.Fprintf(&b, "%02d", t.Day())
		case 'e':
			fmt.Fprintf(&b, "%2d", t.Day())
		case 'H':
			fmt.Fprintf(&b, "%02d", t.Hour())
		case 'I':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			fmt.Fprintf(&b, "%02d", h)
		case 'M':
			fmt.Fprintf(&b, "%02d", t.Minute())
		case 'S':
			fmt.Fprintf(&b, "%02d", t.Second())
		case 'f':
			fmt.Fprintf(&b, "%06d", t.Nanosecond()/1000)
		case 'p':
			b.WriteString(t.Format("PM"))
		case 'j':
			fmt.Fprintf(&b, "%03d", t.YearDay())
		case 'a':
			b.WriteString(t.Format("Mon"))
		case 'A':
			b.WriteString(t.Format("Monday"))
		case 'b', 'h':
			b.WriteString(t.Format("Jan"))
		case 'B':
			b.WriteString(t.Format("January"))
		case 'w':
			fmt.Fprintf(&b, "%d", int(t.Weekday()))
		case 'u':
			fmt.Fprintf(&b, "%d", (int(t.Weekday())+6)%7+1)
		case 'U':
			fmt.Fprintf(&b, "%02d", (t.YearDay()+6-int(t.Weekday()))/7)
		case 'W':
			fmt.Fprintf(&b, "%02d", (t.YearDay()+6-(int(t.Weekday())+6)%7)/7)
		case 'V':
			_, w := t.ISOWeek()
			fmt.Fprintf(&b, "%02d", w)
		case 'G':
			y, _ := t.ISOWeek()
			fmt.Fprintf(&b, "%04d", y)
		case 'F':
			b.WriteString(strftime(t, "%Y-%m-%d", naive))
		case 'T':
			b.WriteString(strftime(t, "%H:%M:%S", naive))
		case 'D':
			b.WriteString(strftime(t, "%m/%d/%y", naive))
		case 'c':
			b.WriteString(strftime(t, "%a %b %e %H:%M:%S %Y", naive))
		case 'x':
			b.WriteString(strftime(t, "%m/%d/%y", naive))
		case 'X':
			b.WriteString(strftime(t, "%H:%M:%S", naive))
		case 'z':
			if !naive {
				_, off := t.Zone()
				b.WriteString(fmtOffset(off, ""))
			}
		case 'Z':
			if !naive {
				b.WriteString(t.Format("MST"))
			}
		case 's':
			fmt.Fprintf(&b, "%d", t.Unix())
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(f[i])
		}
	}
	return b.String()
}

// TypeName is the value's Python class, for the messages that name it.
func (tv *timeValue) TypeName() string { return "datetime" }

// TypeName is the value's Python class.
func (d *dateValue) TypeName() string { return "date" }

// TypeName is the value's Python class.
func (td *timedeltaValue) TypeName() string { return "timedelta" }
