package asciifold

import "testing"

func TestLower(t *testing.T) {
	for in, want := range map[string]string{"": "", "model": "model", "MODEL_1": "model_1", "Straße ÄB": "straße Äb"} {
		if got := Lower(in); got != want {
			t.Errorf("Lower(%q) = %q, want %q", in, got, want)
		}
	}
}
