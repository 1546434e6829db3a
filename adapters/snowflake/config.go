package snowflake

import (
	"crypto/rsa"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is a Snowflake target, with dbt-snowflake's profile keys.
// Its String method leaves the secrets out, so printing it is safe.
type Config struct {
	Account string // account identifier, e.g. myorg-myaccount or xy12345.us-east-1
	User    string
	// Password, for the snowflake (default) and username_password_mfa
	// authenticators.
	Password string
	// Authenticator: snowflake (default), snowflake_jwt (also "jwt": key
	// pair), externalbrowser, oauth, username_password_mfa,
	// programmatic_access_token, or an Okta URL (https://...).
	// Empty with a private key means key pair.
	Authenticator string
	// Key pair: a PKCS #8 PEM file, or the key itself (PEM or base64 DER),
	// and the passphrase of an encrypted key.
	PrivateKeyPath       string
	PrivateKey           string
	PrivateKeyPassphrase string
	Token                string // oauth, programmatic_access_token

	Role, Warehouse, Database, Schema string

	Threads                int
	QueryTag               string // set on every session
	ClientSessionKeepAlive bool
	ConnectRetries         int           // extra attempts after a failed connection (not after a rejected login)
	ConnectTimeout         time.Duration // connect_timeout: each attempt's limit
	LoginTimeout           time.Duration // login_timeout: the driver's login retry budget
	Host                   string        // instead of <account>.snowflakecomputing.com
	Port                   int
	Protocol               string
	InsecureMode           bool // skip certificate revocation checks

	// Quoting is the project's quoting config, when cmd/elt passes it in
	// the target's fields as "quoting".
	Quoting Quoting

	// Trace, when set, is called with every statement the adapter runs
	// (not a profile key: for tests and debugging). Statements may hold
	// seed values but never the profile's secrets.
	Trace func(sql string)
}

func (c Config) String() string {
	secret := func(s string) string {
		if s == "" {
			return ""
		}
		return "***"
	}
	return fmt.Sprintf("snowflake.Config{Account:%q User:%q Password:%s Authenticator:%q PrivateKeyPath:%q PrivateKey:%s PrivateKeyPassphrase:%s Token:%s Role:%q Warehouse:%q Database:%q Schema:%q Threads:%d QueryTag:%q}",
		c.Account, c.User, secret(c.Password), c.Authenticator, c.PrivateKeyPath, secret(c.PrivateKey), secret(c.PrivateKeyPassphrase), secret(c.Token),
		c.Role, c.Warehouse, c.Database, c.Schema, c.Threads, c.QueryTag)
}

// GoString keeps %#v from printing the secrets too.
func (c Config) GoString() string { return c.String() }

// authKind is the authenticator, normalized.
func (c Config) authKind() string {
	a := strings.ToLower(strings.TrimSpace(c.Authenticator))
	switch {
	case a == "" && (c.PrivateKeyPath != "" || c.PrivateKey != ""):
		return "snowflake_jwt"
	case a == "" || a == "snowflake":
		return "snowflake"
	case a == "jwt" || a == "snowflake_jwt":
		return "snowflake_jwt"
	case strings.HasPrefix(a, "https://"):
		return "okta"
	}
	return a
}

// keyPair reports whether the config authenticates with a private key.
func (c Config) keyPair() bool { return c.authKind() == "snowflake_jwt" }

// ConfigFromFields reads a profiles.yml target's keys (other keys, such as
// type, are ignored). Values may be strings where numbers or booleans are
// meant, since env_var() renders strings. Errors name the key and never
// the value of a secret.
func ConfigFromFields(fields map[string]any) (Config, error) {
	var c Config
	var err error
	str := func(key string, dst *string) {
		if err != nil {
			return
		}
		*dst, err = stringField(fields, key)
	}
	str("account", &c.Account)
	str("user", &c.User)
	str("password", &c.Password)
	str("authenticator", &c.Authenticator)
	str("private_key_path", &c.PrivateKeyPath)
	str("private_key", &c.PrivateKey)
	str("private_key_passphrase", &c.PrivateKeyPassphrase)
	str("token", &c.Token)
	str("role", &c.Role)
	str("warehouse", &c.Warehouse)
	str("database", &c.Database)
	str("schema", &c.Schema)
	str("query_tag", &c.QueryTag)
	str("host", &c.Host)
	str("protocol", &c.Protocol)
	if err != nil {
		return Config{}, err
	}
	ints := []struct {
		key string
		dst *int
		min int
	}{{"threads", &c.Threads, 1}, {"connect_retries", &c.ConnectRetries, 0}, {"port", &c.Port, 1}}
	for _, f := range ints {
		if *f.dst, err = intField(fields, f.key, f.min); err != nil {
			return Config{}, err
		}
	}
	for _, f := range []struct {
		key string
		dst *time.Duration
	}{{"connect_timeout", &c.ConnectTimeout}, {"login_timeout", &c.LoginTimeout}} {
		n, err := intField(fields, f.key, 0)
		if err != nil {
			return Config{}, err
		}
		*f.dst = time.Duration(n) * time.Second
	}
	for _, f := range []struct {
		key string
		dst *bool
	}{{"client_session_keep_alive", &c.ClientSessionKeepAlive}, {"insecure_mode", &c.InsecureMode}} {
		if v, ok := fields[f.key]; ok && v != nil {
			if *f.dst, err = parseBool(v); err != nil {
				return Config{}, fmt.Errorf("snowflake: profile field %s: %w", f.key, err)
			}
		}
	}
	if v, ok := fields["quoting"]; ok && v != nil {
		m, ok := v.(map[string]any)
		if !ok {
			return Config{}, fmt.Errorf("snowflake: profile field quoting: want a mapping of database, schema, identifier to true or false, got %T", v)
		}
		for k, v := range m {
			b, err := parseBool(v)
			if err != nil {
				return Config{}, fmt.Errorf("snowflake: profile field quoting.%s: %w", k, err)
			}
			switch k {
			case "database":
				c.Quoting.Database = b
			case "schema":
				c.Quoting.Schema = b
			case "identifier":
				c.Quoting.Identifier = b
			}
		}
	}
	if err := c.validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// validate checks what is required and what goes together.
func (c Config) validate() error {
	for _, f := range []struct{ key, val string }{{"account", c.Account}, {"user", c.User}, {"database", c.Database}, {"schema", c.Schema}} {
		if strings.TrimSpace(f.val) == "" {
			return fmt.Errorf("snowflake: profile field %s is required", f.key)
		}
	}
	if c.PrivateKeyPath != "" && c.PrivateKey != "" {
		return fmt.Errorf("snowflake: profile fields private_key_path and private_key are both set; keep one")
	}
	switch c.authKind() {
	case "snowflake", "username_password_mfa", "okta":
		if c.Password == "" {
			return fmt.Errorf("snowflake: profile field password is required (or private_key_path for key-pair authentication)")
		}
	case "snowflake_jwt":
		if c.PrivateKeyPath == "" && c.PrivateKey == "" {
			return fmt.Errorf("snowflake: profile field private_key_path (or private_key) is required for authenticator %s", c.Authenticator)
		}
	case "oauth", "programmatic_access_token":
		if c.Token == "" && c.Password == "" {
			return fmt.Errorf("snowflake: profile field token is required for authenticator %s", c.Authenticator)
		}
	case "externalbrowser":
	default:
		return fmt.Errorf("snowflake: profile field authenticator: %q is not supported; use snowflake, snowflake_jwt, externalbrowser, oauth, username_password_mfa, programmatic_access_token or an Okta URL", c.Authenticator)
	}
	return nil
}

// privateKey loads the key-pair key, from the file or the field.
func (c Config) privateKey() (*rsa.PrivateKey, error) {
	text := []byte(c.PrivateKey)
	if c.PrivateKeyPath != "" {
		b, err := os.ReadFile(expandHome(c.PrivateKeyPath))
		if err != nil {
			// The path is not a secret; the file's contents are.
			return nil, fmt.Errorf("%w: private_key_path: %v", ErrPrivateKey, err)
		}
		text = b
	}
	return ParsePrivateKey(text, c.PrivateKeyPassphrase)
}

func expandHome(path string) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return home + "/" + rest
		}
	}
	return path
}

func stringField(fields map[string]any, key string) (string, error) {
	v, ok := fields[key]
	if !ok || v == nil {
		return "", nil
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case int, int64, float64, bool:
		// YAML reads account: 12345 or role: true as non-strings.
		return fmt.Sprint(x), nil
	}
	return "", fmt.Errorf("snowflake: profile field %s: want a string, got %T", key, v)
}

func intField(fields map[string]any, key string, min int) (int, error) {
	v, ok := fields[key]
	if !ok || v == nil {
		return 0, nil
	}
	var n int
	switch x := v.(type) {
	case int:
		n = x
	case int64:
		n = int(x)
	case float64:
		if x != float64(int(x)) {
			return 0, fmt.Errorf("snowflake: profile field %s: want a whole number, got %v", key, x)
		}
		n = int(x)
	case string:
		i, err := strconv.Atoi(strings.TrimSpace(x))
		if err != nil {
			return 0, fmt.Errorf("snowflake: profile field %s: want a whole number, got %q", key, x)
		}
		n = i
	default:
		return 0, fmt.Errorf("snowflake: profile field %s: want a number, got %T", key, v)
	}
	if n < min {
		return 0, fmt.Errorf("snowflake: profile field %s: want at least %d, got %d", key, min, n)
	}
	return n, nil
}

// parseBool reads a boolean, or its text ("true", "False", "1", "yes").
func parseBool(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "1", "yes", "on":
			return true, nil
		case "false", "0", "no", "off", "":
			return false, nil
		}
		return false, fmt.Errorf("want true or false, got %q", x)
	case int:
		return x != 0, nil
	}
	return false, fmt.Errorf("want true or false, got %T", v)
}

// profileFields are the target keys ConfigFromFields reads.
var profileFields = []string{
	"account", "user", "password", "authenticator", "private_key_path", "private_key", "private_key_passphrase",
	"token", "role", "warehouse", "database", "schema", "query_tag", "host", "protocol", "port", "threads", "connect_retries",
	"connect_timeout", "login_timeout", "client_session_keep_alive", "insecure_mode", "quoting",
}
