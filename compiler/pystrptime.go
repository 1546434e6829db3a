package compiler

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

var monthNames = []string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}
var dayNames = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

// strptime is datetime.strptime(s, format) for %Y %m %d %H %I %M %S %f
// %z %b %B %a %A %j %p %y %%: aware when %z is given.
func strptime(s, f string) (*timeValue, error) {
	bad := fmt.Errorf("ValueError: time data %s does not match format %s", pyQuote(s), pyQuote(f))
	y, mo, d, h, mi, sec, us, yday := 1900, 1, 1, 0, 0, 0, 0, -1
	pm, hasPM, twelve := false, false, false
	var tz *tzInfo
	pos := 0
	num := func(min, max, width int) (int, bool) {
		n, k := 0, 0
		for k < width && pos+k < len(s) && s[pos+k] >= '0' && s[pos+k] <= '9' {
			k++
		}
		// Python's regexes take the longest number in range.
		for ; k > 0; k-- {
			n = 0
			for _, c := range s[pos : pos+k] {
				n = n*10 + int(c-'0')
			}
			if n >= min && n <= max {
				pos += k
				return n, true
			}
		}
		return 0, false
	}
	name := func(names []string, short bool) (int, bool) {
		for i, n := range names {
			if short {
				n = n[:3]
			}
			if len(s)-pos >= len(n) && strings.EqualFold(s[pos:pos+len(n)], n) {
				pos += len(n)
				return i, true
			}
		}
		return 0, false
	}
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' || i+1 == len(f) {
			if unicode.IsSpace(rune(c)) {
				for i+1 < len(f) && unicode.IsSpace(rune(f[i+1])) {
					i++
				}
				start := pos
				for pos < len(s) && unicode.IsSpace(rune(s[pos])) {
					pos++
				}
				if pos == start {
					return nil, bad
				}
				continue
			}
			if pos >= len(s) || !strings.EqualFold(s[pos:pos+1], string(c)) {
				return nil, bad
			}
			pos++
			continue
		}
		i++
		ok := true
		switch f[i] {
		case 'Y':
			y, ok = num(0, 9999, 4)
		case 'y':
			y, ok = num(0, 99, 2)
			if y < 69 {
				y += 2000
			} else {
				y += 1900
			}
		case 'm':
			mo, ok = num(1, 12, 2)
		case 'd':
			d, ok = num(1, 31, 2)
		case 'H':
			h, ok = num(0, 23, 2)
		case 'I':
			h, ok = num(1, 12, 2)
			twelve = true
		case 'M':
			mi, ok = num(0, 59, 2)
		case 'S':
			sec, ok = num(0, 61, 2)
		case 'j':
			yday, ok = num(1, 366, 3)
		case 'f':
			start := pos
			us, ok = num(0, 999999, 6)
			for k := pos - start; k < 6; k++ {
				us *= 10
			}
		case 'b', 'h':
			mo, ok = name(monthNames, true)
			mo++
		case 'B':
			mo, ok = name(monthNames, false)
			mo++
		case 'a':
			_, ok = name(dayNames, true)
		case 'A':
			_, ok = name(dayNames, false)
		case 'p':
			var ampm int
			ampm, ok = name([]string{"am", "pm"}, false)
			pm, hasPM = ampm == 1, true
		case 'z':
			if pos < len(s) && (s[pos] == 'Z' || s[pos] == 'z') {
				pos++
				tz = &tzInfo{abbr: "UTC"}
				break
			}
			off, n, good := parseOffset(s[pos:], true)
			if !good {
				return nil, bad
			}
			pos += n
			tz = fixedTZ(off)
		case '%':
			ok = pos < len(s) && s[pos] == '%'
			pos++
		default:
			return nil, fmt.Errorf("ValueError: '%c' is a bad directive in format %s", f[i], pyQuote(f))
		}
		if !ok {
			return nil, bad
		}
	}
	if pos < len(s) {
		return nil, fmt.Errorf("ValueError: unconverted data remains: %s", s[pos:])
	}
	if twelve && hasPM {
		h %= 12
		if pm {
			h += 12
		}
	}
	if yday > 0 && !strings.Contains(f, "%m") && !strings.Contains(f, "%b") && !strings.Contains(f, "%B") {
		t := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, yday-1)
		mo, d = int(t.Month()), t.Day()
	}
	wall, err := pyDate([]int{y, mo, d, h, mi, min(sec, 59), us})
	if err != nil {
		return nil, err
	}
	return withTZ(wall, tz), nil
}

func fixedTZ(off int) *tzInfo {
	if off == 0 {
		return &tzInfo{abbr: "UTC"}
	}
	return &tzInfo{offset: off, abbr: "UTC" + fmtOffset(off, ":")}
}

// parseOffset reads ±HH[:]MM[[:]SS[.ffffff]] (strptime's %z, which also
// wants the minutes) or, for fromisoformat, ±HH[:MM[:SS[.ffffff]]].
func parseOffset(s string, needMinutes bool) (off, n int, ok bool) {
	if len(s) < 3 || (s[0] != '+' && s[0] != '-') {
		return 0, 0, false
	}
	digits := func(i int) (int, bool) {
		if i+2 > len(s) || s[i] < '0' || s[i] > '9' || s[i+1] < '0' || s[i+1] > '9' {
			return 0, false
		}
		return int(s[i]-'0')*10 + int(s[i+1]-'0'), true
	}
	hh, ok := digits(1)
	if !ok {
		return 0, 0, false
	}
	n = 3
	sep := len(s) > 3 && s[3] == ':'
	parts := []int{hh}
	for len(parts) < 3 {
		i := n
		if sep {
			if i >= len(s) || s[i] != ':' {
				break
			}
			i++
		}
		v, ok := digits(i)
		if !ok {
			break
		}
		parts = append(parts, v)
		n = i + 2
	}
	if needMinutes && len(parts) < 2 {
		return 0, 0, false
	}
	for len(parts) < 3 {
		parts = append(parts, 0)
	}
	if n < len(s) && s[n] == '.' {
		n++
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
	}
	off = parts[0]*3600 + parts[1]*60 + parts[2]
	if s[0] == '-' {
		off = -off
	}
	return off, n, true
}

// isoDate reads YYYY-MM-DD or YYYYMMDD at the start of s.
func isoDate(s string) (time.Time, int, bool) {
	allDigits := func(t string) bool {
		for _, c := range t {
			if c < '0' || c > '9' {
				return false
			}
		}
		return true
	}
	atoi := func(t string) int { return intOf(t) }
	var y, m, d, n int
	switch {
	case len(s) >= 10 && s[4] == '-' && s[7] == '-' && allDigits(s[:4]) && allDigits(s[5:7]) && allDigits(s[8:10]):
		y, m, d, n = atoi(s[:4]), atoi(s[5:7]), atoi(s[8:10]), 10
	case len(s) >= 8 && allDigits(s[:8]):
		y, m, d, n = atoi(s[:4]), atoi(s[4:6]), atoi(s[6:8]), 8
	default:
		return time.Time{}, 0, false
	}
	t, err := pyDate([]int{y, m, d})
	return t, n, err == nil
}

// fromisoformat is Python 3.11's datetime.fromisoformat for calendar
// dates: a date, any one separator character, then HH[:MM[:SS[.f]]] or
// HHMMSS[.f], then Z or ±HH[:MM] for aware values.
func fromisoformat(s string) (*timeValue, error) {
	bad := fmt.Errorf("ValueError: Invalid isoformat string: %s", pyQuote(s))
	date, n, ok := isoDate(s)
	if !ok {
		return nil, bad
	}
	if n == len(s) {
		return naiveTime(date), nil
	}
	rest := s[n+1:]
	if len(rest) == 0 {
		return nil, bad
	}
	// Split off the time zone.
	var tz *tzInfo
	if i := strings.IndexAny(rest, "Z+-"); i >= 0 {
		if rest[i] == 'Z' {
			if i != len(rest)-1 {
				return nil, bad
			}
			tz = &tzInfo{abbr: "UTC"}
		} else {
			off, k, ok := parseOffset(rest[i:], false)
			if !ok || i+k != len(rest) {
				return nil, bad
			}
			tz = fixedTZ(off)
		}
		rest = rest[:i]
	}
	frac := ""
	if i := strings.IndexAny(rest, ".,"); i >= 0 {
		frac, rest = rest[i+1:], rest[:i]
		if frac == "" {
			return nil, bad
		}
	}
	comps := []int{}
	sep := strings.Contains(rest, ":")
	for len(rest) > 0 {
		if len(rest) < 2 || rest[0] < '0' || rest[0] > '9' || rest[1] < '0' || rest[1] > '9' {
			return nil, bad
		}
		comps = append(comps, intOf(rest[:2]))
		rest = rest[2:]
		if sep && len(rest) > 0 {
			if rest[0] != ':' {
				return nil, bad
			}
			rest = rest[1:]
			if rest == "" {
				return nil, bad
			}
		}
	}
	if len(comps) == 0 || len(comps) > 3 || (frac != "" && len(comps) != 3) {
		return nil, bad
	}
	for len(comps) < 3 {
		comps = append(comps, 0)
	}
	us := 0
	for i := 0; i < 6; i++ {
		us *= 10
		if i < len(frac) {
			if frac[i] < '0' || frac[i] > '9' {
				return nil, bad
			}
			us += int(frac[i] - '0')
		}
	}
	y, m, d := date.Date()
	wall, err := pyDate([]int{y, int(m), d, comps[0], comps[1], comps[2], us})
	if err != nil {
		return nil, err
	}
	return withTZ(wall, tz), nil
}
