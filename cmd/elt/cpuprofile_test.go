package main

import "testing"

func TestMemProfileRate(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want int
	}{
		{nil, 0},
		{map[string]string{"ELT_MEMPROFILE": "heap.prof"}, 512 << 10},
		{map[string]string{"ELT_PEAKPROFILE": "peak.prof"}, 512 << 10},
		{map[string]string{"GODEBUG": "gctrace=1,memprofilerate=1"}, 512 << 10},
		{map[string]string{"GODEBUG": "gctrace=1"}, 0},
	} {
		if got := memProfileRate(func(k string) string { return tc.env[k] }, 512<<10); got != tc.want {
			t.Errorf("memProfileRate(%v) = %d, want %d", tc.env, got, tc.want)
		}
	}
}
