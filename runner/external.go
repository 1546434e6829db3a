package runner

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/project"
)

// ExternalPlanner works out where and how an external model is written.
type ExternalPlanner interface {
	External(ctx context.Context, id string) (compiler.ExternalPlan, error)
}

// external writes a model to files and leaves a view over them
// (dbt-duckdb's external materialization).
func (r *Runner) external(ctx context.Context, n *compiler.Node) (adapters.RunResult, error) {
	w, ok := r.a.(adapters.ExternalWriter)
	if !ok {
		return adapters.RunResult{}, fmt.Errorf("materialized='external' writes files through DuckDB; the %s adapter cannot (use table or view)", r.a.Dialect().Type())
	}
	pl, ok := any(r.m).(ExternalPlanner)
	if !ok {
		return adapters.RunResult{}, errors.New("external models need the compiler's plan, which is not available")
	}
	p, err := pl.External(ctx, n.UniqueID)
	if err != nil {
		return adapters.RunResult{}, err
	}
	return w.External(ctx, adapters.External{
		UniqueID:     n.UniqueID,
		Relation:     toAdapterRel(n.Relation),
		SQL:          n.CompiledCode,
		Location:     p.Location,
		WriteOptions: p.WriteOptions,
		Reader:       p.Reader,
		SingleFile:   p.SingleFile,
	})
}

// LocationChecker is implemented by adapters that read and write files
// (DuckDB): CheckLocation refuses a location the adapter cannot reach,
// such as an s3:// URL without the extension that reads it.
type LocationChecker interface {
	CheckLocation(ctx context.Context, location string) error
}

// CheckFiles refuses, before anything runs, the file locations the
// selected nodes would use and the adapter cannot reach: the files of
// external models and of the sources they read. Each problem is reported
// at the model or source that names the location.
func CheckFiles(ctx context.Context, a adapters.Adapter, m *compiler.Manifest, ids []string) error {
	lc, ok := a.(LocationChecker)
	if !ok {
		return nil
	}
	var l diag.List
	seen := map[string]bool{}
	for _, id := range ids {
		n := m.Nodes[id]
		if n == nil {
			continue
		}
		if n.ResourceType == project.Model && materialized(n) == "external" {
			p, err := m.External(ctx, id)
			if err == nil {
				err = lc.CheckLocation(ctx, p.Location)
			}
			if err != nil {
				var d diag.Diagnostic
				if !errors.As(err, &d) {
					file, pos := compiler.ConfigSite(n)
					d = diag.Errorf(file, pos, "", "model %s: %v", n.Name, err)
				}
				l.Add(d)
			}
		}
		for _, dep := range n.DependsOn.Nodes {
			src := m.Sources[dep]
			if src == nil || seen[dep] || !m.IsExternalSource(dep) {
				continue
			}
			seen[dep] = true
			if err := lc.CheckLocation(ctx, m.SourceRelations[dep]); err != nil {
				l.Add(diag.Errorf(src.OriginalFilePath, src.Pos, "", "source %s.%s: %v", src.SourceName, src.Name, err))
			}
		}
	}
	slices.SortStableFunc(l, func(a, b diag.Diagnostic) int {
		if a.File != b.File {
			if a.File < b.File {
				return -1
			}
			return 1
		}
		return a.Pos.Line - b.Pos.Line
	})
	return l.Err()
}
