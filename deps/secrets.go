package deps

import (
	"sort"
	"strings"
	"sync"
)

// secretSet holds secret values met in this run (DBT_ENV_SECRET_* values,
// tokens of private-package providers) so that no message carries them.
type secretSet struct {
	mu     sync.Mutex
	values []string
}

func (s *secretSet) add(values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range values {
		// Very short values would scrub ordinary text; elt's rule elsewhere.
		if len(v) >= 3 {
			s.values = append(s.values, v)
		}
	}
	sort.Slice(s.values, func(i, j int) bool { return len(s.values[i]) > len(s.values[j]) })
}

// scrub replaces every secret in text with *****.
func (s *secretSet) scrub(text string) string {
	if s == nil {
		return text
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.values {
		text = strings.ReplaceAll(text, v, "*****")
	}
	return text
}
