package postgres

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/adaptertest"
)

const skipMessage = "set ELT_TEST_POSTGRES_URL (scripts/postgres.sh start prints it) to run the Postgres tests"

// testConfig is the server scripts/postgres.sh started, from
// ELT_TEST_POSTGRES_URL; the test is skipped without it.
func testConfig(t *testing.T) Config {
	t.Helper()
	raw := os.Getenv("ELT_TEST_POSTGRES_URL")
	if raw == "" {
		t.Skip(skipMessage)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("ELT_TEST_POSTGRES_URL: %v", err)
	}
	cfg := Config{Host: u.Hostname(), User: u.User.Username(), DBName: u.Path[1:], Threads: 4}
	cfg.Password, _ = u.User.Password()
	if p := u.Port(); p != "" {
		cfg.Port, _ = strconv.Atoi(p)
	}
	if m := u.Query().Get("sslmode"); m != "" {
		cfg.SSLMode = m
	} else {
		cfg.SSLMode = "disable"
	}
	return cfg.withDefaults()
}

func openConfig(t *testing.T, cfg Config) *Adapter {
	t.Helper()
	a, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return a
}

// openTest opens the test server; the caller (or the suite) closes it.
func openTest(t *testing.T) adapters.Adapter {
	return openConfig(t, testConfig(t))
}

func TestConformance(t *testing.T)            { adaptertest.Run(t, openTest) }
func TestIncrementalConformance(t *testing.T) { adaptertest.RunIncremental(t, openTest) }
func TestSnapshotConformance(t *testing.T)    { adaptertest.RunSnapshot(t, openTest) }

// TestGolden compares the SQL the adapter runs with testdata/golden/*.sql;
// go test ./adapters/postgres -run TestGolden -update rewrites them.
func TestGolden(t *testing.T) {
	adaptertest.RunGolden(t, func(t *testing.T, trace func(string)) adapters.Adapter {
		cfg := testConfig(t)
		cfg.Threads, cfg.Trace = 1, trace
		return openConfig(t, cfg)
	}, filepath.Join("testdata", "golden"))
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o644) }
