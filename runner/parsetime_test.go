package runner

import (
	"testing"
	"time"
)

// TestParseTimeISOForms: a microbatch begin is read in every form
// Python's datetime.fromisoformat reads (the parse check accepts them),
// naive times as UTC.
func TestParseTimeISOForms(t *testing.T) {
	for in, want := range map[string]string{
		"2024-01-01":                       "2024-01-01T00:00:00Z",
		"2024-01-01T08":                    "2024-01-01T08:00:00Z",
		"2024-01-01T08:30":                 "2024-01-01T08:30:00Z",
		"2024-01-01 08:30:15":              "2024-01-01T08:30:15Z",
		"2024-01-01T08:30:15.5":            "2024-01-01T08:30:15.5Z",
		"2024-01-01T08:30:15,25":           "2024-01-01T08:30:15.25Z",
		"2024-01-01T08:30Z":                "2024-01-01T08:30:00Z",
		"2024-01-01T08:30+02":              "2024-01-01T06:30:00Z",
		"2024-01-01T08:30+0530":            "2024-01-01T03:00:00Z",
		"2024-01-01T08:30:00-01:00":        "2024-01-01T09:30:00Z",
		"2024-01-01T08:30:00.123456+00:00": "2024-01-01T08:30:00.123456Z",
	} {
		got, err := parseTime(in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if s := got.Format(time.RFC3339Nano); s != want {
			t.Errorf("%s: %s, want %s", in, s, want)
		}
	}
	for _, bad := range []string{"2024-01-01T8", "2024-01-01T08:3", "2024-01-01X08", "2024-13-01", "2024-01-01T25:00", "yesterday"} {
		if got, err := parseTime(bad); err == nil {
			t.Errorf("%s: read as %s, want an error", bad, got)
		}
	}
}
