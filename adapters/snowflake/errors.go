package snowflake

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	sf "github.com/snowflakedb/gosnowflake"
)

// Snowflake's login error numbers (from the server) that gosnowflake does
// not name.
const (
	errIncorrectCredentials = 390100 // Incorrect username or password was specified.
	errJWTInvalid           = 390144 // JWT token is invalid (key pair); some hosts also use it for a bad account
	errOAuthInvalid         = 390303 // Invalid OAuth access token.
	errOAuthExpired         = 390318 // OAuth access token expired.
	// A MERGE would update one row from two source rows (ERROR_ON_NONDETERMINISTIC_MERGE).
	errDuplicateRowInDML = 100090 // Duplicate row detected during DML action
)

// ConnectError is a failure to open a session, in one line that names the
// profile and target and says what is wrong in words. Its message never
// holds a password, key or token; the driver's error stays reachable with
// errors.As for callers that want the number.
type ConnectError struct {
	Profile, Target string
	Reason          string // e.g. "incorrect username or password"
	Number          int    // Snowflake's error number, 0 when none
	Err             error
}

func (e *ConnectError) Error() string {
	where := "snowflake"
	if e.Profile != "" || e.Target != "" {
		where = fmt.Sprintf("profile %q target %q", e.Profile, e.Target)
	}
	msg := where + ": cannot connect to Snowflake: " + e.Reason
	if e.Number != 0 {
		msg += fmt.Sprintf(" (Snowflake error %d)", e.Number)
	}
	return msg
}

func (e *ConnectError) Unwrap() error { return e.Err }

// connectError classifies err from opening a session with cfg.
func connectError(profile, target string, cfg Config, err error) *ConnectError {
	ce := &ConnectError{Profile: profile, Target: target, Err: err}
	ce.Reason, ce.Number = connectReason(cfg, err)
	ce.Reason = redact(ce.Reason, cfg)
	return ce
}

func connectReason(cfg Config, err error) (string, int) {
	if errors.Is(err, ErrPrivateKey) {
		return "expired or invalid private key: " + oneLine(err.Error()), 0
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out (check account, host and network; connect_timeout raises the limit)", 0
	}
	if errors.Is(err, context.Canceled) {
		return "cancelled", 0
	}
	var se *sf.SnowflakeError
	if errors.As(err, &se) {
		n := se.Number
		switch n {
		case errIncorrectCredentials:
			return "incorrect username or password", n
		case errJWTInvalid:
			if cfg.keyPair() {
				return "expired or invalid private key: Snowflake rejected the key-pair token (is the user's RSA_PUBLIC_KEY the public half of this key? is the clock right?)", n
			}
			return "account not found: invalid account name or host " + quoteAccount(cfg), n
		case errOAuthInvalid, errOAuthExpired:
			return "expired or invalid OAuth token", n
		case sf.ErrCodeFailedToConnect, sf.ErrFailedToAuth:
			return "account not found: Snowflake refused the login for account " + quoteAccount(cfg) + " (check the account identifier, e.g. myorg-myaccount)", n
		case sf.ErrCodePrivateKeyParseError:
			return "expired or invalid private key", n
		case sf.ErrRoleNotExist:
			return fmt.Sprintf("role %q does not exist or not authorized", cfg.Role), n
		case sf.ErrObjectNotExistOrAuthorized:
			msg := strings.ToLower(se.Message)
			switch {
			case strings.Contains(msg, "warehouse"):
				return fmt.Sprintf("warehouse %q does not exist or not authorized", cfg.Warehouse), n
			case strings.Contains(msg, "database"):
				return fmt.Sprintf("database %q does not exist or not authorized", cfg.Database), n
			case strings.Contains(msg, "schema"):
				return fmt.Sprintf("schema %q does not exist or not authorized", cfg.Schema), n
			}
			return "warehouse, database, schema or role does not exist or not authorized", n
		case sf.ErrCodeServiceUnavailable:
			return "Snowflake is unavailable (HTTP 502, 503 or 504); try again later", n
		case sf.ErrCodeEmptyAccountCode:
			return "profile field account is empty", n
		case sf.ErrCodeEmptyUsernameCode:
			return "profile field user is empty", n
		case sf.ErrCodeEmptyPasswordCode:
			return "profile field password is empty", n
		case sf.ErrCodeFailedToParseHost, sf.ErrCodeFailedToParsePort:
			return "invalid host or port", n
		}
		msg := se.Message
		if len(se.MessageArgs) > 0 {
			msg = fmt.Sprintf(se.Message, se.MessageArgs...)
		}
		return oneLine(msg), n
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "account not found: host " + dnsErr.Name + " does not resolve (check the account identifier)", 0
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return "timed out reaching Snowflake (check the network, a proxy or firewall)", 0
	}
	return oneLine(err.Error()), 0
}

func quoteAccount(cfg Config) string {
	if cfg.Host != "" {
		return fmt.Sprintf("%q (host %q)", cfg.Account, cfg.Host)
	}
	return fmt.Sprintf("%q", cfg.Account)
}

// retryable reports whether a failed connection is worth another attempt
// (connect_retries): not when the login was rejected or misconfigured.
func retryable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, ErrPrivateKey) {
		return false
	}
	var se *sf.SnowflakeError
	if errors.As(err, &se) {
		switch se.Number {
		case sf.ErrCodeServiceUnavailable, sf.ErrFailedToPostQuery:
			return true
		}
		return false
	}
	return true // network trouble
}

// redact removes every secret of cfg from s, whatever produced s.
func redact(s string, cfg Config) string {
	for _, secret := range []string{cfg.Password, cfg.PrivateKey, cfg.PrivateKeyPassphrase, cfg.Token} {
		if len(secret) >= 3 {
			s = strings.ReplaceAll(s, secret, "***")
		}
	}
	return s
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
