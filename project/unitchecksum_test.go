package project

import "testing"

// TestPyReprNodeAsPyYAML: want is what python3 printed for
// repr(yaml.safe_load(src)) with PyYAML 6 (dbt's YAML loader is PyYAML's
// SafeLoader): YAML 1.1 scalars, dates and datetimes, keys in the order
// written. A unit test's checksum hashes its rows printed so.
func TestPyReprNodeAsPyYAML(t *testing.T) {
	src := `s: it's
q: "a'b\"c"
n: null
t: ~
b: yes
o: off
i: 012
h: 0x1f
u: 1_000
e: 1e3
f: 1.0e+3
g: .inf
x: 1:20
big: 1.5e300
tiny: 0.00001
d: 2024-01-05
dt: 2024-1-5 10:00:00
z: 2024-01-05T10:00:00Z
p: 2024-01-05 10:00:00.5+01:00
m: 2024-01-05t10:00:07-05:30
qd: '2024-01-05'
l: [1, a, {k: v}]
3: int key
nl: "a\nb\t\u00e9"
`
	want := `{'s': "it's", 'q': 'a\'b"c', 'n': None, 't': None, 'b': True, 'o': False, 'i': 10, 'h': 31, 'u': 1000, 'e': '1e3', 'f': 1000.0, 'g': inf, 'x': 80, 'big': '1.5e300', 'tiny': 1e-05, 'd': datetime.date(2024, 1, 5), 'dt': datetime.datetime(2024, 1, 5, 10, 0), 'z': datetime.datetime(2024, 1, 5, 10, 0, tzinfo=datetime.timezone.utc), 'p': datetime.datetime(2024, 1, 5, 10, 0, 0, 500000, tzinfo=datetime.timezone(datetime.timedelta(seconds=3600))), 'm': datetime.datetime(2024, 1, 5, 10, 0, 7, tzinfo=datetime.timezone(datetime.timedelta(days=-1, seconds=66600))), 'qd': '2024-01-05', 'l': [1, 'a', {'k': 'v'}], 3: 'int key', 'nl': 'a\nb\té'}`
	n, d := parseYAML("x.yml", []byte(src))
	if d != nil {
		t.Fatal(d)
	}
	if got := pyReprNode(n); got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
}
