package jinja

// Arith lets a Go value take part in the binary operators + - * / // % **.
// BinaryOp is asked only after the built-in rules found no meaning for the
// operands; right is true when the value is the right operand (Python's
// __radd__ and friends). ok false means "not supported", so the operator
// raises its usual TypeError.
type Arith interface {
	BinaryOp(op string, other any, right bool) (v any, ok bool, err error)
}

// Comparer lets a Go value take part in ==, !=, <, <=, > and >=. Compare
// returns -1, 0 or 1 and ok; ok false means the values are not comparable:
// == is then false and ordering raises TypeError.
type Comparer interface {
	Compare(other any) (c int, ok bool)
}

// objBinary consults the operands' Arith, left operand first.
func objBinary(op string, a, b any) (any, bool, error) {
	if x, ok := a.(Arith); ok {
		if v, ok, err := x.BinaryOp(op, b, false); ok || err != nil {
			return v, true, err
		}
	}
	if y, ok := b.(Arith); ok {
		if v, ok, err := y.BinaryOp(op, a, true); ok || err != nil {
			return v, true, err
		}
	}
	return nil, false, nil
}

// objCompare consults the operands' Comparer, left operand first.
func objCompare(a, b any) (int, bool) {
	if x, ok := a.(Comparer); ok {
		if c, ok := x.Compare(b); ok {
			return c, true
		}
	}
	if y, ok := b.(Comparer); ok {
		if c, ok := y.Compare(a); ok {
			return -c, true
		}
	}
	return 0, false
}
