package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/compiler"
)

// sampleGrains are dbt's BatchSize values, which --sample's relative
// form counts in.
var sampleGrains = []string{"hour", "day", "month", "year"}

// parseSample reads dbt's --sample (cli/option_types.py SampleType): a
// mapping {'start': ..., 'end': ...} whose times are taken as UTC, or a
// relative "N grain" (3 days, 1 hour), the window that ends now and
// starts N grains before (dbt's SampleWindow.from_relative_string).
func parseSample(value string, now time.Time) (*compiler.TimeWindow, error) {
	fail := func(msg string) error {
		return fmt.Errorf("Invalid value for '--sample': %s", msg)
	}
	if strings.HasPrefix(strings.TrimLeft(value, " \t\n"), "{") {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(value), &m); err != nil {
			return nil, fail(fmt.Sprintf("cannot read %q as a mapping: %v", value, err))
		}
		var w compiler.TimeWindow
		for _, k := range []string{"start", "end"} {
			v, ok := m[k]
			if !ok {
				return nil, fail(fmt.Sprintf("%q has no %s (write {'start': '2025-01-01', 'end': '2025-01-03'})", value, k))
			}
			var t time.Time
			switch x := v.(type) {
			case time.Time:
				t = x
			case string:
				var err error
				if t, err = parseFlagTime(x); err != nil {
					return nil, fail(fmt.Sprintf("%s: %v", k, err))
				}
			default:
				return nil, fail(fmt.Sprintf("%s must be a date or timestamp, not %v", k, v))
			}
			// As dbt: the time as written, marked UTC (replace, not convert).
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
			if k == "start" {
				w.Start = t
			} else {
				w.End = t
			}
		}
		for k := range m {
			if k != "start" && k != "end" {
				return nil, fail(fmt.Sprintf("unknown key %q (a sample window has start and end)", k))
			}
		}
		return &w, nil
	}
	parts := strings.Split(value, " ")
	if len(parts) != 2 {
		return nil, fail(fmt.Sprintf("Cannot load SAMPLE_WINDOW from '%s'. Must be of form 'DAYS_INT GRAIN_SIZE'.", value))
	}
	n, err := strconv.Atoi(parts[0])
	if err != nil {
		return nil, fail(fmt.Sprintf("Unable to convert '%s' to an integer.", parts[0]))
	}
	grain := strings.TrimRight(strings.ToLower(parts[1]), "s")
	end := now.UTC()
	var start time.Time
	switch grain {
	case "hour":
		start = end.Add(-time.Duration(n) * time.Hour)
	case "day":
		start = end.AddDate(0, 0, -n)
	case "month":
		start = addMonthsClamped(end, -n)
	case "year":
		start = addMonthsClamped(end, -12*n)
	default:
		valid := append([]string{}, sampleGrains...)
		for _, g := range sampleGrains {
			valid = append(valid, g+"s")
		}
		return nil, fail(fmt.Sprintf("Invalid grain size '%s'. Must be one of ['%s'].", parts[1], strings.Join(valid, "', '")))
	}
	return &compiler.TimeWindow{Start: start, End: end}, nil
}

// addMonthsClamped adds months as dateutil's relativedelta does: a day
// past the end of the month it lands in becomes that month's last day
// (Jan 31 + 1 month is Feb 29 in a leap year).
func addMonthsClamped(t time.Time, months int) time.Time {
	first := time.Date(t.Year(), t.Month(), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location()).AddDate(0, months, 0)
	last := first.AddDate(0, 1, -1).Day()
	day := min(t.Day(), last)
	return time.Date(first.Year(), first.Month(), day, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}

// pySampleWindow is str() of dbt's SampleWindow (an attrs class) holding
// w: SampleWindow(start=datetime.datetime(2025, 1, 2, 2, 3, tzinfo=<UTC>), end=...),
// the times UTC with pytz's tzinfo.
func pySampleWindow(w *compiler.TimeWindow) string {
	return "SampleWindow(start=" + pyUTCDatetime(w.Start) + ", end=" + pyUTCDatetime(w.End) + ")"
}

// pyUTCDatetime is repr() of a pytz-UTC datetime: a zero microsecond,
// then a zero second, left out.
func pyUTCDatetime(t time.Time) string {
	t = t.UTC()
	s := fmt.Sprintf("datetime.datetime(%d, %d, %d, %d, %d", t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute())
	if us := t.Nanosecond() / 1000; us != 0 {
		s += fmt.Sprintf(", %d, %d", t.Second(), us)
	} else if t.Second() != 0 {
		s += fmt.Sprintf(", %d", t.Second())
	}
	return s + ", tzinfo=<UTC>)"
}
