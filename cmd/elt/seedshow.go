package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/project"
	"github.com/elt-dev/elt/runner"
)

// seedSampleRows is how many rows of each seed dbt's seed --show prints
// (task/seed.py show_table: print_table(max_rows=10, max_columns=None)).
const seedSampleRows = 10

// seedSample is one seed's part of seed --show: its header and its rows
// as agate prints them.
type seedSample struct {
	header string
	table  string
}

// seedSamples reads what dbt's seed --show prints (task/seed.py
// show_tables): for each seed that loaded, a random sample of its rows.
// dbt orders the agate table it loaded by random() and prints ten rows of
// it; elt asks the warehouse for one row more than it prints, in random
// order, the last only telling that there are more (agate's "..." row).
// It runs while the connection is open; the samples print after the stat
// line (printSeedSamples). A sample the warehouse cannot give is warned of.
func (s *session) seedSamples(ctx context.Context, results []runner.Result) []seedSample {
	d := s.adapter.Dialect()
	random := "random()"
	if d.Type() == "bigquery" {
		random = "rand()"
	}
	var out []seedSample
	for _, r := range results {
		n := r.Node
		if n == nil || n.ResourceType != project.Seed || r.Status != runner.Success {
			continue
		}
		rel := adapters.Relation{Database: n.Relation.Database, Schema: n.Relation.Schema, Identifier: n.Relation.Identifier}
		res, err := s.adapter.Query(ctx, fmt.Sprintf("select * from %s order by %s limit %d", d.RenderRelation(rel), random, seedSampleRows+1))
		if err != nil {
			s.log.warn("SeedSampleFailed", fmt.Sprintf("%s: no sample of %s to show: %v", n.OriginalFilePath, shortRel(n), err), map[string]any{"node": n.UniqueID})
			continue
		}
		out = append(out, seedSample{
			// dbt's header names the seed's schema and alias.
			header: fmt.Sprintf("Random sample of table: %s.%s", n.Relation.Schema, n.Relation.Identifier),
			table:  strings.TrimSuffix(compiler.FormatTableSample(res.Columns, res.Types, res.Rows, seedSampleRows), "\n"),
		})
	}
	return out
}

// printSeedSamples prints what seedSamples read, as dbt's show_table does:
// a blank line, the header (SeedHeader) and a rule under it, the table as
// agate prints it, and a blank line.
func (s *session) printSeedSamples() {
	for _, sm := range s.seedShow {
		s.log.info("Formatting", "", nil)
		s.log.info("SeedHeader", sm.header, map[string]any{"header": sm.header})
		s.log.info("Formatting", strings.Repeat("-", len(sm.header)), nil)
		s.log.print("SeedSampleTable", sm.table, nil)
		s.log.info("Formatting", "", nil)
	}
}
