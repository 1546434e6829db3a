package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Manifest is what the comparisons read of a manifest.json (dbt's v12
// schema, as elt's docs package and dbt itself write it).
type Manifest struct {
	AdapterType string
	// Nodes holds nodes, sources, unit tests, exposures, metrics, semantic
	// models and saved queries by unique id.
	Nodes map[string]*Node
	// Disabled are the ids under the manifest's disabled key.
	Disabled map[string]bool
	Macros   map[string]*Macro
	// CompareMoreUnrendered is the project's
	// state_modified_compare_more_unrendered_values, set on the current
	// manifest: sources' database and schema compare as written when
	// true, as rendered by default (dbt's same_database_representation).
	CompareMoreUnrendered bool
}

// Node is one node, source or unit test of a manifest.
type Node struct {
	UniqueID         string  `json:"unique_id"`
	ResourceType     string  `json:"resource_type"`
	Name             string  `json:"name"`
	PackageName      string  `json:"package_name"`
	OriginalFilePath string  `json:"original_file_path"`
	Database         *string `json:"database"`
	Schema           string  `json:"schema"`
	Alias            string  `json:"alias"`
	Identifier       string  `json:"identifier"` // sources
	// UnrenderedDatabase and UnrenderedSchema are a source's database and
	// schema as written (dbt 1.9); nil when the manifest has no such key.
	UnrenderedDatabase json.RawMessage `json:"unrendered_database"`
	UnrenderedSchema   json.RawMessage `json:"unrendered_schema"`
	RelationName       *string         `json:"relation_name"`
	FQN                []string        `json:"fqn"`
	Checksum           *FileHash       `json:"checksum"`
	RawCode            string          `json:"raw_code"`
	// RawSQL is the body as manifests of schema v4-v6 (dbt 1.0-1.2) name
	// it; reading one moves it to RawCode, as dbt's upgrade does.
	RawSQL           string             `json:"raw_sql"`
	Config           map[string]any     `json:"config"`
	UnrenderedConfig map[string]any     `json:"unrendered_config"`
	Description      string             `json:"description"`
	Columns          map[string]*Column `json:"columns"`
	Contract         *Contract          `json:"contract"`
	DependsOn        *DependsOn         `json:"depends_on"`
	Access           *string            `json:"access"`
	Version          any                `json:"version"`
	LatestVersion    any                `json:"latest_version"`
	DeprecationDate  *string            `json:"deprecation_date"`
	Constraints      []any              `json:"constraints"`
	Quoting          map[string]any     `json:"quoting"`   // sources
	Freshness        any                `json:"freshness"` // sources
	LoadedAtField    *string            `json:"loaded_at_field"`
	External         any                `json:"external"`
	TestMetadata     map[string]any     `json:"test_metadata"`
	// Exposures.
	Type     string  `json:"type"`
	Label    *string `json:"label"`
	Maturity *string `json:"maturity"`
	Owner    any     `json:"owner"`
	URL      *string `json:"url"`
	// Unit tests: a manifest an earlier elt wrote has a null checksum,
	// so then the definition itself is compared.
	Model     string `json:"model"`
	Given     any    `json:"given"`
	Expect    any    `json:"expect"`
	Overrides any    `json:"overrides"`
	// Semantic models (Model is the ref they read).
	Defaults      any `json:"defaults"`
	Entities      any `json:"entities"`
	Dimensions    any `json:"dimensions"`
	Measures      any `json:"measures"`
	PrimaryEntity any `json:"primary_entity"`
	Group         any `json:"group"`
	// Saved queries.
	QueryParams *QueryParams `json:"query_params"`
	Exports     []Export     `json:"exports"`
	Tags        any          `json:"tags"`
}

// QueryParams are a saved query's query_params.
type QueryParams struct {
	Metrics any `json:"metrics"`
	GroupBy any `json:"group_by"`
	Where   any `json:"where"`
}

// Export is one of a saved query's exports.
type Export struct {
	Name             string         `json:"name"`
	UnrenderedConfig map[string]any `json:"unrendered_config"`
}

// FileHash is a node's checksum: {"name": "sha256", "checksum": "..."} for
// nodes, a plain string for dbt's unit tests.
type FileHash struct {
	Name     string `json:"name"`
	Checksum string `json:"checksum"`
}

// UnmarshalJSON reads either form.
func (h *FileHash) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*h = FileHash{Checksum: s}
		return nil
	}
	type plain FileHash
	return json.Unmarshal(b, (*plain)(h))
}

// Column is one documented column.
type Column struct {
	Name        string  `json:"name"`
	Description string  `json:"description"`
	DataType    *string `json:"data_type"`
	Constraints []any   `json:"constraints"`
}

// Contract is a model's contract.
type Contract struct {
	Enforced bool    `json:"enforced"`
	Checksum *string `json:"checksum"`
}

// DependsOn is a node's depends_on.
type DependsOn struct {
	Macros []string `json:"macros"`
	Nodes  []string `json:"nodes"`
}

// Macro is one macro of a manifest.
type Macro struct {
	UniqueID  string     `json:"unique_id"`
	MacroSQL  string     `json:"macro_sql"`
	DependsOn *DependsOn `json:"depends_on"`
}

// ParseManifest reads manifest.json bytes; file names the file in errors.
func ParseManifest(file string, data []byte) (*Manifest, error) {
	var raw struct {
		Metadata struct {
			AdapterType   *string `json:"adapter_type"`
			SchemaVersion *string `json:"dbt_schema_version"`
		} `json:"metadata"`
		Nodes     map[string]*Node `json:"nodes"`
		Sources   map[string]*Node `json:"sources"`
		UnitTests map[string]*Node `json:"unit_tests"`
		Exposures map[string]*Node `json:"exposures"`
		// The semantic layer's resources.
		Metrics        map[string]*Node           `json:"metrics"`
		SemanticModels map[string]*Node           `json:"semantic_models"`
		SavedQueries   map[string]*Node           `json:"saved_queries"`
		Macros         map[string]*Macro          `json:"macros"`
		Disabled       map[string]json.RawMessage `json:"disabled"`
	}
	version, err := manifestSchemaVersion(file, data)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s is not a dbt manifest: %w", file, err)
	}
	if raw.Nodes == nil {
		return nil, fmt.Errorf("%s is not a dbt manifest: it has no nodes", file)
	}
	m := &Manifest{Nodes: map[string]*Node{}, Disabled: map[string]bool{}, Macros: raw.Macros}
	if raw.Metadata.AdapterType != nil {
		m.AdapterType = *raw.Metadata.AdapterType
	}
	if m.Macros == nil {
		m.Macros = map[string]*Macro{}
	}
	for _, group := range []map[string]*Node{raw.Nodes, raw.Sources, raw.UnitTests, raw.Exposures, raw.Metrics, raw.SemanticModels, raw.SavedQueries} {
		for id, n := range group {
			if n == nil {
				continue
			}
			if n.UniqueID == "" {
				n.UniqueID = id
			}
			if version < currentManifestVersion {
				upgradeNode(n)
			}
			m.Nodes[id] = n
		}
	}
	for id := range raw.Disabled {
		m.Disabled[id] = true
	}
	return m, nil
}

// Previous is an earlier run's artifacts, read from a --state folder.
type Previous struct {
	Dir      string
	Manifest *Manifest
	// Results maps unique ids to their status in run_results.json
	// ("success", "error", "fail", "warn", "skipped", "pass"); nil when the
	// folder has no run_results.json.
	Results map[string]string
	// Sources are the source freshness results of sources.json; nil when
	// the folder has none.
	Sources *Freshness
}

// Freshness is a sources.json: the newest load time of each source whose
// freshness was found, and the sources whose check failed to run.
type Freshness struct {
	MaxLoadedAt  map[string]time.Time
	RuntimeError map[string]bool
}

// Read reads manifest.json, and run_results.json and sources.json when
// present, from dir. A missing manifest.json is an error: every state
// method needs it.
func Read(ctx context.Context, dir string) (*Previous, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := &Previous{Dir: dir}
	file := filepath.Join(dir, "manifest.json")
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--state: %w (point --state at the target folder of an earlier run, holding its manifest.json)", err)
	}
	if p.Manifest, err = ParseManifest(file, data); err != nil {
		return nil, fmt.Errorf("--state: %w", err)
	}
	file = filepath.Join(dir, "run_results.json")
	if data, err = os.ReadFile(file); err == nil {
		if p.Results, err = ParseRunResults(file, data); err != nil {
			return nil, fmt.Errorf("--state: %w", err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("--state: %w", err)
	}
	file = filepath.Join(dir, "sources.json")
	if data, err = os.ReadFile(file); err == nil {
		if p.Sources, err = ParseSources(file, data); err != nil {
			return nil, fmt.Errorf("--state: %w", err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("--state: %w", err)
	}
	return p, nil
}

// ParseRunResults reads run_results.json into unique id -> status.
func ParseRunResults(file string, data []byte) (map[string]string, error) {
	var raw struct {
		Results []struct {
			UniqueID string `json:"unique_id"`
			Status   string `json:"status"`
		} `json:"results"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s is not a dbt run_results.json: %w", file, err)
	}
	out := make(map[string]string, len(raw.Results))
	for _, r := range raw.Results {
		out[r.UniqueID] = r.Status
	}
	return out, nil
}

// ParseSources reads sources.json (dbt's sources v3).
func ParseSources(file string, data []byte) (*Freshness, error) {
	var raw struct {
		Results []struct {
			UniqueID    string  `json:"unique_id"`
			MaxLoadedAt *string `json:"max_loaded_at"`
		} `json:"results"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s is not a dbt sources.json: %w", file, err)
	}
	f := &Freshness{MaxLoadedAt: map[string]time.Time{}, RuntimeError: map[string]bool{}}
	for _, r := range raw.Results {
		if r.MaxLoadedAt == nil {
			f.RuntimeError[r.UniqueID] = true
			continue
		}
		t, err := parseTime(*r.MaxLoadedAt)
		if err != nil {
			return nil, fmt.Errorf("%s: max_loaded_at of %s: %w", file, r.UniqueID, err)
		}
		f.MaxLoadedAt[r.UniqueID] = t
	}
	return f, nil
}

func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read the time %q", s)
}
