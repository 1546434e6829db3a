package compiler

import (
	"context"
	"maps"

	"github.com/elt-dev/elt/jinja"
)

// Invocation is what templates learn of the command running them, as
// dbt's context gives it: the flags object, invocation_args_dict and
// dbt_metadata_envs. The zero value is a command nobody named (flags
// then holds only STORE_FAILURES, FULL_REFRESH and EMPTY, from Options).
type Invocation struct {
	// Flags are the flags object's attributes besides STORE_FAILURES,
	// FULL_REFRESH and EMPTY, which Options sets: WHICH (the command, as
	// dbt names it: "run", "build", "generate", "freshness"...),
	// INVOCATION_COMMAND, TARGET_PATH, PROFILES_DIR and the rest of
	// dbt's flag_attr, upper case.
	Flags map[string]any
	// Args is invocation_args_dict: the command's arguments and flags by
	// their lower-case names, as dbt's args_to_dict leaves them.
	Args map[string]any
	// MetadataEnvs is dbt_metadata_envs: the DBT_ENV_CUSTOM_ENV_
	// variables, without the prefix, in the environment's order (dbt's
	// get_metadata_vars walks os.environ, and the dict prints so).
	MetadataEnvs []MetadataEnv
}

// MetadataEnv is one variable of dbt_metadata_envs.
type MetadataEnv struct{ Name, Value string }

// flagsObject is dbt's flags object: the invocation's flags, with the
// three Options sets (should_store_failures, should_full_refresh and
// the --empty relations read them).
func (e *engine) flagsObject() map[string]any {
	f := make(map[string]any, len(e.opts.Invocation.Flags)+3)
	maps.Copy(f, e.opts.Invocation.Flags)
	f["STORE_FAILURES"] = e.opts.StoreFailures
	f["FULL_REFRESH"] = e.opts.FullRefresh
	f["EMPTY"] = e.opts.Empty
	return f
}

// argsDict is invocation_args_dict: a dict, empty when the command is
// not known.
func (inv Invocation) argsDict() map[string]any {
	if inv.Args == nil {
		return map[string]any{}
	}
	return inv.Args
}

func (inv Invocation) metadataEnvs() *jinja.Dict {
	out := jinja.NewDict()
	for _, e := range inv.MetadataEnvs {
		out.Set(e.Name, e.Value)
	}
	return out
}

type threadKey struct{}

// WithThread names the thread a node runs on, as thread_id says it in
// its templates and run_results.json's thread_id ("Thread-1 (worker)").
func WithThread(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, threadKey{}, name)
}

// ThreadID is the name of the thread ctx runs on, as thread_id gives it.
func ThreadID(ctx context.Context) string { return threadID(ctx) }

// threadID is thread_id: the worker's name while a node runs, else
// "MainThread", the thread dbt parses and compiles on.
func threadID(ctx context.Context) string {
	if ctx != nil {
		if name, ok := ctx.Value(threadKey{}).(string); ok {
			return name
		}
	}
	return "MainThread"
}
