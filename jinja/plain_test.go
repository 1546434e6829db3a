package jinja

import (
	"math/big"
	"reflect"
	"testing"
)

func TestPlain(t *testing.T) {
	d := NewDict()
	d.Set("b", int64(2))
	d.Set("a", Markup("<x>"))
	gen := &List{Items: []any{int64(1), Tuple{"t", nil}}}
	big1 := new(big.Int).Lsh(big.NewInt(1), 70)
	got := Plain([]any{d, gen, big1, &Undefined{}, 1.5, true}, nil)
	want := []any{
		map[string]any{"b": 2, "a": "<x>"},
		[]any{1, []any{"t", nil}},
		"1180591620717411303424",
		nil, 1.5, true,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Plain = %#v\nwant %#v", got, want)
	}
	type custom struct{}
	if got := Plain([]any{custom{}}, func(v any) (any, bool) {
		if _, ok := v.(custom); ok {
			return "custom", true
		}
		return nil, false
	}); !reflect.DeepEqual(got, []any{"custom"}) {
		t.Errorf("convert not asked: %#v", got)
	}
}
