package snowflake

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	sf "github.com/snowflakedb/gosnowflake"
)

func TestConfigFromFields(t *testing.T) {
	base := func(extra map[string]any) map[string]any {
		m := map[string]any{"type": "snowflake", "account": "myorg-myaccount", "user": "ann", "password": "s3cret!", "database": "analytics", "schema": "dbt_ann"}
		for k, v := range extra {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}
	tests := []struct {
		name    string
		fields  map[string]any
		want    Config
		wantErr string
	}{
		{"every key", base(map[string]any{
			"authenticator": "snowflake", "role": "transformer", "warehouse": "transforming", "threads": 8,
			"query_tag": "dbt", "client_session_keep_alive": true, "connect_retries": 3, "connect_timeout": 20,
			"login_timeout": 60, "host": "myorg-myaccount.privatelink.snowflakecomputing.com", "port": 443, "protocol": "https",
			"insecure_mode": false, "quoting": map[string]any{"database": false, "schema": true, "identifier": "true"},
		}), Config{Account: "myorg-myaccount", User: "ann", Password: "s3cret!", Authenticator: "snowflake", Role: "transformer",
			Warehouse: "transforming", Database: "analytics", Schema: "dbt_ann", Threads: 8, QueryTag: "dbt", ClientSessionKeepAlive: true,
			ConnectRetries: 3, ConnectTimeout: 20 * time.Second, LoginTimeout: 60 * time.Second,
			Host: "myorg-myaccount.privatelink.snowflakecomputing.com", Port: 443, Protocol: "https",
			Quoting: Quoting{Schema: true, Identifier: true}}, ""},
		{"env-rendered strings", base(map[string]any{"threads": "4", "client_session_keep_alive": "True", "connect_retries": " 2 ", "login_timeout": "30", "insecure_mode": "false"}),
			Config{Account: "myorg-myaccount", User: "ann", Password: "s3cret!", Database: "analytics", Schema: "dbt_ann", Threads: 4,
				ClientSessionKeepAlive: true, ConnectRetries: 2, LoginTimeout: 30 * time.Second}, ""},
		{"key pair from a path, no authenticator", base(map[string]any{"password": nil, "private_key_path": "~/.ssh/snowflake.p8", "private_key_passphrase": "pp"}),
			Config{Account: "myorg-myaccount", User: "ann", Database: "analytics", Schema: "dbt_ann", PrivateKeyPath: "~/.ssh/snowflake.p8", PrivateKeyPassphrase: "pp"}, ""},
		{"key pair inline", base(map[string]any{"password": nil, "authenticator": "snowflake_jwt", "private_key": "MIIE..."}),
			Config{Account: "myorg-myaccount", User: "ann", Database: "analytics", Schema: "dbt_ann", Authenticator: "snowflake_jwt", PrivateKey: "MIIE..."}, ""},
		{"external browser needs no password", base(map[string]any{"password": nil, "authenticator": "externalbrowser"}),
			Config{Account: "myorg-myaccount", User: "ann", Database: "analytics", Schema: "dbt_ann", Authenticator: "externalbrowser"}, ""},
		{"oauth token", base(map[string]any{"password": nil, "authenticator": "oauth", "token": "tok"}),
			Config{Account: "myorg-myaccount", User: "ann", Database: "analytics", Schema: "dbt_ann", Authenticator: "oauth", Token: "tok"}, ""},
		{"missing account", base(map[string]any{"account": nil}), Config{}, "snowflake: profile field account is required"},
		{"missing user", base(map[string]any{"user": ""}), Config{}, "snowflake: profile field user is required"},
		{"missing database", base(map[string]any{"database": nil}), Config{}, "snowflake: profile field database is required"},
		{"missing schema", base(map[string]any{"schema": nil}), Config{}, "snowflake: profile field schema is required"},
		{"missing password", base(map[string]any{"password": nil}), Config{}, "snowflake: profile field password is required (or private_key_path for key-pair authentication)"},
		{"jwt without key", base(map[string]any{"password": nil, "authenticator": "jwt"}), Config{}, "snowflake: profile field private_key_path (or private_key) is required for authenticator jwt"},
		{"oauth without token", base(map[string]any{"password": nil, "authenticator": "oauth"}), Config{}, "snowflake: profile field token is required for authenticator oauth"},
		{"both key forms", base(map[string]any{"private_key_path": "a", "private_key": "b"}), Config{}, "snowflake: profile fields private_key_path and private_key are both set; keep one"},
		{"unknown authenticator", base(map[string]any{"authenticator": "kerberos"}), Config{}, `snowflake: profile field authenticator: "kerberos" is not supported`},
		{"threads not a number", base(map[string]any{"threads": "many"}), Config{}, `snowflake: profile field threads: want a whole number, got "many"`},
		{"threads zero", base(map[string]any{"threads": 0}), Config{}, "snowflake: profile field threads: want at least 1, got 0"},
		{"keep alive not a bool", base(map[string]any{"client_session_keep_alive": "maybe"}), Config{}, `snowflake: profile field client_session_keep_alive: want true or false, got "maybe"`},
		{"role a list", base(map[string]any{"role": []any{"a"}}), Config{}, "snowflake: profile field role: want a string, got []interface {}"},
		{"quoting not a mapping", base(map[string]any{"quoting": "yes"}), Config{}, "snowflake: profile field quoting: want a mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ConfigFromFields(tt.fields)
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("want error starting %q, got %v", tt.wantErr, err)
				}
				if strings.Contains(err.Error(), "s3cret!") {
					t.Errorf("error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(tt.want, got) {
				t.Errorf("want %#v\n got %#v", tt.want, got)
			}
		})
	}
}

func TestConfigStringHidesSecrets(t *testing.T) {
	c := Config{Account: "a", User: "u", Password: "pw-123", PrivateKey: "KEYDATA", PrivateKeyPassphrase: "pp-77x", Token: "tok-9"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		s := fmt.Sprintf(verb, c)
		for _, secret := range []string{"pw-123", "KEYDATA", "pp-77x", "tok-9"} {
			if strings.Contains(s, secret) {
				t.Errorf("%s shows %q: %s", verb, secret, s)
			}
		}
	}
}

func TestDriverConfig(t *testing.T) {
	cfg := Config{Account: "xy12345.us-east-1", User: "ann", Password: "pw", Database: "db", Schema: "s", Warehouse: "wh", Role: "r",
		QueryTag: "elt", ClientSessionKeepAlive: true, LoginTimeout: time.Minute}
	sc, err := driverConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Account != "xy12345" || sc.Host != "xy12345.us-east-1.snowflakecomputing.com" {
		t.Errorf("legacy account: got account %q host %q", sc.Account, sc.Host)
	}
	if sc.Authenticator != sf.AuthTypeSnowflake || sc.Password != "pw" || sc.Warehouse != "wh" || sc.Role != "r" || sc.LoginTimeout != time.Minute {
		t.Errorf("unexpected config: %+v", sc)
	}
	if sc.Params["query_tag"] == nil || *sc.Params["query_tag"] != "elt" || sc.Params["client_session_keep_alive"] == nil {
		t.Errorf("session parameters: %v", sc.Params)
	}

	key := filepath.Join("testdata", "keys", "aes256.p8")
	sc, err = driverConfig(Config{Account: "myorg-acct", User: "ann", Database: "db", Schema: "s", PrivateKeyPath: key, PrivateKeyPassphrase: "test-passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Authenticator != sf.AuthTypeJwt || sc.PrivateKey == nil || sc.Account != "myorg-acct" || sc.Host != "" {
		t.Errorf("key pair: authenticator %v, key set %v, account %q, host %q", sc.Authenticator, sc.PrivateKey != nil, sc.Account, sc.Host)
	}
	_, err = driverConfig(Config{Account: "a", User: "u", Database: "db", Schema: "s", PrivateKeyPath: key, PrivateKeyPassphrase: "wrong"})
	if !errors.Is(err, ErrPrivateKey) {
		t.Errorf("wrong passphrase: want ErrPrivateKey, got %v", err)
	}
}

// encryptPKCS8 writes der as an ENCRYPTED PRIVATE KEY with PBES2
// (PBKDF2-HMAC-SHA256, AES-256-CBC), as openssl pkcs8 -topk8 does.
func encryptPKCS8(t *testing.T, der []byte, passphrase string) []byte {
	t.Helper()
	salt := make([]byte, 16)
	iv := make([]byte, 16)
	rand.Read(salt)
	rand.Read(iv)
	key, err := pbkdf2.Key(sha256.New, passphrase, salt, 2048, 32)
	if err != nil {
		t.Fatal(err)
	}
	pad := 16 - len(der)%16
	plain := append(append([]byte{}, der...), []byte(strings.Repeat(string(rune(pad)), pad))...)
	block, _ := aes.NewCipher(key)
	enc := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(enc, plain)
	mustMarshal := func(v any) []byte {
		b, err := asn1.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	kdf := mustMarshal(pbkdf2Params{Salt: salt, IterationCount: 2048, PRF: pkix.AlgorithmIdentifier{Algorithm: oidHMACSHA256, Parameters: asn1.NullRawValue}})
	params := mustMarshal(pbes2Params{
		KeyDerivationFunc: pkix.AlgorithmIdentifier{Algorithm: oidPBKDF2, Parameters: asn1.RawValue{FullBytes: kdf}},
		EncryptionScheme:  pkix.AlgorithmIdentifier{Algorithm: oidAES256CBC, Parameters: asn1.RawValue{FullBytes: mustMarshal(iv)}},
	})
	out := mustMarshal(encryptedPrivateKeyInfo{Algorithm: pkix.AlgorithmIdentifier{Algorithm: oidPBES2, Parameters: asn1.RawValue{FullBytes: params}}, EncryptedData: enc})
	return pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: out})
}

func TestParsePrivateKey(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	plainPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	encrypted := encryptPKCS8(t, der, "correct horse")
	b64 := []byte(base64.StdEncoding.EncodeToString(der))

	for _, tt := range []struct {
		name, pass string
		text       []byte
	}{
		{"PKCS #8 PEM", "", plainPEM},
		{"PKCS #8 PEM, passphrase ignored", "unused", plainPEM},
		{"PKCS #1 PEM", "", pkcs1},
		{"encrypted PKCS #8", "correct horse", encrypted},
		{"base64 DER", "", b64},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePrivateKey(tt.text, tt.pass)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(key) {
				t.Errorf("parsed a different key")
			}
		})
	}

	// Keys written by OpenSSL (see testdata/keys/README.md).
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "keys", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	want, err := ParsePrivateKey(read("plain.p8"), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"aes256.p8", "des3_sha1.p8", "aes128_sha512.p8"} {
		t.Run("openssl "+name, func(t *testing.T) {
			got, err := ParsePrivateKey(read(name), "test-passphrase")
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(want) {
				t.Errorf("parsed a different key")
			}
		})
	}

	ecKey := func() []byte {
		b, err := x509.MarshalPKCS8PrivateKey(mustEd25519(t))
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: b})
	}()
	for _, tt := range []struct {
		name, pass string
		text       []byte
		want       string
	}{
		{"wrong passphrase", "zebra-42", encrypted, "wrong passphrase"},
		{"missing passphrase", "", encrypted, "set private_key_passphrase"},
		{"not a key", "", []byte("hello, world"), "neither PEM nor base64 DER"},
		{"certificate", "", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}), `PEM block "CERTIFICATE" is not a private key`},
		{"not RSA", "", ecKey, "needs an RSA key"},
		{"legacy encryption", "x", []byte("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n"), "legacy OpenSSL PEM encryption"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePrivateKey(tt.text, tt.pass)
			if !errors.Is(err, ErrPrivateKey) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("want ErrPrivateKey saying %q, got %v", tt.want, err)
			}
			if tt.pass != "" && len(tt.pass) > 2 && strings.Contains(err.Error(), tt.pass) {
				t.Errorf("error shows the passphrase: %v", err)
			}
		})
	}
}
