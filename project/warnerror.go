package project

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// WarnErrorOptions is dbt's warn_error_options (dbt-common's
// WarnErrorOptionsV2): which warnings fail the invocation (Error, or
// every one with ErrorAll), which stay warnings and which are not shown.
// Names are dbt's event names; a name elt never emits changes nothing.
type WarnErrorOptions struct {
	ErrorAll             bool
	Error, Warn, Silence []string
}

// deprecationsName stands for every deprecation event in dbt's lists.
const deprecationsName = "Deprecations"

// Errors says whether the warning event fails the invocation, by dbt's
// order: a name in warn or silence wins over error, and error's names
// over "all". (elt emits no deprecation events, so Deprecations in a
// list never names one of elt's.)
func (o WarnErrorOptions) Errors(event string) bool {
	if slices.Contains(o.Warn, event) || slices.Contains(o.Silence, event) {
		return false
	}
	return o.ErrorAll || slices.Contains(o.Error, event)
}

// Silenced says whether the warning event is not shown at all.
func (o WarnErrorOptions) Silenced(event string) bool { return slices.Contains(o.Silence, event) }

// WarnErrorOptions is the warn_error_options flag in effect (the command
// line, DBT_WARN_ERROR_OPTIONS, then flags:); none set is the zero value.
func (c *ProjectConfig) WarnErrorOptions() WarnErrorOptions {
	o, _ := ParseWarnErrorOptions(c.Flags["warn_error_options"])
	return o
}

// ParseWarnErrorOptions reads warn_error_options as dbt 1.10 does
// (config/utils.py normalize_warn_error_options, then WarnErrorOptionsV2):
// keys error, warn and silence, with include and exclude as the older
// names of error and warn; error is "all", "*" or a list of event names.
// nil is no options. elt refuses keys dbt would ignore, so that a
// misspelt key does not pass unnoticed, and an event both in error and in
// warn or silence, which dbt resolves silently.
func ParseWarnErrorOptions(v any) (WarnErrorOptions, error) {
	var o WarnErrorOptions
	if v == nil {
		return o, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return o, fmt.Errorf("warn_error_options must be a mapping like {\"error\": \"all\", \"warn\": [...], \"silence\": [...]}, not %s", pyStr(v))
	}
	var unknown []string
	for k := range m {
		switch k {
		case "error", "warn", "silence", "include", "exclude":
		default:
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return o, fmt.Errorf("warn_error_options: unknown key %s (the keys are error, warn and silence; include and exclude are the older names of error and warn)",
			strings.Join(unknown, ", "))
	}
	pick := func(primary, alt string) (any, error) {
		if truthy(m[primary]) && truthy(m[alt]) {
			return nil, fmt.Errorf("warn_error_options: only `%s` or `%s` can be specified, not both", alt, primary)
		}
		if _, ok := m[alt]; ok {
			return m[alt], nil
		}
		return m[primary], nil
	}
	errorValue, err := pick("error", "include")
	if err != nil {
		return o, err
	}
	warnValue, err := pick("warn", "exclude")
	if err != nil {
		return o, err
	}
	if s, ok := errorValue.(string); ok {
		if s != "all" && s != "*" {
			return o, fmt.Errorf("warn_error_options: error must be one of ('all', '*') or a list of strings, not %q", s)
		}
		o.ErrorAll = true
	} else if o.Error, err = eventNames("error", errorValue); err != nil {
		return o, err
	}
	if o.Warn, err = eventNames("warn", warnValue); err != nil {
		return o, err
	}
	if o.Silence, err = eventNames("silence", m["silence"]); err != nil {
		return o, err
	}
	if len(o.Warn) > 0 && !o.ErrorAll && !slices.Contains(o.Error, deprecationsName) && !slices.Contains(o.Silence, deprecationsName) {
		return o, fmt.Errorf("warn_error_options: `warn` can only be specified if `error` is one of ('all', '*') or %s is in `error` or silence", deprecationsName)
	}
	for _, name := range o.Error {
		if slices.Contains(o.Warn, name) || slices.Contains(o.Silence, name) {
			return o, fmt.Errorf("warn_error_options: %s is both in error and in warn or silence; name it in one list", name)
		}
	}
	return o, nil
}

// truthy is Python's truth of a YAML value, as dbt tests both keys.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	case bool:
		return x
	case int:
		return x != 0
	case int64:
		return x != 0
	case float64:
		return x != 0
	}
	return true
}

// eventNames reads a list of event names; null is an empty list.
func eventNames(key string, v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("warn_error_options: %s must be a list of event names, not %s", key, pyStr(v))
	}
	out := make([]string, 0, len(list))
	for _, item := range list {
		s, ok := item.(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("warn_error_options: %s must be a list of event names; %s is not one", key, pyStr(item))
		}
		out = append(out, s)
	}
	return out, nil
}
