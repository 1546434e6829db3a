package snowflake

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	sf "github.com/snowflakedb/gosnowflake"

	"github.com/elt-dev/elt/adapters"
)

func TestConnectErrors(t *testing.T) {
	pw := Config{Account: "myorg-acct", User: "ann", Password: "hunter2!", Database: "analytics", Schema: "dbt_ann", Warehouse: "transforming", Role: "transformer"}
	kp := pw
	kp.Password, kp.PrivateKeyPath, kp.PrivateKeyPassphrase = "", "/keys/k.p8", "phrase-99"
	tests := []struct {
		name string
		cfg  Config
		err  error
		want string
	}{
		{"wrong password", pw, &sf.SnowflakeError{Number: 390100, SQLState: "08004", Message: "Incorrect username or password was specified."},
			`profile "shop" target "dev": cannot connect to Snowflake: incorrect username or password (Snowflake error 390100)`},
		{"rejected key", kp, &sf.SnowflakeError{Number: 390144, SQLState: "08004", Message: "JWT token is invalid. [0ce9eb56]"},
			`profile "shop" target "dev": cannot connect to Snowflake: expired or invalid private key: Snowflake rejected the key-pair token (is the user's RSA_PUBLIC_KEY the public half of this key? is the clock right?) (Snowflake error 390144)`},
		{"390144 without a key", pw, &sf.SnowflakeError{Number: 390144, Message: "Invalid account name or host."},
			`profile "shop" target "dev": cannot connect to Snowflake: account not found: invalid account name or host "myorg-acct" (Snowflake error 390144)`},
		{"unreadable key", kp, fmt.Errorf("%w: wrong passphrase, or a damaged key", ErrPrivateKey),
			`profile "shop" target "dev": cannot connect to Snowflake: expired or invalid private key: invalid private key: wrong passphrase, or a damaged key`},
		{"account refused", pw, &sf.SnowflakeError{Number: sf.ErrCodeFailedToConnect, Message: "failed to connect to db. verify account name is correct. HTTP: %v, URL: %v", MessageArgs: []any{403, "https://x"}},
			`profile "shop" target "dev": cannot connect to Snowflake: account not found: Snowflake refused the login for account "myorg-acct" (check the account identifier, e.g. myorg-myaccount) (Snowflake error 260008)`},
		{"account does not resolve", pw, &net.DNSError{Err: "no such host", Name: "nope.snowflakecomputing.com", IsNotFound: true},
			`profile "shop" target "dev": cannot connect to Snowflake: account not found: host nope.snowflakecomputing.com does not resolve (check the account identifier)`},
		{"warehouse", pw, &sf.SnowflakeError{Number: 390201, SQLState: "08004", Message: "The requested warehouse does not exist or not authorized."},
			`profile "shop" target "dev": cannot connect to Snowflake: warehouse "transforming" does not exist or not authorized (Snowflake error 390201)`},
		{"database", pw, &sf.SnowflakeError{Number: 390201, Message: "The requested database does not exist or not authorized."},
			`profile "shop" target "dev": cannot connect to Snowflake: database "analytics" does not exist or not authorized (Snowflake error 390201)`},
		{"schema", pw, &sf.SnowflakeError{Number: 390201, Message: "The requested schema does not exist or not authorized."},
			`profile "shop" target "dev": cannot connect to Snowflake: schema "dbt_ann" does not exist or not authorized (Snowflake error 390201)`},
		{"role", pw, &sf.SnowflakeError{Number: 390189, Message: "Role 'TRANSFORMER' specified in the connect string does not exist or not authorized."},
			`profile "shop" target "dev": cannot connect to Snowflake: role "transformer" does not exist or not authorized (Snowflake error 390189)`},
		{"oauth", pw, &sf.SnowflakeError{Number: 390318, Message: "OAuth access token expired."},
			`profile "shop" target "dev": cannot connect to Snowflake: expired or invalid OAuth token (Snowflake error 390318)`},
		{"unavailable", pw, &sf.SnowflakeError{Number: sf.ErrCodeServiceUnavailable, Message: "service unavailable"},
			`profile "shop" target "dev": cannot connect to Snowflake: Snowflake is unavailable (HTTP 502, 503 or 504); try again later (Snowflake error 260007)`},
		{"timeout", pw, fmt.Errorf("login: %w", context.DeadlineExceeded),
			`profile "shop" target "dev": cannot connect to Snowflake: timed out (check account, host and network; connect_timeout raises the limit)`},
		{"other, multi-line, echoing the password", pw, &sf.SnowflakeError{Number: 390999, Message: "something odd\nabout hunter2!"},
			`profile "shop" target "dev": cannot connect to Snowflake: something odd about *** (Snowflake error 390999)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := connectError("shop", "dev", tt.cfg, tt.err)
			if got := err.Error(); got != tt.want {
				t.Errorf("want %s\n got %s", tt.want, got)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("not one line: %q", err.Error())
			}
			for _, secret := range []string{"hunter2!", "phrase-99"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error shows a secret: %s", err)
				}
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("the driver's error is not in the chain")
			}
		})
	}
}

func TestRetryable(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{&sf.SnowflakeError{Number: 390100}, false},
		{&sf.SnowflakeError{Number: sf.ErrCodeServiceUnavailable}, true},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, true},
		{context.Canceled, false},
		{fmt.Errorf("%w: x", ErrPrivateKey), false},
	} {
		if got := retryable(tt.err); got != tt.want {
			t.Errorf("retryable(%v): want %v, got %v", tt.err, tt.want, got)
		}
	}
}

func TestOpenReportsBadKeyBeforeNetwork(t *testing.T) {
	cfg := Config{Account: "a", User: "u", Database: "d", Schema: "s", PrivateKey: "not a key at all", PrivateKeyPassphrase: "pp-secret"}
	_, err := Open(context.Background(), cfg)
	var ce *ConnectError
	if !errors.As(err, &ce) || !errors.Is(err, ErrPrivateKey) {
		t.Fatalf("want a *ConnectError wrapping ErrPrivateKey, got %v", err)
	}
	if !strings.Contains(err.Error(), "expired or invalid private key") || strings.Contains(err.Error(), "pp-secret") {
		t.Errorf("message: %v", err)
	}
}

// TestDuplicateKeyHint: when the source repeats the unique_key, Snowflake's
// "Duplicate row detected during DML action" from the snapshot's MERGE says
// why; other errors, or a unique source, are left as they are.
func TestDuplicateKeyHint(t *testing.T) {
	dup := &adapters.DuplicateKeyWarning{Snapshot: "snapshot.p.s", Key: []string{"id"}, Samples: []string{"id=2 (2 rows)"}}
	dml := &sf.SnowflakeError{Number: errDuplicateRowInDML, Message: "Duplicate row detected during DML action"}
	err := duplicateKeyHint(dml, dup)
	for _, want := range []string{"Duplicate row detected during DML action", "repeats unique_key (id), e.g. id=2 (2 rows)", "dbt-snowflake"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("hint lacks %q: %v", want, err)
		}
	}
	var se *sf.SnowflakeError
	if !errors.As(err, &se) || se.Number != errDuplicateRowInDML {
		t.Errorf("the driver's error is not reachable: %v", err)
	}
	if got := duplicateKeyHint(dml, nil); got != error(dml) {
		t.Errorf("unique source: got %v, want the error unchanged", got)
	}
	other := &sf.SnowflakeError{Number: 2003, Message: "does not exist"}
	if got := duplicateKeyHint(other, dup); got != error(other) {
		t.Errorf("another error: got %v, want it unchanged", got)
	}
}
