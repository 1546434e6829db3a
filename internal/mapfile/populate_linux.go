package mapfile

import "syscall"

// populate asks mmap to map every page of the file at once.
const populate = syscall.MAP_POPULATE
