package jinja

import (
	"math/big"
	"strings"
)

// maxRange is the sandbox's limit on range() sizes.
const maxRange = 100000

// builtinGlobals are Jinja2's default globals. The map is never written.
var builtinGlobals = map[string]any{
	"range":     Func(globalRange),
	"dict":      Func(globalDict),
	"lipsum":    Func(globalLipsum),
	"cycler":    Func(globalCycler),
	"joiner":    Func(globalJoiner),
	"namespace": Func(globalNamespace),
}

func globalRange(s *State, args []any, kw Kwargs) (any, error) {
	if kw.Len() > 0 {
		return nil, typeErr("range() takes no keyword arguments")
	}
	ints := make([]int64, len(args))
	small := true
	for i, a := range args {
		if _, ok := a.(*big.Int); ok {
			small = false
			continue
		}
		n, ok := indexInt(a)
		if !ok {
			if u, isU := a.(*Undefined); isU {
				return nil, u.err()
			}
			return nil, typeErr("'%s' object cannot be interpreted as an integer", typeName(a))
		}
		// Beyond this the length arithmetic below could overflow.
		if n < -1<<61 || n > 1<<61 {
			small = false
		}
		ints[i] = n
	}
	switch len(ints) {
	case 0:
		return nil, typeErr("range expected at least 1 argument, got 0")
	case 1, 2, 3:
	default:
		return nil, typeErr("range expected at most 3 arguments, got %d", len(ints))
	}
	if !small {
		return bigRange(args)
	}
	var start, stop, step int64 = 0, 0, 1
	switch len(ints) {
	case 1:
		stop = ints[0]
	case 2:
		start, stop = ints[0], ints[1]
	case 3:
		start, stop, step = ints[0], ints[1], ints[2]
	}
	if step == 0 {
		return nil, newErr("ValueError", "range() arg 3 must not be zero")
	}
	var n int64
	if step > 0 && stop > start {
		n = (stop - start + step - 1) / step
	} else if step < 0 && stop < start {
		n = (start - stop - step - 1) / -step
	}
	if n > maxRange {
		return nil, rangeTooBig()
	}
	out := make([]any, n)
	v := start
	for i := range out {
		out[i] = v
		v += step
	}
	return &List{Items: out, rng: []any{start, stop, step}}, nil
}

func rangeTooBig() error {
	return newErr("OverflowError", "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).")
}

// bigRange is range() when an argument is beyond what int64 length
// arithmetic handles: Python's ints have no bound, so neither do the
// bounds; only the length must fit a C ssize_t (and then the sandbox's
// limit).
func bigRange(args []any) (any, error) {
	b := make([]*big.Int, len(args))
	for i, a := range args {
		b[i], _ = toBig(a)
	}
	start, stop, step := big.NewInt(0), b[0], big.NewInt(1)
	switch len(b) {
	case 2:
		start, stop = b[0], b[1]
	case 3:
		start, stop, step = b[0], b[1], b[2]
	}
	if step.Sign() == 0 {
		return nil, newErr("ValueError", "range() arg 3 must not be zero")
	}
	n := new(big.Int)
	if step.Sign() > 0 && stop.Cmp(start) > 0 {
		n.Sub(stop, start).Add(n, step).Sub(n, big.NewInt(1)).Quo(n, step)
	} else if step.Sign() < 0 && stop.Cmp(start) < 0 {
		n.Sub(start, stop).Sub(n, step).Sub(n, big.NewInt(1)).Quo(n, new(big.Int).Neg(step))
	}
	if !n.IsInt64() {
		return nil, newErr("OverflowError", "Python int too large to convert to C ssize_t")
	}
	if n.Int64() > maxRange {
		return nil, rangeTooBig()
	}
	out := make([]any, n.Int64())
	v := new(big.Int).Set(start)
	for i := range out {
		out[i] = shrink(new(big.Int).Set(v))
		v.Add(v, step)
	}
	return &List{Items: out, rng: []any{shrink(start), shrink(stop), shrink(step)}}, nil
}

func globalDict(s *State, args []any, kw Kwargs) (any, error) {
	d := &Dict{}
	if len(args) > 1 {
		return nil, typeErr("dict expected at most 1 argument, got %d", len(args))
	}
	if len(args) == 1 {
		if _, err := dictMethod(s, d, nil, "update", args, nil); err != nil {
			return nil, err
		}
	}
	if kw != nil {
		for i, k := range kw.keys {
			d.set(k, kw.vals[i])
		}
	}
	return d, nil
}

func globalNamespace(s *State, args []any, kw Kwargs) (any, error) {
	d, err := globalDict(s, args, kw)
	if err != nil {
		return nil, err
	}
	return &Namespace{d: d.(*Dict)}, nil
}

// cycler is what cycler() returns.
type cycler struct {
	items []any
	pos   int
}

func globalCycler(s *State, args []any, kw Kwargs) (any, error) {
	if len(args) == 0 {
		return nil, newErr("RuntimeError", "at least one item has to be provided")
	}
	return &cycler{items: append([]any{}, args...)}, nil
}

// joiner is what joiner() returns.
type joiner struct {
	sep   string
	used  bool
	dummy bool
}

func (j *joiner) Call(s *State, args []any, kw Kwargs) (any, error) {
	if !j.used {
		j.used = true
		return "", nil
	}
	return j.sep, nil
}

func globalJoiner(s *State, args []any, kw Kwargs) (any, error) {
	sep := ", "
	if len(args) > 0 {
		sep = mustStr(args[0])
	}
	if v, ok := kw.Get("sep"); ok {
		sep = mustStr(v)
	}
	return &joiner{sep: sep}, nil
}

const lipsumWords = "a ac accumsan ad adipiscing aenean aliquam aliquet amet ante aptent arcu at auctor augue bibendum blandit class commodo condimentum congue consectetuer consequat conubia convallis cras cubilia cum curabitur curae cursus dapibus diam dictum dictumst dignissim dis dolor donec dui duis egestas eget eleifend elementum elit enim erat eros est et etiam eu euismod facilisi facilisis fames faucibus felis fermentum feugiat fringilla fusce gravida habitant habitasse hac hendrerit hymenaeos iaculis id imperdiet in inceptos integer interdum ipsum justo lacinia lacus laoreet lectus leo libero ligula litora lobortis lorem luctus maecenas magna magnis malesuada massa mattis mauris metus mi molestie mollis montes morbi mus nam nascetur natoque nec neque netus nibh nisi nisl non nonummy nostra nulla nullam nunc odio orci ornare parturient pede pellentesque penatibus per pharetra phasellus placerat platea porta porttitor posuere potenti praesent pretium primis proin pulvinar purus quam quis quisque rhoncus ridiculus risus rutrum sagittis sapien scelerisque sed sem semper senectus sit sociis sociosqu sodales sollicitudin suscipit suspendisse taciti tellus tempor tempus tincidunt torquent tortor tristique turpis ullamcorper ultrices ultricies urna ut varius vehicula vel velit venenatis vestibulum vitae vivamus viverra volutpat vulputate"

// globalLipsum generates lorem ipsum text. Jinja2's is random; this one
// is deterministic (a template cannot tell the difference).
func globalLipsum(s *State, args []any, kw Kwargs) (any, error) {
	p, err := bindArgs("generate_lorem_ipsum", args, kw, []string{"n", "html", "min", "max"}, []any{int64(5), true, int64(20), int64(100)})
	if err != nil {
		return nil, err
	}
	n, _ := indexInt(p[0])
	min, _ := indexInt(p[2])
	words := strings.Fields(lipsumWords)
	var paras []string
	k := 0
	for i := int64(0); i < n; i++ {
		count := int(min) + int(i*7)%40
		var b strings.Builder
		for j := 0; j < count; j++ {
			w := words[k%len(words)]
			k += 7
			if j == 0 {
				w = pyCapitalize(w)
			}
			if j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(w)
		}
		b.WriteByte('.')
		paras = append(paras, b.String())
	}
	if truthy(p[1]) {
		for i, para := range paras {
			paras[i] = "<p>" + escapeHTML(para) + "</p>"
		}
		return Markup(strings.Join(paras, "\n")), nil
	}
	return strings.Join(paras, "\n\n"), nil
}

// bindArgs binds positional and keyword arguments to named parameters with
// defaults (nil default entries mean required when required is set).
func bindArgs(fname string, args []any, kw *Dict, names []string, defaults []any) ([]any, error) {
	if len(args) > len(names) {
		return nil, typeErr("%s() takes from 0 to %d positional arguments but %d were given", fname, len(names), len(args))
	}
	out := make([]any, len(names))
	copy(out, defaults)
	copy(out, args)
	if kw != nil {
	next:
		for i, k := range kw.keys {
			ks, _ := k.(string)
			for j, n := range names {
				if n == ks {
					if j < len(args) {
						return nil, typeErr("%s() got multiple values for argument %s", fname, pyRepr(ks))
					}
					out[j] = kw.vals[i]
					continue next
				}
			}
			return nil, typeErr("%s() got an unexpected keyword argument %s", fname, pyRepr(ks))
		}
	}
	var missing []string
	for i, v := range out {
		if v == required {
			missing = append(missing, pyRepr(names[i]))
		}
	}
	switch len(missing) {
	case 0:
		return out, nil
	case 1:
		return nil, typeErr("%s() missing 1 required positional argument: %s", fname, missing[0])
	}
	return nil, typeErr("%s() missing %d required positional arguments: %s and %s", fname, len(missing),
		strings.Join(missing[:len(missing)-1], ", "), missing[len(missing)-1])
}

// requiredArg marks a parameter without a default in bindArgs.
type requiredArg struct{}

var required any = &requiredArg{}
