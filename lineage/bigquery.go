package lineage

// duckDBReadable rewrites BigQuery SQL so that DuckDB's parser reads it,
// without moving a byte, so positions stay those of the compiled SQL:
// `quoted` identifiers become "quoted", "text" string literals become
// 'text' ("it's" becomes 'it"s'), and a # comment becomes a -- comment.
// What cannot be rewritten in place (an identifier holding a ", a
// backslash escape) is left as it is, for the parser to refuse.
func duckDBReadable(sql string) string {
	b := []byte(sql)
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '\'':
			i = skipQuoted(b, i, '\'')
		case c == '-' && i+1 < len(b) && b[i+1] == '-':
			i = skipLine(b, i)
		case c == '/' && i+1 < len(b) && b[i+1] == '*':
			for i += 2; i+1 < len(b) && !(b[i] == '*' && b[i+1] == '/'); i++ {
			}
			i++
		case c == '#':
			if i+1 < len(b) && b[i+1] != '\n' && b[i+1] != '\r' {
				b[i], b[i+1] = '-', '-'
			} else {
				b[i] = ' '
			}
			i = skipLine(b, i)
		case c == '`' || c == '"':
			end := skipQuoted(b, i, c)
			if end >= len(b) {
				return string(b)
			}
			body := b[i+1 : end]
			to := byte('"') // an identifier
			if c == '"' {
				to = '\'' // a string
			}
			switch {
			case !containsAny(body, to, '\\'):
				b[i], b[end] = to, to
			case c == '"' && !containsAny(body, '\\'):
				// "it's": a string still, its ' read as ", which
				// changes its text but not what lineage sees of it
				// (a literal), where an identifier would be a column.
				b[i], b[end] = to, to
				for k := range body {
					if body[k] == '\'' {
						body[k] = '"'
					}
				}
			}
			i = end
		}
	}
	return string(b)
}

// skipQuoted returns the index of the quote closing the one at i (a
// backslash escapes the next byte, as in BigQuery), or len(b).
func skipQuoted(b []byte, i int, q byte) int {
	for i++; i < len(b); i++ {
		if b[i] == '\\' {
			i++
			continue
		}
		if b[i] == q {
			return i
		}
	}
	return len(b)
}

func skipLine(b []byte, i int) int {
	for i < len(b) && b[i] != '\n' {
		i++
	}
	return i
}

func containsAny(b []byte, cs ...byte) bool {
	for _, x := range b {
		for _, c := range cs {
			if x == c {
				return true
			}
		}
	}
	return false
}
