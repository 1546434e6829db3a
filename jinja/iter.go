package jinja

import "fmt"

// Iterator is a Python generator or iterator: what Jinja2's select,
// reject, selectattr, rejectattr, map, unique, batch, slice and items
// filters return (generators) and what reverse returns for a list
// (list_reverseiterator). It is lazy and one-shot, as in Python: its
// work, and its errors, happen as items are taken; a second pass sees
// only what the first left; it has no len(), cannot be indexed or
// reversed, and is true even when empty.
//
// Go callables receive it as an argument like any other value; Iterate
// turns it (or any iterable) into its items.
type Iterator struct {
	kind string // Python type name: "generator", "list_reverseiterator", ...
	name string // a generator's function name, for its repr
	next func() (any, bool, error)
	done bool
}

// Next returns the next item; ok is false when the iterator is
// exhausted. An iterator that failed is exhausted afterwards, as a
// Python generator is.
func (it *Iterator) Next() (v any, ok bool, err error) {
	if it.done {
		return nil, false, nil
	}
	v, ok, err = it.next()
	if err != nil || !ok {
		it.done = true
		it.next = nil
		return nil, false, err
	}
	return v, true, nil
}

// rest takes every remaining item.
func (it *Iterator) rest() ([]any, error) {
	out := []any{}
	for {
		v, ok, err := it.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return out, nil
		}
		out = append(out, v)
	}
}

func (it *Iterator) String() string {
	if it.kind == "generator" {
		return fmt.Sprintf("<generator object %s at %p>", it.name, it)
	}
	return fmt.Sprintf("<%s object at %p>", it.kind, it)
}

// Iterate returns the items iterating v yields in Python: a list's or
// tuple's items, a dict's keys, a string's characters, an Iterator's
// remaining items (which takes them).
func Iterate(v any) ([]any, error) { return iterate(v) }

// newGenerator makes a generator whose body runs on the first Next: start
// returns the function that yields the items, as a Python generator
// function's body runs only when the generator is first advanced.
func newGenerator(name string, start func() (func() (any, bool, error), error)) *Iterator {
	it := &Iterator{kind: "generator", name: name}
	it.next = func() (any, bool, error) {
		next, err := start()
		if err != nil {
			return nil, false, err
		}
		it.next = next
		return next()
	}
	return it
}

// listGenerator is a generator whose body computes all its items at once
// (on the first Next).
func listGenerator(name string, body func() ([]any, error)) *Iterator {
	return newGenerator(name, func() (func() (any, bool, error), error) {
		items, err := body()
		if err != nil {
			return nil, err
		}
		return itemsNext(items), nil
	})
}

func itemsNext(items []any) func() (any, bool, error) {
	i := 0
	return func() (any, bool, error) {
		if i >= len(items) {
			return nil, false, nil
		}
		i++
		return items[i-1], true, nil
	}
}

// iterNext returns a function yielding the items of v one at a time:
// lazily for an Iterator, from iterate(v) otherwise.
func iterNext(v any) (func() (any, bool, error), error) {
	if it, ok := v.(*Iterator); ok {
		return it.Next, nil
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	return itemsNext(items), nil
}
