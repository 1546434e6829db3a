package project

import (
	"fmt"
	"path"
	"slices"
)

// runHookTypes are the dbt_project.yml keys of project hooks, in the order
// dbt's hook parser reads them (RunHookType).
var runHookTypes = [...]string{"on-run-start", "on-run-end"}

// addHookNodes adds, as dbt's hook parser does (parser/hooks.py), one
// operation node for each on-run-start and on-run-end statement of sc's
// dbt_project.yml: named "<project>-<hook type>-<index>", its path the
// pseudo file hooks/<name>.sql, its raw code the statement and its
// checksum the stripped dbt_project.yml's. The statements run from the
// nodes; the nodes themselves are never selected.
func (l *loader) addHookNodes(sc *scope) {
	file := path.Join(sc.dir, projectFile)
	for _, which := range runHookTypes {
		list := sc.cfg.OnRunStart
		if which == "on-run-end" {
			list = sc.cfg.OnRunEnd
		}
		for i, sql := range list {
			name := fmt.Sprintf("%s-%s-%d", sc.name, which, i)
			within := "hooks/" + name + ".sql"
			n := &Node{
				UniqueID:         string(Operation) + "." + sc.name + "." + name,
				ResourceType:     Operation,
				Name:             name,
				Package:          sc.name,
				PackageDir:       sc.dir,
				Path:             within,
				OriginalFilePath: file,
				FQN:              fqnFor(sc.name, within, name),
				RawCode:          sql,
				Language:         "sql",
				Checksum:         l.projectSums[file],
				RunHook:          &RunHook{Type: which, Index: i},
			}
			l.proj.Nodes[n.UniqueID] = n
		}
	}
}

// Tags are the operation node's tags, as dbt's hook parser gives them:
// its hook type, then each tag of its config (configTags) not already there.
func (h *RunHook) Tags(configTags []string) []string {
	out := make([]string, 1, 1+len(configTags))
	out[0] = h.Type
	for _, t := range configTags {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}
