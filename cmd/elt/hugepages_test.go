package main

import (
	"errors"
	"strings"
	"testing"
)

func TestAdviseHugePages(t *testing.T) {
	for _, tc := range []struct {
		name  string
		env   map[string]string
		args  []string
		calls bool
	}{
		{"a command", nil, []string{"ls"}, true},
		{"a command with flags", nil, []string{"--project-dir", "p", "compile", "-s", "m"}, true},
		{"turned off", map[string]string{"ELT_HUGE_PAGES": "0"}, []string{"ls"}, false},
		{"a memory limit", map[string]string{"GOMEMLIMIT": "1GiB"}, []string{"compile"}, false},
		{"the docs server", nil, []string{"docs", "serve", "--port", "8080"}, false},
		{"the jobs server", nil, []string{"serve"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var asked []int
			var stderr strings.Builder
			advised := adviseHugePages(func(k string) string { return tc.env[k] }, tc.args, &stderr, func(n int) (bool, error) {
				asked = append(asked, n)
				return true, nil
			})
			if advised != tc.calls {
				t.Errorf("adviseHugePages = %v, want %v", advised, tc.calls)
			}
			if got := len(asked) == 1; got != tc.calls {
				t.Fatalf("advise called %d times, want called: %v", len(asked), tc.calls)
			}
			if tc.calls && asked[0] != heapHugePages {
				t.Errorf("advise(%d), want advise(%d)", asked[0], heapHugePages)
			}
			if stderr.Len() != 0 {
				t.Errorf("stderr: %q", stderr.String())
			}
		})
	}
	var stderr strings.Builder
	if adviseHugePages(func(string) string { return "" }, []string{"ls"}, &stderr, func(int) (bool, error) {
		return false, errors.New("madvise(MADV_HUGEPAGE) of 1024 MiB of heap: invalid argument")
	}) {
		t.Error("a failed advice reports the heap advised")
	}
	if !strings.Contains(stderr.String(), "invalid argument") || !strings.Contains(stderr.String(), "ELT_HUGE_PAGES=0") {
		t.Errorf("a failed advice says %q, want the error and how to skip it", stderr.String())
	}
}

func TestProjectHugePages(t *testing.T) {
	for _, tc := range []struct{ nodes, want int }{
		{0, 0},
		{10_000, 0},
		{20_000, 0}, // 547 MiB: 35 MiB past the start-up advice
		{30_000, 30_000*heapPerNode - heapHugePages},
		{100_000, 100_000*heapPerNode - heapHugePages},
	} {
		if got := projectHugePages(tc.nodes); got != tc.want {
			t.Errorf("projectHugePages(%d) = %d, want %d", tc.nodes, got, tc.want)
		}
	}
}
