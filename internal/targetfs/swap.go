package targetfs

import (
	"errors"
	"io"
	"os"
	"strings"
)

// WriteSwap writes name as WriteAtomicInfo does, through a spare file kept
// beside it instead of a new one: write overwrites the spare in place,
// and the spare is then exchanged with name in one step (Linux's
// renameat2 RENAME_EXCHANGE), so that readers see the old file or the new
// one, and the old contents are the next write's spare. A large file
// written this way is neither allocated afresh nor freed on each write:
// the kernel only overwrites pages it holds. The spare costs the file's
// size on disk again.
//
// Where the spare cannot be used (another process writes it, it is not a
// plain file of this directory, the system or file system cannot exchange
// two files), it writes as WriteAtomicInfo does. name and spare are single
// names in the directory.
func (d *Dir) WriteSwap(name, spare string, write func(io.Writer) error) (os.FileInfo, error) {
	if strings.ContainsAny(name+spare, `/\`) || name == spare {
		return d.WriteAtomicInfo(name, write)
	}
	if _, err := clean(name); err != nil {
		return nil, err
	}
	if _, err := clean(spare); err != nil {
		return nil, err
	}
	info, err := d.writeSwap(name, spare, write)
	if errors.Is(err, errNoSwap) {
		return d.WriteAtomicInfo(name, write)
	}
	return info, err
}

// HoldForReading takes a shared lock on f, a file of the directory that
// is read while WriteSwap may run in another process (the old manifest a
// new one copies from): no WriteSwap overwrites f as its spare while f is
// open. It reports false when one is writing f now, whose contents are
// then not to be read.
func HoldForReading(f *os.File) bool { return holdForReading(f) }

// errNoSwap says the spare cannot be used: nothing was written.
var errNoSwap = errors.New("targetfs: no spare to write")

// writeSpare writes into the spare file f, open and locked, from its
// start, and cuts it to what was written.
func writeSpare(f *os.File, write func(io.Writer) error) (os.FileInfo, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	if err := writeThrough(f, write); err != nil {
		return nil, err
	}
	end, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, err
	}
	if err := f.Truncate(end); err != nil {
		return nil, err
	}
	return f.Stat()
}
