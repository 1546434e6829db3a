package bigquery

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Authentication methods, as dbt-bigquery spells them in profiles.yml.
const (
	MethodOAuth              = "oauth"
	MethodServiceAccount     = "service-account"
	MethodServiceAccountJSON = "service-account-json"
)

// Job priorities.
const (
	PriorityInteractive = "interactive"
	PriorityBatch       = "batch"
)

// Config is a BigQuery target, as read from profiles.yml with dbt-bigquery's
// keys. It holds secrets (KeyfileJSON); never print it.
type Config struct {
	Method  string // oauth (application default credentials), service-account, service-account-json
	Project string // where relations live (database); also runs the jobs unless ExecutionProject is set
	Dataset string // default dataset (schema)
	// ExecutionProject runs and bills the query jobs (dbt-bigquery's execution_project).
	ExecutionProject string
	Location         string // e.g. US, EU, europe-west1; empty lets BigQuery decide
	Keyfile          string // service-account: path of the JSON key file
	KeyfileJSON      []byte // service-account-json: the key itself, as JSON
	// ImpersonateServiceAccount is the email of a service account whose
	// identity the jobs run under, using the method's credentials to get it.
	ImpersonateServiceAccount string
	Priority                  string        // interactive (default) or batch
	MaximumBytesBilled        int64         // 0: no limit
	JobExecutionTimeout       time.Duration // 0: none
	JobRetries                int           // retries of a job that failed for a transient reason; default 1
	Threads                   int
	// Endpoint overrides the API address, for emulators; it turns
	// authentication off.
	Endpoint string
}

// ConfigError is a problem with a profile's keys. Key names the offending
// key; the message never holds a secret value.
type ConfigError struct {
	Key string
	Msg string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("bigquery: profile field %s: %s", e.Key, e.Msg)
}

// ConfigFromFields reads a profiles.yml target's keys with dbt-bigquery's
// names and aliases: method, project (alias database), dataset (alias
// schema), execution_project, location, keyfile, keyfile_json,
// impersonate_service_account, priority, maximum_bytes_billed,
// job_execution_timeout_seconds (alias timeout_seconds), job_retries
// (alias retries), threads, and endpoint (for emulators). Errors name the
// key and never its value when the key holds a secret.
func ConfigFromFields(fields map[string]any) (Config, error) {
	var cfg Config
	var err error
	str := func(dst *string, keys ...string) {
		for _, k := range keys {
			if err != nil || *dst != "" {
				return
			}
			*dst, err = stringField(fields, k)
		}
	}
	str(&cfg.Method, "method")
	str(&cfg.Project, "project", "database")
	str(&cfg.Dataset, "dataset", "schema")
	str(&cfg.ExecutionProject, "execution_project")
	str(&cfg.Location, "location")
	str(&cfg.Keyfile, "keyfile")
	str(&cfg.ImpersonateServiceAccount, "impersonate_service_account")
	str(&cfg.Priority, "priority")
	str(&cfg.Endpoint, "endpoint")
	if err != nil {
		return Config{}, err
	}
	if v, ok := fields["keyfile_json"]; ok && v != nil {
		switch x := v.(type) {
		case map[string]any:
			b, jerr := json.Marshal(x)
			if jerr != nil {
				return Config{}, &ConfigError{Key: "keyfile_json", Msg: "cannot be written as JSON"}
			}
			cfg.KeyfileJSON = b
		case string: // some users paste the JSON as a string
			if !json.Valid([]byte(x)) {
				return Config{}, &ConfigError{Key: "keyfile_json", Msg: "is a string but not valid JSON; write the key's fields as a mapping"}
			}
			cfg.KeyfileJSON = []byte(x)
		default:
			return Config{}, &ConfigError{Key: "keyfile_json", Msg: fmt.Sprintf("want a mapping (the service account key's fields), got %s", typeName(v))}
		}
	}
	var n int64
	if n, err = intField(fields, "maximum_bytes_billed"); err != nil {
		return Config{}, err
	}
	cfg.MaximumBytesBilled = n
	for _, k := range []string{"job_execution_timeout_seconds", "timeout_seconds"} {
		if _, ok := fields[k]; ok && cfg.JobExecutionTimeout == 0 {
			if n, err = intField(fields, k); err != nil {
				return Config{}, err
			}
			cfg.JobExecutionTimeout = time.Duration(n) * time.Second
		}
	}
	cfg.JobRetries = -1
	for _, k := range []string{"job_retries", "retries"} {
		if _, ok := fields[k]; ok && cfg.JobRetries < 0 {
			if n, err = intField(fields, k); err != nil {
				return Config{}, err
			}
			cfg.JobRetries = int(n)
		}
	}
	if n, err = intField(fields, "threads"); err != nil {
		return Config{}, err
	}
	cfg.Threads = int(n)
	return cfg.withDefaults()
}

// withDefaults fills in defaults and checks that the method has what it needs.
func (cfg Config) withDefaults() (Config, error) {
	cfg.Method = strings.ToLower(strings.TrimSpace(cfg.Method))
	if cfg.Method == "" {
		if cfg.Endpoint == "" {
			return Config{}, &ConfigError{Key: "method", Msg: "is required: oauth, service-account or service-account-json"}
		}
		cfg.Method = MethodOAuth // an emulator needs no credentials
	}
	switch cfg.Method {
	case MethodOAuth:
	case MethodServiceAccount:
		if cfg.Keyfile == "" && cfg.Endpoint == "" {
			return Config{}, &ConfigError{Key: "keyfile", Msg: "is required with method service-account (the path of the service account's JSON key)"}
		}
	case MethodServiceAccountJSON:
		if len(cfg.KeyfileJSON) == 0 && cfg.Endpoint == "" {
			return Config{}, &ConfigError{Key: "keyfile_json", Msg: "is required with method service-account-json (the service account key's fields)"}
		}
	case "oauth-secrets":
		return Config{}, &ConfigError{Key: "method", Msg: "oauth-secrets is not supported yet; use oauth (gcloud auth application-default login), service-account or service-account-json"}
	default:
		return Config{}, &ConfigError{Key: "method", Msg: fmt.Sprintf("unknown method %q; use oauth, service-account or service-account-json", cfg.Method)}
	}
	if cfg.Project == "" {
		return Config{}, &ConfigError{Key: "project", Msg: "is required (the Google Cloud project that holds the datasets; alias database)"}
	}
	if cfg.Dataset == "" {
		return Config{}, &ConfigError{Key: "dataset", Msg: "is required (the default dataset; alias schema)"}
	}
	cfg.Priority = strings.ToLower(strings.TrimSpace(cfg.Priority))
	switch cfg.Priority {
	case "":
		cfg.Priority = PriorityInteractive
	case PriorityInteractive, PriorityBatch:
	default:
		return Config{}, &ConfigError{Key: "priority", Msg: fmt.Sprintf("unknown priority %q; use interactive or batch", cfg.Priority)}
	}
	if cfg.MaximumBytesBilled < 0 {
		return Config{}, &ConfigError{Key: "maximum_bytes_billed", Msg: "must not be negative"}
	}
	if cfg.JobExecutionTimeout < 0 {
		return Config{}, &ConfigError{Key: "job_execution_timeout_seconds", Msg: "must not be negative"}
	}
	if cfg.JobRetries < 0 {
		cfg.JobRetries = 1 // dbt-bigquery's default
	}
	if cfg.Threads < 1 {
		cfg.Threads = 1
	}
	return cfg, nil
}

// jobProject is the project the jobs run in.
func (cfg Config) jobProject() string {
	if cfg.ExecutionProject != "" {
		return cfg.ExecutionProject
	}
	return cfg.Project
}

// secrets lists the values that must never appear in a message.
func (cfg Config) secrets() []string {
	var out []string
	if len(cfg.KeyfileJSON) > 0 {
		out = append(out, string(cfg.KeyfileJSON))
		var m map[string]any
		if json.Unmarshal(cfg.KeyfileJSON, &m) == nil {
			for _, k := range []string{"private_key", "private_key_id", "client_secret", "refresh_token"} {
				if s, ok := m[k].(string); ok && len(s) >= 8 {
					out = append(out, s, strings.ReplaceAll(s, "\n", `\n`))
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) }) // longest first
	return out
}

func stringField(fields map[string]any, key string) (string, error) {
	v, ok := fields[key]
	if !ok || v == nil {
		return "", nil
	}
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x), nil
	case int, int64, float64:
		// project ids and locations are strings, but YAML may read a number.
		return fmt.Sprint(x), nil
	}
	return "", &ConfigError{Key: key, Msg: fmt.Sprintf("want a string, got %s", typeName(v))}
}

func intField(fields map[string]any, key string) (int64, error) {
	v, ok := fields[key]
	if !ok || v == nil {
		return 0, nil
	}
	switch x := v.(type) {
	case int:
		return int64(x), nil
	case int64:
		return x, nil
	case float64:
		if x != math.Trunc(x) {
			return 0, &ConfigError{Key: key, Msg: fmt.Sprintf("want a whole number, got %v", x)}
		}
		return int64(x), nil
	case string: // env_var() renders to a string
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil {
			return 0, &ConfigError{Key: key, Msg: fmt.Sprintf("want a whole number, got %q", x)}
		}
		return n, nil
	}
	return 0, &ConfigError{Key: key, Msg: fmt.Sprintf("want a whole number, got %s", typeName(v))}
}

func typeName(v any) string {
	switch v.(type) {
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int, int64, float64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}
