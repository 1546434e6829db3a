package bigquery

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"cloud.google.com/go/bigquery"
	"google.golang.org/api/googleapi"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/internal/lazyre"
)

// Error is a failure BigQuery or the Google client reported, reduced to one
// line in words ("dataset x not found in project y", "permission denied:
// ...", "invalid or expired credentials"). Err keeps the cause for
// errors.Is and errors.As; its text, which can span lines, is not printed.
type Error struct {
	Op  string // what was being done, e.g. "open", "materialize `p`.`d`.`t`"
	Msg string
	Err error
}

func (e *Error) Error() string {
	if e.Op == "" {
		return "bigquery: " + e.Msg
	}
	return "bigquery: " + e.Op + ": " + e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

var (
	notFoundDataset = lazyre.New(`Not found: Dataset ([^:\s]+):([^\s.]+)`)
	notFoundTable   = lazyre.New(`Not found: Table ([^:\s]+):([^\s.]+)\.([^\s]+)`)
)

// mapError describes err in one line under op, keeping the adapters'
// own errors (seed, key, schema and config errors) as they are, and never
// letting a secret of cfg through.
func (cfg Config) mapError(op string, err error) error {
	if err == nil {
		return nil
	}
	var own *Error
	var seedErr *adapters.SeedError
	var keyErr *adapters.UniqueKeyError
	var schemaErr *adapters.SchemaChangeError
	var cfgErr *ConfigError
	var modelErr *ModelConfigError
	switch {
	case errors.As(err, &own), errors.As(err, &seedErr), errors.As(err, &keyErr), errors.As(err, &schemaErr),
		errors.As(err, &cfgErr), errors.As(err, &modelErr),
		errors.Is(err, adapters.ErrIncrementalConfig), errors.Is(err, adapters.ErrSnapshotConfig):
		return fmt.Errorf("bigquery: %s: %w", op, err)
	}
	msg := redact(describe(err), cfg.secrets())
	return &Error{Op: op, Msg: msg, Err: err}
}

// describe says what went wrong, in one line.
func describe(err error) string {
	switch {
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		msg := ge.Message
		if msg == "" && len(ge.Errors) > 0 {
			msg = ge.Errors[0].Message
		}
		reason := ""
		if len(ge.Errors) > 0 {
			reason = ge.Errors[0].Reason
		}
		switch {
		case ge.Code == http.StatusUnauthorized:
			return "invalid or expired credentials: " + oneLine(msg) + "; check the profile's keyfile, or run gcloud auth application-default login"
		case ge.Code == http.StatusForbidden && (reason == "quotaExceeded" || reason == "rateLimitExceeded"):
			return "quota exceeded: " + oneLine(msg)
		case ge.Code == http.StatusForbidden:
			return "permission denied: " + oneLine(msg)
		case ge.Code == http.StatusNotFound:
			return notFound(msg)
		}
		if msg == "" {
			return fmt.Sprintf("HTTP %d", ge.Code)
		}
		return oneLine(msg)
	}
	if be := jobError(err); be != nil {
		switch be.Reason {
		case "notFound":
			return notFound(be.Message)
		case "accessDenied":
			return "permission denied: " + oneLine(be.Message)
		case "bytesBilledLimitExceeded":
			return "maximum_bytes_billed exceeded: " + oneLine(be.Message)
		}
		return oneLine(be.Message)
	}
	msg := err.Error()
	// The auth libraries have no error types; these are their words.
	switch {
	case strings.Contains(msg, "could not find default credentials"):
		return "no Google credentials found: run gcloud auth application-default login, or use method service-account with a keyfile"
	case strings.Contains(msg, "invalid_grant"), strings.Contains(msg, "oauth2: cannot fetch token"):
		return "invalid or expired credentials: run gcloud auth application-default login again, or check the keyfile"
	}
	return oneLine(msg)
}

// notFound words a "Not found: Dataset p:d" or "Not found: Table p:d.t" message.
func notFound(msg string) string {
	if m := notFoundTable().FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("table %s not found in dataset %s of project %s", m[3], m[2], m[1])
	}
	if m := notFoundDataset().FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("dataset %s not found in project %s", m[2], m[1])
	}
	return "not found: " + oneLine(strings.TrimPrefix(msg, "Not found: "))
}

// jobError finds the *bigquery.Error a job failed with.
func jobError(err error) *bigquery.Error {
	var be *bigquery.Error
	if errors.As(err, &be) {
		return be
	}
	var bv bigquery.Error
	if errors.As(err, &bv) {
		return &bv
	}
	return nil
}

// isNotFound reports a missing dataset or table.
func isNotFound(err error) bool {
	if err == nil {
		return false
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return ge.Code == http.StatusNotFound
	}
	if be := jobError(err); be != nil {
		return be.Reason == "notFound"
	}
	return false
}

// retryable reports a failure worth running the job again for.
func retryable(err error) bool {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		if ge.Code >= 500 {
			return true
		}
		for _, e := range ge.Errors {
			if e.Reason == "rateLimitExceeded" || e.Reason == "backendError" {
				return true
			}
		}
		return false
	}
	if be := jobError(err); be != nil {
		switch be.Reason {
		case "backendError", "internalError", "rateLimitExceeded", "jobBackendError", "jobInternalError":
			return true
		}
	}
	return false
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}

// redact removes secrets from msg.
func redact(msg string, secrets []string) string {
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "***")
		}
	}
	return msg
}
