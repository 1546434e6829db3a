package bigquery

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestReadSeedNulls: a blank value or null in any case is NULL (an empty
// field in the load job's CSV), as dbt loads seeds; other values are kept.
func TestReadSeedNulls(t *testing.T) {
	path := filepath.Join(t.TempDir(), "n.csv")
	if err := os.WriteFile(path, []byte("a,b\n null ,x\n , NULL\nNullable,{\"k\": 1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := ReadSeed(path, ",")
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]string{{"", "x"}, {"", ""}, {"Nullable", `{"k": 1}`}}; !reflect.DeepEqual(d.Records, want) {
		t.Errorf("records %q, want %q", d.Records, want)
	}
}
