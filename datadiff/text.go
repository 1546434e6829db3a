package datadiff

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes the result as a readable table.
func WriteText(w io.Writer, r *Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "a:\t%s\n", r.A)
	fmt.Fprintf(tw, "b:\t%s\n", r.B)
	fmt.Fprintf(tw, "key:\t%s\n", strings.Join(r.Key, ", "))
	fmt.Fprintln(tw)
	fmt.Fprintf(tw, "\trows\tonly here\n")
	fmt.Fprintf(tw, "a\t%d\t%d\n", r.RowsA, r.OnlyA)
	fmt.Fprintf(tw, "b\t%d\t%d\n", r.RowsB, r.OnlyB)
	fmt.Fprintln(tw)
	fmt.Fprintf(tw, "matched rows:\t%d\n", r.Matched)
	fmt.Fprintf(tw, "differing rows:\t%d\n", r.Differing)
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, d := range []struct {
		side string
		n    int64
	}{{"a", r.DuplicateKeysA}, {"b", r.DuplicateKeysB}} {
		if d.n > 0 {
			verb := "values appear"
			if d.n == 1 {
				verb = "value appears"
			}
			fmt.Fprintf(w, "warning: %d key %s more than once in %s; matched rows pair every copy, so counts are of pairs\n", d.n, verb, d.side)
		}
	}
	if len(r.ColumnsOnlyA) > 0 {
		fmt.Fprintf(w, "columns only in a: %s\n", strings.Join(r.ColumnsOnlyA, ", "))
	}
	if len(r.ColumnsOnlyB) > 0 {
		fmt.Fprintf(w, "columns only in b: %s\n", strings.Join(r.ColumnsOnlyB, ", "))
	}
	if len(r.Columns) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "column\tdifferences\n")
		for _, c := range r.Columns {
			fmt.Fprintf(tw, "%s\t%d\n", c.Name, c.Differences)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(r.Sample) > 0 {
		fmt.Fprintf(w, "\nsample:\n")
		for _, s := range r.Sample {
			var parts []string
			switch s.Kind {
			case "differs":
				for _, c := range s.Differing {
					parts = append(parts, fmt.Sprintf("%s: %s -> %s", c, show(s.A[c]), show(s.B[c])))
				}
			}
			fmt.Fprintf(w, "  %-10s key=%s  %s\n", s.Kind, showKey(s.Key), strings.Join(parts, ", "))
		}
	}
	if r.Same() {
		fmt.Fprintln(w, "\nno differences")
	}
	return nil
}

func show(v any) string {
	if v == nil {
		return "NULL"
	}
	if s, ok := v.(string); ok {
		return "'" + s + "'"
	}
	return fmt.Sprint(v)
}

func showKey(k []any) string {
	parts := make([]string, len(k))
	for i, v := range k {
		parts[i] = show(v)
	}
	return strings.Join(parts, ",")
}
