package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readLog(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("dbt.log: %v", err)
	}
	return string(b)
}

// TestLogFile: dbt.log is written where log-path (dbt_project.yml,
// --log-path or DBT_LOG_PATH) says, at debug level, with secrets
// scrubbed; with no log path declared elt writes no log file.
func TestLogFile(t *testing.T) {
	const secret = "s3cr3t-value-42"
	t.Setenv("DBT_ENV_SECRET_PW", secret)
	model := "{% do log('the password is " + secret + "', info=True) %}\nselect 1 as id\n"

	t.Run("none declared", func(t *testing.T) {
		dir := miniProject(t, "")
		writeFile(t, dir, "models/a.sql", model)
		mustElt(t, dir, "run")
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.Name() == "dbt.log" {
				t.Errorf("no log-path declared, but %s was written", p)
			}
			return nil
		})
	})

	t.Run("dbt_project.yml", func(t *testing.T) {
		dir := miniProject(t, "log-path: var/logs\n")
		writeFile(t, dir, "models/a.sql", model)
		mustElt(t, dir, "compile")
		mustElt(t, dir, "run")
		log := readLog(t, filepath.Join(dir, "var", "logs", "dbt.log"))
		wantAll(t, log, "[info ]: Running with elt=", "the password is", "[debug]: ", "1 of 1 OK created sql view model")
		if strings.Contains(log, secret) {
			t.Errorf("dbt.log holds the secret:\n%s", log)
		}
		if !strings.Contains(log, "Compiled 1 node") || strings.Count(log, "the password is") != 2 {
			t.Errorf("dbt.log should keep both invocations (appended), got:\n%s", log)
		}
		if strings.Contains(log, "\x1b[") {
			t.Errorf("dbt.log holds colour codes")
		}
	})

	t.Run("flag, env and json format", func(t *testing.T) {
		dir := miniProject(t, "log-path: logs\n")
		writeFile(t, dir, "models/a.sql", model)
		mustElt(t, dir, "run", "--log-path", "cli_logs", "--log-format-file", "json", "--log-level-file", "info")
		log := readLog(t, filepath.Join(dir, "cli_logs", "dbt.log"))
		for _, l := range strings.Split(strings.TrimSpace(log), "\n") {
			var ev struct {
				Info struct{ Level string } `json:"info"`
			}
			if err := json.Unmarshal([]byte(l), &ev); err != nil {
				t.Fatalf("--log-format-file json, but a line is not JSON: %q", l)
			}
			if ev.Info.Level == "debug" {
				t.Errorf("--log-level-file info, but a debug event was written: %s", l)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "logs", "dbt.log")); err == nil {
			t.Errorf("--log-path should win over log-path: logs/dbt.log was written")
		}
		t.Setenv("DBT_LOG_PATH", "env_logs")
		mustElt(t, dir, "run")
		readLog(t, filepath.Join(dir, "env_logs", "dbt.log"))
	})

	t.Run("outside the project", func(t *testing.T) {
		dir := miniProject(t, "")
		writeFile(t, dir, "models/a.sql", model)
		res := elt(t, dir, "run", "--log-path", "../escape")
		if res.code != exitUsage || !strings.Contains(res.stderr, "outside the project folder") {
			t.Errorf("want a usage error for --log-path ../escape, got exit %d:\n%s", res.code, res.stderr)
		}
		outside := t.TempDir()
		if err := os.Symlink(outside, filepath.Join(dir, "logs")); err != nil {
			t.Skip(err)
		}
		writeFile(t, dir, "dbt_project.yml", "name: p\nprofile: p\nlog-path: logs\n")
		res = elt(t, dir, "run")
		if res.code == 0 {
			t.Errorf("log-path through a symbolic link out of the project should fail")
		}
		if _, err := os.Stat(filepath.Join(outside, "dbt.log")); err == nil {
			t.Errorf("dbt.log was written outside the project through a symbolic link")
		}
	})
}
