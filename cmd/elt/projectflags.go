package main

import (
	"fmt"
	"strings"

	"github.com/elt-dev/elt/deps"
	"github.com/elt-dev/elt/internal/diag"
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
	if v, ok := cfg.FlagBool("use_colors"); ok && !v && !explicit("no-color") {
		s.log.color = false
	}
	if v, ok := cfg.FlagBool("partial_parse"); ok && !v && !explicit("no-partial-parse") {
		f.noPartialParse = true
	}
	if v, ok := cfg.FlagInt("printer_width"); ok {
		s.log.width = v
	}
	if v, ok := cfg.FlagString("log_level"); ok {
		s.log.level = levelRank[v]
		s.log.debugText = v == "debug"
	}
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
