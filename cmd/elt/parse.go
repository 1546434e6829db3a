package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/elt-dev/elt/compiler"
)

func newParseCmd(f *flags, env environment, stdout, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "parse",
		Short: "Parse the project, write target/manifest.json and target/perf_info.json and print how long it took",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return parseCommand(cmd.Context(), f, env, stdout)
		},
	}
}

// perfInfo is dbt's target/perf_info.json: how long each step of parsing
// took, in seconds. elt reads and parses every file each time (no
// partial parsing), and parses Jinja itself (no static analysis step).
type perfInfo struct {
	PathCount                     int           `json:"path_count"`
	ParsedPathCount               int           `json:"parsed_path_count"`
	StaticAnalysisPathCount       int           `json:"static_analysis_path_count"`
	StaticAnalysisParsedPathCount int           `json:"static_analysis_parsed_path_count"`
	IsPartialParseEnabled         bool          `json:"is_partial_parse_enabled"`
	IsStaticAnalysisEnabled       bool          `json:"is_static_analysis_enabled"`
	ReadFilesElapsed              float64       `json:"read_files_elapsed"`
	LoadMacrosElapsed             *float64      `json:"load_macros_elapsed"`
	ParseProjectElapsed           float64       `json:"parse_project_elapsed"`
	PatchSourcesElapsed           *float64      `json:"patch_sources_elapsed"`
	ProcessManifestElapsed        float64       `json:"process_manifest_elapsed"`
	LoadAllElapsed                float64       `json:"load_all_elapsed"`
	Projects                      []projectPerf `json:"projects"`
	Timestamp                     string        `json:"_timestamp"`
}

type projectPerf struct {
	ProjectName     string  `json:"project_name"`
	Elapsed         float64 `json:"elapsed"`
	ParsedPathCount int     `json:"parsed_path_count"`
}

func parseCommand(ctx context.Context, f *flags, env environment, stdout io.Writer) error {
	start := time.Now()
	s, err := load(ctx, f, env, stdout, false)
	if err != nil {
		return err
	}
	defer s.close()
	parsed := time.Now()
	s.logVersion()
	if err := s.writeManifest(); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	written := time.Now()

	perProject := map[string]int{}
	for _, n := range s.manifest.Nodes {
		perProject[n.Package]++
	}
	total := len(s.manifest.Nodes) + len(s.manifest.Sources) + len(s.manifest.Macros)
	info := perfInfo{
		PathCount:               total,
		ParsedPathCount:         total,
		IsStaticAnalysisEnabled: false,
		ReadFilesElapsed:        s.projectLoaded.Sub(start).Seconds(),
		ParseProjectElapsed:     parsed.Sub(s.projectLoaded).Seconds(),
		ProcessManifestElapsed:  written.Sub(parsed).Seconds(),
		LoadAllElapsed:          written.Sub(start).Seconds(),
		Timestamp:               time.Now().UTC().Format("2006-01-02T15:04:05.000000Z"),
	}
	names := append([]string{s.proj.Config.Name}, packageNames(s.manifest)...)
	for _, name := range names {
		info.Projects = append(info.Projects, projectPerf{ProjectName: name, ParsedPathCount: perProject[name]})
	}
	dir, err := s.targetFS()
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if err := dir.WriteFile("perf_info.json", append(b, '\n')); err != nil {
		return &exitError{code: exitFailed, err: fmt.Errorf("write perf_info.json: %w", err)}
	}
	s.logFoundStats()
	s.log.info("ParsePerfInfoPath", "Performance info: "+filepath.ToSlash(filepath.Join(s.proj.Config.TargetPath, "perf_info.json")), map[string]any{"path": filepath.Join(s.targetDir(), "perf_info.json")})
	s.log.info("ParseTiming", fmt.Sprintf("Parsed the project in %.2fs (read files %.2fs, parse %.2fs, write manifest %.2fs)",
		info.LoadAllElapsed, info.ReadFilesElapsed, info.ParseProjectElapsed, info.ProcessManifestElapsed),
		map[string]any{"elapsed": info.LoadAllElapsed})
	return nil
}

// packageNames are the installed packages' names, in the project's order.
func packageNames(m *compiler.Manifest) []string {
	var out []string
	for _, p := range m.Project.Packages {
		out = append(out, p.Name)
	}
	return out
}
