// Package secrets keeps the secret values of one invocation (the values of
// DBT_ENV_SECRET_* environment variables and the secret fields of the
// profile) and scrubs them from text before it reaches a terminal, a log or
// an artifact. Matching ignores case, because warehouses often echo a value
// folded to lower or upper case in their error messages.
package secrets

import (
	"encoding/json"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// EnvPrefix marks an environment variable whose value is a secret, as in dbt.
const EnvPrefix = "DBT_ENV_SECRET_"

// Mask replaces every secret value.
const Mask = "*****"

// minLen is the shortest value treated as a secret: scrubbing every "a" or
// "1" from the output would make it unreadable and protect nothing.
const minLen = 3

// wordLen: a secret shorter than this is masked only as a word of its own
// (not inside a longer name or word), so a short password that is also a
// common word ("elt", "admin") does not mask every name that holds it.
const wordLen = 8

// Set is the secret values of one invocation. Its methods are safe for
// concurrent use; values can be added once the profile is read.
type Set struct {
	mu     sync.RWMutex
	values map[string]bool
	re     *regexp.Regexp
}

// FromEnviron returns a set holding the values of the DBT_ENV_SECRET_*
// variables of environ ("KEY=value" entries, as os.Environ gives them).
func FromEnviron(environ []string) *Set {
	s := &Set{}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if ok && strings.HasPrefix(k, EnvPrefix) {
			s.Add(v)
		}
	}
	return s
}

// IsSecretEnv reports whether the environment variable name holds a secret.
func IsSecretEnv(name string) bool { return strings.HasPrefix(name, EnvPrefix) }

// Add adds values to the set.
func (s *Set) Add(values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := false
	for _, v := range values {
		v = strings.TrimSpace(v)
		if len(v) < minLen {
			continue
		}
		// The JSON log format escapes quotes, backslashes and control
		// characters: scrub the escaped form too.
		for _, form := range []string{v, jsonEscaped(v)} {
			if s.values[form] {
				continue
			}
			if s.values == nil {
				s.values = map[string]bool{}
			}
			s.values[form] = true
			changed = true
		}
	}
	if !changed {
		return
	}
	all := make([]string, 0, len(s.values))
	for v := range s.values {
		all = append(all, v)
	}
	// Longest first, so a secret that contains another is masked whole.
	sort.Slice(all, func(i, j int) bool {
		if len(all[i]) != len(all[j]) {
			return len(all[i]) > len(all[j])
		}
		return all[i] < all[j]
	})
	for i, v := range all {
		q := regexp.QuoteMeta(v)
		if len(v) < wordLen {
			if isWordByte(v[0]) {
				q = `\b` + q
			}
			if isWordByte(v[len(v)-1]) {
				q += `\b`
			}
		}
		all[i] = q
	}
	s.re = regexp.MustCompile("(?i)" + strings.Join(all, "|"))
}

// Scrub replaces every secret in text, in any letter case, with Mask.
func (s *Set) Scrub(text string) string {
	if s == nil {
		return text
	}
	s.mu.RLock()
	re := s.re
	s.mu.RUnlock()
	if re == nil {
		return text
	}
	return re.ReplaceAllLiteralString(text, Mask)
}

// Writer returns a writer that scrubs each write before passing it to w.
// elt writes whole lines per call, so a secret is never split between two
// writes.
func (s *Set) Writer(w io.Writer) io.Writer { return &writer{s: s, w: w} }

type writer struct {
	s *Set
	w io.Writer
}

func (w *writer) Write(p []byte) (int, error) {
	clean := w.s.Scrub(string(p))
	if _, err := io.WriteString(w.w, clean); err != nil {
		return 0, err
	}
	return len(p), nil
}

// isWordByte is \w of the regular expressions: a letter, digit or _.
func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// jsonEscaped is v as it appears inside a JSON string.
func jsonEscaped(v string) string {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	return string(b[1 : len(b)-1])
}
