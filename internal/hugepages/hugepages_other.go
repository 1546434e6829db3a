//go:build !linux

package hugepages

// Advise does nothing but on Linux.
func Advise(n int) (bool, error) { return false, nil }
