package main

import (
	"context"
	"errors"
	"os"
	"syscall"
)

// signalError is the cancellation cause when a signal stops a run.
type signalError struct{ sig os.Signal }

func (e signalError) Error() string { return "interrupted by " + e.sig.String() }

// exitCodeFor follows the shell convention 128+signal: 130 for SIGINT, 143 for SIGTERM.
func exitCodeFor(sig os.Signal) int {
	if sig == syscall.SIGTERM {
		return exitSIGTERM
	}
	return exitSIGINT
}

// cancelledExit is the exit code when ctx was cancelled, by a signal or otherwise.
func cancelledExit(ctx context.Context) int {
	var se signalError
	if errors.As(context.Cause(ctx), &se) {
		return exitCodeFor(se.sig)
	}
	return exitSIGINT
}
