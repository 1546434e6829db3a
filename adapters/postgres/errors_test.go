package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters"
)

// targetFields is cfg as a profiles.yml target's keys.
func targetFields(cfg Config) map[string]any {
	return map[string]any{
		"type": "postgres", "host": cfg.Host, "port": cfg.Port, "user": cfg.User, "password": cfg.Password,
		"dbname": cfg.DBName, "schema": "public", "sslmode": cfg.SSLMode, "connect_timeout": 5,
	}
}

func openProfile(t *testing.T, fields map[string]any) (adapters.Adapter, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	a, err := Driver().Open(ctx, adapters.Target{Profile: "shop", Name: "pg", Type: "postgres", Fields: fields})
	if err == nil {
		t.Cleanup(func() { a.Close() })
	}
	return a, err
}

// closedPort is a local TCP port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// withRole creates a login role with a password for the test and drops it
// afterwards; setup runs more statements as the superuser first.
func withRole(t *testing.T, admin *Adapter, name, password string, setup ...string) {
	t.Helper()
	ctx := context.Background()
	stmts := append([]string{fmt.Sprintf("drop role if exists %s", Dialect{}.Quote(name)),
		fmt.Sprintf("create role %s login password %s", Dialect{}.Quote(name), literal(password))}, setup...)
	for _, s := range stmts {
		if err := admin.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	t.Cleanup(func() {
		_ = admin.Exec(ctx, "drop role if exists "+Dialect{}.Quote(name))
	})
}

func TestConnectionErrors(t *testing.T) {
	cfg := testConfig(t)
	admin := openConfig(t, cfg)
	defer admin.Close()
	suffix := fmt.Sprint(time.Now().UnixNano() % 1_000_000)
	noConnectDB := "elt_noconnect_" + suffix
	roleName := "elt_limited_" + suffix
	const secret = "s3cret-pw-42"
	withRole(t, admin, roleName, secret)
	ctx := context.Background()
	if err := admin.Exec(ctx, "create database "+Dialect{}.Quote(noConnectDB)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Exec(ctx, "drop database if exists "+Dialect{}.Quote(noConnectDB)) })
	if err := admin.Exec(ctx, "revoke connect on database "+Dialect{}.Quote(noConnectDB)+" from public"); err != nil {
		t.Fatal(err)
	}

	port := closedPort(t)
	tests := []struct {
		name   string
		change func(f map[string]any)
		want   string // the whole message
	}{
		{"wrong password", func(f map[string]any) { f["password"] = secret },
			fmt.Sprintf(`profile "shop" target "pg": password authentication failed for user %q (check password in profiles.yml)`, cfg.User)},
		{"unreachable host", func(f map[string]any) { f["host"], f["port"] = "127.0.0.1", port },
			fmt.Sprintf(`profile "shop" target "pg": could not connect to 127.0.0.1:%d: connection refused (is the server running? check host and port in profiles.yml)`, port)},
		{"missing database", func(f map[string]any) { f["dbname"] = "no_such_database" },
			fmt.Sprintf(`profile "shop" target "pg": database "no_such_database" does not exist on %s:%d (check dbname in profiles.yml, or create the database)`, cfg.Host, cfg.Port)},
		{"no connect permission", func(f map[string]any) { f["user"], f["password"], f["dbname"] = roleName, secret, noConnectDB },
			fmt.Sprintf(`profile "shop" target "pg": permission denied for database %q for user %q (ask an administrator to grant it, e.g. grant connect on database %q to %q)`, noConnectDB, roleName, noConnectDB, roleName)},
		{"missing role", func(f map[string]any) { f["role"] = "no_such_role" },
			`profile "shop" target "pg": role "no_such_role" does not exist (check role in profiles.yml)`},
		{"role not granted", func(f map[string]any) { f["user"], f["password"], f["role"] = roleName, secret, cfg.User },
			fmt.Sprintf(`profile "shop" target "pg": permission denied to set role %q for user %q (check role in profiles.yml: user %q must be a member of role %q)`, cfg.User, roleName, roleName, cfg.User)},
		{"unknown host", func(f map[string]any) { f["host"] = "no-such-host.invalid" },
			`profile "shop" target "pg": could not resolve host "no-such-host.invalid" (check host in profiles.yml)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields := targetFields(cfg)
			tt.change(fields)
			_, err := openProfile(t, fields)
			if err == nil {
				t.Fatalf("Open succeeded, want an error")
			}
			msg := err.Error()
			if msg != tt.want {
				t.Errorf("message:\nwant %s\n got %s", tt.want, msg)
			}
			if strings.Contains(msg, secret) || strings.Contains(msg, cfg.Password+")") || strings.Contains(msg, "\n") {
				t.Errorf("message shows a password or spans lines: %q", msg)
			}
			var ce *ConnectError
			if !errors.As(err, &ce) {
				t.Errorf("error is not a *ConnectError: %T", err)
			}
		})
	}

	t.Run("no create permission", func(t *testing.T) {
		fields := targetFields(cfg)
		fields["user"], fields["password"] = roleName, secret
		a, err := openProfile(t, fields)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		err = a.CreateSchema(ctx, cfg.DBName, "elt_denied_"+suffix)
		want := fmt.Sprintf(`profile "shop" target "pg": permission denied for user %q to create schema "elt_denied_%s" in database %q (grant create on database %q to %q, or set schema in profiles.yml to one that exists)`,
			roleName, suffix, cfg.DBName, cfg.DBName, roleName)
		if err == nil || err.Error() != want {
			t.Errorf("CreateSchema:\nwant %s\n got %v", want, err)
		}
	})

	t.Run("right password", func(t *testing.T) {
		fields := targetFields(cfg)
		fields["user"], fields["password"] = roleName, secret
		if _, err := openProfile(t, fields); err != nil {
			t.Errorf("Open with the right password: %v", err)
		}
	})
}
