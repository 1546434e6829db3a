package compiler

import (
	"context"
	"testing"
)

func TestModules(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{`{{ modules.datetime.datetime(2024, 1, 31, 10, 5) }}`, "2024-01-31 10:05:00"},
		{`{{ modules.datetime.datetime(2024, 1, 31).strftime('%Y%m%d') }}`, "20240131"},
		{`{{ modules.datetime.date(2024, 2, 29) }} {{ modules.datetime.date(year=2024, month=3, day=1).strftime('%d/%m') }}`, "2024-02-29 01/03"},
		{`{{ modules.datetime.timedelta(days=1, hours=2) }}|{{ modules.datetime.timedelta(hours=36).days }}|{{ modules.datetime.timedelta(minutes=2).total_seconds() }}`, "1 day, 2:00:00|1|120.0"},
		{`{{ modules.datetime.datetime.strptime('2024-05-06 07:08', '%Y-%m-%d %H:%M').strftime('%H:%M %d') }}`, "07:08 06"},
		{`{{ modules.datetime.datetime.now() is not none }} {{ modules.datetime.date.today() is not none }}`, "True True"},
		{`{{ modules.re.search('(\\d+)-(\\d+)', 'ab 12-34').group(2) }}`, "34"},
		{`{{ modules.re.match('\\d', 'a1') is none }} {{ modules.re.match('a(\\d)', 'a1').groups() }}`, "True ('1',)"},
		{`{{ modules.re.findall('[a-z]+', 'ab 12 cd') | join(',') }}`, "ab,cd"},
		{`{{ modules.re.sub('(\\w+)@', '\\1 at ', 'me@x') }}`, "me at x"},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			m, err := Parse(context.Background(), newProject(map[string]string{"models/m.sql": tc.expr}), testOptions())
			if err == nil {
				err = m.Compile(context.Background(), nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Nodes["model.shop.m"].CompiledCode; got != tc.want {
				t.Errorf("want %q, got %q", tc.want, got)
			}
		})
	}
}

// TestModulesDatetimePython: expected strings are Python 3.11's output
// (pytz's LMT and localize results checked against zoneinfo and pytz's
// documented behaviour; pytz itself was not installed).
func TestModulesDatetimePython(t *testing.T) {
	const dt = "{% set dt = modules.datetime %}{% set pytz = modules.pytz %}"
	for _, tc := range []struct{ expr, want string }{
		{`{{ dt.datetime(1997, 9, 29, 6, 14, tzinfo=pytz.timezone('America/New_York')) }}`, "1997-09-29 06:14:00-04:56"},
		{`{% set ny = pytz.timezone('America/New_York') %}{{ ny.localize(dt.datetime(2020, 7, 1, 12)) }} {{ ny.localize(dt.datetime(2020, 1, 1, 12)) }} {{ ny }}`, "2020-07-01 12:00:00-04:00 2020-01-01 12:00:00-05:00 America/New_York"},
		{`{{ pytz.timezone('America/New_York').localize(dt.datetime(2020, 3, 8, 2, 30)) }}`, "2020-03-08 02:30:00-05:00"},
		{`{{ dt.datetime(2020, 1, 1, tzinfo=pytz.utc) }} {{ dt.datetime(2020, 1, 1, tzinfo=pytz.UTC).tzinfo }} {{ dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc) }}`, "2020-01-01 00:00:00+00:00 UTC 2020-01-01 00:00:00+00:00"},
		{`{% set ny = pytz.timezone('America/New_York') %}{{ dt.datetime(2020, 1, 1, 5, tzinfo=pytz.utc).astimezone(ny) }} {{ dt.datetime(2020, 7, 1, 5, tzinfo=pytz.utc).astimezone(ny).strftime('%Y-%m-%d %H:%M %z %Z') }}`, "2020-01-01 00:00:00-05:00 2020-07-01 01:00 -0400 EDT"},
		{`{{ dt.datetime.now(pytz.utc).tzinfo }} {{ dt.datetime.now().tzinfo }}`, "UTC None"},
		{`{{ dt.timedelta(days=10) }}|{{ dt.timedelta(minutes=-1) }}|{{ dt.timedelta(weeks=1, hours=1, milliseconds=5, microseconds=7) }}|{{ dt.timedelta(days=1.5, seconds=0.5) }}`, "10 days, 0:00:00|-1 day, 23:59:00|7 days, 1:00:00.005007|1 day, 12:00:00.500000"},
		{`{% set td = dt.timedelta(minutes=-1) %}{{ td.days }} {{ td.seconds }} {{ td.total_seconds() }}`, "-1 86340 -60.0"},
		{`{% set d = dt.datetime(2024, 3, 1) %}{{ d - dt.timedelta(days=1) }}|{{ d + dt.timedelta(hours=25) }}|{{ dt.timedelta(hours=1) + d }}|{{ d - dt.datetime(2024, 1, 1, 12) }}|{{ dt.datetime(2024, 1, 1) - d }}`, "2024-02-29 00:00:00|2024-03-02 01:00:00|2024-03-01 01:00:00|59 days, 12:00:00|-60 days, 0:00:00"},
		{`{{ dt.date(1997, 9, 29) + dt.timedelta(hours=36) }} {{ dt.date(1997, 9, 29) - dt.timedelta(hours=1) }} {{ dt.date(2024, 3, 1) - dt.date(2024, 1, 1) }}`, "1997-09-30 1997-09-29 60 days, 0:00:00"},
		{`{% set d = dt.datetime(2024, 3, 1) %}{{ d > dt.datetime(2024, 1, 1) }} {{ d == dt.datetime(2024, 3, 1) }} {{ dt.date(2024, 1, 1) < dt.date(2024, 1, 2) }} {{ d == dt.datetime(2024, 3, 1, tzinfo=pytz.utc) }} {{ dt.timedelta(hours=1) < dt.timedelta(days=1) }}`, "True True True False True"},
		{`{{ dt.datetime.strptime('2024-05-06T07:08:09.5+0530', '%Y-%m-%dT%H:%M:%S.%f%z') }}`, "2024-05-06 07:08:09.500000+05:30"},
		{`{{ dt.datetime.strptime('Mon, 06 May 24 7:08 PM', '%a, %d %b %y %I:%M %p') }} {{ dt.datetime.strptime('2024 100', '%Y %j') }} {{ dt.datetime.strptime('March 5 2024', '%B %d %Y') }}`, "2024-05-06 19:08:00 2024-04-09 00:00:00 2024-03-05 00:00:00"},
		{`{% for s in ['2024-05-06', '2024-05-06T07:08', '2024-05-06 07:08:09.123+05:30', '20240506T070809Z', '2024-05-06T07'] %}{{ dt.datetime.fromisoformat(s) }}|{% endfor %}`, "2024-05-06 00:00:00|2024-05-06 07:08:00|2024-05-06 07:08:09.123000+05:30|2024-05-06 07:08:09+00:00|2024-05-06 07:00:00|"},
		{`{% set x = dt.datetime(2024, 5, 6, 7, 8, 9, 120000) %}{{ x.isoformat() }}|{{ x.isoformat(' ') }}|{{ dt.datetime(2024, 5, 6).isoformat() }}|{{ x.strftime('%Y/%m/%d %H:%M:%S.%f %j %a %A %b %B %p|%z|%Z') }}|{{ x.weekday() }} {{ x.isoweekday() }} {{ x.date() }}|{{ x.replace(tzinfo=pytz.utc) }}|{{ x.replace(year=2020, microsecond=0) }}`,
			"2024-05-06T07:08:09.120000|2024-05-06 07:08:09.120000|2024-05-06T00:00:00|2024/05/06 07:08:09.120000 127 Mon Monday May May AM|||0 1 2024-05-06|2024-05-06 07:08:09.120000+00:00|2020-05-06 07:08:09"},
		{`{{ dt.datetime(2024, 1, 1, tzinfo=pytz.utc).timestamp() }} {{ dt.timedelta(hours=1) * 3 }} {{ dt.timedelta(hours=3) / dt.timedelta(minutes=30) }} {{ dt.timedelta(hours=1) / 4 }}`, "1704067200.0 3:00:00 6.0 0:15:00"},
		{`{{ dt.timezone(dt.timedelta(hours=5)) }} {{ dt.timezone.utc }}`, "UTC+05:00 UTC"},
		// datetime.time and datetime.combine (cal-itp's get_where_subquery
		// builds its sample hours with them).
		{`{% set t = dt.time(2, 30, 5, 500) %}{{ dt.time(hour=0) }}|{{ t }}|{{ dt.datetime.combine(dt.date(2024, 3, 5), dt.time(hour=0)) }}|{{ dt.datetime.combine(dt.datetime(2024, 1, 2, 3, 4, 5), t) }}|{{ t.hour }} {{ t.minute }} {{ t.second }} {{ t.microsecond }}`,
			"00:00:00|02:30:05.000500|2024-03-05 00:00:00|2024-01-02 02:30:05.000500|2 30 5 500"},
		{`{% set t = dt.time(2, 30, 5, 500) %}{{ t.isoformat(timespec='minutes') }}|{{ t.strftime('%H-%M %p') }}|{{ dt.time(hour=0) < t }}|{{ t.replace(hour=5) }}|{{ dt.datetime(2024, 1, 2, 3, 4, 5).time() }}|{{ dt.time(1, tzinfo=dt.timezone.utc) }}|{{ dt.datetime.combine(dt.date(2024, 3, 5), dt.time(1, tzinfo=dt.timezone.utc)) }}|{{ dt.time }}`,
			"02:30|02-30 AM|True|05:30:05.000500|03:04:05|01:00:00+00:00|2024-03-05 01:00:00+00:00|<class 'datetime.time'>"},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			m, err := Parse(context.Background(), newProject(map[string]string{"models/m.sql": dt + tc.expr}), testOptions())
			if err == nil {
				err = m.Compile(context.Background(), nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Nodes["model.shop.m"].CompiledCode; got != tc.want {
				t.Errorf("want %q, got %q", tc.want, got)
			}
		})
	}
}
