package compiler

import (
	"fmt"
	"time"

	"github.com/elt-dev/elt/jinja"
)

// clockValue is a Python datetime.time: a time of day, naive or with a
// tzinfo. t holds the wall clock on 1900-01-01 in UTC, the date Python's
// time.strftime formats it on.
type clockValue struct {
	t  time.Time
	tz *tzInfo
}

var clockFields = []string{"hour", "minute", "second", "microsecond"}

// newClock checks the fields' ranges as Python's time() does.
func newClock(a []int, tz *tzInfo) (*clockValue, error) {
	for i, lim := range [][2]int{{0, 23}, {0, 59}, {0, 59}, {0, 999999}} {
		if a[i] < lim[0] || a[i] > lim[1] {
			return nil, fmt.Errorf("ValueError: %s must be in %d..%d", clockFields[i], lim[0], lim[1])
		}
	}
	return &clockValue{t: time.Date(1900, 1, 1, a[0], a[1], a[2], a[3]*1000, time.UTC), tz: tz}, nil
}

func clockOf(t time.Time, tz *tzInfo) *clockValue {
	h, m, s := t.Clock()
	c, _ := newClock([]int{h, m, s, t.Nanosecond() / 1000}, tz)
	return c
}

// timeClass is modules.datetime.time.
type timeClass struct{}

func (timeClass) String() string { return "<class 'datetime.time'>" }

func (timeClass) Call(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
	z, err := tzArg(args, kw, 4, "tzinfo")
	if err != nil {
		return nil, err
	}
	return newClock(intArgs(args, kw, clockFields, []int{0, 0, 0, 0}), z)
}

func (timeClass) GetAttr(string) (any, bool) { return nil, false }

// offset is the time's utcoffset in seconds, and whether it has one: a
// pytz zone's is None without a date (pytz's utcoffset(None)), a fixed
// offset's (datetime.timezone, pytz.utc) is its own.
func (c *clockValue) offset() (int, bool) {
	if c.tz == nil || c.tz.loc != nil {
		return 0, false
	}
	return c.tz.offset, true
}

// String is Python's str(time), its isoformat().
func (c *clockValue) String() string { return c.isoformat("auto") }

func (c *clockValue) isoformat(timespec string) string {
	s := isoTimeOfDay(c.t, timespec)
	if off, ok := c.offset(); ok {
		s += fmtOffset(off, ":")
	}
	return s
}

func (c *clockValue) GetAttr(name string) (any, bool) {
	t := c.t
	switch name {
	case "hour":
		return t.Hour(), true
	case "minute":
		return t.Minute(), true
	case "second":
		return t.Second(), true
	case "microsecond":
		return t.Nanosecond() / 1000, true
	case "tzinfo":
		if c.tz != nil {
			return c.tz, true
		}
		return nil, true
	case "isoformat":
		return jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			spec := "auto"
			if v, ok := argAt(args, kw, 0, "timespec"); ok {
				spec, _ = jinja.Str(v)
			}
			return c.isoformat(spec), nil
		}), true
	case "strftime":
		return jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			f, _ := argAt(args, kw, 0, "format")
			s, _ := jinja.Str(f)
			_, aware := c.offset()
			return strftime(t, s, !aware), nil
		}), true
	case "replace":
		return jinja.Func(func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			a := intArgs(args, kw, clockFields, []int{t.Hour(), t.Minute(), t.Second(), t.Nanosecond() / 1000})
			z := c.tz
			if v, ok := argAt(args, kw, 4, "tzinfo"); ok {
				if z, ok = v.(*tzInfo); !ok && v != nil {
					return nil, fmt.Errorf("TypeError: tzinfo argument must be None or of a tzinfo subclass, not type '%T'", v)
				}
			}
			return newClock(a, z)
		}), true
	}
	return nil, false
}

// Compare orders two naive times, or two with offsets (by the instant on
// one day); Python refuses to order a naive time against an aware one.
func (c *clockValue) Compare(other any) (int, bool) {
	o, ok := other.(*clockValue)
	if !ok {
		return 0, false
	}
	off, aware := c.offset()
	oOff, oAware := o.offset()
	if aware != oAware {
		return 0, false
	}
	return c.t.Add(-time.Duration(off) * time.Second).Compare(o.t.Add(-time.Duration(oOff) * time.Second)), true
}

// TypeName is the value's Python class.
func (c *clockValue) TypeName() string { return "time" }

// combine is datetime.combine(date, time, tzinfo=time.tzinfo): the date's
// day (a datetime's too) at the time's wall clock.
func combine(args []any, kw jinja.Kwargs) (any, error) {
	dv, _ := argAt(args, kw, 0, "date")
	tv, _ := argAt(args, kw, 1, "time")
	var day time.Time
	switch d := dv.(type) {
	case *dateValue:
		day = d.t
	case *timeValue:
		day = d.t
	default:
		return nil, fmt.Errorf("TypeError: combine() argument 1 must be datetime.date, not %s", pyTypeName(dv))
	}
	c, ok := tv.(*clockValue)
	if !ok {
		return nil, fmt.Errorf("TypeError: combine() argument 2 must be datetime.time, not %s", pyTypeName(tv))
	}
	z := c.tz
	if _, ok := argAt(args, kw, 2, "tzinfo"); ok {
		var err error
		if z, err = tzArg(args, kw, 2, "tzinfo"); err != nil {
			return nil, err
		}
	}
	y, m, d := day.Date()
	h, mi, s := c.t.Clock()
	return withTZ(time.Date(y, m, d, h, mi, s, c.t.Nanosecond(), time.UTC), z), nil
}
