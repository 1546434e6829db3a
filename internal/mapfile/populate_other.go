//go:build unix && !linux

package mapfile

// populate is 0 where mmap has no MAP_POPULATE: pages are mapped as they
// are read.
const populate = 0
