// Package browsertest starts real headless Chromium for tests and
// benchmarks, driven through the DevTools protocol (chromedp).
//
// Chromium is found at $ELT_TEST_CHROMIUM or on the PATH (Debian's
// chromium package: /usr/bin/chromium). Where none is installed the test
// is skipped, saying so, unless ELT_REQUIRE_BROWSER is set (scripts/test.sh
// sets it after installing Chromium): then it fails, so CI cannot pass
// without having run the browser tests.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Find returns Chromium's path, or "" when none is installed.
func Find() string {
	if p := os.Getenv("ELT_TEST_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New starts a headless Chromium with a fresh profile and a window of
// width x height, and returns a context for chromedp actions that ends
// with the test (or after timeout).
func New(tb testing.TB, width, height int, timeout time.Duration) context.Context {
	tb.Helper()
	path := Find()
	if path == "" {
		if os.Getenv("ELT_REQUIRE_BROWSER") != "" {
			tb.Fatal("no Chromium found and ELT_REQUIRE_BROWSER is set: install Debian's chromium package or set ELT_TEST_CHROMIUM")
		}
		tb.Skip("no Chromium found (install Debian's chromium package, or set ELT_TEST_CHROMIUM): skipping the browser test")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root in CI containers
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.WindowSize(width, height),
		// A closed network: no background fetches, updates or sync.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-extensions", true),
		// file:// pages may read their neighbours' scripts, as a user's
		// browser lets them.
		chromedp.Flag("allow-file-access-from-files", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	tb.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	// Start the browser now, so a broken install fails here, clearly.
	if err := chromedp.Do(ctx); err != nil {
		tb.Fatalf("start Chromium %s: %v", path, err)
	}
	return ctx
}
