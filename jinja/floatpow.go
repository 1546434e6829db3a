package jinja

import (
	"math"
)

// Python's float ** float is C's pow() after CPython's own special cases
// (float_pow in Objects/floatobject.c). The special cases are reproduced
// here; the power itself is Go's math.Pow, which can differ from the C
// library's pow() in the last bit (1e-7 ** 3 is 9.999999999999997e-22
// here, 1e-21 in Python on glibc): a documented limitation (doc.go).

// floatPow is CPython's float_pow for finite or infinite x and y. It
// returns an *Error for ZeroDivisionError and OverflowError, and
// errComplexPow when Python would return a complex number.
func floatPow(x, y float64) (float64, error) {
	switch {
	case y == 0:
		return 1, nil
	case math.IsNaN(x):
		return x, nil
	case math.IsNaN(y):
		if x == 1 {
			return 1, nil
		}
		return y, nil
	case math.IsInf(y, 0):
		ax := math.Abs(x)
		switch {
		case ax == 1:
			return 1, nil
		case (y > 0) == (ax > 1):
			return math.Inf(1), nil
		}
		return 0, nil
	case math.IsInf(x, 0):
		odd := isOddInteger(y)
		if y > 0 {
			if odd {
				return x, nil
			}
			return math.Abs(x), nil
		}
		if odd {
			return math.Copysign(0, x), nil
		}
		return 0, nil
	case x == 0:
		if y < 0 {
			return 0, newErr("ZeroDivisionError", "0.0 cannot be raised to a negative power")
		}
		if isOddInteger(y) {
			return x, nil
		}
		return 0, nil
	}
	negate := false
	if x < 0 {
		if y != math.Floor(y) {
			return 0, errComplexPow()
		}
		x = -x
		negate = isOddInteger(y)
	}
	var r float64
	if x == 1 {
		r = 1
	} else {
		r = math.Pow(x, y)
	}
	if math.IsInf(r, 0) {
		return 0, newErr("OverflowError", "(34, 'Numerical result out of range')")
	}
	if negate {
		r = -r
	}
	return r, nil
}

func errComplexPow() error {
	return newErr("ValueError", "complex results are not supported: a negative number raised to a fractional power is a complex number in Python")
}

func isOddInteger(y float64) bool {
	if y != math.Trunc(y) || math.Abs(y) >= 1<<53 {
		return false
	}
	return int64(y)%2 != 0
}
