package compiler

import (
	"fmt"

	"github.com/elt-dev/elt/jinja"
)

// pySet is Python's set as dbt's set() and set_strict() return it:
// unordered equality, `in`, the operators | & - ^, and the methods
// templates call (add, update, union, intersection, difference, ...).
// Items keep the order they were added in, which is one of the orders
// Python could iterate them in.
type pySet struct {
	items []any
	index *jinja.Dict // item -> true, with Python's hashing (1 == 1.0 == True)
}

func newPySet(items []any) (*pySet, error) {
	s := &pySet{index: jinja.NewDict()}
	for _, it := range items {
		if err := s.add(it); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *pySet) has(v any) bool {
	_, ok := s.index.Get(v)
	return ok
}

func (s *pySet) add(v any) error {
	if s.has(v) {
		return nil
	}
	if err := hashable(v); err != nil {
		return err
	}
	s.index.Set(v, true)
	s.items = append(s.items, v)
	return nil
}

// hashable refuses what Python cannot put in a set.
func hashable(v any) error {
	switch v.(type) {
	case *jinja.List, []any, *jinja.Dict, map[string]any, *pySet:
		return fmt.Errorf("unhashable type: '%s'", pyTypeName(v))
	}
	return nil
}

// pyTypeName is the Python type name of a template value.
func pyTypeName(v any) string {
	switch v.(type) {
	case *jinja.List, []any:
		return "list"
	case *jinja.Dict, map[string]any:
		return "dict"
	case *pySet:
		return "set"
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int, int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case jinja.Markup:
		return "Markup"
	case jinja.Tuple:
		return "tuple"
	case *jinja.Undefined:
		return "Undefined"
	case *rePatternValue:
		return "re.Pattern"
	case *reMatchValue:
		return "re.Match"
	}
	return fmt.Sprintf("%T", v)
}

func (s *pySet) Iter() []any { return append([]any(nil), s.items...) }
func (s *pySet) Len() int    { return len(s.items) }

func (s *pySet) String() string {
	if len(s.items) == 0 {
		return "set()"
	}
	l, _ := jinja.Str(jinja.NewList(s.items...))
	return "{" + l[1:len(l)-1] + "}"
}

// Compare gives == and != (the same items, in any order); ordering
// compares sets by inclusion, as Python (< is a proper subset).
func (s *pySet) Compare(other any) (int, bool) {
	o, ok := other.(*pySet)
	if !ok {
		return 0, false
	}
	sub, sup := s.subsetOf(o), o.subsetOf(s)
	switch {
	case sub && sup:
		return 0, true
	case sub:
		return -1, true
	}
	return 1, true
}

func (s *pySet) subsetOf(o *pySet) bool {
	for _, it := range s.items {
		if !o.has(it) {
			return false
		}
	}
	return true
}

func (s *pySet) union(o *pySet) *pySet {
	out, _ := newPySet(s.items)
	for _, it := range o.items {
		_ = out.add(it)
	}
	return out
}

func (s *pySet) filter(keep func(any) bool) *pySet {
	out, _ := newPySet(nil)
	for _, it := range s.items {
		if keep(it) {
			_ = out.add(it)
		}
	}
	return out
}

func (s *pySet) intersection(o *pySet) *pySet { return s.filter(o.has) }
func (s *pySet) difference(o *pySet) *pySet {
	return s.filter(func(v any) bool { return !o.has(v) })
}
func (s *pySet) symmetric(o *pySet) *pySet {
	return s.difference(o).union(o.difference(s))
}

// BinaryOp gives | & - ^ between sets.
func (s *pySet) BinaryOp(op string, other any, right bool) (any, bool, error) {
	o, ok := other.(*pySet)
	if !ok {
		return nil, false, nil
	}
	a, b := s, o
	if right {
		a, b = o, s
	}
	switch op {
	case "|":
		return a.union(b), true, nil
	case "&":
		return a.intersection(b), true, nil
	case "-":
		return a.difference(b), true, nil
	case "^":
		return a.symmetric(b), true, nil
	}
	return nil, false, nil
}

// setArg turns a method argument (any iterable) into a set.
func setArg(v any) (*pySet, error) {
	if o, ok := v.(*pySet); ok {
		return o, nil
	}
	l, err := jinja.Iterate(v)
	if err != nil {
		return nil, err
	}
	return newPySet(l)
}

func (s *pySet) GetAttr(name string) (any, bool) {
	// A method taking any number of iterables and combining them.
	combine := func(f func(a, b *pySet) *pySet) jinja.Func {
		return func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
			out := s
			if len(args) == 0 {
				out, _ = newPySet(s.items)
			}
			for _, a := range args {
				o, err := setArg(a)
				if err != nil {
					return nil, err
				}
				out = f(out, o)
			}
			return out, nil
		}
	}
	predicate := func(f func(o *pySet) bool) jinja.Func {
		return func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
			if len(args) != 1 {
				return nil, fmt.Errorf("%s() takes exactly one argument (%d given)", name, len(args))
			}
			o, err := setArg(args[0])
			if err != nil {
				return nil, err
			}
			return f(o), nil
		}
	}
	switch name {
	case "add":
		return jinja.Func(func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
			if len(args) != 1 {
				return nil, fmt.Errorf("set.add() takes exactly one argument (%d given)", len(args))
			}
			return nil, s.add(args[0])
		}), true
	case "update":
		return jinja.Func(func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
			for _, a := range args {
				l, err := jinja.Iterate(a)
				if err != nil {
					return nil, err
				}
				for _, it := range l {
					if err := s.add(it); err != nil {
						return nil, err
					}
				}
			}
			return nil, nil
		}), true
	case "discard", "remove":
		return jinja.Func(func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
			if len(args) != 1 {
				return nil, fmt.Errorf("set.%s() takes exactly one argument (%d given)", name, len(args))
			}
			if !s.has(args[0]) {
				if name == "remove" {
					k, _ := jinja.Str(jinja.NewList(args[0]))
					return nil, fmt.Errorf("KeyError: %s", k[1:len(k)-1])
				}
				return nil, nil
			}
			s.index.Delete(args[0])
			rest := s.items[:0]
			for _, it := range s.items {
				if s.has(it) {
					rest = append(rest, it)
				}
			}
			s.items = rest
			return nil, nil
		}), true
	case "pop":
		return jinja.Func(func(*jinja.State, []any, jinja.Kwargs) (any, error) {
			if len(s.items) == 0 {
				return nil, fmt.Errorf("KeyError: 'pop from an empty set'")
			}
			v := s.items[0]
			s.items = s.items[1:]
			s.index.Delete(v)
			return v, nil
		}), true
	case "clear":
		return jinja.Func(func(*jinja.State, []any, jinja.Kwargs) (any, error) {
			s.items, s.index = nil, jinja.NewDict()
			return nil, nil
		}), true
	case "copy":
		return jinja.Func(func(*jinja.State, []any, jinja.Kwargs) (any, error) { return newPySet(s.items) }), true
	case "union":
		return combine((*pySet).union), true
	case "intersection":
		return combine((*pySet).intersection), true
	case "difference":
		return combine((*pySet).difference), true
	case "symmetric_difference":
		return combine((*pySet).symmetric), true
	case "issubset":
		return predicate(func(o *pySet) bool { return s.subsetOf(o) }), true
	case "issuperset":
		return predicate(func(o *pySet) bool { return o.subsetOf(s) }), true
	case "isdisjoint":
		return predicate(func(o *pySet) bool { return s.intersection(o).Len() == 0 }), true
	}
	return nil, false
}
