package deps

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Limits bound what one package may cost. Zero fields take the defaults.
type Limits struct {
	MaxDownloadBytes int64 // one compressed download (default 200 MiB)
	MaxUnpackedBytes int64 // everything one archive unpacks to (default 1 GiB)
	MaxFiles         int   // entries in one archive or one git tree (default 100,000)
}

func (l Limits) withDefaults() Limits {
	if l.MaxDownloadBytes <= 0 {
		l.MaxDownloadBytes = 200 << 20
	}
	if l.MaxUnpackedBytes <= 0 {
		l.MaxUnpackedBytes = 1 << 30
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = 100_000
	}
	return l
}

// download fetches url into a new file in dir, retrying connection
// failures. shown is the URL as it may be printed.
func (in *installer) download(ctx context.Context, rawURL, shown, dir string) (string, error) {
	var last error
	for attempt := 0; attempt <= in.opts.Retries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(in.opts.RetryBackoff):
			}
		}
		p, retry, err := in.downloadOnce(ctx, rawURL, dir)
		if err == nil {
			return p, nil
		}
		last = err
		if !retry || ctx.Err() != nil {
			break
		}
	}
	return "", fmt.Errorf("download %s: %s", shown, in.secrets.Scrub(last.Error()))
}

func (in *installer) downloadOnce(ctx context.Context, rawURL, dir string) (string, bool, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return "", false, errors.New("only http and https URLs can be downloaded")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return "", false, err
	}
	resp, err := in.opts.HTTPClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", retryable(err), fmt.Errorf("unreachable: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", resp.StatusCode >= 500, fmt.Errorf("HTTP %s", resp.Status)
	}
	max := in.limits.MaxDownloadBytes
	if resp.ContentLength > max {
		return "", false, fmt.Errorf("%d bytes is more than the limit of %d", resp.ContentLength, max)
	}
	f, err := os.CreateTemp(dir, "download-*.tar.gz")
	if err != nil {
		return "", false, err
	}
	n, err := io.Copy(f, io.LimitReader(resp.Body, max+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", true, err
	}
	if n > max {
		os.Remove(f.Name())
		return "", false, fmt.Errorf("larger than the limit of %d bytes", max)
	}
	return f.Name(), false, nil
}

// ErrUnsafeArchive marks an archive refused for what it would write.
var ErrUnsafeArchive = errors.New("unsafe archive")

// untar unpacks a .tar.gz into dest (which must exist and be empty) and
// returns the names of its top-level entries. Every write goes through an
// os.Root on dest, so no entry can land outside it: absolute names, ".."
// and links pointing out of dest are refused, as are device files.
func untar(archive, dest string, lim Limits) ([]string, error) {
	f, err := os.Open(archive)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("not a gzip archive: %v", err)
	}
	defer gz.Close()
	root, err := os.OpenRoot(dest)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	tr := tar.NewReader(gz)
	var total int64
	files := 0
	top := map[string]bool{}
	var order []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the archive: %v", err)
		}
		switch h.Typeflag {
		case tar.TypeXGlobalHeader, tar.TypeXHeader, tar.TypeGNULongName, tar.TypeGNULongLink:
			continue // metadata, not files (GitHub's tarballs carry a pax_global_header)
		}
		files++
		if files > lim.MaxFiles {
			return nil, fmt.Errorf("%w: more than %d entries", ErrUnsafeArchive, lim.MaxFiles)
		}
		name, err := safeRelPath(h.Name)
		if err != nil {
			return nil, fmt.Errorf("%w: entry %q: %v", ErrUnsafeArchive, h.Name, err)
		}
		if name == "." {
			continue
		}
		first, _, _ := strings.Cut(name, "/")
		if !top[first] {
			top[first] = true
			order = append(order, first)
		}
		if dir := path.Dir(name); dir != "." {
			if err := root.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("%w: entry %q: %v", ErrUnsafeArchive, h.Name, err)
			}
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := root.MkdirAll(name, 0o755); err != nil {
				return nil, fmt.Errorf("%w: entry %q: %v", ErrUnsafeArchive, h.Name, err)
			}
		case tar.TypeReg:
			total += h.Size
			if total > lim.MaxUnpackedBytes {
				return nil, fmt.Errorf("%w: unpacks to more than %d bytes", ErrUnsafeArchive, lim.MaxUnpackedBytes)
			}
			mode := os.FileMode(0o644)
			if h.Mode&0o111 != 0 {
				mode = 0o755
			}
			out, err := root.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
			if err != nil {
				return nil, fmt.Errorf("%w: entry %q: %v", ErrUnsafeArchive, h.Name, err)
			}
			n, err := io.Copy(out, io.LimitReader(tr, h.Size))
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return nil, err
			}
			if n != h.Size {
				return nil, fmt.Errorf("reading the archive: entry %q is truncated", h.Name)
			}
		case tar.TypeSymlink:
			if err := linkStaysInside(name, h.Linkname); err != nil {
				return nil, fmt.Errorf("%w: symbolic link %q -> %q: %v", ErrUnsafeArchive, h.Name, h.Linkname, err)
			}
			if err := root.Symlink(h.Linkname, name); err != nil {
				return nil, fmt.Errorf("%w: symbolic link %q: %v", ErrUnsafeArchive, h.Name, err)
			}
		case tar.TypeLink:
			target, err := safeRelPath(h.Linkname)
			if err != nil {
				return nil, fmt.Errorf("%w: hard link %q -> %q: %v", ErrUnsafeArchive, h.Name, h.Linkname, err)
			}
			if err := root.Link(target, name); err != nil {
				return nil, fmt.Errorf("%w: hard link %q: %v", ErrUnsafeArchive, h.Name, err)
			}
		default:
			return nil, fmt.Errorf("%w: entry %q is a device, FIFO or other special file", ErrUnsafeArchive, h.Name)
		}
	}
	return order, nil
}

// safeRelPath cleans an archive name into a slash-separated relative path
// that stays inside the destination.
func safeRelPath(name string) (string, error) {
	if name == "" {
		return "", errors.New("empty name")
	}
	if strings.Contains(name, "\\") || strings.Contains(name, "\x00") {
		return "", errors.New("backslash or NUL in the name")
	}
	if path.IsAbs(name) || filepath.IsAbs(name) || filepath.VolumeName(name) != "" {
		return "", errors.New("absolute path")
	}
	clean := path.Clean(name)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", errors.New("path leaves the destination (..)")
	}
	return clean, nil
}

// linkStaysInside checks that a symbolic link at name pointing to target
// resolves inside the destination.
func linkStaysInside(name, target string) error {
	if target == "" || path.IsAbs(target) || filepath.IsAbs(target) || strings.Contains(target, "\\") {
		return errors.New("absolute or empty target")
	}
	// The link must stay inside its own top-level folder: that folder
	// becomes the package, and its siblings are other packages.
	top, _, _ := strings.Cut(name, "/")
	joined := path.Clean(path.Join(path.Dir(name), target))
	if joined != top && !strings.HasPrefix(joined, top+"/") {
		return errors.New("target leaves the package")
	}
	return nil
}
