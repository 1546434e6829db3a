// Command elt-bench measures the elt binary as a user runs it, on
// synthetic projects that package benchgen writes: compile, ls, partial
// compile, run against an in-process floor, and seed against DuckDB's own
// read_csv. This file is wiring only: everything lives behind run().
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
