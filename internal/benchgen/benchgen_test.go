package benchgen

import (
	"bytes"
	"encoding/csv"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		out[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestWriteDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, d := range []string{a, b} {
		if err := Write(d, Options{Models: 250, Materialized: "table"}); err != nil {
			t.Fatal(err)
		}
	}
	ta, tb := readTree(t, a), readTree(t, b)
	if len(ta) != len(tb) {
		t.Fatalf("file counts differ: %d vs %d", len(ta), len(tb))
	}
	for name, data := range ta {
		if !bytes.Equal(data, tb[name]) {
			t.Errorf("%s differs between two writes", name)
		}
	}
	// 250 models, 3 properties files, 4 seeds, macros, project, profiles.
	if want := 250 + 3 + 4 + 3; len(ta) != want {
		t.Errorf("want %d files, got %d", want, len(ta))
	}
	props := string(ta["models/layer_0002/_layer_0002.yml"])
	if strings.Count(props, "  - name: m_") != 50 || !strings.Contains(props, "- name: m_000249\n") {
		t.Errorf("last properties file must describe models 200-249:\n%s", props)
	}
	m := string(ta["models/layer_0001/m_000150.sql"])
	if !strings.Contains(m, "{{ config(materialized='table', tags=['layer_1']) }}") || !strings.Contains(m, "{% for p in parents %}") &&
		!strings.Contains(m, "{%- for p in parents %}") {
		t.Errorf("model 150 lacks its config block or loop:\n%s", m)
	}
}

func TestParents(t *testing.T) {
	counts := map[int]int{}
	for i := range 1000 {
		ps := Parents(i)
		if i < LayerWidth {
			if len(ps) != 0 {
				t.Fatalf("model %d of the first layer has parents %v", i, ps)
			}
			continue
		}
		counts[len(ps)]++
		seen := map[int]bool{}
		for _, p := range ps {
			if p/LayerWidth != i/LayerWidth-1 || seen[p] {
				t.Fatalf("model %d: parents %v must be distinct models of the layer below", i, ps)
			}
			seen[p] = true
		}
	}
	for n := 1; n <= 3; n++ {
		if counts[n] < 200 {
			t.Errorf("want many models with %d parents, got %d (%v)", n, counts[n], counts)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.csv")
	if err := WriteCSV(path, 100_000); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(path)
	if info.Size() < 100_000 || info.Size() > 100_200 {
		t.Errorf("size %d, want about 100000", info.Size())
	}
	if strings.Join(recs[0], ",") != "id,amount,day,updated_at,active,label" || recs[1][0] != "0" || len(recs) < 1000 {
		t.Errorf("unexpected CSV: %v ... (%d records)", recs[:2], len(recs))
	}
}

func TestWriteBadOptions(t *testing.T) {
	if err := Write(t.TempDir(), Options{Models: 0}); err == nil {
		t.Error("0 models: want an error")
	}
	if err := Write(t.TempDir(), Options{Models: 1, Materialized: "incremental"}); err == nil {
		t.Error("incremental: want an error")
	}
}
