package jinja

import (
	"math"
	"math/big"
)

// Integers are int64 until a result does not fit; then they become
// *big.Int, as Python's ints grow. Results that fit again shrink back.

func toBig(v any) (*big.Int, bool) {
	switch x := v.(type) {
	case *big.Int:
		return x, true
	case int64:
		return big.NewInt(x), true
	case bool:
		if x {
			return big.NewInt(1), true
		}
		return big.NewInt(0), true
	}
	return nil, false
}

func shrink(b *big.Int) any {
	if b.IsInt64() {
		return b.Int64()
	}
	return b
}

func isBig(a, b any) bool {
	_, ok1 := a.(*big.Int)
	_, ok2 := b.(*big.Int)
	return ok1 || ok2
}

func bigFloat(b *big.Int) float64 {
	f, _ := new(big.Float).SetInt(b).Float64()
	return f
}

// bigArith handles +, -, *, //, %, ** and / when an operand is a *big.Int
// or an int64 operation overflowed. ok is false when the operands are not
// both integers (the caller then handles floats or errors).
func bigArith(op string, a, b any) (any, bool, error) {
	x, ok1 := toBig(a)
	y, ok2 := toBig(b)
	if !ok1 || !ok2 {
		return bigFloatArith(op, a, b)
	}
	r := new(big.Int)
	switch op {
	case "+":
		r.Add(x, y)
	case "-":
		r.Sub(x, y)
	case "*":
		r.Mul(x, y)
	case "//", "%":
		if y.Sign() == 0 {
			if op == "//" {
				return nil, true, newErr("ZeroDivisionError", "integer division or modulo by zero")
			}
			return nil, true, newErr("ZeroDivisionError", "integer modulo by zero")
		}
		q, m := new(big.Int), new(big.Int)
		q.DivMod(x, y, m) // Euclidean: m >= 0
		if m.Sign() != 0 && y.Sign() < 0 {
			q.Add(q, big.NewInt(1))
			m.Add(m, y)
		}
		if op == "//" {
			return shrink(q), true, nil
		}
		return shrink(m), true, nil
	case "/":
		if y.Sign() == 0 {
			return nil, true, newErr("ZeroDivisionError", "division by zero")
		}
		f, _ := new(big.Rat).SetFrac(x, y).Float64()
		if math.IsInf(f, 0) {
			return nil, true, newErr("OverflowError", "integer division result too large for a float")
		}
		return f, true, nil
	case "**":
		if y.Sign() < 0 {
			r, err := floatPow(bigFloat(x), bigFloat(y))
			if err != nil {
				return nil, true, err
			}
			return r, true, nil
		}
		if y.BitLen() > 32 || int64(x.BitLen())*y.Int64() > 1<<20 {
			return nil, true, newErr("OverflowError", "integer result is too large")
		}
		r.Exp(x, y, nil)
	default:
		return nil, false, nil
	}
	return shrink(r), true, nil
}

// bigFloatArith is an operation between a big integer and a float:
// Python converts the integer to a float first, which overflows when it
// is beyond the largest float, then does the float operation. ok is false
// when the other operand is not a float.
func bigFloatArith(op string, a, b any) (any, bool, error) {
	_, af := a.(float64)
	_, bf := b.(float64)
	if !af && !bf {
		return nil, false, nil
	}
	fa, fb := toFloatLoose(a), toFloatLoose(b)
	if (!af && math.IsInf(fa, 0)) || (!bf && math.IsInf(fb, 0)) {
		return nil, true, newErr("OverflowError", "int too large to convert to float")
	}
	var f func(a, b any) (any, error)
	switch op {
	case "+":
		f = add
	case "-":
		f = sub
	case "*":
		f = mul
	case "/":
		f = div
	case "//":
		f = floorDiv
	case "%":
		f = mod
	case "**":
		f = pow
	default:
		return nil, false, nil
	}
	v, err := f(fa, fb)
	return v, true, err
}

func toFloatLoose(v any) float64 {
	switch x := v.(type) {
	case *big.Int:
		return bigFloat(x)
	case float64:
		return x
	case int64:
		return float64(x)
	case bool:
		if x {
			return 1
		}
	}
	return 0
}

// exactFloat reports whether float64(i) is i exactly.
func exactFloat(i int64) bool { return i >= -1<<53 && i <= 1<<53 }

// cmpIntFloat orders an integer (int64, bool or *big.Int) and a float
// exactly, as Python does, not by converting the integer to a float:
// 9007199254740993 > 9007199254740992.0. It is 2 when f is NaN.
func cmpIntFloat(i any, f float64) int {
	switch {
	case math.IsNaN(f):
		return 2
	case math.IsInf(f, 1):
		return -1
	case math.IsInf(f, -1):
		return 1
	}
	b, _ := toBig(i)
	return new(big.Float).SetInt(b).Cmp(new(big.Float).SetFloat64(f))
}

// flipCmp is the order of b and a from the order of a and b.
func flipCmp(c int) int {
	if c == 2 {
		return 2
	}
	return -c
}

// floatToInt is Python's int(f) for a finite float: truncated, exact
// however large.
func floatToInt(f float64) any {
	if math.Abs(f) < 9e18 {
		return int64(f)
	}
	b, _ := new(big.Float).SetFloat64(math.Trunc(f)).Int(nil)
	return shrink(b)
}

// roundBig is Python's round(b, prec) for an integer: b itself when prec
// is not negative, else b to the nearest multiple of 10**-prec, a tie to
// the even one.
func roundBig(b *big.Int, prec int64) any {
	if prec >= 0 {
		return b
	}
	pw := new(big.Int).Exp(big.NewInt(10), big.NewInt(-prec), nil)
	q, r := new(big.Int).DivMod(b, pw, new(big.Int)) // r >= 0
	twice := new(big.Int).Lsh(r, 1)
	if c := twice.Cmp(pw); c > 0 || (c == 0 && q.Bit(0) == 1) {
		q.Add(q, big.NewInt(1))
	}
	return shrink(q.Mul(q, pw))
}
