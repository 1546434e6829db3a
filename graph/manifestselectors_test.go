package graph

import (
	"encoding/json"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestManifestSelectors: manifest.json's selectors, normalized as dbt's
// SelectorDict normalizes them.
func TestManifestSelectors(t *testing.T) {
	src := `selectors:
  - name: nightly
    description: nightly models
    default: true
    definition: "tag:nightly+"
  - name: by_path
    definition: models/staging
  - name: by_file
    definition: "2+orders.sql"
  - name: combined
    definition:
      union:
        - "@stg_orders"
        - tag: finance
        - method: config.materialized
          value: table
          children: true
        - exclude:
            - stg_payments
            - {tag: deprecated}
  - name: reuse
    definition:
      intersection:
        - method: selector
          value: nightly
        - resource_type: model
  - name: plain_method
    definition:
      method: state
      value: modified
      exclude: [tag:x]
`
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(ManifestSelectors(&doc))
	if err != nil {
		t.Fatal(err)
	}
	want := `{` +
		`"by_file":{"definition":{"method":"file","parents":true,"parents_depth":"2","value":"orders.sql"},"name":"by_file"},` +
		`"by_path":{"definition":{"method":"path","value":"models/staging"},"name":"by_path"},` +
		`"combined":{"definition":{"union":[` +
		`{"childrens_parents":true,"method":"fqn","value":"stg_orders"},` +
		`{"method":"tag","value":"finance"},` +
		`{"children":true,"method":"config.materialized","value":"table"},` +
		`{"exclude":[{"method":"fqn","value":"stg_payments"},{"method":"tag","value":"deprecated"}]}]},"name":"combined"},` +
		`"nightly":{"default":true,"definition":{"children":true,"method":"tag","value":"nightly"},"description":"nightly models","name":"nightly"},` +
		`"plain_method":{"definition":{"exclude":["tag:x"],"method":"state","value":"modified"},"name":"plain_method"},` +
		`"reuse":{"definition":{"intersection":[{"children":true,"method":"tag","value":"nightly"},{"method":"resource_type","value":"model"}]},"name":"reuse"}` +
		`}`
	if string(got) != want {
		t.Errorf("manifest selectors:\nwant %s\ngot  %s", want, got)
	}
	var anchored yaml.Node
	if err := yaml.Unmarshal([]byte("selectors:\n  - name: a\n    definition: &d {method: tag, value: x}\n  - name: b\n    definition:\n      <<: *d\n      value: y\n"), &anchored); err != nil {
		t.Fatal(err)
	}
	if got, _ := json.Marshal(ManifestSelectors(&anchored)["b"]); string(got) != `{"definition":{"method":"tag","value":"y"},"name":"b"}` {
		t.Errorf("merge key in a definition: %s", got)
	}
	if got := ManifestSelectors(nil); len(got) != 0 {
		t.Errorf("no selectors.yml: want {}, got %v", got)
	}
}
