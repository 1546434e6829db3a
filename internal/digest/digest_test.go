package digest

import "testing"

// TestDistinct: string and list sequences that differ write different
// bytes, though their concatenated text is the same (callers write a fixed
// layout, so only values of one kind are compared).
func TestDistinct(t *testing.T) {
	build := func(f func(*Buf)) string { var b Buf; f(&b); return string(b) }
	seen := map[string]string{}
	for name, f := range map[string]func(*Buf){
		"ab,c":      func(b *Buf) { b.Str("ab", "c") },
		"a,bc":      func(b *Buf) { b.Str("a", "bc") },
		"list nil":  func(b *Buf) { b.List(nil) },
		"list []":   func(b *Buf) { b.List([]string{}) },
		"list [ab]": func(b *Buf) { b.List([]string{"ab"}) },
		"ab,[c]":    func(b *Buf) { b.Str("ab"); b.List([]string{"c"}) },
	} {
		got := build(f)
		if other, ok := seen[got]; ok {
			t.Errorf("%s and %s write the same bytes %q", name, other, got)
		}
		seen[got] = name
	}
}

// TestSum: a buffer and its text have one key, and a one-byte change
// gives another.
func TestSum(t *testing.T) {
	var b Buf
	b.Str("model.shop.orders", "select 1")
	if Sum(b) != SumString(string(b)) {
		t.Fatalf("Sum and SumString differ for %q", b)
	}
	other := append(Buf(nil), b...)
	other[len(other)-1] = '2'
	if Sum(b) == Sum(other) {
		t.Fatalf("%q and %q have one key", b, other)
	}
}

// TestHasher: bytes written in parts have the key of their concatenation.
func TestHasher(t *testing.T) {
	h := NewHasher()
	h.Write([]byte("model.shop."))
	h.Write([]byte("orders"))
	if got, want := h.Key(), SumString("model.shop.orders"); got != want {
		t.Fatalf("Hasher key %x, Sum %x", got, want)
	}
}
