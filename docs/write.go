package docs

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// jsonWriter encodes v compactly, for Dir.WriteAtomic.
func jsonWriter(v any) func(io.Writer) error {
	return func(w io.Writer) error {
		enc := json.NewEncoder(w)
		// SQL is full of <, > and &; dbt writes them as they are.
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	}
}

// timeLayout is how dbt writes timestamps: UTC, microseconds, a literal Z.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// Time is a timestamp written as dbt writes it ("2024-05-01T10:00:00.123456Z");
// the zero Time is written as null.
type Time struct{ time.Time }

func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + formatTime(t.Time) + `"`), nil
}

func (t *Time) UnmarshalJSON(b []byte) error {
	var s *string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == nil || *s == "" {
		t.Time = time.Time{}
		return nil
	}
	// dbt has written both "...Z" and offset-less timestamps over the years.
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if v, err := time.Parse(layout, *s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return fmt.Errorf("docs: bad timestamp %q", *s)
}

// strOrNull writes "" as null, for the schema's anyOf [string, null] fields.
func strOrNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// orEmpty makes a nil slice encode as [] rather than null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
