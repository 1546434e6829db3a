package compiler

import "testing"

// TestISODatetime: begin strings as Python's datetime.fromisoformat reads
// them (dbt's check_valid_microbatch_config casts a string begin so).
func TestISODatetime(t *testing.T) {
	for s, want := range map[string]bool{
		"2024-01-01": true, "2024-01-01T00:00:00": true, "2024-01-01 08:30": true, "2024-01-01T08": true,
		"2024-01-01T00:00:00.123456": true, "2024-01-01T00:00:00Z": true, "2024-01-01T00:00:00+02:00": true,
		"01/01/2024": false, "2024-13-01": false, "2024-02-30": false, "2024-01-01T25:00": false,
		"2024-01-01T10:61": false, "yesterday": false, "": false,
	} {
		if got := isISODatetime(s); got != want {
			t.Errorf("isISODatetime(%q) = %v, want %v", s, got, want)
		}
	}
}
