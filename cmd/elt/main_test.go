package main

import (
	"os"
	"testing"
)

// TestMain lets tests run the real elt binary as a child process: the test
// binary re-executes itself with ELT_TEST_MAIN=1 and behaves as `elt`.
func TestMain(m *testing.M) {
	if os.Getenv("ELT_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}
