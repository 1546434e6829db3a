package compiler

import (
	"context"
	"testing"
)

func TestModules(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{`{{ modules.datetime.datetime(2024, 1, 31, 10, 5) }}`, "2024-01-31 10:05:00+00:00"},
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
