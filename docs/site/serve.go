package site

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// Serve serves the target folder holding a generated site on addr until
// ctx ends. ready is called with the site's address once it listens.
func Serve(ctx context.Context, addr, targetDir string, ready func(url string)) error {
	if _, err := os.Stat(filepath.Join(targetDir, "index.html")); err != nil {
		return fmt.Errorf("no docs site in %s: run elt docs generate first", targetDir)
	}
	root, err := os.OpenRoot(targetDir)
	if err != nil {
		return fmt.Errorf("docs serve: %w", err)
	}
	defer root.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("docs serve: listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		// os.Root keeps every file served inside the target folder, links
		// included.
		Handler:           noCache(http.FileServerFS(root.FS())),
		ReadHeaderTimeout: 10 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready("http://" + ln.Addr().String() + "/")
	}
	select {
	case err := <-errc:
		return fmt.Errorf("docs serve: %w", err)
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("docs serve: shut down: %w", err)
		}
		return nil
	}
}

// noCache makes a browser ask again after each elt docs generate.
func noCache(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}
