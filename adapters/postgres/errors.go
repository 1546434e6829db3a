package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// ConnectError is a failure to connect to or set up a session on the
// server, or to do something the connected role is not allowed to. Its
// message is one line, says what to check, and never contains the password.
type ConnectError struct {
	// Prefix names what failed: `profile "shop" target "pg"` when opened
	// through Driver, "postgres" when opened with Open.
	Prefix string
	Reason string // what went wrong, e.g. `password authentication failed for user "elt"`
	Hint   string // what to check, e.g. "check password in profiles.yml"
	Err    error  // the driver's error, for errors.Is / errors.As
}

func (e *ConnectError) Error() string {
	msg := e.Prefix + ": " + e.Reason
	if e.Hint != "" {
		msg += " (" + e.Hint + ")"
	}
	return msg
}

func (e *ConnectError) Unwrap() error { return e.Err }

// SQLSTATE codes of the failures connectError knows.
const (
	codeInvalidPassword    = "28P01"
	codeInvalidAuthSpec    = "28000"
	codeInvalidCatalog     = "3D000" // database does not exist
	codeInsufficientPriv   = "42501"
	codeUndefinedObject    = "42704"
	codeInvalidParameter   = "22023" // e.g. SET ROLE to a missing role
	codeTooManyConnections = "53300"
	codeCannotConnectNow   = "57P03"
	codeInvalidSchemaName  = "3F000"
	codeDuplicateSchema    = "42P06"
	codeUniqueViolation    = "23505"
)

// connectError turns a failure to open a connection into a *ConnectError.
func connectError(ctx context.Context, cfg Config, err error) error {
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	ce := &ConnectError{Prefix: "postgres", Err: err}
	var pe *pgconn.PgError
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.As(err, &pe):
		switch pe.Code {
		case codeInvalidPassword:
			ce.Reason = fmt.Sprintf("password authentication failed for user %q", cfg.User)
			ce.Hint = "check password in profiles.yml"
		case codeInvalidAuthSpec:
			ce.Reason = oneLine(pe.Message)
			ce.Hint = "check user in profiles.yml and the server's pg_hba.conf"
		case codeInvalidCatalog:
			ce.Reason = fmt.Sprintf("database %q does not exist on %s", cfg.DBName, addr)
			ce.Hint = "check dbname in profiles.yml, or create the database"
		case codeInsufficientPriv:
			ce.Reason = fmt.Sprintf("%s for user %q", oneLine(pe.Message), cfg.User)
			ce.Hint = fmt.Sprintf("ask an administrator to grant it, e.g. grant connect on database %s to %s", Dialect{}.Quote(cfg.DBName), Dialect{}.Quote(cfg.User))
			if cfg.Role != "" && strings.Contains(pe.Message, "role") {
				ce.Hint = fmt.Sprintf("check role in profiles.yml: user %q must be a member of role %q", cfg.User, cfg.Role)
			}
		case codeUndefinedObject, codeInvalidParameter:
			ce.Reason = oneLine(pe.Message)
			if cfg.Role != "" {
				ce.Hint = "check role in profiles.yml"
			}
		case codeTooManyConnections, codeCannotConnectNow:
			ce.Reason = oneLine(pe.Message)
			ce.Hint = "the server refuses connections for now; try again, or lower threads in profiles.yml"
		default:
			ce.Reason = oneLine(pe.Message) + " (SQLSTATE " + pe.Code + ")"
		}
	case ctx.Err() != nil:
		ce.Reason = fmt.Sprintf("could not connect to %s: %v", addr, ctx.Err())
	case errors.As(err, &dnsErr):
		ce.Reason = fmt.Sprintf("could not resolve host %q", cfg.Host)
		ce.Hint = "check host in profiles.yml"
	case errors.Is(err, syscall.ECONNREFUSED):
		ce.Reason = fmt.Sprintf("could not connect to %s: connection refused", addr)
		ce.Hint = "is the server running? check host and port in profiles.yml"
	case errors.Is(err, os.ErrDeadlineExceeded), isTimeout(err):
		ce.Reason = fmt.Sprintf("could not connect to %s: timed out after %ds", addr, cfg.ConnectTimeout)
		ce.Hint = "check host and port in profiles.yml, and that no firewall is in the way; connect_timeout sets the wait"
	case errors.As(err, &opErr):
		ce.Reason = fmt.Sprintf("could not connect to %s: %v", addr, oneLine(opErr.Err.Error()))
		ce.Hint = "check host and port in profiles.yml"
	default:
		ce.Reason = "could not connect: " + redact(oneLine(err.Error()), cfg.Password)
	}
	return ce
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// permissionError turns a statement refused for lack of privileges into a
// *ConnectError naming the target and what to grant; other errors are
// returned as they are.
func (a *Adapter) permissionError(err error, what, grant string) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != codeInsufficientPriv {
		return err
	}
	return &ConnectError{
		Prefix: a.label,
		Reason: fmt.Sprintf("permission denied for user %q to %s", a.cfg.User, what),
		Hint:   grant,
		Err:    err,
	}
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// redact removes the password from a message, in case a driver echoed it.
func redact(msg, password string) string {
	if len(password) >= 3 {
		msg = strings.ReplaceAll(msg, password, "***")
	}
	return msg
}
