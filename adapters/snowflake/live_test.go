package snowflake

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/adaptertest"
)

// liveConfig is the Snowflake account the conformance suites run against,
// from ELT_TEST_SNOWFLAKE_* variables; the tests skip without them.
func liveConfig(t *testing.T) Config {
	t.Helper()
	get := func(name string) string { return os.Getenv("ELT_TEST_SNOWFLAKE_" + name) }
	cfg := Config{
		Account: get("ACCOUNT"), User: get("USER"), Password: get("PASSWORD"), PrivateKeyPath: get("PRIVATE_KEY_PATH"),
		PrivateKeyPassphrase: get("PRIVATE_KEY_PASSPHRASE"), Warehouse: get("WAREHOUSE"), Database: get("DATABASE"), Role: get("ROLE"),
		Schema: "PUBLIC", Threads: 4, QueryTag: "elt_conformance", ConnectTimeout: time.Minute,
	}
	var missing []string
	for _, v := range []struct{ name, val string }{{"ACCOUNT", cfg.Account}, {"USER", cfg.User}, {"WAREHOUSE", cfg.Warehouse}, {"DATABASE", cfg.Database}, {"ROLE", cfg.Role}} {
		if v.val == "" {
			missing = append(missing, "ELT_TEST_SNOWFLAKE_"+v.name)
		}
	}
	if cfg.Password == "" && cfg.PrivateKeyPath == "" {
		missing = append(missing, "ELT_TEST_SNOWFLAKE_PASSWORD (or ELT_TEST_SNOWFLAKE_PRIVATE_KEY_PATH)")
	}
	if len(missing) > 0 {
		t.Skipf("no Snowflake account to test against: set %s (and ELT_TEST_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE for an encrypted key)", strings.Join(missing, ", "))
	}
	return cfg
}

func openLive(t *testing.T) adapters.Adapter {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a, err := Open(ctx, liveConfig(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return a
}

func TestLiveConformance(t *testing.T) {
	liveConfig(t)
	adaptertest.Run(t, openLive)
}

func TestLiveIncremental(t *testing.T) {
	liveConfig(t)
	adaptertest.RunIncremental(t, openLive)
}

func TestLiveSnapshot(t *testing.T) {
	liveConfig(t)
	adaptertest.RunSnapshot(t, openLive)
}

// A wrong password is reported in one line, in words, without the password.
func TestLiveWrongPassword(t *testing.T) {
	cfg := liveConfig(t)
	cfg.PrivateKeyPath, cfg.Password = "", "elt-wrong-password-7431"
	_, err := Open(context.Background(), cfg)
	if err == nil {
		t.Fatal("Open with a wrong password succeeded")
	}
	if !strings.Contains(err.Error(), "incorrect username or password") || strings.Contains(err.Error(), cfg.Password) || strings.Contains(err.Error(), "\n") {
		t.Errorf("message: %v", err)
	}
}

// The SQL the adapter sends for the shared golden scenarios, recorded
// against a live account (testdata/live_golden; written with -update when
// credentials are set).
func TestLiveGolden(t *testing.T) {
	cfg := liveConfig(t)
	adaptertest.RunGolden(t, func(t *testing.T, trace func(string)) adapters.Adapter {
		c := cfg
		c.Trace = trace
		a, err := Open(context.Background(), c)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return a
	}, "testdata/live_golden")
}
