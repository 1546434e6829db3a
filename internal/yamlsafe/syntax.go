package yamlsafe

import (
	"bytes"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/lazyre"
)

// lineRe finds the line number yaml.v3 puts in its syntax errors
// ("yaml: line 3: ...").
var lineRe = lazyre.New(`^yaml: line (\d+): (.*)$`)

// SyntaxError locates err, a syntax error yaml.v3 returned for src: the
// line and column of the mistake (0, 0 when it cannot be found) and the
// message without yaml.v3's prefix. reported is the line yaml.v3 named,
// 0 when none.
//
// yaml.v3 reports the line where the enclosing block starts, which can be
// far above the mistake, and no line at all for problems on the first line
// and for bytes it cannot read (control characters, bad UTF-8). The first
// prefix of the file that fails with the same message ends at the line that
// holds the mistake; the column is that line's first non-blank character.
// In a UTF-16 file (with its byte order mark) the line is yaml.v3's.
func SyntaxError(src []byte, err error) (line, col int, msg string, reported int) {
	msg = strings.TrimPrefix(err.Error(), "yaml: ")
	from := 1
	if m := lineRe().FindStringSubmatch(err.Error()); m != nil {
		reported, _ = strconv.Atoi(m[1])
		msg = m[2]
		from = reported
	}
	if utf16BOM(src) {
		// yaml.v3 reads the file as UTF-16: its lines are not the bytes'.
		return from, 0, msg, reported
	}
	line, col = problemPos(src, msg, from)
	if line == 0 {
		line = reported
	}
	return line, col, msg, reported
}

// utf16BOM reports a UTF-16 byte order mark, by which yaml.v3 decodes a
// file as UTF-16.
func utf16BOM(src []byte) bool {
	return len(src) >= 2 && (src[0] == 0xff && src[1] == 0xfe || src[0] == 0xfe && src[1] == 0xff)
}

func problemPos(src []byte, msg string, from int) (line, col int) {
	lines := bytes.SplitAfter(src, []byte("\n"))
	fails := func(n int) bool {
		var doc yaml.Node
		err := yaml.Unmarshal(bytes.Join(lines[:n], nil), &doc)
		return err != nil && strings.HasSuffix(err.Error(), ": "+msg)
	}
	lo, hi := max(from, 1), len(lines)
	if hi < lo || !fails(hi) {
		return from, 0
	}
	for lo < hi { // the smallest n with fails(n)
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	text := string(lines[lo-1])
	return lo, len(text) - len(strings.TrimLeft(text, " \t")) + 1
}
