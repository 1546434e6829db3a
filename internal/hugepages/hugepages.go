// Package hugepages asks Linux to back the first part of the Go heap with
// transparent huge pages where the system leaves that to each program.
//
// A short-lived process that grows a heap of hundreds of megabytes spends
// much of its time in page faults: one per 4 KiB page touched, each a few
// microseconds on a virtual machine (a third of `elt ls`'s CPU at 10,000
// models). With transparent huge pages in "madvise" mode (the default of
// many distributions) Go's heap gets 4 KiB pages, as Go does not advise
// its heap itself; a 2 MiB huge page costs one fault in place of 512.
package hugepages

// pieceSize is the size of each allocation that grows the heap: small
// enough that the one the runtime must clear (memory the heap used before)
// costs little, large enough that growing by a gibibyte takes a few
// hundred allocations.
const pieceSize = 4 << 20

// defaultHugePageSize is the size of a transparent huge page where the
// kernel does not say (hpage_pmd_size): x86-64's, and arm64's with 4 KiB
// base pages.
const defaultHugePageSize = 2 << 20
