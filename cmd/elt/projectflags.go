package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/elt-dev/elt/deps"
	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/targetfs"
	"github.com/elt-dev/elt/project"
)

// applyProjectFlags takes dbt_project.yml's flags: as dbt does: each one
// is the default of its command-line option, so a flag given on the
// command line or by its DBT_ environment variable wins. The flags elt
// cannot honour were already refused by project.Load.
func applyProjectFlags(s *session, p *project.Project) {
	f, cfg := s.f, p.Config
	explicit := func(name string) bool { return f.explicit[name] }
	if v, ok := cfg.FlagBool("fail_fast"); ok && !explicit("fail-fast") {
		f.failFast = v
	}
	if v, ok := cfg.FlagString("indirect_selection"); ok && !explicit("indirect-selection") {
		f.indirect = v
	}
	if v, ok := cfg.FlagString("log_format"); ok && !explicit("log-format") {
		if v == "default" {
			v = "text"
		}
		f.logFormat = v
		s.log.json = v == "json"
		if s.log.json {
			s.log.color = false
		}
	}
	// use_colors (--use-colors, DBT_USE_COLORS, flags:): false never
	// colours, true colours text output even off a terminal, as dbt does;
	// --no-color wins.
	if v, ok := cfg.FlagBool("use_colors"); ok && !explicit("no-color") {
		s.log.color = v && !s.log.json
	}
	if v, ok := cfg.FlagBool("partial_parse"); ok && !v && !explicit("no-partial-parse") {
		f.noPartialParse = true
	}
	if v, ok := cfg.FlagInt("printer_width"); ok {
		s.log.width = v
	}
	level, _ := cfg.FlagString("log_level")
	debug, _ := cfg.FlagBool("debug")
	if rank, ok := consoleLevel(level, debug, f.quiet); ok {
		s.log.level, s.log.debugText = rank, rank == levelRank["debug"]
	}
}

// consoleLevel is the console's least severe level as dbt sets it
// (events/logging.py): log_level none shows nothing, --quiet errors
// only, --debug everything, else log_level. ok is false when none is
// set, which keeps elt's default.
func consoleLevel(logLevel string, debug, quiet bool) (rank int, ok bool) {
	switch {
	case logLevel == "none":
		return levelRank["none"], true
	case quiet:
		return levelRank["error"], true
	case debug:
		return levelRank["debug"], true
	case logLevel != "":
		rank, ok = levelRank[logLevel]
		return rank, ok
	}
	return 0, false
}

// checkRequireDBTVersion is dbt's version_check: the root project's
// require-dbt-version must admit the dbt-core version elt follows, unless
// flags: turns version_check off.
func checkRequireDBTVersion(p *project.Project) error {
	cfg := p.Config
	if len(cfg.RequireDbtVersion) == 0 {
		return nil
	}
	if v, ok := cfg.FlagBool("version_check"); ok && !v {
		return nil
	}
	pos := cfg.KeyPos["require-dbt-version"]
	ok, err := deps.DBTVersionCompatible(dbtVersion, cfg.RequireDbtVersion)
	if err != nil {
		return diag.Errorf("dbt_project.yml", pos, "fix require-dbt-version, or set flags: {version_check: false}", "%v", err)
	}
	if !ok {
		return diag.Errorf("dbt_project.yml", pos, "change require-dbt-version, or set flags: {version_check: false}",
			"this version of dbt is not supported with the '%s' project: elt follows dbt-core %s, and it requires %s",
			cfg.Name, dbtVersion, fmt.Sprintf("[%s]", strings.Join(quoteAll(cfg.RequireDbtVersion), ", ")))
	}
	return nil
}

func quoteAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = "'" + s + "'"
	}
	return out
}

// openLogFile starts dbt.log in the log path when one is declared
// (--log-path, DBT_LOG_PATH, then dbt_project.yml's log-path); with none,
// elt writes no log file. The folder must be inside the project, and the
// file is opened through targetfs, so a symbolic link cannot carry it out.
func openLogFile(s *session, p *project.Project) error {
	f, cfg := s.f, p.Config
	rel := cfg.LogPath
	if f.logPath != "" {
		abs := f.logPath
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(s.env.workDir, abs)
		}
		r, err := filepath.Rel(p.Root, abs)
		if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return fmt.Errorf("--log-path %q is outside the project folder %s: elt writes dbt.log only inside the project", f.logPath, p.Root)
		}
		rel = r
	}
	if rel == "" {
		return nil
	}
	level, ok := f.logLevelFile, true
	if debug, _ := cfg.FlagBool("debug"); debug {
		level = "debug" // dbt: --debug logs debug events to the file too
	} else if level == "" {
		if level, ok = cfg.FlagString("log_level_file"); !ok {
			if level, ok = cfg.FlagString("log_level"); !ok {
				level = "debug"
			}
		}
	}
	rank, ok := levelRank[level]
	if !ok {
		return fmt.Errorf("--log-level-file must be debug, info, warn, error or none, not %q", level)
	}
	format := f.logFormatFile
	if format == "" {
		if format, ok = cfg.FlagString("log_format_file"); !ok {
			format = f.logFormat // dbt: the file follows log_format unless told
		}
	}
	if format == "default" {
		format = "text"
	}
	if format != "text" && format != "json" {
		return fmt.Errorf("--log-format-file must be text or json, not %q", format)
	}
	root, err := targetfs.Open(p.Root)
	if err != nil {
		return err
	}
	defer root.Close()
	file, err := root.OpenAppend(filepath.ToSlash(filepath.Join(rel, "dbt.log")))
	if err != nil {
		return fmt.Errorf("log-path: %w", err)
	}
	s.log.file = &logFile{w: s.env.secrets.Writer(file), json: format == "json", level: rank, close: file.Close}
	return nil
}
