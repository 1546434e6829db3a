package state

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/elt-dev/elt/internal/lazyre"
)

// currentManifestVersion is the manifest schema dbt 1.10 writes (and
// elt's docs package); older ones it can read are upgraded first.
const currentManifestVersion = 12

// oldestManifestVersion is the oldest manifest schema dbt 1.10 still
// reads as --state (WritableManifest.compatible_previous_versions).
const oldestManifestVersion = 4

var manifestVersionURL = lazyre.New(`^https://schemas\.getdbt\.com/dbt/manifest/v(\d+)\.json$`)

// manifestSchemaVersion is the schema version metadata.dbt_schema_version
// names: the current one when the manifest names none (elt's tests, a
// hand-written manifest). A manifest of a schema dbt cannot read (v1-v3,
// or a newer one) is an error, in dbt's words (IncompatibleSchemaError).
func manifestSchemaVersion(file string, data []byte) (int, error) {
	var head struct {
		Metadata struct {
			SchemaVersion *string `json:"dbt_schema_version"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(data, &head); err != nil || head.Metadata.SchemaVersion == nil {
		// Not a manifest at all: the full read says why.
		return currentManifestVersion, nil
	}
	found := *head.Metadata.SchemaVersion
	incompatible := fmt.Errorf(`Expected a schema version of "https://schemas.getdbt.com/dbt/manifest/v%d.json" in %s, but found "%s". Are you running with a different version of dbt?`,
		currentManifestVersion, file, found)
	match := manifestVersionURL().FindStringSubmatch(found)
	if match == nil {
		return 0, incompatible
	}
	v, err := strconv.Atoi(match[1])
	if err != nil || v < oldestManifestVersion || v > currentManifestVersion {
		return 0, incompatible
	}
	return v, nil
}

// upgradeNode reads a node of an older manifest as dbt reads it once
// upgraded (upgrade_manifest_json, then from_dict's defaults): the body
// of schema v4-v6 (raw_sql) is raw_code, and a model of a schema from
// before access existed (v4-v8) is protected, dbt's default.
func upgradeNode(n *Node) {
	if n.RawCode == "" && n.RawSQL != "" {
		n.RawCode = n.RawSQL
	}
	n.RawSQL = ""
	if n.ResourceType == "model" && n.Access == nil {
		protected := "protected"
		n.Access = &protected
	}
}
