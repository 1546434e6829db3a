package graph

import (
	"strings"
	"testing"
)

func TestSelectModelVersions(t *testing.T) {
	g, err := New([]Node{
		{ID: "model.p.m.v1", Name: "m", ResourceType: "model", Package: "p", FQN: []string{"p", "m", "v1"}, Version: "1", VersionKind: "old"},
		{ID: "model.p.m.v2", Name: "m", ResourceType: "model", Package: "p", FQN: []string{"p", "m", "v2"}, Version: "2", VersionKind: "latest"},
		{ID: "model.p.m.v3", Name: "m", ResourceType: "model", Package: "p", FQN: []string{"p", "m", "v3"}, Version: "3", VersionKind: "prerelease"},
		{ID: "model.p.plain", Name: "plain", ResourceType: "model", Package: "p", FQN: []string{"p", "plain"}},
		{ID: "seed.p.s", Name: "s", ResourceType: "seed", Package: "p", FQN: []string{"p", "s"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for sel, want := range map[string]string{
		"version:latest":     "model.p.m.v2",
		"version:prerelease": "model.p.m.v3",
		"version:old":        "model.p.m.v1",
		"version:none":       "model.p.plain",
		"m":                  "model.p.m.v1,model.p.m.v2,model.p.m.v3",
		"m.v2":               "model.p.m.v2",
		"p.m.v3":             "model.p.m.v3",
		"m_v1":               "model.p.m.v1",
	} {
		got := strings.Join(mustSelect(t, g, SelectOptions{Select: []string{sel}}), ",")
		if got != want {
			t.Errorf("%s: %s, want %s", sel, got, want)
		}
	}
	_, err = g.Select(SelectOptions{Select: []string{"version:newest"}})
	if err == nil || !strings.Contains(err.Error(), `invalid version type selector "newest": expected one of: "latest", "prerelease", "old", or "none"`) {
		t.Errorf("version:newest: %v", err)
	}
}
