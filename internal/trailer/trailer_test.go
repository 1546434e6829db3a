package trailer

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
)

// TestSealAndOpen: what a Writer seals opens as written; any changed,
// missing or added byte does not.
func TestSealAndOpen(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if _, err := w.Write([]byte("elt cache\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteString(strings.Repeat("entry ", 1000)); err != nil {
		t.Fatal(err)
	}
	if err := w.Seal(); err != nil {
		t.Fatal(err)
	}
	want := "elt cache\n" + strings.Repeat("entry ", 1000)
	sealed := buf.String()
	if len(sealed) != len(want)+Size {
		t.Fatalf("sealed %d bytes, want %d", len(sealed), len(want)+Size)
	}
	body, ok := Open(sealed)
	if !ok || body != want {
		t.Fatalf("Open of what was sealed: ok %t, body %q...", ok, body[:min(len(body), 20)])
	}
	if b, ok := OpenBytes([]byte(sealed)); !ok || string(b) != want {
		t.Fatalf("OpenBytes of what was sealed: ok %t", ok)
	}
	if got := Seal([]byte(want)); string(got) != sealed {
		t.Fatalf("Seal differs from a Writer's seal")
	}
	for _, damaged := range []string{
		sealed[:len(sealed)-1],
		sealed + "x",
		sealed[:5] + "X" + sealed[6:],
		strings.Repeat("\x00", len(sealed)),
		sealed[:len(sealed)-Size] + "\x00\x00\x00\x00",
		"",
		"abc",
	} {
		if _, ok := Open(damaged); ok {
			t.Errorf("Open accepted a damaged file of %d bytes", len(damaged))
		}
		if _, ok := OpenBytes([]byte(damaged)); ok {
			t.Errorf("OpenBytes accepted a damaged file of %d bytes", len(damaged))
		}
	}
}

// TestReaderCheck: a stream read in parts, by bytes and by blocks, checks
// against its trailer, and not once a byte of it changed.
func TestReaderCheck(t *testing.T) {
	payload := []byte(strings.Repeat("0123456789", 500))
	sealed := Seal(append([]byte(nil), payload...))
	read := func(s []byte) ([]byte, bool) {
		r := NewReader(bufio.NewReader(bytes.NewReader(s)))
		var got []byte
		for i := 0; i < 10; i++ {
			b, err := r.ReadByte()
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, b)
		}
		rest := make([]byte, len(payload)-10)
		if _, err := io.ReadFull(r, rest); err != nil {
			t.Fatal(err)
		}
		return append(got, rest...), r.Check()
	}
	got, ok := read(sealed)
	if !ok || !bytes.Equal(got, payload) {
		t.Fatalf("reading a sealed stream: ok %t, same bytes %t", ok, bytes.Equal(got, payload))
	}
	damaged := append([]byte(nil), sealed...)
	damaged[1234] ^= 1
	if _, ok := read(damaged); ok {
		t.Fatal("a stream with a changed byte checked")
	}
	short := NewReader(bufio.NewReader(bytes.NewReader(sealed[:len(payload)+2])))
	if _, err := io.ReadFull(short, make([]byte, len(payload))); err != nil {
		t.Fatal(err)
	}
	if short.Check() {
		t.Fatal("a stream without its whole trailer checked")
	}
}
