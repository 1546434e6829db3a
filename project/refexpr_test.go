package project

import "testing"

// TestParseRelationCall: the ref() and source() forms dbt's
// statically_parse_ref_or_source reads, and what it refuses.
func TestParseRelationCall(t *testing.T) {
	good := map[string]RelationCall{
		"ref('m')":                           {Name: "m"},
		` ref( "m" ) `:                       {Name: "m"},
		"ref('pkg', 'm')":                    {Package: "pkg", Name: "m"},
		"ref('m', version=2)":                {Name: "m", Version: "2"},
		"ref('pkg', 'm', v='1.5')":           {Package: "pkg", Name: "m", Version: "1.5"},
		"source('raw', 'orders')":            {Source: true, Package: "raw", Name: "orders"},
		"source(\n  'raw',\n  'orders'\n)\n": {Source: true, Package: "raw", Name: "orders"},
	}
	for expr, want := range good {
		got, err := ParseRelationCall(expr)
		if err != nil || got != want {
			t.Errorf("%q: got %+v, %v; want %+v", expr, got, err, want)
		}
	}
	for _, expr := range []string{"invalid", "ref('m'", "ref(m)", "ref()", "ref('a', 'b', 'c')", "source('raw')",
		"source('raw', 'orders', version=1)", "ref('m') ~ 'x'", "ref('m', version=1, 'x')", "ref('m', limit=1)", "refs('m')", "ref'm'"} {
		if got, err := ParseRelationCall(expr); err == nil {
			t.Errorf("%q: got %+v, want an error", expr, got)
		}
	}
}
