package project

import "testing"

// TestCatalogsFile: catalogs.yml that declares a catalog stops the load
// at the catalog's line (elt has no catalog integrations, as dbt-postgres
// and dbt-duckdb have none); one that declares none loads.
func TestCatalogsFile(t *testing.T) {
	files := map[string]string{
		"dbt_project.yml": baseProject,
		"models/m.sql":    "select 1",
		"catalogs.yml":    "catalogs:\n  - name: ice\n    active_write_integration: w\n    write_integrations:\n      - name: w\n        catalog_type: iceberg_rest\n",
	}
	_, err := loadDir(t, newProject(t, files), Options{})
	d, ok := findDiag(diagList(t, err), "does not support catalog integrations")
	if !ok || d.File != CatalogsFile || d.Pos.Line != 2 {
		t.Fatalf("want a catalogs.yml:2 error, got %v", err)
	}
	files["catalogs.yml"] = "catalogs: []\n"
	mustLoad(t, files)
}
