//go:build linux

package hugepages

import (
	"bufio"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// TestAdviseMarksTheHeap checks, in this process's own memory map, that a
// heap allocation made after Advise lies in a range advised for huge
// pages (VmFlags "hg" in /proc/self/smaps).
func TestAdviseMarksTheHeap(t *testing.T) {
	enabled, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil {
		t.Skipf("no transparent huge pages here: %v", err)
	}
	if m := mode(string(enabled)); m != "madvise" {
		t.Skipf("transparent huge pages are in %q mode here; Advise acts only in madvise mode", m)
	}
	if oc, _ := os.ReadFile("/proc/sys/vm/overcommit_memory"); strings.TrimSpace(string(oc)) == "2" {
		t.Skip("the kernel does not overcommit memory here (overcommit_memory=2); Advise does nothing then")
	}
	before := vmaOf(t, uintptr(unsafe.Pointer(new([64]byte))))
	if before.advised() {
		t.Fatalf("the heap is advised before Advise: %+v", before)
	}
	ok, err := Advise(64 << 20)
	if err != nil || !ok {
		t.Fatalf("Advise = %v, %v; want true, nil", ok, err)
	}
	b := make([]byte, 16<<20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	// Its middle: the range advised is whole huge pages, so its first
	// partial one may not be.
	after := vmaOf(t, uintptr(unsafe.Pointer(&b[len(b)/2])))
	if !after.advised() {
		t.Fatalf("an allocation after Advise is not in a range advised for huge pages: %+v", after)
	}
	t.Logf("after Advise: %s, AnonHugePages %d kB", after.rangeText, after.anonHugeKB)
}

// TestAdviseCapsSmallRequests checks that a request under one piece is
// refused rather than rounded up.
func TestAdviseCapsSmallRequests(t *testing.T) {
	if ok, err := Advise(pieceSize - 1); ok || err != nil {
		t.Fatalf("Advise(%d) = %v, %v; want false, nil", pieceSize-1, ok, err)
	}
}

type vma struct {
	rangeText  string
	flags      string
	anonHugeKB int
}

// advised says whether the mapping is advised for huge pages (VmFlags hg).
func (v vma) advised() bool { return slices.Contains(strings.Fields(v.flags), "hg") }

// vmaOf is the mapping of /proc/self/smaps that holds addr.
func vmaOf(t *testing.T, addr uintptr) vma {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	var cur vma
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if lo, hi, ok := strings.Cut(fields[0], "-"); ok && !strings.HasSuffix(fields[0], ":") {
			if in {
				return cur
			}
			l, err1 := strconv.ParseUint(lo, 16, 64)
			h, err2 := strconv.ParseUint(hi, 16, 64)
			in = err1 == nil && err2 == nil && uint64(addr) >= l && uint64(addr) < h
			cur = vma{rangeText: fields[0]}
			continue
		}
		if !in {
			continue
		}
		switch fields[0] {
		case "AnonHugePages:":
			cur.anonHugeKB, _ = strconv.Atoi(fields[1])
		case "VmFlags:":
			cur.flags = strings.Join(fields[1:], " ")
		}
	}
	if in {
		return cur
	}
	t.Fatalf("address %#x is in no mapping of /proc/self/smaps", addr)
	return vma{}
}
