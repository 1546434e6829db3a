package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

// The cold compile's floor: creating the files a compile must leave in an
// empty target/ (target/compiled/** and manifest.json, as dbt writes
// them), with the bytes elt wrote, and nothing else. No parsing, no
// rendering, no caches: what the kernel and the disk take for those
// files on this machine.
//
// The bench packs the files of an elt compile into one bundle before it
// measures (packWriteFloor); the child (elt-bench floor-write) reads the
// bundle, one sequential read, and writes its files into a new folder with
// as many writers as elt uses (twice the cores).

// packWriteFloor writes the regular files under target/compiled and
// target/manifest.json into bundle: for each, its path relative to target
// (uint32 length, bytes) and its contents (uint64 length, bytes).
func packWriteFloor(target, bundle string) (files int, size int64, err error) {
	out, err := os.Create(bundle)
	if err != nil {
		return 0, 0, fmt.Errorf("write floor: %w", err)
	}
	defer func() {
		if cerr := out.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("write floor: %w", cerr)
		}
	}()
	w := bufio.NewWriterSize(out, 1<<20)
	add := func(path string) error {
		rel, err := filepath.Rel(target, path)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var hdr [12]byte
		binary.LittleEndian.PutUint32(hdr[:4], uint32(len(rel)))
		w.Write(hdr[:4])
		w.WriteString(rel)
		binary.LittleEndian.PutUint64(hdr[4:], uint64(len(data)))
		w.Write(hdr[4:])
		_, err = w.Write(data)
		files++
		size += int64(len(data))
		return err
	}
	err = filepath.WalkDir(filepath.Join(target, "compiled"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		return add(path)
	})
	if err == nil {
		err = add(filepath.Join(target, "manifest.json"))
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		return 0, 0, fmt.Errorf("write floor: pack %s: %w", target, err)
	}
	return files, size, nil
}

type floorFile struct {
	rel  string
	data []byte
}

// readWriteFloor reads a bundle written by packWriteFloor.
func readWriteFloor(bundle string) ([]floorFile, error) {
	data, err := os.ReadFile(bundle)
	if err != nil {
		return nil, fmt.Errorf("write floor: %w", err)
	}
	var files []floorFile
	for len(data) > 0 {
		if len(data) < 4 {
			return nil, errors.New("write floor: truncated bundle")
		}
		n := int(binary.LittleEndian.Uint32(data))
		data = data[4:]
		if len(data) < n+8 {
			return nil, errors.New("write floor: truncated bundle")
		}
		rel := string(data[:n])
		data = data[n:]
		size := binary.LittleEndian.Uint64(data)
		data = data[8:]
		if uint64(len(data)) < size {
			return nil, errors.New("write floor: truncated bundle")
		}
		files = append(files, floorFile{rel: rel, data: data[:size:size]})
		data = data[size:]
	}
	return files, nil
}

// floorWrite creates every file of bundle under dir, which must not exist:
// the folders first, then the files by 2*GOMAXPROCS writers.
func floorWrite(ctx context.Context, bundle, dir string) error {
	files, err := readWriteFloor(bundle)
	if err != nil {
		return err
	}
	made := map[string]bool{}
	for _, f := range files {
		d := filepath.Dir(filepath.Join(dir, filepath.FromSlash(f.rel)))
		if !made[d] {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return fmt.Errorf("write floor: %w", err)
			}
			made[d] = true
		}
	}
	return striped(ctx, len(files), func(i int) error {
		return writeNew(filepath.Join(dir, filepath.FromSlash(files[i].rel)), files[i].data)
	})
}

// striped calls fn(i) for every i in [0, n) on 2*GOMAXPROCS goroutines,
// as elt runs its file work, goroutine k taking k, k+2*GOMAXPROCS, ...;
// a goroutine stops at its first error, and all stop when ctx is done.
func striped(ctx context.Context, n int, fn func(i int) error) error {
	workers := 2 * runtime.GOMAXPROCS(0)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for k := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := k; i < n && ctx.Err() == nil; i += workers {
				if err := fn(i); err != nil {
					errs[k] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.Join(errs...)
}

func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("write floor: %w", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write floor: %s: %w", path, err)
	}
	return nil
}
