// Command elt is a SQL-first ELT tool that reads dbt-format projects.
// This file is wiring only: everything testable lives behind run().
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/elt-dev/elt/internal/hugepages"
)

func main() {
	runtime.MemProfileRate = memProfileRate(os.Getenv, runtime.MemProfileRate)
	var moreHugePages func(int) (bool, error)
	if adviseHugePages(os.Getenv, os.Args[1:], os.Stderr, hugepages.Advise) {
		moreHugePages = hugepages.Advise
	}
	paceGC(os.Getenv)
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		// The first signal cancels running queries and lets elt write its
		// artifacts; a second one stops at once.
		sig := <-sigs
		cancel(signalError{sig})
		sig = <-sigs
		os.Exit(exitCodeFor(sig))
	}()
	stopProfiles := startProfiles(os.Stderr)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, moreHugePages)
	stopProfiles()
	cancel(nil)
	os.Exit(code)
}
