package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"sync"
	"time"
)

// startProfiles writes a CPU profile to $ELT_CPUPROFILE and, when the
// returned function runs, a heap profile to $ELT_MEMPROFILE: both are for
// finding where elt spends its time (go tool pprof), and off unless set.
// $ELT_PEAKPROFILE names a heap profile rewritten whenever the live heap
// (as of the last garbage collection) has grown a tenth past the last one
// written, so that it shows what was held when memory peaked.
func startProfiles(stderr io.Writer) (stop func()) {
	var stops []func()
	if path := os.Getenv("ELT_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(stderr, "elt: ELT_CPUPROFILE: %v\n", err)
		} else {
			stops = append(stops, func() {
				pprof.StopCPUProfile()
				f.Close()
			})
		}
	}
	if path := os.Getenv("ELT_MEMPROFILE"); path != "" {
		stops = append(stops, func() {
			if err := writeHeapProfile(path, true); err != nil {
				fmt.Fprintf(stderr, "elt: ELT_MEMPROFILE: %v\n", err)
			}
		})
	}
	if path := os.Getenv("ELT_PEAKPROFILE"); path != "" {
		stops = append(stops, watchPeakHeap(path, stderr))
	}
	return func() {
		for _, s := range stops {
			s()
		}
	}
}

func writeHeapProfile(path string, gc bool) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if gc {
		runtime.GC()
	}
	err = pprof.WriteHeapProfile(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// watchPeakHeap polls the live heap and rewrites the profile at path as
// it grows; the returned function stops it and reports the peak.
func watchPeakHeap(path string, stderr io.Writer) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var written uint64
	wg.Add(1)
	go func() {
		defer wg.Done()
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			metrics.Read(sample)
			if sample[0].Value.Kind() != metrics.KindUint64 {
				return
			}
			live := sample[0].Value.Uint64()
			if live > written+written/10 {
				if err := writeHeapProfile(path, false); err != nil {
					fmt.Fprintf(stderr, "elt: ELT_PEAKPROFILE: %v\n", err)
					return
				}
				written = live
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		fmt.Fprintf(stderr, "elt: ELT_PEAKPROFILE: live heap peaked at %d MiB\n", written>>20)
	}
}

// memProfileRate is the heap profile's sampling rate for this run: Go's
// default (a stack recorded every 512 KiB allocated) when ELT_MEMPROFILE
// or ELT_PEAKPROFILE asks for a heap profile or GODEBUG sets
// memprofilerate, else none, which spares some 7% of `elt ls`'s CPU.
func memProfileRate(getenv func(string) string, rate int) int {
	if getenv("ELT_MEMPROFILE") != "" || getenv("ELT_PEAKPROFILE") != "" || strings.Contains(getenv("GODEBUG"), "memprofilerate=") {
		return rate
	}
	return 0
}
