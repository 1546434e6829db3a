package compiler

import (
	"fmt"
	"math/big"
	"slices"
	"sort"
	"time"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/lazyre"
	"github.com/elt-dev/elt/jinja"
	"github.com/elt-dev/elt/project"
)

// microbatchFlag is the behaviour flag under which dbt checks microbatch
// models even where a project replaces dbt's microbatch macro.
const microbatchFlag = "require_batched_execution_for_custom_microbatch_strategy"

// batchSizes are the batch_size values dbt accepts, in its order (its
// BatchSize enum); the comparison is exact, as dbt's.
var batchSizes = []string{"hour", "day", "month", "year"}

// UseMicrobatchBatches is dbt's Manifest.use_microbatch_batches: the
// behaviour flag is set, or get_incremental_microbatch_sql is dbt's own
// (neither the root project nor an installed package defines it). When
// it is false a microbatch model runs once, unbatched, as any incremental
// model, its strategy macro get_incremental_microbatch_sql (dbt's
// ModelRunner rather than its MicrobatchModelRunner).
func (m *Manifest) UseMicrobatchBatches() bool {
	if on, _ := m.engine.proj.Config.FlagBool(microbatchFlag); on {
		return true
	}
	return m.customMicrobatchMacro() == nil
}

// customMicrobatchMacro is the root project's get_incremental_microbatch_sql,
// else an installed package's (the first by name), else nil: the
// candidate dbt's find_macro_candidate_by_name prefers to its own.
func (m *Manifest) customMicrobatchMacro() *Macro {
	e := m.engine
	const name = "get_incremental_microbatch_sql"
	if def, ok := e.macros[name]; ok && !internalPackages[def.meta.Package] {
		return def.meta
	}
	pkgs := make([]string, 0, len(e.packageMacros))
	for pkg := range e.packageMacros {
		pkgs = append(pkgs, pkg)
	}
	sort.Strings(pkgs)
	for _, pkg := range pkgs {
		if def, ok := e.packageMacros[pkg][name]; ok && !internalPackages[pkg] {
			return def.meta
		}
	}
	return nil
}

// Batched reports whether model n runs batch by batch: a microbatch
// model where UseMicrobatchBatches. Only its batches render it
// (RenderBatch), as dbt's MicrobatchModelRunner compiles nothing of its
// own.
func (m *Manifest) Batched(n *Node) bool {
	return n.ResourceType == project.Model && isMicrobatch(n) && m.UseMicrobatchBatches()
}

func isMicrobatch(n *Node) bool {
	return n.Config["materialized"] == "incremental" && n.Config["incremental_strategy"] == "microbatch"
}

// validateMicrobatch checks, at parse time as dbt's ManifestLoader does
// (check_valid_microbatch_config, then
// check_microbatch_model_has_a_filtered_input), each microbatch model's
// event_time, begin, batch_size, lookback and concurrent_batches, and the
// type of its inputs' event_time; a model none of whose inputs has an
// event_time is warned of. Nothing is checked where dbt would not batch
// (UseMicrobatchBatches); there the project's macro is warned of, as
// dbt's check_for_microbatch_deprecations does.
func (m *Manifest) validateMicrobatch(l *diag.List, nodes []*Node) {
	var models []*Node
	for _, n := range nodes {
		if isMicrobatch(n) {
			models = append(models, n)
		}
	}
	if len(models) == 0 {
		return
	}
	if !m.UseMicrobatchBatches() {
		// dbt's check_for_microbatch_deprecations
		// (MicrobatchMacroOutsideOfBatchesDeprecation, D020).
		if def := m.customMicrobatchMacro(); def != nil && slices.ContainsFunc(models, func(n *Node) bool { return n.ResourceType == project.Model }) {
			l.Add(diag.Warnf(def.OriginalFilePath, diag.Pos{Line: def.Line}, "set flags: {"+microbatchFlag+": true} in dbt_project.yml to run the macro once per batch",
				"The use of a custom microbatch macro outside of batched execution is deprecated. To use it with batched execution, set `flags.%s` to `True` in `dbt_project.yml`. In the future this will be the default behavior.", microbatchFlag).
				AsEvent("MicrobatchMacroOutsideOfBatchesDeprecation"))
		}
		return
	}
	for _, n := range models {
		if msg := microbatchConfigProblem(n.Config); msg != "" {
			file, pos := ConfigSite(n)
			l.Add(diag.Errorf(file, pos, "a microbatch model needs event_time (a column name), begin (an ISO datetime) and batch_size (hour, day, month or year); lookback is an int and concurrent_batches true or false",
				"Microbatch model '%s' %s", n.Name, msg))
		}
	}
	for _, n := range models {
		m.validateMicrobatchInputs(l, n)
	}
}

// warnConcurrentBatches is dbt's check_forcing_batch_concurrency
// (parser/manifest.py): where dbt batches microbatch models and the
// adapter lacks the MicrobatchConcurrency capability, the nodes that set
// concurrent_batches to true (dbt counts every node, microbatch or not)
// are warned of (InvalidConcurrentBatchesConfig, I075), and batches run
// one after another. dbt-duckdb, dbt-snowflake and dbt-bigquery declare
// the capability; dbt-postgres does not.
func (m *Manifest) warnConcurrentBatches(l *diag.List, nodes []*Node) {
	if m.engine == nil || m.engine.dialect == nil || !m.UseMicrobatchBatches() {
		return
	}
	switch adapter := m.engine.dialect.Type(); adapter {
	case "duckdb", "snowflake", "bigquery":
	default:
		var forcing []*Node
		for _, n := range nodes {
			if n.Config["concurrent_batches"] == true {
				forcing = append(forcing, n)
			}
		}
		if len(forcing) == 0 {
			return
		}
		count := "1 microbatch model"
		if len(forcing) > 1 {
			count = fmt.Sprintf("%d microbatch models", len(forcing))
		}
		file, pos := ConfigSite(forcing[0])
		l.Add(diag.Warnf(file, pos, "leave concurrent_batches unset on this warehouse",
			"Found %s with the `concurrent_batches` config set to true, but the %s adapter does not support running batches concurrently. Batches will be run sequentially.", count, adapter).
			AsEvent("InvalidConcurrentBatchesConfig"))
	}
}

// microbatchConfigProblem is the first of dbt's complaints about a
// microbatch model's config, after "Microbatch model '<name>' ", or "".
func microbatchConfigProblem(c project.Config) string {
	eventTime := c["event_time"]
	switch eventTime.(type) {
	case nil:
		return "must provide an 'event_time' (string) config that indicates the name of the event time column."
	case string:
	default:
		return fmt.Sprintf("must provide an 'event_time' config of type string, but got: %s.", pyType(eventTime))
	}
	switch begin := c["begin"].(type) {
	case nil:
		return "must provide a 'begin' (datetime) config that indicates the earliest timestamp the microbatch model should be built from."
	case string:
		if !isISODatetime(begin) {
			return fmt.Sprintf("must provide a 'begin' config of valid datetime (ISO format), but got: %s.", begin)
		}
	case time.Time, *timeValue:
	default:
		return fmt.Sprintf("must provide a 'begin' config of type datetime, but got: %s.", pyType(begin))
	}
	size, _ := c["batch_size"].(string)
	valid := false
	for _, s := range batchSizes {
		valid = valid || size == s
	}
	if !valid {
		return fmt.Sprintf("must provide a 'batch_size' config that is one of %s, but got: %s.", jinja.Repr(toAnyList(batchSizes)), pyStr(c["batch_size"]))
	}
	// As dbt's isinstance(lookback, int): a bool is an int too.
	switch lookback := c["lookback"].(type) {
	case nil, int, int64, *big.Int, bool:
	default:
		return fmt.Sprintf("must provide the optional 'lookback' config as type int, but got: %s).", pyType(lookback))
	}
	switch cb := c["concurrent_batches"].(type) {
	case nil, bool:
	default:
		return fmt.Sprintf("optional 'concurrent_batches' config must be of type `bool` if specified, but got: %s).", pyType(cb))
	}
	return ""
}

// validateMicrobatchInputs refuses an input (ref or source) whose
// event_time is set and not a string, and warns when no input has one:
// no batch of the model would then be filtered.
func (m *Manifest) validateMicrobatchInputs(l *diag.List, n *Node) {
	filtered := false
	for _, id := range n.DependsOn.Nodes {
		var name string
		var cfg project.Config
		if in, ok := m.Nodes[id]; ok {
			name, cfg = in.Name, in.Config
		} else if s, ok := m.Sources[id]; ok {
			name, cfg = s.Name, s.Config
		} else {
			continue
		}
		et := cfg["event_time"]
		if set, _ := jinja.Truth(et); !set {
			continue
		}
		if _, ok := et.(string); !ok {
			file, pos := ConfigSite(n)
			l.Add(diag.Errorf(file, pos, "set the input's event_time to the name of its event time column",
				"Microbatch model '%s' depends on an input node '%s' with an 'event_time' config of invalid (non-string) type: %s.", n.Name, name, pyType(et)))
			return
		}
		filtered = true
	}
	if !filtered {
		file, pos := ConfigSite(n)
		l.Add(diag.Warnf(file, pos, "set event_time on the refs and sources the model reads, so that each batch reads only its window",
			"The microbatch model '%s' has no 'ref' or 'source' input with an 'event_time' configuration. \nThis means no filtering can be applied and can result in unexpected duplicate records in the resulting microbatch model.", n.Name))
	}
}

// isoDatetimeRe is what Python's datetime.fromisoformat reads: a date,
// then optionally a time (hours, minutes, seconds, a fraction) and an
// offset or Z.
var isoDatetimeRe = lazyre.New(`^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}(?::\d{2}(?::\d{2}(?:[.,]\d{1,6})?)?)?(?:Z|[+-]\d{2}(?::?\d{2}(?::?\d{2}(?:\.\d{1,6})?)?)?)?)?$`)

// isISODatetime reports whether s is an ISO datetime whose fields are in
// range.
func isISODatetime(s string) bool {
	if !isoDatetimeRe().MatchString(s) {
		return false
	}
	if _, err := time.Parse("2006-01-02", s[:10]); err != nil {
		return false
	}
	if len(s) > 11 {
		rest := s[11:]
		if !inRange(rest, 0, 23) || len(rest) > 3 && rest[2] == ':' && !inRange(rest[3:], 0, 59) || len(rest) > 6 && rest[5] == ':' && !inRange(rest[6:], 0, 59) {
			return false
		}
	}
	return true
}

// inRange reports whether the two digits s starts with are between lo and hi.
func inRange(s string, lo, hi int) bool {
	if len(s) < 2 {
		return false
	}
	v := int(s[0]-'0')*10 + int(s[1]-'0')
	return v >= lo && v <= hi
}

// pyType is Python's str(type(v)) for a config value.
func pyType(v any) string {
	name := pyTypeName(v)
	switch v.(type) {
	case *big.Int:
		name = "int"
	case []string:
		name = "list"
	case time.Time, *timeValue:
		name = "datetime.datetime"
	}
	return "<class '" + name + "'>"
}
