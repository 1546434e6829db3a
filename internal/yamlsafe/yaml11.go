package yamlsafe

import (
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/lazyre"
	"github.com/elt-dev/elt/jinja"
)

// dbt reads every YAML file of a project (and fromyaml, --vars) with
// PyYAML's SafeLoader, which resolves plain scalars by the YAML 1.1 rules:
// yes/no/on/off are booleans, 017 is octal, 1:30 is 90 in base 60, 1e3
// (no dot, no exponent sign) is a string. yaml.v3 follows YAML 1.2. The
// patterns below are PyYAML's resolver patterns (yaml/resolver.py), written
// without its verbose-mode spacing; a plain scalar is tried against them
// in the order PyYAML tries them.
var (
	py11Float = lazyre.New(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?` +
		`|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?` +
		`|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*` +
		`|[-+]?\.(?:inf|Inf|INF)` +
		`|\.(?:nan|NaN|NAN))$`)
	py11Int = lazyre.New(`^(?:[-+]?0b[0-1_]+` +
		`|[-+]?0[0-7_]+` +
		`|[-+]?(?:0|[1-9][0-9_]*)` +
		`|[-+]?0x[0-9a-fA-F_]+` +
		`|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	py11Timestamp = lazyre.New(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]` +
		`|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?` +
		`(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?` +
		`(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$`)
)

// Tags Resolve11 gives a plain scalar.
const (
	tagStr       = "!!str"
	tagBool      = "!!bool"
	tagInt       = "!!int"
	tagFloat     = "!!float"
	tagNull      = "!!null"
	tagTimestamp = "!!timestamp"
	tagMerge     = "!!merge"
)

// resolve11 is what PyYAML's SafeLoader makes of the plain scalar s: its
// tag and value (bool, int64, float64 or nil; the text for a string and a
// timestamp). ok is false for an int too large for an int64 (PyYAML's ints
// are unbounded) and for the few texts PyYAML's resolver calls numbers but
// its constructor refuses (0b_, 0x_: a ValueError in dbt); the caller keeps
// yaml.v3's reading of those.
func resolve11(s string) (tag string, v any, ok bool) {
	switch s {
	case "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON":
		return tagBool, true, true
	case "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF":
		return tagBool, false, true
	case "", "~", "null", "Null", "NULL":
		return tagNull, nil, true
	case "<<":
		return tagMerge, s, true
	}
	// Every number and timestamp starts with one of these; most scalars
	// (names, descriptions, SQL) do not, and need no pattern.
	if c := s[0]; c != '-' && c != '+' && c != '.' && (c < '0' || c > '9') {
		return tagStr, s, true
	}
	if tag, v, ok := simpleNumber(s); ok {
		return tag, v, true
	}
	switch {
	case py11Float().MatchString(s):
		f, ok := float11(s)
		return tagFloat, f, ok
	case py11Int().MatchString(s):
		i, ok := int11(s)
		return tagInt, i, ok
	case py11Timestamp().MatchString(s):
		return tagTimestamp, s, true
	}
	return tagStr, s, true
}

// simpleNumber reads the numbers most files hold, 12 and 3.5 (digits, a
// dot, digits; no sign, exponent or underscore), without the patterns,
// which cost more than the rest of the resolution. ok is false for any
// other text.
func simpleNumber(s string) (tag string, v any, ok bool) {
	dot := strings.IndexByte(s, '.')
	digits := func(t string) bool {
		for i := 0; i < len(t); i++ {
			if t[i] < '0' || t[i] > '9' {
				return false
			}
		}
		return true
	}
	switch {
	case dot < 0 && digits(s) && (s[0] != '0' || s == "0"):
		// A leading 0 is octal (017), or no int at all (08).
		i, err := strconv.ParseInt(s, 10, 64)
		return tagInt, i, err == nil
	case dot > 0 && digits(s[:dot]) && digits(s[dot+1:]):
		f, err := strconv.ParseFloat(s, 64)
		return tagFloat, f, err == nil
	}
	return "", nil, false
}

// int11 is PyYAML's construct_yaml_int: underscores dropped, then 0b
// binary, 0x hex, a leading 0 octal, colons base 60, else decimal.
func int11(s string) (int64, bool) {
	s = strings.ReplaceAll(s, "_", "")
	neg := s[0] == '-'
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	var n big.Int
	var ok bool
	switch {
	case s == "0":
		return 0, true
	case strings.HasPrefix(s, "0b"):
		_, ok = n.SetString(s[2:], 2)
	case strings.HasPrefix(s, "0x"):
		_, ok = n.SetString(s[2:], 16)
	case s[0] == '0':
		_, ok = n.SetString(s, 8)
	case strings.Contains(s, ":"):
		ok = base60Int(&n, s)
	default:
		_, ok = n.SetString(s, 10)
	}
	if neg {
		n.Neg(&n)
	}
	if !ok || !n.IsInt64() {
		return 0, false
	}
	return n.Int64(), true
}

// base60Int sets n to the sexagesimal s ("1:30" is 90).
func base60Int(n *big.Int, s string) bool {
	sixty := big.NewInt(60)
	for part := range strings.SplitSeq(s, ":") {
		var d big.Int
		if _, ok := d.SetString(part, 10); !ok {
			return false
		}
		n.Mul(n, sixty).Add(n, &d)
	}
	return true
}

// float11 is PyYAML's construct_yaml_float: underscores dropped, .inf
// and .nan, colons base 60, else the decimal.
func float11(s string) (float64, bool) {
	s = strings.ToLower(strings.ReplaceAll(s, "_", ""))
	sign := 1.0
	if s[0] == '-' {
		sign = -1
	}
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	switch {
	case s == ".inf":
		return sign * math.Inf(1), true
	case s == ".nan":
		return math.NaN(), true
	case strings.Contains(s, ":"):
		// Summed from the last part, as PyYAML does, for the same rounding.
		parts := strings.Split(s, ":")
		v, base := 0.0, 1.0
		for i := len(parts) - 1; i >= 0; i-- {
			d, ok := parseFloat(parts[i])
			if !ok {
				return 0, false
			}
			v += d * base
			base *= 60
		}
		return sign * v, true
	}
	f, ok := parseFloat(s)
	return sign * f, ok
}

// parseFloat reads a decimal as Python's float() does: beyond the range of
// a float64 it is infinite, not an error.
func parseFloat(s string) (float64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true
}

// pyFloat spells f as Python's repr does (1000.0, 1e+16), infinities and
// NaN as YAML's .inf and .nan, so that yaml.v3 reads back the same float.
func pyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	case math.IsNaN(f):
		return ".nan"
	}
	return jinja.FloatRepr(f)
}

// explicitStyle marks a scalar whose tag or quotes were written: YAML 1.1
// resolution is for plain, untagged scalars only.
const explicitStyle = yaml.TaggedStyle | yaml.DoubleQuotedStyle | yaml.SingleQuotedStyle | yaml.LiteralStyle | yaml.FoldedStyle

// Resolve11Scalar gives the plain, untagged scalar n the tag PyYAML's
// SafeLoader would, with a value yaml.v3 reads back under that tag: n.Decode
// and every reader of n.Tag then see what dbt sees. Other nodes are left
// alone. Only a value yaml.v3 would read otherwise is respelled: a YAML
// 1.1 boolean (yes, off) as Python prints it (True, False), a base-60 int
// in decimal (1:30 is 90), such a float as Python's repr; a number YAML 1.2
// reads but PyYAML does not (1e3, 0o17, +.5) keeps its text as a string.
//
// A timestamp (2020-01-01, 2020-01-01 12:00:00) is a string too: PyYAML
// makes a Python date or datetime of it, which dbt prints (and str() and
// a Jinja {{ }} give) as the text written in these common forms; elt has
// no date value that prints the same. Other forms (with a T, a zone,
// fractions of a second or one-digit fields) print otherwise in dbt
// (2020-01-01 12:00:00+00:00 for 2020-01-01 12:00:00Z). A scalar tagged with the bare "!" is read as plain
// (yaml.v3 drops that tag), where PyYAML makes it a string.
func Resolve11Scalar(n *yaml.Node) {
	if n == nil || n.Kind != yaml.ScalarNode || n.Style&explicitStyle != 0 {
		return
	}
	tag, v, ok := resolve11(n.Value)
	if !ok {
		return
	}
	switch tag {
	case tagBool:
		if n.Tag != tagBool { // yes/no/on/off: yaml.v3 reads true/True/TRUE only
			n.Value = "False"
			if v.(bool) {
				n.Value = "True"
			}
		}
	case tagInt:
		if i := v.(int64); n.Tag != tagInt || !sameInt(n.Value, i) {
			n.Value = strconv.FormatInt(i, 10)
		}
	case tagFloat:
		if f := v.(float64); n.Tag != tagFloat || !sameFloat(n.Value, f) {
			n.Value = pyFloat(f)
		}
	case tagTimestamp:
		tag = tagStr
	}
	n.Tag = tag
}

// sameInt reports whether yaml.v3 reads s, an int it resolved, as i. The
// text is kept where it does, for the readers of a scalar's text: a
// password: 0123 read as a string is still 0123.
func sameInt(s string, i int64) bool {
	j, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 0, 64)
	return err == nil && j == i
}

// sameFloat reports whether yaml.v3 reads s, a float it resolved, as f.
func sameFloat(s string, f float64) bool {
	g, ok := parseFloat(strings.ReplaceAll(s, "_", ""))
	return ok && (g == f || math.IsNaN(g) && math.IsNaN(f))
}

// Resolve11 applies Resolve11Scalar to every value under n (a document
// or any node). Mapping keys keep yaml.v3's reading: elt's mappings are
// keyed by the text of their keys, and dbt looks every key it knows up by
// its text, so a key PyYAML would make a boolean or a number (on:, 1:) is
// one dbt cannot find by name either; keeping its text lets elt name it
// in messages. fromyaml, whose dictionaries take any key, uses
// Resolve11Keys. Aliases are not followed: the node an alias names is
// resolved where it is written.
func Resolve11(n *yaml.Node) { resolve11Tree(n, false) }

// Resolve11Keys is Resolve11 for keys too, as PyYAML resolves them: a key
// on: is True.
func Resolve11Keys(n *yaml.Node) { resolve11Tree(n, true) }

func resolve11Tree(n *yaml.Node, keys bool) {
	if n == nil {
		return
	}
	switch n.Kind {
	case yaml.ScalarNode:
		Resolve11Scalar(n)
	case yaml.MappingNode:
		for i, c := range n.Content {
			if i%2 == 1 || keys {
				resolve11Tree(c, keys)
			}
		}
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			resolve11Tree(c, keys)
		}
	}
}

// Unmarshal11 is yaml.Unmarshal with the plain scalars of src read as
// dbt's YAML loader reads them (Resolve11), for a value given on the
// command line or in the environment that dbt reads as YAML.
func Unmarshal11(src []byte, out any) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return err
	}
	if doc.Kind == 0 {
		return nil // no document: out is left as it is, as yaml.Unmarshal leaves it
	}
	Resolve11(&doc)
	return doc.Decode(out)
}

// ResolvesToString reports whether PyYAML reads the plain scalar s back as
// a string (not a bool, number, null, timestamp, merge key or "=" value),
// which its dumper needs to write s plain.
func ResolvesToString(s string) bool {
	if s == "=" {
		return false
	}
	tag, _, _ := resolve11(s)
	return tag == tagStr
}
