package jinja

import "strings"

// builtinTests are Jinja2 3.1's tests. The map is never written.
var builtinTests map[string]TestFunc

func init() {
	cmp := func(op string) TestFunc {
		return func(s *State, v any, args []any) (bool, error) {
			if len(args) != 1 {
				return false, typeErr("test takes exactly 2 arguments (%d given)", len(args)+1)
			}
			return compareOp2(op, v, args[0])
		}
	}
	builtinTests = map[string]TestFunc{
		"boolean": func(s *State, v any, a []any) (bool, error) { _, ok := v.(bool); return ok, nil },
		"callable": func(s *State, v any, a []any) (bool, error) {
			switch v.(type) {
			case Func, *macroValue, *boundMethod, callable, *joiner, *Undefined:
				return true, nil
			case *loopCtx:
				return true, nil
			}
			return false, nil
		},
		"defined": func(s *State, v any, a []any) (bool, error) { _, ok := v.(*Undefined); return !ok, nil },
		"undefined": func(s *State, v any, a []any) (bool, error) {
			_, ok := v.(*Undefined)
			return ok, nil
		},
		"divisibleby": func(s *State, v any, a []any) (bool, error) {
			if len(a) != 1 {
				return false, typeErr("test_divisibleby() missing 1 required positional argument: 'num'")
			}
			r, err := modBig(v, a[0])
			if err != nil {
				return false, err
			}
			return equal(r, int64(0)), nil
		},
		"eq": cmp("eq"), "==": cmp("eq"), "equalto": cmp("eq"),
		"ne": cmp("ne"), "!=": cmp("ne"),
		"lt": cmp("lt"), "<": cmp("lt"), "lessthan": cmp("lt"),
		"le": cmp("lteq"), "<=": cmp("lteq"),
		"gt": cmp("gt"), ">": cmp("gt"), "greaterthan": cmp("gt"),
		"ge": cmp("gteq"), ">=": cmp("gteq"),
		"escaped": func(s *State, v any, a []any) (bool, error) { _, ok := v.(Markup); return ok, nil },
		"even": func(s *State, v any, a []any) (bool, error) {
			r, err := modBig(v, int64(2))
			if err != nil {
				return false, err
			}
			return equal(r, int64(0)), nil
		},
		"odd": func(s *State, v any, a []any) (bool, error) {
			r, err := modBig(v, int64(2))
			if err != nil {
				return false, err
			}
			return equal(r, int64(1)), nil
		},
		"false": func(s *State, v any, a []any) (bool, error) { b, ok := v.(bool); return ok && !b, nil },
		"true":  func(s *State, v any, a []any) (bool, error) { b, ok := v.(bool); return ok && b, nil },
		"filter": func(s *State, v any, a []any) (bool, error) {
			// value in environment.filters: a dict lookup
			if _, err := hashKey(v); err != nil {
				return false, err
			}
			name, ok := asString(v)
			return ok && s.r.env.lookupFilter(name) != nil, nil
		},
		"test": func(s *State, v any, a []any) (bool, error) {
			if _, err := hashKey(v); err != nil {
				return false, err
			}
			name, ok := asString(v)
			return ok && s.r.env.lookupTest(name) != nil, nil
		},
		"float": func(s *State, v any, a []any) (bool, error) { _, ok := v.(float64); return ok, nil },
		"integer": func(s *State, v any, a []any) (bool, error) {
			_, ok := v.(int64)
			return ok, nil
		},
		"number": func(s *State, v any, a []any) (bool, error) {
			switch v.(type) {
			case int64, float64, bool:
				return true, nil
			}
			return false, nil
		},
		"in": func(s *State, v any, a []any) (bool, error) {
			if len(a) != 1 {
				return false, typeErr("test_in() missing 1 required positional argument: 'seq'")
			}
			return contains(a[0], v)
		},
		"iterable": func(s *State, v any, a []any) (bool, error) {
			if u, ok := v.(*Undefined); ok {
				return u.policy != Strict, nil
			}
			if _, ok := v.(*Iterator); ok {
				return true, nil
			}
			_, err := iterate(v)
			return err == nil, nil
		},
		"lower": func(s *State, v any, a []any) (bool, error) {
			str, err := toStr(v)
			if err != nil {
				return false, err
			}
			return strNoArg(str, "islower").(bool), nil
		},
		"upper": func(s *State, v any, a []any) (bool, error) {
			str, err := toStr(v)
			if err != nil {
				return false, err
			}
			return strNoArg(str, "isupper").(bool), nil
		},
		"mapping": func(s *State, v any, a []any) (bool, error) {
			switch x := v.(type) {
			case *Dict, map[string]any:
				return true, nil
			case Mapping:
				return x.IsMapping(), nil
			}
			return false, nil
		},
		"sequence": func(s *State, v any, a []any) (bool, error) {
			if u, ok := v.(*Undefined); ok {
				// Undefined has __len__ and __getitem__ (strict's __len__ raises)
				return u.policy != Strict, nil
			}
			switch v.(type) {
			case string, Markup, *List, []any, Tuple, *Dict, map[string]any:
				return true, nil
			}
			return false, nil
		},
		"string": func(s *State, v any, a []any) (bool, error) { _, ok := asString(v); return ok, nil },
		"none":   func(s *State, v any, a []any) (bool, error) { return v == nil, nil },
		"sameas": func(s *State, v any, a []any) (bool, error) {
			if len(a) != 1 {
				return false, typeErr("test_sameas() missing 1 required positional argument: 'other'")
			}
			return sameAs(v, a[0]), nil
		},
	}
	// Python checks the number of arguments of a test function: one
	// (the value) for most, two for divisibleby, in, sameas and the
	// comparisons.
	for name, f := range builtinTests {
		extra := 0
		switch name {
		case "divisibleby", "in", "sameas", "eq", "ne", "lt", "le", "gt", "ge",
			"==", "!=", "<", "<=", ">", ">=", "equalto", "lessthan", "greaterthan":
			extra = 1
		}
		builtinTests[name] = checkArity(name, extra, f)
	}
}

func checkArity(name string, extra int, f TestFunc) TestFunc {
	return func(s *State, v any, a []any) (bool, error) {
		if len(a) > extra {
			if name == "callable" {
				return false, typeErr("callable() takes exactly one argument (%d given)", len(a)+1)
			}
			if extra == 0 {
				return false, typeErr("test_%s() takes 1 positional argument but %d were given", name, len(a)+1)
			}
			return false, typeErr("%s() takes %d positional arguments but %d were given", name, extra+1, len(a)+1)
		}
		return f(s, v, a)
	}
}

// sameAs approximates Python's "is": identity for containers, equality of
// same-typed scalars (CPython caches small ints and interns short strings).
func sameAs(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case int64:
		y, ok := b.(int64)
		return ok && x == y && x >= -5 && x <= 256
	case string:
		y, ok := b.(string)
		return ok && x == y && !strings.ContainsAny(x, " ")
	case *List:
		y, ok := b.(*List)
		return ok && x == y
	case *Dict:
		y, ok := b.(*Dict)
		return ok && x == y
	case *Undefined:
		y, ok := b.(*Undefined)
		return ok && x == y
	case *macroValue:
		y, ok := b.(*macroValue)
		return ok && x == y
	case Func:
		y, ok := b.(Func)
		return ok && sameFunc(x, y)
	case *Namespace:
		y, ok := b.(*Namespace)
		return ok && x == y
	}
	return false
}
