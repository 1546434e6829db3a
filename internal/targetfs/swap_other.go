//go:build !linux

package targetfs

import (
	"io"
	"os"
)

// writeSwap is Linux's: elsewhere WriteSwap writes as WriteAtomicInfo does.
func (d *Dir) writeSwap(name, spare string, write func(io.Writer) error) (os.FileInfo, error) {
	return nil, errNoSwap
}

// holdForReading needs no lock where WriteSwap never writes in place.
func holdForReading(f *os.File) bool { return true }
