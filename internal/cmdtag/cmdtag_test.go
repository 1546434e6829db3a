package cmdtag

import (
	"reflect"
	"testing"
)

func TestCode(t *testing.T) {
	for status, want := range map[string]string{"INSERT 0 2": "INSERT", "SELECT 5": "SELECT", "CREATE VIEW": "CREATE VIEW",
		"MERGE 0": "MERGE", "DELETE 3": "DELETE", "": ""} {
		if got := Code(status); got != want {
			t.Errorf("Code(%q) = %q, want %q", status, got, want)
		}
	}
	if got := Response("INSERT 0 2", 2); !reflect.DeepEqual(got, map[string]any{"_message": "INSERT 0 2", "code": "INSERT", "rows_affected": int64(2)}) {
		t.Errorf("Response = %v", got)
	}
	if Response("", 0) != nil {
		t.Error("a response without a status")
	}
}
