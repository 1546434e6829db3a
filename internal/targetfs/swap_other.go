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
