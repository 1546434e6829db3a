package main

import (
	"strings"
	"testing"
)

func TestExpandMultiValueFlags(t *testing.T) {
	cases := []struct{ in, want string }{
		{"build --select a b c", "build --select a --select b --select c"},
		{"run -s a b --exclude c d --threads 2", "run -s a -s b --exclude c --exclude d --threads 2"},
		{"build --select a --full-refresh", "build --select a --full-refresh"},
		{"init demo", "init demo"},
		{"run-operation grant --args {x: 1}", "run-operation grant --args {x: 1}"},
		{"ls --resource-type model seed --output name", "ls --resource-type model --resource-type seed --output name"},
		{"run --models a b -m c d", "run --models a --models b -m c -m d"},
	}
	for _, c := range cases {
		got := strings.Join(expandMultiValueFlags(strings.Fields(c.in)), " ")
		if got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
}
