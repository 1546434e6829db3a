package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // the database/sql driver "duckdb"
)

// The floors run in a child process (elt-bench floor-run / floor-seed), so
// their peak memory is read from rusage the same way as elt's.

// floorRun executes the compiled statements of manifestPath's models one
// after another in one DuckDB session on dbPath: create table <relation>
// as (<compiled code>), in dependency order. It is what elt run does at
// the least.
func floorRun(ctx context.Context, dbPath, manifestPath string) error {
	stmts, err := compiledStatements(manifestPath)
	if err != nil {
		return err
	}
	db, err := sql.Open("duckdb", dbPath)
	if err != nil {
		return fmt.Errorf("floor: open %s: %w", dbPath, err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("floor: connect %s: %w", dbPath, err)
	}
	defer conn.Close()
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("floor: %s: %w", firstLine(s), err)
		}
	}
	return nil
}

// floorSeed loads csvPath with DuckDB's read_csv and its default sniffing
// into a new table.
func floorSeed(ctx context.Context, dbPath, csvPath string) error {
	db, err := sql.Open("duckdb", dbPath)
	if err != nil {
		return fmt.Errorf("floor: open %s: %w", dbPath, err)
	}
	defer db.Close()
	q := "create table main.floor_seed as select * from read_csv('" + strings.ReplaceAll(csvPath, "'", "''") + "')"
	if _, err := db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("floor: %s: %w", q, err)
	}
	return nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

type manifestFile struct {
	Nodes map[string]struct {
		ResourceType string `json:"resource_type"`
		RelationName string `json:"relation_name"`
		CompiledCode string `json:"compiled_code"`
		DependsOn    struct {
			Nodes []string `json:"nodes"`
		} `json:"depends_on"`
	} `json:"nodes"`
}

// compiledStatements reads a compiled manifest and returns one create
// table statement per model, each after the models it refs.
func compiledStatements(manifestPath string) ([]string, error) {
	data, err := os.ReadFile(manifestPath)
	if err != nil {
		return nil, fmt.Errorf("floor: %w", err)
	}
	var m manifestFile
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("floor: %s: %w", manifestPath, err)
	}
	ids := make([]string, 0, len(m.Nodes))
	for id, n := range m.Nodes {
		if n.ResourceType == "model" {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	done := make(map[string]bool, len(ids))
	var out []string
	var visit func(id string, depth int) error
	visit = func(id string, depth int) error {
		n, ok := m.Nodes[id]
		if !ok || n.ResourceType != "model" || done[id] {
			return nil
		}
		if depth > len(ids) {
			return errors.New("floor: the manifest's models form a cycle")
		}
		for _, dep := range n.DependsOn.Nodes {
			if err := visit(dep, depth+1); err != nil {
				return err
			}
		}
		if n.CompiledCode == "" || n.RelationName == "" {
			return fmt.Errorf("floor: %s has no compiled code or relation in %s (compile first)", id, manifestPath)
		}
		done[id] = true
		out = append(out, "create table "+n.RelationName+" as (\n"+n.CompiledCode+"\n)")
		return nil
	}
	for _, id := range ids {
		if err := visit(id, 0); err != nil {
			return nil, err
		}
	}
	return out, nil
}
