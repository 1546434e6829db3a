package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfiles starts a CPU profile when ELT_CPUPROFILE names a file and
// returns a function that stops it and, when ELT_MEMPROFILE names a file,
// writes a heap profile. They are for measuring elt itself; nothing else
// reads these variables.
func startProfiles(lookupEnv func(string) (string, bool)) (stop func()) {
	var cpu *os.File
	if path, ok := lookupEnv("ELT_CPUPROFILE"); ok && path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "ELT_CPUPROFILE: %v\n", err)
		} else if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(os.Stderr, "ELT_CPUPROFILE: %v\n", err)
			_ = f.Close()
		} else {
			cpu = f
		}
	}
	return func() {
		if cpu != nil {
			pprof.StopCPUProfile()
			_ = cpu.Close()
		}
		if path, ok := lookupEnv("ELT_MEMPROFILE"); ok && path != "" {
			f, err := os.Create(path)
			if err != nil {
				fmt.Fprintf(os.Stderr, "ELT_MEMPROFILE: %v\n", err)
				return
			}
			defer f.Close()
			runtime.GC()
			if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
				fmt.Fprintf(os.Stderr, "ELT_MEMPROFILE: %v\n", err)
			}
		}
	}
}
