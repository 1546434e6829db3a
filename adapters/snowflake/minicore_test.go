package snowflake

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// minicoreEnv is the driver's switch (internal/sfminicore.Env, not
// imported here: importing it would run its init without this package).
const minicoreEnv = "SF_DISABLE_MINICORE"

// minicoreChild marks the test binary started by TestNoMinicore.
const minicoreChild = "ELT_TEST_MINICORE_CHILD"

// TestNoMinicore: a process that links this adapter does not write the
// Snowflake driver's native minicore library (gosnowflake's init writes it
// to a new temporary directory, or with none usable to a cache directory
// under HOME, loads it and removes the file): internal/sfminicore's init
// ran before the driver's. The child runs with no usable temporary
// directory, so a write leaves HOME/.cache/snowflake/minicore behind. With
// the driver's switch explicitly off it does, so the check can see it.
func TestNoMinicore(t *testing.T) {
	if os.Getenv(minicoreChild) != "" {
		// Give the driver's background load time to run.
		time.Sleep(3 * time.Second)
		return
	}
	if runtime.GOOS != "linux" {
		t.Skip("the driver's cache directory under HOME is its Linux one")
	}
	for _, c := range []struct {
		env   string
		wrote bool
	}{
		{"", false},
		{minicoreEnv + "=false", true},
	} {
		home := t.TempDir()
		env := []string{minicoreChild + "=1", "HOME=" + home, "TMPDIR=" + filepath.Join(home, "no-such-dir")}
		for _, kv := range os.Environ() {
			if name, _, _ := strings.Cut(kv, "="); name != minicoreEnv && name != "HOME" && name != "TMPDIR" && name != "XDG_CACHE_HOME" {
				env = append(env, kv)
			}
		}
		if c.env != "" {
			env = append(env, c.env)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestNoMinicore$", "-test.count=1")
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("child (%q): %v\n%s", c.env, err, out)
		}
		var found []string
		err := filepath.WalkDir(home, func(path string, d fs.DirEntry, err error) error {
			if err == nil && strings.Contains(d.Name(), "minicore") {
				found = append(found, path)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if wrote := len(found) > 0; wrote != c.wrote {
			t.Errorf("child with %q: minicore written %t (%v), want %t", c.env, wrote, found, c.wrote)
		}
	}
}
