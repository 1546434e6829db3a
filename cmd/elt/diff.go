package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/datadiff"
	"github.com/elt-dev/elt/project"
)

type diffFlags struct {
	a, b   string
	key    []string
	sample int
	output string
}

func newDiffCmd(f *flags, env environment, stdout, stderr io.Writer) *cobra.Command {
	df := &diffFlags{}
	c := &cobra.Command{
		Use:   "diff",
		Short: "Compare the rows of the selected models with the state environment's (or any two relations), inside the warehouse",
		Long: "Compare two relations row by row, inside the warehouse: row counts, rows only on one side,\n" +
			"rows whose key matches but whose values differ, differences per column, duplicate keys and a\n" +
			"sample. With --select and --state DIR, each selected model's relation here (a) is compared\n" +
			"with its relation in DIR/manifest.json's environment (b), matched on the model's unique_key\n" +
			"or --key. With --a and --b, any two relations (db.schema.name, schema.name or name).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return diffCommand(cmd.Context(), f, df, env, stdout, stderr)
		},
	}
	c.Flags().StringArrayVarP(&f.selectors, "select", "s", nil, "models to compare with --state (dbt selection syntax)")
	c.Flags().StringArrayVar(&f.excludes, "exclude", nil, "models not to compare")
	c.Flags().StringVar(&f.state, "state", "", "folder of the other environment's manifest.json (state: selectors compare with it too)")
	c.Flags().StringVar(&df.a, "a", "", "a relation to compare (instead of --select/--state)")
	c.Flags().StringVar(&df.b, "b", "", "the relation to compare it with")
	c.Flags().StringSliceVar(&df.key, "key", nil, "key columns that identify a row (default: the model's unique_key)")
	c.Flags().IntVar(&df.sample, "sample", 5, "how many differing rows to show")
	c.Flags().StringVarP(&df.output, "output", "o", "text", "output: text or json")
	return c
}

// diffPair is one comparison to run.
type diffPair struct {
	name string // the model, or "" for --a/--b
	a, b adapters.Relation
	key  []string
}

func diffCommand(ctx context.Context, f *flags, df *diffFlags, env environment, stdout, stderr io.Writer) error {
	if df.output != "text" && df.output != "json" {
		return usageErr(fmt.Errorf("--output must be text or json, not %q", df.output))
	}
	if df.sample < 0 {
		return usageErr(fmt.Errorf("--sample must be 0 or more, not %d", df.sample))
	}
	if (df.a == "") != (df.b == "") {
		return usageErr(fmt.Errorf("--a and --b go together: give both relations"))
	}
	if df.a == "" && f.state == "" {
		return usageErr(fmt.Errorf("give --state DIR (with --select) to compare models with another environment, or --a and --b to compare two relations"))
	}
	s, err := load(ctx, f, env, stderr, true)
	if err != nil {
		return err
	}
	var pairs []diffPair
	if df.a != "" {
		a, err := s.parseRelation(df.a)
		if err != nil {
			return usageErr(fmt.Errorf("--a: %w", err))
		}
		b, err := s.parseRelation(df.b)
		if err != nil {
			return usageErr(fmt.Errorf("--b: %w", err))
		}
		if len(df.key) == 0 {
			return usageErr(fmt.Errorf("--key is needed with --a and --b: the columns that identify a row"))
		}
		pairs = append(pairs, diffPair{a: a, b: b, key: df.key})
	} else {
		if pairs, err = s.statePairs(ctx, df); err != nil {
			return err
		}
	}
	if err := s.connect(ctx); err != nil {
		return err
	}
	defer s.close()
	type named struct {
		Model string `json:"model,omitempty"`
		*datadiff.Result
	}
	var results []named
	for _, p := range pairs {
		res, err := datadiff.Diff(ctx, s.adapter, datadiff.Options{A: p.a, B: p.b, Key: p.key, Sample: df.sample})
		var missing *datadiff.MissingError
		if p.name != "" && errors.As(err, &missing) {
			// A model a failed build skipped, or one the other environment
			// never built: the others are still compared.
			s.log.warn("DiffMissing", fmt.Sprintf("%s: %s does not exist: skipped", p.name, missing.Relation), nil)
			continue
		}
		if err != nil {
			if p.name != "" {
				err = fmt.Errorf("%s: %w", p.name, err)
			}
			return &exitError{code: exitFailed, err: err}
		}
		results = append(results, named{Model: p.name, Result: res})
	}
	if df.output == "json" {
		if results == nil {
			results = []named{}
		}
		b, err := json.MarshalIndent(results, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, string(b))
		return nil
	}
	for i, r := range results {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if r.Model != "" {
			fmt.Fprintf(stdout, "== %s\n", r.Model)
		}
		if err := datadiff.WriteText(stdout, r.Result); err != nil {
			return err
		}
	}
	return nil
}

// parseRelation reads db.schema.name, schema.name or name; missing parts
// are the target's.
func (s *session) parseRelation(v string) (adapters.Relation, error) {
	parts := strings.Split(v, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(p, "\"`")
		if parts[i] == "" {
			return adapters.Relation{}, fmt.Errorf("%q is not a relation name (write db.schema.name, schema.name or name)", v)
		}
	}
	r := adapters.Relation{Database: s.proj.Target.Database, Schema: s.proj.Target.Schema}
	switch len(parts) {
	case 1:
		r.Identifier = parts[0]
	case 2:
		r.Schema, r.Identifier = parts[0], parts[1]
	case 3:
		r.Database, r.Schema, r.Identifier = parts[0], parts[1], parts[2]
	default:
		return r, fmt.Errorf("%q has more than three parts (write db.schema.name)", v)
	}
	return r, nil
}

// stateManifest is what elt diff reads of the other environment's manifest.json.
type stateManifest struct {
	Nodes map[string]struct {
		Database   *string        `json:"database"`
		Schema     string         `json:"schema"`
		Alias      string         `json:"alias"`
		Identifier string         `json:"identifier"`
		Config     map[string]any `json:"config"`
	} `json:"nodes"`
}

// statePairs pairs each selected model's relation with the same node's
// relation in the state manifest.
func (s *session) statePairs(ctx context.Context, df *diffFlags) ([]diffPair, error) {
	path := filepath.Join(s.f.state, "manifest.json")
	if !filepath.IsAbs(path) {
		path = filepath.Join(s.env.workDir, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErr(fmt.Errorf("--state: %w (run elt compile or build in the other environment and pass its target folder)", err))
	}
	var state stateManifest
	if err := json.Unmarshal(b, &state); err != nil {
		return nil, usageErr(fmt.Errorf("--state: %s: %w", path, err))
	}
	ids, err := s.selectIDs(ctx, []string{"model", "seed", "snapshot"})
	if err != nil {
		return nil, err
	}
	var pairs []diffPair
	var noKey []string
	for _, id := range ids {
		n := s.manifest.Nodes[id]
		if n == nil || n.Relation.Identifier == "" || n.ResourceType == project.Test {
			continue // ephemeral, or a test's audit table: nothing to compare
		}
		old, ok := state.Nodes[id]
		if !ok {
			s.log.warn("DiffNew", fmt.Sprintf("%s is new: the state manifest does not have it", n.Name), nil)
			continue
		}
		b := adapters.Relation{Schema: old.Schema, Identifier: old.Alias}
		if b.Identifier == "" {
			b.Identifier = old.Identifier
		}
		if old.Database != nil {
			b.Database = *old.Database
		}
		key := df.key
		if len(key) == 0 {
			key = s.rowKey(n)
		}
		if len(key) == 0 {
			noKey = append(noKey, n.Name)
			s.log.warn("DiffNoKey", fmt.Sprintf("%s has no unique_key config, primary_key constraint or unique test: skipped (pass --key col[,col] to say which columns identify a row)", n.Name), nil)
			continue
		}
		a := adapters.Relation{Database: n.Relation.Database, Schema: n.Relation.Schema, Identifier: n.Relation.Identifier}
		pairs = append(pairs, diffPair{name: n.Name, a: a, b: b, key: key})
	}
	if len(pairs) == 0 && len(noKey) > 0 {
		return nil, usageErr(fmt.Errorf("%s %s no unique_key config, primary_key constraint or unique test: pass --key col[,col] to say which columns identify a row",
			strings.Join(noKey, ", "), plural(len(noKey), "has", "have")))
	}
	if len(pairs) == 0 {
		s.log.warn("DiffNothing", "no selected model is in both environments: nothing to compare", nil)
	}
	return pairs, nil
}

// rowKey is the columns that identify a row of a node, from what the
// project declares: its unique_key config, else a primary_key constraint
// (the model's, or one column's), else the column of a unique test on it
// (the first by name, when several have one). nil: nothing says.
func (s *session) rowKey(n *compiler.Node) []string {
	if key := uniqueKey(n.Config); len(key) > 0 {
		return key
	}
	for _, c := range n.Constraints {
		if m, ok := c.(map[string]any); ok && m["type"] == "primary_key" {
			var cols []string
			if list, ok := m["columns"].([]any); ok {
				for _, v := range list {
					if name, ok := v.(string); ok {
						cols = append(cols, name)
					}
				}
			}
			if len(cols) > 0 {
				return cols
			}
		}
	}
	for _, col := range n.Columns {
		for _, c := range col.Constraints {
			if m, ok := c.(map[string]any); ok && m["type"] == "primary_key" {
				return []string{col.Name}
			}
		}
	}
	var unique []string
	for _, t := range s.manifest.Nodes {
		if t.TestMetadata != nil && t.TestMetadata.Name == "unique" && t.TestMetadata.Namespace == "" &&
			t.AttachedNode == n.UniqueID && t.ColumnName != "" && !strings.ContainsAny(t.ColumnName, " (|") {
			unique = append(unique, compiler.UnquotedName(t.ColumnName))
		}
	}
	if len(unique) > 0 {
		sort.Strings(unique)
		return unique[:1]
	}
	return nil
}

// uniqueKey reads a unique_key config: a column, or a list of columns.
func uniqueKey(c project.Config) []string {
	switch v := c["unique_key"].(type) {
	case string:
		if v = strings.TrimSpace(v); v != "" {
			return []string{v}
		}
	case []any:
		var out []string
		for _, p := range v {
			if s, ok := p.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
