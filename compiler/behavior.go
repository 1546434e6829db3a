package compiler

import (
	"sort"
	"strings"
)

// adapterBehaviorFlags are the behaviour flags dbt's adapters register,
// with their defaults (dbt-adapters' DEFAULT_BASE_BEHAVIOR_FLAGS and each
// adapter's own), by target type ("" for every adapter). A project's
// flags: block sets them; macros read them as adapter.behavior.<name>.
var adapterBehaviorFlags = map[string]map[string]bool{
	"": {
		"require_batched_execution_for_custom_microbatch_strategy": false,
		"enable_truthy_nulls_equals_macro":                         false,
	},
	"postgres": {"postgres_skip_autocommit_transaction_statements": true},
}

// behaviorValue is adapter.behavior: one attribute per registered flag.
type behaviorValue struct {
	flags map[string]bool
}

func (e *engine) behavior() *behaviorValue {
	flags := map[string]bool{}
	for _, scope := range []string{"", e.dialect.Type()} {
		for name, def := range adapterBehaviorFlags[scope] {
			flags[name] = def
			if v, ok := e.proj.Config.FlagBool(name); ok {
				flags[name] = v
			}
		}
	}
	return &behaviorValue{flags: flags}
}

func (b *behaviorValue) GetAttr(name string) (any, bool) {
	on, ok := b.flags[name]
	if !ok {
		return nil, false
	}
	return &behaviorFlag{name: name, on: on}, true
}

func (b *behaviorValue) String() string {
	names := make([]string, 0, len(b.flags))
	for n := range b.flags {
		names = append(names, n)
	}
	sort.Strings(names)
	return "Behavior(" + strings.Join(names, ", ") + ")"
}

// behaviorFlag is one flag: true or false as Python's bool() takes it,
// and .setting and .no_warn (dbt warns when a macro reads a flag left
// off; .no_warn reads it without the warning, which elt never gives).
type behaviorFlag struct {
	name string
	on   bool
}

func (f *behaviorFlag) Truth() bool { return f.on }

func (f *behaviorFlag) GetAttr(name string) (any, bool) {
	switch name {
	case "setting", "no_warn":
		return f.on, true
	case "name":
		return f.name, true
	}
	return nil, false
}

// String prints the flag as Python prints a bool.
func (f *behaviorFlag) String() string { return pyStr(f.on) }

// BehaviorFlag is the value of the adapter behaviour flag name for the
// project's warehouse: the project's flags: setting, else dbt's default
// (false for a flag dbt does not register).
func (m *Manifest) BehaviorFlag(name string) bool {
	if m.engine == nil {
		return false
	}
	return m.engine.behavior().flags[name]
}
