// Package asciifold folds names as SQL engines fold unquoted identifiers.
package asciifold

// Lower is s with its ASCII letters in lower case, and every other byte
// as it is: what PostgreSQL makes of an unquoted name.
func Lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
