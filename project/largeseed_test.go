package project

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/internal/sharedtest"
)

// largeSeed is a seed over maxSeedSize: a header and rows of the one
// character fill.
func largeSeed(fill byte) string {
	row := "1," + strings.Repeat(string(fill), 60) + "\n"
	return "id,name\n" + strings.Repeat(row, maxSeedSize/len(row)+10)
}

// TestReadSeedLargeFromStat: a seed over maxSeedSize whose stat is old
// enough to vouch for it is not hashed: its sum is its stat. One whose
// stat is too recent, and every small seed, is hashed as before.
func TestReadSeedLargeFromStat(t *testing.T) {
	dir := t.TempDir()
	big, small := filepath.Join(dir, "big.csv"), filepath.Join(dir, "small.csv")
	for p, text := range map[string]string{big: largeSeed('a'), small: "id\n1\n"} {
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sharedtest.AgeFiles(t, dir, time.Hour)
	shaOf := func(p string) string {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(data)
		return hex.EncodeToString(h[:])
	}
	for _, c := range []struct {
		name    string
		path    string
		stable  bool
		wantSum string // "" for the stat's
	}{
		{"large, stable stat", big, true, ""},
		{"large, recent stat", big, false, shaOf(big)},
		{"small, stable stat", small, true, shaOf(small)},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, err := statFile(c.path)
			if err != nil {
				t.Fatal(err)
			}
			sum, dbtSum, head, err := readSeed(c.path, st, c.stable)
			if err != nil {
				t.Fatal(err)
			}
			want := c.wantSum
			if want == "" {
				want = stampSum(st)
			}
			if sum != want {
				t.Errorf("sum: want %s, got %s", want, sum)
			}
			if c.path == big && dbtSum != "" {
				t.Errorf("dbt checksum of a large seed: want none (its path), got %s", dbtSum)
			}
			data, _ := os.ReadFile(c.path)
			if wantHead := data[:min(len(data), seedHead)]; string(head) != string(wantHead) {
				t.Errorf("head: want the first %d bytes, got %d bytes", len(wantHead), len(head))
			}
		})
	}
	// A stat that is not the open file's (the file changed after it was
	// taken) is not trusted.
	st, err := statFile(big)
	if err != nil {
		t.Fatal(err)
	}
	st.mtime--
	if sum, _, _, err := readSeed(big, st, true); err != nil || sum != shaOf(big) {
		t.Errorf("a stale stat: want the contents hashed (%s), got %s, %v", shaOf(big), sum, err)
	}
}

// TestLargeSeedChangeKeepsDigest: a large seed is loaded with dbt's
// checksum (its path) with and without the file cache, and its rows are
// not in Project.Digest, which the render cache keys on: no render reads
// them. An edit that keeps the file's size and modification time is one
// too.
func TestLargeSeedChangeKeepsDigest(t *testing.T) {
	dir := newProject(t, map[string]string{"seeds/big.csv": largeSeed('a')})
	path := filepath.Join(dir, "seeds", "big.csv")
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	load := func(what string) (plain, cached string) {
		t.Helper()
		p := plainLoad(t, dir, nil)
		c, _ := cachedLoad(t, dir, nil)
		if p.Digest != c.Digest {
			t.Fatalf("%s: digest with the file cache %s, without %s", what, c.Digest, p.Digest)
		}
		n := p.Nodes["seed.shop.big"]
		if n == nil {
			t.Fatalf("%s: no seed.shop.big in %v", what, p.Nodes)
		}
		if name, sum := n.FileChecksum(); name != ChecksumPath || sum != "seeds/big.csv" {
			t.Errorf("%s: checksum %s %s; want dbt's for a seed over 1 MiB: path seeds/big.csv", what, name, sum)
		}
		return p.Digest, c.Digest
	}
	before, _ := load("before")
	if again, _ := load("again"); again != before {
		t.Errorf("nothing changed, yet the digest did: %s, then %s", before, again)
	}
	// The change time has the kernel's coarse clock: let it move on.
	time.Sleep(20 * time.Millisecond)
	if err := os.WriteFile(path, []byte(largeSeed('b')), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	if after, _ := load("after an edit keeping size and modification time"); after != before {
		t.Error("the large seed's rows changed the project's digest; no render reads them")
	}
	// vars reach a render through var(), which records its reads: they
	// leave the digest as it is. Another key of dbt_project.yml (a hook)
	// does change it.
	writeFiles(t, dir, map[string]string{"dbt_project.yml": baseProject + "\nvars:\n  added: 1\n"})
	if after, _ := load("after a var was added to dbt_project.yml"); after != before {
		t.Error("a var added to dbt_project.yml changed the project's digest")
	}
	writeFiles(t, dir, map[string]string{"dbt_project.yml": baseProject + "\non-run-start: [\"select 1\"]\n"})
	if after, _ := load("after a hook was added to dbt_project.yml"); after == before {
		t.Error("a hook added to dbt_project.yml left the project's digest as it was")
	}
}
