package project

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/lazyre"
	"github.com/elt-dev/elt/internal/yamlsafe"
	"github.com/elt-dev/elt/jinja"
)

// The checksum of a unit test is dbt's UnitTestDefinition
// build_unit_test_checksum (contracts/graph/nodes.py): the sha256 hex of
//
//	f"{model}-{versions}-{given}-{expect}-{overrides}"
//
// followed by f"-{input.rows}" for each given input read from a fixture
// file, every part printed as Python prints it (the dataclasses'
// generated repr, dicts in the order written) after the rows were
// normalized (csv read into dicts, a seed's rows loaded, the first row
// holding no None moved to the top).

// unitTestChecksums sets the Checksum of every unit test; the fixtures'
// rows must be complete (seed inputs resolved).
func (l *loader) unitTestChecksums() {
	for _, ut := range l.proj.UnitTests {
		ut.Checksum = ut.checksum()
	}
}

func (ut *UnitTest) checksum() string {
	var b strings.Builder
	b.WriteString(ut.Model)
	b.WriteString("-")
	b.WriteString(ut.Versions.pyRepr())
	b.WriteString("-[")
	for i, fx := range ut.Given {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(fx.pyRepr(true))
	}
	b.WriteString("]-")
	b.WriteString(ut.Expect.pyRepr(false))
	b.WriteString("-")
	b.WriteString(ut.overridesRepr)
	for _, fx := range ut.Given {
		if fx.Fixture != "" {
			// f"-{input.rows}": str(), so a sql fixture's text unquoted.
			b.WriteString("-")
			if fx.Format == "sql" {
				b.WriteString(fx.SQL)
			} else {
				b.WriteString(fx.rowsRepr())
			}
		}
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// pyRepr is dbt's UnitTestNodeVersions as Python prints it, None when
// the unit test has no versions:.
func (v *UnitTestVersions) pyRepr() string {
	if v == nil {
		return "None"
	}
	list := func(l []any) string {
		if l == nil {
			return "None"
		}
		return jinja.Repr(l)
	}
	return "UnitTestNodeVersions(include=" + list(v.IncludeValues) + ", exclude=" + list(v.ExcludeValues) + ")"
}

// pyRepr is dbt's UnitTestInputFixture (input true) or
// UnitTestOutputFixture as Python prints it.
func (fx *UnitTestFixture) pyRepr(input bool) string {
	if fx == nil {
		return "None"
	}
	var b strings.Builder
	if input {
		b.WriteString("UnitTestInputFixture(input=" + jinja.Repr(fx.Input) + ", ")
	} else {
		b.WriteString("UnitTestOutputFixture(")
	}
	fixture := "None"
	if fx.Fixture != "" {
		fixture = jinja.Repr(fx.Fixture)
	}
	// UnitTestFormat is a str Enum: Enum's repr.
	format := map[string]string{"dict": "Dict", "csv": "CSV", "sql": "SQL"}[fx.Format]
	fmt.Fprintf(&b, "rows=%s, format=<UnitTestFormat.%s: %s>, fixture=%s)", fx.rowsRepr(), format, jinja.Repr(fx.Format), fixture)
	return b.String()
}

// rowsRepr is a fixture's rows as Python prints them: the sql text of a
// sql fixture, else the list of row dicts with the first row holding no
// None moved to the top (dbt's _promote_first_non_none_row).
func (fx *UnitTestFixture) rowsRepr() string {
	if fx.Format == "sql" {
		return jinja.Repr(fx.SQL)
	}
	reprs := fx.rowReprs
	for i, row := range fx.Rows {
		full := true
		for _, v := range row {
			if v == nil {
				full = false
				break
			}
		}
		if full {
			if i > 0 {
				reprs = append([]string(nil), reprs...)
				reprs[0], reprs[i] = reprs[i], reprs[0]
			}
			break
		}
	}
	return "[" + strings.Join(reprs, ", ") + "]"
}

// csvRowRepr is a row read from csv as Python prints its dict: header
// order, values strings or None.
func csvRowRepr(header []string, row map[string]any) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, h := range header {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(jinja.Repr(h) + ": " + jinja.Repr(row[h]))
	}
	b.WriteByte('}')
	return b.String()
}

// pyReprNode is the value PyYAML's SafeLoader makes of n, as Python
// prints it: mappings in the order written, YAML 1.1 scalars as
// scalarValue reads them, timestamps as datetime.date or
// datetime.datetime.
func pyReprNode(n *yaml.Node) string {
	n = deref(n)
	if n == nil {
		return "None"
	}
	switch n.Kind {
	case yaml.MappingNode:
		var b strings.Builder
		b.WriteByte('{')
		for i, p := range pairs(n) {
			if i > 0 {
				b.WriteString(", ")
			}
			// PyYAML resolves keys as it resolves values (on: is True).
			key := *deref(p.KeyNode)
			yamlsafe.Resolve11Scalar(&key)
			b.WriteString(pyReprNode(&key) + ": " + pyReprNode(p.Val))
		}
		b.WriteByte('}')
		return b.String()
	case yaml.SequenceNode:
		parts := make([]string, len(n.Content))
		for i, c := range n.Content {
			parts[i] = pyReprNode(c)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case yaml.ScalarNode:
		if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle|yaml.TaggedStyle) == 0 && n.Tag == "!!str" {
			if r := pyTimestampRepr(n.Value); r != "" {
				return r
			}
		}
		return jinja.Repr(scalarValue(n))
	}
	return "None"
}

// pyTimestamp is PyYAML's timestamp: its implicit resolver (a date has
// two-digit month and day) and the groups construct_yaml_timestamp reads.
var pyTimestamp = lazyre.New(`^(?:([0-9]{4})-([0-9]{2})-([0-9]{2})|([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?)$`)

// pyTimestampRepr is a plain scalar PyYAML reads as a timestamp, as
// Python prints the date or datetime it makes ("" for any other text):
// naive without a zone, else with datetime.timezone of the offset.
// (elt's YAML 1.1 resolver leaves timestamps strings.)
func pyTimestampRepr(text string) string {
	m := pyTimestamp().FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	num := func(s string) int {
		n, _ := strconv.Atoi(s)
		return n
	}
	if m[1] != "" {
		return fmt.Sprintf("datetime.date(%d, %d, %d)", num(m[1]), num(m[2]), num(m[3]))
	}
	args := fmt.Sprintf("%d, %d, %d, %d, %d", num(m[4]), num(m[5]), num(m[6]), num(m[7]), num(m[8]))
	second, micro := num(m[9]), 0
	if f := m[10]; f != "" {
		if len(f) > 6 {
			f = f[:6]
		}
		micro = num(f + strings.Repeat("0", 6-len(f)))
	}
	// datetime's repr drops a zero microsecond, then a zero second.
	if micro != 0 {
		args += fmt.Sprintf(", %d, %d", second, micro)
	} else if second != 0 {
		args += fmt.Sprintf(", %d", second)
	}
	if m[11] != "" {
		offset := 0
		if m[12] != "" {
			offset = num(m[13])*3600 + num(m[14])*60
			if m[12] == "-" {
				offset = -offset
			}
		}
		switch {
		case offset == 0:
			args += ", tzinfo=datetime.timezone.utc"
		case offset > 0:
			args += fmt.Sprintf(", tzinfo=datetime.timezone(datetime.timedelta(seconds=%d))", offset)
		default:
			// timedelta keeps seconds in [0, 86400) and borrows a day.
			days := (offset - 86399) / 86400
			args += fmt.Sprintf(", tzinfo=datetime.timezone(datetime.timedelta(days=%d, seconds=%d))", days, offset-days*86400)
		}
	}
	return "datetime.datetime(" + args + ")"
}
