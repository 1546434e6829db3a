package schematest

import (
	"strings"
	"testing"
)

const valid = `{"metadata":{"dbt_schema_version":"https://schemas.getdbt.com/dbt/run-results/v6.json","dbt_version":"1.9.0","generated_at":"2024-05-01T10:00:00.123456Z","invocation_id":"x","env":{}},
"results":[{"status":"success","timing":[{"name":"execute","started_at":"2024-05-01T10:00:00.000000Z","completed_at":"2024-05-01T10:00:01.000000Z"}],"thread_id":"Thread-1","execution_time":1.0,"adapter_response":{},"message":"OK","failures":null,"unique_id":"model.a.b","compiled":true,"compiled_code":"select 1","relation_name":"\"db\".\"main\".\"b\""}],
"elapsed_time":1.5,"args":{}}`

func TestValidateRunResults(t *testing.T) {
	if err := ValidateRunResults([]byte(valid)); err != nil {
		t.Fatalf("a valid artifact was refused: %v", err)
	}
	broken := map[string]string{
		"negative execution time": strings.Replace(valid, `"execution_time":1.0`, `"execution_time":-9223372036.85`, 1),
		"null completed_at":       strings.Replace(valid, `"completed_at":"2024-05-01T10:00:01.000000Z"`, `"completed_at":null`, 1),
		"cancelled status":        strings.Replace(valid, `"status":"success"`, `"status":"cancelled"`, 1),
		"unknown key":             strings.Replace(valid, `"elapsed_time":1.5`, `"elapsed_time":1.5,"extra":1`, 1),
		"missing message":         strings.Replace(valid, `"message":"OK",`, ``, 1),
	}
	for name, doc := range broken {
		if err := ValidateRunResults([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
