package runner

import (
	"strings"
	"testing"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/project"
)

func TestCheckRelationName(t *testing.T) {
	node := func(typ project.ResourceType, mat string, rel compiler.Relation) *compiler.Node {
		return &compiler.Node{Node: project.Node{ResourceType: typ, Config: project.Config{"materialized": mat}}, Relation: rel}
	}
	long := strings.Repeat("a", 64)
	for _, tc := range []struct {
		name  string
		n     *compiler.Node
		limit int
		want  string // "" for no error
	}{
		{"63 characters", node(project.Model, "table", compiler.Relation{Schema: "s", Identifier: long[:63]}), 63, ""},
		{"64 characters", node(project.Model, "view", compiler.Relation{Schema: "s", Identifier: long}), 63, "Relation name '" + long + "' is longer than 63 characters"},
		{"no limit", node(project.Model, "table", compiler.Relation{Schema: "s", Identifier: long}), 0, ""},
		{"ephemeral builds nothing", node(project.Model, "ephemeral", compiler.Relation{Schema: "s", Identifier: long}), 63, ""},
		{"seed", node(project.Seed, "seed", compiler.Relation{Schema: "s", Identifier: long}), 63, "is longer than 63 characters"},
		{"snapshot", node(project.Snapshot, "snapshot", compiler.Relation{Schema: "s", Identifier: long}), 63, "is longer than 63 characters"},
		{"test", node(project.Test, "test", compiler.Relation{Schema: "s", Identifier: long}), 63, ""},
		{"multi-byte identifier", node(project.Model, "table", compiler.Relation{Schema: "s", Identifier: strings.Repeat("é", 40)}), 63, "relation name \"" + strings.Repeat("é", 40) + "\" is 80 bytes long"},
		{"long schema", node(project.Model, "table", compiler.Relation{Schema: long, Identifier: "m"}), 63, "schema name \"" + long + "\" is 64 bytes long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkRelationName(tc.n, tc.limit)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
