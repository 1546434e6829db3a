package compiler

import (
	"context"
	"slices"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/project"
)

// hookDependencies adds to each node the refs and sources its pre- and
// post-hooks make, as dbt renders a node's hooks while parsing it: a
// hook that reads another model makes the node its child, so it runs once
// that model is built (Snowplow's sessions stitch user ids from the user
// mapping in a post-hook). Tests have no hooks. A hook that fails to
// render while parsing fails the parse, as in dbt.
func (m *Manifest) hookDependencies(ctx context.Context, l *diag.List, nodes []*Node) {
	var hooked []*Node
	for _, n := range nodes {
		if n.ResourceType != project.Test && (n.Config["pre_hook"] != nil || n.Config["post_hook"] != nil) {
			hooked = append(hooked, n)
		}
	}
	if len(hooked) == 0 {
		return
	}
	errs := make([]*diag.Diagnostic, len(hooked))
	m.parallel(ctx, len(hooked), func(i int) {
		n := hooked[i]
		var refs []Ref
		var sources [][2]string
		var metrics [][]string
		var macros []string
		for _, key := range [...]string{"pre_hook", "post_hook"} {
			srcs, err := hookSources(n, key)
			if err != nil {
				d := diag.Errorf(n.OriginalFilePath, diag.Pos{}, "", "%v", err)
				errs[i] = &d
				return
			}
			for _, src := range srcs {
				st := m.engine.newState(m, n, false)
				st.ctx = ctx
				if _, err := st.renderString(src); err != nil {
					d := m.engine.errorDiag("<string>", 0, err)
					d.File, d.Pos = n.OriginalFilePath, diag.Pos{} // the line is the hook's, not the file's
					d.Summary = key + ": " + d.Summary
					errs[i] = &d
					return
				}
				refs, sources, macros = append(refs, st.refs...), append(sources, st.sources...), append(macros, st.dependsOn...)
				metrics = append(metrics, st.metrics...)
			}
		}
		if n.ResourceType == project.Seed && (len(refs) > 0 || len(sources) > 0) {
			// As dbt's SeedNode._disallow_implicit_dependencies: seeds
			// are roots of the DAG.
			d := diag.Errorf(n.OriginalFilePath, diag.Pos{}, "move the hook to a model, or read the relation by name",
				"Seeds cannot depend on other nodes. seed %s has a pre- or post-hook that calls 'ref' or 'source', either directly or indirectly via other macros", n.Name)
			errs[i] = &d
			return
		}
		if len(refs) > 0 {
			// n.Refs may be the parse cache's: append to a copy.
			n.Refs = append(slices.Clip(n.Refs), refs...)
		}
		if len(sources) > 0 {
			n.SourceRefs = append(slices.Clip(n.SourceRefs), sources...)
		}
		if len(metrics) > 0 && n.ResourceType != project.Seed {
			// As dbt's ParseMetricResolver, rendering the hooks in the
			// node's context (a seed has no metrics).
			n.MetricRefs = append(slices.Clip(n.MetricRefs), metrics...)
		}
		// The macros a hook calls are the node's, after its body's, as
		// dbt records them rendering the hooks in the node's context.
		n.DependsOn.Macros = addMissing(n.DependsOn.Macros, macros)
	})
	for _, d := range errs {
		if d != nil {
			l.Add(*d)
		}
	}
}
