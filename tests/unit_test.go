package tests

import (
	"strings"
	"testing"
)

func TestRowDiff(t *testing.T) {
	cols := []string{"id", "name", "total"}
	cases := []struct {
		name             string
		expected, actual [][]string
		want             string
		n                int
	}{
		{"equal in any order", [][]string{{"1", "a", "2"}, {"2", "b", "3"}}, [][]string{{"2", "b", "3"}, {"1", "a", "2"}}, "", 0},
		{"one value differs", [][]string{{"1", "a", "2"}, {"2", "b", "3"}}, [][]string{{"1", "a", "2"}, {"2", "b", "4"}},
			"row | total (expected) | total (actual)\n----+------------------+---------------\n2   | 3                | 4", 1},
		{"missing and extra rows", [][]string{{"1", "a", "2"}, {"2", "b", "3"}}, [][]string{{"1", "a", "2"}, {"9", "z", "null"}, {"2", "b", "3"}, {"2", "b", "3"}},
			"row   | id (expected) | id (actual) | name (expected) | name (actual) | total (expected) | total (actual)\n" +
				"------+---------------+-------------+-----------------+---------------+------------------+---------------\n" +
				"extra | -             | 9           | -               | z             | -                | null\n" +
				"extra | -             | 2           | -               | b             | -                | 3", 2},
		{"duplicates count", [][]string{{"1", "a", "2"}, {"1", "a", "2"}}, [][]string{{"1", "a", "2"}},
			"row | id (expected) | id (actual) | name (expected) | name (actual) | total (expected) | total (actual)\n" +
				"----+---------------+-------------+-----------------+---------------+------------------+---------------\n" +
				"2   | 1             | -           | a               | -             | 2                | -", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, n := RowDiff(cols, c.expected, c.actual)
			if n != c.n || got != c.want {
				t.Errorf("RowDiff = %d rows\n%s\nwant %d rows\n%s", n, got, c.n, c.want)
			}
			if c.n > 0 && strings.Contains(got, "id (expected)") != strings.Contains(c.want, "id (expected)") {
				t.Errorf("columns shown differ")
			}
		})
	}
}
